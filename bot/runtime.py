"""Builds the process-wide objects from the settings: engine, state backends, dispatcher."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import metrics
from bot.delivery import Delivery, Target
from bot.dispatcher import Dispatcher
from bot.inbound import Inbound, InboundLimit
from bot.owed import RECORDED, Journal
from bot.settings import Settings
from content.holidays import calendar, parse_dates
from handlers import reachability
from handlers.ports import Config, MediaKeeper
from handlers.state import Conversations
from storage import migrate
from storage.attempts import LimitedAttempts
from storage.blobs import Blobs, BlobStore, BlobStoreUnavailable, MediaKeeperImpl
from storage.chat_links import link_key
from storage.db import is_sqlite, make_engine, make_sessions
from storage.limits import KeptLimiter, Limiter, MemoryLimiter, RedisLimiter
from storage.owners import Owners, move_links
from storage.residents import SqlResidents
from storage.sealing import Sealer, derive_key
from storage.state_memory import memory_conversations
from storage.state_sqlite import SqliteConversations, StateFile, path_beside
from storage.uow import SqlUnitOfWork

log = logging.getLogger("binhyen.runtime")


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    dispatcher: Dispatcher
    media: MediaKeeperImpl
    delivery: Delivery
    sealer: Sealer  # reporters' contact details (the panel reads it here)
    account_sealer: Sealer  # panel accounts' TOTP secrets and the Zalo OA tokens
    redis: Any = None
    # Every channel's inbound limit per resident and webhook back-pressure (bot/inbound.py).
    inbound: Inbound = field(default_factory=Inbound)
    # Closed in this order after the engine: the embedded default's limiter, then its state file.
    closing: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def close(self) -> None:
        await self.engine.dispose()
        if self.redis is not None:
            await self.redis.aclose()
        for close in self.closing:
            await close()
        metrics.stopped()


def load_content() -> None:
    """Reads and validates every content pack before the service starts: a broken one stops
    it with one line per problem (file, item, field), not on a resident's first message."""
    from content.check import load_packs
    from content.schema.base import PackError

    try:
        load_packs()
    except PackError as exc:
        raise SystemExit(f"Bad content packs:\n{exc}") from None


async def prepare_database(settings: Settings) -> None:
    """The embedded default migrates itself so that a fresh machine just runs. The file
    store is not looked at: only what uses files checks it (serve, worker, `binhyen
    retention run`, with check_blob_store), so the other commands run while it is down."""
    await migrate.prepare(settings.database_url)
    await move_owner_links(settings)


def blob_store(settings: Settings) -> Blobs:
    """Where tips' files and notices' photos are: object storage when BINHYEN_S3_BUCKET is
    set (several machines share it), else the local folder BINHYEN_MEDIA_DIR. The one place
    the choice is made (serve, worker, `binhyen retention run`)."""
    if not settings.s3_bucket:
        return BlobStore(Path(settings.media_dir))
    from storage.blobs_s3 import S3BlobStore

    secret = settings.s3_secret_access_key
    return S3BlobStore.connect(
        bucket=settings.s3_bucket,
        endpoint_url=settings.s3_endpoint_url,
        region=settings.s3_region,
        access_key_id=settings.s3_access_key_id,
        secret_access_key=secret.get_secret_value() if secret is not None else "",
        prefix=settings.s3_key_prefix,
    )


async def check_blob_store(settings: Settings, store: Blobs | None = None) -> None:
    """Stop start-up, in words for an operator, when the file store cannot be used (a
    bucket missing, refused or out of reach); the folder has nothing to check."""
    try:
        await asyncio.to_thread((store or blob_store(settings)).check)
    except BlobStoreUnavailable as exc:
        raise SystemExit(str(exc)) from None


async def move_owner_links(settings: Settings) -> int:
    """Tips stored before issue 18 name their resident in clear: move that link behind the
    key (storage/owners.py). Nothing to do, after the first run, but one indexed query."""
    engine = make_engine(settings.database_url)
    try:
        return await move_links(make_sessions(engine), Owners.of(sealer(settings)))
    finally:
        await engine.dispose()


def tip_config(settings: Settings) -> Config:
    secret = settings.secret_key.get_secret_value().encode("utf-8")
    return Config(
        pin_secret=derive_key(secret, b"binhyen tip pin v1"),
        max_tips_per_day=settings.max_tips_per_day,
        holidays=calendar(parse_dates(settings.holidays)),
        link_key=link_key(settings.secret_key.get_secret_value()),
        leader_broadcasts_per_day=settings.leader_broadcasts_per_day,
        retention_chat_days=settings.retention_chat_days,
        retention_closed_tip_days=settings.retention_closed_tip_days,
        operator_name=settings.operator_name.strip(),
        operator_contact=settings.operator_contact.strip(),
        tips_per_origin=settings.web_tips_per_address,
    )


def state_ttl(settings: Settings) -> int:
    """The longest a chat's conversation state is kept after its last message (retention)."""
    return settings.retention_chat_days * 24 * 3600


