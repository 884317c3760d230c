"""`binhyen chat` as another program would use it: piped stdin, one message per line."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.e2e.clichat import BINHYEN, chat_env, run_chat


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
    run_chat(tmp_path, ["/start", "English", "da nang", "phuong hai chau"], user="u1")
    turns = run_chat(tmp_path, ["/start"], user="u1")
    assert "Welcome back" in turns[0]
    assert "What do you need?" in turns[0]


def test_each_reply_is_flushed_before_the_next_line_is_read(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [*BINHYEN, "chat"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=chat_env(tmp_path),
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
