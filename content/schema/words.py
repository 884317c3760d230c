"""The packs of words: keywords.yaml, emergency_words.yaml and tip_categories.yaml.

The rules, each a constraint or a validator below:

* keywords.yaml: every intent (menu, emergency, cancel, help, start, follow, stop) and the
  answer words have at least one word; a word (folded, as messages are matched) names one
  intent only.
* emergency_words.yaml: at least one phrase.
* tip_categories.yaml: at least one category; ids snake_case and unique; a label in vi and
  en; `in_progress` true or false.
* Every word is a non-empty NFC string, and no key is unknown.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictBool, field_validator, model_validator

from content.schema.base import Id, Line, Lines, Model, refuse, repeated
from content.text import fold

INTENTS = ("menu", "emergency", "cancel", "help", "start", "follow", "stop")


class Keywords(Model):
    """Words a resident may type at any step, matched whole after folding."""

    version: Literal[1]
    menu: Lines
    emergency: Lines
    cancel: Lines
    help: Lines
    start: Lines
    follow: Lines
    stop: Lines
    answer: Lines  # before a tip code: the rest of the message answers the police

    def intent_words(self) -> dict[str, tuple[str, ...]]:
        return {intent: getattr(self, intent) for intent in INTENTS}

    @model_validator(mode="after")
    def _one_intent_each(self) -> Keywords:
        # A word in two lists would silently mean whichever was read last.
        owners: dict[str, list[str]] = {}
        for intent, words in self.intent_words().items():
            for word in words:
                owners.setdefault(fold(word), []).append(intent)
        refuse([f"{w!r} is a word of {' and '.join(i)}" for w, i in owners.items() if len(i) > 1])
        return self


class EmergencyWords(Model):
    """Phrases that name a crime, fire or accident in progress."""

    version: Literal[1]
    phrases: Lines


class Category(Model):
    id: Id
    vi: Line
    en: Line
    in_progress: StrictBool = False  # danger right now: emergency numbers first

    def label(self, lang: str) -> str:
        return self.en if lang == "en" else self.vi


class TipCategories(Model):
    version: Literal[1]
    categories: tuple[Category, ...] = Field(min_length=1)

    @field_validator("categories")
    @classmethod
    def _distinct(cls, categories: tuple[Category, ...]) -> tuple[Category, ...]:
        refuse([f"id {i} is used twice" for i in repeated(c.id for c in categories)])
        return categories
