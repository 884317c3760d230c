"""The service's Prometheus metrics (prometheus_client), one set of numbers for all processes.

Counted where things happen, like a collections.Counter: `metrics.EVENTS[(channel, kind)] += 1`;
reading `metrics.EVENTS[key]` gives this process's count.

Two modes, chosen once per process by `setup()` (runtime.build calls it):
- no metrics directory (the embedded default): the numbers live in this process;
- a directory (BINHYEN_METRICS_DIR, else PROMETHEUS_MULTIPROC_DIR): every `binhyen serve` and
  `binhyen worker` process writes its counts to files there and `/metrics`, in any process,
  adds up the files of all of them (prometheus_client's multi-process mode). A stopped
  process's counts stay in the sums, so totals never go down. One directory per machine
  (per PID namespace: the files are named by process id), emptied at boot.

prometheus_client picks where values live from PROMETHEUS_MULTIPROC_DIR when it is first
imported, so this module imports it only in `setup()`, after setting that variable; which
also keeps it out of `binhyen --help`.

Who may read them (`status_for`, for the /metrics route of bot/app.py): with
BINHYEN_METRICS_TOKEN set, whoever sends it as `Authorization: Bearer <token>`, from anywhere;
anyone else gets 401. Unset, only a client on this machine: its address is loopback and the
request carries no proxy's forwarding header (a proxy on the same machine would otherwise
make every visitor look local), and only while the service has no public URL and is not in
production; anyone else gets 404, as if there were no such page. The numbers name no
resident, but they show how busy each channel is and how deliveries fail, which is nobody
else's business.

Uptime: `binhyen_uptime_seconds` is the seconds since this process started, or, with a
metrics directory, since the most recent start of a running process (a restart of any of them
shows), from `binhyen_process_start_time_seconds` (gauge, multiprocess mode 'livemax': a
process that stops cleanly drops out).
"""

from __future__ import annotations

import contextlib
import glob
import hmac
import ipaddress
import os
import re
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

# Headers a reverse proxy adds: a request carrying one came from elsewhere through it.
PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip", "x-forwarded-host")
START_TIME = "binhyen_process_start_time_seconds"
UPTIME = "binhyen_uptime_seconds"
_LIVE_FILE = re.compile(r"gauge_live[a-z]+_(\d+)\.db")


class Family:
    """A counter with labels, counted like a collections.Counter keyed by the label values
    (a tuple, or one value for one label). The prometheus_client Counter behind it is made
    on first use, after `setup()`."""

    def __init__(self, name: str, documentation: str, labelnames: tuple[str, ...]) -> None:
        self.name = name
        self.documentation = documentation
        self.labelnames = labelnames
        self._counter: Any = None
        self._counts: dict[tuple[str, ...], int] = {}

    def _labels(self, key: Any) -> tuple[str, ...]:
        values = key if isinstance(key, tuple) else (key,)
        if len(values) != len(self.labelnames):
            raise ValueError(f"{self.name} takes {len(self.labelnames)} label value(s)")
        return tuple(str(v) for v in values)

    def __getitem__(self, key: Any) -> int:
        return self._counts.get(self._labels(key), 0)

    def __setitem__(self, key: Any, value: int) -> None:
        labels = self._labels(key)
        step = value - self._counts.get(labels, 0)
        if step < 0:
            raise ValueError(f"{self.name} only goes up")
        self._counts[labels] = value
        if step:
            self.counter().labels(*labels).inc(step)

    def counter(self) -> Any:
        """The prometheus_client Counter."""
        if self._counter is None:
            from prometheus_client import Counter

            backend = _backend()
            self._counter = Counter(
                self.name, self.documentation, self.labelnames, registry=backend.registry
            )
        return self._counter


EVENTS = Family("binhyen_events_total", "Inbound events handled.", ("channel", "kind"))
DUPLICATES = Family("binhyen_duplicates_total", "Duplicate events dropped.", ("channel",))
FAILURES = Family("binhyen_failures_total", "Events whose handling failed.", ("channel",))
RECONNECTS = Family(
    "binhyen_db_reconnects_total",
    "Events handled again after the database dropped a connection.",
    ("channel",),
)
# Outgoing messages by channel and outcome: sent, retried, rate_limited, unreachable, failed;
# answered (a reply that went in a webhook's answer)).
DELIVERIES = Family(
    "binhyen_deliveries_total", "Outgoing messages by outcome.", ("channel", "outcome")
)
# The police's messages to residents (the outbox: tips' notices and broadcasts' copies) by
# channel and outcome: sent, retry, failed, unreachable, web (waiting for the web chat to
# fetch it), opted_out and cancelled (a broadcast's copy withheld, on channel "none").
OUTBOX = Family(
    "binhyen_outbox_total",
    "Messages from the police to residents by outcome.",
    ("channel", "outcome"),
)
# A turn's owed replies (bot/owed.py): sent again by a redelivery ("redelivered") or a sweep
# ("sent"), a sweep that failed ("failed"), a row with nothing to send ("empty").
OWED = Family(
    "binhyen_owed_replies_total",
    "Replies sent after their first sender stopped, by outcome.",
    ("channel", "outcome"),
)
_FAMILIES = (EVENTS, DUPLICATES, FAILURES, RECONNECTS, DELIVERIES, OUTBOX, OWED)


@dataclass
class _Backend:
    directory: str  # "" when the numbers live in this process
    registry: Any  # where this process's metrics register; None with a directory
    started: float


_state: _Backend | None = None


