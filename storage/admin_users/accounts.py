"""The account rows: the `Account` view of one (handlers/accounts/ports.py), finding one, and
loading one under its row lock."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.accounts.ports import Account
from handlers.accounts.rules import normalise_username
from handlers.people import Identity
from storage.db import utc
from storage.identity import identity_of
from storage.models import AdminUser


def account_of(user: AdminUser) -> Account:
    return Account(
        user.id,
        user.username,
        user.display_name,
        user.role,
        user.commune_code,
        user.province_code,
        user.active,
        utc(user.locked_until) if user.locked_until is not None else None,
        bool(user.totp_sealed),
        utc(user.created_at),
    )


async def lock_user(session: AsyncSession, username: str) -> AdminUser | None:
    return await lock_where(session, AdminUser.username == username)


async def lock_user_id(session: AsyncSession, user_id: int) -> AdminUser | None:
    return await lock_where(session, AdminUser.id == user_id)


async def lock_where(session: AsyncSession, where: ColumnElement[bool]) -> AdminUser | None:
    """Load the account holding its row lock until commit.

    A no-op UPDATE (rather than SELECT ... FOR UPDATE) takes the lock on PostgreSQL and the
    write lock on SQLite alike, so concurrent guesses are counted one after another and a
    burst of parallel requests cannot slip past the fifth failure.
    """
    locked = await session.execute(
        update(AdminUser)
        .where(where)
        .values(failed_count=AdminUser.failed_count)
        .returning(AdminUser.id)
    )
    user_id = locked.scalar_one_or_none()
    if user_id is None:
        return None
    return await session.get(AdminUser, user_id, populate_existing=True)


async def account(session: AsyncSession, user_id: int) -> Account | None:
    """The account page's read of one's own account."""
    user = await session.get(AdminUser, user_id, populate_existing=True)
    return account_of(user) if user is not None else None


async def active_user(session: AsyncSession, username: str) -> Identity | None:
    """The active account of that username, or None."""
    user = (
        await session.execute(
            select(AdminUser).where(
                AdminUser.username == normalise_username(username), AdminUser.active.is_(True)
            )
        )
    ).scalar_one_or_none()
    return identity_of(user) if user is not None else None
