"""Unlinking a leader's chat and the limits on wrong link codes (handlers/chat_links.py), on
the in-memory ports through the dispatcher: the leader unlinks their own chat, the chief of
their commune (or an admin of its province) any of its leaders'; anyone else gets NotFound or
Forbidden. An unlinked chat loses "📣 Gửi thông báo" and a kept button sends nothing. Five
wrong codes an hour from a chat, fifty from all chats of a bot account; past them even a
right code is refused, every refusal audited with its reason."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers import chat_links
from handlers.audit import AuditAction
from handlers.chat_links import BOT_TRIES, CHAT_TRIES, Linked, LinkedChat
from handlers.errors import Forbidden, NotFound
from handlers.people import AdminRole, Identity
from tests.conftest import Chat
from tests.unit.test_leader_chat import (
    BA_DINH,
    HA_NOI,
    LEADER,
    OFFICER,
    clock_of,
    code_for,
    data_of,
    linked,
)

CHIEF = Identity(20, "truongcongan20", AdminRole.CHIEF, BA_DINH, HA_NOI)
OTHER_CHIEF = Identity(21, "truongcongan21", AdminRole.CHIEF, "00277", HA_NOI)
ADMIN = Identity(22, "tinh22", AdminRole.PROVINCE_ADMIN, "", HA_NOI)
FAR_ADMIN = Identity(23, "tinh23", AdminRole.PROVINCE_ADMIN, "", "79")
OTHER_LEADER = Identity(24, "totruong24", AdminRole.LEADER, BA_DINH, HA_NOI)


def with_accounts(chat: Chat) -> None:
    data = data_of(chat)
    for who in (CHIEF, OTHER_CHIEF, ADMIN, FAR_ADMIN, OTHER_LEADER):
        data.accounts.setdefault(who.id, who)


async def linked_on(chat: Chat, channel: str = "telegram") -> str:
    """The chat linked to LEADER, its resident on `channel`; the resident's id."""
    await linked(chat)
    data = data_of(chat)
    resident = data.chats[LEADER.id]
    data.chat_channels[resident] = channel
    return resident


async def unlink(chat: Chat, actor: Identity, leader: Identity, channel: str) -> Identity:
    store = data_of(chat).chat_links()
    done = await chat_links.unlink(store, actor, leader.id, channel, now=clock_of(chat)())
    store.commit()
    return done


def unlinks(chat: Chat) -> list[tuple[str, str, str]]:
    """(actor, detail, subject) of every unlink audited."""
    return [
        (who, detail, subject)
        for action, who, detail, subject, _at in data_of(chat).link_audits
        if action is AuditAction.CHAT_UNLINK
    ]


async def to_send(chat: Chat) -> None:
    """From the notice's text on to its send button: the kind, and no photo where one is
    asked for."""
    for _ in range(4):
        if "lnotice:send" in chat.choices:
            return
        step = "lnotice:nophoto" if "lnotice:nophoto" in chat.choices else "lnotice:kind:alert"
        await chat.pick(step)
    assert "lnotice:send" in chat.choices, chat.text


# -- unlinking -------------------------------------------------------------------------------------


async def test_a_leader_sees_their_chat_by_channel_and_unlinks_it(chat: Chat) -> None:
    await linked_on(chat)
    store = data_of(chat).chat_links()
    assert await chat_links.own_chats(store, LEADER) == [LinkedChat("telegram", clock_of(chat)())]
    assert await unlink(chat, LEADER, LEADER, "telegram") == LEADER
    assert not data_of(chat).chats
    assert unlinks(chat) == [(LEADER.username, "telegram", LEADER.username)]
    assert await chat_links.own_chats(data_of(chat).chat_links(), LEADER) == []


async def test_after_unlinking_the_menu_has_no_notice_and_a_kept_button_sends_nothing(
    chat: Chat,
) -> None:
    await linked_on(chat)
    await chat.pick("menu:notice")
    await chat.say("Thông báo soạn trước khi huỷ liên kết")
    await to_send(chat)
    await unlink(chat, LEADER, LEADER, "telegram")
    await chat.pick("lnotice:send")  # the button kept from before
    assert not data_of(chat).broadcasts
    assert "menu:notice" not in chat.choices
    await chat.say("menu")
    assert "menu:tip" in chat.choices and "menu:notice" not in chat.choices
    await chat.pick("menu:notice")
    assert not data_of(chat).broadcasts and "menu:notice" not in chat.choices


async def test_nothing_to_unlink_on_another_channel_or_of_another_leader(chat: Chat) -> None:
    await linked_on(chat)
    with_accounts(chat)
    with pytest.raises(NotFound):
        await unlink(chat, LEADER, LEADER, "zalo_bot")
    with pytest.raises(NotFound):  # the other leader has no chat: LEADER's is not theirs
        await unlink(chat, OTHER_LEADER, OTHER_LEADER, "telegram")
    with pytest.raises(NotFound):
        await unlink(chat, CHIEF, OTHER_LEADER, "telegram")
    with pytest.raises(NotFound):  # not a leader's account
        await unlink(chat, CHIEF, OFFICER, "telegram")
    assert data_of(chat).chats and unlinks(chat) == []


