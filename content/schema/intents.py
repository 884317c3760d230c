"""The pack of intents: intents.yaml (what a resident means by free text).

The rules, each a constraint or a validator below:

* every intent the understanding layer acts on has at least one phrase, and no other intent
  is named; every category is a tip category and every topic an awareness topic (checked by
  `binhyen content check`, which knows both lists);
* a phrase is "words" or "words | weight", the weight a number from 0.5 to 9; a phrase is
  written once per list;
* an abbreviation is one lower-case word standing for one or more words;
* `other_senders` holds at least one phrase, and so does each list of `contact_words`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from content.schema.base import Line, Model, refuse, repeated

FREE_INTENTS = (
    "report",
    "check",
    "scammed",
    "follow",
    "contact",
    "learn",
    "settings",
    "help",
    "greeting",
    "thanks",
    "stop",
    "menu",
    "cancel",
)


def split_weight(phrase: str) -> tuple[str, float]:
    """'bị lừa | 3' → ('bị lừa', 3.0); 'bị lừa' → ('bị lừa', 1.0)."""
    words, _, weight = phrase.partition("|")
    return " ".join(words.casefold().split()), float(weight) if weight.strip() else 1.0


def _phrase(value: str) -> str:
    words, _, weight = value.partition("|")
    if not words.strip():
        raise ValueError("has no words before its weight")
    if weight.strip():
        try:
            number = float(weight)
        except ValueError:
            raise ValueError(f"weight {weight.strip()!r} is not a number") from None
        if not 0.5 <= number <= 9:
            raise ValueError(f"weight {number} is not between 0.5 and 9")
    return value


def _abbreviation(value: str) -> str:
    if value != value.casefold() or len(value.split()) != 1:
        raise ValueError(f"{value!r} is not one lower-case word")
    return value


Phrase = Annotated[Line, AfterValidator(_phrase)]
Phrases = Annotated[tuple[Phrase, ...], Field(min_length=1)]
Short = Annotated[Line, AfterValidator(_abbreviation)]


def _once(name: str, phrases: tuple[str, ...]) -> list[str]:
    return [
        f"{name}: {p!r} is written twice" for p in repeated(split_weight(p)[0] for p in phrases)
    ]


class ContactWords(Model):
    """Words that change what a way to reach the police asks for (content/understand.py)."""

    # The police as the caller or the sender ("… gọi tôi", "… yêu cầu"): a call received.
    received: Phrases
    # The police needed now ("gấp", "someone is attacking me"): the emergency numbers.
    now: Phrases


class Intents(Model):
    version: Literal[1]
    abbreviations: dict[Short, Line]
    intents: dict[str, Phrases]
    categories: dict[str, Phrases]
    topics: dict[str, Phrases]
    # Words naming another sender or asking how to: a stop sentence with one of them is not
    # asking this bot to stop ("hủy đăng ký gói cước", "ngừng nhận tin nhắn rác").
    other_senders: Phrases
    # Words naming the messages themselves: in an answer to the police, a stop sentence must
    # hold one ("đừng gửi tin nữa"); "hủy đăng ký" alone may be what a scammer told them.
    messages: tuple[Line, ...] = Field(min_length=1)
    # A language asked for ("đổi sang tiếng Anh"): switched at once; only right after an ask.
    language_asks: tuple[Line, ...] = Field(min_length=1)
    languages: dict[Literal["vi", "en"], Phrases]
    contact_words: ContactWords

    @model_validator(mode="after")
    def _known_and_once(self) -> Intents:
        unknown = [
            f"intents: {i!r} is not one of {', '.join(FREE_INTENTS)}"
            for i in self.intents
            if i not in FREE_INTENTS
        ]
        missing = [f"intents: {i!r} has no phrases" for i in FREE_INTENTS if i not in self.intents]
        twice = [
            problem
            for group in (self.intents, self.categories, self.topics)
            for name, phrases in group.items()
            for problem in _once(name, phrases)
        ]
        refuse([*unknown, *missing, *twice])
        return self
