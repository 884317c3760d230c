"""A leader's notice with a photo, written on Telegram (issue 14 and its photo): the photo
sent as Telegram sends one, fetched by getFile and checked on its bytes, shown in the preview
before the text exactly as residents will get it, then replaced by a picture sent as a file
(which Telegram cannot send back as a photo by its file_id: the preview uploads the kept
bytes), a PDF refused, and the approved notice reaching a neighbour with its photo."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI

from handlers import chat_links
from handlers.broadcasts import decide, read
from storage.broadcasts import SqlBroadcastStore
from storage.chat_links import SqlChatLinks, link_key
from tests.e2e import test_telegram as tg
from tests.e2e.test_broadcast_delivery import (  # noqa: F401 (fixtures)
    Town,
    channel_setup,
    copy,
    decided,
    fast_hashing,
    leader_of_tdp5,
    lives_in,
)
from tests.e2e.test_outbox_delivery import officer, pushed
from tests.fakes.telegram_api import Call, FakeTelegram
from tests.fakes.zalo_bot_api import FakeZaloBot

pytestmark = pytest.mark.e2e

JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF\x00" + bytes(range(256)) * 8
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256)) * 3
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
TEXT = "Tổ dân phố số 5 dọn vệ sinh chung sáng Chủ nhật, 7 giờ, tập trung ở nhà văn hoá."
SENDER = "📣 Thông báo của Tổ dân phố số 5, Phường Ba Đình"


@pytest.fixture
def town(
    app: FastAPI, hook: httpx.AsyncClient, fake_telegram: FakeTelegram, fake_zalo_bot: FakeZaloBot
) -> Town:
    return Town(app, hook, fake_telegram, fake_zalo_bot)


async def linked_leader(town: Town) -> tuple[tg.Resident, tg.Resident]:
    """(the leader's own Telegram, linked; a neighbour in Tổ dân phố số 5)."""
    neighbour = await town.on_telegram()
    phone = await town.on_telegram(subscribed=False)
    leader, tdp5 = await leader_of_tdp5(town.app)
    await lives_in(town.app, neighbour, tdp5)
    key = link_key(town.app.state.settings.secret_key.get_secret_value())
    async with town.app.state.runtime.sessions() as session:
        made = await chat_links.new_code(SqlChatLinks(session), leader, key, now=datetime.now(UTC))
        await session.commit()
    assert "Đã liên kết tài khoản tổ trưởng" in await phone.say(made.code)
    return phone, neighbour


def drawn(phone: tg.Resident) -> list[Call]:
    """The preview's photo and the text after it, as the last exchange drew them."""
    calls = [c for c in phone.last if c.method in ("sendPhoto", "sendMessage") and c.ok]
    at = next(i for i, c in enumerate(calls) if c.method == "sendPhoto")
    return calls[at : at + 2]


async def test_a_leader_sends_a_notice_with_a_photo_from_telegram(town: Town) -> None:
    phone, neighbour = await linked_leader(town)
    fake = town.telegram
    await phone.press("menu:notice")
    assert "gửi kèm một ảnh" in await phone.say(TEXT)

    fake.add_file("leader-photo-1", JPEG)
    await phone.post(fake.updates.photo(phone.chat, "leader-photo-1"))
    assert "Đã nhận ảnh" in phone.text
    await phone.press("lnotice:kind:alert")
    photo, text = drawn(phone)
    assert text.params["text"] == copy(TEXT, SENDER)  # after the photo, as residents get it
    assert photo.transport == "multipart" and photo.files["photo"].content == JPEG

    # A PDF is refused; a screenshot sent as a file takes the photo's place.
    fake.add_file("leader-doc-1", PDF, "documents/file_1.pdf")
    await phone.post(fake.updates.document(phone.chat, "leader-doc-1", file_size=len(PDF)))
    assert "Chỉ nhận ảnh JPEG hoặc PNG" in phone.text
    fake.add_file("leader-doc-2", PNG, "documents/file_2.png")
    screenshot = fake.updates.document(
        phone.chat, "leader-doc-2", "anh-chup.png", "image/png", len(PNG)
    )
    await phone.post(screenshot)
    photo, text = drawn(phone)
    assert photo.files["photo"].content == PNG  # uploaded: a document's id is not a photo's
    assert text.params["text"] == copy(TEXT, SENDER)

    assert "Đang chờ Công an xã, phường duyệt" in await phone.press("lnotice:send")
    police = await officer(town.app)
    async with town.app.state.runtime.sessions() as session:
        (pending,) = await read.listing(SqlBroadcastStore(session), police, status="pending")
    assert pending.photo_ref == f"blob:{hashlib.sha256(PNG).hexdigest()}"
    assert pending.photo_mime == "image/png"
    await decided(town.app, decide.approve, police, pending.id)
    assert await pushed(town.app) == 2  # the neighbour's copy, and the leader told
    calls = [c for c in fake.calls() if c.chat_id == neighbour.chat and c.ok]
    assert [c.method for c in calls[-2:]] == ["sendPhoto", "sendMessage"]
    assert calls[-1].params["text"] == copy(TEXT, SENDER)
