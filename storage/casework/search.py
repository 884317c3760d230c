"""A search of the queue: terms (phone numbers, accounts, domains, receipt codes) looked up
in `tip_terms`, and words without diacritics matched in the tip's search text
(storage/search_terms.py reads a search, storage/casework/filters.py writes its clauses).

Common words fill a page from the head of the queue, read in the queue's own order; rare
ones go to the trigram index (docs/BENCHMARKS.md §7). A search with a term goes straight to
the index: a number names a handful of tips, which the term index finds at once, and walking
the queue for them would read the whole window for nothing (docs/BENCHMARKS.md §20).
Counting a search's matches stops at SEARCH_COUNT_CAP, past which a common word would mean
reading every tip of the area."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.tips.words import TipStatus
from storage.casework.filters import QUEUE_ORDER, page_query
from storage.models import Tip
from storage.search_terms import read_query

SEARCH_WINDOW = 2_000  # tips of the queue a search reads in order before the search index
SEARCH_COUNT_CAP = 500  # and gives up counting a search's matches past this many


def selective(q: str) -> bool:
    """Whether a search names a term (a number, an account, a link, a code): its matches
    are few, and their index finds them at once."""
    return bool(read_query(q).terms)


async def search_near(
    session: AsyncSession,
    clauses: list[ColumnElement[bool]],
    words: list[ColumnElement[bool]],
    limit: int,
) -> list[Any] | None:
    """A search's page from the next SEARCH_WINDOW tips of the queue, read in the queue's
    own order; None when they hold less than a page (then the search index is asked).

    Common words fill a page here in a few milliseconds whatever the planner guesses about
    them (it takes the trigram index for them and reads tens of thousands of rows,
    docs/BENCHMARKS.md §7); rare words, which the trigram index finds at once, go on."""
    window = select(Tip.id).where(*clauses).order_by(*QUEUE_ORDER).limit(SEARCH_WINDOW).subquery()
    query = page_query(limit).where(Tip.id.in_(select(window.c.id)), *words)
    rows = list((await session.execute(query)).all())
    return rows if len(rows) > limit else None


async def search_counts(
    session: AsyncSession, clauses: list[ColumnElement[bool]]
) -> dict[str, int] | None:
    """A search's matches by status, or None past SEARCH_COUNT_CAP of them."""
    matches = select(Tip.status).where(*clauses).limit(SEARCH_COUNT_CAP + 1).subquery()
    grouped = select(matches.c.status, func.count()).group_by(matches.c.status)
    found = {status: int(n) for status, n in (await session.execute(grouped)).all()}
    if sum(found.values()) > SEARCH_COUNT_CAP:
        return None
    return {s.value: found.get(s.value, 0) for s in TipStatus}
