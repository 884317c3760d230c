"""A stranger who knows a receipt code cannot lock its reporter out: the guesser is slowed
(per chat, per origin), never the code's owner, and a right PIN is never refused because of
wrong ones typed at the same moment (handlers/pin_tries.py)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import Any

import pytest

from bot.dispatcher import Dispatcher
from handlers import mydata, pin_tries, receipt
from handlers.model import InboundEvent, Kind
from storage.attempts import LimitedAttempts
from storage.limits import MemoryLimiter
from tests.conftest import Chat, memory_of
from tests.unit.test_report_flow import receipt_of, to_review

WRONG = "Mã hoặc PIN không đúng"
LOCKED = "thử sai quá nhiều lần"


@dataclass
class Browser(Chat):
    """A chat from an origin, as the web chat's events carry one (the network's key)."""

    origin: str = ""

    def event(
        self, kind: Kind = Kind.TEXT, event_id: str | None = None, **values: object
    ) -> InboundEvent:
        return replace(super().event(kind, event_id, **values), origin=self.origin)


def with_attempts(dispatcher: Dispatcher, **config: Any) -> Dispatcher:
    """The core counting per origin in memory buckets on the test's clock."""
    clock = dispatcher.config.clock
    limiter = MemoryLimiter(clock=lambda: clock().timestamp())
    dispatcher.config = replace(dispatcher.config, attempts=LimitedAttempts(limiter), **config)
    return dispatcher


async def a_tip(dispatcher: Dispatcher) -> tuple[Chat, str, str]:
    reporter = Chat(dispatcher)
    await to_review(reporter)
    code, pin = receipt_of(await reporter.pick("tip:confirm"))
    return reporter, code, pin


def guesses(pin: str, count: int) -> list[str]:
    return [g for g in (f"{n:06d}" for n in range(count + 1)) if g != pin][:count]


async def shown(chat: Chat, code: str, pin: str) -> bool:
    return f"Tin báo {code}" in await chat.say(f"{code} {pin}")


async def test_fifty_wrong_guesses_from_a_stranger_leave_the_owner_in(
    dispatcher: Dispatcher,
) -> None:
    reporter, code, pin = await a_tip(dispatcher)
    stranger = Chat(dispatcher)
    for guess in guesses(pin, 50):
        text = await stranger.say(f"{code} {guess}")
        assert WRONG in text or LOCKED in text
    assert LOCKED in await stranger.say(f"{code} {pin}")  # the guesser is slowed
    assert await shown(reporter, code, pin)  # the owner is not
    assert await shown(Chat(dispatcher), code, pin)  # not on another phone either


async def test_many_strangers_guessing_one_code_get_a_few_tries_each_and_the_owner_gets_in(
    dispatcher: Dispatcher,
) -> None:
    _reporter, code, pin = await a_tip(dispatcher)
    strangers = [Chat(dispatcher) for _ in range(pin_tries.GUARD_AFTER + 5)]
    wrong = guesses(pin, len(strangers) + pin_tries.FREE_WRONG)
    for stranger, guess in zip(strangers, wrong, strict=False):
        assert WRONG in await stranger.say(f"{code} {guess}")
    [tip] = memory_of(dispatcher).all_tips()
    assert tip.pin_failures == len(strangers) and tip.pin_locked_until is not None
    for guess in wrong[len(strangers) :][: pin_tries.FREE_WRONG - 1]:
        assert WRONG in await strangers[0].say(f"{code} {guess}")
    dispatcher.config.clock.advance(hours=2)  # past every chat's own hourly tries and waits
    assert LOCKED in await strangers[0].say(f"{code} {pin}")  # guarded against: no more
    assert await shown(Chat(dispatcher), code, pin)  # a chat that never guessed wrong
    [tip] = memory_of(dispatcher).all_tips()
    assert tip.pin_failures == 0 and tip.pin_locked_until is None  # the right PIN clears it
    assert await shown(strangers[0], code, pin)


