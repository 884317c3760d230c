"""Renders neutral replies in the resident's language."""

from __future__ import annotations

from content.i18n import translate
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
    return [reply(r, lang) for r in items]


def split(message: str, limit: int) -> list[str]:
    """Cut a text into pieces of at most `limit` characters for a channel's message limit:
    between paragraphs where possible, then between lines, then between words."""
    pieces: list[str] = []
    rest = message
    while len(rest) > limit:
        window = rest[: limit + 1]
        for sep in ("\n\n", "\n", " "):
            cut = window.rfind(sep)
            if cut > limit // 2:
                pieces.append(rest[:cut].rstrip())
                rest = rest[cut + len(sep) :].lstrip("\n ")
                break
        else:
            pieces.append(rest[:limit])
            rest = rest[limit:]
    if rest or not pieces:
        pieces.append(rest)
    return pieces
