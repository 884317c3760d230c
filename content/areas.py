"""Provinces and communes after the 2025 merger, from the `vietnam-provinces` package.

Codes are the GSO codes as zero-padded strings: provinces 2 digits, communes 5 digits.
Search ignores accents, case and the unit word ("phường", "xã", "đặc khu").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from vietnam_provinces import Province, Ward

from content.text import fold

_UNIT_WORDS = ("thanh pho", "tinh", "phuong", "xa", "dac khu", "tp.", "tp")
_PROVINCE_ALIASES = {
    "hn": "01",
    "ha noi": "01",
    "hcm": "79",
    "tphcm": "79",
    "tp hcm": "79",
    "sai gon": "79",
    "saigon": "79",
    "ho chi minh": "79",
    "hue": "46",
}


@dataclass(frozen=True, slots=True)
class Area:
    code: str
    name: str
    folded: str
    bare: str


@dataclass(frozen=True, slots=True)
class Commune(Area):
    province_code: str


def _strip_unit(folded: str) -> str:
    for word in _UNIT_WORDS:
        if folded.startswith(word + " "):
            return folded[len(word) + 1 :].strip()
    return folded


def _province_code(code: int) -> str:
    return f"{int(code):02d}"


def _commune_code(code: int) -> str:
    return f"{int(code):05d}"


@cache
def provinces() -> tuple[Area, ...]:
    """The 34 provinces and centrally-run cities, in the package's (GSO) order."""
    return tuple(
        Area(_province_code(p.code), p.name, fold(p.name), _strip_unit(fold(p.name)))
        for p in Province.iter_all()
    )


@cache
def _communes_by_province() -> dict[str, tuple[Commune, ...]]:
    grouped: dict[str, list[Commune]] = {}
    for w in Ward.iter_all():
        # Normalise case: one upstream record is lower-case ("xã Bắc Sơn").
        name = " ".join(w.name.split())
        name = name[:1].upper() + name[1:]
        folded = fold(name)
        commune = Commune(
            _commune_code(w.code),
            name,
            folded,
            _strip_unit(folded),
            _province_code(w.province_code),
        )
        grouped.setdefault(commune.province_code, []).append(commune)
    return {code: tuple(sorted(items, key=lambda c: c.folded)) for code, items in grouped.items()}


@cache
def _commune_index() -> dict[str, Commune]:
    return {c.code: c for group in _communes_by_province().values() for c in group}


def province(code: str) -> Area | None:
    return next((p for p in provinces() if p.code == code), None)


def commune(code: str) -> Commune | None:
    return _commune_index().get(code)


def communes_of(province_code: str) -> tuple[Commune, ...]:
    return _communes_by_province().get(province_code, ())


def _search(areas: tuple[Area, ...] | tuple[Commune, ...], query: str) -> list[Area]:
    q = fold(query).strip(" .,")
    if not q:
        return []
    exact = [a for a in areas if q in (a.folded, a.bare)]
    if exact:
        return list(exact)
    starts = [a for a in areas if a.bare.startswith(q)]
    inside = [a for a in areas if f" {q}" in f" {a.folded}" and a not in starts]
    return starts + inside


def find_provinces(query: str) -> list[Area]:
    alias = _PROVINCE_ALIASES.get(fold(query).strip(" ."))
    if alias:
        found = province(alias)
        return [found] if found else []
    return _search(provinces(), query)


def find_communes(province_code: str, query: str) -> list[Commune]:
    """Communes of one province whose name matches, exact matches alone when there are any."""
    return [c for c in _search(communes_of(province_code), query) if isinstance(c, Commune)]
