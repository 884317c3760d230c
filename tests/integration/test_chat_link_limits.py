"""The limits on wrong link codes (handlers/chat_links.py) hold across processes: two bot
cores share the database and the chats' state, as two workers do (PostgreSQL with Redis, each
core with its own Redis client; SQLite with the one process's state). Five wrong codes typed
through one core, and the sixth through the other is refused though it is right; fifty wrong
codes to one bot account, from as many chats and both cores, pause linking for every chat of
that account and no other. Each refusal is in the audit log with its reason."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.dispatcher import Dispatcher
from handlers import chat_links
from handlers.audit import AuditAction
from handlers.people import AdminRole, Identity
from storage.chat_links import SqlChatLinks
from storage.db import make_engine, make_sessions
from storage.identity import identity_of
from storage.models import AdminUser, AuditLog, LeaderChat
from storage.state_memory import memory_conversations
from storage.state_redis import RedisConversations
from tests.conftest import Chat, connect_redis, drop_keys, key_prefix, truncate
from tests.conftest import test_core as core_on  # not a test of this module


class Cores:
    """Two bot cores on one database and one chats' state, with one clock."""

    def __init__(self, first: Dispatcher, second: Dispatcher, sessions: object) -> None:
        second.config = first.config  # one clock (and one link key) for both
        self.first, self.second, self.sessions = first, second, sessions
        self.channel = f"t{secrets.token_hex(4)}"  # a bot account no other test types to

    def chat(self, core: Dispatcher, user: str | None = None) -> Chat:
        chat = Chat(core, channel=self.channel)
        if user is not None:
            chat.user = user
        return chat

    @property
    def bot(self) -> str:
        return f"{self.channel}:acc"

    async def leader(self) -> Identity:
        row = AdminUser(
            username=f"leader{secrets.token_hex(4)}",
            password_hash="not used by these tests",
            role=AdminRole.LEADER,
            commune_code="00004",
            province_code="01",
        )
        async with self.sessions() as session:  # type: ignore[operator]
            session.add(row)
            await session.commit()
            return identity_of(row)

    async def code(self, leader: Identity) -> str:
        config = self.first.config
        async with self.sessions() as session:  # type: ignore[operator]
            made = await chat_links.new_code(
                SqlChatLinks(session), leader, config.link_key, now=config.clock()
            )
            await session.commit()
        return made.code

    async def linked(self, leader: Identity) -> bool:
        query = select(LeaderChat).where(LeaderChat.user_id == leader.id)
        async with self.sessions() as session:  # type: ignore[operator]
            return (await session.execute(query)).scalar_one_or_none() is not None

    async def refusals(self, bot: str | None = None) -> list[tuple[str, str]]:
        """(actor, reason) of the refusals audited for the bot account, oldest first."""
        query = (
            select(AuditLog.actor_username, AuditLog.detail)
            .where(
                AuditLog.action == AuditAction.CHAT_LINK_REFUSE.value,
                AuditLog.subject == (bot or self.bot),
            )
            .order_by(AuditLog.id)
        )
        async with self.sessions() as session:  # type: ignore[operator]
            return [(who, why) for who, why in (await session.execute(query)).all()]


@pytest.fixture(params=["sqlite-memory", "postgres-redis"])
async def cores(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Cores]:
    if request.param == "sqlite-memory":
        engine = make_engine(request.getfixturevalue("sqlite_url"))
        sessions = make_sessions(engine)
        state = memory_conversations()  # one process: its workers share the state
        yield Cores(
            core_on(sessions, state, tmp_path / "a"),
            core_on(sessions, state, tmp_path / "b"),
            sessions,
        )
        await engine.dispose()
        return
    engine = make_engine(request.getfixturevalue("pg_url"))
    sessions = make_sessions(engine)
    prefix = key_prefix()
    one, two = await connect_redis(), await connect_redis()
    yield Cores(
        core_on(sessions, RedisConversations(one, prefix), tmp_path / "a"),
        core_on(sessions, RedisConversations(two, prefix), tmp_path / "b"),
        sessions,
    )
    await drop_keys(one, prefix)
    await one.aclose()
    await two.aclose()
    await truncate(engine)
    await engine.dispose()


async def test_the_sixth_code_is_refused_though_right_when_typed_to_the_other_core(
    cores: Cores,
) -> None:
    leader = await cores.leader()
    code = await cores.code(leader)
    here = cores.chat(cores.first)
    there = cores.chat(cores.second, here.user)  # the same chat, handled by the other core
    for _ in range(chat_links.CHAT_TRIES):
        assert "không đúng" in await here.say(chat_links.new_text())
    text = await there.say(code)
    assert "nhập sai mã liên kết quá nhiều lần" in text and "1 giờ" in text
    assert not await cores.linked(leader)
    assert await cores.refusals() == [("", "unknown")] * chat_links.CHAT_TRIES + [
        (leader.username, "limited")
    ]
    # Another chat of the same bot is not limited by this one's tries.
    elsewhere = cores.chat(cores.first)
    assert "Đã liên kết tài khoản tổ trưởng" in await elsewhere.say(code)
    assert await cores.linked(leader)
    # An hour after the wrong codes, the limited chat may try again.
    cores.first.config.clock.advance(hours=1, minutes=1)  # type: ignore[attr-defined]
    assert "không đúng" in await here.say(chat_links.new_text())


async def test_fifty_wrong_codes_to_one_bot_pause_linking_for_all_its_chats(
    cores: Cores,
) -> None:
    leader = await cores.leader()
    code = await cores.code(leader)
    for n in range(chat_links.BOT_TRIES):
        core = cores.first if n % 2 else cores.second
        assert "không đúng" in await cores.chat(core).say(chat_links.new_text()), n
    newcomer = cores.chat(cores.second)
    assert "tạm dừng" in await newcomer.say(code)
    assert not await cores.linked(leader)
    refused = await cores.refusals()
    assert len(refused) == chat_links.BOT_TRIES + 1
    assert refused[-1] == (leader.username, "paused")
    # Refusals for the limit do not count toward it, and another bot account is not paused.
    other = Chat(cores.first, channel=f"u{secrets.token_hex(4)}")
    assert "Đã liên kết tài khoản tổ trưởng" in await other.say(code)
    assert await cores.refusals(f"{other.channel}:acc") == []
