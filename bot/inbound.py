"""Fair to every resident (issue 19): a limit on what one resident may send, and the
webhooks' back-pressure.

**The limit.** Each resident (channel, account and user) may send `per_minute` events a
minute on average and `burst` of them back to back: a GCRA bucket of storage/limits.py, in
whichever limiter the runtime built (Redis: shared by every process). An event past it is
not handled. The first one of a spell gets one polite reply saying so; the next ones get
nothing, until the resident has sent nothing over the limit for SPELL seconds. Someone in
danger is never told to slow down: the emergency button, /sos, the emergency words and the
danger words of content/understand.py pass on a bucket of their own, as large; past that
too (they have had the numbers many times over) they are dropped without a word. The
platforms' notices (block, unblock, follow) always pass: reachability must stay right.

**The chat's order.** A Telegram webhook hands its replies to delivery and answers once they
are out, or after ORDER_WAIT seconds. The chat's next message may go to another process (several
`serve` behind a proxy), whose delivery knows nothing of this one's queue; the platform sends a
chat's next update only after the previous one's answer (Telegram delivers a chat's updates
one at a time, waiting for each answer), so answering after the replies keeps them in the
order of the resident's messages across processes (tests/e2e/test_many_processes.py). A
resident who floods holds one connection of the platform (its chat's), not everyone's: past
the resident's limit nothing is handled and nothing waited for. A pause longer than
ORDER_WAIT (a 429's, the bot's whole budget taken) goes on in the background. Polling is one
process, in order by delivery, and waits for nothing (one paced chat would hold up the
rest); the Zalo platforms document no such sequencing of a chat's events, so their webhooks
do not wait either (docs/OPERATIONS.md: their order across processes is not kept).

**The back-pressure.** Past that, a webhook waits while this process has replies queued for
more than BACKLOG_CHATS chats, until they drain below that, and never longer than
BACKLOG_WAIT: then sends as a whole are behind (the bot's budget, a pause after a 429, a slow
network), and holding the platform's connections is what stops new work from piling up
without bound (docs/BENCHMARKS.md §5).

Nothing here logs who a resident is or what they wrote.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from bot import render
from content.i18n import DEFAULT_LANGUAGE, LANGUAGES, translate
from content.understand import urgency, whole_intent
from handlers.common import NAV_EMERGENCY, say
from handlers.model import InboundEvent, Kind, RenderedReply
from storage.limits import Limit, Limiter

log = logging.getLogger("binhyen.inbound")

SPELL = 60.0  # s with nothing over the limit that end a spell: the next one is told again
EMERGENCY_COMMANDS = frozenset({"sos"})
EMERGENCY_LABELS = ("menu.emergency", "nav.emergency")  # typed back where there are no buttons
READ_CHARS = 1000  # of a text over the limit, read for danger words
ORDER_WAIT = 5.0  # s a webhook waits at most for its chat's replies to be out
BACKLOG_CHATS = 40  # chats with replies queued before a webhook waits
BACKLOG_WAIT = 5.0  # s a webhook waits at most for them to drain
LANGS_KEPT = 10_000  # residents whose language (other than the default) this process keeps


class Verdict(enum.Enum):
    HANDLE = "handle"
    NOTICE = "notice"  # over the limit, the first of a spell: told once
    DROP = "drop"  # over the limit: nothing


class Dispatches(Protocol):
    async def dispatch(self, event: InboundEvent) -> list[RenderedReply] | None: ...


@cache
def _emergency_labels() -> frozenset[str]:
    return frozenset(
        translate(msgid, lang).strip().casefold()
        for msgid in EMERGENCY_LABELS
        for lang in LANGUAGES
    )


def is_emergency(event: InboundEvent) -> bool:
    """The emergency button or command, or a text that asks for the numbers or says someone
    is in danger now (what the core answers with the emergency numbers first)."""
    if event.kind is Kind.CHOICE:
        return event.choice == NAV_EMERGENCY
    if event.kind is Kind.COMMAND:
        return event.command.strip().lower() in EMERGENCY_COMMANDS
    if event.kind is not Kind.TEXT:
        return False
    text = event.text[:READ_CHARS]
    if text.strip().casefold() in _emergency_labels():
        return True
    return whole_intent(text) == "emergency" or bool(urgency(text))


# A network's limit in the web chat, in residents' (carrier NAT puts many phones behind one
# address): a flooder dropping the cookie gets this far, a crowded network still chats.
NETWORK_TIMES = 20


@dataclass
class InboundLimit:
    """The limit per resident; `per_minute` 0 turns it off."""

    limiter: Limiter
    per_minute: float = 20.0
    burst: int = 10
    spell: float = SPELL

    async def check(self, event: InboundEvent) -> Verdict:
        if self.per_minute <= 0 or event.kind is Kind.SYSTEM:
            return Verdict.HANDLE
        who = f"{event.channel}:{event.account}:{event.user_id}"
        if await self._take(f"inbound:{who}") and await self._network(event):
            return Verdict.HANDLE
        if is_emergency(event):  # read only past the limit: most events never need it
            return Verdict.HANDLE if await self._take(f"inbound:sos:{who}") else Verdict.DROP
        # A spell is a pause of its own key, which over-limit events keep extending (no
        # more than every quarter of it: a pause may be a write, storage/limits.py); it ends
        # `spell` s after the last of them at most. Its first event takes the "told" slot,
        # one per `spell` at most: two events at once in two processes tell the resident once.
        spell = f"inbound:spell:{who}"
        left = await self.limiter.reserve([], spell)  # no limit: only the pause is read
        if left > 0:
            if left < self.spell * 3 / 4:
                await self.limiter.pause(spell, self.spell)
            return Verdict.DROP
        told = Limit(f"inbound:told:{who}", 1 / self.spell, 1)
        first = await self.limiter.reserve([told], spell) == 0
        await self.limiter.pause(spell, self.spell)
        if first:
            log.info("inbound limit reached channel=%s", event.channel)
        return Verdict.NOTICE if first else Verdict.DROP

    async def _take(self, key: str, times: int = 1) -> bool:
        limit = Limit(key, self.per_minute * times / 60, self.burst * times)
        return await self.limiter.reserve([limit], key) == 0

    async def _network(self, event: InboundEvent) -> bool:
        """The web chat's resident is only a cookie, which a flooder drops at will: its
        network (a keyed hash of the address, the day's, bot/channels/web_guard.py) has a
        limit of its own, NETWORK_TIMES a resident's, as many phones share one address."""
        if not event.origin:
            return True
        return await self._take(f"inbound:net:{event.channel}:{event.origin}", NETWORK_TIMES)


class Backlog:
    """The chats this process has replies queued for; the webhooks' back-pressure."""

    def __init__(self, bound: int = BACKLOG_CHATS, longest: float = BACKLOG_WAIT) -> None:
        self.bound = bound
        self.longest = longest
        self._queued: dict[str, int] = {}  # chat key → replies jobs not finished
        self._below: asyncio.Event | None = None

    @property
    def chats(self) -> int:
        return len(self._queued)

    async def settle(self, chat_key: str, sending: asyncio.Future[None]) -> None:
        """Count `sending` (a chat's replies, posted to delivery) until it is done; return at
        once unless too many chats have replies queued, else once they drain below the
        bound (at most `longest` s)."""
        self._queued[chat_key] = self._queued.get(chat_key, 0) + 1
        sending.add_done_callback(lambda _done: self._finished(chat_key))
        if len(self._queued) <= self.bound:
            return
        if self._below is None:
            self._below = asyncio.Event()
        self._below.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._below.wait(), self.longest)

    def _finished(self, chat_key: str) -> None:
        left = self._queued.get(chat_key, 1) - 1
        if left > 0:
            self._queued[chat_key] = left
        else:
            self._queued.pop(chat_key, None)
        if self._below is not None and len(self._queued) <= self.bound:
            self._below.set()


