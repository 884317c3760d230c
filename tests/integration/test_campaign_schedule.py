"""Campaign messages queued by the schedule (bot/campaign_schedule.py over handlers/campaigns.py
and storage/campaigns.py), on SQLite and PostgreSQL: only where a chief or a province admin
turned the campaign on, on its day, between 08:00 and 20:00, once per commune however often
and from however many processes the schedule runs, as a broadcast from that account, in
each resident's language."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, select, text

from bot.campaign_schedule import queue_due
from bot.outbox import rendered
from content import areas
from content import campaigns as packs
from handlers import campaigns
from handlers.broadcasts.message import Copy
from handlers.errors import Forbidden, NotFound
from handlers.people import AdminRole, Identity
from handlers.ports import Subscription, SubscriptionKind
from storage.broadcasts import SqlBroadcastStore
from storage.campaigns import SqlCampaignStore
from storage.db import make_engine, make_sessions
from storage.models import AuditLog, Broadcast, CampaignSetting, OutboxMessage, ScheduledSend
from storage.outbox import Due
from tests.conftest import own_commune
from tests.integration.broadcast_backends import SqlBackend
from tests.integration.port_backends import copy_database

VN = ZoneInfo("Asia/Ho_Chi_Minh")
TICKETS_DAY = datetime(2027, 1, 18, 9, 0, tzinfo=VN)  # tet_2027/fake_tickets goes out that day
AWARENESS = Subscription(SubscriptionKind.AWARENESS, "")


@pytest.fixture(params=["sqlite", "postgres"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlBackend]:
    if request.param == "sqlite":
        url = copy_database(request.getfixturevalue("sqlite_template"), tmp_path / "camp.db")
    else:
        url = request.getfixturevalue("pg_url")
    engine = make_engine(url)
    sessions = make_sessions(engine)
    async with sessions() as session:  # only this module writes them: start from none
        await session.execute(delete(ScheduledSend))
        await session.execute(delete(CampaignSetting))
        await session.commit()
    try:
        yield SqlBackend(request.param, sessions)
    finally:
        await engine.dispose()


async def turn(backend: SqlBackend, actor: Identity, name: str, on: bool) -> None:
    async with backend.sessions() as session:
        await campaigns.turn(SqlCampaignStore(session), actor, name, on, TICKETS_DAY)
        await session.commit()


async def made(backend: SqlBackend, commune: str) -> list[Broadcast]:
    async with backend.sessions() as session:
        found = await session.execute(
            select(Broadcast).where(Broadcast.campaign != "").order_by(Broadcast.created_at)
        )
        return [b for b in found.scalars() if commune in b.communes]


async def test_a_chief_turns_a_campaign_on_and_its_message_goes_once_on_its_day(
    backend: SqlBackend,
) -> None:
    commune = own_commune()
    chief = await backend.user(AdminRole.CHIEF, commune, "01")
    reader = await backend.resident(commune, None, {AWARENESS})
    await backend.resident(commune, None, set())  # not subscribed: gets nothing
    assert await queue_due(backend.sessions, TICKETS_DAY) == 0  # nobody turned it on
    await turn(backend, chief, "tet_2027", True)
    assert await queue_due(backend.sessions, TICKETS_DAY.replace(hour=7, minute=59)) == 0
    assert await queue_due(backend.sessions, TICKETS_DAY) == 1
    assert await queue_due(backend.sessions, TICKETS_DAY.replace(hour=19)) == 0  # once
    [broadcast] = await made(backend, commune)
    message = packs.campaign("tet_2027").messages[0]  # type: ignore[union-attr]
    assert broadcast.campaign == "tet_2027/fake_tickets"
    assert broadcast.kind == "awareness" and broadcast.status == "sending"
    assert broadcast.sender_id == chief.id and broadcast.sender_role == "chief"
    assert broadcast.text == packs.notice(message, "vi") and broadcast.recipients == 1
    async with backend.sessions() as session:
        queued = await session.scalars(
            select(OutboxMessage.resident_id).where(OutboxMessage.broadcast_id == broadcast.id)
        )
        assert list(queued) == [reader]
        audited = await session.scalars(
            select(AuditLog.action).where(AuditLog.actor_id == chief.id).order_by(AuditLog.id)
        )
        assert list(audited) == ["campaign.on", "broadcast.create"]
    # The next message, a week later, not at night; nothing on a day with none.
    night = datetime(2027, 1, 26, 20, 0, tzinfo=VN)
    assert await queue_due(backend.sessions, night) == 0
    assert await queue_due(backend.sessions, night.replace(hour=8)) == 1
    assert await queue_due(backend.sessions, datetime(2027, 1, 27, 10, tzinfo=VN)) == 0
    await turn(backend, chief, "tet_2027", False)
    assert await queue_due(backend.sessions, datetime(2027, 1, 29, 10, tzinfo=VN)) == 0


async def test_the_copy_speaks_the_residents_language(backend: SqlBackend) -> None:
    commune = own_commune()
    chief = await backend.user(AdminRole.CHIEF, commune, "01")
    await backend.resident(commune, None, {AWARENESS})
    await turn(backend, chief, "tet_2027", True)
    assert await queue_due(backend.sessions, TICKETS_DAY) == 1
    [row] = await made(backend, commune)
    async with backend.sessions() as session:
        broadcast = await SqlBroadcastStore(session).get(row.id)
    assert broadcast is not None
    message = packs.campaign("tet_2027").messages[0]  # type: ignore[union-attr]
    due = Due(1, "r", "broadcast", {}, 0, broadcast.id)
    english = rendered(due, "en", Copy(broadcast)).text
    vietnamese = rendered(due, "vi", Copy(broadcast)).text
    assert packs.notice(message, "en") in english
    assert packs.notice(message, "vi") in vietnamese
    assert vietnamese.startswith("💡 Công an")


async def test_a_province_turns_it_on_and_a_chief_turns_it_off_for_the_commune(
    backend: SqlBackend,
) -> None:
    ba_dinh, hoan_kiem = "00004", "00070"  # two communes of Hà Nội
    admin = await backend.user(AdminRole.PROVINCE_ADMIN, "", "01")
    chief = await backend.user(AdminRole.CHIEF, hoan_kiem, "01")
    here = await backend.resident(ba_dinh, None, {AWARENESS})
    await backend.resident(hoan_kiem, None, {AWARENESS})
    await turn(backend, admin, "tet_2027", True)
    await turn(backend, chief, "tet_2027", False)  # the commune's own setting wins
    assert await queue_due(backend.sessions, TICKETS_DAY) >= 1
    assert await made(backend, hoan_kiem) == []
    [broadcast] = await made(backend, ba_dinh)
    assert broadcast.sender_id == admin.id and broadcast.sender_role == "province_admin"
    async with backend.sessions() as session:
        queued = await session.scalars(
            select(OutboxMessage.resident_id).where(OutboxMessage.broadcast_id == broadcast.id)
        )
        assert here in list(queued)
        # Communes of the province where nobody subscribed: claimed, no empty broadcast.
        claimed = await session.scalar(text("SELECT count(*) FROM scheduled_sends"))
        empty = await session.scalar(
            text("SELECT count(*) FROM scheduled_sends WHERE broadcast_id IS NULL")
        )
        sent = await session.scalar(
            text("SELECT count(*) FROM broadcasts WHERE sender_id = :a"), {"a": admin.id}
        )
    assert claimed == len(areas.communes_of("01")) - 1  # every commune but Hoàn Kiếm
    assert sent is not None and sent >= 1 and empty == claimed - sent


async def test_two_processes_queue_a_message_once(backend: SqlBackend) -> None:
    commune = own_commune()
    chief = await backend.user(AdminRole.CHIEF, commune, "01")
    await backend.resident(commune, None, {AWARENESS})
    await turn(backend, chief, "tet_2027", True)
    first, second = await asyncio.gather(
        queue_due(backend.sessions, TICKETS_DAY), queue_due(backend.sessions, TICKETS_DAY)
    )
    assert first + second == 1
    assert len(await made(backend, commune)) == 1


async def test_a_deactivated_sender_queues_nothing(backend: SqlBackend) -> None:
    commune = own_commune()
    chief = await backend.user(AdminRole.CHIEF, commune, "01")
    await backend.resident(commune, None, {AWARENESS})
    await turn(backend, chief, "tet_2027", True)
    await backend.deactivate(chief)
    assert await queue_due(backend.sessions, TICKETS_DAY) == 0
    assert await made(backend, commune) == []


async def test_only_chiefs_and_province_admins_decide(backend: SqlBackend) -> None:
    commune = own_commune()
    for role in (AdminRole.OFFICER, AdminRole.LEADER):
        someone = await backend.user(role, commune, "01")
        with pytest.raises(Forbidden):
            await turn(backend, someone, "tet_2027", True)
    chief = await backend.user(AdminRole.CHIEF, commune, "01")
    with pytest.raises(NotFound):
        await turn(backend, chief, "no_such_campaign", True)