@pytest.mark.parametrize("at", ["first", "middle", "last"])
async def test_a_right_pin_is_never_refused_by_wrong_ones_typed_at_the_same_moment(
    dispatcher: Dispatcher, at: str
) -> None:
    _reporter, code, pin = await a_tip(dispatcher)
    strangers = [Chat(dispatcher) for _ in range(30)]
    owner = Chat(dispatcher)
    tries = [s.say(f"{code} {g}") for s, g in zip(strangers, guesses(pin, 30), strict=True)]
    place = {"first": 0, "middle": 15, "last": 30}[at]
    tries.insert(place, owner.say(f"{code} {pin}"))
    answers = await asyncio.gather(*tries)
    assert f"Tin báo {code}" in answers[place]
    assert all(WRONG in a for i, a in enumerate(answers) if i != place)


async def test_new_chats_on_one_network_share_its_hourly_tries(dispatcher: Dispatcher) -> None:
    with_attempts(dispatcher)
    _reporter, code, pin = await a_tip(dispatcher)
    for _ in range(pin_tries.ORIGIN_TRIES):  # codes that are no tip: only the origin counts
        assert WRONG in await Browser(dispatcher, origin="net-a").say(
            f"{receipt.new_code()} 123456"
        )
    assert LOCKED in await Browser(dispatcher, origin="net-a").say(f"{code} {pin}")
    assert await shown(Browser(dispatcher, origin="net-b"), code, pin)  # another network
    dispatcher.config.clock.advance(hours=1)
    assert await shown(Browser(dispatcher, origin="net-a"), code, pin)


async def test_the_hourly_tries_of_a_chat_are_its_own(dispatcher: Dispatcher) -> None:
    _reporter, code, pin = await a_tip(dispatcher)
    stranger = Chat(dispatcher)
    for _ in range(pin_tries.CHAT_TRIES):  # codes that exist nowhere: only this chat counts
        assert WRONG in await stranger.say(f"{receipt.new_code()} 123456")
    assert LOCKED in await stranger.say(f"{code} {pin}")
    assert await shown(Chat(dispatcher), code, pin)


# -- review 1: an overall limit, erasure, and the owner's typos ---------------------------------


async def erase(chat: Chat) -> None:
    """The chat erases its data (handlers/mydata.py), as a guesser would to start over."""
    await chat.onboard()
    for step in ("nav:menu", "menu:settings", "settings:mydata", mydata.ERASE, mydata.CONFIRM):
        await chat.pick(step)
    assert "mydata:again" in chat.choices, chat.text


async def guard(dispatcher: Dispatcher, code: str, wrong: list[str]) -> None:
    """Strangers, one wrong PIN each from a chat of their own, guard the code."""
    for guess in wrong[: pin_tries.GUARD_AFTER]:
        assert WRONG in await Chat(dispatcher).say(f"{code} {guess}")
    [tip] = [t for t in memory_of(dispatcher).all_tips() if t.code == code]
    assert tip.pin_locked_until is not None


async def test_erasing_ones_data_does_not_give_the_pin_tries_back(dispatcher: Dispatcher) -> None:
    _reporter, code, pin = await a_tip(dispatcher)
    stranger, reached = Chat(dispatcher), 0
    for guess in guesses(pin, 12):
        text = await stranger.say(f"{code} {guess}")
        assert WRONG in text or LOCKED in text
        reached += WRONG in text
        if LOCKED in text:
            await erase(stranger)
    assert reached == pin_tries.FREE_WRONG  # then each try waits, erasure or not


