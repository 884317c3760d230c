"""An in-memory unit of work implementing every port of handlers/ports.py, for tests.

It behaves as storage/uow.py's SqlUnitOfWork does: tests/integration/test_ports_contract.py
runs one contract against both. Flow tests run on it without a database; they read and set
up stored rows through MemoryDatabase (tests/fakes/memory_db.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from content import scamcheck
from content.scamcheck import Found, Known
from handlers.ports import (
    MediaKeeper,
    Neighbourhood,
    Profile,
    Subscription,
    SubscriptionKind,
    TopicProgress,
    UnitOfWork,
    by_name,
)
from storage.sealing import Sealer
from tests.fakes.memory_broadcasts import MemoryBroadcastStore, MemoryChatLinks
from tests.fakes.memory_commune_pages import MemoryCommunePages
from tests.fakes.memory_db import (
    MemoryDatabase,
    StoredIdentity,
    StoredIndicator,
    StoredLink,
    StoredNeighbourhood,
    StoredProgress,
    StoredResident,
    StoredSubscription,
    Tx,
)
from tests.fakes.memory_honour import MemoryHonour
from tests.fakes.memory_media import MemoryMediaKeeper
from tests.fakes.memory_mydata import MemoryMyData
from tests.fakes.memory_scam_checks import MemoryScamChecks
from tests.fakes.memory_tips import MemoryTips


def _profile(row: StoredResident) -> Profile:
    return Profile(
        resident_id=row.id,
        lang=row.lang,
        province_code=row.province_code,
        commune_code=row.commune_code,
        consent_version=row.consent_version,
    )


class MemoryResidents:
    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def for_identity(self, channel: str, account: str, user_id: str) -> Profile:
        identity = self.tx.identities.get((channel, account, user_id))
        if identity is not None:
            found = self.tx.residents.get(identity.resident_id)
            assert found is not None  # the foreign key
            return _profile(found)
        resident = StoredResident(id=str(uuid.uuid4()))
        self.tx.residents.put(resident.id, resident)
        identity = StoredIdentity(channel, account, user_id, resident.id)
        self.tx.identities.put((channel, account, user_id), identity)
        return _profile(resident)

    async def save_profile(self, profile: Profile) -> None:
        self.tx.residents.update(
            profile.resident_id,
            lang=profile.lang,
            province_code=profile.province_code,
            commune_code=profile.commune_code,
        )

    def _in(self, neighbourhood_id: int | None, commune_code: str) -> StoredNeighbourhood | None:
        """The neighbourhood if it is one of this commune's, active or not."""
        found = None if neighbourhood_id is None else self.tx.neighbourhoods.get(neighbourhood_id)
        return found if found is not None and found.commune_code == commune_code else None

    async def neighbourhoods(self, commune_code: str) -> list[Neighbourhood]:
        rows = self.tx.neighbourhoods.where(lambda n: n.commune_code == commune_code and n.active)
        return by_name(Neighbourhood(n.id, n.name) for n in rows)

    async def neighbourhood(self, resident_id: str) -> Neighbourhood | None:
        row = self.tx.residents.get(resident_id)
        hood = None if row is None else self._in(row.neighbourhood_id, row.commune_code)
        return None if hood is None or not hood.active else Neighbourhood(hood.id, hood.name)

    async def set_neighbourhood(self, resident_id: str, neighbourhood_id: int | None) -> bool:
        row = self.tx.residents.get(resident_id)
        if row is None:
            return neighbourhood_id is None  # as a DELETE of no row, or an INSERT refused
        if neighbourhood_id is not None:
            hood = self._in(neighbourhood_id, row.commune_code)
            if hood is None or not hood.active:
                return False
        self.tx.residents.update(resident_id, neighbourhood_id=neighbourhood_id)
        return True

    async def set_reachable(
        self, channel: str, account: str, user_id: str, reachable: bool
    ) -> None:
        self.tx.identities.update((channel, account, user_id), reachable=reachable)

    async def accept_consent(self, resident_id: str, version: str, at: datetime) -> None:
        self.tx.residents.update(resident_id, consent_version=version, consent_at=at)


