"""Telegram updates → neutral events.

python-telegram-bot builds its objects from whatever JSON came, without checking a type: a
forged body may hold a chat that is not a Chat, an offset that is a string, a mime type that
is a number. Every value read here is checked first; a body the Bot API never sends raises
`Malformed` (the channel logs its kind and drops it, as an unparsable body), and never
reaches the core or answers 500 (issue 19's fuzzing)."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from typing import Any

import telegram

from handlers.model import InboundEvent, Kind, Media, MediaType, SystemEvent

CHANNEL = "telegram"
MAX_ID = 2**63  # Telegram's ids are 64-bit integers at most (52 significant bits today)
# No JSON encoder of real text writes a lone surrogate, and PostgreSQL refuses NUL in text.
_FORGED = re.compile("[\x00\ud800-\udfff]")


class Malformed(ValueError):
    """A value of the wrong type or out of range, where the Bot API sends a valid one."""


def _str(value: object, what: str) -> str:
    if isinstance(value, str) and not _FORGED.search(value):
        return value
    raise Malformed(what)


def _maybe_str(value: object, what: str) -> str | None:
    return None if value is None else _str(value, what)


def _int(value: object, what: str, low: int = -MAX_ID) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and low <= value < MAX_ID:
        return value
    raise Malformed(what)


def _size(value: object) -> int | None:
    return None if value is None else _int(value, "file size", 0)


def _user(user: object) -> str:
    if not isinstance(user, telegram.User):
        raise Malformed("user")
    return str(_int(user.id, "user id"))


def _chat(chat: object) -> tuple[str, bool]:
    """The chat's id, and whether it is a private chat."""
    if not isinstance(chat, telegram.Chat):
        raise Malformed("chat")
    return str(_int(chat.id, "chat id")), _str(chat.type, "chat type") == telegram.Chat.PRIVATE


def _file(file: object, kind: type) -> tuple[str, int | None]:
    if not isinstance(file, kind):
        raise Malformed("file")
    ref = _str(getattr(file, "file_id", None), "file id")
    if not ref:
        raise Malformed("file id")
    return ref, _size(getattr(file, "file_size", None))


def _mime(value: object, default: str) -> str:
    return _maybe_str(value, "mime type") or default


def _media(message: telegram.Message) -> Media | None:
    caption = _maybe_str(message.caption, "caption") or None
    if message.photo:
        ref, size = _file(message.photo[-1], telegram.PhotoSize)  # the largest size
        return Media(MediaType.PHOTO, ref, "image/jpeg", size, caption)
    if message.video:
        ref, size = _file(message.video, telegram.Video)
        return Media(
            MediaType.VIDEO, ref, _mime(message.video.mime_type, "video/mp4"), size, caption
        )
    if message.video_note:
        ref, size = _file(message.video_note, telegram.VideoNote)
        return Media(MediaType.VIDEO, ref, "video/mp4", size, caption)
    if message.voice:
        ref, size = _file(message.voice, telegram.Voice)
        return Media(MediaType.VOICE, ref, _mime(message.voice.mime_type, "audio/ogg"), size)
    if message.audio:
        ref, size = _file(message.audio, telegram.Audio)
        mime = _mime(message.audio.mime_type, "audio/mpeg")
        return Media(MediaType.VOICE, ref, mime, size, caption)
    if message.document:
        ref, size = _file(message.document, telegram.Document)
        mime = _mime(message.document.mime_type, "application/octet-stream")
        kind = MediaType.PHOTO if mime.startswith("image/") else MediaType.FILE
        return Media(kind, ref, mime, size, caption)
    return None


def _command(message: telegram.Message, text: str) -> tuple[str, str] | None:
    """("start", "payload") for a message that starts with a bot command."""
    first = None
    for entity in message.entities or ():
        if not isinstance(entity, telegram.MessageEntity):
            raise Malformed("entity")
        if _int(entity.offset, "entity offset", 0) == 0:
            first = entity
            break
    if first is None or first.type != telegram.MessageEntity.BOT_COMMAND:
        return None
    length = _int(first.length, "entity length", 1)
    name = text[1:length].split("@", 1)[0]
    return name, text[length:].strip()


