"""POST /webhooks/telegram: the secret header checked in constant time, then the update; the
answer's body is the reply's Bot API call when it goes that way (TelegramChannel._in_answer)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request, Response
from starlette.types import Receive, Scope, Send

from bot.channels.common import read_body
from bot.channels.telegram.channel import Answer, TelegramChannel

router = APIRouter()


class Answered(Response):
    """A webhook's answer holding a Bot API call; the chat's later messages wait in delivery
    until it has been written (or its writing failed)."""

    media_type = "application/json"

    def __init__(self, answer: Answer) -> None:
        body = json.dumps(answer.body, ensure_ascii=False, separators=(",", ":")).encode()
        super().__init__(body)
        self.answer = answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.answer.done()


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
    answer = await channel.receive(body)
    return Response(status_code=200) if answer is None else Answered(answer)
