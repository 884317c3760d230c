"""When something happened, read from typed words (content/dates.py) against a fixed clock,
the pack's rules (content/schema/dates.py), and the tip's "when" step that uses them."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
import yaml

from content import dates
from content.check import check_packs
from content.dates import Moment, Refused, read
from handlers.report import parse_date
from tests.conftest import Chat, memory_of
from tests.unit.test_report_flow import receipt_of, through_description

# Monday 23/11/2026, 10:00 in Vietnam: the clock of the flow tests (tests/conftest.py).
NOW = datetime(2026, 11, 23, 10, 0)
TODAY = NOW.date()
PACK = Path(dates.__file__).parent / "packs" / "date_words.yaml"


def day(d: int, m: int = 11, y: int = 2026) -> date:
    return date(y, m, d)


# --- days ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("hôm nay", day(23)),
        ("Hôm nay", day(23)),
        ("hôm qua", day(22)),
        ("HÔM QUA", day(22)),
        ("hôm kia", day(21)),
        ("bữa qua", day(22)),
        ("tuần trước", day(16)),
        ("thứ 2 tuần trước", day(16)),
        ("thứ hai tuần trước", day(16)),
        ("chủ nhật tuần trước", day(22)),  # Vietnamese weeks end on Sunday
        ("thứ hai tuần này", day(23)),
        ("chủ nhật vừa rồi", day(22)),
        ("chủ nhật qua", day(22)),
        ("thứ 6 vừa rồi", day(20)),
        ("thứ sáu", day(20)),
        ("thứ hai", day(23)),  # a weekday alone: the latest, today included
        ("thứ 2 trước", day(16)),  # with "before": the latest before today
        ("T7 tuần trước", day(21)),
        ("thứ 4 tuần trước nữa", day(11)),
        ("3 hôm trước", day(20)),
        ("2 ngày trước", day(21)),
        ("ba hôm trước", day(20)),
        ("2 tuần trước", day(9)),
        ("1 tuần trước", day(16)),
        ("10 ngày về trước", day(13)),
        ("20/11", day(20)),
        ("20-11-2026", day(20)),
        ("20.11.2026", day(20)),
        ("20/11/26", day(20)),
        ("5/11", day(5)),
        ("05/11/2026", day(5)),
        ("ngày 20 tháng 11", day(20)),
        ("ngày 20 tháng 11 năm 2026", day(20)),
        ("20 tháng 11", day(20)),
        ("ngày 20/11", day(20)),
        ("ngày 5", day(5)),
        ("ngày 31", day(31, 10)),  # this month has no 31st: last month's
        ("20/5", day(20, 5)),
        ("khoảng ngày 20/11", day(20)),
        ("ngày 20 tháng trước", day(20, 10)),
        ("ngày 2 tháng này", day(2)),
        ("ngày 30 tháng trước nữa", day(30, 9)),
        ("vừa nãy", day(23)),
        ("lúc nãy", day(23)),
        ("hồi nãy", day(23)),
        ("luc nay", day(23)),
        ("hqua", day(22)),
        ("hôm wa", day(22)),
        ("hôm qa", day(22)),
        ("hom wa", day(22)),
        ("3 hôm trc", day(20)),
        ("tuần trc", day(16)),
        ("chủ nhật wa", day(22)),
    ],
)
def test_vietnamese_days(typed: str, expected: date) -> None:
    found = read(typed, NOW)
    assert isinstance(found, Moment), (typed, found)
    assert found.day == expected, typed
    assert found.time is None and found.part is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("hom nay", day(23)),
        ("hom qua", day(22)),
        ("hom kia", day(21)),
        ("thu 2 tuan truoc", day(16)),
        ("thu hai tuan nay", day(23)),
        ("chu nhat vua roi", day(22)),
        ("3 hom truoc", day(20)),
        ("2 ngay truoc", day(21)),
        ("ngay 20 thang 11", day(20)),
        ("tuan truoc", day(16)),
        ("Thứ2 Tuần Trước", day(16)),  # glued, capitals
        ("hôm  qua!", day(22)),  # spaces and punctuation
        ("hôm qua ", day(22)),
        ("hôm qua.", day(22)),
        ("hôm qua,", day(22)),
        (unicodedata.normalize("NFD", "hôm qua"), day(22)),  # as some keyboards send it
        ("hôm qua\u200b", day(22)),
    ],
)
def test_words_typed_without_marks_or_oddly_spaced(typed: str, expected: date) -> None:
    found = read(typed, NOW)
    assert isinstance(found, Moment), (typed, found)
    assert found.day == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("today", day(23)),
        ("yesterday", day(22)),
        ("Yesterday", day(22)),
        ("the day before yesterday", day(21)),
        ("3 days ago", day(20)),
        ("a week ago", day(16)),
        ("two weeks ago", day(9)),
        ("last week", day(16)),
        ("last Monday", day(16)),
        ("on Monday", day(23)),
        ("last Sunday", day(22)),
        ("Monday last week", day(16)),
        ("Nov 20", day(20)),
        ("20 November", day(20)),
        ("20 November 2026", day(20)),
        ("November 20 2026", day(20)),
    ],
)
def test_english_days(typed: str, expected: date) -> None:
    found = read(typed, NOW)
    assert isinstance(found, Moment), (typed, found)
    assert found.day == expected


# --- parts of the day and times ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected", "part"),
    [
        ("tối qua", day(22), "evening"),
        ("toi qua", day(22), "evening"),
        ("tối hôm qua", day(22), "evening"),
        ("đêm qua", day(22), "night"),
        ("dem qua", day(22), "night"),
        ("sáng nay", day(23), "morning"),
        ("sang nay", day(23), "morning"),
        ("chiều qua", day(22), "afternoon"),
        ("trưa nay", day(23), "noon"),
        ("trưa hôm kia", day(21), "noon"),
        ("sáng thứ 2 tuần trước", day(16), "morning"),
        ("buổi sáng", day(23), "morning"),
        ("last night", day(22), "night"),
        ("this morning", day(23), "morning"),
        ("yesterday evening", day(22), "evening"),
        ("yesterday afternoon", day(22), "afternoon"),
    ],
)
def test_parts_of_the_day(typed: str, expected: date, part: str) -> None:
    assert read(typed, NOW) == Moment(expected, None, part)


@pytest.mark.parametrize(
    ("typed", "expected", "at"),
    [
        ("khoảng 9h tối qua", day(22), time(21, 0)),
        ("khoang 9h toi qua", day(22), time(21, 0)),
        ("9 giờ sáng nay", day(23), time(9, 0)),
        ("9 gio sang nay", day(23), time(9, 0)),
        ("9h30 sáng nay", day(23), time(9, 30)),
        ("9 giờ 30 phút sáng hôm qua", day(22), time(9, 30)),
        ("9 giờ rưỡi tối qua", day(22), time(21, 30)),
        ("lúc 21h hôm qua", day(22), time(21, 0)),
        ("21:30 hôm qua", day(22), time(21, 30)),
        ("hôm qua lúc 21:30", day(22), time(21, 30)),
        ("12 giờ trưa hôm qua", day(22), time(12, 0)),
        ("1 giờ trưa hôm qua", day(22), time(13, 0)),
        ("2 giờ chiều hôm qua", day(22), time(14, 0)),
        ("6 giờ tối 20/11", day(20), time(18, 0)),
        ("11 giờ đêm qua", day(22), time(23, 0)),
        ("2 giờ đêm qua", day(23), time(2, 0)),  # the small hours after yesterday's night
        ("12 giờ đêm qua", day(23), time(0, 0)),
        ("9 tối qua", day(22), time(21, 0)),
        ("8h", day(23), time(8, 0)),
        ("9g sáng", day(23), time(9, 0)),
        ("yesterday at 9pm", day(22), time(21, 0)),
        ("9:30 pm yesterday", day(22), time(21, 30)),
        ("at 9 a.m. yesterday", day(22), time(9, 0)),
        ("12 am yesterday", day(22), time(0, 0)),
        ("around 10 last night", day(22), time(22, 0)),
    ],
)
def test_times_keep_the_hour(typed: str, expected: date, at: time) -> None:
    found = read(typed, NOW)
    assert isinstance(found, Moment), (typed, found)
    assert (found.day, found.time) == (expected, at)


# --- refused ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "abc",
        "???",
        "hôm",
        "tuần này",  # no one day
        "20 tháng trước",  # twenty months ago: not read
        "không nhớ tối qua",  # not known, and a day: which?
        "tháng trước không nhớ",
        "trước",
        "3",
        "3 trước",
        "hôm qua hôm nay",  # two days
        "thứ hai hôm qua",
        "tối qua sáng nay",
        "last night this morning",
        "9 giờ chiều qua",  # 9 or 21, neither in the afternoon
        "21h sáng",
        "25h hôm qua",
        "9h75 hôm qua",
        "pm",
        "hỏm qua",  # a mark the word does not have
        "hôm quà",
        "có người lạ đi xe máy",
        "qua " * 30,
    ],
)
def test_what_is_not_a_moment_is_unread(typed: str) -> None:
    assert read(typed, NOW) is Refused.UNREAD


@pytest.mark.parametrize(
    "typed",
    ["32/13", "31/02/2026", "29/2", "0/11", "20/0", "ngày 32", "ngày 31 tháng 2"],
)
def test_days_the_calendar_has_not_are_refused(typed: str) -> None:
    assert read(typed, NOW) is Refused.NO_SUCH_DAY


@pytest.mark.parametrize(
    "typed",
    ["20/11/2000", "1/1/1990", "22/11/2021", "20/11/00", "2000 ngày trước", "ngày 5/5/2015"],
)
def test_days_more_than_five_years_ago_are_too_old(typed: str) -> None:
    assert dates.OLDEST_YEARS == 5
    assert read(typed, NOW) is Refused.TOO_OLD


@pytest.mark.parametrize("typed", ["23/11/2021", "24/11/2021", "1800 ngày trước"])
def test_days_up_to_five_years_ago_are_taken(typed: str) -> None:
    assert isinstance(read(typed, NOW), Moment)


@pytest.mark.parametrize(
    ("typed", "expected", "earlier"),
    [
        ("25/11", day(25), day(25, 11, 2025)),  # not moved back a year unsaid
        ("24/11", day(24), day(24, 11, 2025)),
        ("1/12", day(1, 12), day(1, 12, 2025)),
        ("20/12", day(20, 12), day(20, 12, 2025)),  # nearer to come than gone
        ("ngày 25 tháng 11", day(25), day(25, 11, 2025)),
        ("Nov 30", day(30), day(30, 11, 2025)),
        ("9 giờ tối 24/11", day(24), day(24, 11, 2025)),
        ("ngày 25", day(25), day(25, 10)),  # not moved back a month unsaid
        ("ngày 30", day(30), day(30, 10)),
    ],
)
def test_a_day_without_its_year_still_to_come_is_not_yet(
    typed: str, expected: date, earlier: date
) -> None:
    assert read(typed, NOW) == dates.NotYet(expected, earlier)


def test_a_day_without_its_year_is_the_nearer_one() -> None:
    new_year = datetime(2027, 1, 5, 8, 0)
    assert read("28/12", new_year) == Moment(day(28, 12))  # last year's, 8 days ago
    assert read("20/1", new_year) == dates.NotYet(date(2027, 1, 20), day(20, 1))
    june = datetime(2027, 6, 1, 8, 0)
    assert read("1/12", june) == Moment(day(1, 12))  # 6 months gone, 6 to come: gone
    assert read("31/12", datetime(2026, 12, 15)) == dates.NotYet(day(31, 12), day(31, 12, 2025))
    assert read("ngày 31", datetime(2026, 12, 15)) == dates.NotYet(day(31, 12), None)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("không nhớ", dates.Vague.NOT_KNOWN),
        ("ko nhớ", dates.Vague.NOT_KNOWN),
        ("khong nho", dates.Vague.NOT_KNOWN),
        ("không biết", dates.Vague.NOT_KNOWN),
        ("ko rõ", dates.Vague.NOT_KNOWN),
        ("Không rõ", dates.Vague.NOT_KNOWN),
        ("em không nhớ ạ", dates.Vague.NOT_KNOWN),
        ("tôi không nhớ rõ", dates.Vague.NOT_KNOWN),
        ("I don't remember", dates.Vague.NOT_KNOWN),
        ("not sure", dates.Vague.NOT_KNOWN),
        ("mấy hôm trước", dates.Vague.FEW_DAYS),
        ("may hom truoc", dates.Vague.FEW_DAYS),
        ("vài ngày trước", dates.Vague.FEW_DAYS),
        ("hôm trước", dates.Vague.FEW_DAYS),  # the other day: which?
        ("hôm trc", dates.Vague.FEW_DAYS),
        ("a few days ago", dates.Vague.FEW_DAYS),
        ("tháng trước", dates.Month(day(1, 10))),
        ("tháng trc", dates.Month(day(1, 10))),
        ("last month", dates.Month(day(1, 10))),
        ("tháng này", dates.Month(day(1))),
        ("tháng trước nữa", dates.Month(day(1, 9))),
    ],
)
def test_no_day_said(typed: str, expected: object) -> None:
    assert read(typed, NOW) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "20/11/2027",
        "01/01/2099",
        "24-11-2026",
        "ngày 20 tháng 11 năm 2027",
        "tối nay",  # 10:00: the evening has not come
        "đêm nay",
        "tonight",
        "thứ sáu tuần này",  # Friday of this week, on a Monday
        "chủ nhật tuần này",
        "2 giờ chiều",  # 14:00 today
        "9 giờ tối nay",
        "21:30",
    ],
)
def test_the_future_is_refused(typed: str) -> None:
    assert read(typed, NOW) is Refused.FUTURE


def test_a_time_a_little_ahead_is_still_taken() -> None:
    evening = datetime(2026, 11, 23, 20, 30)
    assert read("khoảng 9 giờ tối nay", evening) == Moment(day(23), time(21, 0), "evening")
    assert read("tối nay", evening) == Moment(day(23), None, "evening")
    assert read("11 giờ tối nay", evening) is Refused.FUTURE


def test_the_clock_decides_today() -> None:
    sunday_night = datetime(2026, 11, 22, 23, 59)
    assert read("hôm nay", sunday_night) == Moment(day(22))
    assert read("chủ nhật vừa rồi", sunday_night) == Moment(day(15))  # said on a Sunday
    assert read("chủ nhật", sunday_night) == Moment(day(22))
    assert read("thứ 2 tuần này", sunday_night) == Moment(day(16))
    assert read("23/11", sunday_night) == dates.NotYet(day(23), day(23, 11, 2025))
    assert read("22/11", sunday_night) == Moment(day(22))
    new_year = datetime(2027, 1, 1, 8, 0)
    assert read("hôm qua", new_year) == Moment(day(31, 12))
    assert read("31/12", new_year) == Moment(day(31, 12))
    assert read("ngày 31", new_year) == Moment(day(31, 12))
    leap = datetime(2028, 3, 1, 8, 0)
    assert read("29/2", leap) == Moment(date(2028, 2, 29))


def test_a_time_zone_on_the_clock_is_the_wall_clock() -> None:
    from zoneinfo import ZoneInfo

    aware = NOW.replace(tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    assert read("hôm qua", aware) == Moment(day(22))


def test_parse_date_keeps_its_old_promise() -> None:
    assert parse_date("5/11", TODAY) == day(5)
    assert parse_date("05/11/2026", TODAY) == day(5)
    assert parse_date("hôm qua", TODAY) == day(22)
    assert parse_date("31/02/2026", TODAY) is None
    assert parse_date("01/01/2099", TODAY) is None
    assert parse_date("abc", TODAY) is None


def test_long_and_ambiguous_messages_are_read_quickly() -> None:
    import time as clock

    started = clock.perf_counter()
    for typed in ("qua " * 15, "năm " * 15 + "abc", "thứ " * 16, "1 " * 16):
        assert read(typed, NOW) is Refused.UNREAD
    assert clock.perf_counter() - started < 2


# --- the pack -----------------------------------------------------------------------------------


def test_the_pack_has_no_problems() -> None:
    assert dates.problems() == []
    assert not [p for p in check_packs() if "date_words" in p]


def _write(tmp_path: Path, change: dict[str, object]) -> Path:
    raw = yaml.safe_load(PACK.read_text(encoding="utf-8"))
    raw.update(change)
    path = tmp_path / "date_words.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            {"days": [{"back": 2, "words": ["hôm kia"]}, {"back": 3, "words": ["hôm kìa"]}]},
            "days: 'hom kia' names back 2 and back 3",
        ),
        ({"days": [{"back": 1, "words": ["hôm qua", "hôm qua"]}]}, "'hôm qua' is written twice"),
        ({"days": [{"back": 1, "part": "dusk", "words": ["x"]}]}, "part"),
        ({"days": [{"back": 99, "words": ["x"]}]}, "back"),
        ({"days": [{"back": "1", "words": ["x"]}]}, "back"),
        ({"days": [{"back": 1, "words": ["?!"]}]}, "'?!' has no letter or digit"),
        ({"days": [{"back": 1, "words": [unicodedata.normalize("NFD", "hôm qua")]}]}, "NFC"),
        ({"days": []}, "days"),
        ({"weekdays": {"monday": ["thứ hai"]}}, "tuesday: is missing"),
        ({"colour": "red"}, "colour: unknown key"),
        (
            {"weeks": [{"back": 1, "words": ["tuần trước"]}, {"back": 1, "words": ["tuần rồi"]}]},
            "weeks: back 1 is listed twice",
        ),
    ],
)
def test_a_broken_pack_is_named(tmp_path: Path, change: dict[str, object], problem: str) -> None:
    found = dates.problems(_write(tmp_path, change))
    assert any(problem in p and "date_words.yaml" in p for p in found), found


def test_the_parts_the_pack_names_are_the_ones_the_code_knows() -> None:
    assert set(dates.PARTS) == set(dates.PART_HOURS)


# --- the tip's "when" step ----------------------------------------------------------------------


async def to_when(chat: Chat) -> None:
    await through_description(chat)
    assert chat.choices[:5] == [
        "when:now",
        "when:today",
        "when:yesterday",
        "when:date",
        "when:unknown",
    ]


async def test_the_when_step_offers_yesterday_and_says_what_may_be_typed(chat: Chat) -> None:
    await to_when(chat)
    assert "Hôm qua" in labels(chat) and "thứ 2 tuần trước" in chat.text
    await chat.pick("when:yesterday")
    assert "Gửi vị trí" in chat.text
    data = await draft_of(chat)
    assert (data["when"], data["date"], data["time"], data["part"]) == (
        "date",
        "2026-11-22",
        "",
        "",
    )


async def test_yesterday_typed_as_the_label_is_the_button(chat: Chat) -> None:
    await to_when(chat)
    await chat.say("hom qua")
    data = await draft_of(chat)
    assert (data["when"], data["date"]) == ("date", "2026-11-22")


@pytest.mark.parametrize(
    ("typed", "shown", "stored"),
    [
        ("tối qua", "Ngày 22/11/2026, buổi tối", ("2026-11-22", "", "evening")),
        ("khoảng 9h tối qua", "Ngày 22/11/2026, khoảng 21:00", ("2026-11-22", "21:00", "")),
        ("thu 2 tuan truoc", "Ngày 16/11/2026", ("2026-11-16", "", "")),
        ("3 days ago", "Ngày 20/11/2026", ("2026-11-20", "", "")),
        ("sáng nay", "Ngày 23/11/2026, buổi sáng", ("2026-11-23", "", "morning")),
        ("đêm qua", "Ngày 22/11/2026, ban đêm", ("2026-11-22", "", "night")),
    ],
)
async def test_a_moment_typed_at_the_when_step_is_kept_and_reviewed(
    chat: Chat, typed: str, shown: str, stored: tuple[str, str, str]
) -> None:
    await to_when(chat)
    await chat.say(typed)
    assert "Gửi vị trí" in chat.text, chat.text
    data = await draft_of(chat)
    assert (data["when"], data["date"], data["time"], data["part"]) == ("date", *stored)
    text = await to_review_from_where(chat)
    assert f"• Thời gian: {shown}" in text, text


async def test_a_moment_typed_after_another_day_is_picked(chat: Chat) -> None:
    await to_when(chat)
    text = await chat.pick("when:date")
    assert "05/11/2026" in text and "tối qua" in text
    await chat.say("chủ nhật vừa rồi")
    data = await draft_of(chat)
    assert (data["when"], data["date"]) == ("date", "2026-11-22")


@pytest.mark.parametrize("step", ["when", "when_date"])
async def test_bad_moments_get_a_clear_word_and_the_step_again(chat: Chat, step: str) -> None:
    await to_when(chat)
    if step == "when_date":
        await chat.pick("when:date")
    expected = "when:yesterday" if step == "when" else "when:unknown"
    text = await chat.say("abc")
    assert "chưa hiểu thời điểm" in text and expected in chat.choices
    text = await chat.say("32/13")
    assert "Ngày không hợp lệ" in text and expected in chat.choices
    text = await chat.say("20/11/2027")
    assert "chưa tới" in text and "10:00 23/11/2026" in text and expected in chat.choices
    text = await chat.say("tối nay")
    assert "chưa tới" in text and expected in chat.choices
    await chat.say("hôm kia")
    data = await draft_of(chat)
    assert (data["when"], data["date"]) == ("date", "2026-11-21")


@pytest.mark.parametrize("step", ["when", "when_date"])
async def test_a_day_without_its_year_still_to_come_is_asked_again(chat: Chat, step: str) -> None:
    await to_when(chat)
    if step == "when_date":
        await chat.pick("when:date")
    for typed, shown, earlier in (
        ("25/11", "25/11/2026", "25/11/2025"),
        ("1/12", "01/12/2026", "01/12/2025"),
        ("ngày 25", "25/11/2026", "25/10/2026"),
    ):
        text = await chat.say(typed)
        assert f"Ngày {shown} chưa tới" in text and "hôm nay là 23/11/2026" in text, text
        assert earlier in text and "when:unknown" in chat.choices
        assert (await draft_of(chat)).get("date", "") == ""
    await chat.say("25/11/2025")  # a year ago, said in full: taken
    data = await draft_of(chat)
    assert (data["when"], data["date"]) == ("date", "2025-11-25")
    text = await to_review_from_where(chat)
    assert "• Thời gian: Ngày 25/11/2025" in text, text


async def test_a_day_too_long_ago_is_asked_again(chat: Chat) -> None:
    await to_when(chat)
    text = await chat.say("20/11/2000")
    assert "hơn 5 năm" in text and "kiểm tra lại năm" in text, text
    assert "không hợp lệ" not in text and "when:unknown" in chat.choices
    await chat.say("20/11/2022")
    assert (await draft_of(chat))["date"] == "2022-11-20"


@pytest.mark.parametrize("step", ["when", "when_date"])
@pytest.mark.parametrize("typed", ["không nhớ", "ko nhớ", "không biết", "ko rõ", "không rõ"])
async def test_not_remembering_is_the_not_sure_button(chat: Chat, step: str, typed: str) -> None:
    await to_when(chat)
    if step == "when_date":
        await chat.pick("when:date")
    text = await chat.say(typed)
    assert "Gửi vị trí" in text and "vài hôm trước" not in text, text
    data = await draft_of(chat)
    assert (data["when"], data["date"], data["time"], data["part"]) == ("unknown", "", "", "")
    text = await to_review_from_where(chat)
    assert "• Thời gian: Không rõ" in text, text


async def test_a_few_days_ago_is_kept_as_not_sure_and_said_so(chat: Chat) -> None:
    await to_when(chat)
    text = await chat.say("mấy hôm trước")
    assert "“Không rõ” (vài hôm trước)" in text and "Gửi vị trí" in text, text
    data = await draft_of(chat)
    assert (data["when"], data["date"]) == ("unknown", "")
    text = await to_review_from_where(chat)
    assert "• Thời gian: Không rõ" in text, text


async def test_last_month_asks_for_the_day(chat: Chat) -> None:
    await to_when(chat)
    text = await chat.say("tháng trước")
    assert "ngày nào trong tháng 10/2026" in text and "05/10/2026" in text, text
    assert "when:unknown" in chat.choices and "Gửi vị trí" not in text
    await chat.say("ngày 20 tháng trước")
    data = await draft_of(chat)
    assert (data["when"], data["date"]) == ("date", "2026-10-20")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("vừa nãy", "2026-11-23"), ("lúc nãy", "2026-11-23"), ("hqua", "2026-11-22")],
)
async def test_new_words_are_read_at_the_when_step(chat: Chat, typed: str, stored: str) -> None:
    await to_when(chat)
    await chat.say(typed)
    data = await draft_of(chat)
    assert (data["when"], data["date"]) == ("date", stored)


async def test_editing_the_moment_replaces_the_time(chat: Chat) -> None:
    await to_when(chat)
    await chat.say("9 giờ sáng nay")
    await to_review_from_where(chat)
    await chat.pick("tip:edit")
    await chat.pick("edit:when")
    text = await chat.pick("when:today")
    assert "• Thời gian: Hôm nay" in text, text
    data = await draft_of(chat)
    assert (data["when"], data["date"], data["time"], data["part"]) == ("today", "", "", "")


async def test_the_tip_stores_the_day_typed(chat: Chat) -> None:
    await to_when(chat)
    await chat.say("khoảng 9h tối qua")
    await to_review_from_where(chat)
    code, _pin = receipt_of(await chat.pick("tip:confirm"))
    [tip] = memory_of(chat.dispatcher).all_tips()
    assert tip.code == code
    assert (tip.incident_when, tip.incident_date) == ("date", day(22))


async def test_in_english(chat: Chat) -> None:
    await chat.say("/start")
    await chat.pick("lang:en")
    await chat.say("ha noi")
    await chat.say("phuong ba dinh")
    if "hood:skip" in chat.choices:
        await chat.pick("hood:skip")
    await chat.pick("menu:tip")
    if "tip:consent_yes" in chat.choices:
        await chat.pick("tip:consent_yes")
    await chat.pick("cat:theft_robbery")
    await chat.say("Two strangers on a motorbike took a bicycle from the yard")
    text = await chat.pick("tip:done")
    assert "Yesterday" in labels(chat) and "last Monday" in text
    text = await chat.say("next week")
    assert "could not read when" in text
    text = await chat.say("20/11/2027")
    assert "has not come yet" in text
    await chat.say("around 10 last night")
    text = await to_review_from_where(chat)
    assert "On 22/11/2026, around 22:00" in text, text


# --- helpers ------------------------------------------------------------------------------------


def labels(chat: Chat) -> list[str]:
    return [c.label for r in chat.last for c in r.choices]


async def draft_of(chat: Chat) -> dict[str, object]:
    state = await chat.dispatcher.conversations.states.load(chat.event().chat_key)  # type: ignore[attr-defined]
    assert state is not None
    return dict(state.data)


async def to_review_from_where(chat: Chat) -> str:
    await chat.say("Số 12 ngõ 5 phố Đội Cấn")
    await chat.pick("tip:media_done")
    await chat.pick("tip:details_no")
    await chat.pick("id:anonymous")
    await chat.say("Hai thanh niên")
    text = await chat.say("Không có")
    assert "tip:confirm" in chat.choices, text
    return text


def test_fixture_clock_is_the_one_these_tests_count_from() -> None:
    from tests.conftest import Clock

    local = Clock()() + timedelta(hours=7)
    assert (local.date(), local.hour) == (TODAY, NOW.hour)
