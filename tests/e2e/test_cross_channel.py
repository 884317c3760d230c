"""One app with Telegram and the Zalo bot at once: a Zalo user and a Telegram user are
different residents, and a tip sent from Zalo is followed up from Telegram with its code
and PIN."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests.e2e import test_telegram as tg
from tests.e2e import test_zalo_bot as zb
from tests.e2e.channels import RECEIPT, app_settings, db_rows, running_app
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.zalo_bot_api import FakeZaloBot

pytestmark = pytest.mark.e2e


@pytest.fixture
async def both(
    fake_telegram: FakeTelegram, fake_zalo_bot: FakeZaloBot, sqlite_url: str, tmp_path: Path
) -> AsyncIterator[FastAPI]:
    settings = app_settings(
        sqlite_url,
        tmp_path / "media",
        public_url="https://binhyen.example",
        telegram_token=fake_telegram.token,
        telegram_api_base=fake_telegram.api_base,
        telegram_webhook_secret=tg.SECRET,
        zalo_bot_token=fake_zalo_bot.token,
        zalo_bot_api_base=fake_zalo_bot.api_base,
        zalo_bot_webhook_secret=zb.SECRET,
    )
    async with running_app(settings, telegram=tg.UNPACED, zalo_bot=zb.UNPACED) as app:
        yield app


def _client(app: FastAPI, headers: dict[str, str]) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=headers)


async def test_a_tip_from_zalo_is_followed_up_from_telegram(
    both: FastAPI, fake_telegram: FakeTelegram, fake_zalo_bot: FakeZaloBot, sqlite_url: str
) -> None:
    async with (
        _client(both, {zb.HEADER: zb.SECRET}) as zalo_hook,
        _client(both, {"X-Telegram-Bot-Api-Secret-Token": tg.SECRET}) as tg_hook,
    ):
        on_zalo = zb.Resident(both, zalo_hook, fake_zalo_bot, "zalo-user-1")
        await on_zalo.onboard()
        await zb.tip_until_review(on_zalo, "Có người lạ bẻ khóa xe đạp trước cổng trường.")
        await on_zalo.say("Bỏ qua")  # no files
        await on_zalo.choose("Không, tiếp tục")
        await on_zalo.say("Ẩn danh")
        await on_zalo.say("Một người đàn ông khoảng 40 tuổi, đội mũ bảo hiểm màu đỏ.")
        await on_zalo.say("Tôi thấy lúc 7 giờ sáng khi đưa con đi học.")
        await on_zalo.choose("Gửi tin báo")
        code = RECEIPT.search(on_zalo.text)
        pin = re.search(r"\b(\d{6})\b", on_zalo.text)
        assert code and pin, on_zalo.text

        on_telegram = tg.Resident(both, tg_hook, fake_telegram, 7770001)
        await on_telegram.onboard()
        await on_telegram.press("menu:mytips")
        assert code.group(0) not in on_telegram.text  # not this resident's tip
        await on_telegram.say(code.group(0))  # a code typed anywhere asks for its PIN
        await on_telegram.say(pin.group(1))
        assert f"Tin báo {code.group(0)}" in on_telegram.text

    identities = await db_rows(
        sqlite_url, "SELECT channel, resident_id FROM channel_identities ORDER BY channel"
    )
    assert [c for c, _ in identities] == ["telegram", "zalo_bot"]
    assert identities[0][1] != identities[1][1]  # two residents
