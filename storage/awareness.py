"""Awareness: each resident's progress through topics and quizzes, and their subscriptions."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.ports import Subscription, SubscriptionKind, TopicProgress
from storage.db import insert_ignoring_conflicts, utc
from storage.models import AwarenessProgress
from storage.models import Subscription as SubscriptionRow

PROGRESS = cast(Table, AwarenessProgress.__table__)
SUBSCRIPTIONS = cast(Table, SubscriptionRow.__table__)


def _progress(row: Any) -> TopicProgress:
    return TopicProgress(
        cards_seen=frozenset(row.cards_seen or ()),
        best_score=row.best_score,
        quiz_total=row.quiz_total,
        last_score=row.last_score,
        last_quiz_at=utc(row.last_quiz_at) if row.last_quiz_at is not None else None,
    )


def _subscription(row: Any) -> Subscription:
    return Subscription(SubscriptionKind(row.kind), row.commune_code)


class SqlAwareness:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- progress ------------------------------------------------------------------------

    async def progress(self, resident_id: str) -> dict[str, TopicProgress]:
        rows = await self.session.execute(
            select(PROGRESS).where(PROGRESS.c.resident_id == resident_id)
        )
        return {row.topic_id: _progress(row) for row in rows}

    async def _row(self, resident_id: str, topic_id: str, at: datetime) -> Any:
        """The topic's row, created when missing, locked for this unit of work."""
        await self.session.execute(
            insert_ignoring_conflicts(self.session, PROGRESS).values(
                resident_id=resident_id, topic_id=topic_id, cards_seen=[], updated_at=at
            )
        )
        query = (
            select(PROGRESS)
            .where(PROGRESS.c.resident_id == resident_id, PROGRESS.c.topic_id == topic_id)
            .with_for_update()
        )
        return (await self.session.execute(query)).one()

    def _where(self, resident_id: str, topic_id: str) -> Any:
        return update(PROGRESS).where(
            PROGRESS.c.resident_id == resident_id, PROGRESS.c.topic_id == topic_id
        )

    async def mark_seen(self, resident_id: str, topic_id: str, card_id: str, at: datetime) -> None:
        seen = await self.session.execute(
            select(PROGRESS.c.cards_seen).where(
                PROGRESS.c.resident_id == resident_id, PROGRESS.c.topic_id == topic_id
            )
        )
        cards = seen.scalar_one_or_none()
        if cards is not None and card_id in cards:
            return  # the common case: one read, no write
        row = await self._row(resident_id, topic_id, at)
        if card_id in row.cards_seen:
            return
        await self.session.execute(
            self._where(resident_id, topic_id).values(
                cards_seen=sorted({*row.cards_seen, card_id}), updated_at=at
            )
        )

    async def record_quiz(
        self, resident_id: str, topic_id: str, score: int, total: int, at: datetime
    ) -> TopicProgress:
        row = await self._row(resident_id, topic_id, at)
        best_score, quiz_total = row.best_score, row.quiz_total
        if best_score is None or score >= best_score:
            best_score, quiz_total = score, total
        await self.session.execute(
            self._where(resident_id, topic_id).values(
                best_score=best_score,
                quiz_total=quiz_total,
                last_score=score,
                last_quiz_at=at,
                updated_at=at,
            )
        )
        return TopicProgress(
            cards_seen=frozenset(row.cards_seen or ()),
            best_score=best_score,
            quiz_total=quiz_total,
            last_score=score,
            last_quiz_at=at,
        )

    # --- subscriptions -------------------------------------------------------------------

    async def subscriptions(self, resident_id: str) -> list[Subscription]:
        rows = await self.session.execute(
            select(SUBSCRIPTIONS.c.kind, SUBSCRIPTIONS.c.commune_code)
            .where(SUBSCRIPTIONS.c.resident_id == resident_id, SUBSCRIPTIONS.c.until.is_(None))
            .order_by(SUBSCRIPTIONS.c.id)
        )
        return [_subscription(row) for row in rows]

    async def subscribe(self, resident_id: str, subscription: Subscription, at: datetime) -> bool:
        # The partial unique index on active rows makes a second opt-in a no-op.
        inserted = await self.session.execute(
            insert_ignoring_conflicts(self.session, SUBSCRIPTIONS)
            .values(
                resident_id=resident_id,
                kind=subscription.kind.value,
                commune_code=subscription.commune_code,
                since=at,
            )
            .returning(SUBSCRIPTIONS.c.id)
        )
        return inserted.scalar_one_or_none() is not None

    async def unsubscribe(self, resident_id: str, subscription: Subscription, at: datetime) -> bool:
        ended = await self.session.execute(
            update(SUBSCRIPTIONS)
            .where(
                SUBSCRIPTIONS.c.resident_id == resident_id,
                SUBSCRIPTIONS.c.kind == subscription.kind.value,
                SUBSCRIPTIONS.c.commune_code == subscription.commune_code,
                SUBSCRIPTIONS.c.until.is_(None),
            )
            .values(until=at)
            .returning(SUBSCRIPTIONS.c.id)
        )
        return bool(ended.all())

    async def unsubscribe_all(self, resident_id: str, at: datetime) -> list[Subscription]:
        ended = await self.session.execute(
            update(SUBSCRIPTIONS)
            .where(SUBSCRIPTIONS.c.resident_id == resident_id, SUBSCRIPTIONS.c.until.is_(None))
            .values(until=at)
            .returning(SUBSCRIPTIONS.c.id, SUBSCRIPTIONS.c.kind, SUBSCRIPTIONS.c.commune_code)
        )
        return [_subscription(row) for row in sorted(ended.all(), key=lambda r: r.id)]

    async def subscribers(self, kind: SubscriptionKind, commune_code: str = "") -> list[str]:
        """The residents an awareness message (or one commune's alert) may go to; for the
        broadcasts of a later issue, which must also check that each is still reachable."""
        rows = await self.session.execute(
            select(SUBSCRIPTIONS.c.resident_id)
            .where(
                SUBSCRIPTIONS.c.kind == kind.value,
                SUBSCRIPTIONS.c.commune_code == commune_code,
                SUBSCRIPTIONS.c.until.is_(None),
            )
            .order_by(SUBSCRIPTIONS.c.id)
        )
        return list(rows.scalars())
