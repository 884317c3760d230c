"""The queue's search through the panel (/admin/tips?q=) and the API (/api/v1/tips?q=), on
SQLite and PostgreSQL (issue 20): a phone number in any form finds the tips that hold it in
any other, only in the caller's area; a long query, punctuation, SQL or regex metacharacters
are a normal empty result, never an error.

PostgreSQL's database is shared by the session's tests: the numbers here are fresh, and the
bad inputs are checked to list none of this test's tips (on SQLite, to list nothing)."""

from __future__ import annotations

import secrets

import httpx
import pytest

from tests.panel.conftest import COMMUNE_B, World
from tests.panel.test_api import bearer

LONG = "x" * 1000
BAD = [LONG, "!!!???", "%%%", "___", "' OR 1=1 --", ".*", "\\", "[a-z]+", "%_%"]


def fresh_mobile() -> str:
    """A Viettel number no other test holds: "0981234567"."""
    return "098" + f"{secrets.randbelow(10**7):07d}"


async def api_ids(api: httpx.AsyncClient, q: str) -> list[str]:
    answer = await api.get("/api/v1/tips", params={"q": q, "status": "all", "limit": "100"})
    assert answer.status_code == 200, (q[:40], answer.text[:500])
    return [item["id"] for item in answer.json()["items"]]


async def panel_page(client: httpx.AsyncClient, q: str) -> str:
    page = await client.get("/admin/tips", params={"q": q, "status": "all"})
    assert page.status_code == 200, (q[:40], page.text[:500])
    return page.text


async def test_a_number_in_any_form_finds_the_tips_of_the_area(both_world: World) -> None:
    world = both_world
    n = fresh_mobile()
    spaced = f"{n[:4]} {n[4:7]} {n[7:]}"
    first = await world.tip(description=f"Có người gọi {spaced} tự xưng công an")
    second = await world.tip(description=f"Số +84 {n[1:4]} {n[4:7]} {n[7:]} đòi chuyển tiền")
    elsewhere = await world.tip(COMMUNE_B, description=f"Cũng số {n} gọi tới")
    api = await bearer(world, "officer_a")
    panel = await world.client("officer_a")
    province = await bearer(world, "admin_01")
    for q in (n, spaced, f"+84{n[1:]}", f"84{n[1:]}", f"(+84) {n[1:4]}-{n[4:7]}-{n[7:]}"):
        assert sorted(await api_ids(api, q)) == sorted([first.id, second.id]), q
        page = await panel_page(panel, q)
        assert first.code in page and second.code in page and elsewhere.code not in page
        assert sorted(await api_ids(province, q)) == sorted([first.id, second.id, elsewhere.id])
    # the receipt code in any case, without its dashes
    assert await api_ids(api, first.code.lower().replace("-", "")) == [first.id]


@pytest.mark.parametrize("q", BAD)
async def test_bad_input_is_a_normal_empty_result(both_world: World, q: str) -> None:
    world = both_world
    mine = await world.tip(description=f"Gọi {fresh_mobile()} lừa 100% tiền cọc")
    api = await bearer(world, "officer_a")
    panel = await world.client("officer_a")
    found = [] if q == LONG else await api_ids(api, q)  # the API's own test below
    page = await panel_page(panel, q)
    assert mine.id not in found and mine.code not in page
    if world.settings.database_url.startswith("sqlite"):
        assert found == []  # a database of this test's tips only: nothing at all


async def test_the_bad_inputs_leave_the_panel_and_the_api_working(world: World) -> None:
    """After every bad input, the same client still searches normally."""
    n = fresh_mobile()
    tip = await world.tip(description=f"Số lạ {n}")
    api = await bearer(world, "officer_a")
    panel = await world.client("officer_a")
    for q in BAD:
        if q != LONG:
            await api_ids(api, q)
        await panel_page(panel, q)
    assert await api_ids(api, n) == [tip.id]
    assert tip.code in await panel_page(panel, n)
    assert (await api.get("/api/v1/tips", params={"q": "%"})).status_code == 200


async def test_a_long_search_through_the_api_is_an_empty_result(world: World) -> None:
    await world.tip(description="Có người gọi lừa tiền")
    api = await bearer(world, "officer_a")
    assert await api_ids(api, LONG) == []
