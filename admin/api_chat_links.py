"""A leader's one-time code for linking a chat to their account (POST /api/v1/me/chat-links):
the leader types it to the bot, and composes notices there from then on (handlers/
chat_links.py). Leaders only; the code is shown once and stored as a keyed hash."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from fastapi import Request
from pydantic import BaseModel, SecretStr

from admin import api, web
from handlers import chat_links
from handlers.people import Identity
from storage.chat_links import SqlChatLinks, link_key

router = api.new_router()


class ChatLinkOut(BaseModel):
    code: str
    expires_at: datetime


class _Settings(Protocol):
    @property
    def secret_key(self) -> SecretStr: ...


def key_of(request: Request) -> bytes:
    """The key the bot hashes typed codes with (bot/runtime.py): the same secret key."""
    settings: _Settings = request.app.state.settings
    return link_key(settings.secret_key.get_secret_value())


async def new_code(request: Request, db: web.Db, caller: Identity) -> chat_links.NewCode:
    """Used by the API and the panel's account page alike."""
    now = datetime.now(UTC)
    ip = api.client_ip(request)
    return await chat_links.new_code(SqlChatLinks(db), caller, key_of(request), now=now, ip=ip)


@router.post(
    "/me/chat-links",
    summary="A one-time code (15 minutes) a leader types to the bot to link that chat",
    response_model=ChatLinkOut,
    status_code=201,
    responses=api.ERRORS,
    tags=["account"],
)
async def create(request: Request, caller: api.Caller, db: web.Db) -> ChatLinkOut:
    made = await new_code(request, db, caller)
    return ChatLinkOut(code=made.code, expires_at=made.expires_at)
