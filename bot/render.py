"""Renders neutral replies in the resident's language."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from content.i18n import translate
from handlers.common import NAV_IDS
from handlers.model import Label, Localized, Msg, RenderedChoice, RenderedReply, Reply


def text(label: Label, lang: str) -> str:
    if isinstance(label, Msg):
        params = {
            k: text(v, lang) if isinstance(v, Msg | Localized) else v
            for k, v in label.params.items()
        }
        return translate(label.id, lang, params)
    if isinstance(label, Localized):
        return label.en if lang == "en" else label.vi
    return label


def reply(item: Reply, lang: str) -> RenderedReply:
    parts = item.text if isinstance(item.text, tuple) else (item.text,)
    return RenderedReply(
        text="\n\n".join(text(p, lang) for p in parts),
        choices=tuple(RenderedChoice(c.id, text(c.label, lang)) for c in item.choices),
        request=item.request,
        media=item.media,
        calls=tuple((text(c.label, lang), c.phone) for c in item.calls),
        lang=lang,
    )


def replies(items: list[Reply], lang: str) -> list[RenderedReply]:
    return one_list([reply(r, lang) for r in items])


def one_list(turn: list[RenderedReply]) -> list[RenderedReply]:
    """A turn's choices as one list, on the last reply that offers any. The chat's pending
    choices are that reply's (bot/dispatcher.py), and a channel without buttons numbers each
    reply's list from 1: two lists in one turn (the emergency numbers' before a step's) would
    show two choices numbered 1, and a typed "1" would pick the second list's. So the steps'
    choices come first, in the order the replies offered them, then the ways home; a choice
    offered twice is listed once."""
    offering = [n for n, r in enumerate(turn) if r.choices]
    if len(offering) < 2:
        return turn
    offered = [c for r in turn for c in r.choices]
    steps = _once(c for c in offered if c.id not in NAV_IDS)
    ways_home = _once(c for c in offered if c.id in NAV_IDS)
    last = offering[-1]
    return [
        replace(r, choices=(*steps, *ways_home) if n == last else ()) if r.choices else r
        for n, r in enumerate(turn)
    ]


def _once(choices: Iterable[RenderedChoice]) -> list[RenderedChoice]:
    seen: set[str] = set()
    kept = []
    for c in choices:
        if c.id not in seen:
            seen.add(c.id)
            kept.append(c)
    return kept


# Where a text may be cut, best first; within a level the cut nearest the limit wins. A
# sentence's end keeps its mark in the first piece: a resident reads "…chuyển tiền." and
# then "Nếu có…", never a piece that opens with a stray full stop.
BREAKS: tuple[tuple[str, ...], ...] = (
    ("\n\n",),
    ("\n",),
    (". ", "! ", "? ", "… "),
    (" ",),
)


def _cut(window: str, limit: int) -> tuple[int, int] | None:
    """(end of the first piece, start of the rest) at the best break of `window`, or None
    when every break would leave a first piece of half the limit or less."""
    for level in BREAKS:
        found = [(window.rfind(sep), sep) for sep in level]
        at, sep = max(found, key=lambda f: f[0])
        if at > limit // 2:
            kept = len(sep.rstrip())  # the mark of a sentence's end; none of a blank
            return at + kept, at + len(sep)
    return None


def split(message: str, limit: int) -> list[str]:
    """Cut a text into pieces of at most `limit` characters for a channel's message limit:
    between paragraphs where possible, then between lines, then after a sentence, then
    between words."""
    pieces: list[str] = []
    rest = message
    while len(rest) > limit:
        cut = _cut(rest[: limit + 1], limit)
        if cut is None:
            pieces.append(rest[:limit])
            rest = rest[limit:]
            continue
        end, start = cut
        pieces.append(rest[:end].rstrip())
        rest = rest[start:].lstrip("\n ")
    if rest or not pieces:
        pieces.append(rest)
    return pieces
