"""On Zalo Bot, which has no buttons, a pushed message's choices come as a numbered list:
typing the number works as a tap would, because the push offers them to the chat."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI

from bot.channels.zalo_bot import HEADER
from handlers import casework as cases
from tests.e2e.channels import ChannelSetup, db_rows, vi
from tests.e2e.test_outbox_delivery import QUESTION, act, officer, pushed, tip_for
from tests.e2e.test_zalo_bot import SECRET, UNPACED, Resident, settings_for
from tests.fakes.zalo_bot_api import FakeZaloBot

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        "storage.admin_users.passwords.password_hasher",
        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
    )


@pytest.fixture
def fake(fake_zalo_bot: FakeZaloBot) -> FakeZaloBot:
    return fake_zalo_bot


@pytest.fixture
def channel_setup(fake: FakeZaloBot, sqlite_url: str, media_dir: Path) -> ChannelSetup:
    return ChannelSetup(
        settings_for(fake, sqlite_url, media_dir, outbox_worker=False),
        rates={"zalo_bot": UNPACED},
        webhook_headers={HEADER: SECRET},
    )


@pytest.fixture
def resident(app: FastAPI, hook: httpx.AsyncClient, fake: FakeZaloBot) -> Resident:
    return Resident(app, hook, fake, "7fa0b1c2d3e4f5a6b7c8")


async def test_numbers_answer_the_question_and_rate_the_outcome(
    app: FastAPI, resident: Resident, fake: FakeZaloBot
) -> None:
    await resident.onboard()
    tip_id, code = await tip_for(app, "zalo_bot", resident.chat)
    police = await officer(app)
    await act(app, cases.ask_reporter, police, tip_id, QUESTION)
    before = len(fake.calls("sendMessage"))
    assert await pushed(app) == 1
    resident.last = [c for c in fake.calls("sendMessage")[before:] if c.chat_id == resident.chat]
    assert f"“{QUESTION}”" in resident.text and f"TRẢ LỜI {code}" in resident.text
    assert resident.number_of("Trả lời") == "1"
    text = await resident.say("1")
    assert vi("answer.ask", code=code, limit=4000) in text
    await resident.say("Màu xanh")
    await act(app, cases.close, police, tip_id, "duplicate")
    before = len(fake.calls("sendMessage"))
    await pushed(app)
    resident.last = [c for c in fake.calls("sendMessage")[before:] if c.chat_id == resident.chat]
    assert vi("notice.outcome_duplicate") in resident.text
    text = await resident.say("5")
    assert vi("rating.saved", code=code, stars=5) in text
    url = app.state.settings.database_url
    assert await db_rows(url, f"SELECT rating FROM tips WHERE id = '{tip_id}'") == [(5,)]
    answers = await db_rows(
        url, f"SELECT body FROM tip_events WHERE tip_id = '{tip_id}' AND kind = 'reporter_answer'"
    )
    assert answers == [("Màu xanh",)]
