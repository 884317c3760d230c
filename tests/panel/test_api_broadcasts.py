"""The broadcasts' JSON API (/api/v1/broadcasts) through the real app on SQLite: a leader's
notice from making to approval, what each refusal answers, cancelling, the daily limit, the
list, and the audit log. Who may call which route is in test_api_matrix.py; the rules
themselves in tests/unit/test_broadcast_use_cases.py."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from admin import auth
from handlers.broadcasts.words import MAX_TEXT
from handlers.ports import Subscription, SubscriptionKind
from storage.awareness import SqlAwareness
from storage.models import AuditLog
from tests.panel.conftest import COMMUNE_A, COMMUNE_B, World
from tests.panel.test_api import bearer, cookie_client

NOTICE = {"text": "Tối nay 19 giờ họp tổ dân phố tại nhà văn hoá.", "kind": "alert"}


async def subscribed(world: World, commune: str, count: int) -> list[str]:
    """Residents of `commune` subscribed to its alerts."""
    found = []
    for _ in range(count):
        resident_id = await world.resident(commune)
        async with world.session() as session:
            await SqlAwareness(session).subscribe(
                resident_id, Subscription(SubscriptionKind.ALERTS, commune), datetime.now(UTC)
            )
            await session.commit()
        found.append(resident_id)
    return found


async def audit_actions(world: World, subject: str) -> list[str]:
    async with world.session() as session:
        rows = await session.execute(
            select(AuditLog.action).where(AuditLog.subject == subject).order_by(AuditLog.id)
        )
        return list(rows.scalars())


async def test_a_leaders_notice_waits_then_goes_to_the_communes_subscribers(
    world: World,
) -> None:
    await subscribed(world, COMMUNE_A, 3)
    await subscribed(world, COMMUNE_B, 2)
    leader, chief = await bearer(world, "leader_a"), await bearer(world, "chief_a")
    made = await leader.post("/api/v1/broadcasts", json=NOTICE)
    assert made.status_code == 201
    notice = made.json()
    assert notice["status"] == "pending"
    pending = (await chief.get("/api/v1/broadcasts", params={"status": "pending"})).json()
    assert [b["id"] for b in pending["items"]] == [notice["id"]]
    approved = await chief.post(f"/api/v1/broadcasts/{notice['id']}/approve")
    assert approved.status_code == 200
    body = approved.json()
    assert body["status"] == "sending" and body["recipients"] == 3
    assert body["counts"] == {
        "queued": 3,
        "sent": 0,
        "failed": 0,
        "unreachable": 0,
        "opted_out": 0,
        "cancelled": 0,
    }
    seen = (await leader.get(f"/api/v1/broadcasts/{notice['id']}")).json()
    assert seen["counts"]["queued"] == 3 and seen["text"] == NOTICE["text"]
    twice = await chief.post(f"/api/v1/broadcasts/{notice['id']}/approve")
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "broadcast_sending"
    assert await audit_actions(world, notice["id"]) == ["broadcast.create", "broadcast.approve"]


async def test_police_alerts_go_at_once_and_can_be_cancelled(world: World) -> None:
    await subscribed(world, COMMUNE_A, 2)
    officer = await bearer(world, "officer_a")
    made = (await officer.post("/api/v1/broadcasts", json=NOTICE)).json()
    assert made["status"] == "sending"
    cancelled = await officer.post(f"/api/v1/broadcasts/{made['id']}/cancel")
    assert cancelled.status_code == 200
    body = cancelled.json()
    assert body["status"] == "cancelled" and body["counts"]["cancelled"] == 2
    again = await officer.post(f"/api/v1/broadcasts/{made['id']}/cancel")
    assert again.status_code == 409 and again.json()["error"]["code"] == "broadcast_cancelled"


async def test_refusals_say_why_in_the_callers_language(world: World) -> None:
    officer = await bearer(world, "officer_a")
    long = {**NOTICE, "text": "đ" * (MAX_TEXT + 1)}
    answer = await officer.post("/api/v1/broadcasts", json=long)
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "text_length" and "2000" in error["message"]
    assert "tối đa" in error["message"]
    english = await officer.post("/api/v1/broadcasts", params={"lang": "en"}, json=long)
    assert "at most 2000 characters" in english.json()["error"]["message"]
    empty = await officer.post("/api/v1/broadcasts", json={**NOTICE, "text": "  "})
    assert empty.json()["error"]["code"] == "text"
    kind = await officer.post("/api/v1/broadcasts", json={**NOTICE, "kind": "news"})
    assert kind.status_code == 422  # the schema's enum
    away = await officer.post("/api/v1/broadcasts", json={**NOTICE, "communes": [COMMUNE_B]})
    assert away.status_code == 404 and away.json()["error"]["code"] == "not_found"
    unknown = await officer.post("/api/v1/broadcasts", json={**NOTICE, "neighbourhoods": [123]})
    assert unknown.status_code == 404
    extra = await officer.post("/api/v1/broadcasts", json={**NOTICE, "photo": "x"})
    assert extra.status_code == 422
    assert (await officer.get("/api/v1/broadcasts")).json()["items"] == []


async def test_a_rejection_needs_a_reason_and_the_leader_reads_it(world: World) -> None:
    leader, chief = await bearer(world, "leader_a"), await bearer(world, "chief_a")
    notice = (await leader.post("/api/v1/broadcasts", json=NOTICE)).json()
    short = await chief.post(f"/api/v1/broadcasts/{notice['id']}/reject", json={"reason": "x"})
    assert short.status_code == 422 and short.json()["error"]["code"] == "reason"
    reason = "Trùng với thông báo của phường, không cần gửi."
    done = await chief.post(f"/api/v1/broadcasts/{notice['id']}/reject", json={"reason": reason})
    assert done.status_code == 200 and done.json()["status"] == "rejected"
    seen = (await leader.get(f"/api/v1/broadcasts/{notice['id']}")).json()
    assert seen["reject_reason"] == reason and seen["recipients"] == 0
    self_approve = await leader.post(f"/api/v1/broadcasts/{notice['id']}/approve")
    assert self_approve.status_code == 403


async def test_a_leader_may_send_at_most_the_daily_limit(world: World) -> None:
    leader = await bearer(world, "leader_a")
    limit = world.settings.leader_broadcasts_per_day
    for _ in range(limit):
        assert (await leader.post("/api/v1/broadcasts", json=NOTICE)).status_code == 201
    over = await leader.post("/api/v1/broadcasts", json=NOTICE)
    assert over.status_code == 409
    error = over.json()["error"]
    assert error["code"] == "daily_limit" and str(limit) in error["message"]


async def test_the_list_pages_newest_first(world: World) -> None:
    officer = await bearer(world, "officer_a")
    made = [(await officer.post("/api/v1/broadcasts", json=NOTICE)).json()["id"] for _ in range(3)]
    first = (await officer.get("/api/v1/broadcasts", params={"limit": 2})).json()
    assert [b["id"] for b in first["items"]] == made[::-1][:2]
    rest = (
        await officer.get("/api/v1/broadcasts", params={"limit": 2, "before": first["next_before"]})
    ).json()
    assert [b["id"] for b in rest["items"]] == [made[0]] and rest["next_before"] is None
    other = await bearer(world, "officer_b")
    assert (await other.get("/api/v1/broadcasts")).json()["items"] == []


async def test_the_panel_session_needs_its_csrf_header(world: World) -> None:
    client, csrf = await cookie_client(world, "chief_a")
    bare = await client.post("/api/v1/broadcasts", json=NOTICE)
    assert bare.status_code == 401
    made = await client.post("/api/v1/broadcasts", json=NOTICE, headers={auth.CSRF_HEADER: csrf})
    assert made.status_code == 201
