"""A commune's neighbourhoods in the panel (/admin/neighbourhoods), through the real app: a
chief or a province admin keeps the list, the leaders' neighbourhoods and the approval choice;
officers and leaders read; nobody outside the area learns anything; a refused form is shown
again with why and leaves nothing behind."""

from __future__ import annotations

import html
import re

import httpx
import pytest
from sqlalchemy import func, select

from handlers.people import AdminRole
from storage.broadcasts import SqlBroadcastStore
from storage.models import AuditLog, LeaderNeighbourhood, Neighbourhood
from tests.panel.conftest import COMMUNE_A, COMMUNE_B, COMMUNE_C, World, csrf_of
from tests.panel.test_panel_layout import EVENT_ATTRIBUTE, INLINE_SCRIPT

PAGE = "/admin/neighbourhoods"
OF_A = f"{PAGE}?commune={COMMUNE_A}"


async def post(client: httpx.AsyncClient, path: str, **data: str | list[str]) -> httpx.Response:
    """A form of the page, with the CSRF token the page carries."""
    token = csrf_of((await client.get(PAGE, params={"commune": COMMUNE_A})).text)
    return await client.post(f"{PAGE}{path}", data={"csrf": token, **data})


async def add(client: httpx.AsyncClient, name: str, commune: str = COMMUNE_A) -> httpx.Response:
    return await post(client, "/add", commune=commune, name=name, code="")


async def kept(world: World, commune: str = COMMUNE_A) -> dict[str, tuple[int, bool]]:
    """name -> (id, active) of the commune's neighbourhoods as stored."""
    async with world.session() as db:
        rows = await db.execute(
            select(Neighbourhood.name, Neighbourhood.id, Neighbourhood.active).where(
                Neighbourhood.commune_code == commune
            )
        )
        return {name: (n, active) for name, n, active in rows.all()}


async def audits(world: World) -> list[tuple[str, str, str, str]]:
    async with world.session() as db:
        rows = await db.execute(
            select(AuditLog.action, AuditLog.actor_username, AuditLog.subject, AuditLog.detail)
            .where(
                AuditLog.action.like("neighbourhood.%")
                | AuditLog.action.in_(("leader.areas", "commune.approval"))
            )
            .order_by(AuditLog.id)
        )
        return [(a, u, s, d) for a, u, s, d in rows.all()]


async def bound(world: World, label: str) -> set[int]:
    async with world.session() as db:
        rows = await db.execute(
            select(LeaderNeighbourhood.neighbourhood_id).where(
                LeaderNeighbourhood.user_id == world.users[label].id
            )
        )
        return set(rows.scalars())


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", page))


# --- keeping the list ------------------------------------------------------------------------


async def test_a_chief_adds_renames_retires_and_brings_back(world: World) -> None:
    chief = await world.client("chief_a")
    added = await post(chief, "/add", commune=COMMUNE_A, name="  Tổ dân phố số 5 ", code="T5")
    assert added.status_code == 303 and added.headers["location"] == f"{OF_A}&done=added"
    page = text_of((await chief.get(added.headers["location"])).text)
    assert "Đã thêm thôn, tổ dân phố." in page and "Tổ dân phố số 5" in page and "T5" in page
    n, active = (await kept(world))["Tổ dân phố số 5"]
    assert active
    renamed = await post(chief, f"/{n}/rename", commune=COMMUNE_A, name="Tổ 5", code="")
    assert renamed.headers["location"] == f"{OF_A}&done=renamed"
    retired = await post(chief, f"/{n}/retire", commune=COMMUNE_A)
    assert retired.headers["location"] == f"{OF_A}&done=retired"
    assert await kept(world) == {"Tổ 5": (n, False)}
    page = text_of((await chief.get(OF_A)).text)
    assert "Đã ngừng dùng" in page and f'action="{PAGE}/{n}/restore"' in page
    restored = await post(chief, f"/{n}/restore", commune=COMMUNE_A)
    assert restored.headers["location"] == f"{OF_A}&done=restored"
    assert await kept(world) == {"Tổ 5": (n, True)}
    chief_name = world.usernames["chief_a"]
    subject = f"{COMMUNE_A}/{n}"
    assert await audits(world) == [
        ("neighbourhood.add", chief_name, subject, "Tổ dân phố số 5"),
        ("neighbourhood.rename", chief_name, subject, "Tổ 5"),
        ("neighbourhood.retire", chief_name, subject, "Tổ 5"),
        ("neighbourhood.restore", chief_name, subject, "Tổ 5"),
    ]


