"""The webhook: `POST /webhooks/zalo-bot`, its secret header checked and its body capped,
handed to the channel kept in `app.state.zalo_bot`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from bot.channels.common import MAX_WEBHOOK_BYTES, read_body
from bot.channels.zalo_bot.config import HOOK_PATH

if TYPE_CHECKING:
    from bot.channels.zalo_bot.channel import ZaloBotChannel

MAX_UPDATE_BYTES = MAX_WEBHOOK_BYTES
HEADER = "X-Bot-Api-Secret-Token"

router = APIRouter()


@router.post(HOOK_PATH, include_in_schema=False)
async def webhook(request: Request) -> Response:
    channel: ZaloBotChannel | None = getattr(request.app.state, "zalo_bot", None)
    if channel is None:
        return Response(status_code=404)
    if not channel.check_secret(request.headers.get(HEADER)):
        return Response(status_code=403)
    body = await read_body(request, MAX_UPDATE_BYTES)
    if body is None:
        return Response(status_code=413)
    await channel.receive(body)
    return JSONResponse({"ok": True})
