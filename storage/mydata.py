"""A resident's own data (issue 18, handlers/mydata.py): what their rows hold, and erasing
them. Their tips are not here: they stay as police records, untied from the resident by
storage/tips.py (`SqlTips.detach_owner`), in the same transaction.

Erasure deletes the rows that name the resident one table at a time, each by an indexed
column, before the resident's row; the foreign keys (ON DELETE CASCADE / SET NULL) would do
the same, but the explicit statements count what went and never lean on SQLite's
`foreign_keys` pragma. A Zalo OA follower's last-interaction row, which names their Zalo id
and no resident, goes too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Table, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.audit import AuditAction
from handlers.ports import (
    Erased,
    HeldAccount,
    HeldChat,
    HeldSubscription,
    Subscription,
    SubscriptionKind,
)
from storage import honour
from storage.admin_users.audit_log import record
from storage.db import utc
from storage.models import (
    AwarenessProgress,
    ChannelIdentity,
    LeaderChat,
    OutboxMessage,
    Resident,
    ResidentNeighbourhood,
    ZaloOaInteraction,
)
from storage.models import Subscription as SubscriptionRow
from storage.outbox import OutboxStatus

OUTBOX = cast(Table, OutboxMessage.__table__)
# What names the resident, deleted before their row in this order (each by an indexed
# column); a name counts what went for the answer.
HANGING_OFF: tuple[tuple[str, Any], ...] = (
    ("messages", OUTBOX.c.resident_id),
    ("subscriptions", cast(Table, SubscriptionRow.__table__).c.resident_id),
    ("progress", cast(Table, AwarenessProgress.__table__).c.resident_id),
    ("neighbourhood", cast(Table, ResidentNeighbourhood.__table__).c.resident_id),
    ("leader_chat", cast(Table, LeaderChat.__table__).c.resident_id),
    ("chats", cast(Table, ChannelIdentity.__table__).c.resident_id),
)
# Who did it, for the panel (handlers/audit.py SYSTEM_ACTORS): a resident, never which one.
RESIDENT = "resident"
ZALO_OA = "zalo_oa"  # bot/channels/zalo_oa/events.py's CHANNEL; its account is the app id


def _utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else utc(moment)


def _count(result: Any) -> int:
    return int(cast(CursorResult[Any], result).rowcount or 0)


class SqlMyData:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def account(self, resident_id: str) -> HeldAccount | None:
        resident = await self.session.get(Resident, resident_id)
        if resident is None:
            return None
        return HeldAccount(
            since=_utc(resident.created_at),
            consent_version=resident.consent_version,
            consent_at=_utc(resident.consent_at),
            chats=await self._chats(resident_id),
            subscriptions=await self._subscriptions(resident_id),
            **await self._messages(resident_id),
        )

    async def _chats(self, resident_id: str) -> tuple[HeldChat, ...]:
        query = (
            select(ChannelIdentity)
            .where(ChannelIdentity.resident_id == resident_id)
            .order_by(ChannelIdentity.id)
        )
        return tuple(
            HeldChat(c.channel, c.platform_user_id, _utc(c.created_at), c.reachable)
            for c in (await self.session.execute(query)).scalars()
        )

    async def _subscriptions(self, resident_id: str) -> tuple[HeldSubscription, ...]:
        query = (
            select(SubscriptionRow)
            .where(SubscriptionRow.resident_id == resident_id)
            .order_by(SubscriptionRow.since, SubscriptionRow.id)
        )
        held = []
        for row in (await self.session.execute(query)).scalars():
            if row.kind not in set(SubscriptionKind):
                continue  # a kind this release no longer knows
            subscription = Subscription(SubscriptionKind(row.kind), row.commune_code)
            held.append(HeldSubscription(subscription, utc(row.since), _utc(row.until)))
        return tuple(held)

    async def _messages(self, resident_id: str) -> dict[str, int]:
        # Not sent yet: pending, or waiting for the resident to come back (issue 19).
        pending = OUTBOX.c.status.in_((OutboxStatus.PENDING.value, OutboxStatus.WAITING.value))
        query = (
            select(pending.label("waiting"), func.count())
            .where(OUTBOX.c.resident_id == resident_id)
            .group_by(pending)
        )
        counts = {bool(waiting): int(n) for waiting, n in (await self.session.execute(query))}
        return {
            "messages_waiting": counts.get(True, 0),
            "messages_sent": counts.get(False, 0),
        }

    async def erase(self, resident_id: str) -> Erased:
        await self._forget_zalo_followers(resident_id)
        # Issue 20: the tips were detached first (SqlTips.detach_owner); a name given for the
        # honour list no one can withdraw any more goes with the account.
        await honour.forget_unowned(self.session)
        removed = {}
        for name, column in HANGING_OFF:
            statement = delete(column.table).where(column == resident_id)
            removed[name] = _count(await self.session.execute(statement))
        gone = delete(Resident).where(Resident.id == resident_id)
        return Erased(
            resident=_count(await self.session.execute(gone)) > 0,
            chats=removed["chats"],
            subscriptions=removed["subscriptions"],
            progress=removed["progress"],
            messages=removed["messages"],
        )

    async def _forget_zalo_followers(self, resident_id: str) -> None:
        """A Zalo OA's row of when this follower last wrote (bot/channels/zalo_oa) names
        their Zalo id; it goes with the identity."""
        found = await self.session.execute(
            select(ChannelIdentity.account, ChannelIdentity.platform_user_id).where(
                ChannelIdentity.resident_id == resident_id, ChannelIdentity.channel == ZALO_OA
            )
        )
        for app_id, user_id in found.all():
            await self.session.execute(
                delete(ZaloOaInteraction).where(
                    ZaloOaInteraction.app_id == app_id, ZaloOaInteraction.user_id == user_id
                )
            )

    async def record(self, action: AuditAction, *, detail: str, now: datetime) -> None:
        await record(self.session, action, actor_username=RESIDENT, detail=detail, now=now)
        await self.session.flush()