async def test_a_refusal_is_shown_again_with_why_and_keeps_nothing(world: World) -> None:
    chief = await world.client("chief_a")
    await add(chief, "Tổ dân phố số 5")
    taken = await add(chief, "TỔ DÂN PHỐ SỐ 5")
    assert taken.status_code == 409
    page = text_of(taken.text)
    assert "Xã, phường đã có “Tổ dân phố số 5”. Hãy chọn tên khác." in page
    assert 'value="TỔ DÂN PHỐ SỐ 5"' in page  # what was typed, to correct it
    short = await add(chief, "5")
    assert short.status_code == 422
    assert "Tên thôn, tổ dân phố cần từ 2 đến 100 ký tự." in text_of(short.text)
    english = await chief.post(
        f"{PAGE}/add?lang=en",
        data={"csrf": csrf_of(taken.text), "commune": COMMUNE_A, "name": "x" * 101},
    )
    assert "A neighbourhood's name must have 2 to 100 characters." in text_of(english.text)
    assert list(await kept(world)) == ["Tổ dân phố số 5"]
    assert [a[0] for a in await audits(world)] == ["neighbourhood.add"]


async def test_a_renaming_refused_opens_its_own_form_again(world: World) -> None:
    chief = await world.client("chief_a")
    await add(chief, "Thôn Đông")
    await add(chief, "Thôn Tây")
    east, _active = (await kept(world))["Thôn Đông"]
    refused = await post(chief, f"/{east}/rename", commune=COMMUNE_A, name="thôn tây")
    assert refused.status_code == 409
    assert re.search(r"<details open>\s*<summary>Đổi tên</summary>", refused.text)
    assert 'value="thôn tây"' in refused.text
    # A form naming another commune than its neighbourhood's is answered as outside the area.
    elsewhere = await post(chief, f"/{east}/rename", commune=COMMUNE_B, name="thôn tây")
    assert elsewhere.status_code == 404
    assert set(await kept(world)) == {"Thôn Đông", "Thôn Tây"}


async def test_a_province_admin_picks_a_commune_of_their_province(world: World) -> None:
    admin = await world.client("admin_01")
    picker = text_of((await admin.get(PAGE)).text)
    assert f'<option value="{COMMUNE_B}">' in picker and "Phường Bạch Mai" in picker
    assert f'<option value="{COMMUNE_C}">' not in picker  # of province 79
    assert 'action="/admin/neighbourhoods/add"' not in picker  # nothing until one is picked
    made = await add(admin, "Thôn 1", COMMUNE_B)
    assert made.headers["location"] == f"{PAGE}?commune={COMMUNE_B}&done=added"
    page = text_of((await admin.get(made.headers["location"])).text)
    assert "Phường Bạch Mai" in page and "Thôn 1" in page
    assert list(await kept(world, COMMUNE_B)) == ["Thôn 1"]


@pytest.mark.parametrize(
    ("label", "commune"),
    [("admin_01", COMMUNE_C), ("admin_79", COMMUNE_A), ("officer_b", COMMUNE_A)],
)
async def test_nobody_outside_the_area_learns_anything(
    world: World, label: str, commune: str
) -> None:
    client = await world.client(label)
    missing = await client.get(PAGE, params={"commune": commune})
    assert missing.status_code == 404
    assert "Không tìm thấy xã, phường hoặc thôn, tổ dân phố này" in text_of(missing.text)
    refused = await post(client, "/add", commune=commune, name="Thôn lạ")
    assert refused.status_code == 404
    assert await kept(world, commune) == {}


