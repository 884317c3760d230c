"""The SQL `ChatLinks` (handlers/chat_links.py) in the unit of work's session: the codes
(keyed hashes only) and the links from leaders' accounts to the resident rows of their chats.
The bot and the panel hash codes with one key, derived from the secret key (`link_key`)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.audit import AuditAction
from handlers.chat_links import LinkCode
from handlers.people import AdminRole, Identity
from storage.admin_users import record
from storage.db import utc
from storage.identity import identity_of
from storage.models import AdminUser, LeaderChat, LeaderChatCode
from storage.sealing import derive_key


def link_key(secret_key: str) -> bytes:
    return derive_key(secret_key.encode("utf-8"), b"binhyen chat link v1")


def _active_leader() -> tuple[ColumnElement[bool], ...]:
    """The accounts a link still speaks for: active, and leaders still."""
    return AdminUser.active.is_(True), AdminUser.role == AdminRole.LEADER


class SqlChatLinks:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_code(
        self, user_id: int, code_hash: str, created_at: datetime, expires_at: datetime
    ) -> None:
        self.session.add(
            LeaderChatCode(
                user_id=user_id,
                code_hash=code_hash,
                created_at=created_at.astimezone(UTC),
                expires_at=expires_at.astimezone(UTC),
            )
        )
        await self.session.flush()

    async def find_code(self, code_hash: str) -> LinkCode | None:
        query = (
            select(LeaderChatCode).where(LeaderChatCode.code_hash == code_hash).with_for_update()
        )
        row = (await self.session.execute(query)).scalar_one_or_none()
        if row is None:
            return None
        used = None if row.used_at is None else utc(row.used_at)
        return LinkCode(row.user_id, utc(row.expires_at), used)

    async def use_code(self, code_hash: str, now: datetime) -> bool:
        done = await self.session.execute(
            update(LeaderChatCode)
            .where(LeaderChatCode.code_hash == code_hash, LeaderChatCode.used_at.is_(None))
            .values(used_at=now.astimezone(UTC))
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(done, "rowcount", 0))

    async def leader(self, user_id: int) -> Identity | None:
        query = select(AdminUser).where(AdminUser.id == user_id, *_active_leader())
        row = (await self.session.execute(query)).scalar_one_or_none()
        return None if row is None else identity_of(row)

    async def link(self, user_id: int, resident_id: str, now: datetime) -> None:
        await self.session.execute(
            delete(LeaderChat).where(
                (LeaderChat.user_id == user_id) | (LeaderChat.resident_id == resident_id)
            )
        )
        self.session.add(
            LeaderChat(user_id=user_id, resident_id=resident_id, linked_at=now.astimezone(UTC))
        )
        await self.session.flush()

    async def leader_of(self, resident_id: str) -> Identity | None:
        query = (
            select(AdminUser)
            .join(LeaderChat, LeaderChat.user_id == AdminUser.id)
            .where(LeaderChat.resident_id == resident_id, *_active_leader())
        )
        row = (await self.session.execute(query)).scalar_one_or_none()
        return None if row is None else identity_of(row)

    async def audit(
        self, action: AuditAction, actor: Identity | None, *, detail: str, ip: str, now: datetime
    ) -> None:
        await record(
            self.session,
            action,
            actor_id=None if actor is None else actor.id,
            actor_username="" if actor is None else actor.username,
            subject="chat",
            detail=detail,
            ip=ip,
            now=now,
        )
