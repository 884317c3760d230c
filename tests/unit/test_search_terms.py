"""How the panel's search reads a query and a tip (storage/search_terms.py, issue 20): one
reading of numbers, accounts, links and codes on both sides, the rest as folded words."""

from __future__ import annotations

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from content.text import fold
from handlers.receipt import new_code
from storage.casework.filters import search_clauses
from storage.casework.search import selective
from storage.search_terms import (
    MAX_TERMS,
    MAX_WORDS,
    SearchQuery,
    Term,
    national_digits,
    read_query,
    spoken_digits,
    term_rows,
    tip_terms,
)


def phone(e164: str, national: str) -> Term:
    """A phone number as a search reads it: the number or its spoofed "+840…" form, or its
    national digits joined in the search text."""
    spoof = "+840" + e164.removeprefix("+84")
    return Term("phone", e164, (("phone", spoof),), ((national,),))


PHONE = phone("+84889123456", "0889123456")


@pytest.mark.parametrize(
    "q",
    [
        "0889123456",
        "0889 123 456",
        "0889.123.456",
        "0889-123-456",
        "+84 889 123 456",
        "+84889123456",
        "84889123456",
        "(+84) 889-123-456",
        "+84 (0) 889 123 456",
        "0084 889 123 456",
        "  0889 123 456  ",
    ],
)
def test_a_phone_number_in_any_form_is_one_term(q: str) -> None:
    assert read_query(q) == SearchQuery((PHONE,), ())


def test_a_number_among_words_is_a_term_and_the_words_stay_words() -> None:
    found = read_query("Lừa đảo 0889 123 456 qua Zalo")
    assert found.terms == (PHONE,)
    assert found.words == ("lua", "dao", "qua")  # "Zalo" only says where the number is


def test_two_numbers_are_two_terms() -> None:
    found = read_query("0912 345 678 và +84987654321")
    assert found.terms == (
        phone("+84912345678", "0912345678"),
        phone("+84987654321", "0987654321"),
    )
    assert found.words == ("va",)


@pytest.mark.parametrize(
    ("q", "digits", "typed"),
    [
        ("19031234567890", "19031234567890", "19031234567890"),
        ("1903 1234 5678 90", "19031234567890", "1903 1234 5678 90"),
        ("1903-1234-5678-90", "19031234567890", "1903-1234-5678-90"),
        ("0889 123", "0889123", "0889 123"),  # part of a phone number
        ("123456", "123456", "123456"),
    ],
)
def test_a_run_of_digits_is_an_account_also_looked_for_as_typed_and_joined(
    q: str, digits: str, typed: str
) -> None:
    texts = ((typed,),) if typed == digits else ((typed,), (digits,))
    assert read_query(q).terms == (Term("account", digits, texts=texts),)


def test_an_account_with_its_words_drops_the_words() -> None:
    found = read_query("STK 19031234567890 Techcombank")
    assert found.terms == (Term("account", "19031234567890", texts=(("19031234567890",),)),)
    assert found.words == ()  # they say what the number is; a tip may not say it


@pytest.mark.parametrize(
    ("q", "domain"),
    [
        ("https://Shopee-VN.top/abc", "shopee-vn.top"),
        ("shopee-vn.top", "shopee-vn.top"),
        ("SHOPEE-VN.TOP", "shopee-vn.top"),
        ("www.shopee-vn.top", "shopee-vn.top"),
        ("http://login.evil.com.vn/x?y=1", "login.evil.com.vn"),
        ("https://ví-dụ.vn", "xn--v-d-rma6749a.vn"),
    ],
)
def test_a_link_or_domain_is_its_host_in_ascii(q: str, domain: str) -> None:
    [term] = read_query(q).terms
    assert term == Term("domain", domain)  # no text match: "shop.vn.fake.top" holds "shop.vn"


