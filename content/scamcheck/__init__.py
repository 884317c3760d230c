"""The scam check's reading of a pasted or forwarded message, and its verdict.

`extract(text)` finds what a message points at: phone numbers (Vietnamese forms normalised to
E.164, foreign ones kept with their country code), links (domains in ASCII/punycode; URL
shorteners, `.apk` files and look-alikes of well-known banks and state agencies flagged),
bank account numbers with the bank named next to them, and VietQR payloads (EMVCo TLV,
NAPAS GUID, BIN and account, CRC checked). It also finds the known scam types whose wording
the message matches. `verdict(extraction, known)` weighs that against what the indicator
store knows. Every list and rule is data in content/packs/ (scam_rules.yaml, banks.yaml,
link_lists.yaml); this package only reads them.

Pure: no I/O but reading the packs once, no database and no web. A verdict never says that
something is harmless: "nothing known" means only that no one has reported it yet.

Its modules, in the order a message goes through them: `loading` (the packs), `kinds` (what
a message points at), `lookalike` and `links`, `accounts`, `vietqr`, `rules` (the wording),
`extraction` (all of it), `verdicts`, and `indicators` (one given by an operator).
"""

from __future__ import annotations

from content.scamcheck.accounts import bank_code
from content.scamcheck.extraction import extract
from content.scamcheck.indicators import normalise
from content.scamcheck.kinds import (
    KINDS,
    MAX_VALUE,
    STATUSES,
    Account,
    Extraction,
    Found,
    Link,
    Phone,
    QrCode,
    RuleMatch,
    shown,
)
from content.scamcheck.links import domain_candidates, normalise_link, registrable
from content.scamcheck.loading import PACKS, Packs, Rule, _read, check_packs, packs
from content.scamcheck.lookalike import fold_keep
from content.scamcheck.rules import match_rules
from content.scamcheck.verdicts import (
    Known,
    Level,
    Reason,
    Verdict,
    describe,
    official_domain,
    official_name,
    rule_name,
    verdict,
)
from content.scamcheck.vietqr import NAPAS_GUID, crc16, parse_vietqr

__all__ = [
    "KINDS",
    "MAX_VALUE",
    "NAPAS_GUID",
    "PACKS",
    "STATUSES",
    "Account",
    "Extraction",
    "Found",
    "Known",
    "Level",
    "Link",
    "Packs",
    "Phone",
    "QrCode",
    "Reason",
    "Rule",
    "RuleMatch",
    "Verdict",
    "_read",
    "bank_code",
    "check_packs",
    "crc16",
    "describe",
    "domain_candidates",
    "extract",
    "fold_keep",
    "match_rules",
    "normalise",
    "normalise_link",
    "official_domain",
    "official_name",
    "packs",
    "parse_vietqr",
    "registrable",
    "rule_name",
    "shown",
    "verdict",
]
