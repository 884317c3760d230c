"""`binhyen keys rotate`: every sealed value sealed again under the newest key of its ring.

The operator first puts the new key in front of the ring (BINHYEN_CONTACT_KEY or
BINHYEN_ACCOUNT_KEY) and restarts the service, which from then on seals with it and still
opens with the old one. This then walks each sealed column in primary-key order, in short
batches (one transaction each), and writes a value back only if it is still the one read
(compare and set): a value the running service changed meanwhile is left to it, already under
the new key. Values under the newest key are left alone, so a run killed half-way is finished
by running it again.

- tips: `contact_sealed` and `reporter_sealed` (contacts' ring), and `owner_ref` computed
  again under the newest key from the resident's id that `reporter_sealed` holds;
- admin_users: `totp_sealed`; zalo_oa_tokens: `tokens_sealed` (accounts' ring, which also
  opens what the contacts' ring sealed before the accounts had their own keys).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Column, Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.audit import AuditAction
from storage import admin_users
from storage.models import AdminUser, HonourEntry, Tip, ZaloOaToken
from storage.owners import Owners
from storage.sealing import Sealer, SealError

AUDIT_ACTOR = "cli"
BATCH_SIZE = 200
TIPS = cast(Table, Tip.__table__)
USERS = cast(Table, AdminUser.__table__)
TOKENS = cast(Table, ZaloOaToken.__table__)
HONOUR = cast(Table, HonourEntry.__table__)

AfterBatch = Callable[[], Awaitable[None]]


@dataclass
class Count:
    resealed: int = 0  # sealed again under the newest key (or would be, in a dry run)
    current: int = 0  # already under the newest key
    unopened: int = 0  # no key of the ring opens it: left as it is

    def text(self) -> str:
        return f"{self.resealed} sealed again, {self.current} already under the newest key" + (
            f", {self.unopened} cannot be opened" if self.unopened else ""
        )


@dataclass
class Rotation:
    contacts: Count = field(default_factory=Count)
    reporters: Count = field(default_factory=Count)
    owner_refs: int = 0  # tips whose owner reference was computed again
    totp: Count = field(default_factory=Count)
    zalo: Count = field(default_factory=Count)
    honour: Count = field(default_factory=Count)

    @property
    def unopened(self) -> int:
        return sum(
            c.unopened for c in (self.contacts, self.reporters, self.totp, self.zalo, self.honour)
        )

    def lines(self) -> list[str]:
        return [
            f"contact details: {self.contacts.text()}",
            f"tip reporters: {self.reporters.text()}",
            f"owner references: {self.owner_refs} computed again",
            f"TOTP secrets: {self.totp.text()}",
            f"Zalo OA tokens: {self.zalo.text()}",
            f"honour list names: {self.honour.text()}",
        ]

    def detail(self) -> str:
        """The audit row's short detail (64 characters at most): what was sealed again, one
        letter a kind (c contacts, r reporters, o owner references, t TOTP, z Zalo, h honour
        list names) so that six counts fit; admin/audit_words.py reads it, and the spelled-out
        form of older rows. A pair that would pass 64 characters is left out whole, never cut
        (a cut pair made the whole detail unreadable)."""
        counts = (
            ("c", self.contacts.resealed),
            ("r", self.reporters.resealed),
            ("o", self.owner_refs),
            ("t", self.totp.resealed),
            ("z", self.zalo.resealed),
            ("h", self.honour.resealed),
        )
        kept: list[str] = []
        for key, n in counts:
            if len(";".join([*kept, f"{key}={n}"])) > 64:  # handlers/audit.py DETAIL_LENGTH
                break
            kept.append(f"{key}={n}")
        return ";".join(kept)


def _resealed(sealer: Sealer, sealed: str, count: Count) -> str:
    """The value under the newest key: itself when it is already, or when nothing opens it."""
    if not sealed:
        return sealed
    if sealer.is_current(sealed):
        count.current += 1
        return sealed
    try:
        return sealer.reseal(sealed)
    except SealError:
        count.unopened += 1
        return sealed


async def _changed(
    session: AsyncSession, pk: Column[Any], key: Any, values: dict[str, tuple[Any, Any]]
) -> bool:
    """Writes one row's new values (name: (old, new)) only if it still holds the old ones."""
    table = pk.table
    new = {name: pair[1] for name, pair in values.items() if pair[0] != pair[1]}
    if not new:
        return False
    # IS NOT DISTINCT FROM: owner_ref may be NULL.
    still = [table.c[name].is_not_distinct_from(pair[0]) for name, pair in values.items()]
    result = await session.execute(update(table).where(pk == key, *still).values(**new))
    return bool(getattr(result, "rowcount", 0))


