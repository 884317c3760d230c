"""The inbound limit and the back-pressure in every channel's inbound path (Telegram, Zalo
Bot, Zalo OA, the web chat): past the limit nothing reaches the core and one notice goes
out; a tap's spinner still stops; a webhook answers once its chat's replies are out (the
chat's order across processes), and returns after bot.inbound.ORDER_WAIT while they still
wait for their pace (a delivery that holds them, or the real one at 1 message/s per chat).
ORDER_WAIT is 50 ms here instead of 5 s."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from types import SimpleNamespace
from typing import Any, cast

import httpx
import pytest
from fastapi import FastAPI

from bot import inbound
from bot.channels.telegram import TelegramChannel
from bot.channels.web import router as web_router
from bot.channels.zalo_bot import ZaloBotChannel, parse_update
from bot.channels.zalo_oa import SendStatus, ZaloOaChannel
from bot.delivery import Delivery, Target
from bot.dispatcher import Dispatcher
from bot.inbound import Inbound, InboundLimit
from bot.settings import Settings
from content.i18n import translate
from handlers.model import InboundEvent, RenderedReply
from storage.limits import MemoryLimiter
from tests.fakes.telegram_api import Updates as TelegramUpdates
from tests.fakes.zalo_bot_api import Updates as ZaloBotUpdates
from tests.fakes.zalo_oa_api import APP_ID, Webhooks

BURST = 3
NOTICE = translate("inbound.slow_down", "vi")


@pytest.fixture(autouse=True)
def short_order_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inbound, "ORDER_WAIT", 0.05)


class Core:
    """A dispatcher that records what it was asked to handle; one reply per event."""

    def __init__(self) -> None:
        self.handled: list[InboundEvent] = []

    async def dispatch(self, event: InboundEvent) -> list[RenderedReply] | None:
        self.handled.append(event)
        return [RenderedReply(f"reply {len(self.handled)}")]

    async def sent(self, replies: list[RenderedReply], *_counted: int) -> None:
        return None  # what the real one does for replies it did not record


class HeldDelivery:
    """Runs each posted job only once `paced` is set, as a chat waiting for its pace."""

    def __init__(self) -> None:
        self.paced = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []

    def post(self, target: Target, job: Callable[[], Awaitable[None]]) -> asyncio.Task[None]:
        async def later() -> None:
            await self.paced.wait()
            await job()

        task = asyncio.get_running_loop().create_task(later())
        self.tasks.append(task)
        return task

    async def send(self, target: Target, call: Callable[[], Awaitable[Any]], **_: Any) -> Any:
        return await call()

    def idle(self, chat_key: str) -> bool:
        return False  # every chat waits for its pace: no reply goes in a webhook's answer

    async def settled(self) -> None:
        self.paced.set()
        await asyncio.gather(*self.tasks)


def limited() -> Inbound:
    return Inbound(InboundLimit(MemoryLimiter(), per_minute=6, burst=BURST))


# -- Telegram ---------------------------------------------------------------------------------


@pytest.fixture
async def telegram(
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[tuple[TelegramChannel, list[tuple[str, dict[str, Any]]]]]:
    channel = TelegramChannel(
        "123456:TEST",
        "http://127.0.0.1:9",
        "secret",
        cast(Dispatcher, Core()),
        HeldDelivery(),  # type: ignore[arg-type]
        inbound=limited(),
    )
    calls: list[tuple[str, dict[str, Any]]] = []

    async def call(method: str, params: dict[str, Any], upload: Any = None) -> Any:
        calls.append((method, params))
        return {"message_id": len(calls)}

    monkeypatch.setattr(channel.sender, "call", call)
    yield channel, calls
    await channel.sender.aclose()


def _body(update: dict[str, Any]) -> bytes:
    return json.dumps(update).encode()


async def test_telegram_past_the_limit_one_notice_and_the_core_never_sees_the_rest(
    telegram: tuple[TelegramChannel, list[tuple[str, dict[str, Any]]]],
) -> None:
    channel, calls = telegram
    updates = TelegramUpdates()
    for n in range(10):
        await channel.receive(_body(updates.text(501, f"tin {n}")))
    await cast(HeldDelivery, channel.delivery).settled()
    core = cast(Core, channel.dispatcher)
    assert len(core.handled) == BURST
    texts = [p["text"] for m, p in calls if m == "sendMessage"]
    assert texts == [f"reply {n}" for n in range(1, BURST + 1)] + [NOTICE]


async def test_telegram_a_tap_past_the_limit_still_stops_its_spinner(
    telegram: tuple[TelegramChannel, list[tuple[str, dict[str, Any]]]],
) -> None:
    channel, calls = telegram
    updates = TelegramUpdates()
    for n in range(BURST + 1):  # the last one is told to slow down
        await channel.receive(_body(updates.text(502, f"tin {n}")))
    tap = updates.callback(502, "menu:tip", query_id="q-past-the-limit")
    await channel.receive(_body(tap))
    await cast(HeldDelivery, channel.delivery).settled()
    assert len(cast(Core, channel.dispatcher).handled) == BURST
    answered = [p["callback_query_id"] for m, p in calls if m == "answerCallbackQuery"]
    assert answered == ["q-past-the-limit"]
    assert [p["text"] for m, p in calls if m == "sendMessage"].count(NOTICE) == 1


async def test_telegram_the_webhook_returns_while_the_chats_replies_wait(
    telegram: tuple[TelegramChannel, list[tuple[str, dict[str, Any]]]],
) -> None:
    channel, calls = telegram
    await channel.receive(_body(TelegramUpdates().text(503, "xin chào")))
    held = cast(HeldDelivery, channel.delivery)
    assert held.tasks and not held.tasks[0].done()  # returned before the send was made
    assert calls == []
    await held.settled()
    assert [m for m, _ in calls] == ["sendMessage"]


async def test_telegram_the_webhook_answers_after_its_replies_or_its_chats_pace(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Delivery as it runs: 1 message a second per chat after a burst of 3. Each of the
    first updates from one chat is answered once its reply is out, in order; past the burst
    the webhook answers after ORDER_WAIT while the reply waits for the chat's pace."""

    async def unreachable(_target: Target) -> None:
        return None

    delivery = Delivery(MemoryLimiter(), unreachable)
    core = Core()
    channel = TelegramChannel(
        "123456:TEST", "http://127.0.0.1:9", "s", cast(Dispatcher, core), delivery
    )
    sent: list[str] = []

    async def call(method: str, params: dict[str, Any], upload: Any = None) -> Any:
        sent.append(params["text"])
        return {"message_id": len(sent)}

    monkeypatch.setattr(channel.sender, "call", call)
    monkeypatch.setattr(channel, "answer_in_response", False)
    updates = TelegramUpdates()
    try:
        for n in range(1, BURST + 1):
            await channel.receive(_body(updates.text(504, f"tin {n}")))
            assert sent == [f"reply {k}" for k in range(1, n + 1)]  # out before the answer
        for n in range(BURST + 1, 9):
            await channel.receive(_body(updates.text(504, f"tin {n}")))
        assert len(core.handled) == 8
        assert delivery.pending > 0 and len(sent) < 8  # returned before the paced sends
        assert sent == [f"reply {k}" for k in range(1, len(sent) + 1)]  # in order
    finally:
        await delivery.drain(timeout=0)  # cancel the paced rest
        await channel.sender.aclose()


