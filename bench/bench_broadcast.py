"""Broadcasts (issue 14) on PostgreSQL.

Part A, ``queue``: queuing a police alert to 100,000 residents. A database of our own
(127.0.0.1:5432, built by the migrations, dropped afterwards) gets N residents of one commune
subscribed to its alerts, inserted by three INSERT ... SELECT over generate_series (not
timed); then `handlers.broadcasts.compose.compose` of an officer's alert to that commune is
timed with its commit (the broadcast, its audit entry and the fan-out: one outbox row per
recipient), each run a new broadcast. Target: ≤ 10 s for 100,000.

Part B, ``send``: the app's outbox worker (in this process, `app.state.outbox`, the loop
of `binhyen worker`) sends a broadcast to R residents on Telegram (PostgreSQL + Redis, the
real rate limits: 30/s per bot, a broadcast's copy leaving BROADCAST_HEADROOM slots) against
the fake Bot API of tests/fakes enforcing 30 messages in any 1-second window (429 beyond),
while 20 residents onboarded through the webhook each send /start every 2-6 s (random). It
reports the copies/s and all messages/s between the 10th and 90th percentile of the copies'
arrival times at the fake (the steady state), the 429s, and the chatting residents' reply
latency (their update posted → the reply accepted by the fake), p50/p95. Targets: ≥ 95 % of
30/s, no 429 in steady state, reply p95 ≤ 2 s.

    .venv/bin/python bench/bench_broadcast.py                    # both; ~8 min
    .venv/bin/python bench/bench_broadcast.py --part queue --residents 10000 --runs 1 --json
    .venv/bin/python bench/bench_broadcast.py --part send --recipients 2000
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import secrets
import sys
import time
from pathlib import Path
from typing import Any

from _common import ROOT, emit, machine, median, pg_admin, wait_quiet
from sqlalchemy import func, select, text

from handlers.broadcasts.compose import Draft, compose
from handlers.people import AdminRole, Identity
from storage import migrate
from storage.broadcasts import SqlBroadcastStore
from storage.db import make_engine, make_sessions
from storage.models import AdminUser, OutboxMessage

PG_BASE = "postgresql+asyncpg://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/0"
COMMUNE, PROVINCE = "00004", "01"  # Phường Ba Đình, Hà Nội
TARGET_SECONDS = 10.0
ALERT = "Cảnh báo: có đối tượng giả danh công an gọi điện yêu cầu chuyển tiền. Không làm theo!"

# Residents of the commune, each subscribed to its alerts and reachable on Telegram (the
# identities are there for part B; the fan-out does not read them).
SEED_SQL = (
    """
    INSERT INTO residents (id, lang, province_code, commune_code, consent_version, consent_at)
    SELECT md5('r' || n)::uuid::text, 'vi', :province, :commune, '1', now()
    FROM generate_series(1, :n) AS n
    """,
    """
    INSERT INTO subscriptions (resident_id, kind, commune_code, since)
    SELECT md5('r' || n)::uuid::text, 'alerts', :commune, now() - interval '1 day'
    FROM generate_series(1, :n) AS n
    """,
    """
    INSERT INTO channel_identities (channel, account, platform_user_id, resident_id)
    SELECT 'telegram', :account, (700000000 + n)::text, md5('r' || n)::uuid::text
    FROM generate_series(1, :n) AS n
    """,
)


async def seed(url: str, residents: int, account: str = "bench") -> float:
    """Insert the residents; seconds it took."""
    engine = make_engine(url)
    started = time.perf_counter()
    try:
        async with engine.begin() as conn:
            values = {"n": residents, "commune": COMMUNE, "province": PROVINCE, "account": account}
            for sql in SEED_SQL:
                await conn.execute(text(sql), values)
        async with engine.begin() as conn:
            await conn.execute(text("ANALYZE"))
    finally:
        await engine.dispose()
    return time.perf_counter() - started


async def officer(url: str) -> Identity:
    engine = make_engine(url)
    try:
        async with make_sessions(engine)() as session:
            row = AdminUser(
                username=f"bench{secrets.token_hex(3)}",
                password_hash="-",
                role=AdminRole.OFFICER,
                commune_code=COMMUNE,
                province_code=PROVINCE,
            )
            session.add(row)
            await session.commit()
            return Identity(row.id, row.username, AdminRole.OFFICER, COMMUNE, PROVINCE)
    finally:
        await engine.dispose()


async def queue_once(url: str, sender: Identity) -> dict[str, Any]:
    """One broadcast composed and committed, timed; the rows it queued."""
    engine = make_engine(url)
    try:
        sessions = make_sessions(engine)
        async with sessions() as session:  # the pool's first connection, not timed
            await session.execute(select(1))
        started = time.perf_counter()
        async with sessions() as session:
            made = await compose(SqlBroadcastStore(session), sender, Draft(text=ALERT))
            await session.commit()
        seconds = time.perf_counter() - started
        async with sessions() as session:
            rows = await session.scalar(
                select(func.count()).where(OutboxMessage.broadcast_id == made.id)
            )
    finally:
        await engine.dispose()
    return {"seconds": round(seconds, 3), "rows": int(rows or 0), "recipients": made.recipients}


def part_queue(args: argparse.Namespace) -> dict[str, Any]:
    dbname = f"binhyen_bench_{secrets.token_hex(4)}"
    asyncio.run(pg_admin(f'CREATE DATABASE "{dbname}"'))
    url = f"{PG_BASE}/{dbname}"
    try:
        migrate.upgrade(url)
        seeded = asyncio.run(seed(url, args.residents))
        sender = asyncio.run(officer(url))
        runs = []
        for i in range(args.runs):
            host = wait_quiet(args.wait_quiet) if args.wait_quiet else None
            run = asyncio.run(queue_once(url, sender))
            run["host_before"] = host
            runs.append(run)
            if not args.json:
                print(
                    f"queue run {i + 1}: {run['rows']:,} rows in {run['seconds']:.2f} s",
                    file=sys.stderr,
                    flush=True,
                )
    finally:
        asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
    seconds = median([r["seconds"] for r in runs])
    return {
        "part": "queue",
        "residents": args.residents,
        "seed_seconds": round(seeded, 2),
        "median_seconds": round(seconds, 3),
        "rows_per_run": [r["rows"] for r in runs],
        "target_seconds": TARGET_SECONDS,
        "met": seconds <= TARGET_SECONDS and all(r["rows"] == args.residents for r in runs),
        "runs": runs,
    }


# --- part B: sending ------------------------------------------------------------------------

RATE = 30
FIRST_CHATTER = 5_551_000
SECRET = "bench-webhook-secret"
HOOK = "/webhooks/telegram"


def _steady(times: list[float]) -> tuple[float, float]:
    """The middle 80 % of sorted arrival times: (start, end)."""
    n = len(times)
    return times[int(n * 0.1)], times[max(int(n * 0.9) - 1, int(n * 0.1))]


class _Watch:
    """One reader of the fake's record for the whole run (20 residents each scanning every
    call every few ms was itself load on the machine): the copies delivered, and each
    chatting resident's next reply."""

    def __init__(self, fake: Any) -> None:
        self.fake = fake
        self.seen = 0
        self.copies: list[Any] = []
        self.waiting: dict[int, asyncio.Future[float]] = {}

    def reply(self, chat: int) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting[chat] = future
        return future

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            new = self.fake.calls_since(self.seen)
            self.seen += len(new)
            for call in new:
                if call.method != "sendMessage" or not call.ok:
                    continue
                chat = int(call.params["chat_id"])
                if chat >= 700_000_000:
                    self.copies.append(call)
                elif chat in self.waiting and not self.waiting[chat].done():
                    self.waiting.pop(chat).set_result(call.at)
            await asyncio.sleep(0.02)


