"""The contract of the broadcast port (handlers/broadcasts/ports.py), run against the
in-memory store and the SQL one on SQLite and PostgreSQL (broadcast_backends.py): the
use-case tests in tests/unit/test_broadcast_use_cases.py run on the in-memory store, so it
must answer as the SQL one does, above all in who receives a broadcast."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from handlers.audit import AuditAction
from handlers.broadcasts.ports import Broadcast, Listing
from handlers.broadcasts.words import BroadcastKind, BroadcastStatus, MessageState
from handlers.chat_links import LinkCode
from handlers.people import AdminRole
from handlers.ports import Subscription, SubscriptionKind
from tests.conftest import own_commune
from tests.integration.broadcast_backends import (
    BroadcastBackend,
    MemoryBackend,
    SqlBackend,
    new_commune,
    new_province,
)
from tests.integration.port_backends import contract_backend

NOW = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def backend(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[BroadcastBackend]:
    async with contract_backend(request, tmp_path, MemoryBackend, SqlBackend) as found:
        yield found


def alerts(commune: str) -> Subscription:
    return Subscription(SubscriptionKind.ALERTS, commune)


AWARENESS = Subscription(SubscriptionKind.AWARENESS)


def broadcast(
    sender_id: int | None,
    communes: tuple[str, ...],
    *,
    kind: BroadcastKind = BroadcastKind.ALERT,
    neighbourhoods: tuple[int, ...] = (),
    status: BroadcastStatus = BroadcastStatus.SENDING,
    province: str = "01",
    at: datetime = NOW,
) -> Broadcast:
    return Broadcast(
        id=str(uuid.uuid4()),
        kind=kind,
        text="Cảnh báo: giả danh công an gọi điện yêu cầu chuyển tiền.",
        status=status,
        sender_id=sender_id,
        sender_role=AdminRole.OFFICER,
        province_code=province,
        communes=communes,
        neighbourhoods=neighbourhoods,
        created_at=at,
    )


async def test_neighbourhoods_leaders_and_the_approval_choice(backend: BroadcastBackend) -> None:
    commune, other = new_commune(), new_commune()
    tdp6 = await backend.neighbourhood(commune, "Tổ dân phố số 6")
    tdp5 = await backend.neighbourhood(commune, "Tổ dân phố số 5")
    await backend.neighbourhood(commune, "Tổ dân phố cũ", active=False)
    elsewhere = await backend.neighbourhood(other, "Thôn 1")
    leader = await backend.user(AdminRole.LEADER, commune, "01")
    alone = await backend.user(AdminRole.LEADER, commune, "01")
    await backend.bind(leader, tdp6)
    await backend.approval(other, False)
    async with backend.work() as work:
        assert await work.store.neighbourhoods((commune,)) == [tdp5, tdp6]
        expected = sorted([tdp5, tdp6, elsewhere], key=lambda n: (n.commune_code, n.name))
        assert await work.store.neighbourhoods((other, commune)) == expected
        assert await work.store.leader_neighbourhoods(leader.id) == [tdp6]
        assert await work.store.leader_neighbourhoods(alone.id) == []
        assert await work.store.leader_approval(commune) is True  # the default
        assert await work.store.leader_approval(other) is False


async def test_a_broadcast_is_kept_as_it_was_made(backend: BroadcastBackend) -> None:
    commune = new_commune()
    sender = await backend.user(AdminRole.OFFICER, commune, "01")
    made = broadcast(sender.id, (commune,), neighbourhoods=(3, 1), status=BroadcastStatus.PENDING)
    async with backend.work() as work:
        await work.store.add(made)
        await work.commit()
    async with backend.work() as work:
        assert await work.store.get(made.id) == made
        assert await work.store.get(str(uuid.uuid4())) is None


async def test_a_decision_takes_only_from_the_status_it_was_read_in(
    backend: BroadcastBackend,
) -> None:
    commune = new_commune()
    sender = await backend.user(AdminRole.LEADER, commune, "01")
    chief = await backend.user(AdminRole.CHIEF, commune, "01")
    made = broadcast(sender.id, (commune,), status=BroadcastStatus.PENDING)
    async with backend.work() as work:
        await work.store.add(made)
        await work.commit()
    approved = replace(
        made, status=BroadcastStatus.SENDING, decided_by=chief.id, decided_at=NOW, recipients=7
    )
    rejected = replace(made, status=BroadcastStatus.REJECTED, reject_reason="Trùng lặp")
    async with backend.work() as work:
        assert await work.store.move(approved, BroadcastStatus.PENDING)
        await work.commit()
    async with backend.work() as work:
        assert not await work.store.move(rejected, BroadcastStatus.PENDING)
        assert await work.store.get(made.id) == approved


async def test_fan_out_reaches_each_subscriber_of_the_area_once(backend: BroadcastBackend) -> None:
    commune, other = new_commune(), new_commune()
    tdp5 = await backend.neighbourhood(commune, "Tổ dân phố số 5")
    tdp6 = await backend.neighbourhood(commune, "Tổ dân phố số 6")
    sender = await backend.user(AdminRole.OFFICER, commune, "01")
    r5 = await backend.resident(commune, tdp5, {alerts(commune), AWARENESS})
    r6 = await backend.resident(commune, tdp6, {alerts(commune)})
    nowhere = await backend.resident(commune, None, {alerts(commune), AWARENESS})
    away = await backend.resident(other, None, {alerts(commune), AWARENESS})
    await backend.resident(commune, tdp5, set(), {alerts(commune), AWARENESS})  # stopped
    await backend.resident(other, None, {alerts(other)})
    whole = broadcast(sender.id, (commune,))
    aware = broadcast(sender.id, (commune,), kind=BroadcastKind.AWARENESS)
    narrow = broadcast(sender.id, (commune,), neighbourhoods=(tdp5.id,))
    async with backend.work() as work:
        for made in (whole, aware, narrow):
            await work.store.add(made)
        assert await work.store.fan_out(whole, NOW) == 4
        assert await work.store.fan_out(whole, NOW) == 4  # a second run adds nobody
        assert await work.store.fan_out(aware, NOW) == 2
        assert await work.store.fan_out(narrow, NOW) == 1
        await work.commit()
    queued = MessageState.QUEUED
    assert await backend.messages(whole.id) == {r: queued for r in (r5, r6, nowhere, away)}
    assert await backend.messages(aware.id) == {r5: queued, nowhere: queued}
    assert await backend.messages(narrow.id) == {r5: queued}


async def test_nothing_is_queued_without_the_commit(backend: BroadcastBackend) -> None:
    commune = new_commune()
    sender = await backend.user(AdminRole.OFFICER, commune, "01")
    await backend.resident(commune, None, {alerts(commune)})
    made = broadcast(sender.id, (commune,))
    async with backend.work() as work:
        await work.store.add(made)
        assert await work.store.fan_out(made, NOW) == 1
    async with backend.work() as work:
        assert await work.store.get(made.id) is None
    assert await backend.messages(made.id) == {}


async def test_counts_and_cancelling_what_is_queued(backend: BroadcastBackend) -> None:
    commune = new_commune()
    sender = await backend.user(AdminRole.OFFICER, commune, "01")
    people = [await backend.resident(commune, None, {alerts(commune)}) for _ in range(5)]
    made = broadcast(sender.id, (commune,))
    async with backend.work() as work:
        await work.store.add(made)
        await work.store.fan_out(made, NOW)
        await work.commit()
    await backend.mark(made.id, people[0], MessageState.SENT, "telegram")
    await backend.mark(made.id, people[1], MessageState.UNREACHABLE, "zalo_oa")
    await backend.mark(made.id, people[2], MessageState.OPTED_OUT, "telegram")
    async with backend.work() as work:
        assert await work.store.cancel_queued(made.id, NOW) == 2
        await work.commit()
    async with backend.work() as work:
        counts = await work.store.counts(made.id)
        assert await work.store.cancel_queued(made.id, NOW) == 0
    assert counts.total == {
        MessageState.SENT: 1,
        MessageState.UNREACHABLE: 1,
        MessageState.OPTED_OUT: 1,
        MessageState.CANCELLED: 2,
    }
    assert counts.by_channel == {
        "telegram": {MessageState.SENT: 1, MessageState.OPTED_OUT: 1},
        "zalo_oa": {MessageState.UNREACHABLE: 1},
    }


async def test_the_counts_of_a_page_come_at_once(backend: BroadcastBackend) -> None:
    commune = new_commune()
    sender = await backend.user(AdminRole.OFFICER, commune, "01")
    people = [await backend.resident(commune, None, {alerts(commune)}) for _ in range(3)]
    first, second = broadcast(sender.id, (commune,)), broadcast(sender.id, (commune,))
    nobody = broadcast(sender.id, (new_commune(),))
    async with backend.work() as work:
        for made in (first, second, nobody):
            await work.store.add(made)
            await work.store.fan_out(made, NOW)
        await work.commit()
    await backend.mark(first.id, people[0], MessageState.SENT, "telegram")
    async with backend.work() as work:
        both = await work.store.counts_of([first.id, second.id, nobody.id])
        single = await work.store.counts(first.id)
        assert await work.store.counts_of([]) == {}
    assert set(both) == {first.id, second.id}  # no message, no entry
    assert both[first.id] == single
    assert both[first.id].total == {MessageState.SENT: 1, MessageState.QUEUED: 2}
    assert both[second.id].total == {MessageState.QUEUED: 3}
    assert both[second.id].by_channel == {}


async def test_sent_since_counts_a_senders_broadcasts_but_rejected_ones(
    backend: BroadcastBackend,
) -> None:
    commune = new_commune()
    leader = await backend.user(AdminRole.LEADER, commune, "01")
    made = [
        broadcast(leader.id, (commune,), at=NOW - timedelta(days=1)),
        broadcast(leader.id, (commune,), at=NOW, status=BroadcastStatus.PENDING),
        broadcast(leader.id, (commune,), at=NOW, status=BroadcastStatus.REJECTED),
        broadcast(leader.id, (commune,), at=NOW + timedelta(hours=1)),
    ]
    async with backend.work() as work:
        for b in made:
            await work.store.add(b)
        assert await work.store.sent_since(leader.id, NOW) == 2


async def test_listing_by_area_sender_and_status_newest_first(backend: BroadcastBackend) -> None:
    commune, other = new_commune(), new_commune()
    province = new_province()
    leader = await backend.user(AdminRole.LEADER, commune, province)
    officer = await backend.user(AdminRole.OFFICER, other, province)
    a = broadcast(leader.id, (commune,), province=province, at=NOW, status=BroadcastStatus.PENDING)
    b = broadcast(officer.id, (other,), province=province, at=NOW + timedelta(minutes=1))
    c = broadcast(officer.id, (commune, other), province=province, at=NOW + timedelta(minutes=2))
    async with backend.work() as work:
        for made in (a, b, c):
            await work.store.add(made)
        await work.commit()

    async def ids(**kw: object) -> list[str]:
        async with backend.work() as work:
            return [x.id for x in await work.store.listing(Listing(**kw))]  # type: ignore[arg-type]

    assert await ids(province=province) == [c.id, b.id, a.id]
    assert await ids(communes=(commune,)) == [c.id, a.id]
    assert await ids(sender_id=leader.id) == [a.id]
    assert await ids(province=province, status=BroadcastStatus.PENDING) == [a.id]
    assert await ids(province=province, before=b.id) == [a.id]
    assert await ids(province=province, limit=1) == [c.id]


async def test_audit_rows_name_the_broadcast(backend: BroadcastBackend) -> None:
    commune = new_commune()
    chief = await backend.user(AdminRole.CHIEF, commune, "01")
    made = broadcast(chief.id, (commune,))
    async with backend.work() as work:
        await work.store.add(made)
        await work.store.audit(chief, AuditAction.BROADCAST_CREATE, made, now=NOW)
        await work.store.audit(chief, AuditAction.BROADCAST_CANCEL, made, detail="3", now=NOW)
        await work.commit()
    assert await backend.audits(made.id) == ["broadcast.create", "broadcast.cancel"]


# -- leaders' chats (handlers/chat_links.py) and what they are told ------------------------------


def _commune() -> str:
    return own_commune()


async def test_a_code_links_once_and_the_link_follows_the_account(
    backend: BroadcastBackend,
) -> None:
    commune = _commune()
    leader = await backend.user(AdminRole.LEADER, commune, "01")
    officer = await backend.user(AdminRole.OFFICER, commune, "01")
    chat = await backend.resident(commune, None, set())
    hashed = secrets.token_hex(32)
    async with backend.work() as work:
        await work.links.add_code(leader.id, hashed, NOW, NOW + timedelta(minutes=15))
        await work.commit()
    async with backend.work() as work:
        assert await work.links.find_code(hashed) == LinkCode(
            leader.id, NOW + timedelta(minutes=15)
        )
        assert await work.links.find_code(secrets.token_hex(32)) is None
        assert await work.links.leader(leader.id) == leader
        assert await work.links.leader(officer.id) is None  # not a leader
        assert await work.links.use_code(hashed, NOW) is True
        assert await work.links.use_code(hashed, NOW) is False  # once
        await work.links.link(leader.id, chat, NOW)
        await work.commit()
    async with backend.work() as work:
        found = await work.links.find_code(hashed)
        assert found is not None and found.used_at == NOW
        assert await work.links.leader_of(chat) == leader
    await backend.deactivate(leader)
    async with backend.work() as work:
        assert await work.links.leader_of(chat) is None


async def test_a_new_link_replaces_the_old_one_of_the_chat_or_the_leader(
    backend: BroadcastBackend,
) -> None:
    commune = _commune()
    first = await backend.user(AdminRole.LEADER, commune, "01")
    second = await backend.user(AdminRole.LEADER, commune, "01")
    chat, phone = (
        await backend.resident(commune, None, set()),
        await backend.resident(commune, None, set()),
    )
    async with backend.work() as work:
        await work.links.link(first.id, chat, NOW)
        await work.links.link(second.id, chat, NOW)  # the chat now speaks for the second
        await work.links.link(first.id, phone, NOW)
        await work.commit()
    async with backend.work() as work:
        assert await work.links.leader_of(chat) == second
        assert await work.links.leader_of(phone) == first


async def test_the_sender_is_told_in_their_linked_chat_only(backend: BroadcastBackend) -> None:
    commune = _commune()
    leader = await backend.user(AdminRole.LEADER, commune, "01")
    lone = await backend.user(AdminRole.LEADER, commune, "01")
    chat = await backend.resident(commune, None, set())
    async with backend.work() as work:
        await work.links.link(leader.id, chat, NOW)
        await work.commit()
    said = {"excerpt": "Họp tổ", "reason": "Trùng lặp"}
    mine, theirs = broadcast(leader.id, (commune,)), broadcast(lone.id, (commune,))
    async with backend.work() as work:
        for made in (mine, theirs):
            await work.store.add(made)
        assert await work.store.tell_sender(mine, "broadcast.rejected", said, NOW) is True
        assert await work.store.tell_sender(theirs, "broadcast.approved", said, NOW) is False
        await work.commit()
    assert await backend.told(chat) == [("broadcast.rejected", said)]
