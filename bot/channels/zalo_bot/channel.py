"""The channel: webhook bodies and polled updates handled, replies delivered under this
bot's limits, residents' photos fetched; `build` wires it to the runtime."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import TYPE_CHECKING, Any

from bot import retry
from bot.channels.common import cancel, zalo_media
from bot.channels.zalo_bot.client import (
    DEFAULT_RETRY_AFTER,
    POLL_TIMEOUT,
    ZaloBotClient,
    ZaloBotError,
    ZaloBotUnauthorized,
    _delivery_call,
)
from bot.channels.zalo_bot.config import CHANNEL, Rates, webhook_secret
from bot.channels.zalo_bot.events import _EVENT_NAME, Update, ignored_reason, parse_update, to_event
from bot.channels.zalo_bot.rendering import render
from bot.delivery import Delivery, Pushed, Target, background_limit
from bot.dispatcher import Dispatcher
from bot.inbound import Inbound
from bot.owed import Replies, posted
from bot.settings import Settings
from handlers.model import Media, RenderedReply
from handlers.ports import MediaUnavailable
from storage.limits import Limit

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger("binhyen.zalo_bot")


class ZaloBotChannel:
    def __init__(
        self,
        client: ZaloBotClient,
        secret: str,
        dispatcher: Dispatcher,
        delivery: Delivery,
        *,
        rates: Rates | None = None,
        max_download: int = 20 * 1024 * 1024,
        poll_timeout: int = POLL_TIMEOUT,
        inbound: Inbound | None = None,
    ) -> None:
        self.client = client
        self.account = client.bot_id
        self.secret = secret
        self.dispatcher = dispatcher
        self.delivery = delivery
        self.rates = rates or Rates()
        self.max_download = max_download
        self.poll_timeout = poll_timeout
        self.inbound = inbound or Inbound()  # the runtime's: the limit and back-pressure
        self._polling: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    # -- inbound --

    def check_secret(self, given: str | None) -> bool:
        return hmac.compare_digest((given or "").encode(), self.secret.encode())

    async def receive(self, body: bytes) -> None:
        """One webhook body: parse, handle, hand the replies to delivery. Bad input is
        logged (its error type only) and dropped: an error answer would only be resent."""
        try:
            update = parse_update(json.loads(body))
        except Exception as exc:
            log.warning("malformed update ignored: %s", type(exc).__name__)
            return
        await self.handle(update)

    async def handle(self, update: Update) -> None:
        event = to_event(update, self.account)
        if event is None:
            name = update.event_name if _EVENT_NAME.fullmatch(update.event_name) else "unknown"
            log.info("update ignored: %s (%s)", name, ignored_reason(update))
            return
        # Past the resident's limit: no replies, or the one notice (bot/inbound.py).
        replies = await self.inbound.dispatch(self.dispatcher, event)
        if not replies:  # a repeated delivery of an event already handled, or dropped
            return
        target = self._target(event.chat_id, event.user_id)
        sending = self.delivery.post(target, lambda: self._send(target, replies))
        # The webhook never waits for this chat's pacing (Zalo documents no per-chat order to
        # keep by waiting); only while the whole process is behind with its sends
        # (bot/inbound.py).
        await self.inbound.settle(target.chat_key, sending)

    # -- outbound --

    def _target(self, chat_id: str, user_id: str) -> Target:
        bot = f"zb:{self.account}"
        limits = (
            Limit(bot, self.rates.per_bot, max(1, self.rates.bot_burst)),
            Limit(f"{bot}:{chat_id}", self.rates.per_chat, self.rates.chat_burst),
        )
        background = (background_limit(bot, self.rates.per_bot),)
        return Target(CHANNEL, self.account, chat_id, user_id, limits, background)

    async def _send(self, target: Target, replies: list[RenderedReply]) -> bool:
        """Send a turn's replies in order, each counted as it goes (bot/owed.py); whether
        all of them went out."""
        for n, reply in enumerate(replies, 1):
            if not await self.deliver(target, reply):
                return False  # blocked, or failed for good: the rest would fail too
            await self.dispatcher.sent(replies, n)
        return True

    async def resend(self, chat_id: str, user_id: str, replies: Replies) -> bool:
        """A turn's replies that its process did not send (bot/owed.py), in order with the
        chat's other messages; whether all of them went out."""
        target = self._target(chat_id, user_id)
        journal = self.dispatcher.journal
        return await posted(
            self.delivery, target, journal, replies, lambda r: self._send(target, r)
        )

    async def deliver(
        self, target: Target, reply: RenderedReply, delivery: Delivery | None = None
    ) -> bool:
        """Send one reply (through `delivery`, by default the channel's); whether all of it
        went out."""
        delivery = delivery or self.delivery
        for out in render(reply):
            params: dict[str, Any] = {"chat_id": target.chat_id, **out.params}

            async def call(method: str = out.method, p: dict[str, Any] = params) -> Any:
                result = await _delivery_call(lambda: self.client.call(method, p))
                return True if result is None else result

            if await delivery.send(target, call) is None:
                return False
        return True

    async def push(self, chat_id: str, reply: RenderedReply, delivery: Delivery) -> Pushed:
        """A message no update asked for (bot/outbox.py), after the chat's pending replies.
        Unreachable is `delivery`'s to notice (a block calls its on_unreachable)."""
        target = self._target(chat_id, chat_id)
        sent: list[bool] = []

        async def job() -> None:
            sent.append(await self.deliver(target, reply, delivery))

        await self.delivery.post(target, job)
        return Pushed.SENT if sent == [True] else Pushed.RETRY

    # -- files --

    async def fetch(self, _account: str, media: Media) -> bytes:
        """The bytes of a photo or a voice clip a resident sent (what MediaKeeper asks)."""
        if media.size is not None and media.size > self.max_download:
            raise MediaUnavailable("file too large")
        return await self.client.download(media.ref, self.max_download)

    # -- polling --

    def start_polling(self) -> None:
        self._stop.clear()
        self._polling = asyncio.get_running_loop().create_task(self.poll())

    async def stop(self) -> None:
        """Stop polling, wait for the replies still going out, close the HTTP client."""
        self._stop.set()
        await cancel(self._polling)
        self._polling = None
        await self.delivery.drain()
        try:
            await self.client.aclose()
        except Exception as exc:
            log.warning("client close: %s", type(exc).__name__)

    async def _webhook_is_set(self) -> bool:
        try:
            return await self.client.get_webhook_info() is not None
        except ZaloBotError:
            return False

    async def poll(self) -> None:
        """getUpdates in a loop while no public URL is configured: one update per call,
        408 means nothing new (ask again at once), other errors back off. Updates are
        handled one after the other, in the order Zalo hands them over."""
        failures = 0
        told_webhook = False
        while not self._stop.is_set():
            try:
                updates = await self.client.get_updates(self.poll_timeout)
            except ZaloBotUnauthorized:
                log.error("polling stopped: the token was refused (check BINHYEN_ZALO_BOT_TOKEN)")
                return
            except ZaloBotError as exc:
                failures += 1
                delay = retry.POLLING.after(failures)
                if exc.error_code == 429:
                    delay = exc.retry_after or DEFAULT_RETRY_AFTER
                elif not exc.transient and await self._webhook_is_set():
                    if not told_webhook:
                        log.warning(
                            "polling: Zalo refuses getUpdates while a webhook is set for this "
                            "bot; it is left in place. Run `binhyen zalo-bot delete-webhook` to "
                            "poll here, or set BINHYEN_PUBLIC_URL to take the webhook"
                        )
                        told_webhook = True
                    delay = retry.POLLING.cap if failures > 3 else delay
                else:
                    log.warning(
                        "polling: %s (error %d), attempt %d",
                        type(exc).__name__,
                        exc.error_code,
                        failures,
                    )
                await asyncio.sleep(delay)
                continue
            failures = 0
            told_webhook = False
            for data in updates:
                try:
                    await self.handle(parse_update(data))
                except Exception as exc:
                    log.error("polling: update failed: %s", type(exc).__name__)


def build(settings: Settings, rt: Runtime, *, poll: bool = True) -> ZaloBotChannel:
    """The channel of BINHYEN_ZALO_BOT_TOKEN: its photo fetcher
    registered, polling started when there is no public URL."""
    if settings.zalo_bot_token is None:
        raise SystemExit("BINHYEN_ZALO_BOT_TOKEN is not set.")
    token = settings.zalo_bot_token.get_secret_value()
    if ":" not in token:
        raise SystemExit("BINHYEN_ZALO_BOT_TOKEN does not look like a bot token (id:secret).")
    try:
        secret = webhook_secret(settings)
    except ValueError as exc:
        raise SystemExit(f"{exc}.") from None
    channel = ZaloBotChannel(
        ZaloBotClient(token, settings.zalo_bot_api_base, media=zalo_media(settings)),
        secret,
        rt.dispatcher,
        rt.delivery,
        max_download=rt.media.max_bytes,
        inbound=rt.inbound,
    )
    rt.media.register(CHANNEL, channel.fetch)
    if poll and not settings.public_url:
        channel.start_polling()
    return channel
