"""The officers' morning digest (issue 15) queued for 3,000 officers on PostgreSQL.

Method: a database of our own (127.0.0.1:5432, built by the migrations, dropped afterwards)
gets OFFICERS officer accounts spread over 300 real communes (content.areas, ten each), each
with a linked chat (a resident, its Telegram identity, its leader_chats row), and TIPS tips
over those communes in the last 30 days (some urgent, some due today, some overdue), by
INSERT ... SELECT over generate_series, then ANALYZE; none of that is timed. Timed: the
scheduled job of `binhyen worker` (bot/digest_schedule.py) at 07:30 on a Monday: who wants the
digest, the claims of the day's digests, the three grouped counts, one outbox row each, and
the commit. Each run uses the next Monday, so every run queues all of them again.

Run: .venv/bin/python bench/bench_digest.py [--officers 3000] [--tips 200000] [--runs 3]
     [--json] [--wait-quiet 120]
Target (issue 15): queued in under 10 s.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import time
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from _common import emit, machine, median, pg_admin, wait_quiet
from sqlalchemy import func, select, text

from bot.digest_schedule import digests
from content import areas
from storage import migrate
from storage.db import make_engine, make_sessions
from storage.models import OutboxMessage

PG_BASE = "postgresql+asyncpg://postgres@127.0.0.1:5432"
TARGET_SECONDS = 10.0
VN = ZoneInfo("Asia/Ho_Chi_Minh")
FIRST_MONDAY = datetime(2026, 12, 7, 7, 30, tzinfo=VN)

SEED_SQL = (
    # The communes, one row each, numbered from 0.
    "CREATE TEMP TABLE bench_communes (n int PRIMARY KEY, code text, province text)",
    "INSERT INTO bench_communes VALUES (:n, :code, :province)",
    """
    INSERT INTO admin_users (username, password_hash, role, commune_code, province_code,
                             active, created_at, display_name)
    SELECT 'officer' || g.i, '-', CASE WHEN g.i % 10 = 0 THEN 'chief' ELSE 'officer' END,
           c.code, c.province, true, now(), ''
    FROM generate_series(0, :officers - 1) AS g(i)
    JOIN bench_communes c ON c.n = g.i % :communes
    """,
    """
    INSERT INTO residents (id, lang, province_code, commune_code, consent_version, consent_at)
    SELECT md5('o' || u.id)::uuid::text, 'vi', u.province_code, u.commune_code, '1', now()
    FROM admin_users u
    """,
    """
    INSERT INTO channel_identities (channel, account, platform_user_id, resident_id)
    SELECT 'telegram', 'bench', (800000000 + u.id)::text, md5('o' || u.id)::uuid::text
    FROM admin_users u
    """,
    """
    INSERT INTO leader_chats (user_id, resident_id, linked_at)
    SELECT u.id, md5('o' || u.id)::uuid::text, now() FROM admin_users u
    """,
    """
    INSERT INTO tips (id, code, submission_key, pin_hash, category, description, incident_when,
                      province_code, commune_code, anonymous, urgent, status, details,
                      created_at, received_on, ack_due, decision_due, next_due)
    SELECT md5('t' || g.i)::uuid::text, 'BY-' || g.i, md5('s' || g.i), '-', 'fraud_phone',
           'mô tả', 'past', c.province, c.code, true, g.i % 17 = 0,
           CASE WHEN g.i % 3 = 0 THEN 'closed' ELSE 'new' END, '{}',
           now() - (g.i % 30) * interval '1 day', current_date - (g.i % 30),
           current_date - (g.i % 30) + 3, current_date - (g.i % 30) + 30,
           current_date - (g.i % 30) + 3
    FROM generate_series(1, :tips) AS g(i)
    JOIN bench_communes c ON c.n = g.i % :communes
    """,
)


async def seed(url: str, officers: int, tips: int) -> float:
    engine = make_engine(url)
    started = time.perf_counter()
    communes = [c for p in ("01", "79", "48", "31") for c in areas.communes_of(p)][:300]
    values = {"officers": officers, "tips": tips, "communes": len(communes)}
    try:
        async with engine.begin() as conn:
            await conn.execute(text(SEED_SQL[0]))
            await conn.execute(
                text(SEED_SQL[1]),
                [
                    {"n": i, "code": c.code, "province": c.province_code}
                    for i, c in enumerate(communes)
                ],
            )
            for sql in SEED_SQL[2:]:
                await conn.execute(text(sql), values)
        async with engine.begin() as conn:
            await conn.execute(text("ANALYZE"))
    finally:
        await engine.dispose()
    return time.perf_counter() - started


async def run_once(url: str, monday: datetime) -> dict[str, Any]:
    engine = make_engine(url)
    job = digests(frozenset())
    try:
        sessions = make_sessions(engine)
        async with sessions() as session:  # the pool's first connection, not timed
            await session.execute(select(1))
        started = time.perf_counter()
        made = await job(sessions, monday)
        seconds = time.perf_counter() - started
        async with sessions() as session:
            rows = await session.scalar(
                select(func.count()).where(OutboxMessage.kind == "officer.digest")
            )
    finally:
        await engine.dispose()
    return {"seconds": round(seconds, 3), "queued": made, "rows_in_outbox": int(rows or 0)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--officers", type=int, default=3000)
    parser.add_argument("--tips", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--wait-quiet", type=float, default=0.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    dbname = f"binhyen_bench_{secrets.token_hex(4)}"
    asyncio.run(pg_admin(f'CREATE DATABASE "{dbname}"'))
    url = f"{PG_BASE}/{dbname}"
    runs = []
    try:
        migrate.upgrade(url)
        seeded = asyncio.run(seed(url, args.officers, args.tips))
        for i in range(args.runs):
            host = wait_quiet(args.wait_quiet) if args.wait_quiet else None
            run = asyncio.run(run_once(url, FIRST_MONDAY + timedelta(weeks=i)))
            run["host_before"] = host
            runs.append(run)
            if not args.json:
                print(
                    f"run {i + 1}: {run['queued']:,} digests in {run['seconds']:.2f} s",
                    file=sys.stderr,
                    flush=True,
                )
    finally:
        asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
    seconds = median([r["seconds"] for r in runs])
    result = {
        "benchmark": "digest",
        "machine": machine(),
        "officers": args.officers,
        "tips": args.tips,
        "seed_seconds": round(seeded, 2),
        "median_seconds": round(seconds, 3),
        "target_seconds": TARGET_SECONDS,
        "met": seconds < TARGET_SECONDS and all(r["queued"] == args.officers for r in runs),
        "runs": runs,
    }
    emit(result, args.json)
    return 0 if result["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
