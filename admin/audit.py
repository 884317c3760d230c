"""The audit log for chiefs and province admins: the page /admin/audit and GET /api/v1/audit.

Both read storage/audit.py with the reader's scope (a chief: actors of their commune, and
what was done to its tips or about it; a province admin: the same for their province, failed
sign-ins of unknown usernames and the system's national work), newest first, with filters by
action, actor and date (Vietnam days) and a keyset cursor for older rows. Officers and leaders
get 403 (`NotAllowed`, answered by admin/errors.py).

Every row is shown in words: the action by its label, a detail of counts and codes
("rows=12;contacts=1;fmt=csv") as a sentence, an area subject by its name, the filters of a
panel export by their labels; the raw pairs never reach the reader. The API gives both, the
raw fields and the words (`label`, `summary`, `area`).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from admin import api, auth, errors, filters, web
from admin.api_chat_links import CHANNEL_NAMES
from admin.export import describe
from admin.timefmt import local_time
from content import areas
from content.i18n import translate
from handlers.audit import (
    COMMUNE_SUBJECT,
    FACT_WORDS,
    LABELS,
    PROVINCE_SUBJECT,
    SYSTEM_ACTIONS,
    SYSTEM_ACTORS,
    AuditAction,
    Facts,
    facts_of,
)
from handlers.chat_links import Linked
from handlers.errors import BadInput
from handlers.people import Identity
from storage import audit
from storage.audit import AuditFilter, AuditPage, AuditRow, InvalidFilter
from storage.db import AsyncSession

router = APIRouter(prefix="/admin", include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["audit"])
Db = web.Db


def _(msgid: str) -> str:
    """Marks a catalog id for extraction; the template translates it."""
    return msgid


# Every audit action in words, in both catalogs (handlers/audit.py LABELS, the one vocabulary;
# tests/panel/test_audit.py holds them to it).
ACTION_NAMES: dict[str, str] = {str(action): msgid for action, msgid in LABELS.items()}
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


_FACT_WORDS: dict[str, Facts] = {str(action): words for action, words in FACT_WORDS.items()}
_LEGACY_ROWS = re.compile(r"(\d+) rows")


def _legacy_facts(action: str, detail: str) -> dict[str, str]:
    """Export details written before the compact pairs: "12 rows", "csv", "json,with_contact"."""
    if action != AuditAction.TIPS_EXPORT:
        return {}
    if found := _LEGACY_ROWS.fullmatch(detail):
        return {"rows": found.group(1)}
    fmt, _sep, contacts = detail.partition(",")
    if fmt in ("csv", "json") and contacts in ("", "with_contact"):
        return {"fmt": fmt, "contacts": "1" if contacts else "0"}
    return {}


def in_words(action: str, detail: str, lang: str) -> str:
    """A detail of counts and codes as a sentence in `lang`; "" when it is not one, or when
    no pair of it has words (the pairs themselves are never shown)."""
    pairs = facts_of(detail) or _legacy_facts(action, detail)
    table = _FACT_WORDS.get(action, {})
    phrases: list[str] = []
    for key, value in pairs.items():
        words = table.get(key)
        if isinstance(words, dict):
            if msgid := words.get(value):
                phrases.append(translate(msgid, lang))
        elif words and value.isdigit():
            phrases.append(translate(words, lang, {"n": int(value)}))
    text = "; ".join(phrases)
    return text[:1].upper() + text[1:]


def detail_text(action: str, detail: str, lang: str) -> str:
    """What the page shows of a detail: its words, or the free text; never raw pairs."""
    if not detail:
        return ""
    if words := in_words(action, detail, lang):
        return words
    if name := detail_name(action, detail):
        return translate(name, lang)
    return "" if facts_of(detail) else detail


def area_name(subject: str) -> str:
    """The name of the province or commune an area subject ("province:01") names, or ""."""
    kind, _sep, code = subject.partition(":")
    if kind + ":" == PROVINCE_SUBJECT:
        province = areas.province(code)
        return f"{province.name} ({code})" if province else code
    if kind + ":" == COMMUNE_SUBJECT:
        commune = areas.commune(code)
        return f"{commune.name} ({code})" if commune else code
    return ""


def actor_name(actor_id: int | None, username: str, lang: str) -> str:
    """The account's username, or in words the part of the system that acted."""
    if actor_id is None and username in SYSTEM_ACTORS:
        return translate(SYSTEM_ACTORS[username], lang)
    return username


def export_filters(action: str, reason: str, lang: str) -> str:
    """The filters of a panel export (kept as a query string in `reason`) by their labels."""
    if action != AuditAction.TIPS_EXPORT or not reason:
        return ""
    try:
        f = filters.parse_filter(dict(parse_qsl(reason)))
    except BadInput:
        return ""
    return "; ".join(f"{label}: {value}" for label, value in describe(f, lang))


def shown(row: AuditRow, lang: str) -> dict[str, str]:
    """A row as the page and the API put it in words."""
    system = row.action in SYSTEM_ACTIONS and row.actor_id is None
    area = area_name(row.subject)
    return {
        "label": translate(ACTION_NAMES[row.action], lang) if row.action in ACTION_NAMES else "",
        "summary": detail_text(row.action, row.detail, lang),
        "area": area,
        # A system row's subject ("keys") says nothing more than its label.
        "subject": "" if area or system else row.subject,
        "actor": actor_name(row.actor_id, row.actor_username, lang),
        "filters": export_filters(row.action, row.reason, lang),
    }


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
            **shown(r, user.lang),
            "time": local_time(r.created_at),
            "code": r.action,
            # A panel export keeps its filters as the reason: they are shown in words instead.
            "reason": "" if r.action == AuditAction.TIPS_EXPORT else r.reason,
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
        actions=[(a.value, LABELS[a]) for a in AuditAction],
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
    label: str = Field(description="The action in words, in the caller's language")
    subject: str = Field(
        description="A tip code, a username, a token id, or an area (province:01, commune:00004)"
    )
    area: str = Field(description="The province or commune an area subject names, or empty")
    detail: str = Field(description="As stored: free text, a code or key=value pairs")
    summary: str = Field(description="The detail in words, in the caller's language")
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
    lang = errors.api_lang(request)
    items = []
    for r in found.rows:
        words = shown(r, lang)
        items.append(
            AuditItemOut(
                id=r.id,
                at=r.created_at,
                actor_id=r.actor_id,
                actor=r.actor_username,
                action=r.action,
                label=words["label"],
                subject=r.subject,
                area=words["area"],
                detail=r.detail,
                summary=words["summary"],
                reason=r.reason,
                ip=r.ip,
            )
        )
    body = AuditListOut(
        items=items,
        next_cursor=found.next_cursor,
    )
    return JSONResponse(body.model_dump(mode="json"), headers=errors.NO_STORE)
