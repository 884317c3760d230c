"""My data (handlers/mydata.py) through the dispatcher, on the in-memory ports: what is held,
the copy (a JSON file on the web chat and the terminal, a message elsewhere), and erasure,
which needs its own button: typed words of assent, with or without marks, erase nothing.
Erasure twice, erasure with a tip open, a linked leader's chat; the audit names no resident.
What the SQL stores delete is in tests/integration/test_mydata_storage.py."""

from __future__ import annotations

import base64
import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.channels import cli
from bot.channels.web import reply_json
from bot.dispatcher import Dispatcher
from bot.render import text as render
from handlers import held, mydata
from handlers.audit import AuditAction
from handlers.model import Kind, Media, MediaType, RenderedReply
from handlers.ports import Erased, Subscription, SubscriptionKind
from handlers.tipmodel import TipView
from handlers.tips.words import TipStatus
from tests.conftest import Chat, memory_of
from tests.fakes.memory_db import MemoryDatabase, StoredAudit
from tests.unit.test_leader_chat import LEADER, code_for, data_of
from tests.unit.test_report_flow import receipt_of, to_review

BA_DINH = "00004"
AT = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
AWARENESS = Subscription(SubscriptionKind.AWARENESS)
ALERTS = Subscription(SubscriptionKind.ALERTS, BA_DINH)
DESCRIPTION = "lấy trộm xe đạp trước nhà số 12 ngõ 5"  # what to_review's tip says


def db_of(chat: Chat) -> MemoryDatabase:
    return memory_of(chat.dispatcher)


def resident_id(chat: Chat) -> str | None:
    """The resident behind the chat's account, without making one."""
    found = db_of(chat).identities.rows.get((chat.channel, "acc", chat.user))
    return None if found is None else found.resident_id


async def with_data(chat: Chat) -> str:
    """Onboarded, two subscriptions, a card seen and a quiz done, a neighbourhood; the id."""
    db = db_of(chat)
    hood = db.add_neighbourhood(BA_DINH, "Tổ 5")
    await chat.onboard()
    if "hood:" + str(hood) in chat.choices:
        await chat.pick(f"hood:{hood}")
    me = resident_id(chat)
    assert me is not None
    uow = chat.dispatcher.unit_of_work()
    await uow.awareness.subscribe(me, AWARENESS, AT)
    await uow.awareness.subscribe(me, ALERTS, AT)
    await uow.awareness.mark_seen(me, "scam_phone", "fake_authority", AT)
    await uow.awareness.record_quiz(me, "scam_phone", 3, 4, AT)
    await uow.residents.set_neighbourhood(me, hood)
    await uow.commit()
    await uow.close()
    return me


async def with_a_tip(chat: Chat) -> tuple[str, str]:
    await to_review(chat)
    return receipt_of(await chat.pick("tip:confirm"))


async def open_my_data(chat: Chat) -> str:
    await chat.pick("nav:menu")
    await chat.pick("menu:settings")
    assert "settings:mydata" in chat.choices
    return await chat.pick("settings:mydata")


async def to_confirmation(chat: Chat) -> str:
    await open_my_data(chat)
    text = await chat.pick(mydata.ERASE)
    assert chat.choices == [
        mydata.KEEP,
        mydata.COPY,
        mydata.CONFIRM,
        "nav:menu",
        "nav:emergency",
    ]
    return text


def audits(chat: Chat, action: AuditAction) -> list[StoredAudit]:
    return [a for a in db_of(chat).audit.rows.values() if a.action == action.value]


async def state_json(chat: Chat) -> str:
    states = chat.dispatcher.conversations.states  # type: ignore[attr-defined]
    state = await states.load(chat.event().chat_key)
    return "" if state is None else state.to_json()


def the_file(chat: Chat) -> tuple[str, dict[str, Any]]:
    [media] = [m for r in chat.last for m in r.media]
    assert media.type is MediaType.FILE and media.mime == "application/json"
    assert media.data is not None and media.size == len(media.data)
    return media.ref, json.loads(media.data)


# -- what is held --------------------------------------------------------------------------------


