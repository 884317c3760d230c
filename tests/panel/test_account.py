"""The account page: who can open it, password change, API tokens, sign out everywhere."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import select

from content.i18n import translate
from storage.models import AdminSession, AuditLog
from tests.panel.conftest import ACCOUNTS, PASSWORD, World, csrf_of

NEW_PASSWORD = "một mật khẩu mới khá dài"
POSTS = [
    "/admin/account/password",
    "/admin/account/signout-all",
    "/admin/account/tokens",
    "/admin/account/tokens/1/revoke",
    "/admin/account/totp",
    "/admin/account/totp/disable",
]


async def trail(world: World, label: str) -> list[tuple[str, str, str]]:
    async with world.session() as db:
        rows = await db.execute(
            select(AuditLog.action, AuditLog.subject, AuditLog.detail)
            .where(AuditLog.actor_id == world.users[label].id)
            .order_by(AuditLog.id)
        )
        return [(a, s, d) for a, s, d in rows.all()]


async def sessions_of(world: World, label: str) -> int:
    async with world.session() as db:
        rows = await db.execute(
            select(AdminSession.id).where(AdminSession.user_id == world.users[label].id)
        )
        return len(rows.all())


async def sign_in(world: World, label: str, password: str) -> httpx.Response:
    client = world.anonymous_client()
    form = await client.get("/admin/")
    data = {"username": world.usernames[label], "password": password, "csrf": csrf_of(form.text)}
    return await client.post("/admin/signin", data=data)


@pytest.mark.parametrize("label", sorted(ACCOUNTS))
async def test_every_role_has_an_account_page(world: World, label: str) -> None:
    client = await world.client(label)
    page = await client.get("/admin/account")
    assert page.status_code == 200
    assert world.usernames[label] in page.text
    assert "Đổi mật khẩu" in page.text and "Mã truy cập API" in page.text
    assert "Xác thực hai bước" in page.text and "Đăng xuất trên mọi thiết bị" in page.text
    for action in ("password", "tokens", "signout-all"):
        assert f'action="/admin/account/{action}"' in page.text
    assert "<script>" not in page.text and " onclick=" not in page.text
    english = await client.get("/admin/account?lang=en")
    assert "Change password" in english.text and "API tokens" in english.text


@pytest.mark.parametrize("path", ["/admin/account", "/admin/account/totp"])
async def test_pages_send_strangers_to_sign_in(world: World, path: str) -> None:
    reply = await world.anonymous_client().get(path)
    assert reply.status_code == 303 and reply.headers["location"] == "/admin/"


@pytest.mark.parametrize("path", POSTS)
async def test_posts_send_strangers_to_sign_in(world: World, path: str) -> None:
    reply = await world.anonymous_client().post(path, data={"csrf": "x"})
    assert reply.status_code == 303 and reply.headers["location"] == "/admin/"


def vi(msgid: str) -> str:
    return translate(msgid, "vi", None)


@pytest.mark.parametrize("path", POSTS)
async def test_posts_need_the_session_csrf_token(world: World, path: str) -> None:
    client = await world.client("officer_a")
    other = await world.csrf(await world.client("officer_b"))
    for token in ("", "forged", other):
        reply = await client.post(path, data={"csrf": token, "name": "x", "days": "90"})
        assert reply.status_code == 403, token
        # The panel's own page in Vietnamese, with its headers: not a bare JSON error.
        assert reply.headers["content-type"].startswith("text/html"), reply.text
        assert vi("panel.error.csrf") in reply.text
        assert "frame-ancestors 'none'" in reply.headers["content-security-policy"]
    assert await trail(world, "officer_a") == [("signin.success", "", "")]


# --- password -------------------------------------------------------------------------------


async def test_change_password(world: World) -> None:
    client = await world.client("officer_a")
    other_browser = await world.client("officer_a")
    csrf = await world.csrf(client)
    data = {"csrf": csrf, "current": PASSWORD, "new": NEW_PASSWORD, "repeat": NEW_PASSWORD}
    done = await client.post("/admin/account/password", data=data)
    assert done.status_code == 303 and done.headers["location"] == "/admin/account?done=password"
    page = await client.get(done.headers["location"])
    assert page.status_code == 200 and "Đã đổi mật khẩu" in page.text
    # The other browser is signed out; this one stays.
    assert (await other_browser.get("/admin/account")).status_code == 303
    assert await sessions_of(world, "officer_a") == 1
    assert (await sign_in(world, "officer_a", PASSWORD)).status_code == 401
    assert (await sign_in(world, "officer_a", NEW_PASSWORD)).status_code == 303
    username = world.usernames["officer_a"]
    assert ("user.password", username, "self") in await trail(world, "officer_a")


@pytest.mark.parametrize(
    ("current", "new", "repeat", "message"),
    [
        ("wrong current pw", NEW_PASSWORD, NEW_PASSWORD, "Mật khẩu hoặc mã xác thực không đúng"),
        (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x", "không khớp"),
        (PASSWORD, "short", "short", "ít nhất 10 ký tự"),
        (PASSWORD, PASSWORD, PASSWORD, "phải khác mật khẩu hiện tại"),
    ],
)
async def test_change_password_refusals(
    world: World, current: str, new: str, repeat: str, message: str
) -> None:
    client = await world.client("chief_b")
    csrf = await world.csrf(client)
    data = {"csrf": csrf, "current": current, "new": new, "repeat": repeat}
    refused = await client.post("/admin/account/password", data=data)
    assert refused.status_code == 422
    assert message in refused.text
    assert (await sign_in(world, "chief_b", PASSWORD)).status_code == 303
    assert not any(a == "user.password" for a, _s, _d in await trail(world, "chief_b"))


async def test_wrong_current_passwords_lock_the_account(world: World) -> None:
    client = await world.client("officer_b")
    csrf = await world.csrf(client)
    data = {"csrf": csrf, "current": "guess guess", "new": NEW_PASSWORD, "repeat": NEW_PASSWORD}
    for _ in range(5):
        assert (await client.post("/admin/account/password", data=data)).status_code == 422
    data["current"] = PASSWORD
    locked = await client.post("/admin/account/password", data=data)
    assert locked.status_code == 422 and "tạm khóa" in locked.text
    assert (await sign_in(world, "officer_b", PASSWORD)).status_code == 401


# --- API tokens -----------------------------------------------------------------------------


def new_token_of(html: str) -> str:
    found = re.search(r'id="token-value" value="([^"]+)"', html)
    assert found, html[:3000]
    return found.group(1)


async def test_create_use_and_revoke_a_token(world: World) -> None:
    client = await world.client("chief_a")
    csrf = await world.csrf(client)
    made = await client.post(
        "/admin/account/tokens", data={"csrf": csrf, "name": "Máy báo cáo", "days": "30"}
    )
    assert made.status_code == 200
    token = new_token_of(made.text)
    assert "chỉ hiện một lần" in made.text and "Máy báo cáo" in made.text
    page = await client.get("/admin/account")
    assert token not in page.text and "Máy báo cáo" in page.text
    assert "Chưa dùng lần nào" in page.text

    api = world.anonymous_client()
    bearer = {"Authorization": f"Bearer {token}"}
    assert (await api.get("/api/v1/audit", headers=bearer)).status_code == 200
    assert "Dùng lần cuối" in (await client.get("/admin/account")).text

    token_id = re.search(r'action="/admin/account/tokens/(\d+)/revoke"', page.text)
    assert token_id
    revoked = await client.post(
        f"/admin/account/tokens/{token_id.group(1)}/revoke", data={"csrf": csrf}
    )
    assert revoked.status_code == 303
    assert "Đã thu hồi" in (await client.get(revoked.headers["location"])).text
    assert (await api.get("/api/v1/audit", headers=bearer)).status_code == 401
    actions = [a for a, _s, _d in await trail(world, "chief_a")]
    assert "token.create" in actions and "token.revoke" in actions
    again = await client.post(
        f"/admin/account/tokens/{token_id.group(1)}/revoke", data={"csrf": csrf}
    )
    assert again.status_code == 404


async def test_cannot_revoke_someone_elses_token(world: World) -> None:
    owner = await world.client("officer_a")
    made = await owner.post(
        "/admin/account/tokens",
        data={"csrf": await world.csrf(owner), "name": "officer sync job", "days": "90"},
    )
    token = new_token_of(made.text)
    page = await owner.get("/admin/account")
    token_id = re.search(r'action="/admin/account/tokens/(\d+)/revoke"', page.text)
    assert token_id
    thief = await world.client("admin_01")
    reply = await thief.post(
        f"/admin/account/tokens/{token_id.group(1)}/revoke",
        data={"csrf": await world.csrf(thief)},
    )
    assert reply.status_code == 404
    assert "officer sync job" not in (await thief.get("/admin/account")).text
    api = world.anonymous_client()
    me = await api.get("/api/v1/audit", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 403  # the officer's token works, and an officer reads no audit


@pytest.mark.parametrize(
    ("name", "days", "message"),
    [
        ("", "90", "Hãy đặt tên"),
        ("x" * 101, "90", "Hãy đặt tên"),
        ("ok", "7", "Hãy chọn thời hạn"),
        ("ok", "abc", "Hãy chọn thời hạn"),
    ],
)
async def test_token_form_refusals(world: World, name: str, days: str, message: str) -> None:
    client = await world.client("officer_a")
    reply = await client.post(
        "/admin/account/tokens", data={"csrf": await world.csrf(client), "name": name, "days": days}
    )
    assert reply.status_code == 422 and message in reply.text
    assert 'id="token-value"' not in reply.text


# --- sign out everywhere --------------------------------------------------------------------


async def test_sign_out_everywhere(world: World) -> None:
    first = await world.client("leader_a")
    second = await world.client("leader_a")
    bystander = await world.client("officer_a")
    reply = await first.post("/admin/account/signout-all", data={"csrf": await world.csrf(first)})
    assert reply.status_code == 303 and reply.headers["location"] == "/admin/"
    for client in (first, second):
        assert (await client.get("/admin/account")).status_code == 303
    assert (await bystander.get("/admin/account")).status_code == 200
    assert await sessions_of(world, "leader_a") == 0
    assert ("signout", "", "everywhere") in await trail(world, "leader_a")
