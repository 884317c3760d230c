"""Telegram webhook updates per second, end to end, beside a bare python-telegram-bot echo bot.

What is timed: an update goes in as `POST /webhooks/telegram` (the secret header set, the body
a private-chat text message as Telegram sends it) and counts as done when the server's first
`sendMessage` for that chat reaches a Bot API sink in this process, or arrives as the body of
the webhook's answer (BINHYEN_TELEGRAM_ANSWER_IN_RESPONSE: Telegram makes that call when the
answer arrives). Latency = that arrival time minus the time the update was due
(`time.perf_counter`, one clock).

What runs where:

* the **sink**: a minimal HTTP/1.1 server on asyncio (127.0.0.1, a free port, TCP_NODELAY on
  every accepted connection). It answers getMe, sendMessage (a valid Message), anything else
  with true, and notes per chat when each sendMessage arrived. No spec validation (that is
  tests/fakes/telegram_api.py, which costs CPU).
* the **load generator**: raw HTTP/1.1 on keep-alive asyncio connections (one request at a
  time per connection), prebuilt request bytes, in the same process and loop as the sink.
  Like Telegram (setWebhook's `max_connections`, default 40) it keeps at most
  `--max-connections` webhook requests open; an update that finds them all busy waits, and
  the wait counts in its latency. This process is pinned to CPU 1.
* the **server under test**: a subprocess of this script running `uvicorn.run` (one worker,
  uvicorn defaults: uvloop, httptools; log level warning) pinned to CPU 0, one after the other:
  1. Bình Yên, `bot.app:create_app` (factory) on PostgreSQL (a fresh database per run, built by
     the migrations, dropped afterwards) and Redis (a fresh key prefix, deleted afterwards),
     webhook mode (BINHYEN_PUBLIC_URL set), BINHYEN_TELEGRAM_API_BASE = the sink;
  2. a bare echo bot, `bench_telegram:echo_app` (factory, below): the same secret check,
     `Update.de_json`, `await bot.send_message(chat, text)`, 200;
  3. with `--servers binhyen2`: Bình Yên as in 1 but two `serve` processes on the same
     database and Redis, pinned to CPU 0 and CPU 1, each update going to the next one in turn
     (at most `--max-connections` open in all, as behind one address). On a 2-CPU host the
     second shares CPU 1 with the load generator, PostgreSQL and Redis.
  PostgreSQL and Redis are other processes and float on both CPUs; every phase records how
  busy each CPU of the host was, and how much CPU the server and this process used.

BINHYEN_TELEGRAM_RATE is raised to 100,000 msg/s for the run. Telegram itself lets a bot send
about 30 messages/s in all, and with that default the limiter (correctly) spaces the replies
out, so 200 updates/s could not be answered in time by any bot; this measures our pipeline,
not Telegram's budget. The per-chat limit (1/s, burst 3) stays: there are enough chats
(default 600, one update per chat in flight, the chat idle the longest goes next, so a chat
gets about one update every 3 s at 200/s) that no chat hits it.

Per server, per run:

1. Bình Yên only: every chat is onboarded through the same webhook (not timed): "/start",
   "Tiếng Việt" (the language, by its label), "ha noi", "phuong ba dinh" (8 replies in all); each
   step waits for a reply; at the end every chat's last reply must be the main menu.
2. warm-up: `--warmup` updates, closed loop (not timed).
3. **throughput**: closed loop, `--concurrency` senders, each sends an update to an idle chat
   and waits for its reply at the sink, `--updates` in all; updates/s = updates / time until
   the last reply arrived.
4. **open loop**: Poisson arrivals at `--rate`/s; those of the first `--lead-in` s are not
   counted (the switch from the saturated closed loop), then `--seconds` s are: latency from
   the scheduled arrival (no coordinated omission), p50/p95/p99/max. Errors: a non-200
   answer, no reply within `--timeout` s, a first reply that is not the expected one, or an
   arrival that found every chat still waiting (shed).

Timed updates are the text "menu": Bình Yên answers with its main menu (one sendMessage with
an inline keyboard), the echo bot with "menu". The servers alternate which goes first from
one run to the next. Medians over `--runs`; the ratio is the median of the per-run ratios.

    .venv/bin/python bench/bench_telegram.py --wait-quiet 120   # 3 runs, both servers
    .venv/bin/python bench/bench_telegram.py --runs 1 --json
    .venv/bin/python bench/bench_telegram.py --runs 0 --profile /tmp/tg   # cProfile'd run only
    .venv/bin/python bench/bench_telegram.py --servers binhyen,echo,binhyen2   # + two processes
    .venv/bin/python bench/bench_telegram.py --answer-in-response false   # every reply a call

Targets (issue 22): Bình Yên at least the echo bot's updates/s (1.0×; issue 5 asked for half),
p99 at most 50 ms at 200 updates/s; two processes ≥ 1.6× one where the cores allow (reported,
not part of the exit status). Exit status 0 when the first two are met and no update failed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hmac
import importlib.metadata
import itertools
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request, Response

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    ROOT,
    busy_percent,
    cpu_ticks,
    emit,
    machine,
    median,
    percentile,
    pg_admin,
    pin,
    wait_quiet,
)

PG_BASE = "postgresql+asyncpg://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/0"
TOKEN = "123456:BENCH"
BENCH_DIR = Path(__file__).resolve().parent
TARGET_RATIO, TARGET_P99_MS, TARGET_RATE = 1.0, 50.0, 200.0
TARGET_TWO = 1.6  # two serve processes / one, where the cores allow
SERVERS = {
    "binhyen": ("bot.app:create_app", "Bình Yên (PostgreSQL + Redis)"),
    "echo": ("bench_telegram:echo_app", "bare PTB echo bot"),
    # Two `serve` processes on the same database and Redis, each pinned to a CPU of its own
    # (--server-cpu and the next), the load alternating between them (issue 22).
    "binhyen2": ("bot.app:create_app", "Bình Yên, two serve processes"),
}
KEEP_ALIVE = 4.0  # s an idle connection is reused (uvicorn closes them after 5 s)
ONBOARD_TIMEOUT = 120.0  # s, for a reply while onboarding (not timed; the server is saturated)
PROFILE_ENV = "BENCH_TELEGRAM_PROFILE"  # cProfile the server between SIGUSR1 and SIGUSR2


# --- the bare echo bot (runs in the server subprocess) -----------------------------------------


def echo_app() -> FastAPI:
    """A bare python-telegram-bot echo bot behind a FastAPI webhook, as small as it gets."""
    import telegram
    from telegram.request import HTTPXRequest

    token = os.environ["BENCH_ECHO_TOKEN"]
    base = os.environ["BENCH_ECHO_API_BASE"].rstrip("/")
    secret = os.environ["BENCH_ECHO_SECRET"].encode()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        bot = telegram.Bot(
            token,
            base_url=f"{base}/bot",
            base_file_url=f"{base}/file/bot",
            request=HTTPXRequest(connection_pool_size=64, read_timeout=10.0),
        )
        await bot.initialize()
        app.state.bot = bot
        try:
            yield
        finally:
            await bot.shutdown()

    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/webhooks/telegram")
    async def webhook(request: Request) -> Response:
        given = request.headers.get("x-telegram-bot-api-secret-token", "").encode()
        if not hmac.compare_digest(given, secret):
            return Response(status_code=403)
        bot = request.app.state.bot
        update = telegram.Update.de_json(await request.json(), bot)
        message, chat = update.effective_message, update.effective_chat
        if message is not None and chat is not None and message.text:
            await bot.send_message(chat.id, message.text)
        return Response(status_code=200)

    return app


def serve(target: str, port: int) -> None:
    """The server subprocess: uvicorn on `target`. When BENCH_TELEGRAM_PROFILE names a path,
    SIGUSR1 starts cProfile and SIGUSR2 stops it and dumps PATH.closed.prof the first time,
    PATH.open.prof the second (the two timed phases)."""
    import uvicorn

    profile = os.environ.get(PROFILE_ENV, "")
    if profile:
        import cProfile

        phases = iter(("closed", "open", "extra"))
        current: list[cProfile.Profile] = []

        def start(*_: object) -> None:
            current.append(cProfile.Profile())
            current[-1].enable()

        def stop(*_: object) -> None:
            if current:
                prof = current.pop()
                prof.disable()
                prof.dump_stats(f"{profile}.{next(phases, 'extra')}.prof")

        signal.signal(signal.SIGUSR1, start)
        signal.signal(signal.SIGUSR2, stop)
    uvicorn.run(
        target,
        factory=True,
        host="127.0.0.1",
        port=port,
        # uvicorn's defaults, as `binhyen serve` runs: uvloop and httptools when installed
        # (they are dependencies since the first measurement, which used asyncio and h11).
        loop="auto",
        http="auto",
        log_level="warning",
        access_log=False,
        app_dir=str(BENCH_DIR),
        timeout_graceful_shutdown=10,
    )


# --- the Bot API sink --------------------------------------------------------------------------


def _nodelay(transport: asyncio.BaseTransport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _http_response(status: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


class Sink:
    """What the servers under test take for api.telegram.org."""

    def __init__(self) -> None:
        self.waiters: dict[int, asyncio.Future[tuple[float, bool]]] = {}
        self.sent = 0  # sendMessage calls
        self.unexpected = 0  # sendMessage for a chat nobody waited on
        self.marker = b""  # what the expected reply holds
        self.last: dict[int, bytes] | None = None  # chat -> last sendMessage body, when kept
        self.last_at = 0.0  # arrival of the latest sendMessage
        self.calls: dict[str, int] = {}
        self._message_ids = itertools.count(1)
        self._server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        # create_server(host, port) makes an IPPROTO_TCP socket: asyncio then sets
        # TCP_NODELAY on accepted connections (done again in connection_made anyway).
        self._server = await loop.create_server(lambda: _SinkProtocol(self), "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)
            self._server = None

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def expect(self, chat: int) -> asyncio.Future[tuple[float, bool]]:
        """The arrival time of the chat's next sendMessage, and whether it held `marker`."""
        future: asyncio.Future[tuple[float, bool]] = asyncio.get_running_loop().create_future()
        self.waiters[chat] = future
        return future

    def forget(self, chat: int) -> None:
        self.waiters.pop(chat, None)

    def arrived(self, chat: int, body: bytes, now: float) -> None:
        """A sendMessage for `chat` reached Telegram: by a Bot API call, or in a webhook's
        answer (Telegram makes that call as the answer arrives)."""
        self.sent += 1
        self.last_at = now
        if self.last is not None:
            self.last[chat] = body
        waiter = self.waiters.pop(chat, None)
        if waiter is None:
            self.unexpected += 1
        elif not waiter.done():
            waiter.set_result((now, bool(self.marker) and self.marker in body))

    def answered(self, body: bytes, now: float) -> None:
        """A webhook's answer holding a method call (the bot's reply, BENCHMARKS.md §23)."""
        params = json.loads(body)
        method = f"{params.get('method')} (webhook answer)"
        self.calls[method] = self.calls.get(method, 0) + 1
        if params.get("method") == "sendMessage":
            self.arrived(int(params.get("chat_id", 0)), body, now)

    def answer(self, path: str, body: bytes, now: float) -> bytes:
        method = path.rsplit("/", 1)[-1]
        self.calls[method] = self.calls.get(method, 0) + 1
        if method == "sendMessage":
            params = _params(body)
            chat = int(params.get("chat_id", "0"))
            self.arrived(chat, body, now)
            result: Any = {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": chat, "type": "private"},
                "text": params.get("text", ""),
            }
        elif method == "getMe":
            result = {
                "id": int(TOKEN.split(":", 1)[0]),
                "is_bot": True,
                "first_name": "Bench",
                "username": "bench_bot",
            }
        else:  # answerCallbackQuery, setWebhook, ...
            result = True
        return _http_response("200 OK", json.dumps({"ok": True, "result": result}).encode())


