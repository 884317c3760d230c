"""Messages per second through the conversation core (`Dispatcher.dispatch`) on one core.

Two backends:

* ``memory``: in-process state, claims and locks, SQLite (aiosqlite) in a temp file;
* ``pg``: PostgreSQL (a database of our own on 127.0.0.1:5432, dropped afterwards) with
  Redis turns (lock, claim and state in two scripts; 127.0.0.1:6379, a unique key prefix,
  deleted afterwards).

Both are built by `bot.runtime.build` (the code path of `binhyen serve`); for ``pg`` the
Redis keys live under a private prefix (BINHYEN_REDIS_PREFIX).

Per run: N residents are onboarded (/start, lang:vi, "ha noi", "phuong ba dinh"; not timed), a
short warm-up runs (not timed), then M messages of a seeded, realistic menu-navigation mix
are sent with C chats in flight at once and every dispatch is timed. The process (and
every thread it starts: aiosqlite runs SQLite in one) is pinned to one core.

    .venv/bin/python bench/bench_core.py                 # both backends, 3 runs each
    .venv/bin/python bench/bench_core.py --backend pg --loop uvloop --json
    .venv/bin/python bench/bench_core.py --backend memory --runs 1 --profile /tmp/core.prof
    .venv/bin/python bench/bench_core.py --backend phone   # only the phone-number case

Every run also times `content.phones.parse`, the one reading of a phone number that the tip
form, the scam check and the indicator store share: mean µs per number over a seeded mix of
the ways residents write numbers (mobile, landline, 1900, foreign, bad input), target < 50 µs.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import itertools
import pstats
import random
import secrets
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import (
    busy_percent,
    cpu_ticks,
    emit,
    machine,
    median,
    percentile,
    pin,
    wait_quiet,
)
from sqlalchemy import event as sa_event

from bot.dispatcher import Dispatcher
from content import phones
from content.i18n import translate
from handlers.model import InboundEvent, Kind, RenderedReply
from storage import migrate

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
PG_BASE = "postgresql+asyncpg://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/0"
TARGETS = {"memory": 1500.0, "pg": 500.0}
DEFAULT_MESSAGES = {"memory": 10_000, "pg": 5_000}
LABELS = {
    "memory": "SQLite + in-process state",
    "pg": "PostgreSQL + Redis",
}
PHONE_TARGET_US = 50.0
PHONE_NUMBERS = 20_000  # numbers parsed per run
FREE_TEXT = (
    "tôi muốn hỏi về lừa đảo qua điện thoại",
    "có người gọi tự xưng công an",
    "cho tôi hỏi chút",
)


# --- a resident, as an adapter would drive it -------------------------------------------------


_EVENT_IDS = itertools.count()


@dataclass
class Resident:
    user: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    choices: list[tuple[str, str]] = field(default_factory=list)

    def event(self, kind: Kind, **values: Any) -> InboundEvent:
        return InboundEvent(
            channel="bench",
            account="acc",
            chat_id=self.user,
            user_id=self.user,
            event_id=f"bench-{next(_EVENT_IDS)}",  # unique per process, cheap
            kind=kind,
            **values,
        )

    def text(self, text: str) -> InboundEvent:
        if text.startswith("/"):
            command, _, payload = text[1:].partition(" ")
            return self.event(Kind.COMMAND, command=command, payload=payload)
        return self.event(Kind.TEXT, text=text)

    def pick(self, choice_id: str) -> InboundEvent:
        return self.event(Kind.CHOICE, choice=choice_id)

    def seen(self, replies: list[RenderedReply] | None) -> None:
        if not replies:
            return
        offered = next((r.choices for r in reversed(replies) if r.choices), ())
        self.choices = [(c.id, c.label) for c in offered]

    @property
    def ids(self) -> list[str]:
        return [cid for cid, _ in self.choices]


def next_event(res: Resident, rng: random.Random) -> tuple[str, InboundEvent]:
    """One message of the mix, chosen from what the resident was last offered."""
    ids = res.ids
    if not ids:
        return "menu-text", res.text("menu")
    if any(i.startswith("province:") for i in ids) and rng.random() < 0.6:
        return "area-text", res.text("ha noi")
    if "area:province" in ids and rng.random() < 0.6:
        return "area-text", res.text("phuong ba dinh")
    r = rng.random()
    if r < 0.38:
        return "pick", res.pick(rng.choice(ids))
    if r < 0.58:
        return "type-number", res.text(str(rng.randrange(len(ids)) + 1))
    if r < 0.65:
        return "type-label", res.text(rng.choice(res.choices)[1])
    if r < 0.73:
        return "menu-text", res.text(rng.choice(("menu", "Menu chính", "về menu")))
    if r < 0.78:
        return "command", res.text(rng.choice(("/menu", "/help", "/start")))
    if r < 0.84:
        return "emergency", res.text(rng.choice(("/sos", "khẩn cấp", "113")))
    if r < 0.93:
        # open settings from the menu, or go back to the menu first
        if "menu:settings" in ids:
            return "settings", res.pick("menu:settings")
        return "back-to-menu", res.pick("nav:menu")
    if r < 0.97:
        return "free-text", res.text(rng.choice(FREE_TEXT))
    return "back-to-menu", res.pick("nav:menu")


# --- one phone number, parsed --------------------------------------------------------------------

MOBILE_PREFIXES = ("32", "35", "39", "70", "77", "81", "86", "88", "90", "91", "96", "98")
PHONE_STYLES = (
    "0{a} {b} {c}",
    "0{a}{b}{c}",
    "0{a}.{b}.{c}",
    "+84 {a} {b} {c}",
    "+84 (0) {a} {b} {c}",
    "0084 {a} {b} {c}",
    "84{a}{b}{c}",
)


def written_phone(rng: random.Random) -> str:
    """A number as a resident types it: mostly mobiles, then landlines, 1900, foreign, bad."""
    digits = "".join(rng.choices("0123456789", k=8))
    roll = rng.random()
    if roll < 0.70:
        nsn = rng.choice(MOBILE_PREFIXES) + digits[:7]
        return rng.choice(PHONE_STYLES).format(a=nsn[:3], b=nsn[3:6], c=nsn[6:])
    if roll < 0.82:
        area = rng.choice(("024", "028", "0236"))  # a landline's 10 digits after the 0
        rest = digits[: 11 - len(area)]
        return f"{area} {rest[:4]} {rest[4:]}"
    if roll < 0.88:
        return f"1900 {digits[:4]}"
    if roll < 0.94:
        return rng.choice(("+1 202 555 ", "+44 20 7946 ", "+855 12 345 ")) + digits[:4]
    return rng.choice(("0912 345 67a", "12345", "19.000.000", "0912 345 6789", "abc"))


def bench_phone_parse(runs: int, seed: int) -> dict[str, Any]:
    """Mean µs per `phones.parse` over PHONE_NUMBERS numbers, per run (no I/O, one core)."""
    rng = random.Random(seed)
    numbers = [written_phone(rng) for _ in range(PHONE_NUMBERS)]
    for written in numbers[:1000]:
        phones.parse(written)  # warm-up: the library loads its metadata on first use
    per_run: list[float] = []
    read = 0
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        read = sum(phones.parse(written) is not None for written in numbers)
        per_run.append((time.perf_counter() - started) / len(numbers) * 1e6)
    mean_us = median(per_run)
    return {
        "numbers_per_run": len(numbers),
        "read_as_numbers": read,
        "us_per_parse_runs": [round(us, 2) for us in per_run],
        "mean_us_per_parse": round(mean_us, 2),  # the median run's
        "target_us": PHONE_TARGET_US,
        "met": mean_us < PHONE_TARGET_US,
    }


# --- backends ------------------------------------------------------------------------------------


@dataclass
class Backend:
    dispatcher: Dispatcher
    statements: list[int]
    close: Callable[[], Awaitable[None]]


def _count_statements(engine: Any) -> list[int]:
    counter = [0]

    def on_execute(*_args: object) -> None:
        counter[0] += 1

    sa_event.listen(engine.sync_engine, "before_cursor_execute", on_execute)
    return counter


def _runtime(url: str, media_dir: Path, redis_url: str = "", prefix: str = "binhyen:") -> Any:
    """The process-wide objects exactly as `binhyen serve` builds them."""
    from bot import runtime
    from bot.settings import Settings

    settings = Settings(
        database_url=url, redis_url=redis_url, redis_prefix=prefix, media_dir=str(media_dir)
    )
    return runtime.build(settings)


async def memory_backend(url: str, media_dir: Path) -> Backend:
    rt = _runtime(url, media_dir)
    return Backend(rt.dispatcher, _count_statements(rt.engine), rt.close)


async def pg_backend(url: str, media_dir: Path, prefix: str) -> Backend:
    """As `binhyen serve` with PostgreSQL and Redis, but Redis keys under our own prefix."""
    rt = _runtime(url, media_dir, REDIS_URL, prefix)  # Redis exactly as runtime.build makes it
    redis = rt.redis
    await redis.ping()

    async def close() -> None:
        try:
            await drop_keys(redis, prefix)
        finally:
            await rt.close()

    return Backend(rt.dispatcher, _count_statements(rt.engine), close)


async def drop_keys(redis: Any, prefix: str) -> int:
    keys = [k async for k in redis.scan_iter(match=f"{prefix}*", count=1000)]
    for i in range(0, len(keys), 1000):
        await redis.delete(*keys[i : i + 1000])
    return len(keys)


async def _drop_all_keys(prefix: str) -> int:
    """Last sweep after every run: nothing of ours stays in Redis, whatever happened."""
    from redis.asyncio import Redis

    redis = Redis.from_url(REDIS_URL)
    try:
        return await drop_keys(redis, prefix)
    finally:
        await redis.aclose()


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


# --- one run -------------------------------------------------------------------------------------


async def onboard(dispatcher: Dispatcher, residents: list[Resident], concurrency: int) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def one(res: Resident) -> None:
        async with gate:
            for ev in (
                res.text("/start"),
                res.pick("lang:vi"),
                res.text("ha noi"),
                res.text("phuong ba dinh"),
            ):
                res.seen(await dispatcher.dispatch(ev))
            if "menu:tip" not in res.ids:
                raise RuntimeError(f"onboarding did not reach the menu: {res.ids}")

    await asyncio.gather(*(one(r) for r in residents))


def _latency_stats(latencies: list[float]) -> dict[str, float]:
    latencies.sort()
    return {
        "p50_ms": round(percentile(latencies, 50) * 1000, 2),
        "p95_ms": round(percentile(latencies, 95) * 1000, 2),
        "p99_ms": round(percentile(latencies, 99) * 1000, 2),
        "max_ms": round(latencies[-1] * 1000, 2) if latencies else 0.0,
        "mean_ms": round(sum(latencies) / len(latencies) * 1000, 2) if latencies else 0.0,
    }


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    write_latencies: list[float] = field(default_factory=list)
    mix: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    duplicates: int = 0
    exceptions: dict[str, int] = field(default_factory=dict)


async def _send(
    dispatcher: Dispatcher,
    res: Resident,
    rng: random.Random,
    tally: Tally,
    statements: list[int],
    error_text: str,
    since: float | None = None,
) -> None:
    """One message; its latency runs from `since` (its arrival) or from the dispatch call."""
    kind, ev = next_event(res, rng)
    tally.mix[kind] = tally.mix.get(kind, 0) + 1
    sql0 = statements[0]
    start = time.perf_counter()
    try:
        replies = await dispatcher.dispatch(ev)
    except Exception as exc:
        # dispatch() is meant never to raise; count what escaped it, keep driving.
        name = type(exc).__name__
        tally.exceptions[name] = tally.exceptions.get(name, 0) + 1
        replies = []
    latency = time.perf_counter() - (start if since is None else since)
    tally.latencies.append(latency)
    if statements[0] != sql0:
        # A statement ran while this message was in flight (maybe another chat's): an
        # upper bound on "messages that wrote", good enough to show where the tail is.
        tally.write_latencies.append(latency)
    if replies is None:
        tally.duplicates += 1
    elif any(r.text == error_text for r in replies):
        tally.errors += 1
    res.seen(replies)


def _summary(tally: Tally, wall: float, cpu: float, ticks: dict[str, Any]) -> dict[str, Any]:
    n = len(tally.latencies)
    out: dict[str, Any] = {
        "host_cpu_busy_pct": busy_percent(ticks, cpu_ticks()),
        "messages": n,
        "seconds": round(wall, 3),
        "msg_per_s": round(n / wall, 1) if wall else 0.0,
        "cpu_ms_per_msg": round(cpu / n * 1000, 3) if n else 0.0,
        "cpu_utilisation": round(cpu / wall, 3) if wall else 0.0,
        **_latency_stats(tally.latencies),
        "errors": tally.errors,
        "duplicates": tally.duplicates,
        "exceptions": dict(tally.exceptions),
        "mix": dict(sorted(tally.mix.items())),
    }
    if tally.write_latencies:
        w = _latency_stats(tally.write_latencies)
        out["db_overlap"] = {"messages": len(tally.write_latencies), **w}
    return out


async def drive(
    dispatcher: Dispatcher,
    residents: list[Resident],
    messages: int,
    concurrency: int,
    rng: random.Random,
    deadline: float,
    error_text: str,
    statements: list[int],
) -> dict[str, Any]:
    """Closed loop: `concurrency` chats always in flight until `messages` were sent."""
    idle: asyncio.Queue[Resident] = asyncio.Queue()
    for res in residents:
        idle.put_nowait(res)
    budget = [messages]
    tally = Tally()

    async def worker() -> None:
        while budget[0] > 0 and time.monotonic() < deadline:
            budget[0] -= 1
            res = await idle.get()
            await _send(dispatcher, res, rng, tally, statements, error_text)
            idle.put_nowait(res)
            # Each message reaches a real server as its own network event: hand the loop
            # back, or a chat whose dispatch never awaits I/O would starve the others.
            await asyncio.sleep(0)

    ticks, cpu0, wall0 = cpu_ticks(), time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(min(concurrency, len(residents)))))
    return _summary(tally, time.perf_counter() - wall0, time.process_time() - cpu0, ticks)


async def drive_open(
    dispatcher: Dispatcher,
    residents: list[Resident],
    rate: float,
    seconds: float,
    rng: random.Random,
    error_text: str,
    statements: list[int],
) -> dict[str, Any]:
    """Open loop: Poisson arrivals at `rate`/s for `seconds`, latency from each arrival.

    Measuring from the scheduled arrival (not from when the loop got round to it) keeps
    queueing delay in the numbers. An arrival that finds every resident busy is shed
    and counted.
    """
    idle = list(residents)
    tally = Tally()
    tasks: set[asyncio.Task[None]] = set()
    shed = 0
    arrivals = rng.expovariate(rate)
    limit = int(rate * seconds * 2) + 10

    async def one(res: Resident, arrived: float) -> None:
        try:
            await _send(dispatcher, res, rng, tally, statements, error_text, since=arrived)
        finally:
            idle.append(res)

    ticks, cpu0, wall0 = cpu_ticks(), time.process_time(), time.perf_counter()
    sent = 0
    while arrivals < seconds and sent < limit:
        now = time.perf_counter() - wall0
        if arrivals > now:
            await asyncio.sleep(arrivals - now)
            continue
        sent += 1
        if idle:
            res = idle.pop(rng.randrange(len(idle)))
            task = asyncio.create_task(one(res, wall0 + arrivals))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        else:
            shed += 1
        arrivals += rng.expovariate(rate)
    if tasks:
        await asyncio.gather(*tasks)
    out = _summary(tally, time.perf_counter() - wall0, time.process_time() - cpu0, ticks)
    out["offered_msg_per_s"] = rate
    out["shed"] = shed
    return out


async def one_run(
    make: Callable[[], Awaitable[Backend]],
    args: argparse.Namespace,
    seed: int,
    profiler: cProfile.Profile | None = None,
    rate: float = 0.0,
) -> dict[str, Any]:
    backend = await make()
    try:
        residents = [Resident() for _ in range(args.residents)]
        t0 = time.perf_counter()
        await onboard(backend.dispatcher, residents, args.concurrency)
        onboard_s = time.perf_counter() - t0
        error_text = translate("error.internal", "vi")
        rng = random.Random(seed)
        far = time.monotonic() + args.max_seconds
        sql = backend.statements
        await drive(
            backend.dispatcher, residents, args.warmup, args.concurrency, rng, far, error_text, sql
        )
        gc.collect()
        statements0 = sql[0]
        if profiler is not None:
            profiler.enable()
        if rate:
            result = await drive_open(
                backend.dispatcher, residents, rate, args.open_seconds, rng, error_text, sql
            )
        else:
            result = await drive(
                backend.dispatcher,
                residents,
                args.messages,
                args.concurrency,
                rng,
                time.monotonic() + args.max_seconds,
                error_text,
                sql,
            )
        if profiler is not None:
            profiler.disable()
        result["sql_statements_per_msg"] = round(
            (sql[0] - statements0) / max(result["messages"], 1), 3
        )
        result["onboard_s"] = round(onboard_s, 2)
        return result
    finally:
        await backend.close()


def _set_loop(name: str) -> None:
    if name == "uvloop":
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    else:
        asyncio.set_event_loop_policy(asyncio.DefaultEventLoopPolicy())


def _line(tag: str, r: dict[str, Any]) -> str:
    extra = f"  shed {r['shed']}" if "shed" in r else ""
    return (
        f"  {tag}: {r['msg_per_s']:8.1f} msg/s  p50 {r['p50_ms']:.2f} ms  "
        f"p95 {r['p95_ms']:.2f} ms  p99 {r['p99_ms']:.2f} ms  max {r['max_ms']:.1f} ms  "
        f"cpu {r['cpu_ms_per_msg']:.3f} ms/msg  sql {r['sql_statements_per_msg']}/msg  "
        f"errors {r['errors']}{extra}  host busy {r['host_cpu_busy_pct']}"
        + (f"  EXCEPTIONS {r['exceptions']}" if r["exceptions"] else "")
    )


def run_backend(name: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Build the schema (outside any loop: migrate.upgrade calls asyncio.run), then run."""
    dbname = ""
    if name == "memory":
        url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"

        async def make() -> Backend:
            return await memory_backend(url, workdir / "media")
    else:
        dbname = f"binhyen_bench_{secrets.token_hex(4)}"
        prefix = f"binhyen-bench:{secrets.token_hex(4)}:"
        asyncio.run(_pg_admin(f'CREATE DATABASE "{dbname}"'))
        url = f"{PG_BASE}/{dbname}"

        async def make() -> Backend:
            return await pg_backend(url, workdir / "media", prefix)

    run_args = argparse.Namespace(**vars(args))
    run_args.messages = args.messages or DEFAULT_MESSAGES[name]
    runs: list[dict[str, Any]] = []
    open_loop: dict[str, Any] | None = None
    profile_path = ""
    try:
        migrate.upgrade(url)
        _set_loop(args.loop)
        for i in range(args.runs):
            before = wait_quiet(args.wait_quiet) if args.wait_quiet else None
            result = asyncio.run(one_run(make, run_args, args.seed + i))
            result["host_before"] = before
            runs.append(result)
            if not args.json:
                print(_line(f"{name} closed run {i + 1}", result), file=sys.stderr, flush=True)
        rate = args.open_rate if args.open_rate >= 0 else TARGETS[name]
        if rate > 0:
            if args.wait_quiet:
                wait_quiet(args.wait_quiet)
            open_loop = asyncio.run(one_run(make, run_args, args.seed + 50, rate=rate))
            if not args.json:
                print(_line(f"{name} open @{rate:.0f}/s", open_loop), file=sys.stderr, flush=True)
        if args.profile:
            profiler = cProfile.Profile()
            asyncio.run(one_run(make, run_args, args.seed + 100, profiler))
            profile_path = f"{args.profile}.{name}"
            profiler.dump_stats(profile_path)
    finally:
        _set_loop("asyncio")
        if dbname:
            asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
            asyncio.run(_drop_all_keys(prefix))
    rates = [r["msg_per_s"] for r in runs]
    summary: dict[str, Any] = {
        "backend": name,
        "label": LABELS[name],
        "target_msg_per_s": TARGETS[name],
        "messages_per_run": run_args.messages,
        "median_msg_per_s": round(median(rates), 1),
        "min_msg_per_s": min(rates),
        "max_msg_per_s": max(rates),
        "median_p50_ms": round(median([r["p50_ms"] for r in runs]), 2),
        "median_p95_ms": round(median([r["p95_ms"] for r in runs]), 2),
        "median_p99_ms": round(median([r["p99_ms"] for r in runs]), 2),
        "median_cpu_ms_per_msg": round(median([r["cpu_ms_per_msg"] for r in runs]), 3),
        "errors": sum(r["errors"] for r in runs),
        "exceptions": sum(sum(r["exceptions"].values()) for r in runs),
        "met": median(rates) >= TARGETS[name],
        "runs": runs,
        "open_loop": open_loop,
    }
    if profile_path:
        summary["profile"] = profile_path
    return summary


