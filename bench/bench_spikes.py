"""The spike detector (issue 15) over 1,000,000 tips in 300 communes on PostgreSQL.

Method: a database of our own (127.0.0.1:5432, built by the migrations, dropped afterwards)
gets N tips loaded by one INSERT ... SELECT over generate_series (seeded: every run holds the
same data), then VACUUM ANALYZE; none of that is timed. 300 real communes (content.areas) of
four provinces, the tips spread over them unevenly (commune index = 300 × random() ^ 1.3: a
few busy communes, a long tail) and received over the last 365 days, in eleven categories in
realistic shares with Vietnamese descriptions. Twelve quiet communes get a wave of calls from
fake police in the last five days (SPIKE_TIPS each, part of the N), so that some spikes are
real and their scam type is named.

Timed, each run on a new session (after one warm-up run that reads the packs):

- ``all``: the detector's full run over every commune, `handlers.spikes.run` on
  `storage.spikes.SqlSpikeSource` with communes=None: the grouped count query, the
  detection, and for each spike of a kind the pack narrows, the read of its tips' words;
- ``province``: a province admin's run (every commune of Hà Nội, as the panel asks);
- ``commune``: a chief's run (the busiest commune).

Run: .venv/bin/python bench/bench_spikes.py [--tips 1000000] [--runs 5] [--json]
     [--wait-quiet 120] [--explain]
Target (issue 15): the full run over every commune in under 5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import emit, machine, median, pg_admin, wait_quiet
from sqlalchemy import text
from sqlalchemy.dialects import postgresql

from content import areas, spikes
from handlers.deadlines import local_date
from handlers.spikes import Window, run
from storage import migrate
from storage.db import make_engine, make_sessions
from storage.spikes import SqlSpikeSource, histories_query

PG_BASE = "postgresql+asyncpg://postgres@127.0.0.1:5432"
TARGET_SECONDS = 5.0
PROVINCES = ("01", "79", "48", "31")  # Hà Nội, TP. Hồ Chí Minh, Đà Nẵng, Hải Phòng
COMMUNES = 300
SKEW = 1.3
SPIKED = 12  # quiet communes with a wave of fake police calls this week
SPIKE_TIPS = 30
FAKE_POLICE = "Có người gọi tự xưng công an, nói tôi liên quan vụ án rửa tiền, bảo chuyển tiền."

# (category, share in %, description)
MIX = (
    ("fraud_phone", 22, "Số lạ gọi báo con đang cấp cứu ở bệnh viện, đòi chuyển tiền mổ gấp."),
    ("fraud_online", 18, "Tuyển cộng tác viên việc nhẹ lương cao, đã chuyển 5 triệu tiền cọc."),
    ("theft_robbery", 15, "Bị trộm xe máy để trước cửa nhà trong đêm."),
    ("neighbourhood_dispute", 10, "Hàng xóm hát karaoke to quá 11 giờ đêm."),
    ("disorder_racing", 8, "Nhóm thanh niên tụ tập đua xe, nẹt pô lúc nửa đêm."),
    ("drugs", 7, "Nghi có người sử dụng ma túy tại phòng trọ cuối ngõ."),
    ("gambling", 5, "Có sới bạc trong nhà kho, tối nào cũng đông người."),
    ("fire_risk", 4, "Cửa hàng tự ý sang chiết bình gas trong khu dân cư."),
    ("domestic_violence_child_abuse", 4, "Nghe tiếng trẻ em khóc và tiếng đánh mắng nhiều đêm."),
    ("happening_now", 3, "Đang có đánh nhau trước quán."),
    ("other", 4, "Xe ô tô đỗ chắn lối thoát hiểm nhiều ngày."),
)

# $1 communes, $2 their provinces, $3 tips, $4 now, $5 categories (100 slots), $6 texts,
# $7 first id, $8 commune index (1-based) or 0 for the skewed spread, $9 days back at most.
LOAD_SQL = """
WITH base AS (
    SELECT i,
           CASE WHEN $8::int > 0 THEN $8::int
                ELSE 1 + floor(array_length($1::text[], 1) * power(random(), $10::float8))::int
           END AS ci,
           $4::timestamptz - random() * ($9::int * interval '1 day') AS created,
           1 + floor(random() * 100)::int AS pick
    FROM generate_series($7::int, $7::int + $3::int - 1) AS i
), dated AS (
    SELECT b.*, (created AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS received_on FROM base b
)
INSERT INTO tips (
    id, code, submission_key, pin_hash, category, description, incident_when, province_code,
    commune_code, anonymous, status, details, created_at, received_on, ack_due, decision_due
)
SELECT md5('tip' || i)::uuid::text, 'BS' || lpad(i::text, 10, '0'), md5('submission' || i),
       '-', CASE WHEN $8::int > 0 THEN 'fraud_phone' ELSE ($5::text[])[pick] END,
       CASE WHEN $8::int > 0 THEN $11::text ELSE ($6::text[])[pick] END || ' (' || i || ')',
       'unknown', ($2::text[])[ci], ($1::text[])[ci], true,
       CASE WHEN $4::timestamptz - created > interval '30 days' THEN 'closed' ELSE 'new' END,
       '{}'::json, created, received_on, received_on + 3, received_on + 20
FROM dated
"""


def chosen_communes() -> list[areas.Commune]:
    """COMMUNES real communes, taken in turn from each province of PROVINCES."""
    pools = [list(areas.communes_of(p)) for p in PROVINCES]
    out: list[areas.Commune] = []
    while len(out) < COMMUNES:
        for pool in pools:
            if pool and len(out) < COMMUNES:
                out.append(pool.pop(0))
    return out


def mix() -> tuple[list[str], list[str]]:
    categories = [c for c, share, _t in MIX for _ in range(share)]
    texts = [t for _c, share, t in MIX for _ in range(share)]
    assert len(categories) == 100
    return categories, texts


async def load(url: str, total: int, chosen: list[areas.Commune], now: datetime) -> float:
    import asyncpg

    started = time.perf_counter()
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"), timeout=5)
    try:
        codes, provinces = [c.code for c in chosen], [c.province_code for c in chosen]
        categories, texts = mix()
        waves = SPIKED * SPIKE_TIPS
        await conn.execute("SELECT setseed(0.42)")
        args = (codes, provinces, total - waves, now, categories, texts, 1, 0, 365, SKEW, "")
        await conn.execute(LOAD_SQL, *args)
        # The waves: SPIKE_TIPS calls from fake police in each of the quietest communes.
        first = total - waves + 1
        for n in range(SPIKED):
            index = COMMUNES - n  # the tail of the skewed spread
            args = (codes, provinces, SPIKE_TIPS, now, categories, texts, first, index, 5, SKEW)
            await conn.execute(LOAD_SQL, *args, FAKE_POLICE)
            first += SPIKE_TIPS
        await conn.execute("VACUUM ANALYZE tips")
        count = await conn.fetchval("SELECT count(*) FROM tips")
        if count != total:
            raise RuntimeError(f"loaded {count} of {total} tips")
    finally:
        await conn.close()
    return time.perf_counter() - started


async def busiest(url: str) -> str:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            sql = "SELECT commune_code FROM tips GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
            return str((await conn.execute(text(sql))).scalar_one())
    finally:
        await engine.dispose()


async def timed_run(url: str, today: date, communes: list[str] | None) -> dict[str, Any]:
    engine = make_engine(url)
    try:
        sessions = make_sessions(engine)
        async with sessions() as session:  # the pool's first connection, not timed
            await session.execute(text("SELECT 1"))
        started = time.perf_counter()
        async with sessions() as session:
            found = await run(SqlSpikeSource(session), spikes.rules(), today, communes)
        seconds = time.perf_counter() - started
    finally:
        await engine.dispose()
    return {
        "seconds": round(seconds, 3),
        "suggestions": len(found),
        "narrowed": sum(1 for s in found if s.scam_type),
        "new": sum(1 for s in found if s.new),
    }


async def explain(url: str, today: date, communes: list[str] | None) -> str:
    rules = spikes.rules()
    query = histories_query(Window.of(today, rules), [k.id for k in rules.kinds], communes)
    sql = str(query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + sql))
            return "\n".join(str(r[0]) for r in rows)
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--tips", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--wait-quiet", type=float, default=0.0)
    parser.add_argument("--explain", action="store_true", help="print the count query's plans")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    args.tips = max(SPIKED * SPIKE_TIPS + 1000, min(args.tips, 5_000_000))
    args.runs = max(1, min(args.runs, 20))
    args.wait_quiet = max(0.0, min(args.wait_quiet, 600.0))

    chosen = chosen_communes()
    hanoi = [c.code for c in areas.communes_of("01")]
    now = datetime.now(UTC)
    today = local_date(now)
    dbname = f"binhyen_bench_{secrets.token_hex(4)}"
    asyncio.run(pg_admin(f'CREATE DATABASE "{dbname}"'))
    url = f"{PG_BASE}/{dbname}"
    out: dict[str, Any] = {"benchmark": "spikes", "machine": machine(), "tips": args.tips}
    try:
        migrate.upgrade(url)
        out["seed_seconds"] = round(asyncio.run(load(url, args.tips, chosen, now)), 1)
        commune = asyncio.run(busiest(url))
        scopes: dict[str, list[str] | None] = {"all": None, "province": hanoi, "commune": [commune]}
        out["scopes"] = {"province": "01", "province_communes": len(hanoi), "commune": commune}
        for name, communes in scopes.items():
            asyncio.run(timed_run(url, today, communes))  # warm-up: the packs, the cache
            runs = []
            for _ in range(args.runs):
                host = wait_quiet(args.wait_quiet) if args.wait_quiet else None
                result = asyncio.run(timed_run(url, today, communes))
                result["host_before"] = host
                runs.append(result)
            seconds = median([r["seconds"] for r in runs])
            out[name] = {"median_seconds": seconds, "runs": runs}
            if not args.json:
                last = runs[-1]
                print(
                    f"{name}: median {seconds:.3f} s over {args.runs} runs; "
                    f"{last['suggestions']} suggestions ({last['narrowed']} with a scam type, "
                    f"{last['new']} without history)",
                    file=sys.stderr,
                    flush=True,
                )
            if args.explain:
                print(f"-- {name}\n{asyncio.run(explain(url, today, communes))}", file=sys.stderr)
    finally:
        asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
    seconds = out["all"]["median_seconds"]
    out["target_seconds"] = TARGET_SECONDS
    out["met"] = seconds < TARGET_SECONDS and out["all"]["runs"][-1]["narrowed"] >= SPIKED
    if not args.json:
        print(
            f"full run over {COMMUNES} communes, {args.tips:,} tips: median {seconds:.3f} s "
            f"(target < {TARGET_SECONDS:.0f} s) {'met' if out['met'] else 'NOT MET'}"
        )
    emit(out, args.json)
    return 0 if out["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
