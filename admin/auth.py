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
from typing import Protocol

from fastapi import Request, Response
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession

from content.i18n import LANGUAGES, language
from handlers.people import Identity
from storage import admin_users, api_tokens

SESSION_COOKIE = "binhyen_admin_session"
SIGNIN_COOKIE = "binhyen_admin_signin"
# Between a right password and the TOTP code: "<user id>.<expiry, unix seconds>.<mac>".
PENDING_COOKIE = "binhyen_admin_pending"
PENDING_LIFETIME = 300
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LANG_COOKIE = "lang"
_TOKEN_CHARS = frozenset(string.ascii_letters + string.digits + "-_")


class Settings(Protocol):
    """What the panel reads of the service's settings (bot/settings.py), which the app factory
    puts in `app.state.settings`."""

    @property
    def secret_key(self) -> SecretStr: ...

    @property
    def public_url(self) -> str: ...


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


def api_token_key(settings: Settings) -> bytes:
    """The key API tokens are hashed with, derived from the secret key like session ids."""
    return _mac(settings, "api-token-key", "v1").encode()


def pending_value(settings: Settings, user_id: int, now: float) -> str:
    """The signed cookie that carries a sign-in from the password to the code (5 minutes)."""
    body = f"{user_id}.{int(now) + PENDING_LIFETIME}"
    return f"{body}.{_mac(settings, 'signin-pending', body)}"


def pending_user(settings: Settings, value: str, now: float) -> int | None:
    """The user id of an untampered, unexpired pending cookie, else None."""
    body, _, mac = value.rpartition(".")
    user_id, _, expires = body.partition(".")
    if not (user_id.isdigit() and expires.isdigit() and len(body) <= 40):
        return None
    if not hmac.compare_digest(_mac(settings, "signin-pending", body), mac):
        return None
    if not now < int(expires) <= now + PENDING_LIFETIME:
        return None
    return int(user_id)


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


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer` header; None without one, "" when malformed."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, value = header.strip().partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


async def api_identity(request: Request, db: AsyncSession) -> Identity | None:
    """Who is calling the JSON API, or None (the caller answers 401).

    Two ways in:
    - `Authorization: Bearer <token>`: an API token (storage/api_tokens.py) that is unexpired,
      unrevoked and whose account is active. No CSRF check: a browser never adds this header
      by itself. A present but bad Authorization header is None, even with a session cookie.
    - Without an Authorization header, the panel session cookie (as for the HTML pages). For
      POST, PUT, PATCH and DELETE the request must also carry the header `X-CSRF-Token` equal
      to `csrf_token(settings, "session", cookie token)` (pages expose it as `csrf`); when it is
      missing or wrong the answer is None. GET, HEAD and OPTIONS need no CSRF header.
    Token use updates `last_used_at` (at most once a minute) and commits `db` at once, so call
    this before the route changes anything.
    """
    settings = settings_of(request)
    bearer = bearer_token(request)
    if bearer is not None:
        if not bearer:
            return None
        identity = await api_tokens.verify(db, api_token_key(settings), bearer)
        # The one commit outside web.Db: a token's use is kept even when the route it opens
        # is then refused and rolled back (a probe that only meets 404s still shows up).
        await db.commit()
        return identity
    token = token_from(request, SESSION_COOKIE)
    if not token:
        return None
    if request.method.upper() in UNSAFE_METHODS and not csrf_valid(
        settings, "session", token, request.headers.get(CSRF_HEADER, "")
    ):
        return None
    return await admin_users.session_identity(db, session_key(settings, token))
