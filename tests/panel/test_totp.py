"""Two-step sign-in: the RFC 6238 code, turning it on and off, and the code step of sign-in."""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pyotp
import pytest
from sqlalchemy import select, update

from admin import auth
from bot import runtime
from storage import admin_users as au
from storage import totp
from storage.models import AdminUser, AuditLog
from tests.panel.conftest import PASSWORD, World, csrf_of

# RFC 6238 appendix B, SHA-1 seed, 8 digits; our 6-digit codes are their last six.
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()
RFC_VECTORS = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 1, 0, 0, tzinfo=UTC)

    def step(self) -> int:
        return totp.step_of(self.now.timestamp())

    def tick(self, steps: int = 1) -> None:
        self.now += timedelta(seconds=totp.STEP_SECONDS * steps)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    """The accounts' clock, so codes do not depend on when the test runs."""
    value = Clock()
    monkeypatch.setattr("handlers.accounts.clock.now", lambda: value.now)
    yield value


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, html[:3000]
    return found.group(1)


async def turn_on(world: World, client: httpx.AsyncClient, clock: Clock) -> str:
    page = await client.get("/admin/account/totp")
    assert page.status_code == 200
    secret = hidden(page.text, "secret")
    data = {
        "csrf": csrf_of(page.text),
        "secret": secret,
        "proof": hidden(page.text, "proof"),
        "code": totp.code_at(secret, clock.step()),
        "password": PASSWORD,
    }
    done = await client.post("/admin/account/totp", data=data)
    assert done.status_code == 303 and done.headers["location"] == "/admin/account?done=totp_on"
    return secret


async def password_step(
    world: World, label: str, password: str = PASSWORD
) -> tuple[httpx.AsyncClient, httpx.Response]:
    """A new browser that has typed the username and password: (browser, answer)."""
    client = world.anonymous_client()
    form = await client.get("/admin/")
    data = {"username": world.usernames[label], "password": password, "csrf": csrf_of(form.text)}
    return client, await client.post("/admin/signin", data=data)


def wrong_code(secret: str, clock: Clock) -> str:
    """A code that no step near the clock's has (a fixed guess could be right, rarely)."""
    near = {totp.code_at(secret, clock.step() + d) for d in range(-2, 3)}
    return next(
        c
        for c in ("000000", "111111", "222222", "333333", "444444", "555555", "666666")
        if c not in near
    )


async def send_code(client: httpx.AsyncClient, code: str) -> httpx.Response:
    page = await client.get("/admin/signin/code")
    assert page.status_code == 200, page.text[:500]
    return await client.post("/admin/signin/code", data={"code": code, "csrf": csrf_of(page.text)})


async def trail(world: World, label: str) -> list[tuple[str, str]]:
    async with world.session() as db:
        rows = await db.execute(
            select(AuditLog.action, AuditLog.detail)
            .where(AuditLog.actor_id == world.users[label].id)
            .order_by(AuditLog.id)
        )
        return [(a, d) for a, d in rows.all()]


async def user_row(world: World, label: str) -> AdminUser:
    async with world.session() as db:
        user = await db.get(AdminUser, world.users[label].id)
        assert user is not None
        return user


# --- the algorithm ---------------------------------------------------------------------------


@pytest.mark.parametrize(("unix", "code8"), RFC_VECTORS)
def test_rfc_6238_vectors(unix: int, code8: str) -> None:
    step = totp.step_of(unix)
    assert totp.code_at(RFC_SECRET, step, digits=8) == code8
    assert totp.code_at(RFC_SECRET, step) == code8[-6:]
    assert totp.matching_step(RFC_SECRET, code8[-6:], unix, None) == step


def test_rfc_step_boundaries() -> None:
    assert totp.step_of(59) == 1 and totp.step_of(60) == 2 and totp.step_of(29.999) == 0
    assert totp.code_at(RFC_SECRET, 1) == "287082"


