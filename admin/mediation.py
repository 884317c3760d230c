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

from typing import Any

from fastapi import APIRouter, Request, Response

from admin import commune_pages, web
from admin.commune_pages import CommunePages, RowId
from content import legal
from handlers.casework import mediation_teams as rules
from handlers.people import Identity
from storage.db import AsyncSession
from storage.mediation import SqlTeamStore

router = APIRouter(prefix="/admin", include_in_schema=False)
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


def _law(lang: str) -> str:
    """The Law on Grassroots Mediation's name, from the legal pack."""
    return str(legal.document("mediation_law").name.get(lang))


async def _form(request: Request) -> dict[str, str]:
    return commune_pages.fields(await request.form(), MAX_FIELD)


async def _page(
    request: Request,
    db: AsyncSession,
    user: web.SignedIn,
    commune: str,
    refused: commune_pages.Refused | None = None,
) -> Response:
    identity = user.identity
    if identity.role not in rules.READERS:
        rules.check_reads(identity, commune)  # Forbidden, before anything is shown
    context: dict[str, Any] = {
        **PAGES.context(request, user, commune, refused),
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
            commune_name=commune_pages.commune_name(commune),
            teams=found,
            manages=rules.manages(identity, commune),
            phones_hidden=not rules.sees_phones(identity, commune),
        )
    return PAGES.page(request, user, context, refused)


def _own(user: web.SignedIn, _form: dict[str, Any]) -> str:
    """A chief changes their own commune's teams: refused, their commune's page again."""
    return user.identity.commune_code


PAGES = CommunePages("/admin/mediation", "mediation", SqlTeamStore, DONE, _page, _own, _form)


@router.get("/mediation")
async def page(request: Request, db: web.Db, user: web.Officer) -> Response:
    return await PAGES.show(request, db, user)


@router.post("/mediation/add")
async def add(request: Request, db: web.Db, user: web.FormOfficer) -> Response:
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

    return await PAGES.change(request, db, user, form, change, done="added", failed="add")


@router.post("/mediation/{team_id}/edit")
async def edit(request: Request, db: web.Db, user: web.FormOfficer, team_id: RowId) -> Response:
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
    return await PAGES.change(request, db, user, form, change, done="edited", failed=failed)


@router.post("/mediation/{team_id}/deactivate")
async def deactivate(
    request: Request, db: web.Db, user: web.FormOfficer, team_id: RowId
) -> Response:
    return await PAGES.switch(request, db, user, rules.deactivate, team_id, done="deactivated")


@router.post("/mediation/{team_id}/reactivate")
async def reactivate(
    request: Request, db: web.Db, user: web.FormOfficer, team_id: RowId
) -> Response:
    return await PAGES.switch(request, db, user, rules.reactivate, team_id, done="reactivated")