def test_a_receipt_code_in_any_case_with_or_without_its_dashes() -> None:
    code = new_code()
    body = code.removeprefix("BY-")
    for q in (code, code.lower(), code.replace("-", ""), code.lower().replace("-", " "), body):
        [term] = read_query(q).terms
        assert (term.kind, term.value) == ("code", code), q
        assert read_query(q).words == ()


def test_words_are_folded_with_or_without_diacritics() -> None:
    assert read_query("Chợ Tốt") == read_query("cho tot") == SearchQuery((), ("cho", "tot"))
    assert read_query("ĐƯỜNG Láng").words == ("duong", "lang")


@pytest.mark.parametrize(
    "q",
    ["!!!???", "%%%", "___", "' OR 1=1 --", ".*", "\\", "[a-z]+", "%_%", "tp.hcm", "19.000"],
)
def test_punctuation_and_metacharacters_are_plain_words(q: str) -> None:
    found = read_query(q)
    assert found.terms == ()
    assert found.words == tuple(q.lower().split())


def test_a_long_query_is_cut_and_bounded() -> None:
    assert len("".join(read_query("x" * 1000).words)) == 200
    many = " ".join(f"w{i}" for i in range(50))
    assert len(read_query(many).words) == MAX_WORDS
    numbers = " ".join(f"09{i:08d}" for i in range(1, 30))
    assert len(read_query(numbers).terms) <= MAX_TERMS


def test_nothing_to_look_for() -> None:
    for q in ("", "   ", "\u200b"):
        assert not read_query(q)
        assert search_clauses(q) == []


def test_brackets_around_a_number_are_not_words() -> None:
    assert read_query("(+84) 889 123 456") == SearchQuery((PHONE,), ())
    assert read_query("(+84) 889 123 456 (cong an)").words == ("cong", "an")


def test_a_tip_has_its_numbers_accounts_domains_and_code_as_the_search_reads_them() -> None:
    code = new_code()
    terms = tip_terms(
        code,
        "Gọi 0889 123 456 tự xưng công an, bảo chuyển khoản STK 1903 1234 5678 90 Techcombank, "
        "vào https://www.Shopee-VN.top/abc và login.evil.com.vn",
        "Gần chợ, gọi lại +84 912 345 678",
        {"suspects": "Techcombank 0987.654.321", "incident_time": "21:00"},
    )
    assert terms == {
        ("code", code),
        ("phone", "+84889123456"),
        ("phone", "+84912345678"),
        ("account", "19031234567890"),
        ("domain", "shopee-vn.top"),
        ("domain", "login.evil.com.vn"),
        ("domain", "evil.com.vn"),
        # read as an account beside the bank's name, and found as the phone number it is too
        ("account", "0987654321"),
        ("phone", "+84987654321"),
    }
    # a search for any of its terms reads a term the tip has
    for _kind, value in terms:
        assert {(t.kind, t.value) for t in read_query(value).terms} & terms, value


def test_money_and_plain_text_give_only_the_code() -> None:
    code = new_code()
    assert tip_terms(code, "Mất 19.000.000 đồng, 18000000đ nữa", "", None) == {("code", code)}


def test_term_rows_are_unique_and_ordered() -> None:
    rows = term_rows("t", [("phone", "+2"), ("code", "BY"), ("phone", "+2")])
    assert rows == [
        {"tip_id": "t", "kind": "code", "value": "BY"},
        {"tip_id": "t", "kind": "phone", "value": "+2"},
    ]


@pytest.mark.parametrize(
    "dialect",
    [sqlite.dialect(), postgresql.dialect()],  # type: ignore[no-untyped-call]
)
def test_the_clauses_look_up_terms_by_their_index_and_words_by_like(dialect: object) -> None:
    [number] = search_clauses("0889 123 456")
    sql = str(number.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))  # type: ignore[arg-type]
    assert "tip_terms.value IN ('+84889123456', '+840889123456')" in sql
    assert "tip_terms.kind = 'phone'" in sql
    assert "UNION" in sql and "0889123456%" in sql  # its national digits joined
    [account, word] = search_clauses("0889 123 cong")
    sql = str(account.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))  # type: ignore[arg-type]
    assert "UNION" in sql and "0889 123%" in sql
    assert "LIKE" in str(word.compile(dialect=dialect))  # type: ignore[arg-type]


