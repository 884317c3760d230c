"""A resident who was unreachable on a chat account is reachable again as soon as they write.

A platform's refusal (a 403, an account gone, Zalo OA's 7-day window closed) marks the
account unreachable (bot/runtime.py mark_unreachable), and the police's messages to its
resident wait for them (storage/outbox.py). Any event from that account afterwards (a
message, a button, a command; an unblock or a follow too) makes it reachable again, which
releases those messages (storage/residents.py set_reachable).

Most messages read no identity row: the chat's state caches the profile (bot/dispatcher.py).
So marking an account unreachable also marks its chat's state "away" (`mark_away`, under the
chat's own lock, as a pushed message's buttons are offered), and `came_back`, which the router
runs before its checks, reads that mark from the state already loaded: no query at all for
every other message, one statement for the first message after a refusal. A chat with no
cached profile needs no mark: its next message loads the profile, and the identity's flag
with it (storage/residents.py for_identity).

A mark may fail (the chat's lock held past MARK_WAIT by a long turn, a media download; the
state store away for a moment). The outbox worker therefore makes it again for every message
it leaves waiting, and keeps a message pending, tried again shortly, until its resident's
chats are marked (bot/outbox.py `_wait`): a resident who keeps chatting is never left
unreachable for want of a mark. Setting the mark is enough: the cached profile need not be
dropped, as `came_back` then asks the database exactly as a profile read would.

Accepted race: a refusal that was in flight when the resident came back (a Telegram 403 for a
message sent just before an unblock, committed after the unblock's turn) marks them away
again. Nothing is lost: what is owed waits, and their next message releases it. Zalo OA's
window check is kept from doing the same (bot/channels/zalo_oa/channel.py `push` reads the
last interaction again before answering "outside the window").
"""

from __future__ import annotations

import asyncio
import logging
import uuid

from handlers.context import Ctx
from handlers.model import Kind, SystemEvent
from handlers.state import Conversations

log = logging.getLogger("binhyen.reachability")

AWAY = "away"  # in the state's profile cache: this chat's account was marked unreachable
# How long marking waits for the chat's lock: a turn in progress ends long before; past it
# the mark is left out, and the chat is noticed when its profile is next read.
MARK_WAIT = 10.0


async def mark_away(conversations: Conversations, chat_key: str) -> bool:
    """Mark the chat whose account was marked unreachable, so that its next event makes it
    reachable again; whether it is so now (marked, or with no cached profile to mark).
    Called after the identity's row was committed unreachable: a turn that read its profile
    before then saves its state before this mark is made. Marking again changes nothing."""
    try:
        await asyncio.wait_for(_mark(conversations, chat_key), timeout=MARK_WAIT)
    except Exception as exc:  # the outbox marks it again (bot/outbox.py _wait)
        log.warning("chat not marked away: %s", type(exc).__name__)
        return False
    return True


async def _mark(conversations: Conversations, chat_key: str) -> None:
    async with conversations.turn(chat_key, f"away:{uuid.uuid4().hex}") as turn:
        state = turn.state
        if state is None or not state.profile.get("resident_id"):
            return  # no cached profile: the next event reads the identity row anyway
        state.profile[AWAY] = 1
        turn.keep(state)


async def came_back(ctx: Ctx) -> None:
    """The first event from a chat marked away: its account is reachable again, and the
    messages that waited for the resident go out (in the turn's own transaction, so that a
    turn rolled back leaves the mark). The event is then handled as any other."""
    if ctx.event.kind is Kind.SYSTEM or not ctx.state.profile.pop(AWAY, None):
        return
    event = ctx.event
    await ctx.uow.residents.set_reachable(event.channel, event.account, event.user_id, True)


def system_event(ctx: Ctx) -> bool:
    """Whether a system event makes the account reachable (unblocked, followed) or not
    (blocked, unfollowed); the chat's away mark follows, so that a resident who writes after
    blocking with no unblock in between (Zalo OA lets one write without following) is
    noticed."""
    reachable = ctx.event.system in (SystemEvent.UNBLOCKED, SystemEvent.FOLLOW)
    if reachable:
        ctx.state.profile.pop(AWAY, None)
    elif ctx.state.profile.get("resident_id"):
        ctx.state.profile[AWAY] = 1
    return reachable