# The fields of a forward before Bot API 7.0, which python-telegram-bot keeps in api_kwargs.
LEGACY_FORWARD = ("forward_from", "forward_from_chat", "forward_sender_name", "forward_date")


def _forwarded(message: telegram.Message) -> bool:
    """Passed on from another chat (forward_origin, or a legacy forward field)."""
    if message.forward_origin is not None:
        return True
    return any(message.api_kwargs.get(name) for name in LEGACY_FORWARD)


def _someone_elses(contact: telegram.Contact, user_id: str) -> bool:
    """A contact card of another person: the resident's own carries their user id (the
    request-contact button sends it so); a card without a user id is not an account's."""
    if contact.user_id is None:
        return True
    return str(_int(contact.user_id, "contact user id")) != user_id


def _coordinate(value: object, bound: float) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        if math.isfinite(number) and abs(number) <= bound:
            return number
    raise Malformed("coordinate")


def to_event(update: telegram.Update, account: str) -> InboundEvent | None:
    """The neutral event for an update, or None for what the bot does not take: other
    update types, and anything outside a private chat (a tip is never read in a group).
    Malformed for a body the Bot API never sends."""
    event_id = str(_int(update.update_id, "update id"))
    if update.callback_query is not None:
        return _choice(update.callback_query, account, event_id)
    if update.my_chat_member is not None:
        return _membership(update.my_chat_member, account, event_id)
    if update.message is not None:
        return _message(update.message, account, event_id)
    return None


def _choice(query: telegram.CallbackQuery, account: str, event_id: str) -> InboundEvent | None:
    _str(query.id, "query id")  # the channel answers it, even from a group
    user = _user(query.from_user)
    chat_id, private = user, True
    if query.message is not None:
        chat_id, private = _chat(query.message.chat)
    if not private:
        return None
    choice = _maybe_str(query.data, "callback data") or ""
    return InboundEvent(CHANNEL, account, chat_id, user, event_id, Kind.CHOICE, choice=choice)


def _membership(
    member: telegram.ChatMemberUpdated, account: str, event_id: str
) -> InboundEvent | None:
    chat_id, private = _chat(member.chat)
    if not private:
        return None
    if not isinstance(member.new_chat_member, telegram.ChatMember):
        raise Malformed("new chat member")
    status = _str(member.new_chat_member.status, "member status")
    blocked = status in (telegram.ChatMember.BANNED, telegram.ChatMember.LEFT)
    return InboundEvent(
        CHANNEL,
        account,
        chat_id,
        _user(member.from_user),
        event_id,
        Kind.SYSTEM,
        system=SystemEvent.BLOCKED if blocked else SystemEvent.UNBLOCKED,
    )


def _message(message: telegram.Message, account: str, event_id: str) -> InboundEvent | None:
    chat_id, private = _chat(message.chat)
    if not private:
        return None
    user_id = _user(message.from_user) if message.from_user is not None else chat_id
    forwarded = _forwarded(message)
    base = InboundEvent(
        CHANNEL, account, chat_id, user_id, event_id, Kind.TEXT, forwarded=forwarded
    )
    text = _maybe_str(message.text, "text")
    command = None if forwarded or text is None else _command(message, text)
    if command is not None:  # a forwarded "/start" is someone's text
        return _with(base, Kind.COMMAND, command=command[0], payload=command[1])
    if text is not None:
        return _with(base, Kind.TEXT, text=text)
    if message.location is not None:  # a venue carries its location too
        loc = message.location
        lat, lon = _coordinate(loc.latitude, 90), _coordinate(loc.longitude, 180)
        return _with(base, Kind.LOCATION, lat=lat, lon=lon)
    if message.contact is not None:
        phone = _str(message.contact.phone_number, "phone number")
        shared = forwarded or _someone_elses(message.contact, user_id)
        return _with(base, Kind.CONTACT, phone=phone, forwarded=shared)
    media = _media(message)
    if media is not None:
        return _with(base, Kind.MEDIA, media=media)
    return _with(base, Kind.UNSUPPORTED)


def _with(base: InboundEvent, kind: Kind, **values: Any) -> InboundEvent:
    return replace(base, kind=kind, **values)