async def _tips(
    sessions: async_sessionmaker[AsyncSession],
    contacts: Sealer,
    done: Rotation,
    batch_size: int,
    dry_run: bool,
    after_batch: AfterBatch | None,
) -> None:
    owners = Owners.of(contacts)
    last: str | None = None
    while True:
        query = (
            select(TIPS.c.id, TIPS.c.contact_sealed, TIPS.c.reporter_sealed, TIPS.c.owner_ref)
            .where((TIPS.c.contact_sealed != "") | (TIPS.c.reporter_sealed != ""))
            .order_by(TIPS.c.id)
            .limit(batch_size)
        )
        if last is not None:
            query = query.where(TIPS.c.id > last)
        async with sessions() as session, session.begin():
            rows = (await session.execute(query)).all()
            for tip_id, contact, reporter, ref in rows:
                new_contact = _resealed(contacts, contact, done.contacts)
                new_reporter = _resealed(contacts, reporter, done.reporters)
                resident = owners.open(new_reporter)
                new_ref = owners.ref(resident) if resident is not None else ref
                old = {
                    "contact_sealed": (contact, new_contact),
                    "reporter_sealed": (reporter, new_reporter),
                    "owner_ref": (ref, new_ref),
                }
                if dry_run:
                    written = True
                else:
                    written = await _changed(session, TIPS.c.id, tip_id, old)
                if written and new_contact != contact:
                    done.contacts.resealed += 1
                if written and new_reporter != reporter:
                    done.reporters.resealed += 1
                if written and new_ref != ref:
                    done.owner_refs += 1
        if not rows:
            return
        last = rows[-1][0]
        if after_batch is not None:
            await after_batch()


async def _column(
    sessions: async_sessionmaker[AsyncSession],
    pk: Column[Any],
    value: Column[Any],
    sealer: Sealer,
    count: Count,
    batch_size: int,
    dry_run: bool,
    after_batch: AfterBatch | None,
) -> None:
    last: Any = None
    while True:
        query = select(pk, value).where(value != "").order_by(pk).limit(batch_size)
        if last is not None:
            query = query.where(pk > last)
        async with sessions() as session, session.begin():
            rows = (await session.execute(query)).all()
            for key, sealed in rows:
                new = _resealed(sealer, sealed, count)
                old = {value.name: (sealed, new)}
                if new != sealed and (dry_run or await _changed(session, pk, key, old)):
                    count.resealed += 1
        if not rows:
            return
        last = rows[-1][0]
        if after_batch is not None:
            await after_batch()


async def rotate(
    sessions: async_sessionmaker[AsyncSession],
    contacts: Sealer,
    accounts: Sealer,
    *,
    batch_size: int = BATCH_SIZE,
    dry_run: bool = False,
    after_batch: AfterBatch | None = None,
) -> Rotation:
    """Seal every sealed value again under the newest key of its ring, and audit it (not in a
    dry run, which only counts). `after_batch` runs after each committed batch."""
    done = Rotation()
    await _tips(sessions, contacts, done, batch_size, dry_run, after_batch)
    await _column(
        sessions,
        USERS.c.id,
        USERS.c.totp_sealed,
        accounts,
        done.totp,
        batch_size,
        dry_run,
        after_batch,
    )
    await _column(
        sessions,
        TOKENS.c.app_id,
        TOKENS.c.tokens_sealed,
        accounts,
        done.zalo,
        batch_size,
        dry_run,
        after_batch,
    )
    await _column(
        sessions,
        HONOUR.c.tip_id,
        HONOUR.c.name_sealed,
        contacts,
        done.honour,
        batch_size,
        dry_run,
        after_batch,
    )
    if not dry_run:
        async with sessions() as session, session.begin():
            await admin_users.record(
                session,
                AuditAction.KEYS_ROTATE,
                actor_username=AUDIT_ACTOR,
                subject="keys",
                detail=done.detail(),
            )
    return done
