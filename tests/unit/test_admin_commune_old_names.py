"""Every old ward name typed to `binhyen admin create --commune`: taken only when it stands for
one commune. 1,108 of the 10,035 wards before 2025 bear a name that a commune somewhere else
bears now, or that other old wards bore; taking the first such commune made an account in a
commune that the ward never went into, whose officer then read another commune's tips."""

from __future__ import annotations

import unicodedata
from collections import defaultdict

from admin.cli import CreateUserError, find_commune
from content import area_search, areas


def _spelt(name: str) -> str:
    return unicodedata.normalize("NFC", " ".join(name.split())).casefold()


def _bearers() -> dict[str, list[set[str]]]:
    """Each old ward's name, as written → who bore it, each as the communes it leads to: every
    old ward of that name (the communes it went into, wholly or in part), and each commune so
    named now (itself)."""
    led: dict[str, list[set[str]]] = defaultdict(list)
    now: dict[str, list[set[str]]] = defaultdict(list)
    for p in areas.provinces():
        for ward in areas.wards_before(p.code):
            led[ward.name].append(set(ward.communes))
        for commune in areas.communes_of(p.code):
            now[_spelt(commune.name)].append({commune.code})
    return {name: went + now.get(_spelt(name), []) for name, went in led.items()}


def test_an_old_ward_name_is_taken_only_when_it_stands_for_one_commune() -> None:
    taken: dict[str, str] = {}
    refused = 0
    for name, bearers in _bearers().items():
        try:
            taken[name] = find_commune(name).code
        except CreateUserError:
            refused += 1
            continue
        # Taken: whoever bore the name led there (Phường Long Biên now, and the old ward of
        # that name, split between it and Bồ Đề); none of them only elsewhere.
        assert all(taken[name] in led for led in bearers), (name, bearers, taken[name])
    # Not refused wholesale: most old names are still one commune's.
    assert len(taken) > 4000 and refused > 1000
    assert "Phường Vĩnh Phúc" not in taken and "Phường Trần Phú" not in taken
    assert taken["Phường Phú Lãm"] == "09568" and taken["Phường Bến Nghé"] == "26740"
    assert taken["Phường Long Biên"] == "00148"
    # What `binhyen areas search` prints for a name taken is that one commune.
    for name in ("Phường Phú Lãm", "Phường Long Biên", "Phường Bến Nghé"):
        assert [m.commune.code for m in area_search.search(name).matches] == [taken[name]]
