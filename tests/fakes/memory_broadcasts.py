"""An in-memory `BroadcastStore` (handlers/broadcasts/ports.py) for the broadcast use cases'
tests, held to the SQL store's contract by tests/integration/test_broadcasts_contract.py.

`MemoryBroadcasting` keeps what is committed: neighbourhoods, leaders' neighbourhoods,
communes' approval choice, residents (commune, neighbourhood, subscriptions), broadcasts,
their queued messages and audit rows. A `MemoryBroadcastStore` is one unit of work: its
writes are seen by itself at once and by others after `commit()`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from handlers.audit import AuditAction
from handlers.broadcasts.ports import Broadcast, Listing, Neighbourhood
from handlers.broadcasts.words import (
    SUBSCRIPTION_OF,
    BroadcastStatus,
    Counts,
    MessageState,
)
from handlers.chat_links import LINKING_ROLES, WRONG, LinkCode, LinkedChat, Wants
from handlers.people import AdminRole, Identity
from handlers.ports import Subscription, SubscriptionKind

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # a link set up by hand, with no time


@dataclass
class Message:
    broadcast_id: str
    resident_id: str
    state: MessageState = MessageState.QUEUED
    channel: str = ""


@dataclass
class Resident:
    commune_code: str
    neighbourhood_id: int | None = None
    subscriptions: set[Subscription] = field(default_factory=set)


@dataclass
class MemoryBroadcasting:
    neighbourhoods: dict[int, Neighbourhood] = field(default_factory=dict)
    inactive: set[int] = field(default_factory=set)
    leaders: dict[int, set[int]] = field(default_factory=dict)  # user id -> neighbourhoods
    approval: dict[str, bool] = field(default_factory=dict)
    residents: dict[str, Resident] = field(default_factory=dict)
    broadcasts: dict[str, Broadcast] = field(default_factory=dict)
    messages: dict[tuple[str, str], Message] = field(default_factory=dict)
    audits: list[tuple[AuditAction, str, str, str, str]] = field(default_factory=list)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    # Leaders' chats (handlers/chat_links.py): accounts, codes by hash, links, what they are told.
    accounts: dict[int, Identity] = field(default_factory=dict)
    inactive_accounts: set[int] = field(default_factory=set)
    codes: dict[str, LinkCode] = field(default_factory=dict)
    chats: dict[int, str] = field(default_factory=dict)  # user id -> resident id
    told: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    # (action, actor's username, detail, subject, when)
    link_audits: list[tuple[AuditAction, str, str, str, datetime]] = field(default_factory=list)
    linked_at: dict[int, datetime] = field(default_factory=dict)  # user id -> since when
    chat_channels: dict[str, str] = field(default_factory=dict)  # resident id -> channel
    wants: dict[int, Wants] = field(default_factory=dict)  # officers' choices; none: all on

    def chat_links(self) -> MemoryChatLinks:
        return MemoryChatLinks(self)

    def add_neighbourhood(self, commune_code: str, name: str, code: str = "") -> Neighbourhood:
        found = Neighbourhood(next(self.ids), commune_code, name, code)
        self.neighbourhoods[found.id] = found
        return found

    def store(self) -> MemoryBroadcastStore:
        return MemoryBroadcastStore(self)


class MemoryBroadcastStore:
    def __init__(self, data: MemoryBroadcasting) -> None:
        self.data = data
        self._broadcasts: dict[str, Broadcast] = {}
        self._messages: dict[tuple[str, str], Message] = {}
        self._audits: list[tuple[AuditAction, str, str, str, str]] = []
        self._told: list[tuple[str, str, dict[str, str]]] = []

    def _all(self) -> dict[str, Broadcast]:
        return {**self.data.broadcasts, **self._broadcasts}

    def _active(self, ids: set[int] | None = None) -> list[Neighbourhood]:
        found = [
            n
            for n in self.data.neighbourhoods.values()
            if n.id not in self.data.inactive and (ids is None or n.id in ids)
        ]
        return sorted(found, key=lambda n: (n.commune_code, n.name))

    async def neighbourhoods(self, communes: tuple[str, ...]) -> list[Neighbourhood]:
        return [n for n in self._active() if n.commune_code in communes]

    async def leader_neighbourhoods(self, user_id: int) -> list[Neighbourhood]:
        return self._active(self.data.leaders.get(user_id, set()))

    async def leader_approval(self, commune_code: str) -> bool:
        return self.data.approval.get(commune_code, True)

    async def sent_since(self, sender_id: int, since: datetime) -> int:
        return sum(
            1
            for b in self._all().values()
            if b.sender_id == sender_id
            and b.created_at >= since
            and b.status is not BroadcastStatus.REJECTED
        )

    async def add(self, broadcast: Broadcast) -> None:
        if broadcast.id in self._all():
            raise KeyError(broadcast.id)
        self._broadcasts[broadcast.id] = replace(broadcast)

    async def get(self, broadcast_id: str, *, for_update: bool = False) -> Broadcast | None:
        found = self._all().get(broadcast_id)
        return None if found is None else replace(found)

    async def move(self, broadcast: Broadcast, was: BroadcastStatus) -> bool:
        stored = self._all().get(broadcast.id)
        if stored is None or stored.status is not was:
            return False
        self._broadcasts[broadcast.id] = replace(broadcast)
        return True

    def _recipients(self, broadcast: Broadcast) -> list[str]:
        kind = SUBSCRIPTION_OF[broadcast.kind]
        found = []
        for resident_id, resident in self.data.residents.items():
            if kind is SubscriptionKind.ALERTS:
                wanted = {Subscription(kind, c) for c in broadcast.communes}
                subscribed = bool(resident.subscriptions & wanted)
            else:
                subscribed = Subscription(kind) in resident.subscriptions and (
                    resident.commune_code in broadcast.communes
                )
            placed = (
                not broadcast.neighbourhoods
                or resident.neighbourhood_id in broadcast.neighbourhoods
            )
            if subscribed and placed:
                found.append(resident_id)
        return found

    def _rows(self) -> dict[tuple[str, str], Message]:
        return {**self.data.messages, **self._messages}

    async def fan_out(self, broadcast: Broadcast, now: datetime) -> int:
        rows = self._rows()
        for resident_id in self._recipients(broadcast):
            key = (broadcast.id, resident_id)
            if key not in rows:
                self._messages[key] = Message(broadcast.id, resident_id)
        return sum(1 for b, _ in self._rows() if b == broadcast.id)

    async def cancel_queued(self, broadcast_id: str, now: datetime) -> int:
        taken = 0
        for key, message in self._rows().items():
            if message.broadcast_id == broadcast_id and message.state is MessageState.QUEUED:
                self._messages[key] = replace(message, state=MessageState.CANCELLED)
                taken += 1
        return taken

    async def tell_sender(
        self, broadcast: Broadcast, notice: str, params: dict[str, str], now: datetime
    ) -> bool:
        resident_id = self.data.chats.get(broadcast.sender_id or 0)
        if resident_id is None:
            return False
        self._told.append((resident_id, notice, dict(params)))
        return True

    async def counts(self, broadcast_id: str) -> Counts:
        total: dict[MessageState, int] = {}
        by_channel: dict[str, dict[MessageState, int]] = {}
        for message in self._rows().values():
            if message.broadcast_id != broadcast_id:
                continue
            total[message.state] = total.get(message.state, 0) + 1
            if message.state is not MessageState.QUEUED and message.channel:
                per = by_channel.setdefault(message.channel, {})
                per[message.state] = per.get(message.state, 0) + 1
        return Counts(total, by_channel)

    async def counts_of(self, broadcast_ids: Sequence[str]) -> dict[str, Counts]:
        ids = set(broadcast_ids)
        found = {m.broadcast_id for m in self._rows().values() if m.broadcast_id in ids}
        return {b: await self.counts(b) for b in found}

    async def listing(self, query: Listing) -> list[Broadcast]:
        found = [
            b
            for b in self._all().values()
            if (not query.province or b.province_code == query.province)
            and (not query.communes or set(b.communes) & set(query.communes))
            and (query.sender_id is None or b.sender_id == query.sender_id)
            and (query.status is None or b.status is query.status)
        ]
        found.sort(key=lambda b: (b.created_at, b.id), reverse=True)
        if query.before:
            mark = self._all().get(query.before)
            if mark is not None:
                found = [b for b in found if (b.created_at, b.id) < (mark.created_at, mark.id)]
        return [replace(b) for b in found[: query.limit]]

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
    ) -> None:
        self._audits.append((action, actor.username, broadcast.id, detail, reason))

    def commit(self) -> None:
        self.data.broadcasts.update(self._broadcasts)
        self.data.messages.update(self._messages)
        self.data.audits += self._audits
        self.data.told += self._told
        self._broadcasts, self._messages, self._audits, self._told = {}, {}, [], []


class MemoryChatLinks:
    """The in-memory `ChatLinks`: one unit of work, its writes kept until `commit()`."""

    def __init__(self, data: MemoryBroadcasting) -> None:
        self.data = data
        self._codes: dict[str, LinkCode] = {}
        self._chats: dict[int, str] | None = None
        self._linked_at: dict[int, datetime] = {}
        self._audits: list[tuple[AuditAction, str, str, str, datetime]] = []
        self._wants: dict[int, Wants] = {}

    def _all_codes(self) -> dict[str, LinkCode]:
        return {**self.data.codes, **self._codes}

    def _all_chats(self) -> dict[int, str]:
        return dict(self.data.chats) if self._chats is None else self._chats

    async def add_code(
        self, user_id: int, code_hash: str, created_at: datetime, expires_at: datetime
    ) -> None:
        if code_hash in self._all_codes():
            raise KeyError("unique code_hash")
        self._codes[code_hash] = LinkCode(user_id, expires_at)

    async def find_code(self, code_hash: str) -> LinkCode | None:
        return self._all_codes().get(code_hash)

    async def use_code(self, code_hash: str, now: datetime) -> bool:
        found = self._all_codes().get(code_hash)
        if found is None or found.used_at is not None:
            return False
        self._codes[code_hash] = replace(found, used_at=now)
        return True

    async def leader(self, user_id: int) -> Identity | None:
        found = self.data.accounts.get(user_id)
        if found is None or user_id in self.data.inactive_accounts:
            return None
        return found if found.role is AdminRole.LEADER else None

    async def linkable(self, user_id: int) -> Identity | None:
        found = self.data.accounts.get(user_id)
        if found is None or user_id in self.data.inactive_accounts:
            return None
        return found if found.role in LINKING_ROLES else None

    async def wants(self, user_id: int) -> Wants:
        return {**self.data.wants, **self._wants}.get(user_id, Wants())

    async def set_wants(self, user_id: int, wants: Wants, now: datetime) -> None:
        self._wants[user_id] = wants

    async def link(self, user_id: int, resident_id: str, now: datetime) -> None:
        chats = {u: r for u, r in self._all_chats().items() if r != resident_id}
        chats[user_id] = resident_id
        self._chats = chats
        self._linked_at[user_id] = now

    async def linked_to(self, resident_id: str) -> int | None:
        return next((u for u, r in self._all_chats().items() if r == resident_id), None)

    async def account(self, user_id: int) -> Identity | None:
        return self.data.accounts.get(user_id)

    def _chat(self, user_id: int, resident_id: str) -> LinkedChat:
        since = self._linked_at.get(user_id) or self.data.linked_at.get(user_id, EPOCH)
        return LinkedChat(self.data.chat_channels.get(resident_id, ""), since)

    async def chats(self, user_id: int) -> list[LinkedChat]:
        found = self._all_chats().get(user_id)
        return [] if found is None else [self._chat(user_id, found)]

    async def commune_chats(self, commune_code: str) -> dict[int, list[LinkedChat]]:
        return {
            user_id: [self._chat(user_id, resident_id)]
            for user_id, resident_id in self._all_chats().items()
            if (who := self.data.accounts.get(user_id)) is not None
            and who.role is AdminRole.LEADER
            and who.commune_code == commune_code
        }

    async def unlink(self, user_id: int, channel: str) -> bool:
        chats = self._all_chats()
        found = chats.get(user_id)
        if found is None or self.data.chat_channels.get(found, "") != channel:
            return False
        del chats[user_id]
        self._chats = chats
        return True

    async def wrong_since(self, bot: str, since: datetime) -> int:
        return sum(
            1
            for action, _who, detail, subject, at in [*self.data.link_audits, *self._audits]
            if action is AuditAction.CHAT_LINK_REFUSE
            and subject == bot
            and detail in WRONG
            and at >= since
        )

    async def leader_of(self, resident_id: str) -> Identity | None:
        for user_id, linked in self._all_chats().items():
            if linked == resident_id:
                return await self.leader(user_id)
        return None

    async def audit(
        self,
        action: AuditAction,
        actor: Identity | None,
        *,
        detail: str,
        ip: str,
        now: datetime,
        subject: str = "chat",
    ) -> None:
        who = "" if actor is None else actor.username
        self._audits.append((action, who, str(detail), subject, now))

    def commit(self) -> None:
        self.data.codes.update(self._codes)
        if self._chats is not None:
            self.data.chats = self._chats
        self.data.linked_at.update(self._linked_at)
        self.data.link_audits += self._audits
        self.data.wants.update(self._wants)
        self._codes, self._chats, self._linked_at, self._audits = {}, None, {}, []
        self._wants = {}
