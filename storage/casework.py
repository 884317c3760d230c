"""Casework: the police side of a tip. Every use case the panel and the JSON API share.

Every function takes the request's session and the signed-in `Identity`, checks the role and
the area first, and only flushes (the route commits once). Scope is the rule of this module:

- officer and chief: tips of their own commune; a chief also assigns work;
- province admin: tips of every commune of their province;
- leader: no tips at all (`Forbidden`).

A tip outside the caller's area is `NotFound`, never `Forbidden`: whether it exists is none
of their business. Refusals are the kinds of handlers/errors.py: NotFound, Forbidden, Conflict
(the tip is not in a state for the action), BadInput (what was sent is wrong). Status changes,
assignments, extensions, identity reveals and exports are written to the audit log; messages
to the reporter go to the outbox in the same transaction.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    false,
    func,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession

from content import areas, phones, scamcheck
from content.text import clean, fold
from handlers.audit import AuditAction
from handlers.deadlines import (
    EXTENDED_MONTHS,
    Deadlines,
    ExtensionNotAllowed,
    days_left,
    decided,
    extend,
    is_overdue,
    local_date,
)
from handlers.errors import BadInput, Conflict, Forbidden, NotFound
from handlers.errors import Invalid as Invalid  # re-exported: callers catch casework.Invalid
from handlers.tipmodel import Visibility
from handlers.tips.words import TRANSITIONS, IllegalTransition, Resolution, TipStatus, move
from storage import admin_users, outbox
from storage.db import utc
from storage.identity import Identity
from storage.models import (
    AdminRole,
    AdminUser,
    Indicator,
    IndicatorTip,
    Tip,
    TipAttachment,
    TipEvent,
)
from storage.sealing import Sealer

TIPS = cast(Table, Tip.__table__)

DUE_SOON_DAYS = 1  # a deadline today or tomorrow is "due soon"
PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
MAX_NOTE = 4000
MAX_QUESTION = 1000
MIN_REASON = 5
MAX_REASON = 500
MAX_EXPORT_ROWS = 100_000
COUNT_CAP = 10_000  # status_counts stops counting a status here
SEARCH_WINDOW = 2_000  # tips of the queue a search reads in order before the search index
SEARCH_COUNT_CAP = 500  # and gives up counting a search's matches past this many


class Action(StrEnum):
    """What a signed-in user may do to one tip (TipDetail.allowed)."""

    TAKE = "take"
    ASSIGN = "assign"
    URGENCY = "urgency"
    ACKNOWLEDGE = "acknowledge"
    VERIFY = "verify"
    ASK = "ask"
    FORWARD = "forward"
    EXTEND = "extend"
    CLOSE = "close"
    NOTE = "note"
    REVEAL = "reveal"


class DueState(StrEnum):
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    OK = "ok"
    NONE = "none"  # closed: no deadline runs


# -- what the panel shows ------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilter:
    """The queue's filters. `status` None is every open (not closed) tip, "all" everything.
    `assignee` is "me", "none" or a user id as text. Dates are Vietnam calendar days of
    receipt, both ends included."""

    status: str | None = None
    category: str | None = None
    urgent: bool | None = None
    overdue: bool = False
    due_soon: bool = False
    assignee: str | None = None
    received_from: date | None = None
    received_to: date | None = None
    q: str = ""
    commune: str | None = None  # a province admin narrowing to one commune


@dataclass(frozen=True)
class QueueItem:
    id: str
    code: str
    category: str
    status: TipStatus
    urgent: bool
    commune_code: str
    received_on: date
    created_at: datetime
    next_due: date | None
    due_state: DueState
    days_left: int | None
    assignee_id: int | None
    assignee: str  # username, "" when nobody has it
    excerpt: str  # the start of the description, one line
    reporter_replied_at: datetime | None


@dataclass(frozen=True)
class QueuePage:
    items: list[QueueItem]
    next_cursor: str | None  # opaque; pass back for the next page, None on the last


@dataclass(frozen=True)
class AttachmentInfo:
    id: int
    kind: str
    mime: str
    size: int
    sha256: str
    received_at: datetime


@dataclass(frozen=True)
class AttachmentRef:
    """Where an attachment's bytes are (storage.blobs ref) and how to serve them."""

    ref: str
    mime: str
    size: int
    kind: str
    filename: str


@dataclass(frozen=True)
class TimelineItem:
    id: int
    at: datetime
    kind: str  # created, acknowledged, question, reporter_answer, note, assigned, ...
    visibility: Visibility
    body: str
    actor: str  # the officer's username; "" for the reporter or the system


