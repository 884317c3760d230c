"""A short detour from whatever the chat was doing (answering the police's question, giving a
name for the honour list): where the chat was is kept in the detour's own state data under
"resume", and put back when the detour ends, so that a half-written tip goes on where it was.
"""

from __future__ import annotations

from typing import Any

from handlers.context import Ctx


def snapshot(ctx: Ctx, flow: str) -> dict[str, Any]:
    """Where the chat was, to go back to afterwards; kept once, not nested: a detour begun from
    the same detour (`flow`) keeps the place it first left."""
    state = ctx.state
    if state.flow == flow:
        resume = state.data.get("resume")
        return dict(resume) if isinstance(resume, dict) else {}
    return {"flow": state.flow, "step": state.step, "data": state.data}


def resume(ctx: Ctx) -> None:
    """Back to what the chat was doing; whatever the detour held is forgotten with its step."""
    saved = ctx.state.data.get("resume")
    saved = saved if isinstance(saved, dict) else {}
    ctx.state.go(str(saved.get("flow", "")), str(saved.get("step", "")))
    data = saved.get("data")
    ctx.state.data = dict(data) if isinstance(data, dict) else {}
