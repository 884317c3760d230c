"""Panel pages: the tip queue, the tip page and the actions on a tip.

Every read and write goes through storage.casework, which checks the role and the area; this
module only turns requests into calls and results into pages. One session per request
(`web.Db`), committed once the route has answered; a tip that is not there or not for this
role is answered by admin/errors.py. A refused action is rolled back and the tip page shown
again with why, with the status of its kind. With `HX-Request` an action answers with the
updated part of the page instead of a redirect.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from admin import auth, errors, web
from admin.files import INLINE_IMAGES, attachment_response
from admin.filters import filter_query, parse_filter
from admin.timefmt import day, local_time
from content import areas, tips
from handlers.errors import BadInput, Invalid, NotFound
from handlers.tips.words import Resolution, TipStatus
from storage import casework
from storage.casework import Action, QueueFilter
from storage.db import AsyncSession
from storage.identity import Identity
from storage.models import AdminRole

router = APIRouter(prefix="/admin", include_in_schema=False)


def _(msgid: str) -> str:
    """Marks a catalog id that a template builds at render time ("panel.status." ~ value),
    so that the catalog check sees it as used."""
    return msgid


BUILT_IDS = (
    _("panel.status.new"),
    _("panel.status.acknowledged"),
    _("panel.status.verifying"),
    _("panel.status.forwarded"),
    _("panel.status.closed"),
    _("panel.resolution.handled"),
    _("panel.resolution.forwarded"),
    _("panel.resolution.unfounded"),
    _("panel.resolution.insufficient"),
    _("panel.resolution.duplicate"),
    _("panel.resolution.not_competent"),
    _("panel.nav.queue"),
    _("panel.nav.stats"),
    _("panel.nav.indicators"),
    _("panel.nav.audit"),
    _("panel.nav.users"),
    _("panel.nav.account"),
    _("panel.event.created"),
    _("panel.event.urgent"),
    _("panel.event.acknowledged"),
    _("panel.event.verifying"),
    _("panel.event.question"),
    _("panel.event.reporter_answer"),
    _("panel.event.note"),
    _("panel.event.assigned"),
    _("panel.event.urgency"),
    _("panel.event.forwarded"),
    _("panel.event.forwarded_to"),
    _("panel.event.extended"),
    _("panel.event.extension_reason"),
    _("panel.event.closed"),
    _("panel.event.rating"),
    _("panel.event.revealed"),
    _("panel.action.take"),
    _("panel.action.assign"),
    _("panel.action.urgency"),
    _("panel.action.acknowledge"),
    _("panel.action.verify"),
    _("panel.action.ask"),
    _("panel.action.forward"),
    _("panel.action.extend"),
    _("panel.action.close"),
    _("panel.action.note"),
    _("panel.action.reveal"),
    _("panel.done.take"),
    _("panel.done.assign"),
    _("panel.done.urgency"),
    _("panel.done.acknowledge"),
    _("panel.done.verify"),
    _("panel.done.ask"),
    _("panel.done.forward"),
    _("panel.done.extend"),
    _("panel.done.close"),
    _("panel.done.note"),
    _("panel.error.not_found"),
    _("panel.error.forbidden"),
    _("panel.error.csrf"),
    _("panel.error.filter"),
    _("panel.error.cursor"),
    _("panel.error.anonymous"),
    _("panel.error.reason"),
    _("panel.error.assignee"),
    _("panel.error.no_reporter"),
    _("panel.error.transition"),
    _("panel.error.closed"),
    _("panel.error.question"),
    _("panel.error.forward_to"),
    _("panel.error.note"),
    _("panel.error.extension_limit"),
    _("panel.error.extension_late"),
    _("panel.error.resolution"),
    _("panel.error.attachment"),
    _("panel.when.now"),
    _("panel.when.today"),
    _("panel.when.unknown"),
    _("panel.detail.suspects"),
    _("panel.detail.vehicles"),
    _("panel.detail.witnesses"),
    _("panel.detail.how_known"),
    _("panel.detail.evidence"),
    _("panel.attachment.photo"),
    _("panel.attachment.video"),
    _("panel.attachment.voice"),
    _("panel.attachment.file"),
    _("panel.visibility.internal"),
    _("panel.visibility.reporter"),
    _("panel.error_title.not_found"),
    _("panel.error_title.forbidden"),
)
EVENT_KINDS = frozenset(
    i.removeprefix("panel.event.") for i in BUILT_IDS if i.startswith("panel.event.")
)
DETAIL_KEYS = frozenset(
    i.removeprefix("panel.detail.") for i in BUILT_IDS if i.startswith("panel.detail.")
)
ATTACHMENT_KINDS = frozenset(
    i.removeprefix("panel.attachment.") for i in BUILT_IDS if i.startswith("panel.attachment.")
)

# Actions the generic route runs (reveal has its own page).
ACTIONS = frozenset(a.value for a in Action) - {Action.REVEAL.value}
# Served inline (thumbnails); anything else, SVG included, is a download.
STATUS_TABS = (None, *(s.value for s in TipStatus), "all")
MAX_FORM_FIELD = 5000


# -- what every tip template gets ----------------------------------------------------------


def iso_day(value: str) -> str:
    """A timeline body that holds an ISO date (an extension), shown as dd/mm/yyyy."""
    try:
        return day(date.fromisoformat(value))
    except ValueError:
        return value


def helpers(lang: str) -> dict[str, Any]:
    def category_name(category_id: str) -> str:
        found = tips.category(category_id)
        return found.label(lang) if found else category_id

    def commune_name(code: str) -> str:
        found = areas.commune(code)
        return found.name if found else code

    return {
        "when": local_time,
        "day": day,
        "iso_day": iso_day,
        "category_name": category_name,
        "commune_name": commune_name,
        "inline_images": INLINE_IMAGES,
        "event_kinds": EVENT_KINDS,
        "detail_keys": DETAIL_KEYS,
        "attachment_kinds": ATTACHMENT_KINDS,
    }


def _render(
    request: Request, user: web.SignedIn, name: str, status: int = 200, **context: Any
) -> HTMLResponse:
    return web.page(request, user, name, status, **helpers(user.lang), **context)


# -- the queue ------------------------------------------------------------------------------


def _link(f: QueueFilter, **extra: str) -> str:
    query = {**filter_query(f), **extra}
    return "/admin/tips" + (f"?{urlencode(query)}" if query else "")


def count_text(count: int) -> str:
    """A tab's count; past casework.COUNT_CAP it says "10.000+" (counts stop there)."""
    if count > casework.COUNT_CAP:
        return f"{casework.COUNT_CAP:,}+".replace(",", ".")
    return str(count)


