"""The scam check's reading of a pasted or forwarded message, and its verdict.

`extract(text)` finds what a message points at: phone numbers (Vietnamese forms normalised to
E.164, foreign ones kept with their country code), links (domains in ASCII/punycode; URL
shorteners, `.apk` files and look-alikes of well-known banks and state agencies flagged),
bank account numbers with the bank named next to them, and VietQR payloads (EMVCo TLV,
NAPAS GUID, BIN and account, CRC checked). It also finds the known scam types whose wording
the message matches. `verdict(extraction, known)` weighs that against what the indicator
store knows. Every list and rule is data in content/packs/ (scam_rules.yaml, banks.yaml,
link_lists.yaml); this module only reads them.

Pure: no I/O but reading the packs once, no database and no web. A verdict never says that
something is harmless: "nothing known" means only that no one has reported it yet.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from content import awareness, suffixes
from content import phones as phone_numbers
from content.schema import scam as schema
from content.schema.base import PackError, Reader
from content.schema.scam import Bank, Official
from content.text import clean, fold

PACKS = Path(__file__).parent / "packs"
KINDS = ("phone", "domain", "url", "account")
STATUSES = ("reported", "confirmed", "rejected")
NAPAS_GUID = "A000000727"
MAX_VALUE = 500  # longest indicator value kept (a URL is cut there)
MAX_TEXT = 10_000  # longest text read; the dispatcher refuses longer messages anyway
SHOWN_RULES = 2  # scam types named in one verdict

# -- the packs ---------------------------------------------------------------------------------

# The packs' form and rules are the models in content/schema/scam.py; banks and official
# entries are used as read, rules are compiled into a matcher below.


@dataclass(frozen=True)
class Rule:
    id: str
    card: str
    category: str  # "" for an advice rule
    vi: str
    en: str
    advice: bool
    weights: tuple[tuple[str, int], ...]  # folded phrase, weight
    written: tuple[tuple[str, str], ...]  # folded phrase, as written in the pack
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Packs:
    banks: tuple[Bank, ...]
    bank_alias: dict[str, str]  # folded alias → bank code
    bank_pattern: re.Pattern[str]
    shorteners: frozenset[str]
    tlds: frozenset[str]
    extra_words: frozenset[str]
    official: tuple[Official, ...]
    rules: tuple[Rule, ...]
    threshold: int
    odd_prefixes: tuple[str, ...]

    def bank(self, code: str) -> Bank | None:
        return next((b for b in self.banks if b.code == code), None)

    def bank_by_bin(self, bin_: str) -> Bank | None:
        return next((b for b in self.banks if b.bin == bin_), None)

    def official_entry(self, entry_id: str) -> Official | None:
        return next((o for o in self.official if o.id == entry_id), None)

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)


def _words_pattern(phrases: Iterable[str]) -> re.Pattern[str]:
    """Whole-word alternatives over folded text, the longest first (so "chuyen tien vao" wins
    over "chuyen tien", and the same words count once)."""
    ordered = sorted(set(phrases), key=lambda p: (-len(p), p))
    alternatives = "|".join(re.escape(p) for p in ordered) or r"(?!x)x"
    return re.compile(rf"(?<![a-z0-9])(?:{alternatives})(?![a-z0-9])")


def _rule(rule: schema.Rule) -> Rule:
    weights = rule.weights()
    return Rule(
        id=rule.id,
        card=rule.card,
        category=rule.category,
        vi=rule.name.vi,
        en=rule.name.en,
        advice=rule.advice,
        weights=tuple((folded, weight) for folded, (weight, _w) in weights.items()),
        written=tuple((folded, written) for folded, (_w, written) in weights.items()),
        pattern=_words_pattern(weights),
    )


def _read(folder: Path, cards: frozenset[str] | None) -> Packs:
    """The three packs as the check uses them; PackError names the file, the item and the
    field of every problem. With `cards`, each rule's card must be one of them."""
    reader = Reader()
    banks = reader.load(schema.Banks, folder / "banks.yaml")
    links = reader.load(schema.LinkLists, folder / "link_lists.yaml")
    context = schema.Cards(cards) if cards is not None else None
    rules = reader.load(schema.ScamRules, folder / "scam_rules.yaml", context)
    if banks is None or links is None or rules is None:
        raise PackError(reader.problems)
    alias = {fold(a): b.code for b in banks.banks for a in b.aliases}
    return Packs(
        banks=banks.banks,
        bank_alias=alias,
        bank_pattern=_words_pattern(alias),
        shorteners=frozenset(links.shorteners),
        tlds=frozenset(links.tlds),
        extra_words=frozenset(links.extra_words),
        official=links.official,
        rules=tuple(_rule(r) for r in rules.rules),
        threshold=rules.threshold,
        odd_prefixes=rules.odd_phone_prefixes,
    )


