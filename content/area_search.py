"""Finding a commune anywhere in the country, for operators: `binhyen areas search TEXT` and
the `--commune` of `binhyen admin create`.

The search is the bot's commune step (content/areas.py `find`) run in every province, so
that an operator finds what a resident would: names now and the wards and districts before
2025, accents, case and unit words ignored. A code is taken without its leading zeros
("4" is commune 00004, "1" province 01).

`named` is the stricter reading `admin create` needs: a name stands for a commune only when
the search gives that commune alone, by its whole name (now or before 2025), spelt with the
marks the operator typed. An old ward's name is often another commune's name now ("Phường
Vĩnh Phúc": 08716 in Phú Thọ, and old Ba Đình's ward, now 00008); such a name is refused.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field, replace
from functools import cache

from content import areas
from content.areas import Commune, Finding, Former, Found
from content.text import fold, letters

MAX_NEAREST = 10  # names offered, nationwide, when nothing matches
COMMUNE_DIGITS = 5
PROVINCE_DIGITS = 2


@dataclass(frozen=True)
class Match:
    """A commune, and the old unit whose name led to it (None: its own name now)."""

    commune: Commune
    before: Former | None = None
    exact: bool = True  # the whole name (now, or the old unit's) was typed, not a part of it

    @property
    def province(self) -> str:
        found = areas.province(self.commune.province_code)
        return found.name if found else self.commune.province_code


@dataclass(frozen=True)
class Near:
    """A name that is close to what was typed: a commune now or an old unit."""

    unit: Commune | Former
    province_code: str

    @property
    def province(self) -> str:
        found = areas.province(self.province_code)
        return found.name if found else self.province_code


@dataclass(frozen=True)
class Search:
    matches: tuple[Match, ...] = ()
    nearest: tuple[Near, ...] = field(default=())


def padded(text: str, digits: int) -> str | None:
    """A code typed without its leading zeros, padded: "4" → "00004"; None when `text` is not
    a code of at most `digits` digits."""
    text = text.strip()
    if not text.isascii() or not text.isdecimal() or len(text) > digits:
        return None
    return text.zfill(digits)


def commune_by_code(text: str) -> Commune | None:
    code = padded(text, COMMUNE_DIGITS)
    return areas.commune(code) if code else None


def province_by_code(text: str) -> areas.Area | None:
    code = padded(text, PROVINCE_DIGITS)
    return areas.province(code) if code else None


def province_named(text: str) -> areas.Area | None:
    """The province whose whole name (unit word optional) or usual short name ("HCM", "Sài
    Gòn") is `text`, with the marks typed; not a part of a name ("Quảng", "Cao")."""
    typed = fold(text).strip(" .")
    if typed in areas._PROVINCE_ALIASES:
        found = areas.find_provinces(typed)
    else:
        bare = areas._strip_unit(typed)
        found = [p for p in areas.provinces() if typed == p.folded or bare == p.bare]
    if len(found) != 1 or not marks_match(text, found[0].name):
        return None
    return found[0]


def _matches(finding: Finding) -> list[Match]:
    """The communes a finding names, each with the old unit that led there, if any."""
    if finding.found in (Found.SUGGESTED, Found.NOTHING):
        return []
    now = [Match(c) for c in finding.communes if finding.found is not Found.FORMER]
    before = [Match(c, f) for f in finding.formers for c in areas.communes_from(f)]
    return now + before


def _key(unit: Commune | Former) -> str:
    return fold(letters(unit.bare))


def _nearest(query: str, found: list[Near]) -> tuple[Near, ...]:
    """The nearest names of every province, closest first (areas.find ranks them within a
    province only)."""
    from rapidfuzz import fuzz

    typed = fold(letters(query))
    unique = list({(n.province_code, n.unit.code, n.unit.name): n for n in found}.values())
    ranked = sorted(unique, key=lambda n: -fuzz.ratio(typed, _key(n.unit)))
    return tuple(ranked[:MAX_NEAREST])


# --- which provinces can answer ---------------------------------------------------------------
# areas.find in a province that has no such name looks for the nearest names, which is most of
# a nationwide search's time (~0.7 ms a province). A province can give a commune only when a
# run of the words typed is one of its names (a commune now, an old ward or district), or when
# the words are the start of a word of a commune's name there (areas._search, the "listed"
# answer). These indexes say which provinces those are; the others would only offer nearest
# names, wanted only when no province gives a commune.


@cache
def _keys() -> dict[str, frozenset[str]]:
    """Every name's key (areas: its letters and digits folded, no unit word) → the provinces
    that have a commune, an old ward or an old district so named."""
    found: dict[str, set[str]] = {}
    for p in areas.provinces():
        units: list[Commune | Former] = [*areas.communes_of(p.code), *areas.wards_before(p.code)]
        for unit in units + list(areas.districts_before(p.code)):
            found.setdefault(_key(unit), set()).add(p.code)
    return {k: frozenset(v) for k, v in found.items()}


@cache
def _longest_key() -> int:
    return max(len(k.split()) for k in _keys())


@cache
def _tails() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(each commune's folded name from each of its words on, sorted; their provinces)."""
    rows = sorted(
        (" ".join(words[i:]), c.province_code)
        for p in areas.provinces()
        for c in areas.communes_of(p.code)
        for words in [c.folded.split(" ")]
        for i in range(len(words))
    )
    return tuple(r[0] for r in rows), tuple(r[1] for r in rows)


@cache
def _province_names() -> dict[str, frozenset[str]]:
    """A province's names as areas._is_province reads them: now, before 2025, aliases."""
    found: dict[str, set[str]] = {}
    for alias, code in areas._PROVINCE_ALIASES.items():
        found.setdefault(alias, set()).add(code)
    for p in areas.provinces():
        found.setdefault(p.bare, set()).add(p.code)
        for name in areas._provinces_before().get(p.code, ()):
            found.setdefault(areas._strip_unit(fold(name), ("tinh", "thanh pho")), set()).add(
                p.code
            )
    return {k: frozenset(v) for k, v in found.items()}


def _named_provinces(words: list[str]) -> frozenset[str]:
    folded = areas._strip_unit(fold(" ".join(words)), ("tinh", "thanh pho", "tp"))
    return _province_names().get(folded, frozenset())


def _beginning(text: str) -> set[str]:
    """The provinces with a commune a word of whose folded name begins `text`."""
    tails, codes = _tails()
    found: set[str] = set()
    at = bisect_left(tails, text)
    while at < len(tails) and tails[at].startswith(text):
        found.add(codes[at])
        at += 1
    return found


def _listed(reading: list[str]) -> str:
    """What areas._not_exact looks for in the communes' names when `reading` is the last
    reading of the words ("" when it looks only at old districts)."""
    unit = areas._unit_at(reading, 0)
    if unit and len(reading) > unit[0]:
        if unit[1] in areas._DISTRICT_UNITS:
            return ""
        reading = reading[unit[0] :]
    return fold(" ".join(reading)).strip(" .,")


def _bounds(words: list[str]) -> tuple[set[int], set[int]]:
    """Where areas.find may read a name as beginning and ending in the words: at the start or
    after a unit word; at the end, before a district's unit word or before a province."""
    starts, ends = {0, 1, 2, len(words)}, {len(words)}
    for at in range(1, len(words)):
        unit = areas._unit_at(words, at)
        if unit:
            starts.add(at + unit[0])
            ends.add(at)
        if _named_provinces(words[at:]):
            ends.add(at)
    return starts, ends


def _answering(query: str) -> list[str] | None:
    """The codes of the provinces where areas.find may find a commune, in order; None: any."""
    words = areas._words(query)
    if len(words) == 1 and len(words[0]) == 1:  # a letter: every province's names begin so
        return None
    starts, ends = _bounds(words)
    found: set[str] = set()
    for i in starts:
        for j in ends:
            if i < j <= i + _longest_key():
                found |= _keys().get(fold(" ".join(words[i:j])), frozenset())
    listed = _listed(words)
    found |= _beginning(listed) if listed else set()
    for cut in range(1, len(words)):  # "Bến Nghé, TP HCM": read without the province
        named = _named_provinces(words[cut:]) - found
        listed = _listed(words[:cut]) if named else ""
        found |= named & _beginning(listed) if listed else set()
    return [p.code for p in areas.provinces() if p.code in found]


def _look(query: str, codes: list[str]) -> tuple[list[Match], list[Near]]:
    matches: list[Match] = []
    near: list[Near] = []
    for code in codes:
        finding = areas.find(code, query)
        matches += _matches(finding)
        near += [Near(unit, code) for unit in finding.nearest]
    return matches, near


# --- ranking ----------------------------------------------------------------------------------


def _spans(words: list[str]) -> set[str]:
    """The names the words may be, whole: after an optional unit word, up to any word (what
    follows being what areas.find read as the district or the province)."""
    unit = areas._unit_at(words, 0)
    starts = [0, unit[0]] if unit and len(words) > unit[0] else [0]
    return {fold(" ".join(words[at:end])) for at in starts for end in range(at + 1, len(words) + 1)}


def _is_exact(match: Match, spans: set[str]) -> bool:
    """Whether the name that led to the match was typed whole, not a part of it ("Bàn")."""
    return (match.before.key if match.before else _key(match.commune)) in spans


def _district_named(match: Match, words: list[str]) -> bool:
    """Whether the match is an old ward whose district was typed after it ("phường 1, quận
    3"), as areas.find reads a district."""
    ward = match.before
    if ward is None or ward.is_district:
        return False
    district = areas.former(match.commune.province_code, ward.district)
    if district is None:
        return False
    size = len(district.key.split())
    for at in range(1, len(words)):
        unit = areas._unit_at(words, at)
        if unit and unit[1] in areas._DISTRICT_UNITS:
            after = words[at + unit[0] : at + unit[0] + size]
            if fold(" ".join(after)) == district.key:
                return True
    return False


def _ranked(query: str, matches: list[Match]) -> tuple[Match, ...]:
    """Each commune once, exact names first, then by its own name before an old unit's. Once
    a ward is found with the district typed after it, the wards of that name elsewhere (in
    districts not typed) are not what was meant: "Phường 1, Quận 3" is 27160 alone."""
    words = areas._words(query)
    if any(_district_named(m, words) for m in matches):
        matches = [m for m in matches if _district_named(m, words)]
    spans = _spans(words)
    rated = [replace(m, exact=_is_exact(m, spans)) for m in matches]
    seen: dict[str, Match] = {}
    for match in sorted(rated, key=lambda m: (not m.exact, m.before is not None)):
        seen.setdefault(match.commune.code, match)
    return tuple(seen.values())


def search(query: str, province_code: str | None = None) -> Search:
    """Communes matching `query` in one province, or in all of them; the nearest names when
    none does. A commune's code (zeros optional) finds that commune."""
    query = " ".join(query.split())
    by_code = commune_by_code(query)
    if by_code is not None and province_code in (None, by_code.province_code):
        return Search((Match(by_code),))
    every = [province_code] if province_code else [p.code for p in areas.provinces()]
    answering = every if province_code else _answering(query)
    matches, near = _look(query, every if answering is None else answering)
    if not matches and answering is not None and answering != every:
        matches, near = _look(query, every)  # for the nearest names of every province
    if matches:
        return Search(_ranked(query, matches))
    return Search(nearest=_nearest(query, near))


# --- a commune named by an operator -----------------------------------------------------------


@dataclass(frozen=True)
class Named:
    """What `admin create --commune NAME` comes to: the search's answer, and the commune the
    name stands for when it stands for exactly one."""

    found: Search
    one: Match | None


def _words_of(match: Match) -> list[str]:
    """The words an operator may type for the match: its name (or the old unit's and where
    that was) and its province."""
    names = [match.before.place] if match.before else [match.commune.name]
    return letters(" ".join([*names, match.province])).split()


def _same(typed: str, written: str) -> bool:
    """The same word, marks and all (the tone of oa, oe, uy wherever it was put)."""
    return areas.same_marks(typed, written) and areas.same_marks(written, typed)


def spelt_as_typed(query: str, match: Match) -> bool:
    """Whether the marks typed are the match's (`marks_match`)."""
    return marks_match(query, " ".join(_words_of(match)))


def marks_match(query: str, name: str) -> bool:
    """Whether the marks typed are the name's: typed without any, a name is read folded; with
    some, each word of the name must be spelt exactly ("Phú Lãm" is not Phú Lâm, nor "Phuong
    Ba Đình" Phường Ba Đình). Words not in the name ("Q3", "TP HCM") aside."""
    typed = letters(query).split()
    folded = [fold(word) for word in typed]
    if typed == folded:
        return True
    written = [(word, fold(word)) for word in letters(name).split()]
    for word, plain in zip(typed, folded, strict=True):
        alike = [w for w, f in written if f == plain]
        if alike and not any(_same(word, w) for w in alike):
            return False
    return True


def named(query: str) -> Named:
    """The commune `query` names for an operator: the one the search gives, when it gives one
    alone, by its whole name (now or before 2025), with the marks typed."""
    found = search(query)
    one = found.matches[0] if len(found.matches) == 1 else None
    if one is not None and not (one.exact and spelt_as_typed(query, one)):
        one = None
    return Named(found, one)