def setup(directory: str = "") -> None:
    """Choose where this process keeps its numbers, before the first is counted: in
    `directory` (or PROMETHEUS_MULTIPROC_DIR when empty) shared with the other processes, or
    in this process. Idempotent; another directory later in the same process is refused."""
    global _state
    directory = directory or os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
    if _state is not None:
        if _state.directory != directory:
            raise RuntimeError(f"metrics already kept in {_state.directory or 'this process'}")
        return
    if directory:
        os.makedirs(directory, exist_ok=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
        _forget_dead_processes(directory)
    _use_value_class()
    from prometheus_client import CollectorRegistry, Gauge, disable_created_metrics

    disable_created_metrics()  # type: ignore[no-untyped-call]  # no *_created series, as before
    registry = None if directory else CollectorRegistry(auto_describe=True)
    state = _Backend(directory, registry, time.time())
    start = Gauge(
        START_TIME,
        "Start time of the process, seconds since the epoch (the latest of the running ones).",
        registry=registry,
        multiprocess_mode="livemax",
    )
    start.set(state.started)
    if registry is not None:
        registry.register(_Uptime(state))
    _state = state


def _backend() -> _Backend:
    if _state is None:
        setup()  # counted before the runtime was built (unit tests): the defaults
    assert _state is not None
    return _state


def _use_value_class() -> None:
    """prometheus_client chose where values live when it was imported; if something imported
    it before `setup()` set PROMETHEUS_MULTIPROC_DIR, choose again (no metric exists yet)."""
    values = sys.modules.get("prometheus_client.values")
    if values is not None:
        values.ValueClass = values.get_value_class()  # type: ignore[attr-defined]


def _forget_dead_processes(directory: str) -> None:
    """Drop the live gauges of processes that are gone (killed without a clean stop); their
    counters stay, so that totals do not go down."""
    for path in glob.glob(os.path.join(directory, "gauge_live*_*.db")):
        found = _LIVE_FILE.fullmatch(os.path.basename(path))
        if found and not _alive(int(found[1])):
            _mark_dead(int(found[1]), directory)


def _mark_dead(pid: int, directory: str) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(pid, directory)  # type: ignore[no-untyped-call]


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def stopped() -> None:
    """This process is stopping: its live gauges leave the sums (its counters stay)."""
    if _state is not None and _state.directory:
        with contextlib.suppress(OSError):
            _mark_dead(os.getpid(), _state.directory)


def _uptime(started: float) -> Any:
    from prometheus_client.core import GaugeMetricFamily

    uptime = round(time.time() - started)
    return GaugeMetricFamily(UPTIME, "Seconds since the process started.", value=uptime)


class _Uptime:
    """binhyen_uptime_seconds of this process, computed when scraped."""

    def __init__(self, state: _Backend) -> None:
        self._state = state

    def collect(self) -> Iterator[Any]:
        yield _uptime(self._state.started)


class _AllProcesses:
    """The files of every process in the directory, added up, and the uptime since the
    latest start of a running process."""

    def __init__(self, directory: str) -> None:
        from prometheus_client.multiprocess import MultiProcessCollector

        self._files = MultiProcessCollector(None, path=directory)  # type: ignore[no-untyped-call]

    def collect(self) -> Iterator[Any]:
        started = None
        for family in self._files.collect():  # type: ignore[no-untyped-call]
            if family.name == START_TIME and family.samples:
                started = family.samples[0].value
            yield family
        if started is not None:
            yield _uptime(started)


class _Shared:
    """Gauges of the state every process shares (the database's: storage/ops_gauges.py),
    read by the scraped process just before: the same numbers from any process, so the
    alert rules take their max, never their sum."""

    def __init__(self, gauges: Mapping[str, tuple[str, float]]) -> None:
        self._gauges = gauges

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        for name, (documentation, value) in self._gauges.items():
            yield GaugeMetricFamily(name, documentation, value=value)


def exposition(shared: Mapping[str, tuple[str, float]] | None = None) -> tuple[bytes, str]:
    """The Prometheus text exposition (format 0.0.4, which every Prometheus reads) and its
    content type; `shared`: gauges of the shared state, name → (help, value)."""
    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

    backend = _backend()
    for family in _FAMILIES:
        family.counter()  # declared even before the first count, as before
    if backend.registry is None:
        # A fresh registry per scrape, as prometheus_client's multi-process docs ask.
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_AllProcesses(backend.directory))
        if shared:
            registry.register(_Shared(shared))
        return generate_latest(registry), CONTENT_TYPE_PLAIN_0_0_4
    body = generate_latest(backend.registry)
    if shared:
        extra = CollectorRegistry(auto_describe=False)
        extra.register(_Shared(shared))
        body += generate_latest(extra)
    return body, CONTENT_TYPE_PLAIN_0_0_4


def status_for(
    token: str, headers: Mapping[str, str], peer: str | None, *, local_only_ok: bool
) -> int:
    """Whether a request may read the metrics: 200; 401 (a token is set and was not sent);
    404 (no token is set and the client is not on this machine, or `local_only_ok` is off:
    a public URL, production). `headers` are the request's, with lower-case names."""
    if token:
        scheme, _, sent = headers.get("authorization", "").strip().partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            sent.strip().encode(), token.encode()
        ):
            return 200
        return 401
    if not local_only_ok or any(name in headers for name in PROXY_HEADERS):
        return 404
    return 200 if _loopback(peer) else 404


def _loopback(peer: str | None) -> bool:
    try:
        address = ipaddress.ip_address(peer or "")
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return bool(address.is_loopback or (mapped is not None and mapped.is_loopback))
