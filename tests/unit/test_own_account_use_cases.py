"""The account holder's own changes (handlers/accounts/own.py) on the in-memory store: a new
password, two-step sign-in on and off, each proved by the password (or a fresh code) whose
wrong guesses count toward the lockout even though the change is refused (proof.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from handlers.accounts import manage, own
from handlers.accounts.errors import AccountError
from handlers.accounts.rules import LOCKOUT, MAX_FAILURES
from handlers.errors import Conflict
from storage import totp
from tests.fakes.memory_accounts import PlainSealing
from tests.unit.account_world import HASHED, KEYS, NEW_PASSWORD, NOW, PASSWORD, World


@pytest.fixture
def world() -> World:
    return World()


async def test_change_ones_password_ends_the_other_sessions(world: World) -> None:
    me = world.officer
    keys = [world.data.open_session(me.id) for _ in range(3)]
    ended = await world.settle(
        own.change_password,
        me,
        PASSWORD,
        NEW_PASSWORD,
        NEW_PASSWORD,
        KEYS,
        keep_session=keys[0],
        ip="10.0.0.2",
    )
    assert ended == 2 and world.data.sessions == {keys[0]: me.id}
    assert world.stored(me).password_hash == f"plain:{NEW_PASSWORD}"
    assert world.audits() == [("user.password", "officer_a", "officer_a", "self")]


@pytest.mark.parametrize(
    ("current", "new", "repeat", "code"),
    [
        ("wrong password!", NEW_PASSWORD, NEW_PASSWORD, "bad_secret"),
        (PASSWORD, NEW_PASSWORD, "something else", "password_mismatch"),
        (PASSWORD, "short", "short", "password_length"),
        (PASSWORD, PASSWORD, PASSWORD, "password_same"),
    ],
)
async def test_change_password_refusals(
    world: World, current: str, new: str, repeat: str, code: str
) -> None:
    me = world.officer
    with pytest.raises(AccountError) as refused:
        await world.settle(own.change_password, me, current, new, repeat, KEYS, keep_session="k")
    assert refused.value.code == code
    stored = world.stored(me)
    assert stored.password_hash == HASHED and world.audits() == []
    assert stored.failed_count == (1 if code == "bad_secret" else 0)  # a wrong guess counts


async def test_five_wrong_guesses_lock_the_account_for_a_quarter_of_an_hour(world: World) -> None:
    me = world.officer

    async def change(password: str, now: datetime) -> None:
        await world.settle(
            own.change_password,
            me,
            password,
            NEW_PASSWORD,
            NEW_PASSWORD,
            KEYS,
            keep_session="k",
            now=now,
        )

    for _ in range(MAX_FAILURES):
        with pytest.raises(AccountError, match="bad_secret"):
            await change("wrong password!", NOW)
    assert world.stored(me).locked_until == NOW + LOCKOUT
    with pytest.raises(AccountError, match="locked"):
        await change(PASSWORD, NOW + LOCKOUT - timedelta(seconds=1))
    await change(PASSWORD, NOW + LOCKOUT)
    stored = world.stored(me)
    assert (stored.failed_count, stored.locked_until) == (0, None)


async def test_a_deactivated_holder_changes_nothing(world: World) -> None:
    await world.run(manage.set_active, world.admin, world.officer.id, False)
    for use_case, args in [
        (own.change_password, (PASSWORD, NEW_PASSWORD, NEW_PASSWORD, KEYS)),
        (own.enable_totp, (totp.new_secret(), "000000", PASSWORD, KEYS)),
        (own.disable_totp, (PASSWORD, KEYS)),
    ]:
        kw = {"keep_session": "k"} if use_case is own.change_password else {}
        with pytest.raises(AccountError, match="inactive"):
            await world.settle(use_case, world.officer, *args, **kw)


def code_at(secret: str, when: datetime) -> str:
    return totp.code_at(secret, totp.step_of(when.timestamp()))


async def test_totp_on_then_off_with_a_fresh_code(world: World) -> None:
    me, secret = world.officer, totp.new_secret()
    await world.settle(own.enable_totp, me, secret, code_at(secret, NOW), PASSWORD, KEYS, now=NOW)
    stored = world.stored(me)
    assert stored.totp_sealed == KEYS.sealing.seal({"totp": secret})
    assert stored.totp_last_step == totp.step_of(NOW.timestamp())
    with pytest.raises(Conflict, match="totp_on"):
        await world.settle(own.enable_totp, me, secret, code_at(secret, NOW), PASSWORD, KEYS)
    # The code that turned it on is spent; the next step's code turns it off.
    with pytest.raises(AccountError, match="bad_secret"):
        await world.settle(own.disable_totp, me, code_at(secret, NOW), KEYS, now=NOW)
    later = NOW + timedelta(seconds=totp.STEP_SECONDS)
    typed = code_at(secret, later)[:3] + " " + code_at(secret, later)[3:]  # as apps show it
    await world.settle(own.disable_totp, me, typed, KEYS, now=later)
    assert world.stored(me).totp_sealed == ""
    with pytest.raises(AccountError, match="totp_off"):
        await world.settle(own.disable_totp, me, PASSWORD, KEYS)
    assert world.audits() == [
        ("totp.enable", "officer_a", "officer_a", "self"),
        ("totp.disable", "officer_a", "officer_a", "self"),
    ]


@pytest.mark.parametrize(
    ("secret", "code", "password", "refusal"),
    [
        ("not a secret", "", PASSWORD, "totp_secret"),
        (None, "", "wrong password!", "bad_secret"),
        (None, "000000", PASSWORD, "bad_code"),
    ],
)
async def test_totp_on_refusals(
    world: World, secret: str | None, code: str, password: str, refusal: str
) -> None:
    me, fresh = world.officer, totp.new_secret()
    secret = fresh if secret is None else secret
    code = code or code_at(fresh, NOW)
    with pytest.raises(AccountError) as refused:
        await world.settle(own.enable_totp, me, secret, code, password, KEYS, now=NOW)
    assert refused.value.code == refusal
    stored = world.stored(me)
    assert stored.totp_sealed == "" and world.audits() == []
    assert stored.failed_count == (1 if refusal == "bad_secret" else 0)


async def test_totp_off_by_password_and_a_secret_no_key_opens(world: World) -> None:
    me = world.officer
    world.set(me, totp_sealed=PlainSealing.BROKEN)
    with pytest.raises(AccountError, match="bad_secret"):
        await world.settle(own.disable_totp, me, "123456", KEYS, now=NOW)
    await world.settle(own.disable_totp, me, PASSWORD, KEYS, now=NOW)
    stored = world.stored(me)
    assert (stored.totp_sealed, stored.failed_count) == ("", 1)