def _progress(row: StoredProgress) -> TopicProgress:
    return TopicProgress(
        cards_seen=frozenset(row.cards_seen),
        best_score=row.best_score,
        quiz_total=row.quiz_total,
        last_score=row.last_score,
        last_quiz_at=row.last_quiz_at,
    )


class MemoryAwareness:
    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def progress(self, resident_id: str) -> dict[str, TopicProgress]:
        rows = self.tx.progress.where(lambda p: p.resident_id == resident_id)
        return {row.topic_id: _progress(row) for row in rows}

    def _row(self, resident_id: str, topic_id: str) -> StoredProgress:
        found = self.tx.progress.get((resident_id, topic_id))
        return found or StoredProgress(resident_id, topic_id)

    async def mark_seen(self, resident_id: str, topic_id: str, card_id: str, at: datetime) -> None:
        row = self._row(resident_id, topic_id)
        if card_id not in row.cards_seen:
            cards = tuple(sorted({*row.cards_seen, card_id}))
            self.tx.progress.put((resident_id, topic_id), replace(row, cards_seen=cards))

    async def record_quiz(
        self, resident_id: str, topic_id: str, score: int, total: int, at: datetime
    ) -> TopicProgress:
        row = self._row(resident_id, topic_id)
        best_score, quiz_total = row.best_score, row.quiz_total
        if best_score is None or score >= best_score:
            best_score, quiz_total = score, total
        row = replace(
            row, best_score=best_score, quiz_total=quiz_total, last_score=score, last_quiz_at=at
        )
        self.tx.progress.put((resident_id, topic_id), row)
        return _progress(row)

    def _active(self, resident_id: str) -> list[StoredSubscription]:
        return sorted(
            self.tx.subscriptions.where(lambda s: s.resident_id == resident_id and s.until is None),
            key=lambda s: s.id,
        )

    async def subscriptions(self, resident_id: str) -> list[Subscription]:
        return [_subscription(s) for s in self._active(resident_id)]

    async def subscribe(self, resident_id: str, subscription: Subscription, at: datetime) -> bool:
        kind, commune = subscription.kind.value, subscription.commune_code
        row = StoredSubscription(self.tx.db.next_id(), resident_id, kind, commune, at)
        return self.tx.subscriptions.insert(row.id, row)

    async def unsubscribe(self, resident_id: str, subscription: Subscription, at: datetime) -> bool:
        ended = [s for s in self._active(resident_id) if _subscription(s) == subscription]
        for row in ended:
            self.tx.subscriptions.update(row.id, until=at)
        return bool(ended)

    async def unsubscribe_all(self, resident_id: str, at: datetime) -> list[Subscription]:
        ended = self._active(resident_id)
        for row in ended:
            self.tx.subscriptions.update(row.id, until=at)
        return [_subscription(s) for s in ended]


def _subscription(row: StoredSubscription) -> Subscription:
    return Subscription(SubscriptionKind(row.kind), row.commune_code)


def lookup_keys(found: Sequence[Found]) -> set[tuple[str, str]]:
    """The (kind, value) pairs a check asks for: a domain together with its parents."""
    keys: set[tuple[str, str]] = set()
    for item in found:
        if item.kind == "domain":
            keys.update(("domain", d) for d in scamcheck.domain_candidates(item.value))
        else:
            keys.add((item.kind, item.value))
    return keys


