"""Residents, their channel identities, and the neighbourhood they said they live in."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import cast

from sqlalchemy import Table, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.ports import Neighbourhood, Profile, by_name
from storage.models import ChannelIdentity, Resident, ResidentNeighbourhood
from storage.models import Neighbourhood as NeighbourhoodRow

RESIDENT_NEIGHBOURHOODS = cast(Table, ResidentNeighbourhood.__table__)


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

    async def neighbourhoods(self, commune_code: str) -> list[Neighbourhood]:
        query = select(NeighbourhoodRow.id, NeighbourhoodRow.name).where(
            NeighbourhoodRow.commune_code == commune_code, NeighbourhoodRow.active
        )
        rows = (await self.session.execute(query)).all()
        return by_name(Neighbourhood(row.id, row.name) for row in rows)

    async def neighbourhood(self, resident_id: str) -> Neighbourhood | None:
        query = (
            select(NeighbourhoodRow.id, NeighbourhoodRow.name)
            .join(
                ResidentNeighbourhood, ResidentNeighbourhood.neighbourhood_id == NeighbourhoodRow.id
            )
            .join(Resident, Resident.id == ResidentNeighbourhood.resident_id)
            .where(
                ResidentNeighbourhood.resident_id == resident_id,
                NeighbourhoodRow.active,
                NeighbourhoodRow.commune_code == Resident.commune_code,
            )
        )
        row = (await self.session.execute(query)).one_or_none()
        return None if row is None else Neighbourhood(row.id, row.name)

    async def set_neighbourhood(self, resident_id: str, neighbourhood_id: int | None) -> bool:
        if neighbourhood_id is None:
            mine = ResidentNeighbourhood.resident_id == resident_id
            await self.session.execute(delete(ResidentNeighbourhood).where(mine))
            return True
        if not await self._offered(resident_id, neighbourhood_id):
            return False
        # An upsert, so that two taps at once leave one row: the later one's.
        dialect = postgresql if self.session.get_bind().dialect.name == "postgresql" else sqlite
        statement = dialect.insert(RESIDENT_NEIGHBOURHOODS).values(
            resident_id=resident_id, neighbourhood_id=neighbourhood_id
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["resident_id"], set_={"neighbourhood_id": neighbourhood_id}
            )
        )
        return True

    async def _offered(self, resident_id: str, neighbourhood_id: int) -> bool:
        """Whether the neighbourhood is active and in the resident's commune."""
        query = (
            select(NeighbourhoodRow.id)
            .join(Resident, Resident.commune_code == NeighbourhoodRow.commune_code)
            .where(
                NeighbourhoodRow.id == neighbourhood_id,
                NeighbourhoodRow.active,
                Resident.id == resident_id,
            )
        )
        return (await self.session.execute(query)).first() is not None

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