async def test_the_chief_or_a_province_admin_unlinks_and_nobody_else(chat: Chat) -> None:
    resident = await linked_on(chat)
    with_accounts(chat)
    for outsider in (OTHER_CHIEF, FAR_ADMIN):
        with pytest.raises(NotFound):
            await unlink(chat, outsider, LEADER, "telegram")
    for role in (OFFICER, OTHER_LEADER):
        with pytest.raises(Forbidden):
            await unlink(chat, role, LEADER, "telegram")
    with pytest.raises(NotFound):  # an officer's own chat: none is linked (issue 15)
        await unlink(chat, OFFICER, OFFICER, "telegram")
    assert data_of(chat).chats == {LEADER.id: resident}
    store = data_of(chat).chat_links()
    listed = await chat_links.commune_chats(store, CHIEF, BA_DINH)
    assert listed == {LEADER.id: [LinkedChat("telegram", clock_of(chat)())]}
    with pytest.raises(NotFound):
        await chat_links.commune_chats(store, OTHER_CHIEF, BA_DINH)
    assert await chat_links.own_chats(store, CHIEF) == []  # a chief's own: none linked
    with pytest.raises(Forbidden):
        await chat_links.own_chats(store, FAR_ADMIN)
    await unlink(chat, CHIEF, LEADER, "telegram")
    assert unlinks(chat) == [(CHIEF.username, "telegram", LEADER.username)]
    assert not data_of(chat).chats
    await chat.say("menu")
    assert "menu:notice" not in chat.choices


async def test_a_province_admin_unlinks_a_leader_of_their_province(chat: Chat) -> None:
    await linked_on(chat, "zalo_oa")
    with_accounts(chat)
    await unlink(chat, ADMIN, LEADER, "zalo_oa")
    assert unlinks(chat) == [(ADMIN.username, "zalo_oa", LEADER.username)]


async def test_a_deactivated_leaders_chat_is_not_a_leaders_any_more(chat: Chat) -> None:
    await linked_on(chat)
    data_of(chat).inactive_accounts.add(LEADER.id)
    await chat.say("menu")
    assert "menu:notice" not in chat.choices
    # Still linked (the chief may unlink it), but it speaks for nobody.
    with_accounts(chat)
    await unlink(chat, CHIEF, LEADER, "telegram")


# -- wrong codes -----------------------------------------------------------------------------------


def refusals(chat: Chat) -> list[tuple[str, str, str]]:
    """(actor, reason, bot account) of every refusal audited."""
    return [
        (who, detail, subject)
        for action, who, detail, subject, _at in data_of(chat).link_audits
        if action is AuditAction.CHAT_LINK_REFUSE
    ]


async def test_the_sixth_wrong_code_in_an_hour_is_refused_even_when_right(chat: Chat) -> None:
    await chat.onboard()
    code = await code_for(chat)
    for _ in range(CHAT_TRIES):
        assert "không đúng" in await chat.say(chat_links.new_text())
    text = await chat.say(code)
    assert "nhập sai mã liên kết quá nhiều lần" in text and "1 giờ" in text
    assert "menu:notice" not in chat.choices and not data_of(chat).chats
    assert refusals(chat) == [("", "unknown", "test:acc")] * CHAT_TRIES + [
        (LEADER.username, "limited", "test:acc")
    ]
    # Refusals for the limit do not count: an hour after the wrong codes, the chat may try.
    clock_of(chat).advance(minutes=50)
    assert "quá nhiều lần" in await chat.say(chat_links.new_text())
    clock_of(chat).advance(minutes=11)
    fresh = await code_for(chat)
    assert "Đã liên kết tài khoản tổ trưởng" in await chat.say(fresh)
    assert "menu:notice" in chat.choices


async def test_used_expired_and_not_leader_codes_count_as_wrong(chat: Chat) -> None:
    await chat.onboard()
    used = await code_for(chat)
    owner = Chat(chat.dispatcher)
    await owner.say(used)
    old = await code_for(chat)
    clock_of(chat).advance(minutes=16)
    not_leader = await code_for(chat, OFFICER)
    data_of(chat).inactive_accounts.add(OFFICER.id)  # an officer's code: while active, it links
    for typed in (used, not_leader, old, chat_links.new_text(), chat_links.new_text()):
        await chat.say(typed)
    assert "quá nhiều lần" in await chat.say(await code_for(chat))
    reasons = [r for _who, r, _bot in refusals(chat)]
    assert reasons == ["used", "inactive", "expired", "unknown", "unknown", "limited"]
    assert refusals(chat)[1][0] == OFFICER.username  # the account the code was made for


async def test_a_bot_accounts_chats_together_get_fifty_wrong_codes_an_hour(chat: Chat) -> None:
    code = await code_for(chat)
    for n in range(BOT_TRIES):
        guesser = Chat(chat.dispatcher)  # a new chat for every guess
        assert "không đúng" in await guesser.say(chat_links.new_text()), n
    newcomer = Chat(chat.dispatcher)
    text = await newcomer.say(code)
    assert "tạm dừng" in text and "1 giờ" in text and not data_of(chat).chats
    assert refusals(chat)[-1] == (LEADER.username, "paused", "test:acc")
    elsewhere = Chat(chat.dispatcher, channel="other")  # another bot account: not paused
    assert "Đã liên kết tài khoản tổ trưởng" in await elsewhere.say(code)
    clock_of(chat).advance(hours=1, minutes=1)
    assert "không đúng" in await newcomer.say(chat_links.new_text())


def test_the_chats_tries_forget_what_is_old_or_not_a_time() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
    recent = (now - timedelta(minutes=59)).isoformat()
    profile: dict[str, object] = {
        "link_tries": [
            (now - timedelta(minutes=61)).isoformat(),
            recent,
            "not a time",
            7,
            "2026-12-05T02:59:00",  # no zone: not one of ours
        ]
    }
    tries = chat_links.chat_tries(profile, now)
    assert tries == [recent] and profile["link_tries"] is tries
    assert chat_links.chat_tries({"link_tries": "junk"}, now) == []
    assert Linked.LIMITED not in chat_links.WRONG and Linked.PAUSED not in chat_links.WRONG
