"""Other residents' replies while one resident floods the Telegram webhook (issue 19).

What is timed: other residents' updates go in as `POST /webhooks/telegram`, each from a chat
of its own, Poisson arrivals at `--others-rate`/s (default 10) for `--seconds` s (default
12); half are a first "xin chào" (answered by the greeting, then the language question), half
a tap on the emergency button (answered by the numbers). An update is done when the server's
first `sendMessage` for its chat reaches the Bot API sink, or arrives in the webhook's answer
(bench/bench_telegram.py). Latency = that arrival minus the time the update was due (one
clock, `time.perf_counter`), so a wait for one of the webhook connections counts.

Two phases in one run, on one server, side by side:

1. **quiet**: the other residents only;
2. **flood**: the same, and meanwhile one resident sends `--flood` messages (default 300)
   evenly over `--flood-seconds` (default 10), each its own webhook request, not waiting for
   any reply (as Telegram delivers them).

Every phase uses fresh chats and the flood a fresh flooder; `--rounds` pairs (default 3),
alternating which phase goes first, the two phases of a round with the same arrival times;
the percentiles are over all rounds' updates. Like
Telegram (setWebhook's `max_connections`, default 40), the load generator keeps at most
`--max-connections` webhook requests open, shared by the flooder and everyone else: a
flooder whose requests are held holds the others'.

The machinery (the sink, the load generator, the server subprocess pinned to CPU 0, the
load generator to CPU 1) is bench/bench_telegram.py's, and as there the bot's Telegram budget
is raised (`--telegram-rate`, default 100,000 messages/s) so that the pipeline is measured,
not Telegram's 30 a second (`--telegram-rate 30` for that: the others' latency is then mostly
the queue for the bot's slots, and noisy). The inbound limit is at its defaults (bot/settings.py;
`--per-minute` and `--burst` to change them, `--per-minute 0` turns it off).

    .venv/bin/python bench/bench_flood.py                  # SQLite, in-process state
    .venv/bin/python bench/bench_flood.py --backend pg     # PostgreSQL + Redis (dropped after)
    .venv/bin/python bench/bench_flood.py --rounds 5 --wait-quiet 60 --json

Target (issue 19): the flood moves the others' p99 by less than 100 ms. Exit status 0 when
it does and no update failed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import random
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import busy_percent, cpu_ticks, emit, machine, percentile, pg_admin, pin
from _common import wait_quiet as wait_for_quiet
from bench_telegram import (
    _MESSAGE_IDS,
    _UPDATE_IDS,
    PG_BASE,
    REDIS_URL,
    TOKEN,
    Driver,
    Sink,
    Tally,
    _base_env,
    _drop_keys,
    _free_port,
    quiesce,
    start_server,
    stop_server,
    update_json,
    wait_healthy,
)

TARGET_MS = 100.0


class FloodSink(Sink):
    """The sink, also counting the messages to the flooders' chats."""

    def __init__(self) -> None:
        super().__init__()
        self.watched: dict[int, int] = {}

    def answer(self, path: str, body: bytes, now: float) -> bytes:
        if path.endswith("/sendMessage") and self.watched:
            chat = int(json.loads(body).get("chat_id", 0)) if body[:1] == b"{" else 0
            if chat in self.watched:
                self.watched[chat] += 1
        return super().answer(path, body, now)


def tap_json(chat: int, data: str) -> bytes:
    """A tap on an inline button of the bot's last message, as Telegram posts it."""
    person = {"id": chat, "is_bot": False, "first_name": "Dân", "language_code": "vi"}
    bot = {"id": int(TOKEN.split(":", 1)[0]), "is_bot": True, "first_name": "Bench"}
    message = {
        "message_id": next(_MESSAGE_IDS),
        "from": bot,
        "chat": {"id": chat, "type": "private", "first_name": "Dân"},
        "date": int(time.time()),
        "text": "…",
    }
    query = {
        "id": str(next(_QUERY_IDS)),
        "from": person,
        "message": message,
        "chat_instance": str(chat),
        "data": data,
    }
    update = {"update_id": next(_UPDATE_IDS), "callback_query": query}
    return json.dumps(update, ensure_ascii=False, separators=(",", ":")).encode()


_QUERY_IDS = itertools.count(7_000_000_000_000_000_001)


