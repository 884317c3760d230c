"""Panel accounts in storage, one module per concern; this package exports what the panel,
the CLI and the casework modules call, so they import `storage.admin_users` as before.

- `store`: the SQL `AccountStore` of the account use cases (handlers/accounts/), and the
  province's accounts as a WHERE clause
- `accounts`: the account rows (the Account view, look up, the row lock)
- `passwords`: argon2id hashing, the use cases' `Passwords` port
- `signin`: password sign-in with its lockout, the TOTP second step, the CLI's unlock
- `sessions`: panel sessions (open, find, end)
- `audit_log`: the append-only audit log

The rules and the changes themselves (a province admin's management, the holder's own
changes, a new account) are handlers/accounts/'s. Functions take the request's session and
only flush; the edge commits once. Tests swap in a cheaper hasher with
`storage.admin_users.passwords.password_hasher`, and set the accounts' clock with
`handlers.accounts.clock.now`.
"""

from __future__ import annotations

from handlers.accounts.ports import By
from handlers.accounts.rules import LOCKOUT, MAX_FAILURES
from handlers.people import Identity
from storage.admin_users import passwords
from storage.admin_users.accounts import account, active_user
from storage.admin_users.audit_log import AuditEntry, audit_trail, record, record_by
from storage.admin_users.sessions import (
    SESSION_LIFETIME,
    open_session,
    session_identity,
    sign_out,
    sign_out_everywhere,
)
from storage.admin_users.signin import Failure, SignIn, sign_in, sign_in_code, unlock
from storage.admin_users.store import SqlAccountStore, province_accounts
from storage.identity import identity_of

__all__ = [
    "LOCKOUT",
    "MAX_FAILURES",
    "SESSION_LIFETIME",
    "AuditEntry",
    "By",
    "Failure",
    "Identity",
    "SignIn",
    "SqlAccountStore",
    "account",
    "active_user",
    "audit_trail",
    "identity_of",
    "open_session",
    "passwords",
    "province_accounts",
    "record",
    "record_by",
    "session_identity",
    "sign_in",
    "sign_in_code",
    "sign_out",
    "sign_out_everywhere",
    "unlock",
]
