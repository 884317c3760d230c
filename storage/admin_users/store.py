"""The SQL `AccountStore` (handlers/accounts/ports.py): the account rows read and written
back, a province's accounts as a WHERE clause, sessions ended, API tokens revoked and the
audit row written, all in the request's session, so the route's one commit takes all of it or
none."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.accounts.errors import UsernameTaken
from handlers.accounts.ports import Account, AccountState, NewAccount
from handlers.accounts.rules import province_communes
from handlers.audit import AuditAction
from handlers.people import AdminRole, Identity
from storage import api_tokens
from storage.admin_users.accounts import account_of, lock_where
from storage.admin_users.audit_log import record
from storage.admin_users.sessions import end_sessions
from storage.db import utc
from storage.identity import identity_of
from storage.models import AdminUser

# What a change may do to an account; save() copies exactly these back to the row.
CHANGEABLE = (
    "active",
    "password_hash",
    "failed_count",
    "locked_until",
    "totp_sealed",
    "totp_last_step",
)


def province_accounts(province_code: str) -> ColumnElement[bool]:
    """Accounts belonging to a province (handlers/accounts/rules.py's of_province): its
    admins, and the commune roles of its communes."""
    return or_(
        and_(
            AdminUser.role == AdminRole.PROVINCE_ADMIN,
            AdminUser.province_code == province_code,
        ),
        and_(
            AdminUser.role != AdminRole.PROVINCE_ADMIN,
            AdminUser.commune_code.in_(province_communes(province_code)),
        ),
    )


def _holding(text: str) -> ColumnElement[bool]:
    """Username or display name (any case) holds `text`, its % and _ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    like = f"%{escaped}%"
    return or_(
        AdminUser.username.like(like, escape="\\"),
        AdminUser.display_name.ilike(like, escape="\\"),
    )


def state_of(user: AdminUser) -> AccountState:
    return AccountState(
        id=user.id,
        username=user.username,
        active=user.active,
        password_hash=user.password_hash,
        failed_count=user.failed_count,
        locked_until=utc(user.locked_until) if user.locked_until is not None else None,
        totp_sealed=user.totp_sealed,
        totp_last_step=user.totp_last_step,
    )


def write_back(user: AdminUser, account: AccountState) -> None:
    """Copy what a change did to the account onto its row (only what differs, so an unchanged
    row stays clean)."""
    for name in CHANGEABLE:
        value, current = getattr(account, name), getattr(user, name)
        if isinstance(current, datetime):
            current = utc(current)  # SQLite hands back naive times
        if value != current:
            setattr(user, name, value)


class SqlAccountStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._rows: dict[int, AdminUser] = {}

    async def accounts(
        self, province_code: str, *, commune_code: str = "", text: str = ""
    ) -> list[Account]:
        where = [province_accounts(province_code)]
        if commune_code:
            where.append(AdminUser.commune_code == commune_code)
        if text:
            where.append(_holding(text))
        rows = await self.session.execute(
            select(AdminUser)
            .where(*where)
            .order_by(AdminUser.commune_code, AdminUser.role, AdminUser.username)
        )
        return [account_of(u) for u in rows.scalars()]

    async def account(self, account_id: int, *, province_code: str | None = None) -> Account | None:
        query = select(AdminUser).where(AdminUser.id == account_id)
        if province_code is not None:
            query = query.where(province_accounts(province_code))
        user = (await self.session.execute(query)).scalar_one_or_none()
        return account_of(user) if user is not None else None

    async def load(
        self, account_id: int, *, province_code: str | None = None
    ) -> AccountState | None:
        where = AdminUser.id == account_id
        if province_code is not None:
            where = and_(where, province_accounts(province_code))
        user = await lock_where(self.session, where)
        if user is None:
            return None
        self._rows[user.id] = user
        return state_of(user)

    async def save(self, account: AccountState) -> None:
        write_back(self._rows[account.id], account)
        await self.session.flush()

    async def add(self, new: NewAccount, password_hash: str, now: datetime) -> Identity:
        user = AdminUser(
            username=new.username,
            display_name=new.display_name,
            password_hash=password_hash,
            role=new.role,
            commune_code=new.commune_code,
            province_code=new.province_code,
            active=True,
            failed_count=0,
            created_at=now,
        )
        try:
            async with self.session.begin_nested():
                self.session.add(user)
                await self.session.flush()
        except IntegrityError as exc:
            raise UsernameTaken(f"username {new.username!r} is already taken") from exc
        return identity_of(user)

    async def end_sessions(self, account_id: int, *, keep: str | None = None) -> int:
        return await end_sessions(self.session, account_id, keep=keep)

    async def revoke_tokens(self, account_id: int, now: datetime) -> int:
        return await api_tokens.revoke_all(self.session, account_id, now=now)

    async def audit(
        self,
        actor: Identity,
        action: AuditAction,
        *,
        subject: str = "",
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
