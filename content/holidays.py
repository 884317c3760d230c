"""Working days of Vietnam's state agencies, for the deadlines counted in working days.

The public holidays come from the `holidays` library (Labour Code art. 112: 1/1, five days of
Tết by the lunar calendar, Giỗ Tổ Hùng Vương, 30/4, 1/5, 2/9 and the day beside it; the day
in lieu of one falling on a weekend; and the swaps it knows of), for any year.
`packs/holidays.yaml` holds only what the library does not know, each entry with its source:
a day off the Government announced for one year, the Saturday worked in exchange (ngày làm
bù), and holidays the library lists that are not days off here. A deployment may add days
off (BINHYEN_HOLIDAYS).

The library costs about 9 MB and 0.4 s to import, so it is imported when the first deadline
is counted, not with this module, which the settings check and every CLI command load.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from content.schema.base import PackError, load, shown
from content.schema.holidays import Holidays

_PATH = Path(__file__).parent / "packs" / "holidays.yaml"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Years the content check searches for the holidays named in `not_days_off`.
_CHECK_YEARS = range(2020, 2051)


@cache
def pack() -> Holidays:
    """The pack, read once; PackError names the file, the entry and the field."""
    return load(Holidays, _PATH)


# --- the library's calendar ---


@dataclass(frozen=True)
class Holiday:
    day: dt.date
    name_vi: str
    name_en: str


@dataclass(frozen=True)
class _Year:
    names_vi: dict[dt.date, list[str]]
    weekend_workdays: frozenset[dt.date]


def _is_named(name: str, wanted: tuple[str, ...]) -> bool:
    # The library names a day in lieu "<name> (nghỉ bù)", an estimate "<name> (dự kiến)".
    return any(name == w or name.startswith(f"{w} (") for w in wanted)


@cache
def _library_year(year: int, language: str = "vi") -> Any:
    from holidays.utils import country_holidays

    return country_holidays("VN", years=year, language=language)


@cache
def _year(year: int, not_days_off: tuple[str, ...]) -> _Year:
    found = _library_year(year)
    names = {day: found.get_list(day) for day in found}
    kept = {d: n for d, n in names.items() if not all(_is_named(x, not_days_off) for x in n)}
    return _Year(kept, frozenset(found.weekend_workdays))


# --- the calendar ---


class WorkCalendar:
    """Monday to Friday, except public holidays; a Saturday or Sunday only when announced as
    a working day. The deployment's days off win, then the pack, then the library."""

    def __init__(self, pack: Holidays, extra_days_off: Iterable[dt.date] = ()) -> None:
        self._extra = frozenset(extra_days_off)
        self._days_off = {e.day: e for e in pack.days_off}
        self._working = {e.day: e for e in pack.working_days}
        self._not_days_off = tuple(e.name_vi for e in pack.not_days_off)

    def is_working_day(self, day: dt.date) -> bool:
        if day in self._extra:
            return False
        if day in self._working:
            return True
        if day in self._days_off:
            return False
        year = _year(day.year, self._not_days_off)
        if day.weekday() >= 5:
            # A Saturday may be worked for a day off of the next year (27/12/2014 for 2/1/2015).
            following = _year(day.year + 1, self._not_days_off)
            return day in year.weekend_workdays or day in following.weekend_workdays
        return day not in year.names_vi

    def holidays(self, year: int) -> tuple[Holiday, ...]:
        """The named days off of `year`, weekends included, in order (a deployment's own days
        have no name and are not listed)."""
        names_vi = _year(year, self._not_days_off).names_vi
        english = _library_year(year, "en_US")
        found = {
            day: Holiday(day, "; ".join(names), "; ".join(english.get_list(day)))
            for day, names in names_vi.items()
            if day not in self._working
        }
        for entry in self._days_off.values():
            if entry.day.year == year:
                found[entry.day] = Holiday(entry.day, entry.name_vi, entry.name_en)
        return tuple(found[day] for day in sorted(found))


def calendar(extra_days_off: Iterable[dt.date] = ()) -> WorkCalendar:
    """The working-day calendar from the pack, plus the days off a deployment adds."""
    return WorkCalendar(pack(), extra_days_off)


def problems(path: Path | None = None) -> list[str]:
    """What `binhyen content check` finds in the pack: it does not load, or an entry says what
    the library already says (remove it: the pack keeps only the differences), or a name in
    `not_days_off` is no holiday of the library."""
    path = path or _PATH
    try:
        found = load(Holidays, path)
    except PackError as exc:
        return list(exc.problems)
    source = shown(path)
    plain = WorkCalendar(Holidays(version=2))
    out = [
        f"{source}: days_off ({e.day}): already a day off without this entry"
        for e in found.days_off
        if not plain.is_working_day(e.day)
    ]
    out += [
        f"{source}: working_days ({e.day}): already a working day without this entry"
        for e in found.working_days
        if plain.is_working_day(e.day)
    ]
    known = {n for y in _CHECK_YEARS for names in _year(y, ()).names_vi.values() for n in names}
    out += [
        f"{source}: not_days_off ({e.name_vi}): no holiday of the library has this name"
        for e in found.not_days_off
        if not any(_is_named(n, (e.name_vi,)) for n in known)
    ]
    return out


def parse_dates(text: str) -> list[dt.date]:
    """'2026-09-03, 2027-02-12' → two dates; empty entries are skipped."""
    found: list[dt.date] = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        try:
            if not _ISO_DATE.fullmatch(item):
                raise ValueError
            found.append(dt.date.fromisoformat(item))
        except ValueError:
            raise ValueError(
                f"holiday {item!r} is not a date written YYYY-MM-DD (e.g. 2026-09-03)"
            ) from None
    return found
