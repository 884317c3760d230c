"""The audit log for chiefs and province admins: the page /admin/audit and GET /api/v1/audit.

Both read storage/audit.py with the reader's scope (a chief: actors of their commune, and
what was done to its tips or about it; a province admin: the same for their province, failed
sign-ins of unknown usernames and the system's national work), newest first, with filters by
action, actor and date (Vietnam days) and a keyset cursor for older rows. Officers and leaders
get 403 (`NotAllowed`, answered by admin/errors.py).

Every row is shown in words: the action by its label, a detail of counts and codes
("rows=12;contacts=1;fmt=csv") as a sentence, an area subject by its name, the filters of a
panel export by their labels; the raw pairs never reach the reader. The API gives both, the
raw fields and the words (`label`, `area`, and the row as a sentence: `summary`, `sentence`).

Issue 20: each row is also one plain sentence (admin/audit_words.py: who did what to which
tip, its code linked), the log filters by tip code too, and /admin/audit/export.csv|xlsx
gives the filtered log for an inspection (admin/audit_export.py), itself audited.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from admin import api, audit_export, auth, errors, web
from admin.audit_details import (
    ACTION_NAMES,
    actor_name,
    area_name,
)
from admin.audit_words import Sentence, filter_reason, filters_in_words, sentence
from admin.timefmt import local_time
from content import areas
from content.i18n import translate
from handlers.audit import (
    LABELS,
    SYSTEM_ACTIONS,
    AuditAction,
    compact,
)
from handlers.deadlines import local_date
from handlers.errors import BadInput
from handlers.people import AdminRole, Identity
from storage import admin_users, audit
from storage.audit import AuditFilter, AuditPage, AuditRow, InvalidFilter
from storage.db import AsyncSession

router = APIRouter(prefix="/admin", include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["audit"])
Db = web.Db


def _(msgid: str) -> str:
    """Marks a catalog id for extraction; the template translates it."""
    return msgid


def shown(row: AuditRow, lang: str) -> dict[str, str]:
    """A row as the page and the API put it in words."""
    system = row.action in SYSTEM_ACTIONS and row.actor_id is None
    area = area_name(row.subject)
    return {
        "label": translate(ACTION_NAMES[row.action], lang) if row.action in ACTION_NAMES else "",
        "area": area,
        # A system row's subject ("keys") says nothing more than its label.
        "subject": "" if area or system else row.subject,
        "actor": actor_name(row.actor_id, row.actor_username, lang),
        "filters": filters_in_words(row, lang),
        # A query string kept as `reason` is an export's filters, never shown as a reason.
        "reason": "" if filter_reason(row) else row.reason,
    }


def page_row(row: AuditRow, said: Sentence, lang: str) -> dict[str, Any]:
    """A row as the page lists it: when and who, then the sentence, its tip code a link."""
    words = shown(row, lang)
    return {
        **words,
        # The area once, in the sentence where it says it (an export's, the honour list's).
        "area": "" if words["area"] in said.text else words["area"],
        "parts": said.parts,
        "time": local_time(row.created_at),
        "iso": row.created_at.isoformat(),
        "code": row.action,
        "ip": row.ip,
    }


FILTER_ERRORS = {
    "action": _("panel.audit.error.action"),
    "actor": _("panel.audit.error.actor"),
    "from": _("panel.audit.error.date"),
    "to": _("panel.audit.error.date"),
    "dates": _("panel.audit.error.dates"),
    "cursor": _("panel.audit.error.cursor"),
    "tip": _("panel.audit.error.tip"),
    "year": _("panel.audit.error.year"),
}
# The API's words for the same refusals: they name the query parameters and the one date form
# the filter takes (the tip list's message, "panel.error.filter", speaks of statuses and
# communes this filter has none of).
API_FILTER_ERRORS = {
    "action": _("panel.audit.api_error.action"),
    "actor": _("panel.audit.api_error.actor"),
    "from": _("panel.audit.api_error.date"),
    "to": _("panel.audit.api_error.date"),
    "dates": _("panel.audit.api_error.dates"),
    "tip": _("panel.audit.api_error.tip"),
    "year": _("panel.audit.api_error.year"),
    "limit": _("panel.audit.api_error.limit"),
}
FILTER_KEYS = ("action", "actor", "tip", "from", "to")


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
    named = await audit.named(db, found.rows)
    rows = [page_row(r, sentence(r, named, user.lang), user.lang) for r in found.rows]
    kept = {k: params[k] for k in FILTER_KEYS if params.get(k)}
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
        # The export takes the filters as they are; a bad one gets the page's message there.
        export_query=urlencode(kept) if not error else "",
        first_page=not params.get("cursor"),
        error=error,
    )


# --- Export for an inspection ----------------------------------------------------------------


def _area(actor: Identity) -> str:
    """The reader's area, as the export's file name and second sheet name it."""
    if actor.role is AdminRole.PROVINCE_ADMIN:
        province = areas.province(actor.province_code)
        return f"{province.name} ({actor.province_code})" if province else actor.province_code
    return area_name(f"commune:{actor.commune_code}") or actor.commune_code


async def _export(request: Request, db: AsyncSession, user: web.SignedIn, fmt: str) -> Response:
    """The filtered log in the reader's scope, audited (the export is itself a row), then
    built away from the event loop; a bad filter gets the page and its message."""
    identity = user.identity
    audit.scope(identity)  # NotAllowed for officers and leaders, before anything is read
    params = _params(request)
    try:
        f = audit.parse_filter(params)
    except InvalidFilter:
        return await audit_page(request, db, user)
    now = datetime.now(UTC)
    found, cut = await audit.audit_rows(db, identity, f)
    named = await audit.named(db, found)
    lines = [audit_export.line(r, named, user.lang) for r in found]
    kept = {k: params[k] for k in FILTER_KEYS if params.get(k)}
    await admin_users.record_by(
        db,
        identity,
        AuditAction.AUDIT_EXPORT,
        detail=compact(rows=len(lines), fmt=fmt),
        reason=urlencode(kept),  # the filters, shown in words, never as a reason
        ip=auth.client_ip(request),
        now=now,
    )
    code = identity.province_code if identity.role is AdminRole.PROVINCE_ADMIN else ""
    name = audit_export.filename(code or identity.commune_code, local_date(now), fmt)
    headers = {**errors.NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "csv":
        body = await asyncio.to_thread(audit_export.to_csv, lines, user.lang)
        return Response(body, media_type=audit_export.CSV_TYPE, headers=headers)
    about = audit_export.About(now, identity.username, _area(identity), f, len(lines), cut)
    body = await asyncio.to_thread(audit_export.to_xlsx, lines, user.lang, about)
    return Response(body, media_type=audit_export.XLSX_TYPE, headers=headers)


@router.get("/audit/export.csv")
async def audit_export_csv(request: Request, db: Db, user: web.Officer) -> Response:
    return await _export(request, db, user, "csv")


@router.get("/audit/export.xlsx")
async def audit_export_xlsx(request: Request, db: Db, user: web.Officer) -> Response:
    return await _export(request, db, user, "xlsx")


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
    summary: str = Field(
        description="The row in plain words, in the caller's language: the same sentence as "
        "`sentence` (it once held the detail alone, where a code could show as it is stored)"
    )
    sentence: str = Field(
        description="The whole row as one sentence in the caller's language: who did what"
    )
    filters: str = Field(description="An export's filters in words (kept in `reason`), or empty")
    reason: str = Field(description="The reason given for a reveal or an extension")
    ip: str


class AuditListOut(BaseModel):
    items: list[AuditItemOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for older rows; null at the end")


def _bad_filter(request: Request, code: str) -> JSONResponse:
    """422 "filter", with the words of what was wrong in the caller's language."""
    bounds = {
        "first": audit.YEARS.start,
        "last": audit.YEARS.stop - 1,
        "max": audit.MAX_PAGE_SIZE,
    }
    msgid = API_FILTER_ERRORS.get(code, _("panel.audit.api_error.filter"))
    return errors.error_response(request, 422, "filter", msgid=msgid, params=bounds)


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
    tip: str = "",
    cursor: str = "",
    limit: str = "",
) -> Response:
    """Filters: `action` (e.g. `tip.reveal`), `actor` (username), `tip` (a receipt code),
    `from`/`to` (YYYY-MM-DD, years 2000-2100, Vietnam days, inclusive); `limit` 1-200 (50). Pass
    `next_cursor` back as `cursor` for older rows; it is null on the last page."""
    identity = await auth.api_identity(request, db)
    if identity is None:
        raise errors.Unauthenticated()
    params = {
        "action": action,
        "actor": actor,
        "tip": tip,
        "from": date_from,
        "to": date_to,
        "cursor": cursor,
    }
    params = {k: v[:64] for k, v in params.items()}
    if limit and not (limit.isdigit() and 1 <= int(limit) <= audit.MAX_PAGE_SIZE):
        return _bad_filter(request, "limit")
    try:
        _f, found = await _read(db, identity, params, int(limit or audit.PAGE_SIZE))
    except InvalidFilter as exc:  # the API names only a bad cursor, any other is "filter"
        if exc.code == "cursor":
            raise BadInput("cursor", str(exc)) from None
        return _bad_filter(request, exc.code)
    lang = errors.api_lang(request)
    named = await audit.named(db, found.rows)
    items = []
    for r in found.rows:
        words = shown(r, lang)
        said = sentence(r, named, lang).text
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
                summary=said,
                sentence=said,
                filters=words["filters"],
                reason=r.reason,
                ip=r.ip,
            )
        )
    body = AuditListOut(
        items=items,
        next_cursor=found.next_cursor,
    )
    return JSONResponse(body.model_dump(mode="json"), headers=errors.NO_STORE)
