"""Linked chats (handlers/chat_links.py), in the API and for the panel's pages.

POST /api/v1/me/chat-links gives a one-time code the caller types to the bot: a leader to
compose notices from that chat, an officer or a chief to be told there of urgent tips and
answers (issue 15); GET lists the chats linked (by channel and since when, never the
platform's user id) and DELETE /api/v1/me/chat-links/{channel} unlinks one. Leaders, officers
and chiefs (a province admin: 403); the code is shown once and stored as a keyed hash. The
account page (admin/account.py) and the neighbourhoods page, where a chief manages the
commune's leaders (admin/neighbourhoods.py), use the helpers below, so that every edge runs
the same use cases."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Protocol

from fastapi import Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, SecretStr

from admin import api, errors, web
from admin.api_models import ErrorBody
from admin.timefmt import local_time
from handlers import chat_links
from handlers.chat_links import LinkedChat
from handlers.errors import NotFound
from handlers.people import Identity
from storage.chat_links import SqlChatLinks, link_key
from storage.db import AsyncSession

router = api.new_router()


def _(msgid: str) -> str:
    """Marks a catalog id for extraction; the template translates it."""
    return msgid


# A chat's channel in words, on the account page, the neighbourhoods page and the audit page.
CHANNEL_NAMES = {
    "telegram": _("panel.chat_link.channel.telegram"),
    "zalo_bot": _("panel.chat_link.channel.zalo_bot"),
    "zalo_oa": _("panel.chat_link.channel.zalo_oa"),
    "web": _("panel.chat_link.channel.web"),
    "cli": _("panel.chat_link.channel.cli"),
}
NO_CHAT = _("panel.chat_link.error.no_chat")
Channel = Annotated[
    str,
    Path(
        description="The linked chat's channel: telegram, zalo_bot, zalo_oa, web or cli.",
        max_length=16,
        pattern=r"^[a-z_]+$",
    ),
]


class ChatLinkOut(BaseModel):
    code: str
    expires_at: datetime


class LinkedChatOut(BaseModel):
    channel: str = Field(description="telegram, zalo_bot, zalo_oa, web or cli")
    linked_at: datetime = Field(description="Since when, in UTC (ISO 8601)")


class LinkedChatsOut(BaseModel):
    items: list[LinkedChatOut]


class _Settings(Protocol):
    @property
    def secret_key(self) -> SecretStr: ...


def key_of(request: Request) -> bytes:
    """The key the bot hashes typed codes with (bot/runtime.py): the same secret key."""
    settings: _Settings = request.app.state.settings
    return link_key(settings.secret_key.get_secret_value())


def shown(chats: list[LinkedChat]) -> list[dict[str, str]]:
    """Linked chats as the pages show them: the channel in words and since when."""
    return [
        {
            "channel": c.channel,
            "name": CHANNEL_NAMES.get(c.channel, ""),
            "since": local_time(c.linked_at),
        }
        for c in chats
    ]


async def new_code(request: Request, db: web.Db, caller: Identity) -> chat_links.NewCode:
    """Used by the API and the panel's account page alike."""
    now = datetime.now(UTC)
    ip = api.client_ip(request)
    return await chat_links.new_code(SqlChatLinks(db), caller, key_of(request), now=now, ip=ip)


async def unlink(
    request: Request, db: AsyncSession, actor: Identity, leader_id: int, channel: str
) -> Identity:
    """The leader's chat on that channel unlinked and audited: by the leader (their own) or
    by whoever manages the commune's leaders; the leader's account. NotFound, Forbidden as
    the use case says."""
    now = datetime.now(UTC)
    ip = api.client_ip(request)
    return await chat_links.unlink(SqlChatLinks(db), actor, leader_id, channel, now=now, ip=ip)


def _listed(chats: list[LinkedChat]) -> LinkedChatsOut:
    return LinkedChatsOut(
        items=[LinkedChatOut(channel=c.channel, linked_at=c.linked_at) for c in chats]
    )


@router.post(
    "/me/chat-links",
    summary="A one-time code (15 minutes) a leader, officer or chief types to the bot to link "
    "that chat",
    response_model=ChatLinkOut,
    status_code=201,
    responses=api.ERRORS,
    tags=["account"],
)
async def create(request: Request, caller: api.Caller, db: web.Db) -> ChatLinkOut:
    made = await new_code(request, db, caller)
    return ChatLinkOut(code=made.code, expires_at=made.expires_at)


@router.get(
    "/me/chat-links",
    summary="The chats linked to the caller's account: channel and since when",
    response_model=LinkedChatsOut,
    responses=api.ERRORS,
    tags=["account"],
)
async def linked(caller: api.Caller, db: web.Db) -> LinkedChatsOut:
    return _listed(await chat_links.own_chats(SqlChatLinks(db), caller))


@router.delete(
    "/me/chat-links/{channel}",
    summary="Unlink the caller's chat on a channel; the chats still linked",
    response_model=LinkedChatsOut,
    responses={
        **api.ERRORS,
        404: {"model": ErrorBody, "description": "No chat of yours linked on that channel."},
    },
    tags=["account"],
)
async def delete(
    request: Request, caller: api.Caller, db: web.Db, channel: Channel
) -> Response | LinkedChatsOut:
    try:
        await unlink(request, db, caller, caller.id, channel)
    except NotFound:
        return errors.error_response(request, 404, "not_found", msgid=NO_CHAT)
    return _listed(await chat_links.own_chats(SqlChatLinks(db), caller))
