"""What became of the messages to a tip's reporter, as the tip page shows them: the ones not
delivered (yet), each by the action that caused it and its state. A message waiting for the
reporter to come back (they blocked the bot, or Zalo OA's 7-day window is closed) is not
lost: it goes out when they next write (storage/outbox.py); so is one kept for a reporter
who uses the web chat only until their page fetches it (pending, marked for the web chat:
it is not "being sent", it waits for them). A delivered one is not listed:
it forgets its tip once sent (issue 18), and the timeline already shows the action."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from admin.tip_words import EVENT_KINDS
from storage.outbox import WEB, OutboxStatus, Undelivered


def _(msgid: str) -> str:
    """Marks a catalog id that a template builds at render time, so that the catalog check
    sees it as used."""
    return msgid


BUILT_IDS = (
    _("panel.delivery.pending"),
    _("panel.delivery.waiting"),
    _("panel.delivery.unreachable"),
    _("panel.delivery.failed"),
)
# The states a tip's message can be listed in (opted out and cancelled are broadcasts').
STATES = frozenset(i.removeprefix("panel.delivery.") for i in BUILT_IDS)
NOTICE_PREFIX = "tip."  # handlers/notices.py: "tip.acknowledged" → the event "acknowledged"


@dataclass(frozen=True)
class Listed:
    event: str  # the timeline's kind of the action ("panel.event." ~ event); "" if none
    status: str  # one of STATES
    at: datetime  # when the action was taken (the message's own date)


def listed(messages: list[Undelivered]) -> list[Listed]:
    shown = []
    for message in messages:
        status = message.status.value
        if message.status is OutboxStatus.PENDING and message.channel == WEB:
            status = OutboxStatus.WAITING.value  # for the web chat's page to fetch
        if status not in STATES:
            continue
        event = message.kind.removeprefix(NOTICE_PREFIX)
        shown.append(Listed(event if event in EVENT_KINDS else "", status, message.created_at))
    return shown
