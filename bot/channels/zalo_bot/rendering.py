"""Outbound: a RenderedReply → the Bot API calls that draw it (text split at 2,000
characters, photos by URL, numbered choices and hints in place of buttons)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.channels.zalo_bot.client import _is_web_url
from bot.render import split
from content import screen
from content.i18n import translate
from handlers.model import MediaType, RenderedReply
from handlers.model import Request as Ask

log = logging.getLogger("binhyen.zalo_bot")

TEXT_LIMIT = 2000  # sendMessage text and sendPhoto caption: 1-2,000 characters


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One Bot API call without its chat_id: sendMessage or sendPhoto."""

    method: str
    params: dict[str, str]


def _tail(reply: RenderedReply, *, hint: bool = True) -> str:
    """What stands in for buttons: a line asking to type what no button can send, then
    the choices as a numbered list and (`hint`) how to answer it."""
    parts: list[str] = []
    if reply.request is Ask.LOCATION:
        parts.append(translate("zalo_bot.type_address", reply.lang))
    elif reply.request is Ask.CONTACT:
        parts.append(translate("zalo_bot.type_phone", reply.lang))
    if reply.choices:
        lines = [f"{n}. {c.label}" for n, c in enumerate(reply.choices, start=1)]
        if hint:
            lines.append(translate("zalo_bot.choose_hint", reply.lang))
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def _with_tail(text: str, reply: RenderedReply) -> str:
    """The text with its numbered choices under it, after a blank line and with the hint.
    A message of a few choices (an advice page: four at most, each measured as a row,
    content/screen.py) that would not fit one phone screen so loses the hint, then the blank
    line, so that what fits as measured fits as sent; a text with a numbered list of its own
    keeps the blank line between the two lists. A longer list (a menu, a tip's categories)
    keeps both, as does a message too long for a screen in any form."""
    full = f"{text}\n\n{_tail(reply)}"
    if len(reply.choices) > screen.MAX_CHOICES:
        return full
    forms = [full, f"{text}\n\n{_tail(reply, hint=False)}"]
    if not screen.gap(text):
        forms.append(f"{text}\n{_tail(reply, hint=False)}")
    return next((f for f in forms if len(screen.rows(f)) <= screen.SCREEN_ROWS), full)


def render(reply: RenderedReply) -> list[Outgoing]:
    """The calls that draw one reply: its photos (by URL), then its text in pieces of at
    most 2,000 characters, the numbered choices on the last piece (or on one of their
    own when they do not fit). Call actions need nothing: the text lists the numbers."""
    calls: list[Outgoing] = []
    for media in reply.media:
        if media.type is not MediaType.PHOTO or not _is_web_url(media.ref):
            log.warning("reply media not sent: the Bot Platform sends photos by URL only")
            continue
        caption = (
            split(media.caption, TEXT_LIMIT) if media.caption and media.caption.strip() else []
        )
        params = {"photo": media.ref}
        if caption:
            params["caption"] = caption[0]
        calls.append(Outgoing("sendPhoto", params))
        calls += [Outgoing("sendMessage", {"text": piece}) for piece in caption[1:]]
    pieces = split(reply.text, TEXT_LIMIT) if reply.text.strip() else []
    tail = _tail(reply)
    if tail:
        if pieces and len(pieces[-1]) + 2 + len(tail) <= TEXT_LIMIT:
            pieces[-1] = _with_tail(pieces[-1], reply)
        else:
            pieces += split(tail, TEXT_LIMIT)
    calls += [Outgoing("sendMessage", {"text": piece}) for piece in pieces if piece.strip()]
    return calls
