"""Conversation state, event claims and rate-limit buckets of the embedded default (SQLite, one
process, no Redis), kept in a SQLite file so that a restart loses no half-written tip and
handles no redelivered event twice (issue 19).

A file of its own beside the database (`binhyen.state.db` beside `binhyen.db`, or
BINHYEN_STATE_PATH), not tables in it: every chat turn writes here, and SQLite has one writer
per file; in the database those writes would queue behind the units of work and theirs behind
them. Nothing here is the source of truth (the database is), so the schema is made here, not
by a migration (`PRAGMA user_version` says which).

WAL with synchronous=NORMAL, as the database (storage/db.py): a commit is in the file once it
returns, whatever happens to the process (kill -9 included); only the machine losing power can
undo the last ones, and it can undo the database's as well. FULL would wait for the disk twice
a turn.

One connection, in one thread of its own: each operation is one function run there, so a
turn's entry (claim, then load) and its end (save and done, one transaction) are one hop off
the event loop each, and nothing interleaves with them. Chat locks stay in process: the
embedded default is one process (another on the same file, `binhyen chat` say, shares the
claims and states but not the locks). Rate limits are kept in memory and written here within
a second (storage/limits.py KeptLimiter).

Times are wall-clock (time.time()), which a restart keeps. Expired rows are never read; they
are deleted a batch at a time every SWEEP_EVERY writes, and all of them by the daily
retention run (bot/retention_schedule.py). Nothing is logged but error types.
"""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar

from handlers.state import DEDUPE_TTL_SECONDS, STATE_TTL_SECONDS, ConversationState, ttl_of
from storage.state_memory import DONE, TAKEN, MemoryChatLocks, TurnRecord

log = logging.getLogger("binhyen.state")
T = TypeVar("T")

SCHEMA_VERSION = 1
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS states (key TEXT PRIMARY KEY, value TEXT NOT NULL,"
    " expires REAL NOT NULL) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, value TEXT NOT NULL,"
    " expires REAL NOT NULL) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS claims_expires ON claims (expires)",
    "CREATE TABLE IF NOT EXISTS buckets (kind TEXT NOT NULL, key TEXT NOT NULL,"
    " expires REAL NOT NULL, PRIMARY KEY (kind, key)) WITHOUT ROWID",
)
_SWEEP = {
    "states": "DELETE FROM states WHERE key IN (SELECT key FROM states WHERE expires <= ? LIMIT ?)",
    "claims": "DELETE FROM claims WHERE key IN (SELECT key FROM claims WHERE expires <= ? LIMIT ?)",
    "buckets": "DELETE FROM buckets WHERE (kind, key) IN"
    " (SELECT kind, key FROM buckets WHERE expires <= ? LIMIT ?)",
}
_CLAIM = (
    "INSERT INTO claims (key, value, expires) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE"
    " SET value = excluded.value, expires = excluded.expires WHERE claims.expires <= ?"
)
_PUT_CLAIM = (
    "INSERT INTO claims (key, value, expires) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE"
    " SET value = excluded.value, expires = excluded.expires"
)
_PUT_STATE = (
    "INSERT INTO states (key, value, expires) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE"
    " SET value = excluded.value, expires = excluded.expires"
)
_PUT_BUCKET = (
    "INSERT INTO buckets (kind, key, expires) VALUES (?, ?, ?) ON CONFLICT (kind, key)"
    " DO UPDATE SET expires = max(expires, excluded.expires)"
)
SWEEP_EVERY = 1000  # writes between two sweeps of a batch
SWEEP_BATCH = 1000  # rows of each table a sweep deletes at most


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    # IMMEDIATE: the write lock from the start, so that another process on the file (a
    # `binhyen chat`) makes this one wait (busy_timeout) rather than fail half-way.
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


_Call = tuple[asyncio.AbstractEventLoop, "asyncio.Future[Any]", Callable[..., Any], tuple[Any, ...]]
_Done = tuple["asyncio.Future[Any]", Any, BaseException | None]
HAND_BACK_EVERY = 64  # calls run before their results go back, when more keep coming


