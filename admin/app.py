"""Panel routes: sign-in, the signed-in landing page, sign-out.

One database session per request (`web.Db`), committed once the route has answered. A failed
sign-in is an answer, not an exception, so it is committed too: the failure counter and the
audit row outlive the error page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import HTMLResponse

from admin import account, auth, web
from handlers.people import AdminRole
from storage import admin_users

router = APIRouter(prefix="/admin", include_in_schema=False)


def _signin_page(
    request: Request, lang: str, *, error: bool = False, username: str = "", status: int = 200
) -> HTMLResponse:
    settings = auth.settings_of(request)
    nonce = auth.token_from(request, auth.SIGNIN_COOKIE)
    fresh = not nonce
    nonce = nonce or auth.new_token()
    response = web.html(
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


async def _signin_form(request: Request) -> None:
    """The sign-in form's CSRF token is bound to the nonce cookie its page set."""
    await web.check_csrf(request, "signin", auth.token_from(request, auth.SIGNIN_COOKIE))


async def _signout_form(request: Request) -> str:
    """The session token to end ("" without one), once the form's CSRF token is its own."""
    token = auth.token_from(request, auth.SESSION_COOKIE)
    if token:
        await web.check_csrf(request, "session", token)
    return token


@router.get("/")
async def index(request: Request, db: web.Db) -> Response:
    lang = auth.request_lang(request)
    user = await web.signed_in(request, db)
    if user is None:
        return web.remember_lang(_signin_page(request, lang), request, lang)
    # Leaders see no tips: their work here is the notices to their neighbourhoods.
    home = "/admin/broadcasts" if user.identity.role is AdminRole.LEADER else "/admin/tips"
    return web.remember_lang(web.redirect(home), request, lang)


@router.post("/signin", dependencies=[Depends(_signin_form)])
async def signin(
    request: Request,
    db: web.Db,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    result = await admin_users.sign_in(db, username, password, ip=auth.client_ip(request))
    if result.pending_id is not None:  # TOTP on: the code comes next (admin/account.py)
        return account.begin_code_step(request, result.pending_id)
    if result.identity is None:
        lang = auth.request_lang(request)
        return _signin_page(request, lang, error=True, username=username[:64], status=401)
    # A new token at every sign-in: a session id planted before sign-in is never promoted.
    token = auth.new_token()
    key = auth.session_key(auth.settings_of(request), token)
    await admin_users.open_session(db, result.identity.id, key)
    response = web.redirect()
    auth.set_cookie(response, request, auth.SESSION_COOKIE, token)
    auth.clear_cookie(response, request, auth.SIGNIN_COOKIE)
    return response


@router.post("/signout")
async def signout(
    request: Request, db: web.Db, token: Annotated[str, Depends(_signout_form)]
) -> Response:
    if token:
        key = auth.session_key(auth.settings_of(request), token)
        await admin_users.sign_out(db, key, ip=auth.client_ip(request))
    response = web.redirect()
    auth.clear_cookie(response, request, auth.SESSION_COOKIE)
    return response
