"""Chats linked to leaders' panel accounts (handlers/chat_links.py): the one-time codes that
link them, kept only as keyed hashes, and the link itself, from an account to the resident
row behind the chat. Residents never see these rows; the outbox uses them to tell a leader
the police's decision on their notice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class LeaderChatCode(Base):
    """A code a leader asked for in the panel: valid until `expires_at`, once."""

    __tablename__ = "leader_chat_codes"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("admin_users.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LeaderChat(Base):
    """The chat a leader composes from: one per leader, one leader per chat."""

    __tablename__ = "leader_chats"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("admin_users.id", ondelete="CASCADE"), primary_key=True
    )
    resident_id: Mapped[str] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), unique=True
    )
    linked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
