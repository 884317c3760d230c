"""One scam check (extraction + lookup + verdict) against 1,000,000 indicators on PostgreSQL.

Method: a fresh PostgreSQL database built by the migrations; 1,000,000 indicators (phones,
domains, URLs and bank accounts in the proportions below, each status) generated from a seed
and bulk-loaded with COPY, then ANALYZE (none of it timed). Then realistic pasted messages
(scam wording with 1 to 3 indicators each: about half of the indicators are in the store,
half are not) are checked one after the other through the code the flow uses:
`content.scamcheck.extract`, `storage.indicators.SqlIndicators.lookup` in a session of its
own from the engine `binhyen serve` builds (`storage.db.make_engine`: pool checkout, the
query, the rollback on close), and `content.scamcheck.verdict`. Each check is timed from the
text to the verdict; the extraction and the lookup are also timed alone.

Run: .venv/bin/python bench/bench_scamcheck.py [--indicators 1000000] [--checks 2000]
     [--runs 3] [--wait-quiet 120] [--json]
Target (issue 6): p95 of one check at most 5 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import string
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import emit, machine, median, percentile, pg_admin, wait_quiet

from content import scamcheck
from storage import migrate

TARGET_P95_MS = 5.0
SHARES = {"phone": 0.40, "domain": 0.25, "url": 0.20, "account": 0.15}
STATUSES = (("reported", 0.70), ("confirmed", 0.25), ("rejected", 0.05))
MOBILE = [f"{a}{b}" for a in "3" for b in "23456789"] + ["70", "76", "77", "78", "79"]
MOBILE += [f"8{b}" for b in "123456789"] + [f"9{b}" for b in "0123456789"]
TLDS = ("com", "net", "xyz", "top", "vip", "online", "site", "shop", "cc", "info", "club")
BANKS = (
    ("VCB", "Vietcombank"),
    ("TCB", "Techcombank"),
    ("MB", "MB Bank"),
    ("BIDV", "BIDV"),
    ("ACB", "ACB"),
    ("CTG", "VietinBank"),
    ("VPB", "VPBank"),
    ("AGRIBANK", "Agribank"),
)
BANK_NAMES = dict(BANKS)
TEMPLATES = (
    "Công an TP thông báo anh liên quan đến vụ án rửa tiền, gọi lại ngay {phone} để xác minh.",
    "Vietcombank: tài khoản của quý khách bị tạm khóa, đăng nhập tại {url} để mở khóa ngay.",
    "Chị ơi chuyển giúp em 15 triệu vào STK {account}, mai em trả nhé. Gọi em {phone}.",
    "Shipper đây ạ, gọi {phone} không được. Chị chuyển khoản trước 30.000đ vào STK {account} "
    "rồi theo dõi đơn tại {url} nhé.",
    "Tuyển CTV việc nhẹ lương cao, hoa hồng 20%, liên hệ Zalo {phone} hoặc vào {url}",
    "Bạn ơi bình chọn giúp cháu tại {url} nhé, cảm ơn bạn nhiều!",
    "Điện lực thông báo nợ tiền điện, sẽ bị cắt điện hôm nay. Thanh toán vào TK {account}.",
    "Số {phone} gọi cho mẹ tôi tự xưng bác sĩ bệnh viện, nói con đang cấp cứu cần mổ gấp.",
)


class Generator:
    """Indicators as the check stores them, and the ways a message writes them."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def phone(self) -> str:
        return "+84" + self.rng.choice(MOBILE) + "".join(self.rng.choices(string.digits, k=7))

    def label(self) -> str:
        size = self.rng.randint(6, 14)
        return "".join(self.rng.choices(string.ascii_lowercase + string.digits, k=size))

    def domain(self) -> str:
        return f"{self.label()}-{self.label()[:4]}.{self.rng.choice(TLDS)}"

    def url(self) -> str:
        path = "/".join(self.label() for _ in range(self.rng.randint(1, 3)))
        return f"{self.domain()}/{path}"

    def account(self) -> tuple[str, str]:
        size = self.rng.randint(10, 14)
        number = str(self.rng.randint(1, 9)) + "".join(self.rng.choices(string.digits, k=size - 1))
        return number, self.rng.choice(BANKS)[0]

    def status(self) -> str:
        roll, total = self.rng.random(), 0.0
        for status, share in STATUSES:
            total += share
            if roll < total:
                return status
        return "reported"

    def value(self, kind: str) -> tuple[str, str]:
        if kind == "phone":
            return self.phone(), ""
        if kind == "domain":
            return self.domain(), ""
        if kind == "url":
            return self.url(), ""
        return self.account()


