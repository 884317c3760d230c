"""A leader links a chat with a code from the panel and composes notices there, through the
dispatcher on the in-memory ports (handlers/chat_links.py, handlers/leader_notice.py): the
code typed as it comes (spaces, lowercase, no dash), refused when used, expired, unknown or
not a leader's; the menu item only for a linked, active leader; compose → pending with the
preview residents will see; refusals keeping the text; old buttons after deactivation. The
notice's photo: tests/unit/test_leader_photo.py."""

from __future__ import annotations

import pytest

from handlers import chat_links
from handlers.audit import AuditAction
from handlers.broadcasts.words import BroadcastStatus
from handlers.people import AdminRole, Identity
from tests.conftest import Chat, Clock, memory_of
from tests.fakes.memory_broadcasts import MemoryBroadcasting

BA_DINH, HA_NOI = "00004", "01"
LEADER = Identity(7, "totruong7", AdminRole.LEADER, BA_DINH, HA_NOI)
OFFICER = Identity(8, "canbo8", AdminRole.OFFICER, BA_DINH, HA_NOI)


def data_of(chat: Chat) -> MemoryBroadcasting:
    data = memory_of(chat.dispatcher).broadcasting
    data.accounts.setdefault(LEADER.id, LEADER)
    data.accounts.setdefault(OFFICER.id, OFFICER)
    return data


def clock_of(chat: Chat) -> Clock:
    clock = chat.dispatcher.config.clock
    assert isinstance(clock, Clock)
    return clock


async def code_for(chat: Chat, who: Identity = LEADER) -> str:
    """A code as the panel makes it for `who` (a leader: the API refuses anyone else)."""
    store = data_of(chat).chat_links()
    key, now = chat.dispatcher.config.link_key, clock_of(chat)()
    if who.role is AdminRole.LEADER:
        made = await chat_links.new_code(store, who, key, now=now)
        code = made.code
    else:  # made by hand: the rule is also checked when the code is used
        code = chat_links.new_text()
        hashed = chat_links.code_hash(key, chat_links.normalised(code) or "")
        await store.add_code(who.id, hashed, now, now + chat_links.LIFETIME)
    store.commit()
    return code


async def linked(chat: Chat) -> None:
    await chat.onboard()
    text = await chat.say(await code_for(chat))
    assert "Đã liên kết tài khoản tổ trưởng" in text
    assert "menu:notice" in chat.choices


# -- the code ------------------------------------------------------------------------------------


def test_the_code_reads_however_it_is_typed_and_never_from_a_word() -> None:
    code = chat_links.new_text()
    assert code.startswith("LK-") and len(code) == 9
    body = code[3:]
    stored = "LK" + body
    for typed in (code, code.lower(), f"lk{body.lower()}", f" LK - {body[:3]} {body[3:]} "):
        assert chat_links.normalised(typed) == stored
    for word in ("lkhanhhh", "LK-ACDEFH", "BY-7K3F-Q9", "123456", "LK-3479", "gọi LK-" + body):
        assert chat_links.normalised(word) is None


async def test_a_valid_code_links_the_chat_and_shows_the_menu_item(chat: Chat) -> None:
    await chat.onboard()
    assert "menu:notice" not in chat.choices
    code = await code_for(chat)
    text = await chat.say(code.lower().replace("-", " "))
    assert "Đã liên kết tài khoản tổ trưởng" in text
    assert chat.choices[0] == "menu:notice"
    data = data_of(chat)
    assert list(data.chats) == [LEADER.id]
    assert [a[0] for a in data.link_audits] == [
        AuditAction.CHAT_LINK_CREATE,
        AuditAction.CHAT_LINK_USE,
    ]


async def test_a_code_used_twice_is_refused(chat: Chat) -> None:
    await chat.onboard()
    code = await code_for(chat)
    await chat.say(code)
    other = Chat(chat.dispatcher)
    await other.onboard()
    assert "đã dùng rồi" in await other.say(code)
    assert "menu:notice" in other.choices or "menu:tip" in other.choices
    assert "menu:notice" not in other.choices
    assert data_of(chat).link_audits[-1][0] is AuditAction.CHAT_LINK_REFUSE


async def test_an_expired_or_unknown_code_is_refused(chat: Chat) -> None:
    await chat.onboard()
    code = await code_for(chat)
    clock_of(chat).advance(minutes=16)
    assert "đã hết hạn" in await chat.say(code)
    assert "không đúng" in await chat.say(chat_links.new_text())
    assert not data_of(chat).chats
    details = [a[2] for a in data_of(chat).link_audits[-2:]]
    assert details == ["expired", "unknown"]


async def test_a_word_that_looks_like_a_code_is_left_to_the_step(chat: Chat) -> None:
    await chat.onboard()
    text = await chat.say("LK-ACDEFH")  # no digit: never a code
    assert "Mã liên kết" not in text
    assert not data_of(chat).link_audits


async def test_a_non_leader_code_links_no_composing(chat: Chat) -> None:
    """An officer's code links their chat to be told of tips (tests/unit/test_officer_chat.py),
    never to compose notices."""
    await chat.onboard()
    text = await chat.say(await code_for(chat, OFFICER))
    assert "không còn là tổ trưởng" not in text
    assert "menu:notice" not in chat.choices and list(data_of(chat).chats) == [OFFICER.id]


