"""One phone number, one answer (content/phones.py): every way of writing a number gives the
same E.164 value through every entry point that reads one (the scam check on a whole text and
inside a message, the indicator store, the panel's indicator search, the tip form's contact
step), bad input is refused the same way everywhere, and amounts, dates, ids and accounts are
never read as phone numbers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from content import phones, scamcheck
from content.scamcheck import Found, extract
from handlers.model import Kind
from storage.indicator_review import _search_terms
from storage.sealing import Sealer, derive_key
from tests.conftest import Chat
from tests.fakes.memory_db import StoredTip
from tests.unit.test_report_flow import only_tip, to_review

MOBILE = "+84912345678"
FORMS = [
    # Vietnamese mobile, in every way people write it
    ("0912 345 678", MOBILE),
    ("0912345678", MOBILE),
    ("0912.345.678", MOBILE),
    ("091-234-5678", MOBILE),
    ("(091) 234 5678", MOBILE),
    ("+84912345678", MOBILE),
    ("+84 912 345 678", MOBILE),
    ("+84 (0) 912 345 678", MOBILE),
    ("+84(0)912.345.678", MOBILE),
    ("(+84) (0) 912 345 678", MOBILE),
    ("(+84)(0)912345678", MOBILE),
    ("+84-(0)912-345-678", MOBILE),
    ("+84.(0).912.345.678", MOBILE),
    ("(+84) (0)24 3826 1234", "+842438261234"),
    ("(+84) 912-345-678", MOBILE),
    ("84 912 345 678", MOBILE),
    ("84912345678", MOBILE),
    ("0084 912 345 678", MOBILE),
    ("0084912345678", MOBILE),
    ("0912\u00a0345\u00a0678", MOBILE),
    # other mobile prefixes, landlines and the service numbers
    ("0356 789 012", "+84356789012"),
    ("0868 123 456", "+84868123456"),
    ("024 3826 1234", "+842438261234"),
    ("(024) 3826-1234", "+842438261234"),
    ("028 3822 1234", "+842838221234"),
    ("+84 28 3822 1234", "+842838221234"),
    ("0236.3822.123", "+842363822123"),
]
# Service lines: phone numbers, but no reporter can be called back on one.
SERVICE = [
    ("1900 1288", "+8419001288"),
    ("1900.292900", "+841900292900"),
    ("1800 599 920", "+841800599920"),
]
SHOWN = {
    MOBILE: "0912 345 678",
    "+842438261234": "024 3826 1234",
    "+8419001288": "1900 1288",
    "+841800599920": "1800 599920",
}
BAD = [
    "abc",
    "09l2 345 678",  # a letter l for a one
    "0912 345 67a",
    "0912-ABC-678",
    "12345",
    "091 234 567",  # a digit short
    "0912 345 6789",  # a digit too many
    "09123456789012",
    "912 345 678",  # no 0 or country code: could be anything
    "0123 456 789",  # an old prefix no longer given out
    "0012345678",
    "19.000.000",  # money, not a 1900 number
    "19 000 000",
    "19000000",
    "1900000000",
    "180000000",
]
FOREIGN = [
    ("+1 202 555 0143", "+12025550143"),
    ("+44 20 7946 0958", "+442079460958"),
    ("+855 12 345 678", "+85512345678"),
    ("001 202 555 0143", "+12025550143"),
]
SPOOFED = ["+84 0912 345 678", "+840912345678", "0084 0912 345 678"]


# -- one function ---------------------------------------------------------------------------


@pytest.mark.parametrize(("written", "e164"), FORMS + SERVICE + FOREIGN)
def test_every_form_is_one_e164_number(written: str, e164: str) -> None:
    number = phones.parse(written)
    assert number is not None and number.e164 == e164
    assert number.vietnamese == e164.startswith("+84")
    assert phones.normalise(written) == e164
    assert phones.parse(number.e164) == number  # stored values read back the same


@pytest.mark.parametrize("written", BAD)
def test_bad_input_is_no_number(written: str) -> None:
    assert phones.parse(written) is None


@pytest.mark.parametrize("written", SPOOFED)
def test_a_spoofed_caller_id_is_kept_as_written_and_is_not_vietnamese(written: str) -> None:
    number = phones.parse(written)
    assert number is not None and number.spoofed and not number.vietnamese
    assert number.e164 == "+840912345678" and number.shown == "+840912345678"


@pytest.mark.parametrize(("e164", "shown"), [*SHOWN.items(), ("+12025550143", "+12025550143")])
def test_numbers_are_shown_in_the_national_form(e164: str, shown: str) -> None:
    assert phones.shown(e164) == shown
    assert scamcheck.shown("phone", e164) == shown


# -- every entry point gives the same answer -------------------------------------------------


@pytest.mark.parametrize(("written", "e164"), FORMS + SERVICE + FOREIGN)
def test_every_entry_point_reads_the_same_number(written: str, e164: str) -> None:
    assert phones.normalise(written) == e164  # a whole text
    assert [p.value for p in extract(written).phones] == [e164]  # a message of just it
    message = f"Có người gọi từ số {written}, tự xưng công an, hãy cẩn thận."
    assert [p.value for p in extract(message).phones] == [e164]  # inside a message
    spans = [message[start:end] for start, end, _n in phones.find(message)]
    assert len(spans) == 1 and spans[0] in written  # found where it is written, nothing around
    assert scamcheck.normalise("phone", written) == (Found("phone", e164), "")  # indicators
    assert e164 in _search_terms(written)  # the panel's indicator search


@pytest.mark.parametrize("written", BAD)
def test_every_entry_point_refuses_bad_input(written: str) -> None:
    assert phones.normalise(written) is None
    assert extract(written).phones == ()
    assert extract(f"Có người gọi từ số {written}, tự xưng công an").phones == ()
    found, problem = scamcheck.normalise("phone", written)
    assert found is None and "is not a phone number" in problem
    assert not any(term.startswith("+") for term in _search_terms(written))


@given(
    st.sampled_from(["32", "39", "70", "77", "81", "86", "88", "90", "96", "98"]),
    st.text("0123456789", min_size=7, max_size=7),
    st.sampled_from(
        ["0{a} {b} {c}", "0{a}{b}{c}", "0{a}.{b}.{c}", "+84 {a} {b} {c}", "84{a}{b}{c}"]
    ),
)
def test_whole_text_and_inside_a_message_agree(prefix: str, rest: str, style: str) -> None:
    digits = prefix + rest
    written = style.format(a=digits[:3], b=digits[3:6], c=digits[6:])
    number = phones.parse(written)
    assert number is not None and number.e164 == "+84" + digits and number.vietnamese
    assert [n for _s, _e, n in phones.find(f"gọi {written} ngay")] == [number]


# -- what must never become a phone number ---------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Phí 10.000.000đ",
        "Chuyển ngay 19.000.000 đồng",  # would be 1900 0000
        "phí 19 000 000đ",
        "nộp 19000000 đồng",
        "Số tiền: 18000000",
        "Chuyển 1900000000đ",
        "180000000 VND",
        "chuyển 19000000đ vào STK 0123456789 Vietcombank",
        "phí 1900 1288 tr",
        "Nộp 18.000.000 VND",  # would be 1800 0000
        "Khoản vay 190.000.000 và phí 1.800.000.000đ",
        "số tiền 1,900,000,000 VND",
        "hạn 12/11/2025 lúc 19:00",
        "ngày 18.11.2025",
        "ngày 20-11-2026",
        "CCCD 001234567890",
        "CCCD 084123456789",
        "biển số 29X1-234.56",
        "STK 1903 6688 8888 01 Techcombank",
        "Mã đơn 12345, mã OTP 849123",
    ],
)
def test_amounts_dates_ids_and_accounts_are_not_phone_numbers(text: str) -> None:
    assert extract(text).phones == (), text


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("gọi 0912 345 678 để nhận quà", MOBILE),  # "để" is no "đ"
        ("gọi 0912 345 678 k nghe máy", MOBILE),  # "k" is "không" here, not thousands
        ("Gọi 0912 345 678 đồng ý ngay", MOBILE),  # "đồng ý", not đồng the currency
        ("goi 0912345678 dong y chuyen tien", MOBILE),  # the same, typed without diacritics
        ("so 0912 345 678 dong nghiep cua toi", MOBILE),
        ("tổng đài 1900 1288 đang gọi", "+8419001288"),
    ],
)
def test_a_number_before_words_like_a_currency_is_still_a_number(text: str, e164: str) -> None:
    assert [p.value for p in extract(text).phones] == [e164]


def test_a_long_run_of_digit_groups_costs_few_parses(monkeypatch: pytest.MonkeyPatch) -> None:
    """A crafted "0 0 0 0 …" must not cost a library parse per digit (it blocked the loop)."""
    import phonenumbers

    calls = 0
    real = phonenumbers.parse

    def counted(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(phonenumbers, "parse", counted)
    phones.parse.cache_clear()
    for crafted in ("0 " * 2000, "0.0." * 1000, "+84 " + "0 " * 2000, "0 9 1 2 3 4 5 6 7 8 " * 200):
        assert extract(crafted).phones == ()
    assert calls <= 50


def test_a_number_written_as_an_account_stays_an_account() -> None:
    found = extract("Chuyển khoản vào STK 0912345678 MB Bank trước 17 giờ")
    assert [(a.number, a.bank) for a in found.accounts] == [("0912345678", "MB")]
    assert found.phones == ()


def test_foreign_and_spoofed_numbers_in_a_scam_message_are_still_flagged() -> None:
    found = extract("Số +1 202 555 0143 và +84 0912 345 678 gọi, xưng là công an")
    assert [(p.value, p.odd, p.vietnamese) for p in found.phones] == [
        ("+12025550143", "", False),
        ("+840912345678", "+840", False),  # spoofed: no Vietnamese number
    ]
    kinds = [r.kind for r in scamcheck.verdict(found, []).reasons]
    assert "foreign" in kinds and "odd_prefix" in kinds


# -- the tip form ----------------------------------------------------------------------------

SEALER = Sealer(derive_key(b"contact-secret-for-tests", b"contact"))  # as tests/conftest.py


async def _give_phone(chat: Chat, written: str) -> str:
    """From the review, change the contact to this number; the bot's answer."""
    await chat.pick("tip:edit")
    await chat.pick("edit:identity")
    await chat.pick("id:named")
    await chat.say("Nguyễn Văn An")
    return await chat.say(written)


