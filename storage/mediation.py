"""A commune's mediation teams (tổ hòa giải) in the table `mediation_teams`: the reads the
panel's pages call directly (`teams`), the writes, and `SqlTeamStore`, the SQL side of
handlers/casework/mediation_teams.py's `TeamStore`, in the request's session (the route's one
commit takes the change and its audit row, or neither).

`teams` returns the members as stored, phone numbers included: a caller shows them only to
the police of that commune (handlers.casework.mediation_teams.sees_phones / hide_phones).
A duplicate name is refused by the unique constraint (commune, name) inside a savepoint, so
that the request's other work stands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, true
from sqlalchemy import update as sql_update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.audit import AuditAction
from handlers.casework.mediation_teams import Team
from handlers.people import Identity
from storage.admin_users import record
from storage.models import MediationTeam


@dataclass(frozen=True)
class TeamView:
    id: int
    name: str
    area: str
    members: str  # one "name — phone — role" a line, phones included
    active: bool


def _view(row: MediationTeam) -> TeamView:
    return TeamView(row.id, row.name, row.area, row.members, row.active)


def _team(row: MediationTeam) -> Team:
    return Team(row.id, row.commune_code, row.name, row.area, row.members, row.active)


async def teams(
    session: AsyncSession, commune_code: str, *, active_only: bool = True
) -> list[TeamView]:
    """The commune's teams (the active ones unless `active_only` is False), by name."""
    query = select(MediationTeam).where(MediationTeam.commune_code == commune_code)
    if active_only:
        query = query.where(MediationTeam.active.is_(true()))
    query = query.order_by(MediationTeam.name, MediationTeam.id)
    return [_view(row) for row in (await session.execute(query)).scalars()]


async def _row(session: AsyncSession, team_id: int) -> MediationTeam | None:
    query = select(MediationTeam).where(MediationTeam.id == team_id)
    found: MediationTeam | None = (await session.execute(query)).scalar_one_or_none()
    return found


async def add(
    session: AsyncSession,
    commune_code: str,
    name: str,
    area: str,
    members: str,
    now: datetime,
) -> TeamView | None:
    """The team added, or None when the commune already has one of that exact name."""
    moment = now.astimezone(UTC)
    row = MediationTeam(
        commune_code=commune_code,
        name=name,
        area=area,
        members=members,
        active=True,
        created_at=moment,
        updated_at=moment,
    )
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:
        return None
    return _view(row)


async def update(
    session: AsyncSession, team_id: int, name: str, area: str, members: str, now: datetime
) -> bool:
    """New name, area and members; False when another team of the commune has that name."""
    statement = (
        sql_update(MediationTeam)
        .where(MediationTeam.id == team_id)
        .values(name=name, area=area, members=members, updated_at=now.astimezone(UTC))
        .execution_options(synchronize_session=False)
    )
    try:
        async with session.begin_nested():
            await session.execute(statement)
    except IntegrityError:
        return False
    return True


async def _set_active(session: AsyncSession, team_id: int, active: bool, now: datetime) -> None:
    await session.execute(
        sql_update(MediationTeam)
        .where(MediationTeam.id == team_id)
        .values(active=active, updated_at=now.astimezone(UTC))
        .execution_options(synchronize_session=False)
    )


async def deactivate(session: AsyncSession, team_id: int, now: datetime) -> None:
    await _set_active(session, team_id, False, now)


async def reactivate(session: AsyncSession, team_id: int, now: datetime) -> None:
    await _set_active(session, team_id, True, now)


class SqlTeamStore:
    """handlers.casework.mediation_teams.TeamStore over the request's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def teams(self, commune_code: str) -> list[Team]:
        query = select(MediationTeam).where(MediationTeam.commune_code == commune_code)
        return [_team(row) for row in (await self.session.execute(query)).scalars()]

    async def team(self, team_id: int) -> Team | None:
        row = await _row(self.session, team_id)
        return None if row is None else _team(row)

    async def add(
        self, commune_code: str, name: str, area: str, members: str, now: datetime
    ) -> Team | None:
        made = await add(self.session, commune_code, name, area, members, now)
        if made is None:
            return None
        return Team(made.id, commune_code, made.name, made.area, made.members, made.active)

    async def update(self, team_id: int, name: str, area: str, members: str, now: datetime) -> bool:
        return await update(self.session, team_id, name, area, members, now)

    async def set_active(self, team_id: int, active: bool, now: datetime) -> None:
        await (reactivate if active else deactivate)(self.session, team_id, now)

    async def audit(
        self, actor: Identity, *, subject: str, detail: str, ip: str, now: datetime
    ) -> None:
        await record(
            self.session,
            AuditAction.MEDIATION_TEAMS,
            actor_id=actor.id,
            actor_username=actor.username,
            subject=subject,
            detail=detail,
            ip=ip,
            now=now,
        )
        await self.session.flush()
