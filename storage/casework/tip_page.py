"""One tip's page: the tip, its attachments, its timeline, the tips that name the same
phone number, account or link, what the caller may do to it, and the reveal of who sent it."""

from __future__ import annotations

import hashlib
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from content import scamcheck
from handlers.casework import rules
from handlers.casework.rules import Action, due, shown_due
from handlers.deadlines import next_due
from handlers.errors import NotFound
from handlers.people import Identity, assigns_work, may_reveal, takes_work
from handlers.tipmodel import Visibility
from handlers.tips.words import TipStatus
from storage.casework.area import load, scope
from storage.casework.filters import today_or
from storage.casework.store import case_of
from storage.casework.views import (
    AttachmentInfo,
    AttachmentRef,
    RelatedTip,
    TimelineItem,
    TipDetail,
    utc_or_none,
)
from storage.db import utc
from storage.models import AdminUser, Indicator, IndicatorTip, Tip, TipAttachment, TipEvent


def _pseudonym(tip: Tip) -> str:
    """The same short name for every tip one reporter sends in one commune, and nothing that
    leads back to them."""
    if not tip.owner_ref:
        return ""
    # Anonymous and named tips of one reporter get different names: one lawful reveal of a
    # named tip must not say who sent the anonymous ones (issue 18).
    kind = "anonymous" if tip.anonymous else "named"
    digest = hashlib.sha256(f"{tip.commune_code}:{kind}:{tip.owner_ref}".encode()).hexdigest()
    return digest[:6].upper()


def map_url(lat: float | None, lon: float | None) -> str:
    if lat is None or lon is None:
        return ""
    return (
        f"https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lon:.6f}#map=17/{lat:.6f}/{lon:.6f}"
    )


def allowed_actions(actor: Identity, tip: Tip, today: date) -> frozenset[Action]:
    return rules.allowed_actions(
        case_of(tip),
        assigned_to_me=tip.assignee_id == actor.id,
        takes_work=takes_work(actor),
        assigns_work=assigns_work(actor),
        today=today,
        reveals=may_reveal(actor, tip.assignee_id),
    )


async def tip_detail(
    session: AsyncSession, actor: Identity, tip_id: str, *, today: date | None = None
) -> TipDetail:
    tip = await load(session, actor, tip_id)
    today = today_or(today)
    assignee = await _assignee_name(session, tip)
    attachments = await _attachments(session, tip)
    timeline = await _timeline(session, tip)
    status = TipStatus(tip.status)
    state, left = due(status, tip.next_due, today)
    case = case_of(tip)
    found = next_due(
        status,
        case.deadlines,
        acknowledged=tip.acknowledged_at is not None,
        forwarded=tip.forwarded_at is not None,
    )
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
        has_contact=bool(tip.contact_sealed) and not tip.anonymous,
        contact_removed=not tip.anonymous and tip.personal_data_purged_at is not None,
        reporter=_pseudonym(tip),
        details=dict(tip.details or {}),
        created_at=utc(tip.created_at),
        received_on=tip.received_on,
        ack_due=tip.ack_due,
        decision_due=case.decision_due,
        outcome_due=tip.outcome_due,
        next_due=shown_due(None if status is TipStatus.CLOSED else tip.next_due),
        next_kind=found[0].value if found else "",
        due_state=state,
        days_left=left,
        extensions=tip.extensions,
        track=case.track,
        forward_due=tip.forward_due,
        forwarded_at=utc_or_none(tip.forwarded_at),
        decided_at=utc_or_none(tip.decided_at),
        extension_decision=tip.extension_decision,
        extension_decision_on=tip.extension_decision_on,
        mediation_team=tip.mediation_team,
        protection=case.protection,
        assignee_id=tip.assignee_id,
        assignee=assignee,
        acknowledged_at=utc_or_none(tip.acknowledged_at),
        closed_at=utc_or_none(tip.closed_at),
        resolution=tip.resolution,
        resolution_note=tip.resolution_note,
        forwarded_to=tip.forwarded_to,
        rating=tip.rating,
        reporter_replied_at=utc_or_none(tip.reporter_replied_at),
        attachments=attachments,
        timeline=timeline,
        related=await _related(session, actor, tip),
        allowed=allowed_actions(actor, tip, today),
    )


async def _assignee_name(session: AsyncSession, tip: Tip) -> str:
    if tip.assignee_id is None:
        return ""
    user = await session.get(AdminUser, tip.assignee_id)
    return user.username if user else ""


async def _attachments(session: AsyncSession, tip: Tip) -> list[AttachmentInfo]:
    query = select(TipAttachment).where(TipAttachment.tip_id == tip.id).order_by(TipAttachment.id)
    return [
        AttachmentInfo(
            a.id,
            a.kind,
            a.mime,
            a.size,
            a.sha256,
            utc(a.received_at),
            a.metadata_summary,
            a.metadata_removed,
            a.received_sha256,
        )
        for a in (await session.execute(query)).scalars()
    ]


async def _timeline(session: AsyncSession, tip: Tip) -> list[TimelineItem]:
    query = select(TipEvent).where(TipEvent.tip_id == tip.id).order_by(TipEvent.at, TipEvent.id)
    return [
        TimelineItem(e.id, utc(e.at), e.kind, Visibility(e.visibility), e.body, e.actor)
        for e in (await session.execute(query)).scalars()
    ]


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
    tip = await load(session, actor, tip_id)
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
