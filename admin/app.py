"""Panel routes: sign-in, the signed-in landing page, sign-out.

One database session per request, committed once by the route. Failed sign-ins are committed
too: the failure counter and the audit row must outlive the error page.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
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

TEMPLATES = Path(__file__).parent / "templates"
HOME = "/admin/"
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

router = APIRouter(prefix="/admin", include_in_schema=False)


@pass_context
def _gettext(context: Context, msgid: str, **params: Any) -> str:
    return translate(msgid, context.get("lang"), params or None)


@cache
def _templates() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined
    )
    env.globals["_"] = _gettext
    return env


def _page(name: str, lang: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = _templates().get_template(name).render(lang=lang, **context)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def _redirect_home() -> RedirectResponse:
    return RedirectResponse(HOME, status_code=303, headers=SECURITY_HEADERS)


def _remember_lang(response: Response, request: Request, lang: str) -> Response:
    if request.query_params.get("lang") == lang:
        response.set_cookie(auth.LANG_COOKIE, lang, path="/", samesite="lax", httponly=True)
    return response


async def _db(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.runtime.sessions() as session:
        yield session


Db = Annotated[AsyncSession, Depends(_db)]


async def _signed_in(request: Request, db: AsyncSession) -> tuple[Identity, str] | None:
    token = auth.token_from(request, auth.SESSION_COOKIE)
    if not token:
        return None
    key = auth.session_key(auth.settings_of(request), token)
    identity = await admin_users.session_identity(db, key)
    return (identity, token) if identity is not None else None


def _area(identity: Identity) -> str:
    if identity.role is AdminRole.PROVINCE_ADMIN:
        province = areas.province(identity.province_code)
        return province.name if province else identity.province_code
    commune = areas.commune(identity.commune_code)
    if commune is None:
        return identity.commune_code
    province = areas.province(commune.province_code)
    return f"{commune.name}, {province.name}" if province else commune.name


def _signin_page(
    request: Request, lang: str, *, error: bool = False, username: str = "", status: int = 200
) -> HTMLResponse:
    settings = auth.settings_of(request)
    nonce = auth.token_from(request, auth.SIGNIN_COOKIE)
    fresh = not nonce
    nonce = nonce or auth.new_token()
    response = _page(
        "signin.html",
        lang,
        status,
        csrf=auth.csrf_token(settings, "signin", nonce),
        error=error,
        username=username,
    )
    if fresh:
        auth.set_cookie(response, request, auth.SIGNIN_COOKIE, nonce)
    return response


def _forbidden(lang: str) -> HTMLResponse:
    return _page("error.html", lang, 403)


@router.get("/")
async def index(request: Request, db: Db) -> Response:
    lang = auth.request_lang(request)
    signed_in = await _signed_in(request, db)
    if signed_in is None:
        return _remember_lang(_signin_page(request, lang), request, lang)
    identity, token = signed_in
    response = _page(
        "home.html",
        lang,
        user=identity,
        area=_area(identity),
        csrf=auth.csrf_token(auth.settings_of(request), "session", token),
    )
    return _remember_lang(response, request, lang)


@router.post("/signin")
async def signin(
    request: Request,
    db: Db,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    lang = auth.request_lang(request)
    settings = auth.settings_of(request)
    nonce = auth.token_from(request, auth.SIGNIN_COOKIE)
    if not auth.csrf_valid(settings, "signin", nonce, csrf):
        return _forbidden(lang)
    result = await admin_users.sign_in(db, username, password, ip=auth.client_ip(request))
    if result.identity is None:
        await db.commit()
        return _signin_page(request, lang, error=True, username=username[:64], status=401)
    # A new token at every sign-in: a session id planted before sign-in is never promoted.
    token = auth.new_token()
    await admin_users.open_session(db, result.identity.id, auth.session_key(settings, token))
    await db.commit()
    response = _redirect_home()
    auth.set_cookie(response, request, auth.SESSION_COOKIE, token)
    auth.clear_cookie(response, request, auth.SIGNIN_COOKIE)
    return response


@router.post("/signout")
async def signout(request: Request, db: Db, csrf: Annotated[str, Form()] = "") -> Response:
    settings = auth.settings_of(request)
    token = auth.token_from(request, auth.SESSION_COOKIE)
    if token:
        if not auth.csrf_valid(settings, "session", token, csrf):
            return _forbidden(auth.request_lang(request))
        await admin_users.sign_out(
            db, auth.session_key(settings, token), ip=auth.client_ip(request)
        )
        await db.commit()
    response = _redirect_home()
    auth.clear_cookie(response, request, auth.SESSION_COOKIE)
    return response
