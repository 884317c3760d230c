"""Provinces and communes after the 2025 merger, from the `vietnam-provinces` package, and the
units before it (content/packs/areas/) for residents who know only their old ward and district.

Codes are the GSO codes as zero-padded strings: provinces 2 digits, communes 5 digits; an old
unit keeps its old code (3 digits for a district, 5 for a ward, commune or town).
Search ignores accents, case and the unit word ("phường", "xã", "đặc khu"), but a name typed
with marks is taken as it only where the marks are the name's (`same_marks`).
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from vietnam_provinces import Province, Ward

from content.schema.areas import Before, ProvincesBefore
from content.schema.base import PackError, shown, validate
from content.text import fold, letters, typed_as

PACK_DIR = Path(__file__).parent / "packs" / "areas"
_UNIT_WORDS = ("thanh pho", "tinh", "phuong", "xa", "dac khu", "tp.", "tp")
_OLD_UNIT_WORDS = ("thi tran", "thi xa", "thanh pho", "phuong", "xa", "quan", "huyen")
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
NEAREST = 8  # at most this many names offered for a name not found
_CUTOFF = 75  # rapidfuzz's ratio (0-100) a name must reach to be offered: "ba dihn" scores 86


@dataclass(frozen=True, slots=True)
class Area:
    code: str
    name: str
    folded: str
    bare: str


@dataclass(frozen=True, slots=True)
class Commune(Area):
    province_code: str


@dataclass(frozen=True, slots=True)
class Former:
    """A unit before the 2025 arrangement: a ward, commune or town, or a district (which went
    into the new communes of all its wards)."""

    code: str  # its old GSO code: 3 digits for a district, 5 for a ward
    name: str  # "Phường Bến Nghé", "Quận 1"
    within: str  # "Quận 1" for a ward (", Tỉnh Bình Dương" added for another old province)
    folded: str
    bare: str  # "ben nghe", "1"
    key: str  # the bare name's letters and digits only: "ch om" for "Ch'ơm"
    district: str  # a ward's district's code; a district's own
    communes: tuple[str, ...]  # the new communes it went into, wholly or in part

    @property
    def is_district(self) -> bool:
        return len(self.code) == 3

    @property
    def place(self) -> str:
        """'Phường Bến Nghé, Quận 1': the name and, for a ward, where it was."""
        return f"{self.name}, {self.within}" if self.within else self.name


class Found(enum.StrEnum):
    COMMUNE = "commune"  # one commune by its name now: `communes[0]`
    FORMER = "former"  # one old unit, `formers[0]`; `communes` are where it went
    FORMERS = "formers"  # several old units went by that name: which one is meant
    LISTED = "listed"  # communes whose name is, begins with or holds what was typed
    BOTH = "both"  # a commune's name now, and before an old unit's that went elsewhere
    # a commune's name now, and before an old district's that went into several communes:
    # `communes` now; in `formers` those districts (first the one they were part of), then
    # the other old units of that name that went elsewhere
    NOW_OR_DISTRICT = "now_or_district"
    LETTER = "letter"  # a letter typed alone: the communes whose name begins with it
    SUGGESTED = "suggested"  # no name is that: the nearest names, new and old, in `nearest`
    NOTHING = "nothing"


@dataclass(frozen=True, slots=True)
class Finding:
    found: Found
    communes: tuple[Commune, ...] = ()
    formers: tuple[Former, ...] = ()
    nearest: tuple[Commune | Former, ...] = ()


def _strip_unit(folded: str, words: tuple[str, ...] = _UNIT_WORDS) -> str:
    for word in words:
        if folded.startswith(word + " "):
            return folded[len(word) + 1 :].strip()
    return folded


def plain(area: Area | Former) -> str:
    """The name without its unit word, marks kept: 'Ba Đình' for 'Phường Ba Đình'. Folding
    keeps an NFC name's length, so the unit word is as long in both."""
    return area.name[len(area.folded) - len(area.bare) :]


