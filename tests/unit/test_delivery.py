"""Delivery: shared rate limits (in process and on Redis), 429 pauses, 403 unreachable,
retries with backoff, per-chat order."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot import metrics
from bot.delivery import Delivery, RetryLater, Target, Transient, Unreachable
from storage.limits import Limit, Limiter, MemoryLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_burst_goes_at_once_then_the_rate_holds(limiter: Limiter) -> None:
    chat = [Limit("chat", rate=1.0, burst=3)]
    waits = [await limiter.reserve(chat, "bot") for _ in range(4)]
    assert waits[:3] == [0, 0, 0]
    assert 0.9 < waits[3] <= 1.0  # the fourth waits for the bucket to drain one send


async def test_all_limits_or_none(limiter: Limiter) -> None:
    tight = Limit("chat-a", rate=1.0, burst=1)
    shared = Limit("bot", rate=1000.0, burst=2)
    assert await limiter.reserve([tight, shared], "bot") == 0
    assert await limiter.reserve([tight, shared], "bot") > 0  # the chat is full
    # The refused send took nothing from the bot's budget: another chat still gets one.
    assert await limiter.reserve([Limit("chat-b", 1.0, 1), shared], "bot") == 0


async def test_a_pause_stops_every_send_of_the_account(limiter: Limiter) -> None:
    await limiter.pause("bot", 5)
    wait = await limiter.reserve([Limit("chat", 100.0, 10)], "bot")
    assert 4.5 < wait <= 5.0
    assert await limiter.reserve([Limit("chat", 100.0, 10)], "other-bot") == 0
    await limiter.pause("bot", 1)  # a shorter pause does not cut the longer one
    assert await limiter.reserve([Limit("chat", 100.0, 10)], "bot") > 4


async def test_a_booked_slot_is_the_one_after_the_last_whenever_its_sender_wakes(
    limiter: Limiter,
) -> None:
    bot = [Limit("bot", rate=10.0, burst=1)]  # one every 0.1 s
    assert await limiter.book(bot, "bot", within=0.5) == (True, 0)
    booked, wait = await limiter.book(bot, "bot", within=0.5)
    assert booked and 0.09 < wait <= 0.1  # the next slot, taken now
    booked, wait = await limiter.book(bot, "bot", within=0.5)
    assert booked and 0.19 < wait <= 0.2  # and the one after: slots do not drift
    # Beyond the horizon nothing is taken, and a reply asking now waits behind the bookings.
    assert await limiter.book(bot, "bot", within=0.1) == (False, pytest.approx(0.3, abs=0.01))
    assert 0.29 < await limiter.reserve(bot, "bot") <= 0.3


async def test_a_booking_is_all_limits_or_none_and_a_pause_refuses_it(limiter: Limiter) -> None:
    tight = Limit("chat-a", rate=1.0, burst=1)
    shared = Limit("bot", rate=1000.0, burst=1)
    assert (await limiter.book([tight, shared], "bot", within=0.5))[0]
    booked, wait = await limiter.book([tight, shared], "bot", within=0.5)
    assert not booked and 0.9 < wait <= 1.0  # the chat's next slot is a second away
    assert (await limiter.book([Limit("chat-b", 1.0, 1), shared], "bot", within=0.01))[0]
    await limiter.pause("bot", 5)
    booked, wait = await limiter.book([Limit("chat-c", 1.0, 1)], "bot", within=10)
    assert not booked and 4.5 < wait <= 5.0  # a pause is never booked through


async def test_memory_buckets_drain_with_time() -> None:
    clock = FakeClock()
    limiter = MemoryLimiter(clock)
    chat = [Limit("chat", rate=2.0, burst=1)]
    assert await limiter.reserve(chat, "bot") == 0
    assert await limiter.reserve(chat, "bot") == pytest.approx(0.5)
    clock.now += 0.5
    assert await limiter.reserve(chat, "bot") == 0
    await limiter.pause("bot", 3)
    clock.now += 3.01
    assert await limiter.reserve(chat, "bot") == 0


class Recorder:
    """A delivery whose sleeps are recorded instead of waited."""

    def __init__(self) -> None:
        self.slept: list[float] = []
        self.unreachable: list[Target] = []
        self.delivery = Delivery(MemoryLimiter(), self.mark, sleep=self.sleep)

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        await asyncio.sleep(0)

    async def mark(self, target: Target) -> None:
        self.unreachable.append(target)


TARGET = Target("test", "bot", "42", "42", (Limit("test:bot", 1000.0, 1000),))


def script(*outcomes: Any) -> Any:
    """A send call that raises or returns each outcome in turn; counts its calls."""
    calls: list[int] = []

    async def call() -> Any:
        outcome = outcomes[len(calls)]
        calls.append(1)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    call.calls = calls  # type: ignore[attr-defined]
    return call


async def test_too_many_requests_pauses_the_account_and_sends_again() -> None:
    rec = Recorder()
    call = script(RetryLater(7), "sent")
    before = metrics.DELIVERIES[("test", "rate_limited")]
    assert await rec.delivery.send(TARGET, call) == "sent"
    assert len(call.calls) == 2
    assert rec.slept and 6.5 < rec.slept[0] <= 7  # waited for the pause before the retry
    assert metrics.DELIVERIES[("test", "rate_limited")] == before + 1


async def test_blocked_marks_the_resident_unreachable_and_stops() -> None:
    rec = Recorder()
    call = script(Unreachable())
    assert await rec.delivery.send(TARGET, call) is None
    assert rec.unreachable == [TARGET]
    assert len(call.calls) == 1


async def test_network_errors_are_retried_with_growing_waits_then_given_up() -> None:
    rec = Recorder()
    call = script(*[Transient("timeout")] * 5)
    failed = metrics.DELIVERIES[("test", "failed")]
    assert await rec.delivery.send(TARGET, call) is None
    assert len(call.calls) == 5
    assert len(rec.slept) == 4 and rec.slept == sorted(rec.slept)
    assert rec.slept[0] < 1 < rec.slept[-1]
    assert metrics.DELIVERIES[("test", "failed")] == failed + 1


async def test_a_network_error_then_success() -> None:
    rec = Recorder()
    assert await rec.delivery.send(TARGET, script(Transient("reset"), "ok")) == "ok"


async def test_calls_an_earlier_try_made_are_skipped_and_the_hook_waits_for_a_real_one() -> None:
    marks: list[str] = []

    async def mark() -> None:
        marks.append("sending")

    delivery = Delivery(MemoryLimiter(), Recorder().mark, skip=1, before_call=mark)
    photo, text = script("photo again"), script("text")
    assert await delivery.send(TARGET, photo) is not None  # went out on the earlier try
    assert photo.calls == [] and marks == []
    assert await delivery.send(TARGET, text) == "text"
    assert text.calls == [1] and marks == ["sending"]
    assert delivery.made == 2


async def test_a_refused_request_is_not_retried() -> None:
    rec = Recorder()
    call = script(ValueError("bad request"))
    assert await rec.delivery.send(TARGET, call) is None
    assert len(call.calls) == 1


async def test_endless_rate_limiting_gives_up() -> None:
    rec = Recorder()
    call = script(*[RetryLater(0.001)] * 20)
    assert await rec.delivery.send(TARGET, call) is None
    assert len(call.calls) == rec.delivery.max_rate_limited


async def test_jobs_of_one_chat_run_in_order_others_alongside() -> None:
    delivery = Delivery(MemoryLimiter(), Recorder().mark)
    seen: list[str] = []
    gate = asyncio.Event()

    def job(name: str, wait: bool = False) -> Any:
        async def run() -> None:
            if wait:
                await gate.wait()
            seen.append(name)

        return run

    other = Target("test", "bot", "7", "7")
    delivery.post(TARGET, job("first", wait=True))
    delivery.post(TARGET, job("second"))
    delivery.post(other, job("other chat"))
    await asyncio.sleep(0.01)
    assert seen == ["other chat"]  # the second job of chat 42 waits for the first
    gate.set()
    await delivery.drain()
    assert seen == ["other chat", "first", "second"]
    assert delivery.pending == 0


async def test_drain_cancels_what_does_not_finish_in_time() -> None:
    delivery = Delivery(MemoryLimiter(), Recorder().mark)

    async def forever() -> None:
        await asyncio.Event().wait()

    task = delivery.post(TARGET, forever)
    await delivery.drain(timeout=0.05)
    await asyncio.sleep(0)
    assert task.cancelled()


async def test_background_sends_leave_the_last_slots_to_replies(limiter: Limiter) -> None:
    bot = [Limit("bot-headroom", rate=1.0, burst=5)]
    # A broadcast takes what it may: the burst less the headroom of 2.
    taken = [await limiter.reserve(bot, "bot", headroom=2) for _ in range(4)]
    assert taken[:3] == [0, 0, 0] and taken[3] > 0
    # A reply still goes at once, twice; then the bucket is full for everyone.
    assert await limiter.reserve(bot, "bot") == 0
    assert await limiter.reserve(bot, "bot") == 0
    assert await limiter.reserve(bot, "bot") > 0
    # A headroom larger than the burst still lets one send through an empty bucket.
    assert await limiter.reserve([Limit("small", rate=1.0, burst=2)], "bot", headroom=9) == 0


async def test_a_background_delivery_takes_its_own_limits_too() -> None:
    clock = FakeClock()
    limiter = MemoryLimiter(clock)
    shared = Limit("bot-h", rate=10.0, burst=1)
    target = Target(
        "telegram", "1", "42", "42", (shared,), (Limit("bot-h:background", rate=1.0, burst=1),)
    )
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.now += seconds

    async def ok() -> str:
        return "sent"

    reply = Delivery(limiter, lambda _t: asyncio.sleep(0), sleep=sleep)
    background = Delivery(limiter, lambda _t: asyncio.sleep(0), background=True, sleep=sleep)
    assert await background.send(target, ok) == "sent"
    assert await reply.send(target, ok) == "sent"  # the shared bucket's next slot: 0.1 s
    assert slept == [pytest.approx(0.1)]
    assert await background.send(target, ok) == "sent"  # its own share: a second apart
    assert sum(slept) == pytest.approx(1.0)
