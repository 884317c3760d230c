"""Through the web chat's own edge: a new cookie does not reset the daily tip limit, since
tips are also capped per network (an IPv4 address, an IPv6 /64) at BINHYEN_WEB_TIPS_PER_ADDRESS;
the network is known only by a keyed hash that changes daily."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from bot.app import create_app
from bot.channels import web_guard
from bot.settings import Settings
from tests.e2e.webchat import offered, onboard, send, texts, vi

RECEIPT = re.compile(r"BY-[0-9A-Z]{4}-[0-9A-Z]{2}")


@pytest.fixture
async def app(sqlite_url: str, tmp_path: Path) -> AsyncIterator[FastAPI]:
    extra: dict[str, Any] = {}
    if "inbound_per_minute" in Settings.model_fields:  # a whole tip in a second is no flood
        extra["inbound_per_minute"] = 0
    settings = Settings(
        database_url=sqlite_url,
        redis_url="",
        media_dir=str(tmp_path / "media"),
        secret_key=SecretStr("web-tips-test-secret"),
        max_tips_per_day=1,
        web_tips_per_address=2,
        **extra,
    )
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


async def _tip_from(app: FastAPI, address: str) -> str:
    """A new browser (no cookie) at that address sends a whole tip: what confirming says."""
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        await onboard(client)
        data = await send(client, kind="choice", choice="menu:tip")
        if "tip:consent_yes" in offered(data):
            await send(client, kind="choice", choice="tip:consent_yes")
        await send(client, kind="choice", choice="cat:theft_robbery")
        await send(client, text="Tối qua có hai người lạ lấy trộm xe đạp trước nhà số 12")
        await send(client, kind="choice", choice="tip:done")
        await send(client, kind="choice", choice="when:today")
        await send(client, text="Số 12 ngõ 5 phố Đội Cấn")
        await send(client, kind="choice", choice="tip:media_done")
        await send(client, kind="choice", choice="tip:details_no")
        await send(client, kind="choice", choice="id:anonymous")
        await send(client, text="Hai thanh niên khoảng 20 tuổi, áo đen")
        data = await send(client, text="Camera nhà số 14 quay được cổng")
        assert "tip:confirm" in offered(data), texts(data)
        return "\n".join(texts(await send(client, kind="choice", choice="tip:confirm")))


async def test_new_cookies_on_one_address_share_its_daily_tips(app: FastAPI) -> None:
    for _ in range(2):
        assert RECEIPT.search(await _tip_from(app, "203.0.113.7"))
    refused = await _tip_from(app, "203.0.113.7")
    assert vi("tip.limit_origin") in refused and not RECEIPT.search(refused)
    assert RECEIPT.search(await _tip_from(app, "198.51.100.9"))


async def test_an_ipv6_household_is_its_slash_64(app: FastAPI) -> None:
    for host in ("2001:db8:1:2::10", "2001:db8:1:2:aaaa:bbbb:cccc:dddd"):
        assert RECEIPT.search(await _tip_from(app, host))
    assert vi("tip.limit_origin") in await _tip_from(app, "2001:db8:1:2::99")
    assert RECEIPT.search(await _tip_from(app, "2001:db8:1:3::10"))


def _origin(host: str, secret: str = "s" * 20, headers: dict[str, str] | None = None) -> str:
    settings = SimpleNamespace(secret_key=SecretStr(secret))
    request = SimpleNamespace(
        client=SimpleNamespace(host=host),
        headers=headers or {},
        app=SimpleNamespace(state=SimpleNamespace(settings=settings)),
    )
    return web_guard.origin_of(request)  # type: ignore[arg-type]


def test_the_origin_names_no_address_and_changes_daily(monkeypatch: pytest.MonkeyPatch) -> None:
    today = _origin("203.0.113.7")
    assert re.fullmatch(r"[0-9a-f]{32}", today) and "203" not in today
    assert _origin("::ffff:203.0.113.7") == today
    assert _origin("203.0.113.8") != today
    assert _origin("203.0.113.7", secret="another secret key") != today
    monkeypatch.setattr(web_guard, "utc_now", lambda: datetime(2030, 1, 2, tzinfo=UTC))
    assert _origin("203.0.113.7") != today


@pytest.fixture
def proxy_log(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> Any:
    """The web guard's log, with its once-only notes not yet written."""
    monkeypatch.setattr(web_guard, "_TOLD", set())
    caplog.set_level(logging.WARNING, logger="binhyen.web")
    return lambda: [r for r in caplog.records if r.name == "binhyen.web"]


def test_a_proxy_uvicorn_does_not_trust_is_logged_once_without_addresses(proxy_log: Any) -> None:
    for visitor in ("198.51.100.23", "198.51.100.24"):
        _origin("172.18.0.3", headers={"x-forwarded-for": visitor})
    [record] = proxy_log()
    assert "FORWARDED_ALLOW_IPS" in record.getMessage()
    assert record.levelno == logging.WARNING
    assert not re.search(r"\d+\.\d+\.\d+\.\d+", record.getMessage())


def test_no_note_for_a_trusted_proxy_or_a_direct_visitor(proxy_log: Any) -> None:
    _origin("198.51.100.23", headers={"x-forwarded-for": "198.51.100.23"})  # uvicorn took it
    _origin("10.1.2.3", headers={"x-forwarded-for": "10.9.9.9, 10.1.2.3"})  # a LAN visitor
    _origin("10.1.2.3")  # on the LAN, no proxy
    _origin("8.8.8.8", headers={"x-forwarded-for": "1.2.3.4"})  # a visitor's own header
    assert proxy_log() == []


async def test_the_web_chat_notes_an_untrusted_proxy(app: FastAPI, proxy_log: Any) -> None:
    transport = httpx.ASGITransport(app=app, client=("172.18.0.3", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        body = {"kind": "command", "text": "/start", "message_id": "m-1"}
        headers = {"X-Forwarded-For": "198.51.100.23"}
        answer = await client.post("/chat/api/messages", json=body, headers=headers)
    assert answer.status_code == 200
    assert len(proxy_log()) == 1