async def test_settings_show_what_is_held(chat: Chat) -> None:
    await with_data(chat)
    code, _pin = await with_a_tip(chat)
    text = await open_my_data(chat)
    assert "Đây là những gì Bình Yên đang lưu về bạn" in text
    assert "• Khu vực: Phường Ba Đình, Thành phố Hà Nội" in text
    assert "• Tổ dân phố, thôn: Tổ 5" in text
    assert "• Ngôn ngữ: Tiếng Việt" in text
    assert "• Lời khuyên phòng tránh: đang nhận, từ 23/11/2026" in text
    assert "• Cảnh báo của Công an Phường Ba Đình: đang nhận" in text
    assert "trắc nghiệm cao nhất 3/4" in text
    assert f"📝 Tin báo bạn đã gửi (1)\n• {code} · Trộm cắp – cướp · Mới nhận" in text
    assert DESCRIPTION not in text
    assert chat.choices == [
        mydata.COPY,
        mydata.ERASE,
        "menu:settings",
        "nav:menu",
        "nav:emergency",
    ]
    # The chat's state holds counts, never a tip's code: it must not tie tips to the chat.
    assert code not in await state_json(chat)
    text = await chat.pick("menu:settings")  # back
    assert "settings:mydata" in chat.choices


async def test_a_resident_with_nothing_yet(chat: Chat) -> None:
    await chat.onboard()
    text = await open_my_data(chat)
    assert "bạn chưa đăng ký nhận tin nào" in text
    assert "bạn chưa xem bài nào" in text
    assert "bạn chưa gửi tin báo nào" in text
    text = await chat.pick(mydata.ERASE)
    assert "Bạn chưa gửi tin báo nào" in text and "KHÔNG bị xóa" not in text


# -- the copy ------------------------------------------------------------------------------------


@pytest.mark.parametrize("channel", ["web", "cli"])
async def test_the_copy_is_a_json_file_on_the_web_chat_and_the_terminal(
    dispatcher: Dispatcher, channel: str
) -> None:
    chat = Chat(dispatcher, channel=channel)
    await with_data(chat)
    code, _pin = await with_a_tip(chat)
    await open_my_data(chat)
    text = await chat.pick(mydata.COPY)
    assert "bản sao dữ liệu Bình Yên lưu về bạn, trong một tệp JSON" in text
    assert "Nội dung tin báo là hồ sơ của Công an nên không có trong bản sao" in text
    name, copy = the_file(chat)
    assert name == "binhyen-du-lieu-cua-toi-2026-11-23.json"
    assert copy["format"] == "binhyen.my-data.v1"
    assert copy["profile"] == {
        "language": "vi",
        "province": {"code": "01", "name": "Thành phố Hà Nội"},
        "commune": {"code": BA_DINH, "name": "Phường Ba Đình"},
        "neighbourhood": "Tổ 5",
        "since": None,  # the fake keeps no creation time
        "consent": {
            "version": copy["profile"]["consent"]["version"],
            "accepted_at": AT.isoformat(),
        },
    }
    [account] = copy["chat_accounts"]
    # The web chat's id is its browser's cookie: a key to the chat, never put in a file.
    assert account["user_id"] == (None if channel == "web" else chat.user)
    assert [s["kind"] for s in copy["subscriptions"]] == ["awareness", "alerts"]
    [topic] = copy["learning"]
    assert topic["topic"] == "scam_phone" and topic["best_score"] == 3
    [tip] = copy["tips"]
    assert set(tip) == {
        "code",
        "category",
        "category_name",
        "status",
        "status_name",
        "sent_at",
        "acknowledge_by",
        "decision_by",
    }
    assert tip["code"] == code and tip["status"] == "new"
    assert DESCRIPTION not in json.dumps(copy, ensure_ascii=False)
    # Audited, with no resident in it.
    [row] = audits(chat, AuditAction.RESIDENT_EXPORT)
    assert (row.actor_id, row.actor_username, row.subject) == (None, "resident", "")
    assert row.detail == f"channel={channel};fmt=json;tips=1"
    assert chat.choices[:2] == [mydata.COPY, mydata.ERASE]  # the step goes on


@pytest.mark.parametrize("channel", ["telegram", "zalo_bot", "zalo_oa"])
async def test_the_copy_is_a_message_elsewhere(dispatcher: Dispatcher, channel: str) -> None:
    chat = Chat(dispatcher, channel=channel)
    await with_data(chat)
    code, _pin = await with_a_tip(chat)
    await open_my_data(chat)
    text = await chat.pick(mydata.COPY)
    assert not [m for r in chat.last for m in r.media]
    assert "📄 Bản sao dữ liệu Bình Yên lưu về bạn, lập lúc 23/11/2026 10:00." in text
    assert f"• {code} · Trộm cắp – cướp" in text and "• Khu vực: Phường Ba Đình" in text
    assert "chỉ có mã, loại tin, tình trạng và ngày gửi" in text and DESCRIPTION not in text
    [row] = audits(chat, AuditAction.RESIDENT_EXPORT)
    assert (row.subject, row.detail) == ("", f"channel={channel};fmt=summary;tips=1")


