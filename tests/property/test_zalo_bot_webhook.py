"""Hostile bodies at POST /webhooks/zalo-bot (issue 19): with the right secret header (so that
the body reaches parsing) or without, never a 5xx, no error or traceback in the logs, and an
update the bot does not take changes nothing. Before, an event name with a lone surrogate
answered 500."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.channels.zalo_bot import Rates
from bot.channels.zalo_bot.events import parse_update, to_event
from tests.e2e.channels import app_settings
from tests.fakes.zalo_bot_api import FakeZaloBot, Updates
from tests.property.door import Door, door
from tests.property.hostile import bodies, budget, dumps

HOOK = "/webhooks/zalo-bot"
HEADER = "X-Bot-Api-Secret-Token"
SECRET = "zalo-webhook-secret_for-tests"
UNPACED = Rates(per_bot=10_000, bot_burst=10_000, per_chat=10_000, chat_burst=10_000)
CHAT = "6ede9afa66b88fe6d6a9"
SEED_ID = "seed"  # the message_id of every seed: each knock gets a new one
PHOTO_URL = "https://s120-ava-talk.zadn.vn/a/b/photo.jpg"

_updates = Updates()


def _seed(update: dict[str, Any]) -> dict[str, Any]:
    return {**update, "message": {**update["message"], "message_id": SEED_ID}}


SEEDS = [
    _seed(u)
    for u in (
        _updates.text(CHAT, "Xin chào, tôi muốn báo tin"),
        _updates.text(CHAT, "/start"),
        _updates.image(CHAT, PHOTO_URL, caption="xe máy"),
        _updates.image(CHAT, PHOTO_URL, legacy=True),
        _updates.sticker(CHAT),
        _updates.voice(CHAT, "https://s120-ava-talk.zadn.vn/a/b/voice.aac"),
        _updates.unsupported(CHAT),
        _updates.group_text("group-1", CHAT, "nhóm"),
        _updates.event("user.typing", CHAT),
    )
]
SEEDS.append(Updates.wrapped(SEEDS[0]))

# Before: a lone surrogate in the event name answered 500 (issue 19).
SURROGATE_NAME = {**SEEDS[0], "event_name": "message.text.received\ud800"}
SURROGATE_TEXT = {**SEEDS[0], "message": {**SEEDS[0]["message"], "text": "a\ud800b"}}
NO_MESSAGE_ID = {
    **SEEDS[0],
    "message": {k: v for k, v in SEEDS[0]["message"].items() if k != "message_id"}
    | {"x": "\udc00"},
}


def _fresh(doc: Any) -> Any:
    doc = copy.deepcopy(doc)
    for update in (doc, doc.get("result")) if isinstance(doc, dict) else ():
        message = update.get("message") if isinstance(update, dict) else None
        if isinstance(message, dict) and message.get("message_id") == SEED_ID:
            message["message_id"] = uuid.uuid4().hex
    return doc


def ignored(body: bytes) -> bool:
    try:
        return to_event(parse_update(json.loads(body)), "bot") is None
    except Exception:
        return True


@pytest.fixture
async def zalo_bot_door(
    fake_zalo_bot: FakeZaloBot, sqlite_url: str, tmp_path: Path
) -> AsyncIterator[Door]:
    settings = app_settings(
        sqlite_url,
        tmp_path / "media",
        zalo_bot_token=fake_zalo_bot.token,
        zalo_bot_api_base=fake_zalo_bot.api_base,
        zalo_bot_webhook_secret=SECRET,
        public_url="https://binhyen.example",
    )
    async with door(settings, sent=lambda: len(fake_zalo_bot.calls()), zalo_bot=UNPACED) as d:
        yield d


SECRETS = st.sampled_from([SECRET] * 8 + ["", "x" * 8, SECRET[:-1]])


@budget(250)
@given(body=bodies(SEEDS, _fresh), secret=SECRETS)
@example(body=dumps(SURROGATE_NAME), secret=SECRET)
@example(body=dumps(_fresh(SURROGATE_TEXT)), secret=SECRET)
@example(body=dumps(NO_MESSAGE_ID), secret=SECRET)
@example(body=dumps(_fresh(SEEDS[0])), secret="wrong secret")
async def test_no_zalo_bot_body_answers_5xx_or_changes_anything_it_should_not(
    zalo_bot_door: Door, body: bytes, secret: str
) -> None:
    response = await zalo_bot_door.knock(
        HOOK, content=body, headers={HEADER: secret}, ignored=ignored(body)
    )
    if secret != SECRET:
        assert response.status_code == 403
