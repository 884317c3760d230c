"""`binhyen keys rotate` (storage/key_rotation.py) on SQLite: tips' contacts and reporters,
owner references, TOTP secrets and Zalo OA tokens, all sealed under the old contacts' key as
before the rings, end under the newest key of their ring; the old key can then go; lookups by
owner reference work before, during and after; a run killed between batches is finished by
running it again; a dry run changes nothing."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cli import main
from handlers import deadlines, receipt
from handlers.people import AdminRole
from handlers.ports import utc_now
from handlers.tipmodel import TipDraft
from storage import key_rotation
from storage.db import make_engine, make_sessions
from storage.key_rotation import Rotation, rotate
from storage.models import AdminUser, AuditLog, HonourEntry, Tip, ZaloOaToken
from storage.owners import Owners
from storage.residents import SqlResidents
from storage.sealing import Sealer, SealError
from storage.tips import SqlTips
from storage.zalo_oa import SqlZaloOaTokens

SECRET = "a-secret-for-the-rotation-tests"
OLD, NEW, ACCOUNT = (Fernet.generate_key().decode() for _ in range(3))
BEFORE = Sealer.from_settings(SECRET, OLD)  # the one sealer of before the rings
CONTACTS = Sealer.from_settings(SECRET, f"{NEW},{OLD}")  # the new key in front
ACCOUNTS = Sealer.for_accounts(SECRET, ACCOUNT, f"{NEW},{OLD}")
AFTER = Sealer.from_settings(SECRET, NEW)  # the old key removed
ACCOUNTS_AFTER = Sealer.for_accounts(SECRET, ACCOUNT, NEW)
TOTP = "JBSWY3DPEHPK3PXP"
APP_ID = "123456"
NAME, PHONE = "Trần Thị Bình", "0987 654 321"


@dataclass
class World:
    url: str
    sessions: async_sessionmaker[AsyncSession]
    residents: list[str] = field(default_factory=list)


async def _seed(world: World, residents: int = 3) -> None:
    """Per resident a named and an anonymous tip; a TOTP account; the OA's tokens: all under
    the contacts' old key, as stored before the rings."""
    async with world.sessions() as session:
        for _ in range(residents):
            profile = await SqlResidents(session).for_identity("test", "acc", uuid.uuid4().hex)
            world.residents.append(profile.resident_id)
            tips = SqlTips(session, b"pin-secret-for-tests", BEFORE)
            for anonymous in (False, True):
                draft = TipDraft(
                    category="theft_robbery",
                    description="Mất xe đạp trước cổng chợ",
                    commune_code="00004",
                    province_code="01",
                    anonymous=anonymous,
                    contact_name="" if anonymous else NAME,
                    contact_phone="" if anonymous else PHONE,
                )
                now = utc_now()
                await tips.submit(
                    submission_key=uuid.uuid4().hex,
                    resident_id=profile.resident_id,
                    draft=draft,
                    pin=receipt.new_pin(),
                    deadlines=deadlines.initial(now, frozenset()),
                    now=now,
                    new_code=receipt.new_code,
                )
        session.add(
            AdminUser(
                username="officer_totp",
                password_hash="x",
                role=AdminRole.OFFICER,
                commune_code="00004",
                totp_sealed=BEFORE.seal({"totp": TOTP}),
            )
        )
        session.add(
            AdminUser(
                username="officer_plain",
                password_hash="x",
                role=AdminRole.OFFICER,
                commune_code="00004",
            )
        )
        await session.commit()
    async with world.sessions() as session:  # one reporter named in the honour list
        first = (await session.execute(select(Tip.id).order_by(Tip.id).limit(1))).scalar_one()
        session.add(
            HonourEntry(
                tip_id=first,
                commune_code="00004",
                name_sealed=BEFORE.seal({"name": NAME}),
                opted_in_at=utc_now(),
            )
        )
        await session.commit()
    await SqlZaloOaTokens(world.sessions, BEFORE, APP_ID).seed("acc-0", "ref-0")


@pytest.fixture
async def world(sqlite_url: str) -> AsyncIterator[World]:
    engine = make_engine(sqlite_url)
    found = World(sqlite_url, make_sessions(engine))
    await _seed(found)
    yield found
    await engine.dispose()


async def _sealed(world: World) -> list[tuple[str, str]]:
    """Every sealed value with the ring it belongs to."""
    async with world.sessions() as session:
        tips = (await session.execute(select(Tip.contact_sealed, Tip.reporter_sealed))).all()
        totp = (await session.execute(select(AdminUser.totp_sealed))).scalars().all()
        tokens = (await session.execute(select(ZaloOaToken.tokens_sealed))).scalars().all()
        names = (await session.execute(select(HonourEntry.name_sealed))).scalars().all()
    values = [("contacts", v) for row in tips for v in row if v]
    values += [("contacts", v) for v in names]
    values += [("accounts", v) for v in [*totp, *tokens] if v]
    return values