def written(kind: str, value: str, bank: str, rng: random.Random) -> str:
    """An indicator as a message writes it."""
    if kind == "phone":
        national = "0" + value[3:]
        style = rng.randrange(3)
        if style == 0:
            return f"{national[:4]} {national[4:7]} {national[7:]}"
        return national if style == 1 else f"+84 {value[3:6]} {value[6:9]} {value[9:]}"
    if kind in ("domain", "url"):
        return rng.choice(("https://", "http://www.", "")) + value
    return f"{value} {BANK_NAMES.get(bank, bank)}"


def generate(
    total: int, seed: int
) -> tuple[list[tuple[Any, ...]], dict[str, list[tuple[str, str]]]]:
    """The rows to load, and by kind the (value, bank) pairs they hold."""
    gen = Generator(seed)
    now = datetime(2026, 11, 25, tzinfo=UTC)
    seen: set[tuple[str, str]] = set()
    rows: list[tuple[Any, ...]] = []
    by_kind: dict[str, list[tuple[str, str]]] = {k: [] for k in SHARES}
    for kind, share in SHARES.items():
        wanted = round(total * share) if kind != "account" else total - len(rows)
        made = 0
        while made < wanted:
            value, bank = gen.value(kind)
            if (kind, value) in seen:
                continue
            seen.add((kind, value))
            status = gen.status()
            first = now - timedelta(days=gen.rng.randint(0, 700))
            decided = status != "reported"
            reports = (
                gen.rng.randint(1, 20) if status != "confirmed" or gen.rng.random() < 0.5 else 0
            )
            rows.append(
                (
                    kind,
                    value,
                    bank,
                    status,
                    "tip" if reports else "import:bench.csv",
                    reports,
                    first,
                    first + timedelta(days=gen.rng.randint(0, 30)),
                    first + timedelta(days=1) if decided else None,
                    "bench.officer" if decided else "",
                )
            )
            by_kind[kind].append((value, bank))
            made += 1
    return rows, by_kind


def messages(
    count: int, by_kind: dict[str, list[tuple[str, str]]], seed: int
) -> list[tuple[str, int]]:
    """Pasted messages, each with how many of its indicators are in the store."""
    rng = random.Random(seed)
    gen = Generator(seed + 1)
    out: list[tuple[str, int]] = []
    for _ in range(count):
        template = rng.choice(TEMPLATES)
        hits = 0
        values: dict[str, str] = {}
        for kind in ("phone", "url", "account"):
            if "{" + kind + "}" not in template:
                continue
            if rng.random() < 0.5:
                store_kind = rng.choice(("domain", "url")) if kind == "url" else kind
                value, bank = rng.choice(by_kind[store_kind])
                values[kind] = written(store_kind, value, bank, rng)
                hits += 1
            else:
                value, bank = gen.value("url" if kind == "url" else kind)
                values[kind] = written(kind, value, bank, rng)
        out.append((template.format(**values), hits))
    return out


async def load(name: str, rows: list[tuple[Any, ...]]) -> float:
    import asyncpg

    started = time.perf_counter()
    conn = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:5432/{name}", timeout=5)
    try:
        await conn.copy_records_to_table(
            "indicators",
            records=rows,
            columns=[
                "kind",
                "value",
                "bank",
                "status",
                "source",
                "reports",
                "first_seen",
                "last_seen",
                "decided_at",
                "decided_by",
            ],
        )
        await conn.execute("ANALYZE indicators")
        count = await conn.fetchval("SELECT count(*) FROM indicators")
        if count != len(rows):
            raise RuntimeError(f"loaded {count} of {len(rows)} indicators")
    finally:
        await conn.close()
    return time.perf_counter() - started


