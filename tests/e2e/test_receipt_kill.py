"""kill -9 of a real `binhyen serve` (PostgreSQL, Redis, the fake Bot API) during bursts of
40 tip confirms, with "Telegram" sending every update that got no 200 again (the same
update_id) until one does (issue 19: replies are owed durably, bot/owed.py).

ROUNDS rounds of PER_ROUND residents, each resident in one round: all of a round press
"confirm" at once; the server is killed at a random moment of the burst, started again with
the same environment, and killed once more at a random moment of its recovery (the
redeliveries, the owed replies going out), then started again: ROUNDS × KILLS = 10 kills,
the seed and where each landed printed. Once the sweeper has sent what the dead processes
owed (the table owed_replies is empty):

- every confirm stored exactly one tip;
- every stored tip's receipt (code and PIN) reached its resident, and exactly once, except
  for receipts whose send was under way when a process died: Telegram has no idempotency
  key, so a message it accepted just before the kill may go again. Those are counted per
  kill and may be at most SEND_CONCURRENCY (the sends a process has open at once), as
  tests/e2e/test_broadcast_kill.py allows the copies under way of a broadcast, plus those
  whose deletion was not yet written: sent within bot.owed.FLUSH_EVERY before the kill, or
  while the flush before was being written, or during the flush the kill cut short
  (FLUSH_WRITE: a transaction on a machine as busy as CI's; with 2 test processes beside it
  one write of 10 ms let a tenth copy through in a round where 9 were allowed);
- each resident's next tap on the menu they were sent is answered ("my tips" lists the
  tip), never with "this button belongs to an earlier menu";
- a dead process's chat locks are leases: at each kill none has more than 5 s left.

The fake's record of sendMessage is the truth. Getting 200 residents to the review step is
not what is tested: they are driven there through the webhook of the app in-process, on the
same databases, with the per-chat pace taken out (as tests/e2e/test_telegram.py does),
which takes a minute at most instead of the many one message a second per chat would.

What each kill came to is printed (pytest -s): where it landed, the receipts lost and sent
twice, the start-up, and the time from the restart to the first redelivered update
answered."""

from __future__ import annotations

import asyncio
import itertools
import math
import os
import random
import re
import secrets
import signal
import subprocess
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.telegram import Rates
from bot.channels.telegram.bot_api import SEND_CONCURRENCY
from bot.owed import FLUSH_EVERY
from bot.settings import Settings
from storage.state_redis import LOCK_TTL_MS
from tests.conftest import REDIS_URL
from tests.e2e.channels import running_app, vi
from tests.e2e.clichat import BINHYEN, free_port
from tests.fakes.telegram_api import Call, FakeTelegram

pytestmark = pytest.mark.e2e

ROUNDS = 5
PER_ROUND = 40
# The bot's messages a second: fast enough for 200 residents, slow enough that a burst's
# receipts take a while.
RATE = 200
# The longest a flush's transaction (bot.owed.Journal.flush) is allowed on a busy machine.
FLUSH_WRITE = 0.02
KILLS = 2  # per round: one in the burst, one in the recovery
FIRST_CHAT = 810_000_000
SECRET = "receipt-kill_secret"
HOOK = "/webhooks/telegram"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
ROOT = Path(__file__).resolve().parents[2]
# What a confirm comes to: its tip stored, its answer (the 200), the receipt, the menu. A
# kill waits for a random share of what is left of its round, or QUIET s when the rest is
# not coming soon (replies a sweeper sends only once their lease ran out).
EVENTS = 4
QUIET = 3.0
JITTER = 0.05
RETRY_FIRST, RETRY_MOST = 0.05, 0.25  # s between Telegram's tries of an update, doubling
RECEIPT = re.compile(r"(BY-[0-9A-Z]{4}-[0-9A-Z]{2}).*?PIN: (\d{6})", re.S)
MARK = re.compile(r"nhà số (\d+) ngõ 5")  # which resident a tip's description is from
UNPACED = Rates(per_bot=10_000, per_chat=10_000, chat_burst=10_000)


