"""Linking a chat to a leader's panel account, so that the leader composes notices where they
already are: the panel hands out a one-time code, the leader types it to the bot.

The code is "LK-" and six characters of an alphabet without look-alikes (no 0/O, 1/I/L, 2/Z,
5/S, 6/G, 8/B), at least one a digit: it cannot be taken for a tip's receipt code
(BY-XXXX-XX), a PIN (digits only) or an ordinary word, which has no digit. Typed with or
without the dash, in any case, with spaces, it is the same code.

Only a keyed hash of the code is stored (as API tokens are, storage/api_tokens.py), so a copy
of the database yields no usable code. A code lives 15 minutes and works once; each one made,
used or refused is in the audit log. Codes belong to one account, so a code says which
leader it links and nothing about any other; residents never learn who a leader is.

Guessing is slowed down twice over. A chat that typed `CHAT_TRIES` wrong codes (unknown, used,
expired or not a leader's) within the hour is refused any code, even a right one, until the
hour is over: the tries are kept with the chat's profile, as a PIN's are (handlers/mytips.py),
so on Redis every process counts them. All the chats of one bot account together get
`BOT_TRIES` wrong codes an hour, counted from the audit log in the database, which every
process shares: new chats (a web chat is one click away) do not buy new guesses. Each refusal,
for a limit too, is audited with its reason (`Linked`).

A leader unlinks their chat on the account page, and the chief of their commune (or an admin
of its province) on the neighbourhoods page, where the commune's leaders are managed; either
is audited. The chat then no longer composes: the router asks for its leader on every event
(`leader_of`), as it does when an account is deactivated. The panel shows a linked chat by its
channel and since when, never by the platform's user id.

Officers and chiefs link a chat the same way (issue 15), to be told there what they chose
(`Wants`): a new urgent tip of their commune, a reporter's answer to their question, the
morning digest; all three until they change them. Their chat does not compose: only a
leader's gets the notice item (`leader_of` asks for an active leader). What they are told
never carries the reporter's identity nor the tip's text (storage/officer_notifications.py)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from handlers.audit import AuditAction
from handlers.errors import Forbidden, NotFound
from handlers.neighbourhoods.rules import check_manages
from handlers.people import AdminRole, Identity

PREFIX = "LK"
ALPHABET = "ACDEFHJKMNPRTUVWXY3479"
DIGITS = frozenset("3479")
LENGTH = 6
# Who may link a chat: leaders to compose notices, officers and chiefs to be told.
LINKING_ROLES = frozenset({AdminRole.LEADER, AdminRole.OFFICER, AdminRole.CHIEF})
# Who may be told of tips in the linked chat (storage/officer_notifications.py).
TOLD_ROLES = frozenset({AdminRole.OFFICER, AdminRole.CHIEF})
LIFETIME = timedelta(minutes=15)
_TYPED = re.compile(rf"{PREFIX}-?([{ALPHABET}]{{{LENGTH}}})")
# Wrong codes allowed within `TRY_WINDOW`: from one chat, and from all chats of a bot account.
CHAT_TRIES = 5
BOT_TRIES = 50
TRY_WINDOW = timedelta(hours=1)
TRIES_KEY = "link_tries"  # in the chat's profile (ConversationState.profile)


@dataclass(frozen=True)
class LinkCode:
    """What is stored of a code: whose it is, until when, and when it was used."""

    user_id: int
    expires_at: datetime
    used_at: datetime | None = None


@dataclass(frozen=True)
class NewCode:
    code: str  # shown once, to the leader who asked
    expires_at: datetime


class Linked(StrEnum):
    """What became of a typed code."""

    LINKED = "linked"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    # The account is no longer active, or no longer of a role that links a chat (the value
    # says "leader" for the audit rows written before officers linked chats too).
    NOT_LEADER = "not_leader"
    OTHER_ACCOUNT = "other_account"  # the chat is linked to another account: unlink it first
    INACTIVE = "inactive"  # an officer's or chief's account, deactivated (or now unable to link)
    LIMITED = "limited"  # this chat typed CHAT_TRIES wrong codes within the hour
    PAUSED = "paused"  # the bot account's chats typed BOT_TRIES wrong codes within the hour


# The outcomes that count as a wrong guess toward the limits (a refusal for a limit does not:
# a flood of them must not keep linking shut for ever).
WRONG = frozenset(
    {
        Linked.UNKNOWN,
        Linked.USED,
        Linked.EXPIRED,
        Linked.NOT_LEADER,
        Linked.INACTIVE,
        Linked.OTHER_ACCOUNT,
    }
)


@dataclass(frozen=True)
class LinkedChat:
    """A leader's linked chat as the panel shows it: its channel ("telegram", "zalo_bot",
    "zalo_oa", …; "" if the chat has no platform account any more) and since when."""

    channel: str
    linked_at: datetime


@dataclass(frozen=True)
class Wants:
    """What an officer or chief is told in their linked chat: a new urgent tip of their
    commune at once, a reporter's answer to their question at once, the morning digest
    (07:30, working days). All of it until they choose otherwise."""

    urgent_tips: bool = True
    answers: bool = True
    digest: bool = True


class ChatLinks(Protocol):
    async def add_code(
        self, user_id: int, code_hash: str, created_at: datetime, expires_at: datetime
    ) -> None: ...

    async def find_code(self, code_hash: str) -> LinkCode | None:
        """The code with this hash, locked until the unit of work ends."""
        ...

    async def use_code(self, code_hash: str, now: datetime) -> bool:
        """Mark the code used, if it is not yet; whether this call did (one of two wins)."""
        ...

    async def leader(self, user_id: int) -> Identity | None:
        """The account, while it is an active leader."""
        ...

    async def linkable(self, user_id: int) -> Identity | None:
        """The account, while it is active and of a role that links a chat (LINKING_ROLES)."""
        ...

    async def wants(self, user_id: int) -> Wants:
        """What the account chose to be told in its linked chat (all of it by default)."""
        ...

    async def set_wants(self, user_id: int, wants: Wants, now: datetime) -> None: ...

    async def link(self, user_id: int, resident_id: str, now: datetime) -> None:
        """The leader's chat is now this resident's: one chat per leader, one leader per
        chat; an earlier link of either is replaced."""
        ...

    async def leader_of(self, resident_id: str) -> Identity | None:
        """The active leader account this resident's chat is linked to, if any."""
        ...

    async def linked_to(self, resident_id: str) -> int | None:
        """The id of the account this resident's chat is linked to (active or not), if any."""
        ...

    async def account(self, user_id: int) -> Identity | None:
        """The account, active or not, whatever its role."""
        ...

    async def chats(self, user_id: int) -> list[LinkedChat]:
        """The chats linked to the account, active or not."""
        ...

    async def commune_chats(self, commune_code: str) -> dict[int, list[LinkedChat]]:
        """The chats linked to the commune's leader accounts, by account id."""
        ...

    async def unlink(self, user_id: int, channel: str) -> bool:
        """Remove the account's link to its chat on this channel; whether there was one."""
        ...

    async def wrong_since(self, bot: str, since: datetime) -> int:
        """The wrong codes (refusals in `WRONG`) typed to this bot account since then."""
        ...

    async def audit(
        self,
        action: AuditAction,
        actor: Identity | None,
        *,
        detail: str,
        ip: str,
        now: datetime,
        subject: str = "chat",
    ) -> None: ...