def _params(body: bytes) -> dict[str, str]:
    if body[:1] == b"{":
        return {k: str(v) for k, v in json.loads(body).items()}
    return {k: v[0] for k, v in parse_qs(body.decode()).items()}


class _SinkProtocol(asyncio.Protocol):
    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self.buf = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        _nodelay(transport)
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            lines = bytes(self.buf[:end]).decode("latin-1").split("\r\n")
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(":")
                name = name.strip().lower()
                if name == "content-length":
                    length = int(value)
                elif name == "transfer-encoding":  # never sent by httpx for a form
                    assert self.transport is not None
                    self.transport.write(_http_response("501 Not Implemented", b"{}"))
                    self.transport.close()
                    return
            total = end + 4 + length
            if len(self.buf) < total:
                return
            body = bytes(self.buf[end + 4 : total])
            del self.buf[:total]
            path = lines[0].split(" ")[1] if " " in lines[0] else "/"
            assert self.transport is not None
            self.transport.write(self.sink.answer(path, body, now))


# --- the load generator: raw HTTP/1.1 on persistent connections ---------------------------------


class _Client(asyncio.Protocol):
    """One keep-alive connection, one request at a time."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.transport: asyncio.Transport | None = None
        self.pending: asyncio.Future[tuple[int, bytes, float]] | None = None
        self.closed = False
        self.idle_since = time.monotonic()
        self.port = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        _nodelay(transport)
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.pending is not None and not self.pending.done():
            self.pending.set_exception(ConnectionError("connection lost"))

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        self.buf += data
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return
        lines = bytes(self.buf[:end]).decode("latin-1").split("\r\n")
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        if len(self.buf) < end + 4 + length:
            return
        body = bytes(self.buf[end + 4 : end + 4 + length])
        del self.buf[: end + 4 + length]
        if self.pending is not None and not self.pending.done():
            self.pending.set_result((int(lines[0].split(" ")[1]), body, now))

    async def request(self, data: bytes) -> tuple[int, bytes, float]:
        """The answer's status, its body, and when it arrived."""
        assert self.transport is not None
        self.pending = asyncio.get_running_loop().create_future()
        self.transport.write(data)
        try:
            return await self.pending
        finally:
            self.pending = None


