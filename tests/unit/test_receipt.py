from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterator

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from handlers import receipt
from handlers.receipt import ALPHABET, hash_pin, new_code, new_pin, normalise_code, verify_pin

CODE = re.compile(r"BY-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{4}-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{2}")
SECRET = b"server-secret-for-tests"


def body_of(code: str) -> str:
    return code.removeprefix("BY-").replace("-", "")


def as_code(body: str) -> str:
    return f"BY-{body[:4]}-{body[4:]}"


@st.composite
def codes(draw: st.DrawFn) -> str:
    first5 = draw(st.text(alphabet=ALPHABET, min_size=5, max_size=5))
    check = receipt._check_char(first5)
    assume(check is not None)
    return as_code(first5 + str(check))


pins = st.text(alphabet="0123456789", min_size=6, max_size=6)


# --- codes ---


def test_alphabet_has_30_unambiguous_symbols() -> None:
    assert len(ALPHABET) == len(set(ALPHABET)) == 30
    assert ALPHABET.isascii() and ALPHABET.isalnum()
    assert not set("0O1ILU") & set(ALPHABET)
    assert set(ALPHABET) == set("23456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") - set("ILOU")


def test_new_codes_have_the_shape_and_normalise_to_themselves() -> None:
    seen = {new_code() for _ in range(300)}
    assert len(seen) > 290  # random, not a counter
    for code in seen:
        assert CODE.fullmatch(code), code
        assert normalise_code(code) == code


@pytest.mark.parametrize(
    "typed",
    [
        "BY-7K3F-QK",
        "by-7k3f-qk",
        "BY7K3FQK",
        "7K3F-QK",
        "7k3fqk",
        "  By 7K3F QK ",
        "BY--7K-3F-QK-",
        "BY – 7K3F — QK",  # en and em dashes
        "ＢＹ－７Ｋ３Ｆ－ＱＫ",  # fullwidth forms
        "ｂｙ７ｋ３ｆｑｋ",
        "BY\u00a07K3F\u3000QK",  # no-break and ideographic spaces
    ],
)
def test_normalise_accepts_how_people_type_it(typed: str) -> None:
    assert normalise_code(typed) == "BY-7K3F-QK"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("BY-Á7Ư-2M", "BY-AS7W-2M"),  # Telex: a+s → á, w → ư
        ("by-á7ư-2m", "BY-AS7W-2M"),
        ("BY-ẢDD-7H", "BY-A3DD-7H"),  # VNI: a+3 → ả
        ("BY-A3Đ-7H", "BY-A3DD-7H"),  # Telex: dd → đ
        ("BY-Ê5K-9A", "BY-EE5K-9A"),  # Telex: ee → ê
        ("BY-ÀKM-75", "BY-AFKM-75"),  # Telex: a+f → à
        ("BY-A\u0300KM-75", "BY-AFKM-75"),  # the same, decomposed
    ],
)
def test_normalise_undoes_a_vietnamese_keyboard(typed: str, expected: str) -> None:
    assert normalise_code(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "BY-",
        "hello",
        "BY-7K3F-QA",  # wrong check character
        "BY-7K3F-Q",  # too short
        "BY-7K3F-QKK",  # too long
        "BX-7K3F-QK",  # wrong prefix
        "BYBY7K3FQK",
        "BY-7K3F-0K",  # 0, O, 1, I, L and U are never in a code
        "BY-7K3F-OK",
        "BY-7K3F-1K",
        "BY-7K3F-IK",
        "BY-7K3F-LK",
        "BY-7K3F-UK",
        "BY.7K3F.QK",
        "BY-7K3F-QK!",
        "Ẵ222",  # two readings are valid codes (AW42-22, A8X2-22): refuse to guess
        "ẢĐ-7H",  # likewise A3DD-7H and ARD9-7H
        "BY-7K3F-QK" * 1000,
    ],
)
def test_normalise_refuses(typed: str) -> None:
    assert normalise_code(typed) is None


@pytest.mark.parametrize("check", list(ALPHABET))
def test_a_prefix_whose_check_value_has_no_symbol_is_never_valid(check: str) -> None:
    assert receipt._check_char("22289") is None
    assert normalise_code(f"BY-2228-9{check}") is None


@given(codes())
def test_every_valid_code_normalises_to_itself(code: str) -> None:
    assert normalise_code(code) == code
    assert normalise_code(body_of(code).lower()) == code


