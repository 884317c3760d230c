"""The in-memory Tips port (see tests/fakes/memory_uow.py): submission once per draft with a
fresh receipt code, the resident's list, PIN checks, the timeline, answers and the rating."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from handlers.deadlines import Deadlines, first_due
from handlers.ports import Rated
from handlers.receipt import hash_pin
from handlers.tipmodel import PinCheck, TimelineEntry, TipDraft, TipView, Visibility, track_of
from handlers.tips.words import TipStatus
from storage.owners import Owners
from storage.sealing import Sealer
from tests.fakes.memory_db import StoredAttachment, StoredEvent, StoredTip, Tx

CODE_ATTEMPTS = 8  # as storage/tips.py


def _view(tip: StoredTip) -> TipView:
    return TipView(
        id=tip.id,
        code=tip.code,
        category=tip.category,
        status=TipStatus(tip.status),
        urgent=tip.urgent,
        created_at=tip.created_at,
        ack_due=tip.ack_due,
        decision_due=tip.decision_due,
        track=tip.track,
        forward_due=tip.forward_due,
    )


class MemoryTips:
    def __init__(self, tx: Tx, pin_secret: bytes, sealer: Sealer) -> None:
        self.tx = tx
        self.pin_secret = pin_secret
        self.sealer = sealer
        self.owners = Owners.of(sealer)

    def _mine(self, tip: StoredTip, resident_id: str) -> bool:
        return tip.owner_ref is not None and tip.owner_ref in self.owners.refs(resident_id)

    def _by(self, **values: object) -> StoredTip | None:
        found = self.tx.tips.where(lambda t: all(getattr(t, k) == v for k, v in values.items()))
        return found[0] if found else None

    async def find_submission(self, submission_key: str) -> TipView | None:
        tip = self._by(submission_key=submission_key)
        return None if tip is None else _view(tip)

    async def submit(
        self,
        *,
        submission_key: str,
        resident_id: str,
        draft: TipDraft,
        pin: str,
        deadlines: Deadlines,
        now: datetime,
        new_code: Callable[[], str],
    ) -> tuple[TipView, bool]:
        for _ in range(CODE_ATTEMPTS):
            tip = self._row(submission_key, resident_id, draft, new_code(), pin, deadlines, now)
            if not self.tx.tips.insert(tip.id, tip):
                existing = self._by(submission_key=submission_key)
                if existing is not None:
                    return _view(existing), False
                continue  # the code was taken: draw another
            for a in draft.attachments:
                row = StoredAttachment(
                    self.tx.db.next_id(),
                    tip.id,
                    a.kind,
                    a.ref,
                    a.mime,
                    a.size,
                    a.sha256,
                    a.received_at,
                )
                self.tx.attachments.put(row.id, row)
            self._event(tip.id, now, "created", Visibility.REPORTER)
            if draft.urgent:
                self._event(tip.id, now, "urgent", Visibility.INTERNAL)
            return _view(tip), True
        raise RuntimeError("no free receipt code after several draws")

    def _row(
        self,
        submission_key: str,
        resident_id: str,
        draft: TipDraft,
        code: str,
        pin: str,
        deadlines: Deadlines,
        now: datetime,
    ) -> StoredTip:
        contact = {"name": draft.contact_name, "phone": draft.contact_phone}
        return StoredTip(
            id=str(uuid.uuid4()),
            code=code,
            submission_key=submission_key,
            pin_hash=hash_pin(self.pin_secret, code, pin),
            resident_id=None,  # issue 18: the owner only behind the key, as storage/tips.py
            owner_ref=self.owners.ref(resident_id),
            reporter_sealed=self.owners.seal(resident_id),
            category=draft.category,
            description=draft.description,
            incident_when=draft.incident_when,
            incident_date=draft.incident_date,
            province_code=draft.province_code,
            commune_code=draft.commune_code,
            address=draft.address,
            lat=draft.lat,
            lon=draft.lon,
            anonymous=draft.anonymous,
            contact_sealed="" if draft.anonymous else self.sealer.seal(contact),
            urgent=draft.urgent,
            status=TipStatus.NEW.value,
            details=dict(draft.details),
            created_at=now,
            received_on=deadlines.received_on,
            ack_due=deadlines.ack_due,
            decision_due=deadlines.decision_due,
            extensions=deadlines.extensions,
            next_due=first_due(deadlines),
            updated_at=now,
            track=track_of(draft),
            forward_due=deadlines.forward_due,
            protection=draft.protection,
        )

    def _event(
        self, tip_id: str, at: datetime, kind: str, visibility: Visibility, body: str = ""
    ) -> None:
        if self.tx.tips.get(tip_id) is None:
            raise KeyError(f"no tip {tip_id}")  # the foreign key
        event = StoredEvent(self.tx.db.next_id(), tip_id, at, kind, visibility.value, body)
        self.tx.events.put(event.id, event)

    async def add_event(
        self, tip_id: str, at: datetime, kind: str, visibility: Visibility, body: str = ""
    ) -> None:
        self._event(tip_id, at, kind, visibility, body)

    async def count_since(self, resident_id: str, since: datetime) -> int:
        return len(
            self.tx.tips.where(lambda t: self._mine(t, resident_id) and t.created_at >= since)
        )

    async def of_resident(self, resident_id: str, limit: int = 10) -> list[TipView]:
        mine = self.tx.tips.where(lambda t: self._mine(t, resident_id))
        mine.sort(key=lambda t: t.created_at, reverse=True)
        return [_view(t) for t in mine[:limit]]

    async def view(self, tip_id: str, resident_id: str | None = None) -> TipView | None:
        tip = self.tx.tips.get(tip_id)
        if tip is None or (resident_id is not None and not self._mine(tip, resident_id)):
            return None
        return _view(tip)

    async def pin_check(self, code: str) -> PinCheck | None:
        tip = self._by(code=code)
        if tip is None:
            return None
        return PinCheck(tip.id, tip.code, tip.pin_hash, tip.pin_failures, tip.pin_locked_until)

    async def set_pin_failures(
        self, tip_id: str, failures: int, locked_until: datetime | None
    ) -> None:
        self.tx.tips.update(tip_id, pin_failures=failures, pin_locked_until=locked_until)

    async def reporter_timeline(self, tip_id: str) -> list[TimelineEntry]:
        shown = self.tx.events.where(
            lambda e: e.tip_id == tip_id and e.visibility == Visibility.REPORTER.value
        )
        shown.sort(key=lambda e: (e.at, e.id))
        return [TimelineEntry(e.at, e.kind, e.body) for e in shown]

    async def view_by_code(self, code: str, resident_id: str) -> TipView | None:
        tip = self._by(code=code)
        return None if tip is None or not self._mine(tip, resident_id) else _view(tip)

    async def detach_owner(self, resident_id: str) -> int:
        mine = self.tx.tips.where(lambda t: self._mine(t, resident_id))
        for tip in mine:
            self.tx.tips.update(tip.id, owner_ref=None, reporter_sealed="")
        return len(mine)

    async def add_reporter_answer(self, tip_id: str, body: str, now: datetime) -> None:
        self._event(tip_id, now, "reporter_answer", Visibility.REPORTER, body)
        self.tx.tips.update(tip_id, reporter_replied_at=now, updated_at=now)

    async def rate(self, tip_id: str, stars: int, now: datetime) -> Rated:
        tip = self.tx.tips.get(tip_id)
        if tip is None:
            return Rated(False, None)
        if tip.status != TipStatus.CLOSED.value or tip.rating is not None:
            return Rated(False, tip.rating)
        self.tx.tips.update(tip_id, rating=stars, updated_at=now)
        self._event(tip_id, now, "rating", Visibility.REPORTER, str(stars))
        return Rated(True, stars)
