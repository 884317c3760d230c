"""Tip categories and emergency phrases, from data files in content/packs/ (their form and
rules: content/schema/words.py)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from content.schema.base import Reader, load
from content.schema.words import Category, EmergencyWords, TipCategories
from content.understand import urgency

__all__ = ["Category", "categories", "category", "problems", "sounds_like_emergency"]

PACKS = Path(__file__).parent / "packs"


@cache
def categories() -> tuple[Category, ...]:
    """The categories in the order the resident sees them. Raises PackError when broken."""
    return load(TipCategories, PACKS / "tip_categories.yaml").categories


def category(category_id: str) -> Category | None:
    return next((c for c in categories() if c.id == category_id), None)


def sounds_like_emergency(text: str) -> bool:
    """True when the text says someone is in danger now (content/understand.py: the words
    that say it, with `urgency`)."""
    return bool(urgency(text))


def problems(folder: Path | None = None) -> list[str]:
    """What is wrong with tip_categories.yaml and emergency_words.yaml; never raises."""
    reader = Reader()
    reader.load(TipCategories, (folder or PACKS) / "tip_categories.yaml")
    reader.load(EmergencyWords, (folder or PACKS) / "emergency_words.yaml")
    return reader.problems
