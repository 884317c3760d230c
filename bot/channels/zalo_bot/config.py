"""What the other modules share: the channel's name, the webhook's path and secret, and
the bot's sending limits."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from bot.settings import Settings

CHANNEL = "zalo_bot"
SECRET_MIN, SECRET_MAX = 8, 256
HOOK_PATH = "/webhooks/zalo-bot"


@dataclass(frozen=True)
class Rates:
    """No limits are published for the Bot Platform: conservative guesses. 20 messages/s
    per bot (a burst of 20), 1/s per chat after a burst of 3 (Telegram's rule)."""

    per_bot: float = 20.0
    bot_burst: int = 20
    per_chat: float = 1.0
    chat_burst: int = 3


def webhook_secret(settings: Settings) -> str:
    """The secret Zalo sends in X-Bot-Api-Secret-Token: BINHYEN_ZALO_BOT_WEBHOOK_SECRET, or
    one derived from BINHYEN_SECRET_KEY (43 characters of A-Z a-z 0-9 _ -). Zalo takes
    8-256 characters; ValueError otherwise."""
    if settings.zalo_bot_webhook_secret is not None:
        secret = settings.zalo_bot_webhook_secret.get_secret_value()
        if not SECRET_MIN <= len(secret) <= SECRET_MAX:
            raise ValueError("BINHYEN_ZALO_BOT_WEBHOOK_SECRET must be 8-256 characters")
        return secret
    key = settings.secret_key.get_secret_value().encode()
    digest = hmac.new(key, b"binhyen zalo bot webhook", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")
