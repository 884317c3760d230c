from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from content import holidays as holiday_pack
from content.holidays import holidays, parse_dates, parse_pack
from handlers.deadlines import (
    LOCAL_TZ,
    Deadlines,
    ExtensionNotAllowed,
    add_months,
    add_working_days,
    days_left,
    decided,
    extend,
    initial,
    is_overdue,
    local_date,
)

HOLIDAYS = holidays()


def vn(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LOCAL_TZ)


# --- dates and time zones ---


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 3, 6, 23, 30, tzinfo=UTC), date(2026, 3, 7)),  # Fri UTC, Sat in Vietnam
        (datetime(2026, 3, 6, 16, 59, 59, tzinfo=UTC), date(2026, 3, 6)),
        (datetime(2026, 3, 6, 17, 0, tzinfo=UTC), date(2026, 3, 7)),  # local midnight
        (datetime(2026, 3, 6, 23, 30), date(2026, 3, 7)),  # naive means UTC
        (datetime(2026, 3, 6, 23, 30, tzinfo=ZoneInfo("Europe/Paris")), date(2026, 3, 7)),
        (datetime(2026, 3, 7, 0, 30, tzinfo=LOCAL_TZ), date(2026, 3, 7)),
        (datetime(2026, 12, 31, 17, 0, tzinfo=UTC), date(2027, 1, 1)),
    ],
)
def test_local_date(moment: datetime, expected: date) -> None:
    assert local_date(moment) == expected


def test_local_tz_is_vietnam() -> None:
    assert str(LOCAL_TZ) == "Asia/Ho_Chi_Minh"
    assert LOCAL_TZ.utcoffset(datetime(2026, 7, 1)) == timedelta(hours=7)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 15), 2, date(2026, 3, 15)),
        (date(2026, 12, 31), 2, date(2027, 2, 28)),
        (date(2027, 12, 31), 2, date(2028, 2, 29)),  # leap year
        (date(2026, 7, 31), 2, date(2026, 9, 30)),
        (date(2026, 8, 31), 2, date(2026, 10, 31)),
        (date(2026, 10, 31), 4, date(2027, 2, 28)),
        (date(2026, 11, 30), 4, date(2027, 3, 30)),
        (date(2027, 12, 31), 4, date(2028, 4, 30)),
    ],
)
def test_add_months_clamps_to_the_last_day(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


# --- working days ---


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 3, 2), 3, date(2026, 3, 5)),  # Mon → Thu
        (date(2026, 3, 6), 1, date(2026, 3, 9)),  # Fri → Mon
        (date(2026, 3, 6), 3, date(2026, 3, 11)),  # Fri → Wed
        (date(2026, 3, 7), 3, date(2026, 3, 11)),  # Sat → Wed
        (date(2026, 3, 8), 3, date(2026, 3, 11)),  # Sun → Wed
        (date(2026, 3, 2), 0, date(2026, 3, 2)),
        (date(2026, 2, 13), 3, date(2026, 2, 25)),  # over the Tết 2026 break
        (date(2026, 2, 12), 3, date(2026, 2, 24)),
        (date(2026, 4, 24), 3, date(2026, 5, 4)),  # Giỗ Tổ in lieu, 30/4, 1/5
        (date(2026, 8, 31), 3, date(2026, 9, 7)),  # 1/9 and 2/9
        (date(2026, 12, 30), 3, date(2027, 1, 5)),  # New Year 2027
        (date(2027, 2, 4), 3, date(2027, 2, 16)),  # Tết 2027 with days in lieu
    ],
)
def test_add_working_days(start: date, n: int, expected: date) -> None:
    assert add_working_days(start, n, HOLIDAYS) == expected


def test_add_working_days_without_holidays_still_skips_weekends() -> None:
    assert add_working_days(date(2026, 2, 13), 3, frozenset()) == date(2026, 2, 18)


def test_add_working_days_refuses_a_negative_count() -> None:
    with pytest.raises(ValueError):
        add_working_days(date(2026, 3, 2), -1, HOLIDAYS)


def _working_days_between(start: date, end: date, holidays: frozenset[date]) -> int:
    days = (start + timedelta(days=i) for i in range(1, (end - start).days + 1))
    return sum(1 for d in days if d.weekday() < 5 and d not in holidays)


@given(
    start=st.dates(date(2025, 11, 1), date(2028, 2, 1)),
    n=st.integers(1, 40),
    extra=st.frozensets(st.dates(date(2025, 11, 1), date(2028, 6, 1)), max_size=40),
)
def test_add_working_days_lands_on_the_nth_working_day(
    start: date, n: int, extra: frozenset[date]
) -> None:
    days_off = HOLIDAYS | extra
    due = add_working_days(start, n, days_off)
    assert due > start
    assert due.weekday() < 5
    assert due not in days_off
    assert _working_days_between(start, due, days_off) == n
    assert add_working_days(start, n + 1, days_off) > due


