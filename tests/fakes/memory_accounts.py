"""An in-memory `AccountStore` (handlers/accounts/ports.py) for the account use cases' tests,
held to the SQL store's contract by tests/integration/test_accounts_contract.py, and plain
stand-ins for the ports that hash passwords and seal TOTP secrets.

`MemoryAccounts` keeps what is committed: accounts, panel sessions, API tokens and audit rows.
Each `MemoryAccountStore` is one unit of work: what it writes is seen by itself at once and by
everyone else only after `commit()`; `rollback()` (or never committing) drops it, as a refused
change's transaction is dropped at the edge.
"""

from __future__ import annotations

import itertools
import json
import secrets
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime

from handlers.accounts.errors import UsernameTaken
from handlers.accounts.ports import Account, AccountState, NewAccount
from handlers.accounts.rules import of_province
from handlers.audit import AuditAction
from handlers.people import AdminRole, Identity

CREATED = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
# What a change may write back; the rest of an account is fixed once it is made.
CHANGEABLE = tuple(f.name for f in fields(AccountState) if f.name not in ("id", "username"))


@dataclass(frozen=True)
class StoredAccount:
    id: int
    username: str
    role: AdminRole
    commune_code: str
    province_code: str
    display_name: str = ""
    active: bool = True
    password_hash: str = ""
    failed_count: int = 0
    locked_until: datetime | None = None
    totp_sealed: str = ""
    totp_last_step: int | None = None
    created_at: datetime = CREATED

    @property
    def identity(self) -> Identity:
        return Identity(
            self.id,
            self.username,
            self.role,
            self.commune_code,
            self.province_code,
            self.display_name,
        )

    @property
    def view(self) -> Account:
        return Account(
            self.id,
            self.username,
            self.display_name,
            self.role,
            self.commune_code,
            self.province_code,
            self.active,
            self.locked_until,
            bool(self.totp_sealed),
            self.created_at,
        )

    @property
    def state(self) -> AccountState:
        changeable = {name: getattr(self, name) for name in CHANGEABLE}
        return AccountState(id=self.id, username=self.username, **changeable)

    def of(self, province_code: str | None) -> bool:
        return province_code is None or of_province(
            self.role, self.commune_code, self.province_code, province_code
        )


@dataclass(frozen=True)
class Token:
    account_id: int
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class AuditRow:
    action: AuditAction
    actor_id: int
    actor_username: str
    subject: str
    detail: str
    ip: str
    at: datetime


@dataclass
class MemoryAccounts:
    accounts: dict[int, StoredAccount] = field(default_factory=dict)
    sessions: dict[str, int] = field(default_factory=dict)  # session key -> account id
    tokens: dict[int, Token] = field(default_factory=dict)
    audits: list[AuditRow] = field(default_factory=list)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def add(
        self,
        username: str,
        role: AdminRole,
        commune_code: str = "",
        province_code: str = "",
        **changes: object,
    ) -> Identity:
        """An account as if made long ago; `changes` sets any other field of StoredAccount."""
        account = StoredAccount(next(self.ids), username, role, commune_code, province_code)
        account = replace(account, **changes)  # type: ignore[arg-type]
        self.accounts[account.id] = account
        return account.identity

    def open_session(self, account_id: int) -> str:
        key = secrets.token_hex(32)
        self.sessions[key] = account_id
        return key

    def add_token(self, account_id: int) -> int:
        token_id = next(self.ids)
        self.tokens[token_id] = Token(account_id)
        return token_id

    def live_tokens(self, account_id: int) -> int:
        return sum(
            1 for t in self.tokens.values() if t.account_id == account_id and t.revoked_at is None
        )

    def store(self) -> MemoryAccountStore:
        return MemoryAccountStore(self)


