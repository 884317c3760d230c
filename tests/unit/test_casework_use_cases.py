"""The police's actions on a tip (handlers/casework/), on the in-memory store: who may do
what, in which status, what the reporter is told, what the audit log keeps, and that a refused
action leaves nothing behind. The same store answers as the SQL one
(tests/integration/test_casework_contract.py); the panel and API tests run these use cases
on the databases through the edges."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from handlers import casework as cases
from handlers.casework.ports import CaseTip, Contact
from handlers.errors import BadInput, Conflict, Forbidden, Invalid, NotFound
from handlers.notices import Notice
from handlers.people import AdminRole, Identity
from handlers.tipmodel import Visibility
from handlers.tips.words import TipStatus
from tests.fakes.memory_casework import MemoryCasework, new_tip

HANOI_A, HANOI_B, SAIGON = "00004", "00277", "27316"
NOW = datetime(2026, 11, 24, 2, 30, tzinfo=UTC)  # Tuesday 09:30 in Vietnam


class Opener:
    def open(self, sealed: str) -> dict[str, str]:
        assert sealed == "sealed:A"
        return {"name": "Nguyễn Văn A", "phone": "+84912345678"}


class World:
    def __init__(self) -> None:
        self.data = MemoryCasework()
        self.officer = self.data.add_user("officer_a", AdminRole.OFFICER, HANOI_A, "01")
        self.officer2 = self.data.add_user("officer_a2", AdminRole.OFFICER, HANOI_A, "01")
        self.chief = self.data.add_user("chief_a", AdminRole.CHIEF, HANOI_A, "01")
        self.leader = self.data.add_user("leader_a", AdminRole.LEADER, HANOI_A, "01")
        self.officer_b = self.data.add_user("officer_b", AdminRole.OFFICER, HANOI_B, "01")
        self.admin_01 = self.data.add_user("admin_01", AdminRole.PROVINCE_ADMIN, "", "01")
        self.admin_79 = self.data.add_user("admin_79", AdminRole.PROVINCE_ADMIN, "", "79")

    def tip(self, commune: str = HANOI_A, *, reporter: bool = True, **changes: Any) -> CaseTip:
        province = "79" if commune == SAIGON else "01"
        tip = new_tip(commune, province, has_reporter=reporter, **changes)
        return self.data.add_tip(tip, "resident-1" if reporter else None)

    async def run(
        self, use_case: Callable[..., Awaitable[Any]], actor: Identity, *args: Any, **kw: Any
    ) -> Any:
        """One unit of work: committed when the use case returns, dropped when it raises."""
        store = self.data.store()
        answer = await use_case(store, actor, *args, **kw)
        store.commit()
        return answer

    def stored(self, tip: CaseTip) -> CaseTip:
        return self.data.tips[tip.id]

    def events(self, tip: CaseTip) -> list[tuple[str, Visibility, str]]:
        return [(e.kind, e.visibility, e.body) for e in self.data.events if e.tip_id == tip.id]

    def audits(self, tip: CaseTip) -> list[tuple[str, str, str]]:
        return [
            (a.action, a.actor_username, a.detail)
            for a in self.data.audits
            if a.subject == tip.code
        ]

    def notices(self, tip: CaseTip) -> list[Notice]:
        return [n.kind for n in self.data.notices if n.tip_id == tip.id]

    def written(self) -> tuple[int, int, int]:
        return len(self.data.events), len(self.data.audits), len(self.data.notices)


@pytest.fixture
def world() -> World:
    return World()


async def test_a_tip_from_assignment_to_close(world: World) -> None:
    tip = world.tip()
    await world.run(cases.assign, world.chief, tip.code.lower(), world.officer.id, now=NOW)
    await world.run(cases.acknowledge, world.officer, tip.id, now=NOW + timedelta(hours=1))
    acknowledged = world.stored(tip)
    assert (
        acknowledged.status is TipStatus.ACKNOWLEDGED
        and acknowledged.assignee_id == world.officer.id
    )
    # The forward deadline (7 days, TTLT 01/2017 art. 8(5)(b)) comes before the decision's.
    assert acknowledged.next_due == tip.forward_due == date(2026, 11, 30)
    await world.run(cases.ask_reporter, world.officer, tip.id, "  Anh/chị nhớ biển số xe không? ")
    await world.run(cases.verify, world.officer, tip.id)
    body = "Cơ quan CSĐT Công an thành phố Hà Nội"
    await world.run(cases.forward, world.officer, tip.id, body, now=NOW)
    sent = world.stored(tip)
    # The investigation body's 20 days run from the forwarding (CPC art. 147(1)).
    assert sent.decision_due == date(2026, 12, 14) and sent.next_due == sent.decision_due
    await world.run(cases.extend_deadline, world.officer, tip.id, "Chờ sao kê ngân hàng", now=NOW)
    extended = world.stored(tip)
    assert extended.extensions == 1 and extended.decision_due == date(2027, 1, 24)
    assert extended.next_due == extended.decision_due
    await world.run(cases.add_note, world.officer2, tip.id, "Đã gọi ngân hàng")
    await world.run(cases.close, world.officer, tip.id, "not_prosecuted", "Đã xử lý", now=NOW)
    closed = world.stored(tip)
    assert closed.status is TipStatus.CLOSED and closed.resolution == "not_prosecuted"
    assert closed.closed_at == NOW == closed.decided_at and closed.outcome_due is not None
    assert [kind for kind, _, _ in world.events(tip)] == [
        "assigned",
        "acknowledged",
        "question",
        "verifying",
        "forwarded",
        "extended",
        "extension_reason",
        "note",
        "closed",
        "note",
    ]
    shown = [(k, b) for k, v, b in world.events(tip) if v is Visibility.REPORTER]
    assert shown == [
        ("acknowledged", ""),
        ("question", "Anh/chị nhớ biển số xe không?"),
        ("forwarded", body),
        ("extended", "2027-01-24"),
        ("closed", "not_prosecuted"),
    ]
    assert world.notices(tip) == [
        Notice.ACKNOWLEDGED,
        Notice.QUESTION,
        Notice.FORWARDED,
        Notice.EXTENDED,
        Notice.CLOSED,
    ]
    assert [(a, d) for a, _, d in world.audits(tip)] == [
        ("tip.assign", "officer_a"),
        ("tip.status", "new>acknowledged"),
        ("tip.question", ""),
        ("tip.status", "acknowledged>verifying"),
        ("tip.status", "verifying>forwarded"),
        ("tip.extend", "1:2027-01-24"),
        ("tip.status", "forwarded>closed"),
    ]


async def test_the_question_notice_names_its_timeline_entry(world: World) -> None:
    tip = world.tip()
    await world.run(cases.ask_reporter, world.officer, tip.id, "Xe màu gì?")
    (entry,) = [e for e in world.data.events if e.kind == "question"]
    (notice,) = world.data.notices
    assert notice.params == {"question": "Xe màu gì?", "event_id": str(entry.id)}
    assert notice.code == tip.code


@pytest.mark.parametrize(
    ("use_case", "args"),
    [
        (cases.take, ()),
        (cases.assign, (None,)),
        (cases.set_urgency, (True,)),
        (cases.acknowledge, ()),
        (cases.verify, ()),
        (cases.ask_reporter, ("Câu hỏi",)),
        (cases.forward, ("Cơ quan CSĐT",)),
        (cases.extend_deadline, ("Cần thêm thời gian",)),
        (cases.close, ("handled",)),
        (cases.add_note, ("Ghi chú",)),
        (cases.reveal_identity, ("Cần mời làm việc", Opener())),
    ],
)
async def test_outside_the_area_every_action_is_not_found_and_a_leader_is_forbidden(
    world: World, use_case: Callable[..., Awaitable[Any]], args: tuple[Any, ...]
) -> None:
    tip = world.tip(contact_sealed="sealed:A")
    for stranger in (world.officer_b, world.admin_79):
        with pytest.raises(NotFound):
            await world.run(use_case, stranger, tip.id, *args)
    with pytest.raises(Forbidden):
        await world.run(use_case, world.leader, tip.id, *args)
    assert world.written() == (0, 0, 0) and world.stored(tip) == tip


async def test_who_takes_and_who_assigns(world: World) -> None:
    tip = world.tip()
    with pytest.raises(Forbidden):
        await world.run(cases.assign, world.officer, tip.id, world.officer.id)
    with pytest.raises(Forbidden):
        await world.run(cases.take, world.admin_01, tip.id)
    with pytest.raises(BadInput) as wrong:
        await world.run(cases.assign, world.admin_01, tip.id, world.officer_b.id)
    assert wrong.value.code == "assignee"
    await world.run(cases.take, world.officer, tip.id)
    await world.run(cases.take, world.officer, tip.id)  # already theirs: nothing written
    await world.run(cases.assign, world.admin_01, tip.id, world.officer2.id)
    await world.run(cases.assign, world.chief, tip.id, None)
    assert world.stored(tip).assignee_id is None
    assert [(a, d) for a, _, d in world.audits(tip)] == [
        ("tip.assign", "officer_a"),
        ("tip.assign", "officer_a2"),
        ("tip.assign", "-"),
    ]


async def test_urgency_is_written_only_when_it_changes(world: World) -> None:
    tip = world.tip()
    await world.run(cases.set_urgency, world.officer, tip.id, False)
    assert world.written() == (0, 0, 0)
    await world.run(cases.set_urgency, world.officer, tip.id, True)
    assert world.stored(tip).urgent
    assert world.events(tip) == [("urgency", Visibility.INTERNAL, "1")]


async def test_a_closed_tip_takes_notes_and_nothing_else(world: World) -> None:
    tip = world.tip(status=TipStatus.CLOSED, next_due=None)
    refusals: list[tuple[Callable[..., Awaitable[Any]], tuple[Any, ...]]] = [
        (cases.take, ()),
        (cases.set_urgency, (True,)),
        (cases.ask_reporter, ("Còn gì nữa không?",)),
        (cases.extend_deadline, ("Cần thêm thời gian",)),
        (cases.acknowledge, ()),
        (cases.close, ("not_prosecuted",)),
        (cases.forward, ("Cơ quan CSĐT",)),
        (cases.change_track, ("administrative", "Chỉ là vi phạm hành chính")),
        (cases.mediate, ("Tổ hòa giải số 1",)),
        (cases.resume, ("Đã có kết quả giám định",)),
    ]
    for use_case, args in refusals:
        with pytest.raises(Conflict):
            await world.run(use_case, world.officer, tip.id, *args)
    await world.run(cases.add_note, world.officer, tip.id, "Người báo tin gọi lại cảm ơn")
    assert world.events(tip) == [("note", Visibility.INTERNAL, "Người báo tin gọi lại cảm ơn")]


async def test_bad_input_is_refused_with_its_code(world: World) -> None:
    tip = world.tip(contact_sealed="sealed:A", assignee_id=world.officer.id)
    cases_and_codes: list[tuple[Callable[..., Awaitable[Any]], tuple[Any, ...], str]] = [
        (cases.ask_reporter, ("   ",), "question"),
        (cases.ask_reporter, ("x" * 1001,), "question"),
        (cases.add_note, ("",), "note"),
        (cases.forward, ("",), "forward_to"),
        (cases.extend_deadline, ("ok",), "reason"),
        (cases.close, ("whatever",), "resolution"),
        (cases.reveal_identity, ("ok", Opener()), "reason"),
    ]
    for use_case, args, code in cases_and_codes:
        with pytest.raises(Invalid) as refused:
            await world.run(use_case, world.officer, tip.id, *args)
        assert refused.value.code == code
    assert world.written() == (0, 0, 0) and world.stored(tip) == tip


async def test_a_refusal_after_the_status_moved_leaves_nothing(world: World) -> None:
    tip = world.tip(status=TipStatus.VERIFYING)
    with pytest.raises(BadInput):
        await world.run(cases.forward, world.officer, tip.id, "Cơ quan CSĐT", "x" * 4001)
    assert world.written() == (0, 0, 0) and world.stored(tip) == tip


async def test_no_question_once_the_reporter_is_gone(world: World) -> None:
    tip = world.tip(reporter=False)
    with pytest.raises(Conflict) as gone:
        await world.run(cases.ask_reporter, world.officer, tip.id, "Anh/chị còn ở đó không?")
    assert gone.value.code == "no_reporter"
    await world.run(cases.acknowledge, world.officer, tip.id)
    assert world.notices(tip) == []  # nobody to tell; the status still moves
    assert world.stored(tip).status is TipStatus.ACKNOWLEDGED


async def test_extensions_stop_at_two_and_never_after_the_deadline(world: World) -> None:
    tip = world.tip()
    with pytest.raises(Conflict) as unsent:  # no decision deadline runs before the forward
        await world.run(cases.extend_deadline, world.officer, tip.id, "Chờ giám định", now=NOW)
    assert unsent.value.code == "extension_none"
    await world.run(cases.forward, world.officer, tip.id, "Cơ quan CSĐT", now=NOW)
    await world.run(cases.extend_deadline, world.officer, tip.id, "Chờ giám định", now=NOW)
    await world.run(
        cases.extend_deadline,
        world.officer,
        tip.id,
        "Chờ ngân hàng",
        decision_number="12/QĐ-VKS",
        decision_date=date(2026, 11, 24),
        now=NOW,
    )
    with pytest.raises(Conflict) as third:
        await world.run(cases.extend_deadline, world.officer, tip.id, "Lần thứ ba", now=NOW)
    assert third.value.code == "extension_limit"
    late = world.tip(status=TipStatus.FORWARDED, forwarded_at=NOW, decision_due=date(2026, 11, 20))
    with pytest.raises(Conflict) as after:
        await world.run(cases.extend_deadline, world.officer, late.id, "Quá hạn rồi", now=NOW)
    assert after.value.code == "extension_late"


async def test_reveal_only_for_a_reporter_who_left_contact_and_always_audited(
    world: World,
) -> None:
    anonymous = world.tip()
    with pytest.raises(Conflict) as refused:
        await world.run(
            cases.reveal_identity, world.officer, anonymous.id, "Cần mời làm việc", Opener()
        )
    assert refused.value.code == "anonymous"
    named = world.tip(contact_sealed="sealed:A")
    contact = await world.run(
        cases.reveal_identity, world.chief, named.code, "Cần mời làm việc", Opener(), ip="10.0.0.9"
    )
    assert contact == Contact("Nguyễn Văn A", "+84912345678")
    (row,) = [a for a in world.data.audits if a.subject == named.code]
    assert (row.action, row.actor_username, row.reason, row.ip) == (
        "tip.reveal",
        "chief_a",
        "Cần mời làm việc",
        "10.0.0.9",
    )
    assert world.events(named) == [("revealed", Visibility.INTERNAL, "")]
    assert world.notices(named) == []  # the reporter is never told who looked


async def test_only_the_assigned_officer_and_the_chief_may_reveal(world: World) -> None:
    """Issue 18, as the consent text promises: another officer of the commune, a province
    admin, a leader or an officer elsewhere is refused, and nothing is written."""
    unassigned = world.tip(contact_sealed="sealed:A")
    assigned = world.tip(contact_sealed="sealed:A", assignee_id=world.officer.id)
    refusals = [
        (world.officer, unassigned, Forbidden),  # no one's yet: only the chief
        (world.officer2, assigned, Forbidden),  # a colleague's tip
        (world.admin_01, assigned, Forbidden),  # the province admin of its province
        (world.leader, assigned, Forbidden),
        (world.officer_b, assigned, NotFound),  # another commune does not find it
        (world.admin_79, assigned, NotFound),
    ]
    for who, tip, refusal in refusals:
        with pytest.raises(refusal):
            await world.run(cases.reveal_identity, who, tip.id, "Cần mời làm việc", Opener())
    assert world.written() == (0, 0, 0)
    for who, tip in ((world.officer, assigned), (world.chief, unassigned), (world.chief, assigned)):
        contact = await world.run(cases.reveal_identity, who, tip.id, "Cần mời làm việc", Opener())
        assert contact.name == "Nguyễn Văn A"
    assert [a[:2] for a in world.audits(assigned)] == [
        ("tip.reveal", "officer_a"),
        ("tip.reveal", "chief_a"),
    ]


async def test_a_colleagues_tip_is_not_taken_over_to_reveal_its_reporter(world: World) -> None:
    """Issue 18: taking a tip would make the officer its assigned officer, who may reveal;
    a tip a colleague holds changes hands only through the chief."""
    tip = world.tip(contact_sealed="sealed:A", assignee_id=world.officer.id)
    with pytest.raises(Conflict) as refused:
        await world.run(cases.take, world.officer2, tip.id)
    assert refused.value.code == "taken" and world.stored(tip).assignee_id == world.officer.id
    with pytest.raises(Forbidden):
        await world.run(cases.reveal_identity, world.officer2, tip.id, "Cần mời làm việc", Opener())
    await world.run(cases.take, world.chief, tip.id)  # the chief may take any of the commune's
    assert world.stored(tip).assignee_id == world.chief.id
    free = world.tip(contact_sealed="sealed:A")
    await world.run(cases.take, world.officer2, free.id)  # a tip no one holds
    assert world.stored(free).assignee_id == world.officer2.id


async def test_colleagues_of_a_commune_in_the_area(world: World) -> None:
    found = await world.run(cases.colleagues, world.admin_01, HANOI_A)
    assert [c.username for c in found] == ["chief_a", "officer_a", "officer_a2"]
    assert [c.username for c in await world.run(cases.colleagues, world.chief, HANOI_A)] == [
        "chief_a",
        "officer_a",
        "officer_a2",
    ]
    for who, commune in (
        (world.chief, HANOI_B),
        (world.admin_79, HANOI_A),
        (world.admin_01, SAIGON),
    ):
        with pytest.raises(NotFound):
            await world.run(cases.colleagues, who, commune)
    with pytest.raises(Forbidden):
        await world.run(cases.colleagues, world.leader, HANOI_A)