async def _opens_with(world: World, contacts: Sealer, accounts: Sealer) -> None:
    async with world.sessions() as session:
        tips = (await session.execute(select(Tip.contact_sealed, Tip.reporter_sealed))).all()
        totp = (await session.execute(select(AdminUser.totp_sealed))).scalars().all()
        names = (await session.execute(select(HonourEntry.name_sealed))).scalars().all()
    assert [contacts.open(n)["name"] for n in names] == [NAME]
    assert sorted(contacts.open(c)["phone"] for c, _ in tips if c) == [PHONE] * 3
    owners = Owners.of(contacts)
    assert sorted(owners.open(r) or "" for _, r in tips) == sorted(world.residents * 2)
    assert [accounts.open(t)["totp"] for t in totp if t] == [TOTP]
    pair = await SqlZaloOaTokens(world.sessions, accounts, APP_ID).load()
    assert pair is not None and (pair.access_token, pair.refresh_token) == ("acc-0", "ref-0")


async def _found_by_owner(world: World, contacts: Sealer) -> list[int]:
    """How many tips a lookup by owner reference (`owner_ref IN refs`) finds, per resident."""
    owners = Owners.of(contacts)
    counts = []
    async with world.sessions() as session:
        for resident in world.residents:
            query = select(func.count()).where(Tip.owner_ref.in_(owners.refs(resident)))
            counts.append(int((await session.execute(query)).scalar_one()))
    return counts


async def _audits(world: World) -> list[tuple[str, str, str]]:
    query = select(AuditLog.action, AuditLog.actor_username, AuditLog.detail).where(
        AuditLog.action == "keys.rotate"
    )
    async with world.sessions() as session:
        return [(a, b, c) for a, b, c in (await session.execute(query)).all()]


async def test_everything_ends_under_the_newest_keys_and_the_old_key_can_go(
    world: World,
) -> None:
    assert await _found_by_owner(world, CONTACTS) == [2, 2, 2]  # during: the old refs
    done = await rotate(world.sessions, CONTACTS, ACCOUNTS, batch_size=2)
    assert (done.contacts.resealed, done.reporters.resealed, done.owner_refs) == (3, 6, 6)
    assert (done.totp.resealed, done.zalo.resealed, done.unopened) == (1, 1, 0)
    assert done.honour.resealed == 1
    for ring, value in await _sealed(world):
        if ring == "contacts":
            assert CONTACTS.is_current(value)
            with pytest.raises(SealError):
                BEFORE.open(value)
        else:  # the accounts' own key alone opens them: apart from the contacts' keys
            assert Sealer(ACCOUNT.encode()).open(value)
            with pytest.raises(SealError):
                CONTACTS.open(value)
    await _opens_with(world, CONTACTS, ACCOUNTS)
    await _opens_with(world, AFTER, ACCOUNTS_AFTER)  # the old key removed
    assert await _found_by_owner(world, CONTACTS) == [2, 2, 2]
    assert await _found_by_owner(world, AFTER) == [2, 2, 2]
    assert await _audits(world) == [("keys.rotate", "cli", "c=3;r=6;o=6;t=1;z=1;h=1")]
    # Again: nothing left to do.
    again = await rotate(world.sessions, CONTACTS, ACCOUNTS, batch_size=2)
    assert (again.contacts.resealed, again.reporters.resealed, again.owner_refs) == (0, 0, 0)
    assert (again.contacts.current, again.reporters.current, again.totp.current) == (3, 6, 1)
    assert (again.totp.resealed, again.zalo.resealed) == (0, 0)


async def test_without_the_rotation_the_old_key_cannot_go(world: World) -> None:
    # What the rotation is for: the new key alone opens nothing of before.
    assert await _found_by_owner(world, AFTER) == [0, 0, 0]
    query = select(Tip.contact_sealed).where(Tip.contact_sealed != "").limit(1)
    async with world.sessions() as session:
        contact = (await session.execute(query)).scalar_one()
    with pytest.raises(SealError):
        AFTER.open(contact)
    with pytest.raises(SealError):
        await SqlZaloOaTokens(world.sessions, ACCOUNTS_AFTER, APP_ID).load()


async def test_a_rotation_killed_between_batches_is_finished_by_running_it_again(
    world: World,
) -> None:
    batches = 0

    async def killed() -> None:
        nonlocal batches
        batches += 1
        if batches == 2:
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError, match="killed"):
        await rotate(world.sessions, CONTACTS, ACCOUNTS, batch_size=2, after_batch=killed)
    sealed = await _sealed(world)
    current = [CONTACTS.is_current(v) for ring, v in sealed if ring == "contacts"]
    assert any(current) and not all(current)  # half-way: some moved, some not
    await _opens_with(world, CONTACTS, ACCOUNTS)  # nothing half-written: all still open
    counts = await _found_by_owner(world, CONTACTS)
    assert counts == [2, 2, 2]  # and lookups work with refs of both keys
    assert await _audits(world) == []  # only a finished run is audited

    done = await rotate(world.sessions, CONTACTS, ACCOUNTS, batch_size=2)
    assert done.contacts.current + done.contacts.resealed == 3
    assert 0 < done.reporters.resealed < 6 and done.reporters.current == 6 - done.reporters.resealed
    assert (done.totp.resealed, done.zalo.resealed, done.unopened) == (1, 1, 0)
    await _opens_with(world, AFTER, ACCOUNTS_AFTER)
    assert await _found_by_owner(world, AFTER) == [2, 2, 2]
    assert len(await _audits(world)) == 1


