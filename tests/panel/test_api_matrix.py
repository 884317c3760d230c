"""Every /api/v1 route against every role: the status each must get for a tip of COMMUNE_A.

The table below is the access policy of the API in one place. `test_every_api_route_is_in_the
_table` lists the routes of the running app, so a route added anywhere (this module's, the
audit log's, exports, statistics...) fails until someone decides who may call it. Callers out
of the tip's area (officer_b, chief_b of another commune, admin_79 of another province) get
404 on every tip route, whatever their role could otherwise do, and a refused call changes
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import routing

from admin import auth
from content.scamcheck import Found
from handlers import casework as cases
from handlers.broadcasts import compose
from handlers.tipmodel import AttachmentIn
from storage import casework
from storage.broadcasts import SqlBroadcastStore
from storage.indicators import SqlIndicators
from tests.panel.conftest import World, case_store
from tests.panel.test_api import bearer, cookie_client

OK = 200
NOBODY = "anonymous"
ROLES = ("officer_a", "chief_a", "leader_a", "officer_b", "chief_b", "admin_01", "admin_79", NOBODY)
IN_AREA = ("officer_a", "chief_a", "admin_01")
OUT_OF_AREA = ("officer_b", "chief_b", "admin_79")
ERROR_CODES = {401: "unauthorized", 403: "forbidden", 404: "not_found"}


def everyone(status: int) -> dict[str, int]:
    return {role: status for role in ROLES}


def signed_in(status: int) -> dict[str, int]:
    return {**everyone(status), NOBODY: 401}


def police(status: int = OK) -> dict[str, int]:
    """Any police role may call it; leaders may not."""
    return {**signed_in(status), "leader_a": 403}


def tip_route(**overrides: int) -> dict[str, int]:
    """A route about one COMMUNE_A tip: its area may, the rest of the world gets 404."""
    expected = police()
    expected.update({role: 404 for role in OUT_OF_AREA})
    expected.update(overrides)
    return expected


def notice_route(**overrides: int) -> dict[str, int]:
    """A route about leader_a's notice to COMMUNE_A: the commune's police may, the rest of
    the world gets 404."""
    expected = {**signed_in(OK), **{role: 404 for role in OUT_OF_AREA}}
    expected.update(overrides)
    return expected


def chiefs_and_admins() -> dict[str, int]:
    return {**police(), "officer_a": 403, "officer_b": 403}


@dataclass
class Case:
    expect: dict[str, int]
    body: dict[str, Any] | None = None
    params: dict[str, str] = field(default_factory=dict)
    # Bring a fresh tip to the state the action needs; None: every role shares one tip.
    state: str | None = None
    # A fresh leader's notice awaiting approval for each role; False: every role shares one.
    fresh_notice: bool = False
    # Refusals with their own code instead of the status's generic one, by role.
    codes: dict[str, str] = field(default_factory=dict)


def _action(state: str = "new", body: dict[str, Any] | None = None, **overrides: int) -> Case:
    return Case(tip_route(**overrides), body=body, state=state)


REASON = "Cần xác minh với người báo tin"
TABLE: dict[tuple[str, str], Case] = {
    ("GET", "/api/v1/openapi.json"): Case(everyone(OK)),
    ("GET", "/api/v1/me"): Case(signed_in(OK)),
    # A code to link a chat: for the leaders who compose there, and the officers and chiefs
    # told there (handlers/chat_links.py); a province admin links none.
    ("POST", "/api/v1/me/chat-links"): Case({**signed_in(201), "admin_01": 403, "admin_79": 403}),
    ("GET", "/api/v1/me/chat-links"): Case({**signed_in(OK), "admin_01": 403, "admin_79": 403}),
    # No one has a chat linked here: there is nothing of theirs to unlink.
    ("DELETE", "/api/v1/me/chat-links/{channel}"): Case(
        {**signed_in(404), "admin_01": 403, "admin_79": 403}
    ),
    ("GET", "/api/v1/tips"): Case(police()),
    ("GET", "/api/v1/stats"): Case(police()),
    ("GET", "/api/v1/audit"): Case(chiefs_and_admins()),
    ("GET", "/api/v1/tips/export"): Case(police()),
    # Scam indicators are national data: any police role reviews any of them.
    ("GET", "/api/v1/indicators"): Case(police()),
    ("POST", "/api/v1/indicators/{indicator_id}/confirm"): Case(police()),
    ("POST", "/api/v1/indicators/{indicator_id}/reject"): Case(police()),
    ("GET", "/api/v1/tips/{tip_id}"): Case(tip_route()),
    ("GET", "/api/v1/tips/{tip_id}/attachments/{attachment_id}"): Case(tip_route()),
    ("GET", "/api/v1/tips/{tip_id}/colleagues"): Case(tip_route()),
    ("POST", "/api/v1/tips/{tip_id}/take"): _action(admin_01=403),
    ("POST", "/api/v1/tips/{tip_id}/assign"): _action(
        body={"assignee_id": "officer_a2"}, officer_a=403
    ),
    ("POST", "/api/v1/tips/{tip_id}/urgency"): _action(body={"urgent": True}),
    ("POST", "/api/v1/tips/{tip_id}/acknowledge"): _action(),
    ("POST", "/api/v1/tips/{tip_id}/verify"): _action("acknowledged"),
    ("POST", "/api/v1/tips/{tip_id}/questions"): _action(body={"question": "Anh chị ở đâu?"}),
    ("POST", "/api/v1/tips/{tip_id}/forward"): _action(
        "acknowledged", body={"to": "Cơ quan CSĐT Công an TP Hà Nội", "note": ""}
    ),
    # Only a forwarded crime report has a decision deadline to extend.
    ("POST", "/api/v1/tips/{tip_id}/extend"): _action("forwarded", body={"reason": REASON}),
    ("POST", "/api/v1/tips/{tip_id}/close"): _action(body={"resolution": "duplicate"}),
    # Thanking the reporter of a useful tip is the chief's (issue 20).
    ("POST", "/api/v1/tips/{tip_id}/thank"): Case(
        tip_route(officer_a=403, admin_01=403),
        state="useful",
        codes={"officer_a": "thank_chief", "admin_01": "thank_chief"},
    ),
    ("POST", "/api/v1/tips/{tip_id}/track"): _action(
        body={"track": "administrative", "reason": REASON}
    ),
    ("POST", "/api/v1/tips/{tip_id}/mediate"): _action(
        "mediation", body={"team": "Tổ hòa giải tổ dân phố số 3"}
    ),
    ("POST", "/api/v1/tips/{tip_id}/resume"): _action("suspended", body={"reason": REASON}),
    ("POST", "/api/v1/tips/{tip_id}/protect"): _action(body={"protection": "secret"}),
    ("POST", "/api/v1/tips/{tip_id}/notes"): _action(body={"body": "Ghi chú nội bộ"}),
    # Issue 18: the tip's assigned officer and the commune's chief only; this tip is no one's.
    ("POST", "/api/v1/tips/{tip_id}/reveal"): replace(
        _action(body={"reason": REASON}, officer_a=403, admin_01=403),
        codes=dict.fromkeys(("officer_a", "admin_01"), "reveal_not_allowed"),
    ),
    # Every role broadcasts to its own area; a province admin must name the communes.
    ("POST", "/api/v1/broadcasts"): Case(
        {**signed_in(201), "admin_01": 422, "admin_79": 422},
        body={"text": "Cảnh báo lừa đảo qua điện thoại", "kind": "alert"},
    ),
    ("GET", "/api/v1/broadcasts"): Case(signed_in(OK)),
    # The shared broadcast is leader_a's notice to COMMUNE_A: its police and its sender see it.
    ("GET", "/api/v1/broadcasts/{broadcast_id}"): Case(notice_route(leader_a=OK)),
    ("POST", "/api/v1/broadcasts/{broadcast_id}/approve"): Case(
        notice_route(leader_a=403), fresh_notice=True
    ),
    ("POST", "/api/v1/broadcasts/{broadcast_id}/reject"): Case(
        notice_route(leader_a=403), body={"reason": REASON}, fresh_notice=True
    ),
    ("POST", "/api/v1/broadcasts/{broadcast_id}/cancel"): Case(
        notice_route(leader_a=OK), fresh_notice=True
    ),
}


def api_routes(world: World) -> set[tuple[str, str]]:
    """(method, path) of every route the running app serves under /api/v1."""
    found: set[tuple[str, str]] = set()
    for route in routing.iter_route_contexts(world.app.routes):
        path = route.path or ""
        if path == "/api/v1" or path.startswith("/api/v1/"):
            found |= {(m, path) for m in (route.methods or set()) - {"HEAD"}}
    return found


async def test_every_api_route_is_in_the_table(world: World) -> None:
    routes = api_routes(world)
    assert sorted(routes - TABLE.keys()) == [], "API routes without an entry in TABLE"
    assert sorted(TABLE.keys() - routes) == [], "entries in TABLE for routes that are gone"


@dataclass
class Scene:
    """One COMMUNE_A tip (with a contact and an attachment) and a client per role."""

    world: World
    clients: dict[str, httpx.AsyncClient]
    shared: str = ""
    attachment_id: int = 0
    indicator_id: int = 0
    notice: str = ""

    async def leader_notice(self) -> str:
        async with self.world.session() as session:
            made = await compose.compose(
                SqlBroadcastStore(session),
                self.world.users["leader_a"],
                compose.Draft("Tối nay 19 giờ họp tổ dân phố", "alert"),
                limits=compose.Limits(leader_per_day=1000),
            )
            await session.commit()
        return made.id

    async def notice_for(self, case: Case) -> str:
        return await self.leader_notice() if case.fresh_notice else self.notice

    async def tip(self, state: str = "new") -> str:
        data = b"\xff\xd8\xff evidence"
        digest = self.world.app.state.runtime.media.store.put(data)
        ref = AttachmentIn(
            "photo", f"blob:{digest}", "image/jpeg", len(data), digest, datetime.now(UTC)
        )
        category = "neighbourhood_dispute" if state == "mediation" else "scam"
        stored = await self.world.tip(
            anonymous=False,
            contact_name="Trần Văn Bình",
            contact_phone="0987654321",
            attachments=[ref],
            category=category,
        )
        chief = self.world.users["chief_a"]
        if state in ("acknowledged", "mediation", "forwarded", "suspended", "useful"):
            async with self.world.session() as session:
                store = case_store(session)
                await cases.acknowledge(store, chief, stored.id)
                if state in ("forwarded", "suspended", "useful"):
                    # The investigation body's decisions (a suspension) follow a forward.
                    await cases.forward(store, chief, stored.id, "Cơ quan CSĐT Công an TP")
                if state == "suspended":
                    # Decided once the 20 days ran out (CPC art. 148(1)).
                    later = datetime.now(UTC) + timedelta(days=21)
                    await cases.close(store, chief, stored.id, "suspended", now=later)
                if state == "useful":  # a case opened: the chief may thank the reporter
                    await cases.close(store, chief, stored.id, "prosecuted")
                await session.commit()
        return stored.id

    async def snapshot(self, tip_id: str) -> tuple[Any, ...]:
        async with self.world.session() as session:
            d = await casework.tip_detail(session, self.world.users["chief_a"], tip_id)
        return (d.status, d.urgent, d.assignee_id, d.extensions, len(d.timeline))

    def url(self, path: str, tip_id: str, notice: str = "") -> str:
        return path.format(
            tip_id=tip_id,
            attachment_id=self.attachment_id,
            indicator_id=self.indicator_id,
            broadcast_id=notice or self.notice,
            channel="telegram",
        )

    def body(self, case: Case) -> dict[str, Any] | None:
        if case.body is None:
            return None
        return {
            k: self.world.users[v].id if k == "assignee_id" else v for k, v in case.body.items()
        }


def _now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
async def scene(world: World) -> Scene:
    clients = {label: await bearer(world, label) for label in ROLES if label != NOBODY}
    clients[NOBODY] = world.anonymous_client()
    found = Scene(world, clients)
    found.shared = await found.tip()
    async with world.session() as session:
        detail = await casework.tip_detail(session, world.users["chief_a"], found.shared)
    found.attachment_id = detail.attachments[0].id
    async with world.session() as session:
        indicators = SqlIndicators(session)
        await indicators.report_from_tip(found.shared, [Found("phone", "+84912345678")], _now())
        known = await indicators.get("phone", "+84912345678")
        await session.commit()
    assert known is not None
    found.indicator_id = known.id
    found.notice = await found.leader_notice()
    return found


async def _call(
    scene: Scene, role: str, method: str, path: str, case: Case, tip_id: str
) -> httpx.Response:
    client = scene.clients[role]
    url = scene.url(path, tip_id, await scene.notice_for(case))
    return await client.request(method, url, params=case.params, json=scene.body(case))


@pytest.mark.parametrize(("method", "path"), sorted(TABLE), ids=lambda v: str(v))
async def test_route_answers_each_role_as_the_table_says(
    scene: Scene, method: str, path: str
) -> None:
    case = TABLE[(method, path)]
    wrong: list[str] = []
    for role in ROLES:
        expected = case.expect[role]
        tip_id = await scene.tip(case.state) if case.state is not None else scene.shared
        before = await scene.snapshot(tip_id)
        answer = await _call(scene, role, method, path, case, tip_id)
        if answer.status_code != expected:
            wrong.append(f"{role}: {answer.status_code} (expected {expected}) {answer.text[:200]}")
            continue
        if expected in ERROR_CODES and "/api/v1/openapi" not in path:
            code = case.codes.get(role, ERROR_CODES[expected])
            if answer.json()["error"]["code"] != code:
                wrong.append(f"{role}: error body {answer.text[:200]}")
            if await scene.snapshot(tip_id) != before:
                wrong.append(f"{role}: a refused call changed the tip")
        if case.state is not None and expected == OK and await scene.snapshot(tip_id) == before:
            wrong.append(f"{role}: an allowed action changed nothing")
    assert wrong == [], f"{method} {path}:\n" + "\n".join(wrong)


async def test_a_session_cookie_needs_the_csrf_header_on_every_post(
    scene: Scene, world: World
) -> None:
    client, csrf = await cookie_client(world, "chief_a")
    wrong: list[str] = []
    for method, path in sorted(api_routes(world)):
        case = TABLE[(method, path)]
        tip_id = await scene.tip(case.state) if case.state is not None else scene.shared
        url, body = scene.url(path, tip_id, await scene.notice_for(case)), scene.body(case)
        before = await scene.snapshot(tip_id)
        if method != "GET":
            bare = await client.request(method, url, params=case.params, json=body)
            if bare.status_code != 401 or await scene.snapshot(tip_id) != before:
                wrong.append(f"{method} {path} without CSRF: {bare.status_code}")
        headers = {auth.CSRF_HEADER: csrf} if method != "GET" else {}
        answer = await client.request(method, url, params=case.params, json=body, headers=headers)
        if answer.status_code != case.expect["chief_a"]:
            wrong.append(f"{method} {path} with the session: {answer.status_code}")
    assert wrong == []


async def test_openapi_documents_every_api_route_and_nothing_else(world: World) -> None:
    answer = await world.anonymous_client().get("/api/v1/openapi.json")
    assert answer.status_code == 200
    paths: dict[str, dict[str, Any]] = answer.json()["paths"]
    documented = {(m.upper(), p) for p, ops in paths.items() for m in ops}
    served = api_routes(world) - {("GET", "/api/v1/openapi.json")}
    assert documented == served
    assert all(p.startswith("/api/v1/") for p in paths)
    for path, operations in paths.items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            assert operation.get("summary"), where
            # 201 for what makes something new (a broadcast), 200 for the rest.
            success = operation["responses"].get("201") or operation["responses"]["200"]
            content = success.get("content", {})
            # JSON answers are described by a model; a download by its media types.
            json_schema = content.get("application/json", {}).get("schema")
            assert json_schema or set(content) - {"application/json"}, where
            if "{tip_id}" in path or "{broadcast_id}" in path:
                assert {"401", "404"} <= operation["responses"].keys(), where
    schemas = answer.json()["components"]["schemas"]
    assert "contact_name" not in str(schemas["TipOut"]) and "phone" not in str(schemas["TipOut"])
    assert set(schemas["ContactOut"]["properties"]) == {"name", "phone"}