class Pool:
    """Connections to the server under test; at most `limit` open (0: no limit), as Telegram
    keeps at most `max_connections` (setWebhook, default 40) webhook requests open at once.
    With several `ports` (serve processes behind one address), each request goes to the next
    port in turn, the limit holding for all of them together."""

    def __init__(self, ports: list[int], limit: int = 0) -> None:
        self.ports = ports
        self._next = itertools.cycle(ports)
        self.idle: dict[int, list[_Client]] = {p: [] for p in ports}
        self.opened = 0
        self._gate = asyncio.Semaphore(limit) if limit > 0 else None

    async def acquire(self) -> _Client:
        if self._gate is not None:
            await self._gate.acquire()
        port = next(self._next)
        try:
            idle = self.idle[port]
            while idle:
                conn = idle.pop()
                if conn.closed:
                    continue
                if time.monotonic() - conn.idle_since < KEEP_ALIVE:
                    return conn
                assert conn.transport is not None
                conn.transport.close()  # the server may be closing it right now
            loop = asyncio.get_running_loop()
            _t, conn = await loop.create_connection(_Client, "127.0.0.1", port)
            conn.port = port
        except BaseException:
            if self._gate is not None:
                self._gate.release()
            raise
        self.opened += 1
        return conn

    def release(self, conn: _Client) -> None:
        if not conn.closed:
            conn.idle_since = time.monotonic()
            self.idle[conn.port].append(conn)
        if self._gate is not None:
            self._gate.release()

    def close(self) -> None:
        for idle in self.idle.values():
            for conn in idle:
                if conn.transport is not None:
                    conn.transport.close()
            idle.clear()


_UPDATE_IDS = itertools.count(1)
_MESSAGE_IDS = itertools.count(1)


