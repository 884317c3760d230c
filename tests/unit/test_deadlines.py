from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from content import holidays as holiday_pack
from content.holidays import WorkCalendar, calendar, parse_dates
from content.schema.base import PackError, load
from content.schema.holidays import Holidays
from handlers.deadlines import (
    LOCAL_TZ,
    Deadlines,
    ExtensionNotAllowed,
    add_months,
    add_working_days,
    days_left,
    decided,
    extend,
    forwarded,
    initial,
    is_overdue,
    is_working_day,
    local_date,
)

HOLIDAYS = calendar()


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
        (date(2027, 2, 3), 3, date(2027, 2, 15)),  # Tết 2027: 4/2 to 10/2 (library estimate)
        (date(2025, 12, 31), 3, date(2026, 1, 7)),  # 1/1 and the swapped 2/1/2026
        (date(2026, 1, 9), 1, date(2026, 1, 10)),  # Saturday 10/1/2026 is worked for 2/1
        (date(2026, 8, 21), 1, date(2026, 8, 22)),  # Saturday 22/8/2026 is worked for 31/8
        (date(2026, 8, 28), 3, date(2026, 9, 7)),  # 31/8 (swap), 1/9, 2/9
        (date(2026, 11, 23), 1, date(2026, 11, 24)),  # 24/11 is not (yet) a day off
        (date(2014, 12, 26), 1, date(2014, 12, 27)),  # worked for Friday 2/1/2015: across years
    ],
)
def test_add_working_days(start: date, n: int, expected: date) -> None:
    assert add_working_days(start, n, HOLIDAYS) == expected


def test_add_working_days_without_holidays_still_skips_weekends() -> None:
    assert add_working_days(date(2026, 2, 13), 3, frozenset()) == date(2026, 2, 18)


def test_add_working_days_refuses_a_negative_count() -> None:
    with pytest.raises(ValueError):
        add_working_days(date(2026, 3, 2), -1, HOLIDAYS)


# Every year, not only the years someone typed in: Tết (by the lunar calendar), 30/4-1/5 and
# 2/9 with their days in lieu. Tết 2028 is Wednesday 26 January, 2030 Saturday 2 February.
@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2028, 1, 25), 3, date(2028, 2, 2)),  # the day before Tết 2028: 24/1 to 28/1 off
        (date(2028, 1, 21), 1, date(2028, 1, 31)),  # Friday before the Tết 2028 break
        (date(2027, 12, 31), 1, date(2028, 1, 4)),  # 1/1/2028 a Saturday: Monday 3/1 in lieu
        (date(2028, 4, 28), 3, date(2028, 5, 5)),  # 30/4 a Sunday: 1/5 and 2/5 off
        (date(2028, 8, 31), 3, date(2028, 9, 7)),  # 2/9 a Saturday: 1/9 and 4/9 off
        (date(2029, 2, 9), 3, date(2029, 2, 21)),  # Tết 2029: 12/2 to 16/2
        (date(2029, 8, 31), 3, date(2029, 9, 7)),  # 2/9 a Sunday: 3/9 and 4/9 off
        (date(2030, 1, 30), 3, date(2030, 2, 11)),  # Tết 2030: 31/1, 1/2, 4/2 to 6/2
        (date(2030, 4, 29), 3, date(2030, 5, 6)),  # 30/4 and 1/5 on Tuesday, Wednesday
        (date(2030, 8, 30), 3, date(2030, 9, 6)),  # 2/9 and 3/9 on Monday, Tuesday
        (date(2027, 9, 1), 3, date(2027, 9, 8)),  # 2/9 and 3/9/2027 (library estimate)
    ],
)
def test_add_working_days_in_later_years(start: date, n: int, expected: date) -> None:
    assert add_working_days(start, n, HOLIDAYS) == expected


@pytest.mark.parametrize("year", [2026, 2027, 2028, 2029, 2030, 2035, 2040, 2050])
def test_every_year_has_the_labour_code_days_off(year: int) -> None:
    """Art. 112: 11 days (1/1, five of Tết, Giỗ Tổ, 30/4, 1/5, 2/9 and the day beside it),
    one falling on a weekend moved to a weekday: at least 11 weekdays off every year."""
    named = HOLIDAYS.holidays(year)
    weekdays = [h.day for h in named if h.day.weekday() < 5]
    assert len(weekdays) >= 11, named
    assert all(not HOLIDAYS.is_working_day(d) for d in weekdays)
    days = {h.day for h in named}
    for month, day in [(1, 1), (4, 30), (5, 1), (9, 2)]:
        assert date(year, month, day) in days
    tet = [h.day for h in named if "Tết Nguyên Đán" in h.name_vi]
    assert len(tet) >= 5 and all(date(year, 1, 20) <= d <= date(year, 2, 21) for d in tet)


