"""Issue 18: no reporter identity at rest in clear. A draft's name and phone are sealed in the
conversation state, a draft lives a day, and a stored tip names its resident only through
the service's key (storage/owners.py)."""

from __future__ import annotations

import time
from typing import Any

from handlers.report import sealed
from handlers.state import (
    DRAFT_TTL_SECONDS,
    STATE_TTL_SECONDS,
    ConversationState,
    ttl_of,
)
from storage.owners import Owners
from storage.sealing import Sealer
from storage.state_memory import ComposedConversations, MemoryStateStore
from tests.conftest import PIN_SECRET, SEALER, Chat
from tests.unit.test_report_flow import only_tip, receipt_of, to_review


def _raw_states(chat: Chat) -> list[str]:
    conversations = chat.dispatcher.conversations
    assert isinstance(conversations, ComposedConversations)
    states = conversations.states
    assert isinstance(states, MemoryStateStore)
    return [value for _expiry, value in states._data._items.values()]


def _expiries(chat: Chat) -> list[float]:
    conversations = chat.dispatcher.conversations
    assert isinstance(conversations, ComposedConversations)
    states = conversations.states
    assert isinstance(states, MemoryStateStore)
    return [expiry - time.monotonic() for expiry, _value in states._data._items.values()]


async def test_a_drafts_name_and_phone_are_never_in_the_state_in_clear(chat: Chat) -> None:
    await to_review(chat)
    assert "Nguyễn Văn An, 0912 345 678" in chat.text  # the resident still sees them
    raw = "\n".join(_raw_states(chat))
    for clear in ("Nguyễn Văn An", "Nguy\\u1ec5n", "912345678", "0912 345 678"):
        assert clear not in raw
    # ... and while it is a draft, it is kept a day, not a month.
    assert all(left <= DRAFT_TTL_SECONDS for left in _expiries(chat))
    code, _pin = receipt_of(await chat.pick("tip:confirm"))
    tip = await only_tip(chat)
    assert tip.code == code and SEALER.open(tip.contact_sealed) == {
        "name": "Nguyễn Văn An",
        "phone": "+84912345678",
    }
    # The chat's state does not keep the moment the tip was made (a copy of the state and
    # of the database would join on it), only the hour after, for the daily limit.
    raw = "\n".join(_raw_states(chat))
    assert tip.created_at.isoformat() not in raw
    assert tip.created_at.isoformat()[:16] not in raw and tip.code not in raw
    # Sent: the chat is back at the menu, kept the usual 30 days.
    assert all(DRAFT_TTL_SECONDS < left <= STATE_TTL_SECONDS for left in _expiries(chat))


async def test_choosing_anonymity_after_a_name_leaves_nothing_of_it(chat: Chat) -> None:
    await to_review(chat)
    assert '"contact"' in "\n".join(_raw_states(chat))  # sealed, as the test above shows
    await chat.pick("tip:edit")
    if "edit:identity" in chat.choices:
        await chat.pick("edit:identity")
    else:  # the review's edit menu names the step
        choice = next(c for c in chat.choices if "identity" in c or "anon" in c)
        await chat.pick(choice)
    await chat.pick("id:anonymous")
    raw = "\n".join(_raw_states(chat))
    assert '"contact"' not in raw and "Nguyễn" not in raw


def test_a_sealed_draft_contact_opens_only_with_its_key() -> None:
    data: dict[str, Any] = {"name": "Trần Thị Bình", "phone": "+84987654321"}  # an old draft
    assert sealed.opened(data, PIN_SECRET) == {"name": "Trần Thị Bình", "phone": "+84987654321"}
    sealed.keep(data, PIN_SECRET, name="Lê Văn Cường")
    assert set(data) == {"contact"} and "Cường" not in data["contact"]
    assert sealed.opened(data, PIN_SECRET) == {"name": "Lê Văn Cường", "phone": "+84987654321"}
    # Another key (a changed secret) opens nothing: the resident is asked again, never
    # shown another's details, and nothing fails.
    assert sealed.opened(data, b"another secret") == {"name": "", "phone": ""}
    assert sealed.opened({"contact": "not a token"}, PIN_SECRET) == {"name": "", "phone": ""}
    sealed.forget(data)
    assert data == {}


def test_only_a_state_holding_a_draft_is_kept_a_day() -> None:
    assert ttl_of(ConversationState(flow="report", step="description")) == DRAFT_TTL_SECONDS
    # A scam check holding a tip to go back to holds the draft too.
    check = ConversationState(flow="check", data={"resume": {"step": "review", "data": {}}})
    assert ttl_of(check) == DRAFT_TTL_SECONDS
    assert ttl_of(ConversationState(flow="mytips", step="list")) == DRAFT_TTL_SECONDS
    assert ttl_of(ConversationState(flow="answer", data={"code": "BY-1"})) == DRAFT_TTL_SECONDS
    assert ttl_of(ConversationState(flow="menu")) == STATE_TTL_SECONDS
    assert ttl_of(ConversationState(flow="check", data={"text": "0912"})) == STATE_TTL_SECONDS


def test_the_owner_reference_needs_the_key() -> None:
    owners = Owners.of(SEALER)
    resident = "4f6c1d3e-8a0b-4c55-9a51-0d6a3b1f2e77"
    ref = owners.ref(resident)
    assert resident not in ref and len(ref) == 64
    assert owners.ref(resident) == ref and owners.refs(resident) == [ref]
    assert owners.open(owners.seal(resident)) == resident
    other = Owners.of(Sealer(b"x" * 32))  # a dump's reader without the key
    assert other.ref(resident) != ref and other.open(owners.seal(resident)) is None
    assert owners.open("") is None and owners.open("garbage") is None