def _card_ids() -> frozenset[str]:
    return frozenset(card.id for topic in awareness.topics() for card in topic.cards)


@cache
def packs() -> Packs:
    """The three packs, read once. Raises PackError (a ValueError) when one is broken, or
    when the awareness packs their rules lead to are."""
    return _read(PACKS, _card_ids())


def check_packs(folder: Path | None = None) -> list[str]:
    """Problems of scam_rules.yaml, banks.yaml and link_lists.yaml (empty when all is well),
    including rules whose card is missing from the awareness packs; never raises."""
    try:
        cards: frozenset[str] | None = _card_ids()
    except PackError:
        cards = None  # the awareness packs report their own problems
    try:
        _read(folder or PACKS, cards)
    except PackError as exc:
        return list(exc.problems)
    return []


# -- what a message points at ------------------------------------------------------------------


@dataclass(frozen=True)
class Phone:
    value: str  # E.164: "+84912345678"; an odd "+840…" kept as written
    vietnamese: bool  # content.phones.Number.vietnamese: a spoofed "+840…" is not
    odd: str = ""  # the odd prefix (scam_rules.yaml) it starts with

    @property
    def shown(self) -> str:
        return shown("phone", self.value)


@dataclass(frozen=True)
class Link:
    raw: str
    domain: str  # ASCII (punycode), lower case, without "www."; "" for a bare file name
    url: str = ""  # domain with path and query; "" when the link has no path
    shortener: bool = False
    apk: bool = False
    idn: bool = False  # the written name has letters outside ASCII (or is punycode)
    official: str = ""  # id of the organisation (link_lists.yaml) the domain belongs to
    lookalike: str = ""  # id of the organisation whose address it imitates


@dataclass(frozen=True)
class Account:
    number: str
    bank: str  # bank code (banks.yaml), "" when no bank was named
    raw: str
    from_qr: bool = False


@dataclass(frozen=True)
class QrCode:
    """An EMVCo payload as a QR code holds it; a VietQR one names a bank and an account."""

    raw: str
    crc_ok: bool
    bin: str = ""
    bank: str = ""
    account: str = ""
    service: str = ""  # QRIBFTTA: to an account, QRIBFTTC: to a card
    amount: str = ""
    name: str = ""
    message: str = ""


@dataclass(frozen=True)
class RuleMatch:
    rule: str
    card: str
    category: str
    advice: bool
    score: int
    phrases: tuple[str, ...]  # as written in the pack


@dataclass(frozen=True)
class Found:
    """One indicator to look up or report: its kind and normalised value."""

    kind: str
    value: str
    bank: str = ""

    @property
    def shown(self) -> str:
        return shown(self.kind, self.value, self.bank)


def shown(kind: str, value: str, bank: str = "") -> str:
    """An indicator as a resident reads it: Vietnamese numbers in their national form."""
    if kind == "phone":
        return phone_numbers.shown(value)
    if kind == "account" and bank:
        return f"{bank} {value}"
    return value


