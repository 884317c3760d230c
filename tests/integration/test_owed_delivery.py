"""Delivery that owes, not forgets (issue 19), on SQLite with in-process state and on
PostgreSQL with Redis: a message owed to a resident who cannot be reached (blocked, or out of
Zalo OA's 7-day window) waits for them, and goes out once, in order and before anything
queued since, as soon as they write, unblock or follow; a broadcast's copy, and a resident
with no chat account at all, end unreachable as before."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.channels.zalo_oa.channel import Rates, ZaloOaChannel
from bot.channels.zalo_oa.client import OaClient
from bot.delivery import Delivery, Target
from bot.dispatcher import Dispatcher
from bot.outbox import MARK_RETRY, OutboxWorker
from bot.runtime import account_sealer, mark_unreachable
from bot.settings import Settings
from handlers import officer_digest, reachability
from handlers.model import Kind, SystemEvent
from handlers.notices import Notice
from handlers.state import Conversations
from storage import officer_notifications, outbox, retention
from storage.db import make_engine, make_sessions
from storage.limits import MemoryLimiter
from storage.models import ChannelIdentity, OutboxMessage
from storage.state_memory import memory_conversations
from storage.state_redis import RedisConversations
from storage.zalo_oa import SqlZaloOaInteractions, SqlZaloOaTokens
from tests import conftest as shared
from tests.conftest import Chat, Clock, connect_redis, drop_keys, key_prefix
from tests.fakes.zalo_oa_api import APP_ID, APP_SECRET, OA_SECRET_KEY, FakeZaloOA, Webhooks
from tests.integration.test_broadcast_outbox import broadcast, copies, police, subscriber
from tests.integration.test_outbox import CODE, FakeChannel, clean, notify, resident, row

START = Clock().now
UNPACED = Rates(per_app=10_000, app_burst=10_000, per_chat=10_000, chat_burst=10_000)


@dataclass
class World:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    conversations: Conversations
    dispatcher: Dispatcher
    clock: Clock

    def worker(self, **channels: Any) -> OutboxWorker:
        """A worker as bot/outbox.py's build makes one: a refusal marks the chat away too."""
        return OutboxWorker(
            sessions=self.sessions,
            channels=channels,
            limiter=MemoryLimiter(),
            mark_unreachable=mark_unreachable(self.sessions, self.conversations),
            conversations=self.conversations,
            clock=self.clock,
        )

    def chat(self, channel: str = "telegram") -> Chat:
        return Chat(self.dispatcher, user=str(uuid.uuid4().int)[:12], channel=channel)

    @contextmanager
    def writes(self) -> Iterator[list[str]]:
        """The statements that change an identity's reachability or release messages."""
        seen: list[str] = []

        def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            if statement.lstrip().upper().startswith(("UPDATE", "WITH")) and (
                "channel_identities" in statement or "outbox" in statement
            ):
                seen.append(statement)

        event.listen(self.engine.sync_engine, "before_cursor_execute", record)
        try:
            yield seen
        finally:
            event.remove(self.engine.sync_engine, "before_cursor_execute", record)


