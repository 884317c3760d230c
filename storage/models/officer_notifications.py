"""Which notifications a police officer (or chief) wants in the chat linked to their panel
account (handlers/chat_links.py, storage/officer_notifications.py). No row: all of them, the
default once a chat is linked; a row is written the first time the officer changes a choice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class OfficerNotificationPrefs(Base):
    """One officer's choices: a new urgent tip of their commune at once, a reporter's answer
    to their question at once, the morning digest on working days."""

    __tablename__ = "officer_notification_prefs"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("admin_users.id", ondelete="CASCADE"), primary_key=True
    )
    urgent_tips: Mapped[bool] = mapped_column(Boolean, default=True)
    answers: Mapped[bool] = mapped_column(Boolean, default=True)
    digest: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
