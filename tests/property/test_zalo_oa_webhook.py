"""Hostile bodies at POST /webhooks/zalo-oa (issue 19), each signed as Zalo signs (so that it
reaches parsing) or not: never a 5xx, no error or traceback in the logs, and an event the bot
does not take, a bad signature or a stale timestamp changes nothing."""

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

from bot.channels.zalo_oa import Rates, signature, to_event
from bot.channels.zalo_oa.fields import _dict, _str
from tests.e2e.channels import app_settings
from tests.fakes.zalo_oa_api import APP_ID, APP_SECRET, OA_SECRET_KEY, FakeZaloOA, Webhooks
from tests.property.door import Door, door
from tests.property.hostile import bodies, budget, dumps

HOOK = "/webhooks/zalo-oa"
UNPACED = Rates(
    per_app=10_000, app_burst=10_000, per_chat=10_000, chat_burst=10_000, rate_limited_pause=0.2
)
USER = "4339761418830368433"
SEED_ID = "seed"  # the msg_id of every seed message: each knock gets a new one
FILE_URL = "https://f20-zpc.zdn.vn/a/b/report.pdf"

_hooks = Webhooks()


def _seed(event: dict[str, Any]) -> dict[str, Any]:
    if isinstance(event.get("message"), dict):
        event = {**event, "message": {**event["message"], "msg_id": SEED_ID}}
    return event


SEEDS = [
    _seed(e)
    for e in (
        _hooks.text(USER, "Xin chào, tôi muốn báo tin"),
        _hooks.text(USER, "/start"),
        _hooks.image(USER, "https://s120-ava-talk.zadn.vn/a/b/photo.jpg", "xe máy"),
        _hooks.file(USER, FILE_URL, "report.pdf", 1234),
        _hooks.audio(USER, "https://f20-zpc.zdn.vn/a/b/voice.aac"),
        _hooks.location(USER, 21.03, 105.83),
        _hooks.link(USER, "https://example.vn/x"),
        _hooks.sticker(USER),
        _hooks.follow(USER),
        _hooks.unfollow(USER),
        _hooks.submit_info(USER, "0912345678"),
        _hooks.oa_echo(USER, "echo"),
        _hooks.group_text("group-1", USER, "nhóm"),
        _hooks.other("user_reacted_message", sender={"id": USER}),
    )
]

# A lone surrogate where Zalo's JSON would never hold one: in the event name (answered 500
# on Zalo Bot before), in a message text, in the timestamp of a synthetic id.
SURROGATE_NAME = {**SEEDS[0], "event_name": "user_send_text\ud800"}
SURROGATE_TEXT = {**SEEDS[0], "message": {**SEEDS[0]["message"], "text": "a\ud800b"}}
SURROGATE_USER = {**SEEDS[8], "follower": {"id": "\udc00"}}


def _fresh(doc: Any) -> Any:
    doc = copy.deepcopy(doc)
    message = doc.get("message") if isinstance(doc, dict) else None
    if isinstance(message, dict) and message.get("msg_id") == SEED_ID:
        message["msg_id"] = uuid.uuid4().hex
    return doc


def _data(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def ignored(body: bytes) -> bool:
    try:
        return to_event(_data(body), APP_ID) is None
    except Exception:
        return True


def signed(body: bytes) -> str:
    """The header Zalo would send with `body`: over its bytes and its own timestamp."""
    stamp = _str(_data(body).get("timestamp"))
    return f"mac={signature(APP_ID, body, stamp, OA_SECRET_KEY)}"


@pytest.fixture
async def zalo_oa_door(
    fake_zalo_oa: FakeZaloOA, sqlite_url: str, tmp_path: Path
) -> AsyncIterator[tuple[Door, FakeZaloOA]]:
    settings = app_settings(
        sqlite_url,
        tmp_path / "media",
        zalo_oa_app_id=APP_ID,
        zalo_oa_secret_key=OA_SECRET_KEY,
        zalo_oa_app_secret=APP_SECRET,
        zalo_oa_access_token="acc-0",
        zalo_oa_refresh_token="ref-0",
        zalo_oa_api_base=fake_zalo_oa.api_base,
        zalo_oa_oauth_base=fake_zalo_oa.api_base,
    )
    async with door(settings, sent=lambda: len(fake_zalo_oa.calls()), zalo_oa=UNPACED) as d:
        yield d, fake_zalo_oa


HEADERS = st.sampled_from(["signed"] * 8 + ["", "mac=", "mac=" + "0" * 64, "garbage"])


@budget(250)
@given(body=bodies(SEEDS, _fresh), header=HEADERS)
@example(body=dumps(SURROGATE_NAME), header="signed")
@example(body=dumps(_fresh(SURROGATE_TEXT)), header="signed")
@example(body=dumps(SURROGATE_USER), header="signed")
@example(body=dumps({**SEEDS[0], "timestamp": "1"}), header="signed")  # stale: 403
@example(body=dumps(_fresh(SEEDS[0])), header="mac=" + "0" * 64)
async def test_no_zalo_oa_body_answers_5xx_or_changes_anything_it_should_not(
    zalo_oa_door: tuple[Door, FakeZaloOA], body: bytes, header: str
) -> None:
    oa_door, fake = zalo_oa_door
    data = _data(body)
    for user in (_dict(data.get("sender")).get("id"), _dict(data.get("follower")).get("id")):
        if _str(user):
            fake.interact(_str(user))  # Zalo knows that whoever wrote wrote just now
    response = await oa_door.knock(
        HOOK,
        content=body,
        headers={"X-ZEvent-Signature": signed(body) if header == "signed" else header},
        ignored=ignored(body),
    )
    if header != "signed":
        assert response.status_code in (200, 401), response.status_code  # 200: not JSON