# -- fixtures ------------------------------------------------------------------------------------


def webhook_env(
    pg_url: str,
    prefix: str,
    fake: FakeTelegram,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    secret_key: str,
) -> dict[str, str]:
    """The environment of `binhyen serve` in webhook mode on the shared PostgreSQL and Redis
    (under `prefix`) and the fake Bot API; the app in-process reads the same, and only that
    (no BINHYEN_ variable of the test's own environment leaks into either)."""
    for name in list(os.environ):
        if name.startswith(("BINHYEN_", "PROMETHEUS_")):
            monkeypatch.delenv(name)
    return {
        "BINHYEN_DATABASE_URL": pg_url,
        "BINHYEN_REDIS_URL": REDIS_URL,
        "BINHYEN_REDIS_PREFIX": prefix,
        "BINHYEN_SECRET_KEY": secret_key,
        "BINHYEN_PUBLIC_URL": "https://binhyen.example",  # webhooks, no polling
        "BINHYEN_TELEGRAM_TOKEN": fake.token,
        "BINHYEN_TELEGRAM_API_BASE": fake.api_base,
        "BINHYEN_TELEGRAM_WEBHOOK_SECRET": SECRET,
        "BINHYEN_MEDIA_DIR": str(tmp_path / "media"),
        "BINHYEN_METRICS_DIR": str(tmp_path / "metrics"),
    }


@pytest.fixture
def env(
    pg_url: str,
    chat_redis: tuple[Redis, str],
    fake_telegram: FakeTelegram,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, str]:
    made = webhook_env(
        pg_url, chat_redis[1], fake_telegram, tmp_path, monkeypatch, "receipt-kill-test-secret"
    )
    # fast enough for 200 residents, slow enough that a burst's receipts take a while
    return {**made, "BINHYEN_TELEGRAM_RATE": str(RATE)}


# -- what the bot sent ---------------------------------------------------------------------------