@given(codes(), st.integers(0, 5), st.sampled_from(ALPHABET + "0O1ILU"))
def test_any_single_substitution_is_rejected(code: str, position: int, typo: str) -> None:
    body = body_of(code)
    assume(body[position] != typo)
    wrong = body[:position] + typo + body[position + 1 :]
    assert normalise_code(as_code(wrong)) is None


@given(codes(), st.integers(0, 4))
def test_any_adjacent_swap_is_rejected(code: str, position: int) -> None:
    body = body_of(code)
    assume(body[position] != body[position + 1])
    swapped = body[:position] + body[position + 1] + body[position] + body[position + 2 :]
    assert normalise_code(as_code(swapped)) is None


def _all_typos(body: str) -> Iterator[str]:
    for i, original in enumerate(body):
        for ch in ALPHABET:
            if ch != original:
                yield body[:i] + ch + body[i + 1 :]
    for i in range(len(body)):
        for j in range(i + 1, len(body)):
            if body[i] != body[j]:
                chars = list(body)
                chars[i], chars[j] = chars[j], chars[i]
                yield "".join(chars)


@pytest.mark.parametrize("code", ["BY-7K3F-QK", "BY-2345-63", "BY-ZZZZ-ZB", "BY-QQQQ-QG"])
def test_every_typo_and_every_swap_of_a_code_is_rejected(code: str) -> None:
    assert normalise_code(code) == code
    typos = list(_all_typos(body_of(code)))
    assert len(typos) >= 6 * 29
    assert all(normalise_code(as_code(t)) is None for t in typos)


# --- PINs ---


WEAK_PINS = (
    {str(d) * 6 for d in range(10)}
    | {"".join(str(d + i) for i in range(6)) for d in range(5)}
    | {"".join(str(d - i) for i in range(6)) for d in range(5, 10)}
)


def test_new_pins_are_six_digits_and_never_weak() -> None:
    assert {"000000", "123456", "012345", "456789", "987654", "543210"} <= WEAK_PINS
    assert len(WEAK_PINS) == 20
    for _ in range(2000):
        pin = new_pin()
        assert len(pin) == 6 and pin.isdigit() and pin.isascii()
        assert pin not in WEAK_PINS


def test_new_pin_draws_again_after_a_weak_pin(monkeypatch: pytest.MonkeyPatch) -> None:
    draws = iter([111111, 0, 123456, 12345, 987654, 543210, 7, 482915])
    monkeypatch.setattr(receipt.secrets, "randbelow", lambda _n: next(draws))
    assert new_pin() == "000007"
    assert new_pin() == "482915"


def test_hash_pin_is_hmac_sha256_over_the_canonical_code_and_pin() -> None:
    expected = hmac.new(SECRET, b"BY-7K3F-QK:482915", hashlib.sha256).hexdigest()
    assert hash_pin(SECRET, "BY-7K3F-QK", "482915") == expected
    assert hash_pin(SECRET, "by 7k3f qk", "482 915") == expected
    assert re.fullmatch(r"[0-9a-f]{64}", expected)


def test_hash_depends_on_the_secret_the_code_and_the_pin() -> None:
    base = hash_pin(SECRET, "BY-7K3F-QK", "482915")
    assert hash_pin(b"another secret", "BY-7K3F-QK", "482915") != base
    assert hash_pin(SECRET, "BY-2345-63", "482915") != base
    assert hash_pin(SECRET, "BY-7K3F-QK", "482916") != base


@pytest.mark.parametrize(
    "pin", ["482915", "482 915", " 48 29 15 ", "４８２９１５", "482\u00a0915", "482915\n"]
)
def test_verify_accepts_the_pin_however_spaced(pin: str) -> None:
    hashed = hash_pin(SECRET, "BY-7K3F-QK", "482915")
    assert verify_pin(SECRET, "BY-7K3F-QK", pin, hashed)
    assert verify_pin(SECRET, "7k3f-qk", pin, hashed)


@pytest.mark.parametrize(
    ("code", "pin", "hashed_override"),
    [
        ("BY-7K3F-QK", "482916", None),
        ("BY-7K3F-QK", "48291", None),
        ("BY-7K3F-QK", "4829155", None),
        ("BY-7K3F-QK", "48291a", None),
        ("BY-7K3F-QK", "٤٨٢٩١٥", None),  # Arabic-Indic digits are not the PIN
        ("BY-7K3F-QK", "", None),
        ("BY-2345-63", "482915", None),
        ("BY-7K3F-QA", "482915", None),  # not a code
        ("BY-7K3F-QK", "482915", ""),
        ("BY-7K3F-QK", "482915", "không phải mã băm"),
    ],
)
def test_verify_refuses(code: str, pin: str, hashed_override: str | None) -> None:
    hashed = hash_pin(SECRET, "BY-7K3F-QK", "482915")
    if hashed_override is not None:
        hashed = hashed_override
    assert verify_pin(SECRET, code, pin, hashed) is False
    assert verify_pin(b"another secret", "BY-7K3F-QK", "482915", hashed) is False


