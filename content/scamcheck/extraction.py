"""Everything the check reads in a message: QR codes first, then links, phones and accounts
in what is left, and the wording.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from content import phones as phone_numbers
from content.scamcheck.accounts import accounts_in
from content.scamcheck.kinds import Account, Extraction, Link, Phone
from content.scamcheck.links import links_in
from content.scamcheck.loading import packs
from content.scamcheck.lookalike import fold_keep
from content.scamcheck.rules import match_rules
from content.scamcheck.vietqr import qr_in
from content.text import clean

MAX_TEXT = 10_000  # longest text read; the dispatcher refuses longer messages anyway


def _phone(number: phone_numbers.Number) -> Phone:
    odd = next((p for p in packs().odd_prefixes if number.e164.startswith(p)), "")
    return Phone(number.e164, number.vietnamese, odd)


def _phones_in(text: str) -> Iterator[tuple[int, int, Phone]]:
    for start, end, number in phone_numbers.find(text):
        yield start, end, _phone(number)


def _blank(text: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def extract(text: str) -> Extraction:
    """Everything the check reads in a message."""
    text = clean(text[:MAX_TEXT])
    qr = list(qr_in(text))
    rest = _blank(text, [(s, e) for s, e, _q in qr])
    links = list(links_in(rest))
    rest = _blank(rest, [(s, e) for s, e, _l in links])
    phones = list(_phones_in(rest))
    accounts, taken = accounts_in(rest, fold_keep(rest), phones)
    from_qr = [Account(q.account, q.bank, q.raw, from_qr=True) for _s, _e, q in qr if q.account]
    return Extraction(
        phones=_unique_phones(p for i, (_s, _e, p) in enumerate(phones) if i not in taken),
        links=_unique_links(link for _s, _e, link in links),
        accounts=_unique_accounts([*(a for _s, _e, a in accounts), *from_qr]),
        qr_codes=tuple(q for _s, _e, q in qr),
        rules=match_rules(text),
    )


def _unique_phones(items: Iterable[Phone]) -> tuple[Phone, ...]:
    seen: dict[str, Phone] = {}
    for phone in items:
        seen.setdefault(phone.value, phone)
    return tuple(seen.values())


def _unique_links(items: Iterable[Link]) -> tuple[Link, ...]:
    seen: dict[tuple[str, str, str], Link] = {}
    for link in items:
        seen.setdefault((link.domain, link.url, "" if link.domain else link.raw), link)
    return tuple(seen.values())


def _unique_accounts(items: Iterable[Account]) -> tuple[Account, ...]:
    seen: dict[str, Account] = {}
    for account in items:
        if account.number not in seen or (account.bank and not seen[account.number].bank):
            seen[account.number] = account
    return tuple(seen.values())
