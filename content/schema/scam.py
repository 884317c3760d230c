"""The packs of the scam check: banks.yaml, link_lists.yaml and scam_rules.yaml.

The rules, each a constraint or a validator below (the files' own comments say what the
lists are for):

* banks.yaml: at least one bank; a code of 2 to 12 capitals or digits and a 6-digit BIN, each
  used by one bank only; a name; aliases, none of which (folded, as messages are matched)
  names two banks.
* link_lists.yaml: shorteners and the domains of official entries are lower-case ASCII
  domains; tlds, extra_words and brands are lower-case letters or digits; every tld is a
  top-level domain of the Public Suffix List; official entries have unique snake_case ids, a
  name (one text, or vi and en) and no brand that is also an extra word.
* scam_rules.yaml: a threshold of at least 1 (2 when left out); odd phone prefixes written
  like +882; at least one rule; rule ids unique and snake_case; a rule that is not advice has
  the category fraud_phone or fraud_online; no phrase listed twice in a rule (after folding);
  a rule's phrases can reach the threshold; with the awareness cards known (the `Cards`
  context), each rule's card exists and every scam card has a rule that leads to it.
* Every word is a non-empty NFC string, every list of them non-empty, and no key is unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StrictBool, StrictInt, ValidationInfo, field_validator

from content import suffixes
from content.schema.awareness import SCAM_CARD_IDS
from content.schema.base import Id, Line, Lines, Model, Name, refuse, repeated
from content.text import fold

CATEGORIES = ("fraud_phone", "fraud_online")
STRONG, PLAIN = 2, 1  # what a strong phrase and an ordinary one score

_DOMAIN = re.compile(
    r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+"
)
_TOKEN = re.compile(r"[a-z0-9]+")


def _matching(pattern: re.Pattern[str], what: str) -> AfterValidator:
    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise ValueError(f"{value!r} {what}")
        return value

    return AfterValidator(check)


# As a link's domain is read: lower case, ASCII (punycode for international names), no "www.".
Domain = Annotated[Line, _matching(_DOMAIN, "is not a lower-case ASCII domain")]
# A word of an address: lower-case letters or digits.
Token = Annotated[Line, _matching(_TOKEN, "must be lower-case letters or digits")]
Domains = Annotated[tuple[Domain, ...], Field(min_length=1)]
Tokens = Annotated[tuple[Token, ...], Field(min_length=1)]


# --- banks.yaml -------------------------------------------------------------------------------


class Bank(Model):
    code: Annotated[
        Line, _matching(re.compile(r"[A-Z0-9]{2,12}"), "must be 2-12 capitals or digits")
    ]
    bin: Annotated[Line, _matching(re.compile(r"\d{6}"), "must be 6 digits")]
    name: Line
    aliases: Lines  # as written; matched folded


class Banks(Model):
    version: Literal[1]
    banks: tuple[Bank, ...] = Field(min_length=1)

    @field_validator("banks")
    @classmethod
    def _distinct(cls, banks: tuple[Bank, ...]) -> tuple[Bank, ...]:
        problems = [
            f"{key} {value} is used by more than one bank"
            for key in ("code", "bin")
            for value in repeated(getattr(b, key) for b in banks)
        ]
        owners: dict[str, str] = {}
        for bank in banks:
            for alias in dict.fromkeys(fold(a) for a in bank.aliases):
                if owners.setdefault(alias, bank.code) != bank.code:
                    problems.append(f"alias {alias!r} names {owners[alias]} and {bank.code}")
        refuse(problems)
        return banks


# --- link_lists.yaml --------------------------------------------------------------------------


class Official(Model):
    """An organisation whose addresses scammers imitate."""

    id: Id
    name: Name
    domains: Domains
    brands: Tokens


class LinkLists(Model):
    version: Literal[1]
    shorteners: Domains
    # Accepted for an address written without "http://" or "www.": a deliberate few, so
    # that "10.000.000" or "v.v." never read as links; each must be a real one.
    tlds: Tokens
    extra_words: Tokens
    official: tuple[Official, ...] = Field(min_length=1)

    @field_validator("tlds")
    @classmethod
    def _real(cls, tlds: tuple[str, ...]) -> tuple[str, ...]:
        known = suffixes.top_level_domains()
        refuse(
            [
                f"{t!r} is no top-level domain of the Public Suffix List"
                for t in tlds
                if t not in known
            ]
        )
        return tlds

    @field_validator("official")
    @classmethod
    def _distinct(
        cls, official: tuple[Official, ...], info: ValidationInfo
    ) -> tuple[Official, ...]:
        problems = [f"id {i} is used twice" for i in repeated(o.id for o in official)]
        extra = set(info.data.get("extra_words", ()))
        problems += [
            f"{o.id}: brand {brand!r} is also an extra word"
            for o in official
            for brand in o.brands
            if brand in extra
        ]
        refuse(problems)
        return official


# --- scam_rules.yaml --------------------------------------------------------------------------


@dataclass(frozen=True)
class Cards:
    """The validation context of scam_rules.yaml: the awareness cards there are."""

    ids: frozenset[str]


class Rule(Model):
    id: Id
    card: Id  # the awareness card to read
    advice: StrictBool = False  # names the resident's situation, not a scam type
    # the tip category a check turns into; none for advice. Checked when absent too: a scam
    # rule without one would file every tip it starts under a guessed category.
    category: str = Field("", validate_default=True)
    name: Name
    strong: Lines
    phrases: Lines

    @field_validator("card")
    @classmethod
    def _exists(cls, card: str, info: ValidationInfo) -> str:
        if isinstance(info.context, Cards) and card not in info.context.ids:
            raise ValueError(f"{card} is no card of the awareness packs")
        return card

    @field_validator("category")
    @classmethod
    def _category(cls, category: str, info: ValidationInfo) -> str:
        if info.data.get("advice"):
            return ""  # advice never turns into a tip of its own
        if category not in CATEGORIES:
            raise ValueError(f"{category!r} must be one of {', '.join(CATEGORIES)}")
        return category

    @field_validator("phrases")
    @classmethod
    def _once(cls, phrases: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        # Phrases are matched folded: "Chuyển tiền" and "chuyen tien" are one phrase.
        every = [*info.data.get("strong", ()), *phrases]
        refuse([f"{p!r} is listed twice" for p in repeated(fold(p) for p in every)])
        return phrases

    def weights(self) -> dict[str, tuple[int, str]]:
        """Folded phrase → (its score, the phrase as written), strong phrases first."""
        found: dict[str, tuple[int, str]] = {}
        for weight, phrases in ((STRONG, self.strong), (PLAIN, self.phrases)):
            for phrase in phrases:
                found.setdefault(fold(phrase), (weight, phrase))
        return found


class ScamRules(Model):
    version: Literal[1]
    threshold: StrictInt = Field(2, ge=1)  # the score at which a rule matches
    odd_phone_prefixes: Annotated[
        tuple[Annotated[Line, _matching(re.compile(r"\+\d{2,4}"), "is not like +882")], ...],
        Field(min_length=1),
    ]
    rules: tuple[Rule, ...] = Field(min_length=1)

    @field_validator("rules")
    @classmethod
    def _rules(cls, rules: tuple[Rule, ...], info: ValidationInfo) -> tuple[Rule, ...]:
        problems = [f"rule {i} is defined twice" for i in repeated(r.id for r in rules)]
        threshold = info.data.get("threshold", 2)
        problems += [
            f"rule {r.id}: its phrases can never reach the threshold {threshold}"
            for r in rules
            if sum(weight for weight, _phrase in r.weights().values()) < threshold
        ]
        if isinstance(info.context, Cards):
            covered = {r.card for r in rules}
            problems += [
                f"no rule leads to the scam card {c}" for c in SCAM_CARD_IDS if c not in covered
            ]
        refuse(problems)
        return rules