_TONE = "[\u0300\u0301\u0303\u0309\u0323]"
_OLD_PLACE = re.compile(rf"([oO])({_TONE})([aAeE])|([uU])({_TONE})([yY])")


def _tone_placed(text: str) -> str:
    """The tone of oa, oe and uy on the second vowel: 'Hòa' and 'Hoà', 'Thủy' and 'Thuỷ' are
    one name written the old and the new way (the package writes some communes each way)."""
    moved = _OLD_PLACE.sub(
        lambda m: m[1] + m[3] + m[2] if m[1] else m[4] + m[6] + m[5],
        unicodedata.normalize("NFD", text),
    )
    return unicodedata.normalize("NFC", moved)


def same_marks(typed: str, name: str) -> bool:
    """Whether `typed` spells `name` (content.text.typed_as: marks may be left out, none may
    differ), wherever the tone of oa, oe and uy was put."""
    return typed_as(_tone_placed(typed), _tone_placed(name))


# --- provinces and communes now ---------------------------------------------------------------


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


# --- browsing a province's communes by their first letter ------------------------------------


def _initial(c: Commune) -> str:
    first = plain(c)[:1]
    return "Đ" if first in "Đđ" else fold(first).upper()


@cache
def _by_initial(province_code: str) -> dict[str, tuple[Commune, ...]]:
    grouped: dict[str, list[Commune]] = {}
    for c in communes_of(province_code):
        grouped.setdefault(_initial(c), []).append(c)
    ordered = sorted(grouped, key=lambda letter: (fold(letter), letter != fold(letter).upper()))
    return {k: tuple(sorted(grouped[k], key=lambda c: (c.bare, c.folded))) for k in ordered}


def initials(province_code: str) -> tuple[tuple[str, int], ...]:
    """The first letters of the province's communes (the unit word aside), in the order of
    the Vietnamese alphabet (D before Đ; Ă, Â under A), each with its number of communes."""
    return tuple((k, len(v)) for k, v in _by_initial(province_code).items())


def under_initial(province_code: str, letter: str) -> tuple[Commune, ...]:
    return _by_initial(province_code).get(letter, ())


def starting_with(province_code: str, letter: str) -> tuple[Commune, ...]:
    """The communes whose name begins with a letter typed alone, as the browse page groups
    them: D and Đ are two letters, and a letter typed with its mark means it ("Â": not "A";
    "U": also "Ư"). A tone is no part of the letter: "Ư" is the initial of "Ứng Hòa"."""
    group = "Đ" if letter in "Đđ" else fold(letter).upper()
    under = under_initial(province_code, group)
    return tuple(c for c in under if same_marks(_toneless(letter), _toneless(plain(c)[:1])))


def _toneless(text: str) -> str:
    return unicodedata.normalize("NFC", re.sub(_TONE, "", unicodedata.normalize("NFD", text)))


# --- the units before 2025 --------------------------------------------------------------------


def _read(path: Path) -> Any:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml reads it 9x faster
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise PackError([f"{shown(path)}: cannot be read: {' '.join(str(exc).split())}"]) from None


def pack_path(province_code: str) -> Path | None:
    return next(iter(sorted(PACK_DIR.glob(f"{province_code}_*.yaml"))), None)


def load_before(province_code: str) -> Before | None:
    """The province's file, validated against its communes now; None when it has none."""
    path = pack_path(province_code)
    if path is None:
        return None
    names = {c.name for c in communes_of(province_code)}
    context = {"code": province_code, "communes": names}
    return validate(Before, _read(path), path, context)


@dataclass(frozen=True)
class _Book:
    """One province's names, new and old, indexed for the finder."""

    communes: tuple[Commune, ...]
    wards: tuple[Former, ...]
    districts: tuple[Former, ...]
    by_key: dict[str, tuple[Commune, ...]] = field(default_factory=dict)
    formers: dict[str, Former] = field(default_factory=dict)


def _former(
    code: str, name: str, within: str, district: str, now: tuple[str, ...], codes: dict[str, str]
) -> Former:
    folded = fold(name)
    bare = _strip_unit(folded, _OLD_UNIT_WORDS)
    communes = tuple(codes[n] for n in now)
    return Former(code, name, within, folded, bare, _key(bare), district, communes)