def _tabs(f: QueueFilter, counts: Mapping[str, int] | None) -> list[dict[str, Any]]:
    """The status tabs; without counts (a search with too many matches) they show none."""
    known = counts is not None
    counts = counts or {}
    total = sum(counts.values())
    tabs = []
    for status in STATUS_TABS:
        if status is None:
            count, label = total - counts.get(TipStatus.CLOSED.value, 0), _("panel.queue.open")
        elif status == "all":
            count, label = total, _("panel.queue.all")
        else:
            count, label = counts.get(status, 0), f"panel.status.{status}"
        tabs.append(
            {
                "status": status or "",
                "label": label,
                "count": count_text(count) if known else "",
                "href": _link(replace(f, status=status)),
                "current": f.status == status,
            }
        )
    return tabs


async def _assignee_choices(
    db: AsyncSession, identity: Identity, commune: str | None
) -> list[casework.Colleague]:
    """Colleagues to filter by: the user's commune, or the commune a province admin chose."""
    code = commune if identity.role is AdminRole.PROVINCE_ADMIN else identity.commune_code
    if not code:
        return []
    try:
        return await casework.colleagues(db, identity, code)
    except NotFound:
        return []


@router.get("/tips")
async def queue_page(request: Request, db: web.Db, user: web.Officer) -> Response:
    params = request.query_params
    identity = user.identity
    status, error = 200, ""
    try:
        f = parse_filter(params)
    except BadInput as exc:
        status, error, f = errors.status_of(exc), exc.code, QueueFilter()
    cursor = params.get("cursor", "").strip()[:512] or None
    try:
        page = await casework.queue(db, identity, f, cursor=cursor)
    except BadInput as exc:  # a stale or forged cursor: the first page instead
        status, error, cursor = errors.status_of(exc), exc.code, None
        page = await casework.queue(db, identity, f)
    if cursor and request.headers.get("HX-Request") == "true":
        return _render(request, user, "tips/_rows.html", **_rows_context(f, page, identity))
    counts = await casework.status_counts(db, identity, f)
    colleagues = await _assignee_choices(db, identity, f.commune)
    communes = (
        areas.communes_of(identity.province_code)
        if identity.role is AdminRole.PROVINCE_ADMIN
        else ()
    )
    export_query = urlencode(filter_query(f))
    return _render(
        request,
        user,
        "tips/queue.html",
        status,
        f=f,
        form=params,
        error=error,
        tabs=_tabs(f, counts),
        categories=tips.categories(),
        colleagues=colleagues,
        communes=communes,
        export_query=export_query,
        first_page=cursor is None,
        first_link=_link(f),
        **_rows_context(f, page, identity),
    )


