"""Zalo Bot Platform: a thin typed client of our own (nine methods, JSON over httpx) and the
adapter around it.

Inbound, by webhook (`POST /webhooks/zalo-bot`, checked against `X-Bot-Api-Secret-Token` in
constant time) or by getUpdates long polling when no public URL is configured. The webhook
body may come wrapped (`{"ok": true, "result": {...}}`, as documented) or bare
(`{"event_name": ..., "message": ...}`, as observed): both are read. Updates carry no
update id, so the event id is `event_name:message_id`; the dispatcher's claim (24 h)
drops a repeated delivery. Group chats are ignored: a tip is never read in a group.
Updates say nothing of forwarding: a pasted message is plain text, which the core reads by
its wording.

Outbound: the platform has no buttons, so choices are drawn as a numbered list under the
text ("1. Label") with a hint to answer by number or label (the core resolves both); a
request for a location or a phone number becomes a line asking to type it. Text is split
at 2,000 characters; photos go by URL. Every call goes through delivery, under this bot's
limits, with its errors mapped to delivery's (429 → RetryLater, 403/blocked →
Unreachable, network/5xx/non-JSON → Transient, other refusals → given up).

While a webhook is registered Zalo refuses getUpdates. Polling does NOT delete it: a
webhook set means another deployment (most likely production) receives this bot's
messages, and a development process without BINHYEN_PUBLIC_URL must not silently take
them over. Polling logs what to do (`binhyen zalo-bot delete-webhook`) and backs off.

The bot token is part of every API URL: nothing here logs a URL, an httpx exception's text
or the token, nor a chat id, a user id or what a resident wrote (type names only).
"""

from __future__ import annotations

from bot.channels.zalo_bot.channel import ZaloBotChannel, build
from bot.channels.zalo_bot.cli import run_cli
from bot.channels.zalo_bot.client import (
    CALL_TIMEOUT,
    DEFAULT_RETRY_AFTER,
    DOWNLOAD_TIMEOUT,
    POLL_TIMEOUT,
    ZaloBotClient,
    ZaloBotError,
    ZaloBotNetworkError,
    ZaloBotUnauthorized,
    _delivery_call,
)
from bot.channels.zalo_bot.config import CHANNEL, HOOK_PATH, Rates, webhook_secret
from bot.channels.zalo_bot.events import Update, ignored_reason, parse_update, to_event
from bot.channels.zalo_bot.rendering import TEXT_LIMIT, Outgoing, render
from bot.channels.zalo_bot.webhook import HEADER, MAX_UPDATE_BYTES, router

__all__ = [
    "CALL_TIMEOUT",
    "CHANNEL",
    "DEFAULT_RETRY_AFTER",
    "DOWNLOAD_TIMEOUT",
    "HEADER",
    "HOOK_PATH",
    "MAX_UPDATE_BYTES",
    "POLL_TIMEOUT",
    "TEXT_LIMIT",
    "Outgoing",
    "Rates",
    "Update",
    "ZaloBotChannel",
    "ZaloBotClient",
    "ZaloBotError",
    "ZaloBotNetworkError",
    "ZaloBotUnauthorized",
    "_delivery_call",
    "build",
    "ignored_reason",
    "parse_update",
    "render",
    "router",
    "run_cli",
    "to_event",
    "webhook_secret",
]
