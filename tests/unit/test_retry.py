"""The one back-off policy (bot/retry.py), and each place that retries after a failure using it:
delivery's sends, the outbox's schedule, Telegram's and Zalo Bot's polling."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from telegram import error as tg_error
from tenacity import AsyncRetrying, RetryError, stop_after_attempt

from bot import outbox, retry
from bot.channels.telegram import channel as telegram_channel
from bot.channels.zalo_bot import channel as zalo_bot_channel
from bot.channels.zalo_bot.client import ZaloBotError
from bot.delivery import Delivery, Target, Transient
from storage.limits import MemoryLimiter

# --- the policy --------------------------------------------------------------------------------


def test_without_jitter_it_doubles_from_first_up_to_the_cap() -> None:
    policy = retry.Backoff(first=0.5, cap=10.0)
    assert [policy.after(n) for n in range(1, 8)] == [0.5, 1, 2, 4, 8, 10, 10]
    assert policy.after(10_000) == 10.0  # no overflow however long the run of failures
    assert policy.after(0) == policy.after(-3) == 0.5  # "no failure yet" waits the first


def test_jitter_adds_zero_to_jitter_seconds_and_spreads() -> None:
    policy = retry.Backoff(first=1.0, cap=4.0, jitter=0.5)
    for n, base in [(1, 1.0), (2, 2.0), (3, 4.0), (9, 4.0)]:
        waits = [policy.after(n) for _ in range(300)]
        assert all(base <= w <= base + 0.5 for w in waits)
        assert max(waits) - min(waits) > 0.25  # actually random, not a constant offset


def test_growth_outruns_the_jitter() -> None:
    # With jitter no larger than the first wait, the n-th wait is never shorter than the one
    # before: a run of failures slows down, whatever the dice say.
    policy = retry.DELIVERY
    assert policy.jitter <= policy.first
    for _ in range(200):
        waits = [policy.after(n) for n in range(1, 7)]
        assert waits == sorted(waits)


@pytest.mark.parametrize(
    ("first", "cap", "jitter"), [(0, 1, 0), (-1, 1, 0), (2, 1, 0), (1, 2, -0.1)]
)
def test_nonsense_is_refused(first: float, cap: float, jitter: float) -> None:
    with pytest.raises(ValueError):
        retry.Backoff(first=first, cap=cap, jitter=jitter)


async def test_it_drives_tenacity_as_a_wait_strategy() -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    retrying = AsyncRetrying(
        wait=retry.Backoff(first=1.0, cap=3.0), stop=stop_after_attempt(4), sleep=sleep
    )
    with pytest.raises(RetryError):
        async for attempt in retrying:
            with attempt:
                raise ConnectionError
    assert slept == [1.0, 2.0, 3.0]


def test_the_policies_in_use_keep_their_first_waits_and_caps() -> None:
    assert (retry.DELIVERY.first, retry.DELIVERY.cap, retry.DELIVERY.jitter) == (0.5, 30.0, 0.5)
    assert (retry.POLLING.first, retry.POLLING.cap, retry.POLLING.jitter) == (1.0, 30.0, 0.0)
    assert (retry.OUTBOX.first, retry.OUTBOX.cap, retry.OUTBOX.jitter) == (30.0, 3600.0, 0.0)
    assert [retry.POLLING.after(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


# --- every site uses it ------------------------------------------------------------------------


def test_the_outbox_schedules_with_the_shared_policy() -> None:
    assert [outbox.backoff(n) for n in (1, 2, 3)] == [timedelta(seconds=s) for s in (30, 60, 120)]
    for n in range(1, 20):
        assert outbox.backoff(n) == timedelta(seconds=retry.OUTBOX.after(n))
    assert outbox.backoff(8) == outbox.backoff(100) == timedelta(hours=1)


async def test_delivery_waits_by_the_shared_policy() -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async def mark(target: Target) -> None:
        raise AssertionError("not unreachable")

    delivery = Delivery(MemoryLimiter(), mark, sleep=sleep, backoff=retry.Backoff(1.0, 5.0))
    assert Delivery(MemoryLimiter(), mark).backoff is retry.DELIVERY

    async def failing() -> None:
        raise Transient("reset")

    assert await delivery.send(Target("test", "bot", "1", "1"), failing, limited=False) is None
    assert slept == [1.0, 2.0, 4.0, 5.0]  # five tries, four waits


class Slept:
    """asyncio.sleep as the polling loops call it, recorded instead of waited."""

    def __init__(self, stop: asyncio.Event, after: int) -> None:
        self.seconds: list[float] = []
        self._stop, self._after = stop, after
        self._real = asyncio.sleep

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)
        if len(self.seconds) >= self._after:
            self._stop.set()
        await self._real(0)


async def test_telegram_polling_backs_off_by_the_shared_policy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Only what poll() touches: the real constructor opens HTTP clients.
    channel: Any = object.__new__(telegram_channel.TelegramChannel)
    channel._stop = asyncio.Event()
    errors: list[Exception] = [tg_error.NetworkError("down")] * 3
    errors += [tg_error.RetryAfter(7), tg_error.NetworkError("down")]
    errors += [tg_error.NetworkError("down")] * 3

    class Bot:
        async def delete_webhook(self, **_: Any) -> bool:
            return True

        async def get_updates(self, **_: Any) -> list[Any]:
            raise errors.pop(0)

    channel.bot = Bot()
    slept = Slept(channel._stop, after=8)
    monkeypatch.setattr(telegram_channel.asyncio, "sleep", slept)
    await asyncio.wait_for(channel.poll(), timeout=5)
    # The 429's Retry-After is waited as given and does not count as a failure.
    assert slept.seconds == [1.0, 2.0, 4.0, 7.0, 8.0, 16.0, 30.0, 30.0]


async def test_zalo_bot_polling_backs_off_by_the_shared_policy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    errors = [ZaloBotError(502)] * 2 + [ZaloBotError(429, retry_after=7.0)]
    errors += [ZaloBotError(503)] * 4

    class Client:
        bot_id = "1"

        async def get_updates(self, timeout: int) -> list[Any]:
            raise errors.pop(0)

    channel = zalo_bot_channel.ZaloBotChannel(Client(), "s", None, None)  # type: ignore[arg-type]
    slept = Slept(channel._stop, after=7)
    monkeypatch.setattr(zalo_bot_channel.asyncio, "sleep", slept)
    await asyncio.wait_for(channel.poll(), timeout=5)
    # A 429 waits its Retry-After; it counts as a failure for the back-off, as it always did.
    assert slept.seconds == [1.0, 2.0, 7.0, 8.0, 16.0, 30.0, 30.0]
