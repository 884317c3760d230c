"""What keeps the web chat safe beyond its handlers (bot/channels/web.py): the page's
security policy, its cookie's Secure flag, and the network a browser is on.

- **The page** keeps the panel's security headers (admin/web.py `security_headers`, handed
  over by bot/app.py): its one inline script and one inline style are named by their SHA-256,
  so nothing else runs or styles it, and no other site may frame it.
- **The cookie** goes over https only when the page was asked for over https or the public
  address is https (a proxy in front may end TLS without saying so).
- **The network** (InboundEvent.origin): a new cookie is a new resident, so what must not
  start over with one (tips a day, PIN tries) is also counted per network, an IPv4 address
  or an IPv6 /64 (what one household is given), under a keyed hash of it and the day. Neither
  the address nor a key that outlives the day is kept: the counts live in rate-limit buckets
  of a day at most. Behind a reverse proxy the address is the proxy's unless uvicorn trusts
  it (FORWARDED_ALLOW_IPS, README): then every visitor shares the proxy's counts (20 tips a
  day, 30 PIN tries an hour for the whole site), which is logged once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import logging
import re
from functools import cache
from pathlib import Path

from fastapi import Request

from handlers.ports import utc_now
from storage.sealing import derive_key

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

log = logging.getLogger("binhyen.web")

PAGE = Path(__file__).parent / "static" / "chat.html"
ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(?=/|$)", re.I)  # of a public URL


@cache
def _inline_hashes(tag: str) -> str:
    """The CSP sources of the page's inline <script> or <style> blocks: their SHA-256."""
    blocks = re.findall(rf"<{tag}>(.*?)</{tag}>", PAGE.read_text("utf-8"), re.S)
    digests = (base64.b64encode(hashlib.sha256(b.encode()).digest()).decode() for b in blocks)
    return " ".join(f"'sha256-{d}'" for d in digests) or "'none'"


def page_sources(public_url: str) -> dict[str, str]:
    """What the page's CSP lets in: its own inline script and style by hash, nothing else
    inline; photos from here, and from the public address that broadcast photos' links are
    made with."""
    found = ORIGIN.match(public_url.strip())
    origin = found[0].lower() if found else ""
    return {
        "script_src": _inline_hashes("script"),
        "style_src": _inline_hashes("style"),
        "img_src": " ".join(filter(None, ("'self'", "data:", origin))),
    }


def secure_cookie(request: Request) -> bool:
    public_url: str = request.app.state.settings.public_url
    return request.url.scheme == "https" or public_url.lower().startswith("https://")


def origin_of(request: Request) -> str:
    """The browser's network as an opaque key (32 hex digits), "" when it is not known."""
    host = request.client.host if request.client else ""
    if not host:
        return ""
    try:
        address = ipaddress.ip_address(host)
        mapped = getattr(address, "ipv4_mapped", None)
        if mapped is not None:
            address = mapped
        network = (
            str(ipaddress.ip_network(f"{address}/64", strict=False))
            if address.version == 6
            else str(address)
        )
        _note_untrusted_proxy(request, host, address)
    except ValueError:
        network = host
    secret: str = request.app.state.settings.secret_key.get_secret_value()
    day = utc_now().date().isoformat()
    return hmac.new(_origin_key(secret), f"{day}\0{network}".encode(), "sha256").hexdigest()[:32]


_TOLD: set[str] = set()  # what was logged once, for the life of the process


def _note_untrusted_proxy(request: Request, host: str, address: IPAddress) -> None:
    """Log once when X-Forwarded-For came from a private address that uvicorn did not take
    it from (it replaces the client's address with one of the header's when it trusts the
    proxy). The log names no address, neither the proxy's nor a visitor's."""
    if "proxy" in _TOLD or not (address.is_private or address.is_loopback):
        return
    forwarded = request.headers.get("x-forwarded-for", "")
    if not forwarded or host in {part.strip() for part in forwarded.split(",")}:
        return
    _TOLD.add("proxy")
    log.warning(
        "X-Forwarded-For from a proxy uvicorn does not trust: every web visitor shares its "
        "tip and PIN limits; set FORWARDED_ALLOW_IPS to the proxy's address (README)"
    )


@cache
def _origin_key(secret: str) -> bytes:
    return derive_key(secret.encode("utf-8"), b"binhyen web origin v1")
