"""A commune's mediation teams (tổ hòa giải) in the panel: /admin/mediation.

The chief of the commune keeps them: adds a team, edits its name, area and members, takes it
out of use and back. An officer of the commune reads the list, members' phones included. A
province admin picks a commune of their province (`?commune=`) and reads its list read-only,
with the members' phone numbers hidden: they are personal data of the mediators, for the
commune's own police. A leader gets 403; a commune or a team outside the reader's area, 404.

Each form is one use case of handlers/casework/mediation_teams.py over `SqlTeamStore`, which
decides who may and audits the change (AuditAction.MEDIATION_TEAMS). A refused change is
rolled back and the page shown again saying why, with what was typed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Request, Response

from admin import auth, errors, web
from content import areas, legal
from handlers.casework import mediation_teams as rules
from handlers.errors import Invalid, NotFound
from handlers.people import AdminRole, Identity
from storage.db import AsyncSession
from storage.mediation import SqlTeamStore

router = APIRouter(prefix="/admin", include_in_schema=False)
Db = web.Db
Officer = web.Officer
FormOfficer = web.FormOfficer
MAX_ID = 2**31 - 1  # ids fit the INTEGER column: a huge number is a 422, not a DB error
TeamId = Annotated[int, Path(ge=1, le=MAX_ID)]
BASE = "/admin/mediation"
MAX_FIELD = 4000  # longer than any rule allows, so the use case still names the refusal


def _(msgid: str) -> str:
    """Marks a catalog id for extraction; the template translates it."""
    return msgid


DONE = {
    "added": _("panel.mediation.done.added"),
    "edited": _("panel.mediation.done.edited"),
    "deactivated": _("panel.mediation.done.deactivated"),
    "reactivated": _("panel.mediation.done.reactivated"),
}
# The refusals' words, found at run time as "panel.error.<code>" (admin/errors.py).
BUILT_IDS = (
    _("panel.error.mediation_name"),
    _("panel.error.mediation_area"),
    _("panel.error.mediation_members"),
    _("panel.error.mediation_lines"),
    _("panel.error.mediation_taken"),
)


def _link(commune: str, done: str = "") -> str:
    query = {"commune": commune, **({"done": done} if done else {})}
    return f"{BASE}?{urlencode(query)}"


def _commune_name(code: str) -> str:
    found = areas.commune(code)
    return found.name if found else code


def _choices(identity: Identity) -> list[tuple[str, str]]:
    """The communes a province admin picks among (nobody else picks)."""
    if identity.role is not AdminRole.PROVINCE_ADMIN:
        return []
    return [(c.code, c.name) for c in areas.communes_of(identity.province_code)]


def _law(lang: str) -> str:
    """The Law on Grassroots Mediation's name, from the legal pack."""
    return str(legal.document("mediation_law").name.get(lang))


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v[:MAX_FIELD] for k, v in form.items() if isinstance(v, str) and k != "csrf"}


def _refusal(error: Invalid | None, lang: str) -> str:
    if error is None:
        return ""
    return errors.error_message(error.code, errors.status_of(error), lang, error.params)


def _commune_of(request: Request, identity: Identity) -> str:
    """The commune asked for: a province admin's choice, anyone else's own (asking for
    another is answered 404 by the use case)."""
    asked = request.query_params.get("commune", "").strip()[:5]
    if identity.role is AdminRole.PROVINCE_ADMIN:
        return asked
    return asked or identity.commune_code


