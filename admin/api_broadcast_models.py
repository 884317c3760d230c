"""What the broadcasts' JSON API (/api/v1/broadcasts) reads and writes, documented in its
OpenAPI. A broadcast's sender appears as an account id for the panel's own users; residents
never see it (they read the role and the area)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from handlers.broadcasts.words import MAX_REASON, MAX_TEXT, BroadcastKind
from handlers.people import AdminRole


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class BroadcastIn(_In):
    # The limit is the use case's (a clear message naming it); this one only stops a body
    # far too long to be a notice.
    text: str = Field(max_length=MAX_TEXT * 4, description=f"At most {MAX_TEXT} characters.")
    kind: BroadcastKind = Field(
        default=BroadcastKind.ALERT,
        description="alert: to those subscribed to the commune's alerts; awareness: to those"
        " subscribed to awareness messages, in the area.",
    )
    communes: list[str] = Field(
        default_factory=list,
        max_length=200,
        description="5-digit commune codes; empty: the sender's commune (province admins must"
        " name them).",
    )
    neighbourhoods: list[int] = Field(
        default_factory=list,
        max_length=500,
        description="Neighbourhood ids of those communes; empty: the whole communes (for a"
        " leader: the neighbourhoods they speak for).",
    )


class RejectIn(_In):
    reason: str = Field(max_length=MAX_REASON * 4, description="Why; the leader reads it.")


class Created(BaseModel):
    id: str
    status: str


class CountsOut(BaseModel):
    queued: int
    sent: int
    failed: int
    unreachable: int
    opted_out: int
    cancelled: int


class BroadcastOut(BaseModel):
    id: str
    status: str = Field(
        description="pending (awaiting approval), rejected, sending, done (nothing left to"
        " send) or cancelled."
    )
    kind: BroadcastKind
    text: str
    sender_id: int | None
    sender_role: AdminRole
    communes: list[str]
    neighbourhoods: list[int]
    created_at: datetime
    decided_at: datetime | None
    reject_reason: str
    recipients: int = Field(description="Messages queued when it went out.")
    counts: CountsOut
    by_channel: dict[str, CountsOut]


class BroadcastSummary(BaseModel):
    id: str
    status: str
    kind: BroadcastKind
    text: str
    sender_role: AdminRole
    communes: list[str]
    created_at: datetime
    recipients: int


class BroadcastList(BaseModel):
    items: list[BroadcastSummary]
    next_before: str | None = Field(description="Pass as `before` for older ones; null at the end.")
