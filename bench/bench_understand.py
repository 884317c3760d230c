"""How long understanding one message takes (issue 16: under 2 ms p95 on one core).

Reads every message of the labelled set (tests/understanding/messages.yaml) the way the router
does (handlers.understood.meaning: the receipt code, the scam check's extractor, then
content.understand.read), 20 rounds after one warm-up round, and prints p50/p95/p99/max per
message, and the share read as labelled.

    .venv/bin/python bench/bench_understand.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the labelled sets in tests/

from handlers.understood import meaning
from tests.understanding.evaluate import WHERE, messages, score

ROUNDS = 20


def main() -> None:
    found = messages()
    for entry in found:  # the packs read and the caches filled
        meaning(str(entry["text"]), WHERE[str(entry["where"])])
    times: list[float] = []
    for _ in range(ROUNDS):
        for entry in found:
            start = time.perf_counter()
            meaning(str(entry["text"]), WHERE[str(entry["where"])])
            times.append(time.perf_counter() - start)
    times.sort()
    pick = lambda q: times[min(len(times) - 1, int(q * len(times)))] * 1000  # noqa: E731
    right = sum(score(e).right for e in found)
    print(f"{len(found)} messages × {ROUNDS} rounds")
    print(
        f"per message: p50 {pick(0.5):.3f} ms, p95 {pick(0.95):.3f} ms, "
        f"p99 {pick(0.99):.3f} ms, max {times[-1] * 1000:.3f} ms, "
        f"mean {statistics.fmean(times) * 1000:.3f} ms"
    )
    print(f"read as labelled: {right}/{len(found)} ({right / len(found):.1%})")


if __name__ == "__main__":
    main()