@pytest.mark.parametrize(("code", "pin"), [("BY-7K3F-QA", "482915"), ("BY-7K3F-QK", "48291")])
def test_hash_pin_refuses_a_bad_code_or_pin(code: str, pin: str) -> None:
    with pytest.raises(ValueError):
        hash_pin(SECRET, code, pin)


def test_an_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="secret"):
        hash_pin(b"", "BY-7K3F-QK", "482915")
    with pytest.raises(ValueError, match="secret"):
        verify_pin(b"", "BY-7K3F-QK", "482915", "00")


@given(st.binary(min_size=1, max_size=64), codes(), pins, pins)
def test_verify_holds_for_the_right_pin_only(
    secret: bytes, code: str, pin: str, other: str
) -> None:
    hashed = hash_pin(secret, code, pin)
    assert verify_pin(secret, code, pin, hashed)
    assert verify_pin(secret, code, f" {pin[:3]} {pin[3:]} ", hashed)
    assert verify_pin(secret, code, other, hashed) is (other == pin)


# --- a code and its PIN in one message ---


@pytest.mark.parametrize(
    "typed",
    [
        "BY-7K3F-QK 482915",
        "by-7k3f-qk 482915",
        "by7k3fqk - 482915",
        "BY7K3FQK-482915",
        "BY-7K3F-QK-482915",
        "482915 BY-7K3F-QK",
        "482915 by7k3fqk",
        "mã: BY-7K3F-QK, pin: 482915",
        "Mã: by 7k3f qk – PIN: 482 915",
        "code BY-7K3F-QK; PIN 482915.",
        "BY-7K3F-QK\n482915",
        "(BY-7K3F-QK) [482915]",
        "ＢＹ－７Ｋ３Ｆ－ＱＫ　４８２９１５",  # fullwidth forms
    ],
)
def test_read_follow_up_finds_the_code_and_its_pin_in_either_order(typed: str) -> None:
    found = receipt.read_follow_up(typed)
    assert found is not None, typed
    assert (found.code, found.pin, found.prefixed) == ("BY-7K3F-QK", "482915", True)


@pytest.mark.parametrize(
    ("typed", "prefixed"),
    [
        ("BY-7K3F-QK", True),
        ("by 7k3f qk", True),
        ("7K3F-QK", False),
        ("mã của tôi là BY-7K3F-QK, cảm ơn", True),
        ("BY-7K3F-QK 0912 345 678", True),  # a phone number: no PIN
        ("BY-7K3F-QK 482915 593026", True),  # two six-digit numbers: ask for the PIN
        ("482915 BY-7K3F-QK 593026", True),
        ("BY-7K3F-QK 0912 345 678 482915", True),  # part of the phone number, or not?
        ("BY-7K3F-QK 48291", True),
        ("BY-7K3F-QK 4829150", True),
        ("BY-7K3F-QK ngày 26/11/2026", True),
    ],
)
def test_read_follow_up_without_a_clear_pin_gives_the_code_alone(
    typed: str, prefixed: bool
) -> None:
    found = receipt.read_follow_up(typed)
    assert found is not None, typed
    assert (found.code, found.pin, found.prefixed) == ("BY-7K3F-QK", None, prefixed)


def test_read_follow_up_reads_the_receipt_pasted_back() -> None:
    from content.i18n import translate

    params = {"code": "BY-7K3F-QK", "pin": "482915", "ack_due": "26/11/2026"}
    for lang in ("vi", "en"):
        said = translate("tip.receipt", lang, {**params, "decision_due": "13/12/2026"})
        found = receipt.read_follow_up(said)
        assert found is not None and (found.code, found.pin) == ("BY-7K3F-QK", "482915"), lang


