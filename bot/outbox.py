"""The outbox worker: sends the police's messages to residents (storage/outbox.py).

Each round claims the rows that are due (a short transaction; any number of processes may
run it; a tip's notices before any broadcast's copies), then for each one finds the
resident's reachable channel identities, newest first, renders the message in the resident's
language (handlers/notices.py, or handlers/broadcasts/message.py for a broadcast;
bot/render.py) and pushes it through the first channel running in this process that takes
it, under delivery's rate limits and 429 pauses:
- a broadcast's copy is first asked whether it still goes out (storage/broadcasts/
  delivery.py): a cancelled broadcast → status cancelled, a resident who stopped the
  subscription (STOP / DỪNG) or left the area → opted_out, and nothing is sent;
- sent → status sent, with the time and the channel;
- blocked (403, …), or Zalo OA outside its 7-day window (no paid template message is
  sent) → that identity is marked unreachable, its chat "away" (handlers/reachability.py),
  and the next one is tried;
- none left: a message owed to the resident (priority 0: a tip's notice, a leader's, an
  officer's; not a broadcast's copy) waits for them (status waiting, its date and order
  kept; the log says why: blocked, outside_window, no_channel) while they have a chat
  account that may come back, and goes out, before anything queued since, as soon as they
  write, unblock or follow (storage/residents.py set_reachable releases it). Each row left
  waiting marks the resident's refused chats "away" again (a mark made at the refusal may
  have failed: the chat's lock held by a long turn, the state store away); while a mark
  cannot be made, the row stays pending and is tried again in MARK_RETRY, so that a resident
  who keeps chatting is never left without what they are owed. A broadcast's copy, an
  officer's morning digest or the weekly scam digest (storage/outbox.py NOT_OWED), or a
  resident with no chat account at all, is unreachable;
- any other failure → tried again later, 30 s after the first, doubling up to 1 h
  (retry.OUTBOX), and after MAX_ATTEMPTS given up as failed.
The web chat has no push: a resident reachable only there keeps the row pending, marked for
the web, until the page fetches it (GET /chat/api/inbox, `inbox`).

A process killed mid-round (kill -9, a crash, the machine lost) leaves its claimed rows to be
claimed again when the lease ends. A tip's notice is then pushed again: at least once, as the
law wants the reporter told, so a notice in flight at the kill may arrive twice. A
broadcast's copy is marked "sending" in a transaction of its own before its push
(outbox.mark_sending); claimed again with that mark, its outcome is unknown and it is not
pushed again but recorded failed, "unknown after a crash": at most once, so a resident never
gets a broadcast twice, and at most CONCURRENCY copies per killed worker (those being pushed
at that moment) may be lost, visible as such.

A pushed message's buttons are made the chat's pending choices, so a channel whose buttons
come back as the label (Zalo OA) or as a typed number (Zalo Bot) finds them too.

Logs say what became of a message (its row id, kind and channel), never whom it was for
or what it said.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import (
    campaign_schedule,
    digest_schedule,
    metrics,
    render,
    retention_schedule,
    retry,
    weekly_schedule,
)
from bot import heartbeat as beats
from bot.broadcast_media import PhotoSource
from bot.delivery import Delivery, Pushed, Pusher, Target
from bot.runtime import Runtime, mark_unreachable
from content.holidays import calendar, parse_dates
from content.i18n import language
from handlers import learn, menu, mytips, notices, reachability
from handlers.broadcasts import message as broadcast_message
from handlers.broadcasts.message import Copy
from handlers.broadcasts.words import MessageState
from handlers.model import RenderedReply
from handlers.ports import utc_now
from handlers.state import Conversations, ConversationState
from storage import officer_notifications, outbox, scam_week
from storage.broadcasts.delivery import copy_for
from storage.limits import Limiter
from storage.outbox import WEB, Due, Identity, OutboxStatus, WaitReason

log = logging.getLogger("binhyen.outbox")

MAX_ATTEMPTS = 10
LEASE = timedelta(minutes=5)  # how long a claimed row is left to its worker
WEB_RECHECK = timedelta(hours=1)  # a web-only resident may have gained a channel since
# A message owed to a resident whose chats could not be marked away is tried again after this.
MARK_RETRY = timedelta(minutes=1)
BATCH = 20
TICK = timedelta(minutes=1)  # how often the loop runs its scheduled jobs
Scheduled = Callable[[async_sessionmaker[AsyncSession], datetime], Awaitable[object]]
# Rows pushed at once by one worker: different residents in parallel, one resident's rows in
# the order they were queued. One at a time, the database round trips of each row (the copy
# check, the recipient, the "sending" mark, the settle) left a bot's second partly unused.
CONCURRENCY = 4
# A broadcast's copy is a background send (bot/delivery.py): it also takes the account's
# background limit (95 % of its rate, one at a time), and leaves this many back-to-back slots
# of a bursty bucket (Zalo's) free, so that residents chatting during a broadcast are
# answered at once while the broadcast takes nearly everything else.
BROADCAST_HEADROOM = 10


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    UNREACHABLE = "unreachable"
    WAITING = "waiting"  # owed to a resident who cannot be reached now: waits for them
    WEB = "web"  # waits for the web chat to fetch it
    OPTED_OUT = "opted_out"  # a broadcast's copy for a resident no longer subscribed
    CANCELLED = "cancelled"  # a broadcast's copy of a cancelled broadcast


class Parts:
    """How much of a message an earlier try sent, kept in the row's payload under "_parts":
    {"to": a digest of the chat it went to (no platform id is written), "sent": how many
    calls}. Only that chat's next try skips them; a message that goes by another channel the
    next time goes whole."""

    KEY = "_parts"

    @staticmethod
    def chat(identity: Identity) -> str:
        key = f"{identity.channel}:{identity.account}:{identity.user_id}"
        return hashlib.sha256(key.encode()).hexdigest()[:16]

    @staticmethod
    def get(payload: Mapping[str, Any], to: str) -> int:
        parts = payload.get(Parts.KEY)
        if not isinstance(parts, dict) or parts.get("to") != to:
            return 0
        sent = parts.get("sent")
        return sent if isinstance(sent, int) and sent > 0 else 0

    @staticmethod
    def put(payload: Mapping[str, Any], parts: Mapping[str, Any]) -> dict[str, Any]:
        return {**payload, Parts.KEY: dict(parts)}


# Why a broadcast's copy does not go out → what the worker records.
WITHHELD = {MessageState.OPTED_OUT: Outcome.OPTED_OUT, MessageState.CANCELLED: Outcome.CANCELLED}


def backoff(attempts: int) -> timedelta:
    """The wait before the next try after `attempts` failed ones (1, 2, …): the schedule is
    kept in the row (due_at), so the shared policy is asked for the delay, not slept."""
    return timedelta(seconds=retry.OUTBOX.after(attempts))


# Flows whose offered choices a pushed message may take over: nothing is being filled in.
AT_REST = frozenset({"", menu.FLOW, mytips.FLOW, learn.FLOW})


def public_links(params: dict[str, str], public_url: str) -> dict[str, str]:
    """A notice's panel link (kept as a path: an officer's notice, a digest) under the
    service's public address, as it goes out; the path alone without one (the web chat, on
    this same service, or a deployment with no public address)."""
    link = params.get("link", "")
    if public_url.strip() and link.startswith("/"):
        return {**params, "link": public_url.strip().rstrip("/") + link}
    return params


def rendered(due: Due, lang: str, copy: Copy | None = None, public_url: str = "") -> RenderedReply:
    """The message in the resident's language: a broadcast's `copy`, else the notice of the
    row's payload; notices.BadNotice for a payload that no longer fits (never retried)."""
    if copy is not None:
        return render.reply(broadcast_message.message(copy, lang), language(lang))
    params = due.payload.get("params")
    params = {str(k): str(v) for k, v in params.items()} if isinstance(params, dict) else {}
    params = public_links(params, public_url)
    reply = notices.message(due.kind, str(due.payload.get("code", "")), params)
    return render.reply(reply, language(lang))


