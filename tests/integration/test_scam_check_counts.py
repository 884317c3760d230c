"""Scam checks counted in SQL (storage/scam_checks.py) on SQLite and PostgreSQL: one upsert
adds one to the (commune, day, verdict) row, two residents counting at once both count,
a count makes no reply owed (the check turn costs no journal write), and a check through
the dispatcher lands in its resident's commune and Vietnam day.

The PostgreSQL database is shared by the session's tests: counts are read before and after,
or kept in communes of this test's own (tests/conftest.py own_commune)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.dispatcher import Dispatcher
from bot.owed import Replies
from storage.db import make_engine, make_sessions
from storage.models import ScamCheckCount
from storage.scam_checks import SqlScamChecks
from storage.uow import SqlUnitOfWork
from tests.conftest import PIN_SECRET, SEALER, Chat, own_commune
from tests.unit.test_check_flow import SCAM

DAY = date(2026, 11, 23)  # the test clock's day in Vietnam


@pytest.fixture(params=["sqlite", "postgres"])
async def engine(request: pytest.FixtureRequest) -> AsyncIterator[AsyncEngine]:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    made = make_engine(url)
    yield made
    await made.dispose()


async def counted(session: AsyncSession, commune: str, day: date = DAY) -> dict[str, int]:
    rows = await session.execute(
        select(ScamCheckCount.outcome, ScamCheckCount.checks).where(
            ScamCheckCount.commune_code == commune, ScamCheckCount.day == day
        )
    )
    return {str(outcome): int(checks) for outcome, checks in rows.all()}


async def test_a_check_adds_one_to_its_row(engine: AsyncEngine) -> None:
    commune = own_commune()
    sessions = make_sessions(engine)
    async with sessions() as session:
        checks = SqlScamChecks(session)
        for outcome in ("wording", "wording", "nothing", "wording"):
            await checks.count(commune, DAY, outcome)
        await checks.count(commune, date(2026, 11, 24), "wording")
        await session.commit()
    async with sessions() as session:
        assert await counted(session, commune) == {"wording": 3, "nothing": 1}
        assert await counted(session, commune, date(2026, 11, 24)) == {"wording": 1}
        await SqlScamChecks(session).count(commune, DAY, "nothing")
        await session.rollback()  # the turn failed: not counted
    async with sessions() as session:
        assert await counted(session, commune) == {"wording": 3, "nothing": 1}


async def test_a_count_owes_no_reply_but_a_change_does(engine: AsyncEngine) -> None:
    uow = SqlUnitOfWork(make_sessions(engine), PIN_SECRET, SEALER)
    try:
        postgres = engine.dialect.name == "postgresql"
        await uow.scam_checks.count(own_commune(), DAY, "unknown")
        assert not uow.wrote  # the journal is not written for a check
        # A turn that only counted commits without waiting for the disk (PostgreSQL).
        assert uow._only_counted() is postgres
        await uow.session.execute(
            update(ScamCheckCount)
            .where(ScamCheckCount.commune_code == "x")
            .values(checks=ScamCheckCount.checks)
        )
        assert uow.wrote  # any other statement still counts as a change
        assert not uow._only_counted()  # and is committed as ever
    finally:
        await uow.rollback()
        await uow.close()


async def test_two_turns_counting_at_once_both_count(pg_url: str) -> None:
    """On PostgreSQL the second upsert waits for the first's commit, then adds to its row."""
    engine = make_engine(pg_url)
    commune = own_commune()
    sessions = make_sessions(engine)
    try:
        async with sessions() as first, sessions() as second:
            await SqlScamChecks(first).count(commune, DAY, "signs")
            waiting = asyncio.create_task(SqlScamChecks(second).count(commune, DAY, "signs"))
            await asyncio.sleep(0.2)
            assert not waiting.done()  # the row is the first turn's until it commits
            await first.commit()
            await asyncio.wait_for(waiting, 5)
            await second.commit()
        async with sessions() as session:
            assert await counted(session, commune) == {"signs": 2}
    finally:
        await engine.dispose()


async def _ba_dinh(dispatcher: Dispatcher) -> dict[str, int]:
    assert dispatcher.journal is not None
    async with dispatcher.journal.sessions() as session:
        return await counted(session, "00004")


async def test_a_resident_s_check_counts_in_their_commune_and_owes_nothing(
    dispatcher: Dispatcher,
) -> None:
    chat = Chat(dispatcher, channel="telegram")  # a channel whose writing turns are journaled
    await chat.onboard()  # Phường Ba Đình
    assert isinstance(chat.last, Replies) and chat.last.owed_id is not None  # journaled
    await dispatcher.sent(chat.last)
    before = await _ba_dinh(dispatcher)
    await chat.pick("menu:check")
    text_ = await chat.say(SCAM)
    assert "lời lẽ của tin nhắn này giống một kiểu lừa đảo" in text_
    assert isinstance(chat.last, Replies) and chat.last.owed_id is None  # nothing owed
    await chat.pick("check:again")
    await chat.say("Số 0987 111 222 gọi cho mẹ tôi hôm qua")
    after = await _ba_dinh(dispatcher)
    assert after.get("wording", 0) - before.get("wording", 0) == 1
    assert after.get("unknown", 0) - before.get("unknown", 0) == 1
    assert sum(after.values()) - sum(before.values()) == 2
