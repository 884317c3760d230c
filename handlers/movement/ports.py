"""What a report needs from storage: the figures of one area over a range of Vietnam days.
storage/movement.py is the SQL store, tests/fakes/memory_movement.py the in-memory one.

What each figure counts (the report's notes say it too):
- tips: those received in the days (`received_on`), by category, by their current track, and
  as they stand when the report is made: acknowledged on time or late, the crime reports'
  legal decision on time or late (as storage/stats.py counts them), forwarded, closed by
  outcome, useful (closed, with an outcome of USEFUL_OUTCOMES or an indicator they named
  confirmed: the tips a chief may thank, handlers/casework/thanks.py `is_useful`);
- thanked: tips of the area thanked in the days (`thanked_at`), whenever received;
- confirmed indicators: decided "confirmed" in the days and named by a tip of the area;
- scam checks: those the area's residents ran in the days, by verdict level, as counted
  (storage/scam_checks.py) since counting began, on the first day counted anywhere
  (`scam_checks_since`); days before it were not counted: a range that ends before it has no
  figure (None, never a guess), and no range has one while nothing has been counted. A
  resident who has not chosen a commune counts in no area;
- reach: distinct residents of the area sent at least one broadcast copy, or one campaign
  message, in the days;
- subscribers: residents of the area with a subscription running at the end of the days, and
  those who began one in them;
- quiz: residents of the area whose latest quiz falls in the days (only the latest is kept);
- neighbourhoods: those of the area existing at the end of the days, and those of them with
  an active leader now (a leader's neighbourhoods are not dated)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from handlers.movement.scope import Area


@dataclass(frozen=True)
class Figures:
    received: int = 0
    by_category: dict[str, int] = field(default_factory=dict)
    by_track: dict[str, int] = field(default_factory=dict)
    ack_on_time: int = 0
    ack_late: int = 0
    decided_on_time: int = 0
    decided_late: int = 0
    forwarded: int = 0
    by_resolution: dict[str, int] = field(default_factory=dict)
    useful: int = 0
    thanked: int = 0
    indicators_confirmed: int = 0
    scam_checks: int | None = None  # None: not counted in these days (see above)
    scam_checks_by_outcome: dict[str, int] = field(default_factory=dict)  # by Level
    scam_checks_since: date | None = None  # the first day counted, anywhere
    reached_broadcasts: int = 0
    reached_campaigns: int = 0
    subscribers: int = 0
    subscribers_new: int = 0
    quiz_residents: int = 0
    neighbourhoods: int = 0
    neighbourhoods_led: int = 0


def counted_checks(by_outcome: dict[str, int], since: date | None, end: date) -> int | None:
    """The checks of days up to `end` as a figure: their sum once counting had begun by
    `end`, else None (the days were not counted, which is not zero)."""
    if since is None or end < since:
        return None
    return sum(by_outcome.values())


class MovementFigures(Protocol):
    async def figures(self, area: Area, start: date, end: date, now: datetime) -> Figures:
        """The area's figures over the Vietnam days `start` to `end`, both included, as they
        stand at `now` (for the deadlines: one not yet due is not counted)."""
        ...
