"""Scam indicators under review: the list for every role, the links to tips of the caller's
area only, confirm and reject (CSRF, audit, the check answering by them), and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from sqlalchemy import select

from admin import auth
from content.scamcheck import Found
from storage.indicators import SqlIndicators
from storage.models import AuditLog, Indicator
from tests.panel.conftest import COMMUNE_A, COMMUNE_B, COMMUNE_C, StoredTip, World, csrf_of

PHONE = Found("phone", "+84912345678")
DOMAIN = Found("domain", "evil-shop.xyz")
ACCOUNT = Found("account", "0123456789", "VCB")


@dataclass
class Reported:
    tip_a: StoredTip
    tip_b: StoredTip
    tip_c: StoredTip
    ids: dict[str, int]


async def _reported(world: World) -> Reported:
    """The phone is named by tips of communes A and B, the domain by a tip of C, and the
    account was imported as confirmed."""
    tip_a = await world.tip(COMMUNE_A, category="fraud_phone")
    tip_b = await world.tip(COMMUNE_B, category="fraud_phone")
    tip_c = await world.tip(COMMUNE_C, category="fraud_online")
    now = datetime.now(UTC)
    async with world.session() as session:
        store = SqlIndicators(session)
        await store.report_from_tip(tip_a.id, [PHONE], now)
        await store.report_from_tip(tip_b.id, [PHONE], now)
        await store.report_from_tip(tip_c.id, [DOMAIN], now)
        await store.import_csv(["account,0123456789,VCB"], "import:nhnn.csv", now)
        await session.commit()
        rows = (await session.execute(select(Indicator.kind, Indicator.id))).all()
    return Reported(tip_a, tip_b, tip_c, {kind: int(i) for kind, i in rows})


def _session_csrf(world: World, client: httpx.AsyncClient) -> str:
    token = client.cookies.get(auth.SESSION_COOKIE) or ""
    return auth.csrf_token(world.settings, "session", token)


async def _status(world: World, indicator_id: int) -> tuple[str, str]:
    async with world.session() as session:
        row = await session.get(Indicator, indicator_id)
        assert row is not None
        return row.status, row.decided_by


async def _audits(world: World, action: str) -> list[AuditLog]:
    async with world.session() as session:
        query = select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)
        return list((await session.execute(query)).scalars())


async def test_list_shows_tips_of_the_callers_area_only(world: World) -> None:
    r = await _reported(world)
    expected = {
        "officer_a": ({r.tip_a.id}, {r.tip_b.id, r.tip_c.id}),
        "chief_a": ({r.tip_a.id}, {r.tip_b.id, r.tip_c.id}),
        "officer_b": ({r.tip_b.id}, {r.tip_a.id, r.tip_c.id}),
        "chief_b": ({r.tip_b.id}, {r.tip_a.id, r.tip_c.id}),
        "officer_c": ({r.tip_c.id}, {r.tip_a.id, r.tip_b.id}),
        "admin_01": ({r.tip_a.id, r.tip_b.id}, {r.tip_c.id}),
        "admin_79": ({r.tip_c.id}, {r.tip_a.id, r.tip_b.id}),
    }
    for label, (linked, hidden) in expected.items():
        page = await (await world.client(label)).get("/admin/indicators")
        assert page.status_code == 200, label
        html = page.text
        # Both reported indicators, most reported first; the confirmed import is not listed.
        assert html.index("0912 345 678") < html.index("evil-shop.xyz"), label
        assert "0123456789" not in html
        assert "2 người báo" in html
        for tip_id in linked:
            assert f'href="/admin/tips/{tip_id}"' in html, label
        for tip_id in hidden:
            assert tip_id not in html, label
        tip_codes = {r.tip_a.id: r.tip_a.code, r.tip_b.id: r.tip_b.code, r.tip_c.id: r.tip_c.code}
        for tip_id in hidden:
            assert tip_codes[tip_id] not in html, label


async def test_filters_search_and_mine(world: World) -> None:
    await _reported(world)
    client = await world.client("officer_c")
    mine = (await client.get("/admin/indicators?mine=1")).text
    assert "evil-shop.xyz" in mine and "0912 345 678" not in mine
    confirmed = (await client.get("/admin/indicators?status=confirmed")).text
    assert "VCB 0123456789" in confirmed and "evil-shop.xyz" not in confirmed
    for typed in ("0912 345 678", "+84 912.345.678", "912345"):
        found = (await client.get("/admin/indicators", params={"q": typed})).text
        assert "0912 345 678" in found and "evil-shop.xyz" not in found, typed
    link = (await client.get("/admin/indicators", params={"q": "https://www.EVIL-shop.xyz"})).text
    assert "evil-shop.xyz" in link and "0912 345 678" not in link
    phones = (await client.get("/admin/indicators?kind=domain&status=all")).text
    assert "evil-shop.xyz" in phones and "0912 345 678" not in phones
    nothing = (await client.get("/admin/indicators?q=khong-co-dau")).text
    assert "Không có mục nào khớp bộ lọc." in nothing
    bad = await client.get("/admin/indicators?status=bogus")
    assert bad.status_code == 422 and "Bộ lọc không hợp lệ" in bad.text


async def test_page_refuses_leaders_and_strangers(world: World) -> None:
    leader = await (await world.client("leader_a")).get("/admin/indicators")
    assert leader.status_code == 403
    stranger = await world.anonymous_client().get("/admin/indicators")
    assert stranger.status_code == 303 and stranger.headers["location"] == "/admin/"


async def test_confirm_and_reject_through_the_page(world: World) -> None:
    r = await _reported(world)
    client = await world.client("officer_b")
    page = await client.get("/admin/indicators?kind=phone")
    csrf = csrf_of(page.text)
    phone, domain = r.ids["phone"], r.ids["domain"]
    forged = await client.post(f"/admin/indicators/{phone}/confirm", data={"csrf": "x" * 64})
    assert forged.status_code == 403 and (await _status(world, phone))[0] == "reported"
    done = await client.post(
        f"/admin/indicators/{phone}/confirm", data={"csrf": csrf, "back": "kind=phone&evil=1"}
    )
    assert done.status_code == 303
    location = done.headers["location"]
    assert location.startswith("/admin/indicators?") and "kind=phone" in location
    assert "evil" not in location and "done=confirm" in location
    assert await _status(world, phone) == ("confirmed", world.usernames["officer_b"])
    shown = await client.get(location)
    assert "Đã xác nhận 0912 345 678 là lừa đảo" in shown.text
    rejected = await client.post(f"/admin/indicators/{domain}/reject", data={"csrf": csrf})
    assert rejected.status_code == 303
    assert (await _status(world, domain))[0] == "rejected"
    async with world.session() as session:  # the scam check answers by the decisions
        known = {k.kind: k.status for k in await SqlIndicators(session).lookup([PHONE, DOMAIN])}
    assert known == {"phone": "confirmed", "domain": "rejected"}
    confirms, rejects = (
        await _audits(world, "indicator.confirm"),
        await _audits(world, "indicator.reject"),
    )
    assert [(a.subject, a.detail, a.actor_username) for a in confirms] == [
        (str(phone), "phone", world.usernames["officer_b"])
    ]
    assert [(a.subject, a.detail) for a in rejects] == [(str(domain), "domain")]
    missing = await client.post("/admin/indicators/999999/confirm", data={"csrf": csrf})
    assert missing.status_code == 404 and "Không tìm thấy mục này." in missing.text
    unknown = await client.post(f"/admin/indicators/{phone}/delete", data={"csrf": csrf})
    assert unknown.status_code == 404 and (await _status(world, phone))[0] == "confirmed"


async def test_leader_cannot_decide(world: World) -> None:
    r = await _reported(world)
    client = await world.client("leader_a")
    answer = await client.post(
        f"/admin/indicators/{r.ids['phone']}/confirm", data={"csrf": _session_csrf(world, client)}
    )
    assert answer.status_code == 403 and (await _status(world, r.ids["phone"]))[0] == "reported"
    assert await _audits(world, "indicator.confirm") == []


# -- the API --------------------------------------------------------------------------------


async def test_api_list_for_every_role(world: World) -> None:
    r = await _reported(world)
    stranger = await world.anonymous_client().get("/api/v1/indicators")
    assert stranger.status_code == 401 and stranger.json()["error"]["code"] == "unauthorized"
    leader = await (await world.client("leader_a")).get("/api/v1/indicators")
    assert leader.status_code == 403 and leader.json()["error"]["code"] == "forbidden"
    tips_seen = {
        "officer_a": {r.tip_a.code},
        "chief_b": {r.tip_b.code},
        "officer_c": {r.tip_c.code},
        "admin_01": {r.tip_a.code, r.tip_b.code},
        "admin_79": {r.tip_c.code},
    }
    for label, codes in tips_seen.items():
        answer = await (await world.client(label)).get("/api/v1/indicators?status=all")
        assert answer.status_code == 200, label
        items = answer.json()["items"]
        assert [i["kind"] for i in items] == ["phone", "domain", "account"], label
        assert items[0]["reports"] == 2 and items[0]["shown"] == "0912 345 678"
        assert {t["code"] for i in items for t in i["tips"]} == codes, label
        assert sum(i["tips_in_area"] for i in items) == len(codes), label


async def test_api_pages_follow_the_cursor(world: World) -> None:
    await _reported(world)
    client = await world.client("officer_a")
    seen: list[str] = []
    url = "/api/v1/indicators?status=all&limit=1"
    cursor = None
    for _ in range(5):
        answer = await client.get(url + (f"&cursor={cursor}" if cursor else ""))
        body = answer.json()
        seen += [i["kind"] for i in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == ["phone", "domain", "account"]
    bad = await client.get("/api/v1/indicators?cursor=not-a-cursor")
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "cursor"
    bad_kind = await client.get("/api/v1/indicators?kind=email&lang=en")
    assert bad_kind.status_code == 422 and bad_kind.json()["error"]["code"] == "filter"


async def test_api_decisions(world: World) -> None:
    r = await _reported(world)
    phone = r.ids["phone"]
    client = await world.client("chief_a")
    no_csrf = await client.post(f"/api/v1/indicators/{phone}/confirm")
    assert no_csrf.status_code == 401 and (await _status(world, phone))[0] == "reported"
    headers = {auth.CSRF_HEADER: _session_csrf(world, client)}
    confirmed = await client.post(f"/api/v1/indicators/{phone}/confirm", headers=headers)
    assert confirmed.status_code == 200
    body = confirmed.json()
    assert body["status"] == "confirmed" and body["decided_by"] == world.usernames["chief_a"]
    assert [t["code"] for t in body["tips"]] == [r.tip_a.code]
    rejected = await client.post(f"/api/v1/indicators/{phone}/reject", headers=headers)
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    missing = await client.post("/api/v1/indicators/424242/reject", headers=headers)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert [a.detail for a in await _audits(world, "indicator.confirm")] == ["phone"]
    assert [a.detail for a in await _audits(world, "indicator.reject")] == ["phone"]
    leader = await world.client("leader_a")
    refused = await leader.post(
        f"/api/v1/indicators/{phone}/confirm",
        headers={auth.CSRF_HEADER: _session_csrf(world, leader)},
    )
    assert refused.status_code == 403 and (await _status(world, phone))[0] == "rejected"
    stranger = await world.anonymous_client().post(f"/api/v1/indicators/{phone}/confirm")
    assert stranger.status_code == 401
