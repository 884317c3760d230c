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
