"""Health, readiness and metrics through the real app."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI

from bot.app import create_app
from bot.settings import Settings
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
