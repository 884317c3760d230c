"""The scam check's three packs (scam_rules.yaml, banks.yaml, link_lists.yaml) as it uses
them: read once, checked in CI.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from content import awareness
from content.schema import scam as schema
from content.schema.base import PackError, Reader
from content.schema.scam import Bank, Official
from content.text import fold

PACKS = Path(__file__).parent.parent / "packs"

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
