"""Who may open the export, statistics and indicator routes, and how refusals look.

Police roles (officer, chief, province admin) only; a leader gets 403. Pages answer with the
panel's error page, the JSON API with `{"error": {"code", "message"}}` as every /api/v1 route
does (admin/api_models.py ErrorBody), the message in the caller's language.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse

from admin import api, auth, web
from content.i18n import translate
from storage.admin_users import Identity
from storage.db import AsyncSession
from storage.models import AdminRole

POLICE = frozenset({AdminRole.OFFICER, AdminRole.CHIEF, AdminRole.PROVINCE_ADMIN})
NO_STORE = {"Cache-Control": "no-store"}


def is_police(identity: Identity) -> bool:
    return identity.role in POLICE


def error_message(code: str, lang: str) -> str:
    """The catalog text of "panel.error.<code>", or the generic one when there is none."""
    msgid = f"panel.error.{code}"
    text = translate(msgid, lang)
    return text if text != msgid else translate("panel.error.generic", lang)


def forbidden_page(request: Request, user: web.SignedIn) -> HTMLResponse:
    return web.page(request, user, "error.html", 403, error="forbidden")


def api_error(
    request: Request, status: int, code: str, *, msgid: str = "", **extra: Any
) -> JSONResponse:
    """`msgid` gives a more specific message than "panel.error.<code>"."""
    lang = api.api_lang(request)
    message = translate(msgid, lang) if msgid else error_message(code, lang)
    body = {"error": {"code": code, "message": message, **extra}}
    headers = {**NO_STORE, **({"WWW-Authenticate": "Bearer"} if status == 401 else {})}
    return JSONResponse(body, status_code=status, headers=headers)


async def api_police(request: Request, db: AsyncSession) -> Identity | JSONResponse:
    """The API caller if they may use these routes, else the 401 or 403 answer."""
    identity = await auth.api_identity(request, db)
    if identity is None:
        return api_error(request, 401, "unauthorized")
    if not is_police(identity):
        return api_error(request, 403, "forbidden")
    return identity
