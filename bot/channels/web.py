"""The web chat: a page at /chat and a JSON API under /chat/api/.

A browser is identified by a random chat id in an HttpOnly cookie; each message carries a
client-made id, so a resend after a network error is recognised as a duplicate.
"""

from __future__ import annotations

import base64
import re
import secrets
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile

from bot import outbox
from bot.channels import web_guard
from bot.dispatcher import Dispatcher
from bot.inbound import Inbound
from handlers.model import InboundEvent, Kind, Media, MediaType, RenderedReply
from handlers.ports import utc_now
from storage import outbox as stored_outbox
from storage.blobs import MediaKeeperImpl

CHANNEL = "web"
ACCOUNT = "web"
COOKIE = "binhyen_chat"
PAGE = Path(__file__).parent / "static" / "chat.html"
MAX_BODY_CHARS = 200_000
MAX_MESSAGE_ID = 64
MAX_CAPTION = 1000
FORM_SLACK = 64 * 1024  # the multipart headers, message id and caption around the file
CHUNK = 1024 * 1024
OCTET = "application/octet-stream"
MIME = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}")
# Types a browser would run if the file were ever opened inline: stored as plain bytes.
SCRIPTABLE = ("html", "xml", "svg", "javascript", "ecmascript")
MEDIA_TYPES = {"image": MediaType.PHOTO, "video": MediaType.VIDEO, "audio": MediaType.VOICE}

router = APIRouter()


class Outgoing(BaseModel):
    kind: Literal["text", "choice", "command", "location", "contact"] = "text"
    text: str = Field(default="", max_length=MAX_BODY_CHARS)
    choice: str = Field(default="", max_length=200)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    phone: str = Field(default="", max_length=32)
    message_id: str = Field(default="", max_length=MAX_MESSAGE_ID)


def reply_json(reply: RenderedReply) -> dict[str, object]:
    return {
        "text": reply.text,
        "choices": [{"id": c.id, "label": c.label} for c in reply.choices],
        "request": reply.request.value if reply.request else None,
        "calls": [{"label": label, "phone": phone} for label, phone in reply.calls],
        "media": [_media_json(m) for m in reply.media],
    }


def _media_json(media: Media) -> dict[str, object]:
    """A link; or a file the bot hands over (a copy of one's data), carried in the answer
    itself for the page to offer as a download: it reaches only the browser that asked,
    and the server keeps no copy of it nor any link to one."""
    if media.type is MediaType.FILE and media.data is not None:
        return {
            "type": media.type.value,
            "url": "",
            "name": media.ref,
            "mime": media.mime or OCTET,
            "data": base64.b64encode(media.data).decode("ascii"),
        }
    return {"type": media.type.value, "url": media.ref}


def _base(chat_id: str, message_id: str) -> InboundEvent:
    # Client ids are unique per browser only, so the dedupe key is scoped to the chat.
    event_id = f"{chat_id}:{message_id}" if message_id else uuid.uuid4().hex
    return InboundEvent(CHANNEL, ACCOUNT, chat_id, chat_id, event_id, Kind.TEXT)


def _event(chat_id: str, body: Outgoing) -> InboundEvent:
    base = _base(chat_id, body.message_id)
    if body.kind == "choice":
        return replace(base, kind=Kind.CHOICE, choice=body.choice)
    if body.kind == "location" and body.lat is not None and body.lon is not None:
        return replace(base, kind=Kind.LOCATION, lat=body.lat, lon=body.lon)
    if body.kind == "contact":
        return replace(base, kind=Kind.CONTACT, phone=body.phone)
    text = body.text
    stripped = text.strip()
    if (body.kind == "command" and stripped.lstrip("/")) or (
        stripped.startswith("/") and stripped[1:2].isalpha()
    ):
        command, _, payload = stripped.lstrip("/").partition(" ")
        return replace(base, kind=Kind.COMMAND, command=command, payload=payload)
    return replace(base, text=text)


def media_kind(content_type: str | None) -> tuple[MediaType, str]:
    """What a file is, from the type the browser declared; odd or scriptable types are bytes."""
    mime = (content_type or "").split(";")[0].strip().lower()
    if not MIME.fullmatch(mime) or any(word in mime for word in SCRIPTABLE):
        return MediaType.FILE, OCTET
    return MEDIA_TYPES.get(mime.partition("/")[0], MediaType.FILE), mime


def _media_event(base: InboundEvent, media: Media) -> InboundEvent:
    return replace(base, kind=Kind.MEDIA, media=media)


def _chat_id(request: Request) -> tuple[str, bool]:
    current = request.cookies.get(COOKIE, "")
    if len(current) == 32 and all(c in "0123456789abcdef" for c in current):
        return current, False
    return secrets.token_hex(16), True