async def _page(
    request: Request,
    db: AsyncSession,
    user: web.SignedIn,
    commune: str,
    *,
    status: int = 200,
    error: Invalid | None = None,
    failed: str = "",
    values: dict[str, str] | None = None,
) -> Response:
    identity = user.identity
    if identity.role not in rules.READERS:
        rules.check_reads(identity, commune)  # Forbidden, before anything is shown
    context: dict[str, Any] = {
        "commune": commune,
        "communes": _choices(identity),
        "done": DONE.get(request.query_params.get("done", ""), ""),
        "error": _refusal(error, user.lang),
        "failed": failed,
        "values": values or {},
        "law": _law(user.lang),
        "min_members": rules.MIN_MEMBERS,
        "max_name": rules.MAX_NAME,
        "max_area": rules.MAX_AREA,
        "max_members": rules.MAX_MEMBERS,
        "max_lines": rules.MAX_LINES,
        "few": rules.few_members,
        "lines": rules.member_lines,
    }
    if commune:
        found = await rules.teams(SqlTeamStore(db), identity, commune)
        context.update(
            commune_name=_commune_name(commune),
            teams=found,
            manages=rules.manages(identity, commune),
            phones_hidden=not rules.sees_phones(identity, commune),
        )
    return web.page(request, user, "mediation/page.html", status, **context)


def _missing(request: Request, user: web.SignedIn, exc: NotFound) -> Response:
    return web.page(request, user, "mediation/missing.html", errors.status_of(exc))


@router.get("/mediation")
async def page(request: Request, db: Db, user: Officer) -> Response:
    try:
        return await _page(request, db, user, _commune_of(request, user.identity))
    except NotFound as exc:
        return _missing(request, user, exc)


# A change: given the store, the actor and the client's address, make it and answer the
# commune whose page to go back to.
Change = Callable[[SqlTeamStore, Identity, str], Awaitable[str]]


async def _change(
    request: Request,
    db: AsyncSession,
    user: web.SignedIn,
    form: dict[str, str],
    change: Change,
    *,
    done: str,
    failed: str = "",
) -> Response:
    """Run one audited change, then back to the commune's page with a note. Refused, the
    change is undone and the page shown again saying why, with what was typed."""
    try:
        commune = await change(SqlTeamStore(db), user.identity, auth.client_ip(request))
    except NotFound as exc:
        await db.rollback()
        return _missing(request, user, exc)
    except Invalid as exc:
        await db.rollback()
        try:
            return await _page(
                request,
                db,
                user,
                user.identity.commune_code,
                status=errors.status_of(exc),
                error=exc,
                failed=failed,
                values=form,
            )
        except NotFound as missing:
            return _missing(request, user, missing)
    return web.redirect(_link(commune, done))


@router.post("/mediation/add")
async def add(request: Request, db: Db, user: FormOfficer) -> Response:
    form = await _form(request)

    async def change(store: SqlTeamStore, actor: Identity, ip: str) -> str:
        made = await rules.add(
            store,
            actor,
            actor.commune_code,
            form.get("name", ""),
            form.get("area", ""),
            form.get("members", ""),
            ip=ip,
        )
        return made.commune_code

    return await _change(request, db, user, form, change, done="added", failed="add")


@router.post("/mediation/{team_id}/edit")
async def edit(request: Request, db: Db, user: FormOfficer, team_id: TeamId) -> Response:
    form = await _form(request)

    async def change(store: SqlTeamStore, actor: Identity, ip: str) -> str:
        edited = await rules.update(
            store,
            actor,
            team_id,
            form.get("name", ""),
            form.get("area", ""),
            form.get("members", ""),
            ip=ip,
        )
        return edited.commune_code

    failed = f"edit-{team_id}"
    return await _change(request, db, user, form, change, done="edited", failed=failed)


@router.post("/mediation/{team_id}/deactivate")
async def deactivate(request: Request, db: Db, user: FormOfficer, team_id: TeamId) -> Response:
    async def change(store: SqlTeamStore, actor: Identity, ip: str) -> str:
        return (await rules.deactivate(store, actor, team_id, ip=ip)).commune_code

    return await _change(request, db, user, await _form(request), change, done="deactivated")


@router.post("/mediation/{team_id}/reactivate")
async def reactivate(request: Request, db: Db, user: FormOfficer, team_id: TeamId) -> Response:
    async def change(store: SqlTeamStore, actor: Identity, ip: str) -> str:
        return (await rules.reactivate(store, actor, team_id, ip=ip)).commune_code

    return await _change(request, db, user, await _form(request), change, done="reactivated")
