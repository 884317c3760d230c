"""POST /api/v1/me/chat-links: a leader's (an officer's, a chief's) one-time code for linking
a chat (handlers/chat_links.py). Shown once, stored only as a keyed hash, 15 minutes, audited;
a province admin is refused (the matrix in test_api_matrix.py holds every role's status)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select

from handlers import chat_links
from storage.chat_links import link_key
from storage.models import AuditLog, LeaderChatCode
from tests.panel.conftest import World
from tests.panel.test_api import bearer


async def test_a_leader_gets_a_code_stored_only_as_its_keyed_hash(world: World) -> None:
    leader = await bearer(world, "leader_a")
    answer = await leader.post("/api/v1/me/chat-links")
    assert answer.status_code == 201
    body = answer.json()
    code = body["code"]
    assert chat_links.normalised(code) is not None and code.startswith("LK-")
    expires = datetime.fromisoformat(body["expires_at"])
    key = link_key(world.settings.secret_key.get_secret_value())
    async with world.session() as db:
        (row,) = (
            await db.execute(
                select(LeaderChatCode).where(LeaderChatCode.user_id == world.users["leader_a"].id)
            )
        ).scalars()
        assert row.code_hash == chat_links.code_hash(key, chat_links.normalised(code) or "")
        assert code not in row.code_hash and row.used_at is None
        lifetime = expires - row.created_at.replace(tzinfo=expires.tzinfo)
        assert lifetime == timedelta(minutes=15)
        actions = (
            await db.execute(
                select(AuditLog.action).where(AuditLog.actor_id == world.users["leader_a"].id)
            )
        ).scalars()
        assert "chat_link.create" in list(actions)


async def test_an_officer_gets_a_code_and_a_province_admin_none(world: World) -> None:
    officer = await bearer(world, "officer_a")
    answer = await officer.post("/api/v1/me/chat-links")
    assert answer.status_code == 201
    assert set(answer.json()) == {"code", "expires_at"}
    admin = await bearer(world, "admin_01")
    refused = await admin.post("/api/v1/me/chat-links")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"


async def test_the_account_page_gives_a_code_to_those_who_link_and_nobody_else(
    world: World,
) -> None:
    leader = await world.client("leader_a")
    page = await leader.get("/admin/account")
    assert "Lấy mã liên kết" in page.text
    made = await leader.post("/admin/account/chat-link", data={"csrf": await world.csrf(leader)})
    assert made.status_code == 200
    (code,) = re.findall(r'id="chat-code" value="(LK-[A-Z0-9]{6})"', made.text)
    assert chat_links.normalised(code) is not None
    officer = await world.client("officer_a")
    assert "Lấy mã liên kết" in (await officer.get("/admin/account")).text
    admin = await world.client("admin_01")
    assert "Lấy mã liên kết" not in (await admin.get("/admin/account")).text
    refused = await admin.post("/admin/account/chat-link", data={"csrf": await world.csrf(admin)})
    assert refused.status_code == 403
