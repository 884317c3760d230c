"""Account management (/admin/users): province admins only, and only their own province."""

from __future__ import annotations

import time

import httpx
import pytest
from sqlalchemy import select

from admin import auth
from bot import runtime
from handlers.accounts import own
from handlers.accounts.ports import Keys
from handlers.people import AdminRole
from storage import admin_users as au
from storage import api_tokens, totp
from storage.admin_users import SqlAccountStore, passwords
from storage.models import AdminUser, AuditLog
from tests.panel.conftest import ACCOUNTS, COMMUNE_A, COMMUNE_C, PASSWORD, World, csrf_of

NEW_PASSWORD = "mật khẩu do quản trị đặt"
ACTIONS = ("deactivate", "activate", "unlock", "password", "totp-off")
NOT_ADMINS = sorted(
    label for label, (role, _c, _p) in ACCOUNTS.items() if role.value != "province_admin"
)


async def sign_in(world: World, username: str, password: str = PASSWORD) -> httpx.Response:
    client = world.anonymous_client()
    form = await client.get("/admin/")
    data = {"username": username, "password": password, "csrf": csrf_of(form.text)}
    return await client.post("/admin/signin", data=data)


async def audit_rows(world: World, action: str) -> list[tuple[str, str, str]]:
    async with world.session() as db:
        rows = await db.execute(
            select(AuditLog.actor_username, AuditLog.subject, AuditLog.detail)
            .where(AuditLog.action == action)
            .order_by(AuditLog.id)
        )
        return [(a, s, d) for a, s, d in rows.all()]


async def row(world: World, label: str) -> AdminUser:
    async with world.session() as db:
        user = await db.get(AdminUser, world.users[label].id)
        assert user is not None
        return user


async def post(world: World, client: httpx.AsyncClient, path: str, **data: str) -> httpx.Response:
    return await client.post(path, data={"csrf": await world.csrf(client), **data})


# --- who may -------------------------------------------------------------------------------


@pytest.mark.parametrize("label", NOT_ADMINS)
async def test_other_roles_get_403_everywhere(world: World, label: str) -> None:
    client = await world.client(label)
    target = world.users["officer_a2"].id
    for path in ("/admin/users", "/admin/users/new", f"/admin/users/{target}"):
        assert (await client.get(path)).status_code == 403, path
    created = await post(
        world,
        client,
        "/admin/users/new",
        username="intruder.x",
        role="officer",
        commune=COMMUNE_A,
        password=NEW_PASSWORD,
        repeat=NEW_PASSWORD,
    )
    assert created.status_code == 403
    for action in ACTIONS:
        reply = await post(
            world,
            client,
            f"/admin/users/{target}/{action}",
            password=NEW_PASSWORD,
            repeat=NEW_PASSWORD,
        )
        assert reply.status_code == 403, action
    assert (await row(world, "officer_a2")).active
    async with world.session() as db:
        assert (
            await db.execute(select(AdminUser).where(AdminUser.username == "intruder.x"))
        ).first() is None
    assert await audit_rows(world, "user.password") == []


async def test_strangers_are_sent_to_sign_in(world: World) -> None:
    client = world.anonymous_client()
    target = world.users["officer_a"].id
    for path in ("/admin/users", "/admin/users/new", f"/admin/users/{target}"):
        reply = await client.get(path)
        assert reply.status_code == 303 and reply.headers["location"] == "/admin/"
    for action in ACTIONS:
        reply = await client.post(f"/admin/users/{target}/{action}", data={"csrf": "x"})
        assert reply.status_code == 303


async def test_posts_need_csrf(world: World) -> None:
    client = await world.client("admin_01")
    target = world.users["officer_a"].id
    for path in ["/admin/users/new", *(f"/admin/users/{target}/{a}" for a in ACTIONS)]:
        assert (await client.post(path, data={"csrf": "forged"})).status_code == 403, path
    assert (await row(world, "officer_a")).active


# --- listing -------------------------------------------------------------------------------


