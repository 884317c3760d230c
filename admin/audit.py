"""The audit log for chiefs and province admins: the page /admin/audit and GET /api/v1/audit.

Both read storage/audit.py with the reader's scope (a chief: actors of their commune; a province
admin: actors of their province and failed sign-ins of unknown usernames), newest first, with
filters by action, actor and date (Vietnam days) and a keyset cursor for older rows. Officers
and leaders get 403 (`NotAllowed`, answered by admin/errors.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from admin import api, auth, errors, web
from admin.api_chat_links import CHANNEL_NAMES
from admin.timefmt import local_time
from handlers.audit import AuditAction
from handlers.chat_links import Linked
from handlers.errors import BadInput
from handlers.people import Identity
from storage import audit
from storage.audit import AuditFilter, AuditPage, InvalidFilter
from storage.db import AsyncSession

router = APIRouter(prefix="/admin", include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["audit"])
Db = web.Db


def _(msgid: str) -> str:
    """Marks a catalog id for extraction; the template translates it."""
    return msgid


# Every audit action in words, in both catalogs (tests/panel/test_audit.py holds them to it).
ACTION_NAMES: dict[str, str] = {
    AuditAction.SIGNIN_SUCCESS: _("panel.audit.action.signin.success"),
    AuditAction.SIGNIN_FAILURE: _("panel.audit.action.signin.failure"),
    AuditAction.SIGNOUT: _("panel.audit.action.signout"),
    AuditAction.TIP_STATUS: _("panel.audit.action.tip.status"),
    AuditAction.TIP_ASSIGN: _("panel.audit.action.tip.assign"),
    AuditAction.TIP_URGENCY: _("panel.audit.action.tip.urgency"),
    AuditAction.TIP_EXTEND: _("panel.audit.action.tip.extend"),
    AuditAction.TIP_REVEAL: _("panel.audit.action.tip.reveal"),
    AuditAction.TIP_QUESTION: _("panel.audit.action.tip.question"),
    AuditAction.TIP_TRACK: _("panel.audit.action.tip.track"),
    AuditAction.TIP_PROTECT: _("panel.audit.action.tip.protect"),
    AuditAction.MEDIATION_TEAMS: _("panel.audit.action.mediation.teams"),
    AuditAction.TIPS_EXPORT: _("panel.audit.action.tips.export"),
    AuditAction.INDICATOR_CONFIRM: _("panel.audit.action.indicator.confirm"),
    AuditAction.INDICATOR_REJECT: _("panel.audit.action.indicator.reject"),
    AuditAction.USER_CREATE: _("panel.audit.action.user.create"),
    AuditAction.USER_DEACTIVATE: _("panel.audit.action.user.deactivate"),
    AuditAction.USER_ACTIVATE: _("panel.audit.action.user.activate"),
    AuditAction.USER_UNLOCK: _("panel.audit.action.user.unlock"),
    AuditAction.USER_PASSWORD: _("panel.audit.action.user.password"),
    AuditAction.TOTP_ENABLE: _("panel.audit.action.totp.enable"),
    AuditAction.TOTP_DISABLE: _("panel.audit.action.totp.disable"),
    AuditAction.TOKEN_CREATE: _("panel.audit.action.token.create"),
    AuditAction.TOKEN_REVOKE: _("panel.audit.action.token.revoke"),
    AuditAction.BROADCAST_CREATE: _("panel.audit.action.broadcast.create"),
    AuditAction.BROADCAST_APPROVE: _("panel.audit.action.broadcast.approve"),
    AuditAction.BROADCAST_REJECT: _("panel.audit.action.broadcast.reject"),
    AuditAction.BROADCAST_CANCEL: _("panel.audit.action.broadcast.cancel"),
    AuditAction.NEIGHBOURHOOD_ADD: _("panel.audit.action.neighbourhood.add"),
    AuditAction.NEIGHBOURHOOD_RENAME: _("panel.audit.action.neighbourhood.rename"),
    AuditAction.NEIGHBOURHOOD_RETIRE: _("panel.audit.action.neighbourhood.retire"),
    AuditAction.NEIGHBOURHOOD_RESTORE: _("panel.audit.action.neighbourhood.restore"),
    AuditAction.LEADER_AREAS: _("panel.audit.action.leader.areas"),
    AuditAction.COMMUNE_APPROVAL: _("panel.audit.action.commune.approval"),
    AuditAction.CHAT_LINK_CREATE: _("panel.audit.action.chat_link.create"),
    AuditAction.CHAT_LINK_USE: _("panel.audit.action.chat_link.use"),
    AuditAction.CHAT_LINK_REFUSE: _("panel.audit.action.chat_link.refuse"),
    AuditAction.CHAT_UNLINK: _("panel.audit.action.chat_link.unlink"),
    AuditAction.CAMPAIGN_ON: _("panel.audit.action.campaign.on"),
    AuditAction.CAMPAIGN_OFF: _("panel.audit.action.campaign.off"),
}
# Details that are codes rather than free text, put in words.
DETAIL_NAMES = {
    "unknown_user": _("panel.audit.detail.unknown_user"),
    "bad_password": _("panel.audit.detail.bad_password"),
    "bad_code": _("panel.audit.detail.bad_code"),
    "locked": _("panel.audit.detail.locked"),
    "inactive": _("panel.audit.detail.inactive"),
    "self": _("panel.audit.detail.self"),
    "admin": _("panel.audit.detail.admin"),
    "everywhere": _("panel.audit.detail.everywhere"),
    "cli": _("panel.audit.detail.cli"),
    "whole_commune": _("panel.audit.detail.whole_commune"),
    "approval_on": _("panel.audit.detail.approval_on"),
    "approval_off": _("panel.audit.detail.approval_off"),
}
# Details that are codes of one action only, in that action's words: why a code typed to the
# bot was refused (handlers/chat_links.py `Linked`), and the channel of a chat unlinked.
ACTION_DETAILS: dict[str, dict[str, str]] = {
    AuditAction.CHAT_LINK_REFUSE: {
        Linked.UNKNOWN: _("panel.audit.detail.chat_link.unknown"),
        Linked.USED: _("panel.audit.detail.chat_link.used"),
        Linked.EXPIRED: _("panel.audit.detail.chat_link.expired"),
        Linked.NOT_LEADER: _("panel.audit.detail.chat_link.not_leader"),
        Linked.INACTIVE: _("panel.audit.detail.chat_link.inactive"),  # issue 15: officers
        Linked.OTHER_ACCOUNT: _("panel.audit.detail.chat_link.other_account"),
        Linked.LIMITED: _("panel.audit.detail.chat_link.limited"),
        Linked.PAUSED: _("panel.audit.detail.chat_link.paused"),
    },
    AuditAction.CHAT_UNLINK: CHANNEL_NAMES,
}


def detail_name(action: str, detail: str) -> str:
    """The words of a detail that is a code, or "" where it is free text."""
    return ACTION_DETAILS.get(action, {}).get(detail) or DETAIL_NAMES.get(detail, "")


FILTER_ERRORS = {
    "action": _("panel.audit.error.action"),
    "actor": _("panel.audit.error.actor"),
    "from": _("panel.audit.error.date"),
    "to": _("panel.audit.error.date"),
    "dates": _("panel.audit.error.dates"),
    "cursor": _("panel.audit.error.cursor"),
}
FILTER_KEYS = ("action", "actor", "from", "to")


def _params(request: Request) -> dict[str, str]:
    return {k: request.query_params.get(k, "")[:64] for k in (*FILTER_KEYS, "cursor")}


async def _read(
    db: AsyncSession, actor: Identity, params: dict[str, str], limit: int = audit.PAGE_SIZE
) -> tuple[AuditFilter, AuditPage]:
    """Raises NotAllowed for a role that may not read the log, InvalidFilter for bad input."""
    audit.scope(actor)
    f = audit.parse_filter(params)
    return f, await audit.audit_page(db, actor, f, cursor=params.get("cursor") or None, limit=limit)


def _older_link(params: dict[str, str], cursor: str) -> str:
    kept = {k: params[k] for k in FILTER_KEYS if params.get(k)}
    return "/admin/audit?" + urlencode({**kept, "cursor": cursor})


@router.get("/audit")
async def audit_page(request: Request, db: Db, user: web.Officer) -> Response:
    params = _params(request)
    status, error = 200, ""
    try:
        _f, found = await _read(db, user.identity, params)
    except InvalidFilter as exc:
        status, error = (
            errors.status_of(exc),
            FILTER_ERRORS.get(exc.code, "panel.audit.error.cursor"),
        )
        found = AuditPage([], None)
    rows = [
        {
            "time": local_time(r.created_at),
            "actor": r.actor_username,
            "action": ACTION_NAMES.get(r.action, ""),
            "code": r.action,
            "subject": r.subject,
            "detail": r.detail,
            "detail_name": detail_name(r.action, r.detail),
            "reason": r.reason,
            "ip": r.ip,
        }
        for r in found.rows
    ]
    return web.page(
        request,
        user,
        "audit/list.html",
        status,
        rows=rows,
        actions=[(a.value, ACTION_NAMES[a]) for a in AuditAction],
        params=params,
        filtered=any(params.get(k) for k in FILTER_KEYS),
        older=_older_link(params, found.next_cursor) if found.next_cursor else "",
        first_page=not params.get("cursor"),
        error=error,
    )


# --- JSON ------------------------------------------------------------------------------------


class AuditItemOut(BaseModel):
    id: int
    at: datetime = Field(description="When, in UTC (ISO 8601)")
    actor_id: int | None = Field(description="null for a sign-in with an unknown username")
    actor: str = Field(description="The actor's username at the time")
    action: str = Field(description="e.g. signin.success, tip.reveal, user.create")
    subject: str = Field(description="A tip code, a username or a token id")
    detail: str
    reason: str = Field(description="The reason given for a reveal or an extension")
    ip: str


class AuditListOut(BaseModel):
    items: list[AuditItemOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for older rows; null at the end")


@api_router.get(
    "/audit",
    response_model=AuditListOut,
    summary="The audit log in the caller's scope, newest first",
    responses=api.ERRORS,
)
async def audit_json(
    request: Request,
    db: Db,
    action: str = "",
    actor: str = "",
    date_from: Annotated[str, Query(alias="from")] = "",
    date_to: Annotated[str, Query(alias="to")] = "",
    cursor: str = "",
    limit: str = "",
) -> Response:
    """Filters: `action` (e.g. `tip.reveal`), `actor` (username), `from`/`to` (YYYY-MM-DD,
    Vietnam days, inclusive); `limit` 1-200 (50). Pass `next_cursor` back as `cursor` for
    older rows; it is null on the last page."""
    identity = await auth.api_identity(request, db)
    if identity is None:
        raise errors.Unauthenticated()
    params = {"action": action, "actor": actor, "from": date_from, "to": date_to, "cursor": cursor}
    params = {k: v[:64] for k, v in params.items()}
    if limit and not (limit.isdigit() and 1 <= int(limit) <= audit.MAX_PAGE_SIZE):
        raise BadInput("filter", f"limit is 1-{audit.MAX_PAGE_SIZE}")
    try:
        _f, found = await _read(db, identity, params, int(limit or audit.PAGE_SIZE))
    except InvalidFilter as exc:  # the API names only a bad cursor, any other is "filter"
        raise BadInput("cursor" if exc.code == "cursor" else "filter", str(exc)) from None
    body = AuditListOut(
        items=[
            AuditItemOut(
                id=r.id,
                at=r.created_at,
                actor_id=r.actor_id,
                actor=r.actor_username,
                action=r.action,
                subject=r.subject,
                detail=r.detail,
                reason=r.reason,
                ip=r.ip,
            )
            for r in found.rows
        ],
        next_cursor=found.next_cursor,
    )
    return JSONResponse(body.model_dump(mode="json"), headers=errors.NO_STORE)
