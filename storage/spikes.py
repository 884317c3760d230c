"""The counts the spike detector reads (handlers/spikes.py), in SQL.

`histories` is one grouped query over the run's days: tips of the watched categories by
commune, category and bucket (the window, then each baseline week), the bucket a CASE over
the buckets' first days (the same SQL on PostgreSQL and SQLite). The days are bounded twice,
on `received_on` (the Vietnam date of receipt, which the buckets use) and on `created_at` (the
same bounds in UTC), so that the index on (commune_code, created_at) reads only the run's
tips of the communes asked about; a run over every commune reads the table once.

`scam_types` reads the descriptions of one spike's tips (at most MAX_READ, the newest) to
count the scam types their words match; the text never leaves this function, only the types'
counts do.

Scam checks are only counted, per commune, day and verdict (`scam_check_counts`, for the
movement's reports): the text of a check is not stored, so a spike is read from tips alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.deadlines import LOCAL_TZ
from handlers.spikes import History, Window, scam_type_of
from storage.models import Tip

MAX_READ = 200  # descriptions read to name a spike's scam type


def _local_midnight(day: date) -> datetime:
    """The UTC moment a Vietnam calendar day starts."""
    return datetime.combine(day, time(), LOCAL_TZ).astimezone(UTC)


def _days(first: date, last: date) -> ColumnElement[bool]:
    return and_(
        Tip.received_on >= first,
        Tip.received_on <= last,
        Tip.created_at >= _local_midnight(first),
        Tip.created_at < _local_midnight(last + timedelta(days=1)),
    )


def histories_query(
    window: Window, kinds: Sequence[str], communes: Sequence[str] | None
) -> Select[Any]:
    """The grouped query: (commune_code, category, bucket, count) over the run's days."""
    bucket = case(
        *((Tip.received_on >= start, index) for index, start in enumerate(window.starts()))
    )
    where = [Tip.category.in_(list(kinds)), _days(window.first_day, window.today)]
    if communes is not None:
        where.append(Tip.commune_code.in_(list(communes)))
    # The bucket is computed in a subquery and grouped by name: a CASE with parameters
    # repeated in GROUP BY is another expression to PostgreSQL.
    rows = select(Tip.commune_code, Tip.category, bucket.label("bucket")).where(*where).subquery()
    return select(rows.c.commune_code, rows.c.category, rows.c.bucket, func.count()).group_by(
        rows.c.commune_code, rows.c.category, rows.c.bucket
    )


class SqlSpikeSource:
    """handlers.spikes.SpikeSource on the request's (or the run's) session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def histories(
        self, window: Window, kinds: Sequence[str], communes: Sequence[str] | None
    ) -> list[History]:
        if not kinds or (communes is not None and not communes):
            return []
        grouped = histories_query(window, kinds, communes)
        counts: dict[tuple[str, str], list[int]] = {}
        for commune, kind, index, n in (await self.session.execute(grouped)).all():
            if index is None:
                continue
            counts.setdefault((commune, kind), [0] * (window.weeks + 1))[int(index)] += int(n)
        return [
            History(commune, kind, found[0], tuple(found[1:]))
            for (commune, kind), found in sorted(counts.items())
            if found[0]
        ]

    async def scam_types(self, commune_code: str, kind: str, window: Window) -> dict[str, int]:
        query = (
            select(Tip.description)
            .where(
                Tip.commune_code == commune_code,
                Tip.category == kind,
                _days(window.start, window.today),
            )
            .order_by(Tip.created_at.desc())
            .limit(MAX_READ)
        )
        found: Counter[str] = Counter()
        for text in (await self.session.execute(query)).scalars():
            scam_type = scam_type_of(text or "")
            if scam_type:
                found[scam_type] += 1
        return dict(found)
