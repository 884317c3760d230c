"""A few Prometheus counters kept in process, without a client library."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

EVENTS: Counter[tuple[str, str]] = Counter()
DUPLICATES: Counter[str] = Counter()
FAILURES: Counter[str] = Counter()
RECONNECTS: Counter[str] = Counter()
# Outgoing messages by channel and outcome: sent, retried, rate_limited, unreachable, failed.
DELIVERIES: Counter[tuple[str, str]] = Counter()
# The police's messages to residents (the outbox) by channel and outcome: sent, retry,
# failed, unreachable, web (waiting for the web chat to fetch it).
OUTBOX: Counter[tuple[str, str]] = Counter()

# name, help, the counter, its label names (one per part of the key)
_COUNTERS: list[tuple[str, str, Counter[Any], tuple[str, ...]]] = [
    ("binhyen_events_total", "Inbound events handled.", EVENTS, ("channel", "kind")),
    ("binhyen_duplicates_total", "Duplicate events dropped.", DUPLICATES, ("channel",)),
    ("binhyen_failures_total", "Events whose handling failed.", FAILURES, ("channel",)),
    (
        "binhyen_db_reconnects_total",
        "Events handled again after the database dropped a connection.",
        RECONNECTS,
        ("channel",),
    ),
    (
        "binhyen_deliveries_total",
        "Outgoing messages by outcome.",
        DELIVERIES,
        ("channel", "outcome"),
    ),
    (
        "binhyen_outbox_total",
        "Messages from the police to residents by outcome.",
        OUTBOX,
        ("channel", "outcome"),
    ),
]


def _labels(names: tuple[str, ...], key: Any) -> str:
    values = key if isinstance(key, tuple) else (key,)
    return ",".join(f'{n}="{v}"' for n, v in zip(names, values, strict=True))


def exposition(started: float) -> str:
    lines = [
        "# HELP binhyen_uptime_seconds Seconds since the process started.",
        "# TYPE binhyen_uptime_seconds gauge",
        f"binhyen_uptime_seconds {time.time() - started:.0f}",
    ]
    for name, text, counter, labels in _COUNTERS:
        lines += [f"# HELP {name} {text}", f"# TYPE {name} counter"]
        lines += [f"{name}{{{_labels(labels, k)}}} {n}" for k, n in sorted(counter.items())]
    return "\n".join(lines) + "\n"
