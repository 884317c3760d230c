"""The receipt a reporter keeps for a tip: a short code such as BY-7K3F-Q9 and a PIN.

The code has 5 random characters and a check character. The alphabet leaves out 0, O, 1, I,
L and U, which are easy to misread or mistype as each other. The check is a weighted sum
modulo 31: with a prime modulus and distinct weights, any single wrong character and any two
swapped characters change the sum, which a modulus of 30 cannot guarantee. The one prefix in
31 whose check value (30) has no symbol is never issued.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from itertools import pairwise

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIX = "BY"
PIN_LENGTH = 6

_BODY_LENGTH = 6
_MODULUS = 31
_WEIGHTS = (6, 5, 4, 3, 2)  # the check character has weight 1
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}

# Keys a Vietnamese keyboard turns into a diacritic after a vowel, as (Telex, VNI): a
# resident typing "A3" with VNI on gets "Ả". Undone so that such a code still reads.
_MARK_KEYS = {
    "\u0301": ("S", "1"),  # sắc
    "\u0300": ("F", "2"),  # huyền
    "\u0309": ("R", "3"),  # hỏi
    "\u0303": ("X", "4"),  # ngã
    "\u0323": ("J", "5"),  # nặng
    "\u0306": ("W", "8"),  # breve: ă
    "\u031b": ("W", "7"),  # horn: ơ, ư
}
_CIRCUMFLEX = "\u0302"  # â, ê: Telex doubles the vowel, VNI adds 6
_HORN = "\u031b"


def _check_char(first5: str) -> str | None:
    total = sum(w * _VALUE[ch] for w, ch in zip(_WEIGHTS, first5, strict=True))
    value = -total % _MODULUS
    return ALPHABET[value] if value < len(ALPHABET) else None


def _format(body: str) -> str:
    return f"{PREFIX}-{body[:4]}-{body[4:]}"


def new_code() -> str:
    while True:
        first5 = "".join(secrets.choice(ALPHABET) for _ in range(_BODY_LENGTH - 1))
        check = _check_char(first5)
        if check is not None:
            return _format(first5 + check)


def _typed_keys(ch: str) -> list[str]:
    """The key sequences a Telex or VNI typist may have pressed to get `ch`."""
    if ch.isascii():
        return [ch]
    if ch == "Đ":
        return ["DD", "D9"]
    decomposed = unicodedata.normalize("NFD", ch)
    base, marks = decomposed[0], list(decomposed[1:])
    if not base.isascii():
        return []
    options = [base]
    if base == "U" and marks[:1] == [_HORN]:
        options, marks = ["W"], marks[1:]  # Telex turns a lone W into Ư
    for mark in marks:
        keys = (base, "6") if mark == _CIRCUMFLEX else _MARK_KEYS.get(mark)
        if keys is None:
            return []
        options = [option + key for option in options for key in keys]
    return options


def _spellings(text: str) -> set[str]:
    """What the resident may have meant, upper case, without spaces and dashes."""
    folded = unicodedata.normalize("NFKC", text).upper()
    kept = [ch for ch in folded if not ch.isspace() and unicodedata.category(ch) != "Pd"]
    limit = len(PREFIX) + _BODY_LENGTH
    if len(kept) > limit:  # undoing a keyboard only ever lengthens the text
        return set()
    found = {""}
    for ch in kept:
        found = {s + keys for s in found for keys in _typed_keys(ch) if len(s + keys) <= limit}
    return found


def _canonical(spelling: str) -> str | None:
    body = spelling.removeprefix(PREFIX) if len(spelling) > _BODY_LENGTH else spelling
    if len(body) != _BODY_LENGTH or any(ch not in _VALUE for ch in body):
        return None
    return _format(body) if _check_char(body[:-1]) == body[-1] else None


def normalise_code(text: str) -> str | None:
    """'by 7k3f q9', 'BY-7K3FQ9', '7K3F-Q9' → 'BY-7K3F-Q9'; None unless exactly one code fits."""
    codes = {code for s in _spellings(text) if (code := _canonical(s))}
    return codes.pop() if len(codes) == 1 else None


def new_pin() -> str:
    """Six random digits, never one digit repeated nor a straight run such as 123456 or 987654."""
    while True:
        pin = f"{secrets.randbelow(10**PIN_LENGTH):0{PIN_LENGTH}d}"
        steps = {int(b) - int(a) for a, b in pairwise(pin)}
        if steps not in ({0}, {1}, {-1}):
            return pin


def _clean_pin(pin: str) -> str | None:
    digits = "".join(unicodedata.normalize("NFKC", pin).split())
    ok = len(digits) == PIN_LENGTH and digits.isascii() and digits.isdigit()
    return digits if ok else None


def _digest(secret: bytes, code: str, pin: str) -> str:
    message = f"{code}:{pin}".encode("ascii")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def _require_secret(secret: bytes) -> None:
    if not secret:
        raise ValueError("an empty secret would let anyone test PINs offline")


def hash_pin(secret: bytes, code: str, pin: str) -> str:
    """HMAC-SHA256 of the canonical code and the PIN, keyed by the server's secret, in hex."""
    _require_secret(secret)
    canonical, digits = normalise_code(code), _clean_pin(pin)
    if canonical is None:
        raise ValueError("not a valid receipt code")
    if digits is None:
        raise ValueError(f"a PIN is {PIN_LENGTH} digits")
    return _digest(secret, canonical, digits)


def verify_pin(secret: bytes, code: str, pin: str, hashed: str) -> bool:
    """True when `pin` belongs to `code`; spaces in the PIN are ignored."""
    _require_secret(secret)
    canonical, digits = normalise_code(code), _clean_pin(pin)
    if canonical is None or digits is None:
        return False
    return hmac.compare_digest(_digest(secret, canonical, digits).encode(), hashed.encode())
