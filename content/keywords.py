"""Words a resident may type at any step (menu, emergency, cancel, help), from a data file
(its form and rules: content/schema/words.py)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from content.schema.base import Reader, load
from content.schema.words import INTENTS, Keywords
from content.text import fold, letters, typed_as
from content.understand import Where, whole_intent

__all__ = ["INTENTS", "answer_words", "intent_of", "learn_word", "problems"]

_PATH = Path(__file__).parent / "packs" / "keywords.yaml"


@cache
def _pack() -> Keywords:
    return load(Keywords, _PATH)


def intent_of(text: str, *, where: Where = Where.MENU) -> str | None:
    """The global intent a whole message names, if any ('Menu', 'khẩn cấp' → 'emergency'),
    each word spelled with its marks or without them, never with others ('Đúng' is not
    'dừng'; content/understand.py)."""
    return whole_intent(text, where=where)


def learn_word(text: str) -> str | None:
    """Inside a topic, what a whole message asks for: "quiz" ("trắc nghiệm", "trac nghiem")
    or "topics" ("các chủ đề", "quay lại"), each word with its marks or without them, never
    with other ones; a polite word at the end is left out ("chủ đề nhé")."""
    said = letters(text).split()
    polite = set(_pack().polite)
    while len(said) > 1 and said[-1] in polite:
        said.pop()
    typed = " ".join(said)
    for meaning, phrases in _pack().learn_words().items():
        if any(typed_as(typed, phrase) for phrase in phrases):
            return meaning
    return None


@cache
def answer_words() -> frozenset[str]:
    """Folded words that, typed before a tip code, introduce an answer to the police."""
    return frozenset(fold(word) for word in _pack().answer)


def problems(path: Path | None = None) -> list[str]:
    """What is wrong with keywords.yaml; never raises."""
    reader = Reader()
    reader.load(Keywords, path or _PATH)
    return reader.problems
