"""Officers' searches stay out of the access log: `binhyen serve` (uvicorn, as deployed) logs
each request's path without its query string."""

from __future__ import annotations

import logging
import signal
import subprocess
import time
from pathlib import Path

import httpx

from bot import access_log
from tests.e2e.clichat import BINHYEN, chat_env, free_port

PHONE = "0912345678"


def _serve_and_ask(tmp_path: Path, paths: list[str]) -> str:
    """Everything `binhyen serve` printed while it answered these requests."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [*BINHYEN, "serve", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(
        command,
        env=chat_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for _ in range(600):  # until it answers (or it stopped), at most about a minute
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        for path in paths:
            httpx.get(base + path, timeout=10)
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=30)
    return output


def test_served_requests_are_logged_without_their_query(tmp_path: Path) -> None:
    output = _serve_and_ask(
        tmp_path,
        [f"/admin/tips?q={PHONE}", f"/api/v1/tips?q=%2B84{PHONE[1:]}&status=new", "/chat"],
    )
    assert '"GET /admin/tips HTTP/1.1"' in output, output
    assert '"GET /api/v1/tips HTTP/1.1"' in output, output
    assert '"GET /chat HTTP/1.1" 200' in output, output
    assert PHONE not in output and PHONE[1:] not in output and "status=new" not in output


def test_the_filter_keeps_every_other_record_as_it_was() -> None:
    access_log.install()
    access_log.install()
    logger = logging.getLogger(access_log.ACCESS_LOGGER)
    assert sum(isinstance(f, access_log.PathOnly) for f in logger.filters) == 1
    other = logging.LogRecord("uvicorn.access", logging.INFO, "", 0, "%s", ("a?b",), None)
    assert access_log.PathOnly().filter(other) and other.getMessage() == "a?b"
    line = ("127.0.0.1:1", "GET", f"/admin/tips?q={PHONE}", "1.1", 200)
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d', line, None
    )
    assert access_log.PathOnly().filter(record)
    assert record.getMessage() == '127.0.0.1:1 - "GET /admin/tips HTTP/1.1" 200'
