"""The command line: `binhyen zalo-bot set-webhook|webhook-info|delete-webhook`."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from typing import Any

from bot.channels.zalo_bot.client import (
    ZaloBotClient,
    ZaloBotError,
    ZaloBotNetworkError,
    ZaloBotUnauthorized,
)
from bot.channels.zalo_bot.config import HOOK_PATH, webhook_secret
from bot.settings import Settings


def _when(ms: Any) -> str:
    if isinstance(ms, bool) or not isinstance(ms, int | float) or ms <= 0:
        return "unknown"
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


async def _cli(client: ZaloBotClient, command: str, secret: str, public_url: str) -> str:
    try:
        if command == "set-webhook":
            url = public_url.rstrip("/") + HOOK_PATH
            await client.set_webhook(url, secret)
            return f"webhook set: {url}"
        if command == "delete-webhook":
            await client.delete_webhook()
            return "webhook deleted"
        info = await client.get_webhook_info()
        if info is None:
            return "url: (none: the bot polls)"
        return f"url: {info.get('url')}\nupdated: {_when(info.get('updated_at'))}"
    finally:
        await client.aclose()


def run_cli(settings: Settings, command: str) -> int:
    """`binhyen zalo-bot set-webhook|webhook-info|delete-webhook`: the exit code."""
    name = f"binhyen zalo-bot {command}"
    if command not in ("set-webhook", "webhook-info", "delete-webhook"):
        print(f"{name}: error: unknown command", file=sys.stderr)
        return 2
    if settings.zalo_bot_token is None:
        print(f"{name}: error: set BINHYEN_ZALO_BOT_TOKEN", file=sys.stderr)
        return 2
    token = settings.zalo_bot_token.get_secret_value()
    if ":" not in token:
        print(
            f"{name}: error: BINHYEN_ZALO_BOT_TOKEN is not a bot token (id:secret)", file=sys.stderr
        )
        return 2
    if command == "set-webhook" and not settings.public_url.startswith("https://"):
        print(
            f"{name}: error: set BINHYEN_PUBLIC_URL to the service's https:// address",
            file=sys.stderr,
        )
        return 2
    try:
        secret = webhook_secret(settings)
    except ValueError as exc:
        print(f"{name}: error: {exc}", file=sys.stderr)
        return 2
    client = ZaloBotClient(token, settings.zalo_bot_api_base)
    try:
        print(asyncio.run(_cli(client, command, secret, settings.public_url)))
    except ZaloBotUnauthorized:
        print(f"{name}: error: the token was refused", file=sys.stderr)
        return 1
    except ZaloBotNetworkError as exc:
        print(
            f"{name}: error: no answer from the Zalo Bot API ({exc.description})", file=sys.stderr
        )
        return 1
    except ZaloBotError as exc:
        print(
            f"{name}: error: Zalo answered {exc.error_code}: {exc.description[:200]}",
            file=sys.stderr,
        )
        return 1
    except Exception as exc:  # never its text: it might hold the URL
        print(f"{name}: error: {type(exc).__name__}", file=sys.stderr)
        return 1
    return 0
