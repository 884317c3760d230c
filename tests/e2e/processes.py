"""Real `binhyen worker` processes, and "Telegram" delivering updates to several `binhyen serve`
processes behind one webhook (tests/e2e/test_many_processes.py). The serve processes are
tests/e2e/test_receipt_kill.py's `Server`."""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.clichat import BINHYEN
from tests.e2e.test_receipt_kill import HOOK, RETRY_FIRST, RETRY_MOST, ROOT, Server
from tests.fakes.telegram_api import FakeTelegram

READY = b"binhyen worker: sending the outbox"


def clean_environ() -> dict[str, str]:
    """This process's environment without any setting of the service's own."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("BINHYEN_", "PROMETHEUS"))}


@dataclass
class Worker:
    """`binhyen worker`: the outbox and the sweep of owed replies, no web service."""

    env: dict[str, str]
    log: Path
    proc: subprocess.Popen[bytes] | None = None
    _since: int = 0  # the log's size at the last start

    def start(self) -> float:
        self._since = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [*BINHYEN, "worker"],
                env={**clean_environ(), **self.env},
                cwd=ROOT,
                stdout=out,
                stderr=out,
            )
        return time.monotonic()

    async def ready(self) -> float:
        """When it said it sends the outbox (its channels and sweeper are running)."""
        deadline = time.monotonic() + 60
        while READY not in self.log.read_bytes()[self._since :]:
            assert self.proc is not None and self.proc.poll() is None, self.tail()
            assert time.monotonic() < deadline, "the worker never started\n" + self.tail()
            await asyncio.sleep(0.05)
        return time.monotonic()

    def kill(self) -> float:
        assert self.proc is not None
        assert self.proc.poll() is None, "the worker stopped by itself:\n" + self.tail()
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        return time.monotonic()

    def stop(self) -> int | None:
        """SIGTERM: it finishes the round in hand, then exits; its exit status."""
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
            return None

    def tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-40:])


@dataclass
class Answer:
    """One update as Telegram delivered it: every try that got no 200 (the process tried,
    what came back), then the process that answered 200, and when."""

    update: dict[str, Any]
    server: int = -1
    at: float = 0.0
    failed: list[tuple[int, str, float]] = field(default_factory=list)


class Telegram:
    """The webhook of one bot served by several processes behind a balancer: each update goes
    to the next process in turn (round robin over those up), and an update that got no 200 (a
    refused or reset connection, a timeout, a 5xx) is sent again, the same update_id, to
    another process, waiting a little longer each time. Each 200's body goes to the fake,
    which makes the Bot API call a bot may put there (FakeTelegram.answered). Per chat, the
    caller sends the next update only once the previous one was answered."""

    def __init__(
        self, fake: FakeTelegram, servers: list[Server], client: httpx.AsyncClient, secret: str
    ) -> None:
        self.fake = fake
        self.servers = servers
        self.client = client
        self.headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
        self.up = [True] * len(servers)
        self.answers: list[Answer] = []
        self._turn = itertools.count()

    def pick(self, avoid: int | None) -> int:
        """The next process in turn that is up, other than `avoid` when another is up."""
        while True:
            n = next(self._turn) % len(self.servers)
            others = any(u for i, u in enumerate(self.up) if i != avoid)
            if self.up[n] and (n != avoid or not others):
                return n

    async def deliver(self, update: dict[str, Any], give_up: float = 120) -> Answer:
        answer = Answer(update)
        deadline, pause, last = time.monotonic() + give_up, RETRY_FIRST, None
        while True:
            n = self.pick(last)
            try:
                response = await self.client.post(
                    self.servers[n].url + HOOK, json=update, headers=self.headers
                )
                if response.status_code == 200:
                    answer.server, answer.at = n, time.monotonic()
                    self.fake.answered(response.content)
                    self.answers.append(answer)
                    return answer
                outcome = f"HTTP {response.status_code}"
            except httpx.TransportError as exc:  # refused, reset, timed out
                outcome = type(exc).__name__
            answer.failed.append((n, outcome, time.monotonic()))
            last = n
            assert time.monotonic() < deadline, f"update never answered: {answer.failed}"
            await asyncio.sleep(pause)
            pause = min(pause * 2, RETRY_MOST)


def counter_total(exposition: str, name: str, **labels: str) -> float:
    """The sum of a counter's samples whose labels include `labels`."""
    total = 0.0
    for found in re.finditer(rf"^{re.escape(name)}\{{([^}}]*)\}} (\S+)$", exposition, re.M):
        have = dict(re.findall(r'(\w+)="([^"]*)"', found[1]))
        if all(have.get(k) == v for k, v in labels.items()):
            total += float(found[2])
    return total


async def metrics_of(client: httpx.AsyncClient, server: Server, token: str) -> str:
    response = await client.get(
        server.url + "/metrics", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    return response.text