async def offer(conversations: Conversations | None, chat_key: str, reply: RenderedReply) -> None:
    """Make a pushed message's buttons the chat's pending choices, as for any reply, when
    the chat is at rest (the menu, reading). A resident in the middle of a form (a tip, a
    check, settings) keeps that step's choices: their typed "2" answers the form and never
    becomes a rating; they still have the message's buttons where the channel shows them,
    and the typed "TRẢ LỜI <code>" form."""
    if conversations is None or not reply.choices:
        return
    async with conversations.turn(chat_key, f"outbox:{uuid.uuid4().hex}") as turn:
        state = turn.state or ConversationState()
        if state.flow not in AT_REST:
            return
        state.pending = [[c.id, c.label] for c in reply.choices]
        turn.keep(state)


@dataclass
class _Probe:
    """Notices a channel reporting the resident unreachable while it pushes."""

    mark: Callable[[Target], Awaitable[None]]
    hit: bool = False

    async def __call__(self, target: Target) -> None:
        self.hit = True
        await self.mark(target)


@dataclass
class OutboxWorker:
    sessions: async_sessionmaker[AsyncSession]
    channels: Mapping[str, Pusher]
    limiter: Limiter
    mark_unreachable: Callable[[Target], Awaitable[None]]
    conversations: Conversations | None = None
    photos: PhotoSource | None = None  # a broadcast's photo (bot/broadcast_photos.py)
    public_url: str = ""  # BINHYEN_PUBLIC_URL: before the panel links of officers' notices
    # Jobs run once a minute from the loop (bot/campaign_schedule.py's queue_due).
    scheduled: tuple[Scheduled, ...] = ()
    clock: Callable[[], datetime] = utc_now
    batch: int = BATCH
    concurrency: int = CONCURRENCY
    interval: float = 1.0
    # A sign of life each round, for /metrics (bot/heartbeat.py); None without Redis.
    heartbeat: beats.Heartbeat | None = None
    _task: asyncio.Task[None] | None = field(default=None, repr=False)
    _ticked: datetime | None = field(default=None, repr=False)
    _stop: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    async def run_once(self) -> int:
        """Send what is due now; how many rows were handled (whatever became of them)."""
        async with self.sessions() as session:
            claimed = await outbox.claim_due(session, self.clock(), limit=self.batch, lease=LEASE)
            await session.commit()
        lanes: dict[str, list[Due]] = {}
        for due in claimed:  # claimed in order: each resident's rows stay in it
            lanes.setdefault(due.resident_id, []).append(due)
        gate = asyncio.Semaphore(max(1, self.concurrency))

        async def lane(rows: list[Due]) -> None:
            async with gate:
                for due in rows:
                    await self._handle(due)

        done = await asyncio.gather(
            *(lane(rows) for rows in lanes.values()), return_exceptions=True
        )
        for failed in done:  # every lane finished first: none is left running past the round
            if isinstance(failed, BaseException):
                raise failed
        return len(claimed)

    async def _handle(self, due: Due) -> None:
        if due.in_doubt:  # its worker died during the push: perhaps sent, never twice
            await self._settle(due, Outcome.FAILED, "", outbox.UNKNOWN_AFTER_CRASH)
            return
        parts: dict[str, Any] = {}
        away: list[Identity] = []
        try:
            outcome, channel, error = await self._send(due, parts, away)
        except Exception as exc:  # a bug or the database: try again later
            outcome, channel, error = Outcome.RETRY, "", type(exc).__name__
        await self._settle(due, outcome, channel, error, parts, away)

    async def _send(
        self, due: Due, parts: dict[str, Any], away: list[Identity]
    ) -> tuple[Outcome, str, str]:
        """Push the row's message; `parts` gets what went out of a message that did not go
        out whole ({"to": the chat, "sent": calls}), so that the next try goes on from
        there rather than sending its photo or first piece again; `away`, for a row that
        waits, the resident's chat accounts it waits on (marked unreachable before, or
        refused now)."""
        copy: Copy | None = None
        async with self.sessions() as session:
            if due.broadcast_id is not None:
                found = await copy_for(session, due.broadcast_id, due.resident_id)
                if isinstance(found, MessageState):
                    return WITHHELD[found], "", ""
                copy = found
            if not await officer_notifications.still_told(
                session, due.kind, due.resident_id, due.payload
            ):  # an officer's row whose account was deactivated or unlinked since
                return Outcome.FAILED, "", "officer no longer told"
            if not await scam_week.still_subscribed(session, due.kind, due.resident_id):
                return Outcome.OPTED_OUT, "", ""  # stopped the weekly digest since
            who = await outbox.recipient(session, due.resident_id)
        if who is None:
            return Outcome.UNREACHABLE, "", "no resident"
        try:
            message = rendered(due, who.lang, copy, self.public_url)
        except notices.BadNotice as exc:
            return Outcome.FAILED, "", f"payload: {exc}"
        if copy is not None and self.photos is not None:
            photo = await self.photos.media(copy.broadcast)
            message = replace(message, media=(photo,)) if photo is not None else message
        web = False
        refused: list[WaitReason] = []
        refusing: list[Identity] = []
        for identity in who.identities:
            if identity.channel == WEB:
                web = True
                continue
            channel = self.channels.get(identity.channel)
            if channel is None or channel.account != identity.account:
                continue  # not run by this process
            # A copy is marked "sending" right before its first call to the platform (after
            # its slot: a kill while it waits for one leaves it pending, not in doubt).
            mark = (lambda: self._mark_sending(due)) if copy is not None else None
            to = Parts.chat(identity)
            done = Parts.get(due.payload, to)
            result, made = await self._push(
                channel, identity, message, copy is not None, mark, done
            )
            if result is Pushed.SENT:
                return Outcome.SENT, identity.channel, ""
            if result is Pushed.RETRY:
                if made > 0:
                    parts.update(to=to, sent=made)
                return Outcome.RETRY, identity.channel, "not delivered"
            outside = result is Pushed.OUTSIDE_WINDOW  # unreachable until the resident writes
            refused.append(WaitReason.OUTSIDE_WINDOW if outside else WaitReason.BLOCKED)
            refusing.append(identity)
        if web:
            return Outcome.WEB, WEB, ""
        gone = [i for i in who.away if i.channel != WEB]
        if due.owed and (refused or gone):
            away.extend([*refusing, *gone])
            return Outcome.WAITING, "", (refused[0] if refused else WaitReason.NO_CHANNEL).value
        return Outcome.UNREACHABLE, "", "no reachable channel"

    async def _mark(self, identity: Identity) -> None:
        """Mark an identity unreachable, as delivery does for a 403: Zalo OA's window closed
        is known before any call is made."""
        user = identity.user_id
        try:
            await self.mark_unreachable(Target(identity.channel, identity.account, user, user))
        except Exception as exc:  # the message waits all the same
            log.error("could not mark a resident unreachable: %s", type(exc).__name__)

    async def _mark_sending(self, due: Due) -> None:
        async with self.sessions() as session:
            await outbox.mark_sending(session, due.id)
            await session.commit()

    async def _push(
        self,
        channel: Pusher,
        identity: Identity,
        message: RenderedReply,
        background: bool,
        before_call: Callable[[], Awaitable[None]] | None = None,
        skip: int = 0,
    ) -> tuple[Pushed, int]:
        """What became of the push, and how many of its calls have gone out (this try's and
        the `skip` an earlier one made)."""
        probe = _Probe(self.mark_unreachable)
        # One try per round: the outbox keeps the time of the next one itself. A broadcast's
        # copy leaves the last slots of each bucket to replies (storage/limits.py).
        headroom = BROADCAST_HEADROOM if background else 0
        delivery = Delivery(
            self.limiter,
            probe,
            max_attempts=1,
            max_rate_limited=1,
            background=background,
            headroom=headroom,
            before_call=before_call,
            skip=skip,
        )
        result = await channel.push(identity.user_id, message, delivery)
        if result is Pushed.SENT:
            chat_key = f"{identity.channel}:{identity.account}:{identity.user_id}"
            try:
                await offer(self.conversations, chat_key, message)
            except Exception as exc:  # sent all the same; its buttons still work by id
                log.warning("outbox: buttons not offered to the chat: %s", type(exc).__name__)
        if probe.hit and result is not Pushed.SENT:
            return Pushed.UNREACHABLE, delivery.made
        if result in (Pushed.UNREACHABLE, Pushed.OUTSIDE_WINDOW):  # said so without a call
            await self._mark(identity)
        return result, delivery.made

    async def _settle(
        self,
        due: Due,
        outcome: Outcome,
        channel: str,
        error: str,
        parts: Mapping[str, Any] | None = None,
        away: Sequence[Identity] = (),
    ) -> None:
        now = self.clock()
        if outcome is Outcome.WAITING:
            await self._wait(due, WaitReason(error), away)
            return
        values: dict[str, object]
        if outcome is Outcome.SENT:
            values = {
                "status": OutboxStatus.SENT.value,
                "sent_at": now,
                "channel": channel,
                "last_error": "",  # a copy sent while its broadcast was being cancelled
            }
        elif outcome is Outcome.WEB:
            values = {"channel": WEB, "due_at": now + WEB_RECHECK}
        elif outcome is Outcome.RETRY and due.attempts + 1 < MAX_ATTEMPTS:
            attempts = due.attempts + 1
            values = {"attempts": attempts, "due_at": now + backoff(attempts)}
            if parts:
                values["payload"] = Parts.put(due.payload, parts)
        elif outcome is Outcome.RETRY:
            outcome = Outcome.FAILED
            values = {"attempts": due.attempts + 1, "status": OutboxStatus.FAILED.value}
        elif outcome is Outcome.FAILED:
            values = {"status": OutboxStatus.FAILED.value}
        elif outcome in (Outcome.OPTED_OUT, Outcome.CANCELLED):
            values = {"status": OutboxStatus(outcome.value).value}
        else:
            values = {"status": OutboxStatus.UNREACHABLE.value}
        if error or due.broadcast_id is not None:  # a copy's "sending" mark goes
            values["last_error"] = error
        async with self.sessions() as session:
            await outbox.settle(session, due.id, **values)
            await session.commit()
        metrics.OUTBOX[(channel or "none", outcome.value)] += 1
        level = (
            logging.WARNING if outcome in (Outcome.FAILED, Outcome.UNREACHABLE) else logging.INFO
        )
        log.log(
            level,
            "outbox message %d kind=%s outcome=%s channel=%s%s",
            due.id,
            due.kind,
            outcome.value,
            channel or "-",
            f" error={error}" if error else "",
        )

    async def _wait(self, due: Due, reason: WaitReason, away: Sequence[Identity]) -> None:
        """Leave the row waiting for its resident, their chats on `away` marked so that their
        next message releases it; should a mark fail, pending and tried again in MARK_RETRY
        (a row that waits is claimed no more, and would wait for a release that might not
        come); should one of their accounts on a channel run here have become reachable
        meanwhile, due again at once."""
        marked = await self._mark_away(away)
        now = self.clock()
        retry_at = None if marked else now + MARK_RETRY
        pushable = [(name, channel.account) for name, channel in self.channels.items()]
        async with self.sessions() as session:
            became = await outbox.wait_for_resident(
                session, due.id, due.resident_id, reason, pushable, now, retry_at=retry_at
            )
            await session.commit()
        if became is None:
            return  # settled by something else meanwhile
        outcome = Outcome.WAITING if became is OutboxStatus.WAITING else Outcome.RETRY
        metrics.OUTBOX[("none", outcome.value)] += 1
        why = ""
        if outcome is Outcome.RETRY:
            why = " (chat not marked away: tried again)" if not marked else " (reachable again)"
        log.info(
            "outbox message %d kind=%s outcome=%s channel=- reason=%s%s",
            due.id,
            due.kind,
            outcome.value,
            reason.value,
            why,
        )

    async def _mark_away(self, away: Sequence[Identity]) -> bool:
        """Mark each chat of `away` again (the mark made at its refusal may have failed);
        whether all of them are marked now. Marking a marked chat changes nothing."""
        if self.conversations is None or not away:
            return True
        conversations = self.conversations
        done = await asyncio.gather(
            *(
                reachability.mark_away(conversations, f"{i.channel}:{i.account}:{i.user_id}")
                for i in dict.fromkeys(away)
            )
        )
        return all(done)

    # -- the loop --

    async def run(self) -> None:
        """Rounds until stopped: at once while there is more to send, else every
        `interval` seconds."""
        try:
            while not self._stop.is_set():
                if self.heartbeat is not None:
                    await self.heartbeat.beat()
                await self._every_minute()
                try:
                    handled = await self.run_once()
                except Exception as exc:  # the database away for a moment: the next round
                    log.error("outbox round failed: %s", type(exc).__name__)
                    handled = 0
                if handled >= self.batch:
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), timeout=self.interval)
        finally:
            if self.heartbeat is not None:  # a clean stop leaves the count at once
                await self.heartbeat.stop()

    async def _every_minute(self) -> None:
        """The scheduled jobs (the campaigns' messages), at most once a minute."""
        now = self.clock()
        if self._ticked is not None and now - self._ticked < TICK:
            return
        self._ticked = now
        for job in self.scheduled:
            try:
                await job(self.sessions, now)
            except Exception as exc:  # the next minute
                log.error("scheduled job failed: %s", type(exc).__name__)

    def request_stop(self) -> None:
        self._stop.set()

    def start(self) -> None:
        self._stop.clear()
        self._task = asyncio.get_running_loop().create_task(self.run())

    async def stop(self) -> None:
        """Finish the message in hand, then stop."""
        self._stop.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, timeout=15)
            except TimeoutError:
                log.warning("outbox worker stopped mid-round")
            self._task = None