def test_a_term_makes_a_search_selective() -> None:
    assert selective("0889123456") and selective("shopee-vn.top") and selective("123456")
    assert not selective("cho tot") and not selective("!!!") and not selective("")


def test_a_code_of_digits_needs_its_prefix_and_digits_alone_stay_an_account() -> None:
    for q in ("BY-7999-56", "by799956", "by 7999 56"):
        texts = (tuple(fold(q).split()),)
        assert read_query(q) == SearchQuery((Term("code", "BY-7999-56", texts=texts),), ()), q
    account = Term("account", "799956", texts=(("7999-56",), ("799956",)))
    assert read_query("7999-56").terms == (account,)


# -- the reviewer's misses (issue 20) -----------------------------------------------------------

NUMBER = "+84983185601"


@pytest.mark.parametrize(
    "written",
    [
        "zalo.me/0983185601",
        "https://zalo.me/0983185601",
        "Kết bạn https://zalo.me/0983185601/ rồi chuyển tiền",
        "wa.me/84983185601",
        "t.me/+84983185601",
        "https://m.me/0983185601",
        "https://example.vn/lien-he?phone=0983185601",
    ],
)
def test_a_number_in_a_link_is_a_term_of_the_tip(written: str) -> None:
    assert ("phone", NUMBER) in tip_terms(new_code(), written, "", None)


@pytest.mark.parametrize(
    "q", ["0983185601", "0983 185 601", "+84983185601", "(+84)0983185601", "+84 (0) 983185601"]
)
def test_a_number_searched_finds_it_in_a_link(q: str) -> None:
    held = tip_terms(new_code(), "Kết bạn zalo.me/0983185601 rồi chuyển", "", None)
    [term] = read_query(q).terms
    assert set(term.held) & held


def test_a_messenger_link_searched_is_that_link_or_its_number() -> None:
    [term] = read_query("https://zalo.me/0983185601").terms
    assert term.kind == "link" and term.value == "zalo.me/0983185601"
    assert ("phone", NUMBER) in term.held and ("phone", "+840983185601") in term.held
    assert term.texts == (("0983185601",),)
    # a tip that names the number without the link holds it too
    assert ("phone", NUMBER) in tip_terms(new_code(), "zalo 0983 185 601", "", None)


def test_a_messenger_link_is_keyed_on_its_path() -> None:
    a = tip_terms(new_code(), "https://Zalo.me/0983185601/", "", None)
    b = tip_terms(new_code(), "zalo.me/0912345678", "", None)
    assert ("link", "zalo.me/0983185601") in a and ("link", "zalo.me/0912345678") in b
    [term] = read_query("https://zalo.me/0912345678").terms
    assert not set(term.held) & (a - {("domain", "zalo.me")})
    # the path as written (a shortener's is case-sensitive), the host in lower case
    assert ("link", "bit.ly/AbC9") in tip_terms(new_code(), "HTTPS://BIT.LY/AbC9", "", None)
    assert read_query("bit.ly/abc9").terms[0].value == "bit.ly/abc9"
    # a subdomain counts as its host; a profile's id is part of who it is
    fb = tip_terms(new_code(), "m.facebook.com/profile.php?id=1000123&ref=x", "", None)
    assert ("link", "facebook.com/profile.php?id=1000123") in fb
    # the host alone, or another site's path, is the domain
    assert read_query("zalo.me").terms == (Term("domain", "zalo.me"),)
    assert read_query("https://shop.vn/a/b").terms == (Term("domain", "shop.vn"),)