def update_json(chat: int, text: str) -> bytes:
    """A private-chat text message as Telegram posts it to a webhook."""
    person = {"id": chat, "is_bot": False, "first_name": "Dân", "language_code": "vi"}
    message: dict[str, Any] = {
        "message_id": next(_MESSAGE_IDS),
        "from": person,
        "chat": {"id": chat, "type": "private", "first_name": "Dân"},
        "date": int(time.time()),
        "text": text,
    }
    if text.startswith("/"):
        command = text.split(" ", 1)[0]
        message["entities"] = [{"offset": 0, "length": len(command), "type": "bot_command"}]
    update = {"update_id": next(_UPDATE_IDS), "message": message}
    return json.dumps(update, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    lags: list[float] = field(default_factory=list)  # written this long after it was due
    statuses: dict[int, int] = field(default_factory=dict)  # non-200 answers
    timeouts: int = 0
    expected: int = 0  # first replies that were the expected one (the menu, the echo)
    last_reply: float = 0.0

    @property
    def errors(self) -> int:
        return sum(self.statuses.values()) + self.timeouts


class Driver:
    """Sends updates to one server and waits for their replies at the sink."""

    def __init__(
        self, ports: list[int], secret: str, sink: Sink, timeout: float, connections: int = 0
    ) -> None:
        self.sink = sink
        self.pool = Pool(ports, connections)
        self.timeout = timeout
        self.head = (
            f"POST /webhooks/telegram HTTP/1.1\r\nhost: 127.0.0.1\r\n"
            f"content-type: application/json\r\nx-telegram-bot-api-secret-token: {secret}\r\n"
        ).encode()

    async def get(self, path: str) -> int:
        conn = await self.pool.acquire()
        try:
            request = f"GET {path} HTTP/1.1\r\nhost: bench\r\n\r\n".encode()
            return (await conn.request(request))[0]
        finally:
            self.pool.release(conn)

    async def send(
        self,
        chat: int,
        text: str,
        tally: Tally,
        due: float | None = None,
        timeout: float | None = None,
    ) -> bool:
        """One update to `chat`; its latency (from `due`, or from now) once the reply is in."""
        body = update_json(chat, text)
        data = self.head + b"content-length: %d\r\n\r\n" % len(body) + body
        waiter = self.sink.expect(chat)
        if due is None:
            due = time.perf_counter()
        conn = await self.pool.acquire()
        tally.lags.append(time.perf_counter() - due)  # the wait for a free connection
        try:
            status, answer, at = await conn.request(data)
        except ConnectionError:
            status, answer, at = 0, b"", 0.0
        finally:
            self.pool.release(conn)
        if status == 200 and answer[:1] == b"{":  # the reply, in the webhook's answer
            self.sink.answered(answer, at)
        if status != 200:
            self.sink.forget(chat)
            tally.statuses[status] = tally.statuses.get(status, 0) + 1
            return False
        try:
            arrived, expected = await asyncio.wait_for(waiter, timeout or self.timeout)
        except TimeoutError:
            self.sink.forget(chat)
            tally.timeouts += 1
            return False
        tally.latencies.append(arrived - due)
        tally.expected += expected
        tally.last_reply = max(tally.last_reply, arrived)
        return True


# --- phases --------------------------------------------------------------------------------------


def _proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by process `pid`."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def _stats(tally: Tally) -> dict[str, Any]:
    lat = sorted(tally.latencies)
    ms = 1000
    out: dict[str, Any] = {
        "p50_ms": round(percentile(lat, 50) * ms, 2),
        "p95_ms": round(percentile(lat, 95) * ms, 2),
        "p99_ms": round(percentile(lat, 99) * ms, 2),
        "max_ms": round(lat[-1] * ms, 2) if lat else float("nan"),
        "errors": tally.errors + len(lat) - tally.expected,
        "non_200": dict(tally.statuses),
        "timeouts": tally.timeouts,
        "wrong_replies": len(lat) - tally.expected,  # not the menu / the echo
    }
    if tally.lags:
        lags = sorted(tally.lags)
        out["send_lag_p50_ms"] = round(percentile(lags, 50) * ms, 2)
        out["send_lag_p99_ms"] = round(percentile(lags, 99) * ms, 2)
    return out


class Meter:
    """Wall, CPU of the server, of this process, and of the host over one phase."""

    def __init__(self, server_pids: list[int]) -> None:
        self.pids = server_pids
        self.ticks = cpu_ticks()
        self.server0 = sum(_proc_cpu(pid) for pid in server_pids)
        self.own0 = time.process_time()
        self.wall0 = time.perf_counter()

    def result(self, updates: int) -> dict[str, Any]:
        wall = time.perf_counter() - self.wall0
        server = sum(_proc_cpu(pid) for pid in self.pids) - self.server0
        own = time.process_time() - self.own0
        return {
            "server_cpu_ms_per_update": round(server / max(updates, 1) * 1000, 3),
            "server_cpu_utilisation": round(server / wall, 3) if wall else 0.0,
            "loadgen_cpu_utilisation": round(own / wall, 3) if wall else 0.0,
            "host_cpu_busy_pct": busy_percent(self.ticks, cpu_ticks()),
        }


async def closed_loop(
    driver: Driver,
    chats: deque[int],
    updates: int,
    concurrency: int,
    text: str,
    pids: list[int],
) -> dict[str, Any]:
    """`concurrency` senders, each: an idle chat, one update, wait for its reply."""
    tally = Tally()
    budget = [updates]

    async def sender() -> None:
        while budget[0] > 0:
            budget[0] -= 1
            chat = chats.popleft()
            try:
                await driver.send(chat, text, tally)
            finally:
                chats.append(chat)

    meter = Meter(pids)
    start = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(concurrency)))
    usage = meter.result(updates)
    wall = (tally.last_reply or time.perf_counter()) - start
    return {
        "updates": updates,
        "concurrency": concurrency,
        "seconds": round(wall, 3),
        "updates_per_s": round(len(tally.latencies) / wall, 1) if wall else 0.0,
        **_stats(tally),
        "expected_replies": tally.expected,
        **usage,
    }