# -- Zalo Bot ---------------------------------------------------------------------------------


class ZaloBotClient:
    bot_id = "777"

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def call(self, method: str, params: dict[str, Any]) -> Any:
        self.sent.append(params)
        return {"message_id": str(len(self.sent))}


async def test_zalo_bot_limit_and_back_pressure() -> None:
    client, core, held = ZaloBotClient(), Core(), HeldDelivery()
    channel = ZaloBotChannel(
        client,  # type: ignore[arg-type]
        "secret",
        cast(Dispatcher, core),
        held,  # type: ignore[arg-type]
        inbound=limited(),
    )
    updates = ZaloBotUpdates()
    for n in range(8):
        await channel.handle(parse_update(updates.text("zchat", f"tin {n}")))
    assert client.sent == [] and not any(t.done() for t in held.tasks)  # nothing held us
    await held.settled()
    assert len(core.handled) == BURST
    assert [p["text"] for p in client.sent] == [f"reply {n}" for n in range(1, 4)] + [NOTICE]
    await channel.handle(parse_update(updates.text("another", "xin chào")))
    assert core.handled[-1].user_id == "another"


# -- Zalo OA ----------------------------------------------------------------------------------


class Interactions:
    def __init__(self) -> None:
        self.touched = 0

    async def touch(self, user_id: str, at: datetime) -> None:
        self.touched += 1


