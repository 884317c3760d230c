"""The parsers of the three webhooks on hostile bodies, without the app (issue 19): whatever
they are given, they answer "not for the bot" (None), refuse it the one documented way, or make
an event the core can trust: ids and texts that are strings a database stores (no lone
surrogate, no NUL), numbers that are numbers, coordinates on the globe. Many more examples
than the webhook tests (tests/property/test_*_webhook.py) can afford."""

from __future__ import annotations

import math
import re
from typing import Any

import telegram
from hypothesis import example, given

from bot.channels.telegram.events import Malformed
from bot.channels.telegram.events import to_event as telegram_event
from bot.channels.zalo_bot.events import Update, parse_update
from bot.channels.zalo_bot.events import to_event as zalo_bot_event
from bot.channels.zalo_oa import to_event as zalo_oa_event
from handlers.model import InboundEvent, Kind
from tests.property import test_telegram_webhook as tg
from tests.property import test_zalo_bot_webhook as zb
from tests.property import test_zalo_oa_webhook as zo
from tests.property.hostile import budget, deep, mutated

FORGED = re.compile("[\x00\ud800-\udfff]")
BOT = telegram.Bot("123456:TEST-token")


def _clean(value: object) -> bool:
    return isinstance(value, str) and not FORGED.search(value)


def assert_trustworthy(event: InboundEvent) -> None:
    """What the core may take for granted of an event, whatever the body was."""
    for name in ("chat_id", "user_id", "event_id", "text", "choice", "command", "payload", "phone"):
        assert _clean(getattr(event, name)), (name, getattr(event, name))
    assert event.chat_id and event.user_id and event.event_id
    assert isinstance(event.kind, Kind)
    if event.kind is Kind.LOCATION:
        assert isinstance(event.lat, float) and isinstance(event.lon, float)
        assert math.isfinite(event.lat) and abs(event.lat) <= 90
        assert math.isfinite(event.lon) and abs(event.lon) <= 180
    if event.media is not None:
        media = event.media
        assert _clean(media.ref) and media.ref
        assert media.mime is None or _clean(media.mime)
        assert media.caption is None or _clean(media.caption)
        assert media.size is None or (type(media.size) is int and media.size >= 0)


@budget(1000)
@given(doc=mutated(tg.SEEDS))
@example(doc=tg.NO_CHAT)
@example(doc=tg.TEXT_OFFSETS)
@example(doc=tg.TEXT_LENGTH)
@example(doc=tg.MIME_NUMBER)
@example(doc=tg.NO_NEW_MEMBER)
@example(doc=tg.NO_QUERY_SENDER)
def test_a_telegram_update_is_an_event_none_or_malformed(doc: Any) -> None:
    try:
        update = telegram.Update.de_json(doc, BOT)
    except Exception:  # python-telegram-bot could not build it: the channel drops it
        return
    if not isinstance(update, telegram.Update):
        return
    try:
        event = telegram_event(update, "123456")
    except Malformed:
        return
    if event is not None:
        assert_trustworthy(event)


@budget(1000)
@given(doc=mutated(zb.SEEDS))
@example(doc=zb.SURROGATE_NAME)
@example(doc=zb.SURROGATE_TEXT)
@example(doc=zb.NO_MESSAGE_ID)
def test_a_zalo_bot_update_is_an_event_or_none(doc: Any) -> None:
    try:
        update = parse_update(doc)
    except ValueError:
        return
    event = zalo_bot_event(update, "bot")
    if event is not None:
        assert_trustworthy(event)


def test_a_zalo_bot_event_nested_past_what_json_writes_back_has_an_id() -> None:
    """The id of an event without a message id is a digest of its JSON, which json.dumps
    cannot write for a body nested as deep as json.loads reads it (a 500, before)."""
    message: dict[str, Any] = {"chat": {"id": "c1"}, "x": deep(5000)}
    event = zalo_bot_event(Update("message.unsupported.received", message), "bot")
    assert event is not None and event.event_id.startswith("message.unsupported.received:#")


@budget(1000)
@given(doc=mutated(zo.SEEDS))
@example(doc=zo.SURROGATE_NAME)
@example(doc=zo.SURROGATE_TEXT)
@example(doc=zo.SURROGATE_USER)
def test_a_zalo_oa_event_is_an_event_or_none(doc: Any) -> None:
    if not isinstance(doc, dict):
        return  # the channel reads only a JSON object
    event = zalo_oa_event(doc, "app")
    if event is not None:
        assert_trustworthy(event)
