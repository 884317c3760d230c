"""The web chat: a page at /chat and a JSON API under /chat/api/.

A browser is identified by a random chat id in an HttpOnly cookie; each message carries a
client-made id, so a resend after a network error is recognised as a duplicate.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, Field

from bot.dispatcher import Dispatcher
from handlers.model import InboundEvent, Kind, RenderedReply

CHANNEL = "web"
ACCOUNT = "web"
COOKIE = "binhyen_chat"
PAGE = Path(__file__).parent / "static" / "chat.html"
MAX_BODY_CHARS = 200_000

router = APIRouter()


class Outgoing(BaseModel):
    kind: Literal["text", "choice", "command", "location"] = "text"
    text: str = Field(default="", max_length=MAX_BODY_CHARS)
    choice: str = Field(default="", max_length=200)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    message_id: str = Field(default="", max_length=64)


def reply_json(reply: RenderedReply) -> dict[str, object]:
    return {
        "text": reply.text,
        "choices": [{"id": c.id, "label": c.label} for c in reply.choices],
        "request": reply.request.value if reply.request else None,
        "calls": [{"label": label, "phone": phone} for label, phone in reply.calls],
        "media": [{"type": m.type.value, "url": m.ref} for m in reply.media],
    }


def _event(chat_id: str, body: Outgoing) -> InboundEvent:
    # Client ids are unique per browser only, so the dedupe key is scoped to the chat.
    event_id = f"{chat_id}:{body.message_id}" if body.message_id else uuid.uuid4().hex
    base = InboundEvent(CHANNEL, ACCOUNT, chat_id, chat_id, event_id, Kind.TEXT)
    if body.kind == "choice":
        return replace(base, kind=Kind.CHOICE, choice=body.choice)
    if body.kind == "location" and body.lat is not None and body.lon is not None:
        return replace(base, kind=Kind.LOCATION, lat=body.lat, lon=body.lon)
    text = body.text
    stripped = text.strip()
    if (body.kind == "command" and stripped.lstrip("/")) or (
        stripped.startswith("/") and stripped[1:2].isalpha()
    ):
        command, _, payload = stripped.lstrip("/").partition(" ")
        return replace(base, kind=Kind.COMMAND, command=command, payload=payload)
    return replace(base, text=text)


def _chat_id(request: Request) -> tuple[str, bool]:
    current = request.cookies.get(COOKIE, "")
    if len(current) == 32 and all(c in "0123456789abcdef" for c in current):
        return current, False
    return secrets.token_hex(16), True


@router.get("/chat", include_in_schema=False)
async def page() -> FileResponse:
    return FileResponse(PAGE, media_type="text/html; charset=utf-8")


@router.post("/chat/api/messages")
async def send(body: Outgoing, request: Request, response: Response) -> JSONResponse:
    chat_id, new = _chat_id(request)
    dispatcher: Dispatcher = request.app.state.runtime.dispatcher
    replies = await dispatcher.dispatch(_event(chat_id, body))
    result = JSONResponse(
        {"duplicate": replies is None, "replies": [reply_json(r) for r in replies or []]}
    )
    if new:
        secure = request.url.scheme == "https"
        result.set_cookie(
            COOKIE, chat_id, max_age=365 * 24 * 3600, httponly=True, samesite="lax", secure=secure
        )
    return result
