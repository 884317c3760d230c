"""POST /webhooks/telegram: the secret header checked in constant time, then the update."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from bot.channels.telegram.channel import TelegramChannel

MAX_UPDATE_BYTES = 1_000_000

router = APIRouter()


@router.post("/webhooks/telegram", include_in_schema=False)
async def webhook(request: Request) -> Response:
    channel: TelegramChannel | None = getattr(request.app.state, "telegram", None)
    if channel is None:
        return Response(status_code=404)
    if not channel.check_secret(request.headers.get("x-telegram-bot-api-secret-token")):
        return Response(status_code=403)
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_UPDATE_BYTES:
        return Response(status_code=413)
    body = await request.body()
    if len(body) > MAX_UPDATE_BYTES:
        return Response(status_code=413)
    await channel.receive(body)
    return Response(status_code=200)
