"""The JSON API of issue 17 (tracks): a tip's track and its deadlines in the tip JSON and the
queue, changing the track, the two extensions, the outcomes of each track, suspension and
resumption, mediation, the reporter's protection, and the OpenAPI document that describes
them, through the real app on SQLite. Every refusal is a 4xx with a code and changes nothing.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update

from admin.api_models import TipOut
from bot import runtime
from content import legal
from handlers import deadlines
from handlers.deadlines import local_date
from handlers.tips.words import LEGACY_OUTCOMES, OUTCOMES
from storage.casework.views import TipDetail
from storage.models import Tip
from tests.panel.conftest import StoredTip, World
from tests.panel.panel_pages import set_tip
from tests.panel.test_api import audit_actions, bearer, outbox_kinds

REASON = "Người báo tin bổ sung thông tin mới"
TEAM = "Tổ hòa giải tổ dân phố số 3"
BODY = "Cơ quan CSĐT Công an TP Hà Nội"


def today() -> date:
    return local_date(datetime.now(UTC))


def holidays(world: World) -> deadlines.Calendar:
    return runtime.tip_config(world.settings).holidays


async def tip_on(world: World, category: str, **draft: Any) -> StoredTip:
    """A tip of `category` as the bot stores it: on its category's track, with that track's
    deadlines (World.tip counts them on the draft's track)."""
    stored = await world.tip(category=category, **draft)
    received = draft.get("received") or datetime.now(UTC)
    expected = deadlines.initial(received, holidays(world), legal.track_of(category))
    tip = await read(await bearer(world, "officer_a"), stored)
    assert tip["track"] == legal.track_of(category)
    assert (tip["ack_due"], tip["forward_due"], tip["decision_due"]) == (
        expected.ack_due.isoformat(),
        iso(expected.forward_due),
        iso(expected.decision_due),
    )
    return stored


def iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


async def decision_due_today(world: World, stored: StoredTip) -> None:
    """Bring the tip's decision deadline to today, as if its 20 days had run."""
    async with world.session() as session:
        await session.execute(update(Tip).where(Tip.id == stored.id).values(decision_due=today()))
        await session.commit()


async def forwarded(api: httpx.AsyncClient, stored: StoredTip) -> dict[str, Any]:
    """Forward the tip to the investigation body, whose decision deadline then starts."""
    return await ok(api, stored, "forward", {"to": BODY})


def forwarded_on(tip: dict[str, Any]) -> date:
    return local_date(datetime.fromisoformat(tip["forwarded_at"]))


async def crime_tip(world: World, **draft: Any) -> StoredTip:
    return await tip_on(world, "fraud_phone", **draft)


async def mediation_tip(world: World) -> StoredTip:
    return await tip_on(world, "neighbourhood_dispute")


async def read(api: httpx.AsyncClient, stored: StoredTip) -> dict[str, Any]:
    answer = await api.get(f"/api/v1/tips/{stored.id}")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def state(tip: dict[str, Any]) -> tuple[Any, ...]:
    """What a refused action must leave as it was."""
    return (
        tip["status"],
        tip["track"],
        tip["ack_due"],
        tip["forward_due"],
        tip["decision_due"],
        tip["extensions"],
        tip["extension_decision"],
        tip["resolution"],
        tip["mediation_team"],
        tip["protection"],
        tip["urgent"],
        len(tip["timeline"]),
    )


async def refused(
    api: httpx.AsyncClient,
    stored: StoredTip,
    action: str,
    body: dict[str, Any] | None,
    status: int,
    code: str,
) -> dict[str, Any]:
    """POST the action, expect the refusal, and check the tip did not change."""
    before = await read(api, stored)
    answer = await api.post(f"/api/v1/tips/{stored.id}/{action}", json=body)
    assert answer.status_code == status, (action, body, answer.text)
    error: dict[str, Any] = answer.json()["error"]
    assert error["code"] == code, (action, body, error)
    assert error["message"] and error["message"] != f"panel.error.{code}"
    assert state(await read(api, stored)) == state(before), (action, body)
    return error


async def ok(
    api: httpx.AsyncClient, stored: StoredTip, action: str, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    answer = await api.post(f"/api/v1/tips/{stored.id}/{action}", json=body)
    assert answer.status_code == 200, (action, body, answer.text)
    tip: dict[str, Any] = answer.json()
    return tip


# -- the tip JSON ---------------------------------------------------------------------------


async def test_a_crime_tip_shows_its_track_and_its_deadlines(world: World) -> None:
    stored = await crime_tip(world)
    api = await bearer(world, "officer_a")
    tip = await read(api, stored)
    received = date.fromisoformat(tip["received_on"])
    expected = deadlines.for_track(received, "crime", holidays(world))
    assert tip["track"] == "crime"
    assert tip["ack_due"] == expected.ack_due.isoformat()
    assert (
        tip["forward_due"]
        == (received + timedelta(days=7)).isoformat()
        == iso(expected.forward_due)
    )
    # The decision is the investigation body's: no deadline before it has the report.
    assert tip["decision_due"] is None and expected.decision_due is None
    assert tip["ack_due"] <= tip["forward_due"]
    # New: the acknowledgement comes first.
    assert (tip["next_kind"], tip["next_due"]) == ("ack", tip["ack_due"])
    assert (tip["forwarded_at"], tip["extension_decision"]) == (None, None)
    assert (tip["mediation_team"], tip["protection"]) == ("", "")
    assert {"track", "protect", "close"} <= set(tip["allowed"]) and "resume" not in tip["allowed"]
    assert "extend" not in tip["allowed"]
    acknowledged = await ok(api, stored, "acknowledge")
    assert (acknowledged["next_kind"], acknowledged["next_due"]) == ("forward", tip["forward_due"])
    assert acknowledged["decision_due"] is None
    sent = await forwarded(api, stored)
    assert sent["forwarded_at"] and sent["next_kind"] == "decision"
    assert sent["forward_due"] == tip["forward_due"]  # kept as it was stored
    # CPC art. 147(1): 20 days from the body's receipt, the day it was forwarded.
    due = (forwarded_on(sent) + timedelta(days=20)).isoformat()
    assert sent["decision_due"] == sent["next_due"] == due
    assert {"extend", "close"} <= set(sent["allowed"]) and "track" not in sent["allowed"]


async def test_a_mediation_tip_has_a_service_decision_deadline_and_no_forward(
    world: World,
) -> None:
    stored = await mediation_tip(world)
    api = await bearer(world, "officer_a")
    tip = await read(api, stored)
    received = date.fromisoformat(tip["received_on"])
    rule = legal.rule("mediation", "decision")
    assert rule is not None and rule.source.document == "service"  # not the law's
    assert tip["track"] == "mediation" and tip["forward_due"] is None
    assert tip["decision_due"] == (received + timedelta(days=30)).isoformat()
    assert (tip["next_kind"], tip["next_due"]) == ("ack", tip["ack_due"])
    acknowledged = await ok(api, stored, "acknowledge")
    # Then the outcome is due by the service standard.
    assert (acknowledged["next_kind"], acknowledged["next_due"]) == (
        "decision",
        tip["decision_due"],
    )
    assert acknowledged["due_state"] == "ok" and acknowledged["days_left"] == 30
    assert "mediate" in acknowledged["allowed"] and "extend" not in acknowledged["allowed"]
    mediating = await ok(api, stored, "mediate", {"team": TEAM})
    assert (mediating["next_kind"], mediating["decision_due"]) == ("decision", tip["decision_due"])


async def test_the_queue_shows_and_filters_tracks_and_protection(world: World) -> None:
    crime, dispute = await crime_tip(world), await mediation_tip(world)
    protected = await crime_tip(world)
    api = await bearer(world, "officer_a")
    await ok(api, protected, "protect", {"protection": "secret"})
    items = {
        item["id"]: item
        for item in (await api.get("/api/v1/tips", params={"limit": 100})).json()["items"]
    }
    assert (items[crime.id]["track"], items[crime.id]["next_kind"]) == ("crime", "ack")
    assert items[dispute.id]["track"] == "mediation" and items[dispute.id]["protection"] == ""
    assert items[protected.id]["protection"] == "secret"

    async def ids(**params: str) -> set[str]:
        answer = await api.get("/api/v1/tips", params={"limit": "100", **params})
        assert answer.status_code == 200, answer.text
        return {item["id"] for item in answer.json()["items"]}

    assert dispute.id in await ids(track="mediation")
    assert not {crime.id, protected.id} & await ids(track="mediation")
    assert {crime.id, protected.id} <= await ids(track="crime")
    only_protected = await ids(protection="1")
    assert protected.id in only_protected and not {crime.id, dispute.id} & only_protected
    assert {crime.id, dispute.id, protected.id} <= await ids(protection="0")
    for params in ({"track": "murder"}, {"protection": "maybe"}):
        answer = await api.get("/api/v1/tips", params=params)
        assert answer.status_code == 422 and answer.json()["error"]["code"] == "filter", params


# -- the track ------------------------------------------------------------------------------


async def test_changing_the_track_recounts_the_deadlines_from_receipt(world: World) -> None:
    stored = await crime_tip(world)
    api = await bearer(world, "officer_a")
    before = await read(api, stored)
    received = date.fromisoformat(before["received_on"])
    moved = await ok(api, stored, "track", {"track": "mediation", "reason": REASON})
    assert moved["track"] == "mediation" and moved["status"] == "new"
    assert moved["forward_due"] is None
    assert moved["decision_due"] == (received + timedelta(days=30)).isoformat()
    assert moved["received_on"] == before["received_on"] and not moved["urgent"]
    assert [e["body"] for e in moved["timeline"] if e["kind"] == "track"] == ["mediation"]
    reasons = [e for e in moved["timeline"] if e["kind"] == "track_reason"]
    assert [(e["body"], e["visibility"]) for e in reasons] == [(REASON, "internal")]
    back = await ok(api, stored, "track", {"track": "crime", "reason": REASON})
    # Back on the crime track, not forwarded yet: no decision deadline runs.
    assert back["decision_due"] is None
    assert (back["forward_due"], back["ack_due"]) == (before["forward_due"], before["ack_due"])
    assert await outbox_kinds(world, stored.id) == ["tip.track", "tip.track"]
    assert (await audit_actions(world, stored.code)).count("tip.track") == 2


async def test_domestic_violence_is_urgent_from_the_track_change(world: World) -> None:
    stored = await crime_tip(world)
    api = await bearer(world, "officer_a")
    received = date.fromisoformat((await read(api, stored))["received_on"])
    moved = await ok(api, stored, "track", {"track": "violence", "reason": REASON})
    expected = deadlines.for_track(received, "violence", holidays(world), urgent=True)
    assert (moved["track"], moved["urgent"]) == ("violence", True)
    assert moved["ack_due"] == expected.ack_due.isoformat() == received.isoformat()
    assert moved["decision_due"] == (received + timedelta(days=7)).isoformat()
    assert moved["forward_due"] is None
    # Leaving the track keeps the tip urgent until an officer says otherwise.
    away = await ok(api, stored, "track", {"track": "administrative", "reason": REASON})
    assert (away["track"], away["urgent"]) == ("administrative", True)


async def test_a_track_change_is_refused_with_a_code_and_changes_nothing(world: World) -> None:
    stored = await crime_tip(world)
    api = await bearer(world, "officer_a")
    await refused(api, stored, "track", {"track": "murder", "reason": REASON}, 422, "track")
    await refused(api, stored, "track", {"track": "mediation", "reason": "ít"}, 422, "reason")
    missing = await refused(api, stored, "track", {"track": "mediation"}, 422, "invalid_input")
    assert missing["fields"][0]["loc"] == ["body", "reason"]
    await refused(api, stored, "track", {"track": "crime", "reason": REASON}, 409, "track_same")
    await ok(api, stored, "close", {"resolution": "duplicate"})
    await refused(api, stored, "track", {"track": "mediation", "reason": REASON}, 409, "closed")
    sent = await crime_tip(world)
    await forwarded(api, sent)
    body = {"track": "administrative", "reason": REASON}
    await refused(api, sent, "track", body, 409, "track_locked")
    assert await outbox_kinds(world, stored.id) == ["tip.closed"]
    assert "tip.track" not in await audit_actions(world, stored.code)


async def test_an_extended_tip_keeps_its_track(world: World) -> None:
    """A tip extended under the earlier rules (before it was forwarded), still being checked:
    its extension and the procuracy's decision stay on the crime track."""
    stored = await crime_tip(world)
    due = today() + timedelta(days=40)
    await set_tip(
        world,
        stored,
        status="verifying",
        extensions=2,
        decision_due=due,
        next_due=due,
        extension_decision="15/QĐ-VKS",
        extension_decision_on=today(),
    )
    api = await bearer(world, "officer_a")
    tip = await read(api, stored)
    assert tip["extension_decision"] == {"number": "15/QĐ-VKS", "date": today().isoformat()}
    assert "track" not in tip["allowed"]
    body = {"track": "administrative", "reason": REASON}
    await refused(api, stored, "track", body, 409, "track_extended")
    assert "tip.track" not in await audit_actions(world, stored.code)


# -- extensions -----------------------------------------------------------------------------


async def test_the_first_extension_needs_only_a_reason(world: World) -> None:
    stored = await crime_tip(world)
    api = await bearer(world, "officer_a")
    reason = {"reason": "Cần xác minh thêm tại ngân hàng"}
    # Not before the investigation body has the report: there is nothing to extend.
    await refused(api, stored, "extend", reason, 409, "extension_none")
    before = await forwarded(api, stored)
    # No date in the future, whichever the extension.
    tomorrow = (today() + timedelta(days=1)).isoformat()
    await refused(
        api, stored, "extend", {**reason, "decision_date": tomorrow}, 422, "decision_date_future"
    )
    await refused(api, stored, "extend", {**reason, "requested_on": tomorrow}, 422, "requested_on")
    first = await ok(api, stored, "extend", reason)
    assert first["extensions"] == 1 and first["decision_due"] > before["decision_due"]
    # TTLT 01/2017 art. 11(1): 2 months from the body's receipt, the day it was forwarded.
    assert first["decision_due"] == deadlines.add_months(forwarded_on(before), 2).isoformat()
    assert first["extension_decision"] is None
    assert "track" not in first["allowed"]
    # The second is the procuracy's: refused without its decision, changing nothing.
    second = {"reason": "Chờ kết quả giám định"}
    await refused(api, stored, "extend", second, 422, "decision_number")
    assert await outbox_kinds(world, stored.id) == ["tip.forwarded", "tip.extended"]


async def test_the_second_extension_needs_the_procuracys_decision(world: World) -> None:
    stored = await crime_tip(world)
    api = await bearer(world, "officer_a")
    await forwarded(api, stored)
    first = await ok(api, stored, "extend", {"reason": "Cần xác minh thêm tại ngân hàng"})
    url_body = {"reason": "Chờ kết quả giám định", "decision_number": "15/QĐ-VKS"}
    now = today()
    await refused(
        api, stored, "extend", {"reason": "Chờ kết quả giám định"}, 422, "decision_number"
    )
    await refused(api, stored, "extend", url_body, 422, "decision_date")
    future = {**url_body, "decision_date": (now + timedelta(days=1)).isoformat()}
    await refused(api, stored, "extend", future, 422, "decision_date_future")
    early = {**url_body, "decision_date": (now - timedelta(days=30)).isoformat()}
    await refused(api, stored, "extend", early, 422, "decision_date_early")
    malformed = await refused(
        api, stored, "extend", {**url_body, "decision_date": "31/02/2026"}, 422, "invalid_input"
    )
    assert malformed["fields"][0]["loc"] == ["body", "decision_date"]
    assert "31/02/2026" not in str(malformed)
    too_long = {**url_body, "decision_number": "1" * 65, "decision_date": now.isoformat()}
    await refused(api, stored, "extend", too_long, 422, "invalid_input")
    second = await ok(api, stored, "extend", {**url_body, "decision_date": now.isoformat()})
    assert second["extensions"] == 2 and second["decision_due"] > first["decision_due"]
    expected = deadlines.add_months(date.fromisoformat(first["decision_due"]), 2)
    assert second["decision_due"] == expected.isoformat()
    assert second["extension_decision"] == {"number": "15/QĐ-VKS", "date": now.isoformat()}
    assert "extend" not in second["allowed"]
    third = {**url_body, "decision_date": now.isoformat()}
    await refused(api, stored, "extend", third, 409, "extension_limit")
    assert await outbox_kinds(world, stored.id) == [
        "tip.forwarded",
        "tip.extended",
        "tip.extended",
    ]
    assert (await audit_actions(world, stored.code)).count("tip.extend") == 2


async def test_a_second_extension_asked_too_late_is_refused(world: World) -> None:
    """Asked for fewer than 5 days before the first extension ends: refused; the same decision
    asked for in time (requested_on) is recorded."""
    now = today()
    received = datetime.now(UTC) - timedelta(days=50)
    stored = await crime_tip(world, received=received)
    first_end = now + timedelta(days=3)
    await set_tip(
        world,
        stored,
        status="forwarded",
        forwarded_to=BODY,
        forwarded_at=received + timedelta(days=3),
        acknowledged_at=received + timedelta(days=1),
        extensions=1,
        decision_due=first_end,
        next_due=first_end,
    )
    api = await bearer(world, "officer_a")
    body = {
        "reason": "Chờ kết quả giám định",
        "decision_number": "21/QĐ-VKS",
        "decision_date": now.isoformat(),
    }
    late = await refused(api, stored, "extend", body, 409, "extension_request_late")
    assert "5" in late["message"]
    future = {**body, "requested_on": (now + timedelta(days=1)).isoformat()}
    await refused(api, stored, "extend", future, 422, "requested_on")
    in_time = {**body, "requested_on": (now - timedelta(days=5)).isoformat()}
    second = await ok(api, stored, "extend", in_time)
    assert second["extensions"] == 2
    assert second["decision_due"] == deadlines.add_months(first_end, 2).isoformat()
    assert second["extension_decision"] == {"number": "21/QĐ-VKS", "date": now.isoformat()}


async def test_only_a_crime_reports_deadline_is_extended(world: World) -> None:
    """The other tracks' decision deadlines are the service standard's: none is extended."""
    stored = await mediation_tip(world)
    api = await bearer(world, "officer_a")
    tip = await ok(api, stored, "acknowledge")
    assert tip["decision_due"] is not None and "extend" not in tip["allowed"]
    await refused(api, stored, "extend", {"reason": REASON}, 409, "extension_track")
    assert "tip.extend" not in await audit_actions(world, stored.code)


# -- outcomes, suspension, forwarding -------------------------------------------------------


async def test_close_takes_only_an_outcome_of_the_tips_track(world: World) -> None:
    crime, dispute = await crime_tip(world), await mediation_tip(world)
    api = await bearer(world, "officer_a")
    await refused(api, crime, "close", {"resolution": "agreed"}, 422, "resolution_track")
    await refused(api, crime, "close", {"resolution": "handled"}, 422, "resolution_track")
    await refused(api, crime, "close", {"resolution": "done"}, 422, "resolution")
    await refused(
        api, crime, "close", {"resolution": "transferred"}, 409, "transferred_unforwarded"
    )
    # The investigation body's decisions are recorded once it has the report.
    for decision in ("prosecuted", "not_prosecuted", "suspended"):
        await refused(api, crime, "close", {"resolution": decision}, 409, "decision_unforwarded")
    await refused(api, dispute, "close", {"resolution": "prosecuted"}, 422, "resolution_track")
    closed = await ok(api, dispute, "close", {"resolution": "agreed", "note": "Hai bên đã ký"})
    assert (closed["status"], closed["resolution"]) == ("closed", "agreed")
    assert await outbox_kinds(world, crime.id) == []
    await forwarded(api, crime)
    prosecuted = await ok(api, crime, "close", {"resolution": "prosecuted"})
    assert (prosecuted["status"], prosecuted["resolution"]) == ("closed", "prosecuted")
    assert prosecuted["decided_at"] and prosecuted["decided_at"] == prosecuted["closed_at"]
    assert await outbox_kinds(world, crime.id) == ["tip.forwarded", "tip.closed"]


async def test_forwarding_needs_the_receiving_body(world: World) -> None:
    stored = await crime_tip(world)
    api = await bearer(world, "officer_a")
    missing = await refused(api, stored, "forward", {"note": "Có dấu hiệu"}, 422, "invalid_input")
    assert missing["fields"][0]["loc"] == ["body", "to"]
    await refused(api, stored, "forward", {"to": "   "}, 422, "forward_to")
    # The reporter reads the body's name as written: never an officer's phone number.
    for phoned in ("Đại úy Nguyễn Văn B, ĐT 0912345678", "CQĐT (0912.345.678)"):
        error = await refused(api, stored, "forward", {"to": phoned}, 422, "forward_to_phone")
        assert "0912" not in str(error)
    assert await outbox_kinds(world, stored.id) == []
    tip = await forwarded(api, stored)
    assert tip["forwarded_to"] == BODY


async def test_a_suspended_crime_report_is_resumed_with_a_new_decision_deadline(
    world: World,
) -> None:
    stored = await crime_tip(world)
    api = await bearer(world, "officer_a")
    await refused(api, stored, "resume", {"reason": REASON}, 409, "not_suspended")
    await ok(api, stored, "acknowledge")
    await ok(api, stored, "verify")
    # The suspension is the investigation body's decision: forwarded first.
    await refused(api, stored, "close", {"resolution": "suspended"}, 409, "decision_unforwarded")
    sent = await forwarded(api, stored)
    # Not before the 20 days run out (CPC art. 148(1)); on their last day, it is.
    await refused(api, stored, "close", {"resolution": "suspended"}, 409, "suspension_early")
    await decision_due_today(world, stored)
    suspended = await ok(api, stored, "close", {"resolution": "suspended"})
    assert (suspended["status"], suspended["resolution"]) == ("suspended", "suspended")
    assert suspended["closed_at"] is None and suspended["due_state"] == "none"
    assert suspended["decided_at"] and sent["decided_at"] is None
    assert "resume" in suspended["allowed"] and "close" not in suspended["allowed"]
    assert not {"forward", "extend", "track"} & set(suspended["allowed"])
    await refused(api, stored, "forward", {"to": BODY}, 409, "suspended")
    await refused(api, stored, "extend", {"reason": REASON}, 409, "extension_none")
    await refused(api, stored, "resume", {"reason": "ít"}, 422, "reason")
    await refused(api, stored, "resume", {}, 422, "invalid_input")
    resumed = await ok(api, stored, "resume", {"reason": REASON})
    rule = legal.rule("crime", "resumed")
    assert rule is not None
    expected = deadlines.count(rule, today(), holidays(world))
    # Back with the body it had gone to, decided within a month of the resumption.
    assert (resumed["status"], resumed["resolution"]) == ("forwarded", "")
    assert (resumed["forwarded_to"], resumed["forwarded_at"]) == (BODY, sent["forwarded_at"])
    assert resumed["decision_due"] == expected.isoformat() != suspended["decision_due"]
    assert (resumed["next_kind"], resumed["next_due"]) == ("decision", expected.isoformat())
    assert resumed["due_state"] != "none" and resumed["decided_at"] is None
    assert (await outbox_kinds(world, stored.id))[-2:] == ["tip.suspended", "tip.resumed"]


# -- mediation and protection ---------------------------------------------------------------


async def test_a_dispute_goes_to_a_mediation_team(world: World) -> None:
    dispute, crime = await mediation_tip(world), await crime_tip(world)
    api = await bearer(world, "officer_a")
    await refused(api, dispute, "mediate", {"team": TEAM}, 409, "transition")
    await ok(api, dispute, "acknowledge")
    await refused(api, dispute, "mediate", {"team": "  "}, 422, "mediation_team")
    await refused(api, dispute, "mediate", {}, 422, "invalid_input")
    mediating = await ok(api, dispute, "mediate", {"team": TEAM})
    assert (mediating["status"], mediating["mediation_team"]) == ("mediating", TEAM)
    assert (await outbox_kinds(world, dispute.id))[-1] == "tip.mediating"
    await ok(api, crime, "acknowledge")
    await refused(api, crime, "mediate", {"team": TEAM}, 409, "transition")


async def test_the_reporters_protection_is_recorded_never_lowered(world: World) -> None:
    stored = await crime_tip(world)
    api = await bearer(world, "officer_a")
    await refused(api, stored, "protect", {"protection": "none"}, 422, "protection")
    await refused(api, stored, "protect", {"protection": ""}, 422, "protection")
    secret = await ok(api, stored, "protect", {"protection": "secret"})
    assert (secret["protection"], secret["urgent"]) == ("secret", False)
    threatened = await ok(api, stored, "protect", {"protection": "threatened"})
    assert (threatened["protection"], threatened["urgent"]) == ("threatened", True)
    again = await ok(api, stored, "protect", {"protection": "secret"})
    assert again["protection"] == "threatened"
    assert (await audit_actions(world, stored.code)).count("tip.protect") == 2
    await ok(api, stored, "close", {"resolution": "duplicate"})
    await refused(api, stored, "protect", {"protection": "secret"}, 409, "closed")


async def test_outside_the_area_every_new_action_is_not_found(world: World) -> None:
    stored = await crime_tip(world)
    outsider = await bearer(world, "officer_b")
    for action, body in (
        ("track", {"track": "mediation", "reason": REASON}),
        ("mediate", {"team": TEAM}),
        ("resume", {"reason": REASON}),
        ("protect", {"protection": "secret"}),
    ):
        answer = await outsider.post(f"/api/v1/tips/{stored.id}/{action}", json=body)
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
    tip = await read(await bearer(world, "officer_a"), stored)
    assert (tip["track"], tip["protection"], len(tip["timeline"])) == ("crime", "", 1)


def test_the_tip_json_has_every_field_of_the_panels_tip() -> None:
    """TipOut mirrors TipDetail field for field (admin/api_models.py): what the panel shows,
    the API shows; the procuracy's decision comes as one object, its number and date."""
    panel = {f.name for f in fields(TipDetail)}
    api = set(TipOut.model_fields)
    assert panel - api == {"extension_decision_on"}
    assert api - panel == set()


# -- the OpenAPI document -------------------------------------------------------------------


async def test_the_openapi_document_describes_tracks_and_extensions(world: World) -> None:
    document = (await world.anonymous_client().get("/api/v1/openapi.json")).json()
    paths, schemas = document["paths"], document["components"]["schemas"]
    for action in ("track", "mediate", "resume", "protect", "extend", "close"):
        operation = paths[f"/api/v1/tips/{{tip_id}}/{action}"]["post"]
        assert operation["tags"] == ["actions"] and operation["summary"], action
        assert {"401", "404", "409", "422"} <= operation["responses"].keys(), action
    extend = paths["/api/v1/tips/{tip_id}/extend"]["post"]
    assert "extension_request_late" in extend["responses"]["409"]["description"]
    assert "decision_number" in extend["responses"]["422"]["description"]
    # Every refusal of the changed rules is named where a client reads the action.
    for action, status, codes in (
        ("extend", "409", ("extension_none", "extension_limit", "extension_track")),
        ("extend", "422", ("decision_date_future", "requested_on")),
        ("close", "409", ("decision_unforwarded", "transferred_unforwarded")),
        ("forward", "409", ("suspended", "transition")),
        ("forward", "422", ("forward_to", "forward_to_phone")),
        ("track", "409", ("track_locked", "track_extended", "track_same")),
        ("urgency", "409", ("closed", "urgent_threatened")),
    ):
        operation = paths[f"/api/v1/tips/{{tip_id}}/{action}"]["post"]
        described = operation["responses"][status]["description"]
        for code in codes:
            assert f"`{code}`" in described, (action, status, code)
    assert schemas["UrgencyIn"]["properties"]["urgent"]["type"] == "boolean"
    body = schemas["ExtendIn"]["properties"]
    assert {"reason", "decision_number", "decision_date", "requested_on"} == set(body)
    assert schemas["ExtendIn"]["required"] == ["reason"]
    assert {"type": "string", "format": "date"} in body["decision_date"]["anyOf"]
    assert set(schemas["TrackIn"]["properties"]["track"]["enum"]) == {
        "crime",
        "administrative",
        "mediation",
        "violence",
        "fire_risk",
    }
    offered = {r.value for outcomes in OUTCOMES.values() for r in outcomes}
    resolution = schemas["CloseIn"]["properties"]["resolution"]
    assert set(resolution["enum"]) == offered
    assert not {r.value for r in LEGACY_OUTCOMES} & set(resolution["enum"])
    assert "`mediation`: `agreed`" in resolution["description"]
    tip = schemas["TipOut"]["properties"]
    for name in ("track", "forward_due", "next_kind", "decision_due", "forwarded_at"):
        assert tip[name].get("description"), name
    for name in ("extension_decision", "mediation_team", "protection", "resolution"):
        assert tip[name].get("description"), name
    for name in ("decided_at", "decision_due"):
        assert tip[name].get("description"), name
    assert {"type": "null"} in tip["forward_due"]["anyOf"]
    assert {"type": "null"} in tip["decision_due"]["anyOf"]
    assert set(schemas["Track"]["enum"]) == set(schemas["TrackIn"]["properties"]["track"]["enum"])
    assert set(schemas["Due"]["enum"]) == {"ack", "forward", "decision"}
    assert set(schemas["ExtensionDecisionOut"]["properties"]) == {"number", "date"}
    summary = schemas["TipSummary"]["properties"]
    assert {"track", "next_kind", "protection"} <= set(summary)
    queue = {p["name"] for p in paths["/api/v1/tips"]["get"]["parameters"]}
    assert {"track", "protection"} <= queue
