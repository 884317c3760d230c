"""The audit log page and GET /api/v1/audit: who reads what, filters, pages, the words shown."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest

from admin import auth
from admin.audit_details import ACTION_NAMES
from content.i18n import LANGUAGES, catalog
from handlers.accounts.errors import NotAllowed
from handlers.audit import AuditAction
from storage import admin_users as au
from storage import api_tokens, audit
from tests.panel.conftest import ACCOUNTS, COMMUNE_A, World

COMMUNE_A_LABELS = ("officer_a", "officer_a2", "chief_a", "leader_a")
PROVINCE_01_LABELS = tuple(k for k, (_r, _c, p) in ACCOUNTS.items() if p == "01")
T0 = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)  # 23:30 on 30/11 in Vietnam


async def seed(world: World) -> None:
    """One tip.status row per account (subject = its label), one unknown-user failure."""
    async with world.session() as db:
        for index, label in enumerate(sorted(ACCOUNTS)):
            identity = world.users[label]
            await au.record(
                db,
                "tip.status",
                actor_id=identity.id,
                actor_username=identity.username,
                subject=f"S-{label}",
                detail="new>acknowledged",
                ip="10.0.0.1",
                now=T0 + timedelta(minutes=index),
            )
        await au.record(db, "signin.failure", detail="unknown_user", ip="203.0.113.9", now=T0)
        await db.commit()


def says(page: str) -> list[str]:
    """The rows' sentences, tags and entities aside: a row's subject is named there, the
    line above it holds only the time and the person."""
    found = re.findall(r'<p class="says">(.*?)</p>', page, flags=re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", s)) for s in found]


def subjects(page: str) -> set[str]:
    return {m for s in says(page) for m in re.findall(r"\bS-([a-z0-9_]+)", s)}


async def token_for(world: World, label: str) -> str:
    async with world.session() as db:
        token, _ = await api_tokens.create_token(
            db, auth.api_token_key(world.settings), world.users[label].id, "audit reader"
        )
        await db.commit()
    return token


# --- who reads what ------------------------------------------------------------------------


@pytest.mark.parametrize("label", ["officer_a", "officer_c", "leader_a"])
async def test_officers_and_leaders_get_403(world: World, label: str) -> None:
    await seed(world)
    client = await world.client(label)
    assert (await client.get("/admin/audit")).status_code == 403
    reply = await client.get("/api/v1/audit")
    assert reply.status_code == 403 and reply.json()["error"]["code"] == "forbidden"
    bearer = {"Authorization": f"Bearer {await token_for(world, label)}"}
    assert (await world.anonymous_client().get("/api/v1/audit", headers=bearer)).status_code == 403


async def test_strangers(world: World) -> None:
    client = world.anonymous_client()
    page = await client.get("/admin/audit")
    assert page.status_code == 303 and page.headers["location"] == "/admin/"
    reply = await client.get("/api/v1/audit")
    assert reply.status_code == 401 and reply.json()["error"]["code"] == "unauthorized"
    assert reply.headers["www-authenticate"] == "Bearer"
    bad = await client.get("/api/v1/audit", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401


async def test_a_chief_reads_the_rows_of_their_commune(world: World) -> None:
    await seed(world)
    page = await (await world.client("chief_a")).get("/admin/audit")
    assert page.status_code == 200
    assert subjects(page.text) == set(COMMUNE_A_LABELS)
    assert "203.0.113.9" not in page.text  # unknown-user failures are the province's
    other = await (await world.client("chief_b")).get("/admin/audit")
    assert subjects(other.text) == {"officer_b", "chief_b"}


async def test_a_province_admin_reads_the_province_and_unknown_failures(world: World) -> None:
    await seed(world)
    page = await (await world.client("admin_01")).get("/admin/audit")
    assert subjects(page.text) == set(PROVINCE_01_LABELS)
    assert "203.0.113.9" in page.text and "sai tên đăng nhập" in page.text
    other = await (await world.client("admin_79")).get("/admin/audit")
    assert subjects(other.text) == {"officer_c", "admin_79"}
    for label in PROVINCE_01_LABELS:
        assert world.usernames[label] not in other.text.split("</header>")[1], label


async def test_link_codes_that_name_no_account_are_the_province_admins_to_read(
    world: World,
) -> None:
    async with world.session() as db:
        await au.record(
            db, "chat_link.refuse", subject="telegram:42", detail="unknown", ip="", now=T0
        )
        await db.commit()
    wanted = {"action": "chat_link.refuse"}
    seen = await (await world.client("admin_01")).get("/admin/audit", params=wanted)
    (refused,) = says(seen.text)
    assert "Một mã liên kết nhập vào Bình Yên bị từ chối" in refused
    hidden = await (await world.client("chief_a")).get("/admin/audit", params=wanted)
    assert says(hidden.text) == [] and "telegram:42" not in hidden.text


async def test_the_api_has_the_same_scope(world: World) -> None:
    await seed(world)
    for label, expected in (
        ("chief_a", set(COMMUNE_A_LABELS)),
        ("admin_79", {"officer_c", "admin_79"}),
        ("admin_01", set(PROVINCE_01_LABELS)),
    ):
        bearer = {"Authorization": f"Bearer {await token_for(world, label)}"}
        reply = await world.anonymous_client().get(
            "/api/v1/audit", params={"action": "tip.status"}, headers=bearer
        )
        assert reply.status_code == 200
        assert reply.headers["cache-control"] == "no-store"
        items = reply.json()["items"]
        assert {i["subject"][2:] for i in items} == expected, label


async def test_the_session_cookie_works_for_the_api(world: World) -> None:
    await seed(world)
    client = await world.client("chief_a")
    reply = await client.get("/api/v1/audit", params={"action": "tip.status"})
    assert reply.status_code == 200
    assert {i["subject"][2:] for i in reply.json()["items"]} == set(COMMUNE_A_LABELS)


# --- what a row shows ----------------------------------------------------------------------


async def test_rows_in_words_and_vietnam_time(world: World) -> None:
    chief = world.users["chief_a"]
    async with world.session() as db:
        await au.record(
            db,
            "tip.reveal",
            actor_id=chief.id,
            actor_username=chief.username,
            subject="BY-7K3M",
            reason="Cần liên hệ người báo tin để xác minh",
            ip="192.0.2.4",
            now=T0,
        )
        await db.commit()
    client = await world.client("chief_a")
    page = await client.get("/admin/audit", params={"action": "tip.reveal"})
    assert "30/11/2026 23:30" in page.text
    # The line above the sentence: the time and the person, no label or code.
    top = re.search(r'<span class="line1">(.*?)</span>\s*<p class="says">', page.text, re.S)
    assert top and "30/11/2026 23:30" in top.group(1) and chief.username in top.group(1)
    assert "BY-7K3M" not in top.group(1) and "Xem danh tính" not in top.group(1)
    assert says(page.text) == [f"{chief.username} xem danh tính người báo tin của tin báo BY-7K3M."]
    assert "Cần liên hệ người báo tin để xác minh" in page.text and "192.0.2.4" in page.text
    english = await client.get("/admin/audit", params={"action": "tip.reveal", "lang": "en"})
    assert "revealed the reporter's identity on tip BY-7K3M" in says(english.text)[0]
    signin = await client.get("/admin/audit", params={"action": "signin.success", "lang": "vi"})
    assert "đăng nhập" in says(signin.text)[0] and "BY-7K3M" not in signin.text
    data = (await client.get("/api/v1/audit", params={"action": "tip.reveal"})).json()
    (item,) = data["items"]
    assert item["reason"] == "Cần liên hệ người báo tin để xác minh"
    assert item["actor"] == chief.username and item["actor_id"] == chief.id
    assert datetime.fromisoformat(item["at"]) == T0 and data["next_cursor"] is None


# --- filters -------------------------------------------------------------------------------


async def test_filter_by_action_and_actor(world: World) -> None:
    await seed(world)
    client = await world.client("admin_01")
    by_action = await client.get("/admin/audit", params={"action": "signin.failure"})
    assert subjects(by_action.text) == set() and "203.0.113.9" in by_action.text
    officer = world.usernames["officer_b"]
    by_actor = await client.get("/admin/audit", params={"actor": officer.upper()})
    assert subjects(by_actor.text) == {"officer_b"}
    foreign = await client.get("/admin/audit", params={"actor": world.usernames["officer_c"]})
    assert subjects(foreign.text) == set() and "Chưa có mục nào" in foreign.text


async def test_filter_by_vietnam_dates(world: World) -> None:
    await seed(world)  # 16:30-16:38 UTC on 30/11 = 23:30-23:38 on 30/11 in Vietnam
    chief = world.users["chief_a"]
    async with world.session() as db:
        late = T0 + timedelta(hours=1)  # 00:30 on 01/12 in Vietnam
        await au.record(
            db,
            "tip.assign",
            actor_id=chief.id,
            actor_username=chief.username,
            subject="S-next_day",
            now=late,
        )
        await db.commit()
    client = await world.client("chief_a")
    on_30 = await client.get("/admin/audit", params={"from": "2026-11-30", "to": "2026-11-30"})
    assert subjects(on_30.text) == set(COMMUNE_A_LABELS)
    on_1 = await client.get("/admin/audit", params={"from": "2026-12-01"})
    assert "S-next_day" in on_1.text and subjects(on_1.text) - {"next_day"} == set()
    before = await client.get("/admin/audit", params={"to": "2026-11-29"})
    assert "S-" not in before.text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"action": "tip.delete"}, "không có trong danh sách"),
        ({"actor": "x y"}, "không hợp lệ"),
        ({"from": "30/11/2026"}, "Ngày không hợp lệ"),
        ({"from": "2026-12-02", "to": "2026-12-01"}, "phải trước hoặc bằng"),
        ({"cursor": "abc"}, "Liên kết trang đã hỏng"),
    ],
)
async def test_bad_filters_are_explained(
    world: World, params: dict[str, str], message: str
) -> None:
    client = await world.client("chief_a")
    page = await client.get("/admin/audit", params=params)
    assert page.status_code == 422 and message in page.text
    reply = await client.get("/api/v1/audit", params=params)
    assert reply.status_code == 422
    assert reply.json()["error"]["code"] == ("cursor" if "cursor" in params else "filter")


# --- pages ---------------------------------------------------------------------------------


async def test_keyset_pages_newest_first(world: World) -> None:
    officer = world.users["officer_a"]
    async with world.session() as db:
        for index in range(62):
            await au.record(
                db,
                "tip.urgency",
                actor_id=officer.id,
                actor_username=officer.username,
                subject=f"P-{index:03d}",
                now=T0 + timedelta(seconds=index),
            )
        await db.commit()
    client = await world.client("chief_a")
    params = {"action": "tip.urgency"}
    first = await client.get("/admin/audit", params=params)
    shown = [m for s in says(first.text) for m in re.findall(r"\bP-(\d+)", s)]
    assert shown == [f"{i:03d}" for i in range(61, 11, -1)]
    older = re.search(r'href="(/admin/audit\?[^"]+)"[^>]*>Xem các mục cũ hơn', first.text)
    assert older and "action=tip.urgency" in older.group(1)
    second = await client.get(older.group(1).replace("&amp;", "&"))
    assert [m for s in says(second.text) for m in re.findall(r"\bP-(\d+)", s)] == [
        f"{i:03d}" for i in range(11, -1, -1)
    ]
    assert "Xem các mục cũ hơn" not in second.text and "Về các mục mới nhất" in second.text

    seen: list[str] = []
    cursor = ""
    while True:
        reply = await client.get(
            "/api/v1/audit", params={**params, "limit": "25", "cursor": cursor}
        )
        body = reply.json()
        seen += [i["subject"] for i in body["items"]]
        if body["next_cursor"] is None:
            break
        cursor = body["next_cursor"]
    assert seen == [f"P-{i:03d}" for i in range(61, -1, -1)]


@pytest.mark.parametrize("limit", ["0", "201", "x"])
async def test_api_limit_is_bounded(world: World, limit: str) -> None:
    client = await world.client("admin_01")
    reply = await client.get("/api/v1/audit", params={"limit": limit})
    assert reply.status_code == 422


async def test_unsafe_methods_are_not_routes(world: World) -> None:
    client = await world.client("admin_01")
    assert (await client.post("/api/v1/audit")).status_code == 405
    assert (await client.post("/admin/audit")).status_code == 405


async def test_scope_filters_and_pages_on_postgres(pg_world: World) -> None:
    world = pg_world
    await seed(world)
    chief = await world.client("chief_a")
    on_30 = await chief.get("/admin/audit", params={"from": "2026-11-30", "to": "2026-11-30"})
    assert subjects(on_30.text) == set(COMMUNE_A_LABELS)
    assert subjects((await chief.get("/admin/audit", params={"to": "2026-11-29"})).text) == set()
    admin = await world.client("admin_79")
    # PostgreSQL keeps other tests' rows: the seed's day (in the future) holds only seeds.
    day = {"action": "tip.status", "from": "2026-11-30", "to": "2026-11-30"}
    body = (await admin.get("/api/v1/audit", params={**day, "limit": "1"})).json()
    assert [i["subject"] for i in body["items"]] == ["S-officer_c"]
    older = await admin.get(
        "/api/v1/audit", params={**day, "limit": "1", "cursor": body["next_cursor"]}
    )
    assert [i["subject"] for i in older.json()["items"]] == ["S-admin_79"]
    failures = (await admin.get("/api/v1/audit", params={"action": "signin.failure"})).json()
    assert any(i["ip"] == "203.0.113.9" and i["actor_id"] is None for i in failures["items"])


# --- every action: in words in both languages, and read by someone ---------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_action_has_words_in_both_languages(lang: str) -> None:
    assert set(ACTION_NAMES) == set(AuditAction)
    words = catalog(lang)
    missing = [a.value for a in AuditAction if not words.get(ACTION_NAMES[a])]
    assert missing == []


async def readers_of(world: World, action: AuditAction) -> set[str]:
    """The accounts whose audit log shows a row of `action`."""
    found: set[str] = set()
    async with world.session() as db:
        for label in ACCOUNTS:
            try:
                page = await audit.audit_page(
                    db, world.users[label], audit.parse_filter({"action": action.value})
                )
            except NotAllowed:
                continue
            if page.rows:
                found.add(label)
    return found


async def test_every_action_is_read_by_someone_in_words(world: World) -> None:
    officer = world.users["officer_a"]
    async with world.session() as db:
        for index, action in enumerate(AuditAction):
            await au.record(
                db,
                action,
                actor_id=officer.id,
                actor_username=officer.username,
                subject=f"V-{index}",
                now=T0 + timedelta(seconds=index),
            )
        await db.commit()
    unread = [a.value for a in AuditAction if not await readers_of(world, a)]
    assert unread == []
    client = await world.client("chief_a")
    for lang in LANGUAGES:
        # Each row's sentence (as the API gives it, by subject) is on the page, in words.
        page = says((await client.get("/admin/audit", params={"lang": lang})).text)
        items = (await client.get("/api/v1/audit", params={"lang": lang, "limit": "200"})).json()
        said = {i["subject"]: i["sentence"] for i in items["items"] if i["subject"][:2] == "V-"}
        assert set(said) == {f"V-{i}" for i, _a in enumerate(AuditAction)}, lang
        for index, action in enumerate(AuditAction):
            text = said[f"V-{index}"]
            assert f"{text}." in page, (lang, action)
            assert action.value not in text and "{" not in text, (lang, action)


# --- rows read through their tip or their area (issue 18): the filters still apply ----------


async def test_filters_apply_to_rows_read_through_a_tip_or_an_area(world: World) -> None:
    tip = await world.tip(COMMUNE_A)
    stranger = world.users["admin_79"]  # an actor outside the reader's province
    async with world.session() as db:
        await au.record(
            db,
            "tip.reveal",
            actor_id=stranger.id,
            actor_username=stranger.username,
            subject=tip.code,
            reason="Xác minh",
            now=T0,
        )
        await au.record(
            db,
            "tips.export",
            actor_username="cli",
            subject=f"commune:{COMMUNE_A}",
            detail="rows=1;contacts=1;fmt=json;out=stdout",
            now=T0 + timedelta(days=1),
        )
        await db.commit()
    client = await world.client("chief_a")
    everything = (await client.get("/admin/audit")).text
    assert tip.code in everything and "1 tin báo; có kèm họ tên" in everything
    by_actor = (await client.get("/admin/audit", params={"actor": "cli"})).text
    assert "1 tin báo" in by_actor and tip.code not in by_actor
    by_action = (await client.get("/admin/audit", params={"action": "tip.reveal"})).text
    assert tip.code in by_action and "1 tin báo" not in by_action
    by_day = (await client.get("/admin/audit", params={"from": "2026-12-01"})).text
    assert "1 tin báo" in by_day and tip.code not in by_day
    other = (await (await world.client("chief_b")).get("/admin/audit")).text
    assert tip.code not in other and "1 tin báo" not in other
    data = (await client.get("/api/v1/audit", params={"actor": "cli"})).json()
    assert [i["subject"] for i in data["items"]] == [f"commune:{COMMUNE_A}"]
