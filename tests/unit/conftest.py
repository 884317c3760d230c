"""Fixtures shared by the unit tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.limits import KeptLimiter, Limiter, MemoryLimiter, RedisLimiter
from storage.state_sqlite import StateFile
from tests.conftest import connect_redis, drop_keys, key_prefix


# Every Limiter backend: in process, Redis, and the embedded default's state file.
@pytest.fixture(params=["memory", "redis", "sqlite"])
async def limiter(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Limiter]:
    if request.param == "memory":
        yield MemoryLimiter()
        return
    if request.param == "sqlite":  # the embedded default's, kept in its state file
        file = StateFile(tmp_path / "binhyen.state.db")
        kept = KeptLimiter(file)
        yield kept
        await kept.close()
        await file.close()
        return
    redis = await connect_redis()
    prefix = key_prefix()
    yield RedisLimiter(redis, prefix)
    await drop_keys(redis, prefix)
    await redis.aclose()
