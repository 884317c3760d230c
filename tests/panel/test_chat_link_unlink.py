"""A leader's linked chat in the panel, with the bot core of the same app (handlers/
chat_links.py): the account page shows the chat by channel and since when (never the
platform's user id) and unlinks it; GET and DELETE /api/v1/me/chat-links do the same; the
chief of the leader's commune, or an admin of its province, unlinks it on the neighbourhoods
page, anyone else gets 404 (403 for an officer). Each unlink is audited, and the chat stops
composing: no "📣 Gửi thông báo", a kept button sends nothing; deactivating the account does
the same. Wrong codes are limited, and the audit page names each refusal's reason in words."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import func, select

from admin.api_chat_links import CHANNEL_NAMES
from admin.audit_details import ACTION_DETAILS, ACTION_NAMES
from content.i18n import LANGUAGES, catalog
from handlers import chat_links
from handlers.audit import AuditAction
from handlers.chat_links import Linked
from handlers.people import AdminRole
from storage.chat_links import SqlChatLinks
from storage.models import AuditLog, Broadcast, LeaderChat
from tests.conftest import Chat
from tests.panel.conftest import COMMUNE_A, World
from tests.panel.test_api import bearer

CODE = re.compile(r'id="chat-code" value="(LK-[A-Z0-9]{6})"')


async def code_of(world: World, label: str = "leader_a") -> str:
    """A code from the leader's account page, as the leader gets one."""
    leader = await world.client(label)
    made = await leader.post("/admin/account/chat-link", data={"csrf": await world.csrf(leader)})
    (code,) = CODE.findall(made.text)
    return code


def bot_chat(world: World, channel: str = "telegram") -> Chat:
    """A chat with the app's own bot core (same database, same link key)."""
    return Chat(world.app.state.runtime.dispatcher, channel=channel)


async def linked_chat(world: World, label: str = "leader_a", channel: str = "telegram") -> Chat:
    chat = bot_chat(world, channel)
    await chat.onboard()
    assert "Đã liên kết tài khoản tổ trưởng" in await chat.say(await code_of(world, label))
    assert "menu:notice" in chat.choices
    return chat


async def links(world: World) -> dict[int, str]:
    async with world.session() as db:
        rows = (await db.execute(select(LeaderChat.user_id, LeaderChat.resident_id))).all()
    return {user_id: resident_id for user_id, resident_id in rows}


async def audited(world: World, action: AuditAction) -> list[tuple[str, str, str]]:
    """(actor, subject, detail) of the rows of `action`, oldest first."""
    query = (
        select(AuditLog.actor_username, AuditLog.subject, AuditLog.detail)
        .where(AuditLog.action == action.value)
        .order_by(AuditLog.id)
    )
    async with world.session() as db:
        return [tuple(r) for r in (await db.execute(query)).all()]  # type: ignore[misc]


async def notices_of(world: World, label: str) -> int:
    query = select(func.count()).where(Broadcast.sender_id == world.users[label].id)
    async with world.session() as db:
        return int((await db.execute(query)).scalar_one())


async def to_send(chat: Chat) -> None:
    """From the notice's text on to its send button (a kind, and no photo where asked)."""
    for _ in range(4):
        if "lnotice:send" in chat.choices:
            return
        step = "lnotice:nophoto" if "lnotice:nophoto" in chat.choices else "lnotice:kind:alert"
        await chat.pick(step)
    assert "lnotice:send" in chat.choices, chat.text


async def post(client: httpx.AsyncClient, world: World, url: str, **data: str) -> httpx.Response:
    return await client.post(url, data={"csrf": await world.csrf(client), **data})


# -- the leader ------------------------------------------------------------------------------------


