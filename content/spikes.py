"""The spike rule, from content/packs/spike_rules.yaml (its form and rules:
content/schema/spikes.py): which kinds of tip are watched in each commune, how far above the
usual level a week must be, and the awareness card each kind offers."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from content import awareness, tips
from content.schema.base import PackError, load
from content.schema.spikes import Kind, Known, SpikeRules

__all__ = ["PATH", "Kind", "SpikeRules", "problems", "rules"]

PATH = Path(__file__).parent / "packs" / "spike_rules.yaml"


def _known() -> Known:
    """The tip categories and awareness cards there are; PackError when their packs are
    broken (they report their own problems)."""
    cards = frozenset(card.id for topic in awareness.topics() for card in topic.cards)
    return Known(frozenset(c.id for c in tips.categories()), cards)


@cache
def rules() -> SpikeRules:
    """The rule, read once. Raises PackError (a ValueError) naming the file, the item and the
    field when the pack is broken, or when a kind or card it names does not exist."""
    return load(SpikeRules, PATH, _known())


def problems(path: Path | None = None) -> list[str]:
    """What `binhyen content check` finds in the pack (empty when all is well); never raises."""
    try:
        known: Known | None = _known()
    except PackError:
        known = None  # the category and awareness packs report their own problems
    try:
        load(SpikeRules, path or PATH, known)
    except PackError as exc:
        return list(exc.problems)
    return []