class MemoryAccountStore:
    def __init__(self, data: MemoryAccounts) -> None:
        self.data = data
        self._accounts: dict[int, StoredAccount] = {}
        self._ended: set[str] = set()
        self._revoked: dict[int, datetime] = {}
        self._audits: list[AuditRow] = []

    def _seen(self) -> dict[int, StoredAccount]:
        return {**self.data.accounts, **self._accounts}

    async def accounts(
        self, province_code: str, *, commune_code: str = "", text: str = ""
    ) -> list[Account]:
        found = [
            a
            for a in self._seen().values()
            if a.of(province_code)
            and (not commune_code or a.commune_code == commune_code)
            and (text in a.username or text.lower() in a.display_name.lower())
        ]
        found.sort(key=lambda a: (a.commune_code, a.role.value, a.username))
        return [a.view for a in found]

    async def account(self, account_id: int, *, province_code: str | None = None) -> Account | None:
        found = self._seen().get(account_id)
        return found.view if found is not None and found.of(province_code) else None

    async def load(
        self, account_id: int, *, province_code: str | None = None
    ) -> AccountState | None:
        found = self._seen().get(account_id)
        return found.state if found is not None and found.of(province_code) else None

    async def save(self, account: AccountState) -> None:
        stored = self._seen()[account.id]
        changed = {name: getattr(account, name) for name in CHANGEABLE}
        self._accounts[account.id] = replace(stored, **changed)

    async def add(self, new: NewAccount, password_hash: str, now: datetime) -> Identity:
        if any(a.username == new.username for a in self._seen().values()):
            raise UsernameTaken(f"username {new.username!r} is already taken")
        account = StoredAccount(
            next(self.data.ids),
            new.username,
            new.role,
            new.commune_code,
            new.province_code,
            new.display_name,
            password_hash=password_hash,
            created_at=now,
        )
        self._accounts[account.id] = account
        return account.identity

    async def end_sessions(self, account_id: int, *, keep: str | None = None) -> int:
        ending = {
            key
            for key, owner in self.data.sessions.items()
            if owner == account_id and key != keep and key not in self._ended
        }
        self._ended |= ending
        return len(ending)

    async def revoke_tokens(self, account_id: int, now: datetime) -> int:
        live = [
            token_id
            for token_id, t in self.data.tokens.items()
            if t.account_id == account_id and t.revoked_at is None and token_id not in self._revoked
        ]
        self._revoked.update(dict.fromkeys(live, now))
        return len(live)

    async def audit(
        self,
        actor: Identity,
        action: AuditAction,
        *,
        subject: str = "",
        detail: str = "",
        ip: str = "",
        now: datetime,
    ) -> None:
        self._audits.append(AuditRow(action, actor.id, actor.username, subject, detail, ip, now))

    def commit(self) -> None:
        self.data.accounts.update(self._accounts)
        for key in self._ended:
            self.data.sessions.pop(key, None)
        for token_id, at in self._revoked.items():
            self.data.tokens[token_id] = replace(self.data.tokens[token_id], revoked_at=at)
        self.data.audits += self._audits
        self.rollback()

    def rollback(self) -> None:
        self._accounts, self._ended, self._revoked, self._audits = {}, set(), {}, []


class PlainPasswords:
    """Hashes that are the password in plain sight: the rules, not argon2, are under test."""

    async def hash_password(self, password: str) -> str:
        return f"plain:{password}"

    async def verify_password(self, password_hash: str, password: str) -> bool:
        return password_hash == f"plain:{password}"


class PlainSealing:
    """Sealed values anyone can read, and one that no key opens (`BROKEN`)."""

    BROKEN = "sealed:with another key"

    def seal(self, value: dict[str, str]) -> str:
        return "sealed:" + json.dumps(value, sort_keys=True)

    def open(self, sealed: str) -> dict[str, str]:
        if not sealed.startswith("sealed:{"):
            raise ValueError("cannot be opened with this key")
        opened: dict[str, str] = json.loads(sealed.removeprefix("sealed:"))
        return opened
