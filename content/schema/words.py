"""The packs of words: keywords.yaml, emergency_words.yaml and tip_categories.yaml.

The rules, each a constraint or a validator below:

* keywords.yaml: every intent (menu, emergency, cancel, help, start, follow, stop, thanks) and
  the answer words have at least one word; a word (lower case, with its marks, as written)
  names one intent only. The words of a topic (`learn_quiz`, `learn_topics`, read only inside
  the learn flow) are neither an intent's nor each other's.
* emergency_words.yaml: at least one phrase in each list; a phrase is danger or not danger,
  never both.
* tip_categories.yaml: at least one category; ids snake_case and unique; a label in vi and
  en; `in_progress` true or false.
* Every word is a non-empty NFC string, and no key is unknown.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictBool, field_validator, model_validator

from content.schema.base import Id, Line, Lines, Model, refuse, repeated

INTENTS = ("menu", "emergency", "cancel", "help", "start", "follow", "stop", "thanks")


class Keywords(Model):
    """Words a resident may type at any step, matched as the whole message, word by word."""

    version: Literal[1]
    menu: Lines
    emergency: Lines
    cancel: Lines
    help: Lines
    start: Lines
    follow: Lines
    stop: Lines
    thanks: Lines
    answer: Lines  # before a tip code: the rest of the message answers the police
    polite: Lines  # at the end of a whole-message word, left out: "dừng nhé", "cảm ơn ạ"
    learn_quiz: Lines  # inside a topic: its quiz ("trắc nghiệm")
    learn_topics: Lines  # inside a topic: the list of topics ("các chủ đề")

    def intent_words(self) -> dict[str, tuple[str, ...]]:
        return {intent: getattr(self, intent) for intent in INTENTS}

    def learn_words(self) -> dict[str, tuple[str, ...]]:
        return {"quiz": self.learn_quiz, "topics": self.learn_topics}

    @model_validator(mode="after")
    def _one_intent_each(self) -> Keywords:
        # A word in two lists would silently mean whichever was read last.
        owners: dict[str, list[str]] = {}
        for intent, words in (self.intent_words() | self.learn_words()).items():
            for word in words:
                owners.setdefault(" ".join(word.casefold().split()), []).append(intent)
        refuse([f"{w!r} is a word of {' and '.join(i)}" for w, i in owners.items() if len(i) > 1])
        return self


class EmergencyWords(Model):
    """What makes a message say that someone is in danger now (content/understand.py)."""

    version: Literal[2]
    danger: Lines  # urgent unless denied, in the past or a question
    needs_now: Lines  # urgent only when the message says it is happening now
    now: Lines  # urgent on their own
    now_words: Lines  # up to three words before a danger: it is happening now
    past: Lines
    unreal: Lines  # a question, a lesson, a what-if
    story: Lines  # a scam's story, a tip already sent: nothing is urgent
    negation: Lines  # up to three words before a danger: it is not happening
    not_danger: Lines  # a word folding like a danger word, meaning something else

    @model_validator(mode="after")
    def _danger_or_not(self) -> EmergencyWords:
        said = {" ".join(p.casefold().split()) for p in (*self.danger, *self.needs_now, *self.now)}
        both = [p for p in self.not_danger if " ".join(p.casefold().split()) in said]
        refuse([f"{p!r} is both danger and not danger" for p in both])
        return self


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
