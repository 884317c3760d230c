"""The integration tests' chat driver runs on the databases (SQLite with in-process state,
PostgreSQL with Redis) instead of the in-memory ports the unit tests use; the contract of the
ports runs on the in-memory unit of work and on both databases."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.dispatcher import Dispatcher
from storage import migrate
from storage.db import make_engine, make_sessions
from tests.conftest import PG_ADMIN_URL, _pg_admin, _unavailable, in_thread
from tests.integration.port_backends import (
    Backend,
    copy_database,
    empty_tables,
    memory_backend,
    sql_backend,
)


@pytest.fixture
def dispatcher(sql_dispatcher: Dispatcher) -> Dispatcher:
    return sql_dispatcher


@pytest.fixture(params=["sqlite", "postgres"])
async def sql_session(request: pytest.FixtureRequest) -> AsyncIterator[AsyncSession]:
    """A session on a migrated SQLite file, then on the shared PostgreSQL database; what the
    test wrote is rolled back."""
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    engine = make_engine(url)
    try:
        async with make_sessions(engine)() as s:
            yield s
            await s.rollback()
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind, for the migrations to build and take down."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
        return
    name = f"binhyen_mig_{secrets.token_hex(4)}"
    try:
        in_thread(lambda: asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"')))
    except Exception as exc:
        _unavailable("PostgreSQL", exc)
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    yield f"{base}/{name}"
    in_thread(lambda: asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database built by the migrations once; each contract test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "binhyen.db"
    in_thread(migrate.upgrade, f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    """One implementation of the ports, with a peek at what it stores."""
    if request.param == "memory":
        yield memory_backend()
        return
    if request.param == "sqlite":
        url = copy_database(request.getfixturevalue("sqlite_template"), tmp_path / "test.db")
    else:
        url = request.getfixturevalue("pg_url")
    engine = make_engine(url)
    sessions = make_sessions(engine)
    try:
        yield sql_backend(request.param, sessions)
    finally:
        if request.param == "postgres":
            await empty_tables(sessions)
        await engine.dispose()
