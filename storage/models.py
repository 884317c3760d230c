"""SQLAlchemy 2 models. The schema is built only by the Alembic migrations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from handlers.people import AdminRole


class Base(DeclarativeBase):
    pass


class Resident(Base):
    """A resident under an internal id; no platform id lives here."""

    __tablename__ = "residents"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    lang: Mapped[str] = mapped_column(String(8), default="", server_default="")
    province_code: Mapped[str] = mapped_column(String(2), default="", server_default="")
    commune_code: Mapped[str] = mapped_column(String(5), default="", server_default="", index=True)
    consent_version: Mapped[str] = mapped_column(String(16), default="", server_default="")
    consent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
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
    # Two-factor sign-in: a sealed base32 TOTP secret ("" = off) and the last time step used,
    # so one code cannot be replayed within its 30 seconds.
    totp_sealed: Mapped[str] = mapped_column(Text, default="", server_default="")
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    display_name: Mapped[str] = mapped_column(String(100), default="", server_default="")


class ApiToken(Base):
    """A bearer token for /api/v1. Only HMAC-SHA256(secret key, token) is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("admin_users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


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
    # The free text an identity reveal or a deadline extension has to give.
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")


# --- Tips ------------------------------------------------------------------------------------


OPEN_TIP = "status <> 'closed'"
# Indexes the migrations make on PostgreSQL only (a trigram index for the queue's search).
POSTGRES_ONLY_INDEXES = frozenset({"ix_tips_search_trgm"})


class Tip(Base):
    """A tip. No platform id lives here; contact details only encrypted (contact_sealed)."""

    __tablename__ = "tips"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    pin_hash: Mapped[str] = mapped_column(String(64))
    pin_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    pin_locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resident_id: Mapped[str | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL"), index=True
    )
    category: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    incident_when: Mapped[str] = mapped_column(String(8))
    incident_date: Mapped[date | None] = mapped_column(Date)
    province_code: Mapped[str] = mapped_column(String(2))
    commune_code: Mapped[str] = mapped_column(String(5))
    address: Mapped[str] = mapped_column(String(500), default="", server_default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    anonymous: Mapped[bool] = mapped_column(Boolean)
    contact_sealed: Mapped[str] = mapped_column(Text, default="", server_default="")
    urgent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    status: Mapped[str] = mapped_column(String(16), default="new", server_default="new")
    details: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_on: Mapped[date] = mapped_column(Date)
    ack_due: Mapped[date] = mapped_column(Date)
    decision_due: Mapped[date] = mapped_column(Date)
    extensions: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    outcome_due: Mapped[date | None] = mapped_column(Date)
    # Casework (migration 0007).
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("admin_users.id", name="fk_tips_assignee"), index=True
    )
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolution: Mapped[str] = mapped_column(String(32), default="", server_default="")
    resolution_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    forwarded_to: Mapped[str] = mapped_column(String(200), default="", server_default="")
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    # The deadline that matters now: the acknowledgement while new, then the decision.
    next_due: Mapped[date | None] = mapped_column(Date)
    # Code, description, address and details, lower case without diacritics (content.text.fold).
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    reporter_replied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_tips_commune_status_due", "commune_code", "status", "decision_due"),
        Index("ix_tips_resident_created", "resident_id", "created_at"),
        Index(
            "ix_tips_queue_commune",
            "commune_code",
            urgent.desc(),
            "next_due",
            "id",
            postgresql_where=text(OPEN_TIP),
            sqlite_where=text(OPEN_TIP),
        ),
        Index(
            "ix_tips_queue_province",
            "province_code",
            urgent.desc(),
            "next_due",
            "id",
            postgresql_where=text(OPEN_TIP),
            sqlite_where=text(OPEN_TIP),
        ),
        Index(
            "ix_tips_commune_status_queue",
            "commune_code",
            "status",
            urgent.desc(),
            "next_due",
            "id",
        ),
        Index("ix_tips_commune_created", "commune_code", "created_at"),
        Index("ix_tips_province_status", "province_code", "status"),
    )


class TipAttachment(Base):
    __tablename__ = "tip_attachments"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    tip_id: Mapped[str] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    ref: Mapped[str] = mapped_column(String(500))
    mime: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    sha256: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TipEvent(Base):
    """The tip's timeline. Append-only: triggers refuse UPDATE and DELETE."""

    __tablename__ = "tip_events"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    tip_id: Mapped[str] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(32))
    visibility: Mapped[str] = mapped_column(String(8))
    body: Mapped[str] = mapped_column(Text, default="", server_default="")
    actor: Mapped[str] = mapped_column(String(64), default="", server_default="")


