"""Free text the bot is unsure about: one short question with the two or three things the
resident most likely meant, never a dead end. The router reads the text (content/understand.py)
and acts on what it understood; what it chose when asked comes back as `unsure:<intent>`.

Also where free text may start something else (`FREE_AT`): the menu and the steps that wait for
a button outside a tip. Inside a tip, an answer or a step that takes text, what is typed is
content, and only whole-message words (keywords.yaml) and words of danger are read from it.
"""

from __future__ import annotations

import re

from content import scamcheck
from content.text import fold
from content.understand import Reading, Where, read
from handlers import answer, receipt
from handlers.common import NAV_EMERGENCY, ask, choice, not_understood, with_nav
from handlers.context import Ctx
from handlers.model import Choice, Msg, Reply

FLOW = "unsure"
KEPT = 2000
PREFIX = "unsure:"

# Flows (and their steps; None: every step) where free text may start something else.
FREE_AT: dict[str, frozenset[str] | None] = {
    "": None,
    "menu": None,
    FLOW: None,
    "scammed": None,
    "learn": None,
    "settings": frozenset({"menu"}),
    "subs": None,
    "check": frozenset({"offer", "verdict"}),
    "mytips": frozenset({"list"}),
    "police": frozenset({"page"}),  # the commune police's page, not its choice of commune
}
# The question's button for each likely intent.
CHOICES = {
    "report": choice(PREFIX + "report", "menu.tip"),
    "check": choice(PREFIX + "check", "menu.check"),
    "scammed": choice(PREFIX + "scammed", "understood.choice_scammed"),
    "learn": choice(PREFIX + "learn", "menu.learn"),
    "follow": choice(PREFIX + "follow", "menu.mytips"),
    "settings": choice(PREFIX + "settings", "menu.settings"),
    "contact": choice(PREFIX + "contact", "menu.police"),
    "help": choice(PREFIX + "help", "understood.choice_help"),
    "stop": choice(PREFIX + "stop", "understood.choice_stop"),
}


def free_here(ctx: Ctx) -> bool:
    """Whether free text may start something else at the step the chat is at."""
    if not ctx.profile.has_area or ctx.state.flow not in FREE_AT:
        return False
    steps = FREE_AT[ctx.state.flow]
    return steps is None or ctx.state.step in steps


def ask_which(
    ctx: Ctx, maybe: tuple[str, ...], text: str, category: str | None, topic: str | None
) -> list[Reply]:
    likely = [intent for intent in maybe if intent in CHOICES][:3]
    if not likely:
        return []
    ctx.state.go(
        FLOW, "which", text=text[:KEPT], category=category or "", topic=topic or "", likely=likely
    )
    return prompt(ctx)


def _choices(ctx: Ctx) -> list[Choice]:
    items = [CHOICES[i] for i in ctx.state.data.get("likely", []) if i in CHOICES]
    items.append(choice(NAV_EMERGENCY, "menu.emergency"))
    return items


def prompt(ctx: Ctx) -> list[Reply]:
    return [with_nav(ask(Msg("understood.which"), _choices(ctx)))]


async def on_event(ctx: Ctx) -> list[Reply]:
    """What the router did not take (its `unsure_picked` takes the question's buttons)."""
    return [not_understood(ctx.event.kind), *prompt(ctx)]


def meaning(text: str, where: Where) -> Reading:
    """What the router takes a typed message to mean, in the order its checks run: a receipt
    code is a follow-up (outside a tip and an answer), a whole-message word, words of danger,
    then free text. For the labelled set and the benchmark; the router runs the same steps
    one check at a time."""
    typed_answer = answer.typed_answer(text) is not None  # "TRẢ LỜI BY-…": an answer
    found = receipt.read_follow_up(text) if where is Where.MENU and not typed_answer else None
    if (found is not None and found.prefixed) or (where is Where.MENU and code_like(text)):
        return Reading(intent="follow")  # followed up, or the mistyped code asked again
    return read(text, where=where, indicators=bool(scamcheck.extract(text).found()))


# A receipt code mistyped ("BY-8R2N-T5" with a wrong letter): said so, and asked again.
_CODE_SHAPE = re.compile(r"by[-. ]?[0-9a-z]{4}[-. ]?[0-9a-z]{2}(?![0-9a-z])")


def code_like(text: str) -> bool:
    """Whether a message begins like a receipt code, with a digit or a dash in it, though no
    code is read from it ("by myself" does not)."""
    folded = fold(text).strip()
    shaped = _CODE_SHAPE.match(folded)
    if shaped is None or len(folded) > 40:
        return False
    return any(c.isdigit() or c == "-" for c in shaped[0])
