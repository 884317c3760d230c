"""A commune's neighbourhoods in the panel (/admin/neighbourhoods): the list, adding, renaming,
retiring and bringing back, which neighbourhoods each leader speaks for (and unlinking the chat
a leader composes from), and whether the police approve leaders' notices.

Each form is one use case of handlers/neighbourhoods/manage.py over the request's
`SqlNeighbourhoodStore`, which decides who may (a chief, or a province admin for the communes
of their province) and audits the change. A chief, an officer and a leader see their own
commune; a province admin picks one of their province first (`?commune=`). A refused change
is rolled back and the page shown again saying why, with what was typed; a commune or a
neighbourhood outside the reader's area is the panel's 404, as a tip outside it is."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from admin import api_chat_links, commune_pages, web
from admin.commune_pages import MAX_ID, CommunePages
from handlers import chat_links
from handlers.errors import BadInput
from handlers.neighbourhoods import manage
from handlers.neighbourhoods.rules import MANAGERS, MAX_CODE, MAX_NAME, MIN_NAME
from handlers.people import AdminRole, Identity
from storage.chat_links import SqlChatLinks
from storage.db import AsyncSession
from storage.neighbourhoods import SqlNeighbourhoodStore

router = APIRouter(prefix="/admin", include_in_schema=False)
Db = web.Db
Officer = web.Officer
FormOfficer = web.FormOfficer
RowId = commune_pages.RowId
MAX_FIELD = 1000  # longer than any rule allows, so the use case still names the refusal


def _(msgid: str) -> str:
    """Marks a catalog id for extraction; the template translates it."""
    return msgid


DONE = {
    "added": _("panel.neighbourhoods.done.added"),
    "renamed": _("panel.neighbourhoods.done.renamed"),
    "retired": _("panel.neighbourhoods.done.retired"),
    "restored": _("panel.neighbourhoods.done.restored"),
    "leader": _("panel.neighbourhoods.done.leader"),
    "approval": _("panel.neighbourhoods.done.approval"),
    "chat_unlinked": _("panel.neighbourhoods.done.chat_unlinked"),
}


async def _form(request: Request) -> dict[str, Any]:
    """The posted fields as text cut to a sane length, and the chosen neighbourhoods."""
    form = await request.form()
    fields: dict[str, Any] = commune_pages.fields(form, MAX_FIELD)
    fields["neighbourhood"] = [v for v in form.getlist("neighbourhood") if isinstance(v, str)]
    return fields


def _ids(raw: list[str]) -> list[int]:
    """The ticked neighbourhoods' ids; anything else was not sent by the page (and "²" is a
    digit to `str.isdigit`, not to `int`)."""
    if not all(v.isascii() and v.isdigit() and len(v) <= 10 and 1 <= int(v) <= MAX_ID for v in raw):
        raise BadInput(detail="a neighbourhood is an id")
    return [int(v) for v in raw]


async def _page(
    request: Request,
    db: AsyncSession,
    user: web.SignedIn,
    commune: str,
    refused: commune_pages.Refused | None = None,
) -> Response:
    """The commune's page (or, for a province admin who has not picked one, the picker).
    Each part is read through its use case, so a role sees what it may read and no more."""
    identity = user.identity
    context: dict[str, Any] = {
        **PAGES.context(request, user, commune, refused),
        "min_name": MIN_NAME,
        "max_name": MAX_NAME,
        "max_code": MAX_CODE,
    }
    if commune:
        store = SqlNeighbourhoodStore(db)
        manages = identity.role in MANAGERS
        context.update(
            commune_name=commune_pages.commune_name(commune),
            neighbourhoods=await manage.neighbourhoods(store, identity, commune),
            manages=manages,
            approval=(
                None
                if identity.role is AdminRole.LEADER
                else await manage.approval(store, identity, commune)
            ),
            leaders=await manage.leaders(store, identity, commune) if manages else [],
            chats=await _chats(db, identity, commune) if manages else {},
        )
    return PAGES.page(request, user, context, refused)


async def _chats(
    db: AsyncSession, identity: Identity, commune: str
) -> dict[int, list[dict[str, str]]]:
    """The chats each of the commune's leaders composes from (handlers/chat_links.py)."""
    found = await chat_links.commune_chats(SqlChatLinks(db), identity, commune)
    return {leader_id: api_chat_links.shown(chats) for leader_id, chats in found.items()}


