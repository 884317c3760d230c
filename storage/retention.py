"""Retention (issue 18): what the service keeps only for a period, removed in short batches.

A run (daily from the worker, bot/retention_schedule.py; `binhyen retention run`) does, in
this order:

1. **Closed tips** closed more than BINHYEN_RETENTION_CLOSED_TIP_DAYS ago lose what ties them
   to their reporter: the sealed contact details (`contact_sealed`), the sealed and keyed
   links to the chat account (`reporter_sealed`, `owner_ref`, the old `resident_id`) and the
   attachment rows; `personal_data_purged_at` says when, and an internal "purged" event joins
   the timeline. The tip itself stays, as the police record it is: what happened, the
   category, the place of the incident (address, lat/lon: where it happened, not who told),
   the decision; its timeline and the audit log are append-only and are never touched.
   A reporter no longer finds it under "my tips"; its code and PIN still open it.
2. **Outbox messages** created more than BINHYEN_RETENTION_CHAT_DAYS ago and settled (sent,
   failed, unreachable, opted out, cancelled), or still waiting for the web chat to fetch
   them (its inbox), or for their resident to come back (status waiting: blocked, or out of
   Zalo OA's window, all that time), are deleted: each names a resident beside a kind of
   message, and a tip's notice its code. A broadcast's copies are kept, since the
   broadcast's counts in the panel are read from them and they name no tip; a copy the web
   chat never fetched is recorded failed ("expired") instead of being shown months late.
3. **Blob files** (storage/blobs.py; the local folder or object storage, storage/blobs_s3.py)
   that no attachment row and no broadcast refers to any more, and that nobody sent again
   within the chat period (a store's put renews a file's time: a photo in a draft the
   conversation state still holds is that young), are deleted, and so are temporary files a
   crash left behind. Files go only after the rows that named them were committed, and are
   found again by this sweep on every run: a run killed between the two, or a file that
   could not be deleted, is finished by the next run.
4. **Conversation state** past the chat period: Redis keys expire by themselves (their TTL,
   storage/state_redis.py); the in-process store of the embedded default is swept here
   when the run is in its process (`states`). A scam check's text lives nowhere else:
   nothing of a check is stored but in the conversation state (the indicators a tip
   reports are stored, as extracted values, storage/indicators.py).

Every batch is its own short transaction (at most `batch_size` rows, found through an index:
`ix_tips_retention` for tips, the primary key for the outbox), and it is whole: a tip's
contact, links, attachments and its "purged" event go together or not at all. A run killed
at any moment leaves batches done or not done, never half, and the next run does the rest.
Each run that changes anything is written to the audit log (RETENTION_RUN) with what it
removed, even when it stops on an error; a dry run counts, changes nothing and writes
nothing.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    and_,
    collate,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.audit import AuditAction, compact
from handlers.tipmodel import Visibility
from handlers.tips.words import TipStatus
from storage import honour
from storage.admin_users.audit_log import record
from storage.blobs import RECEIVED_TTL_SECONDS, Blobs, delete_aside
from storage.db import utc
from storage.models import Broadcast, OutboxMessage, Tip, TipAttachment, TipEvent
from storage.outbox import WEB, OutboxStatus

log = logging.getLogger("binhyen.retention")

TIPS = cast(Table, Tip.__table__)
ATTACHMENTS = cast(Table, TipAttachment.__table__)
EVENTS = cast(Table, TipEvent.__table__)
OUTBOX = cast(Table, OutboxMessage.__table__)
BROADCASTS = cast(Table, Broadcast.__table__)

# Rows per batch transaction. On PostgreSQL with 1,000,000 tips (bench/bench_retention.py), a
# batch of 100 tips held its rows 23 ms (p99 35, at most 77); 200: 42 ms, 3 batches in 1,295
# past 100 ms; 500: 81 ms, most past it. Each tip rewritten touches every index of the table.
BATCH_SIZE = 100
# Outbox ids one statement looks at, at most: old broadcast copies are kept, and the walk
# over them stays a sequence of short range reads of the primary key.
OUTBOX_SPAN = 20_000
# Outbox ids grow with created_at, give or take a transaction's length: the walk stops at the
# first row this much younger than the cut-off.
CREATED_SLACK = timedelta(days=1)
TEMP_GRACE = timedelta(days=1)  # a temporary file a put left behind (storage/blobs.py)

# Every GIN index of tips (the queue's trigram search), its pending list merged.
GIN_CLEAN = (
    "SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index i"
    " JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam"
    " WHERE i.indrelid = 'tips'::regclass AND a.amname = 'gin'"
)

PURGED = "purged"  # the tip event's kind
ACTOR = "retention"  # the tip events' actor; the audit's actor for the worker's runs
CLI_ACTOR = "cli"  # the audit's actor for `binhyen retention run`
EXPIRED = "expired"  # last_error of a broadcast's copy the web chat never fetched
SETTLED = tuple(
    s.value for s in OutboxStatus if s not in (OutboxStatus.PENDING, OutboxStatus.WAITING)
)
BLOB_NAME = re.compile(r"[0-9a-f]{64}")

AfterBatch = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Periods:
    """BINHYEN_RETENTION_CLOSED_TIP_DAYS and BINHYEN_RETENTION_CHAT_DAYS."""

    closed_tip_days: int = 1825
    chat_days: int = 30

    def __post_init__(self) -> None:
        if self.closed_tip_days < 1 or self.chat_days < 1:
            raise ValueError("retention periods are whole days, at least 1")

    def tips_closed_before(self, now: datetime) -> datetime:
        # UTC: SQLite compares timestamps as text, so every bound shares the rows' zone.
        return (now - timedelta(days=self.closed_tip_days)).astimezone(UTC)

    def chat_before(self, now: datetime) -> datetime:
        return (now - timedelta(days=self.chat_days)).astimezone(UTC)


@dataclass
class Removed:
    """What a run removed (or, in a dry run, would remove)."""

    contacts: int = 0  # closed tips whose contact details and chat links went
    attachments: int = 0  # their attachment rows
    files: int = 0  # blob files deleted: those tips' and any other no row names any more
    inbox: int = 0  # outbox messages deleted (every channel's; the web chat's inbox too)
    expired: int = 0  # broadcasts' copies the web chat never fetched, recorded failed
    states: int = 0  # in-process conversation states past their time
    undeleted_files: int = 0  # files that could not be deleted (tried again next run)
    # The file store holds files but the database no tip nor broadcast: files left alone.
    files_refused: bool = False
    batches: int = 0
    # Seconds: the longest batch transaction of each part ("tips", "outbox"), and how long
    # each part of the run took ("tips", "outbox", "files").
    longest: dict[str, float] = field(default_factory=dict)
    took: dict[str, float] = field(default_factory=dict)

    @property
    def longest_batch(self) -> float:
        return max(self.longest.values(), default=0.0)

    def detail(self) -> str:
        """The audit row's detail (handlers/audit.py FACT_WORDS puts it in words)."""
        facts = {
            "contacts": self.contacts,
            "files": self.attachments,
            "inbox": self.inbox + self.expired,
            "blobs": self.files,
            "states": self.states,
        }
        # What did happen only: the detail column is short (64), and a day's run is mostly 0.
        return compact(**{k: v for k, v in facts.items() if v})

    def _batch(self, part: str, seconds: float) -> None:
        self.batches += 1
        self.longest[part] = max(self.longest.get(part, 0.0), seconds)