def test_one_step_either_side_is_accepted_two_are_not() -> None:
    secret = totp.new_secret()
    now = 1_800_000_000.0
    step = totp.step_of(now)
    for delta in (-1, 0, 1):
        assert totp.matching_step(secret, totp.code_at(secret, step + delta), now, None) == (
            step + delta
        )
    for delta in (-2, 2):
        assert totp.matching_step(secret, totp.code_at(secret, step + delta), now, None) is None


def test_a_used_step_cannot_be_replayed() -> None:
    secret = totp.new_secret()
    now = 1_800_000_000.0
    step = totp.step_of(now)
    code = totp.code_at(secret, step)
    assert totp.matching_step(secret, code, now, step - 1) == step
    assert totp.matching_step(secret, code, now, step) is None
    assert totp.matching_step(secret, totp.code_at(secret, step - 1), now, step - 1) is None
    assert totp.matching_step(secret, totp.code_at(secret, step + 1), now, step) == step + 1


def test_a_code_replayed_later_in_its_window_is_refused() -> None:
    # Used at the start of its window, still valid 30 s later: the stored step stops it.
    now = 59.0
    step = totp.matching_step(RFC_SECRET, "287082", now, None)
    assert step == 1
    later = now + totp.STEP_SECONDS
    assert totp.matching_step(RFC_SECRET, "287082", later, None) == step  # still in the window
    assert totp.matching_step(RFC_SECRET, "287082", later, step) is None
    assert totp.matching_step(RFC_SECRET, totp.code_at(RFC_SECRET, 2), later, step) == 2


def test_the_first_steps_after_the_epoch_do_not_fail() -> None:
    # The window reaches step -1 there, which HOTP has no code for.
    assert totp.matching_step(RFC_SECRET, totp.code_at(RFC_SECRET, 0), 10, None) == 0


ARABIC_INDIC = "\u0662\u0668\u0667\u0660\u0668\u0662"  # 287082 in other scripts' digits
FULLWIDTH = "\uff12\uff18\uff17\uff10\uff18\uff12"


@pytest.mark.parametrize(
    "code", ["", "12345", "1234567", "abcdef", "12 34 5x", ARABIC_INDIC, FULLWIDTH]
)
def test_malformed_codes_never_match(code: str) -> None:
    assert totp.matching_step(RFC_SECRET, code, 59, None) is None


def test_spaces_in_a_code_are_ignored_and_secrets_are_checked() -> None:
    assert totp.matching_step(RFC_SECRET, "287 082", 59, None) == 1
    assert totp.matching_step(RFC_SECRET, "287-082", 59, None) == 1
    assert totp.matching_step("not-base32", "287082", 59, None) is None
    assert totp.matching_step(RFC_SECRET.lower(), "287082", 59, None) is None
    assert totp.matching_step(RFC_SECRET[:16], totp.code_at(RFC_SECRET, 1), 59, None) is None
    secret = totp.new_secret()
    assert totp.valid_secret(secret) and len(base64.b32decode(secret)) == 20
    assert totp.new_secret() != secret


def test_otpauth_uri() -> None:
    uri = totp.uri(RFC_SECRET, "cb.a", "Bình Yên")
    assert uri == (
        f"otpauth://totp/B%C3%ACnh%20Y%C3%AAn:cb.a?secret={RFC_SECRET}&issuer=B%C3%ACnh%20Y%C3%AAn"
    )
    # What an authenticator app reads back: SHA-1, 6 digits and 30 s are the defaults.
    app = pyotp.parse_uri(uri)
    assert isinstance(app, pyotp.TOTP)
    assert (app.secret, app.name, app.issuer) == (RFC_SECRET, "cb.a", "Bình Yên")
    assert (app.digits, app.interval, app.digest().name) == (6, 30, "sha1")
    assert app.at(59) == "287082"


