"""A province admin's management of accounts (handlers/accounts/manage.py) and a new account
however it is made (new.py), on the in-memory store: who may manage whom, what a new account
must be, what each change ends (sessions, API tokens), what the audit log keeps, and that a
refused change leaves nothing behind. The same store answers as the SQL one
(tests/integration/test_accounts_contract.py); the panel tests run these use cases on the
databases through the edges."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from handlers.accounts import create_account, manage
from handlers.accounts.errors import (
    AccountError,
    InvalidAdminUser,
    NoSuchUser,
    NotAllowed,
    UsernameTaken,
)
from handlers.accounts.rules import LOCKOUT, MAX_FAILURES
from handlers.people import AdminRole, Identity
from storage import totp
from tests.unit.account_world import (
    HANOI_A,
    HANOI_B,
    KEYS,
    NEW_PASSWORD,
    NOW,
    PASSWORD,
    PASSWORDS,
    SAIGON,
    World,
)


@pytest.fixture
def world() -> World:
    return World()


# Every change of an account by id, with its arguments after the id.
CHANGES: list[tuple[Callable[..., Awaitable[Any]], tuple[Any, ...]]] = [
    (manage.set_active, (False,)),
    (manage.set_active, (True,)),
    (manage.unlock, ()),
    (manage.reset_password, (NEW_PASSWORD, NEW_PASSWORD, PASSWORDS)),
    (manage.disable_totp, ()),
]


def new_account(**fields: Any) -> dict[str, Any]:
    return {
        "username": "can.bo.moi",
        "display_name": "Cán bộ mới",
        "role": AdminRole.CHIEF,
        "commune_code": HANOI_A,
        "password": NEW_PASSWORD,
        "repeat": NEW_PASSWORD,
        **fields,
    }


# --- who manages whom ----------------------------------------------------------------------


@pytest.mark.parametrize("label", ["officer", "leader", "chief", "officer_c"])
async def test_only_a_province_admin_manages_accounts(world: World, label: str) -> None:
    actor = getattr(world, label)
    before = world.written()
    with pytest.raises(NotAllowed):
        await world.run(manage.accounts, actor)
    with pytest.raises(NotAllowed):
        await world.run(manage.account, actor, world.officer.id)
    with pytest.raises(NotAllowed):
        await world.run(manage.create, actor, PASSWORDS, **new_account())
    for change, args in CHANGES:
        with pytest.raises(NotAllowed):
            await world.run(change, actor, world.officer.id, *args)
    assert world.written() == before


async def test_another_provinces_accounts_are_not_found(world: World) -> None:
    before = world.written()
    for actor, target in ((world.admin_79, world.officer), (world.admin, world.officer_c)):
        with pytest.raises(NoSuchUser):
            await world.run(manage.account, actor, target.id)
        for change, args in CHANGES:
            with pytest.raises(NoSuchUser):
                await world.run(change, actor, target.id, *args)
    with pytest.raises(NoSuchUser):
        await world.run(manage.unlock, world.admin, 999)
    assert world.written() == before


async def test_nobody_changes_their_own_account_here_but_to_unlock_it(world: World) -> None:
    me = world.admin.id
    for change, args in CHANGES:
        if change is manage.unlock:
            continue
        with pytest.raises(AccountError, match="self"):
            await world.run(change, world.admin, me, *args)
    # The account is found first, then refused as one's own, before any other check.
    with pytest.raises(AccountError, match="self"):
        await world.run(manage.reset_password, world.admin, me, "x", "y", PASSWORDS)
    assert world.audits() == []
    await world.run(manage.unlock, world.admin, me)
    assert world.audits() == [("user.unlock", "admin_01", "admin_01", "")]


async def test_the_list_is_the_province_admins_first(world: World) -> None:
    async def names(actor: Identity, **kw: str) -> list[str]:
        return [a.username for a in await world.run(manage.accounts, actor, **kw)]

    assert await names(world.admin) == [
        "admin_01",
        "admin_01b",
        "leader_a",
        "officer_a",
        "chief_b",
    ]
    assert await names(world.admin_79) == ["admin_79", "officer_c"]
    assert await names(world.admin, commune_code=HANOI_B) == ["chief_b"]
    assert await names(world.admin, query="  OFFICER ") == ["officer_a"]
    assert await names(world.admin, commune_code=SAIGON) == []
    shown = await world.run(manage.account, world.admin, world.chief.id)
    assert (shown.username, shown.role, shown.active, shown.totp_on) == (
        "chief_b",
        AdminRole.CHIEF,
        True,
        False,
    )


# --- creating ------------------------------------------------------------------------------


async def test_create_an_officer(world: World) -> None:
    created = await world.run(
        manage.create,
        world.admin,
        PASSWORDS,
        **new_account(
            username=" Nguyen.Van.Binh ",
            display_name="  Nguyễn   Văn Bình ",
            role=AdminRole.OFFICER,
            commune_code=f" {HANOI_B} ",
        ),
        ip="10.0.0.1",
        now=NOW,
    )
    assert created == Identity(
        created.id, "nguyen.van.binh", AdminRole.OFFICER, HANOI_B, "01", "Nguyễn Văn Bình"
    )
    stored = world.stored(created)
    assert (stored.password_hash, stored.active, stored.created_at) == (
        f"plain:{NEW_PASSWORD}",
        True,
        NOW,
    )
    assert world.audits() == [("user.create", "admin_01", "nguyen.van.binh", "officer")]
    assert world.data.audits[0].ip == "10.0.0.1"


async def test_a_province_admin_is_made_for_the_own_province(world: World) -> None:
    role = AdminRole.PROVINCE_ADMIN
    made = await world.run(
        manage.create, world.admin_79, PASSWORDS, **new_account(role=role, commune_code=HANOI_A)
    )
    assert (made.role, made.commune_code, made.province_code) == (role, "", "79")


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"username": "x y"}, "username"),
        ({"username": "ab"}, "username"),
        ({"display_name": "x" * 101}, "display_name"),
        ({"commune_code": SAIGON}, "commune"),
        ({"commune_code": ""}, "commune"),
        ({"commune_code": "99999"}, "commune"),
        ({"repeat": "something else entirely"}, "password_mismatch"),
        ({"password": "short", "repeat": "short"}, "password_length"),
        ({"username": "OFFICER_C"}, "taken"),  # taken in another province: still taken
    ],
)
async def test_create_refusals_write_nothing(
    world: World, fields: dict[str, str], code: str
) -> None:
    before = world.written()
    with pytest.raises(AccountError) as refused:
        await world.run(manage.create, world.admin, PASSWORDS, **new_account(**fields))
    assert refused.value.code == code
    assert world.written() == before


async def test_the_command_line_makes_accounts_by_the_same_rules(world: World) -> None:
    store = world.data.store()
    made = await create_account(
        store,
        PASSWORDS,
        username="QT.HCM",
        password=PASSWORD,
        role=AdminRole.PROVINCE_ADMIN,
        province_code="79",
    )
    assert (made.username, made.province_code) == ("qt.hcm", "79")
    bad = [
        {"role": AdminRole.OFFICER, "commune_code": "", "province_code": "01"},
        {"role": AdminRole.CHIEF, "commune_code": "4", "province_code": "01"},
        {"role": AdminRole.PROVINCE_ADMIN, "commune_code": HANOI_A, "province_code": "01"},
        {"role": AdminRole.PROVINCE_ADMIN, "province_code": "1"},
        {"role": AdminRole.OFFICER, "commune_code": HANOI_A, "password": "short"},
        {"role": AdminRole.OFFICER, "commune_code": HANOI_A, "display_name": "x" * 101},
    ]
    for fields in bad:
        with pytest.raises(InvalidAdminUser):
            await create_account(
                store, PASSWORDS, **{"username": "ok.name", "password": PASSWORD, **fields}
            )
    with pytest.raises(UsernameTaken):
        await create_account(
            store,
            PASSWORDS,
            username="qt.hcm",
            password=PASSWORD,
            role=AdminRole.LEADER,
            commune_code=HANOI_A,
        )
    store.commit()
    assert world.audits() == []  # the operator's own log is the shell's


# --- changing ------------------------------------------------------------------------------


async def test_deactivating_ends_the_sessions_and_tokens_and_reactivating_brings_none_back(
    world: World,
) -> None:
    target = world.officer
    for _ in range(2):
        world.data.open_session(target.id)
    theirs = world.data.open_session(world.chief.id)
    world.data.add_token(target.id)
    await world.run(manage.set_active, world.admin, target.id, False, now=NOW)
    assert not world.stored(target).active
    assert world.data.sessions == {theirs: world.chief.id}
    assert world.data.live_tokens(target.id) == 0  # revoked: reactivating brings none back
    unchanged = world.written()
    await world.run(manage.set_active, world.admin, target.id, False)
    assert world.written() == unchanged  # already so: nothing written
    await world.run(manage.set_active, world.admin, target.id, True)
    assert world.stored(target).active
    assert world.audits() == [
        ("user.deactivate", "admin_01", "officer_a", ""),
        ("user.activate", "admin_01", "officer_a", ""),
    ]


async def test_unlock_lifts_the_lockout(world: World) -> None:
    target = world.chief
    world.set(target, failed_count=MAX_FAILURES, locked_until=NOW + LOCKOUT)
    await world.run(manage.unlock, world.admin, target.id, now=NOW)
    stored = world.stored(target)
    assert (stored.failed_count, stored.locked_until) == (0, None)
    assert world.audits() == [("user.unlock", "admin_01", "chief_b", "")]


async def test_a_reset_password_ends_the_sessions_and_the_api_tokens(world: World) -> None:
    target = world.officer
    world.data.open_session(target.id)
    for _ in range(2):
        world.data.add_token(target.id)
    before = world.written()
    with pytest.raises(AccountError, match="password_mismatch"):
        await world.run(
            manage.reset_password, world.admin, target.id, NEW_PASSWORD, "nope", PASSWORDS
        )
    assert world.written() == before
    await world.run(
        manage.reset_password, world.admin, target.id, NEW_PASSWORD, NEW_PASSWORD, PASSWORDS
    )
    assert world.stored(target).password_hash == f"plain:{NEW_PASSWORD}"
    assert world.data.sessions == {} and world.data.live_tokens(target.id) == 0
    assert world.audits() == [("user.password", "admin_01", "officer_a", "admin")]


async def test_turning_off_a_lost_phones_totp(world: World) -> None:
    target = world.officer
    world.set(target, totp_sealed=KEYS.sealing.seal({"totp": totp.new_secret()}), totp_last_step=7)
    await world.run(manage.disable_totp, world.admin, target.id)
    stored = world.stored(target)
    assert (stored.totp_sealed, stored.totp_last_step) == ("", None)
    assert world.audits() == [("totp.disable", "admin_01", "officer_a", "admin")]
    before = world.written()
    with pytest.raises(AccountError, match="totp_off"):
        await world.run(manage.disable_totp, world.admin, target.id)
    assert world.written() == before
