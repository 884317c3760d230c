"""Passwords: argon2id hashing in a worker thread (so the event loop keeps running). This
module is the account use cases' `Passwords` port (handlers/accounts/ports.py) as it is; the
rules a new password must meet are theirs (handlers/accounts/rules.py)."""

from __future__ import annotations

import asyncio
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile: 64 MiB, t=3, p=4).
# Tests swap in cheaper parameters; stored hashes carry their own, and are upgraded on sign-in.
password_hasher = PasswordHasher()


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(password_hasher.hash, password)


async def verify_password(password_hash: str, password: str) -> bool:
    def verify() -> bool:
        try:
            return password_hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(verify)


@cache
def dummy_hash() -> str:
    return password_hasher.hash(secrets.token_urlsafe(16))


def needs_rehash(password_hash: str) -> bool:
    """Whether a stored hash was made with other parameters than today's (upgraded on sign-in)."""
    return password_hasher.check_needs_rehash(password_hash)