def print_profile(path: str, limit: int) -> None:
    stats = pstats.Stats(path, stream=sys.stderr)
    stats.strip_dirs().sort_stats("tottime").print_stats(limit)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--backend", choices=["memory", "pg", "phone", "all"], default="all")
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50, help="chats in flight")
    parser.add_argument(
        "--messages", type=int, default=0, help="timed messages per run (memory 10000, pg 5000)"
    )
    parser.add_argument("--warmup", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cpu", type=int, default=0, help="core to pin to (-1: do not pin)")
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    parser.add_argument("--max-seconds", type=float, default=30.0, help="cap per timed phase")
    parser.add_argument(
        "--open-rate",
        type=float,
        default=-1,
        help="offered msg/s of the extra open-loop run (default: the target; 0: skip)",
    )
    parser.add_argument("--open-seconds", type=float, default=5.0)
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0.0,
        help="before each run wait up to S seconds for every CPU to be under 20%% busy",
    )
    parser.add_argument("--profile", default="", help="cProfile one more run into PATH.<backend>")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    args.messages = max(0, min(args.messages, 200_000))
    args.runs = max(1, min(args.runs, 10))
    args.max_seconds = max(1.0, min(args.max_seconds, 60.0))
    args.open_seconds = max(1.0, min(args.open_seconds, 30.0))
    args.open_rate = min(args.open_rate, 20_000.0)
    args.wait_quiet = max(0.0, min(args.wait_quiet, 600.0))

    cpus = pin(None if args.cpu < 0 else args.cpu)
    backends = {"all": ["memory", "pg"], "phone": []}.get(args.backend, [args.backend])
    info = machine()
    if not args.json:
        print(
            f"bench_core: {info['cpu']} ({info['nproc']} CPUs), Python {info['python']}, "
            f"pinned to {sorted(cpus)}, loop {args.loop}, {args.residents} residents, "
            f"{args.concurrency} in flight, {args.runs} runs",
            file=sys.stderr,
        )
    phone_parse = bench_phone_parse(args.runs, args.seed)
    results = []
    with tempfile.TemporaryDirectory(prefix="binhyen-bench-") as tmp:
        for name in backends:
            results.append(run_backend(name, args, Path(tmp)))
    out = {
        "benchmark": "core",
        "machine": info,
        "pinned_cpus": sorted(cpus),
        "loop": args.loop,
        "residents": args.residents,
        "concurrency": args.concurrency,
        "results": results,
        "phone_parse": phone_parse,
    }
    if args.json:
        emit(out, True)
    else:
        print(
            f"\n{'backend':27} {'msg/s med':>9} {'(min-max)':>15} {'target':>6} "
            f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>8}  met"
        )
        for r in results:
            spread = f"({r['min_msg_per_s']:.0f}-{r['max_msg_per_s']:.0f})"
            print(
                f"{r['label']:27} {r['median_msg_per_s']:9.1f} {spread:>15} "
                f"{r['target_msg_per_s']:6.0f} {r['median_p50_ms']:7.2f} "
                f"{r['median_p95_ms']:7.2f} {r['median_p99_ms']:8.2f}  "
                f"{'yes' if r['met'] else 'NO'}"
            )
        for r in results:
            o = r["open_loop"]
            if o:
                print(
                    f"{r['label']:27} open loop at {o['offered_msg_per_s']:.0f} msg/s: "
                    f"p50 {o['p50_ms']:.2f} ms, p95 {o['p95_ms']:.2f} ms, "
                    f"p99 {o['p99_ms']:.2f} ms, shed {o['shed']}, "
                    f"errors {o['errors']}, exceptions {o['exceptions'] or 0}"
                )
        print(
            f"phone number parse (content.phones.parse): {phone_parse['mean_us_per_parse']} "
            f"µs/number on average, median of {args.runs} runs of "
            f"{phone_parse['numbers_per_run']:,} "
            f"(target < {PHONE_TARGET_US:.0f} µs): {'yes' if phone_parse['met'] else 'NO'}"
        )
    for r in results:
        if r.get("profile"):
            print_profile(r["profile"], 35)
    ok = phone_parse["met"] and all(
        r["met"] and not r["errors"] and not r["exceptions"] for r in results
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
