"""The scams of the week (handlers/scam_week.py), pure: only what the police confirmed is
listed, numbers as people write them, links defanged, at most ten, nothing at all when there
is nothing to say; when it goes out (Monday 09:00 to noon, local time); how it reads."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime

import pytest

from bot import render
from handlers import scam_week
from handlers.notices import BadNotice, Notice, message
from handlers.scam_week import Confirmed

MONDAY = date(2026, 12, 7)


def test_numbers_are_grouped_and_links_defanged() -> None:
    assert scam_week.show(Confirmed("phone", "+84912345678")) == "📞 0912 345 678"
    assert scam_week.show(Confirmed("domain", "vi-du.com")) == "🔗 vi-du[.]com"
    assert (
        scam_week.show(Confirmed("url", "vi-du.com/nhan-qua")) == "🔗 hxxp://vi-du[.]com/nhan-qua"
    )
    assert scam_week.show(Confirmed("account", "0123456789", "VCB")) == "🏦 VCB 0123456789"
    assert scam_week.defang("https://a.b.vn/x") == "hxxps://a[.]b[.]vn/x"
    assert scam_week.defang("HTTP://vi-du.com") == "hxxp://vi-du[.]com"


def test_nothing_to_say_is_no_message() -> None:
    assert scam_week.params("Hà Nội", MONDAY, {}, []) is None
    assert scam_week.params("Hà Nội", MONDAY, {"fraud_phone": 0}, []) is None
    # Tips that are not scams are not counted.
    assert scam_week.params("Hà Nội", MONDAY, {"drugs": 4, "theft_robbery": 2}, []) is None


def test_the_scam_types_are_counts_most_reported_first() -> None:
    params = scam_week.params("Hà Nội", MONDAY, {"fraud_phone": 2, "fraud_online": 5}, [])
    assert params is not None
    assert params["types"] == "fraud_online=5,fraud_phone=2"
    assert params["indicators"] == ""
    assert params["week"] == "2026-W50"
    assert (params["from"], params["to"]) == ("2026-11-30", "2026-12-06")


def test_at_most_ten_indicators_each_once() -> None:
    phones = [Confirmed("phone", f"+849123456{n:02d}") for n in range(15)]
    params = scam_week.params("Hà Nội", MONDAY, {}, [phones[0], *phones])
    assert params is not None
    lines = params["indicators"].split("\n")
    assert len(lines) == scam_week.MAX_INDICATORS == 10
    assert lines[0] == "📞 0912 345 600" and len(set(lines)) == 10


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (datetime(2026, 12, 7, 2, 0, tzinfo=UTC), MONDAY),  # 09:00 in Hà Nội
        (datetime(2026, 12, 7, 4, 59, tzinfo=UTC), MONDAY),
        (datetime(2026, 12, 7, 1, 59, tzinfo=UTC), None),  # 08:59
        (datetime(2026, 12, 7, 5, 0, tzinfo=UTC), None),  # noon
        (datetime(2026, 12, 8, 3, 0, tzinfo=UTC), None),  # a Tuesday
    ],
)
def test_it_goes_out_on_monday_morning_local_time(now: datetime, due: date | None) -> None:
    assert scam_week.monday_due(now) == due


def test_one_key_per_iso_week() -> None:
    assert scam_week.key(MONDAY) == "weekly/2026-W50"
    assert scam_week.key(date(2027, 1, 4)) == "weekly/2027-W01"
    assert scam_week.since(MONDAY).isoformat() == "2026-11-30T09:00:00+07:00"


def test_the_notice_reads_plainly_in_both_languages() -> None:
    found = [
        Confirmed("phone", "+84912345678"),
        Confirmed("url", "vi-du.com/qua"),
        Confirmed("account", "0123456789", "VCB"),
    ]
    params = scam_week.params("Thành phố Hà Nội", MONDAY, {"fraud_phone": 3}, found)
    assert params is not None
    vi = render.reply(message(Notice.WEEKLY_DIGEST, "", params), "vi").text
    assert "Tin lừa đảo trong tuần ở Thành phố Hà Nội (từ 30/11 đến 06/12)" in vi
    assert "• Lừa đảo qua điện thoại: 3 tin báo" in vi
    assert "Công an đã xác nhận" in vi
    assert "📞 0912 345 678\n🔗 hxxp://vi-du[.]com/qua\n🏦 VCB 0123456789" in vi
    assert "vi-du.com" not in vi
    assert vi.endswith("Gõ DỪNG để ngừng nhận.")
    assert unicodedata.is_normalized("NFC", vi) and "{" not in vi
    en = render.reply(message(Notice.WEEKLY_DIGEST, "", params), "en").text
    assert "This week's scams in Thành phố Hà Nội" in en and "• Phone scam: 3 tips" in en
    assert en.endswith("Send STOP to stop getting these.")


def test_only_counts_without_confirmed_indicators_has_no_warning_list() -> None:
    params = scam_week.params("Hà Nội", MONDAY, {"fraud_online": 1}, [])
    assert params is not None
    vi = render.reply(message(Notice.WEEKLY_DIGEST, "", params), "vi").text
    assert "Lừa đảo trên mạng: 1 tin báo" in vi and "Công an đã xác nhận" not in vi


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"types": "drugs=x", "from": "2026-11-30", "to": "2026-12-06"},
        {"types": "fraud_phone=1", "from": "soon", "to": "2026-12-06"},
    ],
)
def test_a_digest_that_does_not_fit_is_refused(params: dict[str, str]) -> None:
    with pytest.raises(BadNotice):
        message(Notice.WEEKLY_DIGEST, "", params)