async def test_the_tip_form_reads_every_form_and_refuses_the_same_bad_input(chat: Chat) -> None:
    await to_review(chat)
    for written, e164 in FORMS:
        text = await _give_phone(chat, written)
        assert "tip:confirm" in chat.choices, (written, text)
        shown = SHOWN.get(e164, phones.shown(e164))
        assert f"Người báo: Nguyễn Văn An, {shown}" in text, written
    invalid = "Số điện thoại chưa đúng"
    for written in SPOOFED:
        text = await _give_phone(chat, written)
        assert "Sau +84 không viết số 0" in text and "tip:confirm" not in chat.choices, written
        await chat.say("0912 345 678")
    for written, _e164 in SERVICE:
        text = await _give_phone(chat, written)
        assert "số tổng đài" in text and "tip:confirm" not in chat.choices, written
        await chat.say("0912 345 678")
    for written in BAD:
        text = await _give_phone(chat, written)
        assert invalid in text and "tip:confirm" not in chat.choices, written
        text = await chat.say("0912 345 678")
        assert "tip:confirm" in chat.choices, text
    for written, _e164 in FOREIGN:
        text = await _give_phone(chat, written)
        assert "số nước ngoài" in text and "số điện thoại Việt Nam" in text, written
        assert invalid not in text and "tip:confirm" not in chat.choices, written
        await chat.say("+84 (0) 912 345 678")
    await chat.pick("tip:confirm")
    tip: StoredTip = await only_tip(chat)
    assert SEALER.open(tip.contact_sealed) == {"name": "Nguyễn Văn An", "phone": MOBILE}


async def test_a_shared_contact_goes_through_the_same_reading(chat: Chat) -> None:
    await to_review(chat)
    await chat.pick("tip:edit")
    await chat.pick("edit:identity")
    await chat.pick("id:named")
    await chat.say("Nguyễn Văn An")
    await chat.send_event(chat.event(Kind.CONTACT, phone="84912345678"))
    assert "Người báo: Nguyễn Văn An, 0912 345 678" in chat.text