def test_pending_cookie_is_signed_bound_and_short_lived(world: World) -> None:
    settings = world.settings
    now = 1_800_000_000.0
    value = auth.pending_value(settings, 7, now)
    assert auth.pending_user(settings, value, now) == 7
    assert auth.pending_user(settings, value, now + 299) == 7
    assert auth.pending_user(settings, value, now + 300) is None
    forged = "8" + value[1:]
    assert auth.pending_user(settings, forged, now) is None
    body, _, _mac = value.rpartition(".")
    user, _, expires = body.partition(".")
    longer = f"{user}.{int(expires) + 3600}"
    assert auth.pending_user(settings, f"{longer}.{_mac}", now) is None
    for junk in ("", "7", "7.x.y", "a.b.c", value + "0"):
        assert auth.pending_user(settings, junk, now) is None


# --- turning it on and off -------------------------------------------------------------------


async def test_setup_page_shows_secret_uri_and_qr(world: World) -> None:
    client = await world.client("officer_a")
    page = await client.get("/admin/account/totp")
    assert page.status_code == 200
    secret = hidden(page.text, "secret")
    assert totp.valid_secret(secret)
    assert totp.grouped(secret) in page.text
    assert "otpauth://totp/" in page.text and f"secret={secret}" in page.text
    assert "<svg" in page.text and "<script" not in page.text.split("</head>")[1]
    again = await client.get("/admin/account/totp")
    assert hidden(again.text, "secret") != secret  # nothing stored until confirmed
    assert not (await user_row(world, "officer_a")).totp_sealed


async def test_turning_on_needs_a_right_code(world: World, clock: Clock) -> None:
    client = await world.client("officer_a")
    page = await client.get("/admin/account/totp")
    secret, proof = hidden(page.text, "secret"), hidden(page.text, "proof")
    data = {"csrf": csrf_of(page.text), "secret": secret, "proof": proof, "password": PASSWORD}
    # The password is asked too: a session left open must not bind someone else's phone.
    no_password = await client.post(
        "/admin/account/totp",
        data={**data, "password": "not the password", "code": totp.code_at(secret, clock.step())},
    )
    assert no_password.status_code == 422 and hidden(no_password.text, "secret") == secret
    assert not (await user_row(world, "officer_a")).totp_sealed
    wrong = totp.code_at(secret, clock.step() + 5)
    refused = await client.post("/admin/account/totp", data={**data, "code": wrong})
    assert refused.status_code == 422
    assert "Mã không đúng" in refused.text and hidden(refused.text, "secret") == secret
    assert not (await user_row(world, "officer_a")).totp_sealed
    ok = await client.post(
        "/admin/account/totp", data={**data, "code": totp.code_at(secret, clock.step())}
    )
    assert ok.status_code == 303
    row = await user_row(world, "officer_a")
    assert row.totp_sealed and secret not in row.totp_sealed
    assert row.totp_last_step == clock.step()
    assert ("totp.enable", "self") in await trail(world, "officer_a")
    account = await client.get("/admin/account?done=totp_on")
    assert "Đã bật xác thực hai bước" in account.text and "Đang bật" in account.text
    # A second set-up is not offered, and a forged one is refused.
    assert (await client.get("/admin/account/totp")).status_code == 303
    again = await client.post(
        "/admin/account/totp", data={**data, "code": totp.code_at(secret, clock.step() + 1)}
    )
    assert again.status_code == 409


async def test_a_secret_not_shown_to_this_session_is_refused(world: World, clock: Clock) -> None:
    client = await world.client("officer_a")
    page = await client.get("/admin/account/totp")
    mine = totp.new_secret()
    data = {
        "csrf": csrf_of(page.text),
        "secret": mine,
        "proof": hidden(page.text, "proof"),
        "code": totp.code_at(mine, clock.step()),
        "password": PASSWORD,
    }
    refused = await client.post("/admin/account/totp", data=data)
    assert refused.status_code == 422
    assert hidden(refused.text, "secret") != mine
    assert not (await user_row(world, "officer_a")).totp_sealed


@pytest.mark.parametrize(
    "path", ["/admin/account/totp", "/admin/account/totp/disable", "/admin/signin/code"]
)
async def test_forms_need_csrf(world: World, clock: Clock, path: str) -> None:
    client = await world.client("officer_a")
    if path == "/admin/signin/code":
        await turn_on(world, client, clock)
        client, _ = await password_step(world, "officer_a")
        reply = await client.post(path, data={"code": "123456", "csrf": "forged"})
    else:
        reply = await client.post(path, data={"csrf": "forged", "secret": "x", "code": "1"})
    assert reply.status_code == 403


