"""What the router needs of a conversation flow.

A flow module (handlers/start.py, handlers/report/, …) is itself the implementation: its
`FLOW` name, `prompt` and `on_event` are checked against this Protocol where the router lists
it (PEP 544: modules can implement protocols), so a flow missing one, or with the wrong
signature, fails mypy rather than a resident's message.
"""

from __future__ import annotations

from typing import Protocol

from handlers.context import Ctx
from handlers.model import Reply


class Flow(Protocol):
    @property
    def FLOW(self) -> str:
        """The name a chat's state keeps while it is in this flow."""
        ...

    def prompt(self, ctx: Ctx) -> list[Reply]:
        """Show the current step again: after a stale button, bad input, help or "back"."""
        ...

    async def on_event(self, ctx: Ctx) -> list[Reply]:
        """Handle what the resident sent at the current step."""
        ...