@dataclass(frozen=True)
class RelatedTip:
    id: str
    code: str
    category: str
    status: TipStatus
    received_on: date
    shared: list[str]  # the indicators both tips name: "+84912345678", "evil.xyz", ...
    shown: list[str]  # the same as an officer reads them: "0912 345 678", "evil.xyz", ...


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str  # E.164

    @property
    def phone_shown(self) -> str:
        return phones.shown(self.phone)


@dataclass(frozen=True)
class TipDetail:
    id: str
    code: str
    category: str
    status: TipStatus
    urgent: bool
    description: str
    incident_when: str
    incident_date: date | None
    address: str
    lat: float | None
    lon: float | None
    map_url: str  # "" without a location
    province_code: str
    commune_code: str
    anonymous: bool
    reporter: str  # a pseudonym, the same for every tip of one reporter in one commune
    details: dict[str, str]
    created_at: datetime
    received_on: date
    ack_due: date
    decision_due: date
    outcome_due: date | None
    next_due: date | None
    due_state: DueState
    days_left: int | None
    extensions: int
    assignee_id: int | None
    assignee: str
    acknowledged_at: datetime | None
    closed_at: datetime | None
    resolution: str
    resolution_note: str
    forwarded_to: str
    rating: int | None
    reporter_replied_at: datetime | None
    attachments: list[AttachmentInfo]
    timeline: list[TimelineItem]
    related: list[RelatedTip]
    allowed: frozenset[Action] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Colleague:
    """Someone a tip may be assigned to."""

    id: int
    username: str
    display_name: str
    role: AdminRole


@dataclass(frozen=True)
class ExportRow:
    code: str
    category: str
    status: TipStatus
    urgent: bool
    commune_code: str
    received_on: date
    ack_due: date
    decision_due: date
    next_due: date | None
    acknowledged_at: datetime | None
    closed_at: datetime | None
    resolution: str
    assignee: str
    forwarded_to: str
    rating: int | None
    anonymous: bool
    description: str
    address: str


# -- scope and filters -------------------------------------------------------------------


def scope(actor: Identity) -> ColumnElement[bool]:
    """Which tips `actor` may see at all, as a WHERE clause; leaders may see none."""
    if actor.role is AdminRole.PROVINCE_ADMIN:
        return Tip.province_code == actor.province_code
    if actor.role in (AdminRole.OFFICER, AdminRole.CHIEF):
        return Tip.commune_code == actor.commune_code
    raise Forbidden(detail="this role has no access to tips")


def _today(today: date | None, now: datetime | None = None) -> date:
    return today or local_date(now or datetime.now(UTC))


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def filter_clauses(f: QueueFilter, actor: Identity, today: date) -> list[ColumnElement[bool]]:
    """The WHERE clauses of a filter (the scope not included)."""
    clauses: list[ColumnElement[bool]] = []
    if f.status is None:
        clauses.append(Tip.status != TipStatus.CLOSED.value)
    elif f.status != "all":
        if f.status not in {s.value for s in TipStatus}:
            raise BadInput("filter", f"unknown status {f.status[:32]!r}")
        clauses.append(Tip.status == f.status)
    if f.category:
        clauses.append(Tip.category == f.category)
    if f.urgent is not None:
        clauses.append(Tip.urgent.is_(true()) if f.urgent else Tip.urgent.is_(false()))
    if f.overdue:
        clauses += [Tip.status != TipStatus.CLOSED.value, Tip.next_due < today]
    if f.due_soon:
        clauses += [
            Tip.status != TipStatus.CLOSED.value,
            Tip.next_due >= today,
            Tip.next_due <= today + timedelta(days=DUE_SOON_DAYS),
        ]
    if f.assignee == "me":
        clauses.append(Tip.assignee_id == actor.id)
    elif f.assignee == "none":
        clauses.append(Tip.assignee_id.is_(None))
    elif f.assignee:
        if not f.assignee.isdigit():
            raise BadInput("filter", "assignee must be me, none or a user id")
        clauses.append(Tip.assignee_id == int(f.assignee))
    if f.received_from is not None:
        clauses.append(Tip.received_on >= f.received_from)
    if f.received_to is not None:
        clauses.append(Tip.received_on <= f.received_to)
    clauses += _search_clauses(f.q)
    if f.commune:
        clauses.append(Tip.commune_code == f.commune)
    return clauses


