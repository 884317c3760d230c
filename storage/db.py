"""Engine and session factory, built at start-up from the settings, never at import."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession
from sqlalchemy.sql.dml import Insert


def utc(value: datetime) -> datetime:
    """SQLite hands timestamps back without a zone; everything stored is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def insert_ignoring_conflicts(session: AsyncSession, table: Table) -> Insert:
    """INSERT … ON CONFLICT DO NOTHING in the session's dialect (PostgreSQL or SQLite)."""
    return upsert(session, table).on_conflict_do_nothing()


def upsert(session: AsyncSession, table: Any) -> postgresql.Insert | sqlite.Insert:
    """An INSERT of the session's dialect (PostgreSQL or SQLite), which both know how to end
    with ON CONFLICT: `.on_conflict_do_update(...)` or `.on_conflict_do_nothing()`."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _sqlite_savepoint(conn: Any, _name: str) -> None:
    """The SQLite driver begins a transaction only before a write, so a SAVEPOINT taken
    before the unit of work's first write was a transaction of its own, and releasing it
    committed it whatever the unit of work did next. Begin the real one first. (Beginning
    every unit at its first read instead would hold a snapshot that a later write cannot
    upgrade once another unit has committed: SQLITE_BUSY.)"""
    raw = conn.connection.dbapi_connection
    driver = getattr(raw, "_connection", raw)  # aiosqlite's connection, under the adapter
    if not driver.in_transaction:
        conn.exec_driver_sql("BEGIN")


def make_engine(url: str) -> AsyncEngine:
    # aiosqlite logs every statement with its parameters at DEBUG: what residents wrote.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
    if is_sqlite(url):
        engine = create_async_engine(url, hide_parameters=True)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "savepoint", _sqlite_savepoint)
        return engine
    # hide_parameters: SQL errors in logs must never carry what a resident wrote.
    # No pool_pre_ping: it costs a round trip per unit of work (10-20 % of a tip's
    # confirmation, docs/BENCHMARKS.md); the dispatcher handles an event once more when the
    # server dropped a pooled connection, and pool_recycle retires idle ones.
    return create_async_engine(
        url, pool_size=20, max_overflow=20, pool_recycle=1800, hide_parameters=True
    )


def make_sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


__all__ = [
    "AsyncSession",
    "Engine",
    "insert_ignoring_conflicts",
    "is_sqlite",
    "make_engine",
    "make_sessions",
    "utc",
]