@pytest.fixture(params=["sqlite-memory", "postgres-redis"])
async def world(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[World]:
    redis: Redis | None = None
    prefix = key_prefix()
    if request.param == "sqlite-memory":
        engine = make_engine(request.getfixturevalue("sqlite_url"))
        sessions = make_sessions(engine)
        conversations: Conversations = memory_conversations()
    else:
        engine = make_engine(request.getfixturevalue("pg_url"))
        sessions = make_sessions(engine)
        await clean(sessions)
        redis = await connect_redis()
        conversations = RedisConversations(redis, prefix)
    core = shared.test_core(sessions, conversations, tmp_path)
    yield World(engine, sessions, conversations, core, Clock())
    if redis is not None:
        await drop_keys(redis, prefix)
        await redis.aclose()
        await clean(sessions)
    await engine.dispose()


async def resident_of(world: World, chat: Chat, account: str = "acc") -> str:
    query = select(ChannelIdentity.resident_id).where(
        ChannelIdentity.channel == chat.channel,
        ChannelIdentity.account == account,
        ChannelIdentity.platform_user_id == chat.user,
    )
    async with world.sessions() as session:
        return str((await session.execute(query)).scalar_one())


async def reachable(world: World, channel: str, user: str) -> bool:
    query = select(ChannelIdentity.reachable).where(
        ChannelIdentity.channel == channel, ChannelIdentity.platform_user_id == user
    )
    async with world.sessions() as session:
        return bool((await session.execute(query)).scalar_one())


def at(minutes: int) -> datetime:
    """A moment of the hour before the worker's clock starts: due when it runs."""
    return START - timedelta(hours=1) + timedelta(minutes=minutes)


def utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# -- blocked, and back by writing ----------------------------------------------------------------


async def test_a_blocked_residents_messages_wait_and_go_out_once_in_order_when_they_write(
    world: World,
) -> None:
    chat = world.chat()
    await chat.onboard()
    someone = await resident_of(world, chat)
    telegram = FakeChannel("telegram", blocked=True)
    run = world.worker(telegram=telegram)
    asked = await notify(world.sessions, someone, Notice.QUESTION, at(0), question="Ai?")
    assert await run.run_once() == 1  # the 403: the question waits
    stored = await row(world.sessions, asked)
    assert (stored.status, stored.last_error, stored.sent_at) == ("waiting", "blocked", None)
    assert utc(stored.created_at) == at(0)
    assert not await reachable(world, "telegram", chat.user)
    acknowledged = await notify(world.sessions, someone, Notice.ACKNOWLEDGED, at(1))
    assert await run.run_once() == 1  # no reachable account left: waits too
    stored = await row(world.sessions, acknowledged)
    assert (stored.status, stored.last_error) == ("waiting", "no_channel")
    assert await run.run_once() == 0  # waiting rows are not claimed, round after round
    assert telegram.pushed == []

    telegram.blocked = False  # no unblock event comes: the resident simply writes
    await chat.say("cảm ơn")
    assert await reachable(world, "telegram", chat.user)
    extended = await notify(
        world.sessions, someone, Notice.EXTENDED, at(2), decision_due="2027-01-22"
    )
    world.clock.advance(hours=3)
    assert await run.run_once() == 3
    texts = [reply.text for _chat, reply in telegram.pushed]
    assert len(texts) == 3 and "Ai?" in texts[0] and CODE in texts[1]
    assert "Ai?" not in texts[1] and "22/01/2027" in texts[2]  # its own date
    assert await run.run_once() == 0  # each went out once
    assert len(telegram.pushed) == 3
    for row_id in (asked, acknowledged, extended):
        stored = await row(world.sessions, row_id)
        assert (stored.status, stored.channel, stored.last_error) == ("sent", "telegram", "")


async def test_a_resident_who_keeps_chatting_after_a_403_is_reachable_at_once(
    world: World,
) -> None:
    """The issue's case: one 403 (a reply, say) and the resident chats on, with no unblock
    event; the acknowledgement the law requires must reach them, not be dropped."""
    chat = world.chat()
    await chat.onboard()
    someone = await resident_of(world, chat)
    refused = Target("telegram", "acc", chat.user, chat.user)
    await mark_unreachable(world.sessions, world.conversations)(refused)  # as delivery does
    assert not await reachable(world, "telegram", chat.user)
    with world.writes() as seen:
        await chat.say("menu")
    assert await reachable(world, "telegram", chat.user)
    # One statement on PostgreSQL (the identity and the release together); SQLite runs two,
    # in process.
    assert len(seen) == (2 if world.engine.dialect.name == "sqlite" else 1)
    with world.writes() as seen:
        await chat.say("menu")
    assert seen == []  # an ordinary message writes nothing of this
    telegram = FakeChannel("telegram")
    row_id = await notify(world.sessions, someone, Notice.ACKNOWLEDGED, at(5))
    assert await world.worker(telegram=telegram).run_once() == 1
    assert (await row(world.sessions, row_id)).status == "sent"
    assert [c for c, _ in telegram.pushed] == [chat.user]


async def test_a_chat_whose_state_is_gone_is_noticed_when_its_profile_is_read(
    world: World,
) -> None:
    chat = world.chat()
    await chat.onboard()
    someone = await resident_of(world, chat)
    run = world.worker(telegram=FakeChannel("telegram", blocked=True))
    row_id = await notify(world.sessions, someone, Notice.ACKNOWLEDGED, at(0))
    await run.run_once()
    assert (await row(world.sessions, row_id)).status == "waiting"
    await world.conversations.forget(f"telegram:acc:{chat.user}")  # the away mark with it
    await chat.say("/start")
    assert await reachable(world, "telegram", chat.user)
    assert (await row(world.sessions, row_id)).status == "pending"


# -- blocked, and back by unblocking or following -------------------------------------------------


async def test_block_then_unblock_delivers_what_waited(world: World) -> None:
    chat = world.chat()
    await chat.onboard()
    someone = await resident_of(world, chat)
    telegram = FakeChannel("telegram", blocked=True)
    run = world.worker(telegram=telegram)
    await chat.send_event(chat.event(Kind.SYSTEM, system=SystemEvent.BLOCKED))
    row_id = await notify(world.sessions, someone, Notice.ACKNOWLEDGED, at(0))
    assert await run.run_once() == 1
    stored = await row(world.sessions, row_id)
    assert (stored.status, stored.last_error) == ("waiting", "no_channel")
    telegram.blocked = False
    await chat.send_event(chat.event(Kind.SYSTEM, system=SystemEvent.UNBLOCKED))
    assert await run.run_once() == 1
    assert (await row(world.sessions, row_id)).status == "sent"
    assert len(telegram.pushed) == 1
    async with world.conversations.turn(f"telegram:acc:{chat.user}", "look") as turn:
        assert turn.state is not None and reachability.AWAY not in turn.state.profile


async def test_an_unfollower_who_writes_without_following_gets_what_waited(
    world: World,
) -> None:
    """Zalo OA lets one write to an OA without following it: the message counts."""
    chat = world.chat("zalo_oa")
    await chat.onboard()
    someone = await resident_of(world, chat)
    await chat.send_event(chat.event(Kind.SYSTEM, system=SystemEvent.UNFOLLOW))
    zalo = FakeChannel("zalo_oa")
    run = world.worker(zalo_oa=zalo)
    row_id = await notify(world.sessions, someone, Notice.ACKNOWLEDGED, at(0))
    await run.run_once()
    assert (await row(world.sessions, row_id)).status == "waiting"
    await chat.say("xin chào")
    assert await run.run_once() == 1
    assert (await row(world.sessions, row_id)).status == "sent"


# -- Zalo OA's 7-day window ----------------------------------------------------------------------


@pytest.fixture
def zalo_user() -> str:
    return "5" + str(uuid.uuid4().int)[:18]


def oa_channel(world: World, fake: FakeZaloOA) -> ZaloOaChannel:
    return ZaloOaChannel(
        app_id=APP_ID,
        oa_secret_key=OA_SECRET_KEY,
        client=OaClient(fake.api_base, fake.api_base, APP_ID, APP_SECRET),
        tokens=SqlZaloOaTokens(world.sessions, account_sealer(Settings()), APP_ID),
        interactions=SqlZaloOaInteractions(world.sessions, APP_ID),
        dispatcher=world.dispatcher,
        delivery=Delivery(MemoryLimiter(), mark_unreachable(world.sessions, world.conversations)),
        seed=("acc-0", "ref-0"),
        rates=UNPACED,
    )


async def test_zalo_oa_outside_its_window_waits_and_goes_out_when_the_resident_writes(
    world: World, fake_zalo_oa: FakeZaloOA, zalo_user: str
) -> None:
    hooks = Webhooks()
    channel = oa_channel(world, fake_zalo_oa)
    fake_zalo_oa.interact(zalo_user)
    try:
        # The resident last wrote 8 days ago.
        await channel.handle(hooks.text(zalo_user, "/start", at=time.time() - 8 * 24 * 3600))
        await channel.delivery.drain()
        identity = select(ChannelIdentity.resident_id).where(
            ChannelIdentity.platform_user_id == zalo_user
        )
        async with world.sessions() as session:
            someone = str((await session.execute(identity)).scalar_one())
        row_id = await notify(world.sessions, someone, Notice.ACKNOWLEDGED, at(0))
        run = world.worker(zalo_oa=channel)
        sent_before = len(fake_zalo_oa.calls("cs"))
        assert await run.run_once() == 1
        stored = await row(world.sessions, row_id)
        assert (stored.status, stored.last_error) == ("waiting", "outside_window")
        assert len(fake_zalo_oa.calls("cs")) == sent_before  # no paid message, no call
        assert await run.run_once() == 0

        await channel.handle(hooks.text(zalo_user, "cảm ơn"))  # the window opens again
        await channel.delivery.drain()
        assert await reachable(world, "zalo_oa", zalo_user)
        assert await run.run_once() == 1
        await channel.delivery.drain()
        stored = await row(world.sessions, row_id)
        assert (stored.status, stored.channel) == ("sent", "zalo_oa")
        assert CODE in fake_zalo_oa.texts(zalo_user)[-1]
    finally:
        await channel.stop()


# -- what does not wait --------------------------------------------------------------------------


async def test_a_broadcast_copy_still_ends_unreachable(world: World) -> None:
    someone = await subscriber(world.sessions, "77")
    made = await broadcast(world.sessions, await police(world.sessions), world.clock.now)
    notice = await notify(world.sessions, someone, Notice.ACKNOWLEDGED, world.clock.now)
    blocked = FakeChannel("telegram", blocked=True)
    assert await world.worker(telegram=blocked).run_once() == 2
    assert await copies(world.sessions, made) == {someone: "unreachable"}
    assert (await row(world.sessions, notice)).status == "waiting"  # owed: it waits


async def test_a_resident_with_no_chat_account_is_unreachable_as_before(world: World) -> None:
    nobody = await resident(world.sessions, "vi")
    web_only = await resident(world.sessions, "vi", "web:abc")
    rows = [await notify(world.sessions, nobody), await notify(world.sessions, web_only)]
    assert await world.worker(telegram=FakeChannel("telegram")).run_once() == 2
    stored = await row(world.sessions, rows[0])
    assert (stored.status, stored.last_error) == ("unreachable", "no reachable channel")
    stored = await row(world.sessions, rows[1])
    assert (stored.status, stored.channel) == ("pending", "web")  # the page fetches it


# -- the edges of waiting ------------------------------------------------------------------------


async def test_a_resident_back_between_the_refusal_and_the_wait_is_not_left_waiting(
    world: World,
) -> None:
    someone = await resident(world.sessions, "vi", "telegram:1")
    row_id = await notify(world.sessions, someone)
    async with world.sessions() as session:
        [due] = await outbox.claim_due(session, START, limit=5, lease=timedelta(minutes=5))
        await session.commit()
    assert due.owed
    pushable = [("telegram", "acc")]
    async with world.sessions() as session:  # the account is reachable: it wrote meanwhile
        reason = outbox.WaitReason.BLOCKED
        became = await outbox.wait_for_resident(session, due.id, someone, reason, pushable, at(1))
        await session.commit()
    stored = await row(world.sessions, row_id)
    assert became is outbox.OutboxStatus.PENDING and stored.status == "pending"
    assert utc(stored.due_at) == at(1)
    async with world.sessions() as session:
        await session.execute(update(ChannelIdentity).values(reachable=False))
        became = await outbox.wait_for_resident(session, due.id, someone, reason, pushable, at(2))
        await session.commit()
    assert became is outbox.OutboxStatus.WAITING
    assert (await row(world.sessions, row_id)).status == "waiting"


async def test_a_message_that_waited_past_the_chat_period_goes_with_retention(
    world: World,
) -> None:
    someone = await resident(world.sessions, "vi", "telegram:1")
    old = await notify(world.sessions, someone, now=START - timedelta(days=45))
    recent = await notify(world.sessions, someone, now=START - timedelta(days=2))
    await world.worker(telegram=FakeChannel("telegram", blocked=True)).run_once()
    assert {(await row(world.sessions, r)).status for r in (old, recent)} == {"waiting"}
    periods = retention.Periods(chat_days=30)
    removed = await retention.run(world.sessions, periods, START)
    assert removed.inbox == 1
    async with world.sessions() as session:
        kept = (await session.execute(select(outbox.OUTBOX.c.id))).scalars().all()
    assert list(kept) == [recent]


# -- review 1: a mark that failed, and summaries that are not owed -------------------------------


async def test_a_chat_mark_that_failed_once_is_made_again_and_writing_releases(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The chat's lock was held past MARK_WAIT at the refusal (a long turn), so its "away"
    mark was not made: the resident chats on, with their profile cached, and is never
    noticed unless the worker marks the chat again."""
    chat = world.chat()
    await chat.onboard()
    someone = await resident_of(world, chat)
    real, failed = reachability._mark, list[str]()

    async def once_timed_out(conversations: Conversations, chat_key: str) -> None:
        if not failed:
            failed.append(chat_key)
            raise TimeoutError  # as asyncio.wait_for on a held lock
        await real(conversations, chat_key)

    monkeypatch.setattr(reachability, "_mark", once_timed_out)
    telegram = FakeChannel("telegram", blocked=True)
    run = world.worker(telegram=telegram)
    row_id = await notify(world.sessions, someone, Notice.ACKNOWLEDGED, at(0))
    assert await run.run_once() == 1
    assert failed and (await row(world.sessions, row_id)).status == "waiting"
    telegram.blocked = False
    for text in ("xin chào", "menu", "cảm ơn"):  # no unblock event: they simply write
        await chat.say(text)
    assert await reachable(world, "telegram", chat.user)
    assert (await row(world.sessions, row_id)).status == "pending"
    assert await run.run_once() == 1
    assert (await row(world.sessions, row_id)).status == "sent"
    assert [c for c, _ in telegram.pushed] == [chat.user]


async def test_while_a_chat_cannot_be_marked_its_message_is_tried_again_not_left_waiting(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = world.chat()
    await chat.onboard()
    someone = await resident_of(world, chat)
    chat_key = f"telegram:acc:{chat.user}"
    monkeypatch.setattr(reachability, "MARK_WAIT", 0.05)
    telegram = FakeChannel("telegram", blocked=True)
    run = world.worker(telegram=telegram)
    row_id = await notify(world.sessions, someone, Notice.ACKNOWLEDGED, at(0))
    async with world.conversations.turn(chat_key, f"long:{uuid.uuid4().hex}"):
        assert await run.run_once() == 1  # every mark times out behind the held lock
    stored = await row(world.sessions, row_id)
    assert (stored.status, stored.attempts, stored.last_error) == ("pending", 0, "blocked")
    assert utc(stored.due_at) == START + MARK_RETRY
    assert await run.run_once() == 0  # not due yet
    world.clock.advance(seconds=MARK_RETRY.total_seconds())
    assert await run.run_once() == 1  # marked this time: it waits
    stored = await row(world.sessions, row_id)
    assert (stored.status, stored.last_error) == ("waiting", "no_channel")
    async with world.conversations.turn(chat_key, "look") as turn:
        assert turn.state is not None and turn.state.profile[reachability.AWAY] == 1
    telegram.blocked = False
    await chat.say("xin chào")
    assert await run.run_once() == 1
    assert (await row(world.sessions, row_id)).status == "sent"


async def queue_digest(world: World, resident_id: str, notice: Notice) -> int:
    """A morning digest as storage/officer_digest.py queues it (priority 0), or a weekly scam
    digest (queued at a broadcast's priority, and not owed whatever its priority)."""
    params = officer_digest.params(officer_digest.Counts(), "Phường Ba Đình", START.date(), "/x")
    async with world.sessions() as session:
        made = OutboxMessage(
            resident_id=resident_id,
            tip_id=None,
            kind=str(notice),
            payload={"code": "", "params": {**params, "user_id": "1"}},
            status="pending",
            attempts=0,
            created_at=at(0),
            due_at=at(0),
            sent_at=None,
            channel="",
            last_error="",
            priority=0,
        )
        session.add(made)
        await session.commit()
        return made.id


async def test_an_officers_morning_digest_is_not_kept_for_when_they_come_back(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Days of digests would pile up for an officer out of Zalo OA's window and arrive at
    once: a digest that cannot go out ends unreachable, as before; their notices wait."""

    async def told(*_args: Any) -> bool:
        return True  # the officer's account and chat (storage/officer_notifications.py)

    monkeypatch.setattr(officer_notifications, "still_told", told)
    officer = await resident(world.sessions, "vi", "telegram:7")
    digest = await queue_digest(world, officer, Notice.OFFICER_DIGEST)
    answer = await notify(world.sessions, officer, Notice.ACKNOWLEDGED, at(1))
    assert await world.worker(telegram=FakeChannel("telegram", blocked=True)).run_once() == 2
    stored = await row(world.sessions, digest)
    assert (stored.status, stored.last_error) == ("unreachable", "no reachable channel")
    assert (await row(world.sessions, answer)).status == "waiting"
    async with world.sessions() as session:
        await session.execute(update(outbox.OUTBOX).values(status="pending", due_at=at(0)))
        await session.commit()
    async with world.sessions() as session:
        due = await outbox.claim_due(session, START, limit=5, lease=timedelta(minutes=5))
        await session.commit()
    assert {d.kind: d.owed for d in due} == {"officer.digest": False, "tip.acknowledged": True}
    assert str(Notice.WEEKLY_DIGEST) in outbox.NOT_OWED
