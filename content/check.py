"""Validation of the catalogs (and, as they arrive, the content packs)."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from content import (
    areas,
    awareness,
    campaigns,
    dates,
    holidays,
    keywords,
    legal,
    scamcheck,
    spikes,
    tips,
    understand,
)
from content.extract import extract
from content.i18n import DOMAIN, LANGUAGES, po_path
from content.schema.base import PackError, shown, twice

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ("bot", "handlers", "content", "admin")
KEYWORDS = {"Msg": None, "say": None, "translate": None, "choice": (2,), "_": None, "gettext": None}


def used_ids() -> set[str]:
    """Every message id the source marks for translation."""
    found: set[str] = set()
    for folder in SOURCE_DIRS:
        path = ROOT / folder
        if not path.is_dir():
            continue
        method_map: list[tuple[str, Any]] = [
            ("**.py", extract),
            ("**/templates/**.html", "jinja2"),
        ]
        for _file, _line, message, _comments, _ctx in extract_from_dir(
            str(path), method_map=method_map, keywords=KEYWORDS
        ):
            if isinstance(message, str) and "." in message and " " not in message:
                found.add(message)
    return found


def check_catalogs() -> list[str]:
    problems: list[str] = []
    wanted = used_ids()
    for lang in LANGUAGES:
        with po_path(lang).open("rb") as fh:
            catalog = read_po(fh, locale=lang, domain=DOMAIN)
        try:
            write_mo(io.BytesIO(), catalog)
        except Exception as exc:
            problems.append(f"{lang}: catalog does not compile: {exc}")
        have = {str(m.id): m.string for m in catalog if m.id}
        for msgid in sorted(wanted - have.keys()):
            problems.append(f"{lang}: missing message {msgid}")
        for msgid, text in sorted(have.items()):
            if not text:
                problems.append(f"{lang}: empty translation for {msgid}")
            elif isinstance(text, str) and unicodedata.normalize("NFC", text) != text:
                problems.append(f"{lang}: {msgid} is not NFC")
        for msgid in sorted(have.keys() - wanted):
            problems.append(f"{lang}: unused message {msgid}")
    return problems


def check_packs() -> list[str]:
    """Problems of the content packs: every pack loads and meets its rules (the models in
    content/schema/), each problem naming the file, the item and the field."""
    return (
        awareness.problems()
        + areas.problems()
        + scamcheck.check_packs()
        + tips.problems()
        + keywords.problems()
        + dates.problems()
        + understand.problems()
        + holidays.problems()
        + check_spikes()
        + campaigns.problems()
        + legal.problems()
        + check_files()
    )


def check_files(packs: Path | None = None) -> list[str]:
    """What the models cannot see in the pack files: a topic or campaign saved as .yml (the
    folder is read for *.yaml only, so it would be left out without a word), and a key given
    twice in one mapping (YAML keeps the last and loses the first without a word)."""
    folders = (
        (packs / "awareness", packs / "campaigns")
        if packs is not None
        else (awareness.PACK_DIR, campaigns.PACK_DIR)
    )
    problems = [
        f"{shown(path)}: is not read: a pack file ends in .yaml"
        for folder in folders
        for path in sorted(folder.glob("*"))
        if path.suffix.lower() in (".yaml", ".yml") and path.suffix != ".yaml"
    ]
    root = packs if packs is not None else awareness.PACK_DIR.parent
    for path in sorted(root.rglob("*.yaml")):
        problems += twice(path)
    return problems


def check_spikes() -> list[str]:
    """Problems of spike_rules.yaml: its numbers, and each kind a tip category and each
    card an awareness card (content/schema/spikes.py)."""
    return spikes.problems()


# What the flows read from the packs, each read once and kept.
_SERVED: tuple[Callable[[], object], ...] = (
    awareness.topics,
    scamcheck.packs,
    tips.categories,
    lambda: understand.urgency(""),
    lambda: keywords.intent_of(""),
    lambda: understand.read("menu"),
    keywords.answer_words,
    holidays.pack,
    spikes.rules,
    campaigns.all_campaigns,
    legal.rules,
)


def load_packs() -> None:
    """Every pack the flows use, read and kept now: a broken one stops start-up with its
    file, item and field named, instead of failing a resident's first message. Raises
    PackError with every problem found."""
    found: list[str] = []
    for served in _SERVED:
        try:
            served()
        except PackError as exc:
            found += exc.problems
    if found:
        raise PackError(found)


def check_all() -> list[str]:
    return check_catalogs() + check_packs()