@dataclass(frozen=True)
class Extraction:
    phones: tuple[Phone, ...] = ()
    links: tuple[Link, ...] = ()
    accounts: tuple[Account, ...] = ()
    qr_codes: tuple[QrCode, ...] = ()
    rules: tuple[RuleMatch, ...] = ()

    @property
    def scam_rules(self) -> tuple[RuleMatch, ...]:
        return tuple(r for r in self.rules if not r.advice)

    def found(self) -> tuple[Found, ...]:
        """The indicators to look up and to report, each once. Addresses of the organisations
        scammers imitate are left out, and so is a shortener's bare name (its links count)."""
        out: dict[tuple[str, str], Found] = {}
        for phone in self.phones:
            out.setdefault(("phone", phone.value), Found("phone", phone.value))
        for link in self.links:
            if link.official or not link.domain:
                continue
            if not link.shortener:
                out.setdefault(("domain", link.domain), Found("domain", link.domain))
            if link.url:
                out.setdefault(("url", link.url), Found("url", link.url))
        for account in self.accounts:
            key = ("account", account.number)
            if key not in out or (account.bank and not out[key].bank):
                out[key] = Found("account", account.number, account.bank)
        return tuple(out.values())

    def category(self) -> str:
        """The tip category a check turns into."""
        for rule in self.scam_rules:
            return rule.category
        if self.links or self.qr_codes or (self.accounts and not self.phones):
            return "fraud_online"
        return "fraud_phone"

    def looks_like_scam(self) -> bool:
        """Something to look up, in words a known scam type uses: worth offering a check."""
        pointed = self.phones or self.links or self.accounts or self.qr_codes
        return bool(pointed and self.scam_rules)


# -- phones --------------------------------------------------------------------------------------


def _phone(number: phone_numbers.Number) -> Phone:
    odd = next((p for p in packs().odd_prefixes if number.e164.startswith(p)), "")
    return Phone(number.e164, number.vietnamese, odd)


def _phones_in(text: str) -> Iterator[tuple[int, int, Phone]]:
    for start, end, number in phone_numbers.find(text):
        yield start, end, _phone(number)


# -- links ---------------------------------------------------------------------------------------

_LINK = re.compile(
    r"(?<![\w@.\-/])"
    r"(?:(?P<scheme>https?://)(?P<ip>\d{1,3}(?:\.\d{1,3}){3})|"
    r"(?P<scheme2>https?://)?(?P<host>(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+"
    r"(?:[^\W\d_]{2,24}|xn--[a-z0-9-]{1,59})))"
    r"(?P<port>:\d{1,5})?"
    r"(?P<path>[/?#][^\s<>\"'`]*)?",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?)]}>»…\"'"
_CONFUSABLE = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j",
        "ѕ": "s", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "α": "a", "β": "b",
        "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u",
        "χ": "x", "ı": "i", "ł": "l", "ɡ": "g", "ɑ": "a", "ℓ": "l",
    }
)  # fmt: skip
_DIGIT_AS = (str.maketrans("013457", "oleast"), str.maketrans("013457", "oieast"))


def _fold_char(ch: str) -> str:
    """One character folded to one (positions kept): accents and case gone, đ → d."""
    if ch in "đĐ":
        return "d"
    base = unicodedata.normalize("NFD", ch)[0]
    lower = base.lower()
    return lower if len(lower) == 1 else base


