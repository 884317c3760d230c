"""The embedded default's state file (storage/state_sqlite.py) beyond the shared contracts of
tests/unit/test_state_contract.py and test_delivery.py: rate limits across a restart, the
sweeps, where the file is, and who may read it."""

from __future__ import annotations

import asyncio
import sqlite3
import stat
import time
from pathlib import Path

import pytest

from bot import retention_schedule
from bot.runtime import state_file
from bot.settings import Settings
from handlers.state import ConversationState
from storage import state_sqlite
from storage.limits import KeptLimiter, Limit
from storage.state_memory import memory_conversations
from storage.state_sqlite import SqliteConversations, SqliteStateStore, StateFile


def rows(path: Path, table: str) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


async def test_rate_limits_and_pauses_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "binhyen.state.db"
    file = StateFile(path)
    limiter = KeptLimiter(file)
    chat = [Limit("telegram:1:chat-42", rate=1 / 60, burst=1)]  # one a minute
    assert await limiter.reserve(chat, "telegram:1") == 0
    await limiter.pause("telegram:2", 30)  # a platform's "retry after 30 s"
    await limiter.close()
    await file.close()

    file = StateFile(path)
    limiter = KeptLimiter(file)
    assert await limiter.reserve(chat, "telegram:1") > 50  # the chat's minute is not over
    wait = await limiter.reserve([Limit("telegram:2:chat-7", 100.0, 10)], "telegram:2")
    assert 20 < wait <= 30  # still paused
    assert await limiter.reserve([Limit("telegram:1:chat-8", 1.0, 1)], "telegram:1") == 0
    await limiter.close()
    await file.close()


async def test_bookings_are_written_without_a_clean_stop(tmp_path: Path) -> None:
    """A process killed (no close) still left its bookings in the file, a flush later."""
    path = tmp_path / "binhyen.state.db"
    file = StateFile(path)
    limiter = KeptLimiter(file, flush_every=0.01)
    assert await limiter.reserve([Limit("inbound:web:1:u", 20 / 60, 10)], "inbound:web:1:u") == 0
    async with asyncio.timeout(5):
        while not await file.load_buckets(time.time()):
            await asyncio.sleep(0.01)
    [(kind, key, _until)] = await file.load_buckets(time.time())
    assert (kind, key) == ("tat", "inbound:web:1:u")
    await file.close()


async def test_a_pause_is_written_at_once(tmp_path: Path) -> None:
    file = StateFile(tmp_path / "binhyen.state.db")
    limiter = KeptLimiter(file, flush_every=3600)
    await limiter.pause("zalo:1", 10)
    [(kind, key, until)] = await file.load_buckets(time.time())
    assert (kind, key) == ("pause", "zalo:1") and until > time.time() + 5
    await limiter.close()
    await file.close()


async def test_expire_deletes_every_expired_row(tmp_path: Path) -> None:
    path = tmp_path / "binhyen.state.db"
    file = StateFile(path)
    conversations = SqliteConversations(file)
    states = SqliteStateStore(file)
    for n in range(3):
        await states.save(f"gone-{n}", ConversationState(flow="check"), ttl=1)
    await states.save("kept", ConversationState(flow="menu"))
    assert await conversations.claims.claim("ev-gone", ttl=1)
    assert await conversations.claims.claim("ev-kept")
    await file.save_buckets([("tat", "gone", time.time() + 0.5), ("tat", "kept", time.time() + 99)])
    await asyncio.sleep(1.1)
    assert await file.expire() == 3
    assert (rows(path, "states"), rows(path, "claims"), rows(path, "buckets")) == (1, 1, 1)
    assert await file.expire() == 0
    await file.close()


async def test_writes_sweep_expired_rows_as_they_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(state_sqlite, "SWEEP_EVERY", 5)
    path = tmp_path / "binhyen.state.db"
    file = StateFile(path)
    for n in range(4):
        assert await file.claim(f"ev-{n}", ttl=1)
    await asyncio.sleep(1.1)
    assert rows(path, "claims") == 4  # expired, not yet swept
    assert await file.claim("ev-new", ttl=60)  # the fifth write sweeps
    assert rows(path, "claims") == 1
    await file.close()


async def test_retention_sweeps_the_state_file(tmp_path: Path) -> None:
    file = StateFile(tmp_path / "binhyen.state.db")
    conversations = SqliteConversations(file)
    sweep = retention_schedule.file_sweeper(conversations)
    assert sweep is not None and retention_schedule.state_sweeper(conversations) is None
    await conversations.states.save("web:acc:1", ConversationState(flow="check"), ttl=1)
    assert await sweep() == 0
    await asyncio.sleep(1.1)
    assert await sweep() == 1
    assert retention_schedule.file_sweeper(memory_conversations()) is None
    await file.close()


async def test_only_its_owner_may_read_the_file(tmp_path: Path) -> None:
    path = tmp_path / "binhyen.state.db"
    file = StateFile(path)
    await file.save("chat", ConversationState(flow="report").to_json(), 60)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    await file.close()


async def test_a_file_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "binhyen.state.db"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {state_sqlite.SCHEMA_VERSION + 1}")
    file = StateFile(path)
    with pytest.raises(sqlite3.DatabaseError, match="newer version"):
        await file.load("chat")
    await file.close()


async def test_an_unreadable_file_is_set_aside_and_a_new_one_begun(tmp_path: Path) -> None:
    """Garbage where the state file should be (a disk fault): every turn failing until
    someone notices would silence the bot; the file holds no source of truth, so it is
    moved aside and the chats go on from a new one."""
    path = tmp_path / "binhyen.state.db"
    path.write_bytes(b"this is not a database, it is garbage" * 200)
    file = StateFile(path)
    await file.save("chat", ConversationState(flow="menu").to_json(), 60)
    assert await file.load("chat") is not None
    await file.close()
    aside = list(tmp_path.glob("binhyen.state.db.broken-*"))
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"this is not a database")


def test_where_the_state_is_kept(tmp_path: Path) -> None:
    def where(database_url: str, state_path: str = "") -> Path | None:
        kept = state_file(Settings(database_url=database_url, state_path=state_path))
        return None if kept is None else kept.path

    db = tmp_path / "data" / "binhyen.db"
    assert where(database_url=f"sqlite+aiosqlite:///{db}") == db.with_name("binhyen.state.db")
    assert where(Settings.model_fields["database_url"].default) == Path("binhyen.state.db")
    assert where(database_url="sqlite+aiosqlite:///:memory:") is None
    assert where(database_url="sqlite+aiosqlite://") is None
    pg = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    assert where(database_url=pg) is None
    mine = str(tmp_path / "state.db")
    assert where(database_url=pg, state_path=mine) == Path(mine)
    assert where(database_url=f"sqlite+aiosqlite:///{db}", state_path=mine) == Path(mine)
