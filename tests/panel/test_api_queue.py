"""The API's queue and its scope, on SQLite and on PostgreSQL.

The PostgreSQL database is shared by the tests of a session, so every assertion here is about
this test's own tips: they all carry a fresh marker word and the queries filter on it (`q=`),
which the scope and the other filters then narrow further.
"""

from __future__ import annotations

import secrets

import httpx
import pytest

from tests.panel.conftest import COMMUNE_A, COMMUNE_B, COMMUNE_C, World
from tests.panel.test_api import bearer
from tests.panel.test_api_matrix import api_routes

STATUSES = {"new", "acknowledged", "verifying", "mediating", "forwarded", "suspended", "closed"}


@pytest.fixture(params=["sqlite", "postgres"])
def any_world(request: pytest.FixtureRequest) -> World:
    world: World = request.getfixturevalue("world" if request.param == "sqlite" else "pg_world")
    return world


def marker() -> str:
    return f"dấu{secrets.token_hex(4)}"


async def listed(api: httpx.AsyncClient, **params: str) -> tuple[list[str], dict[str, int]]:
    """Every id of the queue under `params` (following the cursor), and the counts."""
    ids: list[str] = []
    counts: dict[str, int] = {}
    cursor = ""
    while True:
        answer = await api.get("/api/v1/tips", params={**params, "limit": "2", "cursor": cursor})
        assert answer.status_code == 200, answer.text
        page = answer.json()
        ids += [item["id"] for item in page["items"]]
        if cursor:
            assert page["counts"] is None  # the tabs come with the first page only
        else:
            counts = page["counts"]
        cursor = page["next_cursor"] or ""
        if not cursor:
            return ids, counts


async def test_queue_orders_pages_and_counts(any_world: World) -> None:
    world = any_world
    word = marker()
    late = [await world.tip(description=f"Lừa đảo {word} số {i}") for i in range(3)]
    urgent = await world.tip(urgent=True, category="drugs", description=f"Ma tuý {word}")
    api = await bearer(world, "officer_a")
    ids, counts = await listed(api, q=word)
    assert ids[0] == urgent.id and sorted(ids[1:]) == sorted(t.id for t in late)
    assert counts == {**dict.fromkeys(STATUSES, 0), "new": 4}
    first = (await api.get("/api/v1/tips", params={"q": word, "limit": 3})).json()
    assert len(first["items"]) == 3 and first["next_cursor"]
    assert first["items"][0]["urgent"] and not first["items"][1]["urgent"]
    drugs, drug_counts = await listed(api, q=word, category="drugs")
    assert drugs == [urgent.id] and drug_counts["new"] == 1
    chief = await bearer(world, "chief_a")
    await chief.post(f"/api/v1/tips/{late[0].id}/acknowledge")
    # Not prosecuting is the investigation body's decision: recorded once it has the report.
    closing_url = f"/api/v1/tips/{late[1].id}/close"
    early = await chief.post(closing_url, json={"resolution": "not_prosecuted"})
    assert early.status_code == 409 and early.json()["error"]["code"] == "decision_unforwarded"
    _, unchanged = await listed(api, q=word)
    assert unchanged == {**dict.fromkeys(STATUSES, 0), "new": 3, "acknowledged": 1}
    forwarding = await chief.post(
        f"/api/v1/tips/{late[1].id}/forward", json={"to": "Cơ quan CSĐT Công an TP"}
    )
    assert forwarding.status_code == 200, forwarding.text
    closing = await chief.post(closing_url, json={"resolution": "not_prosecuted"})
    assert closing.status_code == 200, closing.text
    await chief.post(f"/api/v1/tips/{late[2].id}/take")
    open_ids, counts = await listed(api, q=word)
    assert late[1].id not in open_ids and len(open_ids) == 3
    assert counts == {**dict.fromkeys(STATUSES, 0), "new": 2, "acknowledged": 1, "closed": 1}
    closed, closed_counts = await listed(api, q=word, status="closed")
    assert closed == [late[1].id] and closed_counts == counts
    everything, _ = await listed(api, q=word, status="all")
    assert len(everything) == 4
    mine, _ = await listed(chief, q=word, assignee="me")
    assert mine == [late[2].id]
    nobody, _ = await listed(api, q=word, assignee="none")
    assert sorted(nobody) == sorted([urgent.id, late[0].id])
    urgent_only, _ = await listed(api, q=word, urgent="1")
    assert urgent_only == [urgent.id]
    by_code, _ = await listed(api, q=urgent.code)
    assert by_code == [urgent.id]


# label → which of the tips (by commune) it sees
SEES = {
    "officer_a": {COMMUNE_A},
    "chief_a": {COMMUNE_A},
    "admin_01": {COMMUNE_A, COMMUNE_B},
    "officer_b": {COMMUNE_B},
    "chief_b": {COMMUNE_B},
    "officer_c": {COMMUNE_C},
    "admin_79": {COMMUNE_C},
}


async def test_nobody_lists_counts_or_exports_another_area(any_world: World) -> None:
    world = any_world
    word = marker()
    tips = {c: await world.tip(c, description=f"Tin báo {word}") for c in SEES["admin_01"]}
    tips[COMMUNE_C] = await world.tip(COMMUNE_C, description=f"Tin báo {word}")
    exports = sorted(p for m, p in api_routes(world) if m == "GET" and "export" in p)
    for label, communes in SEES.items():
        api = await bearer(world, label)
        expected = sorted(tips[c].id for c in communes)
        ids, counts = await listed(api, q=word, status="all")
        assert sorted(ids) == expected, label
        assert sum(counts.values()) == len(expected), label
        for other in set(tips) - communes:
            stranger = tips[other]
            found, counts = await listed(api, q=stranger.code, status="all")
            assert (found, sum(counts.values())) == ([], 0), (label, other)
            narrowed, counts = await listed(api, q=word, commune=other)
            assert (narrowed, sum(counts.values())) == ([], 0), (label, other)
            answer = await api.get(f"/api/v1/tips/{stranger.code}")
            assert answer.status_code == 404, (label, other)
        for path in exports:
            answer = await api.get(path, params={"q": word, "status": "all"})
            assert answer.status_code == 200, (label, path, answer.text[:300])
            for commune, stored in tips.items():
                assert (stored.code in answer.text) == (commune in communes), (label, path)
    leader = await bearer(world, "leader_a")
    assert (await leader.get("/api/v1/tips", params={"q": word})).status_code == 403
