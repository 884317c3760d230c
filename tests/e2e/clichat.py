"""`binhyen chat` as another program drives it: piped stdin, one message per line."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

BINHYEN = [sys.executable, "-m", "bot.cli"]


def chat_env(tmp_path: Path) -> dict[str, str]:
    """The embedded default in a temporary folder: its own SQLite file and media folder."""
    env = {
        **os.environ,
        "BINHYEN_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
        "BINHYEN_MEDIA_DIR": str(tmp_path / "media"),
    }
    env.pop("BINHYEN_REDIS_URL", None)
    return env


def run_chat(tmp_path: Path, lines: list[str], user: str = "tester") -> list[str]:
    """One `binhyen chat` run; the replies to each input line, in order."""
    done = subprocess.run(
        [*BINHYEN, "chat", "--user", user],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        env=chat_env(tmp_path),
        timeout=90,
        check=True,
    )
    turns = turns_of(done.stdout)
    assert len(turns) == len(lines), done.stdout
    return turns


def turns_of(stdout: str) -> list[str]:
    """Each line's replies end with a blank line after their numbered choices or calls; a
    blank line inside a bot's text (between paragraphs) follows unindented text."""
    turns: list[str] = []
    current: list[str] = []
    for line in stdout.splitlines():
        if line == "" and current and not current[-1].startswith(" "):
            current.append(line)
        elif line == "":
            turns.append("\n".join(current))
            current = []
        else:
            current.append(line)
    if current:
        turns.append("\n".join(current))
    return turns


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(env: dict[str, str], ready: str = "/healthz", within: float = 60) -> Iterator[str]:
    """`binhyen serve` as a process on a free port, once `ready` answers 200 (/readyz: the
    database and Redis too); its base URL. Stopped with SIGTERM after, killed if it hangs."""
    port = free_port()
    command = [*BINHYEN, "serve", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + within
        while True:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, f"binhyen serve was not ready in {within} s"
            try:
                if httpx.get(f"{base}{ready}", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
