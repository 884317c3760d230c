"""A broadcast's recipients as one INSERT ... SELECT into the outbox: the residents of the
addressed area subscribed to the broadcast's kind, one row each, at a broadcast's priority.
The database does the work (100,000 rows in one statement); the unique index on (broadcast,
resident) makes a second run, after a crash or a retry, add nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import JSON, ColumnElement, Select, Table, func, literal, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.broadcasts.ports import Broadcast
from handlers.broadcasts.words import SUBSCRIPTION_OF
from handlers.ports import SubscriptionKind
from storage.db import insert_ignoring_conflicts
from storage.models import OutboxMessage, Resident, ResidentNeighbourhood, Subscription

OUTBOX = cast(Table, OutboxMessage.__table__)
KIND = "broadcast"
PRIORITY = 1
COLUMNS = (
    "resident_id",
    "kind",
    "payload",
    "status",
    "attempts",
    "created_at",
    "due_at",
    "channel",
    "last_error",
    "broadcast_id",
    "priority",
)


def recipients(broadcast: Broadcast) -> Select[Any]:
    """The resident ids the broadcast goes to (each once)."""
    kind = SUBSCRIPTION_OF[broadcast.kind]
    where: list[ColumnElement[bool]] = [Subscription.until.is_(None), Subscription.kind == kind]
    if kind is SubscriptionKind.ALERTS:
        where.append(Subscription.commune_code.in_(broadcast.communes))
    else:
        where.append(Resident.commune_code.in_(broadcast.communes))
    query = select(Subscription.resident_id).join(Resident, Resident.id == Subscription.resident_id)
    if broadcast.neighbourhoods:
        query = query.join(ResidentNeighbourhood, ResidentNeighbourhood.resident_id == Resident.id)
        where.append(ResidentNeighbourhood.neighbourhood_id.in_(broadcast.neighbourhoods))
    return query.where(*where).distinct()


async def fan_out(session: AsyncSession, broadcast: Broadcast, now: datetime) -> int:
    now = now.astimezone(UTC)  # SQLite compares timestamps as text: one zone for all
    rows = recipients(broadcast).subquery()
    source = select(
        rows.c.resident_id,
        literal(KIND),
        literal({"broadcast_id": broadcast.id}, JSON),
        literal("pending"),
        literal(0),
        literal(now, OUTBOX.c.created_at.type),
        literal(now, OUTBOX.c.due_at.type),
        literal(""),
        literal(""),
        literal(broadcast.id),
        literal(PRIORITY),
    ).where(true())  # SQLite reads "SELECT ... ON CONFLICT" as a join's ON without a WHERE
    # A resident already queued for it hits uq_outbox_broadcast_resident: skipped.
    statement = insert_ignoring_conflicts(session, OUTBOX).from_select(list(COLUMNS), source)
    await session.execute(statement)
    counted = select(func.count()).where(OUTBOX.c.broadcast_id == broadcast.id)
    return int(await session.scalar(counted) or 0)
