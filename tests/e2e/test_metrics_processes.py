"""/metrics adds up every process that shares a metrics directory (BINHYEN_METRICS_DIR)."""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.clichat import BINHYEN, chat_env, serving

pytestmark = pytest.mark.e2e


def _env(workdir: Path, metrics_dir: Path) -> dict[str, str]:
    """A process of its own (SQLite file, media) on the shared metrics directory."""
    workdir.mkdir()
    env = {k: v for k, v in chat_env(workdir).items() if not k.startswith("PROMETHEUS_")}
    return {**env, "BINHYEN_METRICS_DIR": str(metrics_dir)}


def _value(text: str, sample: str) -> float:
    found = re.search(rf"^{re.escape(sample)} (\S+)$", text, re.M)
    assert found, f"{sample} not in\n{text}"
    return float(found[1])


def test_metrics_add_up_the_processes_of_the_directory(tmp_path: Path) -> None:
    metrics_dir = tmp_path / "metrics"
    # One `binhyen chat` killed after its first answer: no clean stop, its files stay.
    killed = subprocess.Popen(
        [*BINHYEN, "chat", "--user", "a"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=_env(tmp_path / "a", metrics_dir),
    )
    assert killed.stdin is not None and killed.stdout is not None
    killed.stdin.write("/start\n")
    killed.stdin.flush()
    assert killed.stdout.readline().startswith("Xin chào!")
    killed.kill()
    killed.wait(timeout=15)
    assert (metrics_dir / f"gauge_livemax_{killed.pid}.db").exists()
    # Another that ends cleanly: one command and two texts.
    subprocess.run(
        [*BINHYEN, "chat", "--user", "b"],
        input="/start\n1\nha noi\n",
        capture_output=True,
        text=True,
        env=_env(tmp_path / "b", metrics_dir),
        timeout=90,
        check=True,
    )
    before_serve = time.time()
    with serving(_env(tmp_path / "serve", metrics_dir)) as base:
        # The dead process's live gauge was dropped at start; its counts were not.
        assert not (metrics_dir / f"gauge_livemax_{killed.pid}.db").exists()
        assert (metrics_dir / f"counter_{killed.pid}.db").exists()
        answer = httpx.post(f"{base}/chat/api/messages", json={"kind": "command", "text": "/start"})
        assert answer.status_code == 200, answer.text
        response = httpx.get(f"{base}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = response.text
    assert "# TYPE binhyen_events_total counter" in text
    assert "# HELP binhyen_events_total Inbound events handled." in text
    assert _value(text, 'binhyen_events_total{channel="cli",kind="command"}') == 2
    assert _value(text, 'binhyen_events_total{channel="cli",kind="text"}') == 2
    assert _value(text, 'binhyen_events_total{channel="web",kind="command"}') == 1
    # The running process is the only live one: uptime counts from its start.
    started = _value(text, "binhyen_process_start_time_seconds")
    assert before_serve - 1 <= started <= time.time()
    assert 0 <= _value(text, "binhyen_uptime_seconds") <= time.time() - before_serve + 1
    assert not any(name.startswith("gauge_live") for name in os.listdir(metrics_dir))
