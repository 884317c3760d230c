"""How much of a phone screen an awareness card takes, as residents see it.

A cheap 5-inch phone shows about 18 rows of 36 characters in a chat bubble. A card is drawn
from the catalog's template (`learn.card`, or `learn.tip_card` for the advice of the day): its
header, title, body, action and source line, then its buttons. Every button is a row:
Telegram and the web chat put one button on a row; the Zalo Bot writes each as a numbered
line, leaving out the blank line above them and the "reply with the number" hint under them
when the message would not fit a screen with them (bot/channels/zalo_bot/rendering.py); a
Zalo OA message shows up to four buttons, and a card has no more (MAX_CHOICES). `card_lines`
wraps the text the way a chat bubble does (at spaces, a word longer than a line cut) and
counts the rows; `content check` refuses a card that needs more than SCREEN_ROWS in either
language, at every place it is shown.

`card_buttons` is also what the learn flow (handlers/learn.py) offers under a card, so the
measure and the bot cannot drift apart; the way home and the emergency numbers (NAV_BUTTONS)
are added to every reply by handlers/common.with_nav.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import cache

from content.i18n import translate

SCREEN_COLUMNS = 36
SCREEN_ROWS = 18
# A Zalo OA message carries at most four buttons; with more choices it would list them all as
# numbered lines above the buttons as well (bot/channels/zalo_oa/render.py), five rows more.
MAX_CHOICES = 4


def _(msgid: str) -> str:
    """Marks a message id for the catalog check; the id itself."""
    return msgid


NAV_BUTTONS = (_("nav.menu"), _("nav.emergency"))
# A day as the advice of the day shows it: the widest form ("dd/mm/yyyy").
_DAY = "28/12/2026"


@cache
def _width(ch: str) -> int:
    """Columns a character takes: emoji and wide East Asian letters two, marks none. The
    emoji selector (U+FE0F) counts one: it turns the narrow sign before it ("⚠", "☎") into
    a two-column emoji."""
    if ch == "\ufe0f":
        return 1
    if unicodedata.combining(ch) or ch in "\u200b\u200d":
        return 0
    if unicodedata.east_asian_width(ch) in ("W", "F") or ord(ch) >= 0x1F000:
        return 2
    return 1


def width(text: str) -> int:
    return sum(map(_width, text))


def wrap(line: str, columns: int = SCREEN_COLUMNS) -> list[str]:
    """One line of text as a bubble wraps it: at spaces, a longer word cut where it must."""
    rows: list[str] = []
    row, used = "", 0
    for word in line.split(" "):
        size = width(word)
        if row and used + 1 + size <= columns:
            row, used = f"{row} {word}", used + 1 + size
            continue
        if row or rows:
            rows.append(row)
        row, used = word, size
        while used > columns:  # a link or a long number: cut it
            cut, taken = 0, 0
            while cut < len(row) and taken + _width(row[cut]) <= columns:
                taken += _width(row[cut])
                cut += 1
            rows.append(row[:cut])
            row, used = row[cut:], used - taken
    rows.append(row)
    return rows


def rows(text: str, columns: int = SCREEN_COLUMNS) -> list[str]:
    """Every screen row of a text, its empty lines included."""
    return [row for line in text.split("\n") for row in wrap(line, columns)]


def card_buttons(index: int, total: int, has_quiz: bool) -> tuple[str, ...]:
    """The message ids of the buttons under card `index` of `total`, in order: forward and
    back, the quiz after the last card, and the list of topics on the first card (for a
    resident who opened the wrong topic) and on a last card without a quiz (the quiz's score
    offers it). With the way home and the emergency numbers added later, a card never has
    more than MAX_CHOICES."""
    buttons: list[str] = []
    if index + 1 < total:
        buttons.append(_("learn.next"))
    if index > 0:
        buttons.append(_("learn.previous"))
    last = index + 1 == total
    if has_quiz and last:
        buttons.append(_("learn.take_quiz"))
    if index == 0 or (last and not has_quiz):
        buttons.append(_("learn.back_to_topics"))
    return tuple(buttons)


ADVICE_BUTTONS = (_("learn.open_topic"), _("learn.back_to_topics"))


def card_lines(
    parts: dict[str, str], lang: str, *, index: int, total: int, has_quiz: bool
) -> list[str]:
    """The rows card `index` takes in its topic: text, then one row per button."""
    text = translate("learn.card", lang, {"n": index + 1, "total": total, **parts})
    buttons = card_buttons(index, total, has_quiz) + NAV_BUTTONS
    return rows(text) + gap(text) + _button_rows(buttons, lang)


def advice_lines(parts: dict[str, str], topic_title: str, lang: str) -> list[str]:
    """The rows the same card takes as the advice of the day."""
    text = translate("learn.tip_card", lang, {"day": _DAY, "topic": topic_title, **parts})
    return rows(text) + gap(text) + _button_rows(ADVICE_BUTTONS + NAV_BUTTONS, lang)


NUMBERED = re.compile(r"(?m)^\d+\. ")


def gap(text: str) -> list[str]:
    """The blank row the Zalo Bot keeps between a card's own numbered list ("1. Dừng lại…")
    and its numbered choices, so that the two lists do not read as one."""
    return [""] if NUMBERED.search(text) else []


def _button_rows(buttons: Sequence[str], lang: str) -> list[str]:
    # A numbered line on the Zalo Bot ("1. Tiếp ▶"), a button elsewhere: the longer form.
    return [
        row for n, msgid in enumerate(buttons, 1) for row in wrap(f"{n}. {translate(msgid, lang)}")
    ]
