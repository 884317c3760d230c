"""The Bot API client: PTB's Bot, its errors in delivery's terms, webhook registration."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import warnings
from datetime import timedelta
from typing import Any

import httpx
import telegram
from telegram import error as tg_error
from telegram.request import HTTPXRequest

from bot.channels.telegram.render import commands
from bot.delivery import RetryLater, Transient, Unreachable
from bot.settings import Settings

ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
POLL_TIMEOUT = 25  # seconds a getUpdates call waits for news
SEND_CONCURRENCY = 8
MAX_CONNECTIONS = 40  # webhook requests Telegram keeps open at once (its own default)


def webhook_secret(settings: Settings) -> str:
    """The secret Telegram sends in X-Telegram-Bot-Api-Secret-Token: the configured one, or
    one derived from BINHYEN_SECRET_KEY (1-256 characters of A-Z a-z 0-9 _ -)."""
    if settings.telegram_webhook_secret is not None:
        return settings.telegram_webhook_secret.get_secret_value()
    key = settings.secret_key.get_secret_value().encode()
    digest = hmac.new(key, b"binhyen telegram webhook", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def retry_after(exc: tg_error.RetryAfter) -> float:
    value = getattr(exc, "_retry_after", None)
    if value is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class SendRefused(Exception):
    """The Bot API refused a request (400, 404…): sending it again would not help."""

    def __init__(self, code: int) -> None:
        super().__init__(f"Bot API error {code}")
        self.code = code


class Sender:
    """Bot API calls on the hot path (sendMessage, sendPhoto, answerCallbackQuery) as plain
    JSON POSTs, without PTB's request machinery and without parsing the answer into PTB
    objects: that was most of the CPU of a reply (docs/BENCHMARKS.md §5). PTB still parses
    updates, fetches files, polls and registers the webhook. Errors come out in delivery's
    terms; no URL (it holds the token) and no description ever reaches an exception."""

    def __init__(self, token: str, api_base: str) -> None:
        self._url = f"{api_base.rstrip('/')}/bot{token}/"
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(10.0, pool=10.0),
            limits=httpx.Limits(
                max_connections=SEND_CONCURRENCY, max_keepalive_connections=SEND_CONCURRENCY
            ),
        )

    async def call(
        self, method: str, params: dict[str, Any], upload: tuple[str, bytes, str] | None = None
    ) -> Any:
        """One call; `upload` (field, bytes, media type) makes it multipart/form-data, with
        the other parameters as form fields (objects as JSON, as the Bot API asks)."""
        try:
            if upload is None:
                response = await self._client.post(self._url + method, json=params)
            else:
                field, data, mime = upload
                form = {
                    k: v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
                    for k, v in params.items()
                }
                files = {field: (f"{field}.{mime.rsplit('/', 1)[-1]}", data, mime)}
                response = await self._client.post(self._url + method, data=form, files=files)
        except httpx.HTTPError as exc:
            raise Transient(type(exc).__name__) from None
        try:
            body = response.json()
        except ValueError:
            raise Transient(f"HTTP {response.status_code}, not JSON") from None
        if not isinstance(body, dict):
            raise Transient("not a Bot API answer")
        if body.get("ok") is True:
            return body.get("result", True)
        code = body.get("error_code")
        code = code if isinstance(code, int) else response.status_code
        if code == 429:
            parameters = body.get("parameters") or {}
            raise RetryLater(float(parameters.get("retry_after") or 1))
        if code == 403:
            raise Unreachable()
        if code >= 500:
            raise Transient(f"HTTP {code}")
        raise SendRefused(code)

    async def aclose(self) -> None:
        await self._client.aclose()


def make_bot(token: str, api_base: str) -> telegram.Bot:
    """PTB's Bot against `api_base` (BINHYEN_TELEGRAM_API_BASE: Telegram, or a local fake)."""
    # httpx logs every request URL at INFO, and Bot API URLs carry the token; PTB logs
    # request parameters (what residents are sent) at DEBUG.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("telegram").setLevel(logging.INFO)
    base = api_base.rstrip("/")
    return telegram.Bot(
        token,
        base_url=f"{base}/bot",
        base_file_url=f"{base}/file/bot",
        # Files, polling and registration only (replies go through Sender). A small pool:
        # httpcore scans every pooled connection on each request (docs/BENCHMARKS.md §5).
        request=HTTPXRequest(connection_pool_size=4, read_timeout=10.0, pool_timeout=10.0),
        get_updates_request=HTTPXRequest(connection_pool_size=2, read_timeout=POLL_TIMEOUT + 10),
    )


async def set_webhook(
    bot: telegram.Bot,
    secret: str,
    public_url: str,
    drop_pending: bool,
    max_connections: int = MAX_CONNECTIONS,
) -> str:
    """Register this service's webhook with its secret, and the command menu (vi by
    default, en for English-language clients); the URL Telegram now calls.

    `max_connections` (BINHYEN_TELEGRAM_MAX_CONNECTIONS) is set every time, never left to
    whatever was registered before: the webhook answers as soon as an update is committed
    and waits only while the process is behind with its sends (bot/inbound.py), so these
    connections are what holds Telegram back then, and 40 leaves room for a slow update
    (a file, a slow commit) without holding up the rest."""
    url = public_url.rstrip("/") + "/webhooks/telegram"
    await bot.set_webhook(
        url,
        secret_token=secret,
        allowed_updates=ALLOWED_UPDATES,
        drop_pending_updates=drop_pending,
        max_connections=max_connections,
    )
    await bot.set_my_commands(commands("vi"))
    await bot.set_my_commands(commands("en"), language_code="en")
    return url
