"""Panel pages of broadcasts: the list (police first see what waits for their approval), the
compose form with its preview, one broadcast with what became of its messages, and the
decisions on it (approve, reject, cancel).

Every role opens these pages: a leader sends notices to their neighbourhoods and reads what
they sent; the police read and send what reaches their area. Each change goes through its use
case (handlers/broadcasts/) over `SqlBroadcastStore` on the request's session (`web.Db`,
committed once the route has answered). Forms are checked with `web.FormOfficer`, which takes
any signed-in role: a leader cancels their own notice with it, and the use cases refuse
whatever a role may not do. A refused change is rolled back and its page shown again with why,
with the status of its kind and what was typed; with `HX-Request` a decision answers with the
updated part of the page instead of a redirect.

A broadcast may carry one photo (handlers/broadcasts/photo.py). The compose form is
multipart; a file chosen there is checked and kept in the blob store at once, so that a refused
one is said on the form with everything typed, and an accepted one is carried through the
preview by a sealed hidden field (`_sealed`: its reference and type with a MAC bound to the
session), never by a reference the form could name freely: the store also holds tips' files.
The photo is served to the panel only: the draft's to its sender's session, a broadcast's to
whoever may read the broadcast (the detail page's rule), as admin/files.py serves a tip's.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from admin import auth, broadcast_words, errors, spike_suggestions, web
from admin.api_broadcasts import limits_of
from admin.broadcast_forms import (
    MAX_FORM_BODY,
    KeptPhoto,
    Typed,
    choices,
    chosen_file,
    preview,
    read_photo,
)
from handlers.accounts.ports import Account
from handlers.broadcasts import area, compose, decide, read
from handlers.broadcasts.ports import Broadcast
from handlers.broadcasts.words import MAX_REASON, BroadcastStatus, Counts
from handlers.errors import DomainError, NotFound
from handlers.people import AdminRole, Identity
from storage import admin_users
from storage.broadcasts import SqlBroadcastStore, photos
from storage.db import AsyncSession

router = APIRouter(prefix="/admin", include_in_schema=False)
LIST = "/admin/broadcasts"
PAGE = 20
ACTIONS = ("approve", "reject", "cancel")
UNSENT = (BroadcastStatus.PENDING, BroadcastStatus.REJECTED)  # nothing was ever queued
PHOTO_SEAL = "broadcast-photo"  # the purpose of a kept photo's MAC (auth.csrf_token)
PHOTO_TYPES = frozenset({"image/jpeg", "image/png"})


def _render(
    request: Request, user: web.SignedIn, name: str, status: int = 200, **context: Any
) -> HTMLResponse:
    return web.page(request, user, name, status, **broadcast_words.helpers(user.lang), **context)


def _police(identity: Identity) -> bool:
    return identity.role is not AdminRole.LEADER


def _refusal(exc: DomainError, lang: str) -> dict[str, Any]:
    """The error a page shows: its words' id and their parameters, counts grouped."""
    params = {
        k: broadcast_words.number(v, lang) if isinstance(v, int) else v
        for k, v in exc.params.items()
    }
    return {"error": broadcast_words.error_id(exc.code), "error_params": params}


async def _progresses(store: SqlBroadcastStore, broadcasts: list[Broadcast]) -> list[read.Progress]:
    """Listed broadcasts with their counts, in one query (asked only of those that went out)."""
    counts = await store.counts_of([b.id for b in broadcasts if b.status not in UNSENT])
    return [read.Progress(b, counts.get(b.id, Counts())) for b in broadcasts]


# -- the list -------------------------------------------------------------------------------


