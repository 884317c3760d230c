"""Issue 15, end to end through the fake Telegram: an officer links their own Telegram chat
with a code from the panel, an urgent tip arrives and the worker pushes them its code,
category, deadline and the panel's link, never what the tip says nor who sent it; the
reporter answers the officer's question in their chat and the officer is told that an
answer came, not what it says. Turned off, deactivated or unlinked: nothing more. A code used
again, or typed in a chat another account holds, is refused and audited.

The worker is run by hand (run_once), so that nothing is sent behind the test's back."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from sqlalchemy import select, update

from bot.runtime import sealer
from handlers import casework as cases
from handlers import chat_links, deadlines
from handlers.accounts import create_account
from handlers.chat_links import Wants
from handlers.people import AdminRole, Identity
from handlers.receipt import new_code
from handlers.tipmodel import TipDraft
from storage.admin_users import SqlAccountStore, passwords
from storage.chat_links import SqlChatLinks, link_key
from storage.models import AdminUser, AuditLog, ChannelIdentity
from storage.tips import SqlTips
from tests.e2e import test_telegram as tg
from tests.e2e.channels import ChannelSetup, app_settings
from tests.e2e.test_outbox_delivery import act, pushed
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.e2e

PUBLIC = "https://binhyen.example"
BA_DINH = "00004"
DESCRIPTION = "Ông Trần Văn Bảy ở ngõ 12 Đội Cấn gọi tự xưng công an đòi chuyển 50 triệu"
REPORTER, PHONE = "Lê Thị Hồng Nhung", "+84912345678"
ANSWER = "Số máy gọi tới là 0987654321, giọng miền Nam"


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        "storage.admin_users.passwords.password_hasher",
        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
    )


@pytest.fixture
def channel_setup(
    fake_telegram: FakeTelegram, sqlite_url: str, media_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> ChannelSetup:
    """One app with Telegram, the worker off (run by hand), a public URL for the links."""
    settings = app_settings(
        sqlite_url,
        media_dir,
        public_url=PUBLIC,
        telegram_token=fake_telegram.token,
        telegram_api_base=fake_telegram.api_base,
        telegram_webhook_secret=tg.SECRET,
        outbox_worker=False,
    )
    return ChannelSetup(
        settings,
        rates={"telegram": tg.UNPACED},
        webhook_headers={"X-Telegram-Bot-Api-Secret-Token": tg.SECRET},
    )


async def account(app: FastAPI, role: AdminRole, username: str) -> Identity:
    async with app.state.runtime.sessions() as session:
        made = await create_account(
            SqlAccountStore(session),
            passwords,
            username=username,
            password="mật khẩu đủ dài 2026",
            role=role,
            commune_code=BA_DINH,
            province_code="01",
            display_name="Phạm Quang Huy",
        )
        await session.commit()
    return made


async def code_for(app: FastAPI, who: Identity) -> str:
    """A code as the account page or POST /api/v1/me/chat-links makes it."""
    key = link_key(app.state.settings.secret_key.get_secret_value())
    async with app.state.runtime.sessions() as session:
        made = await chat_links.new_code(SqlChatLinks(session), who, key, now=datetime.now(UTC))
        await session.commit()
    return made.code


async def urgent_tip(app: FastAPI, resident: tg.Resident) -> tuple[str, str]:
    """An urgent tip of this Telegram resident, stored as the bot stores one: (id, code)."""
    rt = app.state.runtime
    now = datetime.now(UTC)
    async with rt.sessions() as session:
        resident_id = await session.scalar(
            select(ChannelIdentity.resident_id).where(
                ChannelIdentity.platform_user_id == str(resident.chat)
            )
        )
        assert resident_id is not None
        draft = TipDraft(
            category="fraud_phone",
            description=DESCRIPTION,
            commune_code=BA_DINH,
            province_code="01",
            anonymous=False,
            contact_name=REPORTER,
            contact_phone=PHONE,
            urgent=True,
        )
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


def received(fake: FakeTelegram, resident: tg.Resident) -> list[str]:
    return [
        c.params["text"] for c in fake.calls("sendMessage") if c.chat_id == resident.chat and c.ok
    ]


async def refusals(app: FastAPI) -> list[tuple[str, str]]:
    async with app.state.runtime.sessions() as session:
        rows = await session.execute(
            select(AuditLog.actor_username, AuditLog.detail)
            .where(AuditLog.action == "chat_link.refuse")
            .order_by(AuditLog.id)
        )
        return [(r[0], r[1]) for r in rows]


async def test_an_officer_is_told_of_an_urgent_tip_and_an_answer_and_nothing_private(
    app: FastAPI, hook: httpx.AsyncClient, fake_telegram: FakeTelegram
) -> None:
    reporter = tg.Resident(app, hook, fake_telegram, 5552001)
    phone = tg.Resident(app, hook, fake_telegram, 5552002)  # the officer's own Telegram
    bystander = tg.Resident(app, hook, fake_telegram, 5552003)
    for chat in (reporter, phone, bystander):
        await chat.onboard()
    officer = await account(app, AdminRole.OFFICER, "huy.ba-dinh")
    code = await code_for(app, officer)
    linked = await phone.say(code.lower())
    assert "Đã liên kết tài khoản cán bộ" in linked
    assert "menu:notice" not in phone.buttons.values()  # officers do not compose here
    assert "đã dùng rồi" in await bystander.say(code)  # once only

    tip_id, tip_code = await urgent_tip(app, reporter)
    assert await pushed(app) == 1
    told = received(fake_telegram, phone)[-1]
    assert told.startswith(f"🚨 Tin báo khẩn {tip_code} · Lừa đảo qua điện thoại · hạn ")
    assert told.endswith(f" · {PUBLIC}/admin/tips/{tip_id}")
    to_phone = "".join(received(fake_telegram, phone))
    for private in (DESCRIPTION, "Trần Văn Bảy", REPORTER, PHONE, "912345678"):
        assert private not in to_phone

    await act(app, cases.acknowledge, officer, tip_id)
    await act(app, cases.ask_reporter, officer, tip_id, "Số máy gọi tới bạn là số nào?")
    assert await pushed(app) == 2  # the acknowledgement and the question, to the reporter
    saved = await reporter.say(f"TRẢ LỜI {tip_code} {ANSWER}")
    assert tip_code in saved
    assert await pushed(app) == 1
    told = received(fake_telegram, phone)[-1]
    link = f"{PUBLIC}/admin/tips/{tip_id}"
    assert told == f"💬 Người báo tin đã trả lời câu hỏi của tin {tip_code} · {link}"
    assert "0987654321" not in "".join(received(fake_telegram, phone))
    assert "0987654321" not in "".join(received(fake_telegram, bystander))


async def test_turned_off_deactivated_or_unlinked_gets_nothing_more(
    app: FastAPI, hook: httpx.AsyncClient, fake_telegram: FakeTelegram
) -> None:
    reporter = tg.Resident(app, hook, fake_telegram, 5553001)
    phone = tg.Resident(app, hook, fake_telegram, 5553002)
    chief_phone = tg.Resident(app, hook, fake_telegram, 5553003)
    for chat in (reporter, phone, chief_phone):
        await chat.onboard()
    officer = await account(app, AdminRole.OFFICER, "huy.ba-dinh")
    chief = await account(app, AdminRole.CHIEF, "truong.ba-dinh")
    assert "Đã liên kết tài khoản cán bộ" in await phone.say(await code_for(app, officer))
    assert "Đã liên kết tài khoản cán bộ" in await chief_phone.say(await code_for(app, chief))
    before = len(received(fake_telegram, phone))

    async with app.state.runtime.sessions() as session:
        await chat_links.set_own_wants(
            SqlChatLinks(session), officer, Wants(urgent_tips=False), now=datetime.now(UTC)
        )
        await session.commit()
    await urgent_tip(app, reporter)
    assert await pushed(app) == 1  # the chief's only
    assert len(received(fake_telegram, phone)) == before
    assert "🚨 Tin báo khẩn" in received(fake_telegram, chief_phone)[-1]

    async with app.state.runtime.sessions() as session:
        await chat_links.set_own_wants(
            SqlChatLinks(session), officer, Wants(), now=datetime.now(UTC)
        )
        await session.commit()
    await urgent_tip(app, reporter)  # queued for both …
    async with app.state.runtime.sessions() as session:  # … then the officer is deactivated
        await session.execute(
            update(AdminUser).where(AdminUser.id == officer.id).values(active=False)
        )
        await session.commit()
    await pushed(app)
    # Held back at send time where the worker asks storage/officer_notifications.still_told;
    # in any case nothing new is queued for a deactivated account:
    chief_before = len(received(fake_telegram, chief_phone))
    sent_before = len(received(fake_telegram, phone))
    await urgent_tip(app, reporter)
    assert await pushed(app) == 1
    assert len(received(fake_telegram, phone)) == sent_before
    assert len(received(fake_telegram, chief_phone)) == chief_before + 1

    async with app.state.runtime.sessions() as session:  # the chief unlinks: one tap
        await chat_links.unlink(
            SqlChatLinks(session), chief, chief.id, "telegram", now=datetime.now(UTC)
        )
        await session.commit()
    await urgent_tip(app, reporter)
    assert await pushed(app) == 0
    assert len(received(fake_telegram, chief_phone)) == chief_before + 1


async def test_a_code_in_another_accounts_chat_or_expired_is_refused_and_audited(
    app: FastAPI, hook: httpx.AsyncClient, fake_telegram: FakeTelegram
) -> None:
    phone = tg.Resident(app, hook, fake_telegram, 5554001)
    await phone.onboard()
    officer = await account(app, AdminRole.OFFICER, "huy.ba-dinh")
    colleague = await account(app, AdminRole.OFFICER, "lan.ba-dinh")
    assert "Đã liên kết tài khoản cán bộ" in await phone.say(await code_for(app, officer))
    refused = await phone.say(await code_for(app, colleague))
    assert "đã liên kết với một tài khoản khác" in refused
    async with app.state.runtime.sessions() as session:
        await session.execute(
            update(AdminUser).where(AdminUser.id == colleague.id).values(active=False)
        )
        await session.commit()
    other = tg.Resident(app, hook, fake_telegram, 5554002)
    await other.onboard()
    assert "đã bị khóa" in await other.say(await code_for_inactive(app, colleague))
    assert await refusals(app) == [
        ("lan.ba-dinh", "other_account"),
        ("lan.ba-dinh", "inactive"),
    ]


async def code_for_inactive(app: FastAPI, who: Identity) -> str:
    """A code made while the account was active, typed after it was deactivated."""
    key = link_key(app.state.settings.secret_key.get_secret_value())
    text = chat_links.new_text()
    hashed = chat_links.code_hash(key, chat_links.normalised(text) or "")
    now = datetime.now(UTC)
    async with app.state.runtime.sessions() as session:
        await SqlChatLinks(session).add_code(who.id, hashed, now, now + chat_links.LIFETIME)
        await session.commit()
    return text
