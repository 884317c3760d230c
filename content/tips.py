"""Tip categories and emergency phrases, from data files in content/packs/."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from content.text import fold

PACKS = Path(__file__).parent / "packs"


@dataclass(frozen=True)
class Category:
    id: str
    vi: str
    en: str
    in_progress: bool = False

    def label(self, lang: str) -> str:
        return self.en if lang == "en" else self.vi


def _load(name: str) -> dict[str, object]:
    raw = yaml.safe_load((PACKS / name).read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or raw.get("version") != 1:
        raise ValueError(f"{name}: expected a mapping with version: 1")
    return raw


@cache
def categories() -> tuple[Category, ...]:
    raw = _load("tip_categories.yaml")["categories"]
    if not isinstance(raw, list):
        raise ValueError("tip_categories.yaml: categories must be a list")
    found = tuple(
        Category(str(c["id"]), str(c["vi"]), str(c["en"]), bool(c.get("in_progress", False)))
        for c in raw
    )
    if len({c.id for c in found}) != len(found):
        raise ValueError("tip_categories.yaml: category ids must be unique")
    return found


def category(category_id: str) -> Category | None:
    return next((c for c in categories() if c.id == category_id), None)


@cache
def _emergency_pattern() -> re.Pattern[str]:
    phrases = _load("emergency_words.yaml")["phrases"]
    if not isinstance(phrases, list) or not phrases:
        raise ValueError("emergency_words.yaml: phrases must be a non-empty list")
    alternatives = "|".join(re.escape(fold(str(p))) for p in phrases)
    return re.compile(rf"(?<![a-z0-9])(?:{alternatives})(?![a-z0-9])")


def sounds_like_emergency(text: str) -> bool:
    """True when the text names a crime, fire or accident in progress."""
    return _emergency_pattern().search(fold(text)) is not None
