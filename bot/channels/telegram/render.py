"""Neutral replies → Bot API calls: inline keyboards, reply-keyboard requests, split text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import telegram

from bot.render import split
from content.i18n import translate
from handlers.model import RenderedReply, button_payload
from handlers.model import Request as Ask

TEXT_LIMIT = 4096
CALLBACK_LIMIT = 64  # bytes


# Keyboards are the Bot API's JSON objects (InlineKeyboardMarkup, ReplyKeyboardMarkup) as
# plain dicts: built as PTB objects and turned back into dicts, they were a tenth of a
# webhook update's CPU (docs/BENCHMARKS.md §23).


def _keyboard(reply: RenderedReply) -> dict[str, Any] | None:
    if not reply.choices:
        return None
    rows = [
        [{"text": c.label, "callback_data": button_payload(c.id, CALLBACK_LIMIT)}]
        for c in reply.choices
    ]
    return {"inline_keyboard": rows}


def _ask_keyboard(ask: Ask, lang: str) -> dict[str, Any]:
    button = (
        {"text": translate("telegram.share_location", lang), "request_location": True}
        if ask is Ask.LOCATION
        else {"text": translate("telegram.share_contact", lang), "request_contact": True}
    )
    return {"keyboard": [[button]], "resize_keyboard": True, "one_time_keyboard": True}


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One Bot API call: a message, a photo."""

    method: str
    params: dict[str, Any]
    # A photo to upload when the platform has no file_id for it yet (a broadcast's photo:
    # its address is the key the channel keeps the file_id under).
    upload: bytes | None = None
    mime: str = ""


def render(reply: RenderedReply) -> list[Outgoing]:
    """The calls that draw one reply. Choices ride on the last piece of the text; a
    request for a location or a phone number needs a reply keyboard, which cannot share a
    message with inline buttons, so it comes as a short message of its own."""
    calls: list[Outgoing] = []
    for media in reply.media:
        params = {"photo": media.ref, "caption": media.caption}
        calls.append(Outgoing("sendPhoto", params, media.data, media.mime or "image/jpeg"))
    pieces = split(reply.text, TEXT_LIMIT) if reply.text.strip() else []
    keyboard = _keyboard(reply)
    for n, piece in enumerate(pieces):
        last = n == len(pieces) - 1
        markup: Any = None
        if last and keyboard is not None:
            markup = keyboard
        elif last and reply.request is not None:
            markup = _ask_keyboard(reply.request, reply.lang)
        calls.append(Outgoing("sendMessage", {"text": piece, "reply_markup": markup}))
    if reply.request is not None and (keyboard is not None or not pieces):
        hint = (
            translate("telegram.ask_location", reply.lang)
            if reply.request is Ask.LOCATION
            else translate("telegram.ask_contact", reply.lang)
        )
        calls.append(
            Outgoing(
                "sendMessage",
                {"text": hint, "reply_markup": _ask_keyboard(reply.request, reply.lang)},
            )
        )
    return calls


def commands(lang: str) -> list[telegram.BotCommand]:
    """The command menu Telegram shows beside the text box."""
    return [
        telegram.BotCommand("start", translate("telegram.command_start", lang)),
        telegram.BotCommand("menu", translate("telegram.command_menu", lang)),
        telegram.BotCommand("sos", translate("telegram.command_sos", lang)),
        telegram.BotCommand("help", translate("telegram.command_help", lang)),
        telegram.BotCommand("cancel", translate("telegram.command_cancel", lang)),
        telegram.BotCommand("stop", translate("telegram.command_stop", lang)),
    ]
