"""The movement's reports without a database: periods read and their previous ones, the
days counted while a period is under way, the areas and who may see them, and the report's
rows and changes from the in-memory figures (tests/fakes/memory_movement.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from handlers.errors import BadInput, Forbidden
from handlers.movement import period as periods
from handlers.movement import report, scope
from handlers.movement.period import Kind, Period
from handlers.movement.ports import Figures
from handlers.movement.report import LabelKind
from handlers.movement.scope import Area
from handlers.people import AdminRole, Identity
from tests.fakes.memory_movement import MemoryMovementFigures

BA_DINH = Area("01", "00004")
HA_NOI = Area("01")


@pytest.mark.parametrize(
    ("text", "kind", "start", "end"),
    [
        ("2026-H1", Kind.HALF, date(2026, 1, 1), date(2026, 6, 30)),
        ("2026-H2", Kind.HALF, date(2026, 7, 1), date(2026, 12, 31)),
        ("2026-h2", Kind.HALF, date(2026, 7, 1), date(2026, 12, 31)),
        (" 2026 ", Kind.YEAR, date(2026, 1, 1), date(2026, 12, 31)),
        ("2026-Q1", Kind.QUARTER, date(2026, 1, 1), date(2026, 3, 31)),
        ("2026-Q4", Kind.QUARTER, date(2026, 10, 1), date(2026, 12, 31)),
        ("2024-02", Kind.MONTH, date(2024, 2, 1), date(2024, 2, 29)),
        ("2026-12", Kind.MONTH, date(2026, 12, 1), date(2026, 12, 31)),
    ],
)
def test_periods_are_read_with_their_days(text: str, kind: Kind, start: date, end: date) -> None:
    found = periods.parse(text)
    assert (found.kind, found.start, found.end) == (kind, start, end)
    assert periods.parse(found.code) == found


@pytest.mark.parametrize(
    ("text", "previous"),
    [
        ("2026-H2", "2026-H1"),
        ("2026-H1", "2025-H2"),
        ("2026", "2025"),
        ("2026-Q1", "2025-Q4"),
        ("2026-Q3", "2026-Q2"),
        ("2026-01", "2025-12"),
        ("2026-07", "2026-06"),
    ],
)
def test_the_previous_period_has_the_same_length(text: str, previous: str) -> None:
    found = periods.parse(text).previous()
    assert found.code == previous
    assert found.end.toordinal() + 1 == periods.parse(text).start.toordinal()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2026-H3",
        "2026-Q5",
        "2026-13",
        "2026-00",
        "26-H1",
        "H2-2026",
        "2026/07",
        "1999",
        "2026-H2; DROP TABLE tips",
        "x" * 1000,
        "２０２６",
    ],
)
def test_a_malformed_period_is_refused_with_the_accepted_forms(text: str) -> None:
    with pytest.raises(BadInput) as refused:
        periods.parse(text)
    assert refused.value.code == "report_period"
    assert refused.value.params["accepted"] == periods.ACCEPTED


def test_a_period_not_begun_is_refused_and_one_under_way_counts_to_today() -> None:
    today = date(2026, 12, 5)
    with pytest.raises(BadInput) as refused:
        periods.span(periods.parse("2027-H1"), today)
    assert refused.value.code == "report_future"
    under_way = periods.span(periods.parse("2026-H2"), today)
    assert (under_way.start, under_way.end, under_way.to_date) == (date(2026, 7, 1), today, True)
    begun_today = periods.span(periods.parse("2026-12"), date(2026, 12, 1))
    assert (begun_today.days, begun_today.to_date) == (1, True)
    over = periods.span(periods.parse("2026-H1"), today)
    assert (over.end, over.to_date) == (date(2026, 6, 30), False)


def test_the_default_period_is_the_last_half_year_over() -> None:
    assert periods.default(date(2026, 12, 5)).code == "2026-H1"
    assert periods.default(date(2026, 6, 30)).code == "2025-H2"


def test_areas_by_code_with_or_without_leading_zeros() -> None:
    assert scope.area_of(commune="4") == BA_DINH
    assert scope.area_of(commune="00004") == BA_DINH
    assert scope.area_of(province="1") == HA_NOI
    assert BA_DINH.name == "Phường Ba Đình" and HA_NOI.name.endswith("Hà Nội")
    for commune, province, code in (
        ("99999", "", "report_commune"),
        ("abc", "", "report_commune"),
        ("123456", "", "report_commune"),
        ("", "00", "report_province"),
        ("", "1x", "report_province"),
        ("", "", "report_one_area"),
        ("4", "01", "report_one_area"),
    ):
        with pytest.raises(BadInput) as refused:
            scope.area_of(commune, province)
        assert refused.value.code == code


def _who(role: AdminRole, commune: str = "00004", province: str = "01") -> Identity:
    return Identity(
        1, "someone", role, commune if role is not AdminRole.PROVINCE_ADMIN else "", province
    )


def test_who_may_see_which_area() -> None:
    bach_mai, saigon = Area("01", "00277"), Area("79")
    officer, chief = _who(AdminRole.OFFICER), _who(AdminRole.CHIEF)
    admin = _who(AdminRole.PROVINCE_ADMIN)
    for police in (officer, chief):
        scope.check_reach(police, BA_DINH)
        assert scope.home(police) == BA_DINH
        for outside in (bach_mai, HA_NOI, saigon):
            with pytest.raises(Forbidden):
                scope.check_reach(police, outside)
    for inside in (HA_NOI, BA_DINH, bach_mai):
        scope.check_reach(admin, inside)
    assert scope.home(admin) == HA_NOI
    with pytest.raises(Forbidden):
        scope.check_reach(admin, saigon)
    with pytest.raises(Forbidden):
        scope.check_reach(admin, Area("79", "27316"))
    with pytest.raises(Forbidden) as refused:
        scope.check_reach(_who(AdminRole.LEADER), BA_DINH)
    assert refused.value.code == "report_scope"


NOW = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)  # 10:00 on 5/12/2026 in Vietnam


async def test_the_report_counts_the_period_to_date_beside_as_many_days_of_the_previous() -> None:
    store = MemoryMovementFigures()
    store.set(
        BA_DINH,
        date(2026, 7, 1),
        date(2026, 12, 5),
        Figures(received=12, by_category={"fraud_phone": 9, "drugs": 3}, useful=4, thanked=2),
    )
    # 1/7 to 5/12 is 158 days: H1's first 158 days run to 7/6.
    store.set(
        BA_DINH,
        date(2026, 1, 1),
        date(2026, 6, 7),
        Figures(received=8, by_category={"fraud_phone": 6, "theft": 2}, useful=4),
    )
    made = await report.make(store, BA_DINH, periods.parse("2026-H2"), NOW)
    assert [(a, s, e) for a, s, e, _ in store.asked] == [
        (BA_DINH, date(2026, 7, 1), date(2026, 12, 5)),
        (BA_DINH, date(2026, 1, 1), date(2026, 6, 7)),
    ]
    assert made.span.to_date and made.previous == Period(Kind.HALF, 2026, 1)
    assert made.prior_span.cut and made.prior_span.days == made.span.days == 158
    assert made.notes[0] == report.Note("panel.report.note.to_date")
    assert made.made_on == date(2026, 12, 5)
    rows = {(r.label.kind, r.label.key): r for s in made.sections for r in s.rows}
    received = rows[(LabelKind.TEXT, "panel.report.row.received")]
    assert (received.current, received.previous, received.change) == (12, 8, 4)
    assert received.change_percent == 50.0
    # Every kind either period had, the most frequent now first; none missing.
    kinds = [
        r.label.key for s in made.sections for r in s.rows if r.label.kind is LabelKind.CATEGORY
    ]
    assert kinds == ["fraud_phone", "drugs", "theft"]
    theft = rows[(LabelKind.CATEGORY, "theft")]
    assert (theft.current, theft.previous, theft.change, theft.level) == (0, 2, -2, 1)
    drugs = rows[(LabelKind.CATEGORY, "drugs")]
    assert drugs.change_percent is None  # from nothing: no percentage
    useful = rows[(LabelKind.TEXT, "panel.report.row.useful")]
    assert (useful.change, useful.change_percent) == (0, 0.0)
    # Every track is listed, even with no tips; no scam check counted yet: no figure, no
    # change, and the notes say so (tests/unit/test_report_checks.py has the counted ones).
    tracks = [r.label.key for s in made.sections for r in s.rows if r.label.kind is LabelKind.TRACK]
    assert tracks == ["crime", "administrative", "mediation", "violence", "fire_risk"]
    checks = rows[(LabelKind.TEXT, "panel.report.row.scam_checks")]
    assert (checks.current, checks.change) == (None, None)
    assert report.Note("panel.report.note.checks_none") in made.notes


async def test_a_future_period_is_refused_before_anything_is_counted() -> None:
    store = MemoryMovementFigures()
    with pytest.raises(BadInput):
        await report.make(store, HA_NOI, periods.parse("2027"), NOW)
    assert store.asked == []


async def test_a_year_over_is_compared_with_the_year_before() -> None:
    store = MemoryMovementFigures()
    made = await report.make(store, HA_NOI, periods.parse("2025"), NOW)
    assert not made.span.to_date
    assert [(s, e) for _, s, e, _ in store.asked] == [
        (date(2025, 1, 1), date(2025, 12, 31)),
        (date(2024, 1, 1), date(2024, 12, 31)),
    ]
