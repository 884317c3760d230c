"""The typed httpx client for the OpenAPI and OAuth v4, its errors and the error codes."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import httpx

from bot.channels.zalo_oa.fields import _dict, _number, _str
from bot.delivery import Transient

log = logging.getLogger("binhyen.zalo_oa")

CS_PATH = "/v3.0/oa/message/cs"
OAUTH_PATH = "/v4/oa/access_token"
DEFAULT_LIFETIME = timedelta(hours=25)
TOKEN_ERRORS = frozenset({-216, -220})
WINDOW_CLOSED = frozenset({-230, -232})
GONE = frozenset({-213, -227})
RATE_LIMITED = -32


# -- errors ---------------------------------------------------------------------------------


class ZaloError(Exception):
    """An answer with `error` ≠ 0 (HTTP 200 as a rule); Zalo's message is kept, not logged."""

    def __init__(self, code: int, message: str = "") -> None:
        super().__init__(f"Zalo OA error {code}")
        self.code = code
        self.api_message = message


class WindowClosed(ZaloError):
    """-230/-232: more than 7 days since the user's last interaction; do not retry."""


class TokenRefused(Exception):
    """The OAuth server would not refresh the pair (the refresh token is dead or the app
    secret wrong): a new pair must be minted and set in the environment."""

    def __init__(self, code: int) -> None:
        super().__init__(f"Zalo OAuth error {code}")
        self.code = code


# -- the HTTP client ------------------------------------------------------------------------


class OaClient:
    """The OpenAPI (`access_token` header, JSON envelope) and OAuth v4 (form body, the app
    secret in a `secret_key` header), each at a configurable base URL."""

    def __init__(self, api_base: str, oauth_base: str, app_id: str, app_secret: str) -> None:
        # httpx logs request URLs at INFO; attachment URLs are the residents' files.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        self.api_base = api_base.rstrip("/")
        self.oauth_base = oauth_base.rstrip("/")
        self.app_id = app_id
        self._app_secret = app_secret
        self.http = httpx.AsyncClient(timeout=httpx.Timeout(10.0), follow_redirects=False)

    async def post(self, path: str, body: dict[str, Any], access_token: str) -> dict[str, Any]:
        try:
            response = await self.http.post(
                self.api_base + path, json=body, headers={"access_token": access_token}
            )
        except httpx.TransportError as exc:
            raise Transient(type(exc).__name__) from exc
        data = _envelope(response)
        code = _code(data.get("error", 0))
        if code != 0:
            raise ZaloError(code, _str(data.get("message")))
        if response.status_code >= 400:
            raise ZaloError(0, f"HTTP {response.status_code}")
        return _dict(data.get("data"))

    async def refresh(self, refresh_token: str) -> tuple[str, str, timedelta]:
        form = {
            "refresh_token": refresh_token,
            "app_id": self.app_id,
            "grant_type": "refresh_token",
        }
        try:
            response = await self.http.post(
                self.oauth_base + OAUTH_PATH, data=form, headers={"secret_key": self._app_secret}
            )
        except httpx.TransportError as exc:
            raise Transient(type(exc).__name__) from exc
        data = _envelope(response)
        access, refresh = _str(data.get("access_token")), _str(data.get("refresh_token"))
        if not access or not refresh:
            code = _code(data.get("error", 0))
            log.error("token refresh refused: error %d (mint a new pair for the OA)", code)
            raise TokenRefused(code)
        seconds = _number(data.get("expires_in"))
        lifetime = timedelta(seconds=seconds) if seconds else DEFAULT_LIFETIME
        return access, refresh, lifetime

    async def aclose(self) -> None:
        await self.http.aclose()


def _envelope(response: httpx.Response) -> dict[str, Any]:
    if response.status_code == 429:
        raise ZaloError(RATE_LIMITED, "HTTP 429")
    if response.status_code >= 500:
        raise Transient(f"HTTP {response.status_code}")
    try:
        data = response.json()
    except ValueError as exc:
        raise Transient("not JSON") from exc
    if not isinstance(data, dict):
        raise Transient("not an envelope")
    return data


def _code(value: Any) -> int:
    number = _number(value)
    return int(number) if number is not None else -1
