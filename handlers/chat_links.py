"""Linking a chat to a leader's panel account, so that the leader composes notices where they
already are: the panel hands out a one-time code, the leader types it to the bot.

The code is "LK-" and six characters of an alphabet without look-alikes (no 0/O, 1/I/L, 2/Z,
5/S, 6/G, 8/B), at least one a digit: it cannot be taken for a tip's receipt code
(BY-XXXX-XX), a PIN (digits only) or an ordinary word, which has no digit. Typed with or
without the dash, in any case, with spaces, it is the same code.

Only a keyed hash of the code is stored (as API tokens are, storage/api_tokens.py), so a copy
of the database yields no usable code. A code lives 15 minutes and works once; each one made,
used or refused is in the audit log. Codes belong to one account, so a code says which
leader it links and nothing about any other; residents never learn who a leader is."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from handlers.audit import AuditAction
from handlers.errors import Forbidden
from handlers.people import AdminRole, Identity

PREFIX = "LK"
ALPHABET = "ACDEFHJKMNPRTUVWXY3479"
DIGITS = frozenset("3479")
LENGTH = 6
LIFETIME = timedelta(minutes=15)
_TYPED = re.compile(rf"{PREFIX}-?([{ALPHABET}]{{{LENGTH}}})")


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
    NOT_LEADER = "not_leader"  # the account is no longer an active leader


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

    async def link(self, user_id: int, resident_id: str, now: datetime) -> None:
        """The leader's chat is now this resident's: one chat per leader, one leader per
        chat; an earlier link of either is replaced."""
        ...

    async def leader_of(self, resident_id: str) -> Identity | None:
        """The active leader account this resident's chat is linked to, if any."""
        ...

    async def audit(
        self, action: AuditAction, actor: Identity | None, *, detail: str, ip: str, now: datetime
    ) -> None: ...


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
    """A code for the actor's chat; leaders only (the police compose in the panel)."""
    if actor.role is not AdminRole.LEADER:
        raise Forbidden(detail="only leaders link a chat")
    text = new_text()
    expires = now + LIFETIME
    await store.add_code(actor.id, code_hash(key, normalised(text) or text), now, expires)
    await store.audit(AuditAction.CHAT_LINK_CREATE, actor, detail="", ip=ip, now=now)
    return NewCode(text, expires)


async def link(
    store: ChatLinks, key: bytes, code: str, resident_id: str, *, now: datetime
) -> tuple[Linked, Identity | None]:
    """Use a normalised code for the resident's chat: what became of it, and the leader
    linked (None unless LINKED). Every outcome is audited."""
    hashed = code_hash(key, code)
    found = await store.find_code(hashed)
    leader = None if found is None else await store.leader(found.user_id)
    if found is None:
        outcome = Linked.UNKNOWN
    elif found.used_at is not None:
        outcome = Linked.USED
    elif found.expires_at <= now:
        outcome = Linked.EXPIRED
    elif leader is None:
        outcome = Linked.NOT_LEADER
    elif not await store.use_code(hashed, now):
        outcome = Linked.USED
    else:
        outcome = Linked.LINKED
    if outcome is not Linked.LINKED or leader is None:
        await store.audit(AuditAction.CHAT_LINK_REFUSE, leader, detail=outcome, ip="", now=now)
        return outcome, None
    await store.link(leader.id, resident_id, now)
    await store.audit(AuditAction.CHAT_LINK_USE, leader, detail="", ip="", now=now)
    return outcome, leader