# --- the deadlines of a tip ---


@pytest.mark.parametrize(
    ("received_at", "received_on", "ack_due", "decision_due"),
    [
        (vn(2026, 3, 2), date(2026, 3, 2), date(2026, 3, 5), date(2026, 3, 22)),
        (vn(2026, 3, 6, 16), date(2026, 3, 6), date(2026, 3, 11), date(2026, 3, 26)),  # Friday
        (vn(2026, 3, 7), date(2026, 3, 7), date(2026, 3, 11), date(2026, 3, 27)),  # Saturday
        # 23:30 UTC on a Friday is Saturday morning in Vietnam.
        (
            datetime(2026, 3, 6, 23, 30, tzinfo=UTC),
            date(2026, 3, 7),
            date(2026, 3, 11),
            date(2026, 3, 27),
        ),
        # 16:30 UTC on a Thursday is still Thursday in Vietnam.
        (
            datetime(2026, 3, 5, 16, 30, tzinfo=UTC),
            date(2026, 3, 5),
            date(2026, 3, 10),
            date(2026, 3, 25),
        ),
        (vn(2026, 2, 13, 23, 59), date(2026, 2, 13), date(2026, 2, 25), date(2026, 3, 5)),  # Tết
        (vn(2026, 12, 31), date(2026, 12, 31), date(2027, 1, 6), date(2027, 1, 20)),
    ],
)
def test_initial(
    received_at: datetime, received_on: date, ack_due: date, decision_due: date
) -> None:
    assert initial(received_at, HOLIDAYS) == Deadlines(received_on, ack_due, decision_due)


@given(st.datetimes(datetime(2025, 12, 1), datetime(2027, 12, 31), timezones=st.just(UTC)))
def test_initial_deadlines_follow_receipt(received_at: datetime) -> None:
    d = initial(received_at, HOLIDAYS)
    assert d.received_on == local_date(received_at)
    assert d.ack_due > d.received_on
    assert d.ack_due.weekday() < 5 and d.ack_due not in HOLIDAYS
    assert (d.decision_due - d.received_on).days == 20
    assert (d.extensions, d.outcome_due) == (0, None)


def test_two_extensions_then_refusal() -> None:
    d = initial(vn(2026, 12, 31), HOLIDAYS)
    once = extend(d)
    assert (once.extensions, once.decision_due) == (1, date(2027, 2, 28))
    twice = extend(once)
    assert (twice.extensions, twice.decision_due) == (2, date(2027, 4, 30))
    assert (twice.received_on, twice.ack_due) == (d.received_on, d.ack_due)
    with pytest.raises(ExtensionNotAllowed):
        extend(twice)


def test_extensions_count_from_receipt_not_from_the_last_due_date() -> None:
    d = initial(vn(2026, 3, 2), HOLIDAYS)
    assert extend(d).decision_due == date(2026, 5, 2)
    assert extend(extend(d)).decision_due == date(2026, 7, 2)


def test_outcome_is_due_three_calendar_days_after_the_local_decision_date() -> None:
    d = initial(vn(2026, 3, 2), HOLIDAYS)
    # 18:00 UTC on 10 March is 01:00 on 11 March in Vietnam; the 14th is a Saturday.
    done = decided(d, datetime(2026, 3, 10, 18, 0, tzinfo=UTC))
    assert done.outcome_due == date(2026, 3, 14)
    assert (done.decision_due, done.extensions) == (d.decision_due, 0)


def test_outcome_after_an_extension_keeps_the_extension() -> None:
    d = extend(initial(vn(2026, 3, 2), HOLIDAYS))
    done = decided(d, vn(2026, 4, 29))
    assert (done.extensions, done.decision_due, done.outcome_due) == (
        1,
        date(2026, 5, 2),
        date(2026, 5, 2),
    )


def test_a_decided_tip_cannot_be_extended() -> None:
    done = decided(initial(vn(2026, 3, 2), HOLIDAYS), vn(2026, 3, 4))
    with pytest.raises(ExtensionNotAllowed):
        extend(done)


def test_a_decision_cannot_come_before_receipt() -> None:
    with pytest.raises(ValueError):
        decided(initial(vn(2026, 3, 2), HOLIDAYS), vn(2026, 3, 1))


def test_deadlines_are_immutable() -> None:
    d = initial(vn(2026, 3, 2), HOLIDAYS)
    with pytest.raises(AttributeError):
        d.extensions = 5  # type: ignore[misc]


