"""The contract of the Tips port, run against the in-memory unit of work and the SQL one on
SQLite and PostgreSQL (tests/integration/port_backends.py)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from handlers import deadlines
from handlers.ports import Rated
from handlers.receipt import hash_pin, new_code
from handlers.tipmodel import AttachmentIn, PinCheck, TipDraft, TipView, Visibility
from handlers.tips.words import TipStatus
from storage.owners import Owners
from tests.conftest import PIN_SECRET, SEALER
from tests.integration.port_backends import Backend, Work

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
PIN = "482913"


def draft(**changes: object) -> TipDraft:
    found = TipDraft("theft_robbery", "Hai người lạ lấy trộm xe đạp", "00004", "01")
    for name, value in changes.items():
        setattr(found, name, value)
    return found


async def resident(backend: Backend) -> str:
    async with backend.work() as uow:
        profile = await uow.residents.for_identity("test", "acc", uuid.uuid4().hex)
        await uow.commit()
    return profile.resident_id


async def submit(
    uow: Work,
    resident_id: str,
    *,
    key: str = "",
    tip: TipDraft | None = None,
    now: datetime = NOW,
    codes: Callable[[], str] = new_code,
) -> tuple[TipView, bool]:
    return await uow.tips.submit(
        submission_key=key or uuid.uuid4().hex,
        resident_id=resident_id,
        draft=tip or draft(),
        pin=PIN,
        deadlines=deadlines.initial(now, frozenset()),
        now=now,
        new_code=codes,
    )


async def stored_tip(
    backend: Backend, resident_id: str, tip: TipDraft | None = None, now: datetime = NOW
) -> TipView:
    async with backend.work() as uow:
        view, created = await submit(uow, resident_id, tip=tip, now=now)
        assert created
        await uow.commit()
    return view


async def test_a_tip_is_there_after_commit_and_gone_after_rollback(backend: Backend) -> None:
    me = await resident(backend)
    async with backend.work() as uow:
        gone, created = await submit(uow, me, key="draft-gone")
        assert created and gone.status is TipStatus.NEW and gone.created_at == NOW
        due = deadlines.initial(NOW, frozenset())
        assert (gone.category, gone.urgent) == ("theft_robbery", False)
        assert (gone.ack_due, gone.decision_due) == (due.ack_due, due.decision_due)
        await uow.rollback()
    async with backend.work() as uow:
        assert await uow.tips.view(gone.id) is None
        assert await uow.tips.pin_check(gone.code) is None
        assert await uow.tips.find_submission("draft-gone") is None
        assert await uow.tips.count_since(me, NOW) == 0
        kept, _ = await submit(uow, me, key="draft-kept")
        await uow.commit()
    async with backend.work() as uow:
        assert await uow.tips.view(kept.id) == kept
        assert await uow.tips.find_submission("draft-kept") == kept


async def test_a_draft_is_one_tip_and_a_taken_code_is_drawn_again(backend: Backend) -> None:
    me = await resident(backend)
    taken, fresh, spare = new_code(), new_code(), new_code()
    codes = iter([taken, taken, fresh, spare])
    async with backend.work() as uow:
        first, created = await submit(uow, me, key="one", codes=lambda: next(codes))
        second, created_again = await submit(uow, me, key="two", codes=lambda: next(codes))
        assert created and created_again and (first.code, second.code) == (taken, fresh)
        await uow.commit()
    async with backend.work() as uow:
        again, created = await submit(uow, me, key="one", codes=lambda: next(codes))
        assert not created and again == first
        assert [t.code for t in await uow.tips.of_resident(me)] in (
            [taken, fresh],
            [fresh, taken],  # the same moment: either order
        )


async def test_no_free_code_after_several_draws_is_an_error(backend: Backend) -> None:
    me = await resident(backend)
    code = (await stored_tip(backend, me)).code
    drawn: list[str] = []

    def taken() -> str:
        drawn.append(code)
        return code

    async with backend.work() as uow:
        with pytest.raises(RuntimeError, match="no free receipt code"):
            await submit(uow, me, codes=taken)
    assert len(drawn) == 8  # eight draws, then it gives up


async def test_what_a_named_urgent_tip_stores(backend: Backend) -> None:
    me = await resident(backend)
    photo = AttachmentIn("photo", "blob:" + "ab" * 32, "image/jpeg", 17, "ab" * 32, NOW)
    tip = draft(
        anonymous=False,
        contact_name="Nguyễn Văn An",
        contact_phone="+84912345678",
        urgent=True,
        incident_when="date",
        incident_date=date(2026, 11, 20),
        address="Số 12 ngõ 5 phố Đội Cấn",
        lat=21.0333,
        lon=105.8145,
        details={"suspects": "Hai thanh niên"},
        attachments=[photo],
    )
    view = await stored_tip(backend, me, tip=tip)
    row = await backend.peek.tip(view.code)
    assert SEALER.open(row.contact_sealed) == {"name": "Nguyễn Văn An", "phone": "+84912345678"}
    assert "Nguyễn" not in row.contact_sealed and "0912" not in row.contact_sealed
    assert row.pin_hash == hash_pin(PIN_SECRET, view.code, PIN) and PIN not in row.pin_hash
    # Issue 18: the resident only behind the key: a keyed reference and the id sealed.
    assert (row.resident_id, row.status, row.urgent, row.anonymous) == (None, "new", True, False)
    assert row.owner_ref == Owners.of(SEALER).ref(me) and me not in row.owner_ref
    assert Owners.of(SEALER).open(row.reporter_sealed) == me and me not in row.reporter_sealed
    assert (row.category, row.description) == ("theft_robbery", "Hai người lạ lấy trộm xe đạp")
    assert (row.commune_code, row.province_code, row.address) == tip_place(tip)
    assert (row.incident_when, row.incident_date) == ("date", date(2026, 11, 20))
    assert row.lat == pytest.approx(21.0333) and row.lon == pytest.approx(105.8145)
    assert row.details == {"suspects": "Hai thanh niên"}
    due = deadlines.initial(NOW, frozenset())
    # No decision deadline runs before the forward: SQL keeps the sentinel, memory None.
    decision = None if row.decision_due == deadlines.NO_DUE else row.decision_due
    assert (row.received_on, row.ack_due, decision) == (
        due.received_on,
        due.ack_due,
        due.decision_due,
    )
    assert row.forward_due == due.forward_due == date(2026, 11, 30)
    assert (row.extensions, row.next_due, row.created_at, row.updated_at) == (
        0,
        due.ack_due,
        NOW,
        NOW,
    )
    assert (row.pin_failures, row.pin_locked_until, row.rating, row.resolution) == (
        0,
        None,
        None,
        "",
    )
    [kept] = await backend.peek.tip_attachments(view.id)
    assert (kept.kind, kept.ref, kept.mime, kept.size, kept.sha256, kept.received_at) == (
        "photo",
        photo.ref,
        "image/jpeg",
        17,
        "ab" * 32,
        NOW,
    )
    events = await backend.peek.tip_events(view.id)
    assert [(e.kind, e.visibility, e.body, e.at) for e in events] == [
        ("created", "reporter", "", NOW),
        ("urgent", "internal", "", NOW),
    ]


def tip_place(tip: TipDraft) -> tuple[str, str, str]:
    return tip.commune_code, tip.province_code, tip.address


async def test_an_anonymous_tip_stores_no_contact(backend: Backend) -> None:
    me = await resident(backend)
    view = await stored_tip(backend, me, tip=draft(contact_name="Ai đó", contact_phone="0912"))
    row = await backend.peek.tip(view.code)
    assert row.anonymous and row.contact_sealed == ""
    assert await backend.peek.tip_attachments(view.id) == []
    assert [e.kind for e in await backend.peek.tip_events(view.id)] == ["created"]


async def test_tips_are_counted_per_resident_from_a_moment_on(backend: Backend) -> None:
    me, other = await resident(backend), await resident(backend)
    for hours in (2, 1, 0):
        await stored_tip(backend, me, now=NOW - timedelta(hours=hours))
    await stored_tip(backend, other)
    async with backend.work() as uow:
        assert await uow.tips.count_since(me, NOW - timedelta(hours=1)) == 2  # from, inclusive
        assert await uow.tips.count_since(me, NOW - timedelta(days=1)) == 3
        assert await uow.tips.count_since(me, NOW + timedelta(seconds=1)) == 0
        assert await uow.tips.count_since(other, NOW - timedelta(days=1)) == 1


async def test_a_residents_tips_newest_first_up_to_the_limit(backend: Backend) -> None:
    me, other = await resident(backend), await resident(backend)
    old = await stored_tip(backend, me, now=NOW - timedelta(days=2))
    new = await stored_tip(backend, me, now=NOW)
    middle = await stored_tip(backend, me, now=NOW - timedelta(days=1))
    theirs = await stored_tip(backend, other)
    async with backend.work() as uow:
        assert await uow.tips.of_resident(me) == [new, middle, old]
        assert await uow.tips.of_resident(me, limit=2) == [new, middle]
        assert await uow.tips.of_resident(other) == [theirs]
        assert await uow.tips.of_resident(str(uuid.uuid4())) == []


async def test_a_tip_is_shown_only_to_its_reporter(backend: Backend) -> None:
    me, other = await resident(backend), await resident(backend)
    mine = await stored_tip(backend, me)
    async with backend.work() as uow:
        assert await uow.tips.view(mine.id) == mine
        assert await uow.tips.view(mine.id, resident_id=me) == mine
        assert await uow.tips.view(mine.id, resident_id=other) is None
        assert await uow.tips.view(str(uuid.uuid4())) is None
        assert await uow.tips.view_by_code(mine.code, me) == mine
        assert await uow.tips.view_by_code(mine.code, other) is None
        assert await uow.tips.view_by_code(new_code(), me) is None


async def test_pin_checks_keep_failures_and_a_lock(backend: Backend) -> None:
    me = await resident(backend)
    tip = await stored_tip(backend, me)
    digest = hash_pin(PIN_SECRET, tip.code, PIN)
    locked = NOW + timedelta(minutes=1)
    async with backend.work() as uow:
        assert await uow.tips.pin_check(tip.code) == PinCheck(tip.id, tip.code, digest, 0, None)
        assert await uow.tips.pin_check(new_code()) is None
        await uow.tips.set_pin_failures(tip.id, 3, locked)
        await uow.tips.set_pin_failures(str(uuid.uuid4()), 3, locked)  # no such tip: nothing
        await uow.commit()
    async with backend.work() as uow:
        assert await uow.tips.pin_check(tip.code) == PinCheck(tip.id, tip.code, digest, 3, locked)
        await uow.tips.set_pin_failures(tip.id, 0, None)
        await uow.commit()
    async with backend.work() as uow:
        assert await uow.tips.pin_check(tip.code) == PinCheck(tip.id, tip.code, digest, 0, None)


async def timeline_of(backend: Backend, tip_id: str) -> list[tuple[str, str]]:
    async with backend.work() as uow:
        return [(e.kind, e.body) for e in await uow.tips.reporter_timeline(tip_id)]


async def test_the_reporter_sees_only_their_entries_in_time_order(backend: Backend) -> None:
    me = await resident(backend)
    tip = await stored_tip(backend, me)
    hour = timedelta(hours=1)
    async with backend.work() as uow:
        add = uow.tips.add_event
        await add(tip.id, NOW + 2 * hour, "update", Visibility.REPORTER, "later")
        await add(tip.id, NOW + hour, "note", Visibility.INTERNAL, "nghi phạm số 2 là X")
        await add(tip.id, NOW + hour, "update", Visibility.REPORTER, "earlier")
        await add(tip.id, NOW + 3 * hour, "update", Visibility.REPORTER, "same time, first")
        await add(tip.id, NOW + 3 * hour, "acknowledged", Visibility.REPORTER)
        await uow.commit()
    assert await timeline_of(backend, tip.id) == [
        ("created", ""),
        ("update", "earlier"),
        ("update", "later"),
        ("update", "same time, first"),
        ("acknowledged", ""),
    ]
    internal = await backend.peek.tip_events(tip.id, "note")
    assert [(e.visibility, e.body) for e in internal] == [("internal", "nghi phạm số 2 là X")]


async def test_an_event_rolled_back_is_not_on_the_timeline(backend: Backend) -> None:
    tip = await stored_tip(backend, await resident(backend))
    async with backend.work() as uow:
        await uow.tips.add_event(tip.id, NOW, "update", Visibility.REPORTER, "never sent")
        await uow.rollback()
    assert await timeline_of(backend, tip.id) == [("created", "")]


async def test_timeline_times_come_back_as_stored(backend: Backend) -> None:
    # SQLite hands back zone-less times; without storage.db.utc "my tips" showed them in the
    # server's local time zone.
    tip = await stored_tip(backend, await resident(backend))
    async with backend.work() as uow:
        await uow.tips.add_event(tip.id, NOW + timedelta(hours=1), "update", Visibility.REPORTER)
        await uow.commit()
    async with backend.work() as uow:
        entries = await uow.tips.reporter_timeline(tip.id)
    assert [e.at for e in entries] == [NOW, NOW + timedelta(hours=1)]
    assert all(e.at.tzinfo is not None for e in entries)


async def test_a_reporter_answer_goes_on_the_timeline_and_marks_the_tip(
    backend: Backend,
) -> None:
    tip = await stored_tip(backend, await resident(backend))
    later = NOW + timedelta(hours=5)
    async with backend.work() as uow:
        await uow.tips.add_reporter_answer(tip.id, "Xe Honda Wave màu đỏ", later)
        await uow.commit()
    assert await timeline_of(backend, tip.id) == [
        ("created", ""),
        ("reporter_answer", "Xe Honda Wave màu đỏ"),
    ]
    row = await backend.peek.tip(tip.code)
    assert (row.reporter_replied_at, row.updated_at) == (later, later)


async def test_a_closed_tip_is_rated_once(backend: Backend) -> None:
    tip = await stored_tip(backend, await resident(backend))
    later = NOW + timedelta(days=3)
    async with backend.work() as uow:
        assert await uow.tips.rate(tip.id, 4, later) == Rated(False, None)  # not closed yet
        assert await uow.tips.rate(str(uuid.uuid4()), 4, later) == Rated(False, None)
        await uow.commit()
    assert await backend.peek.tip_events(tip.id, "rating") == []
    await backend.peek.change_tip(tip.id, status="closed", resolution="handled")
    async with backend.work() as uow:
        assert await uow.tips.rate(tip.id, 4, later) == Rated(True, 4)
        assert await uow.tips.rate(tip.id, 1, later) == Rated(False, 4)
        await uow.commit()
    async with backend.work() as uow:
        assert await uow.tips.rate(tip.id, 2, later) == Rated(False, 4)
    row = await backend.peek.tip(tip.code)
    assert (row.rating, row.updated_at) == (4, later)
    ratings = await backend.peek.tip_events(tip.id, "rating")
    assert [(e.visibility, e.body, e.at) for e in ratings] == [("reporter", "4", later)]
