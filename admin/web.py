"""What every panel page shares: the templates, security headers, the signed-in user, the
unit of work and the CSRF check.

Routes get the database session with `Db`: one per request, committed once after the route
has answered, rolled back when it raised (a refusal of handlers/errors.py included: see
admin/errors.py). A route that catches a refusal and answers anyway keeps what was written
(a wrong password has counted toward the lockout); one that shows a form again without the
refused change rolls back first. The signed-in officer comes with `Officer` (a redirect to the
sign-in page otherwise); with `FormOfficer` on a form POST, once the form's CSRF token is
checked. Pages render with `page()`, which passes the language, the user, the CSRF token and
the navigation to every template.
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
from handlers.deadlines import Calendar
from handlers.people import AdminRole, Identity
from storage import admin_users
from storage.db import AsyncSession
from storage.sealing import Sealer

R = TypeVar("R", bound=Response)
TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
HOME = "/admin/"


def security_headers(
    *,
    script_src: str = "'self'",
    style_src: str = "'self' 'unsafe-inline'",
    img_src: str = "'self' data:",
) -> dict[str, str]:
    """The security headers of the service's pages: nothing runs or loads but from here, no
    other site frames them, no type sniffing, no address beyond the site in a Referer. The
    panel's pages load their scripts from /admin/static; the web chat's page (one file with
    its script and style inline, bot/channels/web_guard.py) names them by hash instead. bot/app.py
    hands the chat its headers from here, so both pages keep one policy."""
    return {
        "Cache-Control": "no-store",
        "Content-Security-Policy": (
            f"default-src 'none'; script-src {script_src}; style-src {style_src}; "
            f"img-src {img_src}; connect-src 'self'; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'"
        ),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }


SECURITY_HEADERS = security_headers()


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
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        await session.commit()


# scope="function": the commit comes before the answer leaves, never after (an export is not
# sent, nor a redirect followed, before what it records is stored).
Db = Annotated[AsyncSession, Depends(_db, scope="function")]


def sealer(request: Request) -> Sealer:
    """The sealer of reporters' contact details, built once by the runtime."""
    found: Sealer = request.app.state.runtime.sealer
    return found


def account_sealer(request: Request) -> Sealer:
    """The sealer of panel accounts' TOTP secrets (its own key ring, storage/sealing.py)."""
    found: Sealer = request.app.state.runtime.account_sealer
    return found


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
    user = SignedIn(identity, token, csrf, auth.request_lang(request))
    request.state.user = user  # for the error page of a refusal (admin/errors.py)
    return user


def current_user(request: Request) -> SignedIn | None:
    """The officer `signed_in` found for this request, if it looked."""
    user = getattr(request.state, "user", None)
    return user if isinstance(user, SignedIn) else None


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
        items.append(("/admin/tips", "panel.nav.queue"))
    items.append(("/admin/broadcasts", "panel.nav.broadcasts"))  # every role: leaders' one task
    if role in (AdminRole.CHIEF, AdminRole.PROVINCE_ADMIN):
        items.append(("/admin/campaigns", "panel.nav.campaigns"))  # who turns them on
    if role is not AdminRole.LEADER:
        items += [
            ("/admin/stats", "panel.nav.stats"),
            ("/admin/indicators", "panel.nav.indicators"),
        ]
    if role in (AdminRole.CHIEF, AdminRole.PROVINCE_ADMIN):
        items.append(("/admin/audit", "panel.nav.audit"))
    if role is AdminRole.PROVINCE_ADMIN:
        items.append(("/admin/users", "panel.nav.users"))
    # Every role: chiefs and province admins manage them, officers and leaders read them.
    items.append(("/admin/neighbourhoods", "panel.nav.neighbourhoods"))
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


class CsrfRefused(Exception):
    """A form whose CSRF token is not its page's: the panel's CSRF error page (admin/errors.py),
    with the menu of `user` when signed in."""

    def __init__(self, user: SignedIn | None = None) -> None:
        super().__init__("csrf")
        self.user = user


async def check_csrf(
    request: Request, purpose: str, binding: str, user: SignedIn | None = None
) -> None:
    """Refuse a form whose token (its `csrf` field, or the X-CSRF-Token header htmx sends) is
    not HMAC(purpose, binding): the session token once signed in (auth.py)."""
    form = await request.form()
    field = form.get("csrf")
    submitted = (field if isinstance(field, str) else "") or request.headers.get(
        auth.CSRF_HEADER, ""
    )
    if not auth.csrf_valid(auth.settings_of(request), purpose, binding, submitted):
        raise CsrfRefused(user)


async def _form_officer(request: Request, user: Officer) -> SignedIn:
    await check_csrf(request, "session", user.token, user)
    return user


# Every signed-in form POST: strangers go to the sign-in page, then a bad token is refused.
FormOfficer = Annotated[SignedIn, Depends(_form_officer)]


def workdays(request: Request) -> Calendar:
    """The working days deadlines are counted on: the holiday calendar the runtime built
    from the settings (bot/runtime.py, `Config.holidays`), for the panel and the API alike."""
    found: Calendar = request.app.state.runtime.dispatcher.config.holidays
    return found
