"""Confirmed tips per second on PostgreSQL + Redis with 100 concurrent residents.

Method: a fresh PostgreSQL database built by the migrations and Redis state under its own
key prefix, the dispatcher exactly as `binhyen serve` builds it (bot.runtime.build). N
residents are onboarded and accept the notice (not timed). Then, round after round, every
resident fills a tip up to its review (not timed) and presses "send"; only the
confirmations are timed, each from the dispatch call to its rendered receipt (the tip, its
timeline row and the commit included). Two kinds of round:

- open loop: the N confirmations arrive as a Poisson process at `--rate` per second (the
  target rate); each latency is measured from its scheduled arrival, so a slow server
  cannot hide its queue (no coordinated omission). This gives the p99 of the target.
- burst: all N press "send" at the same instant. Confirmations per second of wall time is
  the capacity; the latencies are N-deep queueing (the last waits for all the others).

Run: .venv/bin/python bench/bench_tips.py [--residents 100] [--rounds 10] [--rate 200] [--json]
Target (issue 3): at least 200 confirmed tips/s, p99 at most 100 ms per confirm.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import emit, machine, median, percentile, pg_admin

from bot.dispatcher import Dispatcher
from handlers.model import InboundEvent, Kind
from storage import migrate

REDIS_URL = "redis://127.0.0.1:6379/0"
TARGET_TPS, TARGET_P99_MS = 200, 100


class Resident:
    def __init__(self, dispatcher: Dispatcher, n: int) -> None:
        self.dispatcher = dispatcher
        self.user = f"bench-{n}-{secrets.token_hex(3)}"

    def event(self, kind: Kind, **values: Any) -> InboundEvent:
        # As a Telegram resident: the turns that write record their replies (bot/owed.py),
        # and the channel settles them once sent (issue 19), both counted here.
        return InboundEvent(
            "telegram", "acc", self.user, self.user, uuid.uuid4().hex, kind, **values
        )

    async def send(self, kind: Kind, **values: Any) -> str:
        replies = await self.dispatcher.dispatch(self.event(kind, **values))
        sent = getattr(self.dispatcher, "sent", None)  # None before issue 19
        if replies and sent is not None:
            await sent(replies)
        return "\n".join(r.text for r in replies or [])

    async def onboard(self) -> None:
        await self.send(Kind.COMMAND, command="start")
        await self.send(Kind.CHOICE, choice="lang:vi")
        await self.send(Kind.TEXT, text="ha noi")
        await self.send(Kind.TEXT, text="phuong ba dinh")
        await self.send(Kind.CHOICE, choice="menu:tip")
        await self.send(Kind.CHOICE, choice="tip:consent_yes")
        await self.send(Kind.CHOICE, choice="nav:menu")

    async def to_review(self, n: int) -> None:
        steps: list[tuple[Kind, dict[str, Any]]] = [
            (Kind.CHOICE, {"choice": "menu:tip"}),
            (Kind.CHOICE, {"choice": "cat:fraud_online"}),
            (Kind.TEXT, {"text": f"Tin nhắn giả ngân hàng yêu cầu bấm link, lần {n}"}),
            (Kind.CHOICE, {"choice": "tip:done"}),
            (Kind.CHOICE, {"choice": "when:today"}),
            (Kind.TEXT, {"text": "Số 12 ngõ 5 phố Đội Cấn"}),
            (Kind.CHOICE, {"choice": "tip:media_done"}),
            (Kind.CHOICE, {"choice": "tip:details_no"}),
            (Kind.CHOICE, {"choice": "id:named"}),
            (Kind.TEXT, {"text": "Nguyễn Văn An"}),
            (Kind.TEXT, {"text": "0912345678"}),
        ]
        for kind, values in steps:
            text = await self.send(kind, **values)
        if "Gửi tin báo này?" not in text:
            raise RuntimeError(f"did not reach the review: {text[:200]}")

    async def confirm(self, at: float | None = None) -> float:
        """Press "send" at perf_counter() time `at` (now when None); the latency from `at`."""
        if at is not None:
            await asyncio.sleep(max(0.0, at - time.perf_counter()))
        started = time.perf_counter() if at is None else at
        text = await self.send(Kind.CHOICE, choice="tip:confirm")
        elapsed = time.perf_counter() - started
        if "Mã tin báo" not in text:
            raise RuntimeError(f"no receipt: {text[:200]}")
        return elapsed


def _stats(latencies: list[float]) -> dict[str, float]:
    latencies = sorted(latencies)
    return {
        "p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "p95_ms": round(percentile(latencies, 95) * 1000, 1),
        "p99_ms": round(percentile(latencies, 99) * 1000, 1),
        "max_ms": round(latencies[-1] * 1000, 1),
    }


async def run(
    residents: int, rounds: int, rate: float, url: str, media: Path, seed: int
) -> dict[str, Any]:
    from bot import runtime
    from bot.settings import Settings

    prefix = f"binhyen-bench:{secrets.token_hex(4)}:"
    settings = Settings(
        database_url=url,
        redis_url=REDIS_URL,
        redis_prefix=prefix,
        media_dir=str(media),
        max_tips_per_day=10**6,
    )
    rt = runtime.build(settings)
    redis = rt.redis
    people = [Resident(rt.dispatcher, n) for n in range(residents)]
    rng = random.Random(seed)
    open_latencies: list[float] = []
    open_wall = 0.0
    burst_latencies: list[float] = []
    burst_wall = 0.0
    try:
        await asyncio.gather(*(p.onboard() for p in people))
        for n in range(rounds):
            await asyncio.gather(*(p.to_review(n) for p in people))
            # Poisson arrivals at `rate`, in a random order of residents.
            started = time.perf_counter()
            at, arrivals = started, []
            for _ in people:
                at += rng.expovariate(rate)
                arrivals.append(at)
            rng.shuffle(people)
            open_latencies += await asyncio.gather(
                *(p.confirm(t) for p, t in zip(people, arrivals, strict=True))
            )
            open_wall += time.perf_counter() - started
            await asyncio.gather(*(p.to_review(n) for p in people))
            started = time.perf_counter()
            burst_latencies += await asyncio.gather(*(p.confirm() for p in people))
            burst_wall += time.perf_counter() - started
    finally:
        keys = [k async for k in redis.scan_iter(match=f"{prefix}*", count=1000)]
        for i in range(0, len(keys), 1000):
            await redis.delete(*keys[i : i + 1000])
        await rt.close()
    return {
        "open_loop": {
            "offered_per_s": rate,
            "tips": len(open_latencies),
            "tips_per_s": round(len(open_latencies) / open_wall, 1),
            **_stats(open_latencies),
        },
        "burst": {
            "tips": len(burst_latencies),
            "tips_per_s": round(len(burst_latencies) / burst_wall, 1),
            **_stats(burst_latencies),
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--residents", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--rate", type=float, default=TARGET_TPS, help="open-loop tips/s")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.loop == "uvloop":
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    results = []
    for n in range(args.runs):
        name = f"binhyen_bench_tips_{secrets.token_hex(4)}"
        asyncio.run(pg_admin(f'CREATE DATABASE "{name}"'))
        try:
            url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
            migrate.upgrade(url)
            with tempfile.TemporaryDirectory() as media:
                results.append(
                    asyncio.run(
                        run(args.residents, args.rounds, args.rate, url, Path(media), args.seed + n)
                    )
                )
        finally:
            asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    capacity = median([r["burst"]["tips_per_s"] for r in results])
    p99 = median([r["open_loop"]["p99_ms"] for r in results])
    summary = {
        "machine": machine(),
        "loop": args.loop,
        "residents": args.residents,
        "rounds": args.rounds,
        "runs": results,
        "median_capacity_tips_per_s": capacity,
        "median_open_loop_p99_ms": p99,
    }
    ok = capacity >= TARGET_TPS and p99 <= TARGET_P99_MS
    if args.json:
        emit(summary, True)
    else:
        for r in results:
            o, b = r["open_loop"], r["burst"]
            print(
                f"open loop @{o['offered_per_s']:.0f}/s: {o['tips']} tips {o['tips_per_s']} tips/s "
                f"p50 {o['p50_ms']} p95 {o['p95_ms']} p99 {o['p99_ms']} max {o['max_ms']} ms | "
                f"burst of {args.residents}: {b['tips_per_s']} tips/s "
                f"p50 {b['p50_ms']} p99 {b['p99_ms']} ms"
            )
        print(
            f"median: capacity {capacity} tips/s, p99 at {args.rate:.0f}/s {p99} ms "
            f"(target ≥ {TARGET_TPS}/s, p99 ≤ {TARGET_P99_MS} ms): {'met' if ok else 'NOT met'}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
