"""What handlers need from the outside world, as Protocols implemented in storage/."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from content.scamcheck import Found, Known
from content.text import fold
from handlers.audit import AuditAction
from handlers.deadlines import Calendar, Deadlines
from handlers.model import Media
from handlers.tipmodel import PinCheck, TimelineEntry, TipDraft, TipView, Visibility

if TYPE_CHECKING:  # both import this module's words
    from handlers.broadcasts.ports import BroadcastStore
    from handlers.chat_links import ChatLinks
    from handlers.commune_page import PageReader


def utc_now() -> datetime:
    return datetime.now(UTC)


class Attempts(Protocol):
    """Attempts counted under a key, shared by every process (storage/attempts.py): what a
    resident may try, counted where a new chat would not reset it (InboundEvent.origin)."""

    async def take(self, key: str, limit: int, per: timedelta) -> bool:
        """Count one attempt under `key` when about `limit` or fewer were counted within
        `per` (`limit` back to back, then one every `per / limit`); False, nothing counted,
        otherwise."""
        ...


@dataclass(frozen=True)
class Config:
    """Settings a flow needs, handed over by the runtime."""

    pin_secret: bytes = b"test-only"
    max_tips_per_day: int = 5
    # Working days for the deadlines: content.holidays.calendar() in the runtime.
    holidays: Calendar = frozenset()
    max_attachment_bytes: int = 20 * 1024 * 1024
    max_attachments: int = 10
    attachment_types: frozenset[str] = field(
        default_factory=lambda: frozenset({"photo", "video", "voice", "file"})
    )
    clock: Callable[[], datetime] = utc_now
    # Chat-link codes are hashed with it (handlers/chat_links.py), as the panel does.
    link_key: bytes = b"test-only-link"
    leader_broadcasts_per_day: int = 5
    # Retention (issue 18), told to residents in the tip notice: the runtime sets them from
    # BINHYEN_RETENTION_CHAT_DAYS and BINHYEN_RETENTION_CLOSED_TIP_DAYS.
    retention_chat_days: int = 30
    retention_closed_tip_days: int = 1825
    # Who runs the service, named to residents as a controller of their data (PDPL): from
    # BINHYEN_OPERATOR_NAME and BINHYEN_OPERATOR_CONTACT; unnamed, the notice says "the
    # service operator".
    operator_name: str = ""
    operator_contact: str = ""
    # What is counted per origin (InboundEvent.origin); None counts nothing (unit tests).
    attempts: Attempts | None = None
    # Tips a day from one origin (the web chat's network), whatever the chat: a new cookie
    # does not buy new tips; a few times max_tips_per_day, for residents behind one NAT.
    # From BINHYEN_WEB_TIPS_PER_ADDRESS; 0: no such limit.
    tips_per_origin: int = 20


@dataclass(frozen=True)
class StoredMedia:
    ref: str
    mime: str
    size: int
    sha256: str
    # A tip's file, checked when received (handlers/media_metadata): the status of its
    # metadata, the kinds found (never a value: the draft lives in the conversation state),
    # and the hash and size of the file without it, where it can be removed.
    metadata: str = ""
    found: tuple[str, ...] = ()
    clean_sha256: str = ""
    clean_size: int = 0


@dataclass(frozen=True)
class SettledMedia:
    """A tip's file as the tip keeps it: its own ref, size and hash are what is stored; what
    was received is kept beside them when the metadata was removed (its hash, its size)."""

    ref: str
    size: int
    sha256: str
    received_sha256: str = ""  # "" when what is stored is what was received
    received_size: int | None = None
    metadata_summary: str = ""  # JSON: handlers.media_metadata.summary
    metadata_removed: bool = False


class MediaUnavailable(Exception):
    """The platform would not hand over the file (gone, too large, or the fetch failed)."""


class MediaStoreDown(MediaUnavailable):
    """The file store did not answer (object storage down): the file may well still be
    there, it could not be reached now."""


class MediaKeeper(Protocol):
    async def keep(self, channel: str, account: str, media: Media) -> StoredMedia:
        """A tip's file, received while the tip is written: held apart, as it came, until
        the tip is sent (`settle`); a draft never sent leaves nothing (the held files go
        after the conversation state's lifetime). Its metadata is checked on receipt."""
        ...

    async def settle(self, kept: StoredMedia, anonymous: bool) -> SettledMedia | None:
        """The file a tip being sent keeps: a named reporter's as it came; an anonymous
        reporter's without its location and device metadata, the file as received no longer
        held anywhere. None when an anonymous tip cannot take it (metadata that cannot be
        removed). Run again for the same file (a retry of the sending), the same answer.
        MediaUnavailable when the file is gone (held past its time)."""
        ...

    async def keep_photo(self, channel: str, account: str, media: Media) -> StoredMedia:
        """A broadcast's photo, kept only if its bytes are one (handlers/broadcasts/photo.py:
        BadInput otherwise, and nothing is kept); its mime is what the bytes are. A fetch
        that fails is MediaUnavailable, as for `keep`."""
        ...

    async def read(self, ref: str) -> bytes | None:
        """The bytes of a file kept here (its StoredMedia.ref); None when it is gone."""
        ...


@dataclass
class Profile:
    resident_id: str
    lang: str = ""
    province_code: str = ""
    commune_code: str = ""
    consent_version: str = ""

    @property
    def has_area(self) -> bool:
        return bool(self.commune_code)

    def to_cache(self) -> dict[str, str]:
        return {
            "resident_id": self.resident_id,
            "lang": self.lang,
            "province_code": self.province_code,
            "commune_code": self.commune_code,
            "consent_version": self.consent_version,
        }

    @classmethod
    def from_cache(cls, cached: dict[str, object]) -> Profile | None:
        if not cached.get("resident_id"):
            return None
        return cls(
            resident_id=str(cached["resident_id"]),
            lang=str(cached.get("lang", "")),
            province_code=str(cached.get("province_code", "")),
            commune_code=str(cached.get("commune_code", "")),
            consent_version=str(cached.get("consent_version", "")),
        )


@dataclass(frozen=True)
class Rated:
    """What rating a closed tip came to: whether this call stored it, and the tip's rating
    now (None: the tip is not closed, so nothing was stored)."""

    recorded: bool
    stars: int | None


@dataclass(frozen=True)
class Neighbourhood:
    """A part of a commune (tổ dân phố, thôn, ấp) a resident may say they live in, so that
    its leaders' notices reach them. The police keep the list; a retired one is not offered."""

    id: int
    name: str


_NUMBERS = re.compile(r"(\d+)")


def _by_name(hood: Neighbourhood) -> tuple[list[str | int], str, int]:
    # Numbers by value, so that "Tổ 2" comes before "Tổ 10"; split on digits, the parts
    # alternate text and number, so two keys never compare a number with text.
    parts = _NUMBERS.split(fold(hood.name))
    return [int(p) if i % 2 else p for i, p in enumerate(parts)], hood.name, hood.id


def by_name(hoods: Iterable[Neighbourhood]) -> list[Neighbourhood]:
    """In the order residents look for them, the same whatever the database's collation."""
    return sorted(hoods, key=_by_name)


class Residents(Protocol):
    async def for_identity(self, channel: str, account: str, user_id: str) -> Profile:
        """The resident behind a platform account, created on first contact."""
        ...

    async def save_profile(self, profile: Profile) -> None:
        """Store the language and area. The neighbourhood is left as it is (a statement
        fewer on every save): one of another commune is never answered by `neighbourhood`,
        and the area flow forgets it when the resident moves."""
        ...

    async def neighbourhoods(self, commune_code: str) -> list[Neighbourhood]:
        """The commune's active neighbourhoods, `by_name`."""
        ...

    async def neighbourhood(self, resident_id: str) -> Neighbourhood | None:
        """The neighbourhood the resident said they live in, while it is active."""
        ...

    async def set_neighbourhood(self, resident_id: str, neighbourhood_id: int | None) -> bool:
        """Say where the resident lives (None: nowhere said). False, and nothing changes,
        when the neighbourhood is retired or not in the resident's commune."""
        ...

    async def set_reachable(
        self, channel: str, account: str, user_id: str, reachable: bool
    ) -> None: ...

    async def accept_consent(self, resident_id: str, version: str, at: datetime) -> None: ...


class Tips(Protocol):
    async def find_submission(self, submission_key: str) -> TipView | None: ...

    async def submit(
        self,
        *,
        submission_key: str,
        resident_id: str,
        draft: TipDraft,
        pin: str,
        deadlines: Deadlines,
        now: datetime,
        new_code: Callable[[], str],
    ) -> tuple[TipView, bool]: ...

    async def count_since(self, resident_id: str, since: datetime) -> int: ...

    async def of_resident(self, resident_id: str, limit: int = 10) -> list[TipView]: ...

    async def view(self, tip_id: str, resident_id: str | None = None) -> TipView | None: ...

    async def pin_check(self, code: str) -> PinCheck | None: ...

    async def set_pin_failures(
        self, tip_id: str, failures: int, locked_until: datetime | None
    ) -> None: ...

    async def reporter_timeline(self, tip_id: str) -> list[TimelineEntry]: ...

    async def add_event(
        self, tip_id: str, at: datetime, kind: str, visibility: Visibility, body: str = ""
    ) -> None: ...

    async def view_by_code(self, code: str, resident_id: str) -> TipView | None:
        """The tip with this receipt code, only if this resident sent it."""
        ...

    async def add_reporter_answer(self, tip_id: str, body: str, now: datetime) -> None:
        """The reporter's answer to the police, on the timeline; marks the tip replied."""
        ...

    async def rate(self, tip_id: str, stars: int, now: datetime) -> Rated:
        """The reporter's 1-5 rating of a closed tip, stored once."""
        ...

    async def detach_owner(self, resident_id: str) -> int:
        """Untie the resident's tips from them (their account is being erased): the tips
        stay as police records, followed only with their code and PIN; how many."""
        ...


@dataclass(frozen=True)
class TopicProgress:
    """A resident's way through one awareness topic: the cards seen and the best quiz."""

    cards_seen: frozenset[str] = frozenset()
    best_score: int | None = None
    quiz_total: int = 0  # the questions the quiz had when the best score was made
    last_score: int | None = None
    last_quiz_at: datetime | None = None


class SubscriptionKind(StrEnum):
    AWARENESS = "awareness"  # prevention tips, nationwide
    ALERTS = "alerts"  # the local police's alerts for one commune
    WEEKLY = "weekly"  # the scams of the week in the resident's province (police-confirmed)


@dataclass(frozen=True)
class Subscription:
    kind: SubscriptionKind
    commune_code: str = ""  # alerts only


class Awareness(Protocol):
    """Progress through the awareness topics, and opt-in subscriptions to messages."""

    async def progress(self, resident_id: str) -> dict[str, TopicProgress]: ...

    async def mark_seen(
        self, resident_id: str, topic_id: str, card_id: str, at: datetime
    ) -> None: ...

    async def record_quiz(
        self, resident_id: str, topic_id: str, score: int, total: int, at: datetime
    ) -> TopicProgress: ...

    async def subscriptions(self, resident_id: str) -> list[Subscription]:
        """The resident's active subscriptions."""
        ...

    async def subscribe(self, resident_id: str, subscription: Subscription, at: datetime) -> bool:
        """Opt in; False when already subscribed."""
        ...

    async def unsubscribe(
        self, resident_id: str, subscription: Subscription, at: datetime
    ) -> bool: ...

    async def unsubscribe_all(self, resident_id: str, at: datetime) -> list[Subscription]:
        """End every active subscription (STOP); the ones ended."""
        ...


@dataclass(frozen=True)
class HeldChat:
    """A chat account the resident writes from (a channel identity)."""

    channel: str
    user_id: str
    since: datetime | None = None
    reachable: bool = True


@dataclass(frozen=True)
class HeldSubscription:
    """One opt-in as stored, ended ones too (`until`)."""

    subscription: Subscription
    since: datetime
    until: datetime | None = None


@dataclass(frozen=True)
class HeldAccount:
    """What the resident's own rows hold beyond the profile (handlers/mydata.py)."""

    since: datetime | None
    consent_version: str = ""
    consent_at: datetime | None = None
    chats: tuple[HeldChat, ...] = ()
    subscriptions: tuple[HeldSubscription, ...] = ()
    messages_waiting: int = 0  # the outbox: messages owed to them, not yet sent
    messages_sent: int = 0  # … and those sent (or given up on), kept as the delivery log


@dataclass(frozen=True)
class Erased:
    """What an erasure removed; nothing at all when the resident was already gone."""

    resident: bool = False
    chats: int = 0
    subscriptions: int = 0
    progress: int = 0
    messages: int = 0


class MyData(Protocol):
    """A resident's own data (issue 18): what is held, its erasure, and the audit of both,
    which names no resident."""

    async def account(self, resident_id: str) -> HeldAccount | None:
        """None when the resident is not (any more) stored."""
        ...

    async def erase(self, resident_id: str) -> Erased:
        """Delete the resident and what hangs off them: chat identities, subscriptions,
        awareness progress, their neighbourhood, the outbox's messages to them, a leader's
        link to the chat. Tips are not touched (Tips.detach_owner). A second call erases
        nothing and does not fail."""
        ...

    async def record(self, action: AuditAction, *, detail: str, now: datetime) -> None:
        """An audit row with no actor id nor subject, done by "resident" (handlers/audit.py
        SYSTEM_ACTORS): never which resident."""
        ...


class Indicators(Protocol):
    """Scam indicators (phones, domains, URLs, accounts): what the check looks up, and what
    fraud tips report."""

    async def lookup(self, found: Sequence[Found]) -> list[Known]:
        """What is known of these indicators (a domain's parents included)."""
        ...

    async def report_from_tip(self, tip_id: str, found: Sequence[Found], at: datetime) -> int:
        """Count a confirmed tip's indicators as reported; how many counts went up."""
        ...


class OwedReplies(Protocol):
    """A turn's replies kept with its commit until they are sent (storage/owed_replies.py)."""

    async def add(
        self,
        event_key: str,
        channel: str,
        account: str,
        sealed: str,
        *,
        now: datetime,
        lease: timedelta,
    ) -> int: ...


@dataclass(frozen=True)
class HonourStanding:
    """Where a resident's tip stands for the unit's 19/8 honour list (issue 20)."""

    thanked: bool = False  # the chief thanked them for it: they may be named
    named: bool = False  # they chose to be named (a name is kept, sealed)


@dataclass(frozen=True)
class HeldHonour:
    """A name the resident gave for the 19/8 honour list, for their copy of their data."""

    tip_id: str
    name: str
    year: int  # the year of the list it is in (handlers/honour_year.py)
    given_at: datetime


class Honour(Protocol):
    """The 19/8 honour list, as the reporter of a thanked tip sees it (handlers/honour.py).
    The caller has checked that the tip is the resident's own."""

    async def standing(self, tip_id: str) -> HonourStanding: ...

    async def name(self, tip_id: str, name: str, now: datetime) -> bool:
        """Keep (or replace) the name to show, sealed; False when the tip was not thanked."""
        ...

    async def withdraw(self, tip_id: str) -> bool:
        """Take the name off the list; False when there was none."""
        ...

    async def given(self, tip_ids: Sequence[str]) -> list[HeldHonour]:
        """The names given for these tips (the caller's own), oldest first."""
        ...


class ScamChecks(Protocol):
    """How many scam checks were run, for the movement's reports (issue 20): counts only."""

    async def count(self, commune_code: str, day: date, outcome: str) -> None:
        """One more check by a resident of `commune_code` ("" when none is chosen) on the
        Vietnam `day`, with the verdict level `outcome` (content.scamcheck.Level), in the
        turn's own transaction. A count changes nothing the turn's replies depend on (it
        makes no reply owed, UnitOfWork.wrote)."""
        ...


class UnitOfWork(Protocol):
    """One unit of work per inbound event: repositories share a session, committed once."""

    @property
    def wrote(self) -> bool:
        """Whether this unit of work changed anything so far (its replies are then owed)."""
        ...

    @property
    def owed(self) -> OwedReplies: ...

    @property
    def residents(self) -> Residents: ...

    @property
    def tips(self) -> Tips: ...

    @property
    def awareness(self) -> Awareness: ...

    @property
    def indicators(self) -> Indicators: ...

    @property
    def mydata(self) -> MyData:
        """The resident's own data: what is held, erasure (handlers/mydata.py)."""
        ...

    @property
    def leaders(self) -> ChatLinks:
        """Chats linked to leaders' accounts, and the codes that link them."""
        ...

    @property
    def broadcasts(self) -> BroadcastStore:
        """What a linked leader composes through, as the panel does."""
        ...

    @property
    def honour(self) -> Honour:
        """The 19/8 honour list, for the reporter of a thanked tip (issue 20)."""
        ...

    @property
    def scam_checks(self) -> ScamChecks:
        """Scam checks counted per commune, day and verdict (issue 20)."""
        ...

    @property
    def commune_pages(self) -> PageReader:
        """The commune's own page: how residents reach their police (issue 21)."""
        ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...

    async def close(self) -> None:
        """Give the connection back; what was not committed is gone."""
        ...
