"""Broadcasts' copies in the outbox on SQLite and PostgreSQL: claimed after what is owed to
one resident, withheld when the broadcast is cancelled or the resident is no longer among its
recipients (storage/broadcasts/delivery.py, the fan-out's own rule asked of one resident),
rendered in the resident's language, and a copy sent while its broadcast was being cancelled
counted as sent. The channels' side is tests/e2e/test_broadcast_delivery.py."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.broadcasts import decide
from handlers.broadcasts.compose import Draft, compose
from handlers.broadcasts.message import Copy
from handlers.broadcasts.words import BroadcastKind, MessageState
from handlers.people import AdminRole, Identity
from storage import outbox
from storage.broadcasts import SqlBroadcastStore
from storage.broadcasts.delivery import copy_for
from storage.db import make_engine, make_sessions
from storage.models import Broadcast, OutboxMessage, ResidentNeighbourhood, Subscription
from storage.models import Neighbourhood as NeighbourhoodRow
from storage.models import Resident as ResidentRow
from tests.conftest import Clock
from tests.integration.broadcast_backends import SqlBackend
from tests.integration.test_outbox import FakeChannel, clean, notify, resident, worker

BA_DINH = "00004"
TEXT = "Cảnh báo: có đối tượng giả danh công an gọi điện yêu cầu chuyển tiền."
LEASE = timedelta(minutes=5)


@pytest.fixture(params=["sqlite", "postgres"])
async def sessions(request: pytest.FixtureRequest) -> AsyncIterator[async_sessionmaker[Any]]:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    engine = make_engine(url)
    made = make_sessions(engine)
    if request.param == "postgres":
        await clean(made)
    yield made
    if request.param == "postgres":
        # The neighbourhoods these tests add to Ba Đình would otherwise be offered to every
        # later chat test's resident of Ba Đình on the shared database.
        async with made() as session:
            await session.execute(
                delete(NeighbourhoodRow).where(
                    NeighbourhoodRow.commune_code == BA_DINH,
                    NeighbourhoodRow.name.like("% (%)"),
                )
            )
            await session.commit()
    await engine.dispose()


async def subscriber(
    sessions: async_sessionmaker[AsyncSession], user: str, lang: str = "vi", *kinds: str
) -> str:
    """A resident of Ba Đình on Telegram, subscribed to `kinds` (by default its alerts)."""
    someone = await resident(sessions, lang, f"telegram:{user}")
    async with sessions() as session:
        for kind in kinds or ("alerts",):
            commune = BA_DINH if kind == "alerts" else ""
            session.add(
                Subscription(
                    resident_id=someone,
                    kind=kind,
                    commune_code=commune,
                    since=datetime(2026, 1, 1, tzinfo=UTC),
                )
            )
        await session.commit()
    return someone


async def police(sessions: async_sessionmaker[AsyncSession]) -> Identity:
    return await SqlBackend("sql", sessions).user(AdminRole.OFFICER, BA_DINH, "01")


async def broadcast(
    sessions: async_sessionmaker[AsyncSession], sender: Identity, at: datetime, **draft: Any
) -> str:
    async with sessions() as session:
        made = await compose(SqlBroadcastStore(session), sender, Draft(text=TEXT, **draft), now=at)
        await session.commit()
    return made.id


async def copies(sessions: async_sessionmaker[AsyncSession], broadcast_id: str) -> dict[str, str]:
    """Resident id → the status of their copy."""
    query = select(OutboxMessage.resident_id, OutboxMessage.status).where(
        OutboxMessage.broadcast_id == broadcast_id
    )
    async with sessions() as session:
        return {r: s for r, s in (await session.execute(query)).all()}


async def stop(sessions: async_sessionmaker[AsyncSession], resident_id: str) -> None:
    """What STOP does to the subscriptions (handlers/subscriptions.py): they end now."""
    async with sessions() as session:
        await session.execute(
            update(Subscription)
            .where(Subscription.resident_id == resident_id)
            .values(until=datetime(2026, 11, 23, tzinfo=UTC))
        )
        await session.commit()


async def test_what_is_owed_to_one_resident_is_claimed_before_any_copy(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    people = [await subscriber(sessions, str(n)) for n in range(3)]
    made = await broadcast(sessions, await police(sessions), clock.now - timedelta(hours=1))
    notice = await notify(sessions, people[0], now=clock.now)
    async with sessions() as session:
        first = await outbox.claim_due(session, clock.now, limit=2, lease=LEASE)
        rest = await outbox.claim_due(session, clock.now, limit=10, lease=LEASE)
        await session.commit()
    assert first[0].id == notice and first[0].broadcast_id is None
    assert first[1].broadcast_id == made and first[1].kind == "broadcast"
    assert [d.broadcast_id for d in rest] == [made, made]
    assert sorted(d.resident_id for d in [first[1], *rest]) == sorted(people)


async def test_copies_go_out_in_the_residents_language_and_the_stopped_get_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    english = await subscriber(sessions, "1", "en")
    vietnamese = await subscriber(sessions, "2", "vi")
    stopped = await subscriber(sessions, "3", "vi")
    made = await broadcast(sessions, await police(sessions), clock.now)
    await stop(sessions, stopped)
    telegram = FakeChannel("telegram")
    assert await worker(sessions, clock, telegram=telegram).run_once() == 3
    texts = dict((chat, reply.text) for chat, reply in telegram.pushed)
    assert texts == {
        "1": f"📣 Phường Ba Đình Police\n\n{TEXT}\n\nSend STOP to stop these messages.",
        "2": f"📣 Công an Phường Ba Đình\n\n{TEXT}\n\nGõ DỪNG để ngừng nhận thông báo.",
    }
    assert await copies(sessions, made) == {
        english: "sent",
        vietnamese: "sent",
        stopped: "opted_out",
    }


async def test_a_copy_of_a_broadcast_cancelled_since_its_claim_is_not_sent(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Cancelling takes the pending copies; one a worker had claimed just before is caught
    by the check before it is pushed."""
    clock = Clock()
    someone = await subscriber(sessions, "1")
    made = await broadcast(sessions, await police(sessions), clock.now)
    async with sessions() as session:
        await session.execute(
            update(Broadcast).where(Broadcast.id == made).values(status="cancelled")
        )
        await session.commit()
    telegram = FakeChannel("telegram")
    assert await worker(sessions, clock, telegram=telegram).run_once() == 1
    assert telegram.pushed == []
    assert await copies(sessions, made) == {someone: "cancelled"}