def test_a_spoofed_number_and_its_real_form_meet() -> None:
    spoofed = tip_terms(new_code(), "Số gọi đến (+84)0983185601", "", None)
    assert {("phone", "+840983185601"), ("phone", NUMBER)} <= spoofed
    real = tip_terms(new_code(), "Số gọi 0983185601", "", None)
    for q in ("0983185601", "(+84)0983185601", "+840983185601"):
        [term] = read_query(q).terms
        assert set(term.held) & spoofed and set(term.held) & real, q


@pytest.mark.parametrize(
    "q",
    [
        "SĐT: 0983185601",
        "sdt 0983185601",
        "số điện thoại 0983185601",
        "zalo 0983185601",
        "Zalo: 0983185601.",
        "gọi 0983185601",
        "Facebook, Telegram 0983185601",
    ],
)
def test_phone_labels_beside_a_number_are_no_words(q: str) -> None:
    assert read_query(q).words == (), q


@pytest.mark.parametrize(
    "q",
    [
        "stk 19031234567890",
        "STK: 19031234567890",
        "TK 19031234567890",
        "số tài khoản 19031234567890",
        "Techcombank 19031234567890",
        "19031234567890 (Vietcombank)",
        "ngân hàng BIDV 19031234567890",
    ],
)
def test_account_labels_and_banks_beside_an_account_are_no_words(q: str) -> None:
    found = read_query(q)
    assert [t.value for t in found.terms] == ["19031234567890"] and found.words == (), q


def test_labels_without_a_term_stay_words() -> None:
    assert read_query("zalo lừa đảo").words == ("zalo", "lua", "dao")
    assert read_query("stk techcombank").words == ("stk", "techcombank")


@pytest.mark.parametrize(
    "q", ["shopx.vn", "www.shopx.vn", "https://www.shopX.vn/a?b=1", "SHOPX.VN", "shopx.vn."]
)
def test_a_domain_is_looked_up_only_as_its_term(q: str) -> None:
    assert read_query(q) == SearchQuery((Term("domain", "shopx.vn"),), ())


def test_look_alike_domains_are_other_terms() -> None:
    for text in ("shopx.vn.fake.top", "myshopx.vn", "https://shopx.vn-sale.top/x"):
        assert ("domain", "shopx.vn") not in tip_terms(new_code(), text, "", None), text
    for text in ("shopx.vn", "www.shopx.vn", "https://shopX.vn/a", "Vào SHOPX.VN."):
        assert ("domain", "shopx.vn") in tip_terms(new_code(), text, "", None), text


@pytest.mark.parametrize("q", ["185 601", "185-601", "185.601", "185,601"])
def test_a_partial_number_is_looked_for_as_typed_and_joined(q: str) -> None:
    [term] = read_query(q).terms
    assert term.texts == ((q,), ("185601",))


def test_the_digits_of_a_tips_numbers_joined_for_its_search_text() -> None:
    terms = tip_terms(
        new_code(), "Gọi 0983 185 601 hoặc (+84)0912345678, +1 202 555 0123", "", None
    )
    text = fold("Gọi 0983 185 601 hoặc (+84)0912345678")
    assert spoken_digits(terms, text).split() == ["0983185601", "12025550123"]
    assert national_digits("+8419001234") == "19001234"
    assert national_digits("+840983185601") == "0983185601"


@pytest.mark.parametrize("q", ["anh kẻ", "đặt cọc", "tháng 11", "cọc tháng 11"])
def test_everyday_words_are_no_code_together(q: str) -> None:
    found = read_query(q)
    assert all(len(group) == 1 for t in found.terms for group in t.texts), found
    words = [w for t in found.terms for g in t.texts for w in g] + list(found.words)
    assert sorted(words) == sorted(fold(q).split())


def test_a_code_in_pieces_is_also_its_words_anywhere() -> None:
    code = next(c for c in iter(new_code, "") if any(ch.isdigit() for ch in c))
    body = code.removeprefix("BY-").replace("-", "")
    spaced = f"{body[:4]} {body[4:]}"
    [term] = read_query(spaced).terms
    assert term.value == code and term.texts == (tuple(fold(spaced).split()),)
