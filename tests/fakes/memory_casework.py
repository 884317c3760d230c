"""An in-memory `CaseStore` (handlers/casework/ports.py) for the casework use cases' tests,
held to the SQL store's contract by tests/integration/test_casework_contract.py.

`MemoryCasework` keeps what is committed: tips, panel accounts, timeline entries, audit rows
and notices to reporters. Each `MemoryCaseStore` is one unit of work: what it writes is seen by
itself at once and by everyone else only after `commit()`; `rollback()` (or never committing)
drops it, as a refused action's transaction is dropped at the edge.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from handlers.audit import AuditAction
from handlers.casework.ports import CaseTip, Colleague
from handlers.errors import NotFound
from handlers.notices import Notice
from handlers.people import AdminRole, Identity, check_sees_tips, in_area
from handlers.receipt import new_code
from handlers.tipmodel import Visibility
from handlers.tips.words import TipStatus


def new_tip(commune: str, province: str, **changes: Any) -> CaseTip:
    """A crime report received on Monday 23/11/2026, new, with its deadlines, as seeded in
    tests: no decision deadline yet (it runs once forwarded, CPC art. 147(1))."""
    tip = CaseTip(
        id=str(uuid.uuid4()),
        code=new_code(),
        province_code=province,
        commune_code=commune,
        status=TipStatus.NEW,
        urgent=False,
        assignee_id=None,
        has_reporter=True,
        contact_sealed="",
        received_on=date(2026, 11, 23),
        ack_due=date(2026, 11, 26),
        decision_due=None,
        extensions=0,
        outcome_due=None,
        next_due=date(2026, 11, 26),
        forward_due=date(2026, 11, 30),
    )
    return replace(tip, **changes)


@dataclass(frozen=True)
class StoredUser:
    id: int
    username: str
    role: AdminRole
    commune_code: str
    province_code: str
    display_name: str = ""
    active: bool = True

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


@dataclass(frozen=True)
class CaseEvent:
    id: int
    tip_id: str
    kind: str
    visibility: Visibility
    body: str
    actor: str
    at: datetime


@dataclass(frozen=True)
class AuditRow:
    action: AuditAction
    actor_id: int
    actor_username: str
    subject: str
    detail: str
    reason: str
    ip: str
    at: datetime


@dataclass(frozen=True)
class NoticeRow:
    tip_id: str
    resident_id: str
    kind: Notice
    code: str
    params: dict[str, str]
    at: datetime


@dataclass
class MemoryCasework:
    tips: dict[str, CaseTip] = field(default_factory=dict)
    reporters: dict[str, str | None] = field(default_factory=dict)  # tip id -> resident id
    users: dict[int, StoredUser] = field(default_factory=dict)
    events: list[CaseEvent] = field(default_factory=list)
    audits: list[AuditRow] = field(default_factory=list)
    notices: list[NoticeRow] = field(default_factory=list)
    # Tips whose reported scam indicator the police confirmed (issue 20: useful tips).
    confirmed: set[str] = field(default_factory=set)
    event_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    user_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def add_tip(self, tip: CaseTip, resident_id: str | None) -> CaseTip:
        self.tips[tip.id] = replace(tip)
        self.reporters[tip.id] = resident_id
        return tip

    def add_user(
        self,
        username: str,
        role: AdminRole,
        commune_code: str = "",
        province_code: str = "",
        *,
        display_name: str = "",
        active: bool = True,
    ) -> Identity:
        user = StoredUser(
            next(self.user_ids),
            username,
            role,
            commune_code,
            province_code,
            display_name,
            active,
        )
        self.users[user.id] = user
        return user.identity

    def store(self) -> MemoryCaseStore:
        return MemoryCaseStore(self)


class MemoryCaseStore:
    def __init__(self, data: MemoryCasework) -> None:
        self.data = data
        self._tips: dict[str, CaseTip] = {}
        self._events: list[CaseEvent] = []
        self._audits: list[AuditRow] = []
        self._notices: list[NoticeRow] = []

    async def load(self, actor: Identity, tip_id: str, *, for_update: bool = False) -> CaseTip:
        check_sees_tips(actor)
        key = tip_id.strip()[:64]
        for tip in {**self.data.tips, **self._tips}.values():
            hit = tip.id == key if len(key) == 36 else tip.code == key.upper()
            if key and hit and in_area(actor, tip.commune_code, tip.province_code):
                return replace(tip)
        raise NotFound(detail="no such tip")

    async def save(self, tip: CaseTip) -> None:
        if tip.id not in self.data.tips:
            raise KeyError(tip.id)
        self._tips[tip.id] = replace(tip)

    async def colleagues(self, commune_code: str) -> list[Colleague]:
        found = [
            Colleague(u.id, u.username, u.display_name, u.role)
            for u in self.data.users.values()
            if u.commune_code == commune_code
            and u.active
            and u.role in (AdminRole.OFFICER, AdminRole.CHIEF)
        ]
        return sorted(found, key=lambda c: c.username)

    async def add_event(
        self,
        tip: CaseTip,
        kind: str,
        visibility: Visibility,
        body: str,
        actor: Identity | None,
        now: datetime,
    ) -> str:
        entry = CaseEvent(
            next(self.data.event_ids),
            tip.id,
            kind,
            visibility,
            body,
            actor.username if actor else "",
            now,
        )
        self._events.append(entry)
        return str(entry.id)

    async def audit(
        self,
        actor: Identity,
        action: AuditAction,
        tip: CaseTip,
        *,
        detail: str = "",
        reason: str = "",
        ip: str = "",
        now: datetime,
    ) -> None:
        row = AuditRow(action, actor.id, actor.username, tip.code, detail, reason, ip, now)
        self._audits.append(row)

    async def notify(
        self, tip: CaseTip, notice: Notice, params: dict[str, str], now: datetime
    ) -> None:
        resident_id = self.data.reporters.get(tip.id)
        if resident_id is None:
            return
        self._notices.append(NoticeRow(tip.id, resident_id, notice, tip.code, dict(params), now))

    async def confirmed_indicator(self, tip: CaseTip) -> bool:
        return tip.id in self.data.confirmed

    def commit(self) -> None:
        self.data.tips.update(self._tips)
        self.data.events += self._events
        self.data.audits += self._audits
        self.data.notices += self._notices
        self.rollback()

    def rollback(self) -> None:
        self._tips, self._events, self._audits, self._notices = {}, [], [], []
