"""The words of a broadcast: its kind, its status, and what became of its messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from handlers.ports import SubscriptionKind

# Residents read on cheap phones, and Zalo takes 2,000 characters a message: a notice longer
# than one Zalo message is refused rather than split into parts that arrive out of order.
MAX_TEXT = 2000
MIN_REASON = 5
MAX_REASON = 500
LEADER_DAILY_LIMIT = 5  # the default of BINHYEN_LEADER_BROADCASTS_PER_DAY


class BroadcastKind(StrEnum):
    ALERT = "alert"  # to those subscribed to their commune's alerts
    AWARENESS = "awareness"  # to those subscribed to awareness messages, in the area


# Who receives a kind: the subscription it goes to.
SUBSCRIPTION_OF = {
    BroadcastKind.ALERT: SubscriptionKind.ALERTS,
    BroadcastKind.AWARENESS: SubscriptionKind.AWARENESS,
}


class BroadcastStatus(StrEnum):
    PENDING = "pending"  # a leader's notice waiting for the police's approval
    REJECTED = "rejected"
    SENDING = "sending"  # its messages are queued (shown as "done" once none is left)
    CANCELLED = "cancelled"  # nothing more goes out; what was sent stays sent


# What each status may become; anything else is refused (a Conflict at the edge).
TRANSITIONS: dict[BroadcastStatus, frozenset[BroadcastStatus]] = {
    BroadcastStatus.PENDING: frozenset(
        {BroadcastStatus.SENDING, BroadcastStatus.REJECTED, BroadcastStatus.CANCELLED}
    ),
    BroadcastStatus.SENDING: frozenset({BroadcastStatus.CANCELLED}),
    BroadcastStatus.REJECTED: frozenset(),
    BroadcastStatus.CANCELLED: frozenset(),
}


class MessageState(StrEnum):
    """What became of one resident's message (the outbox row's status)."""

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    UNREACHABLE = "unreachable"
    OPTED_OUT = "opted_out"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Counts:
    """How many messages are in each state, in all and per channel (a queued message has
    no channel yet)."""

    total: dict[MessageState, int] = field(default_factory=dict)
    by_channel: dict[str, dict[MessageState, int]] = field(default_factory=dict)

    def of(self, state: MessageState) -> int:
        return self.total.get(state, 0)

    @property
    def queued(self) -> int:
        return self.of(MessageState.QUEUED)
