"""Officers and chiefs link a chat as leaders do (issue 15), through the dispatcher on the
in-memory ports: the panel makes them a code (a province admin none), typing it links the
chat without the leader's notice item, a deactivated officer's code links nothing and is
audited; what they are told there is their choice (all on by default). The notices they get
are rendered from code, category, deadline and link only (handlers/notices.py)."""

from __future__ import annotations

import pytest

from handlers import chat_links, notices
from handlers.audit import AuditAction
from handlers.errors import Forbidden
from handlers.model import Localized, Msg
from handlers.people import AdminRole, Identity
from tests.conftest import Chat, Clock, memory_of
from tests.fakes.memory_broadcasts import MemoryBroadcasting

BA_DINH, HA_NOI = "00004", "01"
OFFICER = Identity(21, "canbo21", AdminRole.OFFICER, BA_DINH, HA_NOI)
CHIEF = Identity(22, "truongcong22", AdminRole.CHIEF, BA_DINH, HA_NOI)
PROVINCE = Identity(23, "tinh23", AdminRole.PROVINCE_ADMIN, "", HA_NOI)
LEADER = Identity(24, "totruong24", AdminRole.LEADER, BA_DINH, HA_NOI)
LINK = "https://binhyen.example/admin/tips/0f1e"


def data_of(chat: Chat) -> MemoryBroadcasting:
    data = memory_of(chat.dispatcher).broadcasting
    for who in (OFFICER, CHIEF, PROVINCE, LEADER):
        data.accounts.setdefault(who.id, who)
    return data


def clock_of(chat: Chat) -> Clock:
    clock = chat.dispatcher.config.clock
    assert isinstance(clock, Clock)
    return clock


async def code_for(chat: Chat, who: Identity) -> str:
    store = data_of(chat).chat_links()
    made = await chat_links.new_code(
        store, who, chat.dispatcher.config.link_key, now=clock_of(chat)()
    )
    store.commit()
    return made.code


@pytest.mark.parametrize("who", [OFFICER, CHIEF])
async def test_an_officers_code_links_the_chat_without_the_notice_item(
    chat: Chat, who: Identity
) -> None:
    await chat.onboard()
    text = await chat.say(await code_for(chat, who))
    assert "Đã liên kết tài khoản cán bộ" in text
    assert "menu:notice" not in chat.choices  # only leaders compose
    data = data_of(chat)
    assert who.id in data.chats
    actions = [a[0] for a in data.link_audits]
    assert actions == [AuditAction.CHAT_LINK_CREATE, AuditAction.CHAT_LINK_USE]
    # The chat stays an ordinary one for the router: no leader is looked up for it.
    assert "menu:notice" not in chat.choices
    await chat.say("menu")
    assert "menu:notice" not in chat.choices


async def test_a_province_admin_gets_no_code(chat: Chat) -> None:
    with pytest.raises(Forbidden):
        await chat_links.new_code(data_of(chat).chat_links(), PROVINCE, b"k", now=clock_of(chat)())


async def test_a_deactivated_officers_code_links_nothing_and_is_audited(chat: Chat) -> None:
    await chat.onboard()
    code = await code_for(chat, OFFICER)
    data = data_of(chat)
    data.inactive_accounts.add(OFFICER.id)
    text = await chat.say(code)
    assert "đã bị khóa" in text
    assert not data.chats
    refused = [a for a in data.link_audits if a[0] is AuditAction.CHAT_LINK_REFUSE]
    assert [(r[1], r[2]) for r in refused] == [(OFFICER.username, "inactive")]


async def test_a_code_used_twice_or_in_another_chat_is_refused(chat: Chat) -> None:
    await chat.onboard()
    code = await code_for(chat, OFFICER)
    assert "Đã liên kết tài khoản cán bộ" in await chat.say(code)
    other = Chat(chat.dispatcher)
    other.user = "another-user"
    await other.onboard()
    assert "đã dùng rồi" in await other.say(code)
    data = data_of(chat)
    assert list(data.chats.values()) == [chat_resident(chat)]
    refused = [a for a in data.link_audits if a[0] is AuditAction.CHAT_LINK_REFUSE]
    assert [r[2] for r in refused] == ["used"]


