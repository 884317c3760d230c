"""The report: the area's figures over the period and over the one before it, in sections of
rows, each row with its change. Rows name what they count by a `Label` (a catalog id, or a
category, track, outcome or scam check verdict the edge names in its language); notes say how
things are counted. Nothing here knows a language."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from content.scamcheck import Level
from handlers.deadlines import local_date
from handlers.movement import period as periods
from handlers.movement.ports import Figures, MovementFigures
from handlers.movement.scope import Area
from handlers.tips.words import Track


def _(msgid: str) -> str:
    """Marks a catalog id the edge translates, so that the catalog check sees it used."""
    return msgid


class LabelKind(enum.StrEnum):
    TEXT = "text"  # a catalog id
    CATEGORY = "category"  # content/tips.py
    TRACK = "track"
    RESOLUTION = "resolution"
    CHECK = "check"  # a scam check's verdict level (content.scamcheck.Level)


@dataclass(frozen=True)
class Label:
    kind: LabelKind
    key: str


@dataclass(frozen=True)
class Row:
    label: Label
    current: int | None  # None: not recorded
    previous: int | None
    level: int = 0  # 1: a part of the row above it
    heading: bool = False  # names the parts below it, counts nothing itself
    empty: bool = False  # a heading with no part below it in either period: says "none"

    @property
    def change(self) -> int | None:
        if self.current is None or self.previous is None:
            return None
        return self.current - self.previous

    @property
    def change_percent(self) -> float | None:
        """The change as a share of the previous figure; None from nothing."""
        if self.change is None or not self.previous:
            return None
        return 100.0 * self.change / self.previous


@dataclass(frozen=True)
class Section:
    title: str  # catalog id
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Note:
    """A note under the report: a catalog id, and the day it names if any."""

    msgid: str
    day: date | None = None


@dataclass(frozen=True)
class Report:
    area: Area
    span: periods.Span
    prior_span: periods.Span  # the previous period's days set beside it (periods.previous_span)
    made_at: datetime
    current: Figures
    prior: Figures
    sections: tuple[Section, ...]
    notes: tuple[Note, ...]

    @property
    def previous(self) -> periods.Period:
        return self.prior_span.period

    @property
    def made_on(self) -> date:
        return local_date(self.made_at)


def _text(msgid: str, current: int | None, previous: int | None, level: int = 0) -> Row:
    return Row(Label(LabelKind.TEXT, msgid), current, previous, level)


def _heading(msgid: str, parts: tuple[Row, ...]) -> tuple[Row, ...]:
    """The heading and its parts; a heading with none says so rather than stand empty."""
    return (Row(Label(LabelKind.TEXT, msgid), None, None, heading=True, empty=not parts), *parts)


def _parts(
    kind: LabelKind, now: dict[str, int], before: dict[str, int], keys: Iterable[str] = ()
) -> tuple[Row, ...]:
    """One row per key: `keys` in their order, then any other either period has, the most
    frequent now first."""
    fixed = list(keys)
    others = sorted(
        (set(now) | set(before)) - set(fixed), key=lambda k: (-now.get(k, 0), -before.get(k, 0), k)
    )
    return tuple(Row(Label(kind, k), now.get(k, 0), before.get(k, 0), 1) for k in [*fixed, *others])


def _checks(now: Figures, before: Figures) -> tuple[Row, ...]:
    """The checks by verdict, most alarming first, for the periods that were counted (one
    not counted has no figure in any of them); none while neither period was."""
    if now.scam_checks is None and before.scam_checks is None:
        return ()

    def part(figures: Figures, level: Level) -> int | None:
        if figures.scam_checks is None:
            return None
        return figures.scam_checks_by_outcome.get(level.value, 0)

    return tuple(
        Row(Label(LabelKind.CHECK, level.value), part(now, level), part(before, level), 1)
        for level in Level
    )


def _pair(now: Figures, before: Figures, name: str) -> tuple[int | None, int | None]:
    current: int | None = getattr(now, name)
    previous: int | None = getattr(before, name)
    return current, previous


def sections(now: Figures, before: Figures) -> tuple[Section, ...]:
    def row(msgid: str, name: str, level: int = 0) -> Row:
        return _text(msgid, *_pair(now, before, name), level)

    tracks = [t.value for t in Track]
    return (
        Section(
            _("panel.report.section.tips"),
            (
                row(_("panel.report.row.received"), "received"),
                *_heading(
                    _("panel.report.row.by_category"),
                    _parts(LabelKind.CATEGORY, now.by_category, before.by_category),
                ),
                *_heading(
                    _("panel.report.row.by_track"),
                    _parts(LabelKind.TRACK, now.by_track, before.by_track, tracks),
                ),
            ),
        ),
        Section(
            _("panel.report.section.handling"),
            (
                row(_("panel.report.row.ack_on_time"), "ack_on_time"),
                row(_("panel.report.row.ack_late"), "ack_late"),
                row(_("panel.report.row.decided_on_time"), "decided_on_time"),
                row(_("panel.report.row.decided_late"), "decided_late"),
                row(_("panel.report.row.forwarded"), "forwarded"),
                *_heading(
                    _("panel.report.row.outcomes"),
                    _parts(LabelKind.RESOLUTION, now.by_resolution, before.by_resolution),
                ),
                row(_("panel.report.row.useful"), "useful"),
                row(_("panel.report.row.thanked"), "thanked"),
            ),
        ),
        Section(
            _("panel.report.section.scams"),
            (
                row(_("panel.report.row.scam_checks"), "scam_checks"),
                *_checks(now, before),
                row(_("panel.report.row.indicators_confirmed"), "indicators_confirmed"),
            ),
        ),
        Section(
            _("panel.report.section.outreach"),
            (
                row(_("panel.report.row.reached_broadcasts"), "reached_broadcasts"),
                row(_("panel.report.row.reached_campaigns"), "reached_campaigns"),
                row(_("panel.report.row.subscribers"), "subscribers"),
                row(_("panel.report.row.subscribers_new"), "subscribers_new"),
                row(_("panel.report.row.quiz_residents"), "quiz_residents"),
                row(_("panel.report.row.neighbourhoods"), "neighbourhoods"),
                row(_("panel.report.row.neighbourhoods_led"), "neighbourhoods_led"),
            ),
        ),
    )


NOTES = (
    _("panel.report.note.tips"),
    _("panel.report.note.decision"),
    _("panel.report.note.useful_closed"),
    _("panel.report.note.indicators"),
    _("panel.report.note.reach"),
    _("panel.report.note.quiz"),
    _("panel.report.note.neighbourhoods"),
)


def notes(now: Figures, before: Figures, to_date: bool = False) -> tuple[Note, ...]:
    """The notes, with the day scam checks have been counted from (none counted yet: said),
    and, while the period is under way, how the previous one was cut to compare."""
    since = now.scam_checks_since or before.scam_checks_since
    checks = (
        Note(_("panel.report.note.checks_since"), since)
        if since
        else Note(_("panel.report.note.checks_none"))
    )
    fixed = [Note(msgid) for msgid in NOTES]
    cut = (Note(_("panel.report.note.to_date")),) if to_date else ()
    return (*cut, *fixed[:3], checks, *fixed[3:])


async def make(store: MovementFigures, area: Area, period: periods.Period, now: datetime) -> Report:
    """The report of `area` over `period` as of `now`, beside the period before it: whole
    when `period` is over, else over as many days as `period` has counted so far. A period
    not begun is refused (`BadInput("report_future")`)."""
    span = periods.span(period, local_date(now))
    before = periods.previous_span(span)
    current = await store.figures(area, span.start, span.end, now)
    prior = await store.figures(area, before.start, before.end, now)
    return Report(
        area=area,
        span=span,
        prior_span=before,
        made_at=now,
        current=current,
        prior=prior,
        sections=sections(current, prior),
        notes=notes(current, prior, span.to_date),
    )