async def other(
    driver: Driver, chat: int, tap: bool, tally: Tally, due: float, answered: dict[float, float]
) -> None:
    """Another resident: a first "xin chào" (the greeting first), or a tap on the emergency
    button (the numbers); done at the first sendMessage to their chat."""
    body = tap_json(chat, "nav:emergency") if tap else update_json(chat, "xin chào")
    waiter = driver.sink.expect(chat)
    status = await _post(driver, body)
    answered[due] = time.perf_counter() - due
    if status != 200:
        driver.sink.forget(chat)
        tally.statuses[status] = tally.statuses.get(status, 0) + 1
        return
    try:
        arrived, _expected = await asyncio.wait_for(waiter, driver.timeout)
    except TimeoutError:
        driver.sink.forget(chat)
        tally.timeouts += 1
        return
    tally.latencies.append(arrived - due)
    tally.lags.append(due)  # when it was due: the slowest are reported with it


async def _post(driver: Driver, body: bytes) -> int:
    data = driver.head + b"content-length: %d\r\n\r\n" % len(body) + body
    conn = await driver.pool.acquire()
    try:
        status, answer, at = await conn.request(data)
    except ConnectionError:
        return 0
    finally:
        driver.pool.release(conn)
    if status == 200 and answer[:1] == b"{":  # the reply, in the webhook's answer
        driver.sink.answered(answer, at)
    return status


async def post_only(driver: Driver, chat: int, text: str, due: float, answered: list[float]) -> int:
    """One update, as Telegram posts it; the time from `due` until the webhook answered."""
    body = update_json(chat, text)
    data = driver.head + b"content-length: %d\r\n\r\n" % len(body) + body
    conn = await driver.pool.acquire()
    try:
        status, answer, at = await conn.request(data)
    except ConnectionError:
        status, answer, at = 0, b"", 0.0
    finally:
        driver.pool.release(conn)
    if status == 200 and answer[:1] == b"{":  # the reply, in the webhook's answer
        driver.sink.answered(answer, at)
    answered.append(time.perf_counter() - due)
    return status


def _ms(values: list[float], p: float) -> float:
    return round(percentile(sorted(values), p) * 1000, 1) if values else float("nan")


async def phase(
    driver: Driver,
    chats: itertools.count[int],
    flooder: int | None,
    args: argparse.Namespace,
    rng: random.Random,
) -> dict[str, Any]:
    """The others at `others_rate`/s for `seconds`; with `flooder`, the flood meanwhile."""
    sink = driver.sink
    tally = Tally()
    answered: dict[float, float] = {}  # an other's due time → when its webhook answered
    flood_answers: list[float] = []
    flood_status: dict[int, int] = {}
    ticks0 = cpu_ticks()
    if flooder is not None:
        sink.watched[flooder] = 0
    start = time.perf_counter() + 0.05
    tasks: set[asyncio.Task[Any]] = set()

    def spawn(coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    async def flood(chat: int) -> None:
        gap = args.flood_seconds / args.flood
        for n in range(args.flood):
            due = start + n * gap
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)

            async def one(n: int = n, due: float = due) -> None:
                status = await post_only(driver, chat, f"tin nhắn thứ {n}", due, flood_answers)
                flood_status[status] = flood_status.get(status, 0) + 1

            spawn(one())

    if flooder is not None:
        spawn(flood(flooder))
    sent = 0
    due = start + rng.expovariate(args.others_rate)
    while due < start + args.seconds:
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        spawn(other(driver, next(chats), sent % 2 == 1, tally, due, answered))
        sent += 1
        due += rng.expovariate(args.others_rate)
    while tasks:
        await asyncio.gather(*list(tasks))
    await quiesce(sink, quiet=2.0, limit=120.0)
    lat = tally.latencies
    out: dict[str, Any] = {
        "flood": flooder is not None,
        "others": sent,
        "p50_ms": _ms(lat, 50),
        "p95_ms": _ms(lat, 95),
        "p99_ms": _ms(lat, 99),
        "max_ms": _ms(lat, 100),
        "latencies_ms": [round(x * 1000, 2) for x in lat],
        # The five slowest: seconds into the phase they were due, their latency, and how
        # long their webhook took to answer (the rest is the wait for the send).
        "slowest": sorted(
            (
                (round(d - start, 2), round(x * 1000, 1), round(answered[d] * 1000, 1))
                for d, x in zip(tally.lags, lat, strict=True)
            ),
            key=lambda p: -p[1],
        )[:5],
        "errors": tally.errors,
        "non_200": dict(tally.statuses),
        "timeouts": tally.timeouts,
        "host_cpu_busy_pct": busy_percent(ticks0, cpu_ticks()),
    }
    if flooder is not None:
        out |= {
            "flood_updates": args.flood,
            "flood_webhook_p50_ms": _ms(flood_answers, 50),
            "flood_webhook_p99_ms": _ms(flood_answers, 99),
            "flood_webhook_max_ms": _ms(flood_answers, 100),
            "flood_statuses": flood_status,
            "messages_to_flooder": sink.watched.pop(flooder),
        }
    return out


