"""The tip's data: the draft a resident builds, and what they see of it (the tip's words, its
status and resolution, are in handlers/tips/words.py)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime

from content import legal
from handlers.tips.words import TipStatus


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
    # Issue 18 (handlers/tip_files.py): what was received when the metadata was removed
    # ("" and None when what is stored is what came), the officer's summary of the metadata
    # (JSON, handlers.media_metadata.summary), and whether it was removed.
    received_sha256: str = ""
    received_size: int | None = None
    metadata_summary: str = ""
    metadata_removed: bool = False


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
    track: str = ""  # "" for the category's track (content.legal.track_of)
    protection: str = ""  # handlers.tips.words.Protection: what the reporter asked for
    details: dict[str, str] = field(default_factory=dict)
    attachments: list[AttachmentIn] = field(default_factory=list)


def track_of(draft: TipDraft) -> str:
    """The track a draft's tip starts on: its own, else its category's."""
    return draft.track or legal.track_of(draft.category)


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
    decision_due: date | None  # None on a track with no decision deadline (or not yet)
    track: str = "crime"
    forward_due: date | None = None


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
