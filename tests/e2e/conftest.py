"""Fixtures of the end-to-end tests: the real app in-process, a browser-like client, and a
client of a channel's webhook."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import make_engine, make_sessions
from tests.conftest import connect_redis, drop_keys, key_prefix
from tests.e2e.channels import ChannelSetup, app_settings, running_app
from tests.e2e.webchat import browser
from tests.integration.test_outbox import clean


@pytest.fixture
def media_dir(tmp_path: Path) -> Path:
    return tmp_path / "media"


@pytest.fixture
def channel_setup(sqlite_url: str, media_dir: Path) -> ChannelSetup:
    """The app on a SQLite file built by the migrations, no Redis, and no channel but the web
    chat; the tests of a channel override this fixture (see tests/e2e/channels.py)."""
    return ChannelSetup(app_settings(sqlite_url, media_dir))


@pytest.fixture
async def app(channel_setup: ChannelSetup) -> AsyncIterator[FastAPI]:
    """The app inside its lifespan."""
    async with running_app(channel_setup.settings, **channel_setup.rates) as application:
        yield application


@pytest.fixture
async def hook(app: FastAPI, channel_setup: ChannelSetup) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app in-process for a channel's webhook, with its webhook headers."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=channel_setup.webhook_headers
    ) as client:
        yield client


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with browser(app) as c:
        yield c


@pytest.fixture
async def chat_redis() -> AsyncIterator[tuple[Redis, str]]:
    """A client of the local Redis and a key prefix of this test's own, its keys dropped
    after (the processes a test starts get the prefix as BINHYEN_REDIS_PREFIX)."""
    client = await connect_redis()
    prefix = key_prefix()
    yield client, prefix
    await drop_keys(client, prefix)
    await client.aclose()


async def _wipe(sessions: async_sessionmaker[AsyncSession]) -> None:
    await clean(sessions)
    async with sessions() as session:
        await session.execute(text("DELETE FROM owed_replies"))
        await session.commit()


@pytest.fixture
async def sessions(pg_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions of the shared PostgreSQL database for the tests that start real processes on
    it: no residents, tips, outbox or owed replies before the test, none left after."""
    engine = make_engine(pg_url)
    made = make_sessions(engine)
    await _wipe(made)
    yield made
    await _wipe(made)
    await engine.dispose()
