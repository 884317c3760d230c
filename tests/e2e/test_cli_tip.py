"""A whole tip through `binhyen chat` with piped stdin, answering every question by its
number or its label as a person at a terminal would, then follow-up by code and PIN as
another user."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.clichat import run_chat

pytestmark = pytest.mark.e2e

RECEIPT = re.compile(r"Mã tin báo: (BY-[0-9A-Z]{4}-[0-9A-Z]{2})\nMã PIN: (\d{6})")
ONBOARD = ["/start", "1", "ha noi", "phuong ba dinh"]


# What a resident types, by number or by label, and what the bot must say back.
TIP: list[tuple[str, str]] = [
    ("/start", "  1. Tiếng Việt"),
    ("1", "Thành phố Hà Nội"),
    ("ha noi", "Ba Đình"),
    ("phuong ba dinh", "  1. 📝 Báo tin cho công an"),
    ("1", "  1. 📄 Đọc thêm"),
    ("1", "4. Quyền của bạn"),  # the whole notice: a "1" typed twice reads, never agrees
    ("Dạ tôi đồng ý", "  4. Trộm cắp – cướp"),
    ("Trộm cắp – cướp", "Hãy kể lại việc đã xảy ra"),
    ("Tối qua có hai người lạ đi xe máy", "Đã nhận 1 đoạn"),
    ("lấy trộm xe đạp trước nhà số 12 ngõ 5", "Đã nhận 2 đoạn"),
    ("Xong", "  2. Hôm nay"),
    ("hom nay", "Gửi vị trí, gõ địa chỉ"),  # a label typed without accents
    ("Số 12 ngõ 5 phố Đội Cấn", "tối đa 20 MB"),
    ("Bỏ qua", "  2. Không, tiếp tục"),
    ("2", "  2. 📇 Để lại liên hệ"),
    ("Để lại liên hệ", "Họ và tên của bạn?"),
    ("Nguyễn Văn An", "Số điện thoại của bạn?"),
    ("0912 345 678", "• Người báo: Nguyễn Văn An, 0912 345 678"),
    ("Gửi tin báo", "✅ Đã gửi tin báo đến Công an xã, phường."),
]
REVIEW = (
    "• Loại: Trộm cắp – cướp",
    "• Nội dung: Tối qua có hai người lạ đi xe máy\nlấy trộm xe đạp trước nhà số 12 ngõ 5",
    "• Thời gian: Hôm nay",
    "• Địa điểm: Số 12 ngõ 5 phố Đội Cấn (Phường Ba Đình)",
    "• Tệp đính kèm: 0",
    "  1. 📨 Gửi tin báo",
)


def test_a_whole_tip_typed_at_the_terminal_then_followed_up_elsewhere(tmp_path: Path) -> None:
    turns = run_chat(tmp_path, [line for line, _ in TIP], user="reporter")
    for (line, expected), reply in zip(TIP, turns, strict=True):
        assert expected in reply, f"after {line!r}:\n{reply}"
    review, receipt = turns[-2], turns[-1]
    for part in REVIEW:
        assert part in review, review
    found = RECEIPT.search(receipt)
    assert found, receipt
    code, pin = found[1], found[2]
    assert "  1. 📝 Báo tin cho công an" in receipt  # back at the menu

    follow = [*ONBOARD, "Tin báo của tôi", "Theo dõi bằng mã và PIN", code.lower(), pin]
    turns = run_chat(tmp_path, follow, user="other")
    mine, ask_code, ask_pin, shown = turns[-4:]
    assert "Bạn chưa gửi tin báo nào" in mine and code not in mine
    assert "Gõ mã tin báo" in ask_code
    assert "Gõ mã PIN 6 số" in ask_pin
    assert f"Tin báo {code} — Trộm cắp – cướp" in shown
    assert "Tình trạng: Mới nhận, chờ thông báo tiếp nhận" in shown
    assert "Nguyễn" not in shown and "0912" not in shown
