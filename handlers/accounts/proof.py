"""Proving it is really the account holder: the lockout that five wrong guesses set off, the
TOTP code that is accepted once only, and the password (or code) asked again before a
sensitive change. Sign-in (storage/admin_users/signin.py) applies the same lockout and the
same code check, so a guess counts the same wherever it is typed."""

from __future__ import annotations

from datetime import datetime

from handlers.accounts.errors import AccountError
from handlers.accounts.ports import AccountState, AccountStore, Codes, Keys, Sealing
from handlers.accounts.rules import LOCKOUT, MAX_FAILURES, MAX_PASSWORD_LENGTH


def lock_state(account: AccountState, now: datetime) -> bool:
    """Whether the account is locked now (an expired lockout is cleared on the way)."""
    if account.locked_until is not None and account.locked_until <= now:
        account.locked_until, account.failed_count = None, 0
    return account.locked_until is not None


def count_failure(account: AccountState, now: datetime) -> None:
    account.failed_count += 1
    if account.failed_count >= MAX_FAILURES:
        account.locked_until = now + LOCKOUT


def _totp_secret(account: AccountState, sealing: Sealing) -> str | None:
    if not account.totp_sealed:
        return None
    try:
        return sealing.open(account.totp_sealed).get("totp")
    except ValueError:  # sealed with another key: no code can match
        return None


def accept_code(
    account: AccountState, code: str, codes: Codes, sealing: Sealing, now: datetime
) -> bool:
    """Check a TOTP code against the account, remembering its step so it is not reused."""
    secret = _totp_secret(account, sealing)
    if secret is None:
        return False
    step = codes.matching_step(secret, code, now.timestamp(), account.totp_last_step)
    if step is None:
        return False
    account.totp_last_step = step
    return True


async def _proves(
    account: AccountState, secret: str, keys: Keys, now: datetime, *, code_ok: bool
) -> bool:
    code = keys.codes.normalise_code(secret)
    if code_ok and len(code) == keys.codes.DIGITS and code.isdigit():
        return accept_code(account, code, keys.codes, keys.sealing, now)
    return len(secret) <= MAX_PASSWORD_LENGTH and (
        await keys.passwords.verify_password(account.password_hash, secret)
    )


async def reauthenticate(
    store: AccountStore,
    account: AccountState,
    secret: str,
    keys: Keys,
    now: datetime,
    *,
    code_ok: bool = False,
) -> None:
    """Check the password (or, when `code_ok`, a current TOTP code) for a sensitive change.

    Checked even when locked, so a locked account answers as slowly as any other. A wrong
    guess counts toward the lockout and is saved before the refusal: the edge commits it."""
    locked = lock_state(account, now)
    good = await _proves(account, secret, keys, now, code_ok=code_ok)
    if not locked and not good:
        count_failure(account, now)
    await store.save(account)
    if locked:
        raise AccountError("locked")
    if not good:
        raise AccountError("bad_secret")
