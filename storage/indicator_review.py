"""The police review of scam indicators: the list to work through and the decisions.

Indicators are national data (the scam check answers every resident from them), so every
police role sees every indicator and may confirm or reject one; which tips reported it is
shown only for tips in the caller's area (`casework.scope`). A leader sees nothing
(`Forbidden`). Decisions go through `SqlIndicators.confirm`/`reject` and are audited
(`indicator.confirm` / `indicator.reject`, the value's kind in the detail).

The list is ordered most reported first (reports, then id, both descending) with a keyset
cursor on that pair.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, exists, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from content import phones, scamcheck
from content.text import fold
from handlers.audit import AuditAction
from handlers.errors import BadInput, NotFound
from handlers.people import Identity
from handlers.tips.words import TipStatus
from storage import admin_users
from storage.casework.area import scope
from storage.db import utc
from storage.indicators import SqlIndicators
from storage.models import Indicator, IndicatorTip, Tip

INDICATORS = cast(Table, Indicator.__table__)
PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
TIPS_SHOWN = 10  # tips listed per indicator; the rest are counted
MAX_QUERY = 200
DECISIONS = {"confirm": "confirmed", "reject": "rejected"}
STATUS_FILTERS = (*scamcheck.STATUSES, "all")


@dataclass(frozen=True)
class IndicatorFilter:
    """`status` one of reported/confirmed/rejected/all; `mine`: reported by a tip of the
    caller's area."""

    status: str = "reported"
    kind: str | None = None
    q: str = ""
    mine: bool = False


@dataclass(frozen=True)
class ReportingTip:
    id: str
    code: str
    category: str
    status: TipStatus
    commune_code: str
    received_on: date


@dataclass(frozen=True)
class IndicatorItem:
    id: int
    kind: str
    value: str
    bank: str
    shown: str  # as a resident reads it: "0912345678", "VCB 0123456789"
    status: str
    source: str
    reports: int  # distinct residents, nationwide
    first_seen: datetime
    last_seen: datetime
    decided_at: datetime | None
    decided_by: str
    tips: list[ReportingTip]  # in the caller's area, newest first, at most TIPS_SHOWN
    tips_in_area: int


@dataclass(frozen=True)
class IndicatorPage:
    items: list[IndicatorItem]
    next_cursor: str | None


def check_filter(f: IndicatorFilter) -> IndicatorFilter:
    if f.status not in STATUS_FILTERS:
        raise BadInput("filter", "unknown indicator status")
    if f.kind is not None and f.kind not in scamcheck.KINDS:
        raise BadInput("filter", "unknown indicator kind")
    return f


def _search_terms(q: str) -> set[str]:
    """What a typed value may look like stored: as typed (folded, no spaces), and as the
    check normalises a phone number or a link."""
    q = q.strip()[:MAX_QUERY]
    terms = {fold(q).replace(" ", "")} - {""}
    phone = phones.normalise(q)
    if phone:
        terms.add(phone)
    link = scamcheck.normalise_link(q)
    if link is not None and link.domain:
        terms.add(link.url or link.domain)
    return terms


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _in_area(actor: Identity) -> Any:
    return (
        select(IndicatorTip.tip_id)
        .join(Tip, Tip.id == IndicatorTip.tip_id)
        .where(IndicatorTip.indicator_id == Indicator.id, scope(actor))
    )


def _clauses(f: IndicatorFilter, actor: Identity) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if f.status != "all":
        clauses.append(Indicator.status == f.status)
    if f.kind:
        clauses.append(Indicator.kind == f.kind)
    terms = _search_terms(f.q)
    if terms:
        clauses.append(or_(*(Indicator.value.like(_like(t), escape="\\") for t in terms)))
    if f.mine:
        clauses.append(exists(_in_area(actor)))
    return clauses


def _encode(reports: int, indicator_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([reports, indicator_id]).encode()).decode()