async def test_zalo_oa_limit_and_back_pressure(monkeypatch: pytest.MonkeyPatch) -> None:
    core, held, interactions = Core(), HeldDelivery(), Interactions()
    channel = ZaloOaChannel(
        app_id=APP_ID,
        oa_secret_key="k",
        client=None,  # type: ignore[arg-type]
        tokens=None,  # type: ignore[arg-type]
        interactions=interactions,  # type: ignore[arg-type]
        dispatcher=cast(Dispatcher, core),
        delivery=held,  # type: ignore[arg-type]
        inbound=limited(),
    )
    sent: list[str] = []

    async def deliver(target: Target, reply: RenderedReply, delivery: Any = None) -> SendStatus:
        sent.append(reply.text)
        return SendStatus.SENT

    monkeypatch.setattr(channel, "deliver", deliver)
    hooks = Webhooks()
    for n in range(8):
        await channel.handle(hooks.text("4471234567890123456", f"tin {n}"))
    assert sent == [] and not any(t.done() for t in held.tasks)  # nothing held us
    await held.settled()
    assert len(core.handled) == BURST
    assert sent == [f"reply {n}" for n in range(1, 4)] + [NOTICE]
    assert interactions.touched == 8  # each message still opens the 7-day window


# -- the web chat -----------------------------------------------------------------------------


async def test_web_chat_past_the_limit_answers_the_notice_once_then_nothing() -> None:
    core = Core()
    app = FastAPI()
    app.include_router(web_router)
    app.state.runtime = SimpleNamespace(dispatcher=core, inbound=limited())
    app.state.settings = Settings()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as phone:
        answers = []
        for n in range(6):
            got = await phone.post("/chat/api/messages", json={"text": f"tin {n}"})
            assert got.status_code == 200  # never an error the page would retry
            answers.append([r["text"] for r in got.json()["replies"]])
    assert len(core.handled) == BURST
    assert answers[BURST:] == [[NOTICE], [], []]


# -- set-webhook ------------------------------------------------------------------------------


async def test_set_webhook_sets_max_connections_every_time() -> None:
    from bot.channels.telegram import set_webhook

    class Bot:
        def __init__(self) -> None:
            self.registered: dict[str, Any] = {}

        async def set_webhook(self, url: str, **options: Any) -> bool:
            self.registered = {"url": url, **options}
            return True

        async def set_my_commands(self, *_args: Any, **_kw: Any) -> bool:
            return True

    bot = Bot()
    await set_webhook(bot, "secret", "https://binhyen.example", False)  # type: ignore[arg-type]
    assert bot.registered["max_connections"] == Settings().telegram_max_connections == 40
    await set_webhook(bot, "secret", "https://binhyen.example", False, 12)  # type: ignore[arg-type]
    assert bot.registered["max_connections"] == 12


def test_max_connections_is_what_telegram_accepts() -> None:
    from pydantic import ValidationError

    for bad in (0, 101):
        with pytest.raises(ValidationError):
            Settings(telegram_max_connections=bad)
