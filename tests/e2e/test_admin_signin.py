"""The panel's sign-in through the ASGI app: forms, CSRF, lockout, sign-out, audit, the CLI."""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from argon2 import PasswordHasher
from pydantic import SecretStr
from sqlalchemy import select, update

from bot.app import create_app
from bot.cli import main
from bot.settings import Settings
from handlers.accounts import create_account
from handlers.people import AdminRole
from storage import admin_users as au
from storage.admin_users import SqlAccountStore, passwords
from storage.db import make_engine, make_sessions
from storage.models import AdminUser

PASSWORD = "mật khẩu đủ dài 2026"
BA_DINH = "00004"
GENERIC_ERROR = "Tên đăng nhập hoặc mật khẩu không đúng"


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        "storage.admin_users.passwords.password_hasher",
        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
    )


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url"))


@pytest.fixture
def sqlite_only(sqlite_url: str) -> str:
    return sqlite_url


@asynccontextmanager
async def panel(url: str, base_url: str = "http://test") -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(database_url=url, secret_key=SecretStr("test-secret-key")))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client


async def add_user(
    url: str, role: AdminRole = AdminRole.OFFICER, commune: str = BA_DINH, province: str = "01"
) -> str:
    username = f"cb.{secrets.token_hex(4)}"
    engine = make_engine(url)
    async with make_sessions(engine)() as session:
        await create_account(
            SqlAccountStore(session),
            passwords,
            username=username,
            password=PASSWORD,
            role=role,
            commune_code=commune,
            province_code=province,
        )
        await session.commit()
    await engine.dispose()
    return username


async def audit(url: str, username: str) -> list[tuple[str, str]]:
    engine = make_engine(url)
    async with make_sessions(engine)() as session:
        entries = await au.audit_trail(session, actor_username=username)
    await engine.dispose()
    return [(e.action, e.detail) for e in reversed(entries)]


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


async def sign_in(
    client: httpx.AsyncClient, username: str, password: str = PASSWORD
) -> httpx.Response:
    form = await client.get("/admin/")
    data = {"username": username, "password": password, "csrf": csrf_of(form.text)}
    return await client.post("/admin/signin", data=data)


def error_text(html: str) -> str:
    found = re.search(r'<p class="error" role="alert">([^<]*)</p>', html)
    assert found, html
    return found.group(1)


async def test_unauthenticated_panel_shows_the_vietnamese_sign_in_form(sqlite_only: str) -> None:
    async with panel(sqlite_only) as client:
        page = await client.get("/admin/")
    assert page.status_code == 200
    assert '<html lang="vi">' in page.text
    assert "Đăng nhập" in page.text and "Tên đăng nhập" in page.text and "Mật khẩu" in page.text
    assert 'action="/admin/signin"' in page.text and csrf_of(page.text)
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


async def test_english_on_request_and_remembered(sqlite_only: str) -> None:
    async with panel(sqlite_only) as client:
        english = await client.get("/admin/?lang=en")
        again = await client.get("/admin/")
    assert '<html lang="en">' in english.text and "Username" in english.text
    assert "Username" in again.text


