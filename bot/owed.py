"""Replies owed durably (issue 19): what a turn that changed the database answered is kept
with that turn's commit until it has been sent.

- The dispatcher (bot/dispatcher.py) seals the turn's rendered replies, whom they go to and
  the conversation state the turn leaves, and writes them in the turn's own transaction
  (`Journal.record`). A turn that changed nothing is not recorded: handling its event again
  gives the same answer.
- The channel counts them as they go out, one by one, and deletes the row with the last
  (`Journal.sent`): a process killed between a receipt and the menu after it owes the menu
  only.
- A process killed between the commit and the sends leaves the row. The platform's
  redelivery of the event (it got no answer) finds it and sends it rather than handling the
  event again (`Journal.of_event`): a tip is stored once and its receipt still arrives. A row
  whose sender's lease ran out with no redelivery (the webhook had answered before the
  kill) is sent by any process's sweeper (`Sweeper`).

A reply may arrive twice only when a process dies between a send and the row's deletion.
Rows are kept a day at most; nothing in them is readable without the key.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import metrics
from bot.delivery import Delivery, Target
from handlers.model import InboundEvent, Media, MediaType, RenderedChoice, RenderedReply, Request
from handlers.ports import UnitOfWork, utc_now
from handlers.state import Conversations, ConversationState
from storage import owed_replies
from storage.owed_replies import Owed
from storage.sealing import Sealer

log = logging.getLogger("binhyen.owed")

# How long the process that recorded a turn has to send its replies before a sweeper may:
# longer than a chat's paced replies take (Telegram's 1 a second per chat) and most 429
# pauses. A sweeper's resend checks, when its turn in the chat comes, that they are still
# owed, so a first sender of this process that was slower still sends them once.
LEASE = timedelta(seconds=60)
# The web chat answers in the request: when the answer is lost (a phone's connection drops
# and the page resends the same message after 25 s), its resend gets them from the row for
# this long; then the row goes, unsent (there is no push to the web chat).
WEB_LEASE = timedelta(minutes=10)
KEEP = timedelta(days=1)  # then an unsendable row is dropped
MAX_ATTEMPTS = 5  # sweeps of one row before it is dropped
SWEEP_EVERY = 2.0  # seconds
BATCH = 50
FLUSH_EVERY = 0.005  # seconds: how soon what went out is written (Journal.sent)
# The channels that send a turn's replies after the event was answered: their replies are
# recorded. The web chat answers them in the request itself, the terminal at once.
PUSHING = ("telegram", "zalo_bot", "zalo_oa")
WEB = "web"
RECORDED = (*PUSHING, WEB)  # the channels whose writing turns record their replies


class Replies(list[RenderedReply]):
    """A turn's rendered replies still to send, the row that owes them (None: not recorded)
    and how many of that row's replies went out before these (`done`)."""

    owed_id: int | None = None
    done: int = 0
    # The turn left the conversation state as it found it (its step, its offered choices):
    # a reply lost on the way then leaves nothing behind that the resident did not see.
    state_kept: bool = False

    @classmethod
    def of(cls, replies: list[RenderedReply], owed_id: int | None = None, done: int = 0) -> Replies:
        made = cls(replies)
        made.owed_id, made.done = owed_id, done
        return made


# -- the sealed form ---------------------------------------------------------------------------


def _media(m: Media) -> dict[str, Any]:
    data = base64.b64encode(m.data).decode("ascii") if m.data is not None else None
    return {
        "type": m.type.value,
        "ref": m.ref,
        "mime": m.mime,
        "size": m.size,
        "caption": m.caption,
        "data": data,
    }


def _from_media(d: Mapping[str, Any]) -> Media:
    data = base64.b64decode(d["data"]) if d.get("data") is not None else None
    return Media(
        MediaType(d["type"]), d["ref"], d.get("mime"), d.get("size"), d.get("caption"), data
    )


def dump(replies: list[RenderedReply]) -> list[dict[str, Any]]:
    return [
        {
            "text": r.text,
            "choices": [[c.id, c.label] for c in r.choices],
            "request": r.request.value if r.request is not None else None,
            "media": [_media(m) for m in r.media],
            "calls": [list(c) for c in r.calls],
            "lang": r.lang,
        }
        for r in replies
    ]


def load(items: list[dict[str, Any]]) -> list[RenderedReply]:
    return [
        RenderedReply(
            text=d["text"],
            choices=tuple(RenderedChoice(c[0], c[1]) for c in d.get("choices", [])),
            request=Request(d["request"]) if d.get("request") else None,
            media=tuple(_from_media(m) for m in d.get("media", [])),
            calls=tuple((c[0], c[1]) for c in d.get("calls", [])),
            lang=d.get("lang", "vi"),
        )
        for d in items
    ]


