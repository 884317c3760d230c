"""Statistics: weeks named in the panel's language, the page's numbers as CSV and XLSX (same
scope and query), and tables that stack on a phone instead of scrolling sideways."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime

from openpyxl import load_workbook

from admin import stats_export
from admin.stats_export import About, Sheet, Table
from tests.panel.conftest import COMMUNE_A, COMMUNE_B, World

QUERY = "from=2026-09-01&to=2026-10-31"


def at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 3, tzinfo=UTC)  # 10:00 in Vietnam


async def _tips(world: World) -> None:
    """Week 38 (14/9-20/9): two phone scams and one drug tip in A; week 41: one in A; one in B."""
    for day, category in ((15, "fraud_phone"), (16, "fraud_phone"), (18, "drugs")):
        await world.tip(COMMUNE_A, received=at(9, day), category=category)
    await world.tip(COMMUNE_A, received=at(10, 7), category="drugs")
    await world.tip(COMMUNE_B, received=at(9, 16), category="gambling")


async def test_weeks_are_named_in_the_panels_language(world: World) -> None:
    await _tips(world)
    client = await world.client("officer_a")
    vi = (await client.get(f"/admin/stats?{QUERY}")).text
    # Under each bar: its week and Monday; over it, the week's dates and the count.
    assert re.search(r'text-anchor="middle">Tuần 38</text>\s*<text class="sub"[^>]*>14/9<', vi)
    assert "<title>Tuần 38 (14/9–20/9) · Lừa đảo qua điện thoại: 2</title>" in vi
    assert not re.search(r">W\d\d<", vi) and "-W38" not in vi
    en = (await client.get(f"/admin/stats?{QUERY}&lang=en")).text
    assert 'text-anchor="middle">Week 38</text>' in en
    assert "<title>Week 38 (14/9–20/9) · Drugs: 1</title>" in en
    assert "Tuần" not in en


async def test_tables_stack_on_a_phone_with_every_cell_labelled(world: World) -> None:
    await _tips(world)
    html = (await (await world.client("officer_a")).get(f"/admin/stats?{QUERY}")).text
    assert "@media (max-width: 39.99rem)" in html and "content: attr(data-label)" in html
    for table_id in ("weeks", "deadlines"):
        table = re.search(
            rf'<table class="numbers stack" id="{table_id}">(.*?)</table>', html, re.S
        )
        assert table, table_id
        cells = re.findall(r"<td[^>]*>", table[1])
        assert cells and all('data-label="' in cell for cell in cells), table_id
    weeks = re.search(r'id="weeks">(.*?)</table>', html, re.S)
    assert weeks and '<td data-label="Ma túy">1</td>' in weeks[1]


async def test_the_page_links_its_export_with_its_query(world: World) -> None:
    client = await world.client("admin_01")
    html = (await client.get(f"/admin/stats?{QUERY}&commune={COMMUNE_B}")).text
    query = f"from=2026-09-01&amp;to=2026-10-31&amp;commune={COMMUNE_B}"
    assert f'href="/admin/stats/export.xlsx?{query}"' in html
    assert f'href="/admin/stats/export.csv?{query}"' in html


def _csv_rows(body: bytes) -> list[list[str]]:
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def _after(rows: list[list[str]], title: str) -> list[list[str]]:
    """The rows of the section `title` (its header first), up to the blank line."""
    start = rows.index([title]) + 1
    end = rows.index([], start)
    return rows[start:end]


async def test_csv_holds_what_the_page_shows(world: World) -> None:
    await _tips(world)
    answer = await (await world.client("officer_a")).get(f"/admin/stats/export.csv?{QUERY}")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["cache-control"] == "no-store"
    disposition = answer.headers["content-disposition"]
    assert disposition == 'attachment; filename="binhyen-stats-00004-2026-09-01-2026-10-31.csv"'
    rows = _csv_rows(answer.content)
    assert ["Tin báo nhận được", "4"] in _after(rows, "Số liệu chung")
    weeks = _after(rows, "Tin báo theo tuần và theo loại")
    assert weeks[0] == ["Tuần", "Từ ngày", "Đến ngày", "Lừa đảo qua điện thoại", "Ma túy", "Tổng"]
    assert weeks[1] == ["Tuần 36", "01/09/2026", "06/09/2026", "0", "0", "0"]  # cut at the 1st
    assert ["Tuần 38", "14/09/2026", "20/09/2026", "2", "1", "3"] in weeks
    assert ["Tuần 41", "05/10/2026", "11/10/2026", "0", "1", "1"] in weeks
    assert weeks[-1] == ["Tổng", "01/09/2026", "31/10/2026", "2", "2", "4"]
    deadlines = _after(rows, "Chấp hành thời hạn")
    assert deadlines[0][-2:] == ["Tỷ lệ đúng hạn (%)", "Căn cứ"]
    assert (
        deadlines[1][0] == "Thông báo tiếp nhận đúng hạn" and deadlines[1][-1]
    )  # its legal source
    assert ["Tố giác, tin báo về tội phạm", "4"] in _after(rows, "Theo thủ tục giải quyết")
    assert ["Mới tiếp nhận", "4"] in _after(rows, "Theo trạng thái")
    assert _after(rows, "Tin đã kết thúc, theo kết quả") == [["Kết quả giải quyết", "Số tin"]]
    assert "Đánh bạc" not in answer.content.decode("utf-8-sig")  # commune B's tip


async def test_xlsx_has_a_sheet_per_part_with_typed_cells(world: World) -> None:
    await _tips(world)
    client = await world.client("admin_01")
    answer = await client.get(f"/admin/stats/export.xlsx?{QUERY}&commune={COMMUNE_A}&lang=en")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "binhyen-stats-00004-2026-09-01" in answer.headers["content-disposition"]
    book = load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames == ["Summary", "By week", "Breakdown"]
    summary = [row[:2] for row in book["Summary"].iter_rows(values_only=True)]
    assert summary[:5] == [
        ("Tip statistics", None),
        ("Area", "Thành phố Hà Nội"),
        ("Commune", "00004 Phường Ba Đình"),
        ("From", datetime(2026, 9, 1)),  # a date, not text
        ("To", datetime(2026, 10, 31)),
    ]
    assert ("Tips received", 4) in summary and ("Overdue now", 4) in summary
    weeks = list(book["By week"].iter_rows(values_only=True))
    assert weeks[1][:3] == ("Week", "From", "To")
    week_38 = next(row for row in weeks if row[0] == "Week 38")
    assert week_38[1:3] == (datetime(2026, 9, 14), datetime(2026, 9, 20))
    assert week_38[3:] == (2, 1, 3)
    assert "Gambling" not in str(weeks)  # commune B's, outside the commune asked for
    breakdown = list(book["Breakdown"].iter_rows(values_only=True))
    assert ("New", 4) in breakdown and ("Crime reports", 4) in breakdown
    assert ("Closed", 0) in breakdown and ("Fire risks", 0) in breakdown


async def test_the_province_sees_its_communes_and_nothing_beyond_its_scope(world: World) -> None:
    await _tips(world)
    province = await world.client("admin_01")
    whole = _csv_rows((await province.get(f"/admin/stats/export.csv?{QUERY}")).content)
    assert ["Tin báo nhận được", "5"] in _after(whole, "Số liệu chung")
    only_b = await province.get(f"/admin/stats/export.csv?{QUERY}&commune={COMMUNE_B}")
    assert ["Tin báo nhận được", "1"] in _after(_csv_rows(only_b.content), "Số liệu chung")
    assert "binhyen-stats-00277-" in only_b.headers["content-disposition"]
    foreign = await (await world.client("admin_79")).get(
        f"/admin/stats/export.csv?{QUERY}&commune={COMMUNE_A}"
    )
    assert foreign.status_code == 422
    officer_b = await (await world.client("officer_b")).get(f"/admin/stats/export.csv?{QUERY}")
    assert ["Tin báo nhận được", "1"] in _after(_csv_rows(officer_b.content), "Số liệu chung")


async def test_export_refuses_leaders_strangers_and_a_bad_period(world: World) -> None:
    leader = await (await world.client("leader_a")).get("/admin/stats/export.csv")
    assert leader.status_code == 403
    stranger = await world.anonymous_client().get("/admin/stats/export.xlsx")
    assert stranger.status_code == 303
    client = await world.client("officer_a")
    backwards = await client.get("/admin/stats/export.csv?from=2026-11-20&to=2026-11-01")
    assert backwards.status_code == 422 and "Ngày bắt đầu phải trước" in backwards.text
    too_long = await client.get("/admin/stats/export.xlsx?from=2020-01-01&to=2026-11-01")
    assert too_long.status_code == 422


def test_no_cell_of_the_files_is_ever_a_formula() -> None:
    hostile = '=HYPERLINK("http://x","y")'
    about = About("Phường Ba Đình", datetime(2026, 12, 1, 9, 0), "officer")
    parts = [Sheet("Tổng hợp", [Table(hostile, ["+1", "@x"], [["-2+3", 4, date(2026, 9, 1)]])])]
    rows = list(csv.reader(io.StringIO(stats_export.to_csv(parts).decode("utf-8-sig"))))
    assert rows[:3] == [[f"'{hostile}"], ["'+1", "'@x"], ["'-2+3", "4", "01/09/2026"]]
    book = load_workbook(io.BytesIO(stats_export.to_xlsx(parts)))
    sheet = book["Tổng hợp"]
    assert sheet["A1"].value == hostile and sheet["A1"].data_type == "s"
    assert sheet["A3"].value == "-2+3" and sheet["A3"].data_type == "s"
    assert sheet["C3"].is_date and about.username == "officer"


def _today() -> date:
    from handlers.deadlines import local_date

    return local_date(datetime.now(UTC))


async def test_an_end_after_today_is_cut_to_today_and_the_page_and_files_say_so(
    world: World,
) -> None:
    """A file "to 31/12" taken on 6/12 would look complete: the period ends today, and says so."""
    from datetime import timedelta

    today = _today()
    start, later = today - timedelta(days=20), today + timedelta(days=25)
    query = f"from={start.isoformat()}&to={later.isoformat()}"
    note = f"Ngày kết thúc {later:%d/%m/%Y} chưa đến: số liệu tính đến hôm nay {today:%d/%m/%Y}."
    client = await world.client("officer_a")
    page = await client.get(f"/admin/stats?{query}")
    assert page.status_code == 200 and note in page.text
    assert f'value="{today.isoformat()}"' in page.text  # the form shows the end used
    assert f"to={today.isoformat()}" in page.text and later.isoformat() not in page.text
    rows = _csv_rows((await client.get(f"/admin/stats/export.csv?{query}")).content)
    about = rows[: rows.index([])]
    assert ["Đến ngày", f"{today:%d/%m/%Y}"] in about and ["Ghi chú", note] in about
    assert about.index(["Ghi chú", note]) == about.index(["Đến ngày", f"{today:%d/%m/%Y}"]) + 1
    answer = await client.get(f"/admin/stats/export.xlsx?{query}&lang=en")
    assert f"-{today.isoformat()}.xlsx" in answer.headers["content-disposition"]
    summary = [row[:2] for row in load_workbook(io.BytesIO(answer.content))["Summary"].values]
    assert ("To", datetime(today.year, today.month, today.day)) in summary
    assert (
        "Note",
        f"The end date {later:%d/%m/%Y} is still to come: the figures run to today,"
        f" {today:%d/%m/%Y}.",
    ) in summary
    # A period that ends today or before says nothing of the kind.
    plain = await client.get(f"/admin/stats?from={start.isoformat()}&to={today.isoformat()}")
    assert "chưa đến" not in plain.text and 'id="stats-cut"' not in plain.text


async def test_a_period_that_starts_after_today_is_refused_clearly(world: World) -> None:
    from datetime import timedelta

    later = _today() + timedelta(days=3)
    query = f"from={later.isoformat()}&to={(later + timedelta(days=7)).isoformat()}"
    client = await world.client("officer_a")
    page = await client.get(f"/admin/stats?{query}")
    assert page.status_code == 422 and "Ngày bắt đầu chưa đến" in page.text
    export = await client.get(f"/admin/stats/export.csv?{query}")
    assert export.status_code == 422 and "Ngày bắt đầu chưa đến" in export.text
