"""The rows of the in-memory unit of work (tests/fakes/memory_uow.py), and the database that
keeps them: committed rows per table, and per unit of work the rows it wrote, which other
units see only once it commits (as a database's read-committed isolation would).

Rows are frozen, so nothing a reader holds can change what is stored. Unique keys are
checked when a row is written and again at commit, where the first unit to commit wins.
Ids come from sequences that, as in a database, do not go back on a rollback.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from content.scamcheck import Known
from handlers.commune_page import PublicPage
from tests.fakes.memory_broadcasts import MemoryBroadcasting

K = TypeVar("K", bound=Hashable)
R = TypeVar("R")
Unique = Callable[[Any], Hashable | None]  # a row's value under a unique index; None: not indexed


class UniqueViolation(Exception):
    """Two rows with the same value under a unique index (the database's IntegrityError)."""


@dataclass(frozen=True)
class StoredResident:
    id: str
    lang: str = ""
    province_code: str = ""
    commune_code: str = ""
    consent_version: str = ""
    consent_at: datetime | None = None
    # The SQL schema keeps this in a table of its own (resident_neighbourhoods).
    neighbourhood_id: int | None = None


@dataclass(frozen=True)
class StoredNeighbourhood:
    """Written by the police in the panel; residents only read the list."""

    id: int
    commune_code: str
    name: str
    active: bool = True


@dataclass(frozen=True)
class StoredIdentity:
    channel: str
    account: str
    platform_user_id: str
    resident_id: str
    reachable: bool = True


@dataclass(frozen=True)
class StoredTip:
    """The columns of storage.models.Tip that the resident's side writes or reads."""

    id: str
    code: str
    submission_key: str
    pin_hash: str
    resident_id: str | None
    owner_ref: str | None
    reporter_sealed: str
    category: str
    description: str
    incident_when: str
    incident_date: date | None
    province_code: str
    commune_code: str
    address: str
    lat: float | None
    lon: float | None
    anonymous: bool
    contact_sealed: str
    urgent: bool
    status: str
    details: dict[str, str]
    created_at: datetime
    received_on: date
    ack_due: date
    decision_due: date | None
    extensions: int
    next_due: date | None
    updated_at: datetime | None
    track: str = "crime"
    forward_due: date | None = None
    protection: str = ""
    pin_failures: int = 0
    pin_locked_until: datetime | None = None
    resolution: str = ""
    rating: int | None = None
    reporter_replied_at: datetime | None = None
    thanked_at: datetime | None = None  # issue 20: the chief thanked the reporter


@dataclass(frozen=True)
class StoredHonour:
    """A reporter's choice to be named in the 19/8 honour list (honour_entries), sealed."""

    tip_id: str
    commune_code: str
    name_sealed: str
    opted_in_at: datetime


TIP_COLUMNS = tuple(f.name for f in fields(StoredTip))


@dataclass(frozen=True)
class StoredAttachment:
    id: int
    tip_id: str
    kind: str
    ref: str
    mime: str
    size: int
    sha256: str
    received_at: datetime


@dataclass(frozen=True)
class StoredEvent:
    id: int
    tip_id: str
    at: datetime
    kind: str
    visibility: str
    body: str = ""
    actor: str = ""


@dataclass(frozen=True)
class StoredProgress:
    resident_id: str
    topic_id: str
    cards_seen: tuple[str, ...] = ()
    best_score: int | None = None
    quiz_total: int = 0
    last_score: int | None = None
    last_quiz_at: datetime | None = None


@dataclass(frozen=True)
class StoredSubscription:
    id: int
    resident_id: str
    kind: str
    commune_code: str
    since: datetime
    until: datetime | None = None


@dataclass(frozen=True)
class StoredIndicator:
    id: int
    kind: str
    value: str
    bank: str
    status: str
    source: str
    reports: int
    first_seen: datetime
    last_seen: datetime
    decided_at: datetime | None = None
    decided_by: str = ""

    def known(self) -> Known:
        return Known(
            self.id, self.kind, self.value, self.bank, self.status, self.source, self.reports
        )


@dataclass(frozen=True)
class StoredAudit:
    """An audit row the resident's side writes (storage/admin_users/audit_log.py)."""

    id: int
    created_at: datetime
    action: str
    actor_id: int | None = None
    actor_username: str = ""
    subject: str = ""
    detail: str = ""


@dataclass(frozen=True)
class StoredLink:
    indicator_id: int
    tip_id: str
    created_at: datetime


class Table(Generic[K, R]):
    """Committed rows by primary key."""

    def __init__(self, *uniques: Unique) -> None:
        self.rows: dict[K, R] = {}
        self.uniques = uniques


class Rows(Generic[K, R]):
    """A table as one unit of work sees it: the committed rows, then its own writes (and
    deletes, which it sees at once and others once it commits)."""

    def __init__(self, table: Table[K, R]) -> None:
        self.table = table
        self.written: dict[K, R] = {}
        self.deleted: set[K] = set()

    def get(self, key: K) -> R | None:
        if key in self.deleted:
            return None
        return self.written.get(key, self.table.rows.get(key))

    def all(self) -> Iterator[R]:
        rows = {**self.table.rows, **self.written}
        return iter([row for key, row in rows.items() if key not in self.deleted])

    def delete(self, key: K) -> bool:
        """DELETE by primary key: whether there was a row."""
        if self.get(key) is None:
            return False
        self.written.pop(key, None)
        self.deleted.add(key)
        return True

    def where(self, test: Callable[[R], bool]) -> list[R]:
        return [row for row in self.all() if test(row)]

    def put(self, key: K, row: R) -> None:
        self._check(key, row, self._visible())
        self.deleted.discard(key)
        self.written[key] = row

    def _visible(self) -> dict[K, R]:
        rows = {**self.table.rows, **self.written}
        return {key: row for key, row in rows.items() if key not in self.deleted}

    def insert(self, key: K, row: R) -> bool:
        """INSERT … ON CONFLICT DO NOTHING: False when the key or a unique value is taken."""
        if self.get(key) is not None:
            return False
        try:
            self.put(key, row)
        except UniqueViolation:
            return False
        return True

    def update(self, key: K, **values: Any) -> R | None:
        """UPDATE by primary key: the new row, or None when there is none (nothing changes)."""
        row = self.get(key)
        if row is None:
            return None
        changed: R = replace(row, **values)  # type: ignore[type-var]
        self.put(key, changed)
        return changed

    def check(self) -> None:
        """At commit: another unit may have committed the same unique value meanwhile."""
        committed = {k: r for k, r in self.table.rows.items() if k not in self.deleted}
        for key, row in self.written.items():
            self._check(key, row, committed)

    def apply(self) -> None:
        for key in self.deleted:
            self.table.rows.pop(key, None)
        self.table.rows.update(self.written)
        self.written.clear()
        self.deleted.clear()

    def discard(self) -> None:
        self.written.clear()
        self.deleted.clear()

    def _check(self, key: K, row: R, rows: dict[K, R]) -> None:
        for unique in self.table.uniques:
            value = unique(row)
            if value is None:
                continue
            for other_key, other in rows.items():
                if other_key != key and unique(other) == value:
                    raise UniqueViolation(f"{value!r} is taken")


def _active_subscription(row: StoredSubscription) -> Hashable | None:
    return None if row.until is not None else (row.resident_id, row.kind, row.commune_code)


class MemoryDatabase:
    """What a database would hold for the ports: one per test, shared by its units of work."""

    def __init__(self) -> None:
        self.residents: Table[str, StoredResident] = Table()
        self.identities: Table[tuple[str, str, str], StoredIdentity] = Table()
        self.tips: Table[str, StoredTip] = Table(lambda t: t.code, lambda t: t.submission_key)
        self.attachments: Table[int, StoredAttachment] = Table()
        self.events: Table[int, StoredEvent] = Table()
        self.progress: Table[tuple[str, str], StoredProgress] = Table()
        self.subscriptions: Table[int, StoredSubscription] = Table(_active_subscription)
        self.indicators: Table[int, StoredIndicator] = Table(lambda i: (i.kind, i.value))
        self.links: Table[tuple[int, str], StoredLink] = Table()
        self.neighbourhoods: Table[int, StoredNeighbourhood] = Table(
            lambda n: (n.commune_code, n.name)
        )
        self.audit: Table[int, StoredAudit] = Table()
        self.honour: Table[str, StoredHonour] = Table()
        # scam_check_counts: checks by (commune_code, day, outcome), added to at commit.
        self.scam_checks: Counter[tuple[str, date, str]] = Counter()
        # The communes' own pages (issue 21), written by the panel: residents only read them.
        self.commune_pages: dict[str, PublicPage] = {}
        self._ids = itertools.count(1)
        # Broadcasts and leaders' chats keep their own fake (tests/fakes/memory_broadcasts.py).
        self.broadcasting = MemoryBroadcasting()

    def next_id(self) -> int:
        return next(self._ids)

    # -- what tests read and set up directly (committed rows; the panel's side of things) --

    def count(self, table: str) -> int:
        """Rows of a table, by its name in the SQL schema."""
        return len(self._tables()[table].rows)

    def all_tips(self) -> list[StoredTip]:
        return list(self.tips.rows.values())

    def tip(self, code: str) -> StoredTip:
        [found] = [t for t in self.tips.rows.values() if t.code == code]
        return found

    def tip_events(self, tip_id: str, kind: str | None = None) -> list[StoredEvent]:
        return [
            e
            for e in sorted(self.events.rows.values(), key=lambda e: e.id)
            if e.tip_id == tip_id and kind in (None, e.kind)
        ]

    def tip_attachments(self, tip_id: str) -> list[StoredAttachment]:
        return [a for a in self.attachments.rows.values() if a.tip_id == tip_id]

    def change_tip(self, tip_id: str, **values: Any) -> None:
        self.tips.rows[tip_id] = replace(self.tips.rows[tip_id], **values)

    def add_event(self, tip_id: str, at: datetime, kind: str, visibility: str, **more: str) -> None:
        event_id = self.next_id()
        self.events.rows[event_id] = StoredEvent(event_id, tip_id, at, kind, visibility, **more)

    def indicator(self, kind: str, value: str) -> Known | None:
        found = [i for i in self.indicators.rows.values() if (i.kind, i.value) == (kind, value)]
        return found[0].known() if found else None

    def add_indicator(
        self, kind: str, value: str, at: datetime, *, status: str, source: str, bank: str = ""
    ) -> Known:
        row = StoredIndicator(self.next_id(), kind, value, bank, status, source, 0, at, at)
        self.indicators.rows[row.id] = row
        return row.known()

    def indicator_links(self) -> list[StoredLink]:
        return list(self.links.rows.values())

    def add_neighbourhood(self, commune_code: str, name: str, *, active: bool = True) -> int:
        row = StoredNeighbourhood(self.next_id(), commune_code, name, active)
        self.neighbourhoods.rows[row.id] = row
        return row.id

    def retire_neighbourhood(self, neighbourhood_id: int) -> None:
        """As the panel does (storage/neighbourhoods.py): inactive, and nobody lives there."""
        self.neighbourhoods.rows[neighbourhood_id] = replace(
            self.neighbourhoods.rows[neighbourhood_id], active=False
        )
        for row in list(self.residents.rows.values()):
            if row.neighbourhood_id == neighbourhood_id:
                self.residents.rows[row.id] = replace(row, neighbourhood_id=None)

    def neighbourhood_of(self, resident_id: str) -> int | None:
        """The neighbourhood stored for the resident: whom a neighbourhood's notices reach."""
        return self.residents.rows[resident_id].neighbourhood_id

    def reachable(self, channel: str, account: str, user_id: str) -> bool | None:
        found = self.identities.rows.get((channel, account, user_id))
        return None if found is None else found.reachable

    def _tables(self) -> dict[str, Table[Any, Any]]:
        return {
            "residents": self.residents,
            "channel_identities": self.identities,
            "tips": self.tips,
            "tip_attachments": self.attachments,
            "tip_events": self.events,
            "awareness_progress": self.progress,
            "subscriptions": self.subscriptions,
            "indicators": self.indicators,
            "indicator_tips": self.links,
            "neighbourhoods": self.neighbourhoods,
            "audit_log": self.audit,
            "honour_entries": self.honour,
        }


class Tx:
    """One unit of work's view of every table."""

    def __init__(self, db: MemoryDatabase) -> None:
        self.db = db
        self.residents = Rows(db.residents)
        self.identities = Rows(db.identities)
        self.tips = Rows(db.tips)
        self.attachments = Rows(db.attachments)
        self.events = Rows(db.events)
        self.progress = Rows(db.progress)
        self.subscriptions = Rows(db.subscriptions)
        self.indicators = Rows(db.indicators)
        self.links = Rows(db.links)
        self.neighbourhoods = Rows(db.neighbourhoods)
        self.audit = Rows(db.audit)
        self.honour = Rows(db.honour)
        # Counts are added, not rows replaced: two units counting at once both count, as the
        # SQL upsert's checks = checks + 1 does.
        self.tallies: Counter[tuple[str, date, str]] = Counter()
        self._all: tuple[Rows[Any, Any], ...] = (
            self.residents,
            self.identities,
            self.tips,
            self.attachments,
            self.events,
            self.progress,
            self.subscriptions,
            self.indicators,
            self.links,
            self.neighbourhoods,
            self.audit,
            self.honour,
        )

    def commit(self) -> None:
        for rows in self._all:
            rows.check()  # all or nothing
        for rows in self._all:
            rows.apply()
        self.db.scam_checks.update(self.tallies)
        self.tallies.clear()

    def rollback(self) -> None:
        for rows in self._all:
            rows.discard()
        self.tallies.clear()