async def test_a_dry_run_counts_and_changes_nothing(world: World) -> None:
    before = await _sealed(world)
    done = await rotate(world.sessions, CONTACTS, ACCOUNTS, dry_run=True)
    assert (done.contacts.resealed, done.reporters.resealed, done.owner_refs) == (3, 6, 6)
    assert (done.totp.resealed, done.zalo.resealed) == (1, 1)
    assert await _sealed(world) == before
    assert await _audits(world) == []


async def test_a_value_no_key_opens_is_counted_and_left_as_it_is(world: World) -> None:
    stranger = Sealer(Fernet.generate_key()).seal({"name": "x", "phone": "y"})
    async with world.sessions() as session, session.begin():
        first = (await session.execute(select(Tip.id).where(Tip.contact_sealed != ""))).first()
        assert first is not None
        await session.execute(update(Tip).where(Tip.id == first[0]).values(contact_sealed=stranger))
    done = await rotate(world.sessions, CONTACTS, ACCOUNTS)
    assert (done.contacts.unopened, done.contacts.resealed, done.unopened) == (1, 2, 1)
    async with world.sessions() as session:
        assert await session.get(Tip, first[0]) is not None
        kept = await session.execute(select(Tip.contact_sealed).where(Tip.id == first[0]))
        assert kept.scalar_one() == stranger


async def test_a_value_changed_meanwhile_is_not_overwritten(world: World) -> None:
    # The compare-and-set each write makes: the service sealed a new pair since it was read.
    async with world.sessions() as session, session.begin():
        read = (await session.execute(select(ZaloOaToken.tokens_sealed))).scalar_one()
        newer = ACCOUNTS.seal({"access_token": "acc-1", "refresh_token": "ref-1"})
        await session.execute(update(ZaloOaToken).values(tokens_sealed=newer))
        column = key_rotation.TOKENS.c.app_id
        values = {"tokens_sealed": (read, ACCOUNTS.reseal(read))}
        assert not await key_rotation._changed(session, column, APP_ID, values)
    pair = await SqlZaloOaTokens(world.sessions, ACCOUNTS, APP_ID).load()
    assert pair is not None and pair.refresh_token == "ref-1"


def test_the_command_end_to_end(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BINHYEN_DATABASE_URL", world.url)
    monkeypatch.setenv("BINHYEN_SECRET_KEY", SECRET)
    monkeypatch.setenv("BINHYEN_CONTACT_KEY", f"{NEW},{OLD}")
    monkeypatch.setenv("BINHYEN_ACCOUNT_KEY", ACCOUNT)
    monkeypatch.delenv("BINHYEN_ENV", raising=False)
    assert main(["keys", "rotate", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "dry run" in out and "contact details: 3 sealed again" in out
    assert main(["keys", "rotate"]) == 0
    out = capsys.readouterr().out
    assert "contacts' ring: 2 key(s); accounts' ring: 1 key(s)" in out
    assert "tip reporters: 6 sealed again" in out and "TOTP secrets: 1 sealed again" in out
    assert "Zalo OA tokens: 1 sealed again" in out and "owner references: 6" in out
    monkeypatch.setenv("BINHYEN_CONTACT_KEY", NEW)  # the old key removed
    assert main(["keys", "rotate"]) == 0
    assert "contact details: 0 sealed again, 3 already under the newest key" in (
        capsys.readouterr().out
    )
    asyncio.run(_opens_with(world, AFTER, ACCOUNTS_AFTER))


def test_the_command_fails_when_a_value_cannot_be_opened(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BINHYEN_DATABASE_URL", world.url)
    monkeypatch.setenv("BINHYEN_SECRET_KEY", SECRET)
    monkeypatch.setenv("BINHYEN_CONTACT_KEY", NEW)  # the old key dropped too early
    monkeypatch.setenv("BINHYEN_ACCOUNT_KEY", ACCOUNT)
    monkeypatch.delenv("BINHYEN_ENV", raising=False)
    assert main(["keys", "rotate"]) == 1
    err = capsys.readouterr().err
    assert "cannot be opened with any key" in err and PHONE not in err


def test_rotation_lines_name_each_kind() -> None:
    assert [line.split(":")[0] for line in Rotation().lines()] == [
        "contact details",
        "tip reporters",
        "owner references",
        "TOTP secrets",
        "Zalo OA tokens",
        "honour list names",
    ]
