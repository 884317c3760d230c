"""POST /webhooks/zalo-oa: the body's size checked, then handed to the channel."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from bot.channels.common import read_body
from bot.channels.zalo_oa.channel import ZaloOaChannel

router = APIRouter()


@router.post("/webhooks/zalo-oa", include_in_schema=False)
async def webhook(request: Request) -> Response:
    channel: ZaloOaChannel | None = getattr(request.app.state, "zalo_oa", None)
    if channel is None:
        return Response(status_code=404)
    body = await read_body(request)
    if body is None:
        return Response(status_code=413)
    status = await channel.receive(body, request.headers.get("x-zevent-signature"))
    return Response(status_code=status)
