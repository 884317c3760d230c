"""The Telegram channel: receive updates, hand them to the core, send the replies."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import telegram
from telegram import error as tg_error

from bot import retry
from bot.channels.common import cancel
from bot.channels.telegram.bot_api import (
    ALLOWED_UPDATES,
    POLL_TIMEOUT,
    SEND_CONCURRENCY,
    Sender,
    SendRefused,
    make_bot,
    retry_after,
)
from bot.channels.telegram.events import CHANNEL, to_event
from bot.channels.telegram.render import Outgoing, render
from bot.delivery import Delivery, Pushed, Target, background_limit
from bot.dispatcher import Dispatcher
from bot.inbound import Inbound, is_emergency
from bot.owed import Replies, posted
from handlers.model import Media, RenderedReply
from handlers.ports import MediaUnavailable
from storage.limits import Limit

log = logging.getLogger("binhyen.telegram")

DOWNLOAD_LIMIT = 20 * 1024 * 1024  # getFile serves files up to 20 MB
PACE = 0.98  # of per_bot: the bot's slots, spaced for senders who wake a little late
SPACING = 1.01  # × 1/per_bot: the least time between two messages leaving this process
FILE_IDS = 64  # uploaded photos whose file_id a process keeps (the latest broadcasts')
# s a chat's later messages wait at most for a webhook's answer to be written (a request
# that ended without writing it: its process never learns, and the chat must not stall)
ANSWER_WAIT = 5.0


def _largest_photo(sent: Any) -> str:
    """The file_id of the largest size of a sent photo (sendPhoto's Message), or ""."""
    sizes = sent.get("photo") if isinstance(sent, dict) else None
    if not isinstance(sizes, list) or not sizes or not isinstance(sizes[-1], dict):
        return ""
    return str(sizes[-1].get("file_id") or "")


@dataclass(frozen=True)
class Answer:
    """A reply that goes out in the webhook's answer (`body`: the method and its parameters,
    which Telegram calls as if the bot had; it never tells whether that worked). The chat's
    later messages wait in delivery until the answer has been written (`done`)."""

    body: dict[str, Any]
    written: asyncio.Future[None]

    def done(self) -> None:
        if not self.written.done():
            self.written.set_result(None)


async def _until_written(written: asyncio.Future[None]) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(written, ANSWER_WAIT)


@dataclass(frozen=True)
class Rates:
    """Telegram's published limits: ~30 messages/s per bot, 1/s per chat (short bursts
    tolerated), 20/min per group."""

    per_bot: float = 30.0
    per_chat: float = 1.0
    chat_burst: int = 3
    per_group_minute: float = 20.0


class TelegramChannel:
    def __init__(
        self,
        token: str,
        api_base: str,
        secret: str,
        dispatcher: Dispatcher,
        delivery: Delivery,
        rates: Rates | None = None,
        inbound: Inbound | None = None,
        answer_in_response: bool = True,
    ) -> None:
        self.bot = make_bot(token, api_base)
        self.sender = Sender(token, api_base)
        self.account = token.split(":", 1)[0]
        self.secret = secret
        self.dispatcher = dispatcher
        self.delivery = delivery
        self.rates = rates or Rates()
        self.inbound = inbound or Inbound()  # the runtime's: the limit and back-pressure
        self.answer_in_response = answer_in_response  # BINHYEN_TELEGRAM_ANSWER_IN_RESPONSE
        self._polling: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self._sending = asyncio.Semaphore(SEND_CONCURRENCY)
        self._file_ids: dict[str, str] = {}  # a photo's address → Telegram's file_id
        self._uploads: dict[str, asyncio.Lock] = {}
        self._spacing = asyncio.Lock()
        self._last_send = 0.0

    # -- inbound --

    def check_secret(self, given: str | None) -> bool:
        return hmac.compare_digest((given or "").encode(), self.secret.encode())

    async def receive(self, body: bytes) -> Answer | None:
        """One webhook body: parse, handle, hand the replies to delivery; the reply that goes
        in the webhook's answer, if one does (`_in_answer`). Bad input is logged and dropped
        (answering an error would make Telegram resend it forever)."""
        try:
            data = json.loads(body)
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                raise ValueError("not an update")
            update = telegram.Update.de_json(data, self.bot)
        except Exception as exc:
            log.warning("malformed update ignored: %s", type(exc).__name__)
            return None
        return await self.handle(update, answerable=True)

    async def handle(self, update: telegram.Update, *, answerable: bool = False) -> Answer | None:
        """Handle one update; with `answerable` (a webhook's, not a polled one) its reply
        may come back to go in the webhook's answer."""
        try:
            event = to_event(update, self.account)
        except Exception as exc:  # a body the Bot API never sends (a message without its
            # chat, an offset that is no number): dropped like an unparsable one, not a 500
            # that Telegram would send again and again (issue 19's fuzzing)
            log.warning("malformed update ignored: %s", type(exc).__name__)
            return None
        query = update.callback_query
        if event is None:
            kinds = sorted(k for k, v in update.to_dict().items() if k != "update_id" and v)
            log.info("update ignored: %s", ",".join(kinds) or "empty")
            if query is not None:  # a button in a group: still stop its spinner
                self._post_answer(query.id, str(query.from_user.id))
            return None
        # Past the resident's limit: no replies, or the one notice (bot/inbound.py).
        replies = await self.inbound.dispatch(self.dispatcher, event)
        if replies is None:  # a duplicate delivery of an update already handled
            return None
        answer = query.id if query is not None else None
        if not replies and answer is None:  # dropped: nothing to send (a tap's spinner
            return None  # is still stopped: _send answers it first)
        target = self._target(event.chat_id, event.user_id)
        if answerable and self.answer_in_response and not is_emergency(event):
            answered = await self._in_answer(target, replies)
            if answered is not None:
                if answer is not None:  # the spinner, stopped by a call of its own
                    query_id = answer
                    self.delivery.post(target, lambda: self._answer(target, query_id))
                return answered
        sending = self.delivery.post(target, lambda: self._send(target, replies, answer))
        # The webhook answers once these are out (the chat's order across processes, at most
        # bot.inbound.ORDER_WAIT), and waits longer only while the whole process is behind
        # with its sends (bot/inbound.py, docs/BENCHMARKS.md §5). A reply in the answer is
        # out with the answer. Polling is one process, in order by delivery: no wait.
        await self.inbound.settle(target.chat_key, sending, ordered=answerable)
        return None

    async def _in_answer(self, target: Target, replies: list[RenderedReply]) -> Answer | None:
        """The turn's reply as the webhook's answer (docs/BENCHMARKS.md §23), saving the Bot
        API call; None: it goes through delivery. Telegram never says whether an answer's call
        worked, and a copy of an update whose answer was lost is a duplicate that gets
        nothing: so only a reply whose loss leaves nothing behind goes that way (the resident
        asks again, and gets it):

        - not an emergency's (the numbers go by a call that delivery retries);
        - the turn recorded nothing in the database (bot/owed.py: a recorded turn's replies
          must be seen sent) and left the conversation state as it was (its step, the choices
          it offers: `Replies.state_kept`);
        - it is the turn's only reply, and one Bot API call (no upload, not in pieces);
        - nothing of the chat is queued in this process's delivery (its order; another
          process's sends are out before Telegram sends this update), and from here until the
          answer has been written the chat's later messages wait behind it;
        - the shared limiter grants its slot now (the bot's and the chat's budgets count it
          in every process; a 429's pause refuses it), and this process's spacing allows it.
        """
        if (
            len(replies) != 1
            or getattr(replies, "owed_id", None) is not None
            or not getattr(replies, "state_kept", False)
        ):
            return None
        calls = render(replies[0])
        if len(calls) != 1 or calls[0].upload is not None:
            return None
        spacing = SPACING / self.rates.per_bot
        if (
            not self.delivery.idle(target.chat_key)
            or self._spacing.locked()
            or time.monotonic() - self._last_send < spacing
        ):
            return None
        written: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.delivery.post(target, lambda: _until_written(written))  # the chat's turn, held
        try:
            granted = await self.delivery.take_now(target)
        except Exception as exc:  # the limiter away: delivery's own tries say so, in turn
            log.warning("webhook answer: limiter: %s", type(exc).__name__)
            granted = False
        if not granted or time.monotonic() - self._last_send < spacing:
            if not written.done():  # a slow limiter: its wait may be over already
                written.set_result(None)
            return None
        self._last_send = time.monotonic()
        out = calls[0]
        return Answer({"method": out.method, **self._params(target, out)}, written)

    def _post_answer(self, query_id: str, user_id: str) -> None:
        target = self._target(user_id, user_id)

        async def job() -> None:
            await self._answer(target, query_id)

        self.delivery.post(target, job)

    # -- outbound --

    def _target(self, chat_id: str, user_id: str) -> Target:
        bot = f"tg:{self.account}"
        # One at a time, evenly spaced: never more than per_bot in any one second, which a
        # burst of per_bot on top of a steady per_bot would break (429s during a broadcast).
        # Slots are booked back to back (Limiter.book), so a sender woken late sends closer
        # to the next one: PACE leaves ~20 ms a second for that.
        limits = [
            Limit(bot, self.rates.per_bot * PACE, 1),
            Limit(f"{bot}:{chat_id}", self.rates.per_chat, self.rates.chat_burst),
        ]
        if chat_id.startswith("-"):  # a group
            per_second = self.rates.per_group_minute / 60
            limits.append(Limit(f"{bot}:g{chat_id}", per_second, 1))
        background = (background_limit(bot, self.rates.per_bot),)
        return Target(CHANNEL, self.account, chat_id, user_id, tuple(limits), background)

    async def _answer(self, target: Target, query_id: str) -> None:
        async def call() -> Any:
            try:
                async with self._sending:
                    return await self.sender.call(
                        "answerCallbackQuery", {"callback_query_id": query_id}
                    )
            except SendRefused:  # too old: the spinner is gone anyway
                return None

        await self.delivery.send(target, call, limited=False)

    async def _send(
        self, target: Target, replies: list[RenderedReply], callback_query: str | None
    ) -> bool:
        """Send a turn's replies in order, each counted as it goes (bot/owed.py); whether
        all of them went out."""
        if callback_query is not None:
            await self._answer(target, callback_query)
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
            self.delivery, target, journal, replies, lambda r: self._send(target, r, None)
        )

    async def deliver(
        self, target: Target, reply: RenderedReply, delivery: Delivery | None = None
    ) -> bool:
        """Send one reply (through `delivery`, by default the channel's); whether all of it
        went out."""
        delivery = delivery or self.delivery
        for out in render(reply):
            params = self._params(target, out)
            call = self._uploading(out, params) if out.upload is not None else None
            if call is None:

                async def call(method: str = out.method, p: dict[str, Any] = params) -> Any:
                    await self._spaced()
                    async with self._sending:
                        return await self.sender.call(method, p)

            if await delivery.send(target, call) is None:
                return False
        return True

    @staticmethod
    def _params(target: Target, out: Outgoing) -> dict[str, Any]:
        params: dict[str, Any] = {"chat_id": int(target.chat_id)}
        for key, value in out.params.items():
            if value is not None:
                params[key] = value.to_dict() if hasattr(value, "to_dict") else value
        return params

    def _uploading(self, out: Outgoing, params: dict[str, Any]) -> Callable[[], Awaitable[Any]]:
        """A photo sent by its file_id once Telegram has one for it, else uploaded (and its
        file_id kept): a broadcast's photo is uploaded once per process, not once a copy."""
        key = str(params["photo"])

        async def call() -> Any:
            # One upload at a time per photo: the copies behind it wait for its file_id.
            async with self._uploads.setdefault(key, asyncio.Lock()):
                known = self._file_ids.get(key)
                if known is None:
                    rest = {k: v for k, v in params.items() if k != "photo"}
                    assert out.upload is not None
                    await self._spaced()
                    async with self._sending:
                        sent = await self.sender.call(
                            out.method, rest, ("photo", out.upload, out.mime)
                        )
                    self._remember(key, _largest_photo(sent))
                    return sent
            await self._spaced()
            async with self._sending:
                return await self.sender.call(out.method, {**params, "photo": known})

        return call

    async def _spaced(self) -> None:
        """Right before a message leaves: a little over 1/per_bot s after this process's last
        one (SPACING: any 31 span over a second, with ~10 ms to spare for the network).
        The shared limiter books slots a little under the bot's rate (PACE), but a sender
        that wakes late (a slow commit, a busy loop) would otherwise leave close behind the
        one before and let 31 into some second: Telegram's 429, a pause of the whole bot."""
        async with self._spacing:
            # time.monotonic, not the loop's clock: uvloop's counts whole milliseconds
            gap = self._last_send + SPACING / self.rates.per_bot - time.monotonic()
            if gap > 0:
                await asyncio.sleep(gap)
            self._last_send = time.monotonic()

    def _remember(self, key: str, file_id: str) -> None:
        if not file_id:
            return
        self._file_ids[key] = file_id
        while len(self._file_ids) > FILE_IDS:
            oldest = next(iter(self._file_ids))
            self._file_ids.pop(oldest)
            self._uploads.pop(oldest, None)

    async def push(self, chat_id: str, reply: RenderedReply, delivery: Delivery) -> Pushed:
        """A message no update asked for (bot/outbox.py), after the chat's pending replies.
        Unreachable is `delivery`'s to notice (a 403 calls its on_unreachable)."""
        target = self._target(chat_id, chat_id)
        sent: list[bool] = []

        async def job() -> None:
            sent.append(await self.deliver(target, reply, delivery))

        await self.delivery.post(target, job)
        return Pushed.SENT if sent == [True] else Pushed.RETRY

    # -- files --

    async def fetch(self, _account: str, media: Media) -> bytes:
        """The bytes of a file a resident sent, through getFile (what MediaKeeper asks)."""
        if media.size is not None and media.size > DOWNLOAD_LIMIT:
            raise MediaUnavailable("file too large for the Bot API")
        try:
            file = await self.bot.get_file(media.ref)
            if file.file_size is not None and file.file_size > DOWNLOAD_LIMIT:
                raise MediaUnavailable("file too large for the Bot API")
            return bytes(await file.download_as_bytearray())
        except tg_error.TelegramError as exc:
            raise MediaUnavailable(type(exc).__name__) from exc

    # -- polling --

    def start_polling(self) -> None:
        self._stop.clear()
        self._polling = asyncio.get_running_loop().create_task(self.poll())

    async def stop(self) -> None:
        self._stop.set()
        await cancel(self._polling)
        self._polling = None
        await self.delivery.drain()
        await self.sender.aclose()
        try:
            await self.bot.shutdown()
        except Exception as exc:
            log.warning("bot shutdown: %s", type(exc).__name__)

    async def poll(self) -> None:
        """getUpdates in a loop while no public URL is configured. A webhook left set
        would make getUpdates fail, so it is removed first (pending updates are kept)."""
        offset: int | None = None
        failures = 0
        removed_webhook = False
        while not self._stop.is_set():
            try:
                if not removed_webhook:
                    await self.bot.delete_webhook(drop_pending_updates=False)
                    removed_webhook = True
                updates = await self.bot.get_updates(
                    offset=offset, timeout=POLL_TIMEOUT, allowed_updates=ALLOWED_UPDATES
                )
                failures = 0
            except tg_error.InvalidToken:
                log.error("polling stopped: the token was refused (check BINHYEN_TELEGRAM_TOKEN)")
                return
            except tg_error.RetryAfter as exc:
                await asyncio.sleep(retry_after(exc))
                continue
            except tg_error.Conflict:
                log.warning("polling: another getUpdates or a webhook is active; retrying")
                removed_webhook = False
                await asyncio.sleep(5)
                continue
            except tg_error.TelegramError as exc:
                failures += 1
                await asyncio.sleep(retry.POLLING.after(failures))
                log.warning("polling: %s, attempt %d", type(exc).__name__, failures)
                continue
            if not updates:
                continue
            offset = updates[-1].update_id + 1
            # Chats run side by side, each in order (the dispatcher holds a chat in FIFO
            # order); the next batch is asked for only when this one is committed.
            results = await asyncio.gather(
                *(self.handle(u) for u in updates), return_exceptions=True
            )
            for result in results:
                if isinstance(result, BaseException):
                    log.error("polling: update failed: %s", type(result).__name__)
