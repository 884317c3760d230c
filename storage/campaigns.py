"""Campaigns in SQL (handlers/campaigns.py's CampaignStore): the settings of communes and
provinces, and the campaign messages queued, one row per message and commune."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Table, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.audit import AuditAction
from handlers.campaigns import Scope, Setting
from handlers.people import Identity
from handlers.ports import SubscriptionKind
from storage import admin_users
from storage.db import insert_ignoring_conflicts, utc
from storage.identity import identity_of
from storage.models import AdminUser, CampaignSetting, Resident, ScheduledSend, Subscription

SENDS = cast(Table, ScheduledSend.__table__)


class SqlCampaignStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def settings(self, campaign: str = "") -> list[Setting]:
        query = select(CampaignSetting)
        if campaign:
            query = query.where(CampaignSetting.campaign == campaign)
        rows = (await self.session.execute(query)).scalars()
        return [
            Setting(r.campaign, Scope(r.scope), r.area_code, r.enabled, r.set_by, utc(r.set_at))
            for r in rows
        ]

    async def put(self, setting: Setting) -> None:
        values = {
            "campaign": setting.campaign,
            "scope": setting.scope.value,
            "area_code": setting.area_code,
            "enabled": setting.enabled,
            "set_by": setting.set_by,
            "set_at": setting.set_at.astimezone(UTC),
        }
        changed = {k: values[k] for k in ("enabled", "set_by", "set_at")}
        keys = ["campaign", "scope", "area_code"]
        if self.session.get_bind().dialect.name == "postgresql":
            pg = postgresql.insert(CampaignSetting).values(**values)
            await self.session.execute(pg.on_conflict_do_update(index_elements=keys, set_=changed))
        else:
            lite = sqlite.insert(CampaignSetting).values(**values)
            await self.session.execute(
                lite.on_conflict_do_update(index_elements=keys, set_=changed)
            )

    async def account(self, user_id: int) -> Identity | None:
        query = select(AdminUser).where(AdminUser.id == user_id, AdminUser.active.is_(True))
        row = (await self.session.execute(query)).scalar_one_or_none()
        return None if row is None else identity_of(row)

    async def claim(self, sending_key: str, commune_code: str, now: datetime) -> bool:
        claimed = await self.session.execute(
            insert_ignoring_conflicts(self.session, SENDS).values(
                sending_key=sending_key,
                target=commune_code,
                created_at=now.astimezone(UTC),
            )
        )
        return bool(getattr(claimed, "rowcount", 0))

    async def queued(self, sending_key: str, commune_code: str, broadcast_id: str) -> None:
        await self.session.execute(
            update(ScheduledSend)
            .where(
                ScheduledSend.sending_key == sending_key,
                ScheduledSend.target == commune_code,
            )
            .values(broadcast_id=broadcast_id)
        )

    async def audience(self, commune_code: str) -> int:
        query = (
            select(func.count())
            .select_from(Subscription)
            .join(Resident, Resident.id == Subscription.resident_id)
            .where(
                Subscription.kind == SubscriptionKind.AWARENESS.value,
                Subscription.until.is_(None),
                Resident.commune_code == commune_code,
            )
        )
        return int(await self.session.scalar(query) or 0)

    async def claimed(self, sending_keys: list[str]) -> set[tuple[str, str]]:
        if not sending_keys:
            return set()
        query = select(ScheduledSend.sending_key, ScheduledSend.target).where(
            ScheduledSend.sending_key.in_(sending_keys)
        )
        return {(k, c) for k, c in (await self.session.execute(query)).all()}

    async def audit(
        self, actor: Identity, action: AuditAction, subject: str, detail: str, now: datetime
    ) -> None:
        await admin_users.record_by(
            self.session, actor, action, subject=subject, detail=detail, now=now
        )
