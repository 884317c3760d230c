"""What the chat channels share: a webhook body read within a size limit, the end of a
background polling task, and the push interface of the outbox."""

from __future__ import annotations

import asyncio
import contextlib
import enum
from typing import Protocol

from fastapi import Request

from bot.delivery import Delivery
from handlers.model import RenderedReply

MAX_WEBHOOK_BYTES = 1_000_000


async def read_body(request: Request, limit: int = MAX_WEBHOOK_BYTES) -> bytes | None:
    """The request body, or None when it is over `limit` bytes (the caller answers 413).
    Reading stops at the limit, whatever Content-Length claimed (or did not)."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


async def cancel(task: asyncio.Task[None] | None) -> None:
    """Stop a polling task and wait until it has (whatever it was doing)."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task


class Pushed(enum.StrEnum):
    """What pushing one message no event asked for (bot/outbox.py) came to."""

    SENT = "sent"
    UNREACHABLE = "unreachable"  # blocked, gone, or (Zalo OA) outside its 7-day window
    RETRY = "retry"  # not sent this time; the same message may go out later


class Pusher(Protocol):
    """A running channel that can send a resident a message no event asked for: in order
    with the replies of their chat, under `delivery`'s limits (the outbox passes one that
    leaves retrying to itself). `chat_id` is the identity's platform user id."""

    account: str

    async def push(self, chat_id: str, reply: RenderedReply, delivery: Delivery) -> Pushed: ...
