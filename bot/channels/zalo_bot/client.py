"""The thin typed client of our own (nine methods, JSON over httpx), its errors, and their
mapping to delivery's (429 → RetryLater, 403/blocked → Unreachable, network/5xx/non-JSON →
Transient, other refusals → given up)."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import httpx

from bot.channels.common import ZALO_MEDIA_HOSTS, FetchPolicy, fetch_public
from bot.delivery import RetryLater, Transient, Unreachable

POLL_TIMEOUT = 30  # seconds a getUpdates call waits for news (Zalo's default)
CALL_TIMEOUT = 10.0
DOWNLOAD_TIMEOUT = 30.0
DEFAULT_RETRY_AFTER = 5.0  # Zalo publishes no retry-after for 429
# Descriptions that mean the resident cannot be written to any more (no code is published).
_UNREACHABLE = re.compile(r"\bblock|not allowed to (send|message|receive)|user (is )?not allowed")


class ZaloBotError(Exception):
    """`{"ok": false, "error_code": N, "description": ...}`, whatever the HTTP status.
    Its text never holds the token (descriptions are redacted)."""

    def __init__(
        self, error_code: int, description: str = "", retry_after: float | None = None
    ) -> None:
        super().__init__(f"Zalo Bot API error {error_code}: {description[:200]}")
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    @property
    def transient(self) -> bool:
        """The same call may succeed later (server errors, a request timeout)."""
        return self.error_code >= 500 or self.error_code == 408

    @property
    def unreachable(self) -> bool:
        """The resident blocked the bot, or may not be written to."""
        return self.error_code == 403 or bool(_UNREACHABLE.search(self.description.lower()))


class ZaloBotUnauthorized(ZaloBotError):
    """401: the token was refused."""


class ZaloBotNetworkError(ZaloBotError):
    """No usable answer: a connection error, a timeout, or a body that is not the JSON
    envelope (a gateway's HTML page). `error_code` is the HTTP status, 0 without one."""

    @property
    def transient(self) -> bool:
        return True


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if 0 < number < 3600 else None


class ZaloBotClient:
    """The nine methods of `{api_base}/bot{token}/{method}`: POST with a JSON body, the
    `ok/result` envelope parsed, errors raised as ZaloBotError."""

    def __init__(
        self,
        token: str,
        api_base: str = "https://bot-api.zaloplatforms.com",
        *,
        http: httpx.AsyncClient | None = None,
        timeout: float = CALL_TIMEOUT,
        media: FetchPolicy | None = None,
    ) -> None:
        # httpx logs every request URL at INFO, and these URLs carry the token.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        self._token = token
        self._base = api_base.rstrip("/")
        self._timeout = timeout
        self._media = media or FetchPolicy(ZALO_MEDIA_HOSTS)
        self._http = http or httpx.AsyncClient(
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
        )

    @property
    def bot_id(self) -> str:
        return self._token.split(":", 1)[0]

    def _redact(self, text: str) -> str:
        return text.replace(self._token, "<token>") if self._token else text

    async def call(
        self, method: str, params: dict[str, Any] | None = None, *, timeout: float | None = None
    ) -> Any:
        """The `result` of one method (None when the answer has none, as sendChatAction)."""
        url = f"{self._base}/bot{self._token}/{method}"
        try:
            response = await self._http.post(
                url, json=params or {}, timeout=timeout if timeout is not None else self._timeout
            )
        except httpx.HTTPError as exc:
            # `from None`: httpx exceptions hold the request, whose URL holds the token.
            raise ZaloBotNetworkError(0, type(exc).__name__) from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("ok"), bool):
            raise ZaloBotNetworkError(response.status_code, "not the JSON envelope")
        if body["ok"]:
            return body.get("result")
        code = body.get("error_code")
        if isinstance(code, bool) or not isinstance(code, int):
            code = response.status_code if response.status_code >= 400 else 0
        description = self._redact(str(body.get("description") or ""))
        parameters = body.get("parameters")
        retry_after = _number(body.get("retry_after"))
        if retry_after is None and isinstance(parameters, dict):
            retry_after = _number(parameters.get("retry_after"))
        if code == 401:
            raise ZaloBotUnauthorized(code, description)
        raise ZaloBotError(code, description, retry_after)

    async def get_me(self) -> dict[str, Any]:
        result = await self.call("getMe")
        return result if isinstance(result, dict) else {}

    async def get_updates(self, timeout: int = POLL_TIMEOUT) -> list[dict[str, Any]]:
        """What one long poll brought: one update, or none (error 408 or an empty result).
        A list, to be safe should Zalo ever answer with several."""
        try:
            result = await self.call(
                "getUpdates", {"timeout": str(timeout)}, timeout=timeout + self._timeout
            )
        except ZaloBotError as exc:
            if exc.error_code == 408 and not isinstance(exc, ZaloBotNetworkError):
                return []
            raise
        if isinstance(result, dict) and result:
            return [result]
        if isinstance(result, list):
            return [u for u in result if isinstance(u, dict)]
        return []

    async def set_webhook(self, url: str, secret_token: str) -> dict[str, Any]:
        result = await self.call("setWebhook", {"url": url, "secret_token": secret_token})
        return result if isinstance(result, dict) else {}

    async def delete_webhook(self) -> dict[str, Any]:
        result = await self.call("deleteWebhook")
        return result if isinstance(result, dict) else {}

    async def get_webhook_info(self) -> dict[str, Any] | None:
        """The webhook Zalo knows, or None when there is none (Zalo answers 404 then)."""
        try:
            result = await self.call("getWebhookInfo")
        except ZaloBotError as exc:
            if exc.error_code == 404 and not isinstance(exc, ZaloBotNetworkError):
                return None
            raise
        if not isinstance(result, dict) or not result.get("url"):
            return None
        return result

    async def send_message(self, chat_id: str, text: str) -> Any:
        return await self.call("sendMessage", {"chat_id": chat_id, "text": text})

    async def send_photo(self, chat_id: str, photo: str, caption: str | None = None) -> Any:
        params = {"chat_id": chat_id, "photo": photo}
        if caption:
            params["caption"] = caption
        return await self.call("sendPhoto", params)

    async def send_sticker(self, chat_id: str, sticker: str) -> Any:
        return await self.call("sendSticker", {"chat_id": chat_id, "sticker": sticker})

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> Any:
        return await self.call("sendChatAction", {"chat_id": chat_id, "action": action})

    async def download(self, url: str, max_bytes: int) -> bytes:
        """The bytes at a URL an update named (a photo a resident sent), refused past
        `max_bytes` or from anywhere but Zalo's CDN (the client's `media`, common.py)."""
        return await fetch_public(self._http, url, max_bytes, self._media, timeout=DOWNLOAD_TIMEOUT)

    async def aclose(self) -> None:
        await self._http.aclose()


def _is_web_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


async def _delivery_call(make: Callable[[], Awaitable[Any]]) -> Any:
    """One API call, its errors in delivery's terms; other refusals (400, 401, 404...)
    propagate, and delivery gives the message up."""
    try:
        return await make()
    except ZaloBotError as exc:
        if exc.error_code == 429:
            raise RetryLater(exc.retry_after or DEFAULT_RETRY_AFTER) from None
        if exc.unreachable:
            raise Unreachable() from None
        if exc.transient:
            raise Transient(type(exc).__name__) from None
        raise
