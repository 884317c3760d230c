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
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from itertools import pairwise
from typing import NamedTuple

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


@dataclass(frozen=True)
class FollowUp:
    """A receipt code found in a message, with the PIN when one came with it. The PIN is left
    out of the repr, so that logging one never writes it."""

    code: str
    pin: str | None = field(default=None, repr=False)
    prefixed: bool = False  # the code was written with its BY prefix


_TOKEN = re.compile(r"[^\W_]+")
_CODE_SPAN = len(PREFIX) + _BODY_LENGTH  # a code's letters and digits, at most
_LONGEST_MESSAGE = 2000  # longer than any receipt pasted back
# Cheap refusals before a code is tried, which keep a long message quick to scan: letters a
# code never has (nor does undoing a keyboard give them), and more letters with marks than a
# code mistyped on a Vietnamese keyboard has (each doubles the spellings to try).
_NEVER = frozenset("ILOU01")
_MARKED = 2


class _Token(NamedTuple):
    """A run of letters and digits in a message, by its place in the (NFKC) text."""

    text: str
    start: int
    end: int


def _tokens(text: str) -> list[_Token]:
    """The message's runs of letters and digits; one longer than a PIN that ends in six digits
    is cut before them, so that a PIN glued to its code ('by7k3fqk482915') stands apart."""
    out: list[_Token] = []
    for found in _TOKEN.finditer(text):
        word, start, end = found[0], found.start(), found.end()
        tail = word[-PIN_LENGTH:]
        if len(word) > PIN_LENGTH and tail.isascii() and tail.isdigit():
            out.append(_Token(word[:-PIN_LENGTH], start, end - PIN_LENGTH))
            start = end - PIN_LENGTH
            word = tail
        out.append(_Token(word, start, end))
    return out


def read_follow_up(text: str) -> FollowUp | None:
    """The receipt code in a message, and its PIN when the message holds one: 'BY-7K3F-Q9
    123456', '123456 by7k3fq9', 'mã: BY-7K3F-Q9, pin: 123456', 'BY-7K3F-Q9123456' (glued), or
    the bot's receipt pasted back whole. None unless exactly one code fits, a code written
    with its BY prefix winning over letters that only look like one; the PIN is None unless
    exactly one fits."""
    whole = normalise_code(text)
    if whole is not None:
        return FollowUp(whole, None, _prefixed(text))
    folded = unicodedata.normalize("NFKC", text)
    if len(folded) > _LONGEST_MESSAGE:
        return None
    tokens = _tokens(folded)
    runs = _pin_runs(folded, tokens)
    found: dict[tuple[str, str | None], bool] = {}  # (code, PIN) → written with its prefix
    for start, end, code, prefixed in _code_windows(folded, tokens):
        beside: list[str | None] = [r.digits for r in runs if r.fits(start, end)] or [None]
        for pin in beside:
            found[(code, pin)] = found.get((code, pin), False) or prefixed
    if any(found.values()):
        found = {key: True for key, prefixed in found.items() if prefixed}
    codes = {code for code, _pin in found}
    if len(codes) != 1:
        return None
    pins = {pin for _code, pin in found if pin is not None}
    code = codes.pop()
    # Two PINs: which one is meant is asked, as if none had come.
    return FollowUp(code, pins.pop() if len(pins) == 1 else None, any(found.values()))


def _prefixed(text: str) -> bool:
    """Whether a code is written with its prefix: 'BY-7K3F-Q9', not '7K3F-Q9'."""
    kept = [ch for ch in unicodedata.normalize("NFKC", text).upper() if ch.isalnum()]
    return len(kept) > _BODY_LENGTH and "".join(kept[:2]) == PREFIX


def pin_in(text: str) -> str | None:
    """The PIN in a message that holds one six-digit number and no other: 'pin 482915', 'mã
    pin là 482 915 nhé'. None when there is none or more than one, or when the six digits are
    part of a longer number or of a date (0912 345 678, 26/11 482915) or glued to letters."""
    folded = unicodedata.normalize("NFKC", text)
    if len(folded) > _LONGEST_MESSAGE:
        return None
    runs = [r for r in _pin_runs(folded, _tokens(folded)) if not (r.joined_left or r.joined_right)]
    return runs[0].digits if len(runs) == 1 else None