async def test_a_guarded_code_takes_a_few_tries_a_day_from_every_chat_but_its_owners(
    dispatcher: Dispatcher,
) -> None:
    with_attempts(dispatcher)
    reporter, code, pin = await a_tip(dispatcher)
    wrong = guesses(pin, 100)
    await guard(dispatcher, code, wrong)
    more = wrong[pin_tries.GUARD_AFTER :]
    for guess in more[: pin_tries.CODE_TRIES]:  # new cookies, other accounts
        assert WRONG in await Chat(dispatcher).say(f"{code} {guess}")
    assert LOCKED in await Chat(dispatcher).say(f"{code} {pin}")  # the day's tries are gone
    for guess in more[pin_tries.CODE_TRIES :][: pin_tries.FREE_WRONG]:
        assert WRONG in await reporter.say(f"{code} {guess}")  # the owner's own chat: free
    dispatcher.config.clock.advance(minutes=5)  # past the wait of its own wrong ones in a row
    assert await shown(reporter, code, pin)
    assert await shown(Chat(dispatcher), code, pin)  # no longer guarded


async def test_one_typo_does_not_lock_the_owner_out_of_a_guarded_code(
    dispatcher: Dispatcher,
) -> None:
    _reporter, code, pin = await a_tip(dispatcher)
    wrong = guesses(pin, pin_tries.GUARD_AFTER + 1)
    await guard(dispatcher, code, wrong)
    owner = Chat(dispatcher)  # the reporter, on another phone
    assert WRONG in await owner.say(f"{code} {wrong[-1]}")
    assert await shown(owner, code, pin)


async def test_a_mistyped_code_does_not_lock_the_owner_out(dispatcher: Dispatcher) -> None:
    _reporter, code, pin = await a_tip(dispatcher)
    await guard(dispatcher, code, guesses(pin, pin_tries.GUARD_AFTER))
    owner = Chat(dispatcher)
    assert WRONG in await owner.say(f"{receipt.new_code()} {pin}")  # a code that is no tip
    assert await shown(owner, code, pin)


async def test_the_owners_chat_is_never_guarded_against(dispatcher: Dispatcher) -> None:
    reporter, code, pin = await a_tip(dispatcher)
    wrong = guesses(pin, pin_tries.GUARD_AFTER + pin_tries.FREE_WRONG * 2)
    await guard(dispatcher, code, wrong)
    for guess in wrong[pin_tries.GUARD_AFTER :]:
        dispatcher.config.clock.advance(hours=1)  # past its own waits
        assert WRONG in await reporter.say(f"{code} {guess}")
    dispatcher.config.clock.advance(hours=1)
    assert await shown(reporter, code, pin)


async def test_a_chat_is_guarded_only_against_the_code_it_guessed(dispatcher: Dispatcher) -> None:
    _reporter, code, pin = await a_tip(dispatcher)
    _other_reporter, other, other_pin = await a_tip(dispatcher)
    wrong = guesses(pin, pin_tries.GUARD_AFTER + pin_tries.FREE_WRONG)
    await guard(dispatcher, code, wrong)
    stranger = Chat(dispatcher)
    for guess in wrong[pin_tries.GUARD_AFTER :]:
        assert WRONG in await stranger.say(f"{code} {guess}")
    dispatcher.config.clock.advance(hours=2)  # past its hourly tries and its waits
    assert LOCKED in await stranger.say(f"{code} {pin}")  # guarded against this chat
    assert await shown(stranger, other, other_pin)  # not another code
    assert LOCKED in await stranger.say(f"{code} {pin}")
    dispatcher.config.clock.advance(days=1)
    assert await shown(stranger, code, pin)


async def test_a_chat_keeps_no_receipt_code_in_its_state(dispatcher: Dispatcher) -> None:
    _reporter, code, pin = await a_tip(dispatcher)
    stranger = Chat(dispatcher)
    await stranger.say(f"{code} {guesses(pin, 1)[0]}")
    await erase(stranger)
    state = await dispatcher.conversations.states.load(stranger.event().chat_key)  # type: ignore[attr-defined]
    assert state is not None and pin_tries.TRIES in state.profile  # kept through the erasure
    assert code not in state.to_json() and code.replace("-", "") not in state.to_json()
