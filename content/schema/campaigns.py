"""The campaign files (content/packs/campaigns/*.yaml), one campaign each::

    version: 1
    name: tet_2027               # snake_case, the file's name (tet_2027.yaml)
    title: {vi: ..., en: ...}
    runs:                        # when the campaign is on, one of three forms:
      from: 2027-01-15           #   two dates: it runs once, in those days
      to: 2027-02-24
      # from: 08-01              #   two month-days: every year (`to` before `from`: over
      # to: 08-20                #   New Year, e.g. 11-15 to 03-31)
      # months: [11, 12, 1, 2]   #   whole months, every year, in the season's order
    messages:                    # at least one
      - id: fake_tickets         # snake_case, unique within the campaign
        date: 2027-01-18         # a date (YYYY-MM-DD) of a campaign that runs once,
                                 # a month-day (MM-DD) of a yearly one
        card: check_before_transfer   # the awareness card the notice points to
        text: {vi: ..., en: ...}      # the notice, at most TEXT_MAX characters per language
        source: "..."            # where its facts come from, naming a year (not sent)

The rules, each a constraint or a validator below:

* No key beyond these; texts are non-empty NFC, the Vietnamese with diacritics.
* A date exists: 2027-02-30 and 02-30 are refused, and so is 02-29 in a yearly campaign (it
  does not come every year). Dates are read as text (content.campaigns reads the YAML without
  its date type), so a wrong one is named with its message instead of failing the whole file.
* `runs` has months, or from and to of one form; a one-time run ends on or after it starts.
* A message's date has the form of the run (a date when it runs once, a month-day when yearly)
  and falls inside it; no two messages share an id or a day.
* The card is a card of the awareness packs (checked when they load).
* The text fits TEXT_MAX (1,000) characters per language: the notice adds the card pointer, the
  sender line and the stop hint, and the whole must fit one Zalo message of 2,000 characters.
* The source names a year (19xx or 20xx), so an editor can tell how current the fact is, the
  article of a legal document it names, and every document number the text cites (the rules
  of the awareness cards, content/schema/awareness.py).

Checks across fields need the file's context (`Scope`): the run read so far, the ids and days
used, the cards there are. Pydantic validates fields in their order, so `runs` is in the scope
before the first message is read, and each problem is named by the message's index and id.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import (
    Field,
    PlainValidator,
    StrictInt,
    ValidationInfo,
    field_validator,
    model_validator,
)

from content.schema.awareness import Prose, source_problems, uncited
from content.schema.base import LANGS, Id, Line, Model, Text, refuse, repeated

TEXT_MAX = 1000
SOURCE_MAX = 300

_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_MONTH_DAY = re.compile(r"(\d{2})-(\d{2})")
_LEAP = 2000  # a year with every month-day, to check one exists


class MonthDay(NamedTuple):
    """A day that comes every year: 19 August is MonthDay(8, 19), written 08-19."""

    month: int
    day: int

    def of(self, year: int) -> dt.date:
        return dt.date(year, self.month, self.day)

    def __str__(self) -> str:
        return f"{self.month:02d}-{self.day:02d}"


def _when(value: Any) -> dt.date | MonthDay:
    if isinstance(value, dt.datetime):
        raise ValueError(f"{value} has a time; write the day only")
    if isinstance(value, dt.date | MonthDay):
        return value
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is no date: write YYYY-MM-DD, or MM-DD for every year")
    text = value.strip()
    if found := _DATE.fullmatch(text):
        year, month, day = (int(part) for part in found.groups())
        try:
            return dt.date(year, month, day)
        except ValueError as exc:
            raise ValueError(f"{text} is no date ({exc})") from None
    if found := _MONTH_DAY.fullmatch(text):
        month, day = (int(part) for part in found.groups())
        try:
            dt.date(_LEAP, month, day)
        except ValueError as exc:
            raise ValueError(f"{text} is no day of the year ({exc})") from None
        if (month, day) == (2, 29):
            raise ValueError("02-29 does not come every year")
        return MonthDay(month, day)
    raise ValueError(f"{text!r} is no date: write YYYY-MM-DD, or MM-DD for every year")


# A date (YYYY-MM-DD, a campaign that runs once) or a month-day (MM-DD, every year).
When = Annotated[dt.date | MonthDay, PlainValidator(_when)]
Month = Annotated[StrictInt, Field(ge=1, le=12)]


@dataclass
class Scope:
    """The validation context of one campaign file: what its checks across fields need."""

    file: str = ""  # the file's name, which is the campaign's name
    cards: frozenset[str] | None = None  # the awareness cards; None: not checked
    runs: Runs | None = None  # the file's run, once read
    ids: set[str] = field(default_factory=set)
    days: dict[dt.date | MonthDay, str] = field(default_factory=dict)


def _scope(info: ValidationInfo) -> Scope | None:
    return info.context if isinstance(info.context, Scope) else None


class Runs(Model):
    """When a campaign is on: once (two dates) or every year (two month-days, or months)."""

    start: When | None = Field(None, alias="from")
    end: When | None = Field(None, alias="to")
    months: tuple[Month, ...] | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _one_form(self) -> Runs:
        if self.months is not None:
            if self.start is not None or self.end is not None:
                raise ValueError("give months, or from and to, not both")
            refuse([f"month {m} is listed twice" for m in repeated(self.months)])
            return self
        if self.start is None or self.end is None:
            raise ValueError("give months, or both from and to")
        if isinstance(self.start, MonthDay) != isinstance(self.end, MonthDay):
            raise ValueError("from and to are both dates (once) or both MM-DD (every year)")
        start, end = self.start, self.end
        if isinstance(start, dt.date) and isinstance(end, dt.date) and start > end:
            raise ValueError(f"to ({end}) is before from ({start})")
        return self

    @property
    def yearly(self) -> bool:
        """True for a campaign that comes back every year."""
        return self.months is not None or isinstance(self.start, MonthDay)

    def covers(self, day: dt.date) -> bool:
        """Whether the campaign is on, on this local date."""
        if self.months is not None:
            return day.month in self.months
        start, end = self.start, self.end
        if isinstance(start, dt.date) and isinstance(end, dt.date):
            return start <= day <= end
        return self._between(MonthDay(day.month, day.day))

    def holds(self, when: dt.date | MonthDay) -> bool:
        """Whether a message's date falls inside the run (and has its form)."""
        if isinstance(when, MonthDay):
            if self.months is not None:
                return when.month in self.months
            return isinstance(self.start, MonthDay) and self._between(when)
        return not self.yearly and self.covers(when)

    def order(self, when: dt.date | MonthDay) -> tuple[int, int, int]:
        """A sort key putting the dates of one run in the order they come: a yearly run over
        New Year (11-15 to 03-31, or months 11, 12, 1, 2) starts in November."""
        if isinstance(when, dt.date):
            return (when.year, when.month, when.day)
        if self.months is not None and when.month in self.months:
            return (self.months.index(when.month), when.month, when.day)
        if isinstance(self.start, MonthDay) and when < self.start:
            return (1, when.month, when.day)
        return (0, when.month, when.day)

    def _between(self, when: MonthDay) -> bool:
        start, end = self.start, self.end
        assert isinstance(start, MonthDay) and isinstance(end, MonthDay)
        if start <= end:
            return start <= when <= end
        return when >= start or when <= end  # over New Year

    def __str__(self) -> str:
        if self.months is not None:
            return "every year, months " + ", ".join(str(m) for m in self.months)
        if self.yearly:
            return f"every year, {self.start} to {self.end}"
        return f"{self.start} to {self.end}"