async def test_a_copy_sent_while_its_broadcast_was_cancelled_counts_as_sent(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    people = [await subscriber(sessions, str(n)) for n in range(3)]
    officer = await police(sessions)
    made = await broadcast(sessions, officer, clock.now)
    async with sessions() as session:
        claimed = await outbox.claim_due(session, clock.now, limit=10, lease=LEASE)
        await session.commit()
    async with sessions() as session:
        await decide.cancel(SqlBroadcastStore(session), officer, made)
        await session.commit()
    sent, unreachable, retried = claimed
    async with sessions() as session:
        values = {"status": "sent", "sent_at": clock.now, "channel": "telegram"}
        assert await outbox.settle(session, sent.id, **values)
        assert not await outbox.settle(session, unreachable.id, status="unreachable")
        assert not await outbox.settle(session, retried.id, attempts=1, due_at=clock.now)
        await session.commit()
    states = await copies(sessions, made)
    assert sorted(states.values()) == ["cancelled", "cancelled", "sent"]
    assert states[sent.resident_id] == "sent" and set(states) == set(people)
    async with sessions() as session:
        counts = await SqlBroadcastStore(session).counts(made)
    assert counts.of(MessageState.SENT) == 1 and counts.of(MessageState.CANCELLED) == 2
    assert counts.by_channel == {"telegram": {MessageState.SENT: 1}}


async def test_still_addressed_is_the_fan_outs_rule_asked_again(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    officer = await police(sessions)
    backend = SqlBackend("sql", sessions)
    suffix = secrets.token_hex(3)
    tdp5 = await backend.neighbourhood(BA_DINH, f"Tổ dân phố số 5 ({suffix})")
    tdp6 = await backend.neighbourhood(BA_DINH, f"Tổ dân phố số 6 ({suffix})")
    aware = [await subscriber(sessions, str(n), "vi", "awareness") for n in range(2)]
    local = [await subscriber(sessions, str(n + 2)) for n in range(3)]
    async with sessions() as session:
        for someone, place in zip(local, (tdp5, tdp6, tdp5), strict=True):
            session.add(ResidentNeighbourhood(resident_id=someone, neighbourhood_id=place.id))
        await session.commit()
    tips = await broadcast(sessions, officer, clock.now, kind=BroadcastKind.AWARENESS.value)
    narrow = await broadcast(sessions, officer, clock.now, neighbourhoods=(tdp6.id, tdp5.id))
    async with sessions() as session:
        # One moved to another commune, one moved from Tổ 5 to no neighbourhood at all.
        await session.execute(
            update(ResidentRow).where(ResidentRow.id == aware[1]).values(commune_code="00001")
        )
        await session.execute(
            delete(ResidentNeighbourhood).where(ResidentNeighbourhood.resident_id == local[2])
        )
        await session.commit()
    async with sessions() as session:
        stays = await copy_for(session, tips, aware[0])
        assert isinstance(stays, Copy) and stays.neighbourhoods == ()
        assert stays.broadcast.kind is BroadcastKind.AWARENESS
        assert await copy_for(session, tips, aware[1]) is MessageState.OPTED_OUT
        named = await copy_for(session, narrow, local[0])
        assert isinstance(named, Copy)
        assert named.neighbourhoods == (tdp6.name, tdp5.name)  # as the sender chose them
        assert await copy_for(session, narrow, local[2]) is MessageState.OPTED_OUT
        assert await copy_for(session, str(uuid.uuid4()), local[0]) is MessageState.CANCELLED


async def test_a_copy_whose_push_was_in_doubt_is_failed_not_sent_again_a_notice_is_sent_again(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """What a worker killed during a push leaves: a copy marked sending and a notice, both
    still pending. Claimed again, the copy is recorded failed "unknown after a crash" and
    not pushed (at most once); the notice is pushed (at least once)."""
    clock = Clock()
    someone = await subscriber(sessions, "1")
    made = await broadcast(sessions, await police(sessions), clock.now)
    notice = await notify(sessions, someone, now=clock.now)
    async with sessions() as session:
        claimed = await outbox.claim_due(session, clock.now, limit=10, lease=LEASE)
        for due in claimed:
            if due.broadcast_id is not None:  # as the worker does, before the push
                await outbox.mark_sending(session, due.id)
        await session.commit()
    assert {d.in_doubt for d in claimed} == {False}
    # the worker died; the web chat would take the notice, never the copy in doubt
    clock.advance(minutes=6)
    async with sessions() as session:
        taken = await outbox.take_for_chat(session, someone, clock.now)
        assert [d.id for d in taken] == [notice]
        await session.rollback()
    telegram = FakeChannel("telegram")
    assert await worker(sessions, clock, telegram=telegram).run_once() == 2
    assert [chat for chat, _ in telegram.pushed] == ["1"]  # the notice only
    query = select(OutboxMessage.id, OutboxMessage.status, OutboxMessage.last_error).where(
        OutboxMessage.resident_id == someone
    )
    async with sessions() as session:
        rows = {r.id: (r.status, r.last_error) for r in (await session.execute(query)).all()}
    copy = next(i for i in rows if i != notice)
    assert rows[copy] == ("failed", outbox.UNKNOWN_AFTER_CRASH)
    assert rows[notice][0] == "sent"
    assert await copies(sessions, made) == {someone: "failed"}


async def test_a_copy_sent_leaves_no_sending_mark(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    someone = await subscriber(sessions, "1")
    made = await broadcast(sessions, await police(sessions), clock.now)
    assert await worker(sessions, clock, telegram=FakeChannel("telegram")).run_once() == 1
    query = select(OutboxMessage.status, OutboxMessage.last_error).where(
        OutboxMessage.broadcast_id == made
    )
    async with sessions() as session:
        assert (await session.execute(query)).one() == ("sent", "")
    assert someone
