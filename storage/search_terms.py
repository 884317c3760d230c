"""The terms of the panel's search: phone numbers, bank accounts, domains, links and receipt
codes, read the same way in a tip and in what an officer types (issue 20).

A tip's terms go to `tip_terms` when it is stored (storage/tips.py) and, for tips stored
before, in migration 0018. A search reads its query once (`read_query`): whatever the scam
check would read as a number, an account or a link, and a receipt code, becomes a term looked
up in `tip_terms`' index; the other words are matched in the tip's folded search text as
before (storage/casework/filters.py). Both sides call the same readers (content/phones.py and
the scam check's link, account and QR readers), so "0889 123 456" in a tip and
"+84889123456" in the search box meet as "+84889123456".

A number may hide in a link ("zalo.me/0889123456", "wa.me/84889123456"): both sides read
the phone numbers in a link's path too. A tip's search text also holds each of its numbers'
national digits joined ("0889123456", `spoken_digits`), so that half a number typed in any
spacing ("123 456") finds a number written in any other ("0889 123 456").

No SQL here: the migration imports this module, and so do the unit tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, unquote

from content import phones
from content.scamcheck.accounts import _ACCOUNT_WORDS, _PHONE_WORDS, accounts_in
from content.scamcheck.extraction import MAX_TEXT
from content.scamcheck.kinds import Link, Phone
from content.scamcheck.links import links_in, registrable
from content.scamcheck.loading import packs
from content.scamcheck.lookalike import fold_keep
from content.scamcheck.vietqr import qr_in
from content.text import clean, fold, has_words
from handlers.receipt import normalise_code

PHONE, ACCOUNT, DOMAIN, CODE, LINK = "phone", "account", "domain", "code", "link"
MAX_VALUE = 255  # tip_terms.value
MAX_QUERY = 200  # characters of a search read; the panel's filter cuts there too
MAX_WORDS = 8  # words of a search matched in the text (as before issue 20)
MAX_TERMS = 8  # terms of a search looked up
# A bare run of digits in the search box is read as the scam check reads one after an
# account word: "0123 456 789" is an account (or part of a number, see `Term.texts`).
_ACCOUNT_WORD = "stk "
_CODE_TOKENS = 3  # "BY 7K3F Q9": a code typed in at most three pieces
_CODE_BODY = (4, 2)  # "7K3F Q9": a code's body typed in its two groups
_SPOOF = "+840"  # content/phones.py: "+84" then the national "0", a spoofed caller id
# Hosts whose links name a person, a group or a page in their path, not a site: a search for
# "zalo.me/0889123456" must not list every tip naming some Zalo link. The messengers and
# social networks scams come through in Vietnam; the URL shorteners are the scam check's own
# list (link_lists.yaml). A subdomain ("m.facebook.com", "vt.tiktok.com") counts as its host.
_MESSENGERS = frozenset(
    {
        "zalo.me",
        "t.me",
        "telegram.me",
        "wa.me",
        "m.me",
        "messenger.com",
        "facebook.com",
        "fb.com",
        "fb.me",
        "fb.watch",
        "tiktok.com",
        "instagram.com",
        "youtube.com",
        "youtu.be",
        "x.com",
        "twitter.com",
    }
)
# The one query parameter that is who a link points at: facebook.com/profile.php?id=1000…
_ID_PARAM = "id"
# Words an officer pastes with a number or an account ("SĐT: 0889…", "zalo 0889…", "STK …",
# "Techcombank …"): with a term in the search they name it, and would only filter tips out.
# The scam check's phone and account words and bank names, and the channels a number is
# reached on.
_CHANNELS = re.compile(
    r"(?<![a-z0-9])(?:zalo|facebook|fb|face|messenger|mess|telegram|tele|viber|whatsapp|"
    r"tiktok|instagram|insta|skype|sms|tin nhan|nhan tin|so)(?![a-z0-9])"
)
# Digits grouped in thousands, which the account reader leaves as money: half a number
# written "0983.185.601" is "185.601" too, looked for as typed and joined.
_GROUPED = re.compile(r"(?<![\w.,])\d{1,3}(?:[.,]\d{3})+(?![\w]|[.,]\d)")
_GROUPED_DIGITS = 6
_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~…“”‘’«»–—"


@dataclass(frozen=True)
class Term:
    kind: str  # PHONE, ACCOUNT, DOMAIN, LINK or CODE
    value: str  # as tip_terms holds it
    # Other (kind, value) a tip may hold instead: a number's spoofed "+840…" form, the
    # number in a messenger link's path.
    also: tuple[tuple[str, str], ...] = ()
    # Or what a tip's folded search text may hold instead: each a group of pieces that must
    # all be there (none: the term only). See `read_query`.
    texts: tuple[tuple[str, ...], ...] = ()

    @property
    def held(self) -> tuple[tuple[str, str], ...]:
        """Every (kind, value) of tip_terms that matches."""
        return tuple(dict.fromkeys(((self.kind, self.value), *self.also)))


@dataclass(frozen=True)
class SearchQuery:
    terms: tuple[Term, ...] = ()
    words: tuple[str, ...] = ()  # folded, matched in the search text

    def __bool__(self) -> bool:
        return bool(self.terms or self.words)


# -- numbers ---------------------------------------------------------------------------------


def _forms(e164: str) -> tuple[str, ...]:
    """A number's stored form, and the other one a resident may have written: "(+84)
    0889…" is stored as the spoofed "+840889…" for the scam check (content/phones.py), but
    to an officer it is +84889… all the same."""
    if e164.startswith(_SPOOF):
        return (e164, "+84" + e164[len(_SPOOF) :])
    if e164.startswith("+84"):
        return (e164, _SPOOF + e164[3:])
    return (e164,)


def national_digits(e164: str) -> str:
    """A number's digits as written at home, joined: "+84889123456" → "0889123456",
    "+8419001234" → "19001234", the spoofed "+840889123456" → "0889123456"; a foreign number's
    digits with its country code ("+12025550123" → "12025550123")."""
    if e164.startswith(_SPOOF):
        return e164[3:]
    if e164.startswith("+84"):
        return re.sub(r"\D", "", phones.shown(e164))
    return e164.lstrip("+")


def spoken_digits(terms: Iterable[tuple[str, str]], text: str) -> str:
    """The national digits of a tip's numbers that its folded search text does not already
    hold joined, to append to it (see the module's docstring): "" when there are none."""
    digits = sorted({national_digits(v) for kind, v in terms if kind == PHONE})
    return " ".join(d for d in digits if d not in text)


# -- links -----------------------------------------------------------------------------------


def _messenger(domain: str) -> str:
    """The host a link of a messenger or shortener is keyed on, or "" for any other site."""
    shorteners = packs().shorteners
    for host in (domain, registrable(domain)):
        if host in _MESSENGERS or host in shorteners:
            return host
    return ""


def _path(link: Link) -> tuple[str, str]:
    """(path without its trailing slash, query) of a link: "zalo.me/0889/" → ("/0889", "")."""
    rest = link.url[len(link.domain) :] if link.url.startswith(link.domain) else ""
    path, _, query = rest.partition("?")
    return path.rstrip("/"), query


def link_key(link: Link) -> str:
    """The `link` term of a link to a messenger or shortener with a path: lower-case host,
    the path as written (a shortener's is case-sensitive) without its trailing slash, and a
    profile's `id` parameter; "" for other links."""
    host = _messenger(link.domain) if link.domain else ""
    path, query = _path(link)
    if not host or not path.strip("/"):
        return ""
    ids = [v for k, v in parse_qsl(query) if k == _ID_PARAM]
    return (host + path + (f"?{_ID_PARAM}={ids[0]}" if ids else ""))[:MAX_VALUE]


def path_phones(link: Link) -> set[str]:
    """The phone numbers a link's path names, one to a segment or parameter:
    "zalo.me/0889123456", "wa.me/84889123456", "t.me/+84889123456", "…?phone=0889123456"."""
    path, query = _path(link)
    pieces = [*path.split("/"), *(v for _k, v in parse_qsl(query))]
    found = set()
    for piece in pieces:
        if piece and (number := phones.parse(unquote(piece))) is not None:
            found.add(number.e164)
    return found


# -- a tip's terms --------------------------------------------------------------------------


def tip_terms(
    code: str, description: str, address: str, details: Mapping[str, Any] | None
) -> set[tuple[str, str]]:
    """(kind, value) of every term of a tip: its receipt code and `content_terms`."""
    return {code_term(code), *content_terms(description, address, details)}


def code_term(code: str) -> tuple[str, str]:
    return (CODE, (normalise_code(code) or code)[:MAX_VALUE])


def content_terms(
    description: str, address: str, details: Mapping[str, Any] | None
) -> set[tuple[str, str]]:
    """The numbers, accounts, link domains and messenger links the scam check reads in a
    tip's description, address and details."""
    parts = [description, address, *(str(v) for v in (details or {}).values())]
    terms: set[tuple[str, str]] = set()
    for part in parts:
        if part:
            terms |= _terms_in(part)
    return {(kind, value[:MAX_VALUE]) for kind, value in terms if value}


def _terms_in(text: str) -> set[tuple[str, str]]:
    """Each part of a tip is read on its own: a bank named at the end of the description is
    not the bank of a number in the address."""
    found_phones, links, accounts = _read(text)
    terms = {(PHONE, form) for e164 in found_phones for form in _stored(e164)}
    for account in accounts:
        terms.add((ACCOUNT, account.number))
        # A number the check took for an account beside a bank's name ("Techcombank
        # 0987.654.321") is still found when searched as the phone number it also reads as:
        # the search reads numbers before accounts.
        number = phones.parse(account.raw)
        if number is not None:
            terms |= {(PHONE, form) for form in _stored(number.e164)}
    for link in links:
        terms |= {(DOMAIN, name) for name in _domains(link.domain)}
        if key := link_key(link):
            terms.add((LINK, key))
        terms |= {(PHONE, form) for e164 in path_phones(link) for form in _stored(e164)}
    return terms


def _stored(e164: str) -> tuple[str, ...]:
    """A tip's number as stored: a spoofed "+840…" with its real form too, so that a search
    for the number finds it by the one value; a real number as it is (a search for the
    spoofed form looks up both, `_forms`)."""
    return _forms(e164) if e164.startswith(_SPOOF) else (e164,)


def _read(text: str) -> tuple[list[str], list[Link], list[Any]]:
    """(phone numbers, links, accounts) of a text, read as the scam check's `extract` reads
    them (QR codes, then links, then numbers and accounts in what is left), without its
    wording rules and the rest the search has no use for: the migration reads a million tips
    with this."""
    text = clean(text[:MAX_TEXT])
    qr = list(qr_in(text))
    rest = _blank_all(text, [(s, e) for s, e, _q in qr])
    links = list(links_in(rest))
    rest = _blank_all(rest, [(s, e) for s, e, _l in links])
    numbers = [(s, e, Phone(n.e164, n.vietnamese)) for s, e, n in phones.find(rest)]
    accounts, taken = accounts_in(rest, fold_keep(rest), numbers)
    kept = [p.value for i, (_s, _e, p) in enumerate(numbers) if i not in taken]
    from_qr = [_QrAccount(q.account) for _s, _e, q in qr if q.account]
    return kept, [link for _s, _e, link in links], [*(a for _s, _e, a in accounts), *from_qr]


@dataclass(frozen=True)
class _QrAccount:
    number: str
    raw: str = ""  # a QR code's account is no phone number written out


def _blank_all(text: str, spans: Iterable[tuple[int, int]]) -> str:
    for start, end in spans:
        text = _blank(text, start, end)
    return text


def _domains(host: str) -> set[str]:
    """A link's host and the name it is registered under: a search for "evil.com.vn" finds
    the tip that named "login.evil.com.vn"."""
    if not host:  # a bare "file.apk"
        return set()
    return {host, registrable(host)}


def term_rows(tip_id: str, terms: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    """tip_terms rows, in a stable order (tests and the backfill compare them)."""
    return [{"tip_id": tip_id, "kind": k, "value": v} for k, v in sorted(set(terms))]


# -- a search -------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def read_query(q: str) -> SearchQuery:
    """What a search asks for, read once: links first, then phone numbers, as the scam check
    reads a message, then receipt codes and runs of digits (accounts); the rest are words.

    A term is looked up in tip_terms *or* in the search text (`Term.texts`), so that a tip the
    reader read differently is not missed: a phone number's national digits joined (every
    tip's search text holds its numbers' so, and a number the reader did not take, "0889
    123456x", is still found); an account as typed and joined (a tip names an account without
    an account word beside it, "0889 123" is part of a number the officer only half
    remembers); a code's words (a six-letter word can pass a code's check by chance). A domain
    is the term only: a text match of "shop.vn" would list "shop.vn.fake.top" and
    "myshop.vn", and every tip's links are read into terms."""
    text = clean(q[:MAX_QUERY])
    terms: list[Term] = []
    rest = _links(text, terms)
    rest = _phones(rest, terms)
    rest = _codes(rest, terms)
    folded = fold(_accounts(rest, terms))
    if terms:  # "SĐT:", "zalo", "STK", "Techcombank" beside a term only say what it is
        words = [w.strip(_PUNCTUATION) for w in _without_labels(folded).split()]
        words = [w for w in words if has_words(w)]
    else:
        words = folded.split()
    return SearchQuery(tuple(dict.fromkeys(terms))[:MAX_TERMS], tuple(words[:MAX_WORDS]))


def _without_labels(folded: str) -> str:
    for pattern in (_PHONE_WORDS, _ACCOUNT_WORDS, packs().bank_pattern, _CHANNELS):
        folded = pattern.sub(" ", folded)
    return folded


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def _links(text: str, terms: list[Term]) -> str:
    for start, end, link in list(links_in(text)):
        if link.domain:
            terms.append(_link_term(link))
        text = _blank(text, start, end)
    return text


def _link_term(link: Link) -> Term:
    """A link to a messenger or shortener with a path is that link ("zalo.me/0889…" is not
    "zalo.me/0912…"), or the number its path names, held in any form; any other link is its
    domain, whatever its scheme, "www." or path."""
    key = link_key(link)
    if not key:
        return Term(DOMAIN, link.domain[:MAX_VALUE])
    numbers = sorted(path_phones(link))
    also = tuple((PHONE, form) for e164 in numbers for form in _forms(e164))
    return Term(LINK, key, also, tuple((national_digits(e164),) for e164 in numbers))


def _phones(text: str, terms: list[Term]) -> str:
    for start, end, number in list(phones.find(text)):
        terms.append(_phone_term(number.e164))
        text = _blank(text, start, end)
    return text


def _phone_term(e164: str) -> Term:
    forms = _forms(e164)
    return Term(PHONE, e164, tuple((PHONE, f) for f in forms[1:]), ((national_digits(e164),),))


def _accounts(text: str, terms: list[Term]) -> str:
    """Runs of digits, as accounts, also looked for in the text as typed and joined: "185
    601" finds "0983 185 601" (whose search text holds "0983185601")."""
    worded = _ACCOUNT_WORD + text
    found, _taken = accounts_in(worded, fold_keep(worded), [])
    shift = len(_ACCOUNT_WORD)
    for start, end, account in found:
        typed = fold(account.raw)
        texts = tuple((t,) for t in dict.fromkeys((typed, account.number)))
        terms.append(Term(ACCOUNT, account.number, texts=texts))
        text = _blank(text, start - shift, end - shift)
    for run in list(_GROUPED.finditer(text)):  # "185.601": an amount to the account reader
        digits = re.sub(r"\D", "", run.group(0))
        if len(digits) >= _GROUPED_DIGITS:
            terms.append(Term(ACCOUNT, digits, texts=((run.group(0),), (digits,))))
            text = _blank(text, run.start(), run.end())
    return text


def _codes(text: str, terms: list[Term]) -> str:
    """Receipt codes ("by7k3fq9", "BY 7K3F Q9", "7k3f-q9"), before the runs of digits: "by
    7999-56" is a code, not an account. Digits alone ("799956") stay an account's.

    Several words are read as one code only when they look like one: "BY" first, or a body's
    two groups with a digit ("7K3F Q9"); "anh kẻ", "đặt cọc" or "tháng 11" may pass a code's
    check by chance. A code typed in pieces is also looked for as those words anywhere."""
    whole = text.strip()
    pieces = whole.split()
    if 1 < len(pieces) <= _CODE_TOKENS and _code_shaped(pieces) and (code := _code(whole)):
        terms.append(Term(CODE, code, texts=(tuple(fold(p) for p in pieces),)))
        return ""
    for token in list(re.finditer(r"\S+", text)):
        code = _code(token.group(0))
        if code is not None:
            terms.append(Term(CODE, code, texts=((fold(token.group(0)),),)))
            text = _blank(text, token.start(), token.end())
    return text


def _code_shaped(pieces: list[str]) -> bool:
    if fold(pieces[0]).startswith("by"):
        return True
    lengths = tuple(len(p) for p in pieces)
    return lengths == _CODE_BODY and any(ch.isdigit() for ch in "".join(pieces))


def _code(written: str) -> str | None:
    if not any(ch.isalpha() for ch in written):
        return None
    return normalise_code(written)
