"""What a message points at: the kinds of indicator, and an extraction's parts."""

from __future__ import annotations

from dataclasses import dataclass

from content import phones as phone_numbers

KINDS = ("phone", "domain", "url", "account")
STATUSES = ("reported", "confirmed", "rejected")
MAX_VALUE = 500  # longest indicator value kept (a URL is cut there)


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
