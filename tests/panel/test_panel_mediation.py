"""A commune's mediation teams in the panel (/admin/mediation), through the real app: the
chief keeps them, officers of the commune read them with the members' phones, a province
admin reads them without the phones, a leader gets 403 and another commune 404; every change
is audited without a phone; a refused form is shown again with why and leaves nothing."""

from __future__ import annotations

import html
import re

import httpx
from sqlalchemy import select

from admin.audit_details import ACTION_NAMES
from content.i18n import translate
from storage import mediation
from storage.models import AuditLog, MediationTeam
from tests.panel.conftest import COMMUNE_A, COMMUNE_B, COMMUNE_C, World, csrf_of

PAGE = "/admin/mediation"
MEMBERS = "Nguyễn Thị Lan — 0912 345 678 — tổ trưởng\nTrần Văn Bình — 0987 654 321 — hòa giải viên"


async def post(client: httpx.AsyncClient, path: str, **data: str) -> httpx.Response:
    token = csrf_of((await client.get("/admin/account")).text)
    return await client.post(f"{PAGE}{path}", data={"csrf": token, **data})


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", page))


async def stored(world: World, commune: str = COMMUNE_A) -> dict[str, MediationTeam]:
    async with world.session() as db:
        rows = await db.execute(select(MediationTeam).where(MediationTeam.commune_code == commune))
        return {row.name: row for row in rows.scalars()}


async def audits(world: World) -> list[tuple[str, str, str]]:
    async with world.session() as db:
        rows = await db.execute(
            select(AuditLog.actor_username, AuditLog.subject, AuditLog.detail)
            .where(AuditLog.action == "mediation.teams")
            .order_by(AuditLog.id)
        )
        return [(u, s, d) for u, s, d in rows.all()]


async def test_the_chief_keeps_the_teams_and_every_change_is_audited(world: World) -> None:
    chief = await world.client("chief_a")
    added = await post(chief, "/add", name=" Tổ hòa giải số 1 ", area="Tổ 5", members=MEMBERS)
    assert added.status_code == 303
    assert added.headers["location"] == f"{PAGE}?commune={COMMUNE_A}&done=added"
    page = text_of((await chief.get(added.headers["location"])).text)
    assert "Đã thêm tổ hòa giải." in page and "Tổ hòa giải số 1" in page
    assert "0912 345 678" in page  # the commune's own police see the phones
    assert "Điều 12 Luật Hòa giải ở cơ sở số 35/2013/QH13" in page
    # Two member lines: a warning that the law wants at least 3 mediators, not a refusal.
    assert "Tổ mới ghi 2 thành viên" in page
    team = (await stored(world))["Tổ hòa giải số 1"]
    assert team.area == "Tổ 5" and team.members == MEMBERS and team.active

    three = MEMBERS + "\nLê Văn Cường — hòa giải viên"
    edited = await post(chief, f"/{team.id}/edit", name="Tổ 1", area="Tổ 5, Tổ 6", members=three)
    assert edited.status_code == 303
    page = text_of((await chief.get(edited.headers["location"])).text)
    assert "Tổ mới ghi" not in page and "Lê Văn Cường" in page
    assert (await post(chief, f"/{team.id}/deactivate")).status_code == 303
    assert (await stored(world))["Tổ 1"].active is False
    async with world.session() as db:
        assert await mediation.teams(db, COMMUNE_A) == []
        (kept,) = await mediation.teams(db, COMMUNE_A, active_only=False)
    assert (kept.name, kept.area, kept.active) == ("Tổ 1", "Tổ 5, Tổ 6", False)
    assert "Ngừng hoạt động" in text_of((await chief.get(PAGE)).text)
    assert (await post(chief, f"/{team.id}/reactivate")).status_code == 303
    async with world.session() as db:
        assert [t.name for t in await mediation.teams(db, COMMUNE_A)] == ["Tổ 1"]
    logged = await audits(world)
    assert [d for _u, _s, d in logged] == [
        "add:Tổ hòa giải số 1",
        "edit:Tổ 1",
        "off:Tổ 1",
        "on:Tổ 1",
    ]
    assert {u for u, _s, _d in logged} == {world.usernames["chief_a"]}
    assert not any("0912" in d or "0987" in d for _u, _s, d in logged)
    # The audit page names the action.
    assert ACTION_NAMES["mediation.teams"] == "panel.audit.action.mediation.teams"
    assert translate(ACTION_NAMES["mediation.teams"], "vi") == "Thay đổi tổ hòa giải"


