"""SQLAlchemy 2 models. The schema is built only by the Alembic migrations."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    func,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Resident(Base):
    """A resident under an internal id; no platform id lives here."""

    __tablename__ = "residents"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    lang: Mapped[str] = mapped_column(String(8), default="", server_default="")
    province_code: Mapped[str] = mapped_column(String(2), default="", server_default="")
    commune_code: Mapped[str] = mapped_column(String(5), default="", server_default="", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class ChannelIdentity(Base):
    """Adapter-owned link from a platform account to a resident."""

    __tablename__ = "channel_identities"
    __table_args__ = (
        UniqueConstraint("channel", "account", "platform_user_id", name="uq_channel_identity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    account: Mapped[str] = mapped_column(String(64))
    platform_user_id: Mapped[str] = mapped_column(String(128))
    resident_id: Mapped[str] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), index=True
    )
    reachable: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


# --- The police panel: users, their sessions and the audit log ----------------------------


class AdminRole(StrEnum):
    OFFICER = "officer"
    CHIEF = "chief"
    PROVINCE_ADMIN = "province_admin"
    LEADER = "leader"


class AdminUser(Base):
    """A panel account. Commune roles carry a 5-digit commune code, a province admin a 2-digit
    province code; the migration's check constraints hold the database to that."""

    __tablename__ = "admin_users"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[AdminRole] = mapped_column(
        Enum(
            AdminRole,
            native_enum=False,
            create_constraint=False,
            length=16,
            values_callable=lambda roles: [r.value for r in roles],
        )
    )
    commune_code: Mapped[str] = mapped_column(String(5), default="", server_default="", index=True)
    province_code: Mapped[str] = mapped_column(String(2), default="", server_default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    failed_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AdminSession(Base):
    """A signed-in browser. The id is HMAC-SHA256(secret key, cookie token), never the token."""

    __tablename__ = "admin_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("admin_users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditLog(Base):
    """Append-only: database triggers refuse UPDATE and DELETE on this table."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("admin_users.id"), nullable=True, index=True
    )
    actor_username: Mapped[str] = mapped_column(String(64), default="", server_default="")
    action: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(64), default="", server_default="")
    detail: Mapped[str] = mapped_column(String(64), default="", server_default="")
    ip: Mapped[str] = mapped_column(String(45), default="", server_default="")
