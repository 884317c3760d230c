"""Issue 17: tips run on the procedure that applies to them. The tracks' use cases on the
in-memory store (the same World as test_casework_use_cases.py), the deadlines each track
counts, and the legal rules pack that holds them with their sources."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from content import legal, tips
from content.schema.base import PackError, load
from content.schema.legal import Known, LegalRules
from handlers import casework as cases
from handlers import deadlines as law
from handlers.casework import rules
from handlers.casework.ports import CaseTip
from handlers.casework.rules import Action
from handlers.errors import BadInput, Conflict, Invalid
from handlers.notices import Notice
from handlers.tipmodel import Visibility
from handlers.tips.words import OUTCOMES, Protection, Resolution, TipStatus, Track
from tests.unit.test_casework_use_cases import NOW, World

TODAY = date(2026, 11, 24)


@pytest.fixture
def world() -> World:
    return World()


# --- the pack ---


def test_every_category_starts_on_a_track_and_the_sensitive_ones_not_on_crime() -> None:
    assert legal.problems() == []
    assert {t.id for t in legal.rules().tracks} == {t.value for t in Track}
    for category in tips.categories():
        assert legal.track_of(category.id) in {t.value for t in Track}
    assert legal.track_of("neighbourhood_dispute") == "mediation"
    assert legal.track_of("domestic_violence_child_abuse") == "violence"
    assert legal.track_of("fire_risk") == "fire_risk"
    assert legal.track_of("fraud_phone") == "crime"
    assert legal.track_of("something_new") == "crime"  # the strictest when unsure


def test_every_rule_and_guidance_names_its_source_and_where_it_was_read() -> None:
    for track in legal.rules().tracks:
        for rule in track.rules:
            cited = legal.citation(rule.source, "vi")
            assert cited and rule.source.checked, (track.id, rule.id)
            if legal.document(rule.source.document).statutory:
                assert cited.startswith(("Khoản", "Điều", "Điểm")), cited
    forward = legal.rule("crime", "forward")
    assert forward is not None
    assert legal.citation(forward.source, "vi").startswith(
        "Điểm b khoản 5 Điều 8, Thông tư liên tịch"
    )
    assert "14/01/2022" in legal.citation(forward.source, "vi")  # the amended wording
    assert legal.citation(forward.source, "en").startswith("Art. 8(5)(b), Joint Circular")
    ack = legal.rule("crime", "ack")
    assert ack is not None and (ack.count, ack.n) == ("working_days", 3)
    assert legal.citation(ack.source, "vi").startswith("Khoản 1 Điều 14, Thông tư liên tịch")
    service = legal.rule("mediation", "ack")
    assert service is not None and "không phải quy định của pháp luật" in legal.citation(
        service.source, "vi"
    )


def _pack(tmp_path: Path, change: object) -> list[str]:
    raw = yaml.safe_load(legal.PATH.read_text(encoding="utf-8"))
    change(raw)  # type: ignore[operator]
    path = tmp_path / "legal_rules.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    known = Known(frozenset(c.id for c in tips.categories()))
    try:
        load(LegalRules, path, known)
    except PackError as exc:
        return list(exc.problems)
    return []


def _drop_ack(raw: dict) -> None:  # type: ignore[type-arg]
    raw["tracks"][1]["rules"] = [r for r in raw["tracks"][1]["rules"] if r["id"] != "ack"]


def _no_article(raw: dict) -> None:  # type: ignore[type-arg]
    del raw["tracks"][0]["rules"][0]["source"]["article"]
    del raw["tracks"][0]["rules"][0]["source"]["clause"]


def _unknown_document(raw: dict) -> None:  # type: ignore[type-arg]
    raw["tracks"][0]["rules"][2]["source"]["document"] = "nowhere"


def _twice(raw: dict) -> None:  # type: ignore[type-arg]
    raw["tracks"][1].setdefault("categories", []).append("fraud_phone")


def _unknown_category(raw: dict) -> None:  # type: ignore[type-arg]
    raw["tracks"][0]["categories"].append("ufo_sighting")


def _second_without_decision(raw: dict) -> None:  # type: ignore[type-arg]
    for r in raw["tracks"][0]["rules"]:
        if r["id"] == "extension_2":
            r["needs_decision"] = False


def _unchecked(raw: dict) -> None:  # type: ignore[type-arg]
    del raw["tracks"][0]["rules"][0]["source"]["checked"]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (_drop_ack, "every track has an ack rule"),
        (_no_article, "a legal source names its article"),
        (_unknown_document, "no document nowhere"),
        (_twice, "category fraud_phone is on two tracks"),
        (_unknown_category, "category ufo_sighting is no tip category"),
        (_second_without_decision, "extension_2 needs request_before_days and needs_decision"),
        (_unchecked, "checked: is missing"),
    ],
)
def test_a_broken_pack_is_refused_with_what_is_wrong(
    tmp_path: Path, change: object, problem: str
) -> None:
    found = _pack(tmp_path, change)
    assert any(problem in p for p in found), found


# --- deadlines per track ---


def test_each_track_counts_its_own_deadlines() -> None:
    received = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # Monday in Vietnam
    crime = law.initial(received, frozenset(), Track.CRIME)
    assert (crime.ack_due, crime.forward_due, crime.decision_due) == (
        date(2026, 11, 26),
        date(2026, 11, 30),
        None,  # the investigation body's, from the forwarding
    )
    sent = law.forwarded(crime, Track.CRIME, date(2026, 11, 27))
    assert sent.decision_due == date(2026, 12, 17)  # 20 days (CPC art. 147(1))
    assert law.forwarded(sent, Track.CRIME, date(2026, 12, 1)) == replace(
        sent, forwarded_on=date(2026, 12, 1)
    )  # forwarded again: the clock that runs stays
    urgent = law.initial(received, frozenset(), Track.CRIME, urgent=True)
    assert urgent.forward_due == date(2026, 11, 24)  # 24 hours: point a
    mediation = law.initial(received, frozenset(), Track.MEDIATION)
    # No forwarding by law; the service's own aim of an outcome within 30 days.
    assert (mediation.forward_due, mediation.decision_due) == (None, date(2026, 12, 23))
    violence = law.initial(received, frozenset(), Track.VIOLENCE, urgent=True)
    assert violence.ack_due == date(2026, 11, 23)  # the same day
    with pytest.raises(law.ExtensionNotAllowed):
        law.extend(mediation, Track.MEDIATION)


def test_the_next_deadline_is_the_earliest_still_to_be_met() -> None:
    d = law.initial(datetime(2026, 11, 23, 3, 0, tzinfo=UTC), frozenset(), Track.CRIME)
    assert law.next_due(TipStatus.NEW, d, acknowledged=False, forwarded=False) == (
        law.Due.ACK,
        d.ack_due,
    )
    acked = law.next_due(TipStatus.ACKNOWLEDGED, d, acknowledged=True, forwarded=False)
    assert acked == (law.Due.FORWARD, d.forward_due)
    d = law.forwarded(d, Track.CRIME, date(2026, 11, 25))
    sent = law.next_due(TipStatus.FORWARDED, d, acknowledged=True, forwarded=True)
    assert sent == (law.Due.DECISION, d.decision_due)
    assert law.next_due(TipStatus.SUSPENDED, d, acknowledged=True, forwarded=True) is None
    m = law.initial(datetime(2026, 11, 23, 3, 0, tzinfo=UTC), frozenset(), Track.MEDIATION)
    assert law.sort_key(TipStatus.MEDIATING, m, acknowledged=True, forwarded=False) == (
        m.decision_due
    )
    assert law.sort_key(TipStatus.SUSPENDED, d, acknowledged=True, forwarded=True) == law.NO_DUE
    assert rules.shown_due(law.NO_DUE) is None


# --- changing the track ---


async def test_a_dispute_moved_to_the_crime_track_counts_from_receipt_and_tells_the_reporter(
    world: World,
) -> None:
    tip = world.tip(
        track=Track.MEDIATION,
        decision_due=None,
        forward_due=None,
        status=TipStatus.ACKNOWLEDGED,
        acknowledged_at=NOW,
        next_due=law.NO_DUE,
    )
    await world.run(
        cases.change_track,
        world.officer,
        tip.id,
        "crime",
        "Có dấu hiệu cố ý gây thương tích",
        now=NOW,
    )
    moved = world.stored(tip)
    assert moved.track is Track.CRIME and moved.status is TipStatus.ACKNOWLEDGED
    # Counted from the day of receipt (23/11), not from the change; the decision is the
    # investigation body's, once forwarded.
    assert (moved.forward_due, moved.decision_due) == (date(2026, 11, 30), None)
    assert moved.next_due == date(2026, 11, 30)
    assert ("track", Visibility.REPORTER, "crime") in world.events(tip)
    assert (
        "track_reason",
        Visibility.INTERNAL,
        "Có dấu hiệu cố ý gây thương tích",
    ) in world.events(tip)
    assert ("tip.track", "officer_a", "mediation>crime") in world.audits(tip)
    assert world.notices(tip) == [Notice.TRACK_CHANGED]
    assert world.data.notices[-1].params == {"track": "crime"}


async def test_a_mediation_in_progress_moved_back_to_acknowledged(world: World) -> None:
    tip = world.tip(
        track=Track.MEDIATION,
        status=TipStatus.MEDIATING,
        mediation_team="Tổ hòa giải số 3",
        acknowledged_at=NOW,
    )
    await world.run(
        cases.change_track,
        world.officer,
        tip.id,
        "administrative",
        "Vi phạm hành chính",
        now=NOW,
    )
    moved = world.stored(tip)
    assert (moved.status, moved.mediation_team, moved.decision_due) == (
        TipStatus.ACKNOWLEDGED,
        "",
        date(2026, 12, 23),  # the service's 30 days for an outcome, from receipt
    )
    assert ("tip.status", "officer_a", "mediating>acknowledged") in world.audits(tip)


@pytest.mark.parametrize(
    ("changes", "args", "code"),
    [
        ({"status": TipStatus.CLOSED}, ("administrative", "Lý do đủ dài"), "closed"),
        ({"status": TipStatus.FORWARDED}, ("administrative", "Lý do đủ dài"), "track_locked"),
        ({"status": TipStatus.SUSPENDED}, ("administrative", "Lý do đủ dài"), "track_locked"),
        ({}, ("crime", "Lý do đủ dài"), "track_same"),
        ({}, ("criminal", "Lý do đủ dài"), "track"),
        ({}, ("administrative", "ok"), "reason"),
    ],
)
async def test_a_track_change_refused_changes_nothing(
    world: World, changes: dict[str, object], args: tuple[str, str], code: str
) -> None:
    tip = world.tip(**changes)  # type: ignore[arg-type]
    before = replace(world.stored(tip))
    with pytest.raises(Invalid) as refused:
        await world.run(cases.change_track, world.officer, tip.id, *args, now=NOW)
    assert refused.value.code == code
    assert world.stored(tip) == before and world.written() == (0, 0, 0)


# --- extensions ---


def _forwarded(world: World) -> CaseTip:
    """A crime report forwarded on 24/11: the investigation body decides by 14/12."""
    return world.tip(
        status=TipStatus.FORWARDED,
        acknowledged_at=NOW,
        forwarded_at=NOW,
        forwarded_to="Cơ quan CSĐT",
        decision_due=date(2026, 12, 14),
        next_due=date(2026, 12, 14),
    )


async def _first_extension(world: World, tip_id: str) -> None:
    await world.run(cases.extend_deadline, world.officer, tip_id, "Chờ giám định", now=NOW)


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({}, "decision_number"),
        ({"decision_number": "   "}, "decision_number"),
        ({"decision_number": "x" * 65, "decision_date": TODAY}, "decision_number"),
        ({"decision_number": "07/QĐ-VKS"}, "decision_date"),
        (
            {"decision_number": "07/QĐ-VKS", "decision_date": date(2026, 11, 25)},
            "decision_date_future",
        ),
        (
            {"decision_number": "07/QĐ-VKS", "decision_date": date(2026, 11, 1)},
            "decision_date_early",
        ),
        (
            {
                "decision_number": "07/QĐ-VKS",
                "decision_date": TODAY,
                "requested_on": date(2026, 12, 1),
            },
            "requested_on",
        ),
    ],
)
async def test_the_second_extension_needs_the_procuracy_decision(
    world: World, kw: dict[str, object], code: str
) -> None:
    tip = _forwarded(world)
    await _first_extension(world, tip.id)
    before, written = replace(world.stored(tip)), world.written()
    with pytest.raises(BadInput) as refused:
        await world.run(
            cases.extend_deadline, world.officer, tip.id, "Cần thêm thời gian", now=NOW, **kw
        )
    assert refused.value.code == code
    assert world.stored(tip) == before and world.written() == written


async def test_the_second_extension_is_asked_for_five_days_before_the_first_ends(
    world: World,
) -> None:
    # The first extension ends on 24/01/2027 (2 months from the forwarding); on 20/01 four
    # days are left.
    tip = _forwarded(world)
    await _first_extension(world, tip.id)
    late = datetime(2027, 1, 20, 3, 0, tzinfo=UTC)
    decision = {"decision_number": "07/QĐ-VKS", "decision_date": date(2027, 1, 20)}
    with pytest.raises(Conflict) as refused:
        await world.run(
            cases.extend_deadline, world.officer, tip.id, "Cần thêm", now=late, **decision
        )
    assert refused.value.code == "extension_request_late" and refused.value.params == {"days": 5}
    # Asked for in time (requested_on 19/01, five days before), decided later: accepted.
    await world.run(
        cases.extend_deadline,
        world.officer,
        tip.id,
        "Cần thêm",
        now=late,
        requested_on=date(2027, 1, 19),
        **decision,
    )
    second = world.stored(tip)
    assert (second.extensions, second.decision_due) == (2, date(2027, 3, 24))
    assert (second.extension_decision, second.extension_decision_on) == (
        "07/QĐ-VKS",
        date(2027, 1, 20),
    )
    assert ("extension_decision", Visibility.INTERNAL, "07/QĐ-VKS (2027-01-20)") in world.events(
        tip
    )
    assert ("tip.extend", "officer_a", "2:2027-03-24:07/QĐ-VKS") in world.audits(tip)


async def test_no_extension_of_a_service_deadline(world: World) -> None:
    tip = world.tip(track=Track.FIRE_RISK, decision_due=date(2026, 12, 8), forward_due=None)
    assert Action.EXTEND not in rules.allowed_actions(
        tip, assigned_to_me=True, takes_work=True, assigns_work=False, today=TODAY
    )
    with pytest.raises(Conflict) as refused:
        await world.run(cases.extend_deadline, world.officer, tip.id, "Cần thêm", now=NOW)
    assert refused.value.code == "extension_track"


# --- outcomes, suspension, resumption ---


@pytest.mark.parametrize(
    ("track", "resolution", "code"),
    [
        (Track.CRIME, "agreed", "resolution_track"),
        (Track.MEDIATION, "prosecuted", "resolution_track"),
        (Track.CRIME, "handled", "resolution_track"),  # no longer offered
        (Track.CRIME, "transferred", "transferred_unforwarded"),
        (Track.FIRE_RISK, "whatever", "resolution"),
    ],
)
async def test_an_outcome_must_belong_to_the_track(
    world: World, track: Track, resolution: str, code: str
) -> None:
    tip = world.tip(track=track)
    with pytest.raises(Invalid) as refused:
        await world.run(cases.close, world.officer, tip.id, resolution, now=NOW)
    assert refused.value.code == code
    assert world.stored(tip).status is TipStatus.NEW and world.written() == (0, 0, 0)


def test_every_track_offers_outcomes_and_transferred_and_duplicate() -> None:
    for track in Track:
        assert Resolution.TRANSFERRED in OUTCOMES[track]
        assert Resolution.DUPLICATE in OUTCOMES[track]
    assert set(OUTCOMES[Track.CRIME]) >= {
        Resolution.PROSECUTED,
        Resolution.NOT_PROSECUTED,
        Resolution.SUSPENDED,
    }
    assert Resolution.SUSPENDED not in OUTCOMES[Track.MEDIATION]


SUSPENDED_AT = datetime(2026, 12, 14, 3, 0, tzinfo=UTC)  # the last day of the 20


async def test_a_suspended_report_stays_open_and_resumes_within_a_month(world: World) -> None:
    tip = _forwarded(world)
    with pytest.raises(Conflict) as early:  # only once the time limit runs out (art. 148(1))
        await world.run(cases.close, world.officer, tip.id, "suspended", now=NOW)
    assert early.value.code == "suspension_early" and early.value.params == {"date": "14/12/2026"}
    await world.run(
        cases.close, world.officer, tip.id, "suspended", "Chờ giám định", now=SUSPENDED_AT
    )
    held = world.stored(tip)
    assert (held.status, held.resolution, held.closed_at) == (
        TipStatus.SUSPENDED,
        "suspended",
        None,
    )
    assert held.outcome_due == date(2026, 12, 15)  # to the reporter in 24 h (TT 28 art. 17(3))
    assert held.decided_at == SUSPENDED_AT and not held.missed  # decided on time
    assert held.next_due == law.NO_DUE  # no clock runs while suspended
    assert world.notices(tip) == [Notice.SUSPENDED]
    allowed = rules.allowed_actions(
        held, assigned_to_me=True, takes_work=True, assigns_work=False, today=TODAY
    )
    assert Action.RESUME in allowed and Action.CLOSE not in allowed and Action.EXTEND not in allowed
    later = SUSPENDED_AT + timedelta(days=20)  # 03/01/2027
    await world.run(cases.resume, world.officer, tip.id, "Đã có kết quả giám định", now=later)
    back = world.stored(tip)
    assert (back.status, back.resolution, back.outcome_due, back.decided_at) == (
        TipStatus.FORWARDED,  # back with the body it had gone to
        "",
        None,
        None,
    )
    assert back.decision_due == date(2027, 2, 3)  # 1 month from 03/01 (CPC art. 149(1))
    assert world.notices(tip)[-1] is Notice.RESUMED
    with pytest.raises(Conflict) as again:
        await world.run(cases.resume, world.officer, tip.id, "Lần nữa", now=later)
    assert again.value.code == "not_suspended"
    # The month after a resumption is not extended (CPC art. 149(1)).
    assert Action.EXTEND not in rules.allowed_actions(
        world.stored(tip), assigned_to_me=True, takes_work=True, assigns_work=False, today=TODAY
    )
    with pytest.raises(Conflict) as extended:
        await world.run(cases.extend_deadline, world.officer, tip.id, "Cần thêm", now=later)
    assert extended.value.code == "extension_resumed"


async def test_a_late_suspension_stays_a_miss_after_the_resumption(world: World) -> None:
    tip = _forwarded(world)
    late = datetime(2026, 12, 20, 3, 0, tzinfo=UTC)  # six days after the 20 ran out
    await world.run(cases.close, world.officer, tip.id, "suspended", now=late)
    assert world.stored(tip).missed == {"decision"}
    await world.run(cases.resume, world.officer, tip.id, "Có kết quả giám định", now=late)
    assert world.stored(tip).missed == {"decision"}  # the new month does not erase it


async def test_a_deadline_counted_again_never_erases_a_miss(world: World) -> None:
    tip = world.tip(urgent=True, forward_due=date(2026, 11, 24), next_due=date(2026, 11, 24))
    three_days_on = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
    await world.run(cases.set_urgency, world.officer, tip.id, False, now=three_days_on)
    calm = world.stored(tip)
    # The 24 hours had run out: that day stays, and the miss is kept (the acknowledgement,
    # due 26/11, was missed too).
    assert (calm.forward_due, calm.missed) == (date(2026, 11, 24), {"ack", "forward"})
    await world.run(
        cases.change_track,
        world.officer,
        tip.id,
        "administrative",
        "Chỉ là vi phạm hành chính",
        now=three_days_on,
    )
    moved = world.stored(tip)
    assert moved.forward_due is None and moved.missed == {"ack", "forward"}


async def test_a_transfer_or_a_duplicate_decides_nothing_on_the_crime_track(world: World) -> None:
    tip = _forwarded(world)
    await world.run(cases.close, world.officer, tip.id, "transferred", now=NOW)
    assert world.stored(tip).decided_at is None  # the body's decision is not known


async def test_forwarding_records_the_body_tells_the_reporter_and_stands_for_the_receipt(
    world: World,
) -> None:
    tip = world.tip()
    body = "Cơ quan Cảnh sát điều tra Công an thành phố Hà Nội"
    await world.run(cases.forward, world.officer, tip.id, body, now=NOW)
    sent = world.stored(tip)
    assert (sent.status, sent.forwarded_to, sent.forwarded_at, sent.acknowledged_at) == (
        TipStatus.FORWARDED,
        body,
        NOW,
        NOW,
    )
    assert sent.next_due == sent.decision_due  # the receiving body's decision is followed up
    assert world.data.notices[-1].params == {"to": body, "track": "crime"}
    await world.run(cases.close, world.officer, tip.id, "transferred", now=NOW)
    assert world.stored(tip).resolution == "transferred"


# --- mediation and protection ---


async def test_a_dispute_goes_to_a_mediation_team_and_ends_agreed(world: World) -> None:
    tip = world.tip(track=Track.MEDIATION, decision_due=None, forward_due=None)
    await world.run(cases.acknowledge, world.officer, tip.id, now=NOW)
    assert world.data.notices[-1].params == {"track": "mediation"}
    await world.run(cases.mediate, world.officer, tip.id, "Tổ hòa giải tổ dân phố 5", now=NOW)
    mediating = world.stored(tip)
    assert (mediating.status, mediating.mediation_team) == (
        TipStatus.MEDIATING,
        "Tổ hòa giải tổ dân phố 5",
    )
    assert world.notices(tip)[-1] is Notice.MEDIATING
    await world.run(cases.close, world.officer, tip.id, "agreed", now=NOW)
    assert world.stored(tip).resolution == "agreed"


async def test_no_mediation_on_the_crime_track_nor_without_a_team(world: World) -> None:
    crime = world.tip(status=TipStatus.ACKNOWLEDGED)
    with pytest.raises(Conflict) as refused:
        await world.run(cases.mediate, world.officer, crime.id, "Tổ hòa giải số 1", now=NOW)
    assert refused.value.code == "transition"
    dispute = world.tip(track=Track.MEDIATION, status=TipStatus.ACKNOWLEDGED)
    with pytest.raises(BadInput) as empty:
        await world.run(cases.mediate, world.officer, dispute.id, "  ", now=NOW)
    assert empty.value.code == "mediation_team"


async def test_protection_is_recorded_raised_never_lowered_and_audited(world: World) -> None:
    tip = world.tip()
    await world.run(cases.protect, world.officer, tip.id, "secret", now=NOW)
    assert world.stored(tip).protection is Protection.SECRET and not world.stored(tip).urgent
    await world.run(cases.protect, world.officer, tip.id, "threatened", now=NOW)
    threatened = world.stored(tip)
    assert threatened.protection is Protection.THREATENED and threatened.urgent
    await world.run(cases.protect, world.officer, tip.id, "secret", now=NOW)  # no step down
    assert world.stored(tip).protection is Protection.THREATENED
    assert [d for a, _, d in world.audits(tip) if a == "tip.protect"] == ["secret", "threatened"]
    assert world.notices(tip) == []  # the reporter is not told; the chiefs are (store)
    with pytest.raises(BadInput):
        await world.run(cases.protect, world.officer, tip.id, "", now=NOW)


# --- what the first review found (issue 17) ---


async def test_marking_urgent_brings_the_forward_deadline_to_24_hours_and_back(
    world: World,
) -> None:
    tip = world.tip()
    await world.run(cases.set_urgency, world.officer, tip.id, True, now=NOW)
    assert world.stored(tip).forward_due == date(2026, 11, 24)  # art. 8(5)(a): 24 hours
    assert world.stored(tip).next_due == date(2026, 11, 24)
    await world.run(cases.set_urgency, world.officer, tip.id, False, now=NOW)
    assert world.stored(tip).forward_due == date(2026, 11, 30)  # point b: 7 days


async def test_a_threatened_reporter_makes_the_tip_urgent_and_keeps_it_so(world: World) -> None:
    tip = world.tip()
    await world.run(cases.protect, world.officer, tip.id, "threatened", now=NOW)
    assert (world.stored(tip).urgent, world.stored(tip).forward_due) == (True, date(2026, 11, 24))
    with pytest.raises(Conflict) as kept:
        await world.run(cases.set_urgency, world.officer, tip.id, False, now=NOW)
    assert kept.value.code == "urgent_threatened" and world.stored(tip).urgent


async def test_violence_is_urgent_when_a_tip_is_moved_to_it(world: World) -> None:
    tip = world.tip()
    await world.run(
        cases.change_track, world.officer, tip.id, "violence", "Chồng đánh vợ nhiều lần", now=NOW
    )
    moved = world.stored(tip)
    assert (moved.urgent, moved.ack_due) == (True, date(2026, 11, 23))  # the same day


async def test_an_extended_report_keeps_its_track_and_its_procuracy_decision(
    world: World,
) -> None:
    tip = _forwarded(world)
    await _first_extension(world, tip.id)
    tip = replace(world.stored(tip), status=TipStatus.VERIFYING)  # even back with the commune
    world.data.tips[tip.id] = tip
    assert Action.TRACK not in rules.allowed_actions(
        tip, assigned_to_me=True, takes_work=True, assigns_work=False, today=TODAY
    )
    with pytest.raises(Conflict) as kept:
        await world.run(
            cases.change_track, world.officer, tip.id, "administrative", "Chỉ là hành chính"
        )
    assert kept.value.code == "track_extended" and world.stored(tip).extensions == 1


async def test_the_investigation_bodys_decisions_only_after_the_forward(world: World) -> None:
    tip = world.tip(status=TipStatus.VERIFYING, acknowledged_at=NOW)
    for decision in ("prosecuted", "not_prosecuted", "suspended"):
        with pytest.raises(Conflict) as refused:
            await world.run(cases.close, world.officer, tip.id, decision, now=NOW)
        assert refused.value.code == "decision_unforwarded"
    assert rules.offered_outcomes(Track.CRIME, TipStatus.VERIFYING, forwarded=False) == [
        Resolution.DUPLICATE
    ]
    await world.run(cases.close, world.officer, tip.id, "duplicate", now=NOW)
    assert world.stored(tip).status is TipStatus.CLOSED


async def test_a_suspended_report_is_resumed_before_anything_else(world: World) -> None:
    tip = _forwarded(world)
    await world.run(cases.close, world.officer, tip.id, "suspended", now=SUSPENDED_AT)
    for use_case, args, code in (
        (cases.forward, ("Cơ quan CSĐT",), "suspended"),
        (cases.close, ("prosecuted",), "transition"),
        (cases.extend_deadline, ("Cần thêm",), "extension_none"),
    ):
        with pytest.raises(Conflict) as refused:
            await world.run(use_case, world.officer, tip.id, *args, now=NOW)
        assert refused.value.code == code
    assert world.stored(tip).status is TipStatus.SUSPENDED


@pytest.mark.parametrize(
    "body",
    ["Đại úy Nguyễn Văn B, ĐT 0912345678", "CQĐT (0912.345.678)", "gọi 0912 345 678"],
)
async def test_a_receiving_body_is_a_name_never_a_phone_number(world: World, body: str) -> None:
    tip = world.tip()
    with pytest.raises(BadInput) as refused:
        await world.run(cases.forward, world.officer, tip.id, body, now=NOW)
    assert refused.value.code == "forward_to_phone" and world.written() == (0, 0, 0)


async def test_no_date_of_a_decision_in_the_future_whatever_the_extension(world: World) -> None:
    tip = _forwarded(world)
    with pytest.raises(BadInput) as refused:
        await world.run(
            cases.extend_deadline,
            world.officer,
            tip.id,
            "Chờ giám định",
            decision_date=date(9999, 12, 31),
            now=NOW,
        )
    assert refused.value.code == "decision_date_future" and world.stored(tip).extensions == 0