async def _answer(request: Request, event: InboundEvent, new_chat: bool) -> JSONResponse:
    """Dispatch one event and answer with the replies; a new browser gets its cookie."""
    event = replace(event, origin=web_guard.origin_of(request))  # counts past new cookies
    dispatcher: Dispatcher = request.app.state.runtime.dispatcher
    inbound: Inbound = request.app.state.runtime.inbound
    # Past the resident's limit: no replies, or the one notice (bot/inbound.py).
    replies = await inbound.dispatch(dispatcher, event)
    result = JSONResponse(
        {"duplicate": replies is None, "replies": [reply_json(r) for r in replies or []]}
    )
    secure = web_guard.secure_cookie(request)
    if new_chat or secure:  # again on each answer: a cookie set before https becomes Secure
        result.set_cookie(
            COOKIE,
            event.chat_id,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="lax",
            secure=secure,
        )
    return result


def _refused(error: str, status: int) -> JSONResponse:
    return JSONResponse({"error": error}, status_code=status)


async def _read_capped(upload: UploadFile, limit: int) -> bytes | None:
    """The file's bytes, or None once it proves longer than the limit."""
    chunks: list[bytes] = []
    total = 0
    while chunk := await upload.read(min(CHUNK, limit + 1 - total)):
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            return None
    return b"".join(chunks)


@router.get("/chat", include_in_schema=False)
async def page(request: Request) -> FileResponse:
    headers: dict[str, str] = request.app.state.chat_headers  # bot/channels/web_guard.py
    return FileResponse(PAGE, media_type="text/html; charset=utf-8", headers=headers)


@router.post("/chat/api/messages")
async def send(body: Outgoing, request: Request) -> JSONResponse:
    chat_id, new = _chat_id(request)
    return await _answer(request, _event(chat_id, body), new)


@router.post("/chat/api/inbox")
async def inbox(request: Request) -> JSONResponse:
    """Messages from the police (the outbox) waiting for this browser's resident, in the
    shape of the chat's replies; each is handed out once. The page asks every few seconds
    while it is open: the web chat has no other way to be told. A POST, because it hands
    the messages out: a link followed from another site (a GET, which carries the Lax
    cookie) must not use them up."""
    current, new = _chat_id(request)
    replies: list[RenderedReply] = []
    if not new:
        runtime = request.app.state.runtime
        async with runtime.sessions() as session:
            found = await stored_outbox.resident_of(session, CHANNEL, ACCOUNT, current)
        if found is not None:
            resident_id, lang = found
            chat_key = f"{CHANNEL}:{ACCOUNT}:{current}"
            conversations = runtime.dispatcher.conversations
            replies = await outbox.inbox(
                runtime.sessions,
                conversations,
                chat_key,
                resident_id,
                lang,
                utc_now(),
                outbox.photo_source(runtime),
            )
    return JSONResponse(
        {"replies": [reply_json(r) for r in replies]}, headers={"Cache-Control": "no-store"}
    )


@router.post("/chat/api/media")
async def upload(request: Request) -> JSONResponse:
    """One file from the page's picker. Too large a file is still a message: the bot says
    so in its own words, and the conversation goes on where it was."""
    chat_id, new = _chat_id(request)
    keeper: MediaKeeperImpl = request.app.state.runtime.media
    try:
        declared = int(request.headers.get("content-length", ""))
    except ValueError:
        return _refused("a Content-Length header is required", 411)
    if declared > keeper.max_bytes + FORM_SLACK:  # it cannot fit: not worth reading
        too_large = Media(MediaType.FILE, "", size=declared)
        return await _answer(request, _media_event(_base(chat_id, ""), too_large), new)
    received = await _received(request, keeper.max_bytes)
    if isinstance(received, str):
        return _refused(received, 422)
    message_id, media, data = received
    if data is None:  # past the limit: nothing is held; the handler refuses it by its size
        return await _answer(request, _media_event(_base(chat_id, message_id), media), new)
    # The ref is made here, never taken from the client: nobody can attach another's file.
    # The bytes reach the disk only if the conversation keeps them (a tip's files step).
    media = replace(media, ref=keeper.hold(data))
    try:
        return await _answer(request, _media_event(_base(chat_id, message_id), media), new)
    finally:
        keeper.release(media.ref)


async def _received(request: Request, limit: int) -> tuple[str, Media, bytes | None] | str:
    """The message id, the file (no ref yet) and its bytes, None past the limit; or an error."""
    async with request.form(max_files=1, max_fields=2) as form:
        file, message_id, caption = (form.get(k) for k in ("file", "message_id", "caption"))
        message_id, caption = message_id or "", caption or ""
        if not isinstance(file, UploadFile):
            return "a file is required"
        if not isinstance(message_id, str) or len(message_id) > MAX_MESSAGE_ID:
            return f"message_id must be text of at most {MAX_MESSAGE_ID} characters"
        if not isinstance(caption, str) or len(caption) > MAX_CAPTION:
            return f"caption must be text of at most {MAX_CAPTION} characters"
        kind, mime = media_kind(file.content_type)
        data = await _read_capped(file, limit)
        if data == b"":
            return "the file is empty"
        size = len(data) if data is not None else (file.size or limit + 1)
    return message_id, Media(kind, "", mime, size, caption or None), data
