"""What the end-to-end tests of the chat channels (Telegram, Zalo Bot, Zalo OA) share: the
setup of the real app with one channel configured against its fake (`ChannelSetup`, which
the `app` and `hook` fixtures of tests/e2e/conftest.py run), a `Resident` that talks to the
bot through the channel's webhook, looks into the database, and the Vietnamese texts the
bot answers with."""

from __future__ import annotations

import itertools
import re
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from bot.app import create_app
from bot.settings import Settings
from content.i18n import translate
from storage.db import make_engine
from tests.fakes.server import ApiCall

C = TypeVar("C")
T = TypeVar("T")
RECEIPT = re.compile(r"BY-[0-9A-Z]{4}-[0-9A-Z]{2}")  # a tip's code, in the receipt


@dataclass(frozen=True)
class ChannelSetup:
    """How the `app` and `hook` fixtures (tests/e2e/conftest.py) run the app: with these
    settings, with these rates for channels (by name in app.state, typically to take the
    platform's pace out of a test), and these headers on every request of `hook`. A channel's
    test module overrides the `channel_setup` fixture with its own."""

    settings: Settings
    rates: dict[str, object] = field(default_factory=dict)
    webhook_headers: dict[str, str] = field(default_factory=dict)


def app_settings(sqlite_url: str, media: Path, **channel: Any) -> Settings:
    """Settings of the app on the SQLite database at `sqlite_url`, without Redis, plus
    `channel`'s (telegram_token=..., ...). A test's resident types a whole tip in well under
    a second: the per-resident inbound limit is off unless a test sets it (bot/inbound.py
    has its own tests)."""
    channel.setdefault("inbound_per_minute", 0)
    return Settings(database_url=sqlite_url, redis_url="", media_dir=str(media), **channel)


@asynccontextmanager
async def running_app(settings: Settings, **rates: object) -> AsyncIterator[FastAPI]:
    """The app inside its lifespan; `rates` replace the rates of channels by their name in
    app.state (telegram=Rates(...))."""
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        for channel, value in rates.items():
            getattr(application.state, channel).rates = value
        yield application


def vi(msgid: str, **params: object) -> str:
    return translate(msgid, "vi", params)


async def db_rows(url: str, sql: str) -> list[Any]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(text(sql))).all())
    finally:
        await engine.dispose()


async def assert_one_tip_stored(sqlite_url: str, receipt: str, *, lat: float, photo: bytes) -> str:
    """The code in the `receipt` text is that of the one tip stored, at latitude `lat`, with
    `photo` attached. Returns the code."""
    code = RECEIPT.search(receipt)
    assert code, receipt
    rows = await db_rows(
        sqlite_url,
        "SELECT t.code, t.lat, a.sha256, a.size "
        "FROM tips t JOIN tip_attachments a ON a.tip_id = t.id",
    )
    assert len(rows) == 1 and rows[0][0] == code.group(0), rows
    assert rows[0][1] == pytest.approx(lat), rows
    assert rows[0][3] == len(photo), rows
    return code.group(0)


def assert_retried(tries: Sequence[ApiCall], *, after: float = 0.0) -> None:
    """Of these sends, only the first failed, and the second repeated it, `after` seconds
    later at least."""
    assert [c.ok for c in tries] == [False] + [True] * (len(tries) - 1), tries
    assert tries[1].params == tries[0].params, tries  # the same message
    assert tries[1].at - tries[0].at >= after, tries


def assert_paced(times: Sequence[float], *, at_least: int, burst_within: float, gap: float) -> None:
    """Of `at_least` sends or more to one chat (their times), a burst of three went out
    within `burst_within` seconds, then each `gap` seconds or more after the one before."""
    assert len(times) >= at_least, times
    assert times[2] - times[0] < burst_within, times
    assert all(later - earlier >= gap for earlier, later in itertools.pairwise(times[2:])), times


class Resident(ABC, Generic[C]):
    """One resident of a channel: posts to its webhook at `hook_path`, waits until the bot's
    answers are delivered, and keeps what the bot sent back in `last` (of type C)."""

    hook_path: ClassVar[str]

    def __init__(self, app: FastAPI, hook: httpx.AsyncClient) -> None:
        self.app, self.hook = app, hook
        self.last: list[C] = []

    async def exchange(
        self, recorded: Callable[[], Sequence[T]], *, expect: int = 200, **request: Any
    ) -> list[T]:
        """POST `request` (json=..., content=..., headers=...) to the webhook, expecting status
        `expect`, drain the delivery queue, and return what `recorded()` gained meanwhile."""
        before = len(recorded())
        response = await self.hook.post(self.hook_path, **request)
        assert response.status_code == expect, (response.status_code, response.text)
        await self.app.state.runtime.delivery.drain()
        return list(recorded()[before:])

    @property
    @abstractmethod
    def text(self) -> str:
        """The texts of `last`, one per line."""

    @abstractmethod
    async def say(self, words: str) -> str:
        """Type `words` (a "/command" too); returns `text`."""

    @abstractmethod
    async def choose_vietnamese(self) -> None:
        """Answer the language question with Vietnamese."""

    @abstractmethod
    def at_the_menu(self) -> bool:
        """Whether `last` offers the main menu (its "report a tip" item)."""

    async def onboard(self) -> None:
        """/start, Vietnamese, Hà Nội, Ba Đình: at the main menu."""
        await self.say("/start")
        await self.choose_vietnamese()
        await self.say("ha noi")
        await self.say("phuong ba dinh")
        assert self.at_the_menu(), self.text
