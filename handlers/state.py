"""Conversation state per chat and the small interfaces behind it.

The in-process and Redis implementations live in storage/; one contract test suite runs
against both.
"""

from __future__ import annotations

import json
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

STATE_TTL_SECONDS = 30 * 24 * 3600
DEDUPE_TTL_SECONDS = 24 * 3600
# A chat's lock shared between processes is a lease this long, renewed every third of it
# while its turn runs: a process killed holding a chat frees it within this time.
LEASE_SECONDS = 5.0
# Issue 18: a tip not sent within a day is dropped, with what it said and its (sealed)
# contact details: the report flow's draft, or the draft a scam check keeps to go back to.
DRAFT_TTL_SECONDS = 24 * 3600
# ... and so is a chat whose state names the resident's own tips (the list of "my tips" with
# their codes, an answer to the police under way): the tie between a chat and its tips is
# kept no longer than the resident is using it.
DRAFT_FLOWS = frozenset({"report", "mytips", "answer"})
DRAFT_KEEPERS = ("resume",)  # handlers/check.py's RESUME


@dataclass
class ConversationState:
    """Where a chat is: the flow and step, data gathered so far, and the choices last offered.

    `profile` caches the resident's id, language and area so that most messages need no
    database round trip; the database stays the source of truth.
    """

    flow: str = ""
    step: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    pending: list[list[str]] = field(default_factory=list)
    profile: dict[str, Any] = field(default_factory=dict)
    version: int = 1

    def to_json(self) -> str:
        # A plain dict, not dataclasses.asdict: asdict deep-copies every value first, which
        # measured as a fifth of the core's time per message (docs/BENCHMARKS.md).
        value = {
            "flow": self.flow,
            "step": self.step,
            "data": self.data,
            "pending": self.pending,
            "profile": self.profile,
            "version": self.version,
        }
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str | bytes) -> ConversationState:
        value = json.loads(raw)
        if not isinstance(value, dict):
            raise ValueError("conversation state is not an object")
        return cls(
            flow=str(value.get("flow", "")),
            step=str(value.get("step", "")),
            data=dict(value.get("data") or {}),
            pending=[list(map(str, p)) for p in value.get("pending") or []],
            profile=dict(value.get("profile") or {}),
            version=int(value.get("version", 1)),
        )

    def go(self, flow: str, step: str = "", **data: Any) -> None:
        self.flow, self.step = flow, step
        self.data = dict(data)


def ttl_of(state: ConversationState) -> int:
    """How long a chat's state is kept after its last message: a day while it holds a draft
    tip or names the resident's tips, else 30 days (the database, not this state, is the
    source of truth)."""
    if state.flow in DRAFT_FLOWS or any(k in state.data for k in DRAFT_KEEPERS):
        return DRAFT_TTL_SECONDS
    return STATE_TTL_SECONDS


class StateStore(Protocol):
    async def load(self, key: str) -> ConversationState | None: ...

    async def save(
        self, key: str, state: ConversationState, ttl: int = STATE_TTL_SECONDS
    ) -> None: ...

    async def delete(self, key: str) -> None: ...


class EventClaims(Protocol):
    """Dedupe of platform event ids: the first claim wins, later ones are duplicates.

    A claim is "taken" while its event is handled and "done" once its turn ended
    (`finish`). A claim found taken by someone who holds the chat's lock belongs to a turn
    that never ended: its process died in the middle (issue 19), and the event is handled
    again or its owed replies sent (bot/dispatcher.py), not dropped as a duplicate.
    """

    async def claim(self, event_key: str, ttl: int = DEDUPE_TTL_SECONDS) -> bool: ...

    async def finished(self, event_key: str) -> bool:
        """Whether an existing claim's turn ended (False: taken, or no claim at all)."""
        ...

    async def finish(self, event_key: str, ttl: int = DEDUPE_TTL_SECONDS) -> None: ...

    async def release(self, event_key: str) -> None: ...


class ChatLocks(Protocol):
    """Serialises the handling of one chat's events; other chats run concurrently. A lock
    shared between processes is a lease of a few seconds that its holder renews while it
    runs, so that a process killed while it held a chat frees it within LEASE_SECONDS."""

    def hold(self, chat_key: str) -> AbstractAsyncContextManager[None]: ...


class Turn(Protocol):
    """One event's hold on its chat: whether the event is new, and the chat's state."""

    claimed: bool
    state: ConversationState | None
    # The event was claimed before by a turn that never ended (its process died holding the
    # chat): that turn may have committed, and its replies may be owed.
    unfinished: bool
    # The chat's lease was lost while the turn ran (another process may have the chat now).
    lost: bool

    def keep(self, state: ConversationState) -> None:
        """Save this state when the turn ends."""
        ...

    def fail(self) -> None:
        """The event was not handled: let a retry of it through."""
        ...

    def abandon(self) -> None:
        """Leave the event's claim as it is and save nothing (the chat is another's now)."""
        ...


class Conversations(Protocol):
    """Lock, claim and load on entry; save or release and unlock on exit. A store may fuse
    these into as few round trips as it can (Redis: one script each way)."""

    def turn(self, chat_key: str, event_key: str) -> AbstractAsyncContextManager[Turn]: ...

    async def forget(self, chat_key: str) -> None:
        """Drop a chat's state (its resident's data lives on in the database)."""
        ...