@pytest.mark.parametrize(
    ("due", "today", "overdue", "left"),
    [
        (date(2026, 3, 5), date(2026, 3, 2), False, 3),
        (date(2026, 3, 5), date(2026, 3, 5), False, 0),
        (date(2026, 3, 5), date(2026, 3, 6), True, -1),
        (date(2026, 3, 1), date(2026, 2, 27), False, 2),
        (date(2027, 1, 1), date(2026, 12, 1), False, 31),
    ],
)
def test_overdue_and_days_left(due: date, today: date, overdue: bool, left: int) -> None:
    assert is_overdue(due, today) is overdue
    assert days_left(due, today) == left


# --- the holiday pack ---


def test_the_pack_loads_with_names_in_both_languages() -> None:
    entries = holiday_pack.entries()
    assert len(entries) >= 22
    for h in entries:
        assert h.name_vi == unicodedata.normalize("NFC", h.name_vi)
        assert not h.name_vi.isascii(), h.name_vi  # written with its diacritics
        assert h.name_en.isascii() and h.name_en.strip(), h.name_en
    assert [h.day for h in entries] == sorted(h.day for h in entries)


@pytest.mark.parametrize("year", [2026, 2027])
def test_each_year_has_the_statutory_days(year: int) -> None:
    entries = [h for h in holiday_pack.entries() if h.day.year == year]
    statutory = [h for h in entries if not h.in_lieu]
    # Labour Code art. 112: 1/1, five days of Tết, Giỗ Tổ, 30/4, 1/5, 2/9 and a day beside it.
    assert len(statutory) == 11
    days = {h.day for h in entries}
    for month, day in [(1, 1), (4, 30), (5, 1), (9, 1), (9, 2)]:
        assert date(year, month, day) in days
    assert sum(1 for h in statutory if h.lunar) == 6
    assert all(h.day.weekday() < 5 for h in entries if h.in_lieu)


def test_lunar_dates() -> None:
    by_day = {h.day: h for h in holiday_pack.entries()}
    for tet in (date(2026, 2, 17), date(2027, 2, 6)):
        assert by_day[tet].lunar and "mùng 1" in by_day[tet].name_vi
    for gio_to in (date(2026, 4, 26), date(2027, 4, 16)):
        assert by_day[gio_to].lunar and by_day[gio_to].name_vi == "Giỗ Tổ Hùng Vương"
    assert not by_day[date(2026, 9, 2)].lunar


def test_holidays_adds_extra_dates() -> None:
    extra = date(2026, 9, 3)
    assert extra not in holidays()
    assert holidays([extra]) == HOLIDAYS | {extra}
    assert isinstance(holidays(), frozenset)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("holidays: []", "version"),
        ("version: 2\nholidays: []", "version"),
        ("version: 1\nholidays: [{name_vi: Tết, name_en: x}]", "date"),
        ("version: 1\nholidays: [{date: 2026-01-01 10:00:00, name_vi: Tết, name_en: x}]", "date"),
        ("version: 1\nholidays: [{date: '1/1/2026', name_vi: Tết, name_en: x}]", "date"),
        ("version: 1\nholidays: [{date: 2026-01-01, name_en: x}]", "name_vi"),
        ("version: 1\nholidays: [{date: 2026-01-01, name_vi: Tết, name_en: ' '}]", "name_en"),
        ("version: 1\nholidays: [{date: 2026-01-01, name_vi: Te\u0302\u0301t, name_en: x}]", "NFC"),
        ("version: 1\nholidays: [{date: 2026-01-01, name_vi: a, name_en: b, lunar: 1}]", "lunar"),
        (
            "version: 1\nholidays:\n"
            "  - {date: 2026-01-01, name_vi: a, name_en: b}\n"
            "  - {date: 2026-01-01, name_vi: c, name_en: d}",
            "twice",
        ),
    ],
)
def test_a_broken_pack_is_refused(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_pack(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("2026-09-03", [date(2026, 9, 3)]),
        (" 2026-09-03 , 2027-02-12,", [date(2026, 9, 3), date(2027, 2, 12)]),
        ("2026-09-03,,2026-09-04", [date(2026, 9, 3), date(2026, 9, 4)]),
    ],
)
def test_parse_dates(text: str, expected: list[date]) -> None:
    assert parse_dates(text) == expected


@pytest.mark.parametrize("bad", ["2026-02-30", "3/9/2026", "20260903", "2026-9-3", "tomorrow"])
def test_parse_dates_names_the_bad_entry(bad: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM-DD") as caught:
        parse_dates(f"2026-09-03, {bad}")
    assert repr(bad) in str(caught.value)
