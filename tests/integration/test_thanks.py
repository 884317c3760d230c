"""Recognising contributors (issue 20) on SQLite and PostgreSQL: a tip sent through the bot,
closed as useful and thanked by the commune's chief through the SQL case store; the thank-you
waits in the outbox by tip code; the reporter names themselves through the bot (sealed at
rest); the unit's honour list is a yearly snapshot, read (and audited) only from 1/8; the
resident's copy of their data holds the names they gave; and the name goes when the reporter
withdraws it, erases their data, or retention purges the closed tip."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dispatcher import Dispatcher
from handlers import casework as cases
from handlers.audit import AuditAction
from handlers.errors import Conflict, Forbidden
from handlers.honour import WITHDRAW
from handlers.honour_year import opens
from handlers.notices import honour_choice, honour_out_choice
from handlers.people import AdminRole, Identity
from storage import honour, retention
from storage.casework import SqlCaseStore
from storage.db import make_engine, make_sessions
from storage.models import (
    AdminUser,
    AuditLog,
    ChannelIdentity,
    HonourEntry,
    Indicator,
    IndicatorTip,
    OutboxMessage,
    Tip,
    TipEvent,
)
from storage.retention import Periods
from storage.state_memory import memory_conversations
from storage.uow import SqlUnitOfWork
from tests import conftest
from tests.conftest import PIN_SECRET, SEALER, Chat, truncate
from tests.e2e.channels import vi
from tests.unit.test_report_flow import receipt_of, to_review

BA_DINH = "00004"  # where Chat.onboard() lives
NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
# The chat's clock says 23/11/2026: the names given go to the list of 19/8/2027.
OPENED = opens(2027)  # 00:00 on 1/8/2027 in Vietnam, when the unit may first read it


@dataclass
class World:
    sessions: async_sessionmaker[AsyncSession]
    dispatcher: Dispatcher

    async def user(self, role: AdminRole, commune: str = BA_DINH) -> Identity:
        row = AdminUser(
            username=f"u{secrets.token_hex(4)}",
            password_hash=PasswordHasher().hash("not used here"),
            role=role,
            commune_code="" if role is AdminRole.PROVINCE_ADMIN else commune,
            province_code="01",
            active=True,
        )
        async with self.sessions() as session:
            session.add(row)
            await session.commit()
            return Identity(row.id, row.username, role, row.commune_code, "01")

    async def tip(self, code: str) -> Tip:
        async with self.sessions() as session:
            return (await session.execute(select(Tip).where(Tip.code == code))).scalar_one()

    async def close(self, code: str, resolution: str = "sanctioned", **more: object) -> str:
        async with self.sessions() as session:
            tip = (await session.execute(select(Tip).where(Tip.code == code))).scalar_one()
            values = {"status": "closed", "resolution": resolution, "closed_at": NOW, **more}
            await session.execute(update(Tip).where(Tip.id == tip.id).values(**values))
            await session.commit()
            return tip.id

    async def thank(self, chief: Identity, code: str) -> None:
        async with self.sessions() as session:
            await cases.thank(SqlCaseStore(session, SEALER), chief, code, ip="10.1.2.3", now=NOW)
            await session.commit()

    async def entries(self) -> list[HonourEntry]:
        async with self.sessions() as session:
            return list((await session.execute(select(HonourEntry))).scalars())

    async def read_list(
        self, reader: Identity, year: int = 2027, *, now: datetime = OPENED, fmt: str = "page"
    ) -> honour.HonourList:
        async with self.sessions() as session:
            found = await honour.honour_list(
                session, SEALER, reader, year, fmt=fmt, ip="10.1.2.3", now=now
            )
            await session.commit()
            return found


@pytest.fixture(params=["sqlite", "postgres"])
async def world(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[World]:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    engine = make_engine(url)
    sessions = make_sessions(engine)
    try:
        async with sessions() as session:  # the honour list of the shared database: ours only
            await session.execute(delete(HonourEntry))
            await session.commit()
        core = conftest.test_core(sessions, memory_conversations(), tmp_path)
        yield World(sessions, core)
    finally:
        if request.param == "postgres":
            await truncate(engine)
        await engine.dispose()


async def reported(world: World) -> tuple[Chat, str]:
    chat = Chat(world.dispatcher)
    await to_review(chat)
    code, _pin = receipt_of(await chat.pick("tip:confirm"))
    return chat, code


async def named(chat: Chat, code: str, name: str) -> None:
    await chat.pick(honour_choice(code))
    await chat.say(name)
    text = await chat.pick("honour-name:confirm")
    said = vi("honour.saved", name=name, code=code, year=2027, opens="01/08/2027")
    assert said in text, text


async def test_thanked_once_by_the_chief_and_the_message_waits_by_code(world: World) -> None:
    chat, code = await reported(world)
    chief, officer = await world.user(AdminRole.CHIEF), await world.user(AdminRole.OFFICER)
    with pytest.raises(Conflict) as refused:  # still open
        await world.thank(chief, code)
    assert refused.value.code == "thank_not_closed"
    tip_id = await world.close(code)
    with pytest.raises(Forbidden):  # an officer does not speak for the unit
        await world.thank(officer, code)
    await world.thank(chief, code)
    tip = await world.tip(code)
    assert tip.thanked_at is not None
    with pytest.raises(Conflict) as twice:
        await world.thank(chief, code)
    assert twice.value.code == "thank_twice"
    async with world.sessions() as session:
        [message] = (
            await session.execute(
                select(OutboxMessage).where(
                    OutboxMessage.tip_id == tip_id, OutboxMessage.kind == "tip.thanked"
                )
            )
        ).scalars()
        assert message.payload["code"] == code
        # to_review's reporter gave name and phone: not told the police do not know them.
        assert message.payload["params"] == {"commune": BA_DINH, "anonymous": "0"}
        [event] = (
            await session.execute(
                select(TipEvent).where(TipEvent.tip_id == tip_id, TipEvent.kind == "thanked")
            )
        ).scalars()
        assert event.visibility == "reporter"
        audits = (
            await session.execute(
                select(AuditLog.action, AuditLog.ip).where(
                    AuditLog.subject == code, AuditLog.action == AuditAction.TIP_THANK.value
                )
            )
        ).all()
        assert [tuple(a) for a in audits] == [("tip.thank", "10.1.2.3")]
    del chat


async def test_an_anonymous_reporters_thank_you_says_so(world: World) -> None:
    chat = Chat(world.dispatcher)
    await to_review(chat, anonymous=True)
    code, _pin = receipt_of(await chat.pick("tip:confirm"))
    chief = await world.user(AdminRole.CHIEF)
    tip_id = await world.close(code)
    await world.thank(chief, code)
    async with world.sessions() as session:
        params = await session.scalar(
            select(OutboxMessage.payload).where(
                OutboxMessage.tip_id == tip_id, OutboxMessage.kind == "tip.thanked"
            )
        )
    assert params is not None and params["params"]["anonymous"] == "1"


async def test_a_confirmed_indicator_makes_a_tip_useful(world: World) -> None:
    _chat, code = await reported(world)
    chief = await world.user(AdminRole.CHIEF)
    tip_id = await world.close(code, "no_violation")
    with pytest.raises(Conflict) as refused:
        await world.thank(chief, code)
    assert refused.value.code == "thank_not_useful"
    async with world.sessions() as session:
        found = Indicator(
            kind="phone",
            value=f"+8490{secrets.randbelow(10**7):07d}",
            status="confirmed",
            first_seen=NOW,
            last_seen=NOW,
        )
        session.add(found)
        await session.flush()
        session.add(IndicatorTip(indicator_id=found.id, tip_id=tip_id, created_at=NOW))
        await session.commit()
    await world.thank(chief, code)
    assert (await world.tip(code)).thanked_at is not None


async def test_named_sealed_listed_audited_and_withdrawn(world: World) -> None:
    chat, code = await reported(world)
    chief = await world.user(AdminRole.CHIEF)
    officer = await world.user(AdminRole.OFFICER)
    tip_id = await world.close(code)
    await world.thank(chief, code)
    await named(chat, code, "Một người dân tổ 5")
    [entry] = await world.entries()
    assert (entry.tip_id, entry.commune_code) == (tip_id, BA_DINH)
    assert "người dân" not in entry.name_sealed  # sealed at rest
    found = await world.read_list(chief)
    assert [(h.name, h.commune_code) for h in found.names] == [("Một người dân tổ 5", BA_DINH)]
    assert (await world.read_list(chief, 2026)).names == []  # next 19/8's list, not this one's
    with pytest.raises(Forbidden):  # an officer does not read it
        await world.read_list(officer)
    async with world.sessions() as session:
        details = (
            await session.execute(
                select(AuditLog.detail, AuditLog.subject).where(
                    AuditLog.action == AuditAction.HONOUR_READ.value,
                    AuditLog.actor_username == chief.username,
                )
            )
        ).all()
    assert sorted(tuple(d) for d in details) == [
        ("year=2026;rows=0;fmt=page", f"commune:{BA_DINH}"),
        ("year=2027;rows=1;fmt=page", f"commune:{BA_DINH}"),
    ]
    await chat.pick(honour_out_choice(code))
    assert len(await world.entries()) == 1  # asked first
    text = await chat.pick(WITHDRAW)
    assert vi("honour.withdrawn", code=code) in text
    assert await world.entries() == []


async def test_before_the_first_of_august_nothing_of_the_list_is_read(world: World) -> None:
    """A live list tied a name to the tip thanked just before: nothing shows, nothing counts,
    nothing is audited, and no file leaves until the snapshot opens."""
    chat, code = await reported(world)
    chief = await world.user(AdminRole.CHIEF)
    await world.close(code)
    await world.thank(chief, code)
    await named(chat, code, "Nguyễn Văn A")
    early = OPENED - timedelta(seconds=1)  # 23:59:59 on 31/7/2027
    found = await world.read_list(chief, now=early)
    assert (found.opened, found.names, found.unreadable) == (False, [], 0)
    assert found.opens_on == "01/08/2027"
    for fmt in ("csv", "xlsx"):
        with pytest.raises(Conflict) as refused:
            await world.read_list(chief, now=early, fmt=fmt)
        assert refused.value.code == "honour_not_open"
        assert refused.value.params == {"year": 2027, "opens": "01/08/2027"}
    async with world.sessions() as session:
        reads = await session.scalar(
            select(func.count())
            .select_from(AuditLog)
            .where(
                AuditLog.action == AuditAction.HONOUR_READ.value,
                AuditLog.actor_username == chief.username,
            )
        )
    assert reads == 0
    opened = await world.read_list(chief)  # 00:00 on 1/8/2027
    assert opened.opened and [h.name for h in opened.names] == ["Nguyễn Văn A"]


async def test_a_name_given_from_the_first_of_august_is_in_next_years_list(world: World) -> None:
    chat, code = await reported(world)
    chief = await world.user(AdminRole.CHIEF)
    tip_id = await world.close(code)
    await world.thank(chief, code)
    async with world.sessions() as session:
        assert await honour.SqlHonour(session, SEALER).name(tip_id, "Chú Tư", OPENED)
        await session.commit()
    assert (await world.read_list(chief, 2027)).names == []
    later = opens(2028)
    assert [h.name for h in (await world.read_list(chief, 2028, now=later)).names] == ["Chú Tư"]
    del chat


async def test_the_copy_of_ones_data_holds_the_names_given(world: World) -> None:
    chat, code = await reported(world)
    chief = await world.user(AdminRole.CHIEF)
    tip_id = await world.close(code)
    await world.thank(chief, code)
    await named(chat, code, "Một người dân tổ 5")
    uow = SqlUnitOfWork(world.sessions, PIN_SECRET, SEALER)
    try:
        [given] = await uow.honour.given([tip_id, "no-such-tip"])
        assert (given.tip_id, given.name, given.year) == (tip_id, "Một người dân tổ 5", 2027)
        assert await uow.honour.given([]) == []
    finally:
        await uow.close()
    await chat.pick("nav:menu")
    await chat.pick("menu:settings")
    text = await chat.pick("settings:mydata")
    assert "“Một người dân tổ 5” · danh sách năm 2027" in text and code in text


async def test_a_province_admin_reads_the_provinces_names(world: World) -> None:
    chat, code = await reported(world)
    chief = await world.user(AdminRole.CHIEF)
    admin = await world.user(AdminRole.PROVINCE_ADMIN)
    await world.close(code)
    await world.thank(chief, code)
    await named(chat, code, "Nguyễn Văn A")
    found = await world.read_list(admin)
    assert [h.name for h in found.names] == ["Nguyễn Văn A"]
    other_chief = await world.user(AdminRole.CHIEF, "00277")
    assert (await world.read_list(other_chief)).names == []


async def test_erasing_ones_data_takes_the_name_off(world: World) -> None:
    chat, code = await reported(world)
    chief = await world.user(AdminRole.CHIEF)
    await world.close(code)
    await world.thank(chief, code)
    await named(chat, code, "Nguyễn Văn A")
    async with world.sessions() as session:
        resident = await session.scalar(
            select(ChannelIdentity.resident_id).where(ChannelIdentity.platform_user_id == chat.user)
        )
    assert resident is not None
    uow = SqlUnitOfWork(world.sessions, PIN_SECRET, SEALER)
    try:  # as handlers/mydata.py erases: the tips detached first, then the account
        assert await uow.tips.detach_owner(resident) == 1
        await uow.mydata.erase(resident)
        await uow.commit()
    finally:
        await uow.close()
    assert await world.entries() == []


async def test_retention_purging_the_closed_tip_takes_the_name_off(world: World) -> None:
    chat, code = await reported(world)
    chief = await world.user(AdminRole.CHIEF)
    await world.close(code)
    await world.thank(chief, code)
    await named(chat, code, "Nguyễn Văn A")
    periods = Periods(closed_tip_days=1825, chat_days=30)
    await retention.run(world.sessions, periods, NOW + timedelta(days=1826))
    assert await world.entries() == []
    async with world.sessions() as session:  # the tip stays, as the police record it is
        assert (await session.scalar(select(func.count()).select_from(Tip)) or 0) >= 1


async def test_a_name_given_at_one_in_the_morning_of_the_first_of_august_waits_a_year(
    world: World,
) -> None:
    """The bot's clock is UTC: 01:00 on 1/8 in Vietnam is 18:00 on 31/7 in UTC. The name is
    next year's, as the bot tells the reporter, and never shows in the list just opened
    (SQLite keeps timestamps without their zone: bounds and values are compared in UTC)."""
    chat, code = await reported(world)
    chief = await world.user(AdminRole.CHIEF)
    tip_id = await world.close(code)
    await world.thank(chief, code)
    one_am = (OPENED + timedelta(hours=1)).astimezone(UTC)
    async with world.sessions() as session:
        assert await honour.SqlHonour(session, SEALER).name(tip_id, "Chú Tư", one_am)
        await session.commit()
    later = one_am + timedelta(hours=1)
    assert (await world.read_list(chief, 2027, now=later)).names == []
    year_after = opens(2028)
    assert [h.name for h in (await world.read_list(chief, 2028, now=year_after)).names] == [
        "Chú Tư"
    ]
    del chat


async def test_a_corrected_name_keeps_its_list(world: World) -> None:
    """Fixing a typo after the list opened does not move the name to next year's list."""
    chat, code = await reported(world)
    chief = await world.user(AdminRole.CHIEF)
    tip_id = await world.close(code)
    await world.thank(chief, code)
    before = (OPENED - timedelta(days=10)).astimezone(UTC)
    after = (OPENED + timedelta(days=4)).astimezone(UTC)
    async with world.sessions() as session:
        assert await honour.SqlHonour(session, SEALER).name(tip_id, "Chú Tu", before)
        await session.commit()
    async with world.sessions() as session:
        assert await honour.SqlHonour(session, SEALER).name(tip_id, "Chú Tư", after)
        await session.commit()
    shown = await world.read_list(chief, 2027, now=after)
    assert [h.name for h in shown.names] == ["Chú Tư"]
    del chat
