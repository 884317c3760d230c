"""Run the Alembic migrations: the only way any schema is built, tests included."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

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