async def inbox(
    sessions: async_sessionmaker[AsyncSession],
    conversations: Conversations | None,
    chat_key: str,
    resident_id: str,
    lang: str,
    now: datetime,
    photos: PhotoSource | None = None,
) -> list[RenderedReply]:
    """The web chat's pending messages, rendered, and from now on counted as sent. A
    broadcast's copy that no longer goes out is recorded so in the same transaction."""
    async with sessions() as session:
        taken = await outbox.take_for_chat(session, resident_id, now)
        copies = await _web_copies(session, taken)
        held = await _web_held(session, taken)
        await session.commit()
    replies: list[RenderedReply] = []
    for due in taken:
        if (due.broadcast_id is not None and due.id not in copies) or due.id in held:
            continue  # withheld, and logged so
        try:
            reply = rendered(due, lang, copies.get(due.id))
        except notices.BadNotice:
            log.error("outbox message %d kind=%s: payload does not fit", due.id, due.kind)
            continue
        copy = copies.get(due.id)
        if copy is not None and photos is not None:  # the page shows it by its address
            photo = await photos.media(copy.broadcast, with_bytes=False)
            reply = replace(reply, media=(photo,)) if photo is not None else reply
        replies.append(reply)
        metrics.OUTBOX[(WEB, Outcome.SENT.value)] += 1
        log.info("outbox message %d kind=%s outcome=sent channel=web", due.id, due.kind)
    if replies:
        await offer(conversations, chat_key, _any(replies))
    return replies


