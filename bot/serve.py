"""`binhyen serve`: uvicorn, which once it listens prints where the web chat and the panel are.

The two lines go to stdout once, after the socket is bound (so a port already taken prints
nothing but uvicorn's error), and name BINHYEN_PUBLIC_URL when it is set, else the address
served: a wildcard host (0.0.0.0, ::) is shown as this machine's loopback, which a browser
can open. Of the public URL only scheme://host[:port]/path is shown: a user:password in it
must not reach a terminal or a log, and a query or fragment would end up before "/chat". A
public URL that is not an http(s) address with a host is not shown (a warning on stderr says
so) and the address served is shown instead.
"""

from __future__ import annotations

import socket
import sys
from contextlib import suppress
from typing import Any
from urllib.parse import urlsplit

import uvicorn

STARTUP_FAILURE = 3  # uvicorn's own exit status when the app or the socket fails
_WILDCARDS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}


def public_base(public_url: str) -> str | None:
    """scheme://host[:port]/path of the public URL, without a trailing slash, credentials,
    query or fragment; None when it is not an http(s) address with a host."""
    try:
        parts = urlsplit(public_url.strip())
        port = parts.port  # a port that is not a number raises here
    except ValueError:
        return None
    host = parts.hostname
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    if ":" in host:  # an IPv6 address goes in brackets
        host = f"[{host}]"
    where = f"{host}:{port}" if port is not None else host
    return f"{parts.scheme.lower()}://{where}{parts.path.rstrip('/')}"


def base_url(public_url: str, host: str, port: int) -> str:
    """The service's address as a person opens it, without a trailing slash."""
    public = public_base(public_url) if public_url.strip() else None
    if public is not None:
        return public
    if public_url.strip():
        print(
            "binhyen serve: BINHYEN_PUBLIC_URL is not an http(s) address; showing the address"
            " served",
            file=sys.stderr,
        )
    shown = _WILDCARDS.get(host, host)
    if ":" in shown:  # an IPv6 address goes in brackets
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def addresses(base: str) -> list[str]:
    return [f"Web chat: {base}/chat", f"Panel: {base}/admin/"]


def _bound_port(server: uvicorn.Server, asked: int) -> int:
    """The port actually listened on: the one asked for, or the one picked for port 0."""
    for listening in getattr(server, "servers", []):
        for sock in listening.sockets:
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                return int(sock.getsockname()[1])
    return asked


class _Announcing(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, public_url: str) -> None:
        super().__init__(config)
        self.public_url = public_url

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started and not self.should_exit:
            port = _bound_port(self, self.config.port)
            base = base_url(self.public_url, self.config.host, port)
            print("\n".join(addresses(base)), flush=True)


def serve(app: Any, host: str, port: int, public_url: str = "") -> None:
    """What `uvicorn.run(app, host=host, port=port)` does for one process, announcing the
    addresses once it listens."""
    server = _Announcing(uvicorn.Config(app, host=host, port=port, log_level="info"), public_url)
    with suppress(KeyboardInterrupt):  # Ctrl-C is how one stops it
        server.run()
    if not server.started:
        sys.exit(STARTUP_FAILURE)
