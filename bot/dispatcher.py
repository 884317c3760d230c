"""The inbound pipeline shared by every channel.

hold the chat and claim the event id → load state → handle → render → commit → save state
and let go of the chat. Duplicates return None. A failure rolls back, releases the claim so
a retry can succeed, and answers a short apology: no chat is left stuck.

A turn that changed the database records its replies in its own commit (bot/owed.py), for a
channel that pushes them after the event was answered (`journaled`): a process killed
before they went out leaves them owed. A redelivered event whose turn never ended (its
process died holding the chat: `Turn.unfinished`) sends what it owes rather than being
handled twice, or is handled again when it committed nothing; a duplicate of an ended turn
sends replies whose sender's lease ran out, else nothing.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlalchemy.exc import DBAPIError

from bot import metrics, render
from bot.owed import WEB, Journal, Opened, Replies
from content.i18n import DEFAULT_LANGUAGE
from content.text import clean
from handlers import router
from handlers.common import say
from handlers.context import Ctx
from handlers.model import InboundEvent, Kind, RenderedReply, Reply
from handlers.ports import Config, MediaKeeper, Profile, UnitOfWork
from handlers.state import Conversations, ConversationState

log = logging.getLogger("binhyen.dispatcher")


class LeaseLost(Exception):
    """The chat's lease went to another process while this turn ran."""


