"""The queue: one page at a time (keyset cursors, so any page costs the same as the first)
and the counts of each status for the tabs."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import replace
from datetime import date

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.casework.rules import due, shown_due
from handlers.deadlines import next_due
from handlers.errors import BadInput
from handlers.people import AdminRole, Identity
from handlers.tips.words import Protection, TipStatus, Track
from storage.casework.area import scope
from storage.casework.filters import filter_clauses, page_query, search_clauses, today_or
from storage.casework.search import search_counts, search_near, selective
from storage.casework.store import case_of
from storage.casework.views import QueueFilter, QueueItem, QueuePage, utc_or_none
from storage.db import utc
from storage.models import Tip
from storage.search_terms import read_query

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
COUNT_CAP = 10_000  # status_counts stops counting a status here


def _encode_cursor(urgent: bool, next_due: date | None, tip_id: str) -> str:
    raw = json.dumps([int(urgent), next_due.isoformat() if next_due else None, tip_id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[bool, date, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        urgent, due_on, tip_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return bool(urgent), date.fromisoformat(due_on), str(tip_id)[:36]
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise BadInput("cursor", "the page cursor is not valid") from exc


def _after(cursor: str) -> ColumnElement[bool]:
    """Rows after the cursor in (urgent first, next deadline, id) order. The (next_due, id)
    part is a row comparison so that PostgreSQL walks the queue index from there."""
    urgent, due_on, tip_id = _decode_cursor(cursor)
    later = tuple_(Tip.next_due, Tip.id) > tuple_(due_on, tip_id)
    if urgent:
        return or_(Tip.urgent.is_(false()), and_(Tip.urgent.is_(true()), later))
    return and_(Tip.urgent.is_(false()), later)


async def queue(
    session: AsyncSession,
    actor: Identity,
    f: QueueFilter,
    *,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
    today: date | None = None,
) -> QueuePage:
    """One page of the queue: urgent first, then the nearest deadline; `next_cursor` for the
    page after (keyset: any page costs the same as the first)."""
    today = today_or(today)
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    clauses = [scope(actor), *filter_clauses(replace(f, q=""), actor, today)]
    if cursor:
        clauses.append(_after(cursor))
    words = search_clauses(f.q)
    near = search_clauses(f.q, indexed=False)
    window = words and not selective(f.q)  # a term goes straight to its index
    rows = await search_near(session, clauses, near, limit) if window else None
    if rows is None:
        query = page_query(limit).where(*clauses, *words)
        rows = list((await session.execute(query)).all())
    items = [_item(tip, username or "", today) for tip, username in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1][0]
        next_cursor = _encode_cursor(last.urgent, last.next_due, last.id)
    return QueuePage(items, next_cursor)


def _excerpt(text: str, length: int = 140) -> str:
    line = " ".join(text.split())
    return line if len(line) <= length else line[: length - 1].rstrip() + "…"


def _item(tip: Tip, assignee: str, today: date) -> QueueItem:
    status = TipStatus(tip.status)
    state, left = due(status, tip.next_due, today)
    found = next_due(
        status,
        case_of(tip).deadlines,
        acknowledged=tip.acknowledged_at is not None,
        forwarded=tip.forwarded_at is not None,
    )
    return QueueItem(
        id=tip.id,
        code=tip.code,
        category=tip.category,
        status=status,
        urgent=tip.urgent,
        commune_code=tip.commune_code,
        received_on=tip.received_on,
        created_at=utc(tip.created_at),
        next_due=shown_due(None if status is TipStatus.CLOSED else tip.next_due),
        next_kind=found[0].value if found else "",
        due_state=state,
        days_left=left,
        assignee_id=tip.assignee_id,
        assignee=assignee,
        excerpt=_excerpt(tip.description),
        track=Track(tip.track),
        protection=Protection(tip.protection),
        reporter_replied_at=utc_or_none(tip.reporter_replied_at),
    )


async def status_counts(
    session: AsyncSession, actor: Identity, f: QueueFilter, *, today: date | None = None
) -> dict[str, int] | None:
    """How many tips of each status match the filter, its own status aside (the tabs).

    Each status is counted up to COUNT_CAP: a value of COUNT_CAP + 1 means "more". A
    province's closed tips run to hundreds of thousands, and counting them exactly would
    cost more than the page (docs/BENCHMARKS.md §7); a capped count stops early.
    With a search, the matches are counted only when there are at most SEARCH_COUNT_CAP of
    them (None otherwise: a common word would mean reading every tip of the area)."""
    clauses = [scope(actor), *filter_clauses(replace(f, status="all"), actor, today_or(today))]
    if read_query(f.q):
        # Within one commune (at most some ten thousand tips) the capped count walks the
        # commune's tips and stops at the cap: no plan that reads every tip of the country
        # holding a common word (docs/BENCHMARKS.md §15). A province keeps the search index.
        one_commune = bool(f.commune) or actor.role in (AdminRole.OFFICER, AdminRole.CHIEF)
        # A term (a number, an account, a link, a code) or a word with a digit is rare: the
        # index finds it at once.
        rare = selective(f.q) or any(ch.isdigit() for ch in f.q)
        if one_commune and not rare:
            plain = filter_clauses(replace(f, status="all", q=""), actor, today_or(today))
            clauses = [scope(actor), *plain, *search_clauses(f.q, indexed=False)]
        return await search_counts(session, clauses)
    counted = [
        select(func.count())
        .select_from(
            select(Tip.id).where(*clauses, Tip.status == s.value).limit(COUNT_CAP + 1).subquery()
        )
        .scalar_subquery()
        .label(s.value)
        for s in TipStatus
    ]
    row = (await session.execute(select(*counted))).one()
    return {s.value: int(row._mapping[s.value]) for s in TipStatus}