def _due(status: TipStatus, next_due: date | None, today: date) -> tuple[DueState, int | None]:
    """The deadline's state and the days left (None once closed)."""
    state = due_state(status, next_due, today)
    if state is DueState.NONE or next_due is None:
        return state, None
    return state, days_left(next_due, today)


def _search_clauses(q: str) -> list[ColumnElement[bool]]:
    """Every word of a search, without diacritics, somewhere in the tip's search text."""
    return [Tip.search_text.like(_like(word), escape="\\") for word in fold(q).split()[:8]]


def due_state(status: TipStatus, next_due: date | None, today: date) -> DueState:
    if status is TipStatus.CLOSED or next_due is None:
        return DueState.NONE
    left = days_left(next_due, today)
    if left < 0:
        return DueState.OVERDUE
    return DueState.DUE_SOON if left <= DUE_SOON_DAYS else DueState.OK


# -- the queue ---------------------------------------------------------------------------


def _encode_cursor(urgent: bool, next_due: date | None, tip_id: str) -> str:
    raw = json.dumps([int(urgent), next_due.isoformat() if next_due else None, tip_id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[bool, date, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        urgent, due, tip_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return bool(urgent), date.fromisoformat(due), str(tip_id)[:36]
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise BadInput("cursor", "the page cursor is not valid") from exc


def _after(cursor: str) -> ColumnElement[bool]:
    """Rows after the cursor in (urgent first, next deadline, id) order. The (next_due, id)
    part is a row comparison so that PostgreSQL walks the queue index from there."""
    urgent, due, tip_id = _decode_cursor(cursor)
    later = tuple_(Tip.next_due, Tip.id) > tuple_(due, tip_id)
    if urgent:
        return or_(Tip.urgent.is_(false()), and_(Tip.urgent.is_(true()), later))
    return and_(Tip.urgent.is_(false()), later)


QUEUE_ORDER = (Tip.urgent.desc(), Tip.next_due, Tip.id)


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
    today = _today(today)
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    clauses = [scope(actor), *filter_clauses(replace(f, q=""), actor, today)]
    if cursor:
        clauses.append(_after(cursor))
    words = _search_clauses(f.q)
    rows = await _search_near(session, clauses, words, limit) if words else None
    if rows is None:
        query = _page_query(limit).where(*clauses, *words)
        rows = list((await session.execute(query)).all())
    items = [_item(tip, username or "", today) for tip, username in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1][0]
        next_cursor = _encode_cursor(last.urgent, last.next_due, last.id)
    return QueuePage(items, next_cursor)


def _page_query(limit: int) -> Any:  # a Select of (Tip, username)
    return (
        select(Tip, AdminUser.username)
        .outerjoin(AdminUser, AdminUser.id == Tip.assignee_id)
        .order_by(*QUEUE_ORDER)
        .limit(limit + 1)
    )


async def _search_near(
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
    query = _page_query(limit).where(Tip.id.in_(select(window.c.id)), *words)
    rows = list((await session.execute(query)).all())
    return rows if len(rows) > limit else None


def _excerpt(text: str, length: int = 140) -> str:
    line = " ".join(text.split())
    return line if len(line) <= length else line[: length - 1].rstrip() + "…"


def _item(tip: Tip, assignee: str, today: date) -> QueueItem:
    status = TipStatus(tip.status)
    state, left = _due(status, tip.next_due, today)
    return QueueItem(
        id=tip.id,
        code=tip.code,
        category=tip.category,
        status=status,
        urgent=tip.urgent,
        commune_code=tip.commune_code,
        received_on=tip.received_on,
        created_at=utc(tip.created_at),
        next_due=None if status is TipStatus.CLOSED else tip.next_due,
        due_state=state,
        days_left=left,
        assignee_id=tip.assignee_id,
        assignee=assignee,
        excerpt=_excerpt(tip.description),
        reporter_replied_at=_utc_or_none(tip.reporter_replied_at),
    )


def _utc_or_none(value: datetime | None) -> datetime | None:
    return None if value is None else utc(value)


async def status_counts(
    session: AsyncSession, actor: Identity, f: QueueFilter, *, today: date | None = None
) -> dict[str, int] | None:
    """How many tips of each status match the filter, its own status aside (the tabs).

    Each status is counted up to COUNT_CAP: a value of COUNT_CAP + 1 means "more". A
    province's closed tips run to hundreds of thousands, and counting them exactly would
    cost more than the page (docs/BENCHMARKS.md §7); a capped count stops early.
    With a search, the matches are counted only when there are at most SEARCH_COUNT_CAP of
    them (None otherwise: a common word would mean reading every tip of the area)."""
    clauses = [scope(actor), *filter_clauses(replace(f, status="all"), actor, _today(today))]
    if fold(f.q).split():
        matches = select(Tip.status).where(*clauses).limit(SEARCH_COUNT_CAP + 1).subquery()
        grouped = select(matches.c.status, func.count()).group_by(matches.c.status)
        found = {status: int(n) for status, n in (await session.execute(grouped)).all()}
        if sum(found.values()) > SEARCH_COUNT_CAP:
            return None
        return {s.value: found.get(s.value, 0) for s in TipStatus}
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


# -- one tip -------------------------------------------------------------------------------


def _is_police(actor: Identity) -> None:
    scope(actor)  # raises Forbidden for roles without tips


async def _load(
    session: AsyncSession, actor: Identity, tip_id: str, *, for_update: bool = False
) -> Tip:
    """The tip by id or receipt code, if it is in the actor's area; NotFound otherwise."""
    key = tip_id.strip()[:64]
    if not key:
        raise NotFound(detail="no such tip")
    match = Tip.id == key if len(key) == 36 else Tip.code == key.upper()
    query = select(Tip).where(match, scope(actor))
    if for_update:
        query = query.with_for_update()
    tip = (await session.execute(query)).scalar_one_or_none()
    if tip is None:
        raise NotFound(detail="no such tip")
    return tip


def _pseudonym(tip: Tip) -> str:
    """The same short name for every tip one reporter sends in one commune, and nothing that
    leads back to them."""
    if tip.resident_id is None:
        return ""
    digest = hashlib.sha256(f"{tip.commune_code}:{tip.resident_id}".encode()).hexdigest()
    return digest[:6].upper()


def map_url(lat: float | None, lon: float | None) -> str:
    if lat is None or lon is None:
        return ""
    return (
        f"https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lon:.6f}#map=17/{lat:.6f}/{lon:.6f}"
    )


def allowed_actions(actor: Identity, tip: Tip, today: date) -> frozenset[Action]:
    status = TipStatus(tip.status)
    allowed = {Action.NOTE}
    if not tip.anonymous and tip.contact_sealed:
        allowed.add(Action.REVEAL)
    if status is TipStatus.CLOSED:
        return frozenset(allowed)
    allowed |= {Action.URGENCY, Action.CLOSE}
    if tip.assignee_id != actor.id and actor.role is not AdminRole.PROVINCE_ADMIN:
        allowed.add(Action.TAKE)
    if actor.role in (AdminRole.CHIEF, AdminRole.PROVINCE_ADMIN):
        allowed.add(Action.ASSIGN)
    if status is TipStatus.NEW:
        allowed.add(Action.ACKNOWLEDGE)
    if status is TipStatus.ACKNOWLEDGED:
        allowed.add(Action.VERIFY)
    if TipStatus.FORWARDED in TRANSITIONS[status]:
        allowed.add(Action.FORWARD)
    if tip.extensions < len(EXTENDED_MONTHS) and not is_overdue(tip.decision_due, today):
        allowed.add(Action.EXTEND)
    if tip.resident_id is not None:
        allowed.add(Action.ASK)
    return frozenset(allowed)


async def tip_detail(
    session: AsyncSession, actor: Identity, tip_id: str, *, today: date | None = None
) -> TipDetail:
    tip = await _load(session, actor, tip_id)
    today = _today(today)
    assignee = ""
    if tip.assignee_id is not None:
        user = await session.get(AdminUser, tip.assignee_id)
        assignee = user.username if user else ""
    attachments = (
        await session.execute(
            select(TipAttachment).where(TipAttachment.tip_id == tip.id).order_by(TipAttachment.id)
        )
    ).scalars()
    events = (
        await session.execute(
            select(TipEvent).where(TipEvent.tip_id == tip.id).order_by(TipEvent.at, TipEvent.id)
        )
    ).scalars()
    status = TipStatus(tip.status)
    state, left = _due(status, tip.next_due, today)
    return TipDetail(
        id=tip.id,
        code=tip.code,
        category=tip.category,
        status=status,
        urgent=tip.urgent,
        description=tip.description,
        incident_when=tip.incident_when,
        incident_date=tip.incident_date,
        address=tip.address,
        lat=tip.lat,
        lon=tip.lon,
        map_url=map_url(tip.lat, tip.lon),
        province_code=tip.province_code,
        commune_code=tip.commune_code,
        anonymous=tip.anonymous,
        reporter=_pseudonym(tip),
        details=dict(tip.details or {}),
        created_at=utc(tip.created_at),
        received_on=tip.received_on,
        ack_due=tip.ack_due,
        decision_due=tip.decision_due,
        outcome_due=tip.outcome_due,
        next_due=None if status is TipStatus.CLOSED else tip.next_due,
        due_state=state,
        days_left=left,
        extensions=tip.extensions,
        assignee_id=tip.assignee_id,
        assignee=assignee,
        acknowledged_at=_utc_or_none(tip.acknowledged_at),
        closed_at=_utc_or_none(tip.closed_at),
        resolution=tip.resolution,
        resolution_note=tip.resolution_note,
        forwarded_to=tip.forwarded_to,
        rating=tip.rating,
        reporter_replied_at=_utc_or_none(tip.reporter_replied_at),
        attachments=[
            AttachmentInfo(a.id, a.kind, a.mime, a.size, a.sha256, utc(a.received_at))
            for a in attachments
        ],
        timeline=[
            TimelineItem(e.id, utc(e.at), e.kind, Visibility(e.visibility), e.body, e.actor)
            for e in events
        ],
        related=await _related(session, actor, tip),
        allowed=allowed_actions(actor, tip, today),
    )


async def _related(session: AsyncSession, actor: Identity, tip: Tip) -> list[RelatedTip]:
    """Tips in the actor's area that name a phone number, account or link this one names."""
    mine = select(IndicatorTip.indicator_id).where(IndicatorTip.tip_id == tip.id)
    query = (
        select(
            Tip.id,
            Tip.code,
            Tip.category,
            Tip.status,
            Tip.received_on,
            Indicator.kind,
            Indicator.value,
            Indicator.bank,
        )
        .join(IndicatorTip, IndicatorTip.tip_id == Tip.id)
        .join(Indicator, Indicator.id == IndicatorTip.indicator_id)
        .where(IndicatorTip.indicator_id.in_(mine), Tip.id != tip.id, scope(actor))
        .order_by(Tip.received_on.desc(), Tip.id)
        .limit(100)
    )
    found: dict[str, RelatedTip] = {}
    for row in (await session.execute(query)).all():
        related = found.get(row.id)
        if related is None:
            if len(found) >= 20:
                continue
            related = RelatedTip(
                row.id, row.code, row.category, TipStatus(row.status), row.received_on, [], []
            )
            found[row.id] = related
        if row.value not in related.shared:
            related.shared.append(row.value)
            related.shown.append(scamcheck.shown(row.kind, row.value, row.bank))
    return list(found.values())


async def attachment(
    session: AsyncSession, actor: Identity, tip_id: str, attachment_id: int
) -> AttachmentRef:
    """Where the bytes of one attachment of a tip in the actor's area are."""
    tip = await _load(session, actor, tip_id)
    row = (
        await session.execute(
            select(TipAttachment).where(
                TipAttachment.id == attachment_id, TipAttachment.tip_id == tip.id
            )
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(detail="no such attachment")
    extension = _EXTENSIONS.get(row.mime, "bin")
    filename = f"{tip.code}-{row.id}.{extension}"
    return AttachmentRef(row.ref, row.mime, row.size, row.kind, filename)


_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/gif": "gif",
    "video/mp4": "mp4",
    "audio/ogg": "ogg",
    "audio/mpeg": "mp3",
    "audio/mp4": "m4a",
    "application/pdf": "pdf",
}


async def reveal_identity(
    session: AsyncSession,
    actor: Identity,
    tip_id: str,
    reason: str,
    sealer: Sealer,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> Contact:
    """The reporter's contact details, for a stated reason that goes to the audit log."""
    tip = await _load(session, actor, tip_id)
    if tip.anonymous or not tip.contact_sealed:
        raise Conflict("anonymous", "the reporter chose to stay anonymous")
    reason = _reason(reason)
    contact = sealer.open(tip.contact_sealed)
    now = now or datetime.now(UTC)
    await _audit(session, actor, AuditAction.TIP_REVEAL, tip, ip=ip, reason=reason, now=now)
    _event(session, tip, "revealed", Visibility.INTERNAL, "", actor, now)
    await session.flush()
    return Contact(contact.get("name", ""), contact.get("phone", ""))


def _reason(reason: str) -> str:
    reason = clean(reason)
    if len(reason) < MIN_REASON:
        raise BadInput("reason", f"a reason of at least {MIN_REASON} characters is needed")
    return reason[:MAX_REASON]


async def colleagues(session: AsyncSession, actor: Identity, commune_code: str) -> list[Colleague]:
    """Active officers and chiefs of a commune in the actor's area: who a tip can go to."""
    _is_police(actor)
    in_area = (
        commune_code == actor.commune_code
        if actor.role is not AdminRole.PROVINCE_ADMIN
        else _province_of(commune_code) == actor.province_code
    )
    if not in_area:
        raise NotFound(detail="no such commune in your area")
    query = (
        select(AdminUser)
        .where(
            AdminUser.commune_code == commune_code,
            AdminUser.active.is_(true()),
            AdminUser.role.in_([AdminRole.OFFICER, AdminRole.CHIEF]),
        )
        .order_by(AdminUser.username)
    )
    return [
        Colleague(u.id, u.username, u.display_name, u.role)
        for u in (await session.execute(query)).scalars()
    ]


def _province_of(commune_code: str) -> str:
    commune = areas.commune(commune_code)
    return commune.province_code if commune else ""


# -- actions -------------------------------------------------------------------------------


def _event(
    session: AsyncSession,
    tip: Tip,
    kind: str,
    visibility: Visibility,
    body: str,
    actor: Identity | None,
    now: datetime,
) -> TipEvent:
    event = TipEvent(
        tip_id=tip.id,
        at=now,
        kind=kind,
        visibility=visibility.value,
        body=body,
        actor=actor.username if actor else "",
    )
    session.add(event)
    return event


async def _audit(
    session: AsyncSession,
    actor: Identity,
    action: AuditAction,
    tip: Tip | None,
    *,
    detail: str = "",
    reason: str = "",
    ip: str = "",
    now: datetime,
) -> None:
    await admin_users.record(
        session,
        action,
        actor_id=actor.id,
        actor_username=actor.username,
        subject=tip.code if tip is not None else "",
        detail=detail,
        reason=reason,
        ip=ip,
        now=now,
    )


async def _move(
    session: AsyncSession,
    actor: Identity,
    tip: Tip,
    target: TipStatus,
    *,
    ip: str,
    now: datetime,
) -> None:
    current = TipStatus(tip.status)
    try:
        move(current, target)
    except IllegalTransition as exc:
        raise Conflict("transition", str(exc)) from exc
    tip.status = target.value
    tip.updated_at = now
    await _audit(
        session,
        actor,
        AuditAction.TIP_STATUS,
        tip,
        detail=f"{current.value}>{target.value}",
        ip=ip,
        now=now,
    )


def _deadlines(tip: Tip) -> Deadlines:
    return Deadlines(
        tip.received_on, tip.ack_due, tip.decision_due, tip.extensions, tip.outcome_due
    )


def _open(tip: Tip) -> None:
    if tip.status == TipStatus.CLOSED.value:
        raise Conflict("closed", "the tip is closed")


def _text(value: str, code: str, limit: int) -> str:
    value = clean(value)
    if not value:
        raise BadInput(code, f"{code} must not be empty")
    if len(value) > limit:
        raise BadInput(code, f"{code} is longer than {limit} characters")
    return value


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


async def take(
    session: AsyncSession,
    actor: Identity,
    tip_id: str,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """The signed-in officer takes the tip on."""
    if actor.role is AdminRole.PROVINCE_ADMIN:
        raise Forbidden(detail="a province admin assigns tips instead of taking them")
    tip, now = await _working_on(session, actor, tip_id, now)
    await _set_assignee(session, actor, tip, actor.id, actor.username, ip, now)


async def assign(
    session: AsyncSession,
    actor: Identity,
    tip_id: str,
    assignee_id: int | None,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """A chief or province admin gives the tip to an officer of its commune (None: nobody)."""
    if actor.role not in (AdminRole.CHIEF, AdminRole.PROVINCE_ADMIN):
        scope(actor)
        raise Forbidden(detail="only a chief or a province admin assigns tips")
    tip, now = await _working_on(session, actor, tip_id, now)
    username = ""
    if assignee_id is not None:
        found = {c.id: c for c in await colleagues(session, actor, tip.commune_code)}
        if assignee_id not in found:
            raise BadInput("assignee", "that person cannot take tips of this commune")
        username = found[assignee_id].username
    await _set_assignee(session, actor, tip, assignee_id, username, ip, now)


async def _set_assignee(
    session: AsyncSession,
    actor: Identity,
    tip: Tip,
    assignee_id: int | None,
    username: str,
    ip: str,
    now: datetime,
) -> None:
    if tip.assignee_id == assignee_id:
        return
    tip.assignee_id = assignee_id
    tip.updated_at = now
    _event(session, tip, "assigned", Visibility.INTERNAL, username, actor, now)
    await _audit(
        session, actor, AuditAction.TIP_ASSIGN, tip, detail=username or "-", ip=ip, now=now
    )
    await session.flush()


async def set_urgency(
    session: AsyncSession,
    actor: Identity,
    tip_id: str,
    urgent: bool,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    tip, now = await _working_on(session, actor, tip_id, now)
    if tip.urgent == urgent:
        return
    tip.urgent = urgent
    tip.updated_at = now
    _event(session, tip, "urgency", Visibility.INTERNAL, "1" if urgent else "0", actor, now)
    await _audit(
        session,
        actor,
        AuditAction.TIP_URGENCY,
        tip,
        detail="urgent" if urgent else "normal",
        ip=ip,
        now=now,
    )
    await session.flush()


async def _working_on(
    session: AsyncSession, actor: Identity, tip_id: str, now: datetime | None
) -> tuple[Tip, datetime]:
    """The open tip, locked until commit, and the time of the action."""
    tip = await _load(session, actor, tip_id, for_update=True)
    _open(tip)
    return tip, _now(now)


async def _notify(
    session: AsyncSession,
    tip: Tip,
    notice: outbox.Notice,
    params: dict[str, str],
    now: datetime,
) -> None:
    await outbox.notify_reporter(
        session,
        tip_id=tip.id,
        resident_id=tip.resident_id,
        code=tip.code,
        notice=notice,
        params=params,
        now=now,
    )


async def acknowledge(
    session: AsyncSession,
    actor: Identity,
    tip_id: str,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Tell the reporter the tip was received and is being handled (the law's 3 working
    days); from now on the decision deadline is the one that runs."""
    tip = await _load(session, actor, tip_id, for_update=True)
    now = _now(now)
    await _move(session, actor, tip, TipStatus.ACKNOWLEDGED, ip=ip, now=now)
    tip.acknowledged_at = now
    tip.next_due = tip.decision_due
    _event(session, tip, "acknowledged", Visibility.REPORTER, "", actor, now)
    await _notify(session, tip, outbox.Notice.ACKNOWLEDGED, {}, now)
    await session.flush()


async def verify(
    session: AsyncSession,
    actor: Identity,
    tip_id: str,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Start the preliminary check."""
    tip = await _load(session, actor, tip_id, for_update=True)
    now = _now(now)
    await _move(session, actor, tip, TipStatus.VERIFYING, ip=ip, now=now)
    _event(session, tip, "verifying", Visibility.INTERNAL, "", actor, now)
    await session.flush()


async def ask_reporter(
    session: AsyncSession,
    actor: Identity,
    tip_id: str,
    question: str,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Send the reporter a question; the bot relays it under the tip code and their answer
    comes back into the timeline. The officer never learns who they are."""
    tip, now = await _working_on(session, actor, tip_id, now)
    question = _text(question, "question", MAX_QUESTION)
    if tip.resident_id is None:
        raise Conflict("no_reporter", "the reporter's account no longer exists")
    event = _event(session, tip, "question", Visibility.REPORTER, question, actor, now)
    tip.updated_at = now
    await session.flush()
    await _notify(
        session,
        tip,
        outbox.Notice.QUESTION,
        {"question": question, "event_id": str(event.id)},
        now,
    )
    await _audit(session, actor, AuditAction.TIP_QUESTION, tip, ip=ip, now=now)
    await session.flush()


async def forward(
    session: AsyncSession,
    actor: Identity,
    tip_id: str,
    to: str,
    note: str = "",
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Hand the tip to the competent investigation body."""
    tip = await _load(session, actor, tip_id, for_update=True)
    to = _text(to, "forward_to", 200)
    now = _now(now)
    await _move(session, actor, tip, TipStatus.FORWARDED, ip=ip, now=now)
    tip.forwarded_to = to
    _event(session, tip, "forwarded", Visibility.REPORTER, "", actor, now)
    _event(session, tip, "forwarded_to", Visibility.INTERNAL, to, actor, now)
    if note.strip():
        _event(session, tip, "note", Visibility.INTERNAL, _text(note, "note", MAX_NOTE), actor, now)
    await _notify(session, tip, outbox.Notice.FORWARDED, {}, now)
    await session.flush()


async def extend_deadline(
    session: AsyncSession,
    actor: Identity,
    tip_id: str,
    reason: str,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Extend the decision deadline (to 2 months from receipt, then 4), for a reason."""
    tip, now = await _working_on(session, actor, tip_id, now)
    reason = _reason(reason)
    if is_overdue(tip.decision_due, local_date(now)):
        # The extension has to be asked for before the deadline (art. 147: 5 days before);
        # one recorded afterwards would also erase the miss from the statistics.
        raise Conflict("extension_late", "the decision deadline has already passed")
    try:
        extended = extend(_deadlines(tip))
    except ExtensionNotAllowed as exc:
        raise Conflict("extension_limit", str(exc)) from exc
    tip.decision_due = extended.decision_due
    tip.extensions = extended.extensions
    if tip.status != TipStatus.NEW.value:
        tip.next_due = extended.decision_due
    tip.updated_at = now
    due = extended.decision_due.isoformat()
    _event(session, tip, "extended", Visibility.REPORTER, due, actor, now)
    _event(session, tip, "extension_reason", Visibility.INTERNAL, reason, actor, now)
    await _audit(
        session, actor, AuditAction.TIP_EXTEND, tip, detail=due, reason=reason, ip=ip, now=now
    )
    await _notify(session, tip, outbox.Notice.EXTENDED, {"decision_due": due}, now)
    await session.flush()


async def close(
    session: AsyncSession,
    actor: Identity,
    tip_id: str,
    resolution: str,
    note: str = "",
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Decide the tip: the reporter is told the outcome and asked to rate it (1-5)."""
    if resolution not in {r.value for r in Resolution}:
        raise BadInput("resolution", "choose how the tip was resolved")
    tip = await _load(session, actor, tip_id, for_update=True)
    note = clean(note)[:MAX_NOTE]
    now = _now(now)
    await _move(session, actor, tip, TipStatus.CLOSED, ip=ip, now=now)
    tip.outcome_due = decided(_deadlines(tip), now).outcome_due
    tip.closed_at = now
    tip.resolution = resolution
    tip.resolution_note = note
    tip.next_due = local_date(now)
    _event(session, tip, "closed", Visibility.REPORTER, resolution, actor, now)
    if note:
        _event(session, tip, "note", Visibility.INTERNAL, note, actor, now)
    await _notify(session, tip, outbox.Notice.CLOSED, {"resolution": resolution}, now)
    await session.flush()


async def add_note(
    session: AsyncSession,
    actor: Identity,
    tip_id: str,
    body: str,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """An internal note: police only, never shown to the reporter."""
    tip = await _load(session, actor, tip_id)
    now = _now(now)
    _event(session, tip, "note", Visibility.INTERNAL, _text(body, "note", MAX_NOTE), actor, now)
    await session.flush()


# -- export ---------------------------------------------------------------------------------


async def export_rows(
    session: AsyncSession,
    actor: Identity,
    f: QueueFilter,
    *,
    ip: str = "",
    now: datetime | None = None,
    filters: str = "",
) -> list[ExportRow]:
    """The filtered queue as rows for a report (at most MAX_EXPORT_ROWS), audited."""
    now = _now(now)
    query = (
        select(Tip, AdminUser.username)
        .outerjoin(AdminUser, AdminUser.id == Tip.assignee_id)
        .where(scope(actor), *filter_clauses(f, actor, local_date(now)))
        .order_by(Tip.received_on, Tip.code)
        .limit(MAX_EXPORT_ROWS)
    )
    rows = [
        ExportRow(
            code=tip.code,
            category=tip.category,
            status=TipStatus(tip.status),
            urgent=tip.urgent,
            commune_code=tip.commune_code,
            received_on=tip.received_on,
            ack_due=tip.ack_due,
            decision_due=tip.decision_due,
            next_due=None if tip.status == TipStatus.CLOSED.value else tip.next_due,
            acknowledged_at=_utc_or_none(tip.acknowledged_at),
            closed_at=_utc_or_none(tip.closed_at),
            resolution=tip.resolution,
            assignee=username or "",
            forwarded_to=tip.forwarded_to,
            rating=tip.rating,
            anonymous=tip.anonymous,
            description=tip.description,
            address=tip.address,
        )
        for tip, username in (await session.execute(query)).all()
    ]
    await _audit(
        session,
        actor,
        AuditAction.TIPS_EXPORT,
        None,
        detail=f"{len(rows)} rows",
        reason=filters,
        ip=ip,
        now=now,
    )
    await session.flush()
    return rows
