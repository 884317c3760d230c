"""Issue 19: a file a webhook names is fetched only from the platform's own CDN, over https, at
public addresses (checked after the name is resolved), within a size and a time limit. Before,
a forged Zalo event's `photo_url` of `http://127.0.0.1:PORT/metrics` became a tip's evidence.
Tests and local fakes get exact exceptions (BINHYEN_ZALO_MEDIA_TEST_ORIGINS), never in
production."""

from __future__ import annotations

import asyncio
import ipaddress

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels import common
from bot.channels.common import ZALO_MEDIA_HOSTS, FetchPolicy, fetch_public, zalo_media
from bot.channels.zalo_bot.client import ZaloBotClient
from bot.settings import Settings
from handlers.ports import MediaUnavailable

ZALO = FetchPolicy(ZALO_MEDIA_HOSTS)
# What the names resolve to here (no DNS in unit tests): Zalo's CDN at public addresses, one
# CDN-looking name rebound to a private one.
DNS = {
    "f20-zpc.zdn.vn": ["118.102.4.20"],
    "s120-ava-talk.zadn.vn": ["2402:9d80::1"],
    "file-stal-16.dlfl.vn": ["49.213.118.10"],
    "file-stal-16-te-vnso.flchat.vn": ["49.213.118.11"],
    "rebound.zdn.vn": ["118.102.4.21", "10.0.0.5"],
    "mapped.zdn.vn": ["::ffff:127.0.0.1"],
    "evil.example": ["93.184.216.34"],
}


@pytest.fixture(autouse=True)
def resolver(monkeypatch: pytest.MonkeyPatch) -> None:
    async def resolve(host: str, _port: int) -> list[str]:
        if host not in DNS:
            raise OSError("no such host")
        return DNS[host]

    monkeypatch.setattr(common, "addresses", resolve)


def client(answer: httpx.MockTransport) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=answer)


def recording() -> tuple[list[str], httpx.MockTransport]:
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        return httpx.Response(200, content=b"secret")

    return asked, httpx.MockTransport(answer)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1:8080/metrics", "not an https URL"),
        ("https://127.0.0.1/metrics", "not the platform's host"),
        ("https://localhost/", "not the platform's host"),
        ("https://169.254.169.254/latest/meta-data/", "not the platform's host"),
        ("https://[::1]/", "not the platform's host"),
        ("http://f20-zpc.zdn.vn/a.jpg", "not an https URL"),  # the CDN, but not over https
        ("https://evil.example/a.jpg", "not the platform's host"),
        ("https://zdn.vn.evil.example/a.jpg", "not the platform's host"),
        ("https://evilzdn.vn/a.jpg", "not the platform's host"),
        ("https://zdn.vn@evil.example/a.jpg", "credentials"),
        ("https://user:pw@f20-zpc.zdn.vn/a.jpg", "credentials"),
        ("https://rebound.zdn.vn/a.jpg", "not a public address"),  # one private answer
        ("https://mapped.zdn.vn/a.jpg", "not a public address"),
        ("https://unknown.zdn.vn/a.jpg", "host not found"),
        ("ftp://f20-zpc.zdn.vn/a.jpg", "not an https URL"),
        ("file:///etc/passwd", "not an https URL"),
        ("https://f20-zpc.zdn.vn:99999/a.jpg", "not a URL"),
        ("not a url", "not an https URL"),
    ],
)
async def test_nothing_but_the_cdn_at_a_public_address_is_fetched(url: str, why: str) -> None:
    asked, answer = recording()
    async with client(answer) as http:
        with pytest.raises(MediaUnavailable, match=why):
            await fetch_public(http, url, 1000, ZALO)
    assert asked == []  # refused before any request


async def test_the_cdn_is_fetched_within_the_size_and_its_redirects_are_followed() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.host == "file-stal-16.dlfl.vn":  # Zalo's file links hop to flchat.vn
            location = "https://file-stal-16-te-vnso.flchat.vn/gr/a.pdf"
            return httpx.Response(302, headers={"location": location})
        if request.url.path == "/old.jpg":
            return httpx.Response(301, headers={"location": "/new.jpg"})
        if request.url.path == "/big.jpg":
            return httpx.Response(200, content=b"x" * 2000)
        return httpx.Response(200, content=b"\xff\xd8\xff photo")

    async with client(httpx.MockTransport(answer)) as http:
        assert await fetch_public(http, "https://f20-zpc.zdn.vn/old.jpg", 1000, ZALO) == (
            b"\xff\xd8\xff photo"
        )
        assert await fetch_public(http, "https://s120-ava-talk.zadn.vn/a.jpg", 1000, ZALO)
        assert await fetch_public(http, "https://file-stal-16.dlfl.vn/gr/a.pdf", 1000, ZALO)
        with pytest.raises(MediaUnavailable, match="too large"):
            await fetch_public(http, "https://f20-zpc.zdn.vn/big.jpg", 1000, ZALO)


