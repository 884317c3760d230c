"""The tip queue page: who sees it, what it lists, filters, search, keyset pages, highlighting."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from content.text import fold
from handlers.people import AdminRole
from tests.panel.conftest import COMMUNE_A, COMMUNE_B, COMMUNE_C, PROVINCE_OF, StoredTip, World
from tests.panel.panel_pages import HX, POLICE, codes_in, due_in, more_link, set_tip, today

DA_NANG = "20275"  # Phường An Hải, Đà Nẵng (48): only the PostgreSQL test below uses it
DA_NANG_2 = "20224"  # Phường An Khê, Đà Nẵng


def tab_count(html: str, tab: str) -> int:
    found = re.search(rf'id="tab-{tab}"[^>]*>[^<]*<span class="count">(\d+)</span>', html)
    assert found, html[:3000]
    return int(found.group(1))


@pytest.mark.parametrize("label", POLICE)
async def test_police_see_their_areas_queue(world: World, label: str) -> None:
    mine = await world.tip(COMMUNE_A, description="Trộm xe máy ở chợ")
    neighbour = await world.tip(COMMUNE_B)
    far = await world.tip(COMMUNE_C)
    client = await world.client(label)
    page = await client.get("/admin/tips")
    assert page.status_code == 200
    codes = codes_in(page.text)
    assert mine.code in codes and far.code not in codes
    # A province admin sees every commune of the province; the others their own only.
    assert (neighbour.code in codes) is (label == "admin_01")
    assert 'id="queue"' in page.text and "Hàng đợi tin báo" in page.text
    assert "Trộm xe máy ở chợ" in page.text


async def test_other_communes_and_provinces_never_see_a_tip_nor_count_it(world: World) -> None:
    tip = await world.tip(COMMUNE_A, description="Chỉ phường Ba Đình được thấy")
    for label in ("officer_b", "chief_b", "officer_c", "admin_79"):
        client = await world.client(label)
        for query in ("", "?status=all", f"?q={tip.code}", "?status=new"):
            page = await client.get(f"/admin/tips{query}")
            assert page.status_code == 200
            assert codes_in(page.text) == [] and "Chỉ phường Ba Đình" not in page.text
            assert tab_count(page.text, "all") == 0 and tab_count(page.text, "new") == 0


async def test_leader_is_refused_and_strangers_go_to_sign_in(world: World) -> None:
    await world.tip(COMMUNE_A)
    leader = await world.client("leader_a")
    refused = await leader.get("/admin/tips")
    assert refused.status_code == 403 and "BY-" not in refused.text
    stranger = world.anonymous_client()
    away = await stranger.get("/admin/tips")
    assert away.status_code == 303 and away.headers["location"] == "/admin/"


async def test_counts_per_status_act_as_tabs(world: World) -> None:
    tips = [await world.tip() for _ in range(4)]
    await set_tip(world, tips[0], status="acknowledged")
    await set_tip(world, tips[1], status="closed")
    client = await world.client("officer_a")
    page = (await client.get("/admin/tips")).text
    assert tab_count(page, "new") == 2 and tab_count(page, "acknowledged") == 1
    assert tab_count(page, "closed") == 1 and tab_count(page, "open") == 3
    assert tab_count(page, "all") == 4
    # The open tab (default) hides the closed tip; the closed tab shows only it.
    assert tips[1].code not in codes_in(page)
    closed = (await client.get("/admin/tips?status=closed")).text
    assert codes_in(closed) == [tips[1].code]
    assert 'id="tab-closed" aria-current="page"' in closed


async def test_filters_by_category_urgency_and_assignee(world: World) -> None:
    phone = await world.tip(category="fraud_phone")
    urgent = await world.tip(category="happening_now", urgent=True)
    taken = await world.tip(category="drugs")
    client = await world.client("officer_a")
    await set_tip(world, taken, assignee_id=world.users["officer_a"].id)

    async def codes(query: str) -> set[str]:
        page = await client.get(f"/admin/tips?{query}")
        assert page.status_code == 200, page.text[:500]
        return set(codes_in(page.text))

    assert await codes("category=fraud_phone") == {phone.code}
    assert await codes("urgent=1") == {urgent.code}
    assert await codes("urgent=0") == {phone.code, taken.code}
    assert await codes("assignee=me") == {taken.code}
    assert await codes("assignee=none") == {phone.code, urgent.code}
    assert await codes(f"assignee={world.users['officer_a'].id}") == {taken.code}
    # The chosen filters stay in the form.
    kept = (await client.get("/admin/tips?category=fraud_phone&urgent=0")).text
    assert '<option value="fraud_phone" selected>' in kept
    assert '<option value="0" selected>' in kept


async def test_filters_by_received_dates(world: World) -> None:
    now = datetime.now(UTC)
    old = await world.tip(received=now - timedelta(days=40))
    recent = await world.tip(received=now - timedelta(days=2))
    client = await world.client("officer_a")
    day = (now - timedelta(days=10)).strftime("%Y-%m-%d")
    after = (await client.get(f"/admin/tips?from={day}")).text
    assert recent.code in codes_in(after) and old.code not in codes_in(after)
    before = (await client.get(f"/admin/tips?to={day}")).text
    assert codes_in(before) == [old.code]
    assert f'value="{day}"' in before


async def test_a_bad_filter_says_so_and_keeps_the_input(world: World) -> None:
    await world.tip()
    client = await world.client("officer_a")
    page = await client.get("/admin/tips?from=31/02/2026&q=xe+may")
    assert page.status_code == 422
    assert 'role="alert"' in page.text and "Bộ lọc không hợp lệ" in page.text
    assert 'value="31/02/2026"' in page.text and 'value="xe may"' in page.text
    for far in ("from=0001-01-01", "to=9999-12-31", "to=31/12/9999"):
        refused = await client.get(f"/admin/tips?{far}")
        assert refused.status_code == 422 and "Bộ lọc không hợp lệ" in refused.text, far
    bad_cursor = await client.get("/admin/tips?cursor=not-a-cursor")
    assert bad_cursor.status_code == 422 and "Con trỏ trang" in bad_cursor.text


async def test_search_without_diacritics_and_by_code(world: World) -> None:
    scam = await world.tip(description="Đối tượng lừa đảo chiếm đoạt tiền qua Zalo")
    other = await world.tip(description="Tiếng ồn karaoke sau 22 giờ")
    client = await world.client("officer_a")
    for query in ("lua dao", "LỪA ĐẢO", "chiem doat zalo"):
        page = await client.get("/admin/tips", params={"q": query})
        assert codes_in(page.text) == [scam.code], query
    by_code = await client.get("/admin/tips", params={"q": other.code.lower()})
    assert codes_in(by_code.text) == [other.code]
    nothing = await client.get("/admin/tips", params={"q": "không có chữ này"})
    assert codes_in(nothing.text) == [] and 'id="queue-empty"' in nothing.text


async def test_overdue_and_due_soon_stand_out_in_colour_and_words(world: World) -> None:
    now, on = datetime.now(UTC), today()
    late = await world.tip()  # not acknowledged in time
    await set_tip(world, late, ack_due=on - timedelta(days=3), next_due=on - timedelta(days=3))
    soon = await world.tip()  # acknowledged, to be forwarded by tomorrow
    await set_tip(
        world,
        soon,
        status="acknowledged",
        acknowledged_at=now,
        forward_due=on + timedelta(days=1),
        next_due=on + timedelta(days=1),
    )
    body = "Cơ quan CSĐT Công an TP"
    forwarded = {"status": "forwarded", "acknowledged_at": now, "forwarded_at": now}
    due_today = await world.tip()  # the investigation body's decision, followed up
    await set_tip(world, due_today, **forwarded, forwarded_to=body, decision_due=on, next_due=on)
    calm = await world.tip()
    later = on + timedelta(days=9)
    await set_tip(world, calm, **forwarded, forwarded_to=body, decision_due=later, next_due=later)
    client = await world.client("officer_a")
    page = (await client.get("/admin/tips")).text
    # Overdue first (oldest deadline), with a label as well as the colour.
    assert codes_in(page) == [late.code, due_today.code, soon.code, calm.code]
    assert f'<li class="tip overdue" id="tip-{late.code}"' in page
    assert f'<li class="tip due_soon" id="tip-{due_today.code}"' in page
    assert f'<li class="tip due_soon" id="tip-{soon.code}"' in page
    assert f'<li class="tip ok" id="tip-{calm.code}"' in page

    def badge(tip: StoredTip) -> tuple[str, str]:
        row = page.split(f'id="tip-{tip.code}"')[1].split("</li>")[0]
        found = re.search(r'<span class="badge [a-z_]+" data-kind="([a-z]*)">([^<]*)</span>', row)
        assert found, row
        return found.group(1), unescape(found.group(2))

    # Every badge says which deadline it is: the acknowledgement, forwarding or decision.
    assert badge(late) == (
        "ack",
        f"QUÁ HẠN thông báo tiếp nhận 3 ngày (hạn {on - timedelta(days=3):%d/%m/%Y})",
    )
    assert badge(due_today) == ("decision", f"Hạn giải quyết: hôm nay ({on:%d/%m/%Y})")
    assert badge(soon) == (
        "forward",
        f"Hạn chuyển CQĐT: ngày mai ({on + timedelta(days=1):%d/%m/%Y})",
    )
    assert badge(calm) == ("decision", f"Hạn giải quyết {later:%d/%m/%Y}, còn 9 ngày")
    kinds = re.findall(r'<span class="badge (?:overdue|due_soon|ok)" data-kind="([a-z]*)">', page)
    assert sorted(kinds) == ["ack", "decision", "decision", "forward"]
    overdue_only = (await client.get("/admin/tips?overdue=1")).text
    assert codes_in(overdue_only) == [late.code]
    soon_only = (await client.get("/admin/tips?due_soon=1")).text
    assert codes_in(soon_only) == [due_today.code, soon.code]


async def test_each_kind_of_deadline_names_itself_when_overdue_or_ahead(world: World) -> None:
    """Each deadline kind in each of its four wordings, as the queue and the tip page say it."""
    now, on = datetime.now(UTC), today()
    column = {"ack": "ack_due", "forward": "forward_due", "decision": "decision_due"}
    progress: dict[str, dict[str, object]] = {
        "ack": {},
        "forward": {"status": "acknowledged", "acknowledged_at": now},
        "decision": {
            "status": "forwarded",
            "acknowledged_at": now,
            "forwarded_at": now,
            "forwarded_to": "Cơ quan CSĐT Công an TP",
        },
    }
    words = {
        "ack": (
            "QUÁ HẠN thông báo tiếp nhận 2 ngày",
            "Hạn thông báo tiếp nhận: hôm nay",
            "Hạn thông báo tiếp nhận: ngày mai",
        ),
        "forward": (
            "QUÁ HẠN chuyển CQĐT 2 ngày",
            "Hạn chuyển CQĐT: hôm nay",
            "Hạn chuyển CQĐT: ngày mai",
        ),
        "decision": (
            "QUÁ HẠN giải quyết 2 ngày",
            "Hạn giải quyết: hôm nay",
            "Hạn giải quyết: ngày mai",
        ),
    }
    lefts = {
        "ack": "Hạn thông báo tiếp nhận",
        "forward": "Hạn chuyển CQĐT",
        "decision": "Hạn giải quyết",
    }
    client = await world.client("officer_a")
    for kind, (overdue, today_words, tomorrow_words) in words.items():
        expected = {
            -2: overdue,
            0: today_words,
            1: tomorrow_words,
            5: f"{lefts[kind]} {on + timedelta(days=5):%d/%m/%Y}, còn 5 ngày",
        }
        for days, text in expected.items():
            tip = await world.tip()
            due = on + timedelta(days=days)
            await set_tip(world, tip, **progress[kind], **{column[kind]: due}, next_due=due)
            queue = (await client.get(f"/admin/tips?q={tip.code}")).text
            row = queue.split(f'id="tip-{tip.code}"')[1].split("</li>")[0]
            assert f'data-kind="{kind}">' in row, (kind, days)
            assert text in unescape(row), (kind, days, row)
            head = (await client.get(f"/admin/tips/{tip.id}")).text.split('id="tip-code"')[1]
            assert text in unescape(head.split("</div>")[0]), (kind, days)


async def test_urgent_first_then_the_oldest_deadline(world: World) -> None:
    later = await world.tip()
    earlier = await world.tip()
    urgent = await world.tip(urgent=True)
    await due_in(world, later, 5)
    await due_in(world, earlier, 2)
    await due_in(world, urgent, 8)
    client = await world.client("officer_a")
    page = (await client.get("/admin/tips")).text
    assert codes_in(page) == [urgent.code, earlier.code, later.code]
    assert "KHẨN" in page


async def test_rows_show_what_an_officer_needs(world: World) -> None:
    tip = await world.tip(category="fraud_phone", description="Gọi điện   mạo danh\nngân hàng")
    await set_tip(
        world,
        tip,
        assignee_id=world.users["officer_a2"].id,
        reporter_replied_at=datetime.now(UTC),
    )
    client = await world.client("officer_a")
    page = (await client.get("/admin/tips")).text
    row = page[page.index(f'id="tip-{tip.code}"') :]
    row = row[: row.index("</li>")]
    assert "Lừa đảo qua điện thoại" in row and "Mới tiếp nhận" in row
    assert "Gọi điện mạo danh ngân hàng" in row
    assert world.usernames["officer_a2"] in row
    assert "Người báo tin đã trả lời" in row
    assert re.search(r"Nhận lúc \d\d/\d\d/\d{4} \d\d:\d\d", row)
    assert f'href="/admin/tips/{tip.id}"' in row


async def test_keyset_pages_have_no_duplicates_or_gaps(world: World) -> None:
    stored = [await world.tip(urgent=i % 7 == 0) for i in range(57)]
    for index, tip in enumerate(stored):  # many share a deadline: the id breaks the tie
        await due_in(world, tip, index % 4)
    client = await world.client("officer_a")
    page = await client.get("/admin/tips")
    seen = codes_in(page.text)
    assert len(seen) == 25
    link = more_link(page.text)
    pages = 1
    while link:
        assert "cursor=" in link
        fragment = await client.get(link, headers=HX)
        assert fragment.status_code == 200
        assert "<html" not in fragment.text and 'id="queue"' not in fragment.text
        seen += codes_in(fragment.text)
        link = more_link(fragment.text)
        pages += 1
    assert pages == 3
    assert len(seen) == len(set(seen)) == 57
    assert set(seen) == {t.code for t in stored}


async def test_the_more_link_works_without_javascript(world: World) -> None:
    for _ in range(27):
        await world.tip(category="drugs")
    client = await world.client("officer_a")
    first = (await client.get("/admin/tips?category=drugs")).text
    link = more_link(first)
    assert link and 'hx-get="' in first
    # The link keeps the filters, so the next page is still filtered.
    assert parse_qs(urlsplit(link).query)["category"] == ["drugs"]
    second = await client.get(link)
    assert second.status_code == 200 and "<html" in second.text
    assert len(codes_in(second.text)) == 2 and more_link(second.text) is None
    assert "Về trang đầu" in second.text
    assert not set(codes_in(first)) & set(codes_in(second.text))


async def test_province_admin_filters_by_commune(world: World) -> None:
    in_a = await world.tip(COMMUNE_A)
    in_b = await world.tip(COMMUNE_B)
    admin = await world.client("admin_01")
    page = (await admin.get("/admin/tips")).text
    assert f'<option value="{COMMUNE_A}">Phường Ba Đình</option>' in page
    assert f'<option value="{COMMUNE_C}"' not in page  # a commune of another province
    only_b = (await admin.get(f"/admin/tips?commune={COMMUNE_B}")).text
    assert codes_in(only_b) == [in_b.code] and "Phường Bạch Mai" in only_b
    assert in_a.code not in only_b
    # The other province's admin filtering by this commune still gets nothing.
    other = await world.client("admin_79")
    assert codes_in((await other.get(f"/admin/tips?commune={COMMUNE_B}")).text) == []
    # Officers get no commune filter at all.
    officer = (await (await world.client("officer_a")).get("/admin/tips")).text
    assert 'id="commune"' not in officer


async def test_export_links_carry_the_filters(world: World) -> None:
    client = await world.client("officer_a")
    page = (await client.get("/admin/tips?status=all&category=drugs&q=ma+tuy")).text
    for ext in ("csv", "xlsx"):
        found = re.search(rf'href="(/admin/tips/export\.{ext}[^"]*)" id="export-{ext}"', page)
        assert found, page[:3000]
        query = parse_qs(urlsplit(unescape(found.group(1))).query)
        assert query == {"status": ["all"], "category": ["drugs"], "q": ["ma tuy"]}


async def test_on_postgresql_pages_search_and_scope_hold(
    pg_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same queue on PostgreSQL (row-value keyset, LIKE on the folded text). The database
    is shared by the whole session, so this test works in a commune of a province no other
    test uses (Đà Nẵng), and narrows by a word of its own as well."""
    monkeypatch.setitem(PROVINCE_OF, DA_NANG, "48")
    monkeypatch.setitem(PROVINCE_OF, DA_NANG_2, "48")
    await pg_world.add_user("officer_dn", AdminRole.OFFICER, DA_NANG, "48")
    marker = f"mã{secrets.token_hex(4)}"
    stored = [
        await pg_world.tip(DA_NANG, urgent=i % 5 == 0, description=f"Lừa đảo {marker} số {i}")
        for i in range(30)
    ]
    for index, tip in enumerate(stored):
        await due_in(pg_world, tip, index % 3 - 1)
    hidden = await pg_world.tip(DA_NANG_2, description=f"Lừa đảo {marker} phường khác")
    client = await pg_world.client("officer_dn")
    page = await client.get("/admin/tips", params={"q": f"lua dao {fold(marker)}"})
    seen = codes_in(page.text)
    link = more_link(page.text)
    while link:
        fragment = await client.get(link, headers=HX)
        seen += codes_in(fragment.text)
        link = more_link(fragment.text)
    assert len(seen) == len(set(seen)) == 30 and set(seen) == {t.code for t in stored}
    assert hidden.code not in seen
    assert tab_count(page.text, "open") == 30
    assert {t.code for i, t in enumerate(stored) if i % 5 == 0} == set(seen[:6])
