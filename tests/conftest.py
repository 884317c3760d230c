"""Shared fixtures: databases built by the real migrations, state backends, a chat driver
on the in-memory ports (tests/fakes/memory_uow.py; on the databases in tests/integration).

The PostgreSQL and Redis fixtures use the local servers (127.0.0.1:5432 and :6379). Where
they do not answer the tests that need them skip, unless BINHYEN_TEST_REQUIRE_SERVICES=1
(as in CI), where they fail instead.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import secrets
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.dispatcher import Dispatcher
from bot.runtime import core
from handlers.model import InboundEvent, Kind, Media, RenderedReply
from handlers.ports import Config, MediaUnavailable
from storage import migrate
from storage.blobs import BlobStore, MediaKeeperImpl
from storage.db import make_engine, make_sessions
from storage.sealing import Sealer, derive_key
from storage.state_memory import memory_conversations
from storage.state_redis import RedisConversations
from tests.blob_stores import blobs, s3_bucket, s3_endpoint  # noqa: F401 (fixtures: both stores)
from tests.fakes.memory_db import MemoryDatabase
from tests.fakes.memory_media import MemoryMediaKeeper
from tests.fakes.memory_uow import MemoryUnits
from tests.fakes.telegram_api import FakeTelegram, require_spec
from tests.fakes.zalo_bot_api import FakeZaloBot
from tests.fakes.zalo_oa_api import FakeZaloOA

PG_ADMIN_URL = os.environ.get("BINHYEN_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BINHYEN_TEST_REDIS", "redis://127.0.0.1:6379/0")
REQUIRE = os.environ.get("BINHYEN_TEST_REQUIRE_SERVICES") == "1"
T = TypeVar("T")
PER_TEST_TABLES = (
    "owed_replies",
    "scam_check_counts",
    "tip_events",
    "tip_attachments",
    "tips",
    "channel_identities",
    "residents",
)
SHARED = Path(__file__).resolve().parents[2] / "shared"


def _unavailable(what: str, exc: BaseException) -> None:
    message = f"{what} is not reachable ({type(exc).__name__}: {exc})"
    if REQUIRE:
        pytest.fail(message)
    pytest.skip(message)


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def in_thread(fn: Callable[..., T], *args: object) -> T:
    """Run blocking set-up (which may call asyncio.run) away from any running event loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args).result()


def _run(coro_fn: Callable[..., Coroutine[object, object, None]], *args: object) -> None:
    in_thread(lambda: asyncio.run(coro_fn(*args)))


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, built by `alembic upgrade head`."""
    name = f"binhyen_test_{secrets.token_hex(4)}"
    try:
        _run(_pg_admin, f'CREATE DATABASE "{name}"')
    except Exception as exc:
        _unavailable("PostgreSQL", exc)
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    url = f"{base}/{name}"
    in_thread(migrate.upgrade, url)
    yield url
    _run(_pg_admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'binhyen.db'}"
    in_thread(migrate.upgrade, url)
    return url


async def connect_redis() -> Redis:
    """A client of the local Redis, or a skip (a failure in CI) when it does not answer."""
    client = Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception as exc:
        await client.aclose()
        _unavailable("Redis", exc)
    return client


async def drop_keys(redis: Redis, prefix: str) -> None:
    keys = [k async for k in redis.scan_iter(match=f"{prefix}*")]
    if keys:
        await redis.delete(*keys)


def key_prefix() -> str:
    return f"binhyen-test:{secrets.token_hex(4)}:"


@dataclass
class Chat:
    """Drives one resident's conversation through the dispatcher, as an adapter would."""

    dispatcher: Dispatcher
    user: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    channel: str = "test"
    last: list[RenderedReply] = field(default_factory=list)

    def event(
        self, kind: Kind = Kind.TEXT, event_id: str | None = None, **values: object
    ) -> InboundEvent:
        return InboundEvent(
            channel=self.channel,
            account="acc",
            chat_id=self.user,
            user_id=self.user,
            event_id=event_id or uuid.uuid4().hex,
            kind=kind,
            **values,  # type: ignore[arg-type]
        )

    async def send_event(self, event: InboundEvent) -> list[RenderedReply] | None:
        result = await self.dispatcher.dispatch(event)
        if result is not None:
            self.last = result
        return result

    async def say(self, text: str) -> str:
        if text.startswith("/") and len(text) > 1:
            command, _, payload = text[1:].partition(" ")
            await self.send_event(self.event(Kind.COMMAND, command=command, payload=payload))
        else:
            await self.send_event(self.event(Kind.TEXT, text=text))
        return self.text

    async def pick(self, choice_id: str) -> str:
        await self.send_event(self.event(Kind.CHOICE, choice=choice_id))
        return self.text

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.last)

    @property
    def choices(self) -> list[str]:
        offered = next((r.choices for r in reversed(self.last) if r.choices), ())
        return [c.id for c in offered]

    async def onboard(self, province: str = "ha noi", commune: str = "phuong ba dinh") -> None:
        """To the menu. Where the commune has neighbourhoods (a test's own, or another's on
        the shared PostgreSQL database), the optional question is skipped."""
        await self.say("/start")
        await self.pick("lang:vi")
        await self.say(province)
        await self.say(commune)
        if "hood:skip" in self.choices:
            await self.pick("hood:skip")
        assert "menu:tip" in self.choices, self.text


