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
    )


def replies(items: list[Reply], lang: str) -> list[RenderedReply]:
    return [reply(r, lang) for r in items]
