"""Which tips of the area a filter keeps, as WHERE clauses, and the queue's order."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select, true, union
from sqlalchemy.orm import aliased

from handlers.casework.rules import DUE_SOON_DAYS
from handlers.deadlines import local_date
from handlers.errors import BadInput
from handlers.people import Identity
from handlers.tips.words import TipStatus, Track
from storage.casework.views import QueueFilter
from storage.models import AdminUser, Tip, TipTerm
from storage.search_terms import Term, read_query

QUEUE_ORDER = (Tip.urgent.desc(), Tip.next_due, Tip.id)


def today_or(today: date | None, now: datetime | None = None) -> date:
    return today or local_date(now or datetime.now(UTC))


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_clauses(q: str, *, indexed: bool = True) -> list[ColumnElement[bool]]:
    """What a search asks for (storage/search_terms.py reads it): each term (a phone number,
    an account, a domain, a receipt code) in the tip's `tip_terms`, and every other word,
    without diacritics, somewhere in the tip's search text.
    `indexed=False` writes the words' test so that no index can answer it: for a search
    within a few thousand tips already found, where PostgreSQL's generic plan of a prepared
    statement (after five runs) would otherwise guess the trigram index cheap and read every
    tip holding a common word (docs/BENCHMARKS.md §15). Terms always take their index: a
    term names a handful of tips."""
    found = read_query(q)
    text = Tip.search_text if indexed else Tip.search_text.concat("")
    return [
        *(_term_clause(term) for term in found.terms),
        *(text.like(_like(word), escape="\\") for word in found.words),
    ]


def _term_clause(term: Term) -> ColumnElement[bool]:
    """The tips holding a term: an IN over tip_terms' (value, kind) index, or over the union
    of that and the search text's (trigram) index when texts count too. A union, not an OR:
    PostgreSQL cannot answer `id IN (…) OR text LIKE …` from two indexes and would walk
    every tip of the area."""
    ids = select(TipTerm.tip_id).where(_held(term))
    if not term.texts:
        return Tip.id.in_(ids)
    other = aliased(Tip)
    held = or_(
        *(
            and_(*(other.search_text.like(_like(piece), escape="\\") for piece in group))
            for group in term.texts
        )
    )
    return Tip.id.in_(union(ids, select(other.id).where(held)))


def _held(term: Term) -> ColumnElement[bool]:
    """tip_terms rows of any of the term's (kind, value): one index condition per kind."""
    by_kind: dict[str, list[str]] = {}
    for kind, value in term.held:
        by_kind.setdefault(kind, []).append(value)
    return or_(
        *(
            and_(
                TipTerm.value == values[0] if len(values) == 1 else TipTerm.value.in_(values),
                TipTerm.kind == kind,
            )
            for kind, values in by_kind.items()
        )
    )


def filter_clauses(f: QueueFilter, actor: Identity, today: date) -> list[ColumnElement[bool]]:
    """The WHERE clauses of a filter (the scope not included)."""
    clauses = _status_clauses(f.status)
    if f.category:
        clauses.append(Tip.category == f.category)
    if f.urgent is not None:
        clauses.append(Tip.urgent.is_(true()) if f.urgent else Tip.urgent.is_(false()))
    clauses += _due_clauses(f, today)
    clauses += _assignee_clauses(f.assignee, actor)
    if f.received_from is not None:
        clauses.append(Tip.received_on >= f.received_from)
    if f.received_to is not None:
        clauses.append(Tip.received_on <= f.received_to)
    clauses += search_clauses(f.q)
    if f.commune:
        clauses.append(Tip.commune_code == f.commune)
    if f.track:
        if f.track not in {t.value for t in Track}:
            raise BadInput("filter", f"unknown track {f.track[:32]!r}")
        clauses.append(Tip.track == f.track)
    if f.protection:
        clauses.append(Tip.protection != "")
    return clauses


def _status_clauses(status: str | None) -> list[ColumnElement[bool]]:
    if status is None:
        return [Tip.status != TipStatus.CLOSED.value]
    if status == "all":
        return []
    if status not in {s.value for s in TipStatus}:
        raise BadInput("filter", f"unknown status {status[:32]!r}")
    return [Tip.status == status]


def _due_clauses(f: QueueFilter, today: date) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if f.overdue:
        clauses += [Tip.status != TipStatus.CLOSED.value, Tip.next_due < today]
    if f.due_soon:
        clauses += [
            Tip.status != TipStatus.CLOSED.value,
            Tip.next_due >= today,
            Tip.next_due <= today + timedelta(days=DUE_SOON_DAYS),
        ]
    return clauses


def _assignee_clauses(assignee: str | None, actor: Identity) -> list[ColumnElement[bool]]:
    if assignee == "me":
        return [Tip.assignee_id == actor.id]
    if assignee == "none":
        return [Tip.assignee_id.is_(None)]
    if not assignee:
        return []
    if not assignee.isdigit():
        raise BadInput("filter", "assignee must be me, none or a user id")
    return [Tip.assignee_id == int(assignee)]


def page_query(limit: int) -> Any:  # a Select of (Tip, username)
    return (
        select(Tip, AdminUser.username)
        .outerjoin(AdminUser, AdminUser.id == Tip.assignee_id)
        .order_by(*QUEUE_ORDER)
        .limit(limit + 1)
    )
