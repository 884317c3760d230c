"""Residents, their channel identities, and the neighbourhood they said they live in.

An identity a platform refused (blocked, gone, Zalo OA's 7-day window closed) is marked
unreachable, and the messages owed to its resident wait (storage/outbox.py). It becomes
reachable again as soon as the resident is heard from on it: an unblock or a follow
(`set_reachable(…, True)`, from handlers/router.py), or any message at all: the profile is
read with the identity's flag (`for_identity`, no query more), and a chat whose cached
profile was loaded before the refusal is marked "away" in its state (handlers/reachability.py)
so that its next message asks here. Coming back releases the resident's waiting messages in
the same statement on PostgreSQL (a data-modifying WITH), two on SQLite.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import cast

from sqlalchemy import ColumnElement, Table, and_, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.ports import Neighbourhood, Profile, by_name
from storage.models import ChannelIdentity, Resident, ResidentNeighbourhood
from storage.models import Neighbourhood as NeighbourhoodRow
from storage.outbox import released

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

    def _identity(self, channel: str, account: str, user_id: str) -> ColumnElement[bool]:
        return and_(
            ChannelIdentity.channel == channel,
            ChannelIdentity.account == account,
            ChannelIdentity.platform_user_id == user_id,
        )

    async def _find(self, channel: str, account: str, user_id: str) -> Resident | None:
        """The resident behind the identity; an identity marked unreachable is made reachable
        again on the way (its resident is writing), in the rare case it was."""
        query = (
            select(Resident, ChannelIdentity.reachable)
            .join(ChannelIdentity, ChannelIdentity.resident_id == Resident.id)
            .where(self._identity(channel, account, user_id))
        )
        row = (await self.session.execute(query)).one_or_none()
        if row is None:
            return None
        resident, reachable = row
        if not reachable:
            await self.set_reachable(channel, account, user_id, True)
        return resident

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
        """Mark the identity (un)reachable. Reachable again, its resident's messages that
        waited for them are released (storage/outbox.py `released`)."""
        mark = (
            update(ChannelIdentity)
            .where(self._identity(channel, account, user_id))
            .values(reachable=reachable)
        )
        if not reachable:
            await self.session.execute(mark)
            return
        if self.session.get_bind().dialect.name == "postgresql":
            back = mark.returning(ChannelIdentity.resident_id).cte("back")
            await self.session.execute(released(select(back.c.resident_id)).add_cte(back))
            return
        found = await self.session.execute(mark.returning(ChannelIdentity.resident_id))
        resident_id = found.scalar()
        if resident_id is not None:
            await self.session.execute(released(str(resident_id)))

    async def accept_consent(self, resident_id: str, version: str, at: datetime) -> None:
        await self.session.execute(
            update(Resident)
            .where(Resident.id == resident_id)
            .values(consent_version=version, consent_at=at)
        )