def sealer(settings: Settings) -> Sealer:
    """The contacts' key ring: reporters' contact details and who sent a tip."""
    contact_key = settings.contact_key.get_secret_value() if settings.contact_key else ""
    return Sealer.from_settings(settings.secret_key.get_secret_value(), contact_key)


def account_sealer(settings: Settings) -> Sealer:
    """The accounts' key ring: TOTP secrets and the Zalo OA tokens (storage/sealing.py)."""
    contact_key = settings.contact_key.get_secret_value() if settings.contact_key else ""
    account_key = settings.account_key.get_secret_value() if settings.account_key else ""
    return Sealer.for_accounts(settings.secret_key.get_secret_value(), account_key, contact_key)


def core(
    sessions: async_sessionmaker[AsyncSession],
    conversations: Conversations,
    config: Config,
    media: MediaKeeper,
    seal: Sealer,
    max_text_length: int = 4000,
) -> Dispatcher:
    """The conversation core over a database and a state backend."""
    return Dispatcher(
        conversations=conversations,
        unit_of_work=lambda: SqlUnitOfWork(sessions, config.pin_secret, seal),
        config=config,
        media=media,
        max_text_length=max_text_length,
        journal=Journal(sessions, seal),
        journaled=frozenset(RECORDED),
    )


def state_file(settings: Settings) -> StateFile | None:
    """Where the embedded default keeps conversation state, dedupe and rate limits without
    Redis (storage/state_sqlite.py): BINHYEN_STATE_PATH, else beside the SQLite database.
    None keeps them in process, lost at a restart: a database in memory, or PostgreSQL
    without the setting (production runs Redis beside PostgreSQL)."""
    if settings.state_path:
        return StateFile(settings.state_path)
    if not is_sqlite(settings.database_url):
        log.warning("no Redis and no BINHYEN_STATE_PATH: conversation state is not kept")
        return None
    name = make_url(settings.database_url).database or ""
    if name in ("", ":memory:") or name.startswith("file:"):
        return None
    return StateFile(path_beside(name))


def build(settings: Settings) -> Runtime:
    metrics.setup(settings.metrics_dir)
    engine = make_engine(settings.database_url)
    sessions = make_sessions(engine)
    config = tip_config(settings)
    seal = sealer(settings)
    media = MediaKeeperImpl(blob_store(settings), config.max_attachment_bytes)
    redis = None
    if settings.redis_url:
        from redis.asyncio import BlockingConnectionPool, Redis

        from storage.state_redis import RedisConversations

        # A bounded pool that waits for a free connection under load, instead of failing
        # (redis-py's default pool raises at once past its limit).
        pool = BlockingConnectionPool.from_url(settings.redis_url, max_connections=64, timeout=10)
        redis = Redis(connection_pool=pool)
        conversations: Conversations = RedisConversations(
            redis, settings.redis_prefix, state_ttl(settings)
        )
    elif (kept := state_file(settings)) is not None:
        conversations = SqliteConversations(kept, state_ttl(settings))
    else:
        conversations = memory_conversations(state_ttl(settings))
    dispatcher = core(sessions, conversations, config, media, seal, settings.max_text_length)
    limiter: Limiter = MemoryLimiter()
    closing: list[Callable[[], Awaitable[None]]] = []
    if redis is not None:
        limiter = RedisLimiter(redis, settings.redis_prefix)
    elif isinstance(conversations, SqliteConversations):
        limiter = KeptLimiter(conversations.file)
        closing = [limiter.close, conversations.file.close]
    # Counted per origin (the web chat's network) in the same buckets: tips a day, PIN tries.
    dispatcher.config = replace(dispatcher.config, attempts=LimitedAttempts(limiter))
    return Runtime(
        settings=settings,
        engine=engine,
        sessions=sessions,
        dispatcher=dispatcher,
        media=media,
        delivery=Delivery(limiter, mark_unreachable(sessions, conversations)),
        sealer=seal,
        account_sealer=account_sealer(settings),
        redis=redis,
        closing=closing,
        inbound=Inbound(InboundLimit(limiter, settings.inbound_per_minute, settings.inbound_burst)),
    )


def mark_unreachable(
    sessions: async_sessionmaker[AsyncSession],
    conversations: Conversations | None = None,
) -> Callable[[Target], Awaitable[None]]:
    """What delivery does when a platform says the resident blocked the bot (and the outbox
    when Zalo OA's window is closed): the account is marked unreachable, then its chat
    "away", so that the resident's next message makes it reachable again
    (handlers/reachability.py)."""

    async def mark(target: Target) -> None:
        async with sessions() as session:
            residents = SqlResidents(session)
            await residents.set_reachable(target.channel, target.account, target.user_id, False)
            await session.commit()
        if conversations is not None:  # the resident's own chat with the bot
            chat = f"{target.channel}:{target.account}:{target.user_id}"
            await reachability.mark_away(conversations, chat)

    return mark
