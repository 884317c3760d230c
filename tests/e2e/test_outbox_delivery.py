"""The police's messages reach the reporter end to end: panel use cases write the outbox, the
app's worker pushes through the real Telegram channel to the fake Bot API, the resident taps
the pushed buttons and answers, and the answer lands on the tip's timeline. The web chat
fetches its messages from POST /chat/api/inbox."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI

from bot.channels.web import COOKIE
from bot.runtime import sealer
from content import legal
from handlers import casework as cases
from handlers import deadlines
from handlers.accounts import create_account
from handlers.people import AdminRole, Identity
from handlers.receipt import new_code
from handlers.tipmodel import TipDraft
from storage import casework
from storage.admin_users import SqlAccountStore, passwords
from storage.casework import SqlCaseStore
from storage.tips import SqlTips
from tests.e2e.channels import ChannelSetup, db_rows, running_app, vi
from tests.e2e.test_telegram import SECRET, UNPACED, Resident, settings_for
from tests.e2e.webchat import API, browser, onboard
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.e2e

QUESTION = "Người đó đi xe máy màu gì?"


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        "storage.admin_users.passwords.password_hasher",
        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
    )


@pytest.fixture
def fake(fake_telegram: FakeTelegram) -> FakeTelegram:
    return fake_telegram


@pytest.fixture
def channel_setup(fake: FakeTelegram, sqlite_url: str, media_dir: Path) -> ChannelSetup:
    # The worker is run by hand (run_once), so that nothing is sent behind the test's back.
    return ChannelSetup(
        settings_for(fake, sqlite_url, media_dir, outbox_worker=False),
        rates={"telegram": UNPACED},
        webhook_headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
    )


@pytest.fixture
def resident(app: FastAPI, hook: httpx.AsyncClient, fake: FakeTelegram) -> Resident:
    return Resident(app, hook, fake, 5550009)


async def officer(app: FastAPI) -> Identity:
    async with app.state.runtime.sessions() as session:
        identity = await create_account(
            SqlAccountStore(session),
            passwords,
            username=f"officer.{uuid.uuid4().hex[:6]}",
            password="mật khẩu đủ dài 2026",
            role=AdminRole.OFFICER,
            commune_code="00004",
            province_code="01",
        )
        await session.commit()
    return identity


async def tip_for(app: FastAPI, channel: str, user_id: str) -> tuple[str, str]:
    """A tip of the resident behind this identity, stored as the bot stores one: (id, code)."""
    rows = await db_rows(
        app.state.settings.database_url,
        "SELECT resident_id FROM channel_identities "
        f"WHERE channel = '{channel}' AND platform_user_id = '{user_id}'",
    )
    [(resident_id,)] = rows
    rt = app.state.runtime
    now = datetime.now(UTC)
    draft = TipDraft(
        category="scam",
        description="Có người gọi tự xưng công an yêu cầu chuyển tiền.",
        commune_code="00004",
        province_code="01",
    )
    async with rt.sessions() as session:
        tips = SqlTips(session, rt.dispatcher.config.pin_secret, sealer(app.state.settings))
        view, _ = await tips.submit(
            submission_key=uuid.uuid4().hex,
            resident_id=resident_id,
            draft=draft,
            pin="246813",
            deadlines=deadlines.initial(now, frozenset()),
            now=now,
            new_code=new_code,
        )
        await session.commit()
    return view.id, view.code


async def act(app: FastAPI, use_case: object, *args: object) -> None:
    async with app.state.runtime.sessions() as session:
        await use_case(SqlCaseStore(session, sealer(app.state.settings)), *args)  # type: ignore[operator]
        await session.commit()


async def pushed(app: FastAPI) -> int:
    sent = await app.state.outbox.run_once()
    await app.state.runtime.delivery.drain()
    return int(sent)


async def statuses(app: FastAPI) -> list[tuple[str, str, str, int]]:
    return await statuses_at(app.state.settings.database_url)


async def test_a_question_is_pushed_answered_by_button_and_lands_on_the_timeline(
    app: FastAPI, resident: Resident, fake: FakeTelegram
) -> None:
    await resident.onboard()
    tip_id, code = await tip_for(app, "telegram", str(resident.chat))
    police = await officer(app)
    await act(app, cases.acknowledge, police, tip_id)
    await act(app, cases.ask_reporter, police, tip_id, QUESTION)
    before = len(fake.calls("sendMessage"))
    assert await pushed(app) == 2
    messages = [c for c in fake.calls("sendMessage")[before:] if c.chat_id == resident.chat]
    assert [c.ok for c in messages] == [True, True]
    ack, question = (c.params["text"] for c in messages)
    assert ack == vi(
        "notice.acknowledged_crime", code=code, procedure=legal.track("crime").procedure.vi
    )
    assert f"“{QUESTION}”" in question and f"TRẢ LỜI {code}" in question
    resident.last = messages
    assert resident.buttons == {vi("notice.answer_button"): f"answer:{code}"}
    assert await statuses(app) == [
        ("tip.acknowledged", "sent", "telegram", 0),
        ("tip.question", "sent", "telegram", 0),
    ]
    text = await resident.press(f"answer:{code}")
    assert vi("answer.ask", code=code, limit=4000) in text
    assert "answerCallbackQuery" in {c.method for c in resident.last}
    text = await resident.say("Màu đỏ, biển số 29-X1 123.45")
    assert vi("answer.saved", code=code) in text
    timeline = await db_rows(
        app.state.settings.database_url,
        f"SELECT kind, visibility, body FROM tip_events WHERE tip_id = '{tip_id}' ORDER BY id",
    )
    assert ("question", "reporter", QUESTION) in timeline
    assert timeline[-1] == ("reporter_answer", "reporter", "Màu đỏ, biển số 29-X1 123.45")
    officer_view = await _detail(app, police, tip_id)
    assert officer_view.reporter_replied_at is not None


async def _detail(app: FastAPI, police: Identity, tip_id: str) -> casework.TipDetail:
    async with app.state.runtime.sessions() as session:
        return await casework.tip_detail(session, police, tip_id)


async def test_the_outcome_is_pushed_and_rated_once(
    app: FastAPI, resident: Resident, fake: FakeTelegram
) -> None:
    await resident.onboard()
    tip_id, code = await tip_for(app, "telegram", str(resident.chat))
    police = await officer(app)
    await act(app, cases.close, police, tip_id, "duplicate")
    await pushed(app)
    [closed] = [c for c in fake.calls("sendMessage") if f"rate:{code}:5" in str(c.params)]
    resident.last = [closed]
    assert vi("notice.outcome_duplicate") in closed.params["text"]
    assert list(resident.buttons.values()) == [f"rate:{code}:{n}" for n in range(1, 6)]
    text = await resident.press(f"rate:{code}:5")
    assert vi("rating.saved", code=code, stars=5) in text
    await resident.post(fake.updates.callback(resident.chat, f"rate:{code}:2"))
    assert vi("rating.already", code=code, stars=5) in resident.text
    rows = await db_rows(
        app.state.settings.database_url, f"SELECT rating FROM tips WHERE id = '{tip_id}'"
    )
    assert rows == [(5,)]


async def test_a_blocked_resident_is_unreachable_and_a_5xx_is_tried_again_later(
    app: FastAPI, resident: Resident, fake: FakeTelegram
) -> None:
    await resident.onboard()
    tip_id, _code = await tip_for(app, "telegram", str(resident.chat))
    police = await officer(app)
    fake.fail_next("sendMessage", 502)
    await act(app, cases.acknowledge, police, tip_id)
    assert await pushed(app) == 1
    assert await statuses(app) == [("tip.acknowledged", "pending", "", 1)]
    assert await pushed(app) == 0  # not due for another 30 s
    app.state.outbox.clock = lambda: datetime.now(UTC) + timedelta(seconds=31)
    assert await pushed(app) == 1
    assert await statuses(app) == [("tip.acknowledged", "sent", "telegram", 1)]
    fake.fail_next("sendMessage", 429, retry_after=1)
    await act(app, cases.ask_reporter, police, tip_id, QUESTION)
    assert await pushed(app) == 1
    assert (await statuses(app))[1] == ("tip.question", "pending", "", 1)
    fake.block_chat(resident.chat)
    await act(app, cases.forward, police, tip_id, "Cơ quan CSĐT Công an TP Hà Nội")
    assert await pushed(app) == 1
    assert (await statuses(app))[2] == ("tip.forwarded", "waiting", "", 0)  # until they return
    reachable = await db_rows(
        app.state.settings.database_url, "SELECT reachable FROM channel_identities"
    )
    assert reachable == [(False,)]


async def test_the_web_chat_gets_its_messages_from_the_inbox_once(app: FastAPI) -> None:
    async with browser(app) as client:
        await onboard(client)
        chat_id = client.cookies[COOKIE]
        tip_id, code = await tip_for(app, "web", chat_id)
        police = await officer(app)
        empty = await client.post("/chat/api/inbox")
        assert empty.status_code == 200 and empty.json() == {"replies": []}
        await act(app, cases.ask_reporter, police, tip_id, QUESTION)
        assert await pushed(app) == 1  # the worker leaves it to the web chat
        got = (await client.post("/chat/api/inbox")).json()
        [reply] = got["replies"]
        assert set(reply) == {"text", "choices", "request", "calls", "media"}
        assert f"“{QUESTION}”" in reply["text"]
        assert reply["choices"] == [{"id": f"answer:{code}", "label": vi("notice.answer_button")}]
        assert (await client.post("/chat/api/inbox")).json() == {"replies": []}
        assert await statuses(app) == [("tip.question", "sent", "web", 0)]
        answer = await client.post(API, json={"kind": "choice", "choice": f"answer:{code}"})
        assert vi("answer.ask", code=code, limit=4000) in answer.json()["replies"][0]["text"]
        saved = await client.post(API, json={"kind": "text", "text": "Màu đỏ"})
        assert vi("answer.saved", code=code) in saved.json()["replies"][0]["text"]
    async with browser(app) as stranger:  # another browser: nothing, and no cookie needed
        assert (await stranger.post("/chat/api/inbox")).json() == {"replies": []}


async def test_the_chat_page_asks_the_inbox() -> None:
    page = (Path(__file__).parents[2] / "bot/channels/static/chat.html").read_text()
    assert '"inbox"' in page and "setInterval(inbox, 15000)" in page


async def test_the_app_sends_the_outbox_in_the_background(
    fake: FakeTelegram, sqlite_url: str, media_dir: Path
) -> None:
    settings = settings_for(fake, sqlite_url, media_dir)  # the worker on, as by default
    assert settings.outbox_worker
    async with running_app(settings, telegram=UNPACED) as app:
        transport = httpx.ASGITransport(app=app)
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", headers=headers
        ) as hook:
            resident = Resident(app, hook, fake, 5550010)
            await resident.onboard()
            tip_id, code = await tip_for(app, "telegram", str(resident.chat))
            await act(app, cases.acknowledge, await officer(app), tip_id)
            await fake.wait_for(
                lambda c: c.method == "sendMessage" and code in c.params.get("text", "")
            )
    assert (await statuses_at(sqlite_url)) == [("tip.acknowledged", "sent", "telegram", 0)]


async def statuses_at(url: str) -> list[tuple[str, str, str, int]]:
    rows = await db_rows(url, "SELECT kind, status, channel, attempts FROM outbox ORDER BY id")
    return [tuple(r) for r in rows]


async def test_binhyen_worker_sends_the_outbox_alone_and_stops_on_a_signal(
    app: FastAPI, resident: Resident, fake: FakeTelegram
) -> None:
    """`binhyen worker` as an operator runs it beside `serve`: it sends what is due through
    the channels, never polls for updates (that is the web service's), and ends cleanly."""
    await resident.onboard()
    tip_id, _code = await tip_for(app, "telegram", str(resident.chat))
    await act(app, cases.ask_reporter, await officer(app), tip_id, QUESTION)
    settings = app.state.settings
    before = len(fake.calls())
    env = {
        **os.environ,
        "BINHYEN_DATABASE_URL": settings.database_url,
        "BINHYEN_MEDIA_DIR": settings.media_dir,
        "BINHYEN_TELEGRAM_TOKEN": settings.telegram_token.get_secret_value(),
        "BINHYEN_TELEGRAM_API_BASE": settings.telegram_api_base,
        "BINHYEN_PUBLIC_URL": "",  # without one, `serve` would poll: the worker must not
    }
    command = [sys.executable, "-m", "bot.cli", "worker"]
    proc = subprocess.Popen(command, env=env, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while [s[:3] for s in await statuses(app)] != [("tip.question", "sent", "telegram")]:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, await statuses(app)
            await asyncio.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGINT)
        returncode = proc.wait(timeout=15)
    assert returncode == 0
    sent = [c for c in fake.calls()[before:] if c.method == "sendMessage"]
    assert len(sent) == 1 and QUESTION in sent[0].params["text"]
    # Nothing but the message: no deleteWebhook or getUpdates, which polling would start with.
    assert [c.method for c in fake.calls()[before:]] == ["sendMessage"]
