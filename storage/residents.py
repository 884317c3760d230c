"""Residents and their channel identities."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.ports import Profile
from storage.models import ChannelIdentity, Resident


def _profile(resident: Resident) -> Profile:
    return Profile(
        resident_id=resident.id,
        lang=resident.lang,
        province_code=resident.province_code,
        commune_code=resident.commune_code,
        consent_version=resident.consent_version,
    )


class SqlResidents:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _find(self, channel: str, account: str, user_id: str) -> Resident | None:
        query = (
            select(Resident)
            .join(ChannelIdentity, ChannelIdentity.resident_id == Resident.id)
            .where(
                ChannelIdentity.channel == channel,
                ChannelIdentity.account == account,
                ChannelIdentity.platform_user_id == user_id,
            )
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def for_identity(self, channel: str, account: str, user_id: str) -> Profile:
        found = await self._find(channel, account, user_id)
        if found is not None:
            return _profile(found)
        resident = Resident(
            id=str(uuid.uuid4()), lang="", province_code="", commune_code="", consent_version=""
        )
        try:
            async with self.session.begin_nested():
                self.session.add(resident)
                await self.session.flush()
                self.session.add(
                    ChannelIdentity(
                        channel=channel,
                        account=account,
                        platform_user_id=user_id,
                        resident_id=resident.id,
                    )
                )
                await self.session.flush()
        except IntegrityError:
            # Another process created this identity first; use theirs.
            found = await self._find(channel, account, user_id)
            if found is None:
                raise
            return _profile(found)
        return _profile(resident)

    async def save_profile(self, profile: Profile) -> None:
        await self.session.execute(
            update(Resident)
            .where(Resident.id == profile.resident_id)
            .values(
                lang=profile.lang,
                province_code=profile.province_code,
                commune_code=profile.commune_code,
            )
        )

    async def set_reachable(
        self, channel: str, account: str, user_id: str, reachable: bool
    ) -> None:
        await self.session.execute(
            update(ChannelIdentity)
            .where(
                ChannelIdentity.channel == channel,
                ChannelIdentity.account == account,
                ChannelIdentity.platform_user_id == user_id,
            )
            .values(reachable=reachable)
        )

    async def accept_consent(self, resident_id: str, version: str, at: datetime) -> None:
        await self.session.execute(
            update(Resident)
            .where(Resident.id == resident_id)
            .values(consent_version=version, consent_at=at)
        )
