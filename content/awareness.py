"""Awareness content: topics of short cards and a quiz each, from content/packs/awareness/*.yaml.

One YAML file per topic, named after the topic id (fire_safety.yaml). Its form and every rule
it must meet are the models in content/schema/awareness.py; this module reads the folder
through them and serves the topics in menu order, the cards and the tip of the day.
"""

from __future__ import annotations

import datetime
from functools import cache
from pathlib import Path

from content.schema.awareness import (
    SCAM_CARD_IDS,
    SCAM_TOPIC_IDS,
    TITLE_MAX,
    TOPIC_IDS,
    Card,
    Folder,
    Library,
    Question,
    Topic,
)
from content.schema.base import PackError, Text, load, shown, validate

# What the flows and the tests use of the schema, under the names they always had.
__all__ = [
    "PACK_DIR",
    "SCAM_CARD_IDS",
    "SCAM_TOPIC_IDS",
    "TITLE_MAX",
    "TOPIC_IDS",
    "Card",
    "Question",
    "Text",
    "Topic",
]

PACK_DIR = Path(__file__).parent / "packs" / "awareness"


def _read(folder: Path) -> tuple[tuple[Topic, ...], list[str]]:
    """Every topic in the folder, in menu order, with the problems found on the way."""
    files = sorted(folder.glob("*.yaml"))
    problems = [] if files else [f"{shown(folder)}: no topic files (*.yaml)"]
    seen = Folder()
    loaded: list[tuple[int, str, Topic]] = []
    for path in files:
        seen.file = path.name
        try:
            topic = load(Topic, path, seen)
        except PackError as exc:
            problems += exc.problems
            continue
        loaded.append((topic.order, path.name, topic))
    loaded.sort(key=lambda entry: (entry[0], entry[1]))
    topics = tuple(topic for _order, _name, topic in loaded)
    if len(loaded) == len(files):  # else the file that failed may hold what seems missing
        try:
            validate(Library, {"topics": topics}, folder)
        except PackError as exc:
            problems += exc.problems
    return topics, problems


@cache
def _loaded() -> tuple[Topic, ...]:
    found, problems = _read(PACK_DIR)
    if problems:
        raise PackError(problems)
    return found


def topics() -> tuple[Topic, ...]:
    """All topics in menu order, read once. Raises PackError (a ValueError) naming the file,
    the item and the field when a pack is broken."""
    return _loaded()


def topic(topic_id: str) -> Topic | None:
    return next((t for t in topics() if t.id == topic_id), None)


def find_card(card_id: str) -> tuple[Topic, Card] | None:
    for t in topics():
        for card in t.cards:
            if card.id == card_id:
                return t, card
    return None


_GOLDEN = 0.6180339887498949  # spreads the topics' starting points evenly


@cache
def _rotation() -> tuple[tuple[Topic, Card], ...]:
    """Every card once, each topic's cards spread evenly over the cycle so topics alternate.

    Card i of a topic with n cards sits at (i + offset)/n of the cycle (ties in menu order): a
    topic with 18 cards comes back about every 18th of the cycle, one with 5 cards about every
    fifth. Each topic's offset is its menu position times the golden ratio, modulo 1, so that
    topics do not all start together and a week of days shows many topics, not two or three.
    """
    placed = [
        ((i + (order * _GOLDEN) % 1.0) / len(t.cards), order, i, t, c)
        for order, t in enumerate(topics())
        for i, c in enumerate(t.cards)
    ]
    placed.sort(key=lambda p: p[:3])
    return tuple((t, c) for *_key, t, c in placed)


def tip_of_the_day(day: datetime.date) -> tuple[Topic, Card]:
    """The card for a day: the same for everyone that day, cycling through every card."""
    rotation = _rotation()
    return rotation[day.toordinal() % len(rotation)]


def problems(folder: Path | None = None) -> list[str]:
    """Validation problems of every pack (empty when all is well); never raises."""
    return _read(folder if folder is not None else PACK_DIR)[1]
