"""The contract of the accounts port (handlers/accounts/ports.py), run against the in-memory
store and the SQL one on SQLite and PostgreSQL (accounts_backends.py): the use-case tests in
tests/unit/test_account_use_cases.py run on the in-memory store, so it must answer as the SQL
one does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from handlers.accounts.errors import UsernameTaken
from handlers.accounts.ports import Account, AccountState, NewAccount
from handlers.audit import AuditAction
from handlers.people import AdminRole, Identity
from tests.fakes.memory_accounts import CREATED
from tests.integration.accounts_backends import (
    AccountBackend,
    MemoryBackend,
    Names,
    Seen,
    SqlBackend,
)
from tests.integration.port_backends import contract_backend

HANOI_A, HANOI_B, SAIGON = "00004", "00277", "27316"  # two communes of province 01, one of 79
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def accounts(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AccountBackend]:
    async with contract_backend(request, tmp_path, MemoryBackend, SqlBackend) as found:
        yield found


def usernames(found: list[Account], names: Names) -> list[str]:
    """This test's own accounts of a listing, in its order."""
    return [a.username for a in found if a.username.startswith(names.prefix)]


async def test_a_province_holds_its_admins_and_the_commune_roles_of_its_communes(
    accounts: AccountBackend,
) -> None:
    names = Names()
    seeded = [
        (names("officer-b"), AdminRole.OFFICER, HANOI_B, "01"),
        (names("officer-a"), AdminRole.OFFICER, HANOI_A, "01"),
        (names("leader-a"), AdminRole.LEADER, HANOI_A, "01"),
        (names("chief-a"), AdminRole.CHIEF, HANOI_A, "01"),
        (names("admin"), AdminRole.PROVINCE_ADMIN, "", "01"),
        # A commune role belongs to its commune's province, whatever its own code says.
        (names("saigon"), AdminRole.OFFICER, SAIGON, "01"),
        (names("admin-79"), AdminRole.PROVINCE_ADMIN, "", "79"),
    ]
    for username, role, commune, province in seeded:
        await accounts.account(username, role, commune, province)
    order_01 = ["admin", "chief-a", "leader-a", "officer-a", "officer-b"]
    async with accounts.work() as work:
        listed = usernames(await work.store.accounts("01"), names)
        assert listed == [names(s) for s in order_01]
        assert usernames(await work.store.accounts("79"), names) == [
            names("admin-79"),
            names("saigon"),
        ]
        mine = await work.store.accounts("01", text=names.prefix)
        assert [a.username for a in mine] == listed
        only_b = await work.store.accounts("01", commune_code=HANOI_B, text=names.prefix)
        assert [a.username for a in only_b] == [names("officer-b")]
        # A commune of another province narrows nothing into it.
        assert await work.store.accounts("01", commune_code=SAIGON, text=names.prefix) == []


async def test_a_search_reads_percent_and_underscore_as_themselves(
    accounts: AccountBackend,
) -> None:
    names = Names()
    marker = Names().prefix  # in one display name only
    await accounts.account(names("x_y"), AdminRole.OFFICER, HANOI_A, "01")
    await accounts.account(
        names("xay"), AdminRole.OFFICER, HANOI_A, "01", display_name=f"Trần Văn {marker.upper()}"
    )

    async def found(text: str) -> list[str]:
        async with accounts.work() as work:
            return [a.username for a in await work.store.accounts("01", text=text)]

    assert await found(names.prefix) == [names("x_y"), names("xay")]
    assert await found(names.prefix + "x_") == [names("x_y")]
    assert await found(names.prefix + "%") == []
    assert await found(marker) == [names("xay")]  # the display name, in any case


async def test_one_account_as_the_pages_show_it(accounts: AccountBackend) -> None:
    names = Names()
    until = NOW + timedelta(minutes=15)
    officer = await accounts.account(
        names(),
        AdminRole.OFFICER,
        HANOI_A,
        "01",
        display_name="Lê Thị Hoa",
        locked_until=until,
        totp_sealed="sealed:x",
    )
    async with accounts.work() as work:
        found = await work.store.account(officer.id, province_code="01")
        assert found == Account(
            officer.id,
            officer.username,
            "Lê Thị Hoa",
            AdminRole.OFFICER,
            HANOI_A,
            "01",
            True,
            until,
            True,
            CREATED,
        )
        assert found.locked(NOW) and not found.locked(until)
        assert await work.store.account(officer.id) == found
        assert await work.store.account(officer.id, province_code="79") is None
        assert await work.store.account(2**31 - 1) is None