class Inbound:
    """What every channel calls between its event and the dispatcher, and after posting the
    replies: one per process (bot/runtime.py), shared by the channels."""

    def __init__(self, limit: InboundLimit | None = None, backlog: Backlog | None = None) -> None:
        self.limit = limit
        self.backlog = backlog or Backlog()
        self._langs: OrderedDict[str, str] = OrderedDict()

    async def dispatch(
        self, dispatcher: Dispatches, event: InboundEvent
    ) -> list[RenderedReply] | None:
        """The event's replies: the dispatcher's (None: a duplicate); past the resident's
        limit, the one notice of the spell, or none."""
        verdict = Verdict.HANDLE if self.limit is None else await self.limit.check(event)
        if verdict is Verdict.HANDLE:
            replies = await dispatcher.dispatch(event)
            if replies:
                self._learn(event, replies[-1].lang)
            return replies
        if verdict is Verdict.NOTICE:
            return render.replies([say("inbound.slow_down")], self._lang(event))
        return []

    async def settle(
        self, chat_key: str, sending: asyncio.Future[None], *, ordered: bool = False
    ) -> None:
        """Return once this process is not too far behind with its sends (the
        back-pressure) and, `ordered` (a Telegram webhook's update), once the chat's replies
        are out, at most ORDER_WAIT s."""
        await self.backlog.settle(chat_key, sending)
        if ordered:
            await asyncio.wait([sending], timeout=ORDER_WAIT)  # neither raises nor cancels

    # The notice is in the resident's language as their last replies were, when this
    # process made them: no state is loaded for an event that is not handled.

    def _learn(self, event: InboundEvent, lang: str) -> None:
        key = f"{event.channel}:{event.account}:{event.user_id}"
        if lang == DEFAULT_LANGUAGE:
            self._langs.pop(key, None)
            return
        self._langs[key] = lang
        self._langs.move_to_end(key)
        while len(self._langs) > LANGS_KEPT:
            self._langs.popitem(last=False)

    def _lang(self, event: InboundEvent) -> str:
        return self._langs.get(f"{event.channel}:{event.account}:{event.user_id}", DEFAULT_LANGUAGE)
