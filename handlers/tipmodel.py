"""The tip's domain: its lifecycle, the draft a resident builds, and what they see of it."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime


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


class Visibility(enum.StrEnum):
    INTERNAL = "internal"  # police only; never reaches the bot
    REPORTER = "reporter"  # shown to the reporter in "my tips"


@dataclass(frozen=True)
class AttachmentIn:
    kind: str
    ref: str
    mime: str
    size: int
    sha256: str
    received_at: datetime


@dataclass
class TipDraft:
    category: str
    description: str
    commune_code: str
    province_code: str
    incident_when: str = "unknown"  # now | today | date | unknown
    incident_date: date | None = None
    address: str = ""
    lat: float | None = None
    lon: float | None = None
    anonymous: bool = True
    contact_name: str = ""
    contact_phone: str = ""
    urgent: bool = False
    details: dict[str, str] = field(default_factory=dict)
    attachments: list[AttachmentIn] = field(default_factory=list)


@dataclass(frozen=True)
class TipView:
    """What a reporter may see of their tip."""

    id: str
    code: str
    category: str
    status: TipStatus
    urgent: bool
    created_at: datetime
    ack_due: date
    decision_due: date


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    body: str


@dataclass(frozen=True)
class PinCheck:
    tip_id: str
    code: str
    pin_hash: str
    failures: int
    locked_until: datetime | None