async def test_a_change_is_kept_only_once_committed(accounts: AccountBackend) -> None:
    names = Names()
    officer = await accounts.account(
        names(),
        AdminRole.OFFICER,
        HANOI_A,
        "01",
        password_hash="old hash",
        failed_count=3,
        totp_sealed="sealed:x",
        totp_last_step=5,
    )
    before = AccountState(officer.id, officer.username, True, "old hash", 3, None, "sealed:x", 5)
    changed = replace(
        before,
        active=False,
        password_hash="new hash",
        failed_count=5,
        locked_until=NOW,
        totp_sealed="",
        totp_last_step=None,
    )
    async with accounts.work() as work:
        assert await work.store.load(officer.id, province_code="79") is None
        assert await work.store.load(officer.id, province_code="01") == before
        await work.store.save(changed)
        assert await work.store.load(officer.id) == changed  # the unit sees its own write
    assert await accounts.stored(officer.id) == before  # never committed: nothing kept
    async with accounts.work() as work:
        await work.store.load(officer.id)
        await work.store.save(changed)
        await work.commit()
    assert await accounts.stored(officer.id) == changed
    async with accounts.work() as work:
        assert await work.store.load(2**31 - 1) is None


async def test_add_refuses_a_taken_username_and_the_unit_goes_on(
    accounts: AccountBackend,
) -> None:
    names = Names()
    new = NewAccount(names("chief"), "Nguyễn Văn Bình", AdminRole.CHIEF, HANOI_A, "01")
    admin = NewAccount(names("admin"), "", AdminRole.PROVINCE_ADMIN, "", "79")
    async with accounts.work() as work:
        chief = await work.store.add(new, "a hash", NOW)
        assert chief == Identity(
            chief.id, new.username, AdminRole.CHIEF, HANOI_A, "01", "Nguyễn Văn Bình"
        )
        with pytest.raises(UsernameTaken):
            await work.store.add(replace(new, role=AdminRole.OFFICER), "other", NOW)
        made = await work.store.add(admin, "a hash", NOW)
        assert (made.role, made.commune_code, made.province_code) == (
            AdminRole.PROVINCE_ADMIN,
            "",
            "79",
        )
        shown = await work.store.account(chief.id)
        assert shown is not None and shown.created_at == NOW and shown.active
        await work.commit()
    stored = await accounts.stored(chief.id)
    assert (stored.password_hash, stored.active, stored.failed_count) == ("a hash", True, 0)
    assert (stored.locked_until, stored.totp_sealed, stored.totp_last_step) == (None, "", None)
    async with accounts.work() as work:
        with pytest.raises(UsernameTaken):
            await work.store.add(replace(admin, province_code="01"), "other", NOW)


async def test_sessions_end_all_or_all_but_one(accounts: AccountBackend) -> None:
    names = Names()
    officer = await accounts.account(names(), AdminRole.OFFICER, HANOI_A, "01")
    other = await accounts.account(names(), AdminRole.OFFICER, HANOI_A, "01")
    keys = {await accounts.open_session(officer.id) for _ in range(3)}
    theirs = await accounts.open_session(other.id)
    kept = sorted(keys)[0]
    async with accounts.work() as work:
        assert await work.store.end_sessions(officer.id, keep=kept) == 2
    assert await accounts.sessions_of(officer.id) == keys
    async with accounts.work() as work:
        assert await work.store.end_sessions(officer.id, keep=kept) == 2
        await work.commit()
    assert await accounts.sessions_of(officer.id) == {kept}
    async with accounts.work() as work:
        assert await work.store.end_sessions(officer.id) == 1
        assert await work.store.end_sessions(officer.id) == 0
        await work.commit()
    assert await accounts.sessions_of(officer.id) == set()
    assert await accounts.sessions_of(other.id) == {theirs}


async def test_revoking_takes_the_live_tokens_of_the_account(accounts: AccountBackend) -> None:
    names = Names()
    officer = await accounts.account(names(), AdminRole.OFFICER, HANOI_A, "01")
    other = await accounts.account(names(), AdminRole.OFFICER, HANOI_A, "01")
    for revoked in (False, False, True):
        await accounts.add_token(officer.id, revoked=revoked)
    await accounts.add_token(other.id)
    async with accounts.work() as work:
        assert await work.store.revoke_tokens(officer.id, NOW) == 2
    assert await accounts.live_tokens(officer.id) == 2
    async with accounts.work() as work:
        assert await work.store.revoke_tokens(officer.id, NOW) == 2
        assert await work.store.revoke_tokens(officer.id, NOW) == 0
        await work.commit()
    assert await accounts.live_tokens(officer.id) == 0
    assert await accounts.live_tokens(other.id) == 1


async def test_audit_rows_are_written_with_the_unit(accounts: AccountBackend) -> None:
    names = Names()
    admin = await accounts.account(names(), AdminRole.PROVINCE_ADMIN, "", "01")
    subject = names("subject")
    async with accounts.work() as work:
        await work.store.audit(admin, AuditAction.USER_UNLOCK, subject=subject, now=NOW)
    assert await accounts.audits(subject) == []
    async with accounts.work() as work:
        await work.store.audit(
            admin,
            AuditAction.USER_PASSWORD,
            subject=subject,
            detail="admin",
            ip="10.0.0.1",
            now=NOW,
        )
        await work.store.audit(admin, AuditAction.USER_UNLOCK, subject=subject, now=NOW)
        await work.commit()
    assert await accounts.audits(subject) == [
        Seen("user.password", admin.username, subject, "admin", "10.0.0.1"),
        Seen("user.unlock", admin.username, subject),
    ]
