"""The verdict: what a message points at, weighed against what the indicator store knows.
It never says that something is harmless: "nothing known" means only that no one has
reported it yet.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from content.scamcheck.kinds import Extraction, Found, shown
from content.scamcheck.links import domain_candidates
from content.scamcheck.loading import packs
from content.text import fold

SHOWN_RULES = 2  # scam types named in one verdict


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
