"""The JSON API (/api/v1): authentication, errors, the queue, a tip, attachments, and the happy
path of every action, through the real app on SQLite (see test_api_matrix.py for every route
against every role, and test_api_pg.py for PostgreSQL)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, update

from admin import auth
from admin.api import MAX_BODY
from admin.errors import MESSAGES, error_message
from content.scamcheck import Found
from handlers.deadlines import add_months, local_date
from handlers.tipmodel import AttachmentIn
from storage import api_tokens
from storage.indicators import SqlIndicators
from storage.models import AdminUser, AuditLog, OutboxMessage
from tests.panel.conftest import COMMUNE_A, COMMUNE_B, StoredTip, World

CONTACT_NAME = "Nguyễn Thị Hoà"
CONTACT_PHONE = "0912345678"


async def token_for(world: World, label: str, **kwargs: object) -> str:
    """A fresh API token of the account `label` (storage/api_tokens.py, as the account page
    makes them)."""
    async with world.session() as session:
        token, _info = await api_tokens.create_token(
            session,
            auth.api_token_key(world.settings),
            world.users[label].id,
            f"test {label}",
            **kwargs,  # type: ignore[arg-type]
        )
        await session.commit()
    return token


async def bearer(world: World, label: str) -> httpx.AsyncClient:
    """A client that calls the API with an API token of `label`, no cookie at all."""
    client = world.anonymous_client()
    client.headers["Authorization"] = f"Bearer {await token_for(world, label)}"
    return client


async def cookie_client(world: World, label: str) -> tuple[httpx.AsyncClient, str]:
    """A signed-in browser and its session's CSRF token, as the panel's pages carry it."""
    client = await world.client(label)
    return client, await world.csrf(client)


async def tip_json(api: httpx.AsyncClient, stored: StoredTip) -> dict[str, Any]:
    """The tip as the API shows it now: what a refused action must leave as it was."""
    answer = await api.get(f"/api/v1/tips/{stored.id}")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def outbox_kinds(world: World, tip_id: str) -> list[str]:
    async with world.session() as session:
        rows = await session.execute(
            select(OutboxMessage.kind)
            .where(OutboxMessage.tip_id == tip_id)
            .order_by(OutboxMessage.id)
        )
        return list(rows.scalars())


async def audit_actions(world: World, subject: str) -> list[str]:
    async with world.session() as session:
        rows = await session.execute(
            select(AuditLog.action).where(AuditLog.subject == subject).order_by(AuditLog.id)
        )
        return list(rows.scalars())


# -- authentication and errors --------------------------------------------------------------


async def test_me_says_who_is_calling(world: World) -> None:
    officer = await bearer(world, "officer_a")
    body = (await officer.get("/api/v1/me")).json()
    assert body["username"] == world.usernames["officer_a"]
    assert (body["role"], body["commune"], body["province"]) == ("officer", COMMUNE_A, "01")
    assert body["area"] == "Phường Ba Đình, Thành phố Hà Nội"
    admin = (await (await bearer(world, "admin_79")).get("/api/v1/me")).json()
    assert (admin["role"], admin["commune"], admin["province"]) == ("province_admin", "", "79")
    assert admin["area"] == "Thành phố Hồ Chí Minh"


async def test_without_identity_the_answer_is_401_in_the_language_asked(world: World) -> None:
    client = world.anonymous_client()
    answer = await client.get("/api/v1/tips")
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert answer.headers["Cache-Control"] == "no-store"
    error = answer.json()["error"]
    assert error["code"] == "unauthorized" and error["message"].startswith("Cần đăng nhập")
    english = (await client.get("/api/v1/tips?lang=en")).json()["error"]["message"]
    assert english.startswith("Sign-in required")
    header = {"Accept-Language": "fr;q=1, en-GB;q=0.8, vi;q=0.5"}
    preferred = (await client.get("/api/v1/me", headers=header)).json()["error"]["message"]
    assert preferred == english
    for value in ("en;q=0.3, vi", "en;q=zero", "en;q=0", "*"):
        answer = await client.get("/api/v1/me", headers={"Accept-Language": value})
        assert answer.json()["error"]["message"] != english, value


async def test_a_bad_or_spent_token_is_401(world: World) -> None:
    client = world.anonymous_client()
    for header in ("Bearer", "Bearer by_nope", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 46):
        answer = await client.get("/api/v1/me", headers={"Authorization": header})
        assert answer.status_code == 401, header
    expired = await token_for(
        world, "officer_a", lifetime=timedelta(days=1), now=datetime.now(UTC) - timedelta(days=2)
    )
    answer = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {expired}"})
    assert answer.status_code == 401
    token = await token_for(world, "officer_a")
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 200
    async with world.session() as session:
        assert await api_tokens.revoke_all(session, world.users["officer_a"].id) >= 1
        await session.commit()
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 401


async def test_a_bad_authorization_header_is_not_rescued_by_a_session(world: World) -> None:
    client, _csrf = await cookie_client(world, "officer_a")
    assert (await client.get("/api/v1/me")).status_code == 200
    answer = await client.get("/api/v1/me", headers={"Authorization": "Bearer by_wrong"})
    assert answer.status_code == 401


async def test_cookie_auth_needs_csrf_on_post_bearer_does_not(world: World) -> None:
    stored = await world.tip()
    client, csrf = await cookie_client(world, "officer_a")
    assert (await client.get(f"/api/v1/tips/{stored.id}")).status_code == 200
    url = f"/api/v1/tips/{stored.id}/notes"
    refused = await client.post(url, json={"body": "Đã gọi điện xác minh."})
    assert refused.status_code == 401
    wrong = await client.post(
        url, json={"body": "Đã gọi điện xác minh."}, headers={auth.CSRF_HEADER: "0" * 64}
    )
    assert wrong.status_code == 401
    # The CSRF token of another session does not fit this one.
    _other, other_csrf = await cookie_client(world, "officer_a2")
    crossed = await client.post(
        url, json={"body": "Đã gọi điện xác minh."}, headers={auth.CSRF_HEADER: other_csrf}
    )
    assert crossed.status_code == 401
    untouched = (await client.get(f"/api/v1/tips/{stored.id}")).json()
    assert [e for e in untouched["timeline"] if e["kind"] == "note"] == []
    accepted = await client.post(
        url, json={"body": "Đã gọi điện xác minh."}, headers={auth.CSRF_HEADER: csrf}
    )
    assert accepted.status_code == 200
    notes = [e["body"] for e in accepted.json()["timeline"] if e["kind"] == "note"]
    assert notes == ["Đã gọi điện xác minh."]
    api = await bearer(world, "officer_a")
    assert (await api.post(url, json={"body": "Ghi chú thứ hai."})).status_code == 200


async def test_errors_have_one_shape_and_never_echo_the_input(world: World) -> None:
    stored = await world.tip()
    api = await bearer(world, "officer_a")
    secret = "Số tài khoản 0123456789 của người dân"
    answer = await api.post(f"/api/v1/tips/{stored.id}/notes", json={"body": secret * 200})
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "invalid_input" and error["fields"][0]["loc"] == ["body", "body"]
    assert "0123456789" not in answer.text
    unknown = await api.post(f"/api/v1/tips/{stored.id}/notes", json={"text": "x"})
    assert unknown.status_code == 422
    empty = await api.post(f"/api/v1/tips/{stored.id}/notes", json={"body": "   "})
    assert empty.status_code == 422 and empty.json()["error"]["code"] == "note"
    assert empty.json()["error"]["message"].startswith("Ghi chú không được để trống")
    not_json = await api.post(
        f"/api/v1/tips/{stored.id}/notes",
        content=b"{",
        headers={"Content-Type": "application/json"},
    )
    assert not_json.status_code == 422 and not_json.json()["error"]["code"] == "invalid_input"
    missing = await api.get("/api/v1/tips/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    assert missing.json()["error"] == {
        "code": "not_found",
        "message": "Không tìm thấy mục này trong phạm vi của đồng chí.",
    }


# -- the queue ------------------------------------------------------------------------------


async def test_queue_refuses_a_bad_filter_cursor_or_limit(world: World) -> None:
    api = await bearer(world, "chief_a")
    for params, code in (
        ({"status": "lost"}, "filter"),
        ({"from": "25/13/2026"}, "filter"),
        ({"assignee": "someone"}, "filter"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"limit": "0"}, "invalid_input"),
        ({"limit": "101"}, "invalid_input"),
        ({"from": "0001-01-01"}, "filter"),  # past what a day's bounds hold: not a 500
        ({"to": "31/12/9999"}, "filter"),
    ):
        answer = await api.get("/api/v1/tips", params=params)
        assert answer.status_code == 422, params
        assert answer.json()["error"]["code"] == code, params
    english = await api.get("/api/v1/tips", params={"status": "lost", "lang": "en"})
    assert english.json()["error"]["message"].startswith("The filter is not valid")


async def test_leaders_have_no_tips(world: World) -> None:
    stored = await world.tip()
    leader = await bearer(world, "leader_a")
    assert (await leader.get("/api/v1/me")).status_code == 200
    for url in ("/api/v1/tips", f"/api/v1/tips/{stored.id}"):
        answer = await leader.get(url)
        assert answer.status_code == 403 and answer.json()["error"]["code"] == "forbidden"


# -- one tip --------------------------------------------------------------------------------


async def test_tip_detail_by_id_or_code_without_the_contact(world: World) -> None:
    stored = await world.tip(
        anonymous=False,
        contact_name=CONTACT_NAME,
        contact_phone=CONTACT_PHONE,
        address="Số 12 phố Kim Mã",
        lat=21.0333,
        lon=105.8142,
        details={"scam_phone": "+84987654321"},
    )
    api = await bearer(world, "officer_a")
    by_id = await api.get(f"/api/v1/tips/{stored.id}")
    assert by_id.status_code == 200
    tip = by_id.json()
    by_code = (await api.get(f"/api/v1/tips/{stored.code.lower()}")).json()
    assert by_code["id"] == stored.id and tip["code"] == stored.code
    assert tip["status"] == "new" and tip["anonymous"] is False and tip["reporter"]
    assert tip["map_url"].startswith("https://www.openstreetmap.org/?mlat=21.033300")
    assert tip["timeline"][0]["kind"] == "created"
    assert {"take", "acknowledge", "note", "close"} <= set(tip["allowed"])
    # Issue 18: not this officer's tip yet, so no reveal; contact details are kept.
    assert "assign" not in tip["allowed"] and "reveal" not in tip["allowed"]
    assert tip["has_contact"] is True
    assert CONTACT_NAME not in by_id.text and CONTACT_PHONE not in by_id.text
    assert stored.resident_id not in by_id.text


async def test_attachments_are_downloads_for_the_area_only(world: World) -> None:
    data = b"\x89PNG\r\n\x1a\n" + b"evidence" * 100
    digest = world.app.state.runtime.media.store.put(data)
    script = b"<script>alert(1)</script>"
    script_digest = world.app.state.runtime.media.store.put(script)
    now = datetime.now(UTC)
    stored = await world.tip(
        attachments=[
            AttachmentIn("photo", f"blob:{digest}", "image/png", len(data), digest, now),
            AttachmentIn(
                "file", f"blob:{script_digest}", "text/html", len(script), script_digest, now
            ),
        ]
    )
    api = await bearer(world, "officer_a")
    tip = (await api.get(f"/api/v1/tips/{stored.id}")).json()
    png, html = tip["attachments"]
    assert png["url"] == f"/api/v1/tips/{stored.id}/attachments/{png['id']}"
    assert png["sha256"] == hashlib.sha256(data).hexdigest() and png["mime"] == "image/png"
    answer = await api.get(png["url"])
    assert answer.status_code == 200 and answer.content == data
    assert answer.headers["Content-Type"] == "image/png"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["Content-Disposition"] == (
        f'attachment; filename="{stored.code}-{png["id"]}.png"'
    )
    risky = await api.get(html["url"])
    assert risky.status_code == 200 and risky.content == script
    assert risky.headers["Content-Type"] == "application/octet-stream"
    assert "sandbox" in risky.headers["Content-Security-Policy"]
    other = await world.tip()
    crossed = await api.get(f"/api/v1/tips/{other.id}/attachments/{png['id']}")
    assert crossed.status_code == 404
    for label in ("officer_b", "chief_b", "admin_79"):
        outsider = await bearer(world, label)
        assert (await outsider.get(png["url"])).status_code == 404, label
    assert (await world.anonymous_client().get(png["url"])).status_code == 401


async def test_a_missing_blob_is_404(world: World) -> None:
    digest = "ab" * 32
    now = datetime.now(UTC)
    stored = await world.tip(
        attachments=[AttachmentIn("photo", f"blob:{digest}", "image/jpeg", 10, digest, now)]
    )
    api = await bearer(world, "officer_a")
    url = (await api.get(f"/api/v1/tips/{stored.id}")).json()["attachments"][0]["url"]
    answer = await api.get(url)
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"


async def test_colleagues_are_the_tips_commune_police(world: World) -> None:
    stored = await world.tip()
    for label in ("officer_a", "chief_a", "admin_01"):
        api = await bearer(world, label)
        people = (await api.get(f"/api/v1/tips/{stored.id}/colleagues")).json()
        names = {p["username"] for p in people}
        expected = {world.usernames[k] for k in ("officer_a", "officer_a2", "chief_a")}
        assert names == expected, label
        assert {p["role"] for p in people} == {"officer", "chief"}


# -- actions --------------------------------------------------------------------------------


async def test_an_officer_takes_a_chief_assigns(world: World) -> None:
    stored = await world.tip()
    officer = await bearer(world, "officer_a")
    taken = await officer.post(f"/api/v1/tips/{stored.id}/take")
    assert taken.status_code == 200
    assert taken.json()["assignee"] == world.usernames["officer_a"]
    assert "take" not in taken.json()["allowed"]
    refused = await officer.post(
        f"/api/v1/tips/{stored.id}/assign", json={"assignee_id": world.users["officer_a2"].id}
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    chief = await bearer(world, "chief_a")
    url = f"/api/v1/tips/{stored.id}/assign"
    given = await chief.post(url, json={"assignee_id": world.users["officer_a2"].id})
    assert given.status_code == 200
    assert given.json()["assignee_id"] == world.users["officer_a2"].id
    foreign = await chief.post(url, json={"assignee_id": world.users["officer_b"].id})
    assert foreign.status_code == 422 and foreign.json()["error"]["code"] == "assignee"
    assert (await chief.post(url, json={})).status_code == 422
    cleared = await chief.post(url, json={"assignee_id": None})
    assert cleared.status_code == 200 and cleared.json()["assignee_id"] is None
    admin = await bearer(world, "admin_01")
    assert (await admin.post(f"/api/v1/tips/{stored.id}/take")).status_code == 403
    by_admin = await admin.post(url, json={"assignee_id": world.users["chief_a"].id})
    assert by_admin.status_code == 200 and by_admin.json()["assignee"] == world.usernames["chief_a"]
    assert (await audit_actions(world, stored.code)).count("tip.assign") == 4


async def test_the_lifecycle_through_the_api(world: World) -> None:
    stored = await world.tip()
    api = await bearer(world, "officer_a")
    base = f"/api/v1/tips/{stored.id}"
    plain = await tip_json(api, stored)
    received = date.fromisoformat(plain["received_on"])
    # A crime report goes to the investigation body within 7 days; the body's 20 days to
    # decide only start once it has it.
    assert plain["forward_due"] == (received + timedelta(days=7)).isoformat()
    assert plain["decision_due"] is None
    for not_a_boolean in ("yes", "true", 1, None):
        answer = await api.post(f"{base}/urgency", json={"urgent": not_a_boolean})
        assert answer.status_code == 422, not_a_boolean
        assert answer.json()["error"]["code"] == "invalid_input", not_a_boolean
        assert answer.json()["error"]["fields"][0]["loc"] == ["body", "urgent"]
    assert await tip_json(api, stored) == plain
    urgent = await api.post(f"{base}/urgency", json={"urgent": True})
    assert urgent.status_code == 200 and urgent.json()["urgent"] is True
    # Urgent: forwarded within 24 hours of receipt.
    assert urgent.json()["forward_due"] == (received + timedelta(days=1)).isoformat()
    assert urgent.json()["ack_due"] == plain["ack_due"]
    calm = await api.post(f"{base}/urgency", json={"urgent": False})
    assert calm.status_code == 200 and calm.json()["forward_due"] == plain["forward_due"]
    urgent = await api.post(f"{base}/urgency", json={"urgent": True})
    assert urgent.json()["forward_due"] == (received + timedelta(days=1)).isoformat()
    too_early = await api.post(f"{base}/verify")
    assert too_early.status_code == 409 and too_early.json()["error"]["code"] == "transition"
    acknowledged = await api.post(f"{base}/acknowledge")
    assert acknowledged.status_code == 200
    tip = acknowledged.json()
    assert tip["status"] == "acknowledged" and tip["acknowledged_at"]
    # A crime report the commune does not handle itself goes on within the forward deadline;
    # no decision deadline runs before that.
    assert (tip["track"], tip["next_kind"]) == ("crime", "forward")
    assert tip["next_due"] == tip["forward_due"] and tip["decision_due"] is None
    assert await outbox_kinds(world, stored.id) == ["tip.acknowledged"]
    again = await api.post(f"{base}/acknowledge", headers={"Accept-Language": "en"})
    assert again.status_code == 409
    assert again.json()["error"]["message"] == "The tip's status does not allow this action."
    verifying = await api.post(f"{base}/verify")
    assert verifying.status_code == 200 and verifying.json()["status"] == "verifying"
    asked = await api.post(f"{base}/questions", json={"question": "Số điện thoại gọi đến là gì?"})
    assert asked.status_code == 200
    questions = [e for e in asked.json()["timeline"] if e["kind"] == "question"]
    assert [(q["body"], q["visibility"]) for q in questions] == [
        ("Số điện thoại gọi đến là gì?", "reporter")
    ]
    assert await outbox_kinds(world, stored.id) == ["tip.acknowledged", "tip.question"]
    # The investigation body decides, once it has the report; the reporter reads the
    # receiving body's name as written, never an officer's phone number.
    before = await tip_json(api, stored)
    for resolution in ("prosecuted", "not_prosecuted", "suspended"):
        early = await api.post(f"{base}/close", json={"resolution": resolution})
        assert early.status_code == 409, resolution
        assert early.json()["error"]["code"] == "decision_unforwarded", resolution
    phoned = await api.post(f"{base}/forward", json={"to": "CSĐT Hà Nội, ĐT 0912 345 678"})
    assert phoned.status_code == 422 and phoned.json()["error"]["code"] == "forward_to_phone"
    assert "0912" not in phoned.text
    assert await tip_json(api, stored) == before
    forwarded = await api.post(
        f"{base}/forward",
        json={"to": "Cơ quan CSĐT Công an TP Hà Nội", "note": "Có dấu hiệu tội phạm"},
    )
    assert forwarded.status_code == 200
    tip = forwarded.json()
    assert tip["status"] == "forwarded" and tip["forwarded_to"] == "Cơ quan CSĐT Công an TP Hà Nội"
    assert tip["forwarded_at"] and tip["next_kind"] == "decision"
    forwarded_on = local_date(datetime.fromisoformat(tip["forwarded_at"]))
    assert tip["decision_due"] == tip["next_due"] == (forwarded_on + timedelta(days=20)).isoformat()
    bad = await api.post(f"{base}/close", json={"resolution": "done"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "resolution"
    closed = await api.post(
        f"{base}/close", json={"resolution": "transferred", "note": "Đã bàn giao hồ sơ"}
    )
    assert closed.status_code == 200
    tip = closed.json()
    assert (tip["status"], tip["resolution"], tip["resolution_note"]) == (
        "closed",
        "transferred",
        "Đã bàn giao hồ sơ",
    )
    assert tip["closed_at"] and tip["due_state"] == "none"
    assert set(tip["allowed"]) == {"note"}
    assert (await outbox_kinds(world, stored.id))[-2:] == ["tip.forwarded", "tip.closed"]
    after = await api.post(f"{base}/urgency", json={"urgent": False})
    assert after.status_code == 409 and after.json()["error"]["code"] == "closed"
    noted = await api.post(f"{base}/notes", json={"body": "Lưu hồ sơ."})
    assert noted.status_code == 200
    statuses = [a for a in await audit_actions(world, stored.code) if a == "tip.status"]
    assert len(statuses) == 4
    assert (await audit_actions(world, stored.code)).count("tip.urgency") == 3


async def test_a_threatened_reporters_tip_stays_urgent(world: World) -> None:
    stored = await world.tip()
    api = await bearer(world, "officer_a")
    base = f"/api/v1/tips/{stored.id}"
    received = date.fromisoformat((await tip_json(api, stored))["received_on"])
    threatened = await api.post(f"{base}/protect", json={"protection": "threatened"})
    assert threatened.status_code == 200
    tip = threatened.json()
    assert (tip["protection"], tip["urgent"]) == ("threatened", True)
    assert tip["forward_due"] == (received + timedelta(days=1)).isoformat()
    calm = await api.post(f"{base}/urgency", json={"urgent": False})
    assert calm.status_code == 409 and calm.json()["error"]["code"] == "urgent_threatened"
    assert calm.json()["error"]["message"].startswith("Người báo tin cho biết đang bị đe dọa")
    assert await tip_json(api, stored) == tip
    still = await api.post(f"{base}/urgency", json={"urgent": True})
    assert still.status_code == 200 and still.json() == tip  # already urgent: nothing to do
    assert "tip.urgency" not in await audit_actions(world, stored.code)


async def test_close_a_new_tip_with_a_resolution(world: World) -> None:
    stored = await world.tip()
    chief = await bearer(world, "chief_a")
    closed = await chief.post(f"/api/v1/tips/{stored.id}/close", json={"resolution": "duplicate"})
    assert closed.status_code == 200
    assert (closed.json()["status"], closed.json()["resolution"]) == ("closed", "duplicate")
    assert await outbox_kinds(world, stored.id) == ["tip.closed"]


async def test_extend_twice_then_refused(world: World) -> None:
    stored = await world.tip()
    api = await bearer(world, "officer_a")
    url = f"/api/v1/tips/{stored.id}/extend"
    # Nothing to extend before the investigation body has the report.
    before = await tip_json(api, stored)
    assert "extend" not in before["allowed"]
    unsent = await api.post(url, json={"reason": "Cần xác minh thêm tại ngân hàng"})
    assert unsent.status_code == 409 and unsent.json()["error"]["code"] == "extension_none"
    assert await tip_json(api, stored) == before
    forwarded = await api.post(
        f"/api/v1/tips/{stored.id}/forward", json={"to": "Cơ quan CSĐT Công an TP Hà Nội"}
    )
    assert forwarded.status_code == 200 and "extend" in forwarded.json()["allowed"]
    forwarded_on = local_date(datetime.fromisoformat(forwarded.json()["forwarded_at"]))
    short = await api.post(url, json={"reason": "ít"})
    assert short.status_code == 422 and short.json()["error"]["code"] == "reason"
    first = await api.post(url, json={"reason": "Cần xác minh thêm tại ngân hàng"})
    assert first.status_code == 200
    # The second needs the procuracy's decision.
    second = await api.post(
        url,
        json={
            "reason": "Chờ kết quả giám định",
            "decision_number": "12/QĐ-VKS",
            "decision_date": local_date(datetime.now(UTC)).isoformat(),
        },
    )
    assert second.status_code == 200, second.text
    one, two = first.json(), second.json()
    assert (one["extensions"], two["extensions"]) == (1, 2)
    # The first: 2 months from the investigation body's receipt; the second: up to 2 months
    # from the end of the first.
    assert one["decision_due"] == add_months(forwarded_on, 2).isoformat()
    assert two["decision_due"] == add_months(add_months(forwarded_on, 2), 2).isoformat()
    assert "extend" not in two["allowed"]
    assert (one["extension_decision"], two["extension_decision"]["number"]) == (None, "12/QĐ-VKS")
    third = await api.post(url, json={"reason": "Thêm một lần nữa"})
    assert third.status_code == 409 and third.json()["error"]["code"] == "extension_limit"
    assert (await outbox_kinds(world, stored.id)) == [
        "tip.forwarded",
        "tip.extended",
        "tip.extended",
    ]
    assert (await audit_actions(world, stored.code)).count("tip.extend") == 2


async def test_a_question_waits_in_the_outbox(world: World) -> None:
    stored = await world.tip()
    api = await bearer(world, "officer_a")
    asked = await api.post(
        f"/api/v1/tips/{stored.id}/questions", json={"question": "Anh chị mất bao nhiêu tiền?"}
    )
    assert asked.status_code == 200
    async with world.session() as session:
        row = (
            await session.execute(select(OutboxMessage).where(OutboxMessage.tip_id == stored.id))
        ).scalar_one()
    assert (row.kind, row.resident_id, row.status) == (
        "tip.question",
        stored.resident_id,
        "pending",
    )
    assert "Anh chị mất bao nhiêu tiền?" in str(row.payload)
    empty = await api.post(f"/api/v1/tips/{stored.id}/questions", json={"question": ""})
    assert empty.status_code == 422 and empty.json()["error"]["code"] == "question"


async def test_reveal_is_audited_and_not_cached(world: World) -> None:
    stored = await world.tip(
        anonymous=False, contact_name=CONTACT_NAME, contact_phone=CONTACT_PHONE
    )
    api = await bearer(world, "chief_a")
    url = f"/api/v1/tips/{stored.id}/reveal"
    no_reason = await api.post(url, json={"reason": "xem"})
    assert no_reason.status_code == 422 and no_reason.json()["error"]["code"] == "reason"
    assert "tip.reveal" not in await audit_actions(world, stored.code)
    revealed = await api.post(url, json={"reason": "Cần gọi lại để lấy lời khai"})
    assert revealed.status_code == 200
    assert revealed.json() == {"name": CONTACT_NAME, "phone": CONTACT_PHONE}
    assert revealed.headers["Cache-Control"] == "no-store"
    async with world.session() as session:
        audit = (
            await session.execute(
                select(AuditLog).where(
                    AuditLog.subject == stored.code, AuditLog.action == "tip.reveal"
                )
            )
        ).scalar_one()
    assert audit.actor_username == world.usernames["chief_a"]
    assert audit.reason == "Cần gọi lại để lấy lời khai" and audit.ip == "127.0.0.1"
    assert CONTACT_PHONE not in audit.detail
    anonymous = await world.tip()
    refused = await api.post(
        f"/api/v1/tips/{anonymous.id}/reveal", json={"reason": "Cần gọi lại để lấy lời khai"}
    )
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "anonymous"
    assert refused.json()["error"]["message"].startswith("Người báo tin ẩn danh")


async def test_a_deactivated_account_loses_the_api(world: World) -> None:
    api = await bearer(world, "officer_a2")
    client, _csrf = await cookie_client(world, "officer_a2")
    assert (await api.get("/api/v1/me")).status_code == 200
    async with world.session() as session:
        await session.execute(
            update(AdminUser)
            .where(AdminUser.id == world.users["officer_a2"].id)
            .values(active=False)
        )
        await session.commit()
    assert (await api.get("/api/v1/me")).status_code == 401
    assert (await client.get("/api/v1/me")).status_code == 401


def test_every_error_code_has_a_message_in_both_languages() -> None:
    for code, msgid in MESSAGES.items():
        vi, en = error_message(code, 422, "vi"), error_message(code, 422, "en")
        assert msgid == f"panel.error.{code}"
        assert vi != msgid and en != msgid and vi != en, code
    assert error_message("no_such_code", 404, "en") == error_message("not_found", 404, "en")
    assert error_message("no_such_code", 409, "vi") == error_message("invalid_input", 409, "vi")


async def test_related_tips_stay_in_the_callers_area(world: World) -> None:
    first, second = await world.tip(), await world.tip()
    elsewhere = await world.tip(COMMUNE_B)
    shared = [Found("phone", "+84901234567")]
    async with world.session() as session:
        indicators = SqlIndicators(session)
        for stored in (first, second, elsewhere):
            await indicators.report_from_tip(stored.id, shared, datetime.now(UTC))
        await session.commit()
    officer = await bearer(world, "officer_a")
    related = (await officer.get(f"/api/v1/tips/{first.id}")).json()["related"]
    assert [(r["code"], r["shared"]) for r in related] == [(second.code, ["+84901234567"])]
    admin = await bearer(world, "admin_01")
    related = (await admin.get(f"/api/v1/tips/{first.id}")).json()["related"]
    assert {r["code"] for r in related} == {second.code, elsewhere.code}


async def test_a_body_past_the_limit_is_not_read(world: World) -> None:
    stored = await world.tip()
    api = await bearer(world, "officer_a")
    url = f"/api/v1/tips/{stored.id}/forward"
    huge = await api.post(url, json={"to": "x", "note": "x" * MAX_BODY})
    assert huge.status_code == 413
    assert (await api.get(f"/api/v1/tips/{stored.id}")).json()["status"] == "new"
    longest = {"to": "\u0110" * 200, "note": "\u1ec7" * 4000}
    assert len(json.dumps(longest)) < MAX_BODY
    fits = await api.post(url, json=longest)
    assert fits.status_code == 200 and fits.json()["status"] == "forwarded"


async def test_a_reporters_anonymous_tips_do_not_share_a_name_with_their_named_ones(
    world: World,
) -> None:
    """Issue 18: the pseudonym links one reporter's tips of the same kind, never an anonymous
    tip with a named one (a lawful reveal of the latter would unmask the former)."""
    me = await world.resident()
    named = await world.tip(
        resident_id=me, anonymous=False, contact_name="Võ Văn F", contact_phone="+84944444444"
    )
    first = await world.tip(resident_id=me)
    second = await world.tip(resident_id=me)
    stranger = await world.tip()
    api = await bearer(world, "chief_a")
    name = {
        t.code: (await api.get(f"/api/v1/tips/{t.id}")).json()["reporter"]
        for t in (named, first, second, stranger)
    }
    assert all(name.values())
    assert name[first.code] == name[second.code]
    assert name[named.code] != name[first.code] and name[stranger.code] != name[first.code]
