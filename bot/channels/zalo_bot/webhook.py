"""The webhook: `POST /webhooks/zalo-bot`, its secret header checked and its body capped,
handed to the channel kept in `app.state.zalo_bot`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from bot.channels.zalo_bot.config import HOOK_PATH

if TYPE_CHECKING:
    from bot.channels.zalo_bot.channel import ZaloBotChannel

MAX_UPDATE_BYTES = 1_000_000
HEADER = "X-Bot-Api-Secret-Token"

router = APIRouter()


async def _read_capped(request: Request, limit: int) -> bytes | None:
    """The body, or None past `limit` bytes (reading stops there)."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


@router.post(HOOK_PATH, include_in_schema=False)
async def webhook(request: Request) -> Response:
    channel: ZaloBotChannel | None = getattr(request.app.state, "zalo_bot", None)
    if channel is None:
        return Response(status_code=404)
    if not channel.check_secret(request.headers.get(HEADER)):
        return Response(status_code=403)
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_UPDATE_BYTES:
        return Response(status_code=413)
    body = await _read_capped(request, MAX_UPDATE_BYTES)
    if body is None:
        return Response(status_code=413)
    await channel.receive(body)
    return JSONResponse({"ok": True})
