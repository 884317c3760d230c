"""The migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from storage import migrate
from storage.models import POSTGRES_ONLY_INDEXES, Base
from tests.conftest import PG_ADMIN_URL, _pg_admin, _unavailable, in_thread


def _modelled(obj: Any, name: str | None, kind: str, reflected: bool, _other: Any) -> bool:
    """Compare everything but the PostgreSQL-only indexes, which the models leave out."""
    return not (kind == "index" and name in POSTGRES_ONLY_INDEXES)


def _diff(url: str) -> tuple[list[Any], set[str]]:
    async def go() -> tuple[list[Any], set[str]]:
        engine = create_async_engine(url)
        async with engine.connect() as conn:

            def compare(sync_conn: Any) -> tuple[list[Any], set[str]]:
                context = MigrationContext.configure(
                    sync_conn, opts={"compare_type": True, "include_object": _modelled}
                )
                return compare_metadata(context, Base.metadata), set(
                    inspect(sync_conn).get_table_names()
                )

            result = await conn.run_sync(compare)
        await engine.dispose()
        return result

    return in_thread(lambda: asyncio.run(go()))


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Any) -> Any:
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


def test_upgrade_matches_the_models_and_downgrade_empties(empty_url: str) -> None:
    in_thread(migrate.upgrade, empty_url)
    diff, tables = _diff(empty_url)
    assert diff == []
    assert {"residents", "channel_identities", "alembic_version"} <= tables
    in_thread(migrate.downgrade, empty_url, "base")
    _, tables = _diff(empty_url)
    assert tables <= {"alembic_version"}
    in_thread(migrate.upgrade, empty_url)  # and up again


def test_postgres_gets_the_trigram_search_index(pg_url: str) -> None:
    async def indexes() -> set[str]:
        engine = create_async_engine(pg_url)
        async with engine.connect() as conn:
            rows = await conn.exec_driver_sql(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'tips'"
            )
            names = {r[0] for r in rows}
        await engine.dispose()
        return names

    assert in_thread(lambda: asyncio.run(indexes())) >= POSTGRES_ONLY_INDEXES
