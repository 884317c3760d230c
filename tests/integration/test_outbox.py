"""The outbox and its worker on SQLite and PostgreSQL: rows written by notify_reporter, sent
through the channel a resident can be reached on, retried, given up, never sent twice."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery import Delivery, Pushed, Target, Unreachable
from bot.outbox import MAX_ATTEMPTS, OutboxWorker, backoff, inbox
from bot.runtime import mark_unreachable
from handlers.model import RenderedReply
from handlers.notices import Notice
from handlers.state import ConversationState
from storage import outbox
from storage.db import make_engine, make_sessions
from storage.limits import MemoryLimiter
from storage.models import ChannelIdentity, OutboxMessage, Resident
from storage.state_memory import memory_conversations
from tests.conftest import PER_TEST_TABLES, Clock

CODE = "BY-7K3F-Q9"


@pytest.fixture(params=["sqlite", "postgres"])
async def sessions(request: pytest.FixtureRequest) -> AsyncIterator[async_sessionmaker[Any]]:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    engine = make_engine(url)
    made = make_sessions(engine)
    if request.param == "postgres":
        await clean(made)
    yield made
    await engine.dispose()


async def clean(sessions: async_sessionmaker[AsyncSession]) -> None:
    """The PostgreSQL database is shared by the session's tests: start from no residents
    (as the `dispatcher` fixture of tests/conftest.py leaves it)."""
    async with sessions() as session:
        await session.execute(text("SET LOCAL lock_timeout = '10s'"))
        await session.execute(text(f"TRUNCATE {', '.join(PER_TEST_TABLES)}, outbox CASCADE"))
        await session.commit()


@dataclass
class FakeChannel:
    """A channel that records what it was asked to push and answers as told."""

    name: str
    account: str = "acc"
    answers: list[Pushed] = field(default_factory=list)  # then SENT
    blocked: bool = False  # the platform says the resident blocked the bot
    pushed: list[tuple[str, RenderedReply]] = field(default_factory=list)

    async def push(self, chat_id: str, reply: RenderedReply, delivery: Delivery) -> Pushed:
        await asyncio.sleep(0)  # let other workers interleave
        if self.blocked:

            async def refused() -> None:
                raise Unreachable()

            target = Target(self.name, self.account, chat_id, chat_id)
            await delivery.send(target, refused, limited=False)
            return Pushed.RETRY
        answer = self.answers.pop(0) if self.answers else Pushed.SENT
        if answer is Pushed.SENT:
            self.pushed.append((chat_id, reply))
        return answer


async def resident(
    sessions: async_sessionmaker[AsyncSession], lang: str = "vi", *identities: str
) -> str:
    """A resident with identities "channel:user", created in this order (the last newest)."""
    resident_id = str(uuid.uuid4())
    async with sessions() as session:
        session.add(Resident(id=resident_id, lang=lang, province_code="01", commune_code="00004"))
        await session.flush()
        start = datetime(2026, 1, 1, tzinfo=UTC)
        for n, identity in enumerate(identities):
            channel, user = identity.split(":")
            session.add(
                ChannelIdentity(
                    channel=channel,
                    account="web" if channel == "web" else "acc",
                    platform_user_id=user,
                    resident_id=resident_id,
                    created_at=start + timedelta(days=n),
                )
            )
        await session.commit()
    return resident_id


async def notify(
    sessions: async_sessionmaker[AsyncSession],
    resident_id: str | None,
    notice: Notice = Notice.ACKNOWLEDGED,
    now: datetime | None = None,
    **params: str,
) -> int | None:
    async with sessions() as session:
        row = await outbox.notify_reporter(
            session,
            tip_id=None,  # type: ignore[arg-type]  # the row does not need the tip here
            resident_id=resident_id,
            code=CODE,
            notice=notice,
            params=params,
            now=now or datetime(2026, 11, 23, 3, 0, tzinfo=UTC),
        )
        await session.commit()
    return row


async def row(sessions: async_sessionmaker[AsyncSession], row_id: int | None) -> OutboxMessage:
    async with sessions() as session:
        return (
            await session.execute(select(OutboxMessage).where(OutboxMessage.id == row_id))
        ).scalar_one()


def worker(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, **channels: FakeChannel
) -> OutboxWorker:
    return OutboxWorker(
        sessions=sessions,
        channels=channels,
        limiter=MemoryLimiter(),
        mark_unreachable=mark_unreachable(sessions),
        conversations=memory_conversations(),
        clock=clock,
    )


async def test_notify_reporter_writes_a_pending_row_with_code_and_params(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    someone = await resident(sessions, "vi", "telegram:1")
    at = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    row_id = await notify(sessions, someone, Notice.QUESTION, at, question="Ai?", event_id="7")
    stored = await row(sessions, row_id)
    assert stored.kind == "tip.question" and stored.status == "pending"
    assert stored.payload == {"code": CODE, "params": {"question": "Ai?", "event_id": "7"}}
    assert stored.attempts == 0 and stored.sent_at is None and stored.channel == ""
    assert stored.resident_id == someone
    assert await notify(sessions, None) is None  # no reporter to tell


async def test_a_due_row_is_sent_in_the_residents_language(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    telegram = FakeChannel("telegram")
    english = await resident(sessions, "en", "telegram:42")
    row_id = await notify(sessions, english, Notice.EXTENDED, decision_due="2027-01-22")
    run = worker(sessions, clock, telegram=telegram)
    assert await run.run_once() == 1
    [(chat_id, reply)] = telegram.pushed
    assert chat_id == "42" and "extended" in reply.text and "22/01/2027" in reply.text
    stored = await row(sessions, row_id)
    assert (stored.status, stored.channel, stored.attempts) == ("sent", "telegram", 0)
    assert stored.sent_at is not None
    assert await run.run_once() == 0  # sent once


async def test_the_newest_reachable_identity_of_a_running_channel_is_used(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    telegram, zalo = FakeChannel("telegram"), FakeChannel("zalo_bot")
    someone = await resident(sessions, "vi", "telegram:1", "zalo_bot:2", "cli:3")
    run = worker(sessions, clock, telegram=telegram, zalo_bot=zalo)
    await notify(sessions, someone)
    await run.run_once()  # cli is newest but not a channel that pushes
    assert [c for c, _ in zalo.pushed] == ["2"] and telegram.pushed == []
    async with sessions() as session:
        await session.execute(
            update(ChannelIdentity)
            .where(ChannelIdentity.platform_user_id == "2")
            .values(reachable=False)
        )
        await session.commit()
    await notify(sessions, someone)
    await run.run_once()
    assert [c for c, _ in telegram.pushed] == ["1"]


async def test_blocked_marks_the_identity_and_the_next_one_is_tried(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    telegram, zalo = FakeChannel("telegram"), FakeChannel("zalo_bot", blocked=True)
    someone = await resident(sessions, "vi", "telegram:1", "zalo_bot:2")
    first = await notify(sessions, someone)
    await worker(sessions, clock, telegram=telegram, zalo_bot=zalo).run_once()
    assert (await row(sessions, first)).channel == "telegram"
    async with sessions() as session:
        query = select(ChannelIdentity.channel, ChannelIdentity.reachable)
        reachable = {channel: ok for channel, ok in (await session.execute(query)).all()}
    assert reachable == {"telegram": True, "zalo_bot": False}


async def test_nobody_to_reach_is_unreachable_and_a_blocked_resident_is_waited_for(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    blocked = FakeChannel("telegram", blocked=True)
    outside = FakeChannel("zalo_oa", answers=[Pushed.UNREACHABLE])
    nobody = await resident(sessions, "vi")
    gone = await resident(sessions, "vi", "telegram:1", "zalo_oa:2")
    rows = [await notify(sessions, nobody), await notify(sessions, gone)]
    assert await worker(sessions, clock, telegram=blocked, zalo_oa=outside).run_once() == 2
    never = await row(sessions, rows[0])  # no chat at all: nothing to wait for
    assert (never.status, never.sent_at, never.last_error) == (
        "unreachable",
        None,
        "no reachable channel",
    )
    later = await row(sessions, rows[1])  # blocked everywhere: owed when they come back
    assert (later.status, later.sent_at) == ("waiting", None)


async def test_a_failed_send_is_retried_later_and_given_up_after_a_while(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    flaky = FakeChannel("telegram", answers=[Pushed.RETRY] * MAX_ATTEMPTS)
    someone = await resident(sessions, "vi", "telegram:1")
    row_id = await notify(sessions, someone, now=clock.now)
    run = worker(sessions, clock, telegram=flaky)
    assert await run.run_once() == 1
    stored = await row(sessions, row_id)
    assert (stored.status, stored.attempts) == ("pending", 1)
    assert stored.due_at.replace(tzinfo=UTC) == clock.now + timedelta(seconds=30)
    assert await run.run_once() == 0  # not due yet
    for attempts in range(2, MAX_ATTEMPTS + 1):
        clock.advance(seconds=backoff(attempts - 1).total_seconds())
        assert await run.run_once() == 1
        stored = await row(sessions, row_id)
        assert stored.attempts == attempts
    assert stored.status == "failed" and stored.last_error == "not delivered"
    assert flaky.pushed == []
    assert backoff(1) == timedelta(seconds=30) and backoff(2) == timedelta(seconds=60)
    assert backoff(9) == timedelta(hours=1)


async def test_a_payload_that_does_not_fit_fails_without_retrying(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    someone = await resident(sessions, "vi", "telegram:1")
    row_id = await notify(sessions, someone, Notice.EXTENDED, decision_due="soon")
    await worker(sessions, clock, telegram=FakeChannel("telegram")).run_once()
    stored = await row(sessions, row_id)
    assert stored.status == "failed" and stored.last_error.startswith("payload")


async def test_web_only_waits_for_the_page_which_gets_each_message_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    someone = await resident(sessions, "vi", "web:abc")
    row_id = await notify(sessions, someone, Notice.QUESTION, question="Ai?", event_id="1")
    run = worker(sessions, clock, telegram=FakeChannel("telegram"))
    assert await run.run_once() == 1
    stored = await row(sessions, row_id)
    assert (stored.status, stored.channel, stored.attempts) == ("pending", "web", 0)
    assert await run.run_once() == 0  # looked at again in an hour, not every second
    state = memory_conversations()
    got = await inbox(sessions, state, "web:web:abc", someone, "vi", clock.now)
    assert len(got) == 1 and "“Ai?”" in got[0].text
    assert [c.id for c in got[0].choices] == [f"answer:{CODE}"]
    assert await inbox(sessions, state, "web:web:abc", someone, "vi", clock.now) == []
    stored = await row(sessions, row_id)
    assert (stored.status, stored.channel) == ("sent", "web")
    async with state.turn("web:web:abc", "check") as turn:  # its button is on offer
        assert turn.state is not None and turn.state.pending[0][0] == f"answer:{CODE}"


async def test_a_pushed_message_offers_its_buttons_to_the_chat(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    someone = await resident(sessions, "vi", "zalo_bot:9")
    await notify(sessions, someone, Notice.CLOSED, resolution="handled")
    run = worker(sessions, clock, zalo_bot=FakeChannel("zalo_bot"))
    await run.run_once()
    assert run.conversations is not None
    async with run.conversations.turn("zalo_bot:acc:9", "check") as turn:
        assert turn.state is not None
        pending = turn.state.pending
    # Typing "5" on a channel without buttons picks the fifth: a rating of 5.
    assert [p[0] for p in pending] == [f"rate:{CODE}:{n}" for n in range(1, 6)]


async def test_the_page_does_not_take_a_message_a_worker_holds(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """A web-only message rechecked by a worker (the resident may have gained a channel
    since) is not handed to the page at the same time."""
    clock = Clock()
    someone = await resident(sessions, "vi", "web:abc")
    row_id = await notify(sessions, someone, Notice.ACKNOWLEDGED)
    await worker(sessions, clock, telegram=FakeChannel("telegram")).run_once()  # marked web
    later = clock.now + timedelta(hours=2)
    async with sessions() as session:
        held = await outbox.claim_due(session, later, limit=10, lease=timedelta(minutes=5))
        await session.commit()
    assert [d.id for d in held] == [row_id]
    async with sessions() as session:
        assert await outbox.take_for_chat(session, someone, later) == []


async def test_a_chat_in_the_middle_of_a_step_keeps_its_own_choices(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """A resident filling in a tip types "2" for the form's second option; an outcome that
    arrived meanwhile must not turn it into a rating of 2."""
    clock = Clock()
    someone = await resident(sessions, "vi", "zalo_bot:9")
    run = worker(sessions, clock, zalo_bot=FakeChannel("zalo_bot"))
    assert run.conversations is not None
    form = [["when:now", "Vừa xảy ra"], ["when:today", "Hôm nay"]]
    async with run.conversations.turn("zalo_bot:acc:9", "form") as turn:
        turn.keep(ConversationState(flow="report", step="when", pending=form))
    await notify(sessions, someone, Notice.CLOSED, resolution="handled")
    await run.run_once()
    async with run.conversations.turn("zalo_bot:acc:9", "check") as turn:
        assert turn.state is not None
        assert (turn.state.flow, turn.state.pending) == ("report", form)


async def test_rows_go_with_their_resident(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    someone = await resident(sessions, "vi", "telegram:1")
    row_id = await notify(sessions, someone)
    async with sessions() as session:
        await session.execute(delete(Resident).where(Resident.id == someone))
        await session.commit()
        assert await session.get(OutboxMessage, row_id) is None


async def test_a_round_takes_a_batch_oldest_first(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    telegram = FakeChannel("telegram")
    people = [await resident(sessions, "vi", f"telegram:{n}") for n in range(3)]
    for n, someone in enumerate(people):
        await notify(sessions, someone, now=clock.now - timedelta(minutes=3 - n))
    run = worker(sessions, clock, telegram=telegram)
    run.batch = 2
    assert [await run.run_once(), await run.run_once(), await run.run_once()] == [2, 1, 0]
    assert [chat for chat, _ in telegram.pushed] == ["0", "1", "2"]


async def test_two_workers_at_once_never_send_a_row_twice(pg_url: str) -> None:
    engine = make_engine(pg_url)
    sessions = make_sessions(engine)
    try:
        await clean(sessions)
        clock = Clock()
        people = [await resident(sessions, "vi", f"telegram:{n}") for n in range(12)]
        for someone in people:
            for _ in range(5):
                await notify(sessions, someone)
        one, two = FakeChannel("telegram"), FakeChannel("telegram")
        first, second = worker(sessions, clock, telegram=one), worker(sessions, clock, telegram=two)
        first.batch = second.batch = 7
        handled = 0
        while True:
            done = await asyncio.gather(first.run_once(), second.run_once())
            if not any(done):
                break
            handled += sum(done)
        assert handled == 60
        assert len(one.pushed) + len(two.pushed) == 60
        assert one.pushed and two.pushed  # both really took part
        async with sessions() as session:
            statuses = (await session.execute(select(OutboxMessage.status))).scalars().all()
        assert sorted(set(statuses)) == ["sent"] and len(statuses) == 60
    finally:
        await engine.dispose()
