"""My data (handlers/mydata.py) on Telegram, through the real webhook and the fake Bot API that
checks each request against the spec: the copy comes as a message (no file is uploaded),
typed assent erases nothing, the confirm button erases the account."""

from __future__ import annotations

import pytest

from handlers import mydata
from tests.e2e.channels import db_rows
from tests.e2e.test_telegram import (  # the Telegram set-up, as its own tests use it
    Resident,
    channel_setup,
    fake,
    resident,
)
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.e2e
__all__ = ["channel_setup", "fake", "resident"]  # fixtures


async def test_a_copy_is_a_message_and_only_the_button_erases(
    resident: Resident, fake: FakeTelegram, sqlite_url: str
) -> None:
    await resident.onboard()
    await resident.press("menu:settings")
    text = await resident.press("settings:mydata")
    assert "Đây là những gì Bình Yên đang lưu về bạn" in text and "• Telegram" in text
    before = len(fake.calls())
    text = await resident.press(mydata.COPY)
    sent = {c.method for c in fake.calls()[before:]}
    assert sent <= {"sendMessage", "answerCallbackQuery"}, sent
    assert "📄 Bản sao dữ liệu Bình Yên lưu về bạn, lập lúc" in text
    await resident.press(mydata.ERASE)
    for typed in ("Đúng", "đồng ý", "dung"):
        assert "Chưa xóa gì cả" in await resident.say(typed), typed
    assert len(await db_rows(sqlite_url, "SELECT id FROM residents")) == 1
    text = await resident.press(mydata.CONFIRM)
    assert "Đã xóa tài khoản Bình Yên của bạn" in text
    assert await db_rows(sqlite_url, "SELECT id FROM channel_identities") == []
    assert all(c.ok for c in fake.calls()), [c for c in fake.calls() if not c.ok]
    text = await resident.say("alo")
    assert "lang:vi" in resident.buttons.values()