def test_tet_2028_is_the_26th_of_january() -> None:
    named = {h.day: h for h in HOLIDAYS.holidays(2028)}
    assert named[date(2028, 1, 26)].name_vi == "Tết Nguyên Đán"
    assert named[date(2028, 1, 26)].name_en == "Lunar New Year"
    assert [d for d in named if d.month == 1 and not HOLIDAYS.is_working_day(d)] == [
        date(2028, 1, 1),
        date(2028, 1, 3),
        date(2028, 1, 24),
        date(2028, 1, 25),
        date(2028, 1, 26),
        date(2028, 1, 27),
        date(2028, 1, 28),
        date(2028, 1, 29),
    ]


def _working_days_between(start: date, end: date, workdays: WorkCalendar) -> int:
    days = (start + timedelta(days=i) for i in range(1, (end - start).days + 1))
    return sum(1 for d in days if workdays.is_working_day(d))


@given(
    start=st.dates(date(2025, 11, 1), date(2031, 2, 1)),
    n=st.integers(1, 40),
    extra=st.frozensets(st.dates(date(2025, 11, 1), date(2031, 6, 1)), max_size=40),
)
def test_add_working_days_lands_on_the_nth_working_day(
    start: date, n: int, extra: frozenset[date]
) -> None:
    workdays = calendar(extra)
    due = add_working_days(start, n, workdays)
    assert due > start
    assert workdays.is_working_day(due)
    assert due not in extra
    assert _working_days_between(start, due, workdays) == n
    assert add_working_days(start, n + 1, workdays) > due


def test_a_set_of_dates_means_weekends_and_those_days() -> None:
    assert is_working_day(date(2026, 3, 2), frozenset())
    assert not is_working_day(date(2026, 3, 2), frozenset({date(2026, 3, 2)}))
    assert not is_working_day(date(2026, 1, 10), frozenset())  # no make-up Saturdays


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
    forward_due = received_on + timedelta(days=7)  # TTLT 01/2017 art. 8(5)(b)
    d = initial(received_at, HOLIDAYS)
    # The decision is the investigation body's: it runs once the report reaches it.
    assert d == Deadlines(received_on, ack_due, None, forward_due=forward_due)
    sent = forwarded(d, "crime", received_on)
    assert (sent.decision_due, sent.forwarded_on) == (decision_due, received_on)


@given(st.datetimes(datetime(2025, 12, 1), datetime(2031, 12, 31), timezones=st.just(UTC)))
def test_initial_deadlines_follow_receipt(received_at: datetime) -> None:
    d = forwarded(initial(received_at, HOLIDAYS), "crime", local_date(received_at))
    assert d.received_on == local_date(received_at)
    assert d.ack_due > d.received_on
    assert HOLIDAYS.is_working_day(d.ack_due)
    assert (d.decision_due - d.received_on).days == 20
    assert (d.extensions, d.outcome_due) == (0, None)


def test_two_extensions_then_refusal() -> None:
    d = forwarded(initial(vn(2026, 12, 31), HOLIDAYS), "crime", date(2026, 12, 31))
    once = extend(d, "crime")
    assert (once.extensions, once.decision_due) == (1, date(2027, 2, 28))
    twice = extend(once, "crime")
    # The second runs up to 2 months from the end of the first (TTLT 01/2017 art. 11(2)).
    assert (twice.extensions, twice.decision_due) == (2, date(2027, 4, 28))
    assert (twice.received_on, twice.ack_due) == (d.received_on, d.ack_due)
    with pytest.raises(ExtensionNotAllowed):
        extend(twice, "crime")


def test_extensions_count_from_receipt_not_from_the_last_due_date() -> None:
    d = forwarded(initial(vn(2026, 3, 2), HOLIDAYS), "crime", date(2026, 3, 2))
    assert extend(d, "crime").decision_due == date(2026, 5, 2)
    assert extend(extend(d, "crime"), "crime").decision_due == date(2026, 7, 2)


def test_outcome_is_due_three_calendar_days_after_the_local_decision_date() -> None:
    d = initial(vn(2026, 3, 2), HOLIDAYS)
    # 18:00 UTC on 10 March is 01:00 on 11 March in Vietnam; the 14th is a Saturday.
    done = decided(d, datetime(2026, 3, 10, 18, 0, tzinfo=UTC), "crime")
    assert done.outcome_due == date(2026, 3, 14)
    assert (done.decision_due, done.extensions) == (d.decision_due, 0)