async def run(
    sessions: async_sessionmaker[AsyncSession],
    periods: Periods,
    now: datetime,
    *,
    blobs: Blobs | None = None,
    actor: str = ACTOR,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    states: Callable[[], int] | None = None,
    after_batch: AfterBatch | None = None,
) -> Removed:
    """One retention run at `now`; see the module's docstring. `blobs`: the blob store whose
    unreferenced files go (None: files are left alone); `states`: sweeps the in-process
    conversation state, returning how many went; `after_batch` runs after each committed
    batch (the tests stop a run there)."""
    batch_size = max(1, batch_size)
    removed = Removed()
    if dry_run:
        await _count(sessions, periods, now, blobs, removed)
        return removed
    failure: BaseException | None = None
    try:
        with _timed(removed, "tips"):
            await _purge_tips(sessions, periods, now, removed, batch_size, after_batch)
        with _timed(removed, "outbox"):
            before = periods.chat_before(now)
            await _clear_outbox(sessions, before, removed, batch_size, after_batch)
        if blobs is not None and await _files_may_go(sessions, blobs, removed):
            with _timed(removed, "files"):
                await _durable(sessions)  # no file goes while the rows naming it may come back
                await _sweep(sessions, blobs, periods, now, removed, dry_run=False)
                # A draft's files held as they came (storage/blobs.py), for unsent tips: a day.
                removed.files += await asyncio.to_thread(
                    blobs.sweep_received, RECEIVED_TTL_SECONDS, now.timestamp()
                )
        if states is not None:
            removed.states = states()
    except BaseException as exc:
        failure = exc
        raise
    finally:
        await _audit(sessions, removed, actor, failure)
    return removed


