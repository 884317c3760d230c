"""Telegram: a thin adapter on python-telegram-bot's `Bot`, models and errors.

Inbound, by webhook (`POST /webhooks/telegram`) or by long polling: the update is parsed by
PTB, turned into the neutral event and handed to the dispatcher, which claims its
update_id (24 h), handles it and commits. The replies go out through delivery, in order per
chat, and the webhook answers 200 once they are out (at most bot/inbound.py ORDER_WAIT), so
that Telegram's next update of the chat, to whichever process, comes after them; but a turn's
one reply whose loss would leave nothing behind goes in the webhook's answer as the Bot API
call Telegram then makes (channel.py `_in_answer`, BINHYEN_TELEGRAM_ANSWER_IN_RESPONSE). A
forwarded message (forward_origin, or the fields before Bot API 7.0) and a contact card that
is not the sender's own are marked `forwarded`: the core offers them the scam check.

Outbound: inline keyboards for choices (callback_data holds the choice id, or a digest of
it the core resolves from the state), reply keyboards for a location or a phone number,
text split at 4,096 characters, and an answer to every callback query.

Nothing here logs a chat id, a user id or what a resident wrote.
"""

from bot.channels.telegram.bot_api import make_bot, set_webhook, webhook_secret
from bot.channels.telegram.channel import Rates, TelegramChannel
from bot.channels.telegram.events import CHANNEL, to_event
from bot.channels.telegram.render import CALLBACK_LIMIT, TEXT_LIMIT, commands, render
from bot.channels.telegram.webhook import router

__all__ = [
    "CALLBACK_LIMIT",
    "CHANNEL",
    "TEXT_LIMIT",
    "Rates",
    "TelegramChannel",
    "commands",
    "make_bot",
    "render",
    "router",
    "set_webhook",
    "to_event",
    "webhook_secret",
]