async def test_the_copy_in_english(dispatcher: Dispatcher) -> None:
    chat = Chat(dispatcher, channel="web")
    await with_data(chat)
    await chat.pick("nav:menu")
    await chat.pick("menu:settings")
    await chat.pick("settings:language")
    await chat.pick("lang:en")
    text = await open_my_data(chat)
    assert "This is what Bình Yên keeps about you" in text and "• Language: English" in text
    await chat.pick(mydata.COPY)
    _name, copy = the_file(chat)
    assert str(copy["note"]).startswith("The data Bình Yên keeps about you.")


def test_a_long_list_is_cut_in_a_message_but_whole_in_the_file() -> None:
    tips = [
        TipView(
            f"t{n}", f"BY-{n:04d}-AA", "theft_robbery", TipStatus.NEW, False, AT, AT.date(), None
        )
        for n in range(12)
    ]
    data = held.Held("vi", "01", BA_DINH, None, None, {}, tips)
    shown = "\n\n".join(render(label, "vi") for label in held.summary(data, 10))
    assert "BY-0009-AA" in shown and "BY-0010-AA" not in shown and "… và 2 mục khác" in shown
    assert len(held.document(data, AT)["tips"]) == 12


# -- erasure: only its button erases -------------------------------------------------------------


# What a resident may type at the question, meaning yes or not quite: none of it erases.
TYPED = [
    "Đúng",
    "đúng",
    "Dung",
    "dung",
    "Đúng rồi",
    "dung roi",
    "đúng vậy",
    "Đồng ý",
    "đồng ý",
    "dong y",
    "Dong Y",
    "đồng ý xóa",
    "dong y xoa",
    "có",
    "co",
    "Có, xóa đi",
    "ok",
    "OK",
    "yes",
    "vâng",
    "ừ",
    "xóa",
    "xoa",
    "Xóa đi",
    "xóa vĩnh viễn",
    "xoa vinh vien",
    "xóa tài khoản",
    "Xóa tài khoản của tôi",
    "chắc chắn",
    "tôi muốn xóa",
    "xóa vĩnh viễn tài khoản của tôi đi",
    "33",
    "3.5",
    "ba",
]


@pytest.mark.parametrize("typed", TYPED)
async def test_typed_assent_never_erases(chat: Chat, typed: str) -> None:
    me = await with_data(chat)
    await to_confirmation(chat)
    text = await chat.say(typed)
    assert "Đã xóa tài khoản" not in text
    assert resident_id(chat) == me and db_of(chat).residents.rows.get(me) is not None
    assert len(db_of(chat).subscriptions.rows) == 2
    assert not audits(chat, AuditAction.RESIDENT_ERASE)
    # A clear answer, and the question again with its buttons.
    assert "Chưa xóa gì cả" in text, text
    assert mydata.CONFIRM in chat.choices


@pytest.mark.parametrize("typed", ["1", "không", "Khong", "Không, giữ lại", "khong giu lai"])
async def test_no_keeps_the_account(chat: Chat, typed: str) -> None:
    me = await with_data(chat)
    await to_confirmation(chat)
    text = await chat.say(typed)
    assert "Tài khoản của bạn được giữ nguyên, không có gì bị xóa." in text
    assert chat.choices[:2] == [mydata.COPY, mydata.ERASE]
    assert resident_id(chat) == me


async def test_other_ways_out_erase_nothing(chat: Chat) -> None:
    me = await with_data(chat)
    await to_confirmation(chat)
    await chat.say("hủy")  # cancel: home
    assert "menu:tip" in chat.choices
    await to_confirmation(chat)
    await chat.say("2")  # the copy, asked for first
    assert chat.last[0].text.startswith("📄 Bản sao")
    await to_confirmation(chat)
    await chat.pick("nav:menu")
    await chat.pick(mydata.CONFIRM)  # an old button, no longer offered
    assert "Nút này thuộc một menu cũ" in chat.text
    assert resident_id(chat) == me and not audits(chat, AuditAction.RESIDENT_ERASE)


