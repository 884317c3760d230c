"""The tip's vocabulary: its status and the one table of moves between them, and how it was
closed. Storage, the panel, the API and the notices to the reporter all read these."""

from __future__ import annotations

import enum


class TipStatus(enum.StrEnum):
    NEW = "new"  # received, not yet acknowledged to the reporter
    ACKNOWLEDGED = "acknowledged"  # the reporter was told it is being handled
    VERIFYING = "verifying"  # preliminary check by the commune police
    FORWARDED = "forwarded"  # sent on to the competent investigation body
    CLOSED = "closed"  # decided; the reporter is told the outcome


TRANSITIONS: dict[TipStatus, frozenset[TipStatus]] = {
    TipStatus.NEW: frozenset({TipStatus.ACKNOWLEDGED, TipStatus.CLOSED}),
    TipStatus.ACKNOWLEDGED: frozenset({TipStatus.VERIFYING, TipStatus.FORWARDED, TipStatus.CLOSED}),
    TipStatus.VERIFYING: frozenset({TipStatus.FORWARDED, TipStatus.CLOSED}),
    TipStatus.FORWARDED: frozenset({TipStatus.CLOSED}),
    TipStatus.CLOSED: frozenset(),
}


class IllegalTransition(ValueError):
    def __init__(self, current: TipStatus, target: TipStatus) -> None:
        super().__init__(f"a tip cannot move from {current.value} to {target.value}")
        self.current, self.target = current, target


def move(current: TipStatus, target: TipStatus) -> TipStatus:
    """The one place a status changes; raises on a move the table does not allow."""
    if target not in TRANSITIONS[current]:
        raise IllegalTransition(current, target)
    return target


class Resolution(enum.StrEnum):
    """How a tip was closed; the reporter is told the outcome in these terms."""

    HANDLED = "handled"  # checked and dealt with by the commune police
    FORWARDED = "forwarded"  # dealt with by the investigation body it went to
    UNFOUNDED = "unfounded"  # checked: nothing found
    INSUFFICIENT = "insufficient"  # not enough to go on
    DUPLICATE = "duplicate"  # the same matter as another tip
    NOT_COMPETENT = "not_competent"  # not a police matter; the reporter is told where to go
