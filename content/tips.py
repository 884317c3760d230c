"""Tip categories, from a data file in content/packs/ (its form and rules:
content/schema/words.py); the emergency phrases are read by content/understand.py, and
checked here with the categories."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from content.schema.base import Reader, load
from content.schema.words import Category, EmergencyWords, TipCategories

__all__ = ["Category", "categories", "category", "problems"]

PACKS = Path(__file__).parent / "packs"


@cache
def categories() -> tuple[Category, ...]:
    """The categories in the order the resident sees them. Raises PackError when broken."""
    return load(TipCategories, PACKS / "tip_categories.yaml").categories


def category(category_id: str) -> Category | None:
    return next((c for c in categories() if c.id == category_id), None)


def problems(folder: Path | None = None) -> list[str]:
    """What is wrong with tip_categories.yaml and emergency_words.yaml; never raises."""
    reader = Reader()
    reader.load(TipCategories, (folder or PACKS) / "tip_categories.yaml")
    reader.load(EmergencyWords, (folder or PACKS) / "emergency_words.yaml")
    return reader.problems
