"""What the broadcasts' JSON API (/api/v1/broadcasts) reads and writes, documented in its
OpenAPI. A broadcast's sender appears as an account id for the panel's own users; residents
never see it (they read the role and the area).

A broadcast may carry one photo, sent in the body of POST /api/v1/broadcasts as
`"photo_base64"`: the file's bytes in standard base64 (RFC 4648, with padding; line breaks
are ignored), no data: prefix. Its type is recognised from its bytes, whatever a client calls
it: a JPEG or PNG image of at most 5 MB (handlers/broadcasts/photo.py). Not base64: 422
`invalid_input` with `fields` naming `photo_base64`; empty, too large or of another type: 422
`photo_empty`, `photo_size` (its message names the limit) or `photo_type`, like any other
refused input. A broadcast read back says `"photo": true` when it carries one.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from handlers.broadcasts.photo import MAX_PHOTO_MB
from handlers.broadcasts.words import MAX_REASON, MAX_TEXT, BroadcastKind
from handlers.people import AdminRole


def decode_photo(value: str) -> bytes:
    """A photo's bytes from its base64; binascii.Error (a ValueError) when it is none."""
    return base64.b64decode("".join(value.split()), validate=True)


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
    photo_base64: str | None = Field(
        default=None,
        description="An optional photo sent with each copy: a JPEG or PNG file of at most"
        f" {MAX_PHOTO_MB} MB, in standard base64 (RFC 4648, with padding, no data: prefix)."
        " The type is read from the bytes.",
    )

    @field_validator("photo_base64")
    @classmethod
    def _is_base64(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                decode_photo(value)
            except (binascii.Error, ValueError):
                # The message only: never the input (a client's file) in the answer.
                raise ValueError(
                    "photo_base64 is not base64 (RFC 4648 standard alphabet, with padding)"
                ) from None
        return value

    def photo(self) -> bytes | None:
        """The photo's bytes, None without one."""
        return None if self.photo_base64 is None else decode_photo(self.photo_base64)


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
    photo: bool = Field(description="Whether a photo goes with each copy.")
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
    photo: bool = Field(description="Whether a photo goes with each copy.")


class BroadcastList(BaseModel):
    items: list[BroadcastSummary]
    next_before: str | None = Field(description="Pass as `before` for older ones; null at the end.")
