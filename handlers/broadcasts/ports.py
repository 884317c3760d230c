"""What the broadcast use cases need from storage, and the plain data they pass through it.
storage/broadcasts/ is the SQL store, tests/fakes/memory_broadcasts.py the in-memory one;
tests/integration/test_broadcasts_contract.py holds both to one contract."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from handlers.audit import AuditAction
from handlers.broadcasts.words import BroadcastKind, BroadcastStatus, Counts
from handlers.people import AdminRole, Identity


@dataclass(frozen=True)
class Neighbourhood:
    id: int
    commune_code: str
    name: str
    code: str = ""


@dataclass
class Broadcast:
    id: str
    kind: BroadcastKind
    text: str
    status: BroadcastStatus
    sender_id: int | None
    sender_role: AdminRole
    province_code: str
    communes: tuple[str, ...]
    neighbourhoods: tuple[int, ...]  # none: the whole communes
    created_at: datetime
    photo_ref: str = ""
    photo_mime: str = ""
    decided_by: int | None = None
    decided_at: datetime | None = None
    reject_reason: str = ""
    queued_at: datetime | None = None
    recipients: int = 0
    cancelled_at: datetime | None = None
    campaign: str = ""  # the campaign whose message this is (content/campaigns.py)


@dataclass(frozen=True)
class Listing:
    """Which broadcasts a reader asks for: those reaching any of `communes` (or of
    `province`), or those `sender_id` sent; newest first, before `before` (a broadcast id)."""

    communes: tuple[str, ...] = ()
    province: str = ""
    sender_id: int | None = None
    status: BroadcastStatus | None = None
    before: str = ""
    limit: int = 50


class BroadcastStore(Protocol):
    async def neighbourhoods(self, communes: tuple[str, ...]) -> list[Neighbourhood]:
        """The active neighbourhoods of these communes, by commune and name."""
        ...

    async def leader_neighbourhoods(self, user_id: int) -> list[Neighbourhood]:
        """The active neighbourhoods a leader speaks for (none: their whole commune)."""
        ...

    async def leader_approval(self, commune_code: str) -> bool:
        """Whether the commune's police approve its leaders' notices (the default: yes)."""
        ...

    async def sent_since(self, sender_id: int, since: datetime) -> int:
        """How many broadcasts the account has made since then, rejected ones aside."""
        ...

    async def add(self, broadcast: Broadcast) -> None: ...

    async def get(self, broadcast_id: str, *, for_update: bool = False) -> Broadcast | None: ...

    async def move(self, broadcast: Broadcast, was: BroadcastStatus) -> bool:
        """Save the broadcast's new status and decision if it still has status `was`;
        False when another decision came first (exactly one of two racing ones takes)."""
        ...

    async def fan_out(self, broadcast: Broadcast, now: datetime) -> int:
        """Queue one message per resident of the addressed area subscribed to the
        broadcast's kind, in the outbox, at a broadcast's priority; a resident already
        queued for it is not queued again. How many were queued in all."""
        ...

    async def cancel_queued(self, broadcast_id: str, now: datetime) -> int:
        """Take the broadcast's messages not yet sent out of the queue; how many."""
        ...

    async def tell_sender(
        self, broadcast: Broadcast, notice: str, params: dict[str, str], now: datetime
    ) -> bool:
        """Queue `notice` (handlers/notices.py) for the chat the sender linked, in the outbox
        as a tip's notice is; False, and nothing queued, when they linked none."""
        ...

    async def counts(self, broadcast_id: str) -> Counts: ...

    async def counts_of(self, broadcast_ids: Sequence[str]) -> dict[str, Counts]:
        """Several broadcasts' counts at once (a page of a list); one with no message is
        left out."""
        ...

    async def listing(self, query: Listing) -> list[Broadcast]: ...

    async def audit(
        self,
        actor: Identity,
        action: AuditAction,
        broadcast: Broadcast,
        *,
        detail: str = "",
        reason: str = "",
        ip: str = "",
        now: datetime,
    ) -> None: ...
