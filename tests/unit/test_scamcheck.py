"""The scam check's reading of a message (content/scamcheck/): phone numbers, links, bank
accounts, VietQR payloads, the wording rules of every scam type, and the verdict."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from content import phones, scamcheck
from content.scamcheck import Found, Known, Level, crc16, extract, verdict
from content.text import fold

# -- phones -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "0912 345 678",
        "0912345678",
        "0912.345.678",
        "091-234-5678",
        "+84912345678",
        "+84 912 345 678",
        "+84 (0) 912 345 678",
        "84 912 345 678",
        "84912345678",
        "0084 912 345 678",
        "(+84) 912-345-678",
    ],
)
def test_vietnamese_mobile_numbers_in_every_form_are_one_e164(written: str) -> None:
    assert phones.normalise(written) == "+84912345678"
    found = extract(f"Gọi ngay {written} để nhận quà")
    assert [p.value for p in found.phones] == ["+84912345678"]
    assert found.phones[0].vietnamese and not found.phones[0].odd


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ("024 3825 1234", "+842438251234"),
        ("(024) 3825-1234", "+842438251234"),
        ("+84 28 3822 1234", "+842838221234"),
        ("0236.3822.123", "+842363822123"),
        ("1900 1288", "+8419001288"),
        ("1900.292900", "+841900292900"),
        ("0356 789 012", "+84356789012"),
        ("0868 123 456", "+84868123456"),
    ],
)
def test_landlines_service_numbers_and_other_mobile_prefixes(written: str, e164: str) -> None:
    assert phones.normalise(written) == e164


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ("+1 202 555 0143", "+12025550143"),
        ("+855 12 345 678", "+85512345678"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_foreign_numbers_keep_their_country_code(written: str, e164: str) -> None:
    found = extract(f"Số lạ {written} gọi cho tôi")
    assert [(p.value, p.vietnamese) for p in found.phones] == [(e164, False)]
    reasons = {r.kind for r in verdict(found, []).reasons}
    assert "foreign" in reasons


@pytest.mark.parametrize(
    ("written", "prefix"), [("+840 912 345 678", "+840"), ("+882 1234 5678", "+882")]
)
def test_odd_prefixes_are_flagged(written: str, prefix: str) -> None:
    found = extract(f"Cuộc gọi từ {written} tự xưng công an")
    assert len(found.phones) == 1 and found.phones[0].odd == prefix
    reasons = [r for r in verdict(found, []).reasons if r.kind == "odd_prefix"]
    assert reasons and reasons[0].extra == prefix


def test_several_numbers_dates_amounts_and_ids_are_told_apart() -> None:
    text = (
        "Gọi 0912345678 hoặc 0987 654 321 trước 12/11/2025. Phí 10.000.000đ. "
        "CCCD 001234567890. Mã đơn 12345."
    )
    assert [p.value for p in extract(text).phones] == ["+84912345678", "+84987654321"]
    for text in ("0912345678 0987654321", "0912345678\n0987654321"):
        assert len(extract(text).phones) == 2
    for not_a_phone in ("12345", "091234", "0012345678", "09123456789012", "10.000.000"):
        assert phones.normalise(not_a_phone) is None, not_a_phone


# -- links --------------------------------------------------------------------------------------


def link(text: str) -> scamcheck.Link:
    found = extract(text).links
    assert len(found) == 1, found
    return found[0]


def test_links_with_and_without_scheme_are_normalised() -> None:
    assert link("Xem https://WWW.Example.com/Path?a=1#top.").url == "example.com/Path?a=1"
    plain = link("vào trang evil-site.xyz nhé")
    assert (plain.domain, plain.url) == ("evil-site.xyz", "")
    assert link("http://1.2.3.4/login").domain == "1.2.3.4"
    assert link("(xem tại www.lừa-đảo.vn)").domain.startswith("xn--")
    for not_a_link in ("Xin chào.Bạn khỏe không", "TP.HCM", "v.v.", "10.000.000đ", "a@gmail.com"):
        assert extract(not_a_link).links == (), not_a_link


def test_internationalised_domains_become_punycode() -> None:
    found = link("đăng nhập tại https://ngânhàng.vn/login")
    assert found.domain == "ngânhàng.vn".encode("idna").decode("ascii")
    assert found.domain.startswith("xn--") and found.idn
    assert found.url == found.domain + "/login"
    assert scamcheck.normalise_link("xn--ngnhng-ltan.vn") is not None


@pytest.mark.parametrize(
    ("written", "imitated"),
    [
        ("vietcombank-vn.com", "vietcombank"),
        ("https://vietcombank.com.vn.xyz/login", "vietcombank"),
        ("vietc0mbank.com.vn", "vietcombank"),  # a zero for the o
        ("vietcornbank.com", "vietcombank"),  # rn for m
        ("https://vіetcombank.com.vn", "vietcombank"),  # Cyrillic і
        ("https://vietcombạnk.com", "vietcombank"),  # an accent
        ("vietconbank.net", "vietcombank"),  # a letter off
        ("dichvucong-gov.vn", "dichvucong"),
        ("dichvucongquocgia.com", "dichvucong"),
        ("vneid.gov.vn.xyz", "vneid"),
        ("vneid-capnhat.online", "vneid"),
        ("congan-gov.com", "gov"),
        ("vcb-online.com", "vietcombank"),
        ("hotro-bidv.net", "bidv"),
        ("evn-hanoi.info", "evn"),
        ("https://xn--vietcombnk-lj3e.com", "vietcombank"),
    ],
)
def test_look_alikes_of_banks_and_state_sites(written: str, imitated: str) -> None:
    found = link(f"Truy cập {written} ngay")
    assert found.lookalike == imitated, found
    reasons = [r for r in verdict(extract(written), []).reasons if r.kind == "lookalike"]
    assert reasons and reasons[0].official == imitated


@pytest.mark.parametrize(
    "written",
    ["vietcombank.com.vn", "https://portal.vietcombank.com.vn/x", "dichvucong.gov.vn",
     "dichvucong.hanoi.gov.vn", "www.vneid.gov.vn", "tpb.vn", "example.com", "vnexpress.net"],
)  # fmt: skip
def test_official_and_unrelated_domains_are_no_look_alikes(written: str) -> None:
    assert link(written).lookalike == ""


def test_official_addresses_are_not_indicators() -> None:
    found = extract("Xem https://vietcombank.com.vn/khuyen-mai và evil.xyz")
    assert [f.value for f in found.found()] == ["evil.xyz"]


def test_shorteners_and_apk_links() -> None:
    short = link("Bấm bit.ly/3xYzAb để nhận quà")
    assert short.shortener and short.url == "bit.ly/3xYzAb"
    assert extract("bit.ly/3xYzAb").found() == (Found("url", "bit.ly/3xYzAb"),)
    apk = link("Tải https://dvc-gov.top/VNeID.apk ngay")
    assert apk.apk and apk.url == "dvc-gov.top/VNeID.apk"
    bare = link("cài file VNeID.apk bạn nhé")
    assert bare.apk and bare.domain == ""
    kinds = {r.kind for r in verdict(extract("bit.ly/3xYz và http://x.top/a.apk"), []).reasons}
    assert {"shortener", "apk"} <= kinds


def test_domain_candidates_reach_the_registered_name() -> None:
    assert scamcheck.domain_candidates("a.b.evil.xyz") == ("a.b.evil.xyz", "b.evil.xyz", "evil.xyz")
    assert scamcheck.domain_candidates("login.evil.com.vn") == ("login.evil.com.vn", "evil.com.vn")
    assert scamcheck.domain_candidates("evil.xyz") == ("evil.xyz",)


# -- bank accounts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number", "bank"),
    [
        ("STK 0123456789 Vietcombank", "0123456789", "VCB"),
        ("số tài khoản: 1903 5678 9012 34 Techcombank, chủ TK NGUYEN VAN A", "19035678901234",
         "TCB"),
        ("Chuyển vào tài khoản 123456789012 ngân hàng Nông nghiệp", "123456789012", "AGRIBANK"),
        ("MB Bank 0912345678 chủ tài khoản Tran Van B", "0912345678", "MB"),
        ("Chuyển khoản vào 0912345678 giúp em", "0912345678", ""),
        ("Vietinbank: 1010-2020-3030", "101020203030", "CTG"),
        ("TK: 8888 6666 99 - ACB", "8888666699", "ACB"),
    ],
)  # fmt: skip
def test_accounts_with_the_bank_named_next_to_them(text: str, number: str, bank: str) -> None:
    found = extract(text)
    assert [(a.number, a.bank) for a in found.accounts] == [(number, bank)]
    assert not found.phones  # a number given as an account is not read as a phone too


def test_a_number_is_an_account_only_with_an_account_word_or_a_bank() -> None:
    assert extract("Gọi 0912345678 nhé").accounts == ()
    assert extract("Mã đơn hàng 123456789012").accounts == ()
    assert extract("STK 5.000.000 đồng").accounts == ()  # an amount
    both = extract("Zalo 0912345678, MB Bank 0912345678")
    assert [p.value for p in both.phones] == ["+84912345678"]
    assert [a.number for a in both.accounts] == ["0912345678"]
    nearest = extract("Gọi 0987 654 321, STK 0123456789 Vietcombank")
    assert [(a.number, a.bank) for a in nearest.accounts] == [("0123456789", "VCB")]
    assert [p.value for p in nearest.phones] == ["+84987654321"]
    owned = extract("Vào STK 2288390403 VietinBank, mai em trả nhé. Gọi em 0350 318 822.")
    assert [(a.number, a.bank) for a in owned.accounts] == [("2288390403", "CTG")]
    assert [p.value for p in owned.phones] == ["+84350318822"]  # the bank is the account's


def test_bank_codes_by_name_code_or_bin() -> None:
    assert scamcheck.bank_code("Vietcombank") == "VCB"
    assert scamcheck.bank_code("vcb") == "VCB"
    assert scamcheck.bank_code("970436") == "VCB"
    assert scamcheck.bank_code("Ngân hàng Quân đội") == "MB"
    assert scamcheck.bank_code("no such bank") == ""


# -- VietQR ---------------------------------------------------------------------------------------


def tlv(tag: str, value: str) -> str:
    return f"{tag}{len(value):02d}{value}"


def vietqr(bin_: str, account: str, amount: str = "", message: str = "") -> str:
    beneficiary = tlv("00", bin_) + tlv("01", account)
    merchant = tlv("00", "A000000727") + tlv("01", beneficiary) + tlv("02", "QRIBFTTA")
    body = (
        tlv("00", "01")
        + tlv("01", "12")
        + tlv("38", merchant)
        + tlv("53", "704")
        + (tlv("54", amount) if amount else "")
        + tlv("58", "VN")
        + tlv("59", "NGUYEN VAN A")
        + (tlv("62", tlv("08", message)) if message else "")
        + "6304"
    )
    return body + crc16(body)


def test_crc16_is_ccitt_false() -> None:
    assert crc16("123456789") == "29B1"


def test_a_vietqr_payload_gives_the_bank_and_account() -> None:
    payload = vietqr("970436", "0123456789", amount="500000", message="phi ho so")
    code = scamcheck.parse_vietqr(payload)
    assert code is not None and code.crc_ok
    assert (code.bin, code.bank, code.account, code.service) == (
        "970436",
        "VCB",
        "0123456789",
        "QRIBFTTA",
    )
    assert (code.amount, code.name, code.message) == ("500000", "NGUYEN VAN A", "phi ho so")
    found = extract(f"Quét mã này để nộp phí: {payload} nhé")
    assert found.qr_codes and found.qr_codes[0].crc_ok
    assert [(a.number, a.bank, a.from_qr) for a in found.accounts] == [("0123456789", "VCB", True)]
    assert Found("account", "0123456789", "VCB") in found.found()
    assert not found.phones  # the payload's digits are not read as numbers
    kinds = [r.kind for r in verdict(found, []).reasons]
    assert "qr" in kinds and "qr_damaged" not in kinds


def test_a_vietqr_payload_with_a_wrong_crc_is_flagged() -> None:
    payload = vietqr("970422", "0912345678")
    broken = payload[:-4] + ("0000" if payload[-4:] != "0000" else "FFFF")
    code = scamcheck.parse_vietqr(broken)
    assert code is not None and not code.crc_ok and code.bank == "MB"
    tampered = payload.replace("0912345678", "0912345679")
    assert scamcheck.parse_vietqr(tampered) is not None
    assert not scamcheck.parse_vietqr(tampered).crc_ok  # type: ignore[union-attr]
    result = verdict(extract(broken), [])
    assert "qr_damaged" in [r.kind for r in result.reasons]
    assert result.level is Level.SIGNS
    assert scamcheck.parse_vietqr("000201010212") is None  # no CRC: not a payload


# -- wording rules --------------------------------------------------------------------------------

SAMPLES = {
    "fake_authority": (
        "Tôi là cán bộ Công an TP Hà Nội. Anh có liên quan đến đường dây rửa tiền, phải chuyển "
        "tiền vào tài khoản tạm giữ để xác minh. Không được nói với ai."
    ),
    "virtual_kidnapping": (
        "Em phải thuê phòng khách sạn, mua sim mới và không được liên lạc với gia đình, cán bộ "
        "sẽ giám sát qua Zoom."
    ),
    "fake_public_app": (
        "Công an phường thông báo: để cập nhật thông tin cư trú sau sáp nhập, bà con tải ứng "
        "dụng Dịch vụ công theo đường link dưới đây."
    ),
    "online_tasks": (
        "Tuyển CTV việc nhẹ lương cao: làm nhiệm vụ thả tim video TikTok, hoa hồng 10-30%, "
        "nạp tiền càng nhiều thưởng càng cao."
    ),
    "overseas_jobs": (
        "Tuyển gấp nhân viên chăm sóc khách hàng sang Campuchia làm, mức lương 30 triệu, bao vé "
        "máy bay, bao ăn ở, không cần kinh nghiệm."
    ),
    "fake_investment": (
        "Tham gia nhóm VIP đầu tư tiền ảo cùng chuyên gia, cam kết lợi nhuận 30%/tháng, không "
        "thể thua lỗ."
    ),
    "romance_gift": (
        "Anh đã gửi quà cho em gồm 50.000 USD và trang sức nhưng thùng quà đang bị giữ ở hải "
        "quan, em đóng phí thông quan giúp anh."
    ),
    "fake_bank_sms": (
        "Vietcombank: Điểm thưởng của quý khách sắp hết hạn, đổi điểm thưởng lấy iPhone 16 "
        "ngay hôm nay."
    ),
    "deepfake_call": (
        "Chị ơi em gọi video mà mạng yếu quá, chị chuyển giúp em 15 triệu vào tài khoản này, "
        "mai trả chị nhé."
    ),
    "hacked_account": "Bạn ơi có tiền không cho mình mượn tạm 10 triệu, chiều mình trả nhé.",
    "fake_utility_staff": (
        "Điện lực thông báo: quý khách nợ tiền điện 2 tháng, sẽ bị cắt điện trong 2 giờ tới nếu "
        "không thanh toán ngay."
    ),
    "child_emergency": (
        "Tôi là giáo viên chủ nhiệm, cháu bị ngã ở trường đang cấp cứu tại bệnh viện, cần mổ "
        "gấp, phụ huynh chuyển tiền viện phí ngay."
    ),
    "job_course_fees": (
        "Tuyển cộng tác viên nhập liệu tại nhà, đóng phí khóa học 500.000đ và phí đồng phục để "
        "nhận việc."
    ),
    "fake_shipper": (
        "Shipper đây ạ, đơn hàng COD của chị đến rồi, chị chuyển khoản trước 5.000đ phí in "
        "phiếu giao hàng giúp em."
    ),
    "recovery_scam": (
        "Văn phòng luật sư hỗ trợ lấy lại tiền bị lừa đảo online, cam kết thu hồi 100%, chỉ "
        "cần đóng phí dịch vụ."
    ),
    "sim_swap": (
        "Nhà mạng Viettel thông báo: SIM của quý khách sẽ bị khóa, soạn tin theo cú pháp để "
        "nâng cấp SIM lên 5G miễn phí."
    ),
    "already_paid": "Tôi đã chuyển khoản 20 triệu cho họ rồi, giờ phải làm sao?",
}
NEUTRAL = (
    "Chiều nay 3 giờ họp tổ dân phố tại nhà văn hóa, mọi người nhớ đến đúng giờ.",
    "Cho mình hỏi thủ tục đăng ký tạm trú ở công an phường cần giấy tờ gì?",
    "Hôm nay trời mưa to, đường Nguyễn Trãi ngập nước, các cháu đi học cẩn thận.",
    "Cảm ơn anh đã giúp sửa mái nhà hôm qua, mai em mời anh ly cà phê.",
    "Khoa học kỹ thuật lớp 9 có bài kiểm tra vào thứ sáu, các em ôn bài nhé.",
    "Thank you for the lovely dinner yesterday, see you next week.",
)


def rules_pack() -> list[dict[str, object]]:
    raw = yaml.safe_load(Path(scamcheck.PACKS / "scam_rules.yaml").read_text(encoding="utf-8"))
    rules: list[dict[str, object]] = raw["rules"]
    return rules


def test_every_rule_has_a_sample_here() -> None:
    assert {str(r["id"]) for r in rules_pack()} == set(SAMPLES)


@pytest.mark.parametrize("rule_id", sorted(SAMPLES))
def test_every_rule_matches_its_sample_accent_insensitively(rule_id: str) -> None:
    for text in (SAMPLES[rule_id], fold(SAMPLES[rule_id]), SAMPLES[rule_id].upper()):
        matched = [m.rule for m in scamcheck.match_rules(text)]
        assert rule_id in matched, (rule_id, matched)


@pytest.mark.parametrize("text", NEUTRAL)
def test_no_rule_matches_a_neutral_text(text: str) -> None:
    assert scamcheck.match_rules(text) == ()


def test_rules_link_to_existing_scam_cards_and_cover_every_one() -> None:
    from content import awareness

    pack = rules_pack()
    cards = {str(r["card"]) for r in pack}
    assert set(awareness.SCAM_CARD_IDS) <= cards
    for card_id in cards:
        assert awareness.find_card(card_id) is not None, card_id
    assert scamcheck.check_packs() == []


def test_a_match_names_the_phrases_as_the_pack_writes_them() -> None:
    best = scamcheck.match_rules(SAMPLES["fake_authority"])[0]
    assert best.rule == "fake_authority" and best.category == "fraud_phone"
    assert "tài khoản tạm giữ" in best.phrases  # strong phrases first, with their accents


# -- the verdict ----------------------------------------------------------------------------------


def known(kind: str, value: str, status: str = "reported", reports: int = 0) -> Known:
    return Known(1, kind, value, "", status, "tip", reports)


def test_verdict_levels_from_the_most_serious_down() -> None:
    text = "Công an gọi từ 0912345678 yêu cầu chuyển tiền vào tài khoản tạm giữ"
    found = extract(text)
    confirmed = verdict(found, [known("phone", "+84912345678", "confirmed")])
    assert confirmed.level is Level.CONFIRMED
    assert [(r.kind, r.subject) for r in confirmed.reasons[:1]] == [("confirmed", "0912 345 678")]
    assert confirmed.cards == ("fake_authority",)
    reported = verdict(found, [known("phone", "+84912345678", reports=3)])
    assert reported.level is Level.REPORTED and reported.reasons[0].count == 3
    assert verdict(found, [known("phone", "+84912345678", "rejected", 5)]).level is Level.WORDING
    plain = extract("Số 0912345678 gọi tôi hôm qua")
    unknown = verdict(plain, [])
    assert unknown.level is Level.UNKNOWN and unknown.unknown == ("0912 345 678",)
    assert verdict(extract("Chào bạn, hẹn gặp lại"), []).level is Level.NOTHING


def test_a_report_on_a_domain_covers_its_subdomains() -> None:
    found = extract("Đăng nhập tại https://login.evil.xyz/x")
    result = verdict(found, [known("domain", "evil.xyz", reports=2)])
    assert result.level is Level.REPORTED
    assert result.unknown == ("login.evil.xyz/x",)  # the URL itself is not known


def test_the_verdict_never_quotes_the_word_safe() -> None:
    result = verdict(extract("Chuyển tiền vào tài khoản an toàn của công an"), [])
    assert result.level is Level.WORDING
    quoted = [p for r in result.reasons for p in r.phrases]
    assert quoted and not any("an toàn" in p or "safe" in p for p in quoted)


def test_categories_for_the_tip() -> None:
    assert extract(SAMPLES["fake_authority"]).category() == "fraud_phone"
    assert extract(SAMPLES["online_tasks"]).category() == "fraud_online"
    assert extract("Số 0912345678").category() == "fraud_phone"
    assert extract("evil.xyz").category() == "fraud_online"


def test_looks_like_scam_needs_an_indicator_and_a_scam_rule() -> None:
    assert extract(SAMPLES["fake_authority"] + " Gọi 0912345678").looks_like_scam()
    assert not extract(SAMPLES["fake_authority"]).looks_like_scam()
    assert not extract("Gọi 0912345678 nhé").looks_like_scam()
    assert not extract(SAMPLES["already_paid"] + " 0912345678").looks_like_scam()


def test_normalise_for_imports() -> None:
    assert scamcheck.normalise("phone", "0912 345 678") == (Found("phone", "+84912345678"), "")
    assert scamcheck.normalise("domain", "WWW.Evil.XYZ")[0] == Found("domain", "evil.xyz")
    assert scamcheck.normalise("url", "https://bit.ly/abc")[0] == Found("url", "bit.ly/abc")
    assert scamcheck.normalise("account", "0123 456 789", "Vietcombank")[0] == Found(
        "account", "0123456789", "VCB"
    )
    for kind, value, bank in [
        ("phone", "12345", ""),
        ("domain", "evil.xyz/path", ""),
        ("url", "evil.xyz", ""),
        ("account", "12ab", ""),
        ("account", "0123456789", "Nowhere Bank"),
        ("email", "a@b.c", ""),
    ]:
        found, problem = scamcheck.normalise(kind, value, bank)
        assert found is None and problem, (kind, value)


def test_pack_problems_are_reported_not_raised(tmp_path: Path) -> None:
    for name in ("scam_rules.yaml", "banks.yaml", "link_lists.yaml"):
        (tmp_path / name).write_text((scamcheck.PACKS / name).read_text(encoding="utf-8"))
    broken = (tmp_path / "scam_rules.yaml").read_text(encoding="utf-8")
    broken = broken.replace("category: fraud_phone", "category: nonsense", 1)
    (tmp_path / "scam_rules.yaml").write_text(broken, encoding="utf-8")
    (tmp_path / "banks.yaml").write_text("version: 2\n", encoding="utf-8")
    problems = scamcheck.check_packs(tmp_path)
    assert any("category: 'nonsense'" in p for p in problems)
    assert any("banks.yaml" in p for p in problems)
    first = rules_pack()[0]["id"]
    assert problems == [
        f"{tmp_path}/banks.yaml: version: expected 1, found 2",
        f"{tmp_path}/banks.yaml: banks: is missing",
        f"{tmp_path}/scam_rules.yaml: rules[0] (id {first}): category: 'nonsense' must be one"
        " of fraud_phone, fraud_online",
    ]
    with pytest.raises(ValueError, match=r"banks\.yaml: version: expected 1"):
        scamcheck._read(tmp_path, None)


# -- where a domain is registered (the Public Suffix List) ---------------------------------------


@pytest.mark.parametrize(
    ("domain", "registered"),
    [
        ("a.b.evil.com.vn", "evil.com.vn"),
        ("evil.com.vn", "evil.com.vn"),
        ("x.gov.vn", "x.gov.vn"),
        ("dichvucong.hanoi.gov.vn", "hanoi.gov.vn"),
        ("gov.vn", "gov.vn"),  # a public suffix is its own name
        ("a.b.co.uk", "b.co.uk"),
        ("shop.example.com.au", "example.com.au"),
        ("login.evil.xyz", "evil.xyz"),
        ("scam.github.io", "scam.github.io"),  # a name of its own, not a page of GitHub's
        ("a.evil.unknowntld", "evil.unknowntld"),
        ("1.2.3.4", "1.2.3.4"),
        ("xn--ngnhng-ltan.vn", "xn--ngnhng-ltan.vn"),
    ],
)
def test_the_registered_name_comes_from_the_public_suffix_list(
    domain: str, registered: str
) -> None:
    assert scamcheck.registrable(domain) == registered


def test_a_report_never_covers_a_whole_public_suffix() -> None:
    assert scamcheck.domain_candidates("login.scam.github.io") == (
        "login.scam.github.io",
        "scam.github.io",
    )
    assert scamcheck.domain_candidates("a.b.evil.com.vn") == (
        "a.b.evil.com.vn",
        "b.evil.com.vn",
        "evil.com.vn",
    )
    assert scamcheck.domain_candidates("1.2.3.4") == ("1.2.3.4",)
    assert link("https://x.bit.ly/abc").shortener  # a shortener's sub-domains are one too


def test_the_suffix_list_is_read_on_first_use_not_on_import() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import sys, bot.cli, content.scamcheck, content.check;"
         "print(sorted(m for m in sys.modules if m.startswith('publicsuffixlist')))"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert done.stdout.strip() == "[]"
