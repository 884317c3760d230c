"""Inbound: a webhook body or a getUpdates result → the neutral InboundEvent."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Any

from bot.channels.zalo_bot.client import _is_web_url
from bot.channels.zalo_bot.config import CHANNEL
from handlers.model import InboundEvent, Kind, Media, MediaType

_EVENT_NAME = re.compile(r"[a-z][a-z0-9_.]{0,63}")
# No JSON encoder of real text writes a lone surrogate, and PostgreSQL refuses NUL in text:
# a string holding one is forged, and never reaches the core (issue 19).
_FORGED = re.compile("[\x00\ud800-\udfff]")

TEXT_EVENT = "message.text.received"
IMAGE_EVENT = "message.image.received"
STICKER_EVENT = "message.sticker.received"
VOICE_EVENT = "message.voice.received"
UNSUPPORTED_EVENT = "message.unsupported.received"


@dataclass(frozen=True, slots=True)
class Update:
    """One update, unwrapped: its event name and its message object."""

    event_name: str
    message: dict[str, Any]


def parse_update(data: Any) -> Update:
    """The update in a webhook body or a getUpdates result, wrapped or bare; ValueError
    for anything else."""
    if not isinstance(data, dict):
        raise ValueError("not an object")
    if "event_name" not in data and isinstance(data.get("result"), dict):
        if data.get("ok") is False:
            raise ValueError("an error envelope")
        data = data["result"]
    name, message = data.get("event_name"), data.get("message")
    if not isinstance(name, str) or not isinstance(message, dict):
        raise ValueError("not an update")
    return Update(name, message)


def _forged(value: Any) -> bool:
    return isinstance(value, str) and _FORGED.search(value) is not None


def _id(value: Any) -> str:
    """Ids are opaque strings; a number is taken as its decimal text."""
    if isinstance(value, str):
        return "" if _forged(value) else value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""


def _event_id(update: Update) -> str:
    message_id = _id(update.message.get("message_id"))
    if message_id:
        return f"{update.event_name}:{message_id}"
    # No message id (an unsupported event may lack one): the same body is the same event.
    try:
        canonical = json.dumps(update.message, sort_keys=True, ensure_ascii=False, default=str)
    except (RecursionError, ValueError):  # nested deeper than JSON writes back: forged
        canonical = str(sorted(update.message))
    digest = hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{update.event_name}:#{digest[:24]}"


def _text_event(base: InboundEvent, text: str) -> InboundEvent:
    stripped = text.strip()
    if stripped.startswith("/") and len(stripped) > 1 and not stripped[1].isspace():
        head, _, payload = stripped[1:].partition(" ")
        command = head.split("@", 1)[0]
        return replace(base, kind=Kind.COMMAND, command=command, payload=payload.strip())
    return replace(base, kind=Kind.TEXT, text=text)


def _url(message: dict[str, Any], *fields: str) -> str:
    for name in fields:
        value = message.get(name)
        if isinstance(value, str) and not _forged(value) and _is_web_url(value.strip()):
            return value.strip()
    return ""


def _caption(message: dict[str, Any]) -> str | None:
    caption = message.get("caption")
    if not isinstance(caption, str) or not caption.strip():
        return None
    return unicodedata.normalize("NFC", caption)  # the core cleans text, not captions


def ignored_reason(update: Update) -> str | None:
    """Why an update is not for the bot (safe to log), or None when it is."""
    name = update.event_name
    if not (isinstance(name, str) and _EVENT_NAME.fullmatch(name)):
        return "no event name"  # a forged one (a lone surrogate answered 500: issue 19)
    if not name.startswith("message."):
        return "not a message"  # typing, reactions: nothing to answer, not even a hint
    message = update.message
    chat = message.get("chat")
    chat = chat if isinstance(chat, dict) else {}
    sender = message.get("from")
    sender = sender if isinstance(sender, dict) else {}
    if not _id(chat.get("id")):
        return "no chat"
    if _forged(message.get("text")) or _forged(message.get("caption")):
        return "forged text"
    chat_type = chat.get("chat_type")
    if isinstance(chat_type, str):
        if chat_type.upper() != "PRIVATE":
            return "group chat"
    elif _id(sender.get("id")) not in ("", _id(chat.get("id"))):
        return "group chat"  # no chat type, and the chat is not the sender's own
    if sender.get("is_bot") is True:
        return "from a bot"
    return None


def to_event(update: Update, account: str) -> InboundEvent | None:
    """The neutral event for an update, or None for what the bot does not take (group
    chats, messages from bots, updates without a chat)."""
    if ignored_reason(update) is not None:
        return None
    message = update.message
    chat_id = _id(message["chat"]["id"])
    sender = message.get("from")
    user_id = _id(sender.get("id")) if isinstance(sender, dict) else ""
    base = InboundEvent(
        CHANNEL, account, chat_id, user_id or chat_id, _event_id(update), Kind.UNSUPPORTED
    )
    name = update.event_name
    if name == TEXT_EVENT and isinstance(message.get("text"), str):
        return _text_event(base, message["text"])
    if name == IMAGE_EVENT:
        url = _url(message, "photo_url", "photo")  # photo_url now; photo on older bots
        if url:
            media = Media(MediaType.PHOTO, url, None, None, _caption(message))
            return replace(base, kind=Kind.MEDIA, media=media)
    if name == VOICE_EVENT:
        url = _url(message, "voice_url", "url")
        if url:
            return replace(base, kind=Kind.MEDIA, media=Media(MediaType.VOICE, url, "audio/aac"))
    # Stickers, "unsupported" (other content, protected users) and unknown events: a hint.
    return base
