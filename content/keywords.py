"""Words a resident may type at any step (menu, emergency, cancel, help), from a data file
(its form and rules: content/schema/words.py)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from content.schema.base import Reader, load
from content.schema.words import INTENTS, Keywords
from content.text import fold
from content.understand import Where, whole_intent

__all__ = ["INTENTS", "answer_words", "intent_of", "problems"]

_PATH = Path(__file__).parent / "packs" / "keywords.yaml"


@cache
def _pack() -> Keywords:
    return load(Keywords, _PATH)


def intent_of(text: str, *, where: Where = Where.MENU) -> str | None:
    """The global intent a whole message names, if any ('Menu', 'khẩn cấp' → 'emergency'),
    each word spelled with its marks or without them, never with others ('Đúng' is not
    'dừng'; content/understand.py)."""
    return whole_intent(text, where=where)


@cache
def answer_words() -> frozenset[str]:
    """Folded words that, typed before a tip code, introduce an answer to the police."""
    return frozenset(fold(word) for word in _pack().answer)


def problems(path: Path | None = None) -> list[str]:
    """What is wrong with keywords.yaml; never raises."""
    reader = Reader()
    reader.load(Keywords, path or _PATH)
    return reader.problems
