"""Issue 19: a file a webhook names is fetched only from a public address. Before, a forged
Zalo event's `photo_url` of `http://127.0.0.1:PORT/metrics` became a tip's evidence."""

from __future__ import annotations

import httpx
import pytest

from bot.channels.common import fetch_public
from handlers.ports import MediaUnavailable

FILES = "cdn.files.test"  # trusted below: the only host these tests "resolve"


def _client(handler: httpx.MockTransport) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=handler)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/metrics",
        "http://localhost/metrics",
        "http://10.0.0.5/",
        "http://192.168.1.1/admin",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://0.0.0.0/",
        "http://100.64.0.1/",
        "ftp://cdn.files.test/a.jpg",
        "file:///etc/passwd",
        "not a url",
    ],
)
async def test_no_private_loopback_or_other_address_is_fetched(url: str) -> None:
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        return httpx.Response(200, content=b"secret")

    async with _client(httpx.MockTransport(answer)) as http:
        with pytest.raises(MediaUnavailable):
            await fetch_public(http, url, 1000)
    assert asked == []  # refused before any request


async def test_a_redirect_to_a_private_address_is_refused_at_its_hop() -> None:
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        if request.url.host == FILES:
            return httpx.Response(302, headers={"location": "http://127.0.0.1:8080/metrics"})
        return httpx.Response(200, content=b"secret")

    async with _client(httpx.MockTransport(answer)) as http:
        with pytest.raises(MediaUnavailable, match="not a public address"):
            await fetch_public(http, f"https://{FILES}/a.jpg", 1000, trusted=frozenset({FILES}))
    assert asked == [f"https://{FILES}/a.jpg"]


async def test_a_trusted_host_is_fetched_within_the_size_and_redirects_are_followed() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/old.jpg":
            return httpx.Response(301, headers={"location": "/new.jpg"})
        if request.url.path == "/big.jpg":
            return httpx.Response(200, content=b"x" * 2000)
        return httpx.Response(200, content=b"\xff\xd8\xff photo")

    trusted = frozenset({FILES})
    async with _client(httpx.MockTransport(answer)) as http:
        got = await fetch_public(http, f"https://{FILES}/old.jpg", 1000, trusted=trusted)
        assert got == b"\xff\xd8\xff photo"
        with pytest.raises(MediaUnavailable, match="too large"):
            await fetch_public(http, f"https://{FILES}/big.jpg", 1000, trusted=trusted)


async def test_endless_redirects_end() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": f"https://{FILES}/again"})

    async with _client(httpx.MockTransport(answer)) as http:
        with pytest.raises(MediaUnavailable, match="too many redirects"):
            await fetch_public(http, f"https://{FILES}/a", 1000, trusted=frozenset({FILES}))