async def test_someone_elses_neighbourhood_is_not_found(world: World) -> None:
    await add(await world.client("chief_b"), "Tổ dân phố số 1", COMMUNE_B)
    (n, _active), *_ = (await kept(world, COMMUNE_B)).values()
    chief_a = await world.client("chief_a")
    for action in ("retire", "restore", "rename"):
        refused = await post(chief_a, f"/{n}/{action}", commune=COMMUNE_A, name="Tổ mới")
        assert refused.status_code == 404, action
    assert (await post(chief_a, f"/{2**31}/retire")).status_code == 422  # not an id
    assert await kept(world, COMMUNE_B) == {"Tổ dân phố số 1": (n, True)}


@pytest.mark.parametrize("label", ["officer_a", "leader_a"])
async def test_officers_and_leaders_read_and_change_nothing(world: World, label: str) -> None:
    await add(await world.client("chief_a"), "Tổ dân phố số 5")
    (n, _active), *_ = (await kept(world)).values()
    client = await world.client(label)
    page = text_of((await client.get(PAGE)).text)  # their own commune, unasked
    assert "Tổ dân phố số 5" in page and "Chỉ Trưởng Công an xã, phường" in page
    assert '<form method="post" action="/admin/neighbourhoods' not in page
    # Officers read the approval choice; it is not the leaders' to know.
    assert ("Duyệt thông báo của tổ trưởng" in page) is (label == "officer_a")
    for path, data in (
        ("/add", {"name": "Thôn lạ"}),
        (f"/{n}/retire", {}),
        (f"/{n}/rename", {"name": "Tổ 5"}),
        ("/approval", {"required": "0"}),
        (f"/leaders/{world.users['leader_a'].id}", {"neighbourhood": str(n)}),
    ):
        refused = await post(client, path, commune=COMMUNE_A, **data)
        assert refused.status_code == 403, path
    assert await kept(world) == {"Tổ dân phố số 5": (n, True)}
    assert [a[0] for a in await audits(world)] == ["neighbourhood.add"]


async def test_forms_need_the_pages_csrf_token(world: World) -> None:
    chief = await world.client("chief_a")
    forged = await chief.post(f"{PAGE}/add", data={"commune": COMMUNE_A, "name": "Thôn lạ"})
    assert forged.status_code == 403
    assert await kept(world) == {}


# --- leaders and the approval choice ---------------------------------------------------------


async def test_a_chief_chooses_a_leaders_neighbourhoods(world: World) -> None:
    chief = await world.client("chief_a")
    for name in ("Tổ dân phố số 5", "Tổ dân phố số 6", "Tổ dân phố số 7"):
        await add(chief, name)
    ids = {name: n for name, (n, _a) in (await kept(world)).items()}
    leader = world.users["leader_a"]
    page = text_of((await chief.get(OF_A)).text)
    assert world.usernames["leader_a"] in page
    assert (
        "Chưa phụ trách thôn, tổ nào: tổ trưởng này gửi được thông báo cho cả xã, phường." in page
    )
    chosen = [str(ids["Tổ dân phố số 5"]), str(ids["Tổ dân phố số 6"])]
    saved = await post(chief, f"/leaders/{leader.id}", commune=COMMUNE_A, neighbourhood=chosen)
    assert saved.headers["location"] == f"{OF_A}&done=leader"
    assert await bound(world, "leader_a") == {int(n) for n in chosen}
    page = (await chief.get(OF_A)).text
    assert f'value="{chosen[0]}" checked' in page and f'value="{chosen[1]}" checked' in page
    # Retiring one unbinds it; an empty choice gives the leader the whole commune again.
    await post(chief, f"/{ids['Tổ dân phố số 5']}/retire", commune=COMMUNE_A)
    assert await bound(world, "leader_a") == {ids["Tổ dân phố số 6"]}
    await post(chief, f"/leaders/{leader.id}", commune=COMMUNE_A)
    assert await bound(world, "leader_a") == set()
    assert [(a, s, d) for a, _u, s, d in await audits(world) if a == "leader.areas"] == [
        ("leader.areas", leader.username, "Tổ dân phố số 5, Tổ dân phố số 6"),
        ("leader.areas", leader.username, "whole_commune"),
    ]