async def test_the_erase_button_itself_only_asks(chat: Chat) -> None:
    me = await with_data(chat)
    await open_my_data(chat)
    await chat.pick(mydata.ERASE)
    await chat.pick(mydata.ERASE)  # a double tap: stale at the question, nothing erased
    assert "Nút này thuộc một menu cũ" in chat.text and mydata.CONFIRM in chat.choices
    await open_my_data(chat)
    await chat.say("2")  # "xóa tài khoản" by its number: the question, not the erasure
    assert "⚠️ Xóa tài khoản Bình Yên của bạn?" in chat.text
    await chat.say("2")  # the same number again is the copy there, never the erasure
    assert resident_id(chat) == me


@pytest.mark.parametrize(
    "confirm",
    [
        "tap",
        "3",
        "3.",
        "Xóa vĩnh viễn tài khoản",
        "xoa vinh vien tai khoan",
        "🗑️ Xóa vĩnh viễn tài khoản",
    ],
)
async def test_the_confirm_button_erases_the_account(chat: Chat, confirm: str) -> None:
    me = await with_data(chat)
    code, pin = await with_a_tip(chat)
    assert db_of(chat).tip(code).owner_ref is not None
    text = await to_confirmation(chat)
    # Told before confirming: what goes, and that the tip stays with the police, by code + PIN.
    assert "tài khoản chat này" in text and "không khôi phục được" in text
    assert "1 tin báo bạn đã gửi sẽ KHÔNG bị xóa" in text
    assert "theo dõi được từng tin báo bằng mã tin báo và mã PIN" in text
    text = await (chat.pick(mydata.CONFIRM) if confirm == "tap" else chat.say(confirm))
    assert "🗑️ Đã xóa tài khoản Bình Yên của bạn" in text
    assert "1 tin báo của bạn vẫn được Công an lưu giữ làm hồ sơ" in text
    assert "bắt đầu lại như người dùng mới" in text
    assert chat.choices == [mydata.AGAIN]
    db = db_of(chat)
    assert me not in db.residents.rows and resident_id(chat) is None
    assert not db.subscriptions.rows and not db.progress.rows
    [tip] = db.all_tips()
    assert tip.code == code and tip.status == "new"
    assert (tip.owner_ref, tip.reporter_sealed) == (None, "")  # tied to nobody
    assert DESCRIPTION in tip.description
    [row] = audits(chat, AuditAction.RESIDENT_ERASE)
    assert (row.actor_id, row.actor_username, row.subject) == (None, "resident", "")
    assert row.detail == "tips=1;channel=test"
    assert me not in repr(db.audit.rows)
    # The chat starts over as a new resident, who does not see the tip as theirs.
    text = await chat.say("xin chào")
    assert "Bạn muốn dùng tiếng Việt hay tiếng Anh?" in text
    assert resident_id(chat) not in (None, me)
    await chat.onboard()
    text = await chat.pick("menu:mytips")
    assert "chưa gửi tin báo nào" in text
    # …but follows it with its code and PIN.
    text = await chat.say(f"{code} {pin}")
    assert f"Tin báo {code}" in text


async def test_erasure_requested_twice(chat: Chat) -> None:
    me = await with_data(chat)
    await with_a_tip(chat)
    await to_confirmation(chat)
    await chat.pick(mydata.CONFIRM)
    text = await chat.pick(mydata.CONFIRM)  # a double tap: a new resident's greeting
    assert "Bạn muốn dùng tiếng Việt hay tiếng Anh?" in text
    assert "Xin lỗi" not in text  # no apology for a failure
    second = resident_id(chat)
    assert second not in (None, me)
    assert len(audits(chat, AuditAction.RESIDENT_ERASE)) == 1
    # The same event delivered twice is one erasure (the platform's retry).
    await chat.onboard()
    await open_my_data(chat)
    await chat.pick(mydata.ERASE)
    again = chat.event(Kind.CHOICE, choice=mydata.CONFIRM)
    assert await chat.send_event(again) is not None
    assert await chat.send_event(again) is None  # a duplicate, dropped
    assert len(audits(chat, AuditAction.RESIDENT_ERASE)) == 2
    # The store's erasure of someone already gone erases nothing and does not fail.
    uow = chat.dispatcher.unit_of_work()
    assert await uow.mydata.erase(me) == Erased()
    assert await uow.tips.detach_owner(me) == 0
    await uow.close()


async def test_an_old_button_after_erasure_greets_a_new_resident(chat: Chat) -> None:
    await with_data(chat)
    code, _pin = await with_a_tip(chat)
    await to_confirmation(chat)
    await chat.pick(mydata.CONFIRM)
    for old in (f"answer:{code}", mydata.COPY, mydata.CONFIRM, "menu:settings"):
        text = await chat.pick(old)
        assert "Bạn muốn dùng tiếng Việt hay tiếng Anh?" in text, old
    assert "113 — Công an" in await chat.pick("nav:emergency")  # always answered
    assert db_of(chat).tip(code).owner_ref is None