class _Worker:
    """One thread that runs calls in order and hands their results back to the callers' loop,
    all those that ran while more were queued at once: one wake-up of the loop for many
    calls. A turn (two calls) costs about 78 µs of CPU on one core this way, 115 with an
    executor's future per call (docs/BENCHMARKS.md, "The embedded default's state file")."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._calls: queue.SimpleQueue[_Call | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def submit(self, fn: Callable[..., T], *args: object) -> asyncio.Future[T]:
        loop = asyncio.get_running_loop()
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name=self._name, daemon=True)
            self._thread.start()
        future: asyncio.Future[T] = loop.create_future()
        self._calls.put((loop, future, fn, args))
        return future

    def stop(self) -> None:
        """Let the calls already queued run, then end the thread."""
        if self._thread is not None:
            self._calls.put(None)
            self._thread.join()
            self._thread = None

    def _work(self) -> None:
        ran: dict[asyncio.AbstractEventLoop, list[_Done]] = {}
        count = 0
        while True:
            try:
                call = self._calls.get(block=count == 0)
            except queue.Empty:  # nothing more queued: hand back what ran
                _hand_back(ran)
                ran, count = {}, 0
                continue
            if call is None:
                _hand_back(ran)
                return
            loop, future, fn, args = call
            try:
                result, error = fn(*args), None
            except BaseException as exc:  # handed to the caller, who raises it
                result, error = None, exc
            ran.setdefault(loop, []).append((future, result, error))
            count += 1
            if count >= HAND_BACK_EVERY:
                _hand_back(ran)
                ran, count = {}, 0


def _hand_back(ran: dict[asyncio.AbstractEventLoop, list[_Done]]) -> None:
    for loop, done in ran.items():
        with suppress(RuntimeError):  # the loop is closed: nobody waits
            loop.call_soon_threadsafe(_settle, done)


def _settle(done: list[_Done]) -> None:
    for future, result, error in done:
        if future.cancelled():  # its caller was cancelled; what ran, ran
            continue
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)


def path_beside(database: str) -> Path:
    """`binhyen.state.db` beside `binhyen.db`."""
    db = Path(database)
    return db.with_name(f"{db.stem}.state.db")


class NewerFile(sqlite3.DatabaseError):
    """The state file was made by a newer release: refused, never set aside."""


class StateFile:
    """The file and its one connection, used from one thread of its own."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._thread = _Worker("binhyen-state")
        self._conn: sqlite3.Connection | None = None
        self._closed = False
        self._writes = 0

    async def _run(self, fn: Callable[..., T], *args: object) -> T:
        return await self._thread.submit(self._call, fn, time.time(), args)

    # --- in the file's thread ---

    def _call(self, fn: Callable[..., T], now: float, args: tuple[object, ...]) -> T:
        result = fn(now, *args)
        if self._writes >= SWEEP_EVERY and self._conn is not None:
            self._writes = 0
            try:
                self._sweep(now, SWEEP_BATCH)
            except sqlite3.Error as exc:  # the next sweep, or retention, does it
                log.warning("sweeping the state file failed: %s", type(exc).__name__)
        return result

    def _db(self) -> sqlite3.Connection:
        if self._conn is not None:
            return self._conn
        if self._closed:
            raise sqlite3.ProgrammingError("the state file is closed")
        try:
            return self._open()
        except NewerFile:
            raise
        except sqlite3.DatabaseError as exc:
            # Not a database (a disk fault, a file written over): the file holds no source
            # of truth (chats resume from the menu; claims and limits start afresh), so it is
            # set aside, for whoever looks into it, and a new one begun, rather than every
            # turn failing until someone notices.
            aside = self.path.with_name(f"{self.path.name}.broken-{int(time.time())}")
            log.error("the state file is unreadable (%s): moved aside", type(exc).__name__)
            for suffix in ("", "-wal", "-shm"):
                with suppress(FileNotFoundError):
                    os.replace(f"{self.path}{suffix}", f"{aside}{suffix}")
            return self._open()

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with suppress(FileExistsError):  # what residents wrote: readable by this user only
            os.close(os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        conn = sqlite3.connect(self.path, isolation_level=None)
        try:
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=5000"):
                conn.execute(f"PRAGMA {pragma}")
            # Deleted states are overwritten where that costs no extra write (retention).
            conn.execute("PRAGMA secure_delete=FAST")
            with _transaction(conn):
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    raise NewerFile("the state file was made by a newer version")
                for statement in _SCHEMA:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        return conn

    def _sweep(self, now: float, batch: int) -> tuple[int, bool]:
        """One batch of each table's expired rows: (states deleted, whether any table may
        have more)."""
        conn, states, more = self._db(), 0, False
        with _transaction(conn):
            for table, statement in _SWEEP.items():
                gone = conn.execute(statement, (now, batch)).rowcount
                states += gone if table == "states" else 0
                more = more or gone >= batch
        return states, more

    def _load(self, now: float, key: str) -> str | None:
        query = "SELECT value FROM states WHERE key = ? AND expires > ?"
        row = self._db().execute(query, (key, now)).fetchone()
        return None if row is None else str(row[0])

    def _save(self, now: float, key: str, value: str, ttl: float) -> None:
        self._db().execute(_PUT_STATE, (key, value, now + ttl))
        self._writes += 1

    def _delete(self, now: float, key: str) -> None:
        self._db().execute("DELETE FROM states WHERE key = ?", (key,))

    def _claim(self, now: float, key: str, ttl: float) -> bool:
        taken = self._db().execute(_CLAIM, (key, TAKEN, now + ttl, now)).rowcount == 1
        if taken:
            self._writes += 1
        return taken

    def _claim_value(self, now: float, key: str) -> str | None:
        query = "SELECT value FROM claims WHERE key = ? AND expires > ?"
        row = self._db().execute(query, (key, now)).fetchone()
        return None if row is None else str(row[0])

    def _finish(self, now: float, key: str, ttl: float) -> None:
        self._db().execute(_PUT_CLAIM, (key, DONE, now + ttl))

    def _release(self, now: float, key: str) -> None:
        self._db().execute("DELETE FROM claims WHERE key = ?", (key,))

    def _enter(
        self, now: float, chat_key: str, event_key: str, ttl: float
    ) -> tuple[bool, bool, str | None]:
        """(claimed, unfinished, the chat's state): the claim is taken, or was taken by a
        turn that never ended; else a duplicate. No transaction around them: the claim is
        one statement, and the state is written only by whoever holds the chat."""
        if self._claim(now, event_key, ttl):
            return True, False, self._load(now, chat_key)
        if self._claim_value(now, event_key) == TAKEN:
            return True, True, self._load(now, chat_key)
        return False, False, None

    def _leave(
        self,
        now: float,
        chat_key: str,
        event_key: str,
        state: tuple[str, float] | None,
        claim_ttl: float,
    ) -> None:
        """Save the state (when the turn kept one) and mark the event done, together. The
        claim keeps its expiry (a turn's seconds later than a finish's own): its index is
        left alone."""
        conn = self._db()
        with _transaction(conn):
            if state is not None:
                self._save(now, chat_key, *state)
            done = "UPDATE claims SET value = ? WHERE key = ? AND expires > ?"
            if conn.execute(done, (DONE, event_key, now)).rowcount == 0:
                self._finish(now, event_key, claim_ttl)

    def _load_buckets(self, _now: float, now: float) -> list[tuple[str, str, float]]:
        query = "SELECT kind, key, expires FROM buckets WHERE expires > ?"
        return [(str(k), str(n), float(e)) for k, n, e in self._db().execute(query, (now,))]

    def _save_buckets(self, now: float, rows: Sequence[tuple[str, str, float]]) -> None:
        conn = self._db()
        with _transaction(conn):
            conn.executemany(_PUT_BUCKET, rows)
        self._writes += 1

    def _close(self, _now: float) -> None:
        self._closed = True
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # --- from the event loop ---

    async def load(self, key: str) -> str | None:
        return await self._run(self._load, key)

    async def save(self, key: str, value: str, ttl: float) -> None:
        await self._run(self._save, key, value, ttl)

    async def delete(self, key: str) -> None:
        await self._run(self._delete, key)

    async def claim(self, key: str, ttl: float) -> bool:
        return await self._run(self._claim, key, ttl)

    async def claim_value(self, key: str) -> str | None:
        return await self._run(self._claim_value, key)

    async def finish(self, key: str, ttl: float) -> None:
        await self._run(self._finish, key, ttl)

    async def release(self, key: str) -> None:
        await self._run(self._release, key)

    async def enter(
        self, chat_key: str, event_key: str, ttl: float
    ) -> tuple[bool, bool, str | None]:
        return await self._run(self._enter, chat_key, event_key, ttl)

    async def leave(
        self, chat_key: str, event_key: str, state: tuple[str, float] | None, claim_ttl: float
    ) -> None:
        await self._run(self._leave, chat_key, event_key, state, claim_ttl)

    async def load_buckets(self, now: float) -> list[tuple[str, str, float]]:
        """storage/limits.py's Buckets: the rows still in the future at `now`."""
        return await self._run(self._load_buckets, now)

    async def save_buckets(self, rows: Sequence[tuple[str, str, float]]) -> None:
        await self._run(self._save_buckets, list(rows))

    async def expire(self) -> int:
        """Delete every expired row now, a batch at a time (turns go on between batches);
        how many states went."""
        states, more = 0, True
        while more:
            gone, more = await self._run(self._sweep, SWEEP_BATCH)
            states += gone
        return states

    async def close(self) -> None:
        if not self._closed:
            await self._run(self._close)
        self._thread.stop()


class SqliteStateStore:
    def __init__(self, file: StateFile) -> None:
        self.file = file

    async def load(self, key: str) -> ConversationState | None:
        raw = await self.file.load(key)
        return None if raw is None else ConversationState.from_json(raw)

    async def save(self, key: str, state: ConversationState, ttl: int = STATE_TTL_SECONDS) -> None:
        await self.file.save(key, state.to_json(), ttl)

    async def delete(self, key: str) -> None:
        await self.file.delete(key)


class SqliteEventClaims:
    def __init__(self, file: StateFile) -> None:
        self.file = file

    async def claim(self, event_key: str, ttl: int = DEDUPE_TTL_SECONDS) -> bool:
        return await self.file.claim(event_key, ttl)

    async def finished(self, event_key: str) -> bool:
        return await self.file.claim_value(event_key) == DONE

    async def finish(self, event_key: str, ttl: int = DEDUPE_TTL_SECONDS) -> None:
        await self.file.finish(event_key, ttl)

    async def release(self, event_key: str) -> None:
        await self.file.release(event_key)


class SqliteConversations:
    """storage/state_memory.py's ComposedConversations over the file, with the claim and the
    load fused into one transaction on entry and the save and the "done" into one on exit
    (a process killed between them cannot keep the state and leave the event unfinished)."""

    def __init__(self, file: StateFile, state_ttl: int = STATE_TTL_SECONDS) -> None:
        self.file = file
        self.states = SqliteStateStore(file)
        self.claims = SqliteEventClaims(file)
        self.locks = MemoryChatLocks()
        # The longest a state is kept after the chat's last message: BINHYEN_RETENTION_CHAT_DAYS.
        self.state_ttl = state_ttl

    @asynccontextmanager
    async def turn(self, chat_key: str, event_key: str) -> AsyncIterator[TurnRecord]:
        async with self.locks.hold(chat_key):
            claimed, unfinished, raw = await self.file.enter(
                chat_key, event_key, DEDUPE_TTL_SECONDS
            )
            if not claimed:
                yield TurnRecord(False, None)
                return
            state = None if raw is None else ConversationState.from_json(raw)
            turn = TurnRecord(True, state, unfinished)
            # A body that raises or is cancelled ends here: the claim stays taken, and the
            # event's retry is told its turn never ended (handlers/state.py EventClaims).
            yield turn
            if turn.abandoned:
                return
            try:
                if turn.failed:
                    await self.file.release(event_key)
                    return
                kept = None
                if turn.kept is not None:
                    kept = (turn.kept.to_json(), min(ttl_of(turn.kept), self.state_ttl))
                await self.file.leave(chat_key, event_key, kept, DEDUPE_TTL_SECONDS)
            except sqlite3.Error as exc:
                # The reply still goes out; the chat resumes from its last saved step, which
                # every step can show again, and a retry of the event is not dropped.
                log.error("leaving a turn failed: %s", type(exc).__name__)

    async def forget(self, chat_key: str) -> None:
        await self.file.delete(chat_key)
