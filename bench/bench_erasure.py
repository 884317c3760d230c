"""A resident's erasure of their account (issue 18, handlers/mydata.py) on SQLite and on
PostgreSQL.

Method: a database of our own, built by the migrations (SQLite: a file in a temporary
directory; PostgreSQL: a database created on 127.0.0.1:5432 and dropped afterwards), gets a
background of BACKGROUND residents, each with a Telegram identity, a subscription, five tips
(their owner_ref a keyed hash, as the service writes it) and five outbox rows; then one
resident per run, to be erased, with TIPS tips (a third of them open), SUBSCRIPTIONS
subscriptions, PROGRESS awareness-progress rows, OUTBOX outbox rows (pending and sent), a
neighbourhood and a Telegram identity. None of that is timed.

Timed: the tap on "Xóa vĩnh viễn tài khoản" through `Dispatcher.dispatch`, as a channel hands
it over, with the chat's state (in-process) at the question: the whole turn, from loading the
state to the rendered answer, i.e. the leader-link check, detaching the tips, deleting the
rows, the audit row and the commit. Each run erases another resident; the script checks that
each one's rows are gone and their tips still there, untied.

Run: .venv/bin/python bench/bench_erasure.py [--backend sqlite|pg|both] [--runs 5]
     [--tips 50] [--subscriptions 20] [--progress 20] [--outbox 200] [--background 20000]
     [--json] [--wait-quiet 120]
Target (issue 18): every erasure in under 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import secrets
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from _common import emit, machine, median, pg_admin, wait_quiet
from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dispatcher import Dispatcher
from bot.runtime import core
from handlers import mydata
from handlers.model import InboundEvent, Kind
from handlers.ports import Config, Profile
from handlers.state import ConversationState
from storage import migrate
from storage.blobs import BlobStore, MediaKeeperImpl
from storage.db import make_engine, make_sessions
from storage.models import (
    AwarenessProgress,
    ChannelIdentity,
    Neighbourhood,
    OutboxMessage,
    Resident,
    ResidentNeighbourhood,
    Subscription,
    Tip,
)
from storage.owners import Owners
from storage.sealing import Sealer, derive_key
from storage.state_memory import memory_conversations

PG_BASE = "postgresql+asyncpg://postgres@127.0.0.1:5432"
TARGET_SECONDS = 1.0
NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
SEALER = Sealer(derive_key(b"bench-erasure", b"contact"))
OWNERS = Owners.of(SEALER)
COMMUNE, PROVINCE = "00004", "01"
CHANNEL, ACCOUNT = "telegram", "bench"
CHUNK = 2000
CODES = itertools.count(1)  # a tip's code: 16 characters at most, unique


def table(model: Any) -> Table:
    return cast(Table, model.__table__)


def tip_row(n: str, owner: str | None, sealed: str, status: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, n)),
        "code": f"BY-{next(CODES):013d}",
        "submission_key": n,
        "pin_hash": "-",
        "category": "fraud_phone",
        "description": "mô tả",
        "incident_when": "unknown",
        "province_code": PROVINCE,
        "commune_code": COMMUNE,
        "anonymous": True,
        "status": status,
        "details": {},
        "created_at": NOW - timedelta(days=1),
        "received_on": NOW.date(),
        "ack_due": NOW.date(),
        "decision_due": NOW.date() + timedelta(days=30),
        "owner_ref": owner,
        "reporter_sealed": sealed,
    }


def outbox_row(resident: str, tip: str | None, pending: bool) -> dict[str, Any]:
    return {
        "resident_id": resident,
        "tip_id": tip,
        "kind": "tip.question",
        "payload": {"code": "", "params": {}},
        "status": "pending" if pending else "sent",
        "attempts": 0,
        "created_at": NOW,
        "due_at": NOW,
    }


def chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


async def insert_all(session: AsyncSession, model: Any, rows: list[dict[str, Any]]) -> None:
    for part in chunks(rows):
        await session.execute(insert(table(model)), part)


async def seed_background(sessions: async_sessionmaker[AsyncSession], residents: int) -> None:
    people = [f"bg-{i}" for i in range(residents)]
    async with sessions() as session:
        await insert_all(
            session,
            Resident,
            [
                {"id": p, "lang": "vi", "province_code": PROVINCE, "commune_code": COMMUNE}
                for p in people
            ],
        )
        await insert_all(
            session,
            ChannelIdentity,
            [
                {"channel": CHANNEL, "account": ACCOUNT, "platform_user_id": p, "resident_id": p}
                for p in people
            ],
        )
        await insert_all(
            session,
            Subscription,
            [
                {"resident_id": p, "kind": "awareness", "commune_code": "", "since": NOW}
                for p in people
            ],
        )
        tips = [
            tip_row(f"{p}-{k}", secrets.token_hex(32), "", "new" if k % 2 else "closed")
            for p in people
            for k in range(5)
        ]
        await insert_all(session, Tip, tips)
        await insert_all(
            session,
            OutboxMessage,
            [outbox_row(p, None, k % 2 == 0) for p in people for k in range(5)],
        )
        await session.commit()


async def seed_resident(
    sessions: async_sessionmaker[AsyncSession], n: int, args: argparse.Namespace
) -> str:
    """One resident to erase, with its tips, subscriptions, progress, outbox and a
    neighbourhood; their id (also their Telegram user id here)."""
    me = f"erase-{n}-{secrets.token_hex(4)}"
    owner, sealed = OWNERS.ref(me), OWNERS.seal(me)
    tips = [
        tip_row(f"{me}-{k}", owner, sealed, "verifying" if k % 3 == 0 else "closed")
        for k in range(args.tips)
    ]
    async with sessions() as session:
        await insert_all(
            session,
            Resident,
            [{"id": me, "lang": "vi", "province_code": PROVINCE, "commune_code": COMMUNE}],
        )
        await insert_all(
            session,
            ChannelIdentity,
            [{"channel": CHANNEL, "account": ACCOUNT, "platform_user_id": me, "resident_id": me}],
        )
        await insert_all(session, Tip, tips)
        await insert_all(
            session,
            Subscription,
            [
                {"resident_id": me, "kind": "alerts", "commune_code": f"{k:05d}", "since": NOW}
                for k in range(args.subscriptions)
            ],
        )
        await insert_all(
            session,
            AwarenessProgress,
            [
                {"resident_id": me, "topic_id": f"t{k}", "cards_seen": ["a"], "updated_at": NOW}
                for k in range(args.progress)
            ],
        )
        await insert_all(
            session,
            OutboxMessage,
            [
                outbox_row(me, tips[k % len(tips)]["id"] if tips else None, k % 4 == 0)
                for k in range(args.outbox)
            ],
        )
        hood = Neighbourhood(commune_code=COMMUNE, name=f"Tổ {me}", active=True, created_at=NOW)
        session.add(hood)
        await session.flush()
        await insert_all(
            session, ResidentNeighbourhood, [{"resident_id": me, "neighbourhood_id": hood.id}]
        )
        await session.commit()
    return me


async def at_the_question(dispatcher: Dispatcher, me: str, tips: int) -> InboundEvent:
    """The chat's state as the question left it; the tap on the confirm button."""
    profile = Profile(me, "vi", PROVINCE, COMMUNE, "")
    state = ConversationState(
        flow=mydata.FLOW,
        step="confirm",
        data={"back": "menu:settings", "tips": tips, "open": tips // 3},
        pending=[[mydata.KEEP, "↩️ Không, giữ lại"], [mydata.CONFIRM, "🗑️ Xóa vĩnh viễn"]],
        profile=profile.to_cache(),
    )
    event = InboundEvent(CHANNEL, ACCOUNT, me, me, uuid.uuid4().hex, Kind.CHOICE)
    await dispatcher.conversations.states.save(event.chat_key, state)  # type: ignore[attr-defined]
    return InboundEvent(
        CHANNEL, ACCOUNT, me, me, uuid.uuid4().hex, Kind.CHOICE, choice=mydata.CONFIRM
    )


async def check_erased(sessions: async_sessionmaker[AsyncSession], me: str, tips: int) -> None:
    async with sessions() as session:
        for model in (ChannelIdentity, Subscription, AwarenessProgress, OutboxMessage):
            left = await session.scalar(select(func.count()).where(model.resident_id == me))
            assert left == 0, (model.__name__, left)
        assert await session.get(Resident, me) is None
        untied = await session.scalar(
            select(func.count()).where(Tip.submission_key.like(f"{me}-%"), Tip.owner_ref.is_(None))
        )
        assert untied == tips, untied


async def run(url: str, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    engine = make_engine(url)
    sessions = make_sessions(engine)
    keeper = MediaKeeperImpl(BlobStore(work / "media"), 1024 * 1024)
    dispatcher = core(sessions, memory_conversations(), Config(clock=lambda: NOW), keeper, SEALER)
    try:
        started = time.perf_counter()
        await seed_background(sessions, args.background)
        people = [await seed_resident(sessions, n, args) for n in range(args.runs + 1)]
        async with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                await conn.execute(text("ANALYZE"))
        seeded = time.perf_counter() - started
        times = []
        for n, me in enumerate(people):
            host = wait_quiet(args.wait_quiet) if args.wait_quiet and n else None
            event = await at_the_question(dispatcher, me, args.tips)
            begun = time.perf_counter()
            replies = await dispatcher.dispatch(event)
            seconds = time.perf_counter() - begun
            assert replies and "Đã xóa tài khoản" in replies[0].text, replies
            await check_erased(sessions, me, args.tips)
            if n:  # the first warms the pool and the statement caches, not timed
                times.append({"seconds": round(seconds, 4), "host_before": host})
        return {"seed_seconds": round(seeded, 1), "runs": times}
    finally:
        await engine.dispose()


def backend_result(name: str, out: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    seconds = [r["seconds"] for r in out["runs"]]
    result = {
        "backend": name,
        "median_seconds": round(median(seconds), 4),
        "max_seconds": max(seconds),
        "met": max(seconds) < TARGET_SECONDS,
        **out,
    }
    if not args.json:
        print(
            f"{name}: erasure of a resident with {args.tips} tips, {args.subscriptions} "
            f"subscriptions, {args.progress} progress rows, {args.outbox} outbox rows "
            f"(beside {args.background:,} residents): "
            f"median {result['median_seconds'] * 1000:.1f} ms, "
            f"max {result['max_seconds'] * 1000:.1f} ms over {len(seconds)} runs "
            f"(target < {TARGET_SECONDS:.0f} s)",
            file=sys.stderr,
            flush=True,
        )
    return result


def on_sqlite(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="binhyen-bench-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'binhyen.db'}"
        migrate.upgrade(url)
        return backend_result("sqlite", asyncio.run(run(url, args, Path(tmp))), args)


def on_postgres(args: argparse.Namespace) -> dict[str, Any]:
    name = f"binhyen_bench_{secrets.token_hex(4)}"
    asyncio.run(pg_admin(f'CREATE DATABASE "{name}"'))
    try:
        url = f"{PG_BASE}/{name}"
        migrate.upgrade(url)
        with tempfile.TemporaryDirectory(prefix="binhyen-bench-") as tmp:
            return backend_result("postgresql", asyncio.run(run(url, args, Path(tmp))), args)
    finally:
        asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "pg", "both"), default="both")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tips", type=int, default=50)
    parser.add_argument("--subscriptions", type=int, default=20)
    parser.add_argument("--progress", type=int, default=20)
    parser.add_argument("--outbox", type=int, default=200)
    parser.add_argument("--background", type=int, default=20_000)
    parser.add_argument("--wait-quiet", type=float, default=0.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results = []
    if args.backend in ("sqlite", "both"):
        results.append(on_sqlite(args))
    if args.backend in ("pg", "both"):
        results.append(on_postgres(args))
    result = {
        "benchmark": "erasure",
        "machine": machine(),
        "resident": {
            "tips": args.tips,
            "subscriptions": args.subscriptions,
            "progress": args.progress,
            "outbox": args.outbox,
        },
        "background_residents": args.background,
        "target_seconds": TARGET_SECONDS,
        "met": all(r["met"] for r in results),
        "backends": results,
    }
    emit(result, args.json)
    return 0 if result["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
