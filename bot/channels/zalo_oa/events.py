"""Webhook bodies → neutral events."""

from __future__ import annotations

import contextlib
import hashlib
import json
import mimetypes
from dataclasses import replace
from typing import Any

from bot.channels.zalo_oa.fields import _dict, _number, _str
from handlers.model import InboundEvent, Kind, Media, MediaType, SystemEvent

CHANNEL = "zalo_oa"


def _synthetic_id(name: str, data: dict[str, Any], user: str) -> str:
    raw = f"{name}:{_str(data.get('timestamp'))}:{user}"
    return "z" + hashlib.sha256(raw.encode()).hexdigest()[:32]


def _attachment(message: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    items = message.get("attachments")
    first = _dict(items[0]) if isinstance(items, list) and items else {}
    return _str(first.get("type")), _dict(first.get("payload"))


def coordinates(message: dict[str, Any]) -> tuple[float, float] | None:
    """Latitude and longitude, from any of the reported shapes: payload.coordinates with
    strings, payload lat/long numbers, or a top-level message.location."""
    _type, payload = _attachment(message)
    for place in (_dict(payload.get("coordinates")), payload, _dict(message.get("location"))):
        lat = _number(place.get("latitude", place.get("lat")))
        lon = _number(place.get("longitude", place.get("long", place.get("lng"))))
        if lat is not None and lon is not None and abs(lat) <= 90 and abs(lon) <= 180:
            return lat, lon
    return None


def _guess(name: str, default: str) -> str:
    return mimetypes.guess_type(name.split("?", 1)[0])[0] or default


def _media(kind: str, message: dict[str, Any]) -> Media | None:
    _type, payload = _attachment(message)
    url = _str(payload.get("url"))
    if not url:
        return None
    caption = _str(message.get("text")) or None
    if kind in ("image", "gif"):
        return Media(
            MediaType.PHOTO, url, f"image/{'gif' if kind == 'gif' else 'jpeg'}", None, caption
        )
    if kind == "file":
        mime = _guess(_str(payload.get("name")), "application/octet-stream")
        size = _number(payload.get("size"))  # a string of digits, as Zalo sends it
        known = int(size) if size is not None and 0 <= size < 2**63 else None
        media_type = MediaType.PHOTO if mime.startswith("image/") else MediaType.FILE
        return Media(media_type, url, mime, known, caption)
    if kind == "audio":
        return Media(MediaType.VOICE, url, _guess(url, "audio/aac"))
    return Media(MediaType.VIDEO, url, _guess(url, "video/mp4"), None, caption)


PHONE_FIELDS = ("phone", "phone_number", "phoneNumber")


def card_phone(message: dict[str, Any]) -> str:
    """The phone number on a business card (user_send_business_card), or "". Zalo documents
    no shape for its payload: the number is looked for in the attachment's payload and in
    its description when that is a JSON object."""
    _type, payload = _attachment(message)
    places = [payload]
    description = _str(payload.get("description"))
    if description.startswith("{"):
        with contextlib.suppress(ValueError):
            places.append(_dict(json.loads(description)))
    for place in places:
        for name in PHONE_FIELDS:
            phone = _str(place.get(name)).strip()
            if phone:
                return phone
    return ""


def to_event(data: dict[str, Any], account: str) -> InboundEvent | None:
    """The neutral event for a webhook body, or None for what the bot does not take."""
    name = _str(data.get("event_name"))
    if name in ("follow", "unfollow"):
        user = _str(_dict(data.get("follower")).get("id"))
        if not user:
            return None
        system = SystemEvent.FOLLOW if name == "follow" else SystemEvent.UNFOLLOW
        event_id = _synthetic_id(name, data, user)
        return InboundEvent(CHANNEL, account, user, user, event_id, Kind.SYSTEM, system=system)
    if not name.startswith("user_") or "group" in name:  # echoes, tags, receipts, groups
        return None
    user = _str(_dict(data.get("sender")).get("id"))
    if not user or not (name.startswith("user_send_") or name == "user_submit_info"):
        return None
    message = _dict(data.get("message"))
    event_id = _str(message.get("msg_id")) or _synthetic_id(name, data, user)
    base = InboundEvent(CHANNEL, account, user, user, event_id, Kind.UNSUPPORTED)
    if name == "user_submit_info":
        phone = _str(_dict(data.get("info")).get("phone"))
        return replace(base, kind=Kind.CONTACT, phone=phone) if phone else base
    kind, text = name.removeprefix("user_send_"), _str(message.get("text"))
    if kind == "text":
        if text.startswith("/") and len(text) > 1 and not text[1].isspace():
            command, _, payload = text[1:].partition(" ")
            return replace(base, kind=Kind.COMMAND, command=command, payload=payload.strip())
        return replace(base, kind=Kind.TEXT, text=text)
    if kind == "link":
        url = _str(_attachment(message)[1].get("url"))
        return replace(base, kind=Kind.TEXT, text=text or url)
    if kind == "location":
        found = coordinates(message)
        return replace(base, kind=Kind.LOCATION, lat=found[0], lon=found[1]) if found else base
    if kind in ("image", "gif", "file", "audio", "video"):
        media = _media(kind, message)
        return replace(base, kind=Kind.MEDIA, media=media) if media else base
    if kind == "business_card":  # someone's card passed on: its number is checked
        phone = card_phone(message)
        return replace(base, kind=Kind.CONTACT, phone=phone, forwarded=True) if phone else base
    return base  # a sticker, a card without a number, whatever comes next: a hint


def _interacting(data: dict[str, Any]) -> bool:
    """Events that open the 7-day window: the user wrote, sent, submitted or followed."""
    name = _str(data.get("event_name"))
    return name == "follow" or (name.startswith("user_") and "group" not in name)