class _FoldTable(dict[int, str]):
    """str.translate table that folds each character on first sight and remembers it."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = _fold_char(chr(code))
        return folded


_FOLD_TABLE = _FoldTable()


def fold_keep(text: str) -> str:
    """`fold` without collapsing spaces: the folded text has the same length as the text."""
    return text.translate(_FOLD_TABLE)


def _skeletons(text: str) -> set[str]:
    """What a name looks like to a reader: look-alike letters and digits mapped to the Latin
    letter they imitate, "rn" read as "m", accents dropped; one skeleton per reading of "1"."""
    base = fold_keep(text.lower()).translate(_CONFUSABLE)
    out = set()
    for digits in _DIGIT_AS:
        mapped = base.translate(digits).replace("rn", "m").replace("vv", "w")
        out.add(re.sub(r"[^a-z0-9]", "", mapped))
    return out


def _within(a: str, b: str, limit: int) -> bool:
    """Levenshtein distance of a and b at most `limit`."""
    if abs(len(a) - len(b)) > limit:
        return False
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return False
        previous = current
    return previous[-1] <= limit


def registrable(domain: str) -> str:
    """The name a domain is registered under: "a.b.evil.com.vn" → "evil.com.vn" (by the
    Public Suffix List)."""
    return suffixes.registered(domain)


def domain_candidates(domain: str) -> tuple[str, ...]:
    """The domain and each parent down to its registered name: a report about "evil.xyz"
    covers "login.evil.xyz"."""
    labels = domain.split(".")
    size = len(registrable(domain).split("."))
    return tuple(".".join(labels[i:]) for i in range(0, max(1, len(labels) - size + 1)))


def _official(domain: str) -> str:
    best, best_len = "", 0
    for entry in packs().official:
        for known in entry.domains:
            if (domain == known or domain.endswith("." + known)) and len(known) > best_len:
                best, best_len = entry.id, len(known)
    return best


def _lookalike(unicode_host: str) -> str:
    """The organisation whose address this name imitates, or ""."""
    p = packs()
    joined = _skeletons(unicode_host)
    tokens = {s for part in re.split(r"[.\-_]", unicode_host) if part for s in _skeletons(part)}
    extra = p.extra_words

    def short_match(brand: str, token: str) -> bool:
        if token == brand:
            return True
        if token.startswith(brand) and token[len(brand) :] in extra:
            return True
        return token.endswith(brand) and token[: -len(brand)] in extra

    for entry in p.official:  # a brand written out, or hidden in the name
        for brand in entry.brands:
            if len(brand) >= 5 and any(brand in j for j in joined):
                return entry.id
            if len(brand) < 5 and any(short_match(brand, t) for t in tokens):
                return entry.id
    sized = [(t, frozenset(t)) for t in tokens if len(t) >= 5]
    for entry in p.official:  # a letter or two away from a brand
        for brand in entry.brands:
            if len(brand) < 5:
                continue
            limit = 1 if len(brand) < 8 else 2
            letters = frozenset(brand)
            for token, token_letters in sized:
                # Cheap tests first: each edit changes the length or loses a letter by one.
                if abs(len(token) - len(brand)) > limit or len(letters - token_letters) > limit:
                    continue
                if _within(brand, token, limit):
                    return entry.id
    return ""


def _ascii_host(host: str) -> tuple[str, str] | None:
    """(ASCII/punycode form, Unicode form) of a host name, or None when it is not one."""
    host = unicodedata.normalize("NFKC", host).lower().rstrip(".")
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    try:
        unicode_host = ascii_host.encode("ascii").decode("idna")
    except UnicodeError:
        unicode_host = host
    return ascii_host, unicode_host


def normalise_link(raw: str) -> Link | None:
    """One link as written ("https://www.Example.com/a?b", "ví-dụ.vn", "bit.ly/x") read
    into its parts, or None when the text is no link."""
    match = _LINK.fullmatch(raw.strip().rstrip(_TRAILING))
    return _link(match, bare_ok=True) if match else None


def _link(match: re.Match[str], *, bare_ok: bool = False) -> Link | None:
    p = packs()
    raw = match.group(0)
    path = (match.group("path") or "").rstrip(_TRAILING)
    while path.endswith(")") and path.count("(") < path.count(")"):
        path = path[:-1]
    raw = raw[: len(raw) - (len(match.group("path") or "") - len(path))]
    if match.group("ip"):
        domain, unicode_host, idn = match.group("ip"), match.group("ip"), False
    else:
        host = match.group("host")
        tld = host.rsplit(".", 1)[1]
        schemed = bool(match.group("scheme2")) or host.lower().startswith("www.")
        if not schemed and tld.lower() == "apk":
            return Link(raw=raw, domain="", apk=True)
        if not schemed and not bare_ok and (tld.lower() not in p.tlds or not _plain_case(tld)):
            return None
        names = _ascii_host(host)
        if names is None:
            return None
        ascii_host, unicode_host = names
        domain = ascii_host.removeprefix("www.")
        unicode_host = unicode_host.removeprefix("www.")
        idn = not host.isascii() or "xn--" in ascii_host
        if "." not in domain:
            return None
    path_only = path.split("#", 1)[0]
    url = (domain + path_only).rstrip("/?") if path_only.strip("/?") else ""
    official = _official(domain)
    return Link(
        raw=raw,
        domain=domain,
        url=url[:MAX_VALUE],
        shortener=domain in p.shorteners or registrable(domain) in p.shorteners,
        apk=path_only.split("?", 1)[0].lower().endswith(".apk"),
        idn=idn,
        official=official,
        lookalike="" if official else _lookalike(unicode_host),
    )


def _plain_case(word: str) -> bool:
    """ "com" or "COM", not "Com": a capital after a full stop starts a sentence."""
    return word.islower() or word.isupper()


def _links_in(text: str) -> Iterator[tuple[int, int, Link]]:
    for match in _LINK.finditer(text):
        link = _link(match)
        if link is not None:
            yield match.start(), match.start() + len(link.raw), link


# -- bank accounts -------------------------------------------------------------------------------

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


def _accounts_in(
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


# -- VietQR --------------------------------------------------------------------------------------


def crc16(data: str) -> str:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) as EMVCo QR codes carry it: 4 hex digits."""
    crc = 0xFFFF
    for byte in data.encode("utf-8"):
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return f"{crc:04X}"