async def test_erasure_while_a_tip_is_open(chat: Chat) -> None:
    me = await with_data(chat)
    code, pin = await with_a_tip(chat)
    db = db_of(chat)
    db.change_tip(db.tip(code).id, status=TipStatus.VERIFYING.value)
    text = await to_confirmation(chat)
    assert "1 tin báo đang được giải quyết" in text
    assert "câu hỏi sẽ không đến được bạn qua đây" in text
    await chat.pick(mydata.CONFIRM)
    tip = db.tip(code)
    assert tip.status == TipStatus.VERIFYING.value
    assert (tip.owner_ref, tip.reporter_sealed) == (None, "")
    assert me not in db.residents.rows
    # Followed from any chat with its code and PIN, as before.
    other = Chat(chat.dispatcher, channel="telegram")
    await other.say(code)
    assert "Đang xác minh" in await other.say(pin)


async def test_a_linked_leader_chat_is_unlinked_and_audited(chat: Chat) -> None:
    await chat.onboard()
    await chat.say(await code_for(chat))
    data = data_of(chat)
    me = resident_id(chat)
    assert me is not None and data.chats == {LEADER.id: me}
    data.chat_channels[me] = chat.channel
    await to_confirmation(chat)
    await chat.pick(mydata.CONFIRM)
    assert data.chats == {}
    action, who, detail, subject, _at = data.link_audits[-1]
    assert (action, who, detail, subject) == (
        AuditAction.CHAT_UNLINK,
        LEADER.username,
        chat.channel,
        LEADER.username,
    )
    await chat.say("chào")
    await chat.pick("lang:vi")
    assert "menu:notice" not in chat.choices


# -- the channels' side of the file ----------------------------------------------------------------


async def test_the_terminal_writes_the_file_and_says_where(
    dispatcher: Dispatcher, tmp_path: Path
) -> None:
    chat = Chat(dispatcher, channel="cli")
    await with_data(chat)
    await open_my_data(chat)
    await chat.pick(mydata.COPY)
    [reply] = [r for r in chat.last if r.media]
    (tmp_path / "binhyen-du-lieu-cua-toi-2026-11-23.json").write_text("mine")
    saved = cli.save_files(reply, tmp_path)
    assert [p.name for p in saved] == ["binhyen-du-lieu-cua-toi-2026-11-23-2.json"]
    assert (tmp_path / "binhyen-du-lieu-cua-toi-2026-11-23.json").read_text() == "mine"
    assert json.loads(saved[0].read_bytes())["format"] == "binhyen.my-data.v1"
    assert stat.S_IMODE(os.stat(saved[0]).st_mode) == 0o600
    drawn = cli.draw(reply, saved)
    assert f"📎 Đã lưu tệp: {saved[0]}" in drawn and "[file]" not in drawn


def test_the_web_chat_gets_the_file_in_the_answer() -> None:
    data = '{"a": "ồ"}'.encode()
    media = Media(MediaType.FILE, "x.json", "application/json", len(data), data=data)
    shown: dict[str, Any] = reply_json(RenderedReply("t", media=(media,)))
    [item] = shown["media"]
    assert item["name"] == "x.json" and item["mime"] == "application/json"
    assert base64.b64decode(item["data"]) == data
    link = Media(MediaType.PHOTO, "/media/p.jpg")
    assert reply_json(RenderedReply("t", media=(link,)))["media"] == [
        {"type": "photo", "url": "/media/p.jpg"}
    ]


@pytest.mark.parametrize(
    "typed", ["yes", "Yes, delete", "delete", "ok", "sure", "Delete my account"]
)
async def test_typed_assent_in_english_never_erases(chat: Chat, typed: str) -> None:
    me = await with_data(chat)
    await chat.pick("nav:menu")
    await chat.pick("menu:settings")
    await chat.pick("settings:language")
    await chat.pick("lang:en")
    text = await to_confirmation(chat)
    assert "⚠️ Delete your Bình Yên account?" in text
    text = await chat.say(typed)
    assert "Nothing was deleted." in text and resident_id(chat) == me
    assert "Your account is kept" in await chat.say("no")
    await chat.pick(mydata.ERASE)
    assert "Your Bình Yên account is deleted" in await chat.say("Delete my account for good")
    assert resident_id(chat) is None
