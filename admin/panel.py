"""Panel pages: the tip queue, the tip page and the actions on a tip.

Every action goes through its use case (handlers/casework/, via admin/tip_actions.py) and
every read through storage.casework; both check the role and the area. This module only turns
requests into calls and results into pages. One session per request (`web.Db`), committed
once the route has answered; a tip that is not there or not for this role is answered by
admin/errors.py. A refused action is rolled back and the tip page shown again with why, with
the status of its kind. With `HX-Request` an action answers with the updated part of the page
instead of a redirect.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import HTMLResponse

from admin import auth, delivery_words, errors, tip_actions, tip_words, web
from admin.files import attachment_response
from admin.filters import filter_query, parse_filter
from content import areas, tips
from handlers import casework as cases
from handlers.casework import thanks
from handlers.casework.ports import Colleague
from handlers.casework.rules import Action
from handlers.errors import BadInput, Invalid, NotFound
from handlers.people import AdminRole, Identity
from handlers.tips.words import Resolution, TipStatus
from storage import casework, mediation, outbox
from storage.casework import QueueFilter, SqlCaseStore
from storage.db import AsyncSession

router = APIRouter(prefix="/admin", include_in_schema=False)


_ = tip_words.catalog_id
# Served inline (thumbnails); anything else, SVG included, is a download.
STATUS_TABS = (None, *(s.value for s in TipStatus), "all")
MAX_FORM_FIELD = 5000


def _render(
    request: Request, user: web.SignedIn, name: str, status: int = 200, **context: Any
) -> HTMLResponse:
    return web.page(request, user, name, status, **tip_words.helpers(user.lang), **context)


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
) -> list[Colleague]:
    """Colleagues to filter by: the user's commune, or the commune a province admin chose."""
    code = commune if identity.role is AdminRole.PROVINCE_ADMIN else identity.commune_code
    if not code:
        return []
    try:
        return await cases.colleagues(SqlCaseStore(db), identity, code)
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
        store = SqlCaseStore(db)
        colleagues = await cases.colleagues(store, user.identity, detail.commune_code)
    teams = []
    if Action.MEDIATE in detail.allowed:  # the commune's active mediation teams to pick from
        teams = await mediation.teams(db, detail.commune_code)
    # The reporter's messages not delivered yet: waiting for them to come back, or not sent.
    deliveries = delivery_words.listed(await outbox.undelivered_of_tip(db, detail.id))
    context.setdefault("can_thank", await _can_thank(db, user.identity, detail))
    context.setdefault("done", "")
    context.setdefault("error", "")
    context.setdefault("error_params", {})
    context.setdefault("failed", "")
    context.setdefault("form", {})
    return _render(
        request,
        user,
        template,
        status,
        tip=detail,
        colleagues=colleagues,
        teams=teams,
        deliveries=deliveries,
        # Every outcome, old ones included, so that any tip's outcome reads in words; the
        # close form offers only its track's (tip_words.outcomes).
        resolutions=[r.value for r in Resolution],
        **context,
    )


async def _can_thank(db: AsyncSession, identity: Identity, detail: casework.TipDetail) -> bool:
    """Whether the tip page offers the thank-you (tips/_thanks.html): the commune's chief, a
    closed useful tip not thanked yet (handlers/casework/thanks.py). Other pages cost no
    query."""
    if identity.role is not AdminRole.CHIEF or detail.status is not TipStatus.CLOSED:
        return False
    store = SqlCaseStore(db)
    return await thanks.may_thank(store, identity, await store.load(identity, detail.id))


@router.get("/tips/{tip_id}")
async def tip_page(request: Request, tip_id: str, db: web.Db, user: web.Officer) -> Response:
    done = request.query_params.get("done", "")
    return await _tip_response(
        request, db, user, tip_id, done=done if done in tip_actions.ACTIONS else ""
    )


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
    request: Request,
    tip_id: str,
    attachment_id: Annotated[int, Path(ge=1, le=2**31 - 1)],  # a bigger one is no row
    db: web.Db,
    user: web.Officer,
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
        contact = await cases.reveal_identity(
            SqlCaseStore(db, web.sealer(request)),
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
            error_params=exc.params,
            failed=Action.REVEAL.value,
            form=form,
        )
    detail = await casework.tip_detail(db, user.identity, tip_id)
    return _render(request, user, "tips/reveal.html", tip=detail, contact=contact)


@router.post("/tips/{tip_id}/{action}")
async def act(
    request: Request, tip_id: str, action: str, db: web.Db, user: web.FormOfficer
) -> Response:
    if action not in tip_actions.ACTIONS:
        raise NotFound(detail="no such action")
    form = await _form(request)
    fragment = request.headers.get("HX-Request") == "true"
    template = "tips/_tip.html" if fragment else "tips/tip.html"
    try:
        await tip_actions.run(
            action,
            SqlCaseStore(db, web.sealer(request)),
            user.identity,
            tip_id,
            form,
            auth.client_ip(request),
            workdays=web.workdays(request),
        )
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
            error_params=exc.params,
            failed=action,
            form={k: v for k, v in form.items() if k != "csrf"},
        )
    if fragment:
        return await _tip_response(request, db, user, tip_id, template=template, done=action)
    return web.redirect(f"/admin/tips/{quote(tip_id, safe='')}?{urlencode({'done': action})}")
