"""The account holder's own changes: a new password, and two-step sign-in (TOTP) on or off.
Each proves it is really them first (proof.py: the password, or for turning TOTP off a
current code too), and is audited under their own name with detail "self"."""

from __future__ import annotations

from datetime import datetime

from handlers.accounts import clock
from handlers.accounts.errors import AccountError
from handlers.accounts.ports import AccountState, AccountStore, By, Keys
from handlers.accounts.proof import reauthenticate
from handlers.accounts.rules import check_new_password
from handlers.audit import AuditAction
from handlers.errors import Conflict
from handlers.people import Identity


async def holder(store: AccountStore, actor: Identity) -> AccountState:
    """The signed-in account, locked; deactivated meanwhile, it may change nothing."""
    account = await store.load(actor.id)
    if account is None or not account.active:
        raise AccountError("inactive")
    return account


async def change_password(
    store: AccountStore,
    actor: Identity,
    current: str,
    new: str,
    repeat: str,
    keys: Keys,
    *,
    keep_session: str,
    ip: str = "",
    now: datetime | None = None,
) -> int:
    """Change one's own password; every other session of the account ends (their number)."""
    now = clock.now_or(now)
    account = await holder(store, actor)
    await reauthenticate(store, account, current, keys, now)
    check_new_password(new, repeat)
    if new == current:
        raise AccountError("password_same")
    account.password_hash = await keys.passwords.hash_password(new)
    await store.save(account)
    ended = await store.end_sessions(account.id, keep=keep_session)
    await _audit(store, actor, AuditAction.USER_PASSWORD, account, ip, now)
    return ended


async def enable_totp(
    store: AccountStore,
    actor: Identity,
    secret: str,
    code: str,
    password: str,
    keys: Keys,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Turn TOTP on with a new secret, once a first code from the app proves it is set up.
    The password too: a borrowed or stolen session must not bind its own authenticator and
    lock the owner out."""
    now = clock.now_or(now)
    account = await holder(store, actor)
    if account.totp_sealed:
        raise Conflict("totp_on")
    if not keys.codes.valid_secret(secret):
        raise AccountError("totp_secret")
    await reauthenticate(store, account, password, keys, now)
    step = keys.codes.matching_step(secret, code, now.timestamp(), None)
    if step is None:
        raise AccountError("bad_code")
    account.totp_sealed = keys.sealing.seal({"totp": secret})
    account.totp_last_step = step
    await store.save(account)
    await _audit(store, actor, AuditAction.TOTP_ENABLE, account, ip, now)


async def disable_totp(
    store: AccountStore,
    actor: Identity,
    password_or_code: str,
    keys: Keys,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Turn one's own TOTP off, given the password or a current code."""
    now = clock.now_or(now)
    account = await holder(store, actor)
    if not account.totp_sealed:
        raise AccountError("totp_off")
    await reauthenticate(store, account, password_or_code, keys, now, code_ok=True)
    account.totp_sealed, account.totp_last_step = "", None
    await store.save(account)
    await _audit(store, actor, AuditAction.TOTP_DISABLE, account, ip, now)


async def _audit(
    store: AccountStore,
    actor: Identity,
    action: AuditAction,
    account: AccountState,
    ip: str,
    now: datetime,
) -> None:
    await store.audit(actor, action, subject=account.username, detail=By.SELF, ip=ip, now=now)
