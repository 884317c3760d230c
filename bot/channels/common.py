"""What the chat channels share: a webhook body read within a size limit, the end of a
background polling task, and a resident's file fetched only from a public address. The push
interface they implement for the outbox is in bot/delivery.py."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
from urllib.parse import urlsplit

import httpx
from fastapi import Request

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


async def fetch_public(
    http: httpx.AsyncClient,
    url: str,
    max_bytes: int,
    *,
    trusted: frozenset[str] = frozenset(),
    timeout: float | None = None,
) -> bytes:
    """The bytes at an http(s) URL a webhook named (a photo, a voice clip), at most `max_bytes`,
    only from a public address: a forged event must not make the service fetch its own
    `/metrics`, the database or a cloud's metadata service and keep the answer as evidence
    (issue 19). Redirects are followed by hand, each hop checked. `trusted` names hosts
    reached even so: the platform's own API host, which the tests point at a local fake."""
    for _hop in range(MAX_REDIRECTS + 1):
        await _check_public(url, trusted)
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
        except httpx.HTTPError as exc:
            raise MediaUnavailable(type(exc).__name__) from None
    raise MediaUnavailable("too many redirects")


async def _check_public(url: str, trusted: frozenset[str]) -> None:
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise MediaUnavailable("not a URL") from None
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host:
        raise MediaUnavailable("not an http(s) URL")
    if host in trusted:
        return
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, port)
    except (OSError, UnicodeError):
        raise MediaUnavailable("host not found") from None
    for *_rest, address in found:
        ip = ipaddress.ip_address(str(address[0]).split("%", 1)[0])
        if not ip.is_global or ip.is_multicast:
            raise MediaUnavailable("not a public address")
