"""`binhyen chat` as another program would use it: piped stdin, one message per line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BINHYEN = [sys.executable, "-m", "bot.cli"]


def run_chat(tmp_path: Path, lines: list[str], user: str = "tester") -> list[str]:
    env = {**os.environ, "BINHYEN_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"}
    env.pop("BINHYEN_REDIS_URL", None)
    done = subprocess.run(
        [*BINHYEN, "chat", "--user", user],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    return _turns(done.stdout)


def _turns(stdout: str) -> list[str]:
    """Each message's replies end with a blank line after the numbered choices or calls.

    A blank line inside a bot's text (between paragraphs) follows unindented text.
    """
    turns: list[str] = []
    current: list[str] = []
    for line in stdout.splitlines():
        if line == "" and current and not current[-1].startswith(" "):
            current.append(line)
            continue
        if line == "":
            turns.append("\n".join(current))
            current = []
            continue
        current.append(line)
    if current:
        turns.append("\n".join(current))
    return turns


def test_piped_conversation_onboards_and_numbers_choices(tmp_path: Path) -> None:
    turns = run_chat(tmp_path, ["/start", "1", "ha noi", "phuong ba dinh", "5", "/foo", ""])
    assert len(turns) == 7
    assert turns[0].startswith("Xin chào!")
    assert "  1. Tiếng Việt" in turns[0] and "  2. English" in turns[0]
    assert "Thành phố Hà Nội" in turns[1]
    assert "Ba Đình" in turns[2]
    assert "Đã lưu khu vực của bạn: Phường Ba Đình, Thành phố Hà Nội." in turns[3]
    assert "  1. 📝 Báo tin cho công an" in turns[3]
    assert "tel:113" in turns[4]
    assert "Không có lệnh “/foo”" in turns[5]
    assert "Tin nhắn trống" in turns[6]


def test_the_profile_is_kept_between_runs(tmp_path: Path) -> None:
    run_chat(tmp_path, ["/start", "English", "da nang", "hai chau"], user="u1")
    turns = run_chat(tmp_path, ["/start"], user="u1")
    assert "Welcome back" in turns[0]
    assert "What do you need?" in turns[0]


def test_each_reply_is_flushed_before_the_next_line_is_read(tmp_path: Path) -> None:
    env = {**os.environ, "BINHYEN_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'live.db'}"}
    proc = subprocess.Popen(
        [*BINHYEN, "chat"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write("/start\n")
        proc.stdin.flush()
        first = proc.stdout.readline()  # would block forever if the reply sat in a buffer
        assert first.startswith("Xin chào!")
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
