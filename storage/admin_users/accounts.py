"""The account rows: the Account view, the rules of a new account, creating one, finding one,
and loading one under its row lock."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.accounts import (
    MAX_DISPLAY_NAME_LENGTH,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    USERNAME,
    normalise_username,
)
from handlers.people import AdminRole, Identity
from storage.admin_users import clock
from storage.admin_users.errors import InvalidAdminUser, UsernameTaken
from storage.admin_users.passwords import hash_password
from storage.db import utc
from storage.identity import identity_of
from storage.models import AdminUser

COMMUNE_CODE = re.compile(r"\d{5}")
PROVINCE_CODE = re.compile(r"\d{2}")
COMMUNE_ROLES = frozenset({AdminRole.OFFICER, AdminRole.CHIEF, AdminRole.LEADER})


@dataclass(frozen=True, slots=True)
class Account:
    """An account as the account page and the user list show it (never the password hash)."""

    id: int
    username: str
    display_name: str
    role: AdminRole
    commune_code: str
    province_code: str
    active: bool
    locked_until: datetime | None
    totp_on: bool
    created_at: datetime

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now


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


def _validate(
    username: str, role: AdminRole, commune_code: str, province_code: str, password: str
) -> None:
    if not USERNAME.fullmatch(username):
        raise InvalidAdminUser(
            "username must be 3-64 characters: a-z, 0-9, dot, dash or underscore"
        )
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidAdminUser(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    if province_code and not PROVINCE_CODE.fullmatch(province_code):
        raise InvalidAdminUser("province code must be 2 digits")
    if role in COMMUNE_ROLES and not COMMUNE_CODE.fullmatch(commune_code):
        raise InvalidAdminUser(f"role {role.value} needs a 5-digit commune code")
    if role is AdminRole.PROVINCE_ADMIN and (commune_code or not province_code):
        raise InvalidAdminUser("role province_admin needs a province code and no commune code")


async def create_user(
    session: AsyncSession,
    *,
    username: str,
    password: str,
    role: AdminRole,
    commune_code: str = "",
    province_code: str = "",
    display_name: str = "",
) -> Identity:
    """Add an active account. Raises InvalidAdminUser, or UsernameTaken for a duplicate."""
    username = normalise_username(username)
    display_name = " ".join(display_name.split())
    _validate(username, role, commune_code, province_code, password)
    if len(display_name) > MAX_DISPLAY_NAME_LENGTH:
        raise InvalidAdminUser(f"display name must be at most {MAX_DISPLAY_NAME_LENGTH} characters")
    user = AdminUser(
        username=username,
        display_name=display_name,
        password_hash=await hash_password(password),
        role=role,
        commune_code=commune_code,
        province_code=province_code,
        active=True,
        failed_count=0,
        created_at=clock.now(),
    )
    try:
        async with session.begin_nested():
            session.add(user)
            await session.flush()
    except IntegrityError as exc:
        raise UsernameTaken(f"username {username!r} is already taken") from exc
    return identity_of(user)


async def set_active(session: AsyncSession, username: str, active: bool) -> bool:
    result = await session.execute(
        update(AdminUser)
        .where(AdminUser.username == normalise_username(username))
        .values(active=active)
        .returning(AdminUser.id)
    )
    return result.scalar_one_or_none() is not None


async def lock_user(session: AsyncSession, username: str) -> AdminUser | None:
    return await _lock_where(session, AdminUser.username == username)


async def lock_user_id(session: AsyncSession, user_id: int) -> AdminUser | None:
    return await _lock_where(session, AdminUser.id == user_id)


async def _lock_where(session: AsyncSession, where: ColumnElement[bool]) -> AdminUser | None:
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