class Inbox:
    """The fake's successful sendMessage calls by chat, read incrementally."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake
        self.seen = 0
        self.chats: dict[int, list[Call]] = defaultdict(list)

    def of(self, chat: int) -> list[Call]:
        new = self.fake.calls_since(self.seen)
        self.seen += len(new)
        for call in new:
            if call.method == "sendMessage" and call.ok:
                self.chats[int(call.params["chat_id"])].append(call)
        return self.chats[chat]


def keyboard(calls: list[Call]) -> tuple[dict[str, str], dict[str, Any] | None]:
    """callback_data → label of the last inline keyboard among `calls`, and its message."""
    for call in reversed(calls):
        markup = call.params.get("reply_markup") or {}
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            return {b["callback_data"]: b["text"] for row in rows for b in row}, call.result
    return {}, None


def code_of(call: Call) -> str:
    """The code in a receipt, "" in any other message."""
    found = RECEIPT.search(call.params["text"])
    return found[1] if found else ""


_QUERY_IDS = itertools.count(7_000_000_000_000_000_001)


def tap(fake: FakeTelegram, chat: int, data: str, message: dict[str, Any]) -> dict[str, Any]:
    """A press of a button of `message` (the fake's own Message), as Telegram sends it."""
    query = {
        "id": str(next(_QUERY_IDS)),
        "from": fake.updates.user(chat),
        "message": message,
        "chat_instance": str(chat),
        "data": data,
    }
    return {"update_id": fake.updates.next_update_id(), "callback_query": query}


# -- to the review step, in-process --------------------------------------------------------------


@dataclass
class Resident:
    number: int
    round: int
    review: dict[str, Any] = field(default_factory=dict)  # the message with "confirm"

    @property
    def chat(self) -> int:
        return FIRST_CHAT + self.number


def script(number: int) -> list[tuple[str, str]]:
    """Onboarding and a tip up to its review, as tests/unit/test_report_flow.py goes there;
    "pick?" only when offered."""
    return [
        ("command", "/start"),
        ("pick", "lang:vi"),
        ("say", "ha noi"),
        ("say", "phuong ba dinh"),
        ("pick?", "hood:skip"),
        ("pick", "menu:tip"),
        ("pick?", "tip:consent_yes"),
        ("pick", "cat:theft_robbery"),
        ("say", "Tối qua có hai người lạ đi xe máy"),
        ("say", f"lấy trộm xe đạp trước nhà số {number} ngõ 5"),
        ("pick", "tip:done"),
        ("pick", "when:today"),
        ("say", "Số 12 ngõ 5 phố Đội Cấn"),
        ("pick", "tip:media_done"),
        ("pick", "tip:details_no"),
        ("pick", "id:anonymous"),
        ("say", "Hai thanh niên khoảng 20 tuổi, áo đen"),
        ("say", "Camera nhà bên cạnh quay được cổng"),
    ]


async def to_review(residents: list[Resident], env: dict[str, str], fake: FakeTelegram) -> None:
    values: dict[str, Any] = {k.removeprefix("BINHYEN_").lower(): v for k, v in env.items()}
    values["metrics_dir"] = ""  # kept in this process
    values["inbound_per_minute"] = 0  # 18 steps in a second or two: not what is tested here
    inbox = Inbox(fake)
    async with running_app(Settings(**values), telegram=UNPACED) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", headers=HEADERS
        ) as client:

            async def post(resident: Resident, update: dict[str, Any]) -> list[Call]:
                before = len(inbox.of(resident.chat))
                response = await client.post(HOOK, json=update)
                assert response.status_code == 200, response.text
                fake.answered(response.content)  # a reply may go in the webhook's answer
                await app.state.runtime.delivery.drain()
                return inbox.of(resident.chat)[before:]

            async def drive(resident: Resident, limit: asyncio.Semaphore) -> None:
                async with limit:
                    got: list[Call] = []
                    for kind, what in script(resident.number):
                        buttons, message = keyboard(got)
                        if kind == "pick?" and what not in buttons:
                            continue
                        if kind.startswith("pick"):
                            assert what in buttons and message is not None, (what, got)
                            update = tap(fake, resident.chat, what, message)
                        elif kind == "command":
                            update = fake.updates.command(resident.chat, what)
                        else:
                            update = fake.updates.text(resident.chat, what)
                        got = await post(resident, update)
                    buttons, review = keyboard(got)
                    assert "tip:confirm" in buttons and review, [c.params["text"] for c in got]
                    resident.review = review

            limit = asyncio.Semaphore(40)
            await asyncio.gather(*(drive(r, limit) for r in residents))


# -- the real server, and Telegram delivering to it ----------------------------------------------


