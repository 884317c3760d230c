"""The contract of the neighbourhood port (handlers/neighbourhoods/ports.py), run against the
in-memory store and the SQL one on SQLite and PostgreSQL (neighbourhood_backends.py): the
use-case tests in tests/unit/test_neighbourhood_use_cases.py run on the in-memory store, so it
must answer as the SQL one does. The store knows exact names only; a name in another case is
the use cases' to refuse. On PostgreSQL, two changes of one commune wait for each other."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from handlers.audit import AuditAction
from handlers.errors import Conflict
from handlers.neighbourhoods import manage
from handlers.neighbourhoods.ports import Leader, Member, Neighbourhood
from handlers.people import AdminRole
from storage.db import make_engine, make_sessions
from storage.neighbourhoods import SqlNeighbourhoodStore
from tests.fakes.memory_neighbourhoods import Audited
from tests.integration.neighbourhood_backends import (
    MemoryBackend,
    NeighbourhoodBackend,
    SqlBackend,
    new_commune,
)
from tests.integration.port_backends import contract_backend, copy_database

NOW = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def backend(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[NeighbourhoodBackend]:
    async with contract_backend(request, tmp_path, MemoryBackend, SqlBackend) as found:
        yield found


def by_id(found: list[Neighbourhood]) -> list[Neighbourhood]:
    return sorted(found, key=lambda n: n.id)


async def test_a_communes_neighbourhoods_active_and_retired(backend: NeighbourhoodBackend) -> None:
    commune, other = new_commune(), new_commune()
    tdp5 = await backend.neighbourhood(commune, "Tổ dân phố số 5", "TDP05")
    old = await backend.neighbourhood(commune, "Tổ dân phố cũ", active=False)
    await backend.neighbourhood(other, "Tổ dân phố số 5")
    async with backend.work() as work:
        assert by_id(await work.store.neighbourhoods(commune)) == [tdp5, old]
        assert await work.store.neighbourhood(old.id) == old
        assert await work.store.neighbourhood(2**31 - 1) is None
        assert await work.store.neighbourhoods(new_commune()) == []


async def test_adding_refuses_an_exact_name_only(backend: NeighbourhoodBackend) -> None:
    commune, other = new_commune(), new_commune()
    tdp5 = await backend.neighbourhood(commune, "Tổ dân phố số 5")
    async with backend.work() as work:
        made = await work.store.add(commune, "Thôn Đông", "T1", NOW)
        assert made is not None
        assert made == Neighbourhood(made.id, commune, "Thôn Đông", "T1", True)
        assert await work.store.add(commune, "Tổ dân phố số 5", "", NOW) is None
        # The unit of work goes on after a refusal, and keeps what it did before it.
        recased = await work.store.add(commune, "tổ dân phố số 5", "", NOW)
        elsewhere = await work.store.add(other, "Tổ dân phố số 5", "", NOW)
        assert recased is not None and elsewhere is not None
        await work.commit()
    async with backend.work() as work:
        kept = by_id(await work.store.neighbourhoods(commune))
        assert kept == [tdp5, made, recased]


async def test_renaming_refuses_another_ones_exact_name(backend: NeighbourhoodBackend) -> None:
    commune = new_commune()
    tdp5 = await backend.neighbourhood(commune, "Tổ dân phố số 5")
    tdp6 = await backend.neighbourhood(commune, "Tổ dân phố số 6")
    async with backend.work() as work:
        assert await work.store.rename(tdp5.id, "Tổ dân phố 5", "05")
        assert not await work.store.rename(tdp6.id, "Tổ dân phố 5", "")
        assert await work.store.rename(tdp6.id, "Tổ dân phố 6", "")
        await work.commit()
    async with backend.work() as work:
        assert by_id(await work.store.neighbourhoods(commune)) == [
            Neighbourhood(tdp5.id, commune, "Tổ dân phố 5", "05"),
            Neighbourhood(tdp6.id, commune, "Tổ dân phố 6", ""),
        ]


async def test_retiring_unbinds_and_restoring_does_not_bind(backend: NeighbourhoodBackend) -> None:
    commune = new_commune()
    tdp5 = await backend.neighbourhood(commune, "Tổ dân phố số 5")
    tdp6 = await backend.neighbourhood(commune, "Tổ dân phố số 6")
    leader = await backend.account(AdminRole.LEADER, commune)
    await backend.bind(leader, tdp5)
    await backend.bind(leader, tdp6)
    await backend.resident(commune, tdp5)
    stays = await backend.resident(commune, tdp6)
    async with backend.work() as work:
        await work.store.retire(tdp5.id)
        assert await work.store.neighbourhood(tdp5.id) == Neighbourhood(
            tdp5.id, commune, tdp5.name, active=False
        )
        await work.commit()
    assert await backend.bound(tdp5) == (set(), set())
    assert await backend.bound(tdp6) == ({leader.id}, {stays})
    async with backend.work() as work:
        await work.store.restore(tdp5.id)
        await work.commit()
    async with backend.work() as work:
        assert await work.store.neighbourhood(tdp5.id) == tdp5
    assert await backend.bound(tdp5) == (set(), set())


async def test_a_communes_leaders_and_its_accounts(backend: NeighbourhoodBackend) -> None:
    commune, other = new_commune(), new_commune()
    tdp5 = await backend.neighbourhood(commune, "Tổ dân phố số 5")
    tdp6 = await backend.neighbourhood(commune, "Tổ dân phố số 6")
    lan = await backend.account(AdminRole.LEADER, commune, display_name="Bà Lan")
    alone = await backend.account(AdminRole.LEADER, commune)
    gone = await backend.account(AdminRole.LEADER, commune, active=False)
    officer = await backend.account(AdminRole.OFFICER, commune)
    away = await backend.account(AdminRole.LEADER, other)
    admin = await backend.account(AdminRole.PROVINCE_ADMIN, commune)
    await backend.bind(lan, tdp5)
    await backend.bind(lan, tdp6)
    async with backend.work() as work:
        found = sorted(await work.store.leaders(commune), key=lambda x: x.id)
        assert found == [
            Leader(lan.id, lan.username, "Bà Lan", frozenset({tdp5.id, tdp6.id})),
            Leader(alone.id, alone.username),
        ]
        assert await work.store.member(commune, gone.id) == Member(
            gone.id, gone.username, AdminRole.LEADER, False
        )
        assert await work.store.member(commune, officer.id) == Member(
            officer.id, officer.username, AdminRole.OFFICER, True
        )
        for stranger in (away, admin):
            assert await work.store.member(commune, stranger.id) is None
        assert await work.store.member("", admin.id) is None
        assert await work.store.member(commune, 2**31 - 1) is None


async def test_binding_replaces_a_leaders_neighbourhoods(backend: NeighbourhoodBackend) -> None:
    commune = new_commune()
    tdp5 = await backend.neighbourhood(commune, "Tổ dân phố số 5")
    tdp6 = await backend.neighbourhood(commune, "Tổ dân phố số 6")
    leader = await backend.account(AdminRole.LEADER, commune)
    other = await backend.account(AdminRole.LEADER, commune)
    await backend.bind(leader, tdp5)
    await backend.bind(other, tdp5)
    async with backend.work() as work:
        await work.store.bind(leader.id, frozenset({tdp6.id}))
        await work.commit()
    assert await backend.bound(tdp5) == ({other.id}, set())
    assert await backend.bound(tdp6) == ({leader.id}, set())
    async with backend.work() as work:
        await work.store.bind(leader.id, frozenset())
        await work.commit()
    assert await backend.bound(tdp6) == (set(), set())


async def test_the_approval_choice_defaults_to_yes(backend: NeighbourhoodBackend) -> None:
    commune, other = new_commune(), new_commune()
    chief = await backend.account(AdminRole.CHIEF, commune)
    async with backend.work() as work:
        assert await work.store.approval(commune) is True
        await work.store.set_approval(commune, False, chief.id, NOW)
        assert await work.store.approval(commune) is False
        await work.commit()
    async with backend.work() as work:
        assert await work.store.approval(commune) is False
        assert await work.store.approval(other) is True
        await work.store.set_approval(commune, True, chief.id, NOW)  # a row already there
        await work.commit()
    async with backend.work() as work:
        assert await work.store.approval(commune) is True


async def test_nothing_is_kept_without_the_commit(backend: NeighbourhoodBackend) -> None:
    commune = new_commune()
    chief = await backend.account(AdminRole.CHIEF, commune)
    tdp5 = await backend.neighbourhood(commune, "Tổ dân phố số 5")
    async with backend.work() as work:
        await work.store.lock(commune)
        await work.store.add(commune, "Thôn Tây", "", NOW)
        await work.store.retire(tdp5.id)
        await work.store.set_approval(commune, False, chief.id, NOW)
        await work.store.audit(chief, AuditAction.COMMUNE_APPROVAL, subject=commune, now=NOW)
    async with backend.work() as work:
        assert await work.store.neighbourhoods(commune) == [tdp5]
        assert await work.store.approval(commune) is True
    assert await backend.audits(commune) == []


async def test_an_audit_row_is_written(backend: NeighbourhoodBackend) -> None:
    commune = new_commune()
    chief = await backend.account(AdminRole.CHIEF, commune)
    async with backend.work() as work:
        await work.store.audit(
            chief,
            AuditAction.COMMUNE_APPROVAL,
            subject=commune,
            detail="approval_off",
            ip="203.0.113.7",
            now=NOW,
        )
        await work.commit()
    assert await backend.audits(commune) == [
        Audited(
            AuditAction.COMMUNE_APPROVAL, chief.username, commune, "approval_off", "203.0.113.7"
        )
    ]


# --- one change of a commune at a time ------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return copy_database(request.getfixturevalue("sqlite_template"), tmp_path / "race.db")
    return str(request.getfixturevalue("pg_url"))


async def test_two_chiefs_adding_one_name_at_once_get_one_neighbourhood(database_url: str) -> None:
    """Each checks the names and adds in its own transaction; without the commune's lock both
    would find no "Thôn Bảy" in either case, and both add it."""
    engine = make_engine(database_url)
    sessions = make_sessions(engine)
    commune = new_commune()
    chief = await SqlBackend("sql", sessions).account(AdminRole.CHIEF, commune)
    first_holds = asyncio.Event()

    async def add(name: str, *, first: bool) -> str:
        async with sessions() as session:
            store = SqlNeighbourhoodStore(session)
            if first:
                await store.lock(commune)  # held first: the other waits at its own lock
                first_holds.set()
                await asyncio.sleep(0.2)
            else:
                await first_holds.wait()
            try:
                await manage.add(store, chief, commune, name, now=NOW)
            except Conflict as exc:
                return exc.code
            await session.commit()
            return "added"

    try:
        outcomes = await asyncio.gather(add("Thôn Bảy", first=True), add("thôn bảy", first=False))
        assert list(outcomes) == ["added", "neighbourhood_taken"]
        async with sessions() as session:
            kept = await SqlNeighbourhoodStore(session).neighbourhoods(commune)
        assert [n.name for n in kept] == ["Thôn Bảy"]
    finally:
        await engine.dispose()
