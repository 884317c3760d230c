"""The neutral conversation model shared by every channel.

Adapters turn platform updates into an `InboundEvent` and render `Reply` objects;
handlers see nothing else of a platform.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field
from typing import Any


class Kind(enum.StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    COMMAND = "command"
    MEDIA = "media"
    LOCATION = "location"
    CONTACT = "contact"
    SYSTEM = "system"
    UNSUPPORTED = "unsupported"  # a sticker, a poll, a game: something the bot cannot read


class MediaType(enum.StrEnum):
    PHOTO = "photo"
    VIDEO = "video"
    VOICE = "voice"
    FILE = "file"


class SystemEvent(enum.StrEnum):
    BLOCKED = "blocked"
    UNBLOCKED = "unblocked"
    FOLLOW = "follow"
    UNFOLLOW = "unfollow"


@dataclass(frozen=True, slots=True)
class Media:
    type: MediaType
    ref: str
    mime: str | None = None
    size: int | None = None
    caption: str | None = None
    # Outgoing only: the file's bytes, for a channel that uploads rather than links (Telegram
    # uploads a broadcast's photo once and sends its file_id after that).
    data: bytes | None = None


@dataclass(frozen=True, slots=True)
class InboundEvent:
    """One thing a resident did, in channel-neutral form."""

    channel: str
    account: str
    chat_id: str
    user_id: str
    event_id: str
    kind: Kind
    text: str = ""
    choice: str = ""
    command: str = ""
    payload: str = ""
    media: Media | None = None
    lat: float | None = None
    lon: float | None = None
    phone: str = ""
    system: SystemEvent | None = None
    # Passed on from someone else: a forwarded message (its text or a file's caption), or a
    # contact card that is not the sender's own. The scam check is offered for it
    # (handlers/forwarded.py); a CONTACT without it is the resident's own number.
    forwarded: bool = False
    # Where the event came from beyond its chat, for a channel whose chats cost nothing to
    # make (the web chat: a new cookie is a new resident): an opaque key of the client's
    # network, which names no address and changes daily (bot/channels/web_guard.py). What a new
    # chat must not reset is also counted under it (Config.attempts). Empty elsewhere.
    origin: str = ""

    @property
    def chat_key(self) -> str:
        return f"{self.channel}:{self.account}:{self.chat_id}"


@dataclass(frozen=True, slots=True)
class Msg:
    """A catalog message id with its parameters, rendered at the edge."""

    id: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Localized:
    """Text from a content pack, in both languages."""

    vi: str
    en: str


# A label is a catalog message, pack text in both languages, or literal data (a place name).
Label = Msg | Localized | str


@dataclass(frozen=True, slots=True)
class Choice:
    id: str
    label: Label


class Request(enum.StrEnum):
    LOCATION = "location"
    CONTACT = "contact"


@dataclass(frozen=True, slots=True)
class CallAction:
    label: Label
    phone: str


@dataclass(frozen=True, slots=True)
class Reply:
    """What the bot says back; every part is optional but the text."""

    text: Label | tuple[Label, ...]
    choices: tuple[Choice, ...] = ()
    request: Request | None = None
    media: tuple[Media, ...] = ()
    calls: tuple[CallAction, ...] = ()


@dataclass(frozen=True, slots=True)
class RenderedChoice:
    id: str
    label: str


@dataclass(frozen=True, slots=True)
class RenderedReply:
    """A reply in the resident's language, ready for an adapter to draw."""

    text: str
    choices: tuple[RenderedChoice, ...] = ()
    request: Request | None = None
    media: tuple[Media, ...] = ()
    calls: tuple[tuple[str, str], ...] = ()
    lang: str = "vi"


def button_payload(choice_id: str, limit: int) -> str:
    """A choice id that fits in `limit` bytes of a platform's button payload (Telegram's
    callback_data holds 64): the id itself, or "#" and a digest of it, which the core
    matches against the choices it offered (kept in the conversation state)."""
    if len(choice_id.encode("utf-8")) <= limit:
        return choice_id
    return "#" + hashlib.sha256(choice_id.encode("utf-8")).hexdigest()[: min(limit - 1, 32)]