@pytest.mark.parametrize(
    "location",
    ["http://127.0.0.1:8080/metrics", "https://evil.example/a.jpg", "http://f20-zpc.zdn.vn/a"],
)
async def test_a_redirect_away_from_the_cdn_is_refused_at_its_hop(location: str) -> None:
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        if request.url.host == "f20-zpc.zdn.vn":
            return httpx.Response(302, headers={"location": location})
        return httpx.Response(200, content=b"secret")

    async with client(httpx.MockTransport(answer)) as http:
        with pytest.raises(MediaUnavailable):
            await fetch_public(http, "https://f20-zpc.zdn.vn/a.jpg", 1000, ZALO)
    assert asked == ["https://f20-zpc.zdn.vn/a.jpg"]


async def test_endless_redirects_end() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": "https://f20-zpc.zdn.vn/again"})

    async with client(httpx.MockTransport(answer)) as http:
        with pytest.raises(MediaUnavailable, match="too many redirects"):
            await fetch_public(http, "https://f20-zpc.zdn.vn/a", 1000, ZALO)


async def test_a_server_that_never_finishes_is_given_up() -> None:
    async def answer(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(3600)
        return httpx.Response(200)

    async with client(httpx.MockTransport(answer)) as http:
        with pytest.raises(MediaUnavailable, match="too slow"):
            await fetch_public(http, "https://f20-zpc.zdn.vn/a.jpg", 1000, ZALO, deadline=0.01)


async def test_a_test_origin_is_fetched_at_its_exact_scheme_host_and_port_only() -> None:
    policy = FetchPolicy.of("", "http://127.0.0.1:8081", ZALO_MEDIA_HOSTS)
    asked, answer = recording()
    async with client(answer) as http:
        assert await fetch_public(http, "http://127.0.0.1:8081/files/a.jpg", 1000, policy)
        for url in (
            "http://127.0.0.1:8080/metrics",  # the service itself, next door
            "https://127.0.0.1:8081/files/a.jpg",
            "http://localhost:8081/files/a.jpg",
        ):
            with pytest.raises(MediaUnavailable):
                await fetch_public(http, url, 1000, policy)
    assert asked == ["http://127.0.0.1:8081/files/a.jpg"]


def test_the_policy_from_the_settings() -> None:
    assert zalo_media(Settings()) == FetchPolicy(ZALO_MEDIA_HOSTS)
    mine = zalo_media(
        Settings(zalo_media_hosts=" CDN.Example., zdn.vn ", zalo_media_test_origins="http://f:1")
    )
    assert mine.hosts == ("cdn.example", "zdn.vn")
    assert mine.test_origins == frozenset({("http", "f", 1)})
    assert mine.admits("https", "a.cdn.example") and not mine.admits("https", "f20.zadn.vn")
    with pytest.raises(ValueError):
        FetchPolicy.of("", "ftp://f:1", ())


@pytest.mark.parametrize(
    ("env", "origins", "refused"),
    [
        ("production", "http://127.0.0.1:8081", "for tests"),
        ("development", "127.0.0.1:8081", "scheme://host:port"),
        ("development", "http://127.0.0.1", "scheme://host:port"),
        ("development", "http://127.0.0.1:99999", "scheme://host:port"),
    ],
)
def test_test_origins_are_refused_in_production_and_when_malformed(
    env: str, origins: str, refused: str
) -> None:
    settings = Settings.model_validate(
        {"env": env, "secret_key": "a-secret-for-this-test", "zalo_media_test_origins": origins}
    )
    with pytest.raises(SystemExit, match=refused):
        settings.check()


async def test_the_zalo_bot_client_fetches_from_zalos_cdn_only_by_default() -> None:
    asked, answer = recording()
    zalo = ZaloBotClient("1:t", "https://bot-api.zaloplatforms.com", http=client(answer))
    with pytest.raises(MediaUnavailable):
        await zalo.download("http://127.0.0.1:8080/metrics", 1000)
    assert await zalo.download("https://f20-zpc.zdn.vn/a.jpg", 1000) == b"secret"
    await zalo.aclose()
    assert asked == ["https://f20-zpc.zdn.vn/a.jpg"]


URLS = st.one_of(
    st.text(max_size=60),
    st.builds(
        "{}://{}{}/{}".format,
        st.sampled_from(["https", "http", "HTTPS", "ftp", "", "javascript"]),
        st.sampled_from(["", "user@", "zdn.vn@", ":@"]),
        st.one_of(
            st.sampled_from([*DNS, "zdn.vn", "[::1]", "127.0.0.1", "0x7f.1", "2130706433"]),
            st.text(max_size=20),
        ),
        st.text(max_size=20),
    ),
)


@settings(max_examples=300, deadline=None, database=None)
@given(url=URLS)
async def test_any_url_is_fetched_from_the_cdn_at_a_public_address_or_refused(url: str) -> None:
    asked, answer = recording()
    async with client(answer) as http:
        try:
            await fetch_public(http, url, 1000, ZALO)
        except MediaUnavailable:
            assert asked == []
            return
    assert len(asked) == 1
    host = httpx.URL(asked[0]).host
    assert asked[0].startswith("https://") and ZALO.admits("https", host)
    assert all(ipaddress.ip_address(a).is_global for a in DNS[host])