async def open_loop(
    driver: Driver,
    chats: deque[int],
    rate: float,
    seconds: float,
    text: str,
    rng: random.Random,
    pids: list[int],
    lead_in: float = 0.0,
) -> dict[str, Any]:
    """Poisson arrivals at `rate`/s for `lead_in` + `seconds`, each to the chat idle the
    longest; only those due after the lead-in count. An arrival that finds every chat busy
    is shed (counted as an error)."""
    tally, lead = Tally(), Tally()
    tasks: set[asyncio.Task[bool]] = set()
    shed = sent = 0

    async def one(chat: int, due: float, into: Tally) -> bool:
        try:
            return await driver.send(chat, text, into, due)
        finally:
            chats.append(chat)

    start = time.perf_counter() + 0.01
    counted = start + lead_in
    due = start + rng.expovariate(rate)
    meter: Meter | None = None
    opened = 0
    while due < counted + seconds:
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if meter is None and due >= counted:
            meter, opened = Meter(pids), driver.pool.opened
        into = lead if meter is None else tally
        if chats:
            task = asyncio.create_task(one(chats.popleft(), due, into))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            sent += into is tally
        else:
            shed += into is tally
        due += rng.expovariate(rate)
    if tasks:
        await asyncio.gather(*tasks)
    assert meter is not None
    usage = meter.result(sent)
    stats = _stats(tally)
    stats["errors"] += shed
    return {
        "offered_per_s": rate,
        "seconds": seconds,
        "updates": sent,
        "shed": shed,
        **stats,
        "lead_in_s": lead_in,
        "lead_in_errors": lead.errors,
        "expected_replies": tally.expected,
        "connections_opened": driver.pool.opened - opened,
        **usage,
    }