def test_outcome_after_an_extension_keeps_the_extension() -> None:
    d = extend(forwarded(initial(vn(2026, 3, 2), HOLIDAYS), "crime", date(2026, 3, 2)), "crime")
    done = decided(d, vn(2026, 4, 29), "crime")
    assert (done.extensions, done.decision_due, done.outcome_due) == (
        1,
        date(2026, 5, 2),
        date(2026, 5, 2),
    )


def test_a_decided_tip_cannot_be_extended() -> None:
    done = decided(initial(vn(2026, 3, 2), HOLIDAYS), vn(2026, 3, 4), "crime")
    with pytest.raises(ExtensionNotAllowed):
        extend(done, "crime")


def test_a_decision_cannot_come_before_receipt() -> None:
    with pytest.raises(ValueError):
        decided(initial(vn(2026, 3, 2), HOLIDAYS), vn(2026, 3, 1), "crime")


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


def _pack_file(folder: Path, text: str) -> Path:
    path = folder / "holidays.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_pack_keeps_only_sourced_differences_named_in_both_languages() -> None:
    pack = holiday_pack.pack()
    entries = [*pack.days_off, *pack.working_days]
    assert entries, "the 2026 New Year swap"
    for e in entries:
        assert e.name_vi == unicodedata.normalize("NFC", e.name_vi)
        assert not e.name_vi.isascii(), e.name_vi  # written with its diacritics
        assert e.name_en.isascii() and e.name_en.strip(), e.name_en
        assert "/" in e.source, e.source  # a document number such as 12729/VPCP-KGVX
    assert all(e.day.weekday() >= 5 for e in pack.working_days)
    assert holiday_pack.problems() == []


def test_library_holidays_are_named_in_vietnamese_and_english() -> None:
    for h in HOLIDAYS.holidays(2027):
        assert h.name_vi == unicodedata.normalize("NFC", h.name_vi) and h.name_vi.strip()
        assert h.name_en.isascii() and h.name_en.strip(), h.name_en
    named = {h.day: h for h in HOLIDAYS.holidays(2027)}
    assert named[date(2027, 4, 16)].name_vi == "Ngày Giỗ Tổ Hùng Vương"
    assert named[date(2027, 9, 2)].name_vi == "Quốc khánh"
    assert named[date(2027, 2, 6)].name_vi == "Tết Nguyên Đán"


def test_a_holiday_the_pack_refuses_is_a_working_day_with_its_day_in_lieu() -> None:
    # 24/11/2029 is a Saturday: the library would give Monday 26/11 in lieu.
    for day in (date(2026, 11, 24), date(2027, 11, 24), date(2029, 11, 26)):
        assert HOLIDAYS.is_working_day(day)
        assert not WorkCalendar(Holidays(version=2)).is_working_day(day)
    assert date(2026, 11, 24) not in {h.day for h in HOLIDAYS.holidays(2026)}


def test_the_pack_overrides_the_library_and_the_deployment_overrides_both(
    tmp_path: Path,
) -> None:
    text = (
        "version: 2\n"
        "days_off:\n"
        "  - {date: 2027-09-01, name_vi: Nghỉ lễ Quốc khánh, name_en: National Day break,"
        " source: TB 1/2027}\n"
        "working_days:\n"
        "  - {date: 2027-09-03, name_vi: Ngày làm việc, name_en: Working day, source: TB 1/2027}\n"
        "  - {date: 2027-08-28, name_vi: Ngày làm bù, name_en: Make-up day, source: TB 1/2027}\n"
    )
    pack = load(Holidays, _pack_file(tmp_path, text))
    workdays = WorkCalendar(pack, [date(2027, 8, 30)])
    assert not workdays.is_working_day(date(2027, 9, 1))  # announced
    assert workdays.is_working_day(date(2027, 9, 3))  # the library's estimate, moved
    assert workdays.is_working_day(date(2027, 8, 28))  # a Saturday worked
    assert not workdays.is_working_day(date(2027, 8, 30))  # the deployment's own day off
    assert not workdays.is_working_day(date(2027, 9, 2))
    named = {h.day: h.name_vi for h in workdays.holidays(2027)}
    assert named[date(2027, 9, 1)] == "Nghỉ lễ Quốc khánh" and date(2027, 9, 3) not in named