async def measure(args: argparse.Namespace, env: dict[str, str], workdir: Path) -> dict[str, Any]:
    sink = FloodSink()
    await sink.start()
    secret = secrets.token_urlsafe(24)
    env = dict(env)
    env.update(
        BINHYEN_TELEGRAM_TOKEN=TOKEN,
        BINHYEN_TELEGRAM_API_BASE=sink.api_base,
        BINHYEN_TELEGRAM_WEBHOOK_SECRET=secret,
        BINHYEN_PUBLIC_URL="https://bench.invalid",
        BINHYEN_TELEGRAM_RATE=str(args.telegram_rate),
        BINHYEN_MEDIA_DIR=str(workdir / "media"),
    )
    if args.per_minute is not None:
        env["BINHYEN_INBOUND_PER_MINUTE"] = str(args.per_minute)
    if args.burst is not None:
        env["BINHYEN_INBOUND_BURST"] = str(args.burst)
    port = _free_port()
    log = workdir / "server.log"
    proc = start_server("binhyen", port, env, args.server_cpu, log)
    driver = Driver([port], secret, sink, args.timeout, args.max_connections)
    chats = itertools.count(2_000_000_000)
    flooders = itertools.count(1_900_000_000)
    out: dict[str, Any] = {"rounds": []}
    try:
        out["startup_s"] = round(await wait_healthy(driver, proc, log), 2)
        warm = Tally()
        await asyncio.gather(*(driver.send(next(chats), "xin chào", warm) for _ in range(100)))
        await quiesce(sink, quiet=2.0)
        for n in range(args.rounds):
            pair: dict[str, Any] = {}
            order = ("quiet", "flood") if n % 2 == 0 else ("flood", "quiet")
            for name in order:
                if args.wait_quiet:
                    await asyncio.to_thread(wait_for_quiet, args.wait_quiet)
                flooder = next(flooders) if name == "flood" else None
                # Both phases of a round see the same arrivals: what differs is the flood.
                rng = random.Random(args.seed + n)
                pair[name] = await phase(driver, chats, flooder, args, rng)
            pair["p99_moved_ms"] = round(pair["flood"]["p99_ms"] - pair["quiet"]["p99_ms"], 1)
            out["rounds"].append(pair)
            _say(args, f"round {n + 1}: {_line(pair)}")
    except BaseException:
        with contextlib.suppress(OSError):
            print(f"server log:\n{log.read_text()[-4000:]}", file=sys.stderr)
        raise
    finally:
        driver.pool.close()
        await asyncio.to_thread(stop_server, proc)
        await sink.stop()
    return out


