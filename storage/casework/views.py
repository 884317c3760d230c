"""What the panel and the API show of casework: the queue's filter and rows, one tip's page,
a colleague, a row of the export. Plain data, read from the tables by the other modules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from handlers.casework.rules import Action, DueState
from handlers.tipmodel import Visibility
from handlers.tips.words import Protection, TipStatus, Track
from storage.db import utc


@dataclass(frozen=True)
class QueueFilter:
    """The queue's filters. `status` None is every open (not closed) tip, "all" everything.
    `assignee` is "me", "none" or a user id as text. Dates are Vietnam calendar days of
    receipt, both ends included."""

    status: str | None = None
    category: str | None = None
    urgent: bool | None = None
    overdue: bool = False
    due_soon: bool = False
    assignee: str | None = None
    received_from: date | None = None
    received_to: date | None = None
    q: str = ""
    commune: str | None = None  # a province admin narrowing to one commune
    track: str | None = None  # one track (handlers.tips.words.Track)
    protection: bool = False  # only tips whose reporter asked for protection


@dataclass(frozen=True)
class QueueItem:
    id: str
    code: str
    category: str
    status: TipStatus
    urgent: bool
    commune_code: str
    received_on: date
    created_at: datetime
    next_due: date | None
    next_kind: str  # which deadline next_due is: ack, forward, decision ("" when none)
    due_state: DueState
    days_left: int | None
    assignee_id: int | None
    assignee: str  # username, "" when nobody has it
    track: Track
    protection: Protection
    excerpt: str  # the start of the description, one line
    reporter_replied_at: datetime | None


@dataclass(frozen=True)
class QueuePage:
    items: list[QueueItem]
    next_cursor: str | None  # opaque; pass back for the next page, None on the last


@dataclass(frozen=True)
class AttachmentInfo:
    id: int
    kind: str
    mime: str
    size: int
    sha256: str
    received_at: datetime
    # Issue 18: the metadata found (JSON, handlers.media_metadata.summary), whether it was
    # removed (an anonymous tip's file), and then the hash of the file as received.
    metadata_summary: str = ""
    metadata_removed: bool = False
    received_sha256: str = ""


@dataclass(frozen=True)
class AttachmentRef:
    """Where an attachment's bytes are (storage.blobs ref) and how to serve them."""

    ref: str
    mime: str
    size: int
    kind: str
    filename: str


@dataclass(frozen=True)
class TimelineItem:
    id: int
    at: datetime
    kind: str  # created, acknowledged, question, reporter_answer, note, assigned, ...
    visibility: Visibility
    body: str
    actor: str  # the officer's username; "" for the reporter or the system


@dataclass(frozen=True)
class RelatedTip:
    id: str
    code: str
    category: str
    status: TipStatus
    received_on: date
    shared: list[str]  # the indicators both tips name: "+84912345678", "evil.xyz", ...
    shown: list[str]  # the same as an officer reads them: "0912 345 678", "evil.xyz", ...


@dataclass(frozen=True)
class TipDetail:
    id: str
    code: str
    category: str
    status: TipStatus
    urgent: bool
    description: str
    incident_when: str
    incident_date: date | None
    address: str
    lat: float | None
    lon: float | None
    map_url: str  # "" without a location
    province_code: str
    commune_code: str
    anonymous: bool
    has_contact: bool  # contact details kept (retention may have removed them)
    contact_removed: bool  # a named reporter's, removed by retention
    reporter: str  # a pseudonym, the same for every tip of one reporter in one commune
    details: dict[str, str]
    created_at: datetime
    received_on: date
    ack_due: date
    decision_due: date | None  # None on a track with no decision deadline
    outcome_due: date | None
    next_due: date | None
    next_kind: str  # which deadline next_due is: ack, forward, decision ("" when none)
    due_state: DueState
    days_left: int | None
    extensions: int
    track: Track
    forward_due: date | None
    forwarded_at: datetime | None
    decided_at: datetime | None  # closed or suspended: the decision recorded
    extension_decision: str  # the procuracy's decision on the second extension
    extension_decision_on: date | None
    mediation_team: str
    protection: Protection
    assignee_id: int | None
    assignee: str
    acknowledged_at: datetime | None
    closed_at: datetime | None
    resolution: str
    resolution_note: str
    forwarded_to: str
    rating: int | None
    reporter_replied_at: datetime | None
    attachments: list[AttachmentInfo]
    timeline: list[TimelineItem]
    related: list[RelatedTip]
    allowed: frozenset[Action] = field(default_factory=frozenset)


@dataclass(frozen=True)
class ExportRow:
    code: str
    category: str
    status: TipStatus
    urgent: bool
    commune_code: str
    received_on: date
    ack_due: date
    decision_due: date | None  # None on a track with no decision deadline (never NO_DUE)
    next_due: date | None
    acknowledged_at: datetime | None
    closed_at: datetime | None
    resolution: str
    assignee: str
    forwarded_to: str
    rating: int | None
    anonymous: bool
    description: str
    address: str
    track: Track = Track.CRIME
    forward_due: date | None = None
    forwarded_at: datetime | None = None
    extension_decision: str = ""  # the procuracy's decision on the second extension
    extension_decision_on: date | None = None
    protection: bool = False  # whether the reporter asked for protection; never what


def utc_or_none(value: datetime | None) -> datetime | None:
    """A time read from a row, as the views hold it (aware, UTC)."""
    return None if value is None else utc(value)