async def test_wrong_password_and_unknown_user_get_the_same_generic_error(db_url: str) -> None:
    username = await add_user(db_url)
    async with panel(db_url) as client:
        wrong = await sign_in(client, username, "not the password")
        unknown = await sign_in(client, f"no.such.{secrets.token_hex(3)}", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert GENERIC_ERROR in error_text(wrong.text)
    assert error_text(wrong.text) == error_text(unknown.text)
    assert "binhyen_admin_session" not in wrong.headers.get("set-cookie", "")
    assert await audit(db_url, username) == [("signin.failure", "bad_password")]


@pytest.mark.parametrize("token", ["", "forged", "reuse-other-browser"])
async def test_sign_in_without_a_valid_csrf_token_is_refused(sqlite_only: str, token: str) -> None:
    username = await add_user(sqlite_only)
    async with panel(sqlite_only) as other, panel(sqlite_only) as client:
        await client.get("/admin/")
        if token == "reuse-other-browser":
            token = csrf_of((await other.get("/admin/")).text)
        data = {"username": username, "password": PASSWORD, "csrf": token}
        refused = await client.post("/admin/signin", data=data)
    assert refused.status_code == 403
    assert "Biểu mẫu đã hết hạn" in refused.text
    assert await audit(sqlite_only, username) == []


async def test_sign_in_without_the_nonce_cookie_is_refused(sqlite_only: str) -> None:
    username = await add_user(sqlite_only)
    async with panel(sqlite_only) as client:
        token = csrf_of((await client.get("/admin/")).text)
        client.cookies.clear()
        data = {"username": username, "password": PASSWORD, "csrf": token}
        refused = await client.post("/admin/signin", data=data)
    assert refused.status_code == 403


async def test_correct_password_opens_the_landing_page(db_url: str) -> None:
    username = await add_user(db_url)
    async with panel(db_url) as client:
        signed_in = await sign_in(client, username.upper())
        assert signed_in.status_code == 303
        assert signed_in.headers["location"] == "/admin/"
        cookie = signed_in.headers["set-cookie"].lower()
        assert "binhyen_admin_session=" in cookie
        assert "httponly" in cookie and "samesite=strict" in cookie
        landing = await client.get("/admin/")
        home = await client.get("/admin/account")
    # An officer lands on the tip queue; every page names the account, its role and area.
    assert landing.status_code == 303 and landing.headers["location"] == "/admin/tips"
    assert home.status_code == 200
    assert f"Xin chào, {username}" in home.text
    assert "Cán bộ Công an xã, phường" in home.text
    assert "Phường Ba Đình, Thành phố Hà Nội" in home.text
    assert "Hàng đợi tin báo" in home.text and 'action="/admin/signout"' in home.text
    assert await audit(db_url, username) == [("signin.success", "")]


async def test_landing_page_names_each_role(sqlite_only: str) -> None:
    cases = [
        (
            AdminRole.CHIEF,
            BA_DINH,
            "01",
            "Trưởng Công an xã, phường",
            "Chief of the commune or ward police",
        ),
        (AdminRole.LEADER, BA_DINH, "01", "Tổ trưởng tổ dân phố, trưởng thôn", "Neighbourhood"),
        (AdminRole.PROVINCE_ADMIN, "", "79", "Quản trị viên cấp tỉnh", "Province administrator"),
    ]
    for role, commune, province, vietnamese, english in cases:
        username = await add_user(sqlite_only, role, commune, province)
        async with panel(sqlite_only) as client:
            await sign_in(client, username)
            assert vietnamese in (await client.get("/admin/account")).text
            home = await client.get("/admin/account?lang=en")
        assert english in home.text and "Sign out" in home.text
    assert "Thành phố Hồ Chí Minh" in home.text


async def test_lockout_after_five_failures_even_with_the_right_password(db_url: str) -> None:
    username = await add_user(db_url)
    async with panel(db_url) as client:
        for _ in range(5):
            assert (await sign_in(client, username, "wrong guess!")).status_code == 401
        locked = await sign_in(client, username)
    assert locked.status_code == 401
    assert GENERIC_ERROR in error_text(locked.text)
    details = [detail for _, detail in await audit(db_url, username)]
    assert details == ["bad_password"] * 5 + ["locked"]
    # Fifteen minutes later the right password works again.
    engine = make_engine(db_url)
    async with make_sessions(engine)() as session:
        earlier = datetime.now(UTC) - timedelta(seconds=1)
        await session.execute(
            update(AdminUser).where(AdminUser.username == username).values(locked_until=earlier)
        )
        await session.commit()
    await engine.dispose()
    async with panel(db_url) as client:
        assert (await sign_in(client, username)).status_code == 303


async def test_sign_out(db_url: str) -> None:
    username = await add_user(db_url)
    async with panel(db_url) as client:
        await sign_in(client, username)
        home = await client.get("/admin/account")
        stolen = client.cookies["binhyen_admin_session"]
        refused = await client.post("/admin/signout", data={"csrf": "forged"})
        assert refused.status_code == 403
        assert "Xin chào" in (await client.get("/admin/account")).text
        out = await client.post("/admin/signout", data={"csrf": csrf_of(home.text)})
        assert out.status_code == 303
        assert 'binhyen_admin_session=""' in out.headers["set-cookie"]
        assert "Tên đăng nhập" in (await client.get("/admin/")).text
        # The old cookie is worthless: the session row is gone.
        client.cookies.set("binhyen_admin_session", stolen)
        assert "Tên đăng nhập" in (await client.get("/admin/")).text
    assert await audit(db_url, username) == [("signin.success", ""), ("signout", "")]


async def test_session_cookie_is_secure_over_https(sqlite_only: str) -> None:
    username = await add_user(sqlite_only)
    async with panel(sqlite_only, base_url="https://test") as client:
        form = await client.get("/admin/")
        assert "secure" in form.headers["set-cookie"].lower()
        signed_in = await sign_in(client, username)
    assert "; secure" in signed_in.headers["set-cookie"].lower()


async def test_database_keeps_a_keyed_hash_not_the_cookie(sqlite_only: str) -> None:
    from storage.models import AdminSession

    username = await add_user(sqlite_only)
    async with panel(sqlite_only) as client:
        await sign_in(client, username)
        token = client.cookies["binhyen_admin_session"]
    engine = make_engine(sqlite_only)
    async with make_sessions(engine)() as session:
        ids = (await session.execute(select(AdminSession.id))).scalars().all()
    await engine.dispose()
    assert len(ids) == 1 and token not in ids[0] and len(ids[0]) == 64


# --- binhyen admin create -------------------------------------------------------------


def cli(*args: str) -> int:
    return main(["admin", "create", *args])


async def test_cli_creates_a_user_who_can_sign_in(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BINHYEN_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("BINHYEN_SECRET_KEY", "test-secret-key")
    monkeypatch.setenv("BINHYEN_ADMIN_PASSWORD", PASSWORD)
    code = await asyncio.to_thread(
        cli, "--username", "Truong.CA", "--role", "chief", "--commune", BA_DINH
    )
    assert code == 0
    assert (
        "created truong.ca (chief, 00004 Phường Ba Đình, Thành phố Hà Nội)"
        in capsys.readouterr().out
    )
    async with panel(sqlite_url) as client:
        assert (await sign_in(client, "truong.ca")).status_code == 303
        assert "Trưởng Công an xã, phường" in (await client.get("/admin/account")).text
    again = await asyncio.to_thread(
        cli, "--username", "truong.ca", "--role", "officer", "--commune", BA_DINH
    )
    assert again == 1
    assert "already taken" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "janitor", "--commune", BA_DINH], "unknown role 'janitor'"),
        (["--role", "officer", "--commune", "99999"], "no commune has the code '99999'"),
        (["--role", "officer"], "needs --commune"),
        (["--role", "province_admin", "--commune", BA_DINH], "its 2-digit code or its name"),
        (["--role", "officer", "--commune", BA_DINH, "--username", "x y"], "invalid username"),
    ],
)
def test_cli_rejects_bad_input(
    sqlite_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    monkeypatch.setenv("BINHYEN_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("BINHYEN_ADMIN_PASSWORD", PASSWORD)
    assert cli("--username", "someone", *args) == 2
    assert message in capsys.readouterr().err


def test_cli_rejects_a_short_password(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BINHYEN_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("BINHYEN_ADMIN_PASSWORD", "short")
    assert cli("--username", "someone", "--role", "officer", "--commune", BA_DINH) == 2
    assert "at least 10 characters" in capsys.readouterr().err


def test_cli_prompts_twice_without_the_variable(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BINHYEN_DATABASE_URL", sqlite_url)
    monkeypatch.delenv("BINHYEN_ADMIN_PASSWORD", raising=False)
    answers = iter([PASSWORD, "something else entirely"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert cli("--username", "someone", "--role", "officer", "--commune", BA_DINH) == 2
    assert "do not match" in capsys.readouterr().err
    answers = iter([PASSWORD, PASSWORD])
    assert cli("--username", "province.hcm", "--role", "province_admin", "--commune", "79") == 0


# --- binhyen admin token / unlock, --display-name ----------------------------------------


async def test_cli_display_name_token_and_unlock(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BINHYEN_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("BINHYEN_SECRET_KEY", "test-secret-key")
    monkeypatch.setenv("BINHYEN_ADMIN_PASSWORD", PASSWORD)
    args = ["--username", "qt.hn", "--role", "province_admin", "--commune", "01"]
    created = await asyncio.to_thread(cli, *args, "--display-name", "Trần  Thị   Hoa")
    assert created == 0
    engine = make_engine(sqlite_url)
    async with make_sessions(engine)() as session:
        user = (
            await session.execute(select(AdminUser).where(AdminUser.username == "qt.hn"))
        ).scalar_one()
    await engine.dispose()
    assert user.display_name == "Trần Thị Hoa"
    capsys.readouterr()

    made = await asyncio.to_thread(
        main, ["admin", "token", "--username", "QT.HN", "--name", "báo cáo tuần", "--days", "30"]
    )
    assert made == 0
    out, err = capsys.readouterr()
    token = out.strip()
    assert token.startswith("by_") and "\n" not in token
    assert "shown only this once" in err and token not in err
    async with panel(sqlite_url) as client:
        reply = await client.get("/api/v1/audit", headers={"Authorization": f"Bearer {token}"})
        assert reply.status_code == 200
        actions = [i["action"] for i in reply.json()["items"]]
        assert actions == ["token.create"]

        for _ in range(au.MAX_FAILURES):
            await sign_in(client, "qt.hn", "wrong guess!")
        assert (await sign_in(client, "qt.hn")).status_code == 401
        unlocked = await asyncio.to_thread(main, ["admin", "unlock", "--username", "qt.hn"])
        assert unlocked == 0 and "unlocked qt.hn" in capsys.readouterr().out
        assert (await sign_in(client, "qt.hn")).status_code == 303
    trail = await audit(sqlite_url, "qt.hn")
    assert ("token.create", "cli") in trail and ("user.unlock", "cli") in trail


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["token", "--username", "nobody.here", "--name", "x"], 1, "no active account"),
        (["token", "--username", "x y", "--name", "x"], 2, "invalid username"),
        (["token", "--username", "nobody.here", "--name", "  "], 2, "--name must be"),
        (["token", "--username", "nobody.here", "--name", "x", "--days", "0"], 2, "--days"),
        (["token", "--username", "nobody.here", "--name", "x", "--days", "400"], 2, "--days"),
        (["unlock", "--username", "nobody.here"], 1, "no account"),
        (["unlock", "--username", "x y"], 2, "invalid username"),
    ],
)
def test_cli_token_and_unlock_refusals(
    sqlite_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    code: int,
    message: str,
) -> None:
    monkeypatch.setenv("BINHYEN_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("BINHYEN_SECRET_KEY", "test-secret-key")
    assert main(["admin", *argv]) == code
    out, err = capsys.readouterr()
    assert message in err and out == ""
