"""Health, readiness and metrics through the real app."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
from fastapi import FastAPI

from bot.app import create_app
from bot.settings import Settings
from tests.conftest import REDIS_URL, connect_redis, drop_keys, key_prefix
from tests.e2e.webchat import browser, send

pytestmark = pytest.mark.e2e


def _count(metrics: str, name: str, labels: str) -> int:
    found = re.search(rf"^{name}\{{{re.escape(labels)}\}} (\d+)\.0$", metrics, re.M)
    return int(found[1]) if found else 0


async def test_ready_with_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"ready": True, "database": "ok"}
    assert (await client.get("/healthz")).json() == {"status": "ok"}


async def test_not_ready_when_redis_does_not_answer(sqlite_url: str) -> None:
    settings = Settings(database_url=sqlite_url, redis_url="redis://127.0.0.1:1/0")
    app = create_app(settings)
    async with app.router.lifespan_context(app), browser(app) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"ready": False, "database": "ok", "redis": "unavailable"}


async def test_metrics_count_events_and_duplicates(app: FastAPI, client: httpx.AsyncClient) -> None:
    before = (await client.get("/metrics")).text
    await send(client, kind="command", text="/start", message_id="m-1")
    await send(client, kind="command", text="/start", message_id="m-1")
    after = (await client.get("/metrics")).text
    assert "# TYPE binhyen_events_total counter" in after
    events = 'channel="web",kind="command"'
    assert _count(after, "binhyen_events_total", events) == (
        _count(before, "binhyen_events_total", events) + 1
    )
    duplicates = 'channel="web"'
    assert _count(after, "binhyen_duplicates_total", duplicates) == (
        _count(before, "binhyen_duplicates_total", duplicates) + 1
    )
    assert re.search(r"^binhyen_uptime_seconds \d+\.0$", after, re.M)


def _gauge(metrics: str, name: str) -> float | None:
    found = re.search(rf"^{name} (\S+)$", metrics, re.M)
    return float(found[1]) if found else None


async def test_metrics_carry_the_shared_state_for_the_alert_rules(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    from bot import ops_metrics

    body = (await client.get("/metrics")).text
    for name in set(ops_metrics.HELP) - {ops_metrics.OUTBOX_SENDERS}:
        assert f"# TYPE {name} gauge" in body, name
    assert ops_metrics.OUTBOX_SENDERS not in body  # counted in Redis: there is none here
    assert _gauge(body, "binhyen_database_up") == 1.0
    assert _gauge(body, "binhyen_tips_overdue") == 0.0  # a fresh database
    # A failed sign-in shows in the next read (the gauges are read every 15 s at most).
    from storage import admin_users

    async with app.state.runtime.sessions() as session:
        refused = await admin_users.sign_in(session, "nobody", "wrong", ip="127.0.0.1")
        await session.commit()
    assert refused.identity is None
    app.state.shared_gauges._read_at = float("-inf")
    body = (await client.get("/metrics")).text
    assert (_gauge(body, "binhyen_signin_failures_recent") or 0) >= 1.0


async def test_metrics_say_when_the_database_does_not_answer(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    app.state.shared_gauges._sessions = _broken_sessions
    app.state.shared_gauges._read_at = float("-inf")
    body = (await client.get("/metrics")).text
    assert _gauge(body, "binhyen_database_up") == 0.0
    assert _gauge(body, "binhyen_tips_overdue") is None
    assert "binhyen_events_total" in body  # the counters still show


class _Broken:
    async def __aenter__(self) -> None:
        raise ConnectionRefusedError("database down")

    async def __aexit__(self, *exc: object) -> None:
        return None


def _broken_sessions() -> _Broken:
    return _Broken()


async def test_metrics_count_the_processes_sending_the_outbox(sqlite_url: str) -> None:
    prefix = key_prefix()
    settings = Settings(database_url=sqlite_url, redis_url=REDIS_URL, redis_prefix=prefix)
    app = create_app(settings)
    redis = await connect_redis()
    try:
        async with app.router.lifespan_context(app), browser(app) as client:
            for _ in range(100):  # the outbox loop's first round beats
                if await redis.exists(
                    *[k async for k in redis.scan_iter(f"{prefix}alive:*")] or ["-"]
                ):
                    break
                await asyncio.sleep(0.02)
            body = (await client.get("/metrics")).text
        assert _gauge(body, "binhyen_outbox_senders") == 1.0
        # Stopped cleanly: it leaves the count at once.
        assert [k async for k in redis.scan_iter(f"{prefix}alive:*")] == []
    finally:
        await drop_keys(redis, prefix)
        await redis.aclose()
