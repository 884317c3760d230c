"""Replies owed durably (issue 19, bot/owed.py): a turn that changed the database records its
replies in its own commit; a redelivery after its process died sends them instead of
handling the event twice; a sweep sends what nobody did. On SQLite with in-process state and
on PostgreSQL with Redis (tests/conftest.py sql_dispatcher)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import text

from bot.dispatcher import Dispatcher
from bot.owed import Replies, Sweeper
from handlers.model import Kind
from storage.state_memory import ComposedConversations
from storage.state_redis import RedisConversations
from tests.conftest import Chat
from tests.unit.test_report_flow import RECEIPT, start_tip, through_description, to_review


def journal_of(dispatcher: Dispatcher) -> Any:
    assert dispatcher.journal is not None
    return dispatcher.journal


async def rows(dispatcher: Dispatcher, sql: str) -> list[Any]:
    async with journal_of(dispatcher).sessions() as session:
        return list(await session.execute(text(sql)))


async def owed_count(dispatcher: Dispatcher) -> int:
    await journal_of(dispatcher).flush()  # what went out is written a moment later
    return len(await rows(dispatcher, "SELECT id FROM owed_replies"))


async def died_in_the_turn(dispatcher: Dispatcher, event_key: str) -> None:
    """As if the process that handled the event died after its commit, before its turn
    ended: the event's claim is left taken."""
    conversations = dispatcher.conversations
    if isinstance(conversations, ComposedConversations):
        await conversations.claims.release(event_key)
        assert await conversations.claims.claim(event_key)
    else:
        assert isinstance(conversations, RedisConversations)
        await conversations.redis.set(f"{conversations.prefix}event:{event_key}", "taken")


def telegram_chat(dispatcher: Dispatcher) -> Chat:
    return Chat(dispatcher, channel="telegram")


async def test_a_turn_that_writes_owes_its_replies_until_sent(dispatcher: Dispatcher) -> None:
    chat = telegram_chat(dispatcher)
    await chat.onboard()  # the resident and their commune are written
    assert isinstance(chat.last, Replies) and chat.last.owed_id is not None
    assert await owed_count(dispatcher) >= 1
    await dispatcher.sent(chat.last)
    remaining = await owed_count(dispatcher)
    await chat.pick("menu:learn")  # reading changes nothing: nothing recorded
    assert isinstance(chat.last, Replies) and chat.last.owed_id is None
    assert await owed_count(dispatcher) == remaining
    raw = [r[0] for r in await rows(dispatcher, "SELECT sealed FROM owed_replies")]
    assert all("Ba Đình" not in s and chat.user not in s for s in raw)  # sealed


async def test_the_terminal_records_nothing(dispatcher: Dispatcher) -> None:
    chat = Chat(dispatcher, channel="cli")  # it prints its replies at once
    await chat.onboard()
    assert await owed_count(dispatcher) == 0


async def test_a_confirm_whose_process_died_sends_the_receipt_not_a_second_tip(
    dispatcher: Dispatcher,
) -> None:
    chat = telegram_chat(dispatcher)
    await start_tip(chat)
    await through_description(chat)
    await to_review(chat, anonymous=True)
    confirm = chat.event(Kind.CHOICE, choice="tip:confirm")
    first = await dispatcher.dispatch(confirm)
    assert first is not None and RECEIPT.search("\n".join(r.text for r in first))
    key = f"telegram:acc:{confirm.event_id}"
    await died_in_the_turn(dispatcher, key)  # its sends never happened
    again = await dispatcher.dispatch(confirm)  # Telegram's redelivery
    assert again is not None and [r.text for r in again] == [r.text for r in first]
    assert again.owed_id == first.owed_id
    assert len(await rows(dispatcher, "SELECT id FROM tips")) == 1
    await dispatcher.sent(again)
    # The turn has ended now: a further copy is a duplicate with nothing owed.
    assert await dispatcher.dispatch(confirm) is None
    # The state the dead turn left was kept: the resident is at the menu, buttons alive.
    text = await chat.pick("menu:mytips")
    assert "nút này" not in text.casefold()


async def test_a_turn_that_died_before_its_commit_is_handled_again(
    dispatcher: Dispatcher,
) -> None:
    chat = telegram_chat(dispatcher)
    await chat.onboard()
    event = chat.event(Kind.CHOICE, choice="menu:tip")
    await died_in_the_turn(dispatcher, f"telegram:acc:{event.event_id}")
    replies = await dispatcher.dispatch(event)  # nothing owed: handled as new
    assert replies is not None and replies


