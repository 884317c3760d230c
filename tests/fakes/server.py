"""What the fake channel servers share: serving their Starlette app over real HTTP, and the
record of the calls they answered.

`ThreadedServer` runs `self.app` under uvicorn on 127.0.0.1 (a free port) in a background
thread with its own event loop::

    class FakeThing(ThreadedServer):
        server_name = "Thing"                      # thread "fake-thing"

        def __init__(self) -> None:
            self.app = Starlette(routes=[...])

    with FakeThing() as fake:                      # or fake.start() / fake.stop()
        httpx.get(f"{fake.api_base}/...")

`CallRecorder` keeps the calls of an API of named methods (Telegram's Bot API, the Zalo Bot
Platform), each an `ApiCall`: `calls()`, `last()`, `wait_for()`. Its `_lock` guards the
subclass's own state too.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Self, TypeVar

import uvicorn
from starlette.types import ASGIApp


class ThreadedServer:
    """Serves `app` on 127.0.0.1 on a free port. Thread-safe: the server runs in its own
    thread and event loop, and tests arrange and read the fake's state from theirs."""

    server_name: ClassVar[str]  # "Zalo Bot": error messages say so, the thread is fake-zalo-bot
    app: ASGIApp
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None
    _port: int | None = None

    def start(self) -> Self:
        """Serve on 127.0.0.1 on a free port; returns once the server accepts connections."""
        if self._server is not None:
            return self
        # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose
        # proto says TCP, and without it every reply stalls ~40 ms (Nagle + delayed ACK).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            loop="asyncio",
            http="h11",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [sock]},
            name="fake-" + self.server_name.lower().replace(" ", "-"),
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the fake {self.server_name} server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(timeout=5)
        self._server = self._thread = self._port = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError(f"the fake {self.server_name} server is not running; call start()")
        return self._port

    @property
    def api_base(self) -> str:
        """Root URL of the server, e.g. for BINHYEN_TELEGRAM_API_BASE."""
        return f"http://127.0.0.1:{self.port}"


@dataclass(slots=True)
class ApiCall:
    """One request to a method of the API, successful or not. `at` is time.monotonic() at
    arrival (for asserting retry spacing); `params` the parameters as the fake decoded them."""

    method: str
    params: dict[str, Any]
    at: float
    ok: bool = True
    error_code: int | None = None
    description: str | None = None
    result: Any = None

    @property
    def chat_id(self) -> Any:
        return self.params.get("chat_id")


C = TypeVar("C", bound=ApiCall)


class CallRecorder(Generic[C]):
    """The calls the fake answered, successful or not, in order of arrival."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._calls: list[C] = []

    def _record(self, call: C) -> None:
        with self._lock:
            self._calls.append(call)

    def clear(self) -> None:
        """Forget the recorded calls only."""
        with self._lock:
            self._calls.clear()

    def calls(self, method: str | None = None, *, ok: bool | None = None) -> list[C]:
        """Recorded calls in order, optionally of one method and/or only (un)successful ones."""
        with self._lock:
            return [
                c
                for c in self._calls
                if (method is None or c.method == method) and (ok is None or c.ok == ok)
            ]

    def calls_since(self, index: int) -> list[C]:
        """The calls recorded after the first `index`, in order (cheap to poll: a watcher
        keeps its index rather than filtering every call each time)."""
        with self._lock:
            return self._calls[index:]

    def last(self, method: str) -> C:
        found = self.calls(method)
        if not found:
            raise AssertionError(f"no {method} call recorded; saw {self.summary()}")
        return found[-1]

    async def wait_for(
        self,
        what: str | Callable[[C], bool],
        count: int = 1,
        timeout: float = 5.0,
        *,
        include_failed: bool = False,
    ) -> list[C]:
        """Wait until `count` successful calls (or any, with `include_failed`) of a method
        ("*": any), or matching a predicate, are recorded; returns them. Raises
        AssertionError with what was seen on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            found = self._matching(what, include_failed)
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {count} x {what!r}; "
                    f"saw {self.summary()}"
                )
            await asyncio.sleep(0.01)

    def _matching(self, what: str | Callable[[C], bool], include_failed: bool) -> list[C]:
        calls = self.calls(ok=None if include_failed else True)
        if isinstance(what, str):
            return [c for c in calls if what in ("*", c.method)]
        return [c for c in calls if what(c)]

    def summary(self) -> str:
        """The methods called, failures with their error code: "getMe, sendMessage(403)"."""
        return (
            ", ".join(c.method if c.ok else f"{c.method}({c.error_code})" for c in self.calls())
            or "no calls"
        )
