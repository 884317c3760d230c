"""Outbox senders' signs of life in Redis (bot/heartbeat.py), as /metrics counts them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from bot import heartbeat
from bot.heartbeat import Heartbeat
from bot.outbox import OutboxWorker
from tests.conftest import connect_redis, drop_keys, key_prefix


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = await connect_redis()
    try:
        yield client
    finally:
        await client.aclose()


async def test_each_process_counts_once_and_leaves_when_it_stops(redis: Redis) -> None:
    prefix = key_prefix()
    try:
        one, two = Heartbeat(redis, prefix, "outbox"), Heartbeat(redis, prefix, "outbox")
        two.key += ":other"  # another process
        assert await heartbeat.alive(redis, prefix, "outbox") == 0
        await one.beat()
        await one.beat()  # within BEAT_EVERY: no second write, still one
        await two.beat()
        assert await heartbeat.alive(redis, prefix, "outbox") == 2
        assert await heartbeat.alive(redis, prefix, "other-role") == 0
        assert 0 < await redis.ttl(one.key) <= heartbeat.TTL  # a dead process drops out
        await one.stop()
        assert await heartbeat.alive(redis, prefix, "outbox") == 1
    finally:
        await drop_keys(redis, prefix)


async def test_a_prefix_with_pattern_characters_matches_only_itself(redis: Redis) -> None:
    base = key_prefix()
    try:
        await Heartbeat(redis, base + "x?:", "outbox").beat()
        await Heartbeat(redis, base + "xy:", "outbox").beat()
        assert await heartbeat.alive(redis, base + "x?:", "outbox") == 1
        assert await heartbeat.alive(redis, base + "x*", "outbox") == 0
    finally:
        await drop_keys(redis, base)


async def test_the_outbox_loop_beats_while_it_runs(redis: Redis) -> None:
    prefix = key_prefix()

    class NoSessions:
        def __call__(self) -> NoSessions:
            return self

        async def __aenter__(self) -> None:
            raise ConnectionRefusedError("the database away")

        async def __aexit__(self, *exc: object) -> None:
            return None

    async def unreachable(_target: object) -> None:
        return None

    worker = OutboxWorker(
        sessions=NoSessions(),  # type: ignore[arg-type]
        channels={},
        limiter=None,  # type: ignore[arg-type]
        mark_unreachable=unreachable,
        heartbeat=Heartbeat(redis, prefix, heartbeat.OUTBOX),
        interval=0.05,
    )
    try:
        worker.start()
        for _ in range(100):
            if await heartbeat.alive(redis, prefix, heartbeat.OUTBOX) == 1:
                break
            await asyncio.sleep(0.02)
        # Its rounds fail (no database), and it still goes round: it is alive.
        assert await heartbeat.alive(redis, prefix, heartbeat.OUTBOX) == 1
        await worker.stop()
        assert await heartbeat.alive(redis, prefix, heartbeat.OUTBOX) == 0
    finally:
        await drop_keys(redis, prefix)