class MemoryIndicators:
    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def lookup(self, found: Sequence[Found]) -> list[Known]:
        keys = lookup_keys(found)
        rows = self.tx.indicators.where(lambda i: (i.kind, i.value) in keys)
        return [row.known() for row in sorted(rows, key=lambda i: i.id)]

    async def report_from_tip(self, tip_id: str, found: Sequence[Found], at: datetime) -> int:
        tip = self.tx.tips.get(tip_id)
        resident = None if tip is None else tip.owner_ref  # as storage/indicators.py
        counted = 0
        for item in {(f.kind, f.value): f for f in found}.values():
            indicator = self._upsert(item, at)
            link = StoredLink(indicator.id, tip_id, at)
            if not self.tx.links.insert((indicator.id, tip_id), link):
                continue  # this tip was counted already
            if resident is not None and self._reported_before(indicator.id, tip_id, resident):
                continue
            self.tx.indicators.update(indicator.id, reports=indicator.reports + 1, last_seen=at)
            counted += 1
        return counted

    def _upsert(self, item: Found, at: datetime) -> StoredIndicator:
        """The indicator, created as "reported" when it is new."""
        value = item.value[: scamcheck.MAX_VALUE]
        bank = item.bank if item.kind == "account" else ""
        same = self.tx.indicators.where(lambda i: (i.kind, i.value) == (item.kind, value))
        if not same:
            new_id = self.tx.db.next_id()
            row = StoredIndicator(new_id, item.kind, value, bank, "reported", "tip", 0, at, at)
            self.tx.indicators.put(row.id, row)
            return row
        existing = same[0]
        # An account first reported without its bank gets it now.
        updated = self.tx.indicators.update(existing.id, last_seen=at, bank=existing.bank or bank)
        assert updated is not None
        return updated

    def _reported_before(self, indicator_id: int, tip_id: str, resident_id: str) -> bool:
        for link in self.tx.links.where(lambda k: k.indicator_id == indicator_id):
            other = self.tx.tips.get(link.tip_id)
            if link.tip_id != tip_id and other is not None and other.owner_ref == resident_id:
                return True
        return False


class MemoryOwedReplies:
    async def add(
        self,
        event_key: str,
        channel: str,
        account: str,
        sealed: str,
        *,
        now: datetime,
        lease: timedelta,
    ) -> int:
        raise NotImplementedError("owed replies are kept in the database only")


class MemoryUnitOfWork:
    """Repositories sharing one transaction over a MemoryDatabase, committed once."""

    def __init__(self, db: MemoryDatabase, pin_secret: bytes, sealer: Sealer) -> None:
        self._tx = Tx(db)
        self._pin_secret = pin_secret
        self._sealer = sealer
        self._leaders = MemoryChatLinks(db.broadcasting)
        self._broadcasts = MemoryBroadcastStore(db.broadcasting)

    @property
    def wrote(self) -> bool:
        return False  # the memory core records no owed replies (bot/owed.py is SQL only)

    @property
    def owed(self) -> MemoryOwedReplies:
        return MemoryOwedReplies()

    @property
    def residents(self) -> MemoryResidents:
        return MemoryResidents(self._tx)

    @property
    def tips(self) -> MemoryTips:
        return MemoryTips(self._tx, self._pin_secret, self._sealer)

    @property
    def awareness(self) -> MemoryAwareness:
        return MemoryAwareness(self._tx)

    @property
    def indicators(self) -> MemoryIndicators:
        return MemoryIndicators(self._tx)

    @property
    def mydata(self) -> MemoryMyData:
        return MemoryMyData(self._tx)

    @property
    def leaders(self) -> MemoryChatLinks:
        return self._leaders

    @property
    def broadcasts(self) -> MemoryBroadcastStore:
        return self._broadcasts

    @property
    def honour(self) -> MemoryHonour:
        return MemoryHonour(self._tx, self._sealer)

    @property
    def scam_checks(self) -> MemoryScamChecks:
        return MemoryScamChecks(self._tx)

    @property
    def commune_pages(self) -> MemoryCommunePages:
        return MemoryCommunePages(self._tx.db)

    async def commit(self) -> None:
        self._tx.commit()
        self._leaders.commit()
        self._broadcasts.commit()

    async def rollback(self) -> None:
        self._tx.rollback()
        self._fresh()

    async def close(self) -> None:
        self._tx.rollback()  # as a session closed with its transaction open
        self._fresh()

    def _fresh(self) -> None:
        self._leaders = MemoryChatLinks(self._tx.db.broadcasting)
        self._broadcasts = MemoryBroadcastStore(self._tx.db.broadcasting)


@dataclass
class MemoryUnits:
    """Opens units of work on one MemoryDatabase, as a session maker does on an engine; the
    dispatcher's unit-of-work factory."""

    pin_secret: bytes
    sealer: Sealer
    db: MemoryDatabase = field(default_factory=MemoryDatabase)

    def __call__(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.db, self.pin_secret, self.sealer)


def _satisfies(units: MemoryUnits, keeper: MemoryMediaKeeper) -> None:
    """mypy checks here that the fakes implement the ports."""
    uow: UnitOfWork = units()
    media: MediaKeeper = keeper
    del uow, media
