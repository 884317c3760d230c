"""Panel sessions and CSRF tokens, all keyed by `settings.secret_key`.

Session: the cookie holds a random 256-bit token; the database holds only
HMAC-SHA256(secret key, token) as the session id. A copy of the database alone cannot be turned
into a working cookie, a new secret key ends every session, and signing out or expiry is a row
delete, which a purely signed (stateless) cookie could not offer.

CSRF: signed double-submit. Before sign-in the browser gets a random nonce cookie and the form
carries HMAC(key, "signin" + nonce); once signed in the form carries HMAC(key, "session" +
token). A forged form cannot compute either without the key, even if it can plant cookies.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string

from fastapi import Request, Response

from bot.settings import Settings
from content.i18n import LANGUAGES, language

SESSION_COOKIE = "binhyen_admin_session"
SIGNIN_COOKIE = "binhyen_admin_signin"
LANG_COOKIE = "lang"
_TOKEN_CHARS = frozenset(string.ascii_letters + string.digits + "-_")


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _mac(settings: Settings, purpose: str, value: str) -> str:
    key = settings.secret_key.get_secret_value().encode()
    return hmac.new(key, f"{purpose}\0{value}".encode(), hashlib.sha256).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_from(request: Request, cookie: str) -> str:
    """The cookie's token if it looks like one of ours, else ""."""
    value = request.cookies.get(cookie, "")
    return value if 32 <= len(value) <= 64 and set(value) <= _TOKEN_CHARS else ""


def session_key(settings: Settings, token: str) -> str:
    return _mac(settings, "session", token)


def csrf_token(settings: Settings, purpose: str, binding: str) -> str:
    return _mac(settings, f"csrf-{purpose}", binding)


def csrf_valid(settings: Settings, purpose: str, binding: str, submitted: str) -> bool:
    if not binding or not submitted:
        return False
    return hmac.compare_digest(csrf_token(settings, purpose, binding), submitted)


def _secure(request: Request) -> bool:
    # Behind a TLS-terminating proxy the scheme seen here may be http; the public URL says more.
    return request.url.scheme == "https" or settings_of(request).public_url.startswith("https://")


def set_cookie(response: Response, request: Request, name: str, value: str) -> None:
    """A browser-session cookie: gone when the browser closes, never sent cross-site."""
    response.set_cookie(
        name, value, path="/", httponly=True, samesite="strict", secure=_secure(request)
    )


def clear_cookie(response: Response, request: Request, name: str) -> None:
    response.delete_cookie(
        name, path="/", httponly=True, samesite="strict", secure=_secure(request)
    )


def request_lang(request: Request) -> str:
    """`?lang=` wins, then the `lang` cookie, then Vietnamese."""
    asked = request.query_params.get("lang")
    if asked is not None and asked in LANGUAGES:
        return asked
    return language(request.cookies.get(LANG_COOKIE))


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""