# --- Zalo Official Account: the adapter's OAuth tokens and its users' last interaction -------


class ZaloOaToken(Base):
    """The OA's OAuth pair, one row per app, sealed (storage.sealing). The refresh token is
    single-use: a refresh stores the new pair under this row's lock before it is used.
    `seed_digest` tells a pair given in the environment apart from one stored before."""

    __tablename__ = "zalo_oa_tokens"

    app_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tokens_sealed: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    seed_digest: Mapped[str] = mapped_column(String(64), default="", server_default="")
    refreshes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ZaloOaInteraction(Base):
    """When a Zalo user last wrote to (or followed) the OA: consultation messages may be sent
    only within 7 days of it."""

    __tablename__ = "zalo_oa_interactions"

    app_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# --- Awareness: each resident's progress through the topics, and opt-in subscriptions -------


class AwarenessProgress(Base):
    """One resident's way through one awareness topic. Card ids, not counts, so that a pack
    that gains or loses cards still counts right."""

    __tablename__ = "awareness_progress"

    resident_id: Mapped[str] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), primary_key=True
    )
    topic_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    cards_seen: Mapped[list[str]] = mapped_column(JSON, default=list)
    best_score: Mapped[int | None] = mapped_column(Integer)
    quiz_total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_score: Mapped[int | None] = mapped_column(Integer)
    last_quiz_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Subscription(Base):
    """An opt-in to messages: awareness tips (commune_code "") or one commune's alerts. A row
    per opt-in; `until` is set when it stops, so at most one row per resident, kind and
    commune is active (a partial unique index)."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    resident_id: Mapped[str] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    commune_code: Mapped[str] = mapped_column(String(5), default="", server_default="")
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index(
            "uq_subscriptions_active",
            "resident_id",
            "kind",
            "commune_code",
            unique=True,
            sqlite_where=until.is_(None),
            postgresql_where=until.is_(None),
        ),
        Index(
            "ix_subscriptions_active_by_commune",
            "kind",
            "commune_code",
            sqlite_where=until.is_(None),
            postgresql_where=until.is_(None),
        ),
    )


# --- Scam indicators: phone numbers, domains, URLs and bank accounts -------------------------


class Indicator(Base):
    """Something a scam points at, normalised (content.scamcheck): "+84912345678",
    "evil.xyz", "bit.ly/abc", an account number with its bank. Tips report it (`reports`
    counts distinct residents), imports list it, the police confirm or reject it."""

    __tablename__ = "indicators"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    kind: Mapped[str] = mapped_column(String(8))
    value: Mapped[str] = mapped_column(String(500))
    bank: Mapped[str] = mapped_column(String(16), default="", server_default="")
    status: Mapped[str] = mapped_column(String(16), default="reported", server_default="reported")
    source: Mapped[str] = mapped_column(String(200), default="", server_default="")
    reports: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str] = mapped_column(String(64), default="", server_default="")

    __table_args__ = (
        UniqueConstraint("kind", "value", name="uq_indicators_kind_value"),
        Index("ix_indicators_status_last_seen", "status", "last_seen"),
        Index("ix_indicators_status_reports", "status", "reports", "id"),
    )


class IndicatorTip(Base):
    """Which tips reported an indicator: a tip counts once, a resident once per indicator."""

    __tablename__ = "indicator_tips"

    indicator_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"),
        ForeignKey("indicators.id", ondelete="CASCADE"),
        primary_key=True,
    )
    tip_id: Mapped[str] = mapped_column(
        ForeignKey("tips.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# --- Messages to residents that an action causes, sent by the delivery worker -------------


class OutboxMessage(Base):
    """One message to a resident, written in the transaction of the action that causes it
    (an acknowledgement, a question, an outcome). `payload` holds catalog ids and
    parameters, rendered in the resident's language when sent."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    resident_id: Mapped[str] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"))
    tip_id: Mapped[str | None] = mapped_column(
        ForeignKey("tips.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    channel: Mapped[str] = mapped_column(String(16), default="", server_default="")
    last_error: Mapped[str] = mapped_column(String(200), default="", server_default="")

    __table_args__ = (
        Index(
            "ix_outbox_pending_due",
            "due_at",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        Index("ix_outbox_resident", "resident_id", "status"),
    )
