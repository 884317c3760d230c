"""The movement report's scam checks, headings and unit names without a database: the checks'
row and its parts by verdict from the in-memory figures, "not recorded" for days before
counting began and the note that names that day; a heading with nothing under it saying
so; the unit named as its police are ("Công an tỉnh Lai Châu"); the period picker showing
a typed period that it does not offer."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from admin import report_sheet
from admin.reports import choices, typed
from handlers.movement import period as periods
from handlers.movement import report
from handlers.movement.ports import Figures, counted_checks
from handlers.movement.report import LabelKind, Note, Row
from handlers.movement.scope import Area, UnitKind
from tests.fakes.memory_movement import MemoryMovementFigures

BA_DINH = Area("01", "00004")
NOW = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)  # 10:00 on 5/12/2026 in Vietnam
H2 = (date(2026, 7, 1), date(2026, 12, 5))  # to date
H1 = (date(2026, 1, 1), date(2026, 6, 30))
SINCE = date(2026, 9, 15)  # the first day counted anywhere


def test_days_before_counting_began_have_no_figure() -> None:
    by_outcome = {"wording": 3, "nothing": 1}
    assert counted_checks(by_outcome, None, date(2026, 12, 31)) is None  # nothing counted yet
    assert counted_checks(by_outcome, SINCE, date(2026, 9, 14)) is None  # ended the day before
    assert counted_checks(by_outcome, SINCE, SINCE) == 4
    assert counted_checks({}, SINCE, date(2026, 12, 31)) == 0  # counted, and none: zero


def _checks_figures(by_outcome: dict[str, int], end: date) -> Figures:
    return Figures(
        scam_checks=counted_checks(by_outcome, SINCE, end),
        scam_checks_by_outcome=by_outcome,
        scam_checks_since=SINCE,
    )


def _rows(made: report.Report) -> list[Row]:
    return [row for section in made.sections for row in section.rows]


async def test_checks_counted_in_the_period_not_before_it() -> None:
    store = MemoryMovementFigures()
    store.set(BA_DINH, *H2, _checks_figures({"confirmed": 2, "wording": 5, "unknown": 1}, H2[1]))
    store.set(BA_DINH, *H1, _checks_figures({}, H1[1]))  # H1 ended before counting began
    made = await report.make(store, BA_DINH, periods.parse("2026-H2"), NOW)
    rows = _rows(made)
    total = next(r for r in rows if r.label.key == "panel.report.row.scam_checks")
    assert (total.current, total.previous, total.change) == (8, None, None)
    parts = [
        (r.label.key, r.current, r.previous, r.level)
        for r in rows
        if r.label.kind is LabelKind.CHECK
    ]
    assert parts == [
        ("confirmed", 2, None, 1),
        ("reported", 0, None, 1),
        ("wording", 5, None, 1),
        ("signs", 0, None, 1),
        ("unknown", 1, None, 1),
        ("nothing", 0, None, 1),
    ]
    # Right after the total, before the confirmed indicators.
    at = rows.index(total)
    assert [r.label.kind for r in rows[at + 1 : at + 7]] == [LabelKind.CHECK] * 6
    assert rows[at + 7].label.key == "panel.report.row.indicators_confirmed"
    assert Note("panel.report.note.checks_since", SINCE) in made.notes
    assert Note("panel.report.note.checks_none") not in made.notes

    lines = dict(
        (line.label, line) for _, section in report_sheet.lines(made, "vi") for line in section
    )
    assert report_sheet.shown(lines["Lượt kiểm tra lừa đảo"].previous, "vi") == "Không ghi nhận"
    assert lines["Lời lẽ giống một kiểu lừa đảo đã biết"].current == 5
    assert lines["Có mục Công an đã xác nhận lừa đảo"].level == 1
    notes = report_sheet.notes(made, "vi")
    assert any(n.startswith("Lượt kiểm tra lừa đảo được đếm từ ngày 15/09/2026") for n in notes)
    english = report_sheet.notes(made, "en")
    assert any(n.startswith("Scam checks are counted from 15/09/2026") for n in english)
    assert not any("not stored" in n for n in english)  # the old note is gone
    table = report_sheet.text_table(made, "vi")
    checks = next(line for line in table.splitlines() if "Lượt kiểm tra lừa đảo" in line)
    assert checks.split()[-5:] == ["8", "Không", "ghi", "nhận", "–"]


async def test_both_periods_counted_show_their_change_by_verdict() -> None:
    store = MemoryMovementFigures()
    year, before = (date(2025, 1, 1), date(2025, 12, 31)), (date(2024, 1, 1), date(2024, 12, 31))
    early = date(2024, 3, 1)
    store.set(
        BA_DINH,
        *year,
        Figures(scam_checks=7, scam_checks_by_outcome={"signs": 7}, scam_checks_since=early),
    )
    store.set(
        BA_DINH,
        *before,
        Figures(
            scam_checks=4,
            scam_checks_by_outcome={"signs": 3, "nothing": 1},
            scam_checks_since=early,
        ),
    )
    made = await report.make(store, BA_DINH, periods.parse("2025"), NOW)
    rows = {r.label.key: r for r in _rows(made) if r.label.kind is LabelKind.CHECK}
    assert (rows["signs"].current, rows["signs"].previous, rows["signs"].change) == (7, 3, 4)
    assert (rows["nothing"].current, rows["nothing"].previous) == (0, 1)
    total = next(r for r in _rows(made) if r.label.key == "panel.report.row.scam_checks")
    assert (total.change, total.change_percent) == (3, 75.0)


async def test_nothing_counted_yet_has_no_parts_and_says_so() -> None:
    made = await report.make(MemoryMovementFigures(), BA_DINH, periods.parse("2026-H2"), NOW)
    assert not [r for r in _rows(made) if r.label.kind is LabelKind.CHECK]
    notes = report_sheet.notes(made, "vi")
    assert any("chưa ghi nhận lượt nào" in n for n in notes)
    assert all("{" not in n for n in notes + report_sheet.notes(made, "en"))


async def test_a_heading_with_nothing_under_it_says_none() -> None:
    store = MemoryMovementFigures()
    store.set(BA_DINH, *H2, Figures(received=2, by_category={"drugs": 2}))
    made = await report.make(store, BA_DINH, periods.parse("2026-H2"), NOW)
    outcomes = next(r for r in _rows(made) if r.label.key == "panel.report.row.outcomes")
    assert outcomes.heading and outcomes.empty
    kinds = next(r for r in _rows(made) if r.label.key == "panel.report.row.by_category")
    assert kinds.heading and not kinds.empty
    labels = [line.label for _, section in report_sheet.lines(made, "vi") for line in section]
    assert "Kết quả giải quyết (tin báo đã đóng): không có" in labels
    assert "Kết quả giải quyết (tin báo đã đóng)" not in labels
    english = [line.label for _, section in report_sheet.lines(made, "en") for line in section]
    assert any(label.endswith(": none") for label in english)
    table = report_sheet.text_table(made, "vi")
    assert "  Kết quả giải quyết (tin báo đã đóng): không có" in table.splitlines()


async def test_no_tips_at_all_leave_no_empty_heading() -> None:
    made = await report.make(MemoryMovementFigures(), BA_DINH, periods.parse("2026-H2"), NOW)
    headings = [r for r in _rows(made) if r.heading]
    by_key = {r.label.key: r.empty for r in headings}
    assert by_key == {
        "panel.report.row.by_category": True,
        "panel.report.row.by_track": False,  # every track is listed, with 0
        "panel.report.row.outcomes": True,
    }


async def _unit(area: Area, lang: str = "vi") -> str:
    made = await report.make(MemoryMovementFigures(), area, periods.parse("2025"), NOW)
    return report_sheet.unit(made, lang)


@pytest.mark.parametrize(
    ("area", "lang", "words"),
    [
        (Area("12"), "vi", "Đơn vị: Công an tỉnh Lai Châu (mã 12)"),
        (Area("01"), "vi", "Đơn vị: Công an thành phố Hà Nội (mã 01)"),
        (Area("46"), "vi", "Đơn vị: Công an thành phố Huế (mã 46)"),
        (Area("12", "03388"), "vi", "Đơn vị: Công an phường Đoàn Kết, tỉnh Lai Châu (mã 03388)"),
        (BA_DINH, "vi", "Đơn vị: Công an phường Ba Đình, thành phố Hà Nội (mã 00004)"),
        (Area("12"), "en", "Unit: police of Lai Châu Province (code 12)"),
        (BA_DINH, "en", "Unit: police of Ba Đình Ward, Hà Nội City (code 00004)"),
    ],
)
async def test_the_unit_is_named_as_its_police_are(area: Area, lang: str, words: str) -> None:
    assert await _unit(area, lang) == words


def test_every_unit_has_a_kind() -> None:
    """Every province is a tỉnh or a thành phố, every commune a phường, xã or đặc khu: none
    falls back to the default for a unit word it does not know."""
    from content import areas

    kinds = {Area(p.code).province_unit.kind for p in areas.provinces()}  # type: ignore[union-attr]
    assert kinds == {UnitKind.PROVINCE, UnitKind.CITY}
    seen: set[UnitKind] = set()
    for province in areas.provinces():
        for commune in areas.communes_of(province.code):
            named = Area(province.code, commune.code).commune_unit
            assert named is not None and named.name and not named.name.startswith(("Xã", "Phường"))
            seen.add(named.kind)
    assert seen == {UnitKind.WARD, UnitKind.COMMUNE, UnitKind.SPECIAL_ZONE}
    special = next(
        c
        for p in areas.provinces()
        for c in areas.communes_of(p.code)
        if c.name.startswith("Đặc khu")
    )
    made_name = report_sheet.unit_name(
        Area(special.province_code, special.code).commune_unit, "", "vi"
    )
    assert made_name == "đặc khu " + special.name.removeprefix("Đặc khu ")


def test_a_typed_period_the_picker_does_not_offer_is_shown_selected() -> None:
    offered = choices(date(2026, 12, 5), "vi")
    assert typed("2026-H1", offered, "vi") is None  # offered: selected there
    assert typed("", offered, "vi") is None
    assert typed("2019-H2", offered, "vi") == ("2019-H2", "6 tháng cuối năm 2019")
    assert typed("2027", offered, "vi") == ("2027", "Năm 2027")  # not begun: refused, but shown
    assert typed("2026-H7", offered, "vi") == ("2026-H7", "2026-H7")
    assert typed("2019-q3", offered, "en") == (
        "2019-q3",
        report_sheet.period_name(periods.parse("2019-Q3"), "en"),
    )
