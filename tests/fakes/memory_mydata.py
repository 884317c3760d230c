"""The in-memory MyData port (see tests/fakes/memory_uow.py): what a resident's rows hold, and
their erasure, as storage/mydata.py does it. The fake keeps no outbox, so it counts none; the
leader's link to a chat lives in the broadcasting fake, which the handler unlinks through the
ChatLinks port."""

from __future__ import annotations

from datetime import datetime

from handlers.audit import AuditAction
from handlers.ports import (
    Erased,
    HeldAccount,
    HeldChat,
    HeldSubscription,
    Subscription,
    SubscriptionKind,
)
from tests.fakes.memory_db import StoredAudit, Tx


class MemoryMyData:
    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def account(self, resident_id: str) -> HeldAccount | None:
        row = self.tx.residents.get(resident_id)
        if row is None:
            return None
        chats = [i for i in self.tx.identities.all() if i.resident_id == resident_id]
        subscriptions = sorted(
            self.tx.subscriptions.where(lambda s: s.resident_id == resident_id),
            key=lambda s: (s.since, s.id),
        )
        return HeldAccount(
            since=None,
            consent_version=row.consent_version,
            consent_at=row.consent_at,
            chats=tuple(HeldChat(c.channel, c.platform_user_id, None, c.reachable) for c in chats),
            subscriptions=tuple(
                HeldSubscription(
                    Subscription(SubscriptionKind(s.kind), s.commune_code), s.since, s.until
                )
                for s in subscriptions
            ),
        )

    async def erase(self, resident_id: str) -> Erased:
        tx = self.tx
        subscriptions = [s.id for s in tx.subscriptions.all() if s.resident_id == resident_id]
        progress = [(p.resident_id, p.topic_id) for p in tx.progress.all()]
        progress = [key for key in progress if key[0] == resident_id]
        chats = [
            (i.channel, i.account, i.platform_user_id)
            for i in tx.identities.all()
            if i.resident_id == resident_id
        ]
        for key in subscriptions:
            tx.subscriptions.delete(key)
        for pair in progress:
            tx.progress.delete(pair)
        for identity in chats:
            tx.identities.delete(identity)
        # Issue 20: a name in the honour list whose tip no longer has an owner goes too.
        for entry in tx.honour.all():
            tip = tx.tips.get(entry.tip_id)
            if tip is None or (tip.owner_ref is None and not tip.reporter_sealed):
                tx.honour.delete(entry.tip_id)
        return Erased(
            resident=tx.residents.delete(resident_id),  # with the neighbourhood it names
            chats=len(chats),
            subscriptions=len(subscriptions),
            progress=len(progress),
        )

    async def record(self, action: AuditAction, *, detail: str, now: datetime) -> None:
        row = StoredAudit(
            self.tx.db.next_id(), now, action.value, actor_username="resident", detail=detail[:64]
        )
        self.tx.audit.put(row.id, row)
