"""Panel routes: sign-in, the signed-in landing page, sign-out.

One database session per request, committed once by the route. Failed sign-ins are committed
too: the failure counter and the audit row must outlive the error page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse

from admin import account, auth, web
from storage import admin_users
from storage.models import AdminRole

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


def _forbidden(lang: str) -> HTMLResponse:
    return web.html("error.html", lang, 403)


@router.get("/")
async def index(request: Request, db: web.Db) -> Response:
    lang = auth.request_lang(request)
    user = await web.signed_in(request, db)
    if user is None:
        return web.remember_lang(_signin_page(request, lang), request, lang)
    if user.identity.role is AdminRole.LEADER:  # no tips for leaders: their account page
        return web.page(request, user, "home.html")
    return web.remember_lang(web.redirect("/admin/tips"), request, lang)


@router.post("/signin")
async def signin(
    request: Request,
    db: web.Db,
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
    if result.pending_id is not None:  # TOTP on: the code comes next (admin/account.py)
        await db.commit()
        return account.begin_code_step(request, result.pending_id)
    if result.identity is None:
        await db.commit()
        return _signin_page(request, lang, error=True, username=username[:64], status=401)
    # A new token at every sign-in: a session id planted before sign-in is never promoted.
    token = auth.new_token()
    await admin_users.open_session(db, result.identity.id, auth.session_key(settings, token))
    await db.commit()
    response = web.redirect()
    auth.set_cookie(response, request, auth.SESSION_COOKIE, token)
    auth.clear_cookie(response, request, auth.SIGNIN_COOKIE)
    return response


@router.post("/signout")
async def signout(request: Request, db: web.Db, csrf: Annotated[str, Form()] = "") -> Response:
    settings = auth.settings_of(request)
    token = auth.token_from(request, auth.SESSION_COOKIE)
    if token:
        if not auth.csrf_valid(settings, "session", token, csrf):
            return _forbidden(auth.request_lang(request))
        await admin_users.sign_out(
            db, auth.session_key(settings, token), ip=auth.client_ip(request)
        )
        await db.commit()
    response = web.redirect()
    auth.clear_cookie(response, request, auth.SESSION_COOKIE)
    return response