def _tlv(data: str) -> dict[str, str] | None:
    """EMVCo tag-length-value fields, or None when the data is not well formed."""
    out: dict[str, str] = {}
    i = 0
    while i < len(data):
        head = data[i : i + 4]
        if len(head) < 4 or not head.isdigit():
            return None
        size = int(head[2:])
        value = data[i + 4 : i + 4 + size]
        if len(value) != size:
            return None
        out.setdefault(head[:2], value)
        i += 4 + size
    return out


def _qr_at(text: str, start: int) -> tuple[int, QrCode] | None:
    """The EMVCo payload starting at `start` (its end, and what it says), if there is one."""
    i = start
    fields: dict[str, str] = {}
    while True:
        head = text[i : i + 4]
        if len(head) < 4 or not head.isdigit():
            return None
        tag, size = head[:2], int(head[2:])
        value = text[i + 4 : i + 4 + size]
        if len(value) != size:
            return None
        fields.setdefault(tag, value)
        i += 4 + size
        if tag == "63":
            break
    if size != 4 or fields.get("00") != "01":
        return None
    raw = text[start:i]
    crc_ok = crc16(raw[:-4]) == raw[-4:].upper()
    return i, _vietqr(raw, fields, crc_ok)


def _vietqr(raw: str, fields: dict[str, str], crc_ok: bool) -> QrCode:
    merchant = _tlv(fields.get("38", "")) or {}
    extra = _tlv(fields.get("62", "")) or {}
    code = QrCode(
        raw=raw,
        crc_ok=crc_ok,
        amount=fields.get("54", ""),
        name=fields.get("59", ""),
        message=extra.get("08", ""),
    )
    if merchant.get("00", "").upper() != NAPAS_GUID:
        return code  # an EMVCo code of another scheme: no bank account to read
    beneficiary = _tlv(merchant.get("01", "")) or {}
    bin_ = beneficiary.get("00", "")
    bank = packs().bank_by_bin(bin_)
    return replace(
        code,
        bin=bin_,
        bank=bank.code if bank else "",
        account=re.sub(r"\s", "", beneficiary.get("01", "")),
        service=merchant.get("02", ""),
    )


def parse_vietqr(payload: str) -> QrCode | None:
    """A whole EMVCo/VietQR payload ("000201010212 38…6304ABCD"), or None."""
    found = _qr_at(payload.strip(), 0)
    return found[1] if found and found[0] == len(payload.strip()) else None


def _qr_in(text: str) -> Iterator[tuple[int, int, QrCode]]:
    at = text.find("000201")
    while at != -1:
        found = _qr_at(text, at)
        if found is not None:
            yield at, found[0], found[1]
            at = text.find("000201", found[0])
        else:
            at = text.find("000201", at + 1)