def _decode(cursor: str) -> tuple[int, int]:
    try:
        reports, indicator_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return int(reports), int(indicator_id)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise BadInput("cursor", "the page cursor is not valid") from exc


async def review_list(
    session: AsyncSession,
    actor: Identity,
    f: IndicatorFilter,
    *,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
) -> IndicatorPage:
    """One page of indicators, most reported first, each with its tips in the caller's area."""
    scope(actor)  # a leader may not review
    f = check_filter(f)
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    query = (
        select(Indicator)
        .where(*_clauses(f, actor))
        .order_by(Indicator.reports.desc(), Indicator.id.desc())
        .limit(limit + 1)
    )
    if cursor:
        query = query.where(tuple_(Indicator.reports, Indicator.id) < tuple_(*_decode(cursor)))
    rows = list((await session.execute(query)).scalars())
    page = rows[:limit]
    tips = await _reporting_tips(session, actor, [r.id for r in page])
    items = [_item(r, tips.get(r.id, [])) for r in page]
    next_cursor = _encode(page[-1].reports, page[-1].id) if len(rows) > limit else None
    return IndicatorPage(items, next_cursor)


async def _reporting_tips(
    session: AsyncSession, actor: Identity, ids: list[int]
) -> dict[int, list[ReportingTip]]:
    if not ids:
        return {}
    query = (
        select(IndicatorTip.indicator_id, Tip)
        .join(Tip, Tip.id == IndicatorTip.tip_id)
        .where(IndicatorTip.indicator_id.in_(ids), scope(actor))
        .order_by(Tip.created_at.desc(), Tip.id)
    )
    out: dict[int, list[ReportingTip]] = {}
    for indicator_id, tip in (await session.execute(query)).all():
        out.setdefault(int(indicator_id), []).append(
            ReportingTip(
                tip.id,
                tip.code,
                tip.category,
                TipStatus(tip.status),
                tip.commune_code,
                tip.received_on,
            )
        )
    return out


def _item(row: Indicator, tips: list[ReportingTip]) -> IndicatorItem:
    return IndicatorItem(
        id=int(row.id),
        kind=row.kind,
        value=row.value,
        bank=row.bank,
        shown=scamcheck.shown(row.kind, row.value, row.bank),
        status=row.status,
        source=row.source,
        reports=int(row.reports),
        first_seen=utc(row.first_seen),
        last_seen=utc(row.last_seen),
        decided_at=None if row.decided_at is None else utc(row.decided_at),
        decided_by=row.decided_by,
        tips=tips[:TIPS_SHOWN],
        tips_in_area=len(tips),
    )


async def get(session: AsyncSession, actor: Identity, indicator_id: int) -> IndicatorItem:
    scope(actor)
    query = select(Indicator).where(Indicator.id == indicator_id)
    row = (await session.execute(query.execution_options(populate_existing=True))).scalar()
    if row is None:
        raise NotFound(detail="no such indicator")
    tips = await _reporting_tips(session, actor, [indicator_id])
    return _item(row, tips.get(indicator_id, []))


async def decide(
    session: AsyncSession,
    actor: Identity,
    indicator_id: int,
    decision: str,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> IndicatorItem:
    """Confirm ("confirm") or reject ("reject") an indicator, audited; the check answers
    residents by the new status at once."""
    scope(actor)
    if decision not in DECISIONS:
        raise BadInput("decision", "confirm or reject")
    now = now or datetime.now(UTC)
    store = SqlIndicators(session)
    known = await (store.confirm if decision == "confirm" else store.reject)(
        indicator_id, actor.username, now
    )
    if known is None:
        raise NotFound(detail="no such indicator")
    await admin_users.record(
        session,
        AuditAction.INDICATOR_CONFIRM if decision == "confirm" else AuditAction.INDICATOR_REJECT,
        actor_id=actor.id,
        actor_username=actor.username,
        subject=str(indicator_id),
        detail=known.kind,
        ip=ip,
        now=now,
    )
    await session.flush()
    return await get(session, actor, indicator_id)