@cache  # the names of a pool are keyed at each search for the nearest
def _key(name: str) -> str:
    """A name's letters and digits only, folded: typed words lose "'" and "-" ("Ch'ơm",
    "Phan Rang - Tháp Chàm")."""
    return fold(letters(name))


def _district_communes(wards: list[Former]) -> tuple[str, ...]:
    """The new communes a district's wards went into, those most of its wards went into
    first."""
    counted = Counter(c for w in wards for c in w.communes)
    return tuple(sorted(counted, key=lambda c: (-counted[c], _commune_index()[c].bare)))


@cache
def _book(province_code: str) -> _Book:
    communes = communes_of(province_code)
    by_key: dict[str, list[Commune]] = {}
    for c in communes:
        by_key.setdefault(_key(c.bare), []).append(c)
    codes = {c.name: c.code for c in communes}
    here = province(province_code)
    wards: list[Former] = []
    districts: list[Former] = []
    before = load_before(province_code)
    for old in before.before if before else ():
        elsewhere = here is None or fold(old.province) != here.folded
        for d in old.districts:
            own = [
                _former(
                    w.code, w.name, _within(d.name, old.province, elsewhere), d.code, w.now, codes
                )
                for w in d.wards
            ]
            wards += own
            district = _former(
                d.code, d.name, old.province if elsewhere else "", d.code, d.now, codes
            )
            if own:
                district = replace(district, communes=_district_communes(own))
            districts.append(district)
    formers = {f.code: f for f in (*wards, *districts)}
    return _Book(
        communes,
        tuple(wards),
        tuple(districts),
        {k: tuple(v) for k, v in by_key.items()},
        formers,
    )


def _within(district: str, old_province: str, elsewhere: bool) -> str:
    return f"{district}, {old_province}" if elsewhere else district


def wards_before(province_code: str) -> tuple[Former, ...]:
    """The wards, communes and towns of what is now the province, before 2025."""
    return _book(province_code).wards


def districts_before(province_code: str) -> tuple[Former, ...]:
    return _book(province_code).districts


def former(province_code: str, code: str) -> Former | None:
    """An old unit of what is now the province, by its old code."""
    return _book(province_code).formers.get(code)


def communes_from(former_unit: Former) -> tuple[Commune, ...]:
    return tuple(c for c in map(commune, former_unit.communes) if c is not None)


@cache
def _provinces_before() -> dict[str, tuple[str, ...]]:
    path = PACK_DIR / "provinces_before_2025.yaml"
    return validate(ProvincesBefore, _read(path), path).provinces


def former_province(query: str) -> tuple[str, Area] | None:
    """(the old province's name, the province it is part of now) for a province before
    2025 that is not named as one now: 'Bình Dương' → Thành phố Hồ Chí Minh."""
    q = _strip_unit(fold(query).strip(" ."), ("tinh", "thanh pho", "tp"))
    for code, names in _provinces_before().items():
        now = province(code)
        for name in names:
            if now and q == _strip_unit(fold(name), ("tinh", "thanh pho")) and q != now.bare:
                return name, now
    return None


def problems() -> list[str]:
    """Problems of content/packs/areas/: every file read and checked against the communes."""
    found: list[str] = []
    try:
        listed = _provinces_before()
    except PackError as exc:
        found += exc.problems
        listed = {}
    for p in provinces():
        try:
            before = load_before(p.code)
        except PackError as exc:
            found += exc.problems
            continue
        if before is None:
            found.append(f"{shown(PACK_DIR)}: no file for {p.code} ({p.name})")
            continue
        names = {old.province for old in before.before}
        if listed and not names <= set(listed.get(p.code, ())):
            found.append(f"provinces_before_2025.yaml: {p.code} lacks {sorted(names)}")
    return found