def sentences(page: str) -> list[str]:
    """The audit page's plain-words sentences, tags removed."""
    found = re.findall(r'<p class="says">(.*?)</p>', page, flags=re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", one)) for one in found]


async def test_the_leader_sees_the_chat_by_channel_and_unlinks_it(world: World) -> None:
    chat = await linked_chat(world)
    await chat.pick("menu:notice")
    await chat.say("Tối nay 19 giờ họp tổ dân phố")
    await to_send(chat)  # a button the chat keeps
    leader = await world.client("leader_a")
    page = (await leader.get("/admin/account")).text
    assert "Telegram" in page and "Liên kết từ" in page
    assert chat.user not in page  # never the platform's user id
    url = "/admin/account/chat-links/telegram/unlink"
    assert (await leader.post(url, data={})).status_code == 403  # no CSRF token
    assert world.users["leader_a"].id in await links(world)
    done = await post(leader, world, url)
    assert done.status_code == 303
    assert done.headers["location"] == "/admin/account?done=chat_unlinked"
    page = (await leader.get(done.headers["location"])).text
    assert "Đã hủy liên kết cuộc trò chuyện" in page
    assert "Chưa có cuộc trò chuyện nào được liên kết" in page
    assert await links(world) == {}
    username = world.users["leader_a"].username
    assert await audited(world, AuditAction.CHAT_UNLINK) == [(username, username, "telegram")]
    # The chat: the kept button sends nothing, and the menu has no notice any more.
    await chat.pick("lnotice:send")
    assert await notices_of(world, "leader_a") == 0
    assert "menu:notice" not in chat.choices
    await chat.say("menu")
    assert "menu:tip" in chat.choices and "menu:notice" not in chat.choices
    # Nothing left to unlink.
    again = await post(leader, world, url)
    assert again.status_code == 404 and "Không có cuộc trò chuyện nào" in again.text


async def test_the_api_lists_and_unlinks_the_callers_chat_only(world: World) -> None:
    await world.add_user("leader_a2", AdminRole.LEADER, COMMUNE_A, "01")
    await linked_chat(world)
    await linked_chat(world, "leader_a2", "zalo_bot")
    leader = await bearer(world, "leader_a")
    listed = (await leader.get("/api/v1/me/chat-links")).json()
    assert [i["channel"] for i in listed["items"]] == ["telegram"]
    assert set(listed["items"][0]) == {"channel", "linked_at"}
    since = datetime.fromisoformat(listed["items"][0]["linked_at"])
    assert abs(since - datetime.now(UTC)) < timedelta(minutes=5)
    other = await leader.delete("/api/v1/me/chat-links/zalo_bot")  # leader_a2's channel
    assert other.status_code == 404 and other.json()["error"]["code"] == "not_found"
    assert "Không có cuộc trò chuyện nào" in other.json()["error"]["message"]
    assert world.users["leader_a2"].id in await links(world)
    gone = await leader.delete("/api/v1/me/chat-links/telegram")
    assert gone.status_code == 200 and gone.json() == {"items": []}
    assert list(await links(world)) == [world.users["leader_a2"].id]
    assert (await leader.delete("/api/v1/me/chat-links/telegram")).status_code == 404
    assert (await leader.delete("/api/v1/me/chat-links/Tele-gram")).status_code == 422
    chief = await bearer(world, "chief_a")  # a chief's own chats (none): not a leader's
    assert (await chief.get("/api/v1/me/chat-links")).json() == {"items": []}
    assert (await chief.delete("/api/v1/me/chat-links/zalo_bot")).status_code == 404
    admin = await bearer(world, "admin_01")
    assert (await admin.get("/api/v1/me/chat-links")).status_code == 403
    assert (await admin.delete("/api/v1/me/chat-links/zalo_bot")).status_code == 403
    username = world.users["leader_a"].username
    assert await audited(world, AuditAction.CHAT_UNLINK) == [(username, username, "telegram")]


# -- the chief -------------------------------------------------------------------------------------


async def test_the_chief_unlinks_a_leaders_chat_others_get_404(world: World) -> None:
    await world.add_user("leader_a2", AdminRole.LEADER, COMMUNE_A, "01")
    chat = await linked_chat(world)
    await linked_chat(world, "leader_a2", "zalo_bot")
    leader_id = world.users["leader_a"].id
    url = f"/admin/neighbourhoods/leaders/{leader_id}/chat-links/telegram/unlink"
    for label in ("chief_b", "admin_79"):
        refused = await post(await world.client(label), world, url, commune=COMMUNE_A)
        assert refused.status_code == 404, label
    officer = await world.client("officer_a")
    assert (await post(officer, world, url, commune=COMMUNE_A)).status_code == 403
    chief = await world.client("chief_a")
    # Another leader's channel: leader_a has no chat there, leader_a2's stays linked.
    other = f"/admin/neighbourhoods/leaders/{leader_id}/chat-links/zalo_bot/unlink"
    assert (await post(chief, world, other, commune=COMMUNE_A)).status_code == 404
    assert len(await links(world)) == 2
    assert await audited(world, AuditAction.CHAT_UNLINK) == []
    page = (await chief.get("/admin/neighbourhoods")).text
    assert "Gửi thông báo từ Telegram, liên kết từ" in page
    assert "Gửi thông báo từ Zalo, liên kết từ" in page
    assert chat.user not in page
    done = await post(chief, world, url, commune=COMMUNE_A)
    assert done.status_code == 303
    assert (
        done.headers["location"] == f"/admin/neighbourhoods?commune={COMMUNE_A}&done=chat_unlinked"
    )
    assert (
        "Đã hủy liên kết cuộc trò chuyện của tổ trưởng"
        in (await chief.get(done.headers["location"])).text
    )
    assert list(await links(world)) == [world.users["leader_a2"].id]
    assert await audited(world, AuditAction.CHAT_UNLINK) == [
        (world.users["chief_a"].username, world.users["leader_a"].username, "telegram")
    ]
    await chat.say("menu")
    assert "menu:notice" not in chat.choices
    # The chief's audit page names the unlink and the channel in words.
    audit_page = (await chief.get("/admin/audit", params={"action": "chat_link.unlink"})).text
    assert "Telegram" in " ".join(sentences(audit_page))
    assert "hủy liên kết" in " ".join(sentences(audit_page)).lower()


async def test_a_province_admin_unlinks_a_leader_of_their_province(world: World) -> None:
    await linked_chat(world, channel="zalo_oa")
    leader_id = world.users["leader_a"].id
    url = f"/admin/neighbourhoods/leaders/{leader_id}/chat-links/zalo_oa/unlink"
    admin = await world.client("admin_01")
    page = (await admin.get("/admin/neighbourhoods", params={"commune": COMMUNE_A})).text
    assert "Gửi thông báo từ Zalo OA" in page
    assert (await post(admin, world, url, commune=COMMUNE_A)).status_code == 303
    assert await links(world) == {}


async def test_deactivating_the_leader_stops_the_chat_composing(world: World) -> None:
    chat = await linked_chat(world)
    await chat.pick("menu:notice")
    await chat.say("Thông báo soạn trước khi tài khoản bị ngừng")
    await to_send(chat)
    admin = await world.client("admin_01")
    leader_id = world.users["leader_a"].id
    done = await post(admin, world, f"/admin/users/{leader_id}/deactivate")
    assert done.status_code == 303
    await chat.pick("lnotice:send")
    assert "không còn gắn với tài khoản tổ trưởng" in chat.text
    assert await notices_of(world, "leader_a") == 0
    assert "menu:notice" not in chat.choices
    async with world.session() as db:
        (resident,) = (await links(world)).values()
        assert await SqlChatLinks(db).leader_of(resident) is None


# -- wrong codes and the audit page's words ---------------------------------------------------


async def test_a_chat_past_five_wrong_codes_is_refused_a_right_one(world: World) -> None:
    code = await code_of(world)
    chat = bot_chat(world)
    for _ in range(chat_links.CHAT_TRIES):
        assert "không đúng" in await chat.say(chat_links.new_text())
    assert "nhập sai mã liên kết quá nhiều lần" in await chat.say(code)
    assert await links(world) == {}
    refused = await audited(world, AuditAction.CHAT_LINK_REFUSE)
    bot = f"telegram:{chat.event().account}"
    assert refused == [("", bot, "unknown")] * 5 + [
        (world.users["leader_a"].username, bot, "limited")
    ]
    chief = await world.client("chief_a")
    page = (await chief.get("/admin/audit", params={"action": "chat_link.refuse"})).text
    assert "cuộc trò chuyện đã nhập sai mã quá nhiều lần trong một giờ" in page
    assert ">limited<" not in page


async def test_every_refusal_reason_and_channel_is_in_words_on_the_audit_page(
    world: World,
) -> None:
    leader = world.users["leader_a"]
    reasons = [o for o in Linked if o is not Linked.LINKED]
    now = datetime.now(UTC)
    async with world.session() as db:
        store = SqlChatLinks(db)
        for n, reason in enumerate(reasons):
            at = now + timedelta(seconds=n)
            await store.audit(
                AuditAction.CHAT_LINK_REFUSE, leader, detail=reason, ip="", now=at, subject="b:1"
            )
        for n, channel in enumerate(CHANNEL_NAMES):
            at = now + timedelta(minutes=1, seconds=n)
            await store.audit(AuditAction.CHAT_UNLINK, leader, detail=channel, ip="", now=at)
        await db.commit()
    assert set(ACTION_DETAILS[AuditAction.CHAT_LINK_REFUSE]) == set(reasons)
    chief = await world.client("chief_a")
    for lang in LANGUAGES:
        words = catalog(lang)
        for action, details in ACTION_DETAILS.items():
            page = (await chief.get("/admin/audit", params={"action": action, "lang": lang})).text
            assert html.escape(words[ACTION_NAMES[action]]) in page, (lang, action)
            said = sentences(page)
            for code, msgid in details.items():
                assert any(words[msgid] in one for one in said), (lang, action, code)
                if code not in words[msgid].lower():  # "web" is a word of its own words
                    assert not any(f" {code} " in one for one in said), (lang, action, code)
