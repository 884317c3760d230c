"""What the account use cases need from storage and from the infrastructure that proves who
someone is, and the plain data they pass through it.

`Account` is an account as the pages show it, never with a secret. `AccountState` is an account
as a change sees it: whether it may sign in, its password hash, its lockout and its second
step. A use case loads it from an `AccountStore` (locked until the unit of work ends), changes
it, saves it, and ends sessions, revokes API tokens and writes the audit row through the same
store, so that all of it commits or none of it does. storage/admin_users/store.py is the SQL
store; tests/fakes/memory_accounts.py the in-memory one; tests/integration/
test_accounts_contract.py holds both to one contract.

The secrets are checked and kept by `Passwords`, `Codes` and `Sealing`, which storage's own
helpers satisfy as they are: the module storage/admin_users/passwords.py, the module
storage/totp.py and storage/sealing.py's `Sealer`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from handlers.audit import AuditAction
from handlers.people import AdminRole, Identity


class By(StrEnum):
    """Audit detail of an account change: who made it."""

    SELF = "self"
    ADMIN = "admin"
    EVERYWHERE = "everywhere"
    CLI = "cli"


@dataclass(frozen=True, slots=True)
class Account:
    """An account as the account page and the user list show it (never the password hash)."""

    id: int
    username: str
    display_name: str
    role: AdminRole
    commune_code: str
    province_code: str
    active: bool
    locked_until: datetime | None
    totp_on: bool
    created_at: datetime

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now


@dataclass
class AccountState:
    """What a change (or a sign-in) reads and writes of an account; no page or answer shows
    it."""

    id: int
    username: str
    active: bool
    password_hash: str
    failed_count: int
    locked_until: datetime | None
    totp_sealed: str  # "" when two-step sign-in is off
    totp_last_step: int | None  # the last TOTP step used, so no code is accepted twice


@dataclass(frozen=True)
class NewAccount:
    username: str
    display_name: str
    role: AdminRole
    commune_code: str
    province_code: str


class AccountStore(Protocol):
    async def accounts(
        self, province_code: str, *, commune_code: str = "", text: str = ""
    ) -> list[Account]:
        """The accounts of a province (rules.of_province), of one commune when given, whose
        username or display name (in any case) holds `text` when given: its province admins
        first, then by commune, role and username."""
        ...

    async def account(self, account_id: int, *, province_code: str | None = None) -> Account | None:
        """The account by id, if it is of that province when one is given."""
        ...

    async def load(
        self, account_id: int, *, province_code: str | None = None
    ) -> AccountState | None:
        """The account by id (of that province when one is given), locked until the unit of
        work ends, so parallel changes and guesses are counted one after another."""
        ...

    async def save(self, account: AccountState) -> None:
        """Write back what a change did to an account this store loaded."""
        ...

    async def add(self, new: NewAccount, password_hash: str, now: datetime) -> Identity:
        """An active account; UsernameTaken when the username is in use."""
        ...

    async def end_sessions(self, account_id: int, *, keep: str | None = None) -> int:
        """End the account's panel sessions, all but `keep` (a session key) when given; how
        many ended."""
        ...

    async def revoke_tokens(self, account_id: int, now: datetime) -> int:
        """Revoke every live API token of the account; how many."""
        ...

    async def audit(
        self,
        actor: Identity,
        action: AuditAction,
        *,
        subject: str = "",
        detail: str = "",
        ip: str = "",
        now: datetime,
    ) -> None: ...


class Passwords(Protocol):
    """Hashes a new password and checks a typed one against a hash."""

    async def hash_password(self, password: str) -> str: ...

    async def verify_password(self, password_hash: str, password: str) -> bool: ...


class Codes(Protocol):
    """The time-based one-time codes (RFC 6238) of two-step sign-in."""

    @property
    def DIGITS(self) -> int:  # the module's constant satisfies it, hence the capitals
        ...

    def valid_secret(self, secret: str) -> bool: ...

    def normalise_code(self, raw: str) -> str: ...

    def matching_step(
        self, secret: str, code: str, unix_time: float, last_step: int | None
    ) -> int | None:
        """The step within the window whose code is `code` and which comes after `last_step`."""
        ...


class Sealing(Protocol):
    """Seals a TOTP secret for the database and opens it again; `open` raises a ValueError
    when the sealed value cannot be opened (another key)."""

    def seal(self, value: dict[str, str]) -> str: ...

    def open(self, sealed: str) -> dict[str, str]: ...


@dataclass(frozen=True)
class Keys:
    """What the holder's own changes prove them with, handed in by the edge."""

    passwords: Passwords
    codes: Codes
    sealing: Sealing