# --- the finder --------------------------------------------------------------------------------
# What a resident types at the commune step: a name now ("Bến Thành"), an old ward with or
# without its district ("phường 1, quận 3", "P1 Q3", "Bến Nghé Q1"), an old district ("Q1",
# "quận 1", "H. Củ Chi", "TX Thuận An", "TP Thủ Đức"), or any of them misspelt. A unit word
# may also be a word of a name ("Phúc Xá", "Quán Thánh", "Phương Mai"): each reading is tried.

_UNITS = {
    "phuong": "phường",
    "xa": "xã",
    "thi tran": "thị trấn",
    "dac khu": "đặc khu",
    "quan": "quận",
    "huyen": "huyện",
    "thi xa": "thị xã",
    "thanh pho": "thành phố",
}
_SHORT = {
    "p": "phuong",
    "tt": "thi tran",
    "q": "quan",
    "h": "huyen",
    "tx": "thi xa",
    "tp": "thanh pho",
}
_DISTRICT_UNITS = frozenset({"quan", "huyen", "thi xa", "thanh pho"})
_GLUED = re.compile(r"(q|p|h|tx|tp|tt)(\d+)")


def _words(query: str) -> list[str]:
    """The words typed, lower case with their marks, "q1" as "q 1", "phường 01" as "phường 1"."""
    out: list[str] = []
    for word in letters(query).split():
        glued = _GLUED.fullmatch(word)
        out += [glued[1], glued[2]] if glued else [word]
    return [(w.lstrip("0") or w) if w.isdecimal() else w for w in out]


def _unit_at(words: list[str], at: int) -> tuple[int, str] | None:
    """(how many words, the unit folded) when a unit word ("quận", "Q", "thị trấn") begins at
    `at`. Typed with marks, they must be the unit's: "Quán" is a name, not "quận"."""
    for size in (2, 1):
        said = " ".join(words[at : at + size])
        if len(words) - at < size:
            continue
        if size == 1 and said in _SHORT:
            return 1, _SHORT[said]
        folded = fold(said)
        if folded in _UNITS and same_marks(said, _UNITS[folded]):
            return size, folded
    return None


def _is_province(province_code: str, said: str) -> bool:
    folded = _strip_unit(fold(said), ("tinh", "thanh pho", "tp"))
    here = province(province_code)
    if here is None:
        return False
    if _PROVINCE_ALIASES.get(folded) == province_code or folded == here.bare:
        return True
    before = _provinces_before().get(province_code, ())
    return folded in {_strip_unit(fold(n), ("tinh", "thanh pho")) for n in before}


def _readings(province_code: str, words: list[str]) -> list[list[str]]:
    """The words as typed, then without the province named after them ("Bến Nghé, TP HCM");
    none when they name only the province."""
    if _is_province(province_code, " ".join(words)):
        return []
    cut = next(
        (i for i in range(1, len(words)) if _is_province(province_code, " ".join(words[i:]))),
        None,
    )
    return [words] if cut is None else [words, words[:cut]]


@dataclass
class _Look:
    """The exact lookups of one query, keeping the names spelt alike with other marks."""

    book: _Book
    others: list[Commune | Former] = field(default_factory=list)

    def communes(self, said: str) -> list[Commune]:
        same, other = _marked(list(self.book.by_key.get(fold(said), ())), said)
        self.others += [o for o in other if o not in self.others]
        return same

    def formers(self, formers: tuple[Former, ...], unit: str, said: str) -> list[Former]:
        q = fold(said)
        named = [f for f in formers if f.key == q]
        if unit:  # "TT Củ Chi": the town, not another unit of that name
            named = [f for f in named if f.folded.startswith(unit + " ")] or named
        same, other = _marked(named, said)
        self.others += [o for o in other if o not in self.others]
        return same


def _marked(items: list[Any], said: str) -> tuple[list[Any], list[Any]]:
    """(the items the typed name spells, the others: the same letters, other marks). Who
    typed marks and spelt one name exactly means it: "Hoa Lộc" is not "Hòa Lộc"."""
    same = [i for i in items if same_marks(said, plain(i))]
    if fold(said) != said:
        typed = _tone_placed(letters(said))
        same = [i for i in same if _tone_placed(letters(plain(i))) == typed] or same
    return same, [i for i in items if i not in same]


