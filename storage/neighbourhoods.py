"""The SQL `NeighbourhoodStore` (handlers/neighbourhoods/ports.py), in the request's session:
the route's one commit takes the change and its audit row, or neither.

`lock` is a transaction-scoped advisory lock on PostgreSQL, keyed by the commune. On SQLite it
is a write that changes nothing: that takes the database's one write lock, so a second change
waits as it would on PostgreSQL, and it begins the transaction, which the driver otherwise
begins only at the first write (a savepoint opened before that would commit on its release,
whatever becomes of the request). Behind the lock the unique constraint on (commune, name)
still refuses an exact duplicate, inside a savepoint so that the request's other work stands."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, false, func, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.audit import AuditAction
from handlers.neighbourhoods.ports import Leader, Member, Neighbourhood
from handlers.people import AdminRole, Identity
from storage.admin_users import record
from storage.models import (
    AdminUser,
    CommuneSetting,
    LeaderNeighbourhood,
    ResidentNeighbourhood,
)
from storage.models import Neighbourhood as NeighbourhoodRow


def _neighbourhood(row: NeighbourhoodRow) -> Neighbourhood:
    return Neighbourhood(row.id, row.commune_code, row.name, row.code, row.active)


class SqlNeighbourhoodStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _postgres(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    async def lock(self, commune_code: str) -> None:
        if self._postgres():
            key = func.hashtext(f"binhyen.neighbourhoods:{commune_code}")
            await self.session.execute(select(func.pg_advisory_xact_lock(key)))
        else:
            await self.session.execute(
                update(NeighbourhoodRow)
                .where(false())
                .values(active=NeighbourhoodRow.active)
                .execution_options(synchronize_session=False)
            )

    async def neighbourhoods(self, commune_code: str) -> list[Neighbourhood]:
        query = select(NeighbourhoodRow).where(NeighbourhoodRow.commune_code == commune_code)
        return [_neighbourhood(r) for r in (await self.session.execute(query)).scalars()]

    async def neighbourhood(self, neighbourhood_id: int) -> Neighbourhood | None:
        query = select(NeighbourhoodRow).where(NeighbourhoodRow.id == neighbourhood_id)
        row = (await self.session.execute(query)).scalar_one_or_none()
        return None if row is None else _neighbourhood(row)

    async def add(
        self, commune_code: str, name: str, code: str, now: datetime
    ) -> Neighbourhood | None:
        row = NeighbourhoodRow(
            commune_code=commune_code, name=name, code=code, active=True, created_at=now
        )
        try:
            async with self.session.begin_nested():
                self.session.add(row)
                await self.session.flush()
        except IntegrityError:
            return None
        return _neighbourhood(row)

    async def rename(self, neighbourhood_id: int, name: str, code: str) -> bool:
        statement = (
            update(NeighbourhoodRow)
            .where(NeighbourhoodRow.id == neighbourhood_id)
            .values(name=name, code=code)
            .execution_options(synchronize_session=False)
        )
        try:
            async with self.session.begin_nested():
                await self.session.execute(statement)
        except IntegrityError:
            return False
        return True

    async def _set_active(self, neighbourhood_id: int, active: bool) -> None:
        await self.session.execute(
            update(NeighbourhoodRow)
            .where(NeighbourhoodRow.id == neighbourhood_id)
            .values(active=active)
            .execution_options(synchronize_session=False)
        )

    async def retire(self, neighbourhood_id: int) -> None:
        await self._set_active(neighbourhood_id, False)
        for bound in (LeaderNeighbourhood, ResidentNeighbourhood):
            await self.session.execute(
                delete(bound)
                .where(bound.neighbourhood_id == neighbourhood_id)
                .execution_options(synchronize_session=False)
            )

    async def restore(self, neighbourhood_id: int) -> None:
        await self._set_active(neighbourhood_id, True)

    async def leaders(self, commune_code: str) -> list[Leader]:
        query = select(AdminUser).where(
            AdminUser.role == AdminRole.LEADER,
            AdminUser.commune_code == commune_code,
            AdminUser.active.is_(true()),
        )
        users = list((await self.session.execute(query)).scalars())
        bound: dict[int, set[int]] = {u.id: set() for u in users}
        rows = await self.session.execute(
            select(LeaderNeighbourhood.user_id, LeaderNeighbourhood.neighbourhood_id).where(
                LeaderNeighbourhood.user_id.in_(bound)
            )
        )
        for user_id, neighbourhood_id in rows.all():
            bound[user_id].add(neighbourhood_id)
        return [Leader(u.id, u.username, u.display_name, frozenset(bound[u.id])) for u in users]

    async def member(self, commune_code: str, user_id: int) -> Member | None:
        query = select(AdminUser).where(
            AdminUser.id == user_id,
            AdminUser.commune_code == commune_code,
            AdminUser.role != AdminRole.PROVINCE_ADMIN,
        )
        user = (await self.session.execute(query)).scalar_one_or_none()
        if user is None:
            return None
        return Member(user.id, user.username, user.role, user.active, user.display_name)

    async def bind(self, user_id: int, neighbourhood_ids: frozenset[int]) -> None:
        await self.session.execute(
            delete(LeaderNeighbourhood)
            .where(LeaderNeighbourhood.user_id == user_id)
            .execution_options(synchronize_session=False)
        )
        self.session.add_all(
            LeaderNeighbourhood(user_id=user_id, neighbourhood_id=n)
            for n in sorted(neighbourhood_ids)
        )
        await self.session.flush()

    async def approval(self, commune_code: str) -> bool:
        query = select(CommuneSetting.leader_approval).where(
            CommuneSetting.commune_code == commune_code
        )
        found = await self.session.scalar(query)
        return True if found is None else bool(found)

    async def set_approval(self, commune_code: str, required: bool, by: int, now: datetime) -> None:
        values = {
            "commune_code": commune_code,
            "leader_approval": required,
            "updated_at": now.astimezone(UTC),
            "updated_by": by,
        }
        changed = {k: v for k, v in values.items() if k != "commune_code"}
        if self._postgres():
            pg = postgresql.insert(CommuneSetting).values(**values)
            await self.session.execute(
                pg.on_conflict_do_update(index_elements=["commune_code"], set_=changed)
            )
        else:
            lite = sqlite.insert(CommuneSetting).values(**values)
            await self.session.execute(
                lite.on_conflict_do_update(index_elements=["commune_code"], set_=changed)
            )

    async def audit(
        self,
        actor: Identity,
        action: AuditAction,
        *,
        subject: str,
        detail: str = "",
        ip: str = "",
        now: datetime,
    ) -> None:
        await record(
            self.session,
            action,
            actor_id=actor.id,
            actor_username=actor.username,
            subject=subject,
            detail=detail,
            ip=ip,
            now=now,
        )
        await self.session.flush()
