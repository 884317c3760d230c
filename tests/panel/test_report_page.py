"""The movement's reports in the panel: the printable page and its XLSX for each role's scope,
the refusals (403 with words outside the scope, 422 with the reason for a bad or future
period), the period picker, the nav link, and the English labels."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import httpx
from openpyxl import load_workbook

from admin.timefmt import day
from handlers.deadlines import local_date
from tests.panel.conftest import COMMUNE_A, COMMUNE_B, COMMUNE_C, World

H1 = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # 2/3/2026 in Vietnam: 2026-H1
H2_2025 = datetime(2025, 9, 9, 3, 0, tzinfo=UTC)
RECEIVED = "Tin báo đã tiếp nhận"


def _figures(html: str, label: str) -> list[str]:
    """The cells of the row named `label`: this period, the previous one, the change."""
    row = re.search(rf'<th scope="row">{re.escape(label)}</th>(.*?)</tr>', html, flags=re.DOTALL)
    assert row, html[:3000]
    return [cell.strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))]


async def _known(world: World) -> None:
    await world.tip(COMMUNE_A, received=H1, category="fraud_phone")
    await world.tip(COMMUNE_A, received=H1, category="drugs")
    await world.tip(COMMUNE_A, received=H2_2025, category="fraud_phone")
    await world.tip(COMMUNE_B, received=H1, category="fraud_phone")
    await world.tip(COMMUNE_C, received=H1, category="fraud_phone")


async def _get(client: httpx.AsyncClient, query: str) -> httpx.Response:
    return await client.get(f"/admin/reports?{query}")


async def test_an_officer_s_commune_report(world: World) -> None:
    await _known(world)
    officer = await world.client("officer_a")
    page = await _get(officer, "period=2026-H1")
    assert page.status_code == 200
    html = page.text
    assert 'href="/admin/reports" aria-current="page"' in html  # the nav link, current
    assert "Báo cáo kết quả phong trào Toàn dân bảo vệ an ninh Tổ quốc" in html
    assert "Công an phường Ba Đình, thành phố Hà Nội (mã 00004)" in html
    # None of these tips is closed: the outcomes' heading says so rather than stand empty.
    assert '<th scope="row" colspan="4">Kết quả giải quyết (tin báo đã đóng): không có</th>' in html
    assert _figures(html, RECEIVED) == ["2", "1", "+1 (+100,0%)"]
    assert _figures(html, "Lượt kiểm tra lừa đảo")[:2] == ["Không ghi nhận", "Không ghi nhận"]
    assert '<option value="2026-H1" selected>6 tháng đầu năm 2026</option>' in html
    assert "Quý 1/2026" in html and "Tháng 7/2026" in html
    assert "2027" not in re.findall(r'<option value="([^"]+)"', html)[0]
    # Printable: A4, the menu and the form left out; no commune picker for an officer.
    assert "size: A4" in html and "header.top" in html
    assert 'name="commune"' not in html
    assert 'href="/admin/reports/report.xlsx?period=2026-H1&amp;commune=00004"' in html


async def test_a_period_under_way_is_marked_to_date(world: World) -> None:
    chief = await world.client("chief_a")
    today = local_date(datetime.now(UTC))
    half = "H1" if today.month <= 6 else "H2"
    page = await _get(chief, f"period={today.year}-{half}")
    assert page.status_code == 200
    assert f"(đến ngày {day(today)})" in page.text
    english = await _get(chief, f"period={today.year}-{today.month:02d}&lang=en")
    months = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")  # fmt: skip
    assert f"{months[today.month - 1]} {today.year} (to {day(today)})" in english.text
    assert "Residents reached by notices" in english.text


async def test_the_default_is_the_last_half_year_over(world: World) -> None:
    officer = await world.client("officer_a")
    page = await _get(officer, "")
    assert page.status_code == 200
    assert re.search(r'<option value="\d{4}-H[12]" selected>', page.text)
    assert "(đến ngày" not in page.text


def _selected(html: str) -> list[str]:
    """The period picker's selected option(s)."""
    picker = re.search(r'<select id="period".*?</select>', html, flags=re.DOTALL)
    assert picker
    return re.findall(r'<option value="([^"]*)" selected>([^<]*)</option>', picker.group(0))


async def test_a_typed_period_the_picker_does_not_offer_is_the_one_selected(world: World) -> None:
    officer = await world.client("officer_a")
    old = await _get(officer, "period=2019-h2")  # years before those offered
    assert old.status_code == 200
    assert _selected(old.text) == [("2019-H2", "6 tháng cuối năm 2019")]
    assert 'href="/admin/reports/report.xlsx?period=2019-H2&amp;commune=00004"' in old.text
    future = await _get(officer, "period=2999")  # refused, but what was asked stays shown
    assert future.status_code == 422
    assert _selected(future.text) == [("2999", "Năm 2999")]
    bad = await _get(officer, "period=%3Cb%3E")  # escaped, never markup
    assert _selected(bad.text) == [("&lt;b&gt;", "&lt;b&gt;")]
    offered = await _get(officer, "period=2026-H1")
    assert _selected(offered.text) == [("2026-H1", "6 tháng đầu năm 2026")]


