"""Bank account numbers with an account word or a bank named next to them, and a bank given
by name.
"""

from __future__ import annotations

import re

from content.scamcheck.kinds import Account, Phone
from content.scamcheck.loading import packs
from content.text import fold

_ACCOUNT_RUN = re.compile(r"(?<![\d+])\d(?:[ .\-]?\d){5,18}(?![\d])")
_AMOUNT = re.compile(r"\d{1,3}(?:[.,]\d{3})+")
_UNIT = re.compile(r"[ ]?(?:d|vnd|dong|k|tr|trieu|nghin|ngan(?! hang)|usd|\$)(?![a-z0-9])")
_ACCOUNT_WORDS = re.compile(
    r"(?<![a-z0-9])(?:stk|so tk|so tai khoan|tai khoan|tk|account|acc|acct|a/c|chuyen khoan|"
    r"chuyen vao|chuyen tien vao|ck|so the|nop vao|ngan hang|nh|bank)(?![a-z0-9])"
)
_PHONE_WORDS = re.compile(
    r"(?<![a-z0-9])(?:sdt|so dien thoai|dien thoai|dt|goi|goi lai|hotline|zalo|lien he|phone|call)"
    r"(?![a-z0-9])"
)
ACCOUNT_NEAR, BANK_NEAR, BANK_WINDOW = 30, 25, 60


def _gap(folded: str, bank: tuple[int, int, str], start: int, end: int) -> int | None:
    """How far a bank's name stands from a number (before or after it), or None when it is
    out of reach: too far, or another number stands between them."""
    b_start, b_end, _code = bank
    if b_end <= start:
        gap, between = start - b_end, folded[b_end:start]
    elif b_start >= end:
        gap, between = b_start - end, folded[end:b_start]
    else:
        return None
    if sum(ch.isdigit() for ch in between) >= 6:
        return None  # another number stands between: the bank is that number's
    if "\n" in between:
        gap += 30  # another line: a weaker link
    return gap if gap <= BANK_WINDOW else None


def accounts_in(
    text: str, folded: str, phones: list[tuple[int, int, Phone]]
) -> tuple[list[tuple[int, int, Account]], set[int]]:
    """Account numbers with an account word or a bank named next to them, and the phones (by
    index) that turned out to be accounts."""
    p = packs()
    banks = [
        (m.start(), m.end(), p.bank_alias[m.group(0)]) for m in p.bank_pattern.finditer(folded)
    ]
    runs = [
        (run.start(), run.end(), run.group(0))
        for run in _ACCOUNT_RUN.finditer(text)
        if not (_AMOUNT.fullmatch(run.group(0)) or _UNIT.match(folded, run.end()))
    ]
    # Each bank's name goes with the number nearest to it ("STK 123 VCB, gọi 0912…": VCB is
    # the account's, not the phone's).
    named: dict[int, tuple[int, str]] = {}
    for mention in banks:
        gaps = []
        for i, (start, end, _raw) in enumerate(runs):
            gap = _gap(folded, mention, start, end)
            if gap is not None:
                gaps.append((gap, i))
        if gaps:
            gap, index = min(gaps)
            if index not in named or gap < named[index][0]:
                named[index] = (gap, mention[2])
    found: list[tuple[int, int, Account]] = []
    taken: set[int] = set()
    for index, (start, end, raw) in enumerate(runs):
        distance, bank = named.get(index, (BANK_WINDOW + 1, ""))
        worded = bool(_ACCOUNT_WORDS.search(folded[max(0, start - ACCOUNT_NEAR) : start]))
        if not worded and not bank:
            continue
        strong = worded or distance <= BANK_NEAR
        overlapping = [i for i, (s, e, _p) in enumerate(phones) if s < end and start < e]
        if overlapping:
            phone_worded = bool(_PHONE_WORDS.search(folded[max(0, start - 20) : start]))
            if not strong:
                continue  # a phone number that happens to stand near a bank's name
            if not phone_worded:
                taken.update(overlapping)
        found.append((start, end, Account(re.sub(r"\D", "", raw), bank, raw)))
    return found, taken


def bank_code(name: str) -> str:
    """The code of a bank given by code, BIN or any of its names; "" when unknown."""
    p = packs()
    text = name.strip()
    if p.bank(text.upper()):
        return text.upper()
    by_bin = p.bank_by_bin(text)
    if by_bin:
        return by_bin.code
    return p.bank_alias.get(fold(text), "")