async def test_turning_off_needs_password_or_current_code(world: World, clock: Clock) -> None:
    client = await world.client("chief_a")
    secret = await turn_on(world, client, clock)
    csrf = await world.csrf(client)
    wrong = await client.post(
        "/admin/account/totp/disable", data={"csrf": csrf, "secret": "not my password"}
    )
    assert wrong.status_code == 422 and "không đúng" in wrong.text
    assert (await user_row(world, "chief_a")).failed_count == 1
    # The code that turned it on cannot be used again.
    replay = await client.post(
        "/admin/account/totp/disable",
        data={"csrf": csrf, "secret": totp.code_at(secret, clock.step())},
    )
    assert replay.status_code == 422
    clock.tick()
    off = await client.post(
        "/admin/account/totp/disable",
        data={"csrf": csrf, "secret": totp.code_at(secret, clock.step())},
    )
    assert off.status_code == 303 and off.headers["location"].endswith("done=totp_off")
    row = await user_row(world, "chief_a")
    assert not row.totp_sealed and row.totp_last_step is None
    assert ("totp.disable", "self") in await trail(world, "chief_a")
    # Off already: nothing to turn off.
    again = await client.post(
        "/admin/account/totp/disable", data={"csrf": csrf, "secret": PASSWORD}
    )
    assert again.status_code == 422 and "chưa được bật" in again.text
    # On again, and off with the password this time.
    await turn_on(world, client, clock)
    by_password = await client.post(
        "/admin/account/totp/disable", data={"csrf": csrf, "secret": PASSWORD}
    )
    assert by_password.status_code == 303
    assert not (await user_row(world, "chief_a")).totp_sealed


# --- signing in with the code ----------------------------------------------------------------


async def test_sign_in_asks_for_the_code_and_opens_the_session_only_after(
    world: World, clock: Clock
) -> None:
    secret = await turn_on(world, await world.client("officer_a"), clock)
    before = await trail(world, "officer_a")
    client, first = await password_step(world, "officer_a")
    assert first.status_code == 303 and first.headers["location"] == "/admin/signin/code"
    cookies = first.headers.get_list("set-cookie")
    assert any(c.startswith(f"{auth.PENDING_COOKIE}=") for c in cookies)
    assert not any(c.startswith(f"{auth.SESSION_COOKIE}=") for c in cookies)
    assert (await client.get("/admin/account")).status_code == 303  # not signed in yet
    assert await trail(world, "officer_a") == before  # no signin.success yet
    page = await client.get("/admin/signin/code")
    assert "Nhập mã xác thực" in page.text and 'autocomplete="one-time-code"' in page.text

    bad = await send_code(client, totp.code_at(secret, clock.step() + 3))
    assert bad.status_code == 401 and "Mã không đúng" in bad.text
    clock.tick()
    good = await send_code(client, totp.code_at(secret, clock.step()))
    assert good.status_code == 303 and good.headers["location"] == "/admin/"
    assert (await client.get("/admin/account")).status_code == 200
    assert (await trail(world, "officer_a"))[len(before) :] == [
        ("signin.failure", "bad_code"),
        ("signin.success", ""),
    ]
    assert (await user_row(world, "officer_a")).failed_count == 0
    # The pending cookie is spent: the code page sends back to the start.
    assert auth.PENDING_COOKIE not in client.cookies
    assert (await client.get("/admin/signin/code")).status_code == 303


async def test_a_code_cannot_be_used_twice(world: World, clock: Clock) -> None:
    secret = await turn_on(world, await world.client("officer_a"), clock)
    clock.tick()
    code = totp.code_at(secret, clock.step())
    first, _ = await password_step(world, "officer_a")
    assert (await send_code(first, code)).status_code == 303
    second, _ = await password_step(world, "officer_a")
    assert (await send_code(second, code)).status_code == 401


