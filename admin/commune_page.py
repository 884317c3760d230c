"""The commune's own page in the panel (issue 21): /admin/commune-page.

What residents get from the bot's "📞 Liên hệ Công an xã/phường" (handlers/police_contact.py):
the unit's phone, address, opening hours and note, and the public contacts of the commune's
neighbourhood leaders and mediation teams. The chief of the commune keeps it; an officer of
the commune reads it; a province admin picks a commune of their province (`?commune=`) and
reads it; a leader gets 403; a commune or a contact outside the reader's area, 404. The page
says that all of it is public, and shows the card as residents will read it.

Each form is one use case of handlers/commune_page.py over `SqlCommunePages`, which decides
who may and audits the change (AuditAction.COMMUNE_PAGE); the forms share the commune lists'
way (admin/commune_pages.py): a refused change is rolled back and the page shown again saying
why, with what was typed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import APIRouter, Request, Response

from admin import commune_pages, web
from admin.commune_pages import CommunePages, RowId
from admin.timefmt import local_time
from handlers import commune_page as rules
from handlers.errors import BadInput
from handlers.people import Identity
from storage.commune_page import SqlCommunePages
from storage.db import AsyncSession

router = APIRouter(prefix="/admin", include_in_schema=False)
BASE = "/admin/commune-page"
MAX_FIELD = 1000  # longer than any rule allows, so the use case still names the refusal
# The refusals that say how long a field is, and the field each is about.
LENGTHS = {
    "commune_page_address": "address",
    "commune_page_hours": "hours",
    "commune_page_note": "note",
    "commune_contact_area": "area",
}


def _(msgid: str) -> str:
    """Marks a catalog id for extraction; the template translates it."""
    return msgid


DONE = {
    "saved": _("panel.commune_page.done.saved"),
    "added": _("panel.commune_page.done.added"),
    "edited": _("panel.commune_page.done.edited"),
    "removed": _("panel.commune_page.done.removed"),
}
# The refusals' words, found at run time as "panel.error.<code>" (admin/errors.py).
BUILT_IDS = (
    _("panel.error.commune_page_phone"),
    _("panel.error.commune_page_address"),
    _("panel.error.commune_page_hours"),
    _("panel.error.commune_page_note"),
    _("panel.error.commune_page_screen"),
    _("panel.error.commune_contact_kind"),
    _("panel.error.commune_contact_name"),
    _("panel.error.commune_contact_area"),
    _("panel.error.commune_contact_phone"),
    _("panel.error.commune_contact_position"),
    _("panel.error.commune_contact_consent"),
    _("panel.error.commune_contacts_full"),
    _("panel.error.commune_text_phone"),
    _("panel.error.commune_contact_area_words"),
    _("panel.error.commune_contact_listed"),
)


async def _form(request: Request) -> dict[str, str]:
    return commune_pages.fields(await request.form(), MAX_FIELD)


async def _lengths(request: Request) -> dict[str, int]:
    """How long each posted text field was, before `_form` cut it."""
    return {k: len(v) for k, v in (await request.form()).items() if isinstance(v, str)}


@contextmanager
def _told_lengths(lengths: dict[str, int]) -> Iterator[None]:
    """A field refused as too long is said to have the length it was typed with, not the
    length `_form` cut it to ("10000", not "1000")."""
    try:
        yield
    except BadInput as exc:
        field = LENGTHS.get(exc.code, "")
        if "length" in exc.params and lengths.get(field, 0) > MAX_FIELD:
            exc.params["length"] = lengths[field]
        raise


def _typed(form: dict[str, str]) -> rules.Typed:
    return rules.Typed(
        kind=form.get("kind", ""),
        name=form.get("name", ""),
        area=form.get("area", ""),
        phone=form.get("phone", ""),
        position=form.get("position", ""),
        agreed=form.get("agreed") == "1",
    )


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
        "kinds": [(kind.value, words) for kind, words in rules.KIND_WORDS.items()],
        "kind_words": rules.KIND_WORDS,
        "max_address": rules.MAX_ADDRESS,
        "max_hours": rules.MAX_HOURS,
        "max_note": rules.MAX_NOTE,
        "max_name": rules.MAX_NAME,
        "max_area": rules.MAX_AREA,
        "max_contacts": rules.MAX_CONTACTS,
        "max_position": rules.MAX_POSITION,
        "shown": rules.shown_phone,
    }
    if commune:
        found = await rules.page_of(SqlCommunePages(db), identity, commune)
        name = commune_pages.commune_name(commune)
        unit = found.page
        context.update(
            commune_name=name,
            unit=unit,
            contacts=found.contacts,
            manages=rules.manages(identity, commune),
            preview=rules.card_text(unit, name, user.lang, anything=not found.empty),
            updated=local_time(unit.updated_at) if unit.updated_at else "",
        )
    return PAGES.page(request, user, context, refused)


def _own(user: web.SignedIn, _form: dict[str, Any]) -> str:
    """A chief changes their own commune's page: refused, their commune's page again."""
    return user.identity.commune_code


PAGES = CommunePages(BASE, "commune_page", SqlCommunePages, DONE, _page, _own, _form)


@router.get("/commune-page")
async def page(request: Request, db: web.Db, user: web.Officer) -> Response:
    return await PAGES.show(request, db, user)


@router.post("/commune-page/save")
async def save(request: Request, db: web.Db, user: web.FormOfficer) -> Response:
    form, lengths = await _form(request), await _lengths(request)

    async def change(store: SqlCommunePages, actor: Identity, ip: str) -> str:
        commune = actor.commune_code
        with _told_lengths(lengths):
            await rules.save(
                store,
                actor,
                commune,
                commune_pages.commune_name(commune),
                phone=form.get("phone", ""),
                address=form.get("address", ""),
                hours=form.get("hours", ""),
                note=form.get("note", ""),
                ip=ip,
            )
        return commune

    return await PAGES.change(request, db, user, form, change, done="saved", failed="unit")


@router.post("/commune-page/contacts/add")
async def add(request: Request, db: web.Db, user: web.FormOfficer) -> Response:
    form, lengths = await _form(request), await _lengths(request)

    async def change(store: SqlCommunePages, actor: Identity, ip: str) -> str:
        with _told_lengths(lengths):
            made = await rules.add_contact(store, actor, actor.commune_code, _typed(form), ip=ip)
        return made.commune_code

    return await PAGES.change(request, db, user, form, change, done="added", failed="add")


@router.post("/commune-page/contacts/{contact_id}/edit")
async def edit(request: Request, db: web.Db, user: web.FormOfficer, contact_id: RowId) -> Response:
    form, lengths = await _form(request), await _lengths(request)

    async def change(store: SqlCommunePages, actor: Identity, ip: str) -> str:
        with _told_lengths(lengths):
            edited = await rules.update_contact(store, actor, contact_id, _typed(form), ip=ip)
        return edited.commune_code

    failed = f"edit-{contact_id}"
    return await PAGES.change(request, db, user, form, change, done="edited", failed=failed)


@router.post("/commune-page/contacts/{contact_id}/remove")
async def remove(
    request: Request, db: web.Db, user: web.FormOfficer, contact_id: RowId
) -> Response:
    return await PAGES.switch(request, db, user, rules.remove_contact, contact_id, done="removed")
