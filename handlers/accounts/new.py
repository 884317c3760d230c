"""A new account, however it is made: the rules every account meets, then the store adds it
with its password hashed. The command line calls this directly; a province admin's form goes
through manage.create, which checks its own rules first and audits the result."""

from __future__ import annotations

from datetime import datetime

from handlers.accounts import clock
from handlers.accounts.errors import InvalidAdminUser
from handlers.accounts.ports import AccountStore, NewAccount, Passwords
from handlers.accounts.rules import (
    MAX_DISPLAY_NAME_LENGTH,
    check_new_account,
    clean_display_name,
    normalise_username,
)
from handlers.people import AdminRole, Identity


async def create_account(
    store: AccountStore,
    passwords: Passwords,
    *,
    username: str,
    password: str,
    role: AdminRole,
    commune_code: str = "",
    province_code: str = "",
    display_name: str = "",
    now: datetime | None = None,
) -> Identity:
    """Add an active account. Raises InvalidAdminUser, or UsernameTaken for a duplicate."""
    username = normalise_username(username)
    display_name = clean_display_name(display_name)
    check_new_account(username, role, commune_code, province_code, password)
    if len(display_name) > MAX_DISPLAY_NAME_LENGTH:
        raise InvalidAdminUser(f"display name must be at most {MAX_DISPLAY_NAME_LENGTH} characters")
    new = NewAccount(username, display_name, role, commune_code, province_code)
    password_hash = await passwords.hash_password(password)
    return await store.add(new, password_hash, clock.now_or(now))
