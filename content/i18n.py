"""Babel catalogs for every resident-facing string, one domain for all channels.

Message ids are symbolic ("menu.title"); both the Vietnamese and the English catalog must
translate every id, which a test checks against the ids extracted from the source.
Parameters use `{name}` placeholders.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

DOMAIN = "binhyen"
LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
LOCALE_DIR = Path(__file__).parent / "locale"


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def catalog(lang: str) -> dict[str, str]:
    """Message id → translation for one language, read straight from the .po file."""
    with po_path(lang).open("rb") as fh:
        parsed = read_po(fh, locale=lang, domain=DOMAIN)
    return {
        str(m.id): str(m.string)
        for m in parsed
        if m.id and isinstance(m.id, str) and isinstance(m.string, str) and m.string
    }


def language(lang: str | None) -> str:
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def translate(msgid: str, lang: str | None, params: dict[str, Any] | None = None) -> str:
    """The message in `lang`, falling back to Vietnamese, then to the id itself."""
    text = catalog(language(lang)).get(msgid) or catalog(DEFAULT_LANGUAGE).get(msgid) or msgid
    if params:
        try:
            return text.format_map(params)
        except (KeyError, IndexError, ValueError):
            return text
    return text