async def test_list_shows_only_the_admins_province(world: World) -> None:
    page = await (await world.client("admin_01")).get("/admin/users")
    assert page.status_code == 200
    province_01 = [k for k, (_r, _c, p) in ACCOUNTS.items() if p == "01"]
    for label in province_01:
        assert world.usernames[label] in page.text, label
    for label in ("officer_c", "admin_79"):
        assert world.usernames[label] not in page.text
    assert "Phường Ba Đình" in page.text and "Phường Bạch Mai" in page.text
    other = await (await world.client("admin_79")).get("/admin/users")
    assert world.usernames["officer_c"] in other.text and world.usernames["admin_79"] in other.text
    for label in province_01:
        assert world.usernames[label] not in other.text, label


async def test_list_filters(world: World) -> None:
    client = await world.client("admin_01")
    by_commune = await client.get("/admin/users", params={"commune": "00277"})
    assert world.usernames["officer_b"] in by_commune.text
    assert world.usernames["officer_a"] not in by_commune.text
    by_name = await client.get("/admin/users", params={"q": world.usernames["chief_a"]})
    assert world.usernames["chief_a"] in by_name.text
    assert world.usernames["chief_b"] not in by_name.text
    # A commune of another province is ignored, not a way around the scope.
    foreign = await client.get("/admin/users", params={"commune": COMMUNE_C})
    assert world.usernames["officer_c"] not in foreign.text
    assert world.usernames["officer_a"] in foreign.text
    nothing = await client.get("/admin/users", params={"q": "%"})
    assert nothing.status_code == 200 and world.usernames["officer_a"] not in nothing.text


async def test_list_shows_state(world: World) -> None:
    admin = await world.client("admin_01")
    for _ in range(au.MAX_FAILURES):
        await sign_in(world, world.usernames["officer_b"], "wrong guess pw")
    target = world.users["officer_a2"].id
    assert (await post(world, admin, f"/admin/users/{target}/deactivate")).status_code == 303
    detail_b = await admin.get(f"/admin/users/{world.users['officer_b'].id}")
    assert "Đang tạm khóa" in detail_b.text and "Mở khóa ngay" in detail_b.text
    detail_a2 = await admin.get(f"/admin/users/{target}")
    assert "Đã ngừng hoạt động" in detail_a2.text and "Cho hoạt động trở lại" in detail_a2.text
    listing = await admin.get("/admin/users")
    assert "Đang tạm khóa" in listing.text and "Đã ngừng hoạt động" in listing.text


async def test_other_provinces_accounts_are_404(world: World) -> None:
    admin = await world.client("admin_79")
    target = world.users["officer_a"].id
    assert (await admin.get(f"/admin/users/{target}")).status_code == 404
    assert (await admin.get("/admin/users/999999")).status_code == 404
    for action in ACTIONS:
        reply = await post(
            world,
            admin,
            f"/admin/users/{target}/{action}",
            password=NEW_PASSWORD,
            repeat=NEW_PASSWORD,
        )
        assert reply.status_code == 404, action
    assert (await row(world, "officer_a")).active
    assert (await sign_in(world, world.usernames["officer_a"])).status_code == 303
    assert await audit_rows(world, "user.deactivate") == []


# --- creating ------------------------------------------------------------------------------


async def test_create_an_officer(world: World) -> None:
    admin = await world.client("admin_01")
    form = await admin.get("/admin/users/new")
    assert form.status_code == 200 and "Phường Ba Đình" in form.text
    assert "Phường An Đông" not in form.text  # communes of the admin's province only
    created = await post(
        world,
        admin,
        "/admin/users/new",
        username="Nguyen.Van.Binh",
        display_name="Nguyễn Văn Bình",
        role="officer",
        commune=COMMUNE_A,
        password=NEW_PASSWORD,
        repeat=NEW_PASSWORD,
    )
    assert created.status_code == 303
    detail = await admin.get(created.headers["location"])
    assert "nguyen.van.binh" in detail.text and "Nguyễn Văn Bình" in detail.text
    assert "Đã tạo tài khoản" in detail.text
    assert (await sign_in(world, "nguyen.van.binh", NEW_PASSWORD)).status_code == 303
    admin_name = world.usernames["admin_01"]
    assert await audit_rows(world, "user.create") == [(admin_name, "nguyen.van.binh", "officer")]