async def test_outside_the_scope_is_refused_with_words(world: World) -> None:
    await _known(world)
    officer = await world.client("officer_a")
    for query in (f"period=2026-H1&commune={COMMUNE_B}", f"period=2026-H1&commune={COMMUNE_C}"):
        refused = await _get(officer, query)
        assert refused.status_code == 403
        assert "Tài khoản này không được xem báo cáo của địa bàn đó" in refused.text
        assert RECEIVED not in refused.text
        download = await officer.get(f"/admin/reports/report.xlsx?{query}")
        assert download.status_code == 403
        assert "spreadsheetml" not in download.headers["content-type"]
    admin = await world.client("admin_01")
    refused = await _get(admin, f"period=2026-H1&commune={COMMUNE_C}")
    assert refused.status_code == 403 and RECEIVED not in refused.text
    leader = await world.client("leader_a")
    assert (await _get(leader, "period=2026-H1")).status_code == 403
    assert 'href="/admin/reports"' not in (await leader.get("/admin/broadcasts")).text


async def test_a_province_admin_picks_the_province_or_one_commune(world: World) -> None:
    await _known(world)
    admin = await world.client("admin_01")
    whole = await _get(admin, "period=2026-H1")
    assert whole.status_code == 200
    assert "Công an thành phố Hà Nội (mã 01)" in whole.text
    assert _figures(whole.text, RECEIVED)[:2] == ["3", "1"]  # A twice and B; not C (79)
    assert f'<option value="{COMMUNE_B}"' in whole.text  # the commune picker
    one = await _get(admin, f"period=2026-H1&commune={COMMUNE_B.lstrip('0')}")
    assert one.status_code == 200
    assert "Phường Bạch Mai" in one.text
    assert _figures(one.text, RECEIVED)[:2] == ["1", "0"]


async def test_bad_and_future_periods_say_why(world: World) -> None:
    officer = await world.client("officer_a")
    bad = await _get(officer, "period=2026-H7")
    assert bad.status_code == 422
    assert "Các dạng được chấp nhận: 2026-H1, 2026-H2, 2026, 2026-Q1…Q4, 2026-07" in bad.text
    future = await _get(officer, "period=2999")
    assert future.status_code == 422
    assert "Kỳ 2999 chưa bắt đầu (bắt đầu từ ngày 01/01/2999)" in future.text
    assert RECEIVED not in future.text
    admin = await world.client("admin_01")
    unknown = await _get(admin, "period=2026-H1&commune=99999")
    assert unknown.status_code == 422
    assert "Không có xã, phường nào mang mã 99999" in unknown.text
    download = await officer.get("/admin/reports/report.xlsx?period=2026-H7")
    assert download.status_code == 422 and "Các dạng được chấp nhận" in download.text


async def test_the_xlsx_download(world: World) -> None:
    await _known(world)
    officer = await world.client("officer_a")
    download = await officer.get("/admin/reports/report.xlsx?period=2026-H1&commune=4")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert 'filename="binhyen-report-00004-2026-H1.xlsx"' in download.headers["content-disposition"]
    assert download.headers["cache-control"] == "no-store"
    sheet = load_workbook(io.BytesIO(download.content)).active
    assert sheet is not None
    rows = [tuple(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[2][0] == "6 tháng đầu năm 2026"
    received = next(r for r in rows if r[0] == RECEIVED)
    assert received[1:5] == (2, 1, 1, 1.0)


async def test_the_page_on_postgres(pg_world: World) -> None:
    # Other tests share this database: only what this test adds in a commune of its own, in
    # 2025-H1, is known; so the page's figures are checked as at least these.
    officer = await pg_world.client("officer_c")
    await pg_world.tip(COMMUNE_C, received=datetime(2025, 2, 2, 3, tzinfo=UTC))
    page = await _get(officer, "period=2025-H1")
    assert page.status_code == 200
    assert int(_figures(page.text, RECEIVED)[0]) >= 1
    download = await officer.get("/admin/reports/report.xlsx?period=2025-H1")
    assert download.status_code == 200


async def test_the_closing_days_of_decree_09(world: World) -> None:
    await _known(world)  # two tips of A on 2/3/2026, one on 9/9/2025
    officer = await world.client("officer_a")
    page = await _get(officer, "period=2026-H1&cutoff=decree09")
    assert page.status_code == 200
    html = page.text
    assert (
        "Số liệu chốt theo cách tính của Điều 12 Nghị định 09/2019/NĐ-CP: "
        "từ 15/12/2025 đến 14/06/2026" in html
    )
    # 9/9/2025 falls in the previous half by the decree's days: 15/06/2025 to 14/12/2025.
    assert _figures(html, RECEIVED) == ["2", "1", "+1 (+100,0%)"]
    assert '<option value="decree09" selected>Chốt số liệu theo Nghị định 09/2019</option>' in html
    assert '<option value="calendar">Kỳ lịch</option>' in html
    link = "/admin/reports/report.xlsx?period=2026-H1&amp;commune=00004&amp;cutoff=decree09"
    assert f'href="{link}"' in html
    download = await officer.get(link.replace("&amp;", "&"))
    assert download.status_code == 200
    assert "2026-H1-decree09.xlsx" in download.headers["content-disposition"]
    calendar = await _get(officer, "period=2026-H1")
    assert "Nghị định 09/2019/NĐ-CP: từ" not in calendar.text
    assert '<option value="calendar" selected>Kỳ lịch</option>' in calendar.text


async def test_an_unknown_cutoff_says_why(world: World) -> None:
    officer = await world.client("officer_a")
    bad = await _get(officer, "period=2026-H1&cutoff=%3Cb%3Elunar")
    assert bad.status_code == 422
    assert "Các cách được chấp nhận: calendar, decree09" in bad.text
    assert "<b>lunar" not in bad.text and RECEIVED not in bad.text
