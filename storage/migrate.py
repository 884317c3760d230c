"""Run the Alembic migrations: the only way any schema is built, tests included."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from storage.db import is_sqlite

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = url
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision`. Blocking: call it from a thread in async code."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


async def prepare(url: str) -> None:
    """The embedded default (SQLite) migrates itself so that a fresh machine just runs."""
    if is_sqlite(url):
        await asyncio.to_thread(upgrade, url)


async def state(url: str) -> str:
    """Whether a Bình Yên database is at `url`, without making one: "missing" (no file, or no
    schema), "behind" (needs `binhyen migrate`) or "current". For commands that must not run
    against the wrong database (a relative SQLite path read from another folder makes a new,
    empty one on connect)."""
    if is_sqlite(url):
        name = make_url(url).database or ""
        if name in ("", ":memory:") or not Path(name).exists():
            return "missing"
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            current = await conn.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    finally:
        await engine.dispose()
    if current is None:
        return "missing"
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    return "current" if current == head else "behind"