def chat_resident(chat: Chat) -> str:
    (resident_id,) = data_resident_ids(chat)
    return resident_id


def data_resident_ids(chat: Chat) -> list[str]:
    return list(data_of(chat).chats.values())


async def test_an_officer_unlinks_their_own_chat(chat: Chat) -> None:
    data = data_of(chat)
    data.chats[OFFICER.id] = "r-1"
    data.chat_channels["r-1"] = "telegram"
    store = data.chat_links()
    assert [c.channel for c in await chat_links.own_chats(store, OFFICER)] == ["telegram"]
    await chat_links.unlink(store, OFFICER, OFFICER.id, "telegram", now=clock_of(chat)())
    store.commit()
    assert OFFICER.id not in data.chats
    assert [a[0] for a in data.link_audits] == [AuditAction.CHAT_UNLINK]


async def test_choices_are_all_on_until_changed_and_officers_only(chat: Chat) -> None:
    store = data_of(chat).chat_links()
    assert await chat_links.own_wants(store, OFFICER) == chat_links.Wants(True, True, True)
    off = chat_links.Wants(urgent_tips=False, answers=True, digest=False)
    await chat_links.set_own_wants(store, CHIEF, off, now=clock_of(chat)())
    store.commit()
    fresh = data_of(chat).chat_links()
    assert await chat_links.own_wants(fresh, CHIEF) == off
    assert await chat_links.own_wants(fresh, OFFICER) == chat_links.Wants()
    for who in (LEADER, PROVINCE):
        with pytest.raises(Forbidden):
            await chat_links.own_wants(fresh, who)
        with pytest.raises(Forbidden):
            await chat_links.set_own_wants(fresh, who, off, now=clock_of(chat)())


# -- what an officer is told ---------------------------------------------------------------------


def test_an_urgent_tip_says_code_category_deadline_and_link_only() -> None:
    params = {"category": "fraud_phone", "deadline": "2026-12-07", "link": LINK, "user_id": "21"}
    reply = notices.message("officer.urgent_tip", "BY-7K3F-Q9", params)
    assert isinstance(reply.text, Msg)
    assert reply.text.id == "officer.urgent_tip"
    said = reply.text.params
    assert set(said) == {"code", "category", "deadline", "link"}
    assert (said["code"], said["deadline"], said["link"]) == ("BY-7K3F-Q9", "07/12/2026", LINK)
    assert isinstance(said["category"], Localized)
    assert not reply.choices


def test_an_unknown_category_is_said_as_other_and_a_missing_link_is_refused() -> None:
    reply = notices.message(
        "officer.urgent_tip", "BY-7K3F-Q9", {"category": "?", "deadline": "", "link": LINK}
    )
    assert isinstance(reply.text, Msg)
    assert reply.text.params["category"] == Msg("officer.category_other")
    assert reply.text.params["deadline"] == "—"
    with pytest.raises(notices.BadNotice):
        notices.message("officer.answer", "BY-7K3F-Q9", {})
    with pytest.raises(notices.BadNotice):
        notices.message("officer.answer", "not a code", {"link": LINK})


def test_an_answer_says_that_an_answer_came_not_what_it_says() -> None:
    reply = notices.message("officer.answer", "BY-7K3F-Q9", {"link": LINK, "user_id": "21"})
    assert reply.text == Msg("officer.answer", {"code": "BY-7K3F-Q9", "link": LINK})


async def test_a_code_typed_in_another_accounts_chat_is_refused_and_audited(chat: Chat) -> None:
    await chat.onboard()
    assert "Đã liên kết tài khoản cán bộ" in await chat.say(await code_for(chat, OFFICER))
    text = await chat.say(await code_for(chat, LEADER))  # the leader's code, the officer's chat
    assert "đã liên kết với một tài khoản khác" in text
    data = data_of(chat)
    assert data.chats == {OFFICER.id: chat_resident(chat)}
    assert "menu:notice" not in chat.choices
    refused = [a for a in data.link_audits if a[0] is AuditAction.CHAT_LINK_REFUSE]
    assert [(r[1], r[2]) for r in refused] == [(LEADER.username, "other_account")]
    # The same account's own code again is fine: it links the chat it already has.
    assert "Đã liên kết tài khoản cán bộ" in await chat.say(await code_for(chat, OFFICER))
