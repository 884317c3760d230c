"""The contract of the casework port (handlers/casework/ports.py), run against the in-memory
store and the SQL one on SQLite and PostgreSQL (casework_backends.py): the use-case tests in
tests/unit/test_casework_use_cases.py run on the in-memory store, so it must answer as the SQL
one does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from handlers.audit import AuditAction
from handlers.errors import Forbidden, NotFound
from handlers.notices import Notice
from handlers.people import AdminRole
from handlers.tipmodel import Visibility
from handlers.tips.words import Protection, TipStatus, Track
from tests.fakes.memory_casework import new_tip
from tests.integration.casework_backends import (
    CaseBackend,
    MemoryBackend,
    Seen,
    SqlBackend,
    new_commune,
)
from tests.integration.port_backends import contract_backend

NOW = datetime(2026, 11, 24, 2, 30, tzinfo=UTC)


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def cases(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[CaseBackend]:
    async with contract_backend(request, tmp_path, MemoryBackend, SqlBackend) as found:
        yield found


async def test_load_finds_a_tip_in_the_area_by_id_or_any_case_of_its_code(
    cases: CaseBackend,
) -> None:
    commune = new_commune()
    tip = await cases.tip(new_tip(commune, "01"))
    officer = await cases.user(AdminRole.OFFICER, commune, "01")
    chief = await cases.user(AdminRole.CHIEF, commune, "01")
    province = await cases.user(AdminRole.PROVINCE_ADMIN, "", "01")
    async with cases.work() as work:
        for who in (officer, chief, province):
            for key in (tip.id, tip.code, tip.code.lower(), f"  {tip.code} "):
                found = await work.store.load(who, key)
                assert (found.id, found.code, found.status) == (tip.id, tip.code, TipStatus.NEW)
        assert found.has_reporter and found.contact_sealed == ""
        assert found.deadlines.decision_due == tip.decision_due


async def test_outside_the_area_is_not_found_and_a_leader_is_forbidden(
    cases: CaseBackend,
) -> None:
    commune = new_commune()
    tip = await cases.tip(new_tip(commune, "01"))
    strangers = [
        await cases.user(AdminRole.OFFICER, new_commune(), "01"),
        await cases.user(AdminRole.CHIEF, new_commune(), "01"),
        await cases.user(AdminRole.PROVINCE_ADMIN, "", "79"),
    ]
    leader = await cases.user(AdminRole.LEADER, commune, "01")
    async with cases.work() as work:
        for who in strangers:
            for key in (tip.id, tip.code):
                with pytest.raises(NotFound):
                    await work.store.load(who, key)
        for key in ("", "   ", "X" * 500, tip.code + "X"):
            with pytest.raises(NotFound):
                await work.store.load(strangers[0], key)
        with pytest.raises(Forbidden):
            await work.store.load(leader, tip.id)


async def test_save_keeps_what_changed_only_once_committed(cases: CaseBackend) -> None:
    commune = new_commune()
    tip = await cases.tip(new_tip(commune, "01"))
    chief = await cases.user(AdminRole.CHIEF, commune, "01")
    changed = replace(
        tip,
        status=TipStatus.CLOSED,
        urgent=True,
        assignee_id=chief.id,
        decision_due=date(2027, 1, 23),
        extensions=1,
        outcome_due=date(2026, 12, 1),
        next_due=date(2026, 11, 24),
        acknowledged_at=NOW,
        closed_at=NOW,
        resolution="handled",
        resolution_note="Đã xử lý xong",
        forwarded_to="Cơ quan CSĐT",
        updated_at=NOW,
    )
    async with cases.work() as work:
        loaded = await work.store.load(chief, tip.id, for_update=True)
        await work.store.save(replace(changed, id=loaded.id))
        assert (await work.store.load(chief, tip.id)).urgent  # the unit sees its own write
    assert await cases.stored(tip.id) == tip  # never committed: nothing kept
    async with cases.work() as work:
        await work.store.load(chief, tip.id, for_update=True)
        await work.store.save(changed)
        await work.commit()
    assert await cases.stored(tip.id) == changed


async def test_the_tracks_fields_are_kept_as_written(cases: CaseBackend) -> None:
    """Issue 17: the track, the forward deadline and its forwarding, the procuracy's
    decision, the mediation team and the protection asked for go and come back unchanged; a
    track with no decision deadline has none (SQL stores a sentinel, never shown)."""
    commune = new_commune()
    tip = await cases.tip(
        new_tip(commune, "01", track=Track.MEDIATION, decision_due=None, forward_due=None)
    )
    officer = await cases.user(AdminRole.OFFICER, commune, "01")
    async with cases.work() as work:
        loaded = await work.store.load(officer, tip.id)
        assert (loaded.track, loaded.decision_due, loaded.forward_due) == (
            Track.MEDIATION,
            None,
            None,
        )
    changed = replace(
        tip,
        track=Track.CRIME,
        status=TipStatus.FORWARDED,
        decision_due=date(2027, 3, 23),
        forward_due=date(2026, 11, 30),
        extensions=2,
        extension_decision="07/QĐ-VKS",
        extension_decision_on=date(2027, 1, 19),
        forwarded_at=NOW,
        decided_at=NOW,
        resumed_at=NOW,
        missed=frozenset({"ack", "forward"}),
        forwarded_to="Cơ quan CSĐT Công an tỉnh",
        mediation_team="Tổ hòa giải số 2",
        protection=Protection.THREATENED,
        updated_at=NOW,
    )
    async with cases.work() as work:
        await work.store.load(officer, tip.id, for_update=True)
        await work.store.save(changed)
        await work.commit()
    assert await cases.stored(tip.id) == changed
    back = replace(changed, decision_due=None, track=Track.FIRE_RISK)
    async with cases.work() as work:
        await work.store.load(officer, tip.id, for_update=True)
        await work.store.save(back)
        await work.commit()
    assert (await cases.stored(tip.id)).decision_due is None


async def test_colleagues_are_the_active_officers_and_chiefs_of_the_commune(
    cases: CaseBackend,
) -> None:
    commune = new_commune()
    officer = await cases.user(AdminRole.OFFICER, commune, "01")
    chief = await cases.user(AdminRole.CHIEF, commune, "01")
    await cases.user(AdminRole.OFFICER, commune, "01", active=False)
    await cases.user(AdminRole.LEADER, commune, "01")
    await cases.user(AdminRole.OFFICER, new_commune(), "01")
    await cases.user(AdminRole.PROVINCE_ADMIN, "", "01")
    async with cases.work() as work:
        found = await work.store.colleagues(commune)
    assert [c.id for c in found] == [
        u.id for u in sorted((officer, chief), key=lambda u: u.username)
    ]
    assert {c.role for c in found} == {AdminRole.OFFICER, AdminRole.CHIEF}
    async with cases.work() as work:
        assert await work.store.colleagues(new_commune()) == []


async def test_timeline_audit_and_notices_are_written_with_the_unit(cases: CaseBackend) -> None:
    commune = new_commune()
    tip = await cases.tip(new_tip(commune, "01"))
    officer = await cases.user(AdminRole.OFFICER, commune, "01")
    async with cases.work() as work:
        tip = await work.store.load(officer, tip.id, for_update=True)
        await work.store.add_event(tip, "note", Visibility.INTERNAL, "bỏ đi", officer, NOW)
        await work.store.audit(officer, AuditAction.TIP_STATUS, tip, detail="x", now=NOW)
        await work.store.notify(tip, Notice.ACKNOWLEDGED, {}, NOW)
    assert await cases.events(tip.id) == [] and await cases.audits(tip.code) == []
    assert await cases.notices(tip.id) == []
    async with cases.work() as work:
        tip = await work.store.load(officer, tip.id, for_update=True)
        first = await work.store.add_event(
            tip, "question", Visibility.REPORTER, "Khi nào?", officer, NOW
        )
        second = await work.store.add_event(tip, "note", Visibility.INTERNAL, "", None, NOW)
        await work.store.audit(
            officer, AuditAction.TIP_REVEAL, tip, reason="Cần mời làm việc", ip="10.0.0.1", now=NOW
        )
        await work.store.notify(
            tip, Notice.QUESTION, {"question": "Khi nào?", "event_id": first}, NOW
        )
        await work.commit()
    assert first != second and first.isdigit() and second.isdigit()
    assert await cases.events(tip.id) == [
        Seen("question", "Khi nào?", officer.username, "reporter"),
        Seen("note", "", "", "internal"),
    ]
    assert await cases.audits(tip.code) == [
        Seen("tip.reveal", "", officer.username, "Cần mời làm việc|10.0.0.1")
    ]
    params = repr(sorted({"question": "Khi nào?", "event_id": first}.items()))
    assert await cases.notices(tip.id) == [Seen("tip.question", params, "", tip.code)]


async def test_a_tip_without_a_reporter_queues_no_notice(cases: CaseBackend) -> None:
    commune = new_commune()
    tip = await cases.tip(new_tip(commune, "01", has_reporter=False))
    officer = await cases.user(AdminRole.OFFICER, commune, "01")
    async with cases.work() as work:
        tip = await work.store.load(officer, tip.code)
        assert not tip.has_reporter
        await work.store.notify(tip, Notice.CLOSED, {"resolution": "handled"}, NOW)
        await work.commit()
    assert await cases.notices(tip.id) == []


async def test_sealed_contact_comes_back_only_for_a_reporter_who_left_one(
    cases: CaseBackend,
) -> None:
    commune = new_commune()
    sealed = await cases.tip(new_tip(commune, "01", contact_sealed="gAAAA-sealed"))
    anonymous = await cases.tip(new_tip(commune, "01"))
    officer = await cases.user(AdminRole.OFFICER, commune, "01")
    async with cases.work() as work:
        assert (await work.store.load(officer, sealed.id)).contact_sealed == "gAAAA-sealed"
        assert (await work.store.load(officer, anonymous.id)).contact_sealed == ""
