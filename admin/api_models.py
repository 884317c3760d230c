"""What the JSON API (/api/v1) reads and writes: pydantic models, documented in its OpenAPI.

Response models mirror the dataclasses of storage/casework/views.py and
handlers/casework/ports.py field for field, so that a
reader of the OpenAPI document sees exactly what the panel sees. None of them has a field for
the reporter's contact: that only comes out of the audited reveal (`ContactOut`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator
from pydantic.config import JsonDict

from handlers.casework.actions import FORWARD_TO_LIMIT
from handlers.casework.rules import (
    MAX_BODY,
    MAX_DECISION_NUMBER,
    MAX_NOTE,
    MAX_QUESTION,
    MAX_REASON,
    Action,
    DueState,
)
from handlers.deadlines import Due
from handlers.people import AdminRole
from handlers.tipmodel import Visibility
from handlers.tips.words import OUTCOMES, Protection, TipStatus, Track

MAX_FORWARD_TO = FORWARD_TO_LIMIT
MAX_TEAM = MAX_BODY

# What the OpenAPI document says of the words a tip is described with (handlers/tips/words.py).
TRACKS = [t.value for t in Track]
# Every outcome offered today, each track's first: the outcomes before issue 17 are still
# read on old tips but no longer accepted.
RESOLUTIONS = list(dict.fromkeys(r.value for outcomes in OUTCOMES.values() for r in outcomes))
OUTCOMES_DOC = "; ".join(
    f"`{track.value}`: " + ", ".join(f"`{r.value}`" for r in outcomes)
    for track, outcomes in OUTCOMES.items()
)
TRACK_DOC = (
    "The procedure the tip runs under: `crime` (a crime report, Criminal Procedure Code),"
    " `administrative` (an administrative violation), `mediation` (a neighbourhood dispute for"
    " grassroots mediation), `violence` (domestic violence or child abuse: urgent, protection"
    " first), `fire_risk` (a fire-prevention check by the commune)."
)
NEXT_KIND_DOC = (
    "Which deadline `next_due` is: `ack` (tell the reporter it was received), `forward` (pass"
    " it to the competent investigation body), `decision`; null when none is running."
)
PROTECTION_DOC = (
    "What the reporter asked about themselves: `` (nothing), `secret` (keep my identity"
    " secret), `threatened` (I am threatened). Never lowered once recorded."
)


def _enum(values: Iterable[str]) -> JsonDict:
    """The values a text field takes, for the OpenAPI document; the use case checks them and
    answers its own code for any other."""
    return {"enum": [value for value in values]}


def _no_kind(value: Any) -> Any:
    """The views say "" where no deadline runs; the API says null."""
    return value or None


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
    next_due: date | None = Field(description="The nearest deadline still running, or null.")
    next_kind: Due | None = Field(description=NEXT_KIND_DOC)
    due_state: DueState
    days_left: int | None
    assignee_id: int | None
    assignee: str
    track: Track = Field(description=TRACK_DOC)
    protection: Protection = Field(description=PROTECTION_DOC)
    excerpt: str
    reporter_replied_at: datetime | None

    _next_kind = field_validator("next_kind", mode="before")(_no_kind)


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
    metadata_summary: str = Field(
        "",
        description="JSON: the location and device metadata found in the file as received "
        "('found', with 'camera', 'taken', 'gps' for a named reporter's file) or removed from "
        "it ('removed', the kinds only: an anonymous reporter's); '' for older files.",
    )
    metadata_removed: bool = Field(
        False, description="The metadata was removed: `sha256` and `size` are of the file stored."
    )
    received_sha256: str = Field(
        "", description="When metadata was removed: the SHA-256 of the file as received."
    )


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


class ExtensionDecisionOut(BaseModel):
    number: str = Field(description="The number of the procuracy's decision.")
    date: dt.date = Field(description="The date of the decision.")


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
    has_contact: bool = Field(
        description="The reporter left contact details that are still kept; only the tip's "
        "assigned officer and the commune's chief may reveal them (POST …/reveal)."
    )
    contact_removed: bool = Field(
        description="The reporter left contact details, removed since by retention."
    )
    reporter: str = Field(description="A pseudonym, the same for one reporter's tips.")
    details: dict[str, str]
    created_at: datetime
    received_on: date
    track: Track = Field(description=TRACK_DOC)
    ack_due: date = Field(description="By when the reporter is told the tip was received.")
    forward_due: date | None = Field(
        description="By when a crime report the commune does not handle itself goes to the"
        " competent investigation body; null on a track without a forward deadline."
    )
    decision_due: date | None = Field(
        description="By when the tip is decided, extensions included. A crime report's is the"
        " investigation body's: null until it is forwarded, then counted from that day. The"
        " other tracks' are a service standard of Bình Yên, counted from receipt."
    )
    outcome_due: date | None = Field(description="By when the reporter is told the outcome.")
    next_due: date | None = Field(description="The nearest deadline still running, or null.")
    next_kind: Due | None = Field(description=NEXT_KIND_DOC)
    due_state: DueState
    days_left: int | None
    extensions: int = Field(description="How many times the decision deadline was extended.")
    extension_decision: ExtensionDecisionOut | None = Field(
        description="The procuracy's decision that granted the second extension; null before."
    )
    assignee_id: int | None
    assignee: str
    acknowledged_at: datetime | None
    forwarded_at: datetime | None = Field(description="When the tip was forwarded, or null.")
    decided_at: datetime | None = Field(
        description="When its decision was recorded (closed or suspended); null while open"
        " and again once a suspended tip is resumed."
    )
    closed_at: datetime | None
    resolution: str = Field(
        description='How the tip was decided, "" while open. The outcomes of each track: '
        + OUTCOMES_DOC
        + ". `suspended` leaves a crime report open (status `suspended`) until resumed;"
        " `transferred`, `prosecuted`, `not_prosecuted` and `suspended` need a forward first."
        " Tips decided before tracks existed may read"
        " `handled`, `forwarded`, `unfounded`, `insufficient` or `not_competent`."
    )
    resolution_note: str
    forwarded_to: str = Field(description='The body the tip was forwarded to, "" if none.')
    mediation_team: str = Field(
        description='The mediation team handling a neighbourhood dispute, "" if none.'
    )
    protection: Protection = Field(description=PROTECTION_DOC)
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
    urgent: StrictBool = Field(description="true or false (JSON booleans only)")


class QuestionIn(_In):
    question: str = Field(
        max_length=MAX_QUESTION, description="Relayed to the reporter by the bot."
    )


class ForwardIn(_In):
    to: str = Field(
        max_length=MAX_FORWARD_TO,
        description="The name of the investigation body it goes to, as the reporter reads it:"
        " no phone number (`forward_to_phone`).",
    )
    note: str = Field(default="", max_length=MAX_NOTE)


class ExtendIn(_In):
    reason: str = Field(max_length=MAX_REASON, description="Why; at least 5 characters.")
    decision_number: str = Field(
        default="",
        max_length=MAX_DECISION_NUMBER,
        description="The second extension only: the number of the procuracy's decision.",
    )
    decision_date: date | None = Field(
        default=None,
        description="The second extension only: the decision's date (YYYY-MM-DD), not before"
        " the tip was received; never in the future (`decision_date_future`), whichever the"
        " extension.",
    )
    requested_on: date | None = Field(
        default=None,
        description="The second extension only: the day it was asked of the procuracy"
        " (YYYY-MM-DD; today when absent). It must be enough days before the first extension"
        " ends (`extension_request_late` says how many); never in the future (`requested_on`),"
        " whichever the extension.",
    )


class CloseIn(_In):
    resolution: str = Field(
        max_length=32,
        json_schema_extra=_enum(RESOLUTIONS),
        description="An outcome of the tip's track (`resolution_track` otherwise): "
        + OUTCOMES_DOC
        + ". `suspended` (crime reports) suspends the tip instead of closing it;"
        " `transferred` needs a forward first (`transferred_unforwarded`), and so do the"
        " investigation body's decisions `prosecuted`, `not_prosecuted` and `suspended`"
        " (`decision_unforwarded`).",
    )
    note: str = Field(default="", max_length=MAX_NOTE)


class TrackIn(_In):
    track: str = Field(
        max_length=32,
        json_schema_extra=_enum(TRACKS),
        description="The track to run the tip on from now (`track` if unknown). "
        + TRACK_DOC
        + " Its deadlines are counted again from the day the tip was received.",
    )
    reason: str = Field(max_length=MAX_REASON, description="Why; written to the audit log.")


class MediateIn(_In):
    team: str = Field(
        max_length=MAX_TEAM, description="The commune's mediation team the dispute goes to."
    )


class ResumeIn(_In):
    reason: str = Field(
        max_length=MAX_REASON, description="Why the suspension ends; at least 5 characters."
    )


class ProtectIn(_In):
    protection: str = Field(
        max_length=16,
        json_schema_extra=_enum([Protection.SECRET.value, Protection.THREATENED.value]),
        description="What the reporter asked: `secret` (keep my identity secret) or"
        " `threatened` (I am threatened: the tip also becomes urgent).",
    )


class NoteIn(_In):
    body: str = Field(
        max_length=MAX_NOTE, description="An internal note: never shown to the reporter."
    )


class RevealIn(_In):
    reason: str = Field(max_length=MAX_REASON, description="Why; written to the audit log.")
