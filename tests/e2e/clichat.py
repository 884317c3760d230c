"""`binhyen chat` as another program drives it: piped stdin, one message per line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
