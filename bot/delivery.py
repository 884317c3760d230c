"""Delivery: every outgoing message of every channel goes through here.

- Rate limits shared by all processes (storage.limits): per bot account, per chat, per
  group, as each channel sets them.
- A platform's "too many requests, retry after N s" pauses every send of that account
  for N s, in every process, and the message is tried again.
- "Blocked by the user" marks the resident unreachable and drops the message.
- Network errors and server errors are retried with exponential back-off and jitter
  (bot/retry.py).
- One chat's messages go out in the order they were handed over; different chats in
  parallel. Sends run in the background, so a webhook can answer as soon as the event is
  committed; `drain()` waits for them on shutdown.

Logs name the channel and the error type, never a chat id or a message text.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar, cast

from bot import metrics, retry
from handlers.model import RenderedReply
from storage.limits import Limit, Limiter
from storage.state_memory import MemoryChatLocks

log = logging.getLogger("binhyen.delivery")
T = TypeVar("T")


class DeliveryError(Exception):
    """Raised by a channel's send call to tell delivery what happened."""


class RetryLater(DeliveryError):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds} s")
        self.seconds = seconds


class Unreachable(DeliveryError):
    """The resident blocked the bot or left: nothing more can be sent to them."""


class Transient(DeliveryError):
    """A network or server error: the same call may succeed later."""


@dataclass(frozen=True, slots=True)
class Target:
    channel: str
    account: str
    chat_id: str
    user_id: str
    limits: tuple[Limit, ...] = ()
    # Limits that only a background send (a broadcast's copy) also takes: the account's rate
    # less a share, so that the replies of residents chatting always find a slot.
    background: tuple[Limit, ...] = ()

    @property
    def chat_key(self) -> str:
        return f"{self.channel}:{self.account}:{self.chat_id}"

    @property
    def pause_key(self) -> str:
        return f"{self.channel}:{self.account}"


OnUnreachable = Callable[[Target], Awaitable[None]]


