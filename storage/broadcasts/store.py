"""The SQL `BroadcastStore` (handlers/broadcasts/ports.py), in the request's session: the
route's one commit takes the broadcast, its decision, its queued messages and the audit row,
or none of them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, and_, func, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.audit import AuditAction
from handlers.broadcasts.ports import Broadcast, Listing, Neighbourhood
from handlers.broadcasts.words import BroadcastKind, BroadcastStatus, Counts, MessageState
from handlers.people import AdminRole, Identity
from storage import admin_users
from storage.broadcasts import fanout
from storage.db import utc
from storage.models import Broadcast as BroadcastRow
from storage.models import (
    BroadcastCommune,
    CommuneSetting,
    LeaderChat,
    LeaderNeighbourhood,
    OutboxMessage,
)
from storage.models import Neighbourhood as NeighbourhoodRow

OUTBOX = cast(Table, OutboxMessage.__table__)
STATE_OF_ROW = {"pending": MessageState.QUEUED, **{s.value: s for s in MessageState}}
# What move() writes back: the status and what a decision or the queueing set.
DECIDED = (
    "decided_by",
    "decided_at",
    "reject_reason",
    "queued_at",
    "recipients",
    "cancelled_at",
)


class SqlBroadcastStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def neighbourhoods(self, communes: tuple[str, ...]) -> list[Neighbourhood]:
        query = (
            select(NeighbourhoodRow)
            .where(NeighbourhoodRow.commune_code.in_(communes), NeighbourhoodRow.active.is_(true()))
            .order_by(NeighbourhoodRow.commune_code, NeighbourhoodRow.name)
        )
        return [_neighbourhood(n) for n in (await self.session.execute(query)).scalars()]

    async def leader_neighbourhoods(self, user_id: int) -> list[Neighbourhood]:
        query = (
            select(NeighbourhoodRow)
            .join(LeaderNeighbourhood, LeaderNeighbourhood.neighbourhood_id == NeighbourhoodRow.id)
            .where(LeaderNeighbourhood.user_id == user_id, NeighbourhoodRow.active.is_(true()))
            .order_by(NeighbourhoodRow.commune_code, NeighbourhoodRow.name)
        )
        return [_neighbourhood(n) for n in (await self.session.execute(query)).scalars()]

    async def leader_approval(self, commune_code: str) -> bool:
        query = select(CommuneSetting.leader_approval).where(
            CommuneSetting.commune_code == commune_code
        )
        found = await self.session.scalar(query)
        return True if found is None else bool(found)

    async def sent_since(self, sender_id: int, since: datetime) -> int:
        query = select(func.count()).where(
            BroadcastRow.sender_id == sender_id,
            BroadcastRow.created_at >= since.astimezone(UTC),
            BroadcastRow.status != BroadcastStatus.REJECTED.value,
        )
        return int(await self.session.scalar(query) or 0)

    async def add(self, broadcast: Broadcast) -> None:
        self.session.add(_row(broadcast))
        await self.session.flush()
        self.session.add_all(
            BroadcastCommune(broadcast_id=broadcast.id, commune_code=c) for c in broadcast.communes
        )
        await self.session.flush()

    async def get(self, broadcast_id: str, *, for_update: bool = False) -> Broadcast | None:
        query = select(BroadcastRow).where(BroadcastRow.id == broadcast_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).scalar_one_or_none()
        return None if row is None else _broadcast(row)

    async def move(self, broadcast: Broadcast, was: BroadcastStatus) -> bool:
        values: dict[str, Any] = {name: getattr(broadcast, name) for name in DECIDED}
        values["status"] = broadcast.status.value
        done = await self.session.execute(
            update(BroadcastRow)
            .where(BroadcastRow.id == broadcast.id, BroadcastRow.status == was.value)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(done, "rowcount", 0))

    async def fan_out(self, broadcast: Broadcast, now: datetime) -> int:
        return await fanout.fan_out(self.session, broadcast, now)

    async def cancel_queued(self, broadcast_id: str, now: datetime) -> int:
        done = await self.session.execute(
            update(OUTBOX)
            .where(OUTBOX.c.broadcast_id == broadcast_id, OUTBOX.c.status == "pending")
            .values(status=MessageState.CANCELLED.value, last_error="cancelled")
        )
        return int(getattr(done, "rowcount", 0))

    async def tell_sender(
        self, broadcast: Broadcast, notice: str, params: dict[str, str], now: datetime
    ) -> bool:
        # A notice owed to one person (priority 0) with no tip and no broadcast attached:
        # the worker renders it from the payload (handlers/notices.py), as a tip's notice.
        query = select(LeaderChat.resident_id).where(LeaderChat.user_id == broadcast.sender_id)
        resident_id = await self.session.scalar(query)
        if resident_id is None or broadcast.sender_id is None:
            return False
        now = now.astimezone(UTC)  # SQLite compares timestamps as text: one zone for all
        self.session.add(
            OutboxMessage(
                resident_id=resident_id,
                tip_id=None,
                kind=notice,
                payload={"code": "", "params": dict(params)},
                status="pending",
                attempts=0,
                created_at=now,
                due_at=now,
                sent_at=None,
                channel="",
                last_error="",
                priority=0,
            )
        )
        await self.session.flush()
        return True

    async def counts(self, broadcast_id: str) -> Counts:
        return (await self.counts_of([broadcast_id])).get(broadcast_id, Counts())

    async def counts_of(self, broadcast_ids: Sequence[str]) -> dict[str, Counts]:
        """The counts of several broadcasts in one query (a page of the list)."""
        if not broadcast_ids:
            return {}
        query = (
            select(OUTBOX.c.broadcast_id, OUTBOX.c.status, OUTBOX.c.channel, func.count())
            .where(OUTBOX.c.broadcast_id.in_(list(broadcast_ids)))
            .group_by(OUTBOX.c.broadcast_id, OUTBOX.c.status, OUTBOX.c.channel)
        )
        totals: dict[str, dict[MessageState, int]] = {}
        channels: dict[str, dict[str, dict[MessageState, int]]] = {}
        for broadcast_id, status, channel, count in (await self.session.execute(query)).all():
            state = STATE_OF_ROW[status]
            total = totals.setdefault(broadcast_id, {})
            total[state] = total.get(state, 0) + count
            by_channel = channels.setdefault(broadcast_id, {})
            if state is not MessageState.QUEUED and channel:
                per = by_channel.setdefault(channel, {})
                per[state] = per.get(state, 0) + count
        return {b: Counts(totals[b], channels.get(b, {})) for b in totals}

    async def listing(self, query: Listing) -> list[Broadcast]:
        statement = select(BroadcastRow)
        if query.province:
            statement = statement.where(BroadcastRow.province_code == query.province)
        if query.communes:
            reaching = select(BroadcastCommune.broadcast_id).where(
                BroadcastCommune.commune_code.in_(query.communes)
            )
            statement = statement.where(BroadcastRow.id.in_(reaching))
        if query.sender_id is not None:
            statement = statement.where(BroadcastRow.sender_id == query.sender_id)
        if query.status is not None:
            statement = statement.where(BroadcastRow.status == query.status.value)
        if query.before:
            statement = statement.where(await self._older_than(query.before))
        statement = statement.order_by(
            BroadcastRow.created_at.desc(), BroadcastRow.id.desc()
        ).limit(query.limit)
        return [_broadcast(r) for r in (await self.session.execute(statement)).scalars()]

    async def _older_than(self, broadcast_id: str) -> Any:
        mark = (
            await self.session.execute(
                select(BroadcastRow.created_at, BroadcastRow.id).where(
                    BroadcastRow.id == broadcast_id
                )
            )
        ).first()
        if mark is None:
            return true()
        at, key = mark
        return or_(
            BroadcastRow.created_at < at,
            and_(BroadcastRow.created_at == at, BroadcastRow.id < key),
        )

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
        await admin_users.record_by(
            self.session,
            actor,
            action,
            subject=broadcast.id,
            detail=detail,
            reason=reason,
            ip=ip,
            now=now,
        )


def _neighbourhood(row: NeighbourhoodRow) -> Neighbourhood:
    return Neighbourhood(row.id, row.commune_code, row.name, row.code)


def _aware(value: datetime | None) -> datetime | None:
    return None if value is None else utc(value)


def _broadcast(row: BroadcastRow) -> Broadcast:
    return Broadcast(
        id=row.id,
        kind=BroadcastKind(row.kind),
        text=row.text,
        status=BroadcastStatus(row.status),
        sender_id=row.sender_id,
        sender_role=AdminRole(row.sender_role),
        province_code=row.province_code,
        communes=tuple(row.communes),
        neighbourhoods=tuple(int(n) for n in row.neighbourhoods),
        created_at=utc(row.created_at),
        photo_ref=row.photo_ref,
        photo_mime=row.photo_mime,
        decided_by=row.decided_by,
        decided_at=_aware(row.decided_at),
        reject_reason=row.reject_reason,
        queued_at=_aware(row.queued_at),
        recipients=row.recipients,
        cancelled_at=_aware(row.cancelled_at),
        campaign=row.campaign,
    )


def _row(b: Broadcast) -> BroadcastRow:
    return BroadcastRow(
        id=b.id,
        kind=b.kind.value,
        text=b.text,
        photo_ref=b.photo_ref,
        photo_mime=b.photo_mime,
        status=b.status.value,
        sender_id=b.sender_id,
        sender_role=b.sender_role.value,
        province_code=b.province_code,
        communes=list(b.communes),
        neighbourhoods=list(b.neighbourhoods),
        created_at=b.created_at.astimezone(UTC),
        recipients=b.recipients,
        campaign=b.campaign,
    )