@router.get("/broadcasts")
async def list_page(request: Request, db: web.Db, user: web.Officer) -> Response:
    identity, store = user.identity, SqlBroadcastStore(db)
    before = request.query_params.get("before", "").strip()[:36]
    waiting: list[read.Progress] = []
    if _police(identity) and not before:
        pending = await read.listing(store, identity, status="pending", limit=read.MAX_LIST)
        waiting = await _progresses(store, pending)
    found = await read.listing(store, identity, before=before, limit=PAGE + 1)
    items = await _progresses(store, found[:PAGE])
    older = f"{LIST}?{urlencode({'before': items[-1].broadcast.id})}" if len(found) > PAGE else ""
    done = request.query_params.get("done", "")
    return _render(
        request,
        user,
        "broadcasts/list.html",
        waiting=waiting,
        items=items,
        older=older,
        first_page=not before,
        police=_police(identity),
        done=done if done in broadcast_words.DONE else "",
        max_reason=MAX_REASON,
        spikes=await spike_suggestions.for_list(request, db, user) if not before else None,
    )


# -- composing ------------------------------------------------------------------------------


async def _compose_page(
    request: Request,
    db: AsyncSession,
    user: web.SignedIn,
    typed: Typed,
    *,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    offered = await choices(SqlBroadcastStore(db), user.identity, typed)
    context.setdefault("error", "")
    return _render(
        request,
        user,
        "broadcasts/new.html",
        status,
        typed=typed,
        length=typed.length(),
        choices=offered,
        **context,
    )


def _compose_refusal(exc: DomainError, lang: str) -> dict[str, Any]:
    """An area outside the sender's is NotFound: on the form it says the area is not theirs."""
    shown = _refusal(exc, lang)
    if isinstance(exc, NotFound):
        shown["error"] = broadcast_words.error_id("area")
    return shown


def _seal_mac(request: Request, user: web.SignedIn, value: str) -> str:
    return auth.csrf_token(auth.settings_of(request), PHOTO_SEAL, f"{user.token} {value}")


def _sealed(request: Request, user: web.SignedIn, ref: str, mime: str) -> KeptPhoto:
    """A photo just kept, with the seal the form carries it by."""
    value = f"{ref} {mime}"
    return KeptPhoto(ref, mime, f"{value} {_seal_mac(request, user, value)}")


def _unsealed(request: Request, user: web.SignedIn, sealed: object) -> KeptPhoto | None:
    """The photo a form (or the draft photo's address) carries, if this session sealed it;
    None for none, or for a seal that is not this session's."""
    if not isinstance(sealed, str):
        return None
    parts = sealed.split(" ")
    if len(parts) != 3:
        return None
    ref, mime, mac = parts
    binding = f"{user.token} {ref} {mime}"
    if mime not in PHOTO_TYPES or not auth.csrf_valid(
        auth.settings_of(request), PHOTO_SEAL, binding, mac
    ):
        return None
    return KeptPhoto(ref, mime, sealed)


def _carried(request: Request, user: web.SignedIn, form: FormData) -> Typed:
    """What was typed, with the photo the form carries unless the sender removed it."""
    typed = Typed.of(form)
    if form.get("photo_drop"):
        return typed
    return typed.with_photo(_unsealed(request, user, form.get("photo_kept")))


async def _with_chosen(request: Request, user: web.SignedIn, form: FormData, typed: Typed) -> Typed:
    """`typed` with the file chosen in this form, checked and kept: it replaces a carried
    photo. BadInput (nothing kept) for a file that is no photo (photo.py)."""
    upload = chosen_file(form)
    if upload is None:
        return typed
    store = request.app.state.runtime.media.store
    ref, mime = await photos.keep(store, await read_photo(upload))
    return typed.with_photo(_sealed(request, user, ref, mime))


def _photo_response(data: bytes, mime: str) -> Response:
    """A photo for the panel's <img>: never run, sniffed or cached (admin/files.py)."""
    return Response(
        data,
        media_type=mime if mime in PHOTO_TYPES else "application/octet-stream",
        headers={
            **web.SECURITY_HEADERS,
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Content-Disposition": "inline",
        },
    )


@router.get("/broadcasts/new")
async def compose_page(request: Request, db: web.Db, user: web.Officer) -> Response:
    # A spike suggestion's button opens the form with its notice typed (spike_suggestions.py).
    typed = spike_suggestions.prefilled(user.identity, request.query_params)
    return await _compose_page(request, db, user, typed or Typed(), from_spike=typed is not None)


@router.post("/broadcasts/new", max_body_size=MAX_FORM_BODY)
async def compose_step(request: Request, db: web.Db, user: web.FormOfficer) -> Response:
    """The form's steps before sending: the preview, or the form again (to edit after the
    preview, or to list the neighbourhoods of the communes a province admin chose). A file
    chosen is kept at either step; a refused one is said on the form."""
    form = await request.form()
    typed = _carried(request, user, form)
    try:
        typed = await _with_chosen(request, user, form, typed)
        wanted = form.get("step") == "preview"
        shown = await preview(SqlBroadcastStore(db), user.identity, typed) if wanted else None
    except DomainError as exc:
        refusal = _compose_refusal(exc, user.lang)
        return await _compose_page(
            request, db, user, typed, status=errors.status_of(exc), **refusal
        )
    if shown is None:
        return await _compose_page(request, db, user, typed)
    return _render(request, user, "broadcasts/preview.html", typed=typed, preview=shown)


@router.get("/broadcasts/new/photo")
async def draft_photo(request: Request, user: web.Officer) -> Response:
    """The photo of the form being composed, to its sender's session only (by its seal)."""
    kept = _unsealed(request, user, request.query_params.get("kept", ""))
    data = await photos.read(request.app.state.runtime.media.store, kept.ref) if kept else None
    if kept is None or data is None:
        return _missing(request, user)
    return _photo_response(data, kept.mime)


@router.post("/broadcasts", max_body_size=MAX_FORM_BODY)
async def send(request: Request, db: web.Db, user: web.FormOfficer) -> Response:
    form = await request.form()
    typed = _carried(request, user, form)
    try:
        typed = await _with_chosen(request, user, form, typed)
        made = await compose.compose(
            SqlBroadcastStore(db),
            user.identity,
            typed.draft(),
            limits=limits_of(request),
            ip=auth.client_ip(request),
        )
    except DomainError as exc:
        await db.rollback()
        refusal = _compose_refusal(exc, user.lang)
        return await _compose_page(
            request, db, user, typed, status=errors.status_of(exc), **refusal
        )
    done = "pending" if made.status is BroadcastStatus.PENDING else "sent"
    return web.redirect(_detail_url(made.id, done))


# -- one broadcast ----------------------------------------------------------------------------


def _detail_url(broadcast_id: str, done: str = "") -> str:
    url = f"{LIST}/{quote(broadcast_id, safe='')}"
    return f"{url}?{urlencode({'done': done})}" if done else url


def _offers(identity: Identity, progress: read.Progress) -> frozenset[str]:
    """The decisions the page offers the reader; the use cases decide all the same."""
    b, found = progress.broadcast, set()
    if b.status is BroadcastStatus.PENDING and _police(identity) and b.sender_id != identity.id:
        found |= {"approve", "reject"}
    live = b.status is BroadcastStatus.PENDING or progress.shown_status == "sending"
    if live and (_police(identity) or b.sender_id == identity.id):
        found.add("cancel")
    return frozenset(found)


async def _who(db: AsyncSession, user_id: int | None) -> Account | None:
    """A sender's or a decider's account, for the police who read the page."""
    return None if user_id is None else await admin_users.account(db, user_id)


async def _neighbourhood_names(store: SqlBroadcastStore, b: Broadcast) -> list[str]:
    """The names of the neighbourhoods it addresses, in the sender's order; one retired since
    is left out (the commune still names the place)."""
    if not b.neighbourhoods:
        return []
    named = {n.id: n.name for n in await store.neighbourhoods(b.communes)}
    return [named[n] for n in b.neighbourhoods if n in named]


async def _detail(
    request: Request,
    db: AsyncSession,
    user: web.SignedIn,
    broadcast_id: str,
    *,
    template: str = "broadcasts/detail.html",
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    store, identity = SqlBroadcastStore(db), user.identity
    progress = await read.progress(store, identity, broadcast_id)
    b = progress.broadcast
    police = _police(identity)
    for key in ("done", "error", "failed"):
        context.setdefault(key, "")
    context.setdefault("error_params", {})
    context.setdefault("reason", "")
    return _render(
        request,
        user,
        template,
        status,
        progress=progress,
        b=b,
        neighbourhoods=await _neighbourhood_names(store, b),
        police=police,
        # The police may read who sent or decided (a leader reads the decider's role only);
        # residents never see either.
        sender=await _who(db, b.sender_id) if police else None,
        decider=await _who(db, b.decided_by),
        offers=_offers(identity, progress),
        max_reason=MAX_REASON,
        **context,
    )


def _missing(request: Request, user: web.SignedIn) -> HTMLResponse:
    return _render(request, user, "broadcasts/missing.html", errors.status_of(NotFound()))


@router.get("/broadcasts/{broadcast_id}")
async def detail_page(
    request: Request, broadcast_id: str, db: web.Db, user: web.Officer
) -> Response:
    done = request.query_params.get("done", "")
    try:
        return await _detail(
            request, db, user, broadcast_id, done=done if done in broadcast_words.DONE else ""
        )
    except NotFound:
        return _missing(request, user)


@router.get("/broadcasts/{broadcast_id}/photo")
async def photo(request: Request, broadcast_id: str, db: web.Db, user: web.Officer) -> Response:
    """A broadcast's photo, to whoever may read the broadcast (404 as its page otherwise)."""
    try:
        b = await area.visible(SqlBroadcastStore(db), user.identity, broadcast_id)
    except NotFound:
        return _missing(request, user)
    store = request.app.state.runtime.media.store
    data = await photos.read(store, b.photo_ref) if b.photo_ref else None
    if data is None:
        return _missing(request, user)
    return _photo_response(data, b.photo_mime)


@router.get("/broadcasts/{broadcast_id}/progress")
async def progress_part(request: Request, broadcast_id: str, db: web.Db) -> Response:
    """The status and counts alone, polled by the page while the broadcast is sending."""
    user = await web.signed_in(request, db)
    if user is None:  # signed out meanwhile: the whole page goes to the sign-in form
        if request.headers.get("HX-Request"):
            return Response(status_code=204, headers={"HX-Redirect": web.HOME})
        return web.redirect()
    try:
        return await _detail(request, db, user, broadcast_id, template="broadcasts/_progress.html")
    except NotFound:
        return _missing(request, user)


async def _decide(
    request: Request, db: AsyncSession, who: Identity, broadcast_id: str, action: str, reason: str
) -> None:
    store, ip = SqlBroadcastStore(db), auth.client_ip(request)
    if action == "approve":
        await decide.approve(store, who, broadcast_id, ip=ip)
    elif action == "reject":
        await decide.reject(store, who, broadcast_id, reason, ip=ip)
    else:
        await decide.cancel(store, who, broadcast_id, ip=ip)


@router.post("/broadcasts/{broadcast_id}/{action}")
async def act(
    request: Request, broadcast_id: str, action: str, db: web.Db, user: web.FormOfficer
) -> Response:
    if action not in ACTIONS:
        raise NotFound(detail="no such action")
    form = await request.form()
    reason = form.get("reason", "")
    reason = reason[: MAX_REASON * 4] if isinstance(reason, str) else ""
    fragment = request.headers.get("HX-Request") == "true"
    template = "broadcasts/_broadcast.html" if fragment else "broadcasts/detail.html"
    try:
        await _decide(request, db, user.identity, broadcast_id, action, reason)
    except NotFound:
        await db.rollback()
        return _missing(request, user)
    except DomainError as exc:
        await db.rollback()
        return await _detail(
            request,
            db,
            user,
            broadcast_id,
            template=template,
            status=errors.status_of(exc),
            failed=action,
            reason=reason,
            **_refusal(exc, user.lang),
        )
    if fragment:
        return await _detail(request, db, user, broadcast_id, template=template, done=action)
    if form.get("back") == "list":
        return web.redirect(f"{LIST}?{urlencode({'done': action})}")
    return web.redirect(_detail_url(broadcast_id, action))
