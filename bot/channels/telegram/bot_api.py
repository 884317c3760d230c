"""The Bot API client: PTB's Bot, its errors in delivery's terms, webhook registration."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import warnings
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import telegram
from telegram import error as tg_error
from telegram.request import HTTPXRequest

from bot.channels.telegram.render import commands
from bot.delivery import RetryLater, Transient, Unreachable
from bot.settings import Settings

ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
POLL_TIMEOUT = 25  # seconds a getUpdates call waits for news


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


async def call_api(make: Callable[[], Awaitable[Any]]) -> Any:
    """One Bot API call, its errors in delivery's terms."""
    try:
        return await make()
    except tg_error.RetryAfter as exc:
        raise RetryLater(retry_after(exc)) from exc
    except tg_error.Forbidden as exc:
        raise Unreachable() from exc
    except (tg_error.TimedOut, tg_error.NetworkError) as exc:
        if isinstance(exc, tg_error.BadRequest):  # a subclass of NetworkError in PTB
            raise
        raise Transient(type(exc).__name__) from exc


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
        request=HTTPXRequest(connection_pool_size=64, read_timeout=10.0),
        get_updates_request=HTTPXRequest(connection_pool_size=2, read_timeout=POLL_TIMEOUT + 10),
    )


async def set_webhook(bot: telegram.Bot, secret: str, public_url: str, drop_pending: bool) -> str:
    """Register this service's webhook with its secret, and the command menu (vi by
    default, en for English-language clients); the URL Telegram now calls."""
    url = public_url.rstrip("/") + "/webhooks/telegram"
    await bot.set_webhook(
        url,
        secret_token=secret,
        allowed_updates=ALLOWED_UPDATES,
        drop_pending_updates=drop_pending,
    )
    await bot.set_my_commands(commands("vi"))
    await bot.set_my_commands(commands("en"), language_code="en")
    return url
