"""The SQL `ChatLinks` (handlers/chat_links.py) in the unit of work's session: the codes
(keyed hashes only) and the links from leaders' accounts to the resident rows of their chats.
The bot and the panel hash codes with one key, derived from the secret key (`link_key`).
A linked chat is read by its channel (its resident's platform account), never by the
platform's user id. Wrong codes typed to a bot account are counted from the audit log, where
each refusal is written under the bot account's name (`wrong_since`).

Officers and chiefs link a chat in the same table as leaders (leader_chats: one chat per
account, one account per chat); what they choose to be told there is in
officer_notification_prefs, no row meaning all of it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import ColumnElement, Row, Select, Table, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.audit import AuditAction
from handlers.chat_links import LINKING_ROLES, WRONG, LinkCode, LinkedChat, Wants
from handlers.people import AdminRole, Identity
from storage.admin_users import record
from storage.db import insert_ignoring_conflicts, utc
from storage.identity import identity_of
from storage.models import (
    AdminUser,
    AuditLog,
    ChannelIdentity,
    LeaderChat,
    LeaderChatCode,
    OfficerNotificationPrefs,
)
from storage.sealing import derive_key


def link_key(secret_key: str) -> bytes:
    return derive_key(secret_key.encode("utf-8"), b"binhyen chat link v1")


def _active_leader() -> tuple[ColumnElement[bool], ...]:
    """The accounts a link still speaks for: active, and leaders still."""
    return AdminUser.active.is_(True), AdminUser.role == AdminRole.LEADER


def _active_linking() -> tuple[ColumnElement[bool], ...]:
    """The accounts that may link a chat: active leaders, officers and chiefs."""
    return AdminUser.active.is_(True), AdminUser.role.in_([r.value for r in LINKING_ROLES])


def _chats() -> Select[int, datetime, str]:
    """Links with their chat's channel (none when the chat lost its platform account)."""
    return (
        select(LeaderChat.user_id, LeaderChat.linked_at, ChannelIdentity.channel)
        .outerjoin(ChannelIdentity, ChannelIdentity.resident_id == LeaderChat.resident_id)
        .order_by(LeaderChat.user_id, ChannelIdentity.id)
    )


def _by_account(
    rows: Sequence[Row[int, datetime, str]],
) -> dict[int, list[LinkedChat]]:
    found: dict[int, list[LinkedChat]] = {}
    for user_id, linked_at, channel in rows:
        chats = found.setdefault(user_id, [])
        chat = LinkedChat(channel or "", utc(linked_at))
        if chat not in chats:
            chats.append(chat)
    return found


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

    async def linkable(self, user_id: int) -> Identity | None:
        query = select(AdminUser).where(AdminUser.id == user_id, *_active_linking())
        row = (await self.session.execute(query)).scalar_one_or_none()
        return None if row is None else identity_of(row)

    async def wants(self, user_id: int) -> Wants:
        prefs = OfficerNotificationPrefs
        query = select(prefs.urgent_tips, prefs.answers, prefs.digest).where(
            prefs.user_id == user_id
        )
        row = (await self.session.execute(query)).first()
        return Wants() if row is None else Wants(bool(row[0]), bool(row[1]), bool(row[2]))

    async def set_wants(self, user_id: int, wants: Wants, now: datetime) -> None:
        # One statement per case, so that two tabs saving at once never fail on the key.
        values = {
            "urgent_tips": wants.urgent_tips,
            "answers": wants.answers,
            "digest": wants.digest,
            "updated_at": now.astimezone(UTC),
        }
        table = cast(Table, OfficerNotificationPrefs.__table__)
        added = await self.session.execute(
            insert_ignoring_conflicts(self.session, table).values(user_id=user_id, **values)
        )
        if not getattr(added, "rowcount", 0):
            await self.session.execute(
                update(table).where(table.c.user_id == user_id).values(**values)
            )

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

    async def linked_to(self, resident_id: str) -> int | None:
        query = select(LeaderChat.user_id).where(LeaderChat.resident_id == resident_id)
        return await self.session.scalar(query)

    async def account(self, user_id: int) -> Identity | None:
        row = await self.session.get(AdminUser, user_id)
        return None if row is None else identity_of(row)

    async def chats(self, user_id: int) -> list[LinkedChat]:
        rows = (await self.session.execute(_chats().where(LeaderChat.user_id == user_id))).all()
        return _by_account(rows).get(user_id, [])

    async def commune_chats(self, commune_code: str) -> dict[int, list[LinkedChat]]:
        leaders = select(AdminUser.id).where(
            AdminUser.commune_code == commune_code, AdminUser.role == AdminRole.LEADER
        )
        query = _chats().where(LeaderChat.user_id.in_(leaders))
        return _by_account((await self.session.execute(query)).all())

    async def unlink(self, user_id: int, channel: str) -> bool:
        on_channel = select(ChannelIdentity.resident_id).where(ChannelIdentity.channel == channel)
        done = await self.session.execute(
            delete(LeaderChat)
            .where(LeaderChat.user_id == user_id, LeaderChat.resident_id.in_(on_channel))
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(done, "rowcount", 0))

    async def wrong_since(self, bot: str, since: datetime) -> int:
        query = select(func.count()).where(
            AuditLog.action == AuditAction.CHAT_LINK_REFUSE.value,
            AuditLog.created_at >= since.astimezone(UTC),
            AuditLog.subject == bot[:64],
            AuditLog.detail.in_([w.value for w in WRONG]),
        )
        return int((await self.session.execute(query)).scalar_one())

    async def audit(
        self,
        action: AuditAction,
        actor: Identity | None,
        *,
        detail: str,
        ip: str,
        now: datetime,
        subject: str = "chat",
    ) -> None:
        await record(
            self.session,
            action,
            actor_id=None if actor is None else actor.id,
            actor_username="" if actor is None else actor.username,
            subject=subject,
            detail=detail,
            ip=ip,
            now=now,
        )
