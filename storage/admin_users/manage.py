"""A province admin's management of the accounts of their province: list, create,
deactivate, unlock, reset a password, turn off a lost phone's TOTP."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from content import areas
from handlers.accounts import MAX_DISPLAY_NAME_LENGTH, USERNAME, normalise_username
from handlers.audit import AuditAction
from handlers.people import AdminRole, Identity
from storage import api_tokens
from storage.admin_users.accounts import Account, account_of, create_user
from storage.admin_users.audit_log import By, record_by
from storage.admin_users.errors import (
    AccountError,
    InvalidAdminUser,
    NoSuchUser,
    NotAllowed,
    UsernameTaken,
)
from storage.admin_users.passwords import check_new_password, hash_password
from storage.admin_users.sessions import end_sessions
from storage.models import AdminUser


def province_accounts(province_code: str) -> ColumnElement[bool]:
    """Accounts belonging to a province: its admins, and the commune roles of its communes."""
    communes = [c.code for c in areas.communes_of(province_code)]
    return or_(
        and_(
            AdminUser.role == AdminRole.PROVINCE_ADMIN,
            AdminUser.province_code == province_code,
        ),
        and_(AdminUser.role != AdminRole.PROVINCE_ADMIN, AdminUser.commune_code.in_(communes)),
    )


def manage_scope(actor: Identity) -> ColumnElement[bool]:
    """The accounts `actor` may manage; NotAllowed unless a province admin."""
    if actor.role is not AdminRole.PROVINCE_ADMIN or not actor.province_code:
        raise NotAllowed(detail=actor.role.value)
    return province_accounts(actor.province_code)


async def list_users(
    session: AsyncSession, actor: Identity, *, commune_code: str = "", query: str = ""
) -> list[Account]:
    """The accounts of the actor's province: admins first, then by commune and username."""
    where = [manage_scope(actor)]
    if commune_code:
        where.append(AdminUser.commune_code == commune_code)
    text = normalise_username(query)
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{escaped}%"
        where.append(
            or_(
                AdminUser.username.like(like, escape="\\"),
                AdminUser.display_name.ilike(like, escape="\\"),
            )
        )
    rows = await session.execute(
        select(AdminUser)
        .where(*where)
        .order_by(AdminUser.commune_code, AdminUser.role, AdminUser.username)
    )
    return [account_of(u) for u in rows.scalars()]


async def _managed(
    session: AsyncSession, actor: Identity, user_id: int, *, self_ok: bool = False
) -> AdminUser:
    scope = manage_scope(actor)
    found = await session.execute(
        update(AdminUser)
        .where(AdminUser.id == user_id, scope)
        .values(failed_count=AdminUser.failed_count)
        .returning(AdminUser.id)
    )
    if found.scalar_one_or_none() is None:
        raise NoSuchUser(detail=str(user_id))
    if user_id == actor.id and not self_ok:
        raise AccountError("self")
    user = await session.get(AdminUser, user_id, populate_existing=True)
    if user is None:  # pragma: no cover - the row was just locked
        raise NoSuchUser(detail=str(user_id))
    return user


async def managed_account(session: AsyncSession, actor: Identity, user_id: int) -> Account:
    """One account of the actor's province (NoSuchUser outside it)."""
    user = (
        await session.execute(select(AdminUser).where(AdminUser.id == user_id, manage_scope(actor)))
    ).scalar_one_or_none()
    if user is None:
        raise NoSuchUser(detail=str(user_id))
    return account_of(user)


async def admin_create_user(
    session: AsyncSession,
    actor: Identity,
    *,
    username: str,
    display_name: str,
    role: AdminRole,
    commune_code: str,
    password: str,
    repeat: str,
    ip: str = "",
    now: datetime | None = None,
) -> Identity:
    """A province admin adds an account in their own province (AccountError on bad input)."""
    manage_scope(actor)
    name = normalise_username(username)
    if not USERNAME.fullmatch(name):
        raise AccountError("username")
    if len(" ".join(display_name.split())) > MAX_DISPLAY_NAME_LENGTH:
        raise AccountError("display_name")
    if role is AdminRole.PROVINCE_ADMIN:
        commune_code, province_code = "", actor.province_code
    else:
        commune = areas.commune(commune_code.strip())
        if commune is None or commune.province_code != actor.province_code:
            raise AccountError("commune")
        commune_code, province_code = commune.code, commune.province_code
    check_new_password(password, repeat)
    try:
        identity = await create_user(
            session,
            username=name,
            password=password,
            role=role,
            commune_code=commune_code,
            province_code=province_code,
            display_name=display_name,
        )
    except UsernameTaken:
        raise AccountError("taken") from None
    except InvalidAdminUser:  # pragma: no cover - every rule is checked above
        raise AccountError("invalid") from None
    await record_by(
        session,
        actor,
        AuditAction.USER_CREATE,
        subject=identity.username,
        detail=role.value,
        ip=ip,
        now=now,
    )
    return identity


async def admin_set_active(
    session: AsyncSession,
    actor: Identity,
    user_id: int,
    active: bool,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Deactivate (ending the account's sessions) or reactivate an account, not one's own."""
    user = await _managed(session, actor, user_id)
    if user.active == active:
        return
    user.active = active
    if not active:
        await end_sessions(session, user.id)
    action = AuditAction.USER_ACTIVATE if active else AuditAction.USER_DEACTIVATE
    await record_by(session, actor, action, subject=user.username, ip=ip, now=now)


async def admin_unlock(
    session: AsyncSession,
    actor: Identity,
    user_id: int,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Lift a lockout before its 15 minutes are over."""
    user = await _managed(session, actor, user_id, self_ok=True)
    user.failed_count, user.locked_until = 0, None
    await record_by(session, actor, AuditAction.USER_UNLOCK, subject=user.username, ip=ip, now=now)


async def admin_reset_password(
    session: AsyncSession,
    actor: Identity,
    user_id: int,
    password: str,
    repeat: str,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Set another account's password; its sessions and API tokens end. This is how a
    compromised account is taken back, so nothing issued before may outlive it. One's own
    password goes by the account page."""
    user = await _managed(session, actor, user_id)
    check_new_password(password, repeat)
    user.password_hash = await hash_password(password)
    await end_sessions(session, user.id)
    await api_tokens.revoke_all(session, user.id, now=now)
    await record_by(
        session,
        actor,
        AuditAction.USER_PASSWORD,
        subject=user.username,
        detail=By.ADMIN,
        ip=ip,
        now=now,
    )


async def admin_disable_totp(
    session: AsyncSession,
    actor: Identity,
    user_id: int,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Turn off another account's TOTP (a lost phone); the password alone signs in again."""
    user = await _managed(session, actor, user_id)
    if not user.totp_sealed:
        raise AccountError("totp_off")
    user.totp_sealed, user.totp_last_step = "", None
    await record_by(
        session,
        actor,
        AuditAction.TOTP_DISABLE,
        subject=user.username,
        detail=By.ADMIN,
        ip=ip,
        now=now,
    )
