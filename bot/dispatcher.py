"""The inbound pipeline shared by every channel.

hold the chat's lock → claim the event id → load state → handle → commit → save state →
render. Duplicates return None. A failure rolls back, releases the claim so a retry can
succeed, and answers a short apology: no chat is left stuck.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace

from bot import metrics, render
from content.i18n import DEFAULT_LANGUAGE
from content.text import clean
from handlers import router
from handlers.common import say
from handlers.context import Ctx
from handlers.model import InboundEvent, Kind, RenderedReply, Reply
from handlers.ports import Config, MediaKeeper, Profile
from handlers.state import ChatLocks, ConversationState, EventClaims, StateStore
from storage.uow import SqlUnitOfWork

log = logging.getLogger("binhyen.dispatcher")


@dataclass
class Dispatcher:
    states: StateStore
    claims: EventClaims
    locks: ChatLocks
    unit_of_work: Callable[[], SqlUnitOfWork]
    config: Config
    media: MediaKeeper
    max_text_length: int = 4000

    async def dispatch(self, event: InboundEvent) -> list[RenderedReply] | None:
        """Handle one event; None when it is a duplicate of one already handled."""
        claim = f"{event.channel}:{event.account}:{event.event_id}"
        # The chat's lock comes first, so that one chat's events run in arrival order.
        async with self.locks.hold(event.chat_key):
            if not await self.claims.claim(claim):
                metrics.DUPLICATES[event.channel] += 1
                return None
            metrics.EVENTS[(event.channel, event.kind.value)] += 1
            try:
                return await self._handle(event)
            except Exception as exc:
                metrics.FAILURES[event.channel] += 1
                await self._release(claim)
                # The type and the stack only: an error's message may hold a reporter's words.
                log.error(
                    "event failed channel=%s kind=%s error=%s\n%s",
                    event.channel,
                    event.kind.value,
                    type(exc).__name__,
                    "".join(traceback.format_tb(exc.__traceback__)),
                )
                return render.replies([say("error.internal")], DEFAULT_LANGUAGE)

    async def _release(self, claim: str) -> None:
        """Let a platform's retry through; if even that fails, the claim expires in a day."""
        try:
            await self.claims.release(claim)
        except Exception as exc:
            log.error("claim release failed error=%s", type(exc).__name__)

    async def _handle(self, event: InboundEvent) -> list[RenderedReply]:
        state = await self.states.load(event.chat_key) or ConversationState()
        uow = self.unit_of_work()
        try:
            profile = await self._profile(uow, event, state)
            replies = self._precheck(event)
            if replies is None:
                ctx = Ctx(self._sanitise(event), state, uow, profile, self.config, self.media)
                replies = await router.handle(ctx)
                profile = ctx.profile
            await uow.commit()
        except BaseException:
            await uow.rollback()
            raise
        finally:
            await uow.close()
        rendered = render.replies(replies, profile.lang or DEFAULT_LANGUAGE)
        offered = next((r.choices for r in reversed(rendered) if r.choices), None)
        if offered is not None:
            state.pending = [[c.id, c.label] for c in offered]
        await self.states.save(event.chat_key, state)
        return rendered

    async def _profile(
        self, uow: SqlUnitOfWork, event: InboundEvent, state: ConversationState
    ) -> Profile:
        cached = Profile.from_cache(state.profile)
        if cached is not None:
            return cached
        profile = await uow.residents.for_identity(event.channel, event.account, event.user_id)
        state.profile = profile.to_cache()
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
        return event
