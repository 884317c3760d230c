"""Broadcasts (handlers/broadcasts/) on the in-memory store: who may address which area,
the leaders' approval and daily limit, exactly one outcome of a decision, who receives a
notice, cancelling, and what each reader may see. The same store answers as the SQL one
(tests/integration/test_broadcasts_contract.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from handlers.broadcasts import compose as composing
from handlers.broadcasts import decide, read
from handlers.broadcasts.compose import Draft, Limits
from handlers.broadcasts.words import MAX_TEXT, BroadcastStatus, MessageState
from handlers.errors import BadInput, Conflict, Forbidden, NotFound
from handlers.people import AdminRole, Identity
from handlers.ports import Subscription, SubscriptionKind
from tests.fakes.memory_broadcasts import MemoryBroadcasting, Resident

BA_DINH, BACH_MAI, AN_DONG = "00004", "00277", "27316"  # Hà Nội, Hà Nội, TP. Hồ Chí Minh
NOW = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)  # 09:00 in Vietnam
ALERTS_BA_DINH = Subscription(SubscriptionKind.ALERTS, BA_DINH)
AWARENESS = Subscription(SubscriptionKind.AWARENESS)


def who(n: int, role: AdminRole, commune: str = BA_DINH, province: str = "01") -> Identity:
    return Identity(
        n, f"user{n}", role, "" if role is AdminRole.PROVINCE_ADMIN else commune, province
    )


OFFICER = who(1, AdminRole.OFFICER)
CHIEF = who(2, AdminRole.CHIEF)
LEADER = who(3, AdminRole.LEADER)
LEADER2 = who(4, AdminRole.LEADER)
OFFICER_B = who(5, AdminRole.OFFICER, BACH_MAI)
ADMIN_01 = who(6, AdminRole.PROVINCE_ADMIN)
ADMIN_79 = who(7, AdminRole.PROVINCE_ADMIN, province="79")


class World:
    def __init__(self) -> None:
        self.data = MemoryBroadcasting()
        self.tdp5 = self.data.add_neighbourhood(BA_DINH, "Tổ dân phố số 5")
        self.tdp6 = self.data.add_neighbourhood(BA_DINH, "Tổ dân phố số 6")
        self.other = self.data.add_neighbourhood(BACH_MAI, "Tổ dân phố số 1")
        residents = {
            "r5a": Resident(BA_DINH, self.tdp5.id, {ALERTS_BA_DINH, AWARENESS}),
            "r5b": Resident(BA_DINH, self.tdp5.id, {ALERTS_BA_DINH}),
            "r6": Resident(BA_DINH, self.tdp6.id, {ALERTS_BA_DINH}),
            "r-none": Resident(BA_DINH, None, {ALERTS_BA_DINH, AWARENESS}),
            "r-quiet": Resident(BA_DINH, self.tdp5.id, set()),
            "r-away": Resident(BACH_MAI, self.other.id, {ALERTS_BA_DINH, AWARENESS}),
            "rb": Resident(
                BACH_MAI, self.other.id, {Subscription(SubscriptionKind.ALERTS, BACH_MAI)}
            ),
        }
        self.data.residents.update(residents)

    async def run(self, use_case: Callable[..., Awaitable[Any]], *args: Any, **kw: Any) -> Any:
        store = self.data.store()
        answer = await use_case(store, *args, **kw)
        store.commit()
        return answer

    def recipients(self, broadcast_id: str) -> set[str]:
        return {r for b, r in self.data.messages if b == broadcast_id}


@pytest.fixture
def world() -> World:
    return World()


async def compose(
    world: World, actor: Identity, text: str = "Mất điện từ 8 giờ sáng mai.", **kw: Any
) -> Any:
    now = kw.pop("now", NOW)
    return await world.run(composing.compose, actor, Draft(text, **kw), now=now)


async def test_a_police_alert_goes_out_at_once_to_the_communes_subscribers(world: World) -> None:
    sent = await compose(world, OFFICER)
    assert sent.status is BroadcastStatus.SENDING and sent.communes == (BA_DINH,)
    # Subscribed to Ba Đình's alerts, wherever they live; not the quiet one, not Bạch Mai's.
    assert world.recipients(sent.id) == {"r5a", "r5b", "r6", "r-none", "r-away"}
    assert world.data.broadcasts[sent.id].recipients == 5
    assert [a[0] for a in world.data.audits] == ["broadcast.create"]


async def test_awareness_goes_to_awareness_subscribers_living_in_the_area(world: World) -> None:
    sent = await compose(world, CHIEF, kind="awareness")
    assert world.recipients(sent.id) == {"r5a", "r-none"}


async def test_neighbourhoods_narrow_the_area(world: World) -> None:
    sent = await compose(world, OFFICER, neighbourhoods=[world.tdp5.id])
    assert world.recipients(sent.id) == {"r5a", "r5b"}
    with pytest.raises(NotFound):
        await compose(world, OFFICER, neighbourhoods=[world.other.id])
    with pytest.raises(NotFound):
        await compose(world, OFFICER, neighbourhoods=[999])


async def test_an_area_outside_the_senders_is_not_found(world: World) -> None:
    for actor, communes in (
        (OFFICER, [BACH_MAI]),
        (CHIEF, [BA_DINH, BACH_MAI]),
        (LEADER, [BACH_MAI]),
        (ADMIN_01, [AN_DONG]),
        (ADMIN_79, [BA_DINH]),
    ):
        with pytest.raises(NotFound):
            await compose(world, actor, communes=communes)
    assert world.data.broadcasts == {}


async def test_a_province_admin_addresses_several_communes_and_must_name_them(
    world: World,
) -> None:
    sent = await compose(world, ADMIN_01, communes=[BA_DINH, BACH_MAI, BA_DINH])
    assert sent.communes == (BA_DINH, BACH_MAI)
    assert world.recipients(sent.id) == {"r5a", "r5b", "r6", "r-none", "r-away", "rb"}
    with pytest.raises(BadInput) as unnamed:
        await compose(world, ADMIN_01)
    assert unnamed.value.code == "communes"


@pytest.mark.parametrize(
    ("text", "kind", "code"),
    [
        ("", "alert", "text"),
        ("   \n ", "alert", "text"),
        ("x" * (MAX_TEXT + 1), "alert", "text_length"),
        ("Họp tổ dân phố tối nay", "news", "kind"),
    ],
)
async def test_bad_text_or_kind_is_refused_with_its_code(
    world: World, text: str, kind: str, code: str
) -> None:
    with pytest.raises(BadInput) as refused:
        await compose(world, OFFICER, text, kind=kind)
    assert refused.value.code == code
    assert world.data.broadcasts == {} and world.data.messages == {}


async def test_the_limit_is_named_and_exactly_2000_characters_pass(world: World) -> None:
    with pytest.raises(BadInput) as long:
        await compose(world, OFFICER, "đ" * (MAX_TEXT + 1))
    assert "2000" in str(long.value)
    sent = await compose(world, OFFICER, "đ" * MAX_TEXT)
    assert len(sent.text) == MAX_TEXT


async def test_a_leaders_notice_waits_for_approval_then_goes_to_their_neighbourhoods(
    world: World,
) -> None:
    world.data.leaders[LEADER.id] = {world.tdp5.id}
    notice = await compose(world, LEADER, "Tối nay 19 giờ họp tổ dân phố tại nhà văn hoá.")
    assert notice.status is BroadcastStatus.PENDING and notice.neighbourhoods == (world.tdp5.id,)
    assert world.recipients(notice.id) == set()
    with pytest.raises(NotFound):  # not their neighbourhood
        await compose(world, LEADER, neighbourhoods=[world.tdp6.id])
    approved = await world.run(decide.approve, CHIEF, notice.id, now=NOW)
    assert approved.status is BroadcastStatus.SENDING and approved.decided_by == CHIEF.id
    assert world.recipients(notice.id) == {"r5a", "r5b"}
    assert [a[0] for a in world.data.audits] == ["broadcast.create", "broadcast.approve"]


async def test_a_leader_of_no_neighbourhood_speaks_to_the_whole_commune(world: World) -> None:
    world.data.approval[BA_DINH] = False  # the chief chose no approval
    notice = await compose(world, LEADER2)
    assert notice.status is BroadcastStatus.SENDING and notice.neighbourhoods == ()
    assert world.recipients(notice.id) == {"r5a", "r5b", "r6", "r-none", "r-away"}


async def test_nobody_decides_on_their_own_notice_and_leaders_never_decide(world: World) -> None:
    notice = await compose(world, LEADER)
    for actor in (LEADER, LEADER2):
        with pytest.raises((Forbidden, NotFound)):
            await world.run(decide.approve, actor, notice.id)
    with pytest.raises(NotFound):  # another commune's police
        await world.run(decide.approve, OFFICER_B, notice.id)
    assert world.data.broadcasts[notice.id].status is BroadcastStatus.PENDING


async def test_two_decisions_end_in_exactly_one_outcome(world: World) -> None:
    notice = await compose(world, LEADER)
    first, second = world.data.store(), world.data.store()
    stale = await second.get(notice.id)
    await decide.approve(first, CHIEF, notice.id, now=NOW)
    first.commit()
    assert stale is not None and stale.status is BroadcastStatus.PENDING
    stale.status = BroadcastStatus.REJECTED  # what a decision read before the first would write
    assert not await second.move(stale, BroadcastStatus.PENDING)
    with pytest.raises(Conflict):
        await decide.reject(second, OFFICER, notice.id, "Nội dung chưa rõ ràng")
    with pytest.raises(Conflict) as late:
        await world.run(decide.approve, OFFICER, notice.id)
    assert late.value.code == "broadcast_sending"
    assert world.data.broadcasts[notice.id].status is BroadcastStatus.SENDING


async def test_a_rejection_needs_a_reason_and_sends_nothing(world: World) -> None:
    notice = await compose(world, LEADER)
    with pytest.raises(BadInput):
        await world.run(decide.reject, CHIEF, notice.id, "no")
    rejected = await world.run(decide.reject, CHIEF, notice.id, "Trùng với thông báo của phường")
    assert rejected.status is BroadcastStatus.REJECTED
    assert rejected.reject_reason == "Trùng với thông báo của phường"
    assert world.recipients(notice.id) == set()
    with pytest.raises(Conflict):
        await world.run(decide.approve, CHIEF, notice.id)


async def test_cancel_takes_back_what_is_queued_and_only_the_sender_or_police_may(
    world: World,
) -> None:
    sent = await compose(world, OFFICER)
    world.data.messages[(sent.id, "r5a")].state = MessageState.SENT
    with pytest.raises(NotFound):  # a leader did not send it: not theirs to see
        await world.run(decide.cancel, LEADER, sent.id)
    cancelled = await world.run(decide.cancel, CHIEF, sent.id, now=NOW)
    assert cancelled.status is BroadcastStatus.CANCELLED
    progress = await world.run(read.progress, OFFICER, sent.id)
    assert progress.counts.of(MessageState.SENT) == 1
    assert progress.counts.of(MessageState.CANCELLED) == 4 and progress.counts.queued == 0
    with pytest.raises(Conflict):
        await world.run(decide.cancel, CHIEF, sent.id)
    notice = await compose(world, LEADER)
    await world.run(decide.cancel, LEADER, notice.id)  # their own, still pending
    assert world.data.broadcasts[notice.id].status is BroadcastStatus.CANCELLED


async def test_a_leader_may_send_at_most_the_limit_a_day(world: World) -> None:
    limits = Limits(leader_per_day=2)
    for _ in range(2):
        await world.run(composing.compose, LEADER, Draft("Thông báo"), limits=limits, now=NOW)
    with pytest.raises(Conflict) as over:
        await world.run(composing.compose, LEADER, Draft("Thông báo"), limits=limits, now=NOW)
    assert over.value.code == "daily_limit"
    tomorrow = NOW + timedelta(days=1)
    await world.run(composing.compose, LEADER, Draft("Thông báo"), limits=limits, now=tomorrow)
    for _ in range(3):  # the police have no daily limit
        await world.run(composing.compose, OFFICER, Draft("Cảnh báo"), limits=limits, now=NOW)


async def test_a_rejected_notice_does_not_count_against_the_limit(world: World) -> None:
    limits = Limits(leader_per_day=1)
    notice = await world.run(composing.compose, LEADER, Draft("Thông báo"), limits=limits, now=NOW)
    await world.run(decide.reject, CHIEF, notice.id, "Viết lại cho rõ hơn")
    await world.run(composing.compose, LEADER, Draft("Thông báo mới"), limits=limits, now=NOW)


async def test_each_reader_sees_their_own_broadcasts(world: World) -> None:
    police = await compose(world, OFFICER, now=NOW)
    leaders = await compose(world, LEADER, now=NOW + timedelta(minutes=1))
    province = await compose(world, ADMIN_01, communes=[BACH_MAI], now=NOW + timedelta(minutes=2))

    async def ids(actor: Identity, **kw: Any) -> list[str]:
        return [b.id for b in await world.run(read.listing, actor, **kw)]

    assert await ids(CHIEF) == [leaders.id, police.id]
    assert await ids(OFFICER_B) == [province.id]
    assert await ids(ADMIN_01) == [province.id, leaders.id, police.id]
    assert await ids(ADMIN_79) == []
    assert await ids(LEADER) == [leaders.id]
    assert await ids(LEADER2) == []
    assert await ids(ADMIN_01, status="pending") == [leaders.id]
    assert await ids(ADMIN_01, before=leaders.id) == [police.id]
    with pytest.raises(BadInput):
        await ids(ADMIN_01, status="whatever")
    for actor in (OFFICER_B, ADMIN_79, LEADER2):
        with pytest.raises(NotFound):
            await world.run(read.progress, actor, police.id)


async def test_progress_says_done_once_nothing_is_queued(world: World) -> None:
    sent = await compose(world, OFFICER, neighbourhoods=[world.tdp6.id])
    progress = await world.run(read.progress, OFFICER, sent.id)
    assert progress.shown_status == "sending" and progress.counts.queued == 1
    world.data.messages[(sent.id, "r6")].state = MessageState.UNREACHABLE
    world.data.messages[(sent.id, "r6")].channel = "telegram"
    progress = await world.run(read.progress, OFFICER, sent.id)
    assert progress.shown_status == "done"
    assert progress.counts.by_channel == {"telegram": {MessageState.UNREACHABLE: 1}}
