"""Start-up time of `binhyen --help`, with the interpreter's own start-up as a baseline.

Uses hyperfine when it is installed (`apt-get install -y hyperfine`), otherwise times the
runs itself. Then lists the slowest imports from `python -X importtime`.

    .venv/bin/python bench/bench_startup.py
    .venv/bin/python bench/bench_startup.py --runs 50 --json
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import emit, machine, venv_bin, wait_quiet

TARGET_S = 1.0


def commands() -> dict[str, list[str]]:
    return {
        "binhyen --help": [str(venv_bin("binhyen")), "--help"],
        "python -c pass (baseline)": [sys.executable, "-c", "pass"],
    }


def with_hyperfine(argv: list[str], runs: int, warmup: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "hf.json"
        subprocess.run(
            [
                "hyperfine",
                "--shell=none",
                f"--warmup={warmup}",
                f"--runs={runs}",
                "--style=none",
                f"--export-json={out}",
                subprocess.list2cmdline(argv),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        result = json.loads(out.read_text())["results"][0]
    return {
        "mean_s": result["mean"],
        "stddev_s": result["stddev"] or 0.0,
        "min_s": result["min"],
        "max_s": result["max"],
        "median_s": result["median"],
    }


def by_hand(argv: list[str], runs: int, warmup: int) -> dict[str, float]:
    times = []
    for i in range(warmup + runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if i >= warmup:
            times.append(time.perf_counter() - start)
    return {
        "mean_s": statistics.mean(times),
        "stddev_s": statistics.stdev(times) if len(times) > 1 else 0.0,
        "min_s": min(times),
        "max_s": max(times),
        "median_s": statistics.median(times),
    }


def import_offenders(limit: int, children: int = 3) -> list[dict[str, Any]]:
    """The slowest top-level imports of `binhyen --help` by cumulative time, each with its
    slowest direct imports; medians of 3 runs of `python -X importtime`."""
    top: dict[str, list[int]] = {}
    sub: dict[tuple[str, str], list[int]] = {}
    for _ in range(3):
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", str(venv_bin("binhyen")), "--help"],
            capture_output=True,
            text=True,
            check=True,
        )
        pending: list[tuple[str, int]] = []
        for line in proc.stderr.splitlines():
            # "import time: <self us> | <cumulative us> | <two spaces per level><name>";
            # a module's imports are listed before it.
            if not line.startswith("import time:") or "cumulative" in line:
                continue
            _self_us, cumulative_us, name = line.removeprefix("import time:").split("|")
            depth = (len(name) - len(name.lstrip(" ")) - 1) // 2
            if depth == 1:
                pending.append((name.strip(), int(cumulative_us)))
            elif depth == 0:
                top.setdefault(name.strip(), []).append(int(cumulative_us))
                for child, us in pending:
                    sub.setdefault((name.strip(), child), []).append(us)
                pending = []
    rows = []
    for module, values in top.items():
        kids = [
            {"module": child, "cumulative_ms": round(statistics.median(v) / 1000, 1)}
            for (parent, child), v in sub.items()
            if parent == module
        ]
        kids.sort(key=lambda r: r["cumulative_ms"], reverse=True)
        rows.append(
            {
                "module": module,
                "cumulative_ms": round(statistics.median(values) / 1000, 1),
                "imports": kids[:children],
            }
        )
    rows.sort(key=lambda r: r["cumulative_ms"], reverse=True)
    return rows[:limit]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--no-hyperfine", action="store_true", help="time the runs by hand")
    parser.add_argument(
        "--wait-quiet", type=float, default=0.0, help="wait up to S s for an idle host first"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.wait_quiet:
        wait_quiet(min(args.wait_quiet, 600.0))
    args.runs = max(2, min(args.runs, 200))
    args.warmup = max(0, min(args.warmup, 20))

    tool = "hyperfine" if shutil.which("hyperfine") and not args.no_hyperfine else "by hand"
    timer = with_hyperfine if tool == "hyperfine" else by_hand
    results = {name: timer(cmd, args.runs, args.warmup) for name, cmd in commands().items()}
    help_result = results["binhyen --help"]
    out = {
        "benchmark": "startup",
        "machine": machine(),
        "tool": tool,
        "runs": args.runs,
        "target_s": TARGET_S,
        "results": results,
        "met": help_result["max_s"] <= TARGET_S,
        "imports": import_offenders(5),
    }
    if args.json:
        emit(out, True)
        return 0 if out["met"] else 1
    print(f"start-up, {args.runs} runs after {args.warmup} warm-up ({tool}):")
    for name, r in results.items():
        print(
            f"  {name:28} mean {r['mean_s'] * 1000:7.1f} ms ± {r['stddev_s'] * 1000:5.1f}  "
            f"min {r['min_s'] * 1000:7.1f}  max {r['max_s'] * 1000:7.1f} ms"
        )
    print(
        f"target: binhyen --help <= {TARGET_S:.0f} s (mean and max): "
        f"{'met' if out['met'] else 'NOT met'}"
    )
    print("slowest imports of `binhyen --help` (cumulative, python -X importtime):")
    for row in out["imports"]:
        print(f"  {row['cumulative_ms']:7.1f} ms  {row['module']}")
        for kid in row["imports"]:
            print(f"  {kid['cumulative_ms']:7.1f} ms      {kid['module']}")
    return 0 if out["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