async def _web_held(session: AsyncSession, taken: list[Due]) -> set[int]:
    """The rows among `taken` that the worker would hold back too: an officer's notice whose
    account was deactivated or unlinked since, a weekly digest its resident stopped since.
    Settled so in the same transaction, never shown."""
    held: set[int] = set()
    for due in taken:
        if not await officer_notifications.still_told(
            session, due.kind, due.resident_id, due.payload
        ):
            status = OutboxStatus.FAILED
        elif not await scam_week.still_subscribed(session, due.kind, due.resident_id):
            status = OutboxStatus.OPTED_OUT
        else:
            continue
        await outbox.settle_taken(session, due.id, status)
        held.add(due.id)
        log.info("outbox message %d kind=%s outcome=%s channel=-", due.id, due.kind, status.value)
    return held


async def _web_copies(session: AsyncSession, taken: list[Due]) -> dict[int, Copy]:
    """The broadcasts' copies among `taken` that still go out, by row id; the others are
    settled as opted out or cancelled."""
    copies: dict[int, Copy] = {}
    for due in taken:
        if due.broadcast_id is None:
            continue
        found = await copy_for(session, due.broadcast_id, due.resident_id)
        if isinstance(found, Copy):
            copies[due.id] = found
            continue
        await outbox.settle_taken(session, due.id, OutboxStatus(found.value))
        metrics.OUTBOX[("none", WITHHELD[found].value)] += 1
        log.info("outbox message %d kind=%s outcome=%s channel=-", due.id, due.kind, found.value)
    return copies


