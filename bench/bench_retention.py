"""Retention (issue 18) over 1,000,000 tips on PostgreSQL, with the officers' queue read and
written meanwhile.

Method: a database of our own (127.0.0.1:5432, built by the migrations, dropped afterwards,
whatever happens) gets N tips loaded by one INSERT ... SELECT over generate_series (seeded:
every run holds the same data), then VACUUM ANALYZE; none of that is timed. The service is
taken to have run for seven years: tips received evenly over the last 2,555 days in 300 real
communes (a few busy ones, a long tail), 93 % of those older than 30 days closed 0.5-40 days
after receipt; 40 % named (a sealed contact), every one with its owner reference and sealed
reporter; one timeline event each; a photo on every fifth tip (an attachment row), of which
--files have a file on disk, all old. So about a quarter of the tips are closed past the
five years: the first run after the feature lands, the largest there will be. 10,000
residents have 300,000 outbox rows over the last 90 days (sent, failed, or waiting for the
web chat). Then:

- baseline: the probe alone for --baseline seconds;
- the first run: `storage.retention.run` (periods 1825/30 days, --batch rows a batch, the
  blob sweep included) while the probe runs in another process;
- a day later: the daily run (the day's tips closed past the period, and the outbox), again
  with the probe.

The probe is an officer of the busiest commune using the panel, 20 times a second: the
queue's first page (`storage.casework.listing.queue`, the query the panel and the API use:
open tips, urgent first, nearest deadline), the "closed" tab of the same queue (the rows
retention rewrites), and an action on a closed tip due for purging (`SELECT ... FOR UPDATE`
in its own transaction, as every casework action locks its tip first): how long an officer
waits for retention at worst. Reported: the run's total time and rows, its batches and the
longest batch transaction, and the probe's p50/p99/max per query, alone and during the runs.

Run: .venv/bin/python bench/bench_retention.py [--tips 1000000] [--batch 100] [--files 20000]
     [--baseline 10] [--json] [--wait-quiet 120]
Target (issue 18): no batch holds its rows more than 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import random
import secrets
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import emit, machine, percentile, pg_admin, wait_quiet

PG_BASE = "postgresql+asyncpg://postgres@127.0.0.1:5432"
TARGET_MS = 100.0
PROVINCES = ("01", "79", "48", "31")
COMMUNES = 300
SKEW = 1.3
DAYS = 2555  # seven years of service
RESIDENTS = 10_000
OUTBOX_ROWS = 300_000
PROBE_EVERY = 0.05  # s: 20 rounds a second
CATEGORIES = ("fraud_phone", "fraud_online", "theft_robbery", "drugs", "other")

LOAD_SQL = """
WITH base AS (
    SELECT i,
           1 + floor(array_length($1::text[], 1) * power(random(), $3::float8))::int AS ci,
           $2::timestamptz - random() * ($4::int * interval '1 day') AS created,
           random() AS rs, random() AS ra, random() AS rt, random() AS ru
    FROM generate_series(1, $5::int) AS i
), dated AS (
    SELECT b.*, (created AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS received_on,
           CASE WHEN $2::timestamptz - created > interval '30 days'
                THEN CASE WHEN rs < 0.93 THEN 'closed' ELSE 'forwarded' END
                ELSE CASE WHEN rs < 0.25 THEN 'new' WHEN rs < 0.5 THEN 'acknowledged'
                          WHEN rs < 0.7 THEN 'verifying' ELSE 'closed' END
           END AS status
    FROM base b
), closed AS (
    SELECT d.*,
           CASE WHEN status = 'closed'
                THEN least(created + (0.5 + rt * 40) * interval '1 day', $2::timestamptz)
           END AS closed_at
    FROM dated d
)
INSERT INTO tips (
    id, code, submission_key, pin_hash, category, description, incident_when, province_code,
    commune_code, address, lat, lon, anonymous, contact_sealed, owner_ref, reporter_sealed,
    urgent, status, details, created_at, received_on, ack_due, decision_due, closed_at,
    next_due, search_text, updated_at, track
)
SELECT md5('tip' || i)::uuid::text, 'BR' || lpad(i::text, 10, '0'), md5('submission' || i),
       md5('pin' || i), ($8::text[])[1 + i % 5], 'Bị trộm xe máy trước cửa nhà (' || i || ')',
       'unknown', ($6::text[])[ci], ($1::text[])[ci], 'Số ' || (i % 300 + 1) || ' phố Đội Cấn',
       21.0 + ra / 10, 105.8 + rt / 10,
       ra < 0.6, CASE WHEN ra < 0.6 THEN '' ELSE ($7::text[])[1 + i % 50] END,
       md5('owner' || i) || md5('ref' || i), ($7::text[])[1 + (i + 7) % 50],
       ru < 0.03, status, '{}'::json, created, received_on, received_on + 3, received_on + 20,
       closed_at,
       CASE WHEN status = 'closed' THEN (closed_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date
            WHEN status = 'new' THEN received_on + 3 ELSE received_on + 20 END,
       'br' || lpad(i::text, 10, '0') || ' bi trom xe may truoc cua nha', coalesce(closed_at,
       created), 'crime'
FROM closed
"""
ATTACHMENTS_SQL = """
INSERT INTO tip_attachments (tip_id, kind, ref, mime, size, sha256, received_at)
SELECT md5('tip' || i)::uuid::text, 'photo', 'blob:' || h, 'image/jpeg', 180000, h,
       $1::timestamptz
FROM (SELECT i, md5('file' || i) || md5('blob' || i) AS h
      FROM generate_series(5, $2::int, 5) AS i) AS f
"""
EVENTS_SQL = """
INSERT INTO tip_events (tip_id, at, kind, visibility, body, actor)
SELECT id, created_at, 'received', 'reporter', '', '' FROM tips
"""
RESIDENTS_SQL = """
INSERT INTO residents (id, lang, province_code, commune_code)
SELECT md5('resident' || n)::uuid::text, 'vi', '01', '00004' FROM generate_series(1, $1::int) n
"""
OUTBOX_SQL = """
INSERT INTO outbox (resident_id, tip_id, kind, payload, status, attempts, created_at, due_at,
                    sent_at, channel, last_error, priority)
SELECT md5('resident' || (1 + n % $1::int))::uuid::text, NULL, 'tip.acknowledged',
       json_build_object('code', 'BR' || lpad(n::text, 10, '0'), 'params', '{}'::json),
       CASE WHEN r < 0.9 THEN 'sent' WHEN r < 0.95 THEN 'failed' ELSE 'pending' END, 1,
       at, at, CASE WHEN r < 0.9 THEN at END,
       CASE WHEN r < 0.9 THEN 'telegram' WHEN r < 0.95 THEN '' ELSE 'web' END, '', 0
FROM (SELECT n, random() AS r,
             $2::timestamptz - (1 - n::float8 / $3::int) * interval '90 days' AS at
      FROM generate_series(1, $3::int) AS n) AS o
"""


def chosen_communes() -> tuple[list[str], list[str]]:
    from content import areas

    pools = [list(areas.communes_of(p)) for p in PROVINCES]
    out: list[Any] = []
    while len(out) < COMMUNES:
        for pool in pools:
            if pool and len(out) < COMMUNES:
                out.append(pool.pop(0))
    return [c.code for c in out], [c.province_code for c in out]


def sealed_values() -> list[str]:
    from storage.sealing import Sealer

    sealer = Sealer.from_settings("bench-retention-secret", "")
    names = ("Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em")
    return [sealer.seal({"name": names[n % 5], "phone": f"09{n:08d}"}) for n in range(50)]


def pg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def load(url: str, tips: int, now: datetime) -> dict[str, Any]:
    import asyncpg

    started = time.perf_counter()
    codes, provinces = chosen_communes()
    conn = await asyncpg.connect(pg_dsn(url), timeout=5)
    try:
        await conn.execute("SELECT setseed(0.42)")
        await conn.execute(
            LOAD_SQL,
            codes,
            now,
            SKEW,
            DAYS,
            tips,
            provinces,
            sealed_values(),
            list(CATEGORIES),
        )
        await conn.execute(ATTACHMENTS_SQL, now - timedelta(days=DAYS), tips)
        await conn.execute(EVENTS_SQL)
        await conn.execute(RESIDENTS_SQL, RESIDENTS)
        await conn.execute(OUTBOX_SQL, RESIDENTS, now, OUTBOX_ROWS)
        await conn.execute("VACUUM ANALYZE")
        cutoff = now - timedelta(days=1825)
        facts = {
            "tips": await conn.fetchval("SELECT count(*) FROM tips"),
            "closed_past_period": await conn.fetchval(
                "SELECT count(*) FROM tips WHERE status = 'closed' AND closed_at < $1", cutoff
            ),
            "attachments": await conn.fetchval("SELECT count(*) FROM tip_attachments"),
            "tip_events": await conn.fetchval("SELECT count(*) FROM tip_events"),
            "outbox": await conn.fetchval("SELECT count(*) FROM outbox"),
            "busiest": await conn.fetchval(
                "SELECT commune_code FROM tips GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
            ),
            "tips_mb": round(
                int(await conn.fetchval("SELECT pg_total_relation_size('tips')")) / 2**20
            ),
        }
        facts["busiest_tips"] = await conn.fetchval(
            "SELECT count(*) FROM tips WHERE commune_code = $1", facts["busiest"]
        )
        facts["busiest_open"] = await conn.fetchval(
            "SELECT count(*) FROM tips WHERE commune_code = $1 AND status <> 'closed'",
            facts["busiest"],
        )
        # Tips an officer may act on while retention purges them: closed past the period.
        facts["due_sample"] = [
            r[0]
            for r in await conn.fetch(
                "SELECT id FROM tips WHERE status = 'closed' AND closed_at < $1 "
                "AND commune_code = $2 ORDER BY random() LIMIT 2000",
                cutoff,
                facts["busiest"],
            )
        ]
    finally:
        await conn.close()
    facts["seed_seconds"] = round(time.perf_counter() - started, 1)
    return facts


def make_files(root: Path, tips: int, count: int, when: datetime) -> int:
    """Files for the first `count` attachment rows (every fifth tip), all old."""
    import hashlib

    made = 0
    stamp = when.timestamp()
    for i in range(5, tips + 1, 5):
        if made >= count:
            break
        a = hashlib.md5(f"file{i}".encode()).hexdigest()
        b = hashlib.md5(f"blob{i}".encode()).hexdigest()
        sha = a + b
        folder = root / sha[:2]
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / sha
        path.write_bytes(b"x")
        os.utime(path, (stamp, stamp))
        made += 1
    return made


# -- the probe: an officer using the panel, in a process of its own --------------------------------


def probe_main(
    url: str, commune: str, province: str, due: list[str], stop: Any, out: Any, ready: Any
) -> None:
    out.put(asyncio.run(_probe(url, commune, province, due, stop, ready)))


async def _probe(
    url: str, commune: str, province: str, due: list[str], stop: Any, ready: Any
) -> dict[str, list[float]]:
    from sqlalchemy import select

    from handlers.deadlines import local_date
    from handlers.people import AdminRole, Identity
    from storage.casework.listing import queue
    from storage.casework.views import QueueFilter
    from storage.db import make_engine, make_sessions
    from storage.models import Tip

    engine = make_engine(url)
    sessions = make_sessions(engine)
    officer = Identity(1, "officer", AdminRole.OFFICER, commune, province)
    times: dict[str, list[float]] = {"queue": [], "closed_tab": [], "lock": []}
    rng = random.Random(7)
    try:
        today = local_date(datetime.now(UTC))
        async with sessions() as session:  # warm: the pool's connection, the catalogs
            await queue(session, officer, QueueFilter(), today=today)
        ready.set()
        while not stop.is_set():
            started = time.perf_counter()
            async with sessions() as session:
                t0 = time.perf_counter()
                await queue(session, officer, QueueFilter(), today=today)
                t1 = time.perf_counter()
                await queue(session, officer, QueueFilter(status="closed"), today=today)
                t2 = time.perf_counter()
            times["queue"].append((t1 - t0) * 1000)
            times["closed_tab"].append((t2 - t1) * 1000)
            if due:
                async with sessions() as session:
                    t3 = time.perf_counter()
                    await session.execute(
                        select(Tip.id).where(Tip.id == rng.choice(due)).with_for_update()
                    )
                    await session.rollback()
                    times["lock"].append((time.perf_counter() - t3) * 1000)
            rest = PROBE_EVERY - (time.perf_counter() - started)
            if rest > 0:
                await asyncio.sleep(rest)
    finally:
        await engine.dispose()
    return times


class Probe:
    def __init__(self, url: str, facts: dict[str, Any], province: str) -> None:
        ctx = mp.get_context("spawn")
        self.stop, self.ready, self.out = ctx.Event(), ctx.Event(), ctx.Queue()
        self.proc = ctx.Process(
            target=probe_main,
            args=(
                url,
                facts["busiest"],
                province,
                facts["due_sample"],
                self.stop,
                self.out,
                self.ready,
            ),
            daemon=True,
        )

    def __enter__(self) -> Probe:
        self.proc.start()
        if not self.ready.wait(60):
            raise RuntimeError("the probe did not start")
        return self

    def finish(self) -> dict[str, dict[str, float]]:
        self.stop.set()
        times = self.out.get(timeout=60)
        self.proc.join(30)
        return {name: summary(values) for name, values in times.items()}

    def __exit__(self, *exc: object) -> None:
        if self.proc.is_alive():
            self.stop.set()
            self.proc.join(10)
            if self.proc.is_alive():
                self.proc.kill()


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "p50_ms": round(percentile(ordered, 50), 2),
        "p99_ms": round(percentile(ordered, 99), 2),
        "max_ms": round(ordered[-1], 2) if ordered else float("nan"),
    }


# -- the runs --------------------------------------------------------------------------------------


async def retention_run(url: str, media: Path, now: datetime, batch: int) -> dict[str, Any]:
    from storage import retention
    from storage.blobs import BlobStore
    from storage.db import make_engine, make_sessions

    times: dict[str, list[float]] = {}
    record = retention.Removed._batch

    def timed(self: retention.Removed, part: str, seconds: float) -> None:
        times.setdefault(part, []).append(seconds * 1000)
        record(self, part, seconds)

    retention.Removed._batch = timed  # type: ignore[method-assign]
    engine = make_engine(url)
    try:
        started = time.perf_counter()
        removed = await retention.run(
            make_sessions(engine),
            retention.Periods(),
            now,
            blobs=BlobStore(media),
            actor=retention.CLI_ACTOR,
            batch_size=batch,
        )
        seconds = time.perf_counter() - started
    finally:
        retention.Removed._batch = record  # type: ignore[method-assign]
        await engine.dispose()
    return {
        "seconds": round(seconds, 2),
        "contacts": removed.contacts,
        "attachments": removed.attachments,
        "files": removed.files,
        "outbox": removed.inbox,
        "batches": removed.batches,
        "longest_batch_ms": round(removed.longest_batch * 1000, 1),
        "longest_batch_ms_by_part": {k: round(v * 1000, 1) for k, v in removed.longest.items()},
        "seconds_by_part": {k: round(v, 2) for k, v in removed.took.items()},
        "batch_ms": {
            k: {**summary(v), "over_target": sum(t > TARGET_MS for t in v)}
            for k, v in times.items()
        },
    }


async def check_end(url: str, now: datetime) -> dict[str, int]:
    import asyncpg

    conn = await asyncpg.connect(pg_dsn(url), timeout=5)
    try:
        cutoff = now - timedelta(days=1825)
        return {
            "left_due": await conn.fetchval(
                "SELECT count(*) FROM tips WHERE status = 'closed' AND closed_at < $1 "
                "AND personal_data_purged_at IS NULL",
                cutoff,
            ),
            "purged": await conn.fetchval(
                "SELECT count(*) FROM tips WHERE personal_data_purged_at IS NOT NULL"
            ),
            "purged_events": await conn.fetchval(
                "SELECT count(*) FROM tip_events WHERE kind = 'purged'"
            ),
            "purged_with_contact": await conn.fetchval(
                "SELECT count(*) FROM tips WHERE personal_data_purged_at IS NOT NULL "
                "AND (contact_sealed <> '' OR owner_ref IS NOT NULL OR reporter_sealed <> '')"
            ),
            "audit_rows": await conn.fetchval(
                "SELECT count(*) FROM audit_log WHERE action = 'retention.run'"
            ),
        }
    finally:
        await conn.close()


def timed_with_probe(
    url: str, facts: dict[str, Any], province: str, media: Path, now: datetime, batch: int
) -> tuple[dict[str, Any], dict[str, dict[str, float]]]:
    with Probe(url, facts, province) as probe:
        time.sleep(1.0)  # the probe's own first rounds
        run = asyncio.run(retention_run(url, media, now, batch))
        return run, probe.finish()


def baseline(
    url: str, facts: dict[str, Any], province: str, seconds: float
) -> dict[str, dict[str, float]]:
    with Probe(url, facts, province) as probe:
        time.sleep(seconds)
        return probe.finish()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--tips", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--baseline", type=float, default=10.0)
    parser.add_argument("--wait-quiet", type=float, default=0.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    args.tips = max(10_000, min(args.tips, 5_000_000))
    args.batch = max(1, min(args.batch, 100_000))
    args.files = max(0, min(args.files, args.tips // 5))

    from storage import migrate

    now = datetime.now(UTC)
    dbname = f"binhyen_bench_{secrets.token_hex(4)}"
    url = f"{PG_BASE}/{dbname}"
    media = Path(tempfile.mkdtemp(prefix="binhyen-bench-media-"))
    out: dict[str, Any] = {"benchmark": "retention", "machine": machine(), "batch": args.batch}
    asyncio.run(pg_admin(f'CREATE DATABASE "{dbname}"'))
    try:
        migrate.upgrade(url)
        facts = asyncio.run(load(url, args.tips, now))
        province = _province_of(facts["busiest"])
        facts["files"] = make_files(media, args.tips, args.files, now - timedelta(days=DAYS))
        out["data"] = {k: v for k, v in facts.items() if k != "due_sample"}
        say(args, f"loaded: {out['data']}")
        host = wait_quiet(args.wait_quiet) if args.wait_quiet else None
        out["host_before"] = host
        out["baseline"] = baseline(url, facts, province, args.baseline)
        say(args, f"probe alone: {out['baseline']}")
        first, probed = timed_with_probe(url, facts, province, media, now, args.batch)
        out["first_run"] = {**first, "probe": probed}
        say(args, f"first run: {first}\n  probe during it: {probed}")
        daily, probed = timed_with_probe(
            url, facts, province, media, now + timedelta(days=1), args.batch
        )
        out["daily_run"] = {**daily, "probe": probed}
        say(args, f"a day later: {daily}\n  probe during it: {probed}")
        out["end_state"] = asyncio.run(check_end(url, now + timedelta(days=1)))
        say(args, f"end state: {out['end_state']}")
    finally:
        asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
        shutil.rmtree(media, ignore_errors=True)
    longest = max(out["first_run"]["longest_batch_ms"], out["daily_run"]["longest_batch_ms"])
    end = out["end_state"]
    out["target_ms"] = TARGET_MS
    out["met"] = (
        longest <= TARGET_MS
        and end["left_due"] == 0
        and end["purged_with_contact"] == 0
        and end["purged"] == end["purged_events"]
    )
    if not args.json:
        first = out["first_run"]
        during = first["probe"]
        print(
            f"first run over {args.tips:,} tips: {first['contacts']:,} purged, "
            f"{first['attachments']:,} attachments, {first['files']:,} files, "
            f"{first['outbox']:,} outbox rows in {first['seconds']:.1f} s; "
            f"{first['batches']} batches, longest {first['longest_batch_ms']:.1f} ms "
            f"(target <= {TARGET_MS:.0f} ms); queue p99 {during['queue']['p99_ms']:.1f} ms "
            f"max {during['queue']['max_ms']:.1f} ms (alone: p99 "
            f"{out['baseline']['queue']['p99_ms']:.1f} ms); lock wait max "
            f"{during['lock']['max_ms']:.1f} ms; {'met' if out['met'] else 'NOT MET'}"
        )
    emit(out, args.json)
    return 0 if out["met"] else 1


def _province_of(commune: str) -> str:
    from content import areas

    found = areas.commune(commune)
    return found.province_code if found else ""


def say(args: argparse.Namespace, text: str) -> None:
    if not args.json:
        print(text, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