async def test_the_panel_makes_no_code_for_a_province_admin(chat: Chat) -> None:
    from handlers.errors import Forbidden

    admin = Identity(9, "tinh9", AdminRole.PROVINCE_ADMIN, "", HA_NOI)
    with pytest.raises(Forbidden):
        await chat_links.new_code(data_of(chat).chat_links(), admin, b"k", now=clock_of(chat)())


# -- composing -----------------------------------------------------------------------------------


async def test_compose_preview_then_send_waits_for_the_police(chat: Chat) -> None:
    await linked(chat)
    assert "tối đa 2.000 ký tự" in await chat.pick("menu:notice")
    assert "gửi kèm một ảnh" in await chat.say("Tối nay 19h họp tổ dân phố tại nhà văn hoá.")
    assert chat.choices[0] == "lnotice:nophoto"
    await chat.pick("lnotice:nophoto")
    assert chat.choices[:2] == ["lnotice:kind:alert", "lnotice:kind:awareness"]
    preview = await chat.pick("lnotice:kind:awareness")
    assert "Người dân sẽ nhận được đúng như sau" in preview
    assert "💡 Thông báo của Phường Ba Đình" in preview  # the sender line, never a name
    assert "Tối nay 19h họp tổ dân phố" in preview and LEADER.username not in preview
    assert chat.choices[:4] == ["lnotice:send", "lnotice:edit", "lnotice:photo", "lnotice:drop"]
    assert "Đang chờ Công an xã, phường duyệt" in await chat.pick("lnotice:send")
    (made,) = data_of(chat).broadcasts.values()
    assert made.status is BroadcastStatus.PENDING and made.sender_id == LEADER.id
    assert made.text == "Tối nay 19h họp tổ dân phố tại nhà văn hoá."


async def test_without_approval_it_is_sent_at_once(chat: Chat) -> None:
    await linked(chat)
    data_of(chat).approval[BA_DINH] = False
    await chat.pick("menu:notice")
    await chat.say("Cảnh báo lừa đảo qua điện thoại")
    await chat.pick("lnotice:nophoto")
    await chat.pick("lnotice:kind:alert")
    assert "Đã gửi" in await chat.pick("lnotice:send")
    (made,) = data_of(chat).broadcasts.values()
    assert made.status is BroadcastStatus.SENDING


async def test_too_long_is_refused_naming_the_limit(chat: Chat) -> None:
    await linked(chat)
    await chat.pick("menu:notice")
    text = await chat.say("a" * 2001)
    assert "2001 ký tự" in text and "2.000" in text
    assert "lnotice:kind:alert" not in chat.choices


async def test_the_daily_limit_is_said_and_the_text_kept(chat: Chat) -> None:
    await linked(chat)
    for n in range(6):
        await chat.pick("menu:notice")
        await chat.say(f"Thông báo số {n}")
        await chat.pick("lnotice:nophoto")
        await chat.pick("lnotice:kind:alert")
        text = await chat.pick("lnotice:send")
    assert "đã gửi đủ 5 thông báo" in text and "Nội dung vẫn được giữ" in text
    assert "Thông báo số 5" in text  # the preview again, with the text
    assert "lnotice:send" in chat.choices
    assert len(data_of(chat).broadcasts) == 5


async def test_edit_keeps_the_kind_and_cancel_sends_nothing(chat: Chat) -> None:
    await linked(chat)
    await chat.pick("menu:notice")
    await chat.say("Bản nháp")
    await chat.pick("lnotice:nophoto")
    await chat.pick("lnotice:kind:alert")
    assert "Bản nháp" in await chat.pick("lnotice:edit")
    preview = await chat.say("Bản sửa")
    assert "📣 Thông báo của Phường Ba Đình" in preview and "Bản sửa" in preview
    assert "Không có gì được gửi" in await chat.pick("lnotice:drop")
    assert not data_of(chat).broadcasts


async def test_old_buttons_after_the_account_is_deactivated_send_nothing(chat: Chat) -> None:
    await linked(chat)
    await chat.pick("menu:notice")
    await chat.say("Thông báo cũ")
    await chat.pick("lnotice:nophoto")
    await chat.pick("lnotice:kind:alert")
    data_of(chat).inactive_accounts.add(LEADER.id)
    text = await chat.pick("lnotice:send")
    assert "không còn gắn với tài khoản tổ trưởng" in text
    assert not data_of(chat).broadcasts
    assert "menu:notice" not in chat.choices
    assert "menu cũ" in await chat.pick("menu:notice")  # not offered any more


# -- the decision, told in the chat ---------------------------------------------------------------


async def test_the_police_decision_is_queued_for_the_linked_chat_only(chat: Chat) -> None:
    from handlers.broadcasts import compose, decide
    from handlers.notices import Notice

    data = MemoryBroadcasting()
    data.chats[LEADER.id] = "resident-1"
    lone = Identity(9, "totruong9", AdminRole.LEADER, BA_DINH, HA_NOI)
    store = data.store()
    first = await compose.compose(store, LEADER, compose.Draft("Họp tổ tối nay lúc 19 giờ"))
    second = await compose.compose(store, lone, compose.Draft("Thông báo không liên kết"))
    await decide.reject(store, OFFICER, first.id, "Trùng với thông báo của xã")
    await decide.approve(store, OFFICER, second.id)
    store.commit()
    assert data.told == [
        (
            "resident-1",
            Notice.BROADCAST_REJECTED,
            {"excerpt": "Họp tổ tối nay lúc 19 giờ", "reason": "Trùng với thông báo của xã"},
        )
    ]