async def quiesce(sink: Sink, quiet: float = 1.5, limit: float = 60.0) -> None:
    """Wait until no sendMessage has arrived for `quiet` s (the server has sent it all)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        count = sink.sent
        await asyncio.sleep(quiet)
        if sink.sent == count:
            return


async def onboard(driver: Driver, chats: list[int], concurrency: int) -> dict[str, Any]:
    """/start, "Tiếng Việt", "ha noi", "phuong ba dinh" per chat, each step once a reply to the
    previous one is in; then wait until every chat's last reply is the main menu.

    The replies of one step (1-3 messages) go out one after the other under the per-chat
    limit (1/s, burst 3), and replies queue behind each other when the server is saturated,
    so a step waits for its first reply with a generous timeout and the check that counts
    is the main menu at the end."""
    gate = asyncio.Semaphore(concurrency)
    tally = Tally()
    steps = ("/start", "Tiếng Việt", "ha noi", "phuong ba dinh")

    async def one(chat: int) -> None:
        async with gate:
            for text in steps:
                if not await driver.send(chat, text, tally, timeout=ONBOARD_TIMEOUT):
                    return

    last: dict[int, bytes] = {}
    driver.sink.last = last
    start = time.perf_counter()
    await asyncio.gather(*(one(c) for c in chats))

    def at_menu() -> int:
        return sum(1 for c in chats if b"menu:tip" in last.get(c, b""))

    deadline = time.monotonic() + ONBOARD_TIMEOUT
    while at_menu() < len(chats) and time.monotonic() < deadline and not tally.errors:
        await asyncio.sleep(0.2)
    seconds = time.perf_counter() - start
    await quiesce(driver.sink)
    driver.sink.last = None
    done = at_menu()
    if tally.errors or done != len(chats):
        raise RuntimeError(
            f"onboarding failed: non-200 {tally.statuses}, {tally.timeouts} replies missing "
            f"after {ONBOARD_TIMEOUT} s, {done}/{len(chats)} chats at the menu"
        )
    return {
        "chats": len(chats),
        "updates": len(chats) * len(steps),
        "seconds": round(seconds, 2),
        "messages": sum(driver.sink.calls.values()) - driver.sink.calls.get("getMe", 0),
    }


# --- the servers --------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    name: str, port: int, env: dict[str, str], cpu: int | None, log: Path
) -> subprocess.Popen[bytes]:
    target = SERVERS[name][0]
    cmd = [sys.executable, str(Path(__file__).resolve()), "--serve", target, "--port", str(port)]

    def pin_child() -> None:
        if cpu is not None and hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {cpu})

    with log.open("wb") as out:
        return subprocess.Popen(
            cmd, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, preexec_fn=pin_child
        )


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


async def wait_healthy(driver: Driver, proc: subprocess.Popen[bytes], log: Path) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < 60:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError):
            if await driver.get("/healthz") == 200:
                return time.perf_counter() - start
        await asyncio.sleep(0.1)
    raise RuntimeError(f"server not healthy after 60 s:\n{log.read_text()[-3000:]}")


def _base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BINHYEN_", "BENCH_"))}
    env["PYTHONUNBUFFERED"] = "1"
    return env


async def measure(
    name: str, args: argparse.Namespace, env: dict[str, str], run: int, workdir: Path
) -> dict[str, Any]:
    """Start the sink and the server (Bình Yên two: two processes on the same database and
    Redis, the load alternating between them); onboard (Bình Yên), warm up, the two timed
    phases."""
    sink = Sink()
    await sink.start()
    secret = secrets.token_urlsafe(24)
    env = dict(env)
    if name.startswith("binhyen"):
        env.update(BINHYEN_TELEGRAM_API_BASE=sink.api_base, BINHYEN_TELEGRAM_WEBHOOK_SECRET=secret)
        marker = b"menu:tip"  # the main menu's "report a tip" button (a JSON body)
    else:
        env.update(
            BENCH_ECHO_TOKEN=TOKEN, BENCH_ECHO_API_BASE=sink.api_base, BENCH_ECHO_SECRET=secret
        )
        marker = b"text=menu"
    if args.profile:
        env[PROFILE_ENV] = f"{args.profile}.{name}"
    processes = 2 if name == "binhyen2" else 1
    ports = [_free_port() for _ in range(processes)]
    procs: list[subprocess.Popen[bytes]] = []
    logs = [workdir / f"{name}-{run}-{k}.log" for k in range(processes)]
    for k, port in enumerate(ports):
        cpu = None if args.server_cpu is None else (args.server_cpu + k) % (os.cpu_count() or 1)
        if processes > 1 and args.profile:
            env[PROFILE_ENV] = f"{args.profile}.{name}.{k}"
        procs.append(start_server(name, port, env, cpu, logs[k]))
    pids = [p.pid for p in procs]
    driver = Driver(ports, secret, sink, args.timeout, args.max_connections)
    rng = random.Random(args.seed + run)
    base = 1_000_000_000 + run * 100_000
    chats = [base + i for i in range(args.chats)]
    out: dict[str, Any] = {"server": name, "processes": processes}

    def signal_all(sig: int) -> None:
        for proc in procs:
            proc.send_signal(sig)

    try:
        startup = []
        for port, proc, log in zip(ports, procs, logs, strict=True):
            health = Driver([port], secret, sink, args.timeout)
            try:
                startup.append(await wait_healthy(health, proc, log))
            finally:
                health.pool.close()
        out["startup_s"] = round(max(startup), 2)
        if name.startswith("binhyen"):
            out["onboarding"] = await onboard(driver, chats, args.onboard_concurrency)
        idle = deque(chats)
        sink.marker = marker
        if args.warmup:
            await closed_loop(driver, idle, args.warmup, args.concurrency, "menu", pids)
        await quiesce(sink)
        await asyncio.sleep(2.0)  # let every chat's 1/s budget refill
        if args.wait_quiet:
            out["host_before_closed_loop"] = await asyncio.to_thread(wait_quiet, args.wait_quiet)
        unexpected0 = sink.unexpected
        if args.profile:
            signal_all(signal.SIGUSR1)
        out["throughput"] = await closed_loop(
            driver, idle, args.updates, args.concurrency, "menu", pids
        )
        await quiesce(sink, quiet=1.0)
        if args.profile:
            signal_all(signal.SIGUSR2)
            await asyncio.sleep(1.0)  # the dump; and signals are handled lowest number first
        if args.wait_quiet:
            out["host_before_open_loop"] = await asyncio.to_thread(wait_quiet, args.wait_quiet)
        if args.profile:
            signal_all(signal.SIGUSR1)
        out["open_loop"] = await open_loop(
            driver, idle, args.rate, args.seconds, "menu", rng, pids, args.lead_in
        )
        await quiesce(sink, quiet=1.0)
        if args.profile:
            signal_all(signal.SIGUSR2)
        out["unexpected_replies"] = sink.unexpected - unexpected0
        out["bot_api_calls"] = dict(sorted(sink.calls.items()))
    except BaseException:
        with contextlib.suppress(OSError):
            for log in logs:
                print(f"{name} server log:\n{log.read_text()[-4000:]}", file=sys.stderr)
        raise
    finally:
        driver.pool.close()
        for proc in procs:
            await asyncio.to_thread(stop_server, proc)
        await sink.stop()
    statuses = [p.returncode for p in procs if p.returncode not in (0, -signal.SIGTERM)]
    if statuses:
        out["exit_status"] = statuses
    return out


async def _drop_keys(prefix: str) -> int:
    from redis.asyncio import Redis

    redis = Redis.from_url(REDIS_URL)
    try:
        keys = [k async for k in redis.scan_iter(match=f"{prefix}*", count=1000)]
        for i in range(0, len(keys), 1000):
            await redis.delete(*keys[i : i + 1000])
        return len(keys)
    finally:
        await redis.aclose()


def run_binhyen(
    args: argparse.Namespace, run: int, workdir: Path, name: str = "binhyen"
) -> dict[str, Any]:
    from storage import migrate

    dbname = f"binhyen_bench_tg_{secrets.token_hex(4)}"
    prefix = f"binhyen-bench:{secrets.token_hex(4)}:"
    url = f"{PG_BASE}/{dbname}"
    media = workdir / f"media-{run}"
    media.mkdir(exist_ok=True)
    asyncio.run(pg_admin(f'CREATE DATABASE "{dbname}"'))
    try:
        migrate.upgrade(url)
        env = _base_env()
        env.update(
            BINHYEN_DATABASE_URL=url,
            BINHYEN_REDIS_URL=REDIS_URL,
            BINHYEN_REDIS_PREFIX=prefix,
            BINHYEN_TELEGRAM_TOKEN=TOKEN,
            BINHYEN_PUBLIC_URL="https://bench.invalid",
            BINHYEN_TELEGRAM_RATE=str(args.telegram_rate),
            BINHYEN_TELEGRAM_ANSWER_IN_RESPONSE=args.answer_in_response,
            BINHYEN_MEDIA_DIR=str(media),
        )
        return asyncio.run(measure(name, args, env, run, workdir))
    finally:
        try:
            asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
        finally:
            asyncio.run(_drop_keys(prefix))


def run_echo(args: argparse.Namespace, run: int, workdir: Path) -> dict[str, Any]:
    return asyncio.run(measure("echo", args, _base_env(), run, workdir))


# --- output ---------------------------------------------------------------------------------------


def _line(r: dict[str, Any]) -> str:
    t, o = r["throughput"], r["open_loop"]
    return (
        f"  {r['server']:8} closed x{t['concurrency']}: {t['updates_per_s']:7.1f} upd/s "
        f"(p50 {t['p50_ms']:.1f} p99 {t['p99_ms']:.1f} ms, server CPU "
        f"{t['server_cpu_ms_per_update']:.2f} ms/upd at {t['server_cpu_utilisation']:.0%}, "
        f"errors {t['errors']}) | open @{o['offered_per_s']:.0f}/s: p50 {o['p50_ms']:.1f} "
        f"p95 {o['p95_ms']:.1f} p99 {o['p99_ms']:.1f} max {o['max_ms']:.1f} ms, "
        f"server CPU {o['server_cpu_ms_per_update']:.2f} ms/upd, errors {o['errors']} | "
        f"host busy {o['host_cpu_busy_pct']}"
    )


def _medians(results: list[dict[str, Any]]) -> dict[str, Any]:
    def med(phase: str, key: str) -> float:
        return round(median([r[phase][key] for r in results]), 2)

    rates = [r["throughput"]["updates_per_s"] for r in results]
    return {
        "updates_per_s": med("throughput", "updates_per_s"),
        "min_updates_per_s": min(rates),
        "max_updates_per_s": max(rates),
        "closed_p50_ms": med("throughput", "p50_ms"),
        "closed_p99_ms": med("throughput", "p99_ms"),
        "closed_server_cpu_ms_per_update": med("throughput", "server_cpu_ms_per_update"),
        "open_p50_ms": med("open_loop", "p50_ms"),
        "open_p95_ms": med("open_loop", "p95_ms"),
        "open_p99_ms": med("open_loop", "p99_ms"),
        "open_max_ms": med("open_loop", "max_ms"),
        "open_server_cpu_ms_per_update": med("open_loop", "server_cpu_ms_per_update"),
        "errors": sum(r["throughput"]["errors"] + r["open_loop"]["errors"] for r in results),
    }


def _versions() -> dict[str, str]:
    out = {}
    for dist in ("python-telegram-bot", "httpx", "uvicorn", "h11", "fastapi", "redis", "asyncpg"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            out[dist] = importlib.metadata.version(dist)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--servers", default="binhyen,echo", help="comma-separated")
    parser.add_argument("--chats", type=int, default=600, help="distinct private chats")
    parser.add_argument("--updates", type=int, default=3000, help="closed-loop updates per run")
    parser.add_argument("--concurrency", type=int, default=50, help="closed-loop senders")
    parser.add_argument("--warmup", type=int, default=500, help="closed-loop, not timed")
    parser.add_argument("--rate", type=float, default=TARGET_RATE, help="open-loop updates/s")
    parser.add_argument("--seconds", type=float, default=10.0, help="open-loop, counted")
    parser.add_argument(
        "--lead-in", type=float, default=2.0, help="open-loop seconds before counting starts"
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="wait for a reply, s")
    parser.add_argument("--onboard-concurrency", type=int, default=200)
    parser.add_argument(
        "--max-connections",
        type=int,
        default=40,
        help="webhook requests open at once, like setWebhook's max_connections (0: no limit)",
    )
    parser.add_argument("--telegram-rate", type=float, default=100_000.0)
    parser.add_argument(
        "--answer-in-response",
        choices=("true", "false"),
        default="true",
        help="Bình Yên's BINHYEN_TELEGRAM_ANSWER_IN_RESPONSE (a lone reply in the webhook answer)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--server-cpu", type=int, default=0, help="-1: do not pin")
    parser.add_argument("--client-cpu", type=int, default=1, help="-1: do not pin")
    parser.add_argument("--wait-quiet", type=float, default=0.0, help="before timed phases")
    parser.add_argument(
        "--profile",
        default="",
        help="after the runs, one more run per server, cProfile'd: PATH.<server>.<phase>.prof",
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--serve", default="", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.port)
        return 0
    args.runs = max(0 if args.profile else 1, min(args.runs, 10))
    args.chats = max(args.concurrency, min(args.chats, 20_000))
    servers = [s for s in args.servers.split(",") if s]
    if any(s not in SERVERS for s in servers):
        parser.error(f"--servers: choose from {', '.join(SERVERS)}")
    ncpu = os.cpu_count() or 1
    if ncpu < 2 or args.server_cpu < 0:
        args.server_cpu = None
    client_cpus = pin(None if ncpu < 2 or args.client_cpu < 0 else args.client_cpu)
    info = machine()
    say = (lambda *_a: None) if args.json else (lambda m: print(m, file=sys.stderr, flush=True))
    say(
        f"bench_telegram: {info['cpu']} ({info['nproc']} CPUs), Python {info['python']}, "
        f"servers on CPU {args.server_cpu}, load generator + sink on {sorted(client_cpus)}; "
        f"{args.chats} chats, closed loop {args.updates} x{args.concurrency}, "
        f"open loop {args.rate:.0f}/s for {args.seconds:.0f} s, {args.runs} runs"
    )
    runners = {
        "binhyen": run_binhyen,
        "echo": run_echo,
        "binhyen2": lambda a, n, w: run_binhyen(a, n, w, "binhyen2"),
    }
    runs: list[dict[str, Any]] = []
    profiles: dict[str, str] = {}
    profile, args.profile = args.profile, ""
    with tempfile.TemporaryDirectory(prefix="binhyen-bench-tg-") as tmp:
        workdir = Path(tmp)
        for n in range(args.runs):
            order = servers if n % 2 == 0 else servers[::-1]
            results: dict[str, Any] = {"run": n + 1, "order": order}
            for name in order:
                results[name] = runners[name](args, n, workdir)
                say(f"run {n + 1}: {_line(results[name])}")
            runs.append(results)
        if profile:
            args.profile = profile
            for name in servers:
                result = runners[name](args, args.runs, workdir)
                profiles[name] = f"{profile}.{name}.{{closed,open}}.prof"
                say(f"profiled run: {_line(result)}")
                say(f"profiles of {name}: {profiles[name]}")
    if not runs:  # --runs 0 --profile: the profiled run only
        return 0
    summary: dict[str, Any] = {
        name: _medians([r[name] for r in runs]) | {"label": SERVERS[name][1]} for name in servers
    }
    import bot

    out: dict[str, Any] = {
        "benchmark": "telegram",
        "machine": info | {"libraries": _versions()},
        "code": str(Path(bot.__file__).resolve().parents[1]),  # PYTHONPATH=<snapshot> or ROOT
        "server_cpu": args.server_cpu,
        "client_cpus": sorted(client_cpus),
        "settings": {
            k: getattr(args, k)
            for k in (
                "chats",
                "updates",
                "concurrency",
                "warmup",
                "rate",
                "seconds",
                "lead_in",
                "timeout",
                "max_connections",
                "telegram_rate",
                "answer_in_response",
            )
        },
        "runs": runs,
        "median": summary,
        "profiles": profiles,
    }
    ok = True
    if "binhyen" in summary and "echo" in summary:
        ratios = [
            r["binhyen"]["throughput"]["updates_per_s"] / r["echo"]["throughput"]["updates_per_s"]
            for r in runs
        ]
        ratio = round(median(ratios), 3)
        p99 = summary["binhyen"]["open_p99_ms"]
        out["ratios"] = [round(x, 3) for x in ratios]
        out["ratio_binhyen_to_echo"] = ratio
        p99_met = p99 <= TARGET_P99_MS and args.rate >= TARGET_RATE
        out["targets"] = {
            "ratio_at_least": TARGET_RATIO,
            "ratio_met": ratio >= TARGET_RATIO,
            "open_p99_ms_at_most": TARGET_P99_MS,
            "at_rate": TARGET_RATE,
            "p99_met": p99_met,
        }
        ok = ratio >= TARGET_RATIO and p99_met
    if "binhyen" in summary and "binhyen2" in summary:
        twos = [
            r["binhyen2"]["throughput"]["updates_per_s"]
            / r["binhyen"]["throughput"]["updates_per_s"]
            for r in runs
        ]
        out["ratios_two_to_one"] = [round(x, 3) for x in twos]
        out["ratio_two_to_one"] = round(median(twos), 3)
    ok = ok and all(s["errors"] == 0 for s in summary.values())
    if args.json:
        emit(out, True)
    else:
        print(
            f"\n{'server':30} {'upd/s med':>9} {'(min-max)':>13} {'CPU ms/upd':>10} "
            f"{'open p50':>8} {'p95':>6} {'p99':>6} {'max':>6}  errors"
        )
        for s in summary.values():
            spread = f"({s['min_updates_per_s']:.0f}-{s['max_updates_per_s']:.0f})"
            print(
                f"{s['label']:30} {s['updates_per_s']:9.1f} {spread:>13} "
                f"{s['closed_server_cpu_ms_per_update']:10.2f} {s['open_p50_ms']:8.1f} "
                f"{s['open_p95_ms']:6.1f} {s['open_p99_ms']:6.1f} {s['open_max_ms']:6.1f}  "
                f"{s['errors']}"
            )
        if "ratio_binhyen_to_echo" in out:
            t = out["targets"]
            print(
                f"Bình Yên / echo throughput: {out['ratio_binhyen_to_echo']:.2f} "
                f"(runs {out['ratios']}; target ≥ {TARGET_RATIO}: "
                f"{'met' if t['ratio_met'] else 'NOT met'}); Bình Yên p99 at {args.rate:.0f}/s "
                f"{summary['binhyen']['open_p99_ms']} ms (target ≤ {TARGET_P99_MS:.0f} ms at "
                f"{TARGET_RATE:.0f}/s: {'met' if t['p99_met'] else 'NOT met'})"
            )
        if "ratio_two_to_one" in out:
            print(
                f"two serve processes / one: {out['ratio_two_to_one']:.2f} "
                f"(runs {out['ratios_two_to_one']}; wanted ≥ {TARGET_TWO} where the cores allow: "
                f"{info['nproc']} CPUs here, shared with PostgreSQL, Redis and the load generator)"
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
