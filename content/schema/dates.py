"""The pack of date words: date_words.yaml (how residents say when something happened).

The rules, each a constraint or a validator below:

* days: each entry the days it counts back from today (0 to 14), maybe the part of the day
  it names ("last night"), and its words; no two entries count the same days back with the
  same part.
* weeks: the weeks back from this one (0 to 4); weekdays: Monday to Sunday; parts: morning,
  noon, afternoon, evening, night; meridiem: am and pm; units: day and week; numbers: 1 to
  10; months: 1 to 12. Every one of them has at least one word.
* months_back: a month counted back from this one (0 to 12), said without a day ("tháng
  trước"); its words.
* unknown: words that say the day is not known ("không nhớ", "không rõ"); few_days: words
  that say only "a few days ago" ("mấy hôm trước"). Each a list of words.
* words: the hour, minute, half-hour, month and year markers, the words that put a weekday
  or a count of days in the past ("trước", "vừa rồi", "ago", "last"), and the words that
  change nothing ("khoảng", "lúc", "at").
* A word has a letter or a digit, is written once in its list, and, within one kind (days,
  weeks, months back, weekdays, parts, numbers, months, units, meridiem, not known), names
  one entry only, compared without marks: typed without marks it would name both ("hôm kia"
  and "hôm kìa").
* Every word is a non-empty NFC string, and no key is unknown.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StrictInt, model_validator

from content.schema.base import Line, Model, refuse, repeated
from content.text import fold, letters

PARTS = ("morning", "noon", "afternoon", "evening", "night")
PartId = Literal["morning", "noon", "afternoon", "evening", "night"]


def _has_letters(value: str) -> str:
    if not letters(value):
        raise ValueError(f"{value!r} has no letter or digit")
    return value


Word = Annotated[Line, AfterValidator(_has_letters)]
Words = Annotated[tuple[Word, ...], Field(min_length=1)]


def _once(words: Iterable[str]) -> list[str]:
    return [f"{w!r} is written twice" for w in repeated(letters(w) for w in words)]


def _one_meaning(kind: str, entries: Iterable[tuple[str, tuple[str, ...]]]) -> list[str]:
    """Problems where one word, without its marks, names two entries of a kind."""
    owners: dict[str, list[str]] = {}
    for name, words in entries:
        for word in words:
            names = owners.setdefault(fold(letters(word)), [])
            if name not in names:
                names.append(name)
    return [
        f"{kind}: {w!r} names {' and '.join(n)} (typed without marks it would be both)"
        for w, n in owners.items()
        if len(n) > 1
    ]


class _Entry(Model):
    words: Words

    @model_validator(mode="after")
    def _words_once(self) -> _Entry:
        refuse(_once(self.words))
        return self


class DayWords(_Entry):
    """A day counted back from today: 0 'hôm nay', 1 'hôm qua', 2 'hôm kia'."""

    back: StrictInt = Field(ge=0, le=14)
    part: PartId | None = None  # 'last night' names the part of the day too


class WeekWords(_Entry):
    """A week counted back from this one (weeks begin on Monday): 0 'tuần này'."""

    back: StrictInt = Field(ge=0, le=4)


class MonthBackWords(_Entry):
    """A month counted back from this one, said without a day: 1 'tháng trước'."""

    back: StrictInt = Field(ge=0, le=12)


class NumberWords(_Entry):
    value: StrictInt = Field(ge=1, le=10)


class MonthWords(_Entry):
    month: StrictInt = Field(ge=1, le=12)


class Named(Model):
    """Lists of words by name; every list has at least one word, each written once."""

    def lists(self) -> list[tuple[str, tuple[str, ...]]]:
        return [(name, tuple(getattr(self, name))) for name in type(self).model_fields]

    @model_validator(mode="after")
    def _words_once(self) -> Named:
        refuse([f"{name}: {p}" for name, words in self.lists() for p in _once(words)])
        return self


class Parts(Named):
    morning: Words
    noon: Words
    afternoon: Words
    evening: Words
    night: Words


class Meridiem(Named):
    am: Words
    pm: Words


class Weekdays(Named):
    monday: Words
    tuesday: Words
    wednesday: Words
    thursday: Words
    friday: Words
    saturday: Words
    sunday: Words


class Units(Named):
    day: Words
    week: Words


class Markers(Named):
    hour: Words  # 'giờ', 'h': 9h, 9 giờ
    minute: Words  # 'phút': 9 giờ 30 phút
    half: Words  # 'rưỡi': 9 giờ rưỡi
    month: Words  # 'tháng': ngày 20 tháng 11
    year: Words  # 'năm': năm 2026
    before: Words  # 'trước', 'ago', 'last': 3 hôm trước, chủ nhật vừa rồi, last Monday
    filler: Words  # 'khoảng', 'lúc', 'at': words that change nothing


class DateWords(Model):
    version: Literal[1]
    days: tuple[DayWords, ...] = Field(min_length=1)
    weeks: tuple[WeekWords, ...] = Field(min_length=1)
    parts: Parts
    meridiem: Meridiem
    weekdays: Weekdays
    units: Units
    numbers: tuple[NumberWords, ...] = Field(min_length=1)
    months: tuple[MonthWords, ...] = Field(min_length=1)
    months_back: tuple[MonthBackWords, ...] = Field(min_length=1)
    unknown: Words  # the day is not known: the step's "not sure"
    few_days: Words  # "a few days ago", no day said
    words: Markers

    @model_validator(mode="after")
    def _one_meaning_each(self) -> DateWords:
        day_keys = [(d.back, d.part) for d in self.days]
        problems = [f"days: back {b} part {p} is listed twice" for b, p in repeated(day_keys)]
        problems += [
            f"weeks: back {b} is listed twice" for b in repeated(w.back for w in self.weeks)
        ]
        problems += [
            f"numbers: {v} is listed twice" for v in repeated(n.value for n in self.numbers)
        ]
        problems += [f"months: {m} is listed twice" for m in repeated(m.month for m in self.months)]
        problems += [
            f"months_back: back {b} is listed twice"
            for b in repeated(m.back for m in self.months_back)
        ]
        problems += [f"unknown: {p}" for p in _once(self.unknown)]
        problems += [f"few_days: {p}" for p in _once(self.few_days)]
        problems += _one_meaning("days", ((f"back {d.back}", d.words) for d in self.days))
        problems += _one_meaning("weeks", ((f"back {w.back}", w.words) for w in self.weeks))
        problems += _one_meaning("numbers", ((str(n.value), n.words) for n in self.numbers))
        problems += _one_meaning("months", ((str(m.month), m.words) for m in self.months))
        problems += _one_meaning(
            "months_back", ((f"back {m.back}", m.words) for m in self.months_back)
        )
        problems += _one_meaning(
            "not known", (("unknown", self.unknown), ("few_days", self.few_days))
        )
        for kind, named in (
            ("parts", self.parts),
            ("meridiem", self.meridiem),
            ("weekdays", self.weekdays),
            ("units", self.units),
        ):
            problems += _one_meaning(kind, named.lists())
        refuse(problems)
        return self