async def test_digits_of_other_scripts_are_a_wrong_code(world: World, clock: Clock) -> None:
    # They pass `str.isdigit`, and once made compare_digest raise (a 500).
    await turn_on(world, await world.client("officer_a"), clock)
    client, _ = await password_step(world, "officer_a")
    reply = await send_code(client, ARABIC_INDIC)
    assert reply.status_code == 401 and "Mã không đúng" in reply.text


async def test_wrong_codes_count_toward_the_password_lockout(world: World, clock: Clock) -> None:
    secret = await turn_on(world, await world.client("officer_a"), clock)
    for _ in range(2):
        assert (await password_step(world, "officer_a", "wrong password!"))[1].status_code == 401
    client, _ = await password_step(world, "officer_a")
    for _ in range(2):
        assert (await send_code(client, wrong_code(secret, clock))).status_code == 401
    # The right password again does not clear the count: only a right code does.
    client, _ = await password_step(world, "officer_a")
    assert (await send_code(client, wrong_code(secret, clock))).status_code == 401
    stopped = await send_code(client, wrong_code(secret, clock))
    assert stopped.status_code == 401 and "tạm khóa" in stopped.text
    assert 'name="code"' not in stopped.text
    row = await user_row(world, "officer_a")
    assert row.failed_count == 5 and row.locked_until is not None
    # Locked: neither the password nor a right code gets in.
    assert (await password_step(world, "officer_a"))[1].status_code == 401
    clock.tick()
    async with world.session() as db:
        locked = await au.sign_in_code(
            db,
            world.users["officer_a"].id,
            totp.code_at(secret, clock.step()),
            runtime.sealer(world.settings),
        )
    assert locked.failure is au.Failure.LOCKED


async def test_deactivated_between_the_steps_cannot_finish(world: World, clock: Clock) -> None:
    secret = await turn_on(world, await world.client("officer_a"), clock)
    client, _ = await password_step(world, "officer_a")
    async with world.session() as db:
        await db.execute(
            update(AdminUser)
            .where(AdminUser.id == world.users["officer_a"].id)
            .values(active=False)
        )
        await db.commit()
    clock.tick()
    reply = await send_code(client, totp.code_at(secret, clock.step()))
    assert reply.status_code == 401 and auth.SESSION_COOKIE not in client.cookies
    assert ("signin.failure", "inactive") in await trail(world, "officer_a")


async def test_a_forged_pending_cookie_goes_back_to_the_start(world: World, clock: Clock) -> None:
    await turn_on(world, await world.client("officer_a"), clock)
    client, _ = await password_step(world, "officer_a")
    value = client.cookies[auth.PENDING_COOKIE]
    other = world.users["chief_a"].id
    client.cookies.set(auth.PENDING_COOKIE, f"{other}.{value.split('.', 1)[1]}")
    assert (await client.get("/admin/signin/code")).status_code == 303
    reply = await client.post("/admin/signin/code", data={"code": "123456", "csrf": "x"})
    assert reply.status_code == 303 and reply.headers["location"] == "/admin/"
    assert auth.SESSION_COOKIE not in client.cookies


async def test_an_expired_pending_step_goes_back_to_the_start(
    world: World, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await turn_on(world, await world.client("officer_a"), clock)
    client, _ = await password_step(world, "officer_a")
    later = time.time() + auth.PENDING_LIFETIME + 1
    monkeypatch.setattr(time, "time", lambda: later)
    assert (await client.get("/admin/signin/code")).status_code == 303


async def test_without_totp_the_password_is_enough(world: World) -> None:
    client, reply = await password_step(world, "officer_b")
    assert reply.status_code == 303 and reply.headers["location"] == "/admin/"
    assert auth.SESSION_COOKIE in client.cookies


async def test_code_page_without_a_pending_step_goes_back(world: World) -> None:
    client = world.anonymous_client()
    assert (await client.get("/admin/signin/code")).status_code == 303
    reply = await client.post("/admin/signin/code", data={"code": "123456", "csrf": "x"})
    assert reply.status_code == 303