async def test_create_a_province_admin_of_the_own_province(world: World) -> None:
    admin = await world.client("admin_79")
    created = await post(
        world,
        admin,
        "/admin/users/new",
        username="qt.hcm.2",
        role="province_admin",
        commune="",
        password=NEW_PASSWORD,
        repeat=NEW_PASSWORD,
    )
    assert created.status_code == 303
    async with world.session() as db:
        user = (
            await db.execute(select(AdminUser).where(AdminUser.username == "qt.hcm.2"))
        ).scalar_one()
    assert user.role is AdminRole.PROVINCE_ADMIN
    assert (user.province_code, user.commune_code) == ("79", "")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"username": "x y"}, "Tên đăng nhập không hợp lệ"),
        ({"username": "ab"}, "Tên đăng nhập không hợp lệ"),
        ({"role": "janitor"}, "Hãy chọn vai trò"),
        ({"commune": COMMUNE_C}, "thuộc tỉnh của đồng chí"),
        ({"commune": ""}, "thuộc tỉnh của đồng chí"),
        ({"commune": "99999"}, "thuộc tỉnh của đồng chí"),
        ({"repeat": "something else entirely"}, "không khớp"),
        ({"password": "short", "repeat": "short"}, "ít nhất 10 ký tự"),
        ({"display_name": "x" * 101}, "tối đa 100 ký tự"),
    ],
)
async def test_create_refusals(world: World, fields: dict[str, str], message: str) -> None:
    admin = await world.client("admin_01")
    data = {
        "username": "can.bo.moi",
        "display_name": "Cán bộ mới",
        "role": "chief",
        "commune": COMMUNE_A,
        "password": NEW_PASSWORD,
        "repeat": NEW_PASSWORD,
        **fields,
    }
    refused = await post(world, admin, "/admin/users/new", **data)
    assert refused.status_code == 422
    assert message in refused.text
    assert NEW_PASSWORD not in refused.text  # passwords are never echoed back
    assert await audit_rows(world, "user.create") == []


async def test_create_refuses_a_taken_username(world: World) -> None:
    admin = await world.client("admin_01")
    refused = await post(
        world,
        admin,
        "/admin/users/new",
        username=world.usernames["officer_c"].upper(),
        role="officer",
        commune=COMMUNE_A,
        password=NEW_PASSWORD,
        repeat=NEW_PASSWORD,
    )
    assert refused.status_code == 422 and "đã có người dùng" in refused.text


# --- changing ------------------------------------------------------------------------------


async def test_deactivate_and_reactivate(world: World) -> None:
    admin = await world.client("admin_01")
    victim = await world.client("officer_a")
    target = world.users["officer_a"].id
    done = await post(world, admin, f"/admin/users/{target}/deactivate")
    assert done.status_code == 303 and done.headers["location"].endswith("done=deactivated")
    assert (await victim.get("/admin/account")).status_code == 303
    assert (await sign_in(world, world.usernames["officer_a"])).status_code == 401
    again = await post(world, admin, f"/admin/users/{target}/activate")
    assert again.status_code == 303
    assert (await sign_in(world, world.usernames["officer_a"])).status_code == 303
    name, subject = world.usernames["admin_01"], world.usernames["officer_a"]
    assert await audit_rows(world, "user.deactivate") == [(name, subject, "")]
    assert await audit_rows(world, "user.activate") == [(name, subject, "")]


async def test_an_admin_cannot_deactivate_themselves(world: World) -> None:
    admin = await world.client("admin_01")
    me = world.users["admin_01"].id
    page = await admin.get(f"/admin/users/{me}")
    assert page.status_code == 200 and "/deactivate" not in page.text
    refused = await post(world, admin, f"/admin/users/{me}/deactivate")
    assert refused.status_code == 422 and "chính tài khoản" in refused.text
    assert (await admin.get("/admin/users")).status_code == 200
    reset = await post(
        world, admin, f"/admin/users/{me}/password", password=NEW_PASSWORD, repeat=NEW_PASSWORD
    )
    assert reset.status_code == 422