def check_links(actor: Identity) -> None:
    if actor.role not in LINKING_ROLES:
        raise Forbidden(detail="only leaders, officers and chiefs link a chat")


def new_text() -> str:
    while True:
        body = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        if DIGITS & set(body):
            return f"{PREFIX}-{body}"


def normalised(typed: str) -> str | None:
    """The code a message is, in its one stored form ("LKxxxxxx"), or None. The whole
    message must be the code: a code inside a sentence is not read."""
    squeezed = "".join(typed.split()).upper()
    found = _TYPED.fullmatch(squeezed)
    if found is None or not DIGITS & set(found.group(1)):
        return None
    return PREFIX + found.group(1)


def code_hash(key: bytes, code: str) -> str:
    return hmac.new(key, f"chat-link\0{code}".encode(), hashlib.sha256).hexdigest()


async def new_code(
    store: ChatLinks, actor: Identity, key: bytes, *, now: datetime, ip: str = ""
) -> NewCode:
    """A code for the actor's chat: a leader's to compose notices in, an officer's or a
    chief's to be told of tips; a province admin links none."""
    check_links(actor)
    text = new_text()
    expires = now + LIFETIME
    await store.add_code(actor.id, code_hash(key, normalised(text) or text), now, expires)
    await store.audit(AuditAction.CHAT_LINK_CREATE, actor, detail="", ip=ip, now=now)
    return NewCode(text, expires)


def chat_tries(profile: MutableMapping[str, Any], now: datetime) -> list[str]:
    """The chat's wrong codes within the hour (ISO times), kept in its profile: the list is
    the profile's own, so a try added to it is saved with the chat's state."""
    since = now - TRY_WINDOW
    kept = profile.get(TRIES_KEY)
    recent = [t for t in (kept if isinstance(kept, list) else []) if _moment(t, since) > since]
    profile[TRIES_KEY] = recent  # outlives flows: kept with the profile
    return recent


