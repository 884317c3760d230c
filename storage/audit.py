"""Reading the audit log, scoped to the reader: newest first, filtered, keyset-paginated.

A chief reads the rows whose actor belongs to their commune; a province admin the rows whose
actor belongs to their province, plus failed sign-ins of unknown usernames and chat-link codes
typed to the bot that match no account (which have no actor, and are the trace of someone
guessing). Officers and leaders read nothing.

Whoever the actor, a chief also reads what was done to the tips of their commune (a reveal
above all) and the rows about their commune (`commune:<code>`, one per commune a terminal
export held); a province admin the same for their province (`province:<code>`), and the
national work of the system (handlers/audit.py SYSTEM_ACTIONS: retention runs, key
rotations, residents' erasures and copies), which no one area owns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.accounts.errors import NotAllowed
from handlers.accounts.rules import USERNAME, normalise_username
from handlers.audit import (
    SYSTEM_ACTIONS,
    TIP_ACTIONS,
    AuditAction,
    commune_subject,
    province_subject,
)
from handlers.errors import BadInput
from handlers.people import AdminRole, Identity
from storage.admin_users import province_accounts
from storage.db import utc
from storage.models import AdminUser, AuditLog, Broadcast, Indicator, Tip

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_EXPORT_ROWS = 20_000  # an inspection reads months of a commune's work, not years of a province
# A tip's receipt code as a filter: "BY-7K3F-Q9", any case (older codes have other shapes).
TIP_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{1,15}")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# The years a date filter may name: the log holds none before the service, and a date near
# year 1 or 9999 would overflow when turned into a bound in UTC (a 500, found by a review).
YEARS = range(2000, 2101)
# Rows with no actor that province admins read: guesses that name no account.
UNATTRIBUTED = (AuditAction.SIGNIN_FAILURE.value, AuditAction.CHAT_LINK_REFUSE.value)


class InvalidFilter(BadInput):
    """A filter value or cursor that cannot be read; `code` says which."""


@dataclass(frozen=True, slots=True)
class AuditFilter:
    action: str = ""
    actor: str = ""
    date_from: date | None = None
    date_to: date | None = None
    tip: str = ""


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    created_at: datetime
    actor_id: int | None
    actor_username: str
    action: str
    subject: str
    detail: str
    reason: str
    ip: str


@dataclass(frozen=True, slots=True)
class AuditPage:
    rows: list[AuditRow]
    next_cursor: str | None


def parse_filter(params: dict[str, str]) -> AuditFilter:
    """Read ?action=&actor=&tip=&from=&to= (dates as YYYY-MM-DD, years 2000-2100);
    InvalidFilter on a bad value."""
    action = params.get("action", "").strip()
    if action and action not in {a.value for a in AuditAction}:
        raise InvalidFilter("action")
    actor = normalise_username(params.get("actor", ""))
    if actor and not USERNAME.fullmatch(actor):
        raise InvalidFilter("actor")
    start, end = _date(params.get("from", ""), "from"), _date(params.get("to", ""), "to")
    if start and end and start > end:
        raise InvalidFilter("dates")
    tip = params.get("tip", "").strip().upper()
    if tip and not TIP_CODE.fullmatch(tip):
        raise InvalidFilter("tip")
    return AuditFilter(action, actor, start, end, tip)


def _date(raw: str, code: str) -> date | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        # fromisoformat alone also takes "20261130" and week dates: only the form the page's
        # date field sends, and the API documents, is a date here.
        if not _ISO_DAY.fullmatch(raw):
            raise ValueError(raw)
        day = date.fromisoformat(raw)
    except ValueError:
        raise InvalidFilter(code) from None
    if day.year not in YEARS:
        raise InvalidFilter("year")
    return day


def _local_midnight(day: date) -> datetime:
    # In UTC: SQLite keeps the wall-clock digits only, so every bound must share the rows' zone.
    return datetime.combine(day, time(), LOCAL_TZ).astimezone(UTC)


def scope(actor: Identity) -> ColumnElement[bool]:
    """The audit rows `actor` may read; NotAllowed for officers and leaders."""
    if actor.role is AdminRole.CHIEF and actor.commune_code:
        commune_actors = select(AdminUser.id).where(AdminUser.commune_code == actor.commune_code)
        commune_tips = select(Tip.code).where(Tip.commune_code == actor.commune_code)
        return or_(
            _by(commune_actors),
            AuditLog.subject == commune_subject(actor.commune_code),
            _about_tips(commune_tips),
        )
    if actor.role is AdminRole.PROVINCE_ADMIN and actor.province_code:
        province_actors = select(AdminUser.id).where(province_accounts(actor.province_code))
        province_tips = select(Tip.code).where(Tip.province_code == actor.province_code)
        return or_(
            _by(province_actors),
            and_(AuditLog.actor_id.is_(None), AuditLog.action.in_(UNATTRIBUTED)),
            AuditLog.subject == province_subject(actor.province_code),
            _about_tips(province_tips),
            AuditLog.action.in_(sorted(SYSTEM_ACTIONS)),
        )
    raise NotAllowed(detail=actor.role.value)


def _by(actors: Select[Any]) -> ColumnElement[bool]:
    """Rows of what these accounts did, except to tips: those go with the tip's area, not with
    where the account is now (an officer moved to another commune takes none of their old
    commune's reveals, with their reasons, along)."""
    about_a_tip = and_(
        AuditLog.action.in_(sorted(TIP_ACTIONS)), AuditLog.subject.in_(select(Tip.code))
    )
    return and_(AuditLog.actor_id.in_(actors), not_(about_a_tip))


def _about_tips(codes: Select[Any]) -> ColumnElement[bool]:
    """Rows of a tip action whose subject is one of `codes`, whoever did it."""
    return and_(AuditLog.action.in_(sorted(TIP_ACTIONS)), AuditLog.subject.in_(codes))


def _clauses(f: AuditFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if f.action:
        where.append(AuditLog.action == f.action)
    if f.actor:
        where.append(AuditLog.actor_username == f.actor)
    if f.tip:  # a receipt code is upper case; usernames, the other subjects, are not
        where.append(AuditLog.subject == f.tip)
    if f.date_from:
        where.append(AuditLog.created_at >= _local_midnight(f.date_from))
    if f.date_to:
        where.append(AuditLog.created_at < _local_midnight(f.date_to + timedelta(days=1)))
    return where


def _cursor(raw: str | None) -> int | None:
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise InvalidFilter("cursor")
    return int(raw)


async def audit_page(
    session: AsyncSession,
    actor: Identity,
    f: AuditFilter,
    *,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
) -> AuditPage:
    """One page of the rows `actor` may read, newest first; `next_cursor` leads to older ones."""
    where = [scope(actor), *_clauses(f)]
    before = _cursor(cursor)
    if before is not None:
        where.append(AuditLog.id < before)
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    query = select(AuditLog).where(*where).order_by(AuditLog.id.desc()).limit(limit + 1)
    found = list((await session.execute(query)).scalars())
    rows = [_row(r) for r in found[:limit]]
    more = len(found) > limit
    return AuditPage(rows, str(rows[-1].id) if more and rows else None)


def _row(r: AuditLog) -> AuditRow:
    return AuditRow(
        r.id,
        utc(r.created_at),
        r.actor_id,
        r.actor_username,
        r.action,
        r.subject,
        r.detail,
        r.reason,
        r.ip,
    )


async def audit_rows(
    session: AsyncSession, actor: Identity, f: AuditFilter, *, limit: int = MAX_EXPORT_ROWS
) -> tuple[list[AuditRow], bool]:
    """Every row `actor` may read under `f`, newest first, for an export; at most `limit`
    (the flag says whether more were left out)."""
    query = (
        select(AuditLog)
        .where(scope(actor), *_clauses(f))
        .order_by(AuditLog.id.desc())
        .limit(limit + 1)
    )
    found = list((await session.execute(query)).scalars())
    return [_row(r) for r in found[:limit]], len(found) > limit


# --- What the rows name, looked up so that a sentence can say it in words ---------------------


@dataclass(frozen=True, slots=True)
class NamedTip:
    code: str
    status: str
    resolution: str


@dataclass(frozen=True, slots=True)
class NamedIndicator:
    kind: str
    value: str
    bank: str


@dataclass(frozen=True, slots=True)
class Named:
    """The tips, indicators and broadcasts a page of rows names, by their audit subject."""

    tips: dict[str, NamedTip] = field(default_factory=dict)
    indicators: dict[str, NamedIndicator] = field(default_factory=dict)
    broadcasts: dict[str, str] = field(default_factory=dict)  # id -> kind (alert, awareness)


def _subjects(rows: Iterable[AuditRow], actions: Iterable[str]) -> list[str]:
    wanted = set(actions)
    return sorted({r.subject for r in rows if r.action in wanted and r.subject})[:MAX_EXPORT_ROWS]


async def named(session: AsyncSession, rows: list[AuditRow]) -> Named:
    """What the rows' subjects are: a tip (its outcome once closed), a scam indicator (its
    value, which the row itself never held), a broadcast (its kind). A subject that is gone
    is left out; the sentence then says what the row holds."""
    tips, indicators, broadcasts = Named().tips, Named().indicators, Named().broadcasts
    for chunk in _chunks(_subjects(rows, TIP_ACTIONS)):
        by_code = select(Tip.code, Tip.status, Tip.resolution).where(Tip.code.in_(chunk))
        for code, status, resolution in (await session.execute(by_code)).all():
            tips[code] = NamedTip(code, status, resolution or "")
    indicator_actions = (AuditAction.INDICATOR_CONFIRM, AuditAction.INDICATOR_REJECT)
    ids = [int(s) for s in _subjects(rows, indicator_actions) if s.isdigit() and len(s) < 18]
    for chunk in _chunks(ids):
        by_id = select(Indicator.id, Indicator.kind, Indicator.value, Indicator.bank).where(
            Indicator.id.in_(chunk)
        )
        for key, kind, value, bank in (await session.execute(by_id)).all():
            indicators[str(key)] = NamedIndicator(kind, value, bank or "")
    broadcast_actions = [a for a in AuditAction if a.value.startswith("broadcast.")]
    for chunk in _chunks(_subjects(rows, broadcast_actions)):
        kinds = select(Broadcast.id, Broadcast.kind).where(Broadcast.id.in_(chunk))
        broadcasts.update({key: kind for key, kind in (await session.execute(kinds)).all()})
    return Named(tips, indicators, broadcasts)


def _chunks(items: list[Any], size: int = 500) -> Iterable[list[Any]]:
    """Bounded IN lists: an export of thousands of rows names thousands of subjects."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
