"""What the chat channels share: a webhook body read within a size limit and the end of a
background polling task. The push interface they implement for the outbox is in bot/delivery.py."""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import Request

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
