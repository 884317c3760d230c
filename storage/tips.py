"""Tips: submission (idempotent per draft), the resident's list, PIN checks, the timeline."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from content.text import fold
from handlers.deadlines import NO_DUE, Deadlines, first_due
from handlers.ports import Rated
from handlers.receipt import hash_pin
from handlers.tipmodel import PinCheck, TimelineEntry, TipDraft, TipView, Visibility, track_of
from handlers.tips.words import TipStatus
from storage import officer_notifications
from storage.db import insert_ignoring_conflicts, utc
from storage.models import Tip, TipAttachment, TipEvent, TipTerm
from storage.owners import Owners
from storage.sealing import Sealer
from storage.search_terms import code_term, content_terms, spoken_digits, term_rows

CODE_ATTEMPTS = 8


TIPS = cast(Table, Tip.__table__)
ATTACHMENTS = cast(Table, TipAttachment.__table__)
EVENTS = cast(Table, TipEvent.__table__)
TERMS = cast(Table, TipTerm.__table__)


_VIEW_COLUMNS = [
    TIPS.c[name]
    for name in (
        "id",
        "code",
        "category",
        "status",
        "urgent",
        "created_at",
        "ack_due",
        "decision_due",
        "track",
        "forward_due",
    )
]


_INSERT_TIP: dict[str, Any] = {}


def _view_of(row: dict[str, Any]) -> TipView:
    return TipView(
        id=row["id"],
        code=row["code"],
        category=row["category"],
        status=TipStatus(row["status"]),
        urgent=row["urgent"],
        created_at=utc(row["created_at"]),
        ack_due=row["ack_due"],
        decision_due=None if row["decision_due"] >= NO_DUE else row["decision_due"],
        track=row["track"],
        forward_due=row["forward_due"],
    )


def _view(tip: Tip) -> TipView:
    return TipView(
        id=tip.id,
        code=tip.code,
        category=tip.category,
        status=TipStatus(tip.status),
        urgent=tip.urgent,
        created_at=utc(tip.created_at),
        ack_due=tip.ack_due,
        decision_due=None if tip.decision_due >= NO_DUE else tip.decision_due,
        track=tip.track,
        forward_due=tip.forward_due,
    )


def search_text(code: str, draft: TipDraft, terms: set[tuple[str, str]] | None = None) -> str:
    """What the panel's search looks in, folded so that "cho tot" finds "Chợ Tốt", with the
    national digits of the tip's numbers (its `terms`) joined, so that "185601" finds "0983
    185 601" (storage/search_terms.py)."""
    parts = [code, draft.description, draft.address, *draft.details.values()]
    text = fold(" ".join(p for p in parts if p))
    digits = spoken_digits(terms or set(), text)
    return f"{text} {digits}" if digits else text