def run_sqlite(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    env = _base_env()
    env["BINHYEN_DATABASE_URL"] = f"sqlite+aiosqlite:///{workdir / 'flood.db'}"
    return asyncio.run(measure(args, env, workdir))


def run_pg(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    from storage import migrate

    dbname = f"binhyen_bench_flood_{secrets.token_hex(4)}"
    prefix = f"binhyen-bench:{secrets.token_hex(4)}:"
    url = f"{PG_BASE}/{dbname}"
    asyncio.run(pg_admin(f'CREATE DATABASE "{dbname}"'))
    try:
        migrate.upgrade(url)
        env = _base_env()
        env.update(
            BINHYEN_DATABASE_URL=url, BINHYEN_REDIS_URL=REDIS_URL, BINHYEN_REDIS_PREFIX=prefix
        )
        return asyncio.run(measure(args, env, workdir))
    finally:
        try:
            asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
        finally:
            asyncio.run(_drop_keys(prefix))


def _say(args: argparse.Namespace, message: str) -> None:
    if not args.json:
        print(message, file=sys.stderr, flush=True)


def _line(pair: dict[str, Any]) -> str:
    q, f = pair["quiet"], pair["flood"]
    return (
        f"others p50/p99/max quiet {q['p50_ms']}/{q['p99_ms']}/{q['max_ms']} ms, flood "
        f"{f['p50_ms']}/{f['p99_ms']}/{f['max_ms']} ms (p99 moved {pair['p99_moved_ms']} ms); "
        f"flooder's webhook p99 {f['flood_webhook_p99_ms']} ms, {f['messages_to_flooder']} "
        f"messages to him; errors {q['errors']}+{f['errors']}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "pg"), default="sqlite")
    parser.add_argument("--rounds", type=int, default=3, help="quiet + flood pairs")
    parser.add_argument("--others-rate", type=float, default=10.0, help="other updates/s")
    parser.add_argument("--seconds", type=float, default=12.0, help="per phase")
    parser.add_argument("--flood", type=int, default=300, help="the flooder's messages")
    parser.add_argument("--flood-seconds", type=float, default=10.0)
    parser.add_argument("--max-connections", type=int, default=40)
    parser.add_argument(
        "--telegram-rate", type=float, default=100_000.0, help="30: Telegram's own budget"
    )
    parser.add_argument("--per-minute", type=float, default=None, help="inbound limit")
    parser.add_argument("--burst", type=int, default=None, help="inbound limit's burst")
    parser.add_argument("--timeout", type=float, default=60.0, help="wait for a reply, s")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--server-cpu", type=int, default=0, help="-1: do not pin")
    parser.add_argument("--client-cpu", type=int, default=1, help="-1: do not pin")
    parser.add_argument("--wait-quiet", type=float, default=0.0, help="before each phase")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    args.rounds = max(1, min(args.rounds, 10))
    ncpu = os.cpu_count() or 1
    if ncpu < 2 or args.server_cpu < 0:
        args.server_cpu = None
    client_cpus = pin(None if ncpu < 2 or args.client_cpu < 0 else args.client_cpu)
    info = machine()
    _say(
        args,
        f"bench_flood: {info['cpu']} ({info['nproc']} CPUs), {args.backend}, others "
        f"{args.others_rate:g}/s for {args.seconds:g} s per phase, flood {args.flood} in "
        f"{args.flood_seconds:g} s, {args.max_connections} connections, Telegram budget "
        f"{args.telegram_rate:g}/s, {args.rounds} round(s)",
    )
    runner = run_pg if args.backend == "pg" else run_sqlite
    with tempfile.TemporaryDirectory(prefix="binhyen-bench-flood-") as tmp:
        result = runner(args, Path(tmp))
    rounds = result["rounds"]
    pooled: dict[str, Any] = {}
    for name in ("quiet", "flood"):
        lat = sorted(x / 1000 for r in rounds for x in r[name].pop("latencies_ms"))
        pooled[name] = {
            "others": len(lat),
            **{f"p{p}_ms": _ms(lat, p) for p in (50, 95, 99)},
            "max_ms": _ms(lat, 100),
        }
    moved = round(pooled["flood"]["p99_ms"] - pooled["quiet"]["p99_ms"], 1)
    errors = sum(r["quiet"]["errors"] + r["flood"]["errors"] for r in rounds)
    import bot

    out = {
        "benchmark": "flood",
        "machine": info,
        "code": str(Path(bot.__file__).resolve().parents[1]),
        "client_cpus": sorted(client_cpus),
        "settings": {k: v for k, v in vars(args).items() if k not in ("json",)},
        **result,
        "all_rounds": pooled,
        "p99_moved_ms": moved,
        "p99_moved_ms_per_round": [r["p99_moved_ms"] for r in rounds],
        "target": {"p99_moved_ms_below": TARGET_MS, "met": moved < TARGET_MS and errors == 0},
    }
    emit(out, args.json)
    if not args.json:
        verdict = "met" if out["target"]["met"] else "NOT met"
        q, f = pooled["quiet"], pooled["flood"]
        print(
            f"all rounds, others' p50/p95/p99/max: quiet {q['p50_ms']}/{q['p95_ms']}/"
            f"{q['p99_ms']}/{q['max_ms']} ms ({q['others']} updates), flood {f['p50_ms']}/"
            f"{f['p95_ms']}/{f['p99_ms']}/{f['max_ms']} ms ({f['others']})\n"
            f"others' p99 moved by the flood: {moved} ms (target < {TARGET_MS:.0f} ms: "
            f"{verdict}); errors {errors}"
        )
    return 0 if out["target"]["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
