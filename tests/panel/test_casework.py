"""The casework use cases (storage/casework.py) under the panel and the API: scope, the
queue's order and pages, the lifecycle with its deadlines, the audit and the outbox."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from admin.filters import filter_query, parse_filter
from bot import runtime
from handlers import casework as cases
from handlers import errors
from handlers.casework import rules
from handlers.casework.ports import Contact
from handlers.tipmodel import Visibility
from handlers.tips.words import TipStatus
from storage import casework as cw
from storage.casework import listing, search
from storage.models import AuditLog, OutboxMessage, Tip
from tests.panel.conftest import COMMUNE_A, COMMUNE_B, COMMUNE_C, World, case_store

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # Wednesday 10:00 in Vietnam
TODAY = date(2026, 11, 25)


async def _all_pages(world: World, label: str, f: cw.QueueFilter, limit: int) -> list[str]:
    codes: list[str] = []
    cursor = None
    async with world.session() as session:
        while True:
            page = await cw.queue(
                session, world.users[label], f, cursor=cursor, limit=limit, today=TODAY
            )
            codes += [i.code for i in page.items]
            if page.next_cursor is None:
                return codes
            cursor = page.next_cursor


async def test_queue_is_scoped_ordered_and_paged_without_gaps(both_world: World) -> None:
    world = both_world
    received = [NOW - timedelta(days=d) for d in (1, 9, 3, 5, 0, 2, 7)]
    mine = [await world.tip(COMMUNE_A, received=r, urgent=(i == 3)) for i, r in enumerate(received)]
    in_b = await world.tip(COMMUNE_B)
    in_c = await world.tip(COMMUNE_C)
    ours = {t.code for t in (*mine, in_b, in_c)}
    # PostgreSQL's database is shared by the session's tests: look at this test's tips only.
    codes = [
        c for c in await _all_pages(world, "officer_a", cw.QueueFilter(), limit=2) if c in ours
    ]
    async with world.session() as session:
        rows = (
            await session.execute(select(Tip).where(Tip.id.in_([t.id for t in mine])))
        ).scalars()
        expected = [t.code for t in sorted(rows, key=lambda t: (not t.urgent, t.next_due, t.id))]
    assert codes == expected and len(codes) == 7
    assert codes[0] == mine[3].code  # the urgent one first
    province = set(await _all_pages(world, "admin_01", cw.QueueFilter(), limit=3)) & ours
    assert province == set(codes) | {in_b.code}
    assert set(await _all_pages(world, "officer_c", cw.QueueFilter(), limit=5)) & ours == {
        in_c.code
    }
    async with world.session() as session:
        before = await cw.status_counts(session, world.users["officer_b"], cw.QueueFilter())
        await world.tip(COMMUNE_B)
        after = await cw.status_counts(session, world.users["officer_b"], cw.QueueFilter())
    assert after["new"] == before["new"] + 1 and after["closed"] == before["closed"]


async def test_leader_sees_nothing_and_other_communes_get_not_found(world: World) -> None:
    tip = await world.tip(COMMUNE_A)
    async with world.session() as session:
        with pytest.raises(errors.Forbidden):
            await cw.queue(session, world.users["leader_a"], cw.QueueFilter())
        for label in ("officer_b", "chief_b", "admin_79", "officer_c"):
            with pytest.raises(errors.NotFound):
                await cw.tip_detail(session, world.users[label], tip.id)
            with pytest.raises(errors.NotFound):
                await cw.tip_detail(session, world.users[label], tip.code)
        detail = await cw.tip_detail(session, world.users["admin_01"], tip.code.lower())
    assert detail.id == tip.id


async def test_filters_and_search_without_diacritics(world: World) -> None:
    await world.tip(COMMUNE_A, description="Mất xe máy ở chợ Đồng Xuân", category="theft")
    scam = await world.tip(COMMUNE_A, description="Tin nhắn giả ngân hàng", urgent=True)
    async with world.session() as session:
        officer = world.users["officer_a"]
        found = await cw.queue(session, officer, parse_filter({"q": "cho dong xuan"}))
        assert [i.category for i in found.items] == ["theft"]
        urgent = await cw.queue(session, officer, parse_filter({"urgent": "1"}))
        assert [i.code for i in urgent.items] == [scam.code]
        by_code = await cw.queue(session, officer, parse_filter({"q": scam.code}))
        assert [i.code for i in by_code.items] == [scam.code]
        none = await cw.queue(session, officer, parse_filter({"q": "50%_"}))
        assert none.items == []
    f = parse_filter({"status": "all", "from": "01/11/2026", "to": "2026-11-30", "q": "x"})
    assert parse_filter(filter_query(f)) == f
    for bad in ({"status": "lost"}, {"from": "tomorrow"}, {"assignee": "bob"}, {"urgent": "2"}):
        with pytest.raises(errors.Invalid):
            parse_filter(bad)
    async with world.session() as session:
        with pytest.raises(errors.Invalid):
            await cw.queue(session, officer, cw.QueueFilter(), cursor="not-a-cursor")


async def test_overdue_and_due_soon(world: World) -> None:
    old = await world.tip(COMMUNE_A, received=NOW - timedelta(days=10))
    fresh = await world.tip(COMMUNE_A, received=NOW)
    async with world.session() as session:
        officer = world.users["officer_a"]
        page = await cw.queue(session, officer, cw.QueueFilter(), today=TODAY)
        states = {i.code: i.due_state for i in page.items}
        assert states[old.code] is rules.DueState.OVERDUE
        assert states[fresh.code] is rules.DueState.OK
        overdue = await cw.queue(session, officer, cw.QueueFilter(overdue=True), today=TODAY)
        assert [i.code for i in overdue.items] == [old.code]
        soon = await cw.queue(
            session, officer, cw.QueueFilter(due_soon=True), today=date(2026, 11, 29)
        )
        assert [i.code for i in soon.items] == [fresh.code]


async def test_the_whole_lifecycle_with_deadlines_audit_and_outbox(world: World) -> None:
    tip = await world.tip(
        COMMUNE_A,
        received=NOW,
        anonymous=False,
        contact_name="Nguyễn Văn A",
        contact_phone="0912345678",
    )
    chief, officer = world.users["chief_a"], world.users["officer_a"]
    async with world.session() as session:
        with pytest.raises(errors.Forbidden):
            await cases.assign(case_store(session), officer, tip.id, officer.id)
        with pytest.raises(errors.Invalid):
            await cases.assign(case_store(session), chief, tip.id, world.users["officer_b"].id)
        await cases.assign(case_store(session), chief, tip.id, officer.id, now=NOW)
        await cases.acknowledge(case_store(session), officer, tip.id, now=NOW + timedelta(hours=1))
        with pytest.raises(errors.Invalid) as twice:
            await cases.acknowledge(case_store(session), officer, tip.id)
        assert twice.value.code == "transition"
        await cases.ask_reporter(
            case_store(session), officer, tip.id, "  Anh/chị nhớ biển số xe không? "
        )
        await cases.verify(case_store(session), officer, tip.id)
        # Before the forward no decision deadline runs, and the decisions are not ours yet.
        with pytest.raises(errors.Invalid) as unforwarded:
            await cases.extend_deadline(
                case_store(session), officer, tip.id, "Cần xác minh thêm", now=NOW
            )
        assert unforwarded.value.code == "extension_none"
        with pytest.raises(errors.Invalid) as undecided:
            await cases.close(case_store(session), officer, tip.id, "not_prosecuted", now=NOW)
        assert undecided.value.code == "decision_unforwarded"
        forwarded_at = NOW + timedelta(days=2)  # 27/11: the body's 20 days start
        await cases.forward(
            case_store(session),
            officer,
            tip.id,
            "Cơ quan Cảnh sát điều tra Công an thành phố Hà Nội",
            now=forwarded_at,
        )
        after_forward = await cw.tip_detail(session, officer, tip.id, today=TODAY)
        assert after_forward.decision_due == date(2026, 12, 17)
        later = NOW + timedelta(days=3)
        await cases.extend_deadline(
            case_store(session), officer, tip.id, "Cần xác minh thêm tại ngân hàng", now=later
        )
        extended = await cw.tip_detail(session, officer, tip.id, today=TODAY)
        assert extended.decision_due == date(2027, 1, 27)  # 2 months from the forward
        with pytest.raises(errors.Invalid) as alone:
            await cases.extend_deadline(
                case_store(session), officer, tip.id, "Chờ kết quả giám định", now=later
            )
        assert alone.value.code == "decision_number"
        await cases.extend_deadline(
            case_store(session),
            officer,
            tip.id,
            "Chờ kết quả giám định",
            decision_number="15/QĐ-VKS",
            decision_date=TODAY,
            now=later,
        )
        with pytest.raises(errors.Invalid) as third:
            await cases.extend_deadline(
                case_store(session), officer, tip.id, "Lần thứ ba", now=later
            )
        assert third.value.code == "extension_limit"
        with pytest.raises(errors.Invalid):
            await cases.close(case_store(session), officer, tip.id, "whatever")
        await cases.add_note(case_store(session), officer, tip.id, "Đã gọi ngân hàng")
        sealer = runtime.sealer(world.settings)
        with pytest.raises(errors.Invalid):
            await cases.reveal_identity(case_store(session), officer, tip.id, "ok", sealer)
        contact = await cases.reveal_identity(
            case_store(session), officer, tip.id, "Cần mời làm việc", sealer, ip="10.0.0.1"
        )
        assert contact == Contact("Nguyễn Văn A", "0912345678")
        await cases.close(
            case_store(session),
            officer,
            tip.id,
            "not_prosecuted",
            "Đã xử lý",
            now=NOW + timedelta(days=5),
        )
        await session.commit()
        detail = await cw.tip_detail(session, officer, tip.id)
        audit = (await session.execute(select(AuditLog).order_by(AuditLog.id))).scalars().all()
        sent = (
            (
                await session.execute(
                    select(OutboxMessage.kind).where(OutboxMessage.tip_id == tip.id)
                )
            )
            .scalars()
            .all()
        )
    assert detail.status is TipStatus.CLOSED and detail.resolution == "not_prosecuted"
    assert detail.extension_decision == "15/QĐ-VKS" and detail.extension_decision_on == TODAY
    assert detail.extensions == 2 and detail.decision_due == date(2027, 3, 27)
    assert detail.forwarded_at == forwarded_at and detail.decided_at == NOW + timedelta(days=5)
    assert detail.outcome_due == date(2026, 12, 3) and detail.allowed == {
        rules.Action.NOTE,
        rules.Action.REVEAL,
    }
    assert detail.acknowledged_at == NOW + timedelta(hours=1)
    kinds = [(e.kind, e.visibility) for e in detail.timeline]
    assert ("question", Visibility.REPORTER) in kinds and ("note", Visibility.INTERNAL) in kinds
    assert ("revealed", Visibility.INTERNAL) in kinds
    assert all("0912345678" not in e.body for e in detail.timeline)
    actions = [(a.action, a.detail) for a in audit if a.subject == tip.code]
    assert ("tip.status", "new>acknowledged") in actions
    assert ("tip.status", "verifying>forwarded") in actions
    assert ("tip.status", "forwarded>closed") in actions
    assert [a.reason for a in audit if a.action == "tip.reveal"] == ["Cần mời làm việc"]
    assert sorted(sent) == [
        "tip.acknowledged",
        "tip.closed",
        "tip.extended",
        "tip.extended",
        "tip.forwarded",
        "tip.question",
    ]


async def test_anonymous_tip_has_nothing_to_reveal_and_officers_only_take(world: World) -> None:
    tip = await world.tip(COMMUNE_A)
    async with world.session() as session:
        officer = world.users["officer_a"]
        detail = await cw.tip_detail(session, officer, tip.id)
        assert (
            rules.Action.REVEAL not in detail.allowed and rules.Action.ASSIGN not in detail.allowed
        )
        with pytest.raises(errors.Invalid) as anonymous:
            await cases.reveal_identity(
                case_store(session),
                officer,
                tip.id,
                "Cần mời làm việc",
                runtime.sealer(world.settings),
            )
        assert anonymous.value.code == "anonymous"
        await cases.take(case_store(session), officer, tip.id)
        detail = await cw.tip_detail(session, world.users["officer_a2"], tip.id)
        assert detail.assignee == world.usernames["officer_a"]
        mine = await cw.queue(session, officer, cw.QueueFilter(assignee="me"))
        assert [i.code for i in mine.items] == [tip.code]
        people = await cases.colleagues(case_store(session), world.users["chief_a"], COMMUNE_A)
        assert {p.username for p in people} == {
            world.usernames[k] for k in ("officer_a", "officer_a2", "chief_a")
        }
        with pytest.raises(errors.NotFound):
            await cases.colleagues(case_store(session), world.users["chief_a"], COMMUNE_B)
        rows = await cw.export_rows(session, world.users["officer_b"], cw.QueueFilter(status="all"))
        assert rows == []


async def test_related_tips_share_a_number_and_stay_in_scope(world: World) -> None:
    from content import scamcheck
    from storage.indicators import SqlIndicators

    text = "Số 0912 345 678 gọi, bảo chuyển vào tài khoản"
    first = await world.tip(COMMUNE_A, description=text)
    second = await world.tip(COMMUNE_A, description="Lại số 0912345678 gọi")
    elsewhere = await world.tip(COMMUNE_B, description="0912345678 gọi tôi")
    unrelated = await world.tip(COMMUNE_A, description="Không có số nào")
    async with world.session() as session:
        indicators = SqlIndicators(session)
        for tip in (first, second, elsewhere):
            found = scamcheck.extract("0912345678").found()
            await indicators.report_from_tip(tip.id, found, NOW)
        await session.commit()
        detail = await cw.tip_detail(session, world.users["officer_a"], first.id)
        province = await cw.tip_detail(session, world.users["admin_01"], first.id)
        alone = await cw.tip_detail(session, world.users["officer_a"], unrelated.id)
    assert [(r.code, r.shared) for r in detail.related] == [(second.code, ["+84912345678"])]
    assert {r.code for r in province.related} == {second.code, elsewhere.code}
    assert alone.related == []


async def test_status_counts_stop_at_the_cap(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(listing, "COUNT_CAP", 2)  # where the counts stop
    monkeypatch.setattr(cw, "COUNT_CAP", 2)  # and what the panel reads
    for _ in range(4):
        await world.tip(COMMUNE_B)
    async with world.session() as session:
        counts = await cw.status_counts(session, world.users["officer_b"], cw.QueueFilter())
    assert counts["new"] == 3 and counts["closed"] == 0  # 3 = "more than 2"
    client = await world.client("officer_b")
    queue = await client.get("/admin/tips")
    assert "2+" in queue.text


async def test_a_search_with_too_many_matches_is_not_counted(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "SEARCH_COUNT_CAP", 2)
    for _ in range(3):
        await world.tip(COMMUNE_B, description="xe máy bị lấy trộm")
    await world.tip(COMMUNE_B, description="mất ví ở chợ")
    officer = world.users["officer_b"]
    async with world.session() as session:
        assert await cw.status_counts(session, officer, cw.QueueFilter(q="xe may")) is None
        few = await cw.status_counts(session, officer, cw.QueueFilter(q="cho"))
    assert few is not None and few["new"] == 1
    client = await world.client("officer_b")
    page = await client.get("/admin/tips", params={"q": "xe may"})
    assert page.status_code == 200 and 'class="count"' not in page.text
    assert page.text.count('class="tip ') == 3


async def test_an_overdue_decision_cannot_be_extended(world: World) -> None:
    tip = await world.tip(COMMUNE_A, received=NOW - timedelta(days=40))
    officer = world.users["officer_a"]
    async with world.session() as session:
        await cases.acknowledge(case_store(session), officer, tip.id, now=NOW - timedelta(days=39))
        # Not forwarded: no decision deadline, so nothing to extend, however early.
        early = await cw.tip_detail(session, officer, tip.id, today=TODAY - timedelta(days=39))
        assert early.decision_due is None and rules.Action.EXTEND not in early.allowed
        with pytest.raises(errors.Invalid) as none:
            await cases.extend_deadline(
                case_store(session),
                officer,
                tip.id,
                "Cần thêm thời gian",
                now=NOW - timedelta(days=39),
            )
        assert none.value.code == "extension_none"
        await cases.forward(
            case_store(session),
            officer,
            tip.id,
            "Cơ quan Cảnh sát điều tra Công an thành phố Hà Nội",
            now=NOW - timedelta(days=39),
        )
        detail = await cw.tip_detail(session, officer, tip.id, today=TODAY)
        assert detail.decision_due == date(2026, 11, 6)  # 17/10 + 20 days
        assert rules.Action.EXTEND not in detail.allowed
        with pytest.raises(errors.Invalid) as late:
            await cases.extend_deadline(
                case_store(session), officer, tip.id, "Cần thêm thời gian", now=NOW
            )
        assert late.value.code == "extension_late"
        before = await cw.tip_detail(session, officer, tip.id, today=TODAY - timedelta(days=25))
        assert rules.Action.EXTEND in before.allowed


async def test_a_search_reads_the_queue_first_then_the_index(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both ways a search finds its page (the next tips of the queue, or the search index
    when they hold less than a page) give the same tips in the same order, page by page."""
    monkeypatch.setattr(search, "SEARCH_WINDOW", 3)
    received = [NOW - timedelta(days=d) for d in range(8)]
    common = [
        await world.tip(COMMUNE_B, received=r, description="xe máy bị trộm") for r in received
    ]
    rare = await world.tip(COMMUNE_B, received=NOW + timedelta(days=3), description="ví da màu nâu")
    for label in ("officer_b", "admin_01"):
        found = await _all_pages(world, label, cw.QueueFilter(q="xe may"), limit=2)
        assert sorted(found) == sorted(t.code for t in common)
        for window in (1, 10**6):  # the index every time; the whole queue in one window
            monkeypatch.setattr(search, "SEARCH_WINDOW", window)
            assert await _all_pages(world, label, cw.QueueFilter(q="xe may"), limit=2) == found
        monkeypatch.setattr(search, "SEARCH_WINDOW", 3)
        assert await _all_pages(world, label, cw.QueueFilter(q="vi da"), limit=2) == [rare.code]