class Clock:
    """A settable clock for deadlines, limits and lockouts."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # a Monday, 10:00 in Vietnam

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


TEST_FILES: dict[str, bytes] = {}


async def fetch_test_file(_account: str, media: Media) -> bytes:
    """The test channel's fetcher: refs name entries of TEST_FILES."""
    if media.ref not in TEST_FILES:
        raise MediaUnavailable("gone")
    return TEST_FILES[media.ref]


# Commune codes no real commune has (real ones end below 33000), each handed out once in a
# test session: the PostgreSQL database is shared by the session's tests, so a suite that
# reads back "the officers of a commune" or "who a broadcast reaches" must own its commune.
_OWN_COMMUNES = itertools.count(50_000)


def own_commune() -> str:
    return f"{next(_OWN_COMMUNES):05d}"


PIN_SECRET = b"pin-secret-for-tests"
SEALER = Sealer(derive_key(b"contact-secret-for-tests", b"contact"))


def test_core(sessions: Any, conversations: Any, tmp_path: Path) -> Dispatcher:
    keeper = MediaKeeperImpl(BlobStore(tmp_path / "media"), 20 * 1024 * 1024)
    keeper.register("test", fetch_test_file)
    config = Config(pin_secret=PIN_SECRET, clock=Clock())
    return core(sessions, conversations, config, keeper, SEALER)


def memory_core() -> Dispatcher:
    """The core on the in-memory unit of work and conversation state: no I/O at all."""
    keeper = MemoryMediaKeeper(20 * 1024 * 1024)
    keeper.register("test", fetch_test_file)
    return Dispatcher(
        conversations=memory_conversations(),
        unit_of_work=MemoryUnits(PIN_SECRET, SEALER),
        config=Config(pin_secret=PIN_SECRET, clock=Clock()),
        media=keeper,
    )


def memory_of(dispatcher: Dispatcher) -> MemoryDatabase:
    """What the in-memory core has stored (tests read and set up rows through it)."""
    units = dispatcher.unit_of_work
    assert isinstance(units, MemoryUnits), "a test of stored rows runs on the memory core"
    return units.db


@pytest.fixture
def dispatcher() -> Dispatcher:
    """The core on the in-memory ports; tests/integration/conftest.py puts the database ones
    (sql_dispatcher) in its place."""
    return memory_core()


@pytest.fixture(params=["sqlite-memory", "postgres-redis"])
async def sql_dispatcher(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Dispatcher]:
    """The core on both database backends: SQLite with in-process state, PostgreSQL with
    Redis."""
    if request.param == "sqlite-memory":
        url = request.getfixturevalue("sqlite_url")
        engine = make_engine(url)
        yield test_core(make_sessions(engine), memory_conversations(), tmp_path)
        await engine.dispose()
        return
    url = request.getfixturevalue("pg_url")
    redis = await connect_redis()
    prefix = key_prefix()
    engine = make_engine(url)
    sessions = make_sessions(engine)
    yield test_core(sessions, RedisConversations(redis, prefix), tmp_path)
    await drop_keys(redis, prefix)
    await redis.aclose()
    await truncate(engine)
    await engine.dispose()


async def truncate(engine: AsyncEngine) -> None:
    """Empties what tests write to the PostgreSQL database, which the session's tests share."""
    async with engine.begin() as conn:
        await conn.execute(text("SET LOCAL lock_timeout = '10s'"))  # never hang on a leak
        await conn.execute(text(f"TRUNCATE {', '.join(PER_TEST_TABLES)} CASCADE"))


@pytest.fixture(scope="session")
def telegram_server() -> Iterator[FakeTelegram]:
    """One fake Bot API for the session (skips where the Bot API spec file is absent)."""
    with FakeTelegram(spec=require_spec()) as fake:
        yield fake


@pytest.fixture
def fake_telegram(telegram_server: FakeTelegram) -> FakeTelegram:
    telegram_server.reset()
    return telegram_server


@pytest.fixture(scope="session")
def zalo_bot_server() -> Iterator[FakeZaloBot]:
    """One fake Zalo Bot Platform API for the session."""
    with FakeZaloBot() as fake:
        yield fake


@pytest.fixture
def fake_zalo_bot(zalo_bot_server: FakeZaloBot) -> FakeZaloBot:
    zalo_bot_server.reset()
    return zalo_bot_server


@pytest.fixture(scope="session")
def zalo_oa_server() -> Iterator[FakeZaloOA]:
    """One fake Zalo OA Open API and OAuth server for the session."""
    with FakeZaloOA() as fake:
        yield fake


@pytest.fixture
def fake_zalo_oa(zalo_oa_server: FakeZaloOA) -> FakeZaloOA:
    zalo_oa_server.reset()
    return zalo_oa_server


@pytest.fixture
def chat(dispatcher: Dispatcher) -> Chat:
    return Chat(dispatcher)
