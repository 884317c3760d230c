"""Phone numbers, read one way for the whole service.

The tip form's contact step, the scam check (a whole text, and the numbers inside a pasted
message), the indicator store and the panel's search all call `parse`, so one input gives one
answer everywhere. The reading is the `phonenumbers` library's (libphonenumber's metadata);
around it are only the decisions that are ours:

- Numbers are stored and compared in E.164 ("+84912345678") and shown to people in the
  national form ("0912 345 678"); a foreign number is shown in E.164, with its country code.
- Without "+" or "00", only the Vietnamese ways of writing a number are read: "0…", "84…" and
  the 1800/1900 service numbers. A bare run of digits ("912345678") is more often an id, an
  amount or an account than a phone number.
- A Vietnamese number must be valid (a range that is given out). A foreign one after "+" need
  only have a length its country uses: a scam's foreign caller id is often on a range no one
  is given, and the "+" already says it is a phone number. After "00" a foreign number must be
  valid: "0012345678" is an id far more often than a call to +1.
- Digits grouped in thousands ("19.000.000", "1,800,000,000", "19 000 000"), a run like
  "19000000", and digits followed by a currency ("18000000đ", "… VND", "… triệu") are an amount
  of money, not a 1900 or 1800 number.
- A number the commune police can call back is a mobile or a landline (`Number.personal`),
  not a 1800/1900 service line.
- "+840…" is no real number but a spoofed caller id: it is kept as written ("+840912345678")
  for the scam check to flag, and it is not a Vietnamese number.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from phonenumbers import PhoneNumber

VIETNAM = 84
MIN_DIGITS = 8  # "1900 1234"; fewer digits are an amount, an id or a code
MAX_DIGITS = 15  # E.164's longest, country code included
_IDD = "00"  # what Vietnam dials before a country code
_SPOOF = "840"  # "+84" then the national "0": no such number exists
_NATIONAL_STARTS = ("0", "84", "1800", "1900")
_LONGEST_WRITTEN = 40
# People write a number in at most five groups ("+84 (0) 912 345 678"); a longer run of
# groups ("0 0 0 0 …") is no number, and reading it as one would cost a parse per digit.
_MOST_GROUPS = 6

# A number as people type it: one "+" at the start (maybe in brackets), digits and the
# separators they put between groups; no letters, and no newline (a number is on one line).
_WRITTEN = re.compile(r"\(?\+?\(?\d[\d \t\u00a0.\-()]*")
# "+84 (0) 912…", "(+84) (0) 912…": the national "0" written by habit after the country
# code, not a spoof.
_TRUNK = re.compile(r"(?<=84)(\)?)[ \t\u00a0.\-]*\(0\)")
# Digits grouped in thousands ("19.000.000" đồng, "19 000 000"), or a 1800/1900 run ending in
# six zeros ("19000000"), are an amount, not a service number. Spaces count as a thousands
# separator only after a leading 1: "84 912 345 678" is a phone number.
_AMOUNT = re.compile(r"\(?\d{1,3}(?:[.,]\d{3})+[.)]?|1\d{0,2}(?: \d{3})+|1[89]\d*000000")
# A currency right after the digits: "18000000đ", "19 000 000 đồng", "180000000 VND". Not "k":
# in texting it is "không" ("gọi 0912 345 678 k nghe máy").
_CURRENCY = re.compile(
    r"[ \t\u00a0]*(?:đồng|dong|vn[dđ]|triệu|trieu|tr|nghìn|nghin|ngàn|ngan|đ|₫)(?!\w)",
    re.IGNORECASE,
)
_NOT_DIGIT = re.compile(r"\D")
_GROUP = re.compile(r"\+?\d+")


@dataclass(frozen=True)
class Number:
    e164: str  # "+84912345678"; a spoofed caller id as written: "+840912345678"
    country: int  # the calling code: 84 for Vietnam
    spoofed: bool = False
    personal: bool = True  # a mobile or a landline, not a 1800/1900 service line

    @property
    def vietnamese(self) -> bool:
        return self.country == VIETNAM and not self.spoofed

    @property
    def shown(self) -> str:
        return shown(self.e164)


def _library() -> ModuleType:
    """phonenumbers, imported on first use: its metadata costs 5.5 MB of every idle process."""
    import phonenumbers

    return phonenumbers


@lru_cache(maxsize=4096)
def parse(text: str) -> Number | None:
    """A whole text as one phone number, or None: "0912 345 678", "+84 (0) 912 345 678",
    "0084 912.345.678" and "84-912-345-678" are all +84912345678."""
    written = text.strip()
    if len(written) > _LONGEST_WRITTEN or not _WRITTEN.fullmatch(written):
        return None
    if _AMOUNT.fullmatch(written):
        return None
    digits = _NOT_DIGIT.sub("", _TRUNK.sub(r"\1", written))
    if not MIN_DIGITS <= len(digits) <= MAX_DIGITS + len(_IDD):
        return None
    if "+" in written:
        return _international(digits, lenient=True)
    if digits.startswith(_IDD):
        return _international(digits[len(_IDD) :], lenient=False)
    if digits.startswith(_SPOOF) or not digits.startswith(_NATIONAL_STARTS):
        return None
    # "84…" is the country code without its "+"; "0…" and "1800/1900…" are national forms.
    return _read("+" + digits if digits.startswith("84") else digits, "VN")


def normalise(text: str) -> str | None:
    """A whole text as one phone number in E.164, or None."""
    number = parse(text)
    return number.e164 if number else None


def _international(digits: str, *, lenient: bool) -> Number | None:
    if not MIN_DIGITS <= len(digits) <= MAX_DIGITS:
        return None
    if digits.startswith(_SPOOF):
        imitated = _read("+" + digits[:2] + digits[3:], None)
        return Number("+" + digits, VIETNAM, spoofed=True) if imitated else None
    return _read("+" + digits, None, lenient=lenient)


def _read(written: str, region: str | None, *, lenient: bool = False) -> Number | None:
    library = _library()
    try:
        number = library.parse(written, region)
    except library.NumberParseException:
        return None
    if not _acceptable(number, lenient):
        return None
    e164 = library.format_number(number, library.PhoneNumberFormat.E164)
    kind = library.number_type(number)
    types = library.PhoneNumberType
    personal = kind in (types.MOBILE, types.FIXED_LINE, types.FIXED_LINE_OR_MOBILE)
    return Number(e164, number.country_code or 0, personal=personal)


def _acceptable(number: PhoneNumber, lenient: bool) -> bool:
    library = _library()
    if lenient and number.country_code != VIETNAM:
        return bool(library.is_possible_number(number))
    return bool(library.is_valid_number(number))


@lru_cache(maxsize=4096)
def shown(e164: str) -> str:
    """A stored number as people read it: "+84912345678" → "0912 345 678". Foreign numbers
    and spoofed "+840…" caller ids stay as stored."""
    if not e164.startswith("+84") or e164.startswith("+" + _SPOOF):
        return e164
    library = _library()
    try:
        number = library.parse(e164, None)
    except library.NumberParseException:
        return e164
    return str(library.format_number(number, library.PhoneNumberFormat.NATIONAL))


# -- numbers inside a longer text ----------------------------------------------------------------


def find(text: str) -> Iterator[tuple[int, int, Number]]:
    """Every phone number in a text, with where it starts and ends. Within a stretch of digit
    groups, each number is the longest run of groups that `parse` reads as one number."""
    for run in _WRITTEN.finditer(text):
        base = run.start()
        groups = [(g.start(), g.end(), g.group(0)) for g in _GROUP.finditer(run.group(0))]
        i = 0
        while i < len(groups):
            best = _longest(run.group(0), groups, i)
            if best is None:
                i += 1
                continue
            j, number = best
            end = base + groups[j][1]
            # "18000000đ" is money, not a 1800 line; a mobile before "đồng ý" stays a phone
            if number.personal or not _CURRENCY.match(text, end):
                yield base + groups[i][0], end, number
            i = j + 1


def _longest(run: str, groups: list[tuple[int, int, str]], first: int) -> tuple[int, Number] | None:
    """The last group of the longest number that starts at group `first`, and the number."""
    plus = groups[first][2].startswith("+")
    digits, best = "", None
    for j in range(first, len(groups)):
        group = groups[j][2]
        if (j > first and group.startswith("+")) or j - first >= _MOST_GROUPS:
            break  # a "+" starts another number
        digits += group.lstrip("+")
        if len(digits) > MAX_DIGITS + len(_IDD) or not (plus or _may_start(digits)):
            break
        if len(digits) >= MIN_DIGITS:
            number = parse(run[groups[first][0] : groups[j][1]])
            if number is not None:
                best = (j, number)
    return best


def _may_start(digits: str) -> bool:
    """Whether digits written without "+" can begin a number `parse` reads: cheap, so that
    long runs of other digits are dropped without asking the library."""
    return digits.startswith(_NATIONAL_STARTS) or any(
        start.startswith(digits) for start in _NATIONAL_STARTS
    )
