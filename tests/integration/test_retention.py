"""Retention (storage/retention.py) on SQLite and PostgreSQL: what goes after its period and
what stays, a dry run that only counts, the blob files, the outbox, a run stopped between
batches and finished by the next, the audit row of each run, and the daily job claimed once.
Each runs on both file stores: the local folder and object storage (tests/blob_stores.py).
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import retention_schedule
from handlers.state import ConversationState
from storage import migrate, retention
from storage.blobs import Blobs, BlobStore
from storage.db import make_engine, make_sessions, utc
from storage.models import (
    AuditLog,
    Broadcast,
    OutboxMessage,
    Resident,
    ScheduledSend,
    Tip,
    TipAttachment,
    TipEvent,
)
from storage.retention import Periods
from storage.state_memory import memory_conversations
from tests.blob_stores import STORES, age, blob_name, exists_raw, held_name, make_store, write_raw
from tests.conftest import in_thread
from tests.integration.test_outbox import clean

NOW = datetime(2026, 12, 10, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam
PERIODS = Periods(closed_tip_days=1825, chat_days=30)
LONG_AGO = NOW - timedelta(days=1825 + 30)  # closed past the period
LAST_YEAR = NOW - timedelta(days=365)
OLD = NOW - timedelta(days=45)  # an outbox row past the chat period
RECENT = NOW - timedelta(days=2)


@dataclass
class Db:
    sessions: async_sessionmaker[AsyncSession]
    store: Blobs
    resident: str
    first_audit: int


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Blobs:
    return make_store(str(request.param), request, tmp_path)


@pytest.fixture(params=["sqlite", "postgres"])
async def db(request: pytest.FixtureRequest, store: Blobs) -> AsyncIterator[Db]:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    engine = make_engine(url)
    sessions = make_sessions(engine)
    if request.param == "postgres":
        await clean(sessions)
        async with sessions() as session:
            await session.execute(delete(Broadcast))
            await session.execute(delete(ScheduledSend))
            await session.commit()
    resident = str(uuid.uuid4())
    async with sessions() as session:
        session.add(Resident(id=resident, lang="vi", province_code="01", commune_code="00004"))
        first = (await session.execute(select(func.coalesce(func.max(AuditLog.id), 0)))).scalar()
        await session.commit()
    yield Db(sessions, store, resident, int(first or 0))
    if request.param == "postgres":
        await clean(sessions)
        async with sessions() as session:
            await session.execute(delete(Broadcast))
            await session.commit()
    await engine.dispose()


def aged(path: Path, when: datetime) -> None:
    os.utime(path, (when.timestamp(), when.timestamp()))


def file_of(db: Db, data: bytes, put_at: datetime = LONG_AGO) -> str:
    sha = db.store.put(data)
    age(db.store, blob_name(sha), put_at)
    return sha


async def add_tip(
    db: Db,
    *,
    closed_at: datetime | None,
    created_at: datetime = LONG_AGO - timedelta(days=60),
    files: tuple[str, ...] = (),
    anonymous: bool = False,
) -> str:
    tip_id = str(uuid.uuid4())
    code = "BY-" + uuid.uuid4().hex[:8].upper()
    received = created_at.date()
    async with db.sessions() as session:
        await session.execute(
            insert(Tip).values(
                id=tip_id,
                code=code,
                submission_key=uuid.uuid4().hex,
                pin_hash="-",
                category="theft_robbery",
                description="Bị trộm xe máy trước cửa nhà số 12",
                incident_when="unknown",
                province_code="01",
                commune_code="00004",
                address="Số 12 ngõ 5 phố Đội Cấn",
                lat=21.0345,
                lon=105.8142,
                anonymous=anonymous,
                contact_sealed="" if anonymous else "sealed-contact",
                owner_ref="f" * 64,
                reporter_sealed="sealed-reporter",
                status="closed" if closed_at else "new",
                details={},
                created_at=created_at,
                received_on=received,
                ack_due=received + timedelta(days=3),
                decision_due=received + timedelta(days=20),
                closed_at=closed_at,
            )
        )
        await session.execute(
            insert(TipEvent).values(
                tip_id=tip_id, at=created_at, kind="note", visibility="internal", body="x"
            )
        )
        for sha in files:
            await session.execute(
                insert(TipAttachment).values(
                    tip_id=tip_id,
                    kind="photo",
                    ref=f"blob:{sha}",
                    mime="image/jpeg",
                    size=3,
                    sha256=sha,
                    received_at=created_at,
                )
            )
        await session.commit()
    return tip_id


async def tip(db: Db, tip_id: str) -> Any:
    async with db.sessions() as session:
        return (await session.execute(select(Tip).where(Tip.id == tip_id))).scalar_one()


async def events(db: Db, tip_id: str, kind: str | None = None) -> list[TipEvent]:
    query = select(TipEvent).where(TipEvent.tip_id == tip_id).order_by(TipEvent.id)
    if kind is not None:
        query = query.where(TipEvent.kind == kind)
    async with db.sessions() as session:
        return list((await session.execute(query)).scalars())


async def attachments(db: Db, tip_id: str) -> int:
    async with db.sessions() as session:
        query = select(func.count()).where(TipAttachment.tip_id == tip_id)
        return int((await session.execute(query)).scalar_one())


async def audits(db: Db) -> list[AuditLog]:
    async with db.sessions() as session:
        query = (
            select(AuditLog)
            .where(AuditLog.id > db.first_audit, AuditLog.action == "retention.run")
            .order_by(AuditLog.id)
        )
        return list((await session.execute(query)).scalars())


async def run(db: Db, **kwargs: Any) -> retention.Removed:
    return await retention.run(db.sessions, PERIODS, NOW, blobs=db.store, **kwargs)


# -- closed tips -----------------------------------------------------------------------------------


async def test_a_closed_tip_past_the_period_loses_contact_links_and_files(db: Db) -> None:
    mine, shared = file_of(db, b"photo one"), file_of(db, b"photo shared")
    old = await add_tip(db, closed_at=LONG_AGO, files=(mine, shared))
    recent = await add_tip(db, closed_at=LAST_YEAR, files=(shared,))
    still_open = await add_tip(db, closed_at=None)

    removed = await run(db)

    purged = await tip(db, old)
    assert (purged.contact_sealed, purged.reporter_sealed) == ("", "")
    assert purged.owner_ref is None and purged.resident_id is None
    assert utc(purged.personal_data_purged_at) == NOW
    # The police record stays: what happened and where (the incident's place).
    assert purged.description.startswith("Bị trộm xe máy")
    assert (purged.address, purged.lat, purged.lon) == (
        "Số 12 ngõ 5 phố Đội Cấn",
        21.0345,
        105.8142,
    )
    assert purged.status == "closed" and purged.code
    assert await attachments(db, old) == 0
    timeline = await events(db, old)
    assert [e.kind for e in timeline] == ["note", retention.PURGED]  # the trail kept
    assert timeline[-1].visibility == "internal" and timeline[-1].actor == retention.ACTOR
    # Its own file went; the one another tip still holds stayed.
    assert not db.store.has(mine) and db.store.has(shared)

    for kept in (recent, still_open):
        row = await tip(db, kept)
        assert row.contact_sealed == "sealed-contact" and row.owner_ref == "f" * 64
        assert row.personal_data_purged_at is None
        assert await events(db, kept, retention.PURGED) == []
    assert await attachments(db, recent) == 1

    assert (removed.contacts, removed.attachments, removed.files) == (1, 2, 1)
    [row] = await audits(db)
    assert row.actor_username == "retention" and row.actor_id is None
    assert row.detail == "contacts=1;files=2;blobs=1"  # what happened only
    assert row.reason == ""


async def test_a_second_run_finds_nothing_and_adds_no_event(db: Db) -> None:
    old = await add_tip(db, closed_at=LONG_AGO, files=(file_of(db, b"a"),))
    await run(db)
    again = await run(db, actor=retention.CLI_ACTOR)
    assert (again.contacts, again.attachments, again.files, again.inbox) == (0, 0, 0, 0)
    assert len(await events(db, old, retention.PURGED)) == 1
    _, second = await audits(db)  # every run is audited, even one with nothing to do
    assert second.actor_username == "cli"
    assert second.detail == ""  # nothing happened: nothing to say


async def test_a_dry_run_counts_what_would_go_and_changes_nothing(db: Db) -> None:
    sha = file_of(db, b"photo")
    old = await add_tip(db, closed_at=LONG_AGO, files=(sha, file_of(db, b"other")))
    orphan = file_of(db, b"left by a draft")
    await add_outbox(db, status="sent", created_at=OLD)

    counted = await run(db, dry_run=True)

    assert (counted.contacts, counted.attachments, counted.files, counted.inbox) == (1, 2, 3, 1)
    row = await tip(db, old)
    assert row.contact_sealed == "sealed-contact" and row.personal_data_purged_at is None
    assert await attachments(db, old) == 2
    assert db.store.has(sha) and db.store.has(orphan)
    assert await outbox_rows(db) == 1
    assert await audits(db) == []  # a dry run removes nothing, and is not audited

    done = await run(db)
    assert (done.contacts, done.attachments, done.files, done.inbox) == (1, 2, 3, 1)


async def test_batches_walk_every_tip_due(db: Db) -> None:
    due = [await add_tip(db, closed_at=LONG_AGO - timedelta(minutes=n)) for n in range(7)]
    removed = await run(db, batch_size=3)
    assert removed.contacts == 7 and removed.batches >= 3
    for tip_id in due:
        assert (await tip(db, tip_id)).personal_data_purged_at is not None
        assert len(await events(db, tip_id, retention.PURGED)) == 1


# -- the outbox ------------------------------------------------------------------------------------


async def add_outbox(
    db: Db,
    *,
    status: str,
    created_at: datetime,
    channel: str = "",
    broadcast: str | None = None,
) -> int:
    async with db.sessions() as session:
        resident = db.resident
        if broadcast is not None:  # one copy per resident and broadcast
            resident = str(uuid.uuid4())
            session.add(Resident(id=resident, lang="vi"))
            await session.flush()
        row = OutboxMessage(
            resident_id=resident,
            tip_id=None,
            kind="tip.acknowledged" if broadcast is None else "broadcast",
            payload={"code": "BY-7K3F-Q9", "params": {}},
            status=status,
            attempts=0,
            created_at=created_at.astimezone(UTC),
            due_at=created_at.astimezone(UTC),
            channel=channel,
            last_error="",
            broadcast_id=broadcast,
            priority=0 if broadcast is None else 1,
        )
        session.add(row)
        await session.commit()
        return int(row.id)


async def add_broadcast(db: Db, photo_ref: str = "") -> str:
    broadcast_id = str(uuid.uuid4())
    async with db.sessions() as session:
        session.add(
            Broadcast(
                id=broadcast_id,
                kind="alert",
                text="Cảnh báo lừa đảo",
                photo_ref=photo_ref,
                status="sending",
                sender_role="officer",
                province_code="01",
                communes=["00004"],
                neighbourhoods=[],
                created_at=LONG_AGO,
            )
        )
        await session.commit()
    return broadcast_id


async def outbox_rows(db: Db) -> int:
    async with db.sessions() as session:
        return int((await session.execute(select(func.count(OutboxMessage.id)))).scalar_one())


async def outbox_row(db: Db, row_id: int) -> OutboxMessage | None:
    async with db.sessions() as session:
        return await session.get(OutboxMessage, row_id)


async def test_old_settled_messages_and_the_web_inbox_go(db: Db) -> None:
    broadcast = await add_broadcast(db)
    gone = [
        await add_outbox(db, status="sent", created_at=OLD, channel="telegram"),
        await add_outbox(db, status="failed", created_at=OLD),
        await add_outbox(db, status="unreachable", created_at=OLD),
        await add_outbox(db, status="pending", created_at=OLD, channel="web"),  # never fetched
    ]
    kept = [
        await add_outbox(db, status="pending", created_at=OLD),  # still owed: retried
        await add_outbox(db, status="sent", created_at=OLD, broadcast=broadcast),  # counts
    ]
    expired = await add_outbox(
        db, status="pending", created_at=OLD, channel="web", broadcast=broadcast
    )
    kept.append(await add_outbox(db, status="sent", created_at=RECENT, channel="web"))

    removed = await run(db, batch_size=2)

    assert (removed.inbox, removed.expired) == (4, 1)
    for row_id in gone:
        assert await outbox_row(db, row_id) is None
    for row_id in kept:
        assert await outbox_row(db, row_id) is not None
    copy = await outbox_row(db, expired)
    assert copy is not None and (copy.status, copy.last_error) == ("failed", retention.EXPIRED)
    [row] = await audits(db)
    assert row.detail == "inbox=5"


async def test_the_outbox_walk_crosses_long_runs_of_kept_rows(
    db: Db, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retention, "OUTBOX_SPAN", 3)
    broadcast = await add_broadcast(db)
    for _ in range(7):  # kept: a broadcast's copies
        await add_outbox(db, status="sent", created_at=OLD, broadcast=broadcast)
    last = await add_outbox(db, status="sent", created_at=OLD)
    young = await add_outbox(db, status="sent", created_at=RECENT)
    removed = await run(db, batch_size=2)
    assert removed.inbox == 1
    assert await outbox_row(db, last) is None and await outbox_row(db, young) is not None


# -- blob files ------------------------------------------------------------------------------------


async def test_the_sweep_deletes_old_files_nothing_refers_to(db: Db) -> None:
    # The machine's clock throughout: BlobStore.put renews a file's time with it.
    now = datetime.now(UTC)
    long_ago = now - timedelta(days=2000)
    photo = file_of(db, b"a broadcast's photo", put_at=long_ago)
    await add_broadcast(db, photo_ref=f"blob:{photo}")
    orphan = file_of(db, b"an abandoned draft's photo", put_at=long_ago)
    young = file_of(db, b"a draft's photo", put_at=now - timedelta(days=3))
    sent_again = file_of(db, b"sent years ago, and again today", put_at=long_ago)
    db.store.put(b"sent years ago, and again today")  # renews its time
    stale, fresh, stranger = f"{photo[:2]}/tmpabc123", f"{photo[:2]}/tmpdef456", "README"
    write_raw(db.store, stale, b"half a photo")
    age(db.store, stale, now - timedelta(days=2))
    write_raw(db.store, fresh, b"a photo being written")
    write_raw(db.store, stranger, b"not ours")
    age(db.store, stranger, long_ago)

    removed = await retention.run(db.sessions, PERIODS, now, blobs=db.store)

    assert db.store.has(photo)  # a broadcast's photo is never an orphan
    assert not db.store.has(orphan) and not exists_raw(db.store, stale)
    assert db.store.has(young) and db.store.has(sent_again)
    assert exists_raw(db.store, fresh) and exists_raw(db.store, stranger)
    assert removed.files == 2


async def test_a_file_put_while_it_is_being_deleted_stays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = BlobStore(tmp_path / "media")
    sha = store.put(b"photo")
    path = store.path(sha)
    aged(path, LONG_AGO)
    limit = (NOW - timedelta(days=30)).timestamp()
    original = os.rename

    def put_first(src: Any, dst: Any) -> None:  # a put renews it just after the check
        os.utime(src)
        original(src, dst)

    monkeypatch.setattr(os, "rename", put_first)
    assert retention._delete(str(path), limit) is False
    monkeypatch.undo()
    assert store.has(sha) and not list(path.parent.glob("tmp*"))
    assert retention._delete(str(path), datetime.now(UTC).timestamp() + 60) is True
    assert not store.has(sha) and not list(path.parent.glob("tmp*"))


def test_an_object_put_after_it_was_listed_stays(s3_endpoint: str, s3_bucket: str) -> None:
    """Object storage has no rename: the delete reads the object's time again just before,
    and leaves it when a put renewed it since the listing."""
    from tests.blob_stores import s3_store

    store = s3_store(s3_endpoint, s3_bucket, prefix="binhyen/")
    sha = store.put(b"photo")
    age(store, blob_name(sha), LONG_AGO)
    [listed] = store.listing(sha[:2])
    limit = (NOW - timedelta(days=30)).timestamp()
    assert listed.modified is not None and listed.modified < limit
    store.put(b"photo")  # sent again between the listing and the delete
    assert store.delete_if_older(sha[:2], sha, limit) is False and store.has(sha)
    assert store.delete_if_older(sha[:2], sha, datetime.now(UTC).timestamp() + 60) is True
    assert not store.has(sha)
    with pytest.raises(FileNotFoundError):  # deleted meanwhile by another run: not an error
        store.delete_if_older(sha[:2], sha, limit)


# -- stopped half-way ------------------------------------------------------------------------------


class Stop(Exception):
    pass


async def test_a_run_stopped_between_batches_is_finished_by_the_next(db: Db) -> None:
    shas = [file_of(db, f"photo {n}".encode()) for n in range(12)]
    tips = [
        await add_tip(db, closed_at=LONG_AGO - timedelta(hours=n), files=(shas[n],))
        for n in range(12)
    ]
    batches = 0

    async def fail_after_two() -> None:
        nonlocal batches
        batches += 1
        if batches == 2:
            raise Stop

    with pytest.raises(Stop):
        await run(db, batch_size=5, after_batch=fail_after_two)

    # Whole batches only: a tip is either untouched or purged with its files' rows and
    # its event, never in between.
    states = []
    for tip_id in tips:
        row = await tip(db, tip_id)
        purged = row.personal_data_purged_at is not None
        states.append(purged)
        assert (row.contact_sealed == "") is purged
        assert (row.owner_ref is None) is purged
        assert (await attachments(db, tip_id) == 0) is purged
        assert len(await events(db, tip_id, retention.PURGED)) == int(purged)
    assert sum(states) == 10
    assert all(db.store.has(s) for s in shas)  # their rows went; the files wait for a sweep
    [stopped] = await audits(db)
    assert stopped.reason == "stopped: Stop"
    assert stopped.detail == "contacts=10;files=10"

    finished = await run(db, batch_size=5)

    assert finished.contacts == 2 and finished.files == 12
    for tip_id in tips:
        assert (await tip(db, tip_id)).personal_data_purged_at is not None
        assert len(await events(db, tip_id, retention.PURGED)) == 1
        assert await attachments(db, tip_id) == 0
    assert not any(db.store.has(s) for s in shas)
    assert [a.reason for a in await audits(db)] == ["stopped: Stop", ""]


# -- the daily job ---------------------------------------------------------------------------------


async def test_the_daily_job_runs_once_a_day_from_two_oclock(db: Db) -> None:
    old = await add_tip(db, closed_at=LONG_AGO)
    first = retention_schedule.DailyRetention(PERIODS, db.store)
    other = retention_schedule.DailyRetention(PERIODS, db.store)  # another process
    night = datetime(2026, 12, 9, 18, 30, tzinfo=UTC)  # 01:30 on the 10th in Vietnam

    assert await first(db.sessions, night) == 0
    assert (await tip(db, old)).personal_data_purged_at is None

    later = night + timedelta(hours=1)  # 02:30
    assert await first(db.sessions, later) == 1
    assert first.task is not None
    done = await first.task
    assert done is not None and done.contacts == 1
    assert await other(db.sessions, later + timedelta(hours=5)) == 0  # claimed today
    assert await first(db.sessions, later + timedelta(hours=5)) == 0
    assert await other(db.sessions, later + timedelta(days=1)) == 1  # the next day
    assert other.task is not None and (await other.task) is not None
    [ran, next_day] = await audits(db)
    assert ran.actor_username == next_day.actor_username == "retention"


async def test_the_daily_job_sweeps_the_in_process_state() -> None:
    conversations = memory_conversations(state_ttl=1)
    sweep = retention_schedule.state_sweeper(conversations)
    assert sweep is not None
    async with conversations.turn("web:acc:1", "e1") as turn:
        turn.keep(ConversationState(flow="check", data={"text": "0912345678 gọi tôi"}))
    assert sweep() == 0
    time.sleep(1.05)
    assert sweep() == 1
    assert await conversations.states.load("web:acc:1") is None


def test_no_sweep_for_redis() -> None:
    assert retention_schedule.state_sweeper(None) is None


def test_periods_are_whole_positive_days() -> None:
    with pytest.raises(ValueError):
        Periods(closed_tip_days=0)
    assert Periods().tips_closed_before(NOW) == NOW - timedelta(days=1825)
    assert Periods().chat_before(NOW).tzinfo == UTC


async def test_the_retention_index_answers_the_batch_query(db: Db) -> None:
    async with db.sessions() as session:
        if session.get_bind().dialect.name != "sqlite":
            pytest.skip("the SQLite plan")
        query = select(Tip.id).where(*retention._purgeable(NOW)).order_by(Tip.closed_at).limit(500)
        sql = str(query.compile(compile_kwargs={"literal_binds": True}))
        plan = (await session.execute(text("EXPLAIN QUERY PLAN " + sql))).all()
    assert any("ix_tips_retention" in str(row) for row in plan), plan


def test_dates_used_here_are_consistent() -> None:
    assert LONG_AGO.date() < date(2021, 12, 10)


async def test_the_schema_lets_a_named_tip_lose_its_contact_only_when_purged(db: Db) -> None:
    named = await add_tip(db, closed_at=None)
    with pytest.raises(IntegrityError):  # ck_tips_contact_when_named, as before
        async with db.sessions() as session:
            await session.execute(update(Tip).where(Tip.id == named).values(contact_sealed=""))
            await session.commit()
    old = await add_tip(db, closed_at=LONG_AGO)
    await run(db)
    assert (await tip(db, old)).contact_sealed == ""


def test_a_downgrade_refuses_while_purged_named_tips_exist(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'down.db'}"
    in_thread(migrate.upgrade, url)

    async def purge_one() -> None:
        engine = make_engine(url)
        sessions = make_sessions(engine)
        resident = str(uuid.uuid4())
        async with sessions() as session:
            session.add(Resident(id=resident))
            await session.commit()
        db = Db(sessions, BlobStore(tmp_path / "media"), resident, 0)
        await add_tip(db, closed_at=LONG_AGO)
        await run(db)
        await engine.dispose()

    in_thread(lambda: asyncio.run(purge_one()))
    with pytest.raises(RuntimeError, match="cannot go back"):
        in_thread(migrate.downgrade, url, "2026_12_05_0015")


async def test_a_drafts_held_files_go_a_day_after_they_came(db: Db) -> None:
    """A file of an unsent tip is held as it came (GPS and all, storage/blobs.py): the daily
    run removes it a day after it came, as the notice promises of unsent tips."""
    now = datetime.now(UTC)
    old_ref = db.store.receive(b"a photo of a draft never sent")
    new_ref = db.store.receive(b"a photo of a draft being written")
    age(db.store, held_name(old_ref), now - timedelta(hours=25))
    removed = await retention.run(db.sessions, PERIODS, now, blobs=db.store)
    assert not exists_raw(db.store, held_name(old_ref))
    assert exists_raw(db.store, held_name(new_ref))
    assert removed.files >= 1