@contextmanager
def _timed(removed: Removed, part: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        removed.took[part] = time.perf_counter() - started


# -- 1. closed tips ------------------------------------------------------------------------------


def _purgeable(closed_before: datetime) -> list[ColumnElement[bool]]:
    # The first two are ix_tips_retention's own condition: PostgreSQL reads that index.
    return [
        TIPS.c.closed_at.is_not(None),
        TIPS.c.personal_data_purged_at.is_(None),
        TIPS.c.closed_at < closed_before,
        TIPS.c.status == TipStatus.CLOSED.value,
    ]


async def _purge_tips(
    sessions: async_sessionmaker[AsyncSession],
    periods: Periods,
    now: datetime,
    removed: Removed,
    batch_size: int,
    after_batch: AfterBatch | None,
) -> None:
    closed_before = periods.tips_closed_before(now)
    # Each batch reads the index from its start, on purpose: PostgreSQL marks the entries of
    # the rows the batch before purged as dead when it passes them, and skips them from then
    # on. A batch that began where the last one stopped would leave them to the next run,
    # whose first batch would then walk every tip purged the day before (1.7 s after the first
    # run over 1,000,000 tips, bench/bench_retention.py).
    while True:
        async with sessions() as session:
            await _begin_batch(session)
            started = time.perf_counter()
            query = (
                select(TIPS.c.id, TIPS.c.closed_at)
                .where(*_purgeable(closed_before))
                .order_by(TIPS.c.closed_at)
                .limit(batch_size)
                # An officer writing a note on a closed tip holds its row: leave it to the
                # next run rather than wait (PostgreSQL; SQLite has one writer anyway).
                .with_for_update(skip_locked=True)
            )
            rows = (await session.execute(query)).all()
            if not rows:
                return
            tips, attachments = await _purge(session, [r[0] for r in rows], now)
            await session.commit()
        removed._batch("tips", time.perf_counter() - started)
        removed.contacts += tips
        removed.attachments += attachments
        await _settle_gin(sessions)
        if after_batch is not None:
            await after_batch()
        if len(rows) < batch_size:
            return


async def _begin_batch(session: AsyncSession) -> None:
    """PostgreSQL: the batch's commit does not wait for its WAL to reach the disk, so its rows
    are let go at once rather than after a flush (which took up to 300 ms on the benchmark's
    disk). A crash may then undo the last batches: whole, as any rollback, and done again by
    the next run. `_durable` makes them durable before any file is deleted."""
    await session.connection()  # the pool's wait is not the transaction's
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SET LOCAL synchronous_commit = off"))


async def _durable(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Wait until every batch committed so far is on disk (PostgreSQL): the commit of a
    transaction that has an id, with synchronous_commit on, flushes the WAL up to itself."""
    async with sessions() as session:
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(text("SELECT txid_current()"))
            await session.commit()


async def _settle_gin(sessions: async_sessionmaker[AsyncSession]) -> None:
    """PostgreSQL: move what the batch added to the pending list of the tips' GIN index
    (the queue's trigram search, migration 0007) into the index now, outside any batch. Left
    to itself, the list is merged by the insert that finds it full (4 MB): some batch
    would then hold its rows for a few hundred milliseconds. Other writers do not wait for
    it."""
    async with sessions() as session:
        if session.get_bind().dialect.name != "postgresql":
            return
        try:
            await session.execute(text(GIN_CLEAN))
            await session.commit()
        except DBAPIError as exc:  # not the index's owner: the inserts merge it, as before
            log.warning("retention: GIN pending list not cleaned: %s", type(exc).__name__)
            await session.rollback()


async def _purge(session: AsyncSession, ids: list[str], now: datetime) -> tuple[int, int]:
    """Remove the personal data of these closed tips, in the caller's transaction: how many
    tips and attachment rows. A tip another run purged meanwhile is left as it is."""
    now = now.astimezone(UTC)
    done = await session.execute(
        update(TIPS)
        .where(TIPS.c.id.in_(ids), TIPS.c.personal_data_purged_at.is_(None))
        .values(
            contact_sealed="",
            reporter_sealed="",
            owner_ref=None,
            resident_id=None,
            personal_data_purged_at=now,
        )
        .returning(TIPS.c.id)
    )
    purged = [str(i) for i in done.scalars()]
    if not purged:
        return 0, 0
    gone = await session.execute(delete(ATTACHMENTS).where(ATTACHMENTS.c.tip_id.in_(purged)))
    await honour.forget_tips(session, purged)  # issue 20: a name given for the tip goes too
    event = select(
        TIPS.c.id,
        literal(now, EVENTS.c.at.type),
        literal(PURGED),
        literal(Visibility.INTERNAL.value),
        literal(""),
        literal(ACTOR),
    ).where(TIPS.c.id.in_(purged))
    columns = ["tip_id", "at", "kind", "visibility", "body", "actor"]
    await session.execute(insert(EVENTS).from_select(columns, event))
    return len(purged), int(getattr(gone, "rowcount", 0) or 0)


# -- 2. the outbox -------------------------------------------------------------------------------


def _outbox_due(before: datetime) -> ColumnElement[bool]:
    """Old enough and done with: settled (a broadcast's copies aside), or waiting for the
    web chat, or for a resident who has not come back in all that time (never a copy: those
    end unreachable), as a web chat message nobody fetched."""
    waiting_for_web = and_(OUTBOX.c.status == OutboxStatus.PENDING.value, OUTBOX.c.channel == WEB)
    ended = (*SETTLED, OutboxStatus.WAITING.value)
    settled = and_(OUTBOX.c.broadcast_id.is_(None), OUTBOX.c.status.in_(ended))
    return and_(OUTBOX.c.created_at < before, or_(settled, waiting_for_web))


async def _clear_outbox(
    sessions: async_sessionmaker[AsyncSession],
    before: datetime,
    removed: Removed,
    batch_size: int,
    after_batch: AfterBatch | None,
) -> None:
    async with sessions() as session:
        top = (await session.execute(select(func.max(OUTBOX.c.id)))).scalar()
    if top is None:
        return
    last = 0
    while last < top:
        async with sessions() as session:
            first = (
                await session.execute(
                    select(OUTBOX.c.created_at)
                    .where(OUTBOX.c.id > last)
                    .order_by(OUTBOX.c.id)
                    .limit(1)
                )
            ).scalar()
        if first is None or utc(first) >= before + CREATED_SLACK:
            return  # the rest is younger
        upper = min(last + OUTBOX_SPAN, int(top))
        async with sessions() as session:
            await _begin_batch(session)
            started = time.perf_counter()
            rows = (
                await session.execute(
                    select(OUTBOX.c.id, OUTBOX.c.broadcast_id)
                    .where(OUTBOX.c.id > last, OUTBOX.c.id <= upper, _outbox_due(before))
                    .order_by(OUTBOX.c.id)
                    .limit(batch_size)
                )
            ).all()
            if rows:
                await _clear(session, rows, before, removed)
                await session.commit()
        if rows:
            removed._batch("outbox", time.perf_counter() - started)
            if after_batch is not None:
                await after_batch()
        last = int(rows[-1][0]) if len(rows) == batch_size else upper


async def _clear(
    session: AsyncSession, rows: Sequence[Any], before: datetime, removed: Removed
) -> None:
    messages = [int(i) for i, broadcast in rows if broadcast is None]
    copies = [int(i) for i, broadcast in rows if broadcast is not None]
    if messages:
        gone = await session.execute(
            delete(OUTBOX).where(OUTBOX.c.id.in_(messages), _outbox_due(before))
        )
        removed.inbox += int(getattr(gone, "rowcount", 0) or 0)
    if copies:
        expired = await session.execute(
            update(OUTBOX)
            .where(
                OUTBOX.c.id.in_(copies),
                OUTBOX.c.status == OutboxStatus.PENDING.value,
                OUTBOX.c.channel == WEB,
            )
            .values(status=OutboxStatus.FAILED.value, last_error=EXPIRED)
        )
        removed.expired += int(getattr(expired, "rowcount", 0) or 0)


# -- 3. blob files -------------------------------------------------------------------------------


def _referenced(dialect: str, closed_before: datetime | None) -> Select[Any]:
    """Every blob a row refers to, sorted: attachments (what is stored, and what was received
    when metadata was removed) and broadcasts' photos. With `closed_before`, the attachments
    of tips a run would purge count as gone (a dry run's view)."""
    kept: list[ColumnElement[bool]] = []
    if closed_before is not None:  # NOT EXISTS: an anti-join, whatever the number of tips
        purged = select(TIPS.c.id).where(TIPS.c.id == ATTACHMENTS.c.tip_id)
        kept.append(~exists(purged.where(*_purgeable(closed_before))))
    parts = union_all(
        select(ATTACHMENTS.c.sha256.label("ref")).where(*kept),
        select(ATTACHMENTS.c.received_sha256).where(ATTACHMENTS.c.received_sha256 != "", *kept),
        select(func.substr(ATTACHMENTS.c.ref, 6)).where(ATTACHMENTS.c.ref.like("blob:%"), *kept),
        select(func.substr(BROADCASTS.c.photo_ref, 6)).where(BROADCASTS.c.photo_ref.like("blob:%")),
    ).subquery()
    ref = parts.c.ref
    # Bytewise order, as Python compares the file names.
    return select(ref).order_by(collate(ref, "C") if dialect == "postgresql" else ref)


async def _sweep(
    sessions: async_sessionmaker[AsyncSession],
    blobs: Blobs,
    periods: Periods,
    now: datetime,
    removed: Removed,
    *,
    dry_run: bool,
) -> None:
    prefixes = await asyncio.to_thread(blobs.prefixes)
    if not prefixes:
        return
    old = periods.chat_before(now).timestamp()  # younger: a conversation may still hold it
    temp = (now - TEMP_GRACE).timestamp()
    async with sessions() as session:
        dialect = session.get_bind().dialect.name
        closed_before = periods.tips_closed_before(now) if dry_run else None
        result = await session.stream(_referenced(dialect, closed_before))
        refs = result.scalars()
        upcoming: str | None = await anext(refs, None)
        for prefix in prefixes:
            held: set[str] = set()
            while upcoming is not None and upcoming[:2] <= prefix:
                if upcoming[:2] == prefix:
                    held.add(upcoming)
                upcoming = await anext(refs, None)
            deleted, failed = await asyncio.to_thread(
                _sweep_dir, blobs, prefix, held, old, temp, dry_run
            )
            removed.files += deleted
            removed.undeleted_files += failed
        await result.close()


def _sweep_dir(
    blobs: Blobs, prefix: str, held: set[str], old: float, temp: float, dry_run: bool
) -> tuple[int, int]:
    """Delete (or count) the files of one prefix folder that no row names and that are old
    enough, and stale temporary files: how many, and how many could not be deleted."""
    deleted = failed = 0
    try:
        entries = blobs.listing(prefix)
    except OSError as exc:
        log.warning("retention: cannot list a blob folder: %s", type(exc).__name__)
        return 0, 1
    for entry in entries:
        name = entry.name
        if BLOB_NAME.fullmatch(name) and name.startswith(prefix):
            if name in held:
                continue
            limit = old
        elif name.startswith("tmp"):  # tempfile.mkstemp's (BlobStore.put), or moved aside
            limit = temp
        else:
            continue
        try:
            if entry.modified is None:
                raise OSError("its time could not be read")
            if entry.modified >= limit:
                continue
            if dry_run or blobs.delete_if_older(prefix, name, limit):
                deleted += 1
        except FileNotFoundError:
            continue
        except OSError as exc:
            failed += 1
            log.warning("retention: a blob file not deleted: %s", type(exc).__name__)
    return deleted, failed


def _delete(path: str, limit: float) -> bool:
    """The local folder's delete (storage/blobs.py delete_aside): moved aside first, put back
    when a put renewed it meanwhile."""
    return delete_aside(path, limit)


# -- dry run and audit -------------------------------------------------------------------------


async def _count(
    sessions: async_sessionmaker[AsyncSession],
    periods: Periods,
    now: datetime,
    blobs: Blobs | None,
    removed: Removed,
) -> None:
    closed_before = periods.tips_closed_before(now)
    chat_before = periods.chat_before(now)
    async with sessions() as session:
        purgeable = select(TIPS.c.id).where(*_purgeable(closed_before))
        removed.contacts = int(
            (
                await session.execute(select(func.count()).select_from(purgeable.subquery()))
            ).scalar_one()
        )
        removed.attachments = int(
            (
                await session.execute(
                    select(func.count()).where(ATTACHMENTS.c.tip_id.in_(purgeable))
                )
            ).scalar_one()
        )
        due = _outbox_due(chat_before)
        rows = await session.execute(
            select(OUTBOX.c.broadcast_id.is_(None), func.count())
            .where(due)
            .group_by(OUTBOX.c.broadcast_id.is_(None))
        )
        for notice, n in rows.all():
            if notice:
                removed.inbox += int(n)
            else:
                removed.expired += int(n)
    if blobs is not None and await _files_may_go(sessions, blobs, removed):
        await _sweep(sessions, blobs, periods, now, removed, dry_run=True)
        removed.files += await asyncio.to_thread(
            blobs.sweep_received, RECEIVED_TTL_SECONDS, now.timestamp(), dry_run=True
        )


async def _files_may_go(
    sessions: async_sessionmaker[AsyncSession], blobs: Blobs, removed: Removed
) -> bool:
    """Whether the file sweep may run: not against a database that holds no tip and no
    broadcast while the file store holds files (a run pointed at the wrong database, or an
    empty one made by mistake, would otherwise take every file for an orphan)."""
    async with sessions() as session:
        tips = await session.scalar(select(TIPS.c.id).limit(1))
        broadcasts = await session.scalar(select(BROADCASTS.c.id).limit(1))
    if tips is not None or broadcasts is not None:
        return True
    has_files = await asyncio.to_thread(blobs.holds_files)
    removed.files_refused = has_files
    return not has_files


async def _audit(
    sessions: async_sessionmaker[AsyncSession],
    removed: Removed,
    actor: str,
    failure: BaseException | None,
) -> None:
    """The run's audit row, in a transaction of its own; a run that stopped on an error says
    so (what it did before is in the counts). Never raises: the run's own error matters."""
    reason = "" if failure is None else f"stopped: {type(failure).__name__}"
    try:
        async with sessions() as session:
            await record(
                session,
                AuditAction.RETENTION_RUN,
                actor_username=actor,
                detail=removed.detail(),
                reason=reason,
            )
            await session.commit()
    except Exception as exc:
        log.error("retention: the audit row was not written: %s", type(exc).__name__)
    level = logging.INFO if failure is None else logging.WARNING
    log.log(
        level,
        "retention run%s: contacts=%d attachments=%d files=%d inbox=%d expired=%d states=%d "
        "batches=%d longest=%.0fms seconds=%.1f",
        f" stopped ({type(failure).__name__})" if failure is not None else "",
        removed.contacts,
        removed.attachments,
        removed.files,
        removed.inbox,
        removed.expired,
        removed.states,
        removed.batches,
        removed.longest_batch * 1000,
        sum(removed.took.values()),
    )
