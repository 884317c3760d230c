"""The `ChatLinks` port's unlinking and counting (handlers/chat_links.py) on the in-memory
fake, SQLite and PostgreSQL alike: a leader's chats by channel and since when, a commune's
leaders' chats, unlinking by channel (and only that leader's), any account by id, and the
wrong codes typed to one bot account since a moment (refusals for a limit not counted)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from handlers.audit import AuditAction
from handlers.chat_links import Linked, LinkedChat
from handlers.people import AdminRole
from storage.models import ChannelIdentity
from tests.conftest import own_commune
from tests.integration.broadcast_backends import BroadcastBackend, MemoryBackend, SqlBackend
from tests.integration.port_backends import contract_backend

NOW = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def backend(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[BroadcastBackend]:
    async with contract_backend(request, tmp_path, MemoryBackend, SqlBackend) as found:
        yield found


async def chat_on(backend: BroadcastBackend, commune: str, channel: str) -> str:
    """A resident whose chat is on `channel`, as the bot makes one."""
    resident = await backend.resident(commune, None, set())
    if isinstance(backend, MemoryBackend):
        backend.data.chat_channels[resident] = channel
        return resident
    assert isinstance(backend, SqlBackend)
    async with backend.sessions() as session:
        session.add(
            ChannelIdentity(
                channel=channel,
                account="bot",
                platform_user_id=uuid.uuid4().hex,
                resident_id=resident,
            )
        )
        await session.commit()
    return resident


async def test_chats_by_channel_and_unlinking_only_that_leaders(
    backend: BroadcastBackend,
) -> None:
    commune = own_commune()
    leader = await backend.user(AdminRole.LEADER, commune, "01")
    other = await backend.user(AdminRole.LEADER, commune, "01")
    elsewhere = await backend.user(AdminRole.LEADER, own_commune(), "01")
    mine, theirs, far = (
        await chat_on(backend, commune, "telegram"),
        await chat_on(backend, commune, "zalo_bot"),
        await chat_on(backend, commune, "zalo_oa"),
    )
    async with backend.work() as work:
        await work.links.link(leader.id, mine, NOW)
        await work.links.link(other.id, theirs, NOW + timedelta(minutes=1))
        await work.links.link(elsewhere.id, far, NOW)
        await work.commit()
    async with backend.work() as work:
        assert await work.links.chats(leader.id) == [LinkedChat("telegram", NOW)]
        assert await work.links.commune_chats(commune) == {
            leader.id: [LinkedChat("telegram", NOW)],
            other.id: [LinkedChat("zalo_bot", NOW + timedelta(minutes=1))],
        }
        assert await work.links.unlink(leader.id, "zalo_bot") is False  # the other's channel
        assert await work.links.unlink(leader.id, "telegram") is True
        assert await work.links.unlink(leader.id, "telegram") is False
        await work.commit()
    async with backend.work() as work:
        assert await work.links.chats(leader.id) == []
        assert await work.links.leader_of(mine) is None
        assert await work.links.leader_of(theirs) == other
        assert list(await work.links.commune_chats(commune)) == [other.id]


async def test_any_account_by_id_active_or_not(backend: BroadcastBackend) -> None:
    commune = own_commune()
    leader = await backend.user(AdminRole.LEADER, commune, "01")
    officer = await backend.user(AdminRole.OFFICER, commune, "01")
    await backend.deactivate(leader)
    async with backend.work() as work:
        assert await work.links.account(leader.id) == leader
        assert await work.links.account(officer.id) == officer
        assert await work.links.leader(leader.id) is None
        assert await work.links.account(2**31 - 1) is None


async def test_wrong_codes_are_counted_per_bot_account_since_a_moment(
    backend: BroadcastBackend,
) -> None:
    bot, other_bot = f"telegram:{secrets.token_hex(4)}", f"zalo_bot:{secrets.token_hex(4)}"
    leader = await backend.user(AdminRole.LEADER, own_commune(), "01")
    rows = [
        (bot, Linked.UNKNOWN, NOW - timedelta(minutes=61)),  # too old
        (bot, Linked.UNKNOWN, NOW - timedelta(minutes=59)),
        (bot, Linked.USED, NOW - timedelta(minutes=30)),
        (bot, Linked.EXPIRED, NOW - timedelta(minutes=20)),
        (bot, Linked.NOT_LEADER, NOW - timedelta(minutes=10)),
        (bot, Linked.LIMITED, NOW - timedelta(minutes=5)),  # a refusal for a limit
        (bot, Linked.PAUSED, NOW - timedelta(minutes=4)),
        (other_bot, Linked.UNKNOWN, NOW - timedelta(minutes=3)),
    ]
    async with backend.work() as work:
        for subject, reason, at in rows:
            actor = leader if reason is Linked.USED else None
            await work.links.audit(
                AuditAction.CHAT_LINK_REFUSE, actor, detail=reason, ip="", now=at, subject=subject
            )
        await work.links.audit(AuditAction.CHAT_LINK_USE, leader, detail="", ip="", now=NOW)
        # Pending in the unit of work: counted by the same unit of work.
        assert await work.links.wrong_since(bot, NOW - timedelta(hours=1)) == 4
        await work.commit()
    async with backend.work() as work:
        assert await work.links.wrong_since(bot, NOW - timedelta(hours=1)) == 4
        assert await work.links.wrong_since(other_bot, NOW - timedelta(hours=1)) == 1
        assert await work.links.wrong_since(bot, NOW) == 0
