"""The legal rules of casework, from content/packs/legal_rules.yaml (its form and rules:
content/schema/legal.py): each track's deadlines with the text they come from, the procedure
a reporter is told applies, and the track each tip category starts on."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from content import tips
from content.schema.base import PackError, load
from content.schema.legal import Document, Known, LegalRules, Rule, Source, Track

__all__ = [
    "PATH",
    "Document",
    "LegalRules",
    "Rule",
    "Source",
    "Track",
    "citation",
    "problems",
    "rule",
    "rules",
    "track",
    "track_of",
]

PATH = Path(__file__).parent / "packs" / "legal_rules.yaml"
DEFAULT_TRACK = "crime"  # a category on no track runs on the strictest procedure


def _known() -> Known | None:
    try:
        return Known(frozenset(c.id for c in tips.categories()))
    except PackError:
        return None  # the categories' pack reports its own problems


@cache
def rules() -> LegalRules:
    """The pack, read once; PackError names the file, the item and the field."""
    return load(LegalRules, PATH, _known())


def problems(path: Path | None = None) -> list[str]:
    """What `binhyen content check` finds in the pack; never raises."""
    try:
        load(LegalRules, path or PATH, _known())
    except PackError as exc:
        return list(exc.problems)
    return []


@cache
def track(track_id: str) -> Track:
    """A track's rules; KeyError for a track the pack does not hold (it holds every one)."""
    for found in rules().tracks:
        if found.id == track_id:
            return found
    raise KeyError(track_id)


def rule(track_id: str, rule_id: str) -> Rule | None:
    """The track's rule of that id, or None when the track has no such deadline."""
    return next((r for r in track(track_id).rules if r.id == rule_id), None)


@cache
def track_of(category: str) -> str:
    """The track a tip of this category starts on."""
    for found in rules().tracks:
        if category in found.categories:
            return str(found.id)
    return DEFAULT_TRACK


def document(document_id: str) -> Document:
    return next(d for d in rules().documents if d.id == document_id)


def citation(source: Source, lang: str) -> str:
    """Where a rule comes from, as an officer reads it: "Điều 14 khoản 1, Thông tư liên tịch
    số 01/2017/…" or "Art. 14(1), Joint Circular No. 01/2017/…"; the service standard by
    its name alone."""
    doc = document(source.document)
    name = doc.name.get(lang)
    if source.effective > doc.effective:  # the wording of an amendment
        day = source.effective
        name += (
            f" (as amended, from {day.isoformat()})"
            if lang == "en"
            else (f" (sửa đổi, từ {day.day:02d}/{day.month:02d}/{day.year})")
        )
    if source.article is None:
        return name
    if lang == "en":
        where = f"Art. {source.article}"
        if source.clause is not None:
            where += f"({source.clause})"
        if source.point is not None:
            where += f"({source.point})"
        return f"{where}, {name}"
    parts = [f"Điều {source.article}"]
    if source.clause is not None:
        parts.insert(0, f"khoản {source.clause}")
    if source.point is not None:
        parts.insert(0, f"điểm {source.point}")
    where = " ".join(parts)
    return f"{where[0].upper()}{where[1:]}, {name}"
