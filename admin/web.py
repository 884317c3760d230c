"""What every panel page shares: the templates, security headers, the signed-in user.

Routes get the database session with `Db` and the signed-in officer with `Officer` (a
redirect to the sign-in page otherwise). Pages render with `page()`, which passes the
language, the user, the CSRF token and the navigation to every template.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import Depends, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context

from admin import auth
from content import areas
from content.i18n import translate
from storage import admin_users
from storage.admin_users import Identity
from storage.db import AsyncSession
from storage.models import AdminRole

R = TypeVar("R", bound=Response)
TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
HOME = "/admin/"
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@pass_context
def _gettext(context: Context, msgid: str, **params: Any) -> str:
    return translate(msgid, context.get("lang"), params or None)


@cache
def templates() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined
    )
    env.globals["_"] = _gettext
    return env


def html(name: str, lang: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A template rendered as a response with the panel's security headers."""
    body = templates().get_template(name).render(lang=lang, **context)
    return HTMLResponse(body, status_code=status, headers=SECURITY_HEADERS)


def redirect(url: str = HOME) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)


async def _db(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.runtime.sessions() as session:
        yield session


Db = Annotated[AsyncSession, Depends(_db)]


@dataclass(frozen=True)
class SignedIn:
    """The officer behind this request, the session token and the form CSRF token."""

    identity: Identity
    token: str
    csrf: str
    lang: str


async def signed_in(request: Request, db: AsyncSession) -> SignedIn | None:
    token = auth.token_from(request, auth.SESSION_COOKIE)
    if not token:
        return None
    settings = auth.settings_of(request)
    identity = await admin_users.session_identity(db, auth.session_key(settings, token))
    if identity is None:
        return None
    csrf = auth.csrf_token(settings, "session", token)
    return SignedIn(identity, token, csrf, auth.request_lang(request))


class SignInRequired(HTTPException):
    def __init__(self) -> None:
        super().__init__(status_code=303, headers={"Location": HOME, **SECURITY_HEADERS})


async def _officer(request: Request, db: Db) -> SignedIn:
    user = await signed_in(request, db)
    if user is None:
        raise SignInRequired()
    return user


Officer = Annotated[SignedIn, Depends(_officer)]


def area_name(identity: Identity) -> str:
    if identity.role is AdminRole.PROVINCE_ADMIN:
        province = areas.province(identity.province_code)
        return province.name if province else identity.province_code
    commune = areas.commune(identity.commune_code)
    if commune is None:
        return identity.commune_code
    province = areas.province(commune.province_code)
    return f"{commune.name}, {province.name}" if province else commune.name


def nav(identity: Identity) -> list[tuple[str, str]]:
    """(path, catalog id) of the pages this role may open, in menu order."""
    role = identity.role
    items: list[tuple[str, str]] = []
    if role is not AdminRole.LEADER:
        items += [
            ("/admin/tips", "panel.nav.queue"),
            ("/admin/stats", "panel.nav.stats"),
            ("/admin/indicators", "panel.nav.indicators"),
        ]
    if role in (AdminRole.CHIEF, AdminRole.PROVINCE_ADMIN):
        items.append(("/admin/audit", "panel.nav.audit"))
    if role is AdminRole.PROVINCE_ADMIN:
        items.append(("/admin/users", "panel.nav.users"))
    items.append(("/admin/account", "panel.nav.account"))
    return items


def page(
    request: Request, user: SignedIn, name: str, status: int = 200, **context: Any
) -> HTMLResponse:
    """A signed-in page: the template gets lang, user, csrf, area, nav and `context`."""
    response = html(
        name,
        user.lang,
        status,
        user=user.identity,
        csrf=user.csrf,
        area=area_name(user.identity),
        nav=nav(user.identity),
        path=request.url.path,
        htmx=request.headers.get("HX-Request") == "true",
        **context,
    )
    remember_lang(response, request, user.lang)
    return response


def remember_lang(response: R, request: Request, lang: str) -> R:
    if request.query_params.get("lang") == lang:
        response.set_cookie(auth.LANG_COOKIE, lang, path="/", samesite="lax", httponly=True)
    return response


class Refused(Exception):
    """A signed-in request the panel turns down with its error page (`refused_page`)."""

    def __init__(self, user: SignedIn, code: str, status: int) -> None:
        super().__init__(code)
        self.user, self.code, self.status = user, code, status


async def refused_page(request: Request, exc: Exception) -> Response:
    """The exception handler of Refused: the error page, in the panel's language."""
    assert isinstance(exc, Refused)
    return page(request, exc.user, "error.html", exc.status, error=exc.code)


def check_csrf(request: Request, user: SignedIn, submitted: str) -> None:
    """Refuse a form whose CSRF token is not this session's (403, the panel's error page)."""
    if not auth.csrf_valid(auth.settings_of(request), "session", user.token, submitted):
        raise Refused(user, "csrf", 403)