def find(province_code: str, query: str) -> Finding:
    """What a resident typed at the commune step, read against the province's communes now
    and its wards and districts before 2025."""
    book = _book(province_code)
    words = _words(query)
    readings = _readings(province_code, words) if words else []
    if not words or not book.communes:
        return Finding(Found.NOTHING)
    if not readings:  # the province, or one before 2025 that a place now is named after
        found = _named(_Look(book), words, book.wards, districts=True)  # "Nam Định"
        return found or Finding(Found.NOTHING)
    letter = len(words) == 1 and len(words[0]) == 1 and words[0].isalpha()
    listed = starting_with(province_code, words[0]) if letter else ()
    if listed:  # on the browse page, a letter typed rather than tapped
        return Finding(Found.LETTER, listed)
    look = _Look(book)
    for words in readings:
        found = _with_district(look, words) or _named(look, words, book.wards, districts=True)
        if found:
            return found
    ward = _without_district(readings[-1])
    if ward:  # a district the province did not have ("phường 1, quận 2"): the ward alone
        found = _named(look, ward, book.wards)
        if found:
            return found
    if look.others:  # the letters of a name, not its marks
        return Finding(Found.SUGGESTED, nearest=tuple(look.others[:NEAREST]))
    if letter:  # no name begins with it: not the names beginning with another ("D", "Đ")
        return Finding(Found.NOTHING)
    return _not_exact(book, readings[-1])


def _with_district(look: _Look, words: list[str]) -> Finding | None:
    """A ward with its district after it: 'phường 1, quận 3', 'Bến Nghé Q1'. The last unit
    word naming a district of the province is the district's."""
    for at in reversed(range(1, len(words))):
        unit = _unit_at(words, at)
        if unit is None or unit[1] not in _DISTRICT_UNITS or at + unit[0] >= len(words):
            continue
        named = look.formers(look.book.districts, unit[1], " ".join(words[at + unit[0] :]))
        if named:
            codes = {d.code for d in named}
            within = tuple(w for w in look.book.wards if w.district in codes)
            return _named(look, words[:at], within, old_first=True) or _near(
                words[:at], (*look.book.communes, *within)
            )
    return None


def _without_district(words: list[str]) -> list[str] | None:
    """The words before the last district's unit word, if any."""
    for at in reversed(range(1, len(words))):
        unit = _unit_at(words, at)
        if unit and unit[1] in _DISTRICT_UNITS and at + unit[0] < len(words):
            return words[:at]
    return None


def _named(
    look: _Look,
    words: list[str],
    wards: tuple[Former, ...],
    *,
    districts: bool = False,
    old_first: bool = False,
) -> Finding | None:
    """The commune, ward or district named exactly: after its unit word, or with that word
    read as part of the name."""
    unit = _unit_at(words, 0)
    readings = [("", words)]
    if unit and len(words) > unit[0]:
        readings.insert(0, (unit[1], words[unit[0] :]))
    for unit_word, name in readings:
        said = " ".join(name)
        if unit_word in _DISTRICT_UNITS:
            found = _formers(look.formers(look.book.districts, unit_word, said))
        else:
            communes = look.communes(said)
            olds = look.formers(wards, unit_word, said)
            if districts and not unit_word:
                named = look.formers(look.book.districts, "", said)
                asked = _now_or_district(communes, named, olds)
                if asked:
                    return asked
                olds = olds or named
            now = _communes(communes)
            before = _formers(olds)
            # "TT Củ Chi", "xã Tân Hưng" where the commune now is a phường: the old unit first
            other_unit = unit_word and not any(
                c.folded.startswith(unit_word + " ") for c in communes
            )
            first = old_first or bool(other_unit and olds)
            found = (
                (before or now) if first else (_both(communes, olds, unit_word) or now or before)
            )
        if found:
            return found
    return None


