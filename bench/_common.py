"""Helpers shared by the benchmark scripts: machine facts, percentiles, output."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict[str, object]:
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "kernel": platform.release(),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def pin(cpu: int | None) -> set[int]:
    """Pin this process (and every thread it starts afterwards) to one core."""
    if cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {cpu})
    return set(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else set()


def cpu_ticks() -> dict[str, tuple[int, int]]:
    """Per-CPU (total, idle) jiffies from /proc/stat; {} where it is not available."""
    out: dict[str, tuple[int, int]] = {}
    try:
        for line in Path("/proc/stat").read_text().splitlines():
            if line.startswith("cpu") and line[3:4].isdigit():
                name, *values = line.split()
                ticks = [int(v) for v in values]
                out[name] = (sum(ticks), ticks[3] + ticks[4])
    except OSError:
        pass
    return out


def busy_percent(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> dict:
    """How busy each CPU was between two cpu_ticks() snapshots (everything on it, not only us)."""
    out = {}
    for name, (total0, idle0) in before.items():
        total1, idle1 = after.get(name, (total0, idle0))
        elapsed = total1 - total0
        if elapsed > 0:
            out[name] = round(100 * (elapsed - (idle1 - idle0)) / elapsed)
    return out


def wait_quiet(max_wait: float, threshold: int = 20) -> dict:
    """Wait (at most `max_wait` s) for a second in which every CPU is under `threshold`%
    busy, so that other people's jobs do not skew a run. Returns how busy the host was."""
    deadline = time.monotonic() + max(0.0, max_wait)
    while True:
        before = cpu_ticks()
        time.sleep(1.0)
        busy = busy_percent(before, cpu_ticks())
        quiet = all(v < threshold for v in busy.values())
        if quiet or time.monotonic() >= deadline:
            return {"quiet": quiet, "busy_pct": busy}


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted sequence."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(p / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def emit(result: dict[str, object], as_json: bool) -> None:
    if as_json:
        json.dump(result, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")


def venv_bin(name: str) -> Path:
    """A console script next to the running interpreter (the project's virtualenv)."""
    return Path(sys.executable).parent / name


PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


async def pg_admin(sql: str, url: str = PG_ADMIN_URL) -> None:
    """Run one statement on the local PostgreSQL's admin database (CREATE/DROP DATABASE)."""
    import asyncpg

    conn = await asyncpg.connect(url, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()
