"""The web chat's page (/chat) sends the panel's security headers, with a CSP the page works
under: its one inline script and its one inline style named by their hashes, nothing inline
that the policy would block; its cookie is Secure whenever the service's public address is
https."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from admin.web import SECURITY_HEADERS
from bot.app import create_app
from bot.channels.web import COOKIE
from bot.settings import Settings
from tests.panel.conftest import World

SAME_AS_THE_PANEL = ("X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy")


def _policy(response: httpx.Response) -> dict[str, str]:
    directives = response.headers["content-security-policy"].split(";")
    return {d.split()[0]: " ".join(d.split()[1:]) for d in directives if d.strip()}


def _hash(block: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(block.encode()).digest()).decode() + "'"


async def test_the_chat_page_sends_the_panels_security_headers(world: World) -> None:
    page = await world.anonymous_client().get("/chat")
    assert page.status_code == 200
    for name in SAME_AS_THE_PANEL:
        assert page.headers[name] == SECURITY_HEADERS[name]
    policy = _policy(page)
    assert policy["frame-ancestors"] == "'none'"
    assert policy["default-src"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert policy["connect-src"] == "'self'"
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-inline'" not in policy["style-src"]


async def test_the_chat_page_works_under_its_policy(world: World) -> None:
    page = await world.anonymous_client().get("/chat")
    policy = _policy(page)
    scripts = re.findall(r"<script>(.*?)</script>", page.text, re.S)
    styles = re.findall(r"<style>(.*?)</style>", page.text, re.S)
    assert scripts and styles
    assert policy["script-src"].split() == [_hash(s) for s in scripts]
    assert policy["style-src"].split() == [_hash(s) for s in styles]
    # What a hash does not allow: scripts from elsewhere, inline handlers, style attributes.
    assert not re.search(r"<script[^>]+src=", page.text)
    assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", page.text, re.I)
    assert not re.search(r"<[a-z][^>]*\sstyle\s*=", page.text, re.I)
    # The page calls its own API, and shows photos from this service.
    assert "'self'" in policy["img-src"].split()


@pytest.fixture
async def https_app(sqlite_url: str, tmp_path: Path) -> AsyncIterator[FastAPI]:
    settings = Settings(
        database_url=sqlite_url,
        redis_url="",
        media_dir=str(tmp_path / "media"),
        secret_key=SecretStr("chat-page-test-secret"),
        public_url="https://binhyen.example/",
    )
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


async def _first_message(app: FastAPI) -> httpx.Response:
    # Over plain http, as behind a proxy that ends TLS and does not say so.
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        body = {"kind": "command", "text": "/start", "message_id": "m-1"}
        return await client.post("/chat/api/messages", json=body)


def _chat_cookie(response: httpx.Response) -> str:
    [cookie] = [c for c in response.headers.get_list("set-cookie") if c.startswith(COOKIE)]
    return cookie


async def test_the_cookie_is_secure_when_the_public_address_is_https(https_app: FastAPI) -> None:
    cookie = _chat_cookie(await _first_message(https_app))
    assert "secure" in [p.strip().lower() for p in cookie.split(";")]
    assert "httponly" in cookie.lower()


async def test_the_cookie_is_not_secure_on_a_plain_http_service(world: World) -> None:
    cookie = _chat_cookie(await _first_message(world.app))
    assert "secure" not in [p.strip().lower() for p in cookie.split(";")]


async def test_photos_from_the_public_address_may_show(https_app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=https_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        page = await client.get("/chat")
    assert "https://binhyen.example" in _policy(page)["img-src"].split()


async def test_a_cookie_set_before_https_becomes_secure(https_app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=https_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        client.cookies.set(COOKIE, "0123456789abcdef" * 2)  # from before the public URL
        body = {"kind": "command", "text": "/start", "message_id": "m-2"}
        answer = await client.post("/chat/api/messages", json=body)
    cookie = _chat_cookie(answer)
    assert cookie.startswith(f"{COOKIE}={'0123456789abcdef' * 2};")  # the same chat
    assert "secure" in [p.strip().lower() for p in cookie.split(";")]


async def test_an_old_cookie_is_not_set_again_on_plain_http(world: World) -> None:
    client = world.anonymous_client()
    client.cookies.set(COOKIE, "0123456789abcdef" * 2)
    body = {"kind": "command", "text": "/start", "message_id": "m-3"}
    answer = await client.post("/chat/api/messages", json=body)
    assert answer.status_code == 200
    assert not [c for c in answer.headers.get_list("set-cookie") if c.startswith(COOKIE)]
