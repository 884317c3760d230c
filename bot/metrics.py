"""A few Prometheus counters kept in process, without a client library."""

from __future__ import annotations

import time
from collections import Counter

EVENTS: Counter[tuple[str, str]] = Counter()
DUPLICATES: Counter[str] = Counter()
FAILURES: Counter[str] = Counter()


def exposition(started: float) -> str:
    lines = [
        "# HELP binhyen_uptime_seconds Seconds since the process started.",
        "# TYPE binhyen_uptime_seconds gauge",
        f"binhyen_uptime_seconds {time.time() - started:.0f}",
        "# HELP binhyen_events_total Inbound events handled, by channel and kind.",
        "# TYPE binhyen_events_total counter",
    ]
    lines += [
        f'binhyen_events_total{{channel="{c}",kind="{k}"}} {n}'
        for (c, k), n in sorted(EVENTS.items())
    ]
    lines += [
        "# HELP binhyen_duplicates_total Duplicate events dropped.",
        "# TYPE binhyen_duplicates_total counter",
    ]
    lines += [
        f'binhyen_duplicates_total{{channel="{c}"}} {n}' for c, n in sorted(DUPLICATES.items())
    ]
    lines += [
        "# HELP binhyen_failures_total Events whose handling failed.",
        "# TYPE binhyen_failures_total counter",
    ]
    lines += [f'binhyen_failures_total{{channel="{c}"}} {n}' for c, n in sorted(FAILURES.items())]
    return "\n".join(lines) + "\n"