def _any(replies: list[RenderedReply]) -> RenderedReply:
    """The last reply that has buttons (the chat offers one set at a time)."""
    return next((r for r in reversed(replies) if r.choices), replies[-1])


def build(runtime: Runtime, channels: Mapping[str, Pusher | None]) -> OutboxWorker:
    """The worker over a runtime's database, limits and state, with the channels it runs."""
    running = {name: c for name, c in channels.items() if c is not None}
    return OutboxWorker(
        sessions=runtime.sessions,
        channels=running,
        limiter=runtime.delivery.limiter,
        mark_unreachable=mark_unreachable(runtime.sessions, runtime.dispatcher.conversations),
        conversations=runtime.dispatcher.conversations,
        photos=photo_source(runtime),
        public_url=runtime.settings.public_url,
        heartbeat=(
            beats.Heartbeat(runtime.redis, runtime.settings.redis_prefix, beats.OUTBOX)
            if runtime.redis is not None
            else None
        ),
        scheduled=(
            campaign_schedule.queue_due,
            digest_schedule.digests(calendar(parse_dates(runtime.settings.holidays))),
            weekly_schedule.queue_due,
            retention_schedule.daily(
                runtime.settings, runtime.media.store, runtime.dispatcher.conversations
            ),
        ),
    )


def photo_source(runtime: Runtime) -> PhotoSource:
    settings = runtime.settings
    return PhotoSource(
        runtime.media.store, settings.public_url, settings.secret_key.get_secret_value()
    )