@dataclass
class Dispatcher:
    conversations: Conversations
    unit_of_work: Callable[[], UnitOfWork]
    config: Config
    media: MediaKeeper
    max_text_length: int = 4000
    journal: Journal | None = None  # bot/owed.py; None: no reply is recorded
    journaled: frozenset[str] = frozenset()  # the channels whose replies are recorded

    async def dispatch(self, event: InboundEvent) -> Replies | None:
        """Handle one event; None when it is a duplicate of one already handled."""
        claim = f"{event.channel}:{event.account}:{event.event_id}"
        # The chat is held before the claim, so that one chat's events run in arrival order.
        async with self.conversations.turn(event.chat_key, claim) as turn:
            if not turn.claimed:
                metrics.DUPLICATES[event.channel] += 1
                # The web chat resends a message whose answer it lost (the phone's connection
                # dropped): that answer is what the turn owes it. A platform's copy gets only
                # what a dead sender left (its lease ran out).
                owed = await self._owed(event, claim, stale_only=event.channel != WEB)
                return None if owed is None else owed.owed
            if turn.unfinished:
                # Its process died holding the chat: what it committed is owed, not redone.
                owed = await self._owed(event, claim, stale_only=False)
                if owed is not None:
                    if owed.state is not None:
                        turn.keep(owed.state)
                    return owed.owed
            metrics.EVENTS[(event.channel, event.kind.value)] += 1
            state = turn.state or ConversationState()
            try:
                state, rendered = await self._handle_once_more_if_dropped(
                    event, claim, state, lambda: turn.lost
                )
            except LeaseLost:
                # Another process took the chat while this turn ran (its lease could not be
                # renewed): it handles the event; this turn committed nothing and says nothing.
                turn.abandon()
                log.warning("chat lease lost during a turn channel=%s", event.channel)
                return None
            except Exception as exc:
                turn.fail()  # a platform's retry of this event is not a duplicate
                metrics.FAILURES[event.channel] += 1
                # The type and the stack only: an error's message may hold a reporter's words.
                log.error(
                    "event failed channel=%s kind=%s error=%s\n%s",
                    event.channel,
                    event.kind.value,
                    type(exc).__name__,
                    "".join(traceback.format_tb(exc.__traceback__)),
                )
                return Replies.of(render.replies([say("error.internal")], DEFAULT_LANGUAGE))
            turn.keep(state)
            return rendered

    async def sent(self, replies: list[RenderedReply], n: int | None = None) -> None:
        """A channel sent the first `n` (all, by default) of a turn's replies: they are owed
        no more (bot/owed.py; no database call for a turn that recorded nothing)."""
        if self.journal is not None and isinstance(replies, Replies):
            await self.journal.sent(replies, len(replies) if n is None else n)

    async def _owed(self, event: InboundEvent, claim: str, *, stale_only: bool) -> Opened | None:
        if self.journal is None or event.channel not in self.journaled:
            return None
        try:
            owed = await self.journal.of_event(claim, stale_only=stale_only)
        except Exception as exc:  # the database away: the sweep sends them later
            log.error("owed replies not read: %s", type(exc).__name__)
            return None
        if owed is not None:
            metrics.OWED[(event.channel, "redelivered")] += 1
        return owed

    async def _handle_once_more_if_dropped(
        self,
        event: InboundEvent,
        claim: str,
        state: ConversationState,
        lost: Callable[[], bool] = lambda: False,
    ) -> tuple[ConversationState, Replies]:
        """Handle the event; once more on a fresh connection when the database had dropped
        the pooled one (a restart or a failover). SQLAlchemy empties the pool on such an
        error, so the second try connects anew; nothing was committed by the first. This
        replaces a ping on every checkout, which cost a round trip per message."""
        snapshot = state.to_json()
        try:
            replies = await self._handle(event, claim, state, lost)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            metrics.RECONNECTS[event.channel] += 1
            log.warning("database connection lost; handling the event again")
            state = ConversationState.from_json(snapshot)
            replies = await self._handle(event, claim, state, lost)
        replies.state_kept = state.to_json() == snapshot
        return state, replies

    async def _handle(
        self,
        event: InboundEvent,
        claim: str,
        state: ConversationState,
        lost: Callable[[], bool] = lambda: False,
    ) -> Replies:
        uow = self.unit_of_work()
        try:
            profile = await self._profile(uow, event, state)
            replies = self._precheck(event)
            if replies is None:
                ctx = Ctx(self._sanitise(event), state, uow, profile, self.config, self.media)
                replies = await router.handle(ctx)
                profile = ctx.profile
            rendered = render.replies(replies, profile.lang or DEFAULT_LANGUAGE)
            offered = next((r.choices for r in reversed(rendered) if r.choices), None)
            if offered is not None:
                state.pending = [[c.id, c.label] for c in offered]
            owed_id = None
            if self.journal is not None and event.channel in self.journaled and uow.wrote:
                owed_id = await self.journal.record(uow, event, claim, rendered, state)
            if lost():
                raise LeaseLost
            await uow.commit()
        except BaseException:
            await uow.rollback()
            raise
        finally:
            await uow.close()
        return Replies.of(rendered, owed_id)

    async def _profile(
        self, uow: UnitOfWork, event: InboundEvent, state: ConversationState
    ) -> Profile:
        cached = Profile.from_cache(state.profile)
        if cached is not None:
            return cached
        profile = await uow.residents.for_identity(event.channel, event.account, event.user_id)
        # Merged: what an erasure kept of the chat (its PIN tries, handlers/mydata.py) stays.
        state.profile = {**state.profile, **profile.to_cache()}
        return profile

    def _precheck(self, event: InboundEvent) -> list[Reply] | None:
        """Input that must be refused before any flow sees it."""
        if event.kind is Kind.TEXT and len(event.text) > self.max_text_length:
            return [say("input.too_long", length=len(event.text), limit=self.max_text_length)]
        return None

    def _sanitise(self, event: InboundEvent) -> InboundEvent:
        if event.kind is Kind.TEXT:
            return replace(event, text=clean(event.text))
        if event.kind is Kind.COMMAND:
            return replace(
                event, command=clean(event.command).lower(), payload=clean(event.payload)
            )
        if event.kind is Kind.MEDIA and event.media is not None and event.media.caption:
            caption = clean(event.media.caption[: self.max_text_length])
            return replace(event, media=replace(event.media, caption=caption or None))
        return event