@dataclass(frozen=True)
class Opened:
    """An owed row, unsealed: whom to, what is still to send, and the state its turn left."""

    id: int
    channel: str
    account: str
    chat_id: str
    user_id: str
    replies: list[RenderedReply]  # those that did not go out yet
    done: int  # those that did
    state: ConversationState | None
    event_key: str = ""  # the event whose turn owes them

    @property
    def owed(self) -> Replies:
        return Replies.of(self.replies, self.id, self.done)


# -- the journal -------------------------------------------------------------------------------


@dataclass
class Journal:
    sessions: async_sessionmaker[AsyncSession]
    sealer: Sealer
    clock: Callable[[], datetime] = utc_now
    lease: timedelta = LEASE
    _settled: set[int] = field(default_factory=set, repr=False)
    _counted: dict[int, int] = field(default_factory=dict, repr=False)
    _flushing: asyncio.Task[None] | None = field(default=None, repr=False)
    _writing: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    async def record(
        self,
        uow: UnitOfWork,
        event: InboundEvent,
        event_key: str,
        replies: list[RenderedReply],
        state: ConversationState,
    ) -> int:
        """Write the turn's replies in its own transaction (the caller commits)."""
        sealed = self.sealer.seal(
            {
                "chat": event.chat_id,
                "user": event.user_id,
                "event": event_key,
                "replies": json.dumps(dump(replies), ensure_ascii=False),
                "state": state.to_json(),
            }
        )
        lease = WEB_LEASE if event.channel == WEB else self.lease
        return await uow.owed.add(
            event_key, event.channel, event.account, sealed, now=self.clock(), lease=lease
        )

    def open(self, owed: Owed) -> Opened:
        d = self.sealer.open(owed.sealed)
        state = ConversationState.from_json(d["state"]) if d.get("state") else None
        replies = load(json.loads(d.get("replies") or "[]"))[owed.sent :]
        return Opened(
            owed.id,
            owed.channel,
            owed.account,
            d["chat"],
            d["user"],
            replies,
            owed.sent,
            state,
            d.get("event", ""),
        )

    @property
    def _engine(self) -> AsyncEngine:
        """A connection, not a session, for the one statement after each send: a
        recorded turn costs its sender two short transactions at most (bench_tips)."""
        engine = self.sessions.kw["bind"]
        assert isinstance(engine, AsyncEngine)
        return engine

    async def still_owed(self, replies: Replies) -> Replies | None:
        """What of `replies` is owed now (another sender may have sent some or all of them
        since they were read): None when nothing is."""
        if replies.owed_id is None:
            return replies
        await self.flush()  # what this process sent meanwhile
        async with self.sessions() as session:
            sent = await owed_replies.sent_of(session, replies.owed_id)
        if sent is None:
            return None
        skip = max(0, sent - replies.done)
        return (
            Replies.of(replies[skip:], replies.owed_id, replies.done + skip)
            if skip < len(replies)
            else None
        )

    async def of_event(self, event_key: str, *, stale_only: bool) -> Opened | None:
        """A redelivered event's unsent replies, taken for a lease; with `stale_only` only
        when their sender's lease ran out (it may still be sending them otherwise)."""
        await self.flush()
        async with self.sessions() as session:
            owed = await owed_replies.of_event(
                session, event_key, self.clock(), self.lease, stale_only=stale_only
            )
            await session.commit()
        return None if owed is None else self.open(owed)

    async def sent(self, replies: Replies, n: int) -> None:
        """The first `n` of `replies` went out: counted, and the row goes with the last.
        Written a moment later, many at once (`flush`): a transaction per recorded turn
        cost a busy process a quarter of its tips a second (bench_tips); a reply is sent
        again only when a process dies within FLUSH_EVERY of sending it."""
        if replies.owed_id is None:
            return
        if n >= len(replies):
            self._settled.add(replies.owed_id)
        else:
            self._counted[replies.owed_id] = replies.done + n
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.get_running_loop().create_task(self._flush_soon())

    async def settle(self, owed_id: int | None) -> None:
        """The replies went out (or were given up): the row goes, now."""
        if owed_id is None:
            return
        self._settled.add(owed_id)
        await self.flush()

    async def _flush_soon(self) -> None:
        while self._settled or self._counted:
            await asyncio.sleep(FLUSH_EVERY)
            await self.flush()

    async def flush(self) -> None:
        """Write what went out since the last flush, in one transaction; after a flush
        already under way, so that a caller about to close the engine (the app's shutdown)
        finds everything written when this returns."""
        async with self._writing:
            await self._flush()

    async def _flush(self) -> None:
        settled, counted = self._settled, self._counted
        if not settled and not counted:
            return
        self._settled, self._counted = set(), {}
        try:
            async with self._engine.begin() as conn:
                if settled:
                    await owed_replies.settle_many(conn, settled)
                for owed_id, n in counted.items():
                    if owed_id not in settled:
                        await owed_replies.progress(conn, owed_id, n)
        except Exception as exc:  # sent all the same; a sweep would send them once more
            log.error("owed replies not settled: %s", type(exc).__name__)