async def _chat(watch: _Watch, hook: Any, chat: int, stop: asyncio.Event, rng: Any) -> list[float]:
    """One resident chatting until `stop`: /start every 2-6 s; each reply's latency (s),
    from the update's post to the reply's arrival at the fake."""
    latencies: list[float] = []
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), rng.uniform(2, 6))
        if stop.is_set():
            break
        replied = watch.reply(chat)
        started = time.monotonic()
        answer = await hook.post(HOOK, json=watch.fake.updates.command(chat, "/start"))
        assert answer.status_code == 200, answer.text
        watch.fake.answered(answer.content)  # a reply may go in the webhook's answer
        try:
            latencies.append(await asyncio.wait_for(replied, 30) - started)
        except TimeoutError:
            latencies.append(30.0)
    return latencies


async def send_run(url: str, prefix: str, recipients: int, workdir: Path) -> dict[str, Any]:
    import random

    import httpx

    from bot.settings import Settings

    if str(ROOT) not in sys.path:  # the fake Bot API and the webhook resident of the tests
        sys.path.insert(0, str(ROOT))
    from tests.e2e import test_telegram as tg
    from tests.e2e.channels import running_app
    from tests.fakes.telegram_api import FakeTelegram, require_spec

    rng = random.Random(1)
    with FakeTelegram(spec=require_spec()) as fake:
        await seed(url, recipients, fake.token.split(":", 1)[0])
        sender = await officer(url)
        settings = Settings(
            database_url=url,
            redis_url=REDIS_URL,
            redis_prefix=prefix,
            media_dir=str(workdir / "media"),
            public_url="https://binhyen.example",
            telegram_token=fake.token,
            telegram_api_base=fake.api_base,
            telegram_webhook_secret=SECRET,
            outbox_worker=False,
        )
        async with running_app(settings) as app:
            transport = httpx.ASGITransport(app=app)
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            async with httpx.AsyncClient(
                transport=transport, base_url="http://testserver", headers=headers
            ) as hook:
                chatters = [FIRST_CHATTER + i for i in range(20)]
                for chat in chatters:
                    await tg.Resident(app, hook, fake, chat).onboard()
                await asyncio.sleep(1.5)  # the onboarding's burst out of the buckets
                fake.clear()
                fake.enforce_rate(RATE)
                engine = make_engine(url)
                async with make_sessions(engine)() as session:
                    await compose(SqlBroadcastStore(session), sender, Draft(text=ALERT))
                    await session.commit()
                await engine.dispose()
                stop, done = asyncio.Event(), asyncio.Event()
                watch = _Watch(fake)
                watching = asyncio.create_task(watch.run(done))
                chats = [asyncio.create_task(_chat(watch, hook, c, stop, rng)) for c in chatters]
                worker = app.state.outbox
                started = time.monotonic()
                worker.start()
                while len(watch.copies) < recipients and time.monotonic() - started < 3_600:
                    await asyncio.sleep(0.2)
                stop.set()
                latencies = sorted(x for t in await asyncio.gather(*chats) for x in t)
                done.set()
                await watching
                copies = watch.copies
                await worker.stop()
    return _send_result(fake, copies, latencies, recipients, time.monotonic() - started)


