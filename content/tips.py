"""Tip categories and emergency phrases, from data files in content/packs/ (their form and
rules: content/schema/words.py)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from content.schema.base import Reader, load
from content.schema.words import Category, EmergencyWords, TipCategories
from content.text import fold

__all__ = ["Category", "categories", "category", "problems", "sounds_like_emergency"]

PACKS = Path(__file__).parent / "packs"


@cache
def categories() -> tuple[Category, ...]:
    """The categories in the order the resident sees them. Raises PackError when broken."""
    return load(TipCategories, PACKS / "tip_categories.yaml").categories


def category(category_id: str) -> Category | None:
    return next((c for c in categories() if c.id == category_id), None)


@cache
def _emergency_pattern() -> re.Pattern[str]:
    phrases = load(EmergencyWords, PACKS / "emergency_words.yaml").phrases
    alternatives = "|".join(re.escape(fold(p)) for p in phrases)
    return re.compile(rf"(?<![a-z0-9])(?:{alternatives})(?![a-z0-9])")


def sounds_like_emergency(text: str) -> bool:
    """True when the text names a crime, fire or accident in progress."""
    return _emergency_pattern().search(fold(text)) is not None


def problems(folder: Path | None = None) -> list[str]:
    """What is wrong with tip_categories.yaml and emergency_words.yaml; never raises."""
    reader = Reader()
    reader.load(TipCategories, (folder or PACKS) / "tip_categories.yaml")
    reader.load(EmergencyWords, (folder or PACKS) / "emergency_words.yaml")
    return reader.problems