def _stats(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    return {
        "p50_ms": round(percentile(values, 50) * 1000, 3),
        "p95_ms": round(percentile(values, 95) * 1000, 3),
        "p99_ms": round(percentile(values, 99) * 1000, 3),
        "max_ms": round(values[-1] * 1000, 3),
    }


async def check_all(url: str, texts: list[tuple[str, int]], warmup: int) -> dict[str, Any]:
    from sqlalchemy import text as sql

    from storage.db import make_engine, make_sessions
    from storage.indicators import SqlIndicators

    engine = make_engine(url)
    sessions = make_sessions(engine)
    total: list[float] = []
    extraction: list[float] = []
    lookup: list[float] = []
    levels: dict[str, int] = {}
    found_count = hit_count = 0
    try:
        for n, (message, _hits) in enumerate(texts):
            started = time.perf_counter()
            extracted = scamcheck.extract(message)
            found = extracted.found()
            extracted_at = time.perf_counter()
            async with sessions() as session:
                known = await SqlIndicators(session).lookup(found)
            looked_at = time.perf_counter()
            result = scamcheck.verdict(extracted, known)
            done = time.perf_counter()
            if n < warmup:
                continue
            total.append(done - started)
            extraction.append(extracted_at - started)
            lookup.append(looked_at - extracted_at)
            levels[result.level.value] = levels.get(result.level.value, 0) + 1
            found_count += len(found)
            hit_count += len(known)
        async with sessions() as session:
            keys = sorted({(f.kind, f.value) for f in scamcheck.extract(texts[0][0]).found()})
            plan = await session.execute(
                sql(
                    "EXPLAIN SELECT id FROM indicators WHERE kind = ANY(:kinds) "
                    "AND value = ANY(:values)"
                ),
                {"kinds": [k for k, _v in keys], "values": [v for _k, v in keys]},
            )
            explain = [str(r[0]) for r in plan]
    finally:
        await engine.dispose()
    return {
        "checks": len(total),
        "check": _stats(total),
        "extraction": _stats(extraction),
        "lookup": _stats(lookup),
        "indicators_per_check": round(found_count / len(total), 2),
        "known_per_check": round(hit_count / len(total), 2),
        "verdicts": dict(sorted(levels.items())),
        "plan": explain,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--indicators", type=int, default=1_000_000)
    parser.add_argument("--checks", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--wait-quiet", type=float, default=0.0, metavar="SECONDS")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    scamcheck.packs()  # read the packs before anything is timed
    generated = time.perf_counter()
    rows, by_kind = generate(args.indicators, args.seed)
    generated = time.perf_counter() - generated
    texts = messages(args.checks + args.warmup, by_kind, args.seed)
    results = []
    for _ in range(args.runs):
        name = f"binhyen_bench_scam_{secrets.token_hex(4)}"
        asyncio.run(pg_admin(f'CREATE DATABASE "{name}"'))
        try:
            url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
            migrate.upgrade(url)
            loaded = asyncio.run(load(name, rows))
            host = wait_quiet(args.wait_quiet) if args.wait_quiet else {}
            result = asyncio.run(check_all(url, texts, args.warmup))
            result["load_s"] = round(loaded, 1)
            result["host"] = host
            results.append(result)
        finally:
            asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    p95 = median([r["check"]["p95_ms"] for r in results])
    summary = {
        "machine": machine(),
        "indicators": args.indicators,
        "generate_s": round(generated, 1),
        "checks_per_run": args.checks,
        "runs": results,
        "median_check_p50_ms": median([r["check"]["p50_ms"] for r in results]),
        "median_check_p95_ms": p95,
        "median_check_p99_ms": median([r["check"]["p99_ms"] for r in results]),
    }
    ok = p95 <= TARGET_P95_MS
    if args.json:
        emit(summary, True)
    else:
        for r in results:
            c, e, lk = r["check"], r["extraction"], r["lookup"]
            print(
                f"{r['checks']} checks, {r['indicators_per_check']} indicators and "
                f"{r['known_per_check']} known per check (load {r['load_s']} s): "
                f"check p50 {c['p50_ms']} p95 {c['p95_ms']} p99 {c['p99_ms']} max {c['max_ms']} ms"
                f" | extraction p50 {e['p50_ms']} p95 {e['p95_ms']} ms"
                f" | lookup p50 {lk['p50_ms']} p95 {lk['p95_ms']} ms"
            )
        print(f"verdicts (last run): {results[-1]['verdicts']}")
        print(f"plan: {' / '.join(line.strip() for line in results[-1]['plan'])}")
        print(
            f"median p95 of one check against {args.indicators:,} indicators: {p95} ms "
            f"(target ≤ {TARGET_P95_MS} ms): {'met' if ok else 'NOT met'}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