async def test_teams_are_ordered_by_name(world: World) -> None:
    chief = await world.client("chief_a")
    for name in ("Tổ C", "Tổ A", "Tổ B"):
        assert (await post(chief, "/add", name=name, area="", members="")).status_code == 303
    async with world.session() as db:
        assert [t.name for t in await mediation.teams(db, COMMUNE_A)] == ["Tổ A", "Tổ B", "Tổ C"]
        assert await mediation.teams(db, COMMUNE_B) == []


async def test_who_reads_and_who_may_change(world: World) -> None:
    chief = await world.client("chief_a")
    await post(chief, "/add", name="Tổ 1", area="Tổ 5", members=MEMBERS)
    team = (await stored(world))["Tổ 1"]

    officer = await world.client("officer_a")
    page = await officer.get(PAGE)
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Tổ 1" in text and "0912 345 678" in text and 'action="/admin/mediation/add"' not in text
    assert 'href="/admin/mediation"' in page.text  # the menu link, for the commune's police
    for path in ("/add", f"/{team.id}/edit", f"/{team.id}/deactivate"):
        refused = await post(officer, path, name="Tổ 9", area="", members="")
        assert refused.status_code == 403, path

    province = await world.client("admin_01")
    picker = await province.get(PAGE)
    assert picker.status_code == 200 and f'<option value="{COMMUNE_A}"' in picker.text
    read = text_of((await province.get(PAGE, params={"commune": COMMUNE_A})).text)
    assert "Tổ 1" in read and "Nguyễn Thị Lan" in read
    assert "345 678" not in read and "654 321" not in read  # the commune codes hold 0912…
    assert "Nguyễn Thị Lan — ••• — tổ trưởng" in read
    assert (await post(province, f"/{team.id}/deactivate")).status_code == 403
    assert (await province.get(PAGE, params={"commune": COMMUNE_C})).status_code == 404

    leader = await world.client("leader_a")
    assert (await leader.get(PAGE)).status_code == 403
    assert 'href="/admin/mediation"' not in (await leader.get("/admin/account")).text

    other_chief = await world.client("chief_b")
    assert (await other_chief.get(PAGE, params={"commune": COMMUNE_A})).status_code == 404
    for path in (f"/{team.id}/edit", f"/{team.id}/deactivate", f"/{team.id}/reactivate"):
        answer = await post(other_chief, path, name="Tổ của B", area="", members="")
        assert answer.status_code == 404, path
    assert (await post(chief, "/2147483647/deactivate")).status_code == 404
    assert (await stored(world))["Tổ 1"].active is True
    assert len(await audits(world)) == 1

    stranger = world.anonymous_client()
    assert (await stranger.get(PAGE)).status_code == 303


async def test_refusals_are_shown_with_what_was_typed(world: World) -> None:
    chief = await world.client("chief_a")
    await post(chief, "/add", name="Tổ 1", area="", members="")
    taken = await post(chief, "/add", name="tổ 1", area="Thôn Đông", members="An — 0911 111 111")
    assert taken.status_code == 409
    text = text_of(taken.text)
    assert "đã có tổ hòa giải “Tổ 1”" in text and 'value="Thôn Đông"' in taken.text
    empty = await post(chief, "/add", name="  ", area="", members="")
    assert empty.status_code == 422 and "Hãy nhập tên tổ hòa giải" in text_of(empty.text)
    many = "\n".join(f"Người {i}" for i in range(51))
    too_many = await post(chief, "/add", name="Tổ 2", area="", members=many)
    assert too_many.status_code == 422 and "tối đa 50 dòng" in text_of(too_many.text)
    assert set(await stored(world)) == {"Tổ 1"} and len(await audits(world)) == 1
    # A form without its CSRF token changes nothing.
    forged = await chief.post(f"{PAGE}/add", data={"name": "Tổ giả", "csrf": "x"})
    assert forged.status_code == 403 and set(await stored(world)) == {"Tổ 1"}