# -- wording -------------------------------------------------------------------------------------


def match_rules(text: str) -> tuple[RuleMatch, ...]:
    """The rules a text's wording meets, the best-matched first."""
    p = packs()
    folded = fold(text)
    matches: list[tuple[int, int, RuleMatch]] = []
    for order, rule in enumerate(p.rules):
        hits = {m.group(0) for m in rule.pattern.finditer(folded)}
        if not hits:
            continue
        weights, written = dict(rule.weights), dict(rule.written)
        score = sum(weights[h] for h in hits)
        if score < p.threshold:
            continue
        ordered = sorted(hits, key=lambda h: (-weights[h], folded.find(h)))
        match = RuleMatch(
            rule.id,
            rule.card,
            rule.category,
            rule.advice,
            score,
            tuple(written[h] for h in ordered),
        )
        matches.append((-score, order, match))
    return tuple(m for _s, _o, m in sorted(matches, key=lambda t: (t[0], t[1])))


# -- all of it -----------------------------------------------------------------------------------


def _blank(text: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def extract(text: str) -> Extraction:
    """Everything the check reads in a message."""
    text = clean(text[:MAX_TEXT])
    qr = list(_qr_in(text))
    rest = _blank(text, [(s, e) for s, e, _q in qr])
    links = list(_links_in(rest))
    rest = _blank(rest, [(s, e) for s, e, _l in links])
    phones = list(_phones_in(rest))
    accounts, taken = _accounts_in(rest, fold_keep(rest), phones)
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


# -- the verdict ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Known:
    """What the indicator store holds about one indicator."""

    id: int
    kind: str
    value: str
    bank: str
    status: str
    source: str
    reports: int

    @property
    def shown(self) -> str:
        return shown(self.kind, self.value, self.bank)


class Level(enum.StrEnum):
    CONFIRMED = "confirmed"  # an indicator the police confirmed
    REPORTED = "reported"  # reported by residents (or on a list), not confirmed yet
    WORDING = "wording"  # the words of a known scam type
    SIGNS = "signs"  # nothing reported, but warning signs in the links or numbers
    UNKNOWN = "unknown"  # something to look up, and nothing known about it
    NOTHING = "nothing"  # nothing to look up and no known wording


@dataclass(frozen=True)
class Reason:
    kind: str
    subject: str = ""
    count: int = 0
    rule: str = ""  # a rule id, for wording and advice
    phrases: tuple[str, ...] = ()
    official: str = ""  # an official entry id, for a look-alike
    extra: str = ""


@dataclass(frozen=True)
class Verdict:
    level: Level
    reasons: tuple[Reason, ...]
    cards: tuple[str, ...]
    category: str
    found: tuple[Found, ...]
    unknown: tuple[str, ...] = field(default=())  # indicators nothing is known about, as shown


def _covers(known: Known, item: Found) -> bool:
    if known.kind != item.kind:
        return False
    if item.kind == "domain":
        return known.value in domain_candidates(item.value)
    return known.value == item.value


# Words a verdict never repeats, even when quoting the message it checked.
_NEVER_QUOTED = re.compile(r"(?<![a-z])(?:an toan|safe)(?![a-z])")


def verdict(extraction: Extraction, known: Sequence[Known]) -> Verdict:
    found = extraction.found()
    live = [k for k in known if k.status != "rejected"]
    reasons: list[Reason] = []
    for k in sorted(live, key=lambda k: (k.status != "confirmed", -k.reports, k.kind, k.value)):
        if k.status == "confirmed":
            reasons.append(Reason("confirmed", k.shown))
        elif k.reports:
            reasons.append(Reason("reported", k.shown, count=k.reports))
        else:
            reasons.append(Reason("listed", k.shown, extra=k.source))
    scam = extraction.scam_rules[:SHOWN_RULES]
    for rule in scam:
        quoted = tuple(p for p in rule.phrases if not _NEVER_QUOTED.search(fold(p)))[:4]
        reasons.append(Reason("wording", rule=rule.rule, phrases=quoted, count=rule.score))
    signs = list(_signs(extraction))
    reasons += signs
    for qr in extraction.qr_codes:
        if qr.account:
            reasons.append(Reason("qr", shown("account", qr.account, qr.bank), extra=qr.name))
    advice = [r for r in extraction.rules if r.advice]
    reasons += [Reason("advice", rule=r.rule) for r in advice]
    unknown_found = [f for f in found if not any(_covers(k, f) for k in live)]
    unknown_domains = {f.value for f in unknown_found if f.kind == "domain"}
    unknown = tuple(
        f.shown
        for f in unknown_found
        if not (f.kind == "url" and re.split(r"[/?]", f.value, maxsplit=1)[0] in unknown_domains)
    )
    if any(k.status == "confirmed" for k in live):
        level = Level.CONFIRMED
    elif live:
        level = Level.REPORTED
    elif scam:
        level = Level.WORDING
    elif signs:
        level = Level.SIGNS
    elif found or extraction.rules or extraction.qr_codes or extraction.links:
        level = Level.UNKNOWN
    else:
        level = Level.NOTHING
    cards = tuple(dict.fromkeys([*(r.card for r in scam), *(r.card for r in advice)]))
    return Verdict(level, tuple(reasons), cards, extraction.category(), found, unknown)


def _signs(extraction: Extraction) -> Iterator[Reason]:
    for link in extraction.links:
        subject = link.domain or link.raw
        if link.lookalike:
            yield Reason("lookalike", subject, official=link.lookalike)
        elif link.idn:
            yield Reason("idn", subject)
        if link.shortener:
            yield Reason("shortener", link.url or subject)
        if link.apk:
            yield Reason("apk", link.url or subject)
    for phone in extraction.phones:
        if phone.odd:
            yield Reason("odd_prefix", phone.shown, extra=phone.odd)
        elif not phone.vietnamese:
            yield Reason("foreign", phone.shown)
    for qr in extraction.qr_codes:
        if not qr.crc_ok:
            yield Reason("qr_damaged")


def official_name(entry_id: str) -> tuple[str, str]:
    """(vi, en) name of an organisation in link_lists.yaml."""
    entry = packs().official_entry(entry_id)
    return (entry.name.vi, entry.name.en) if entry else (entry_id, entry_id)


def official_domain(entry_id: str) -> str:
    entry = packs().official_entry(entry_id)
    return entry.domains[0] if entry and entry.domains else ""


def rule_name(rule_id: str) -> tuple[str, str]:
    rule = packs().rule(rule_id)
    return (rule.vi, rule.en) if rule else (rule_id, rule_id)


def describe(found: Sequence[Found]) -> str:
    """A line naming the indicators, for a tip's description."""
    return " · ".join(f.shown for f in found)


# -- indicators given one by one (an import, the panel) ------------------------------------------


def normalise(kind: str, value: str, bank: str = "") -> tuple[Found | None, str]:
    """One indicator as an operator gives it, normalised, or None with the reason why not."""
    value = clean(value)
    if kind == "phone":
        phone = phone_numbers.normalise(value)
        return (Found("phone", phone), "") if phone else (None, f"{value!r} is not a phone number")
    if kind in ("domain", "url"):
        link = normalise_link(value)
        if link is None or not link.domain:
            return None, f"{value!r} is not a {kind}"
        if kind == "domain":
            if link.url:
                return None, f"{value!r} has a path: give it as a url"
            return Found("domain", link.domain), ""
        if not link.url:
            return None, f"{value!r} has no path: give it as a domain"
        return Found("url", link.url), ""
    if kind == "account":
        number = re.sub(r"[\s.\-]", "", value)
        if not re.fullmatch(r"\d{6,19}", number):
            return None, f"{value!r} is not an account number (6 to 19 digits)"
        code = ""
        if bank.strip():
            code = bank_code(bank)
            if not code:
                return None, f"bank {bank!r} is not in banks.yaml"
        return Found("account", number, code), ""
    return None, f"kind {kind!r} is not one of {', '.join(KINDS)}"


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
