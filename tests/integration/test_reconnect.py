"""A database restart between two messages loses nothing: the event is handled again on a
fresh connection, once, instead of answering the resident with an error."""

from __future__ import annotations

from pathlib import Path

import asyncpg
from sqlalchemy import text

from bot import metrics
from storage.db import make_engine, make_sessions
from storage.state_memory import memory_conversations
from tests import conftest


async def _drop_connections(url: str) -> int:
    """Terminate every server connection to the test database, as a restart would."""
    name = url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        rows = await conn.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
        return len(rows)
    finally:
        await conn.close()


async def test_a_dropped_connection_is_replaced_and_the_event_handled(
    pg_url: str, tmp_path: Path
) -> None:
    engine = make_engine(pg_url)
    try:
        chat = conftest.Chat(
            conftest.test_core(make_sessions(engine), memory_conversations(), tmp_path)
        )
        await chat.onboard()
        await chat.pick("menu:tip")
        assert "tip:consent_yes" in chat.choices, chat.text
        assert await _drop_connections(pg_url) >= 1  # the pool's idle connections are gone
        before = metrics.RECONNECTS["test"]
        failures = metrics.FAILURES["test"]
        answer = await chat.pick("tip:consent_yes")  # writes the consent: needs the database
        assert "cat:fraud_online" in chat.choices, answer
        assert metrics.RECONNECTS["test"] == before + 1
        assert metrics.FAILURES["test"] == failures
        async with engine.connect() as conn:  # the consent was stored on the second try
            found = await conn.scalar(
                text("SELECT count(*) FROM residents WHERE consent_version <> ''")
            )
        assert found == 1
    finally:
        async with engine.begin() as conn:
            tables = ", ".join(conftest.PER_TEST_TABLES)
            await conn.execute(text(f"TRUNCATE {tables} CASCADE"))
        await engine.dispose()