# -- the sweeper -------------------------------------------------------------------------------


async def posted(
    delivery: Delivery,
    target: Target,
    journal: Journal | None,
    replies: Replies,
    send: Callable[[Replies], Awaitable[bool]],
) -> bool:
    """Send owed replies (a channel's `send`) in order with the chat's other messages
    (Delivery.post) and wait for it; whether they all went out. When their turn in the chat
    comes, what is still owed is read again: their first sender may have sent them since."""
    done: list[bool] = []

    async def job() -> None:
        owed = replies if journal is None else await journal.still_owed(replies)
        done.append(True if owed is None else await send(owed))

    await delivery.post(target, job)
    return bool(done) and done[0]


class Resender(Protocol):
    """A running channel that can send a chat replies no event of this process asked for,
    in order with the chat's other replies, counting them as they go out (Dispatcher.sent);
    whether all of them went out."""

    account: str

    async def resend(self, chat_id: str, user_id: str, replies: Replies) -> bool: ...


@dataclass
class Sweeper:
    journal: Journal
    channels: Mapping[str, Resender]
    # The chats' state: a turn that died before saving its state gets the one it left.
    conversations: Conversations | None = None
    interval: float = SWEEP_EVERY
    _task: asyncio.Task[None] | None = field(default=None, repr=False)
    _stop: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    async def run_once(self) -> int:
        """Send the rows whose sender's lease ran out; how many were taken."""
        now = self.journal.clock()
        await self.journal.flush()  # what this process sent: not to be swept
        async with self.journal.sessions() as session:
            if not await owed_replies.any_due(session, now):
                return 0  # a row past KEEP is past its lease too
            await owed_replies.drop_older_than(session, now - KEEP)
            taken = await owed_replies.claim_stale(
                session, now, limit=BATCH, lease=self.journal.lease
            )
            await session.commit()
        for owed in taken:
            await self._send(owed)
        return len(taken)

    async def _send(self, owed: Owed) -> None:
        if owed.channel == WEB:  # the page had its time to ask again: nothing is pushed
            await self.journal.settle(owed.id)
            return
        channel = self.channels.get(owed.channel)
        if channel is None or channel.account != owed.account:
            return  # not run by this process: its lease ends again and another takes it
        try:
            opened = self.journal.open(owed)
        except Exception as exc:  # a key no longer in the ring: nothing can be sent
            log.error("owed replies unreadable: %s", type(exc).__name__)
            await self.journal.settle(owed.id)
            return
        await self._keep_state(opened)
        # The channel counts each reply as it goes and deletes the row after the last.
        sent = bool(opened.replies) and await channel.resend(
            opened.chat_id, opened.user_id, opened.owed
        )
        outcome = "sent" if sent else "empty" if not opened.replies else "failed"
        metrics.OWED[(owed.channel, outcome)] += 1
        log.info("owed replies %d channel=%s outcome=%s", owed.id, owed.channel, outcome)
        if not opened.replies or (not sent and owed.attempts >= MAX_ATTEMPTS):
            await self.journal.settle(owed.id)

    async def _keep_state(self, opened: Opened) -> None:
        """The state the turn left, when the turn died before saving it (its claim still
        taken): the resident's buttons are then those of the replies about to go out."""
        if self.conversations is None or opened.state is None or not opened.event_key:
            return
        chat_key = f"{opened.channel}:{opened.account}:{opened.chat_id}"
        try:
            async with self.conversations.turn(chat_key, opened.event_key) as turn:
                if turn.claimed:  # never ended (or its claim is gone): nothing saved since
                    turn.keep(opened.state)
        except Exception as exc:  # the replies go out all the same
            log.warning("owed replies: state not kept: %s", type(exc).__name__)

    async def run(self) -> None:
        while not self._stop.is_set():
            try:
                await self.run_once()
            except Exception as exc:  # the database away for a moment: the next round
                log.error("owed replies round failed: %s", type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=self.interval)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self.run())

    async def stop(self, wait: float = 5.0) -> None:
        """Stop, waiting `wait` s at most for a round under way (a resend may sit in a 429
        pause): what it did not send is swept again by a process still running."""
        self._stop.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self._task, wait)
        await self.journal.flush()


def sweeper(runtime: Any, channels: Mapping[str, Resender | None]) -> Sweeper:
    """The sweeper over a runtime's journal and this process's running channels."""
    running = {name: channel for name, channel in channels.items() if channel is not None}
    journal = runtime.dispatcher.journal or Journal(runtime.sessions, runtime.sealer)
    return Sweeper(journal, running, runtime.dispatcher.conversations)
