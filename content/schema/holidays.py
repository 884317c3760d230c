"""The holiday pack, holidays.yaml: what the `holidays` library does not know.

The rules, each a constraint or a validator below:

* days_off and working_days: each entry a date, a name in vi and en, and its source (the
  decision or notice that announced it). The date is a date YAML read (2026-01-02 unquoted):
  a quoted one, or one with a time, is refused.
* not_days_off: the library's Vietnamese name of a holiday that is not a day off here, and
  its source.
* A section may be left empty; no date is in both days_off and working_days, or twice in one;
  no name is twice in not_days_off.
* Every name and source is a non-empty NFC string, and no key is unknown.

Whether an entry still says something the library does not is checked by
`content.holidays.problems`, which asks the library.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import Field, Strict, field_validator, model_validator

from content.schema.base import Line, Model, refuse, repeated

# YAML reads an unquoted 2026-01-02 as a date; quoted, or with a time, it is refused.
Day = Annotated[dt.date, Strict()]


class _Entry(Model):
    day: Day = Field(alias="date")
    name_vi: Line
    name_en: Line
    # The decision or notice that announced it (number and date).
    source: Line


class DayOff(_Entry):
    """A day off announced on top of the library's calendar."""


class WorkingDay(_Entry):
    """A day worked although the library has it off: a Saturday worked in exchange for a
    swapped day, or a holiday the Government moved."""


class NotDayOff(Model):
    """A holiday the library lists that is not a day off here (nor its days in lieu)."""

    # The library's Vietnamese name, e.g. "Ngày Văn hóa Việt Nam".
    name_vi: Line
    source: Line


class Holidays(Model):
    version: Literal[2]
    days_off: tuple[DayOff, ...] = ()
    working_days: tuple[WorkingDay, ...] = ()
    not_days_off: tuple[NotDayOff, ...] = ()

    @field_validator("days_off", "working_days", "not_days_off", mode="before")
    @classmethod
    def _empty(cls, value: Any) -> Any:
        return () if value is None else value  # a key left with no entries

    @field_validator("not_days_off")
    @classmethod
    def _names_once(cls, entries: tuple[NotDayOff, ...]) -> tuple[NotDayOff, ...]:
        refuse([f"{n!r} is listed twice" for n in repeated(e.name_vi for e in entries)])
        return entries

    @model_validator(mode="after")
    def _days_once(self) -> Holidays:
        days = (e.day for e in (*self.days_off, *self.working_days))
        refuse([f"{day} is listed twice" for day in sorted(repeated(days))])
        return self
