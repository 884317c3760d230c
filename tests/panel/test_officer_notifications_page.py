"""The account page of an officer or a chief (issue 15): the code to link a chat, and the
notifications they want there, ticked by default, changed with a POST that carries the
session's CSRF token. A leader gets the code but no such choices; a province admin neither."""

from __future__ import annotations

from handlers.chat_links import Wants
from storage.chat_links import SqlChatLinks
from tests.panel.conftest import World

BOXES = ('name="urgent_tips"', 'name="answers"', 'name="digest"')


async def test_an_officer_sees_the_choices_all_ticked_and_changes_them(world: World) -> None:
    officer = await world.client("officer_a")
    page = (await officer.get("/admin/account")).text
    assert "Nhận thông báo qua Telegram, Zalo" in page and "Lấy mã liên kết" in page
    for box in BOXES:
        assert f'{box} value="1" checked' in page
    saved = await officer.post(
        "/admin/account/notifications",
        data={"csrf": await world.csrf(officer), "answers": "1"},
    )
    assert saved.status_code == 303
    page = (await officer.get(saved.headers["location"])).text
    assert "Đã lưu lựa chọn thông báo." in page
    assert 'name="answers" value="1" checked' in page
    assert 'name="urgent_tips" value="1">' in page and 'name="digest" value="1">' in page
    async with world.session() as db:
        wants = await SqlChatLinks(db).wants(world.users["officer_a"].id)
    assert wants == Wants(urgent_tips=False, answers=True, digest=False)


async def test_without_the_csrf_token_nothing_changes(world: World) -> None:
    chief = await world.client("chief_a")
    refused = await chief.post("/admin/account/notifications", data={"digest": "1"})
    assert refused.status_code == 403
    async with world.session() as db:
        assert await SqlChatLinks(db).wants(world.users["chief_a"].id) == Wants()


async def test_a_leader_links_but_chooses_nothing_and_a_province_admin_neither(
    world: World,
) -> None:
    leader = await world.client("leader_a")
    page = (await leader.get("/admin/account")).text
    assert "Lấy mã liên kết" in page and 'name="urgent_tips"' not in page
    refused = await leader.post(
        "/admin/account/notifications", data={"csrf": await world.csrf(leader)}
    )
    assert refused.status_code == 403
    admin = await world.client("admin_01")
    page = (await admin.get("/admin/account")).text
    assert "Lấy mã liên kết" not in page and 'name="urgent_tips"' not in page
