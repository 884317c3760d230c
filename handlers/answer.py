"""The reporter's side of the dialogue: answering a police question, rating the outcome.

Both start from a pushed message (handlers/notices.py), whose buttons the chat's pending
choices may no longer hold, so `pushed` is asked before the router's stale-choice check:
- "answer:<code>" (or typing "TRẢ LỜI <code>") asks for the answer and takes the next text
  message as it; "TRẢ LỜI <code> <answer>" answers at once. Whatever the chat was doing is
  put aside and resumed afterwards (and on cancel).
- "rate:<code>:<n>" stores the rating once.
Only the resident who sent the tip may do either; anyone else gets the same answer as for a
code that does not exist.

Being an aside, this module only says what happened (and puts the chat back where it was):
the router then shows the step the chat stands at, which may be in any flow. That keeps the
flows' registry out of here, and this module out of an import cycle with the router.
"""

from __future__ import annotations

import re

from content.keywords import answer_words
from content.text import fold
from handlers import detour
from handlers.common import ask, choice, not_understood, say, with_nav
from handlers.context import Ctx
from handlers.model import Kind, Msg, Reply
from handlers.notices import ANSWER_PREFIX, RATE_PREFIX, RATINGS
from handlers.receipt import normalise_code
from handlers.tipmodel import TipView
from handlers.tips.words import TipStatus

FLOW = "answer"
CANCEL = "answer:cancel"
MAX_ANSWER = 4000  # the dispatcher refuses longer messages before any flow sees them

# A tip code inside a typed message; the words before it must be one of the answer words
# (content/packs/keywords.yaml), the words after it are the answer.
_CODE = re.compile(r"BY[\s-]*[0-9A-Z]{4}[\s-]*[0-9A-Z]{2}(?![0-9A-Z])", re.IGNORECASE)
_SEPARATORS = " \t\n:,.;–—-"


def typed_answer(text: str) -> tuple[str, str] | None:
    """(code, answer) of "TRẢ LỜI BY-7K3F-Q9 xe màu đỏ", "tl by7k3fq9: …"; None otherwise."""
    found = _CODE.search(text)
    if found is None or fold(text[: found.start()]).strip(_SEPARATORS) not in answer_words():
        return None
    code = normalise_code(found.group(0))
    return None if code is None else (code, text[found.end() :].strip(_SEPARATORS + " "))


async def pushed(ctx: Ctx, *, typed: bool = True) -> list[Reply] | None:
    """What became of a tap on a pushed button or a typed answer; None when the event is
    neither (the router goes on as usual)."""
    event = ctx.event
    if event.kind is Kind.CHOICE:
        if event.choice.startswith(ANSWER_PREFIX) and event.choice != CANCEL:
            code = normalise_code(event.choice.removeprefix(ANSWER_PREFIX))
            return None if code is None else await _begin(ctx, code, "")
        if event.choice.startswith(RATE_PREFIX):
            return await _rate(ctx, event.choice.removeprefix(RATE_PREFIX))
        return None
    if typed and event.kind is Kind.TEXT:
        typed_in = typed_answer(event.text)
        if typed_in is not None:
            return await _begin(ctx, typed_in[0], typed_in[1], typed=True)
    return None


async def _begin(ctx: Ctx, code: str, answer: str, *, typed: bool = False) -> list[Reply]:
    tip = await ctx.uow.tips.view_by_code(code, ctx.profile.resident_id)
    if tip is None:
        # The same words whether the code does not exist or is someone else's.
        unknown = say("answer.unknown", code=code) if typed else say("input.stale_choice")
        return [unknown]
    refused = await _refusal(ctx, tip)
    if refused is not None:
        return [refused]
    if answer:
        return await _store(ctx, tip.id, tip.code, answer)
    ctx.state.go(FLOW, "text", tip_id=tip.id, code=tip.code, resume=detour.snapshot(ctx, FLOW))
    return []  # the router shows this flow's step: the question


async def _refusal(ctx: Ctx, tip: TipView) -> Reply | None:
    """Why this tip cannot be answered now: closed, or nothing was asked."""
    if tip.status is TipStatus.CLOSED:
        return say("answer.closed", code=tip.code)
    timeline = await ctx.uow.tips.reporter_timeline(tip.id)
    if not any(entry.kind == "question" for entry in timeline):
        return say("answer.no_question", code=tip.code)
    return None


def prompt(ctx: Ctx) -> list[Reply]:
    code = str(ctx.state.data.get("code", ""))
    text = Msg("answer.ask", {"code": code, "limit": MAX_ANSWER})
    return [with_nav(ask(text, [choice(CANCEL, "answer.cancel")]), menu=False)]


def cancel(ctx: Ctx) -> list[Reply]:
    """Cancel (the button, or "hủy" typed): nothing is sent, the chat goes back."""
    detour.resume(ctx)
    return [say("answer.cancelled")]


async def on_answer(ctx: Ctx) -> list[Reply]:
    """What became of the event sent at the question (not named `on_event`: the replies end
    before the step the chat then stands at, which the router adds)."""
    event = ctx.event
    if event.kind is Kind.CHOICE and event.choice == CANCEL:
        return cancel(ctx)
    if event.kind is not Kind.TEXT or not event.text.strip():
        return [not_understood(event.kind)]
    tip_id, code = str(ctx.state.data.get("tip_id", "")), str(ctx.state.data.get("code", ""))
    tip = await ctx.uow.tips.view(tip_id, resident_id=ctx.profile.resident_id)
    if tip is None:  # gone since the question (deleted with its reporter's data)
        detour.resume(ctx)
        return [say("answer.unknown", code=code)]
    if tip.status is TipStatus.CLOSED:
        detour.resume(ctx)
        return [say("answer.closed", code=code)]
    return await _store(ctx, tip.id, code, event.text)


async def _store(ctx: Ctx, tip_id: str, code: str, answer: str) -> list[Reply]:
    if len(answer) > MAX_ANSWER:
        return [say("input.too_long", length=len(answer), limit=MAX_ANSWER)]
    await ctx.uow.tips.add_reporter_answer(tip_id, answer, ctx.config.clock())
    # Typed in one message from elsewhere, the chat was never put aside: it just goes on.
    if ctx.state.flow == FLOW:
        detour.resume(ctx)
    return [say("answer.saved", code=code)]


async def _rate(ctx: Ctx, rest: str) -> list[Reply]:
    code_part, _, stars_part = rest.rpartition(":")
    code = normalise_code(code_part)
    stars = int(stars_part) if stars_part.isdecimal() else 0
    tip = None
    if code is not None and stars in RATINGS:
        tip = await ctx.uow.tips.view_by_code(code, ctx.profile.resident_id)
    if tip is None or tip.status is not TipStatus.CLOSED:
        return [say("input.stale_choice")]
    rated = await ctx.uow.tips.rate(tip.id, stars, ctx.config.clock())
    if rated.recorded:
        return [say("rating.saved", code=tip.code, stars=stars)]
    return [say("rating.already", code=tip.code, stars=rated.stars or stars)]