def _moment(value: object, default: datetime) -> datetime:
    """A try's time as kept; `default` for anything else (a naive time included)."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return default
    return default if moment.tzinfo is None else moment


async def link(
    store: ChatLinks,
    key: bytes,
    code: str,
    resident_id: str,
    *,
    now: datetime,
    tries: list[str],
    bot: str,
) -> tuple[Linked, Identity | None]:
    """Use a normalised code for the resident's chat: what became of it, and the account
    linked (None unless LINKED): a leader, an officer or a chief. `tries` are the chat's
    wrong codes within the hour (`chat_tries`); a wrong one is added. `bot` names the bot
    account ("channel:account"). Every outcome is audited; a refusal under the bot's name
    with its reason, and under the account the code was made for, when it was one's."""
    hashed = code_hash(key, code)
    found = await store.find_code(hashed)
    owner = None if found is None else await store.account(found.user_id)
    leader = None if found is None else await store.linkable(found.user_id)
    if len(tries) >= CHAT_TRIES:
        outcome = Linked.LIMITED
    elif await store.wrong_since(bot, now - TRY_WINDOW) >= BOT_TRIES:
        outcome = Linked.PAUSED
    elif found is None:
        outcome = Linked.UNKNOWN
    elif found.used_at is not None:
        outcome = Linked.USED
    elif found.expires_at <= now:
        outcome = Linked.EXPIRED
    elif leader is None:  # the account cannot link (any more): said in its role's words
        police = owner is not None and owner.role is not AdminRole.LEADER
        outcome = Linked.INACTIVE if police else Linked.NOT_LEADER
    elif (await store.linked_to(resident_id)) not in (None, leader.id):
        # A chat speaks for one account: another's is not taken over by a code typed in it.
        outcome = Linked.OTHER_ACCOUNT
    elif not await store.use_code(hashed, now):
        outcome = Linked.USED
    else:
        outcome = Linked.LINKED
    if outcome is not Linked.LINKED or leader is None:
        if outcome in WRONG:
            tries.append(now.isoformat())
        await store.audit(
            AuditAction.CHAT_LINK_REFUSE, owner, detail=outcome, ip="", now=now, subject=bot
        )
        return outcome, None
    await store.link(leader.id, resident_id, now)
    await store.audit(AuditAction.CHAT_LINK_USE, leader, detail="", ip="", now=now)
    return outcome, leader


# -- the panel: which chats are linked, and unlinking one ----------------------------------------


async def own_chats(store: ChatLinks, actor: Identity) -> list[LinkedChat]:
    """The chats linked to the actor's account (leaders, officers, chiefs)."""
    check_links(actor)
    return await store.chats(actor.id)


async def own_wants(store: ChatLinks, actor: Identity) -> Wants:
    """What the officer or chief is told in their linked chat; Forbidden for other roles."""
    check_told(actor)
    return await store.wants(actor.id)


async def set_own_wants(store: ChatLinks, actor: Identity, wants: Wants, *, now: datetime) -> None:
    """The officer's or chief's own choices; Forbidden for other roles."""
    check_told(actor)
    await store.set_wants(actor.id, wants, now)


def check_told(actor: Identity) -> None:
    if actor.role not in TOLD_ROLES:
        raise Forbidden(detail="only officers and chiefs are told of tips")


async def commune_chats(
    store: ChatLinks, actor: Identity, commune_code: str
) -> dict[int, list[LinkedChat]]:
    """The chats of a commune's leaders, for whoever manages its leaders (its chief, an
    admin of its province): NotFound outside the actor's area, Forbidden for other roles."""
    check_manages(actor, commune_code)
    return await store.commune_chats(commune_code)


async def unlink(
    store: ChatLinks,
    actor: Identity,
    leader_id: int,
    channel: str,
    *,
    now: datetime,
    ip: str = "",
) -> Identity:
    """Unlink the leader's chat on this channel: the leader their own (as an officer or a
    chief their own; Forbidden for a province admin's own account), the chief of the
    leader's commune or an admin of its province any of theirs; the leader's account.
    NotFound for a leader out of reach, or no chat linked on that channel."""
    if leader_id == actor.id:  # one's own: a leader's, an officer's or a chief's
        check_links(actor)
        leader = actor
    else:
        found = await store.account(leader_id)
        if found is None or found.role is not AdminRole.LEADER:
            raise NotFound(detail="no such leader")
        check_manages(actor, found.commune_code)
        leader = found
    if not channel or not await store.unlink(leader.id, channel):
        raise NotFound(detail="no chat linked on that channel")
    await store.audit(
        AuditAction.CHAT_UNLINK, actor, detail=channel, ip=ip, now=now, subject=leader.username
    )
    return leader
