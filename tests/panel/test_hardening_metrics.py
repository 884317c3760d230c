"""/metrics is not public: with BINHYEN_METRICS_TOKEN, only a request bearing it; without, only
a client on this machine that did not come through a proxy, and never with a public URL or in
production."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from bot.app import create_app
from bot.settings import Settings

TOKEN = "metrics-token-for-the-tests-0123"
LOOPBACK = ("127.0.0.1", 40000)
REMOTE = ("203.0.113.7", 40000)


async def _get(
    client_address: tuple[str, int], headers: dict[str, str] | None = None, **settings: Any
) -> httpx.Response:
    app = create_app(Settings(redis_url="", **settings))
    transport = httpx.ASGITransport(app=app, client=client_address)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await client.get("/metrics", headers=headers or {})


def _is_metrics(response: httpx.Response) -> bool:
    return response.status_code == 200 and "binhyen_events_total" in response.text


@pytest.fixture(autouse=True)
def _database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BINHYEN_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")


async def test_without_a_token_a_local_client_reads_them() -> None:
    assert _is_metrics(await _get(LOOPBACK))
    assert _is_metrics(await _get(("::1", 40000)))


async def test_without_a_token_nobody_else_does() -> None:
    answer = await _get(REMOTE)
    assert answer.status_code == 404 and "binhyen" not in answer.text


@pytest.mark.parametrize(
    "header", ["x-forwarded-for", "forwarded", "x-real-ip", "x-forwarded-host"]
)
async def test_without_a_token_a_request_through_a_proxy_is_refused(header: str) -> None:
    assert (await _get(LOOPBACK, {header: "203.0.113.7"})).status_code == 404


async def test_without_a_token_a_public_service_answers_nobody() -> None:
    assert (await _get(LOOPBACK, public_url="https://binhyen.example")).status_code == 404
    production = {"env": "production", "secret_key": SecretStr("a real secret for production")}
    assert (await _get(LOOPBACK, **production)).status_code == 404


@pytest.mark.parametrize("client_address", [LOOPBACK, REMOTE])
async def test_with_a_token_only_its_bearer_reads_them(client_address: tuple[str, int]) -> None:
    token = {"metrics_token": SecretStr(TOKEN), "public_url": "https://binhyen.example"}
    for refused in ({}, {"authorization": "Bearer wrong"}, {"authorization": f"Basic {TOKEN}"}):
        answer = await _get(client_address, refused, **token)
        assert answer.status_code == 401 and "binhyen" not in answer.text
        assert answer.headers["www-authenticate"] == "Bearer"
    assert _is_metrics(await _get(client_address, {"authorization": f"Bearer {TOKEN}"}, **token))


async def test_a_short_token_stops_start_up() -> None:
    with pytest.raises(SystemExit, match="BINHYEN_METRICS_TOKEN"):
        Settings(metrics_token=SecretStr("short")).check()


async def test_an_empty_token_is_no_token() -> None:
    empty = {"metrics_token": SecretStr("")}
    assert _is_metrics(await _get(LOOPBACK, **empty))
    assert (await _get(REMOTE, {"authorization": "Bearer "}, **empty)).status_code == 404


@pytest.mark.parametrize(
    ("settings", "warned"),
    [
        ({"env": "production", "secret_key": SecretStr("a real secret for production")}, True),
        (
            {
                "env": "production",
                "secret_key": SecretStr("a real secret for production"),
                "metrics_token": SecretStr(TOKEN),
            },
            False,
        ),
        ({}, False),
    ],
)
def test_production_without_a_token_warns_at_start(
    caplog: pytest.LogCaptureFixture, settings: dict[str, Any], warned: bool
) -> None:
    caplog.set_level(logging.WARNING, logger="binhyen.app")
    create_app(Settings(redis_url="", **settings))
    said = [r.getMessage() for r in caplog.records if r.name == "binhyen.app"]
    assert any("BINHYEN_METRICS_TOKEN" in m for m in said) is warned
