"""The channel: webhook requests in, CS messages out through delivery, and the tokens."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.channels.common import ZALO_MEDIA_HOSTS, FetchPolicy, fetch_public, zalo_media
from bot.channels.zalo_oa.client import (
    CS_PATH,
    GONE,
    RATE_LIMITED,
    TOKEN_ERRORS,
    WINDOW_CLOSED,
    OaClient,
    TokenRefused,
    WindowClosed,
    ZaloError,
)
from bot.channels.zalo_oa.events import CHANNEL, _interacting, to_event
from bot.channels.zalo_oa.fields import _dict, _str
from bot.channels.zalo_oa.outcome import PUSHED, SendResult, SendStatus
from bot.channels.zalo_oa.render import render
from bot.channels.zalo_oa.signature import event_time, is_fresh, verify
from bot.delivery import (
    Delivery,
    Pushed,
    RetryLater,
    Target,
    Transient,
    Unreachable,
    background_limit,
)
from bot.dispatcher import Dispatcher
from bot.inbound import Inbound
from bot.owed import Replies, posted
from bot.runtime import Runtime
from bot.settings import Settings
from handlers.model import Media, RenderedReply
from handlers.ports import MediaUnavailable, utc_now
from storage.limits import Limit
from storage.zalo_oa import SqlZaloOaInteractions, SqlZaloOaTokens, TokenMissing, TokenPair

log = logging.getLogger("binhyen.zalo_oa")

WINDOW = timedelta(days=7) - timedelta(minutes=5)  # a margin for the clocks and the queue
REFRESH_MARGIN = timedelta(hours=5)
_NAME = re.compile(r"[a-z0-9_]{1,48}")


# -- the channel ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Rates:
    per_app: float = 60.0  # Zalo reports 4,000 calls/min per app: ~66/s
    app_burst: int = 60
    per_chat: float = 1.0
    chat_burst: int = 3
    rate_limited_pause: float = 10.0  # seconds, after a -32


class ZaloOaChannel:
    def __init__(
        self,
        *,
        app_id: str,
        oa_secret_key: str,
        client: OaClient,
        tokens: SqlZaloOaTokens,
        interactions: SqlZaloOaInteractions,
        dispatcher: Dispatcher | None,
        delivery: Delivery,
        seed: tuple[str, str] = ("", ""),
        max_download: int = 20 * 1024 * 1024,
        rates: Rates | None = None,
        app_secret: str = "",
        inbound: Inbound | None = None,
        media: FetchPolicy | None = None,
    ) -> None:
        self.account = app_id
        self._secret = oa_secret_key
        self._app_secret = app_secret  # only to say, in a log line, which secret signs
        self.client = client
        self.tokens = tokens
        self.interactions = interactions
        self.dispatcher = dispatcher
        self.delivery = delivery
        self.max_download = max_download
        self.media = media or FetchPolicy(ZALO_MEDIA_HOSTS)  # where attachments come from
        self.rates = rates or Rates()
        self.inbound = inbound or Inbound()  # the runtime's: the limit and back-pressure
        self.clock = utc_now
        self._seed: tuple[str, str] | None = seed
        self._pair: TokenPair | None = None
        self._retry_early_at = datetime.min.replace(tzinfo=UTC)

    # -- inbound --

    async def receive(self, body: bytes, header: str | None) -> int:
        """One webhook request: the HTTP status to answer."""
        if not header:
            log.warning("webhook refused: no signature")
            return 401
        try:
            data = json.loads(body)
            if not isinstance(data, dict):
                raise ValueError("not an object")
        except (ValueError, RecursionError) as exc:  # RecursionError: JSON nested too deep
            log.warning("malformed webhook ignored: %s", type(exc).__name__)
            return 200
        stamp = _str(data.get("timestamp"))
        if not verify(header, self.account, body, stamp, self._secret):
            self._diagnose(header, body, data, stamp)
            return 401
        if not is_fresh(event_time(data), self.clock()):
            log.warning("webhook refused: timestamp out of range")
            return 403
        await self.handle(data)
        return 200

    def _diagnose(self, header: str, body: bytes, data: dict[str, Any], stamp: str) -> None:
        """Sources disagree on the secret and the first term; say which would have matched."""
        oa_id = _str(_dict(data.get("recipient")).get("id")) or _str(data.get("oa_id"))
        candidates = {
            "the app secret": (self.account, self._app_secret),
            "the OA id with the OA secret key": (oa_id, self._secret),
        }
        for what, (first, secret) in candidates.items():
            if first and secret and verify(header, first, body, stamp, secret):
                log.error("webhook refused: the signature matches %s, not the config", what)
                return
        log.warning("webhook refused: bad signature")

    async def handle(self, data: dict[str, Any]) -> None:
        name = _str(data.get("event_name"))
        event = to_event(data, self.account)
        if event is None or self.dispatcher is None:
            log.info("event ignored: %s", name if _NAME.fullmatch(name) else "unknown")
            return
        if _interacting(data):
            now = self.clock()
            await self.interactions.touch(event.user_id, min(event_time(data) or now, now))
        # Past the resident's limit: no replies, or the one notice (bot/inbound.py).
        replies = await self.inbound.dispatch(self.dispatcher, event)
        if not replies:  # a duplicate of an event already handled, or dropped
            return
        target = self._target(event.user_id)

        async def job() -> None:
            await self._send(target, replies)

        sending = self.delivery.post(target, job)
        # The webhook never waits for this chat's pacing (Zalo documents no per-chat order to
        # keep by waiting); only while the whole process is behind with its sends
        # (bot/inbound.py).
        await self.inbound.settle(target.chat_key, sending)

    # -- outbound --

    def _target(self, user_id: str) -> Target:
        r, app = self.rates, f"zoa:{self.account}"
        limits = (
            Limit(app, r.per_app, r.app_burst),
            Limit(f"{app}:{user_id}", r.per_chat, r.chat_burst),
        )
        background = (background_limit(app, r.per_app),)
        return Target(CHANNEL, self.account, user_id, user_id, limits, background)

    async def _send(self, target: Target, replies: list[RenderedReply]) -> bool:
        """Send a turn's replies in order, each counted as it goes (bot/owed.py); whether
        all of them went out."""
        for n, reply in enumerate(replies, 1):
            if await self.deliver(target, reply) is not SendStatus.SENT:
                return False  # the rest would fail the same way
            if self.dispatcher is not None:
                await self.dispatcher.sent(replies, n)
        return True

    async def resend(self, chat_id: str, user_id: str, replies: Replies) -> bool:
        """A turn's replies that its process did not send (bot/owed.py), in order with the
        chat's other messages; whether all of them went out."""
        target = self._target(user_id)
        journal = self.dispatcher.journal if self.dispatcher is not None else None
        return await posted(
            self.delivery, target, journal, replies, lambda r: self._send(target, r)
        )

    async def send_to(self, user_id: str, reply: RenderedReply) -> SendResult:
        """Send a message no inbound event asked for. Outside the 7-day window nothing is
        attempted; the result says why, for the sender."""
        last = await self.interactions.last(user_id)
        if last is None or self.clock() - last > WINDOW:
            log.info("message not sent: outside the 7-day window")
            return SendResult(SendStatus.OUTSIDE_WINDOW, last)
        target = self._target(user_id)
        outcome: list[SendStatus] = []

        async def job() -> None:
            outcome.append(await self.deliver(target, reply))

        await self.delivery.post(target, job)  # in order with the chat's other messages
        return SendResult(outcome[0] if outcome else SendStatus.FAILED, last)

    async def push(self, chat_id: str, reply: RenderedReply, delivery: Delivery) -> Pushed:
        """A message no event asked for (bot/outbox.py). Outside the 7-day window Zalo takes
        no consultation message (a paid template message would be needed, which this channel
        does not send): OUTSIDE_WINDOW, and the outbox keeps the message until the resident
        writes again, which opens the window."""
        last = await self.interactions.last(chat_id)
        if last is None or self.clock() - last > WINDOW:
            return await self._window_closed(chat_id, last)
        target = self._target(chat_id)
        outcome: list[SendStatus] = []

        async def job() -> None:
            outcome.append(await self.deliver(target, reply, delivery))

        await self.delivery.post(target, job)  # in order with the chat's other messages
        status = outcome[0] if outcome else SendStatus.FAILED
        if status is SendStatus.OUTSIDE_WINDOW:  # Zalo said so (-230, -232)
            return await self._window_closed(chat_id, last)
        return PUSHED[status]

    async def _window_closed(self, chat_id: str, seen: datetime | None) -> Pushed:
        """OUTSIDE_WINDOW, unless the resident wrote after `seen` was read and the window is
        open now: their message was being recorded while this push looked, and the outbox
        would mark them away just after they came back. RETRY then: the next try goes out.
        (A message recorded between this read and the outbox's mark still leaves them
        marked; their next message releases what waits.)"""
        last = await self.interactions.last(chat_id)
        wrote = last is not None and (seen is None or last > seen)
        if wrote and last is not None and self.clock() - last <= WINDOW:
            return Pushed.RETRY
        return Pushed.OUTSIDE_WINDOW

    async def deliver(
        self, target: Target, reply: RenderedReply, delivery: Delivery | None = None
    ) -> SendStatus:
        """Send one reply (through `delivery`, by default the channel's); stops at the first
        message that does not go out."""
        for message in render(reply):
            status = await self._send_one(target, message, delivery or self.delivery)
            if status is not SendStatus.SENT:
                return status
        return SendStatus.SENT

    async def _send_one(
        self, target: Target, message: dict[str, Any], delivery: Delivery
    ) -> SendStatus:
        body = {"recipient": {"user_id": target.user_id}, "message": message}
        seen: list[SendStatus] = []

        async def call() -> dict[str, Any]:
            try:
                return await self._api(CS_PATH, body)
            except ZaloError as exc:
                status, error = self._mapped(exc)
                seen.append(status)
                log.warning("send refused channel=%s error=%d", CHANNEL, exc.code)
                raise error from exc

        if await delivery.send(target, call) is not None:
            return SendStatus.SENT
        return seen[-1] if seen else SendStatus.FAILED

    def _mapped(self, exc: ZaloError) -> tuple[SendStatus, Exception]:
        if exc.code == RATE_LIMITED:
            return SendStatus.FAILED, RetryLater(self.rates.rate_limited_pause)
        if exc.code in GONE:
            return SendStatus.UNREACHABLE, Unreachable()
        if exc.code in WINDOW_CLOSED:
            return SendStatus.OUTSIDE_WINDOW, WindowClosed(exc.code, exc.api_message)
        return SendStatus.FAILED, exc

    # -- tokens --

    async def _api(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        pair = await self._current()
        try:
            return await self.client.post(path, body, pair.access_token)
        except ZaloError as exc:
            if exc.code not in TOKEN_ERRORS:
                raise
            log.info("access token refused (error %d): refreshing", exc.code)
        pair = await self._rotate(pair.access_token)
        return await self.client.post(path, body, pair.access_token)

    async def _current(self) -> TokenPair:
        if self._pair is None:
            if self._seed is not None:
                await self.tokens.seed(*self._seed)
                self._seed = None
            self._pair = await self.tokens.load()
            if self._pair is None:
                log.error("no Zalo OA tokens: set BINHYEN_ZALO_OA_ACCESS_TOKEN/_REFRESH_TOKEN")
                raise TokenMissing()
        pair, now = self._pair, self.clock()
        if not pair.access_token:
            return await self._rotate("")
        if pair.expires_within(REFRESH_MARGIN, now) and now >= self._retry_early_at:
            try:
                return await self._rotate(pair.access_token)
            except (Transient, TokenRefused) as exc:
                if pair.expires_within(timedelta(0), now):
                    raise
                # The token still works for a while: use it, and try again in a minute.
                self._retry_early_at = now + timedelta(minutes=1)
                log.warning("early token refresh failed: %s", type(exc).__name__)
        return pair

    async def _rotate(self, used: str) -> TokenPair:
        self._pair = await self.tokens.rotate(used, self.client.refresh)
        return self._pair

    # -- files and shutdown --

    async def fetch(self, _account: str, media: Media) -> bytes:
        """The bytes behind an attachment URL (what MediaKeeper asks), at most max_download."""
        if media.size is not None and media.size > self.max_download:
            raise MediaUnavailable("file too large")
        # Only from Zalo's CDN, at a public address: a forged event must not fetch the
        # service's own pages (bot/channels/common.py).
        return await fetch_public(self.client.http, media.ref, self.max_download, self.media)

    async def stop(self) -> None:
        await self.delivery.drain()
        await self.client.aclose()


def build(settings: Settings, rt: Runtime) -> ZaloOaChannel:
    """The channel from the settings; refuses to start without what it cannot work without."""
    required = {
        "BINHYEN_ZALO_OA_APP_ID": settings.zalo_oa_app_id,
        "BINHYEN_ZALO_OA_SECRET_KEY": settings.zalo_oa_secret_key,
        "BINHYEN_ZALO_OA_APP_SECRET": settings.zalo_oa_app_secret,
    }
    missing = [name for name, value in required.items() if not value]
    if missing:
        raise SystemExit(f"Zalo Official Account: {', '.join(missing)} must be set.")
    assert settings.zalo_oa_secret_key is not None and settings.zalo_oa_app_secret is not None
    app_id, app_secret = settings.zalo_oa_app_id, settings.zalo_oa_app_secret.get_secret_value()
    access, refresh = settings.zalo_oa_access_token, settings.zalo_oa_refresh_token
    channel = ZaloOaChannel(
        app_id=app_id,
        oa_secret_key=settings.zalo_oa_secret_key.get_secret_value(),
        client=OaClient(settings.zalo_oa_api_base, settings.zalo_oa_oauth_base, app_id, app_secret),
        tokens=SqlZaloOaTokens(rt.sessions, rt.account_sealer, app_id),
        interactions=SqlZaloOaInteractions(rt.sessions, app_id),
        dispatcher=rt.dispatcher,
        delivery=rt.delivery,
        seed=(
            access.get_secret_value() if access else "",
            refresh.get_secret_value() if refresh else "",
        ),
        max_download=rt.media.max_bytes,
        app_secret=app_secret,
        inbound=rt.inbound,
        media=zalo_media(settings),
    )
    rt.media.register(CHANNEL, channel.fetch)
    return channel