@dataclass
class Delivery:
    limiter: Limiter
    on_unreachable: OnUnreachable
    max_attempts: int = 5  # for network errors
    max_rate_limited: int = 10  # 429s in a row for one message before giving up
    # A background delivery (the outbox's broadcast copies) also takes the target's
    # background limits, and leaves `headroom` slots of each bucket's burst to replies.
    background: bool = False
    headroom: int = 0
    backoff: retry.Backoff = retry.DELIVERY  # between tries after network errors
    # Awaited once, right before the first platform call is made (its slot already taken):
    # the outbox records there that a broadcast's copy is leaving, so that a worker killed
    # while it waited for a slot leaves nothing in doubt.
    before_call: Callable[[], Awaitable[None]] | None = None
    # A message in several calls (a photo and its text, a text in pieces) that an earlier
    # try sent in part: its first `skip` calls went out then and are not made again (the
    # outbox keeps how many, bot/outbox.py). `made` counts the calls that went out, skipped
    # ones included.
    skip: int = 0
    made: int = 0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    _order: MemoryChatLocks = field(default_factory=MemoryChatLocks)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _queued: dict[str, int] = field(default_factory=dict)  # chat key → jobs not finished

    async def send(
        self, target: Target, call: Callable[[], Awaitable[T]], *, limited: bool = True
    ) -> T | None:
        """Make one platform call under the limits; its result, or None when it was given
        up (blocked, or failed for good: logged and counted)."""
        if self.skip > 0:
            self.skip -= 1
            self.made += 1
            return cast(T, True)
        failures = rate_limited = 0
        while True:
            if limited:
                await self._slot(target)
            if self.before_call is not None:
                before, self.before_call = self.before_call, None
                await before()
            try:
                result = await call()
            except RetryLater as exc:
                metrics.DELIVERIES[(target.channel, "rate_limited")] += 1
                rate_limited += 1
                await self.limiter.pause(target.pause_key, exc.seconds)
                if rate_limited >= self.max_rate_limited:
                    return self._give_up(target, exc)
                if not limited:
                    await self.sleep(exc.seconds)
                continue
            except Unreachable:
                metrics.DELIVERIES[(target.channel, "unreachable")] += 1
                try:
                    await self.on_unreachable(target)
                except Exception as exc:  # the message is dropped either way
                    log.error("could not mark a resident unreachable: %s", type(exc).__name__)
                return None
            except Transient as exc:
                failures += 1
                if failures >= self.max_attempts:
                    return self._give_up(target, exc)
                metrics.DELIVERIES[(target.channel, "retried")] += 1
                await self.sleep(self.backoff.after(failures))
                continue
            except Exception as exc:  # a request the platform refuses: trying again won't help
                return self._give_up(target, exc)
            metrics.DELIVERIES[(target.channel, "sent")] += 1
            self.made += 1
            return result

    async def take_now(self, target: Target) -> bool:
        """A slot of every limit of `target` if one is open right now, else nothing taken:
        for a message that goes out in a webhook's answer (it cannot wait for a slot), still
        counted in the budgets every process shares."""
        booked, _wait = await self.limiter.book(target.limits, target.pause_key)
        if booked:
            metrics.DELIVERIES[(target.channel, "answered")] += 1
        return booked

    def idle(self, chat_key: str) -> bool:
        """Whether no job of this chat is queued or under way."""
        return chat_key not in self._queued

    async def _slot(self, target: Target) -> None:
        """Wait for a slot of every limit. Every send books the next slot when it opens soon
        (Limiter.book), and sleeps until it: slots are kept back to back, whenever their
        senders wake, and a reply books behind the few slots the outbox's lanes hold, never
        starved by them. A slot further off is not booked (a bucket has one next slot: a far
        booking would hold up every other chat) but asked for again when it comes closer."""
        limits, key = target.limits, target.pause_key
        if self.background:
            limits += target.background
        while True:
            booked, wait = await self.limiter.book(
                limits, key, headroom=self.headroom, within=BOOK_AHEAD
            )
            if wait > 0:
                await self.sleep(wait if booked else max(wait - BOOK_AHEAD / 2, MIN_WAIT))
            if booked:
                return

    @staticmethod
    def _give_up(target: Target, exc: BaseException) -> None:
        metrics.DELIVERIES[(target.channel, "failed")] += 1
        log.error("message not delivered channel=%s error=%s", target.channel, type(exc).__name__)
        return None

    def post(self, target: Target, job: Callable[[], Awaitable[object]]) -> asyncio.Task[None]:
        """Run `job` (a channel's sends for one event) in the background, after every job
        posted earlier for the same chat."""
        key = target.chat_key
        self._queued[key] = self._queued.get(key, 0) + 1

        async def in_order() -> None:
            async with self._order.hold(key):
                try:
                    await job()
                except Exception as exc:
                    self._give_up(target, exc)

        task = asyncio.get_running_loop().create_task(in_order())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(lambda _task: self._finished(key))
        return task

    def _finished(self, chat_key: str) -> None:
        left = self._queued.pop(chat_key, 1) - 1
        if left > 0:
            self._queued[chat_key] = left

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait (at most `timeout` s) for the background sends; cancel what is left."""
        tasks: Sequence[asyncio.Task[None]] = list(self._tasks)
        if not tasks:
            return
        _done, late = await asyncio.wait(tasks, timeout=timeout)
        for task in late:
            task.cancel()
        if late:
            log.warning("shutdown: %d deliveries cancelled", len(late))


# How far ahead a send books its slot: a few of a bot's 30 a second. The outbox's lanes
# (bot/outbox.py) hold one booking each, so a reply waits behind a handful at most.
BOOK_AHEAD = 0.25
MIN_WAIT = 0.005

# What a background send may take of an account's rate: the rest is kept for replies.
BACKGROUND_SHARE = 0.95


def background_limit(key: str, rate: float) -> Limit:
    """An account's limit for background sends: BACKGROUND_SHARE of its rate, one at a time."""
    return Limit(f"{key}:background", rate * BACKGROUND_SHARE, 1)


class Pushed(enum.StrEnum):
    """What pushing one message no event asked for (bot/outbox.py) came to."""

    SENT = "sent"
    UNREACHABLE = "unreachable"  # blocked, or gone
    # Zalo OA: the resident has not written for 7 days; they may, and then it goes out.
    OUTSIDE_WINDOW = "outside_window"
    RETRY = "retry"  # not sent this time; the same message may go out later


class Pusher(Protocol):
    """A running channel that can send a resident a message no event asked for: in order
    with the replies of their chat, under `delivery`'s limits (the outbox passes one that
    leaves retrying to itself). `chat_id` is the identity's platform user id."""

    account: str

    async def push(self, chat_id: str, reply: RenderedReply, delivery: Delivery) -> Pushed: ...
