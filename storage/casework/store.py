"""The SQL `CaseStore` (handlers/casework/ports.py): a tip's casework fields read from and
written back to its row, the timeline, the audit log and the outbox, all in the request's
session, so the route's one commit takes all of it or none."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select, true
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.audit import AuditAction
from handlers.casework.ports import CaseTip, Colleague
from handlers.deadlines import NO_DUE
from handlers.notices import Notice
from handlers.people import AdminRole, Identity
from handlers.tipmodel import Visibility
from handlers.tips.words import Protection, TipStatus, Track
from storage import admin_users, officer_notifications, outbox
from storage.casework.area import load
from storage.casework.views import utc_or_none
from storage.db import utc
from storage.models import AdminUser, Indicator, IndicatorTip, Resident, Tip, TipEvent
from storage.owners import Owners
from storage.sealing import Sealer

CONFIRMED = "confirmed"  # an indicator the police confirmed (storage/indicators.py)

# What an action may change; save() copies exactly these back to the row.
CHANGEABLE = (
    "urgent",
    "assignee_id",
    "ack_due",
    "forward_due",
    "extensions",
    "outcome_due",
    "next_due",
    "acknowledged_at",
    "closed_at",
    "resolution",
    "resolution_note",
    "forwarded_to",
    "forwarded_at",
    "decided_at",
    "resumed_at",
    "extension_decision",
    "extension_decision_on",
    "mediation_team",
    "updated_at",
    "thanked_at",
)


class SqlCaseStore:
    def __init__(self, session: AsyncSession, sealer: Sealer | None = None) -> None:
        """`sealer` opens the reporter's sealed id (storage/owners.py) when an action tells
        the reporter something; a store that only reads needs none."""
        self.session = session
        self._owners = None if sealer is None else Owners.of(sealer)
        self._rows: dict[str, Tip] = {}

    async def load(self, actor: Identity, tip_id: str, *, for_update: bool = False) -> CaseTip:
        row = await load(self.session, actor, tip_id, for_update=for_update)
        self._rows[row.id] = row
        return _case(row)

    async def save(self, tip: CaseTip) -> None:
        row = self._rows[tip.id]
        made_urgent = tip.urgent and not row.urgent
        # The chiefs hear of a request, and again when it becomes a threat.
        asked_protection = tip.protection.value != row.protection and (
            not row.protection or tip.protection is Protection.THREATENED
        )
        for name, value in (
            ("missed", ",".join(sorted(tip.missed))),
            ("status", tip.status.value),
            ("track", tip.track.value),
            ("protection", tip.protection.value),
            ("decision_due", tip.decision_due or NO_DUE),
        ):
            if getattr(row, name) != value:
                setattr(row, name, value)
        for name in CHANGEABLE:
            value, current = getattr(tip, name), getattr(row, name)
            if isinstance(current, datetime):
                current = utc(current)  # SQLite hands back naive times
            if value != current:
                setattr(row, name, value)
        await self.session.flush()
        if made_urgent:  # issue 15: the commune's linked officers are told at once
            await officer_notifications.urgent_tip(
                self.session, tip.id, tip.updated_at or datetime.now(UTC)
            )
        if asked_protection:  # issue 17: the commune's chiefs are told at once
            await officer_notifications.protection_asked(
                self.session, tip.id, tip.updated_at or datetime.now(UTC)
            )

    async def colleagues(self, commune_code: str) -> list[Colleague]:
        query = (
            select(AdminUser)
            .where(
                AdminUser.commune_code == commune_code,
                AdminUser.active.is_(true()),
                AdminUser.role.in_([AdminRole.OFFICER, AdminRole.CHIEF]),
            )
            .order_by(AdminUser.username)
        )
        users = (await self.session.execute(query)).scalars()
        return [Colleague(u.id, u.username, u.display_name, u.role) for u in users]

    async def add_event(
        self,
        tip: CaseTip,
        kind: str,
        visibility: Visibility,
        body: str,
        actor: Identity | None,
        now: datetime,
    ) -> str:
        entry = TipEvent(
            tip_id=tip.id,
            at=now,
            kind=kind,
            visibility=visibility.value,
            body=body,
            actor=actor.username if actor else "",
        )
        self.session.add(entry)
        await self.session.flush()
        return str(entry.id)

    async def audit(
        self,
        actor: Identity,
        action: AuditAction,
        tip: CaseTip,
        *,
        detail: str = "",
        reason: str = "",
        ip: str = "",
        now: datetime,
    ) -> None:
        await admin_users.record_by(
            self.session,
            actor,
            action,
            subject=tip.code,
            detail=detail,
            reason=reason,
            ip=ip,
            now=now,
        )

    async def confirmed_indicator(self, tip: CaseTip) -> bool:
        query = (
            select(IndicatorTip.indicator_id)
            .join(Indicator, Indicator.id == IndicatorTip.indicator_id)
            .where(IndicatorTip.tip_id == tip.id, Indicator.status == CONFIRMED)
            .limit(1)
        )
        return (await self.session.execute(query)).first() is not None

    async def notify(
        self, tip: CaseTip, notice: Notice, params: dict[str, str], now: datetime
    ) -> None:
        sealed = self._rows[tip.id].reporter_sealed
        if sealed and self._owners is None:
            raise RuntimeError("telling a reporter needs the case store's sealer")
        resident = None if self._owners is None else self._owners.open(sealed)
        if resident is not None and await self.session.get(Resident, resident) is None:
            resident = None  # erased since (an erasure detaches the tips; this is the guard)
        await outbox.notify_reporter(
            self.session,
            tip_id=tip.id,
            resident_id=resident,
            code=tip.code,
            notice=notice,
            params=params,
            now=now,
        )


def case_of(row: Tip) -> CaseTip:
    """A tip's row as the casework use cases and rules see it."""
    return _case(row)


def decision_of(row: Tip) -> date | None:
    """The row's decision deadline; None where its track has none (stored as NO_DUE)."""
    return None if row.decision_due >= NO_DUE else row.decision_due


def _case(row: Tip) -> CaseTip:
    return CaseTip(
        id=row.id,
        code=row.code,
        province_code=row.province_code,
        commune_code=row.commune_code,
        status=TipStatus(row.status),
        urgent=row.urgent,
        assignee_id=row.assignee_id,
        has_reporter=bool(row.reporter_sealed),
        contact_sealed="" if row.anonymous else row.contact_sealed,
        contact_removed=not row.anonymous and row.personal_data_purged_at is not None,
        received_on=row.received_on,
        ack_due=row.ack_due,
        decision_due=decision_of(row),
        extensions=row.extensions,
        outcome_due=row.outcome_due,
        next_due=row.next_due,
        track=Track(row.track),
        forward_due=row.forward_due,
        acknowledged_at=utc_or_none(row.acknowledged_at),
        forwarded_at=utc_or_none(row.forwarded_at),
        decided_at=utc_or_none(row.decided_at),
        resumed_at=utc_or_none(row.resumed_at),
        missed=frozenset(m for m in row.missed.split(",") if m),
        extension_decision=row.extension_decision,
        extension_decision_on=row.extension_decision_on,
        mediation_team=row.mediation_team,
        protection=Protection(row.protection),
        closed_at=utc_or_none(row.closed_at),
        resolution=row.resolution,
        resolution_note=row.resolution_note,
        forwarded_to=row.forwarded_to,
        updated_at=utc_or_none(row.updated_at),
        thanked_at=utc_or_none(row.thanked_at),
    )
