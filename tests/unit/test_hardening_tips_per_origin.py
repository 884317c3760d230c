"""The daily tip limit is not reset by a new chat where chats cost nothing to make (the web
chat: a new cookie is a new resident): tips from one origin are capped a day too, at a few
times one resident's limit (Config.tips_per_origin)."""

from __future__ import annotations

from bot.dispatcher import Dispatcher
from content.i18n import translate
from tests.conftest import Chat, memory_of
from tests.unit.test_hardening_pin import Browser, with_attempts
from tests.unit.test_report_flow import receipt_of, to_review

LIMIT_ORIGIN = translate("tip.limit_origin", "vi")


async def confirmed(chat: Chat) -> str:
    await to_review(chat)
    return await chat.pick("tip:confirm")


async def test_new_chats_on_one_network_share_its_daily_tips(dispatcher: Dispatcher) -> None:
    core = with_attempts(dispatcher, max_tips_per_day=1, tips_per_origin=2)
    for _ in range(2):
        receipt_of(await confirmed(Browser(core, origin="net-a")))
    refused = Browser(core, origin="net-a")
    text = await confirmed(refused)
    assert LIMIT_ORIGIN in text and "PIN" not in text
    assert "tip:confirm" in refused.choices  # the draft is kept, to send later
    assert len(memory_of(core).all_tips()) == 2
    receipt_of(await confirmed(Browser(core, origin="net-b")))  # another network
    receipt_of(await confirmed(Chat(core)))  # a channel without origins: its own limit only
    core.config.clock.advance(hours=1, minutes=15)  # a day's cap of 2: one more in 12 hours
    assert LIMIT_ORIGIN in await refused.pick("tip:confirm")
    core.config.clock.advance(hours=11)
    receipt_of(await refused.pick("tip:confirm"))
    assert len(memory_of(core).all_tips()) == 5


async def test_a_refused_tip_counts_nothing(dispatcher: Dispatcher) -> None:
    core = with_attempts(dispatcher, max_tips_per_day=5, tips_per_origin=1)
    receipt_of(await confirmed(Browser(core, origin="net-a")))
    chat = Browser(core, origin="net-a")
    assert LIMIT_ORIGIN in await confirmed(chat)
    for _ in range(5):
        assert LIMIT_ORIGIN in await chat.pick("tip:confirm")
    core.config.clock.advance(hours=24)
    receipt_of(await chat.pick("tip:confirm"))


async def test_no_origin_cap_when_it_is_off(dispatcher: Dispatcher) -> None:
    core = with_attempts(dispatcher, max_tips_per_day=1, tips_per_origin=0)
    for _ in range(3):
        receipt_of(await confirmed(Browser(core, origin="net-a")))


async def test_a_retry_of_a_stored_tip_uses_up_nothing(dispatcher: Dispatcher) -> None:
    core = with_attempts(dispatcher, max_tips_per_day=5, tips_per_origin=2)
    chat = Browser(core, origin="net-a")
    await to_review(chat)
    states = core.conversations.states  # type: ignore[attr-defined]
    key = chat.event().chat_key
    before = await states.load(key)
    stored = receipt_of(await chat.pick("tip:confirm"))
    await states.save(key, before)  # the turn's state was not kept: the page sends again
    assert receipt_of(await chat.pick("tip:confirm")) == stored  # the same tip, told again
    receipt_of(await confirmed(Browser(core, origin="net-a")))  # the network's second tip
    assert len(memory_of(core).all_tips()) == 2