def test_the_check_flags_entries_the_library_already_knows(tmp_path: Path) -> None:
    text = (
        "version: 2\n"
        "days_off:\n"
        "  - {date: 2026-09-02, name_vi: Quốc khánh, name_en: National Day, source: TB 1/2026}\n"
        "working_days:\n"
        "  - {date: 2026-08-22, name_vi: Ngày làm bù, name_en: Make-up day, source: TB 1/2026}\n"
        "not_days_off:\n"
        "  - {name_vi: Ngày Thơ Việt Nam, source: TB 1/2026}\n"
    )
    path = _pack_file(tmp_path, text)
    assert holiday_pack.problems(path) == [
        f"{path}: days_off (2026-09-02): already a day off without this entry",
        f"{path}: working_days (2026-08-22): already a working day without this entry",
        f"{path}: not_days_off (Ngày Thơ Việt Nam): no holiday of the library has this name",
    ]


def test_a_deployment_adds_days_off() -> None:
    extra = date(2026, 9, 3)
    assert HOLIDAYS.is_working_day(extra)
    assert not calendar([extra]).is_working_day(extra)
    assert calendar([extra]).is_working_day(date(2026, 9, 4))


ENTRY = "{date: 2026-01-02, name_vi: Nghỉ, name_en: Day off, source: TB 1/2026}"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("days_off: []", "version: is missing"),
        ("version: 1", "version: expected 2, found 1"),
        ("version: '2'", "version: expected 2, found '2'"),
        ("version: 2\nholidays: []", "holidays: unknown key"),
        (
            "version: 2\ndays_off: [{name_vi: Tết, name_en: x, source: s}]",
            r"days_off\[0\] \(name_vi Tết\): date: is missing",
        ),
        (
            "version: 2\ndays_off: [{date: 2026-01-01 10:00:00, name_vi: a, name_en: b, source: s}"
            "]",
            r"days_off\[0\] \(date 2026-01-01 10:00:00\): date: Input should be a valid date",
        ),
        (
            "version: 2\ndays_off: [{date: '2026-01-01', name_vi: a, name_en: b, source: s}]",
            r"days_off\[0\] \(date 2026-01-01\): date: Input should be a valid date",
        ),
        (
            "version: 2\nworking_days: [{date: 2026-01-10, name_en: x, source: s}]",
            r"working_days\[0\] \(date 2026-01-10\): name_vi: is missing",
        ),
        (
            "version: 2\ndays_off: [{date: 2026-01-02, name_vi: a, name_en: ' ', source: s}]",
            r"days_off\[0\] \(date 2026-01-02\): name_en: is empty",
        ),
        (
            "version: 2\ndays_off: [{date: 2026-01-02, name_vi: a, name_en: b}]",
            r"days_off\[0\] \(date 2026-01-02\): source: is missing",
        ),
        (
            "version: 2\ndays_off: [{date: 2026-01-02, name_vi: a, name_en: 1, source: s}]",
            r"days_off\[0\] \(date 2026-01-02\): name_en: Input should be a valid string",
        ),
        (
            "version: 2\ndays_off: [{date: 2026-01-02, name_vi: Te\u0302\u0301t, name_en: x,"
            " source: s}]",
            r"days_off\[0\] \(date 2026-01-02\): name_vi: is not NFC",
        ),
        (
            f"version: 2\ndays_off: [{ENTRY[:-1]}, lunar: true}}]",
            r"days_off\[0\] \(date 2026-01-02\): lunar: unknown key",
        ),
        (f"version: 2\ndays_off: [{ENTRY}]\nworking_days: [{ENTRY}]", "2026-01-02 is listed twice"),
        (
            "version: 2\nnot_days_off: [{name_vi: a, source: s}, {name_vi: a, source: t}]",
            "not_days_off: 'a' is listed twice",
        ),
        (
            "version: 2\nnot_days_off: [{name_vi: a}]",
            r"not_days_off\[0\] \(name_vi a\): source: is missing",
        ),
        ("version: 2\ndays_off: [", "cannot be read"),
        ("version: 2\ndays_off: [{date: 2026-13-01}]", "cannot be read: month must be in 1..12"),
    ],
)
def test_a_broken_pack_is_refused_with_the_file_entry_and_field(
    tmp_path: Path, text: str, problem: str
) -> None:
    path = _pack_file(tmp_path, text)
    with pytest.raises(PackError, match=problem) as caught:
        load(Holidays, path)
    assert all(line.startswith(f"{path}: ") for line in caught.value.problems)
    assert holiday_pack.problems(path) == list(caught.value.problems)


def test_empty_sections_are_allowed(tmp_path: Path) -> None:
    pack = load(Holidays, _pack_file(tmp_path, "version: 2\ndays_off:\nworking_days: []\n"))
    assert (pack.days_off, pack.working_days, pack.not_days_off) == ((), (), ())


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
