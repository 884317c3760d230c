"""What the casework use cases need from storage, and the plain data they pass through it.

`CaseTip` is a tip as an officer's action sees it: the fields an action reads or changes,
nothing about the reporter beyond whether one can still be reached and whether they left
sealed contact details. A use case loads it from a `CaseStore` (scoped to the actor's area and
locked until the unit of work ends), changes it, saves it, and writes the timeline entry, the
audit row and the notice to the reporter through the same store, so that all of it commits or
none of it does. storage/casework/store.py is the SQL store; tests/fakes/memory_casework.py
the in-memory one; tests/integration/test_casework_contract.py holds both to one contract."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Protocol

from content import phones
from handlers.audit import AuditAction
from handlers.deadlines import Deadlines, local_date, sort_key
from handlers.notices import Notice
from handlers.people import AdminRole, Identity
from handlers.tipmodel import Visibility
from handlers.tips.words import Protection, TipStatus, Track


@dataclass
class CaseTip:
    id: str
    code: str
    province_code: str
    commune_code: str
    status: TipStatus
    urgent: bool
    assignee_id: int | None
    has_reporter: bool  # the reporter's account still exists: they can be told and asked
    contact_sealed: str  # "" when the reporter stayed anonymous
    received_on: date
    ack_due: date
    decision_due: date | None
    extensions: int
    outcome_due: date | None
    next_due: date | None
    track: Track = Track.CRIME
    forward_due: date | None = None
    acknowledged_at: datetime | None = None
    forwarded_at: datetime | None = None
    # When the decision was recorded: closed, or suspended (CPC art. 148); cleared on resume.
    decided_at: datetime | None = None
    # Resumed after a suspension (CPC art. 149): the month that runs then is not extended.
    resumed_at: datetime | None = None
    # The deadlines missed so far ("ack", "forward", "decision"), kept whatever changes after:
    # a deadline counted again (urgency, track, resumption) never erases a miss.
    missed: frozenset[str] = frozenset()
    closed_at: datetime | None = None
    resolution: str = ""
    resolution_note: str = ""
    forwarded_to: str = ""
    # The procuracy's decision on the second extension (TTLT 01/2017 art. 11).
    extension_decision: str = ""
    extension_decision_on: date | None = None
    mediation_team: str = ""  # the mediation team the tip went to (mediation track)
    protection: Protection = Protection.NONE
    updated_at: datetime | None = None
    # A named reporter's contact details removed by retention (issue 18): nothing to reveal,
    # though the reporter did not stay anonymous.
    contact_removed: bool = False
    # Issue 20: when the commune's chief thanked the reporter (a tip is thanked once).
    thanked_at: datetime | None = None

    @property
    def deadlines(self) -> Deadlines:
        return Deadlines(
            self.received_on,
            self.ack_due,
            self.decision_due,
            self.extensions,
            self.outcome_due,
            self.forward_due,
            local_date(self.forwarded_at) if self.forwarded_at else None,
        )

    def set_deadlines(self, d: Deadlines, today: date | None = None) -> None:
        """Take the deadlines and refresh the queue's sort key from them. Given `today`, a
        deadline already missed is recorded in `missed` before it is replaced, and one
        already met or missed keeps its day (only what still runs is counted again)."""
        if today is not None:
            d = self._keep_the_past(d, today)
        self.ack_due, self.decision_due, self.forward_due = d.ack_due, d.decision_due, d.forward_due
        self.extensions, self.outcome_due = d.extensions, d.outcome_due
        if self.status is not TipStatus.CLOSED:
            self.next_due = sort_key(
                self.status,
                d,
                acknowledged=self.acknowledged_at is not None,
                forwarded=self.forwarded_at is not None,
            )

    def refresh_due(self) -> None:
        self.set_deadlines(self.deadlines)

    def _keep_the_past(self, d: Deadlines, today: date) -> Deadlines:
        missed = set(self.missed)
        old = self.deadlines
        met = {
            "ack": self.acknowledged_at is not None,
            "forward": self.forwarded_at is not None,
            "decision": self.decided_at is not None,
        }
        due = {"ack": old.ack_due, "forward": old.forward_due, "decision": old.decision_due}
        for kind, day in due.items():
            if day is not None and day < today and not met[kind]:
                missed.add(kind)
        self.missed = frozenset(missed)
        keep_ack = met["ack"] or old.ack_due < today
        keep_forward = old.forward_due is not None and (met["forward"] or old.forward_due < today)
        return replace(
            d,
            ack_due=old.ack_due if keep_ack else d.ack_due,
            forward_due=old.forward_due if keep_forward and d.forward_due else d.forward_due,
        )


@dataclass(frozen=True)
class Colleague:
    """Someone a tip may be assigned to."""

    id: int
    username: str
    display_name: str
    role: AdminRole


@dataclass(frozen=True)
class Contact:
    """The reporter's contact details, once revealed for a stated reason."""

    name: str
    phone: str  # E.164

    @property
    def phone_shown(self) -> str:
        return phones.shown(self.phone)


class CaseStore(Protocol):
    async def load(self, actor: Identity, tip_id: str, *, for_update: bool = False) -> CaseTip:
        """The tip by id or receipt code (any case) if it is in the actor's area, locked until
        the unit of work ends when `for_update`; NotFound otherwise."""
        ...

    async def save(self, tip: CaseTip) -> None:
        """Write back what the action changed of a tip this store loaded."""
        ...

    async def colleagues(self, commune_code: str) -> list[Colleague]:
        """The active officers and chiefs of a commune, by username."""
        ...

    async def add_event(
        self,
        tip: CaseTip,
        kind: str,
        visibility: Visibility,
        body: str,
        actor: Identity | None,
        now: datetime,
    ) -> str:
        """Add an entry to the tip's timeline; its id."""
        ...

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
    ) -> None: ...

    async def notify(
        self, tip: CaseTip, notice: Notice, params: dict[str, str], now: datetime
    ) -> None:
        """Queue a message to the reporter of a tip this store loaded, in the outbox (nothing
        when they are gone)."""
        ...

    async def confirmed_indicator(self, tip: CaseTip) -> bool:
        """Whether a scam indicator the tip reported was confirmed by the police (issue 20:
        such a tip counts as useful, whatever its outcome)."""
        ...


class ContactOpener(Protocol):
    """Opens sealed contact details (storage/sealing.py's Sealer)."""

    def open(self, sealed: str) -> dict[str, str]: ...