def _commune(form: dict[str, Any]) -> str:
    return str(form.get("commune", "")).strip()[:5]


def _named(_user: web.SignedIn, form: dict[str, Any]) -> str:
    """Refused, the page of the commune the form names again."""
    return _commune(form)


PAGES = CommunePages(
    "/admin/neighbourhoods", "neighbourhoods", SqlNeighbourhoodStore, DONE, _page, _named, _form
)


@router.get("/neighbourhoods")
async def page(request: Request, db: Db, user: Officer) -> Response:
    return await PAGES.show(request, db, user)


@router.post("/neighbourhoods/add")
async def add(request: Request, db: Db, user: FormOfficer) -> Response:
    form = await _form(request)

    async def change(store: SqlNeighbourhoodStore, actor: Identity, ip: str) -> str:
        name, code = form.get("name", ""), form.get("code", "")
        made = await manage.add(store, actor, _commune(form), name, code, ip=ip)
        return made.commune_code

    return await PAGES.change(request, db, user, form, change, done="added", failed="add")


@router.post("/neighbourhoods/{neighbourhood_id}/rename")
async def rename(request: Request, db: Db, user: FormOfficer, neighbourhood_id: RowId) -> Response:
    form = await _form(request)

    async def change(store: SqlNeighbourhoodStore, actor: Identity, ip: str) -> str:
        name, code = form.get("name", ""), form.get("code", "")
        renamed = await manage.rename(store, actor, neighbourhood_id, name, code, ip=ip)
        return renamed.commune_code

    failed = f"rename-{neighbourhood_id}"
    return await PAGES.change(request, db, user, form, change, done="renamed", failed=failed)


@router.post("/neighbourhoods/{neighbourhood_id}/retire")
async def retire(request: Request, db: Db, user: FormOfficer, neighbourhood_id: RowId) -> Response:
    return await PAGES.switch(request, db, user, manage.retire, neighbourhood_id, done="retired")


@router.post("/neighbourhoods/{neighbourhood_id}/restore")
async def restore(request: Request, db: Db, user: FormOfficer, neighbourhood_id: RowId) -> Response:
    return await PAGES.switch(request, db, user, manage.restore, neighbourhood_id, done="restored")


@router.post("/neighbourhoods/approval")
async def approval(request: Request, db: Db, user: FormOfficer) -> Response:
    form = await _form(request)
    required = form.get("required") == "1"

    async def change(store: SqlNeighbourhoodStore, actor: Identity, ip: str) -> str:
        await manage.set_approval(store, actor, _commune(form), required, ip=ip)
        return _commune(form)

    return await PAGES.change(request, db, user, form, change, done="approval", failed="approval")


@router.post("/neighbourhoods/leaders/{leader_id}")
async def leader(request: Request, db: Db, user: FormOfficer, leader_id: RowId) -> Response:
    form = await _form(request)

    async def change(store: SqlNeighbourhoodStore, actor: Identity, ip: str) -> str:
        wanted = _ids(form["neighbourhood"])
        await manage.bind(store, actor, _commune(form), leader_id, wanted, ip=ip)
        return _commune(form)

    failed = f"leader-{leader_id}"
    return await PAGES.change(request, db, user, form, change, done="leader", failed=failed)


@router.post("/neighbourhoods/leaders/{leader_id}/chat-links/{channel}/unlink")
async def unlink_chat(
    request: Request,
    db: Db,
    user: FormOfficer,
    leader_id: RowId,
    channel: api_chat_links.Channel,
) -> Response:
    """A leader's chat no longer composes for them: unlinked by the commune's chief (or an
    admin of its province), audited; a leader out of reach is 404."""

    async def change(_store: SqlNeighbourhoodStore, actor: Identity, _ip: str) -> str:
        leader = await api_chat_links.unlink(request, db, actor, leader_id, channel)
        return leader.commune_code

    return await PAGES.change(request, db, user, await _form(request), change, done="chat_unlinked")
