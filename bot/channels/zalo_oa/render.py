"""Neutral replies → CS `message` objects: media, text pieces, query and phone buttons."""

from __future__ import annotations

from typing import Any

from bot.render import split
from bot.render import text as render_text
from handlers.model import Msg, RenderedReply
from handlers.model import Request as Ask

TEXT_LIMIT = 2000
TITLE_LIMIT = 35
MAX_BUTTONS = 4


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _title(label: str) -> str:
    """At most 35 characters, counted as UTF-16 units (an emoji counts twice) in case Zalo
    counts them so; the label is cut at a character and ends with "…"."""
    label = label.strip() or "…"
    if utf16_length(label) <= TITLE_LIMIT:
        return label
    while utf16_length(label) > TITLE_LIMIT - 1:
        label = label[:-1]
    return label.rstrip() + "…"


def _hint(reply: RenderedReply) -> str:
    if reply.request is Ask.LOCATION:
        return render_text(Msg("zalo_oa.ask_location"), reply.lang)
    if reply.request is Ask.CONTACT:
        return render_text(Msg("zalo_oa.ask_contact"), reply.lang)
    return ""


def render(reply: RenderedReply) -> list[dict[str, Any]]:
    """The CS `message` objects that draw one reply, in order."""
    messages: list[dict[str, Any]] = [
        {
            "attachment": {
                "type": "template",
                "payload": {
                    "template_type": "media",
                    "elements": [{"media_type": "image", "url": media.ref}],
                },
            }
        }
        for media in reply.media
        if media.ref.startswith(("https://", "http://"))
    ]
    buttons: list[dict[str, Any]] = [
        {"title": _title(label), "type": "oa.open.phone", "payload": {"phone_code": phone}}
        for label, phone in reply.calls
    ]
    buttons += [
        {"title": _title(c.label), "type": "oa.query.show", "payload": c.label or c.id}
        for c in reply.choices
    ]
    parts = [reply.text.strip()]
    if len(buttons) > MAX_BUTTONS and reply.choices:
        parts.append("\n".join(f"{n}. {c.label}" for n, c in enumerate(reply.choices, 1)))
    parts.append(_hint(reply))
    body = "\n\n".join(p for p in parts if p) or "\n".join(b["title"] for b in buttons)
    pieces = split(body, TEXT_LIMIT) if body else []
    for n, piece in enumerate(pieces):
        message: dict[str, Any] = {"text": piece}
        if n == len(pieces) - 1 and buttons:
            message["attachment"] = {
                "type": "template",
                "payload": {"buttons": buttons[:MAX_BUTTONS]},
            }
        messages.append(message)
    return messages