class SqlTips:
    def __init__(self, session: AsyncSession, pin_secret: bytes, sealer: Sealer) -> None:
        self.session = session
        self.pin_secret = pin_secret
        self.sealer = sealer
        self.owners = Owners.of(sealer)

    def _insert_tip(self) -> Any:
        """One INSERT … ON CONFLICT DO NOTHING RETURNING id per dialect, built once: the
        row goes in as parameters, so SQLAlchemy compiles it once, not per tip."""
        dialect = self.session.get_bind().dialect.name
        statement = _INSERT_TIP.get(dialect)
        if statement is None:
            statement = insert_ignoring_conflicts(self.session, TIPS).returning(TIPS.c.id)
            _INSERT_TIP[dialect] = statement
        return statement

    async def find_submission(self, submission_key: str) -> TipView | None:
        query = select(*_VIEW_COLUMNS).where(TIPS.c.submission_key == submission_key)
        row = (await self.session.execute(query)).mappings().first()
        return None if row is None else _view_of(dict(row))

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
        """Store the tip once per draft: (the tip, whether this call created it).

        The caller looks for the submission first; a concurrent delivery of the same
        confirmation still meets the unique submission key here and gets the stored tip.
        """
        terms = content_terms(draft.description, draft.address, draft.details)
        for _ in range(CODE_ATTEMPTS):
            code = new_code()
            row = self._row(submission_key, resident_id, draft, code, pin, deadlines, now)
            row["search_text"] = search_text(code, draft, terms)  # with the numbers' digits
            # Core inserts, not the ORM's flush: this is the hot path of every confirmation.
            # A taken code or submission key inserts nothing instead of failing the transaction.
            inserted = (await self.session.execute(self._insert_tip(), row)).first()
            if inserted is None:
                existing = await self.find_submission(submission_key)
                if existing is not None:  # a concurrent delivery of the same confirmation
                    return existing, False
                continue  # the code was taken: draw another
            if draft.attachments:
                await self.session.execute(
                    ATTACHMENTS.insert(), self._attachments(row["id"], draft)
                )
            await self.session.execute(EVENTS.insert(), self._created_events(row["id"], draft, now))
            await self._add_terms(row["id"], row["code"], terms)
            if draft.urgent:  # issue 15: the commune's linked officers are told at once
                await officer_notifications.urgent_tip(self.session, row["id"], now)
            if draft.protection:  # issue 17: and its chiefs, of a reporter asking protection
                await officer_notifications.protection_asked(self.session, row["id"], now)
            return _view_of(row), True
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
    ) -> dict[str, Any]:
        contact = {"name": draft.contact_name, "phone": draft.contact_phone}
        return dict(
            id=str(uuid.uuid4()),
            code=code,
            submission_key=submission_key,
            pin_hash=hash_pin(self.pin_secret, code, pin),
            pin_failures=0,
            resident_id=None,  # issue 18: the owner only through the key (storage/owners.py)
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
            decision_due=deadlines.decision_due or NO_DUE,
            extensions=deadlines.extensions,
            next_due=first_due(deadlines),
            track=track_of(draft),
            forward_due=deadlines.forward_due,
            protection=draft.protection,
            search_text=search_text(code, draft),
            updated_at=now,
        )

    async def _add_terms(self, tip_id: str, code: str, terms: set[tuple[str, str]]) -> None:
        """The numbers, accounts, domains, links and code the panel's search looks up (issue
        20). A tip's text is never changed after this, so its terms are written once."""
        rows = term_rows(tip_id, {*terms, code_term(code)})
        await self.session.execute(TERMS.insert(), rows)

    @staticmethod
    def _attachments(tip_id: str, draft: TipDraft) -> list[dict[str, Any]]:
        return [
            {
                "tip_id": tip_id,
                "kind": a.kind,
                "ref": a.ref,
                "mime": a.mime,
                "size": a.size,
                "sha256": a.sha256,
                "received_at": a.received_at,
                "received_sha256": a.received_sha256,
                "received_size": a.received_size,
                "metadata_summary": a.metadata_summary,
                "metadata_removed": a.metadata_removed,
            }
            for a in draft.attachments
        ]

    @staticmethod
    def _created_events(tip_id: str, draft: TipDraft, now: datetime) -> list[dict[str, Any]]:
        def event(kind: str, visibility: Visibility) -> dict[str, Any]:
            return {
                "tip_id": tip_id,
                "at": now,
                "kind": kind,
                "visibility": visibility.value,
                "body": "",
                "actor": "",
            }

        events = [event("created", Visibility.REPORTER)]
        if draft.urgent:
            events.append(event("urgent", Visibility.INTERNAL))
        return events

    async def add_event(
        self, tip_id: str, at: datetime, kind: str, visibility: Visibility, body: str = ""
    ) -> None:
        self.session.add(
            TipEvent(tip_id=tip_id, at=at, kind=kind, visibility=visibility.value, body=body)
        )
        await self.session.flush()

    async def count_since(self, resident_id: str, since: datetime) -> int:
        query = select(func.count()).where(
            TIPS.c.owner_ref.in_(self.owners.refs(resident_id)), TIPS.c.created_at >= since
        )
        return int((await self.session.execute(query)).scalar_one())

    async def of_resident(self, resident_id: str, limit: int = 10) -> list[TipView]:
        query = (
            select(Tip)
            .where(Tip.owner_ref.in_(self.owners.refs(resident_id)))
            .order_by(Tip.created_at.desc())
            .limit(limit)
        )
        return [_view(t) for t in (await self.session.execute(query)).scalars()]

    async def view(self, tip_id: str, resident_id: str | None = None) -> TipView | None:
        """A tip by id; with `resident_id`, only if that resident sent it."""
        tip = await self.session.get(Tip, tip_id)
        if tip is None:
            return None
        if resident_id is not None and tip.owner_ref not in self.owners.refs(resident_id):
            return None
        return _view(tip)

    async def pin_check(self, code: str) -> PinCheck | None:
        query = select(Tip.id, Tip.code, Tip.pin_hash, Tip.pin_failures, Tip.pin_locked_until)
        row = (await self.session.execute(query.where(Tip.code == code))).one_or_none()
        if row is None:
            return None
        locked = None if row.pin_locked_until is None else utc(row.pin_locked_until)
        return PinCheck(row.id, row.code, row.pin_hash, row.pin_failures, locked)

    async def set_pin_failures(
        self, tip_id: str, failures: int, locked_until: datetime | None
    ) -> None:
        await self.session.execute(
            update(Tip)
            .where(Tip.id == tip_id)
            .values(pin_failures=failures, pin_locked_until=locked_until)
        )

    async def reporter_timeline(self, tip_id: str) -> list[TimelineEntry]:
        query = (
            select(TipEvent)
            .where(TipEvent.tip_id == tip_id, TipEvent.visibility == Visibility.REPORTER.value)
            .order_by(TipEvent.at, TipEvent.id)
        )
        return [
            TimelineEntry(utc(e.at), e.kind, e.body)  # SQLite hands back naive times
            for e in (await self.session.execute(query)).scalars()
        ]

    # -- the reporter's side of the dialogue (answers to questions, the rating) --

    async def view_by_code(self, code: str, resident_id: str) -> TipView | None:
        query = select(*_VIEW_COLUMNS).where(
            TIPS.c.code == code, TIPS.c.owner_ref.in_(self.owners.refs(resident_id))
        )
        row = (await self.session.execute(query)).mappings().first()
        return None if row is None else _view_of(dict(row))

    async def detach_owner(self, resident_id: str) -> int:
        """Untie the resident's tips from them (their account is being erased): the tips stay
        as police records, followed from now on only with their code and PIN."""
        result = await self.session.execute(
            update(Tip)
            .where(Tip.owner_ref.in_(self.owners.refs(resident_id)))
            .values(owner_ref=None, reporter_sealed="", resident_id=None)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def add_reporter_answer(self, tip_id: str, body: str, now: datetime) -> None:
        await self.session.execute(
            EVENTS.insert().values(
                tip_id=tip_id,
                at=now,
                kind="reporter_answer",
                visibility=Visibility.REPORTER.value,
                body=body,
                actor="",
            )
        )
        await self.session.execute(
            update(Tip).where(Tip.id == tip_id).values(reporter_replied_at=now, updated_at=now)
        )
        # Issue 15: the officer who asked is told at once (that an answer came, not what).
        await officer_notifications.reporter_answered(self.session, tip_id, now)

    async def rate(self, tip_id: str, stars: int, now: datetime) -> Rated:
        """One UPDATE that stores the rating only if there is none yet, so two taps at once
        still record one rating and one timeline entry."""
        stored = await self.session.execute(
            update(Tip)
            .where(
                Tip.id == tip_id,
                Tip.status == TipStatus.CLOSED.value,
                Tip.rating.is_(None),
            )
            .values(rating=stars, updated_at=now)
        )
        if cast(CursorResult[Any], stored).rowcount == 1:
            await self.add_event(tip_id, now, "rating", Visibility.REPORTER, str(stars))
            return Rated(True, stars)
        current = await self.session.scalar(select(Tip.rating).where(Tip.id == tip_id))
        return Rated(False, current)