def _rows_context(f: QueueFilter, page: casework.QueuePage, identity: Identity) -> dict[str, Any]:
    more = _link(f, cursor=page.next_cursor) if page.next_cursor else ""
    show_commune = identity.role is AdminRole.PROVINCE_ADMIN
    return {"items": page.items, "more": more, "show_commune": show_commune}


# -- one tip ----------------------------------------------------------------------------------


async def _tip_response(
    request: Request,
    db: AsyncSession,
    user: web.SignedIn,
    tip_id: str,
    *,
    template: str = "tips/tip.html",
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    detail = await casework.tip_detail(db, user.identity, tip_id)
    colleagues = []
    if Action.ASSIGN in detail.allowed:
        colleagues = await casework.colleagues(db, user.identity, detail.commune_code)
    context.setdefault("done", "")
    context.setdefault("error", "")
    context.setdefault("failed", "")
    context.setdefault("form", {})
    return _render(
        request,
        user,
        template,
        status,
        tip=detail,
        colleagues=colleagues,
        resolutions=[r.value for r in Resolution],
        **context,
    )


@router.get("/tips/{tip_id}")
async def tip_page(request: Request, tip_id: str, db: web.Db, user: web.Officer) -> Response:
    done = request.query_params.get("done", "")
    return await _tip_response(request, db, user, tip_id, done=done if done in ACTIONS else "")


@router.get("/tips/{tip_id}/timeline")
async def timeline(request: Request, tip_id: str, db: web.Db) -> Response:
    """The timeline alone, polled by the tip page so that a reporter's answer shows up."""
    user = await web.signed_in(request, db)
    if user is None:  # signed out meanwhile: the whole page goes to the sign-in form
        if request.headers.get("HX-Request"):
            return Response(status_code=204, headers={"HX-Redirect": web.HOME})
        return web.redirect()
    return await _tip_response(request, db, user, tip_id, template="tips/_timeline.html")


@router.get("/tips/{tip_id}/attachments/{attachment_id}")
async def attachment(
    request: Request, tip_id: str, attachment_id: int, db: web.Db, user: web.Officer
) -> Response:
    ref = await casework.attachment(db, user.identity, tip_id, attachment_id)
    response = await attachment_response(request, ref, inline_images=True)
    if response is None:  # its bytes are gone from the store
        raise NotFound("attachment", "the file is gone")
    return response


async def _form(request: Request) -> dict[str, str]:
    """The posted fields as text, each cut to a sane length (files are ignored)."""
    form = await request.form()
    return {k: v[:MAX_FORM_FIELD] for k, v in form.items() if isinstance(v, str)}


@router.post("/tips/{tip_id}/reveal")
async def reveal(request: Request, tip_id: str, db: web.Db, user: web.FormOfficer) -> Response:
    form = await _form(request)
    try:
        contact = await casework.reveal_identity(
            db,
            user.identity,
            tip_id,
            form.get("reason", ""),
            web.sealer(request),
            ip=auth.client_ip(request),
        )
    except Invalid as exc:
        await db.rollback()
        return await _tip_response(
            request,
            db,
            user,
            tip_id,
            status=errors.status_of(exc),
            error=exc.code,
            failed=Action.REVEAL.value,
            form=form,
        )
    detail = await casework.tip_detail(db, user.identity, tip_id)
    return _render(request, user, "tips/reveal.html", tip=detail, contact=contact)


def _assignee(raw: str) -> int | None:
    raw = raw.strip()
    if raw in ("", "none"):
        return None
    if not raw.isdigit():
        raise BadInput("assignee", "pick someone from the list")
    return int(raw)


async def _run(
    action: str, db: AsyncSession, user: web.SignedIn, tip_id: str, form: Mapping[str, str], ip: str
) -> None:
    """One action on a tip, through its casework use case."""
    who = user.identity
    if action == Action.TAKE:
        await casework.take(db, who, tip_id, ip=ip)
    elif action == Action.ASSIGN:
        await casework.assign(db, who, tip_id, _assignee(form.get("assignee", "")), ip=ip)
    elif action == Action.URGENCY:
        await casework.set_urgency(db, who, tip_id, form.get("urgent") == "1", ip=ip)
    elif action == Action.ACKNOWLEDGE:
        await casework.acknowledge(db, who, tip_id, ip=ip)
    elif action == Action.VERIFY:
        await casework.verify(db, who, tip_id, ip=ip)
    elif action == Action.ASK:
        await casework.ask_reporter(db, who, tip_id, form.get("question", ""), ip=ip)
    elif action == Action.FORWARD:
        to, note = form.get("to", ""), form.get("note", "")
        await casework.forward(db, who, tip_id, to, note, ip=ip)
    elif action == Action.EXTEND:
        await casework.extend_deadline(db, who, tip_id, form.get("reason", ""), ip=ip)
    elif action == Action.CLOSE:
        resolution, note = form.get("resolution", ""), form.get("note", "")
        await casework.close(db, who, tip_id, resolution, note, ip=ip)
    elif action == Action.NOTE:
        await casework.add_note(db, who, tip_id, form.get("body", ""), ip=ip)
    else:
        raise NotFound(detail="no such action")


@router.post("/tips/{tip_id}/{action}")
async def act(
    request: Request, tip_id: str, action: str, db: web.Db, user: web.FormOfficer
) -> Response:
    if action not in ACTIONS:
        raise NotFound(detail="no such action")
    form = await _form(request)
    fragment = request.headers.get("HX-Request") == "true"
    template = "tips/_tip.html" if fragment else "tips/tip.html"
    try:
        await _run(action, db, user, tip_id, form, auth.client_ip(request))
    except Invalid as exc:
        await db.rollback()
        return await _tip_response(
            request,
            db,
            user,
            tip_id,
            template=template,
            status=errors.status_of(exc),
            error=exc.code,
            failed=action,
            form={k: v for k, v in form.items() if k != "csrf"},
        )
    if fragment:
        return await _tip_response(request, db, user, tip_id, template=template, done=action)
    return web.redirect(f"/admin/tips/{quote(tip_id, safe='')}?{urlencode({'done': action})}")
