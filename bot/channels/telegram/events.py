"""Telegram updates → neutral events."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import telegram

from handlers.model import InboundEvent, Kind, Media, MediaType, SystemEvent

CHANNEL = "telegram"


def _media(message: telegram.Message) -> Media | None:
    caption = message.caption or None
    if message.photo:
        best = message.photo[-1]  # the largest size
        return Media(MediaType.PHOTO, best.file_id, "image/jpeg", best.file_size, caption)
    if message.video:
        v = message.video
        return Media(MediaType.VIDEO, v.file_id, v.mime_type or "video/mp4", v.file_size, caption)
    if message.video_note:
        vn = message.video_note
        return Media(MediaType.VIDEO, vn.file_id, "video/mp4", vn.file_size, caption)
    if message.voice:
        vo = message.voice
        return Media(MediaType.VOICE, vo.file_id, vo.mime_type or "audio/ogg", vo.file_size)
    if message.audio:
        au = message.audio
        mime = au.mime_type or "audio/mpeg"
        return Media(MediaType.VOICE, au.file_id, mime, au.file_size, caption)
    if message.document:
        doc = message.document
        mime = doc.mime_type or "application/octet-stream"
        kind = MediaType.PHOTO if mime.startswith("image/") else MediaType.FILE
        return Media(kind, doc.file_id, mime, doc.file_size, caption)
    return None


def _command(message: telegram.Message) -> tuple[str, str] | None:
    """("start", "payload") for a message that starts with a bot command."""
    text = message.text or ""
    entities = message.entities or ()
    first = next((e for e in entities if e.offset == 0), None)
    if first is None or first.type != telegram.MessageEntity.BOT_COMMAND:
        return None
    name = text[1 : first.length].split("@", 1)[0]
    return name, text[first.length :].strip()


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
    return contact.user_id is None or str(contact.user_id) != user_id


def to_event(update: telegram.Update, account: str) -> InboundEvent | None:
    """The neutral event for an update, or None for what the bot does not take: other
    update types, and anything outside a private chat (a tip is never read in a group)."""
    event_id = str(update.update_id)
    query = update.callback_query
    if query is not None:
        chat = query.message.chat if query.message is not None else None
        if chat is not None and chat.type != telegram.Chat.PRIVATE:
            return None
        user = str(query.from_user.id)
        chat_id = str(chat.id) if chat is not None else user
        return InboundEvent(
            CHANNEL, account, chat_id, user, event_id, Kind.CHOICE, choice=query.data or ""
        )
    member = update.my_chat_member
    if member is not None:
        if member.chat.type != telegram.Chat.PRIVATE:
            return None
        status = member.new_chat_member.status
        blocked = status in (telegram.ChatMember.BANNED, telegram.ChatMember.LEFT)
        return InboundEvent(
            CHANNEL,
            account,
            str(member.chat.id),
            str(member.from_user.id),
            event_id,
            Kind.SYSTEM,
            system=SystemEvent.BLOCKED if blocked else SystemEvent.UNBLOCKED,
        )
    message = update.message
    if message is None or message.chat.type != telegram.Chat.PRIVATE:
        return None
    user_id = str(message.from_user.id) if message.from_user else str(message.chat.id)
    forwarded = _forwarded(message)
    base = InboundEvent(
        CHANNEL, account, str(message.chat.id), user_id, event_id, Kind.TEXT, forwarded=forwarded
    )
    command = None if forwarded else _command(message)  # a forwarded "/start" is someone's text
    if command is not None:
        return _with(base, Kind.COMMAND, command=command[0], payload=command[1])
    if message.text is not None:
        return _with(base, Kind.TEXT, text=message.text)
    if message.location is not None:  # a venue carries its location too
        loc = message.location
        return _with(base, Kind.LOCATION, lat=loc.latitude, lon=loc.longitude)
    if message.contact is not None:
        shared = forwarded or _someone_elses(message.contact, user_id)
        return _with(base, Kind.CONTACT, phone=message.contact.phone_number, forwarded=shared)
    media = _media(message)
    if media is not None:
        return _with(base, Kind.MEDIA, media=media)
    return _with(base, Kind.UNSUPPORTED)


def _with(base: InboundEvent, kind: Kind, **values: Any) -> InboundEvent:
    return replace(base, kind=kind, **values)