def _both(communes: list[Commune], olds: list[Former], unit: str) -> Finding | None:
    """The communes named so now, and the old units of that name that went elsewhere: a
    resident of old Phường Chương Dương (Hoàn Kiếm) is not taken to Xã Chương Dương."""
    now = {c.code for c in communes}
    elsewhere = [
        o
        for o in olds
        if not now & set(o.communes) and (not unit or o.folded.startswith(unit + " "))
    ]
    if not communes or not elsewhere:
        return None
    return Finding(Found.BOTH, tuple(communes), _ordered(elsewhere))


def _now_or_district(
    communes: list[Commune], districts: list[Former], wards: list[Former]
) -> Finding | None:
    """The communes named so now, when an old district of that name went into several: who
    typed "Hoàn Kiếm" may live in Phường Hoàn Kiếm, or anywhere in old Quận Hoàn Kiếm."""
    split = [d for d in districts if len(d.communes) > 1]
    if not communes or not split:
        return None
    now = {c.code for c in communes}
    # the district the commune now was part of first ("Châu Thành": several old provinces had one)
    split_first = sorted(_ordered(split), key=lambda d: not now & set(d.communes))
    rest = [o for o in (*districts, *wards) if o not in split and not now & set(o.communes)]
    return Finding(Found.NOW_OR_DISTRICT, tuple(communes), (*split_first, *_ordered(rest)))


def _ordered(formers: list[Former]) -> tuple[Former, ...]:
    # Quận 3 before Quận 10, and the province's own districts before another old province's
    return tuple(sorted(formers, key=lambda f: (f.within.count(","), _in_order(f.within))))


def _communes(communes: list[Commune]) -> Finding | None:
    if not communes:
        return None
    found = Found.COMMUNE if len(communes) == 1 else Found.LISTED
    return Finding(found, tuple(communes))


def _formers(formers: list[Former]) -> Finding | None:
    if not formers:
        return None
    if len(formers) == 1:
        return Finding(Found.FORMER, communes_from(formers[0]), (formers[0],))
    return Finding(Found.FORMERS, formers=_ordered(formers))


def _in_order(text: str) -> tuple[tuple[int, int, str], ...]:
    """A key that puts numbers first and in their order: "Quận 3", "Quận 10", "Quận Gò Vấp"."""
    return tuple((0, int(w), "") if w.isdecimal() else (1, 0, w) for w in fold(text).split())


def _not_exact(book: _Book, words: list[str]) -> Finding:
    """No name is what was typed: the communes whose names hold it, else the nearest names."""
    unit = _unit_at(words, 0)
    name = words[unit[0] :] if unit and len(words) > unit[0] else words
    if unit and unit[1] in _DISTRICT_UNITS and name is not words:
        return _near(name, book.districts) or Finding(Found.NOTHING)
    listed = [c for c in _search(book.communes, " ".join(name)) if isinstance(c, Commune)]
    if listed:
        return Finding(Found.LISTED, tuple(listed))
    pool: tuple[Commune | Former, ...] = (*book.communes, *book.wards, *book.districts)
    return _near(name, pool) or Finding(Found.NOTHING)


def _near(words: list[str], pool: tuple[Commune | Former, ...]) -> Finding | None:
    """Old names holding the words, then the nearest names by edit distance."""
    q = fold(" ".join(words))
    holding = [f for f in pool if isinstance(f, Former) and f" {q}" in f" {f.key}"]
    nearest = holding[:NEAREST] + [n for n in _nearest(pool, q) if n not in holding]
    if not nearest:
        return None
    return Finding(Found.SUGGESTED, nearest=tuple(nearest[:NEAREST]))


def _nearest(pool: tuple[Commune | Former, ...], q: str) -> list[Commune | Former]:
    # Imported here: ~25 ms that only a name not found pays, once per process.
    from rapidfuzz import fuzz, process

    hits = process.extract(
        q,
        [_key(item.bare) for item in pool],
        scorer=fuzz.ratio,
        score_cutoff=_CUTOFF,
        limit=NEAREST,
    )
    return [pool[index] for _name, _score, index in hits]