def _code_windows(text: str, tokens: list[_Token]) -> list[tuple[int, int, str, bool]]:
    """(first token, token after the last, code, prefixed) for every run of tokens, joined
    by spaces or dashes only, that is one code."""
    out: list[tuple[int, int, str, bool]] = []
    for first in range(len(tokens)):
        length = marked = 0
        for after in range(first + 1, len(tokens) + 1):
            token = tokens[after - 1].text.upper()
            length += len(token)
            marked += sum(not ch.isascii() for ch in token)
            joined = after == first + 1 or _joins(
                text[tokens[after - 2].end : tokens[after - 1].start]
            )
            if length > _CODE_SPAN or marked > _MARKED or _NEVER & set(token) or not joined:
                break
            written = text[tokens[first].start : tokens[after - 1].end]
            code = normalise_code(written)
            if code is not None:
                out.append((first, after, code, _prefixed(written)))
    return out


def _joins(gap: str) -> bool:
    return all(ch.isspace() or unicodedata.category(ch) == "Pd" for ch in gap)


@dataclass(frozen=True)
class _PinRun:
    """Six digits in one token, or three and three apart: tokens [first, after), and whether
    a number is joined to them on the left or the right (0912 345 678, 26/11/2026), or
    letters or digits glued to them on the left (BY-7K3F-QK482915: only the code's own)."""

    first: int
    after: int
    digits: str = field(repr=False)
    joined_left: bool
    joined_right: bool

    def fits(self, start: int, end: int) -> bool:
        """Whether it is a PIN beside a code on tokens [start, end): outside the code, and
        joined to no number but the code's own digits."""
        if not (self.after <= start or self.first >= end):
            return False
        left_ok = not self.joined_left or start <= self.first - 1 < end
        return left_ok and (not self.joined_right or start <= self.after < end)


def _pin_runs(text: str, tokens: list[_Token]) -> list[_PinRun]:
    runs: list[_PinRun] = []
    for first in range(len(tokens)):
        for after in (first + 1, first + 2):
            run = tokens[first:after]
            digits = "".join(t.text for t in run)
            if len(run) != after - first or len(digits) != PIN_LENGTH:
                continue
            if not (digits.isascii() and digits.isdigit()):
                continue
            if len(run) == 2 and not text[run[0].end : run[1].start].isspace():
                continue
            left = _number_joined(text, tokens, first - 1, first)
            runs.append(
                _PinRun(first, after, digits, left, _number_joined(text, tokens, after - 1, after))
            )
    return runs


def _number_joined(text: str, tokens: list[_Token], left: int, right: int) -> bool:
    """Whether tokens `left` and `right` are glued (cut from one run of letters and digits),
    or digits joined as one number would be (by a space, a slash, a dot, a colon or a
    comma)."""
    if left < 0 or right >= len(tokens):
        return False
    gap = text[tokens[left].end : tokens[right].start]
    if not gap:
        return True
    if not (tokens[left].text.isdigit() and tokens[right].text.isdigit()):
        return False
    return gap.isspace() or gap in ("/", ".", ":", ",")


def new_pin() -> str:
    """Six random digits, never one digit repeated nor a straight run such as 123456 or 987654."""
    while True:
        pin = f"{secrets.randbelow(10**PIN_LENGTH):0{PIN_LENGTH}d}"
        steps = {int(b) - int(a) for a, b in pairwise(pin)}
        if steps not in ({0}, {1}, {-1}):
            return pin


def clean_pin(pin: str) -> str | None:
    """The six digits of a PIN however spaced ('482 915', fullwidth digits); None when the
    text is not one."""
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
    canonical, digits = normalise_code(code), clean_pin(pin)
    if canonical is None:
        raise ValueError("not a valid receipt code")
    if digits is None:
        raise ValueError(f"a PIN is {PIN_LENGTH} digits")
    return _digest(secret, canonical, digits)


def verify_pin(secret: bytes, code: str, pin: str, hashed: str) -> bool:
    """True when `pin` belongs to `code`; spaces in the PIN are ignored."""
    _require_secret(secret)
    canonical, digits = normalise_code(code), clean_pin(pin)
    if canonical is None or digits is None:
        return False
    return hmac.compare_digest(_digest(secret, canonical, digits).encode(), hashed.encode())