async def test_a_duplicate_gets_owed_replies_only_once_their_lease_ran_out(
    dispatcher: Dispatcher,
) -> None:
    chat = telegram_chat(dispatcher)
    await chat.say("/start")
    event = chat.event(Kind.CHOICE, choice="lang:vi")
    first = await dispatcher.dispatch(event)
    assert first is not None and first.owed_id is not None
    # The sender is alive and within its lease: a quick duplicate gets nothing.
    assert await dispatcher.dispatch(event) is None
    await expire_leases(dispatcher)
    late = await dispatcher.dispatch(event)  # its sender died after the turn ended
    assert late is not None and [r.text for r in late] == [r.text for r in first]


async def expire_leases(dispatcher: Dispatcher) -> None:
    async with journal_of(dispatcher).sessions() as session:
        await session.execute(
            text("UPDATE owed_replies SET due_at = :t"),
            {"t": journal_of(dispatcher).clock() - timedelta(seconds=1)},
        )
        await session.commit()


@dataclass
class FakeChannel:
    """Sends as a channel does: each reply counted as it goes (Dispatcher.sent)."""

    dispatcher: Dispatcher
    account: str = "acc"
    works: bool = True
    got: list[tuple[str, list[str]]] = field(default_factory=list)

    async def resend(self, chat_id: str, user_id: str, replies: Replies) -> bool:
        self.got.append((chat_id, [r.text for r in replies]))
        if self.works:
            for n in range(1, len(replies) + 1):
                await self.dispatcher.sent(replies, n)
        return self.works


async def test_the_sweep_sends_what_a_dead_process_owed_and_drops_it(
    dispatcher: Dispatcher,
) -> None:
    chat = telegram_chat(dispatcher)
    await chat.onboard()
    owed = await owed_count(dispatcher)
    assert owed >= 1
    channel = FakeChannel(dispatcher)
    sweeper = Sweeper(journal_of(dispatcher), {"telegram": channel})
    assert await sweeper.run_once() == 0  # every lease still runs
    await expire_leases(dispatcher)
    assert await sweeper.run_once() == owed
    assert len(channel.got) == owed and all(c == chat.user for c, _ in channel.got)
    assert chat.last[0].text in [t for _, texts in channel.got for t in texts]
    assert await owed_count(dispatcher) == 0


async def test_the_sweep_tries_a_failing_chat_a_few_times_then_gives_up(
    dispatcher: Dispatcher,
) -> None:
    chat = telegram_chat(dispatcher)
    await chat.say("/start")
    await chat.pick("lang:vi")
    channel = FakeChannel(dispatcher, works=False)
    sweeper = Sweeper(journal_of(dispatcher), {"telegram": channel})
    for _ in range(10):
        await expire_leases(dispatcher)
        await sweeper.run_once()
    assert 1 <= len(channel.got) <= 6
    assert await owed_count(dispatcher) == 0


async def test_a_sweep_leaves_rows_of_a_channel_this_process_does_not_run(
    dispatcher: Dispatcher,
) -> None:
    chat = telegram_chat(dispatcher)
    await chat.onboard()
    await expire_leases(dispatcher)
    sweeper = Sweeper(
        journal_of(dispatcher), {"telegram": FakeChannel(dispatcher, account="other")}
    )
    await sweeper.run_once()
    assert await owed_count(dispatcher) >= 1


async def test_replies_nobody_sent_for_a_day_are_dropped_unsent(dispatcher: Dispatcher) -> None:
    chat = telegram_chat(dispatcher)
    await chat.onboard()
    async with journal_of(dispatcher).sessions() as session:
        long_ago = journal_of(dispatcher).clock() - timedelta(days=2)
        await session.execute(
            text("UPDATE owed_replies SET created_at = :t, due_at = :t"), {"t": long_ago}
        )
        await session.commit()
    channel = FakeChannel(dispatcher)
    await Sweeper(journal_of(dispatcher), {"telegram": channel}).run_once()
    assert channel.got == [] and await owed_count(dispatcher) == 0


async def test_replies_are_counted_as_they_go_so_a_kill_between_owes_the_rest_only(
    dispatcher: Dispatcher,
) -> None:
    """A receipt then a menu: killed after the receipt went out, only the menu is owed."""
    chat = telegram_chat(dispatcher)
    await start_tip(chat)
    await through_description(chat)
    await to_review(chat, anonymous=True)
    confirm = chat.event(Kind.CHOICE, choice="tip:confirm")
    before = await owed_count(dispatcher)  # the earlier turns' rows, never sent here
    first = await dispatcher.dispatch(confirm)
    assert first is not None and len(first) >= 2, [r.text for r in first or []]
    await dispatcher.sent(first, 1)  # the receipt went out; the process died then
    await died_in_the_turn(dispatcher, f"telegram:acc:{confirm.event_id}")
    again = await dispatcher.dispatch(confirm)
    assert again is not None and [r.text for r in again] == [r.text for r in first[1:]]
    assert not any(RECEIPT.search(r.text) for r in again)
    assert again.done == 1
    await dispatcher.sent(again, len(again))
    assert await owed_count(dispatcher) == before


