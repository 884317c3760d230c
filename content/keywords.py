"""Words a resident may type at any step (menu, emergency, cancel, help), from a data file."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from content.text import fold

_PATH = Path(__file__).parent / "packs" / "keywords.yaml"
INTENTS = ("menu", "emergency", "cancel", "help", "start", "follow", "stop")


@cache
def _table() -> dict[str, str]:
    raw = yaml.safe_load(_PATH.read_text(encoding="utf-8"))
    table: dict[str, str] = {}
    for intent in INTENTS:
        for word in raw.get(intent, []):
            table[fold(str(word))] = intent
    return table


def intent_of(text: str) -> str | None:
    """The global intent a whole message names, if any ('Menu', 'khẩn cấp' → 'emergency')."""
    return _table().get(fold(text).strip(" .!?") or fold(text))


@cache
def answer_words() -> frozenset[str]:
    """Folded words that, typed before a tip code, introduce an answer to the police."""
    raw = yaml.safe_load(_PATH.read_text(encoding="utf-8"))
    return frozenset(fold(str(word)) for word in raw.get("answer", []))
