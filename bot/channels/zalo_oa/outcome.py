"""What sending a reply came to: the status delivery acts on, and the result an officer reads."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from bot.delivery import Pushed
from bot.render import text as render_text
from handlers.model import Msg


class SendStatus(enum.StrEnum):
    SENT = "sent"
    OUTSIDE_WINDOW = "outside_window"
    UNREACHABLE = "unreachable"
    FAILED = "failed"


_EXPLAINED = {
    SendStatus.SENT: Msg("zalo_oa.sent"),
    SendStatus.OUTSIDE_WINDOW: Msg("zalo_oa.undeliverable_window"),
    SendStatus.UNREACHABLE: Msg("zalo_oa.undeliverable_unreachable"),
    SendStatus.FAILED: Msg("zalo_oa.undeliverable_failed"),
}


# What a push (bot/outbox.py) came to, in the outbox's words: outside the window, the message
# waits for the resident to write again (no paid template message is sent); a failure is
# tried again later.
PUSHED = {
    SendStatus.SENT: Pushed.SENT,
    SendStatus.OUTSIDE_WINDOW: Pushed.OUTSIDE_WINDOW,
    SendStatus.UNREACHABLE: Pushed.UNREACHABLE,
    SendStatus.FAILED: Pushed.RETRY,
}


@dataclass(frozen=True, slots=True)
class SendResult:
    status: SendStatus
    last_interaction: datetime | None = None

    @property
    def delivered(self) -> bool:
        return self.status is SendStatus.SENT

    def explain(self, lang: str) -> str:
        """What to tell whoever wrote the message (an officer), in their language."""
        return render_text(_EXPLAINED[self.status], lang)