class Message(Model):
    id: Id
    date: When
    card: Id  # the awareness card the notice points to
    text: Prose  # the notice as residents read it, before the card pointer
    source: Line  # where its facts come from, with a year; for editors, not sent

    @field_validator("id")
    @classmethod
    def _unique(cls, message_id: str, info: ValidationInfo) -> str:
        scope = _scope(info)
        if scope is not None:
            if message_id in scope.ids:
                raise ValueError(f"{message_id} is also the id of another message")
            scope.ids.add(message_id)
        return message_id

    @field_validator("date")
    @classmethod
    def _in_run(cls, when: dt.date | MonthDay, info: ValidationInfo) -> dt.date | MonthDay:
        scope = _scope(info)
        if scope is None or scope.runs is None:
            return when
        runs = scope.runs
        if runs.yearly and isinstance(when, dt.date):
            raise ValueError(f"{when} has a year, but the campaign runs every year: write MM-DD")
        if not runs.yearly and isinstance(when, MonthDay):
            raise ValueError(f"{when} has no year, but the campaign runs once: write YYYY-MM-DD")
        if not runs.holds(when):
            raise ValueError(f"{when} is outside the campaign's run ({runs})")
        other = scope.days.get(when)
        if other is not None:
            raise ValueError(f"{when} is also the day of message {other}: one a day at most")
        scope.days[when] = str(info.data.get("id", "?"))
        return when

    @field_validator("card")
    @classmethod
    def _exists(cls, card: str, info: ValidationInfo) -> str:
        scope = _scope(info)
        if scope is not None and scope.cards is not None and card not in scope.cards:
            raise ValueError(f"{card} is no card of the awareness packs")
        return card

    @field_validator("text")
    @classmethod
    def _short(cls, text: Text) -> Text:
        refuse(
            [
                f"{lang} has {len(text.get(lang))} characters (max {TEXT_MAX})"
                for lang in LANGS
                if len(text.get(lang)) > TEXT_MAX
            ]
        )
        return text

    @field_validator("source")
    @classmethod
    def _dated(cls, source: str) -> str:
        problems = []
        if len(source) > SOURCE_MAX:
            problems.append(f"has {len(source)} characters (max {SOURCE_MAX})")
        refuse(problems + source_problems(source))
        return source

    @model_validator(mode="after")
    def _cited(self) -> Message:
        """A document the notice cites is one its source names."""
        texts = [self.text.get(lang) for lang in LANGS]
        refuse(
            [
                f"source: does not name {number}, which the text cites"
                for number in uncited(texts, self.source)
            ]
        )
        return self


class Campaign(Model):
    version: Literal[1]
    name: Id
    title: Prose
    runs: Runs
    messages: tuple[Message, ...] = Field(min_length=1)

    @field_validator("name")
    @classmethod
    def _named_as_file(cls, name: str, info: ValidationInfo) -> str:
        scope = _scope(info)
        if scope is not None and scope.file and f"{name}.yaml" != scope.file:
            raise ValueError(f"{name} does not match the file name {scope.file}")
        return name

    @field_validator("runs")
    @classmethod
    def _keep(cls, runs: Runs, info: ValidationInfo) -> Runs:
        scope = _scope(info)
        if scope is not None:
            scope.runs = runs  # the messages, read next, are checked against it
        return runs

    @property
    def yearly(self) -> bool:
        return self.runs.yearly

    def in_order(self) -> tuple[Message, ...]:
        """The messages in the order they go out within one run."""
        return tuple(sorted(self.messages, key=lambda m: self.runs.order(m.date)))