async def test_only_the_communes_active_leaders_are_bound(world: World) -> None:
    await world.add_user("leader_b", AdminRole.LEADER, COMMUNE_B, "01")
    chief = await world.client("chief_a")
    await add(chief, "Tổ dân phố số 5")
    await add(chief, "Tổ dân phố cũ")
    ids = {name: str(n) for name, (n, _a) in (await kept(world)).items()}
    await post(chief, f"/{ids['Tổ dân phố cũ']}/retire", commune=COMMUNE_A)
    tdp5 = ids["Tổ dân phố số 5"]
    away = await post(chief, f"/leaders/{world.users['leader_b'].id}", commune=COMMUNE_A)
    assert away.status_code == 404
    officer = await post(
        chief, f"/leaders/{world.users['officer_a'].id}", commune=COMMUNE_A, neighbourhood=tdp5
    )
    assert officer.status_code == 422
    assert "không phải tài khoản tổ trưởng đang hoạt động" in text_of(officer.text)
    leader = f"/leaders/{world.users['leader_a'].id}"
    retired = await post(chief, leader, commune=COMMUNE_A, neighbourhood=ids["Tổ dân phố cũ"])
    assert retired.status_code == 409
    for forged in (["x"], ["²"], ["9" * 5000], [str(2**31)]):
        refused = await post(chief, leader, commune=COMMUNE_A, neighbourhood=forged)
        assert refused.status_code == 422, forged[0][:12]
    assert await bound(world, "leader_a") == set()


async def test_a_chief_turns_the_approval_off_for_the_broadcasts(world: World) -> None:
    chief = await world.client("chief_a")
    page = text_of((await chief.get(OF_A)).text)
    assert "Đang bật" in page and 'name="required" value="0"' in page
    turned = await post(chief, "/approval", commune=COMMUNE_A, required="0")
    assert turned.headers["location"] == f"{OF_A}&done=approval"
    officer = text_of((await (await world.client("officer_a")).get(PAGE)).text)
    assert "Đang tắt: thông báo của tổ trưởng được gửi ngay" in officer
    async with world.session() as db:  # what a leader's next notice reads
        assert await SqlBroadcastStore(db).leader_approval(COMMUNE_A) is False
        assert await SqlBroadcastStore(db).leader_approval(COMMUNE_B) is True
    assert [(a, s, d) for a, _u, s, d in await audits(world)] == [
        ("commune.approval", COMMUNE_A, "approval_off")
    ]


async def test_the_audit_log_names_the_changes(world: World) -> None:
    chief = await world.client("chief_a")
    await add(chief, "Thôn Đông")
    await post(chief, "/approval", commune=COMMUNE_A, required="0")
    log = text_of((await chief.get("/admin/audit", params={"lang": "en"})).text)
    assert "added the neighbourhood “Thôn Đông”" in log  # one sentence a row (issue 20)
    assert "turned off approval of leaders' notices in" in log


async def test_the_page_keeps_to_the_content_security_policy(world: World) -> None:
    chief = await world.client("chief_a")
    await add(chief, "Thôn Đông")
    pages = [
        await chief.get(OF_A),
        await add(chief, "thôn đông"),
        await (await world.client("admin_01")).get(PAGE),
        await (await world.client("leader_a")).get(PAGE + "?lang=en"),
    ]
    for response in pages:
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert not INLINE_SCRIPT.search(response.text) and not EVENT_ATTRIBUTE.search(response.text)
    count = select(func.count()).select_from(Neighbourhood)
    async with world.session() as db:
        assert await db.scalar(count) == 1
