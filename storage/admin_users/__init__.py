"""Panel accounts, one module per concern; this package exports what the panel, the CLI and
the casework modules call, so they import `storage.admin_users` as before.

- `accounts`: the account rows (the Account view, the rules of a new one, create, look up)
- `passwords`: argon2id hashing and the rules of a new password
- `signin`: password sign-in with its lockout, the TOTP second step, the CLI's unlock
- `sessions`: panel sessions (open, find, end)
- `own`: the account holder's own changes; `totp_setup`: turning one's TOTP on and off
- `manage`: a province admin's management of the accounts of their province
- `audit_log`: the append-only audit log
- `errors`: the refusals, each a kind of handlers/errors.py

Functions take the request's session and only flush; the edge commits once. Tests swap in a
cheaper hasher with `storage.admin_users.passwords.password_hasher`.
"""

from __future__ import annotations

from handlers.accounts import (
    MAX_DISPLAY_NAME_LENGTH,
    MIN_PASSWORD_LENGTH,
    USERNAME,
    normalise_username,
)
from handlers.people import Identity
from storage.admin_users.accounts import Account, account, active_user, create_user, set_active
from storage.admin_users.audit_log import AuditEntry, By, audit_trail, record, record_by
from storage.admin_users.errors import (
    AccountError,
    InvalidAdminUser,
    NoSuchUser,
    NotAllowed,
    UsernameTaken,
)
from storage.admin_users.manage import (
    admin_create_user,
    admin_disable_totp,
    admin_reset_password,
    admin_set_active,
    admin_unlock,
    list_users,
    manage_scope,
    managed_account,
    province_accounts,
)
from storage.admin_users.own import change_password
from storage.admin_users.sessions import (
    SESSION_LIFETIME,
    open_session,
    session_identity,
    sign_out,
    sign_out_everywhere,
)
from storage.admin_users.signin import (
    LOCKOUT,
    MAX_FAILURES,
    Failure,
    SignIn,
    sign_in,
    sign_in_code,
    unlock,
)
from storage.admin_users.totp_setup import disable_totp, enable_totp
from storage.identity import identity_of

__all__ = [
    "LOCKOUT",
    "MAX_DISPLAY_NAME_LENGTH",
    "MAX_FAILURES",
    "MIN_PASSWORD_LENGTH",
    "SESSION_LIFETIME",
    "USERNAME",
    "Account",
    "AccountError",
    "AuditEntry",
    "By",
    "Failure",
    "Identity",
    "InvalidAdminUser",
    "NoSuchUser",
    "NotAllowed",
    "SignIn",
    "UsernameTaken",
    "account",
    "active_user",
    "admin_create_user",
    "admin_disable_totp",
    "admin_reset_password",
    "admin_set_active",
    "admin_unlock",
    "audit_trail",
    "change_password",
    "create_user",
    "disable_totp",
    "enable_totp",
    "identity_of",
    "list_users",
    "manage_scope",
    "managed_account",
    "normalise_username",
    "open_session",
    "province_accounts",
    "record",
    "record_by",
    "session_identity",
    "set_active",
    "sign_in",
    "sign_in_code",
    "sign_out",
    "sign_out_everywhere",
    "unlock",
]
