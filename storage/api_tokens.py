"""Bearer tokens for the JSON API (/api/v1), one row per token in `api_tokens`.

The token is shown once, when it is made; the database keeps only HMAC-SHA256(key, token), the
key being derived from the secret key as for panel sessions. Looking a token up by that keyed
hash through the unique index compares no secret byte by byte in Python, so the time taken does
not depend on how much of a guess is right, and a copy of the database alone yields no usable
token. A token stops working when it expires, is revoked, or its account is deactivated;
deactivating an account also revokes its tokens (handlers/accounts/manage.py), so reactivating
it brings none of them back.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.people import Identity
from storage.db import utc
from storage.identity import identity_of
from storage.models import AdminUser, ApiToken

PREFIX = "by_"
DEFAULT_LIFETIME = timedelta(days=90)
MAX_LIFETIME = timedelta(days=366)
MAX_NAME_LENGTH = 100
# last_used_at is written at most this often, so a busy client does not turn reads into writes.
TOUCH_EVERY = timedelta(minutes=1)
_TOKEN_LENGTH = len(PREFIX) + 43  # token_urlsafe(32) is 43 characters


class InvalidToken(ValueError):
    """A token cannot be made as asked (name or lifetime out of range)."""


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """What the owner may see of a token: never the token itself."""

    id: int
    name: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    def active(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now


def _now() -> datetime:
    return datetime.now(UTC)


def token_hash(key: bytes, token: str) -> str:
    """The stored form of a token: HMAC-SHA256 under the API-token key, as hex."""
    return hmac.new(key, f"api-token\0{token}".encode(), hashlib.sha256).hexdigest()


def _info(row: ApiToken) -> TokenInfo:
    return TokenInfo(
        row.id,
        row.name,
        utc(row.created_at),
        utc(row.expires_at),
        utc(row.last_used_at) if row.last_used_at is not None else None,
        utc(row.revoked_at) if row.revoked_at is not None else None,
    )


async def create_token(
    session: AsyncSession,
    key: bytes,
    user_id: int,
    name: str,
    lifetime: timedelta = DEFAULT_LIFETIME,
    *,
    now: datetime | None = None,
) -> tuple[str, TokenInfo]:
    """Make a token for `user_id`: (the token, to be shown once, and what is stored of it)."""
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME_LENGTH:
        raise InvalidToken(f"the name must be 1-{MAX_NAME_LENGTH} characters")
    if not timedelta(days=1) <= lifetime <= MAX_LIFETIME:
        raise InvalidToken(f"the lifetime must be 1-{MAX_LIFETIME.days} days")
    now = now or _now()
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user_id,
        token_hash=token_hash(key, token),
        name=name,
        created_at=now,
        expires_at=now + lifetime,
    )
    session.add(row)
    await session.flush()
    return token, _info(row)


async def verify(
    session: AsyncSession, key: bytes, token: str, *, now: datetime | None = None
) -> Identity | None:
    """The active account behind a valid, unexpired, unrevoked token, or None."""
    if len(token) != _TOKEN_LENGTH or not token.startswith(PREFIX):
        return None
    now = now or _now()
    query = (
        select(ApiToken, AdminUser)
        .join(AdminUser, AdminUser.id == ApiToken.user_id)
        .where(
            ApiToken.token_hash == token_hash(key, token),
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > now,
            AdminUser.active.is_(True),
        )
    )
    found = (await session.execute(query)).one_or_none()
    if found is None:
        return None
    row, user = found
    if row.last_used_at is None or utc(row.last_used_at) <= now - TOUCH_EVERY:
        await session.execute(
            update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now)
        )
    return identity_of(user)


async def revoke(
    session: AsyncSession, user_id: int, token_id: int, *, now: datetime | None = None
) -> bool:
    """Revoke one of `user_id`'s tokens; False when it is not theirs or already revoked."""
    result = await session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            ApiToken.user_id == user_id,
            ApiToken.revoked_at.is_(None),
        )
        .values(revoked_at=now or _now())
        .returning(ApiToken.id)
    )
    return result.scalar_one_or_none() is not None


async def revoke_all(session: AsyncSession, user_id: int, *, now: datetime | None = None) -> int:
    """Revoke every live token of an account; the number revoked."""
    result = await session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now or _now())
        .returning(ApiToken.id)
    )
    return len(result.scalars().all())


async def list_tokens(session: AsyncSession, user_id: int) -> list[TokenInfo]:
    """An account's tokens, newest first, revoked and expired ones included."""
    rows = await session.execute(
        select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())
    )
    return [_info(r) for r in rows.scalars()]
