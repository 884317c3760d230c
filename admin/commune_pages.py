"""What the panel's pages of one commune's lists share: /admin/neighbourhoods
(admin/neighbourhoods.py) and /admin/mediation (admin/mediation.py).

A chief, an officer and a leader see their own commune; a province admin picks one of their
province first (`?commune=`; the pages share admin/templates/_commune_list.html). Each form is
one audited change: done, back to the commune's page with a note (`?done=`); refused, the
change is rolled back and the page shown again saying why, with what was typed; a commune or
an entry outside the reader's area is the page's own 404 ("<folder>/missing.html")."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Generic, Protocol, TypeVar
from urllib.parse import urlencode

from fastapi import Path, Request, Response
from starlette.datastructures import FormData

from admin import auth, errors, web
from content import areas
from handlers.errors import Invalid, NotFound
from handlers.people import AdminRole, Identity
from storage.db import AsyncSession

# Ids fit the INTEGER columns, so a huge number is a 422, never a database error.
MAX_ID = 2**31 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]

S = TypeVar("S")
S_contra = TypeVar("S_contra", contravariant=True)


@dataclass(frozen=True)
class Refused:
    """A refused change: why, which form (the page's key for it, "" for a button), and what
    was typed into it."""

    error: Invalid
    failed: str
    values: dict[str, Any]


class Render(Protocol):
    """A page's renderer: the commune's page (or, for a province admin who has not picked
    one, the picker), shown again after a refusal saying why, with what was typed."""

    async def __call__(
        self,
        request: Request,
        db: AsyncSession,
        user: web.SignedIn,
        commune: str,
        refused: Refused | None = None,
    ) -> Response: ...


class Entry(Protocol):
    """An entry of a commune's list, as a use case answers it."""

    @property
    def commune_code(self) -> str: ...


class Switch(Protocol[S_contra]):
    """A use case that changes one entry by its id, nothing typed: takes it out of use or
    brings it back."""

    async def __call__(
        self, store: S_contra, actor: Identity, entry_id: int, /, *, ip: str
    ) -> Entry: ...


def commune_name(code: str) -> str:
    found = areas.commune(code)
    return found.name if found else code


def choices(identity: Identity) -> list[tuple[str, str]]:
    """The communes a province admin picks among (nobody else picks)."""
    if identity.role is not AdminRole.PROVINCE_ADMIN:
        return []
    return [(c.code, c.name) for c in areas.communes_of(identity.province_code)]


def commune_of(request: Request, identity: Identity) -> str:
    """The commune asked for: a province admin's choice, anyone else's own (asking for
    another is answered 404 by the use case)."""
    asked = request.query_params.get("commune", "").strip()[:5]
    if identity.role is AdminRole.PROVINCE_ADMIN:
        return asked
    return asked or identity.commune_code


def refusal(error: Invalid | None, lang: str) -> str:
    """Why a change was refused, in words (the catalogs' "panel.error.<code>")."""
    if error is None:
        return ""
    return errors.error_message(error.code, errors.status_of(error), lang, error.params)


def fields(form: FormData, max_field: int) -> dict[str, str]:
    """The posted text fields but the CSRF token, each cut to `max_field` characters (longer
    than any rule allows, so the use case still names the refusal)."""
    return {k: v[:max_field] for k, v in form.items() if isinstance(v, str) and k != "csrf"}


@dataclass(frozen=True)
class CommunePages(Generic[S]):
    """One list's pages: its address, its templates' folder, its store over the request's
    session, its notes after a change (by their `done` word), its page's renderer, the
    commune whose page a refused form shows again (`back(user, form)`) and how a posted
    form is read."""

    base: str
    folder: str
    store: Callable[[AsyncSession], S]
    notes: Mapping[str, str]
    render: Render
    back: Callable[[web.SignedIn, dict[str, Any]], str]
    form: Callable[[Request], Awaitable[dict[str, Any]]]

    def link(self, commune: str, done: str = "") -> str:
        query = {"commune": commune, **({"done": done} if done else {})}
        return f"{self.base}?{urlencode(query)}"

    def context(
        self, request: Request, user: web.SignedIn, commune: str, refused: Refused | None
    ) -> dict[str, Any]:
        """What every such page shows: the commune, the picker, the note or the refusal,
        and what was typed into the refused form."""
        return {
            "commune": commune,
            "communes": choices(user.identity),
            "done": self.notes.get(request.query_params.get("done", ""), ""),
            "error": refusal(refused.error if refused else None, user.lang),
            "failed": refused.failed if refused else "",
            "values": refused.values if refused else {},
        }

    def page(
        self,
        request: Request,
        user: web.SignedIn,
        context: dict[str, Any],
        refused: Refused | None,
    ) -> Response:
        status = errors.status_of(refused.error) if refused else 200
        return web.page(request, user, f"{self.folder}/page.html", status, **context)

    def missing(self, request: Request, user: web.SignedIn, exc: NotFound) -> Response:
        """A commune or an entry outside the reader's area, in this page's own words."""
        return web.page(request, user, f"{self.folder}/missing.html", errors.status_of(exc))

    async def show(self, request: Request, db: AsyncSession, user: web.SignedIn) -> Response:
        """The page of the commune asked for."""
        try:
            return await self.render(request, db, user, commune_of(request, user.identity))
        except NotFound as exc:
            return self.missing(request, user, exc)

    async def change(
        self,
        request: Request,
        db: AsyncSession,
        user: web.SignedIn,
        form: dict[str, Any],
        change: Callable[[S, Identity, str], Awaitable[str]],
        *,
        done: str,
        failed: str = "",
    ) -> Response:
        """Run one audited change (given the store, the actor and the client's address, it
        makes it and answers the commune whose page to go back to), then back to that page
        with a note. Refused, the change is undone and the page shown again saying why,
        with what was typed."""
        try:
            commune = await change(self.store(db), user.identity, auth.client_ip(request))
        except NotFound as exc:
            await db.rollback()
            return self.missing(request, user, exc)
        except Invalid as exc:
            await db.rollback()
            refused = Refused(exc, failed, form)
            try:
                return await self.render(request, db, user, self.back(user, form), refused)
            except NotFound as missing:  # the form named a commune outside the area
                return self.missing(request, user, missing)
        return web.redirect(self.link(commune, done))

    async def switch(
        self,
        request: Request,
        db: AsyncSession,
        user: web.SignedIn,
        use_case: Switch[S],
        entry_id: int,
        *,
        done: str,
    ) -> Response:
        """`change` for a button that takes an entry out of use or brings it back."""
        form = await self.form(request)

        async def change(store: S, actor: Identity, ip: str) -> str:
            return (await use_case(store, actor, entry_id, ip=ip)).commune_code

        return await self.change(request, db, user, form, change, done=done)
