"""POST /webhooks/telegram: the secret header checked in constant time, then the update."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from bot.channels.common import read_body
from bot.channels.telegram.channel import TelegramChannel

router = APIRouter()


@router.post("/webhooks/telegram", include_in_schema=False)
async def webhook(request: Request) -> Response:
    channel: TelegramChannel | None = getattr(request.app.state, "telegram", None)
    if channel is None:
        return Response(status_code=404)
    if not channel.check_secret(request.headers.get("x-telegram-bot-api-secret-token")):
        return Response(status_code=403)
    body = await read_body(request)
    if body is None:
        return Response(status_code=413)
    await channel.receive(body)
    return Response(status_code=200)