@dataclass
class Server:
    env: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> float:
        """Start `binhyen serve`; when (time.monotonic())."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BINHYEN_", "PROMETHEUS"))}
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [*BINHYEN, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env={**env, **self.env},
                cwd=ROOT,
                stdout=out,
                stderr=out,
            )
        return time.monotonic()

    def kill(self) -> float:
        assert self.proc is not None
        assert self.proc.poll() is None, "the server stopped by itself:\n" + self.tail()
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        return time.monotonic()

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    async def ready(self) -> float:
        """When /healthz first answered."""
        async with httpx.AsyncClient(base_url=self.url, timeout=2) as client:
            deadline = time.monotonic() + 60
            while True:
                assert self.proc is not None and self.proc.poll() is None, self.tail()
                assert time.monotonic() < deadline, "the server never answered\n" + self.tail()
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        return time.monotonic()
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.02)

    def tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-40:])


@dataclass
class Delivery:
    """One update as Telegram delivers it: again and again until a 200."""

    update: dict[str, Any]
    answered: float = 0.0  # when the 200 came
    failed: bool = False  # some try got no 200


async def deliver(client: httpx.AsyncClient, delivery: Delivery, fake: FakeTelegram) -> None:
    deadline, pause = time.monotonic() + 120, RETRY_FIRST
    while True:
        try:
            response = await client.post(HOOK, json=delivery.update)
            if response.status_code == 200:
                fake.answered(response.content)  # a reply may go in the webhook's answer
                delivery.answered = time.monotonic()
                return
        except httpx.TransportError:  # reset, refused: the server is dead or not up yet
            pass
        delivery.failed = True
        assert time.monotonic() < deadline, "an update was never answered"
        await asyncio.sleep(pause)
        pause = min(pause * 2, RETRY_MOST)


# -- a round -------------------------------------------------------------------------------------


@dataclass
class Kill:
    """A kill once a random share of what is left of its round has happened (its tips stored,
    the answers to its confirms, the messages to its chats), a random moment later: anywhere
    in the burst or the recovery, however fast the machine."""

    round: int
    order: int  # 0: in the burst, then in the recovery after the previous kill
    share: float  # of the events left when its phase began
    jitter: float  # s after that share
    step: int = 0  # events it waited for
    at: float = 0.0  # s after the burst began, or after the previous restart answered
    killed: float = 0.0
    restarted: float = 0.0
    ready: float = 0.0
    answered: int = 0  # the round's confirms answered before it
    stored: int = 0  # the round's tips in the database at it
    owed: int = 0  # owed_replies rows at it (every round's)
    lock_ms: list[int] = field(default_factory=list)  # time left on each chat lock at it
    first: float | None = None  # from the restart to the first redelivery answered

    @property
    def name(self) -> str:
        return f"round {self.round + 1} kill {self.order + 1}"


@dataclass
class Watch:
    """What has happened of a round: its tips stored, confirms answered and messages sent to
    its chats."""

    fake: FakeTelegram
    sessions: async_sessionmaker[AsyncSession]
    chats: set[int]
    deliveries: list[Delivery]
    seen: int = 0  # the fake's calls read
    sent: int = 0
    tips: int = 0  # stored before the round

    async def events(self) -> int:
        new = self.fake.calls_since(self.seen)
        self.seen += len(new)
        self.sent += sum(
            1
            for c in new
            if c.method == "sendMessage" and c.ok and int(c.params["chat_id"]) in self.chats
        )
        stored = await count(self.sessions, "SELECT count(*) FROM tips") - self.tips
        return stored + sum(1 for d in self.deliveries if d.answered) + self.sent


async def count(sessions: async_sessionmaker[AsyncSession], sql: str) -> int:
    async with sessions() as session:
        return int((await session.execute(text(sql))).scalar_one())


async def locks_left(redis: Redis, prefix: str) -> list[int]:
    """The ms left on each chat lock (-1: one that never expires); gone meanwhile, none."""
    left = [int(await redis.pttl(k)) async for k in redis.scan_iter(match=f"{prefix}lock:*")]
    return [ms for ms in left if ms != -2]


async def run_round(
    client: httpx.AsyncClient,
    server: Server,
    fake: FakeTelegram,
    sessions: async_sessionmaker[AsyncSession],
    chat_redis: tuple[Redis, str],
    residents: list[Resident],
    kills: list[Kill],
) -> None:
    deliveries = [Delivery(tap(fake, r.chat, "tip:confirm", r.review)) for r in residents]
    tips_before = await count(sessions, "SELECT count(*) FROM tips")
    chats = {r.chat for r in residents}
    seen = len(fake.calls_since(0))
    watch = Watch(fake, sessions, chats, deliveries, seen, tips=tips_before)
    since = time.monotonic()
    sending = [asyncio.create_task(deliver(client, d, fake)) for d in deliveries]
    for kill in kills:
        done = await watch.events()
        kill.step = int(kill.share * max(0, EVENTS * len(residents) - done))
        deadline = time.monotonic() + QUIET
        while await watch.events() - done < kill.step and time.monotonic() < deadline:
            await asyncio.sleep(0.002)
        await asyncio.sleep(kill.jitter)
        kill.at = time.monotonic() - since
        kill.killed = server.kill()
        kill.answered = sum(1 for d in deliveries if 0 < d.answered < kill.killed)
        kill.lock_ms = await locks_left(*chat_redis)
        kill.stored = await count(sessions, "SELECT count(*) FROM tips") - tips_before
        kill.owed = await count(sessions, "SELECT count(*) FROM owed_replies")
        kill.restarted = server.start()
        kill.ready = since = await server.ready()
    await asyncio.gather(*sending)
    ends = [k.killed for k in kills[1:]] + [float("inf")]
    for kill, end in zip(kills, ends, strict=True):
        after = [d.answered for d in deliveries if kill.restarted < d.answered < end and d.failed]
        kill.first = min(after) - kill.restarted if after else None


# -- the test ------------------------------------------------------------------------------------


async def next_tap(
    client: httpx.AsyncClient, fake: FakeTelegram, inbox: Inbox, resident: Resident
) -> tuple[str, list[Call]]:
    """The resident taps "my tips" on the last menu they were sent (without a menu, the first
    button they were last offered): what they tapped, and the answer up to its buttons."""
    buttons, message = keyboard(inbox.of(resident.chat))
    assert message is not None
    pressed = "menu:mytips" if "menu:mytips" in buttons else next(iter(buttons))
    before = len(inbox.of(resident.chat))
    await deliver(client, Delivery(tap(fake, resident.chat, pressed, message)), fake)
    deadline = time.monotonic() + 60
    while not keyboard(inbox.of(resident.chat)[before:])[1]:
        assert time.monotonic() < deadline, "a tap was never answered"
        await asyncio.sleep(0.05)
    return pressed, inbox.of(resident.chat)[before:]


async def tips_by_resident(sessions: async_sessionmaker[AsyncSession]) -> dict[int, list[str]]:
    """The codes of the tips stored, by the resident whose description they hold."""
    async with sessions() as session:
        rows = (await session.execute(text("SELECT code, description FROM tips"))).all()
    found: dict[int, list[str]] = defaultdict(list)
    for code, description in rows:
        mark = MARK.search(description)
        assert mark, description
        found[int(mark[1])].append(code)
    return found


def twice_across(kills: list[Kill], copies: list[Call]) -> Kill | None:
    """The kill between the first two copies of a receipt: that process died with its send
    under way (None: nothing explains the second copy)."""
    return next((k for k in kills if copies[0].at < k.killed < copies[1].at), None)


def report(
    kills: list[Kill],
    residents: list[Resident],
    sent: dict[int, list[Call]],
    explained: dict[int, Kill | None],
    lost: set[int],
    dead: set[int],
) -> None:
    """Where each kill landed and what it came to; each round's receipts lost and sent
    twice, and its dead buttons."""
    for kill in kills:
        mine = [r for r in residents if r.round == kill.round]
        out = sum(1 for r in mine for c in sent[r.number] if c.at < kill.killed)
        print(
            f"{kill.name} after {kill.step} events +{kill.jitter * 1000:.0f} ms "
            f"(+{kill.at:.2f}s): {kill.answered}/{len(mine)} answered, "
            f"{kill.stored} tips stored, {kill.owed} rows owed, {out} receipts out; "
            f"locks left {max(kill.lock_ms, default=0)} ms; start-up "
            f"{kill.ready - kill.restarted:.2f}s; first redelivery answered "
            + (f"{kill.first:.2f}s after the restart; " if kill.first is not None else "—; ")
            + f"receipts sent twice across it {sum(1 for k in explained.values() if k is kill)}"
        )
    for n in range(ROUNDS):
        numbers = {r.number for r in residents if r.round == n}
        print(
            f"round {n + 1}: lost {len(numbers & lost)}, "
            f"twice {len(numbers & set(explained))}, dead buttons {len(numbers & dead)}"
        )


async def test_kill_9_in_bursts_of_confirms_every_receipt_arrives_once(
    sessions: async_sessionmaker[AsyncSession],
    chat_redis: tuple[Redis, str],
    fake_telegram: FakeTelegram,
    env: dict[str, str],
    tmp_path: Path,
) -> None:
    fake = fake_telegram
    residents = [Resident(n, (n - 1) // PER_ROUND) for n in range(1, ROUNDS * PER_ROUND + 1)]
    began = time.monotonic()
    await to_review(residents, env, fake)
    assert await count(sessions, "SELECT count(*) FROM owed_replies") == 0  # all went out
    prepared = time.monotonic()

    seed = secrets.randbits(32)
    rng = random.Random(seed)
    kills = [
        Kill(n, k, rng.random(), rng.uniform(0, JITTER))
        for n in range(ROUNDS)
        for k in range(KILLS)
    ]
    print(f"\nseed {seed}")
    server = Server(env, tmp_path / "serve.log")
    server.start()
    inbox = Inbox(fake)
    try:
        await server.ready()
        async with httpx.AsyncClient(
            base_url=server.url,
            headers=HEADERS,
            limits=httpx.Limits(max_connections=40),  # Telegram's, as set-webhook sets it
            timeout=30,
        ) as client:
            for n in range(ROUNDS):
                mine = [r for r in residents if r.round == n]
                await run_round(
                    client,
                    server,
                    fake,
                    sessions,
                    chat_redis,
                    mine,
                    [k for k in kills if k.round == n],
                )
            bursts = time.monotonic()
            deadline = time.monotonic() + 120  # a lease (30 s) and a sweep (2 s), with room
            while left := await count(sessions, "SELECT count(*) FROM owed_replies"):
                assert time.monotonic() < deadline, f"{left} rows never sent\n{server.tail()}"
                await asyncio.sleep(0.5)
            swept = time.monotonic()
            stored = await tips_by_resident(sessions)
            sent = {r.number: [c for c in inbox.of(r.chat) if code_of(c)] for r in residents}
            taps = await asyncio.gather(*(next_tap(client, fake, inbox, r) for r in residents))
    finally:
        server.stop()

    # What each kill came to (pytest -s).
    stale = vi("input.stale_choice")
    codes = {n: Counter(code_of(c) for c in got) for n, got in sent.items()}
    lost = {n: stored.get(n) for n, got in codes.items() if not got}
    twice = {n: got for n, got in sent.items() if len(got) > 1}
    explained = {
        n: twice_across(kills, sorted(got, key=lambda c: c.at)) for n, got in twice.items()
    }
    dead = {
        r.number
        for r, (_, answer) in zip(residents, taps, strict=True)
        if stale in "\n".join(c.params["text"] for c in answer)
    }
    report(kills, residents, sent, explained, set(lost), dead)
    print(
        f"to the review {prepared - began:.1f}s, rounds {bursts - prepared:.1f}s, "
        f"owed rows all sent {swept - bursts:.1f}s after the last round"
    )

    # One tip for each confirm, none twice.
    assert {n: c for n, c in stored.items() if len(c) != 1} == {}
    assert set(stored) == {r.number for r in residents}
    # Its receipt reached the resident, and no other code did.
    assert lost == {}, f"receipts never delivered: {lost}"
    assert all(set(got) == set(stored[n]) for n, got in codes.items()), codes
    # A second copy only of a receipt whose send was under way at a kill, a few per kill.
    assert {n for n, k in explained.items() if k is None} == set(), "sent twice, no kill between"
    per_kill = Counter(k.name for k in explained.values() if k is not None)
    at_most = SEND_CONCURRENCY + math.ceil(RATE * (FLUSH_EVERY + 2 * FLUSH_WRITE))
    assert all(n <= at_most for n in per_kill.values()), f"sent again: {per_kill}"
    # No dead button: the next tap is answered, and "my tips" lists the tip.
    assert dead == set()
    for r, (pressed, answer) in zip(residents, taps, strict=True):
        words = "\n".join(c.params["text"] for c in answer)
        labels = " ".join(keyboard(answer)[0].values())
        assert pressed == "menu:mytips", (r.number, pressed, words)
        assert stored[r.number][0] in words + labels, (r.number, words, labels)
    # The dead processes' chat locks were leases of 5 s, none held for longer.
    assert all(0 < ms <= LOCK_TTL_MS for k in kills for ms in k.lock_ms), kills
