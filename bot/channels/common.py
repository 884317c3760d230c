"""What the chat channels share: a webhook body read within a size limit, the end of a
background polling task, and a resident's file fetched only from the platform's own CDN at a
public address. The push interface they implement for the outbox is in bot/delivery.py."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from fastapi import Request

from bot.settings import Settings
from handlers.ports import MediaUnavailable

MAX_WEBHOOK_BYTES = 1_000_000


async def read_body(request: Request, limit: int = MAX_WEBHOOK_BYTES) -> bytes | None:
    """The request body, or None when it is over `limit` bytes (the caller answers 413).
    Reading stops at the limit, whatever Content-Length claimed (or did not)."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


async def cancel(task: asyncio.Task[None] | None) -> None:
    """Stop a polling task and wait until it has (whatever it was doing)."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task


# -- files a resident sent, fetched from the URL the platform gave ------------------------------

MAX_REDIRECTS = 3
FETCH_SECONDS = 60.0  # the whole of one fetch, redirects and a slow trickle of bytes included
# Where Zalo keeps the files residents send (photos, voice clips, attachments): its CDN, under
# these domains (seen in the platform's URLs; Zalo documents none). A file link may redirect
# from one to another (dlfl.vn → flchat.vn → dlmd.me).
ZALO_MEDIA_HOSTS = (
    "zdn.vn",
    "zadn.vn",
    "dlfl.vn",
    "flchat.vn",
    "dlmd.me",
    "zalo.me",
    "zaloapp.com",
    "zaloplatforms.com",
    "zapps.me",
)

Origin = tuple[str, str, int]  # scheme, host, port


@dataclass(frozen=True)
class FetchPolicy:
    """Where the files a webhook names may be fetched from: over https, from a host under one
    of `hosts` (the platform's CDN), and only at public addresses once the name is resolved.
    `test_origins` are the exact exceptions a test or a local fake needs (`http://127.0.0.1:8081`):
    http, and a private address, at that scheme, host and port only."""

    hosts: tuple[str, ...]
    test_origins: frozenset[Origin] = frozenset()

    @classmethod
    def of(cls, hosts: str, test_origins: str, default: tuple[str, ...]) -> FetchPolicy:
        """From settings: comma-separated host suffixes (empty: `default`) and test origins.
        ValueError for an origin that is not scheme://host:port."""
        suffixes = tuple(h.strip().lower().strip(".") for h in hosts.split(",") if h.strip())
        origins = frozenset(_origin(o.strip()) for o in test_origins.split(",") if o.strip())
        return cls(suffixes or default, origins)

    def exempt(self, url: str) -> bool:
        """Whether `url` is at one of the test origins (no other check applies)."""
        try:
            return _origin(url) in self.test_origins
        except ValueError:
            return False

    def admits(self, scheme: str, host: str) -> bool:
        host = host.lower().rstrip(".")
        return scheme == "https" and any(
            host == suffix or host.endswith("." + suffix) for suffix in self.hosts
        )


def zalo_media(settings: Settings) -> FetchPolicy:
    """Where files Zalo's webhooks name are fetched from (BINHYEN_ZALO_MEDIA_HOSTS and, in
    tests, BINHYEN_ZALO_MEDIA_TEST_ORIGINS; checked by Settings.check)."""
    return FetchPolicy.of(
        settings.zalo_media_hosts, settings.zalo_media_test_origins, ZALO_MEDIA_HOSTS
    )


def _origin(url: str) -> Origin:
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port  # ValueError for a port out of range
    if parts.scheme not in ("http", "https") or not host:
        raise ValueError(f"not an http(s) origin: {url!r}")
    return parts.scheme, host, port or (443 if parts.scheme == "https" else 80)


async def fetch_public(
    http: httpx.AsyncClient,
    url: str,
    max_bytes: int,
    policy: FetchPolicy,
    *,
    timeout: float | None = None,
    deadline: float = FETCH_SECONDS,
) -> bytes:
    """The bytes at a URL a webhook named (a photo, a voice clip), at most `max_bytes`, within
    `deadline` seconds, only from where `policy` allows: a forged event must not make the
    service fetch its own `/metrics`, the database or a cloud's metadata service and keep the
    answer as evidence (issue 19). Redirects are followed by hand, each hop checked."""
    try:
        async with asyncio.timeout(deadline):
            return await _fetch(http, url, max_bytes, policy, timeout)
    except TimeoutError:
        raise MediaUnavailable("too slow") from None


async def _fetch(
    http: httpx.AsyncClient,
    url: str,
    max_bytes: int,
    policy: FetchPolicy,
    timeout: float | None,
) -> bytes:
    for _hop in range(MAX_REDIRECTS + 1):
        await _check(url, policy)
        try:
            async with http.stream("GET", url, timeout=timeout, follow_redirects=False) as got:
                if got.is_redirect and "location" in got.headers:
                    url = str(got.url.join(got.headers["location"]))
                    continue
                if got.status_code != 200:
                    raise MediaUnavailable(f"HTTP {got.status_code}")
                length = got.headers.get("content-length", "")
                if length.isdigit() and int(length) > max_bytes:
                    raise MediaUnavailable("file too large")
                data = bytearray()
                async for chunk in got.aiter_bytes():
                    data += chunk
                    if len(data) > max_bytes:
                        raise MediaUnavailable("file too large")
                return bytes(data)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise MediaUnavailable(type(exc).__name__) from None
    raise MediaUnavailable("too many redirects")


async def _check(url: str, policy: FetchPolicy) -> None:
    """Refuses `url` (MediaUnavailable, its reason) unless `policy` allows it: https, a host
    of the platform's, no credentials, and every address the name resolves to public. The
    address is checked here, not where httpx connects: the host list is the main guard."""
    if policy.exempt(url):
        return
    try:
        parts = urlsplit(url)
        port = parts.port or 443
    except ValueError:
        raise MediaUnavailable("not a URL") from None
    host = parts.hostname or ""
    if parts.scheme != "https" or not host:
        raise MediaUnavailable("not an https URL")
    if parts.username is not None or parts.password is not None:
        raise MediaUnavailable("credentials in the URL")
    if not policy.admits(parts.scheme, host):
        raise MediaUnavailable("not the platform's host")
    try:
        found = await addresses(host, port)
    except (OSError, UnicodeError):
        raise MediaUnavailable("host not found") from None
    if not found:
        raise MediaUnavailable("host not found")
    for address in found:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not ip.is_global or ip.is_multicast:
            raise MediaUnavailable("not a public address")


async def addresses(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to (the tests put a resolver of their own here)."""
    found = await asyncio.get_running_loop().getaddrinfo(host, port)
    return [str(address[0]) for *_rest, address in found]
