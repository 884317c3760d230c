"""When something happened, read from what a resident typed: "tối qua", "thứ 2 tuần trước",
"3 hôm trước", "20/11", "ngày 20 tháng 11", "khoảng 9h tối qua", "yesterday", "last Monday".

The words come from packs/date_words.yaml (its form and rules: content/schema/dates.py); the
numbers and the ways of writing a date or a time (20/11/2026, 21:30) are read here. No channel
and no storage: text and the wall clock in, out a `Moment`; or that no day is known (`Vague`:
"không nhớ", "mấy hôm trước"); or a month without its day (`Month`: "tháng trước"); or why it
is refused (`Refused`, or `NotYet` for a day said without its year or month whose next one is
nearer than its last: "25/11" on 23/11 is not moved back a year).

A message is cut into words and numbers; each word matches the pack's words with their marks
or without them (content.text.typed_as), the longest phrase first. A word may mean two things
("qua": yesterday in "tối qua", before in "chủ nhật qua"): every way of reading the message
is tried, longest phrases first, and the first that makes sense is kept. A reading makes sense
when it names at most one day (a day counted back, a written date, a weekday, a week), at most
one time and one part of the day, and leaves no word unused.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from itertools import islice
from pathlib import Path

from content.schema.base import Reader, load
from content.schema.dates import PARTS, DateWords
from content.text import clean, fold, letters, typed_as

__all__ = [
    "OLDEST_YEARS",
    "PARTS",
    "Moment",
    "Month",
    "NotYet",
    "Refused",
    "Said",
    "Vague",
    "problems",
    "read",
]

_PATH = Path(__file__).parent / "packs" / "date_words.yaml"

# The hours each part of the day covers (from, to; "night" runs past midnight): an hour said
# with a part is the one of h and h + 12 that falls in it ("9 giờ tối" is 21:00). A part alone
# begins at its first hour, so "tối nay" at 10:00 has not come yet.
PART_HOURS = {
    "morning": (0, 11),
    "noon": (10, 14),
    "afternoon": (12, 18),
    "evening": (17, 23),
    "night": (20, 4),
}
_MERIDIEM_HOURS = {"am": (0, 11), "pm": (12, 23)}
# An hour this far ahead of the clock is still taken ("khoảng 9h tối nay" at 20:30).
_AHEAD = timedelta(hours=1)
# A tip is about something recent: a day further back is taken for a mistyped year.
OLDEST_YEARS = 5
_MAX_TOKENS = 16
_MAX_READINGS = 400  # ways of reading one message tried, at most

# A date written in figures (20/11, 20-11-2026, 20.11.26) or a time (21:30).
_FIGURES = re.compile(
    r"(?<![\d/.:-])(?:(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})(?:[/.-](?P<y>\d{4}|\d{2}))?"
    r"|(?P<h>\d{1,2}):(?P<min>\d{2}))(?![\d/:]|[.-]\d)"
)
_DIGITS_OR_NOT = re.compile(r"\d+|\D+")
# The kinds of the pack's markers where their name is another kind's ("month": November).
_MARKERS = {"month": "month_word"}


class Refused(enum.StrEnum):
    UNREAD = "unread"  # no day or time could be read from it
    NO_SUCH_DAY = "no_such_day"  # 31/02, 32/13
    FUTURE = "future"  # later than now
    TOO_OLD = "too_old"  # more than OLDEST_YEARS ago


class Vague(enum.StrEnum):
    """Said, but no day: the resident does not know it, or says only "a few days ago"."""

    NOT_KNOWN = "not_known"  # không nhớ, không rõ
    FEW_DAYS = "few_days"  # mấy hôm trước, hôm trước


@dataclass(frozen=True)
class Month:
    """A month said without its day ("tháng trước"): its first day."""

    first: date


@dataclass(frozen=True)
class NotYet:
    """A day said without its year ("25/11") or its month ("ngày 25") whose next one is nearer
    than its last: that next one, still to come, and the last one, when the calendar has it."""

    day: date
    earlier: date | None


@dataclass(frozen=True)
class Moment:
    """A day, with the time when an hour was given and the part of the day when one was said
    ("khoảng 9h tối qua": yesterday, 21:00, evening)."""

    day: date
    time: time | None = None
    part: str | None = None  # one of PARTS


# --- the words ---------------------------------------------------------------------------------


Said = Moment | Vague | Month | NotYet | Refused


@dataclass(frozen=True)
class _Seg:
    """One piece of a reading: a word of the pack (by kind), a number, a written date or time."""

    kind: str
    n: int = 0  # the number, the days or weeks back, the weekday (1 Monday), the month
    part: str = ""  # a part of the day, or am/pm
    figures: tuple[int | None, ...] = ()  # a written date (d, m, y) or time (h, min), or
    # the months back of a day of the month (ngày 20 tháng trước)


@cache
def _pack() -> DateWords:
    return load(DateWords, _PATH)


def _tokens(text: str) -> list[str]:
    """Lower-case words and numbers, marks kept: 'Thứ2 tuần-trước' → ['thứ', '2', 'tuần',
    'trước']."""
    return [piece for word in letters(text).split() for piece in _DIGITS_OR_NOT.findall(word)]


@cache
def _vocabulary() -> dict[str, tuple[tuple[tuple[str, ...], _Seg], ...]]:
    """The pack's phrases as tokens with what each means, by the folded first token, longest
    phrases first."""
    pack = _pack()
    meanings: list[tuple[str, _Seg]] = []
    meanings += [(w, _Seg("day", d.back, d.part or "")) for d in pack.days for w in d.words]
    meanings += [(w, _Seg("week", k.back)) for k in pack.weeks for w in k.words]
    for name, words in pack.parts.lists():
        meanings += [(w, _Seg("part", part=name)) for w in words]
    for name, words in pack.meridiem.lists():
        meanings += [(w, _Seg("meridiem", part=name)) for w in words]
    for index, (_name, words) in enumerate(pack.weekdays.lists()):
        meanings += [(w, _Seg("weekday", index + 1)) for w in words]
    for name, words in pack.units.lists():
        meanings += [(w, _Seg("unit", 7 if name == "week" else 1)) for w in words]
    meanings += [(w, _Seg("num", n.value)) for n in pack.numbers for w in n.words]
    meanings += [(w, _Seg("month", m.month)) for m in pack.months for w in m.words]
    meanings += [(w, _Seg("month_back", m.back)) for m in pack.months_back for w in m.words]
    meanings += [(w, _Seg("vague", part=Vague.NOT_KNOWN)) for w in pack.unknown]
    meanings += [(w, _Seg("vague", part=Vague.FEW_DAYS)) for w in pack.few_days]
    for name, words in pack.words.lists():  # hour, minute, half, month, year, before, filler
        meanings += [(w, _Seg(_MARKERS.get(name, name))) for w in words]
    table: dict[str, list[tuple[tuple[str, ...], _Seg]]] = {}
    for word, seg in meanings:
        tokens = tuple(_tokens(word))
        table.setdefault(fold(tokens[0]), []).append((tokens, seg))
    return {k: tuple(sorted(v, key=lambda entry: -len(entry[0]))) for k, v in table.items()}


def _pieces(text: str) -> list[str | _Seg]:
    """The message as words and numbers, dates and times written in figures already read."""
    out: list[str | _Seg] = []
    at = 0
    for found in _FIGURES.finditer(text):
        out += _tokens(text[at : found.start()])
        if found["h"] is not None:
            out.append(_Seg("clock", figures=(int(found["h"]), int(found["min"]))))
        else:
            year = int(found["y"]) if found["y"] else None
            if year is not None and len(found["y"]) == 2:
                year += 2000
            out.append(_Seg("date", figures=(int(found["d"]), int(found["m"]), year)))
        at = found.end()
    return out + _tokens(text[at:])


def _candidates(pieces: list[str | _Seg], at: int) -> list[tuple[int, _Seg]]:
    """What the piece at `at` may begin: (how many pieces, meaning), longest first."""
    piece = pieces[at]
    if isinstance(piece, _Seg):
        return [(1, piece)]
    if piece.isdecimal():
        return [(1, _Seg("num", int(piece)))] if len(piece) <= 4 else []
    found: list[tuple[int, _Seg]] = []
    for words, seg in _vocabulary().get(fold(piece), ()):
        typed = pieces[at : at + len(words)]
        if len(typed) == len(words) and all(
            isinstance(t, str) and typed_as(t, w) for t, w in zip(typed, words, strict=True)
        ):
            found.append((len(words), seg))
    return found


def _readings(pieces: list[str | _Seg]) -> Iterator[list[_Seg]]:
    """Every way of reading the pieces as the pack's words, longest phrases first, fillers
    left out. Only ways that reach the end are walked, so each step yields a reading."""
    options = [_candidates(pieces, at) for at in range(len(pieces))]
    reaches_end = [False] * len(pieces) + [True]
    for at in reversed(range(len(pieces))):
        reaches_end[at] = any(reaches_end[at + length] for length, _seg in options[at])

    def walk(at: int) -> Iterator[list[_Seg]]:
        if at == len(pieces):
            yield []
            return
        for length, seg in options[at]:
            if reaches_end[at + length]:
                for rest in walk(at + length):
                    yield rest if seg.kind == "filler" else [seg, *rest]

    return walk(0)


# --- one reading -------------------------------------------------------------------------------


class _Unread(Exception):
    """This reading makes no sense."""


class _NoSuchDay(Exception):
    """This reading names a day the calendar does not have."""


class _TooOld(Exception):
    """This reading names a day more than OLDEST_YEARS ago."""


class _NotYet(Exception):
    """This reading names a day without its year or month whose next one is the nearer."""

    def __init__(self, day: date, earlier: date | None) -> None:
        super().__init__()
        self.refused = NotYet(day, earlier)


@dataclass
class _Slots:
    """What one reading says, each thing said at most once."""

    day: _Seg | None = None  # a day word, a count back, a written date, a day of the month
    weekday: _Seg | None = None
    week: _Seg | None = None
    time: tuple[int, int] | None = None
    part: str | None = None
    meridiem: str | None = None
    before: bool = False
    vague: Vague | None = None  # no day
    month: _Seg | None = None  # a month without its day

    def put(self, name: str, value: object) -> None:
        if getattr(self, name) not in (None, False):
            raise _Unread
        setattr(self, name, value)


def _at(segs: list[_Seg], i: int, *kinds: str) -> bool:
    """Whether the segments from `i` are of these kinds, in order."""
    return len(segs) - i >= len(kinds) and all(
        segs[i + k].kind == kind for k, kind in enumerate(kinds)
    )


def _fill(segs: list[_Seg]) -> _Slots:
    """The slots of a reading, each group of segments read by the first form that fits."""
    slots, i = _Slots(), 0
    while i < len(segs):
        i = _day_form(segs, i, slots) or _clock(segs, i, slots) or _word(segs[i], i, slots)
    return slots


def _day_form(segs: list[_Seg], i: int, slots: _Slots) -> int:
    """A day written in several words: 3 hôm trước, 2 weeks ago, (ngày) 20 tháng 11 (năm
    2026), ngày 20, 20 Nov, Nov 20 (2026), ngày 20/11; 0 when none begins here."""
    seg = segs[i]
    if _at(segs, i, "num", "unit", "before"):
        slots.put("day", _Seg("back", seg.n * segs[i + 1].n))
        return i + 3
    if _at(segs, i, "unit", "num", "month_word") or _at(segs, i, "unit", "date"):
        return i + 1 if seg.n == 1 else 0  # 'ngày' before a date says nothing more
    if _at(segs, i, "num", "month_word", "num"):
        year = segs[i + 4].n if _at(segs, i + 3, "year", "num") else None
        slots.put("day", _Seg("date", figures=(seg.n, segs[i + 2].n, year)))
        return i + (3 if year is None else 5)
    if _at(segs, i, "unit", "num", "month_back") and seg.n == 1:  # ngày 20 tháng trước
        slots.put("day", _Seg("month_day", segs[i + 1].n, figures=(segs[i + 2].n,)))
        return i + 3
    if _at(segs, i, "unit", "num") and seg.n == 1:
        slots.put("day", _Seg("month_day", segs[i + 1].n))
        return i + 2
    if _at(segs, i, "num", "month") or _at(segs, i, "month", "num"):
        day, month = (seg.n, segs[i + 1].n) if seg.kind == "num" else (segs[i + 1].n, seg.n)
        year = segs[i + 2].n if _at(segs, i + 2, "num") and segs[i + 2].n >= 1000 else None
        slots.put("day", _Seg("date", figures=(day, month, year)))
        return i + (2 if year is None else 3)
    if seg.kind == "date":
        slots.put("day", seg)
        return i + 1
    return 0


def _clock(segs: list[_Seg], i: int, slots: _Slots) -> int:
    """9h, 9h30, 9 giờ 30 phút, 9 giờ rưỡi, 21:30, and 9 before a part of the day or am/pm
    (9 tối, 9 pm); 0 when no time begins here."""
    seg = segs[i]
    said: tuple[int, int] | None = None
    end = i + 1
    if seg.kind == "clock" and len(seg.figures) == 2:
        said = (seg.figures[0] or 0, seg.figures[1] or 0)
    elif _at(segs, i, "num", "hour", "num"):
        said, end = (seg.n, segs[i + 2].n), i + (4 if _at(segs, i + 3, "minute") else 3)
    elif _at(segs, i, "num", "hour", "half"):
        said, end = (seg.n, 30), i + 3
    elif _at(segs, i, "num", "hour"):
        said, end = (seg.n, 0), i + 2
    elif any(_at(segs, i, "num", k) for k in ("part", "meridiem")) or _at_night(segs, i + 1):
        said = (seg.n, 0)
    if said is None:
        return 0
    slots.put("time", said)
    return end


def _at_night(segs: list[_Seg], i: int) -> bool:
    """Whether a day word that names a part of the day is at `i` (10 last night)."""
    return _at(segs, i, "day") and bool(segs[i].part)


def _word(seg: _Seg, i: int, slots: _Slots) -> int:
    """A word that says one thing by itself: a day, a weekday, a week, a part of the day,
    am or pm, 'before'."""
    if seg.kind in ("day", "weekday", "week"):
        slots.put(seg.kind, seg)
    elif seg.kind in ("part", "meridiem"):
        slots.put(seg.kind, seg.part)
    elif seg.kind == "before":
        slots.put("before", True)
    elif seg.kind == "vague":
        slots.put("vague", Vague(seg.part))
    elif seg.kind == "month_back":
        slots.put("month", seg)
    else:  # a number, a unit or a marker on its own
        raise _Unread
    return i + 1


# --- the day and the time a reading names ------------------------------------------------------


def _day(slots: _Slots, today: date) -> date | None:
    """The day the reading names; None when it names none."""
    said = [s for s in (slots.day, slots.weekday, slots.week) if s is not None]
    if len(said) > 1 and slots.day is not None:
        raise _Unread  # hôm qua thứ hai: two days
    if slots.before and (slots.weekday is None or slots.week is not None):
        raise _Unread  # 'before' goes with a weekday alone: chủ nhật vừa rồi, last Monday
    if slots.day is not None:
        return _day_said(slots.day, today)
    if slots.weekday is not None:
        week = slots.week.n if slots.week is not None else None
        return _weekday(slots.weekday.n, week, slots.before, today)
    if slots.week is not None:
        if slots.week.n == 0:  # "this week" is no one day
            raise _Unread
        return today - timedelta(weeks=slots.week.n)
    return None


def _weekday(weekday: int, week: int | None, before: bool, today: date) -> date:
    if week is not None:  # thứ 2 tuần trước: that week's Monday
        monday = today - timedelta(days=today.weekday(), weeks=week)
        return monday + timedelta(days=weekday - 1)
    back = (today.isoweekday() - weekday) % 7
    if before and back == 0:  # chủ nhật vừa rồi, said on a Sunday: a week ago
        back = 7
    return today - timedelta(days=back)


def _day_said(said: _Seg, today: date) -> date:
    if said.kind == "day":  # hôm qua, last night
        return today - timedelta(days=said.n)
    if said.kind == "back":  # 3 hôm trước
        if said.n > (today - _oldest(today)).days:
            raise _TooOld
        return today - timedelta(days=said.n)
    if said.kind == "month_day" and said.figures:  # ngày 20 tháng trước
        first = _month_back(today, said.figures[0] or 0)
        return _real(first.year, first.month, said.n)
    if said.kind == "month_day":  # ngày 20: this month's, or last month's
        last_month = _month_back(today, 1)
        return _latest(
            today, ((today.year, today.month), (last_month.year, last_month.month)), said.n
        )
    day, month, year = said.figures
    if day is None or month is None:
        raise _Unread
    if year is not None:
        return _real(year + 2000 if year < 100 else year, month, day)
    # 20/11: this year's, or last year's when that is the nearer
    return _latest(today, ((today.year, month), (today.year - 1, month)), day)


def _real(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise _NoSuchDay from None


def _latest(today: date, months: tuple[tuple[int, int], tuple[int, int]], day: int) -> date:
    """`day` of this (year, month), when it has come; else of the (year, month) before it,
    when that one is the nearer to today. Else this one is still to come and the nearer: taken
    for a mistake, not moved back a year or a month unsaid ("25/11" typed on 23/11)."""
    this, before = (date(y, m, day) if _exists(y, m, day) else None for y, m in months)
    if this is not None and this <= today:
        return this
    if before is not None and (this is None or today - before < this - today):
        return before
    if this is None:
        raise _NoSuchDay
    raise _NotYet(this, before)


def _month_back(today: date, back: int) -> date:
    """The first day of the month `back` months before today's."""
    months = today.year * 12 + today.month - 1 - back
    return date(months // 12, months % 12 + 1, 1)


def _oldest(today: date) -> date:
    """The first day not too long ago: today, OLDEST_YEARS years back (28/2 for 29/2)."""
    try:
        return today.replace(year=today.year - OLDEST_YEARS)
    except ValueError:
        return today.replace(year=today.year - OLDEST_YEARS, day=28)


def _exists(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _part(slots: _Slots) -> str | None:
    """The part of the day said, alone or with the day ('last night'); two that differ make
    no sense."""
    carried = slots.day.part if slots.day is not None and slots.day.part else None
    if slots.part and carried and slots.part != carried:
        raise _Unread
    return slots.part or carried


def _in(hour: int, span: tuple[int, int]) -> bool:
    start, end = span
    return start <= hour <= end if start <= end else (hour >= start or hour <= end)


def _hour(hour: int, part: str | None, meridiem: str | None) -> int:
    """The hour on a 24-hour clock: '9 giờ tối' 21, '12 giờ trưa' 12, '9 pm' 21, '21h' 21."""
    if hour > 23 or (meridiem and hour > 12):
        raise _Unread
    spans = [PART_HOURS[part]] if part else []
    spans += [_MERIDIEM_HOURS[meridiem]] if meridiem else []
    if not spans:
        return hour
    for choice in [hour] if hour > 12 else [hour % 12, hour % 12 + 12]:
        if all(_in(choice, span) for span in spans):
            return choice
    raise _Unread  # 9 giờ chiều, 21h sáng


def _moment(slots: _Slots, today: date) -> Moment:
    part = _part(slots)
    day = _day(slots, today)
    if slots.time is None:
        if (day is None and part is None) or slots.meridiem is not None:
            raise _Unread
        moment = Moment(day or today, None, part)
    else:
        hour_said, minute = slots.time
        if minute > 59:
            raise _Unread
        hour = _hour(hour_said, part, slots.meridiem)
        # 2 giờ đêm qua: the small hours after the night that began yesterday.
        after_midnight = part == "night" and hour <= PART_HOURS["night"][1] and day is not None
        later = timedelta(days=1 if after_midnight else 0)
        moment = Moment((day or today) + later, time(hour, minute), part)
    if moment.day < _oldest(today):
        raise _TooOld
    return moment


def _said(slots: _Slots, today: date) -> Moment | Vague | Month:
    """What a reading says: a moment; or no day known, or a month without its day, which say
    nothing else."""
    vague, month = slots.vague, slots.month
    others = (slots.day, slots.weekday, slots.week, slots.time, slots.part, slots.meridiem)
    if vague is None and month is None:
        return _moment(slots, today)
    if slots.before or any(o is not None for o in others) or (vague and month):
        raise _Unread  # tối qua không nhớ, tháng trước không rõ: which is it?
    return vague or Month(_month_back(today, month.n if month else 0))


def _is_future(moment: Moment, now: datetime) -> bool:
    if moment.day != now.date():
        return moment.day > now.date()
    if moment.time is not None:
        return datetime.combine(moment.day, moment.time) > now + _AHEAD
    if moment.part is not None:
        return PART_HOURS[moment.part][0] > now.hour
    return False


# --- reading a message -------------------------------------------------------------------------


def read(text: str, now: datetime) -> Said:
    """When the text says something happened, against `now`, the wall clock where the
    resident is (Vietnam time); a time zone on `now` is dropped, not converted.

    The first reading that makes sense wins; when none does, the refusal of the first that
    named a day that is not one (NO_SUCH_DAY), too long ago (TOO_OLD), still to come (FUTURE)
    or, said without its year or month, nearer to come than gone (NotYet); else UNREAD."""
    local = now.replace(tzinfo=None)
    pieces = _pieces(clean(text))
    if not pieces or len(pieces) > _MAX_TOKENS:
        return Refused.UNREAD
    refused: Refused | NotYet = Refused.UNREAD
    for segs in islice(_readings(pieces), _MAX_READINGS):
        try:
            said = _said(_fill(segs), local.date())
        except _Unread:
            continue
        except (_NoSuchDay, _TooOld, _NotYet) as why:
            refused = _refusal(why) if refused is Refused.UNREAD else refused
            continue
        if not isinstance(said, Moment) or not _is_future(said, local):
            return said
        refused = Refused.FUTURE if refused is Refused.UNREAD else refused
    return refused


def _refusal(why: Exception) -> Refused | NotYet:
    if isinstance(why, _NotYet):
        return why.refused
    return Refused.TOO_OLD if isinstance(why, _TooOld) else Refused.NO_SUCH_DAY


def problems(path: Path | None = None) -> list[str]:
    """What is wrong with date_words.yaml; never raises."""
    reader = Reader()
    reader.load(DateWords, path or _PATH)
    return reader.problems