async def test_the_web_chat_resending_a_lost_answer_gets_the_receipt_again(
    dispatcher: Dispatcher,
) -> None:
    """The page resends a message whose answer never arrived (the phone lost its
    connection): the receipt with its PIN, shown once only, comes back, and no second tip."""
    chat = Chat(dispatcher, channel="web")
    await start_tip(chat)
    await through_description(chat)
    await to_review(chat, anonymous=True)
    confirm = chat.event(Kind.CHOICE, choice="tip:confirm")
    first = await dispatcher.dispatch(confirm)
    assert first is not None and RECEIPT.search("\n".join(r.text for r in first))
    again = await dispatcher.dispatch(confirm)  # the same message id, sent again
    assert again is not None and [r.text for r in again] == [r.text for r in first]
    assert len(await rows(dispatcher, "SELECT id FROM tips")) == 1
    # Once its time is over the row goes unsent: nothing is pushed to the web chat.
    await expire_leases(dispatcher)
    channel = FakeChannel(dispatcher)
    await Sweeper(journal_of(dispatcher), {"web": channel}).run_once()  # type: ignore[dict-item]
    assert channel.got == [] and await owed_count(dispatcher) == 0


async def test_a_resend_finds_what_its_first_sender_sent_meanwhile(dispatcher: Dispatcher) -> None:
    """The sweep took a row whose first sender was only slow (a 429 pause): when the
    resend's turn in the chat comes, what went out since is not sent again."""
    chat = telegram_chat(dispatcher)
    await start_tip(chat)
    await through_description(chat)
    await to_review(chat, anonymous=True)
    first = await dispatcher.dispatch(chat.event(Kind.CHOICE, choice="tip:confirm"))
    assert isinstance(first, Replies) and len(first) >= 2
    journal = journal_of(dispatcher)
    taken = Replies.of(list(first), first.owed_id, 0)  # as the sweep read it
    await dispatcher.sent(first, 1)  # meanwhile the receipt went out
    rest = await journal.still_owed(taken)
    assert rest is not None and [r.text for r in rest] == [r.text for r in first[1:]]
    assert rest.done == 1
    await dispatcher.sent(first)  # and then the rest
    assert await journal.still_owed(taken) is None


async def test_the_sweep_keeps_the_state_a_dead_turn_left(dispatcher: Dispatcher) -> None:
    """A turn died after its commit and before saving the chat's state, with no redelivery
    (Zalo Bot's polling, or the webhook had answered): the sweep sends its replies and
    saves the state it left, so the menu it sends has live buttons."""
    chat = telegram_chat(dispatcher)
    await start_tip(chat)
    await through_description(chat)
    await to_review(chat, anonymous=True)
    confirm = chat.event(Kind.CHOICE, choice="tip:confirm")
    conversations = dispatcher.conversations
    async with conversations.turn(f"telegram:acc:{chat.user}", "peek") as turn:
        at_review = turn.state
    first = await dispatcher.dispatch(confirm)
    assert first is not None and at_review is not None
    key = f"telegram:acc:{confirm.event_id}"
    await died_in_the_turn(dispatcher, key)
    async with conversations.turn(f"telegram:acc:{chat.user}", "put-back") as turn:
        turn.keep(at_review)  # the dead turn never saved its state
    await expire_leases(dispatcher)
    channel = FakeChannel(dispatcher)
    sweeper = Sweeper(journal_of(dispatcher), {"telegram": channel}, conversations)
    await sweeper.run_once()
    assert any(RECEIPT.search(t) for _, texts in channel.got for t in texts)
    async with conversations.turn(f"telegram:acc:{chat.user}", "look") as turn:
        assert turn.state is not None and turn.state.flow != at_review.flow
    text = await chat.pick("menu:mytips")
    assert "nút này" not in text.casefold()


async def test_a_turn_whose_lease_was_lost_commits_nothing_and_says_nothing(
    dispatcher: Dispatcher, monkeypatch: Any
) -> None:
    """Another process took the chat while this turn ran (its lease could not be renewed):
    it handles the event; this turn must not commit a second copy of it."""
    chat = telegram_chat(dispatcher)
    await chat.say("/start")
    real = dispatcher.conversations.turn

    @contextlib.asynccontextmanager
    async def losing(chat_key: str, event_key: str) -> Any:
        async with real(chat_key, event_key) as turn:
            turn.lost = True
            yield turn

    monkeypatch.setattr(dispatcher.conversations, "turn", losing)
    before = await rows(dispatcher, "SELECT count(*) FROM residents")
    event = chat.event(Kind.CHOICE, choice="lang:vi")
    assert await dispatcher.dispatch(event) is None
    assert await rows(dispatcher, "SELECT count(*) FROM residents") == before
    monkeypatch.undo()
    # The claim was left as it was: the process that has the chat now handles the event.
    again = await dispatcher.dispatch(event)
    assert again is not None and again