def test_read_follow_up_prefers_a_code_with_its_prefix() -> None:
    # 2345-63 and its PIN; the PIN's six digits alone could also pass for a code's body
    found = receipt.read_follow_up("BY 2345 63 482915")
    assert found is not None and (found.code, found.pin) == ("BY-2345-63", "482915")
    found = receipt.read_follow_up("482915 BY-2345-63")
    assert found is not None and (found.code, found.pin) == ("BY-2345-63", "482915")


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "hello",
        "482915",
        "BY-7K3F-QA 482915",  # a wrong check character
        "BY.7K3F.QK 482915",
        "BY-7K3F-QK BY-2345-63 482915",  # two codes
        "BY-7K3F-QK " * 300,
    ],
)
def test_read_follow_up_refuses(typed: str) -> None:
    assert receipt.read_follow_up(typed) is None


@given(codes(), pins, st.sampled_from([" ", " - ", ", ", "\n", " PIN: ", "-"]), st.booleans())
def test_read_follow_up_holds_for_any_code_and_pin(
    code: str, pin: str, between: str, pin_first: bool
) -> None:
    typed = f"{pin}{between}{code}" if pin_first else f"{code}{between}{pin}"
    found = receipt.read_follow_up(typed)
    assert found is not None and (found.code, found.pin) == (code, pin), typed


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("482915", "482915"), (" 482 915 ", "482915"), ("４８２９１５", "482915"), ("48291", None)],
)
def test_clean_pin(typed: str, expected: str | None) -> None:
    assert receipt.clean_pin(typed) == expected


# --- a PIN glued to its code, and a PIN in words ---


@pytest.mark.parametrize(
    ("typed", "code", "prefixed"),
    [
        ("BY-7K3F-QK482915", "BY-7K3F-QK", True),
        ("by7k3fqk482915", "BY-7K3F-QK", True),
        ("BY 7K3F QK482915", "BY-7K3F-QK", True),
        ("mã BY-7K3F-QK482915 nhé", "BY-7K3F-QK", True),
        ("ＢＹ－７Ｋ３Ｆ－ＱＫ４８２９１５", "BY-7K3F-QK", True),
        ("7K3F-QK482915", "BY-7K3F-QK", False),
        ("BY-2345-63482915", "BY-2345-63", True),  # the code's last character a digit
        ("BY234563482915", "BY-2345-63", True),
    ],
)
def test_read_follow_up_reads_a_pin_glued_to_its_code(
    typed: str, code: str, prefixed: bool
) -> None:
    found = receipt.read_follow_up(typed)
    assert found is not None, typed
    assert (found.code, found.pin, found.prefixed) == (code, "482915", prefixed)


@pytest.mark.parametrize(
    "typed",
    [
        "BY234563",  # a code whose body ends in six digits is no code and PIN
        "BY-7K3F-QK abc482915",  # glued to other letters
        "abc482915 BY-7K3F-QK",
        "BY-7K3F-QK482915 593026",  # two PINs
        "BY-7K3F-QK482915/2026",  # part of a longer number
    ],
)
def test_read_follow_up_takes_no_pin_glued_elsewhere(typed: str) -> None:
    found = receipt.read_follow_up(typed)
    assert found is not None and found.pin is None, typed


@pytest.mark.parametrize("typed", ["BY-7K3F-QK4829150", "BY-7K3F-QK48291", "BY-7K3F-QA482915"])
def test_read_follow_up_refuses_a_glued_pin_of_another_length_or_a_wrong_code(typed: str) -> None:
    assert receipt.read_follow_up(typed) is None


@given(codes(), pins, st.sampled_from(["{code}{pin}", "{bare}{pin}", "{lower}{pin}"]))
def test_read_follow_up_holds_for_any_code_with_its_pin_glued(
    code: str, pin: str, form: str
) -> None:
    typed = form.format(code=code, bare="BY" + body_of(code), lower=code.lower(), pin=pin)
    found = receipt.read_follow_up(typed)
    assert found is not None and (found.code, found.pin) == (code, pin), typed


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("pin 207300", "207300"),
        ("mã pin là 664885 nhé", "664885"),
        ("PIN của tôi: 001167, cảm ơn", "001167"),
        ("pin 482 915", "482915"),
        ("４８２９１５ ạ", "482915"),
        ("482915.", "482915"),
        ("pin 48291", None),
        ("pin 4829150", None),
        ("1482915", None),
        ("pin207300", None),  # glued to letters: not read
        ("0912345678", None),
        ("gọi 0912 345 678", None),  # part of a phone number
        ("26/11 482915", None),  # joined to a date
        ("26/11/2026", None),
        ("482915 hay 593026", None),  # two: which?
        ("ok", None),
        ("", None),
    ],
)
def test_pin_in_reads_one_six_digit_number(typed: str, expected: str | None) -> None:
    assert receipt.pin_in(typed) == expected
