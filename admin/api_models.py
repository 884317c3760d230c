"""What the JSON API (/api/v1) reads and writes: pydantic models, documented in its OpenAPI.

Response models mirror the dataclasses of storage/casework/views.py and
handlers/casework/ports.py field for field, so that a
reader of the OpenAPI document sees exactly what the panel sees. None of them has a field for
the reporter's contact: that only comes out of the audited reveal (`ContactOut`).
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from handlers.casework.actions import FORWARD_TO_LIMIT
from handlers.casework.rules import MAX_NOTE, MAX_QUESTION, MAX_REASON, Action, DueState
from handlers.people import AdminRole
from handlers.tipmodel import Visibility
from handlers.tips.words import Resolution, TipStatus

MAX_FORWARD_TO = FORWARD_TO_LIMIT


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class _In(BaseModel):
    # Unknown fields are refused: a misspelt field must not pass for an empty one.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# -- errors ---------------------------------------------------------------------------------


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ErrorInfo(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. `not_found`, `transition`.")
    message: str = Field(
        description="For people, in the language asked (`?lang=` or Accept-Language)."
    )
    fields: list[FieldError] | None = Field(
        default=None, description="Which input was refused (code `invalid_input` only)."
    )


class ErrorBody(BaseModel):
    error: ErrorInfo


# -- who is calling -------------------------------------------------------------------------


class Me(BaseModel):
    id: int
    username: str
    display_name: str
    role: AdminRole
    commune: str = Field(description="5-digit commune code; empty for a province admin.")
    province: str = Field(description="2-digit province code.")
    area: str = Field(description="The area's name: commune and province, or the province.")


# -- the queue ------------------------------------------------------------------------------


class TipSummary(_Out):
    id: str
    code: str
    category: str
    status: TipStatus
    urgent: bool
    commune_code: str
    received_on: date
    created_at: datetime
    next_due: date | None
    due_state: DueState
    days_left: int | None
    assignee_id: int | None
    assignee: str
    excerpt: str
    reporter_replied_at: datetime | None


class TipList(BaseModel):
    items: list[TipSummary]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last."
    )
    counts: dict[str, int] | None = Field(
        description=(
            "Tips per status under the same filter, its status aside (for tabs), on the first"
            " page only (null when `cursor` was given, and for a search matching more than"
            " 500 tips). Each is counted up to 10,000; 10,001 means more."
        )
    )


# -- one tip --------------------------------------------------------------------------------


class AttachmentOut(_Out):
    id: int
    kind: str
    mime: str
    size: int
    sha256: str
    received_at: datetime
    url: str = Field(description="Where the bytes are (same authentication).")


class TimelineOut(_Out):
    id: int
    at: datetime
    kind: str
    visibility: Visibility
    body: str
    actor: str


class RelatedOut(_Out):
    id: str
    code: str
    category: str
    status: TipStatus
    received_on: date
    shared: list[str]


class TipOut(_Out):
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
    map_url: str
    province_code: str
    commune_code: str
    anonymous: bool
    reporter: str = Field(description="A pseudonym, the same for one reporter's tips.")
    details: dict[str, str]
    created_at: datetime
    received_on: date
    ack_due: date
    decision_due: date
    outcome_due: date | None
    next_due: date | None
    due_state: DueState
    days_left: int | None
    extensions: int
    assignee_id: int | None
    assignee: str
    acknowledged_at: datetime | None
    closed_at: datetime | None
    resolution: str
    resolution_note: str
    forwarded_to: str
    rating: int | None
    reporter_replied_at: datetime | None
    attachments: list[AttachmentOut]
    timeline: list[TimelineOut]
    related: list[RelatedOut]
    allowed: list[Action] = Field(description="What the caller may do to this tip now.")


class ColleagueOut(_Out):
    id: int
    username: str
    display_name: str
    role: AdminRole


class ContactOut(_Out):
    name: str
    phone: str


# -- actions --------------------------------------------------------------------------------


class AssignIn(_In):
    assignee_id: int | None = Field(
        description="A colleague's id (see colleagues); null unassigns."
    )


class UrgencyIn(_In):
    urgent: bool


class QuestionIn(_In):
    question: str = Field(
        max_length=MAX_QUESTION, description="Relayed to the reporter by the bot."
    )


class ForwardIn(_In):
    to: str = Field(max_length=MAX_FORWARD_TO, description="The investigation body it goes to.")
    note: str = Field(default="", max_length=MAX_NOTE)


class ExtendIn(_In):
    reason: str = Field(max_length=MAX_REASON)


class CloseIn(_In):
    resolution: Resolution
    note: str = Field(default="", max_length=MAX_NOTE)


class NoteIn(_In):
    body: str = Field(
        max_length=MAX_NOTE, description="An internal note: never shown to the reporter."
    )


class RevealIn(_In):
    reason: str = Field(max_length=MAX_REASON, description="Why; written to the audit log.")
