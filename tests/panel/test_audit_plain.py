"""The audit log in plain words (issue 20): sentences on the page, filters by person, tip,
action and dates, the reader's scope, and the export for an inspection (CSV, XLSX)."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from content.i18n import catalog
from handlers import casework as cases
from storage import admin_users as au
from storage import indicator_review
from storage.models import AuditLog, Indicator
from tests.panel.conftest import COMMUNE_A, World, case_store

T0 = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)  # 23:30 on 30/11 in Vietnam
REVEAL_REASON = '=HYPERLINK("http://evil.example","bấm")'


async def acknowledged_tip(world: World) -> str:
    """A tip of commune A that its chief acknowledged through the real write site."""
    tip = await world.tip(COMMUNE_A)
    async with world.session() as session:
        await cases.acknowledge(case_store(session), world.users["chief_a"], tip.id, now=T0)
        await session.commit()
    return tip.code


async def reveal_row(
    world: World, code: str, *, label: str = "chief_a", reason: str = "Xác minh"
) -> None:
    user = world.users[label]
    async with world.session() as db:
        await au.record(
            db,
            "tip.reveal",
            actor_id=user.id,
            actor_username=user.username,
            subject=code,
            reason=reason,
            now=T0 + timedelta(days=1),  # 01/12 in Vietnam
        )
        await db.commit()


def says(html: str) -> list[str]:
    """The sentences of the page, tags and entities aside."""
    found = re.findall(r'<p class="says">(.*?)</p>', html, flags=re.S)
    return [re.sub(r"<[^>]+>", "", s).replace("&#34;", '"').replace("&#39;", "'") for s in found]


# --- sentences -------------------------------------------------------------------------------


async def test_a_status_change_reads_as_a_sentence_with_the_tip_linked(world: World) -> None:
    code = await acknowledged_tip(world)
    client = await world.client("chief_a")
    page = await client.get("/admin/audit", params={"action": "tip.status"})
    assert page.status_code == 200
    chief = world.usernames["chief_a"]
    assert (
        f"{chief} chuyển tin báo {code} từ “Mới tiếp nhận” sang “Đã gửi thông báo tiếp nhận”."
        in says(page.text)
    )
    assert f'<a href="/admin/tips/{code}" class="tipref">{code}</a>' in page.text
    assert "new&gt;acknowledged" not in page.text and "new>acknowledged" not in page.text
    english = await client.get("/admin/audit", params={"action": "tip.status", "lang": "en"})
    assert f"{chief} moved tip {code} from “New” to “Acknowledged”." in says(english.text)


async def test_an_indicator_confirmation_names_the_number(world: World) -> None:
    async with world.session() as db:
        found = Indicator(
            kind="phone", value="+84912345678", first_seen=T0, last_seen=T0, reports=1
        )
        db.add(found)
        await db.flush()
        await indicator_review.decide(db, world.users["chief_a"], found.id, "confirm", now=T0)
        await db.commit()
    page = await (await world.client("chief_a")).get(
        "/admin/audit", params={"action": "indicator.confirm"}
    )
    (sentence,) = says(page.text)
    assert "xác nhận số điện thoại 0912 345 678 là dấu hiệu lừa đảo" in sentence
    assert "· phone" not in page.text


async def test_a_reason_is_shown_as_written_and_an_exports_filters_in_words(world: World) -> None:
    code = await acknowledged_tip(world)
    await reveal_row(world, code, reason="Cần gọi lại để xác minh")
    chief = world.users["chief_a"]
    async with world.session() as db:
        await au.record(
            db,
            "tips.export",
            actor_id=chief.id,
            actor_username=chief.username,
            detail="1 rows",
            reason="status=all",
            now=T0,
        )
        await db.commit()
    page = (await (await world.client("chief_a")).get("/admin/audit")).text
    assert "Lý do: Cần gọi lại để xác minh" in page
    assert "Lý do: status=all" not in page and "status=all" not in page
    assert "Bộ lọc khi xuất: Trạng thái: Mọi trạng thái" in page
    assert "xuất danh sách tin báo: 1 tin báo" in page and "1 rows" not in page


# --- filters ---------------------------------------------------------------------------------


async def test_filters_by_tip_person_action_and_dates_combine(world: World) -> None:
    code = await acknowledged_tip(world)  # tip.status on 30/11 by chief_a
    other = (await world.tip(COMMUNE_A)).code
    await reveal_row(world, code)  # tip.reveal on 01/12 by chief_a
    await reveal_row(world, other, label="officer_a")
    client = await world.client("chief_a")

    def codes(html: str) -> set[str]:
        """The tips the listed sentences link (the form echoes the code typed)."""
        return set(re.findall(r'class="tipref">(BY-[A-Z0-9-]+)<', html))

    by_tip = await client.get("/admin/audit", params={"tip": code.lower()})  # any case
    assert by_tip.status_code == 200 and codes(by_tip.text) == {code}
    assert len(says(by_tip.text)) == 2
    both = {"tip": code, "action": "tip.reveal", "actor": world.usernames["chief_a"]}
    combined = await client.get("/admin/audit", params={**both, "from": "2026-12-01"})
    assert len(says(combined.text)) == 1 and "xem danh tính" in says(combined.text)[0]
    none = await client.get("/admin/audit", params={**both, "to": "2026-11-30"})
    assert says(none.text) == []
    by_person = await client.get("/admin/audit", params={"actor": world.usernames["officer_a"]})
    assert codes(by_person.text) == {other}
    # The page offers the actions in words, the new export among them.
    assert '<option value="audit.export"' in by_tip.text and "Xuất nhật ký kiểm tra" in by_tip.text


async def test_the_scope_holds_under_every_filter(world: World) -> None:
    code = await acknowledged_tip(world)
    await reveal_row(world, code)
    for label in ("chief_b", "admin_79"):
        page = await (await world.client(label)).get("/admin/audit", params={"tip": code})
        # The filter form and the export links echo the code typed; the list holds none.
        listed = page.text.split('id="audit-export"')[1].split("</p>", 1)[1]
        assert page.status_code == 200 and code not in listed and says(page.text) == []
        export = await (await world.client(label)).get(
            "/admin/audit/export.csv", params={"tip": code}
        )
        assert export.status_code == 200 and code not in export.content.decode("utf-8-sig")
    province = await (await world.client("admin_01")).get("/admin/audit", params={"tip": code})
    assert len(says(province.text)) == 2


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"tip": "BY 7K3F; DROP TABLE"}, "Mã tin báo cần lọc không hợp lệ"),
        ({"tip": "x" * 40}, "Mã tin báo cần lọc không hợp lệ"),
        ({"action": "tip.delete"}, "không có trong danh sách"),
        ({"from": "2026-13-01"}, "Ngày không hợp lệ"),
        ({"from": "2026-12-02", "to": "2026-12-01"}, "phải trước hoặc bằng"),
        # Years a UTC bound overflows at (a 500 before, found by a review), in either form.
        ({"from": "0001-01-01"}, "thuộc các năm từ 2000 đến 2100"),
        ({"to": "9999-12-31"}, "thuộc các năm từ 2000 đến 2100"),
        ({"from": "1999-12-31", "to": "2026-12-01"}, "thuộc các năm từ 2000 đến 2100"),
        ({"from": "01/01/0001"}, "Ngày không hợp lệ"),
        ({"to": "31/12/9999"}, "Ngày không hợp lệ"),
        ({"from": "20261130"}, "Ngày không hợp lệ"),
    ],
)
async def test_bad_filters_get_a_message_not_a_500(
    world: World, params: dict[str, str], message: str
) -> None:
    client = await world.client("chief_a")
    for url in ("/admin/audit", "/admin/audit/export.csv", "/admin/audit/export.xlsx"):
        page = await client.get(url, params=params)
        assert page.status_code == 422 and message in page.text, url
    api = await client.get("/api/v1/audit", params=params)
    assert api.status_code == 422 and api.json()["error"]["code"] == "filter"
    # The audit filter's own words: not the tip list's statuses, communes or its dd/mm/yyyy.
    said = api.json()["error"]["message"]
    assert said.startswith("Bộ lọc nhật ký không hợp lệ: ")
    assert not any(w in said for w in ("trạng thái", "mã xã", "25/11/2026", "người xử lý"))
    async with world.session() as db:  # a refused export is no export
        written = await db.scalar(select(AuditLog.id).where(AuditLog.action == "audit.export"))
    assert written is None


# --- export ----------------------------------------------------------------------------------


async def test_the_page_links_the_export_with_its_filters(world: World) -> None:
    client = await world.client("chief_a")
    page = await client.get("/admin/audit", params={"action": "tip.reveal", "tip": "by-7k3f-q9"})
    link = re.search(r'href="(/admin/audit/export\.csv[^"]*)"', page.text)
    assert link is not None
    query = parse_qs(urlsplit(link.group(1).replace("&amp;", "&")).query)
    assert query == {"action": ["tip.reveal"], "tip": ["by-7k3f-q9"]}
    assert 'href="/admin/audit/export.xlsx?' in page.text


async def test_csv_export_has_the_sentence_and_the_raw_columns(world: World) -> None:
    code = await acknowledged_tip(world)
    await reveal_row(world, code, reason=REVEAL_REASON)
    client = await world.client("chief_a")
    reply = await client.get("/admin/audit/export.csv", params={"tip": code})
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/csv")
    assert "binhyen-audit-00004-" in reply.headers["content-disposition"]
    assert reply.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for Vietnamese
    rows = list(csv.reader(io.StringIO(reply.content.decode("utf-8-sig"))))
    head, *body = rows
    assert head[:4] == [
        "Nội dung",
        "Thời điểm (ISO 8601, giờ Việt Nam)",
        "Thời gian",
        "Người thực hiện",
    ]
    assert len(body) == 2
    reveal, status = body  # newest first
    chief = world.usernames["chief_a"]
    assert reveal[1] == "2026-12-01T23:30:00+07:00" and reveal[2] == "01/12/2026 23:30"
    assert reveal[3] == chief and reveal[4] == "tip.reveal" and reveal[6] == code
    assert reveal[0].startswith(f"01/12/2026 23:30: {chief} xem danh tính người báo tin")
    # A reason that looks like a formula is text: an apostrophe in front, in every cell.
    assert reveal[7] == "'" + REVEAL_REASON
    assert (
        status[4] == "tip.status"
        and "“Mới tiếp nhận” sang “Đã gửi thông báo tiếp nhận”" in status[0]
    )
    for cells in body:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


async def test_xlsx_export_keeps_text_as_text_and_says_what_was_filtered(world: World) -> None:
    code = await acknowledged_tip(world)
    await reveal_row(world, code, reason=REVEAL_REASON)
    client = await world.client("chief_a")
    reply = await client.get(
        "/admin/audit/export.xlsx", params={"tip": code, "action": "tip.reveal", "lang": "en"}
    )
    assert reply.status_code == 200
    book = load_workbook(io.BytesIO(reply.content))
    sheet, about = book.worksheets
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "What happened" and len(rows) == 2
    assert "revealed the reporter's identity on tip" in rows[1][0]
    reason = sheet.cell(row=2, column=8)
    assert reason.value == REVEAL_REASON and reason.data_type == "s"  # never a formula
    facts = {r[0]: r[1] for r in about.iter_rows(values_only=True)}
    assert facts["Receipt code"] == code and facts["Entries"] == 1
    assert facts["Action"] == "Revealed a reporter's identity"


async def test_an_export_is_itself_in_the_log_with_its_filters_in_words(world: World) -> None:
    code = await acknowledged_tip(world)
    client = await world.client("chief_a")
    assert (await client.get("/admin/audit/export.csv", params={"tip": code})).status_code == 200
    async with world.session() as db:
        row = (
            await db.execute(select(AuditLog).where(AuditLog.action == "audit.export"))
        ).scalar_one()
    assert row.detail == "rows=1;fmt=csv" and row.reason == f"tip={code}"
    assert row.actor_username == world.usernames["chief_a"]
    page = (await client.get("/admin/audit", params={"action": "audit.export"})).text
    assert "xuất nhật ký kiểm tra: 1 mục, tệp CSV" in page
    assert f"Bộ lọc khi xuất: Mã tin báo: {code}" in page and "Lý do:" not in page
    # The province admin reads the chief's export too; another commune's chief does not.
    seen = (
        await (await world.client("admin_01")).get(
            "/admin/audit", params={"action": "audit.export"}
        )
    ).text
    assert "xuất nhật ký kiểm tra" in seen
    unseen = (
        await (await world.client("chief_b")).get("/admin/audit", params={"action": "audit.export"})
    ).text
    assert "xuất nhật ký kiểm tra" not in unseen


@pytest.mark.parametrize("label", ["officer_a", "leader_a"])
async def test_officers_and_leaders_cannot_export(world: World, label: str) -> None:
    client = await world.client(label)
    for url in ("/admin/audit/export.csv", "/admin/audit/export.xlsx"):
        assert (await client.get(url)).status_code == 403
    assert (await world.anonymous_client().get("/admin/audit/export.csv")).status_code == 303


async def test_the_api_gives_the_sentence_and_filters_by_tip(world: World) -> None:
    code = await acknowledged_tip(world)
    client = await world.client("chief_a")
    data = (await client.get("/api/v1/audit", params={"tip": code, "lang": "en"})).json()
    (item,) = data["items"]
    assert item["action"] == "tip.status" and item["detail"] == "new>acknowledged"
    assert f"moved tip {code} from" in item["sentence"]


async def test_the_list_is_stacked_rows_on_a_phone(world: World) -> None:
    """No table to scroll sideways: one list item a row, long values wrap (panel.css)."""
    code = await acknowledged_tip(world)
    page = (await (await world.client("chief_a")).get("/admin/audit")).text
    assert "<table" not in page and '<ol class="queue audit">' in page and code in page
    css = (await world.anonymous_client().get("/admin/static/panel.css")).text
    assert re.search(r"ol\.audit > li\.entry \{[^}]*overflow-wrap: anywhere", css)


async def test_filters_words_and_export_on_postgres(pg_world: World) -> None:
    world = pg_world
    code = await acknowledged_tip(world)
    await reveal_row(world, code, reason="Xác minh lại")
    client = await world.client("chief_a")
    page = await client.get("/admin/audit", params={"tip": code})
    assert len(says(page.text)) == 2 and f'href="/admin/tips/{code}"' in page.text
    reply = await client.get("/admin/audit/export.csv", params={"tip": code})
    body = list(csv.reader(io.StringIO(reply.content.decode("utf-8-sig"))))[1:]
    assert [r[4] for r in body] == ["tip.reveal", "tip.status"] and body[0][7] == "Xác minh lại"
    other = await (await world.client("chief_b")).get("/admin/audit", params={"tip": code})
    assert says(other.text) == []


@pytest.mark.parametrize(
    ("params", "english"),
    [
        ({"action": "tip.delete"}, "action must be an audit action code, e.g. tip.reveal"),
        ({"actor": "x y"}, "actor must be a username"),
        ({"tip": "x" * 40}, "tip must be a receipt code, e.g. BY-7K3F-Q9"),
        ({"from": "30/11/2026"}, "from and to are dates written year-month-day, e.g. 2026-11-25"),
        ({"to": "9999-12-31"}, "from and to must fall in the years 2000 to 2100"),
        ({"from": "2026-12-02", "to": "2026-12-01"}, "from must not be after to"),
        ({"limit": "500"}, "limit is a number from 1 to 200"),
    ],
)
async def test_the_api_says_which_audit_filter_is_wrong(
    world: World, params: dict[str, str], english: str
) -> None:
    reply = await (await world.client("admin_01")).get(
        "/api/v1/audit", params={**params, "lang": "en"}
    )
    assert reply.status_code == 422
    assert reply.json()["error"] == {
        "code": "filter",
        "message": f"Invalid audit log filter: {english}.",
    }


async def test_the_api_summary_is_in_words_never_a_stored_code(world: World) -> None:
    """`summary` once carried the detail as stored: "closed>verifying", "phone", "officer"."""
    code = await acknowledged_tip(world)
    chief = world.users["chief_a"]
    async with world.session() as db:
        found = Indicator(
            kind="phone", value="+84912345678", first_seen=T0, last_seen=T0, reports=1
        )
        db.add(found)
        await db.flush()
        await indicator_review.decide(db, chief, found.id, "confirm", now=T0)
        for action, subject, detail in (
            ("tip.status", code, "closed>verifying"),
            ("user.create", world.usernames["officer_a"], "officer"),
        ):
            await au.record(
                db,
                action,
                actor_id=chief.id,
                actor_username=chief.username,
                subject=subject,
                detail=detail,
                now=T0,
            )
        await db.commit()
    client = await world.client("chief_a")
    items = (await client.get("/api/v1/audit", params={"lang": "en"})).json()["items"]
    summaries = {i["detail"]: i["summary"] for i in items}
    assert set(summaries) >= {"closed>verifying", "phone", "officer"}
    for item in items:
        assert item["summary"] == item["sentence"] and item["summary"], item
    assert "“Closed” to “Verifying”" in summaries["closed>verifying"]
    assert ">" not in summaries["closed>verifying"]
    assert "confirmed the phone number 0912 345 678" in summaries["phone"]
    role = catalog("en")["admin.role.officer"]
    assert summaries["officer"].endswith(f"with the role “{role}”")
    schema = (await client.get("/api/v1/openapi.json")).json()
    described = schema["components"]["schemas"]["AuditItemOut"]["properties"]["summary"]
    assert "same sentence as `sentence`" in described["description"]


async def test_a_rows_top_line_is_the_time_and_the_person_only(world: World) -> None:
    code = await acknowledged_tip(world)
    page = (await (await world.client("chief_a")).get("/admin/audit", params={"tip": code})).text
    (entry,) = re.findall(r'<li class="entry">(.*?)</li>', page, flags=re.S)
    top = re.search(r'<span class="line1">(.*)</span>\s*<p class="says">', entry, flags=re.S)
    assert top is not None
    line = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", top.group(1))).strip()
    assert line == f"30/11/2026 23:30 Người thực hiện: {world.usernames['chief_a']}"
    # The code is named once, linked in the sentence; the action's label is the sentence.
    assert entry.count(code) == 2 and 'class="code"' not in entry  # the link and its text
    assert "Đổi trạng thái" not in entry and "tip.status" not in entry
