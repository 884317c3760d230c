"""The movement report after review: a period under way beside as many days of the previous
one (not the whole of it), the closing days of Decree 09/2019/NĐ-CP art. 12 as an option, the
change in per cent never rounded to a misleading 0,0% or -100,0%, and a terminal table that
fits 100 columns."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from admin import report_sheet
from admin.reports import choices
from handlers.errors import BadInput
from handlers.movement import period as periods
from handlers.movement import report
from handlers.movement.period import Cutoff, Kind, Period
from handlers.movement.ports import Figures
from handlers.movement.scope import Area
from tests.fakes.memory_movement import MemoryMovementFigures

BA_DINH = Area("01", "00004")
DEC_6 = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)  # 10:00 on 6/12/2026 in Vietnam
SAME = Figures(received=340, by_category={"fraud_phone": 340}, useful=34)
DECREE = Cutoff.DECREE09


def _received(made: report.Report) -> report.Row:
    return next(r for s in made.sections for r in s.rows if r.label.key.endswith(".received"))


@pytest.mark.parametrize(
    ("code", "previous_days", "column"),
    [
        ("2026", (date(2025, 1, 1), date(2025, 12, 6)), "Năm 2025, 01/01–06/12"),
        # 159 days from 1/7, 67 from 1/10: as many days, not the same dates.
        ("2026-H2", (date(2026, 1, 1), date(2026, 6, 8)), "6 tháng đầu năm 2026, 01/01–08/06"),
        ("2026-12", (date(2026, 11, 1), date(2026, 11, 6)), "Tháng 11/2026, 01/11–06/11"),
        ("2026-Q4", (date(2026, 7, 1), date(2026, 9, 5)), "Quý 3/2026, 01/07–05/09"),
    ],
)
async def test_a_period_under_way_is_set_beside_as_many_days_of_the_previous(
    code: str, previous_days: tuple[date, date], column: str
) -> None:
    store = MemoryMovementFigures()
    span = periods.span(periods.parse(code), DEC_6.date())
    store.set(BA_DINH, span.start, span.end, SAME)
    store.set(BA_DINH, *previous_days, SAME)  # a unit that did not change
    made = await report.make(store, BA_DINH, periods.parse(code), DEC_6)
    assert [(s, e) for _, s, e, _ in store.asked][1] == previous_days
    assert made.prior_span.days == made.span.days
    received = _received(made)
    assert (received.current, received.previous, received.change) == (340, 340, 0)
    head = report_sheet.columns(made, "vi")
    assert head[1].endswith("(đến ngày 06/12/2026)") and head[2] == column
    notes = report_sheet.notes(made, "vi")
    assert notes[0].startswith("Kỳ báo cáo chưa kết thúc: số liệu tính đến ngày lập báo cáo")


async def test_a_previous_period_shorter_than_the_days_counted_is_whole() -> None:
    store = MemoryMovementFigures()
    march_30 = datetime(2026, 3, 30, 3, 0, tzinfo=UTC)
    made = await report.make(store, BA_DINH, periods.parse("2026-03"), march_30)
    assert made.span.to_date and made.span.days == 30
    assert (made.prior_span.start, made.prior_span.end) == (date(2026, 2, 1), date(2026, 2, 28))
    assert not made.prior_span.cut
    assert report_sheet.columns(made, "vi")[2] == "Tháng 2/2026"


async def test_a_period_over_is_set_beside_the_whole_previous_one() -> None:
    made = await report.make(MemoryMovementFigures(), BA_DINH, periods.parse("2026-H1"), DEC_6)
    assert not made.prior_span.cut
    assert report_sheet.columns(made, "vi")[2] == "6 tháng cuối năm 2025"
    assert report.Note("panel.report.note.to_date") not in made.notes


@pytest.mark.parametrize(
    ("code", "start", "end", "previous"),
    [
        # Decree 09/2019/NĐ-CP art. 12: 15th of the month before to the 14th.
        ("2026-H1", date(2025, 12, 15), date(2026, 6, 14), (date(2025, 6, 15), date(2025, 12, 14))),
        ("2026-H2", date(2026, 6, 15), date(2026, 12, 14), (date(2025, 12, 15), date(2026, 6, 14))),
        ("2026", date(2025, 12, 15), date(2026, 12, 14), (date(2024, 12, 15), date(2025, 12, 14))),
        ("2026-Q1", date(2025, 12, 15), date(2026, 3, 14), (date(2025, 9, 15), date(2025, 12, 14))),
        ("2026-Q3", date(2026, 6, 15), date(2026, 9, 14), (date(2026, 3, 15), date(2026, 6, 14))),
        (
            "2026-01",
            date(2025, 12, 15),
            date(2026, 1, 14),
            (date(2025, 11, 15), date(2025, 12, 14)),
        ),
        ("2026-07", date(2026, 6, 15), date(2026, 7, 14), (date(2026, 5, 15), date(2026, 6, 14))),
    ],
)
def test_the_closing_days_of_decree_09(
    code: str, start: date, end: date, previous: tuple[date, date]
) -> None:
    found = periods.parse(code, DECREE)
    assert (found.start, found.end) == (start, end)
    before = found.previous()
    assert before.cutoff is DECREE and (before.start, before.end) == previous
    assert before.end.toordinal() + 1 == found.start.toordinal()
    calendar = periods.parse(code)
    assert calendar.cutoff is Cutoff.CALENDAR and calendar.start.day == 1


def test_a_cutoff_is_read_or_refused() -> None:
    assert periods.cutoff("") is Cutoff.CALENDAR
    assert periods.cutoff(" Decree09 ") is DECREE
    for bad in ("decree", "15", "x" * 500, "'; DROP TABLE tips"):
        with pytest.raises(BadInput) as refused:
            periods.cutoff(bad)
        assert refused.value.code == "report_cutoff"
        assert refused.value.params["accepted"] == "calendar, decree09"


def test_the_default_half_year_over_follows_the_cutoff() -> None:
    assert periods.default(date(2026, 12, 14), DECREE) == Period(Kind.HALF, 2026, 1, DECREE)
    assert periods.default(date(2026, 12, 15), DECREE) == Period(Kind.HALF, 2026, 2, DECREE)
    assert periods.default(date(2026, 12, 15)) == Period(Kind.HALF, 2026, 1)
    assert periods.default(date(2027, 1, 1)) == Period(Kind.HALF, 2026, 2)


def test_the_picker_offers_what_has_begun_by_the_decree_s_days() -> None:
    on = date(2026, 12, 20)  # Decree 09's 2027 began on 15/12/2026
    decree = dict(choices(on, "vi", DECREE))
    assert [code for code, _ in decree["2027"]] == ["2027", "2027-H1", "2027-Q1", "2027-01"]
    assert "2027" not in dict(choices(on, "vi"))


async def test_the_report_names_the_decree_and_its_days() -> None:
    store = MemoryMovementFigures()
    made = await report.make(store, BA_DINH, periods.parse("2026-H1", DECREE), DEC_6)
    assert [(s, e) for _, s, e, _ in store.asked] == [
        (date(2025, 12, 15), date(2026, 6, 14)),
        (date(2025, 6, 15), date(2025, 12, 14)),
    ]
    line = report_sheet.cutoff_line(made, "vi")
    assert line.startswith(
        "Số liệu chốt theo cách tính của Điều 12 Nghị định 09/2019/NĐ-CP: "
        "từ 15/12/2025 đến 14/06/2026"
    )
    assert "kỳ trước: từ 15/06/2025 đến 14/12/2025" in line
    assert "Decree 09/2019/NĐ-CP" in report_sheet.cutoff_line(made, "en")
    table = report_sheet.text_table(made, "vi")
    assert (
        "Số liệu chốt theo cách tính của Điều 12 Nghị định 09/2019/NĐ-CP: "
        "từ 15/12/2025 đến 14/06/2026" in table
    )
    sheet = load_workbook(io.BytesIO(report_sheet.to_xlsx(made, "vi"))).active
    assert sheet is not None and sheet.cell(row=5, column=1).value == line
    assert report_sheet.filename(made) == "binhyen-report-00004-2026-H1-decree09.xlsx"
    calendar = await report.make(store, BA_DINH, periods.parse("2026-H1"), DEC_6)
    assert report_sheet.cutoff_line(calendar, "vi") == ""
    assert report_sheet.filename(calendar) == "binhyen-report-00004-2026-H1.xlsx"


def _line(current: int, previous: int) -> report_sheet.Line:
    row = report.Row(report.Label(report.LabelKind.TEXT, "x.y"), current, previous)
    return report_sheet.Line("x", 0, False, current, previous, row.change, row.change_percent)


@pytest.mark.parametrize(
    ("current", "previous", "vi", "en"),
    [
        (1, 3000, "-2.999 (-99,9%)", "-2,999 (-99.9%)"),  # not all gone: never -100%
        (3001, 3000, "+1 (<0,1%)", "+1 (<0.1%)"),  # a real change: never 0,0%
        (2999, 3000, "-1 (<0,1%)", "-1 (<0.1%)"),
        (0, 3000, "-3.000 (-100,0%)", "-3,000 (-100.0%)"),  # all gone
        (12, 8, "+4 (+50,0%)", "+4 (+50.0%)"),
        (8, 8, "0", "0"),
        (3, 0, "+3", "+3"),  # from nothing: no per cent
    ],
)
def test_the_change_in_per_cent_is_never_misleading(
    current: int, previous: int, vi: str, en: str
) -> None:
    line = _line(current, previous)
    assert report_sheet.shown_change(line, "vi") == vi
    assert report_sheet.shown_change(line, "en") == en


async def test_the_sheet_shows_small_changes_with_more_decimals() -> None:
    store = MemoryMovementFigures()
    store.set(BA_DINH, date(2025, 1, 1), date(2025, 12, 31), Figures(received=3001, useful=1))
    store.set(BA_DINH, date(2024, 1, 1), date(2024, 12, 31), Figures(received=3000, useful=3000))
    made = await report.make(store, BA_DINH, periods.parse("2025"), DEC_6)
    sheet = load_workbook(io.BytesIO(report_sheet.to_xlsx(made, "vi"))).active
    assert sheet is not None
    formats = {
        row[0].value: row[4].number_format
        for row in sheet.iter_rows(min_row=7)
        if row[0].value and row[4].value is not None
    }
    assert formats["Tin báo đã tiếp nhận"] == "0.0##%"
    assert formats["Tin báo có ích"] == "0.0##%"


async def test_the_terminal_table_fits_100_columns() -> None:
    store = MemoryMovementFigures()
    store.set(
        BA_DINH,
        date(2025, 1, 1),
        date(2025, 12, 31),
        Figures(
            received=1_234_567,
            by_category={"fraud_phone": 1_234_567},
            scam_checks=None,
        ),
    )
    store.set(BA_DINH, date(2024, 1, 1), date(2024, 12, 31), Figures(received=7))
    for lang in ("vi", "en"):
        made = await report.make(store, BA_DINH, periods.parse("2025"), DEC_6)
        table = report_sheet.text_table(made, lang)
        assert max(len(line) for line in table.splitlines()) <= report_sheet.WIDTH, table
    lines = report_sheet.text_table(made, "vi").splitlines()
    assert "Kỳ này: Năm 2025" in lines and "Kỳ trước: Năm 2024" in lines
    head = next(line for line in lines if line.startswith("Chỉ tiêu"))
    assert [part.strip() for part in head.split("  ") if part.strip()] == [
        "Chỉ tiêu",
        "Kỳ này",
        "Kỳ trước",
        "Tăng/giảm",
    ]
    received = next(line for line in lines if "Tin báo đã tiếp nhận" in line)
    assert received.split()[-4:] == ["1.234.567", "7", "+1.234.560", "(+17.636.571,4%)"]
    # A long label wraps under itself; its figures stay on its first line.
    decided = [i for i, line in enumerate(lines) if "Ra quyết định giải quyết đúng hạn" in line]
    assert len(decided) == 1 and lines[decided[0]].split()[-3:] == ["0", "0", "0"]