def _send_result(
    fake: Any, copies: list[Any], latencies: list[float], recipients: int, wall: float
) -> dict[str, Any]:
    from _common import percentile

    times = sorted(c.at for c in copies)
    start, end = _steady(times)
    steady_copies = sum(1 for t in times if start <= t <= end)
    sent = [c.at for c in fake.calls("sendMessage", ok=True)]
    steady_all = sum(1 for t in sent if start <= t <= end)
    limited = [c.at for c in fake.calls() if c.error_code == 429]
    seconds = max(end - start, 1e-9)
    return {
        "recipients": recipients,
        "copies_delivered": len({str(c.params["chat_id"]) for c in copies}),
        "wall_seconds": round(wall, 1),
        "steady_seconds": round(seconds, 1),
        "steady_copies_per_s": round(steady_copies / seconds, 2),
        "steady_all_messages_per_s": round(steady_all / seconds, 2),
        "percent_of_limit": round(100 * steady_all / seconds / RATE, 1),
        "http_429_total": len(limited),
        "http_429_steady": sum(1 for t in limited if start <= t <= end),
        "replies": len(latencies),
        "reply_p50_s": round(percentile(latencies, 50), 3),
        "reply_p95_s": round(percentile(latencies, 95), 3),
        "reply_max_s": round(max(latencies, default=float("nan")), 3),
    }


def part_send(args: argparse.Namespace) -> dict[str, Any]:
    import tempfile

    dbname = f"binhyen_bench_{secrets.token_hex(4)}"
    prefix = f"binhyen-bench:{secrets.token_hex(4)}:"
    asyncio.run(pg_admin(f'CREATE DATABASE "{dbname}"'))
    url = f"{PG_BASE}/{dbname}"
    try:
        migrate.upgrade(url)
        if args.wait_quiet:
            wait_quiet(args.wait_quiet)
        with tempfile.TemporaryDirectory(prefix="binhyen-bench-") as tmp:
            result = asyncio.run(send_run(url, prefix, args.recipients, Path(tmp)))
    finally:
        asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
        asyncio.run(_drop_keys(prefix))
    result["met"] = (
        result["percent_of_limit"] >= 95
        and result["http_429_steady"] == 0
        and result["reply_p95_s"] <= 2.0
        and result["copies_delivered"] == args.recipients
    )
    return result


async def _drop_keys(prefix: str) -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(REDIS_URL)
    try:
        keys = [k async for k in redis.scan_iter(match=f"{prefix}*")]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--part", choices=["queue", "send", "all"], default="all")
    parser.add_argument("--residents", type=int, default=100_000, help="part A")
    parser.add_argument("--recipients", type=int, default=10_000, help="part B")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--wait-quiet", type=float, default=0.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    args.residents = max(1, min(args.residents, 1_000_000))
    args.runs = max(1, min(args.runs, 10))
    args.wait_quiet = max(0.0, min(args.wait_quiet, 600.0))
    args.recipients = max(100, min(args.recipients, 100_000))
    out: dict[str, Any] = {"benchmark": "broadcast", "machine": machine()}
    met = True
    if args.part in ("queue", "all"):
        queued = out["queue"] = part_queue(args)
        met = met and queued["met"]
        if not args.json:
            print(
                f"queue {args.residents:,} residents: median {queued['median_seconds']:.2f} s "
                f"(target ≤ {TARGET_SECONDS:.0f} s) rows {queued['rows_per_run']} "
                f"{'met' if queued['met'] else 'NOT MET'}"
            )
    if args.part in ("send", "all"):
        sent = out["send"] = part_send(args)
        met = met and sent["met"]
        if not args.json:
            print(
                f"send {args.recipients:,}: {sent['steady_all_messages_per_s']:.1f} msg/s in "
                f"steady state ({sent['percent_of_limit']:.1f} % of {RATE}/s; copies "
                f"{sent['steady_copies_per_s']:.1f}/s), 429s {sent['http_429_steady']} steady / "
                f"{sent['http_429_total']} total, replies p50 {sent['reply_p50_s']:.3f} s p95 "
                f"{sent['reply_p95_s']:.3f} s ({sent['replies']}) "
                f"{'met' if sent['met'] else 'NOT MET'}"
            )
    emit(out, args.json)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
