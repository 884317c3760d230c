"""The accounts the account use-case tests (test_account_use_cases.py,
test_own_account_use_cases.py) run on: two province admins, an officer, a leader and a chief of
Hà Nội (01), an officer and the province admin of Hồ Chí Minh City (79), in the in-memory store
(tests/fakes/memory_accounts.py), with the plain ports that stand in for argon2 and sealing,
and storage/totp.py's own arithmetic for the codes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from handlers.accounts.ports import Keys
from handlers.people import AdminRole, Identity
from storage import totp
from tests.fakes.memory_accounts import (
    MemoryAccounts,
    PlainPasswords,
    PlainSealing,
    StoredAccount,
)

HANOI_A, HANOI_B, SAIGON = "00004", "00277", "27316"  # two communes of province 01, one of 79
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
PASSWORD = "mật khẩu đủ dài 2026"
NEW_PASSWORD = "một mật khẩu mới đủ dài"
HASHED = f"plain:{PASSWORD}"
PASSWORDS = PlainPasswords()
KEYS = Keys(PASSWORDS, totp, PlainSealing())
Written = tuple[dict[int, StoredAccount], dict[str, int], int, int]


class World:
    def __init__(self) -> None:
        self.data = MemoryAccounts()
        add = self.data.add
        self.admin = add("admin_01", AdminRole.PROVINCE_ADMIN, "", "01", password_hash=HASHED)
        self.admin2 = add("admin_01b", AdminRole.PROVINCE_ADMIN, "", "01")
        self.officer = add("officer_a", AdminRole.OFFICER, HANOI_A, "01", password_hash=HASHED)
        self.leader = add("leader_a", AdminRole.LEADER, HANOI_A, "01")
        self.chief = add("chief_b", AdminRole.CHIEF, HANOI_B, "01")
        self.officer_c = add("officer_c", AdminRole.OFFICER, SAIGON, "79")
        self.admin_79 = add("admin_79", AdminRole.PROVINCE_ADMIN, "", "79")

    async def run(
        self, use_case: Callable[..., Awaitable[Any]], actor: Identity, *args: Any, **kw: Any
    ) -> Any:
        """One unit of work: committed when the use case returns, dropped when it raises, as
        the user pages do."""
        store = self.data.store()
        answer = await use_case(store, actor, *args, **kw)
        store.commit()
        return answer

    async def settle(
        self, use_case: Callable[..., Awaitable[Any]], actor: Identity, *args: Any, **kw: Any
    ) -> Any:
        """One unit of work committed whatever the answer, as the account page commits a
        refusal: the wrong guess has counted toward the lockout."""
        store = self.data.store()
        try:
            return await use_case(store, actor, *args, **kw)
        finally:
            store.commit()

    def stored(self, who: Identity) -> StoredAccount:
        return self.data.accounts[who.id]

    def set(self, who: Identity, **fields: Any) -> None:
        """Change a stored account behind the use cases' back (a lockout, TOTP on)."""
        self.data.accounts[who.id] = replace(self.stored(who), **fields)

    def audits(self) -> list[tuple[str, str, str, str]]:
        return [(a.action, a.actor_username, a.subject, a.detail) for a in self.data.audits]

    def written(self) -> Written:
        return (
            dict(self.data.accounts),
            dict(self.data.sessions),
            self.data.live_tokens(self.officer.id),
            len(self.data.audits),
        )