async def test_unlock(world: World) -> None:
    username = world.usernames["chief_b"]
    for _ in range(au.MAX_FAILURES):
        await sign_in(world, username, "wrong guess pw")
    assert (await sign_in(world, username)).status_code == 401
    admin = await world.client("admin_01")
    done = await post(world, admin, f"/admin/users/{world.users['chief_b'].id}/unlock")
    assert done.status_code == 303
    assert (await sign_in(world, username)).status_code == 303
    assert await audit_rows(world, "user.unlock") == [(world.usernames["admin_01"], username, "")]


async def test_reset_password(world: World) -> None:
    admin = await world.client("admin_01")
    victim = await world.client("leader_a")
    target = world.users["leader_a"].id
    async with world.session() as db:
        token, _info = await api_tokens.create_token(
            db, auth.api_token_key(world.settings), target, "máy của kẻ gian"
        )
        await db.commit()
    bearer = world.anonymous_client()
    bearer.headers["Authorization"] = f"Bearer {token}"
    assert (await bearer.get("/api/v1/me")).status_code == 200
    mismatch = await post(
        world,
        admin,
        f"/admin/users/{target}/password",
        password=NEW_PASSWORD,
        repeat="nope nope nope",
    )
    assert mismatch.status_code == 422 and "không khớp" in mismatch.text
    done = await post(
        world, admin, f"/admin/users/{target}/password", password=NEW_PASSWORD, repeat=NEW_PASSWORD
    )
    assert done.status_code == 303
    assert (await victim.get("/admin/account")).status_code == 303
    assert (await bearer.get("/api/v1/me")).status_code == 401  # tokens end with the reset
    username = world.usernames["leader_a"]
    assert (await sign_in(world, username)).status_code == 401
    assert (await sign_in(world, username, NEW_PASSWORD)).status_code == 303
    assert await audit_rows(world, "user.password") == [
        (world.usernames["admin_01"], username, "admin")
    ]


async def test_turn_off_a_lost_phones_totp(world: World) -> None:
    target = world.users["officer_b"]
    secret = totp.new_secret()
    async with world.session() as db:
        code = totp.code_at(secret, totp.step_of(time.time()))
        keys = Keys(passwords, totp, runtime.sealer(world.settings))
        await own.enable_totp(SqlAccountStore(db), target, secret, code, PASSWORD, keys)
        await db.commit()
    first = await sign_in(world, world.usernames["officer_b"])
    assert first.headers["location"] == "/admin/signin/code"
    admin = await world.client("admin_01")
    page = await admin.get(f"/admin/users/{target.id}")
    assert "Tắt xác thực hai bước" in page.text
    done = await post(world, admin, f"/admin/users/{target.id}/totp-off")
    assert done.status_code == 303
    assert (await sign_in(world, world.usernames["officer_b"])).headers["location"] == "/admin/"
    assert await audit_rows(world, "totp.disable") == [
        (world.usernames["admin_01"], world.usernames["officer_b"], "admin")
    ]
    again = await post(world, admin, f"/admin/users/{target.id}/totp-off")
    assert again.status_code == 422


async def test_list_and_search_on_postgres(pg_world: World) -> None:
    world = pg_world
    client = await world.client("admin_01")
    listing = await client.get("/admin/users", params={"q": world.usernames["chief_b"][:-2]})
    assert world.usernames["chief_b"] in listing.text
    assert world.usernames["chief_a"] not in listing.text
    assert world.usernames["officer_c"] not in (await client.get("/admin/users")).text
    assert (await client.get("/admin/users", params={"q": "_"})).status_code == 200
    target = world.users["officer_c"].id
    assert (await client.get(f"/admin/users/{target}")).status_code == 404


async def test_out_of_range_ids_are_refused_cleanly(world: World) -> None:
    client = await world.client("admin_01")
    assert (await client.get(f"/admin/users/{2**40}")).status_code == 422
    reply = await post(world, client, f"/admin/users/{2**40}/unlock")
    assert reply.status_code == 422
