"""A door of the running app (a webhook, a web chat route) knocked on with hostile bodies, and
what each knock must leave true: no 5xx, no error or traceback in the logs, and nothing
changed when the body was refused or ignored (the database, the files kept, the calls made
to the platform)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from bot.settings import Settings
from tests.e2e.channels import running_app
from tests.property.hostile import database_state, files_under, watched_logs

SETTLE_PAUSE = 0.01  # seconds between two looks at the state while it still changes
SETTLE_TRIES = 50


@dataclass
class Door:
    app: FastAPI
    client: httpx.AsyncClient
    settings: Settings
    sent: Callable[[], int]  # how many calls the platform's fake has answered so far

    def state(self) -> dict[str, object]:
        return {
            **database_state(self.settings.database_url),
            "media files": files_under(Path(self.settings.media_dir)),
        }

    async def settled(self) -> dict[str, object]:
        """The state once the work of earlier requests is over: the replies sent, and what
        is written after them (a chat's claim marked done, a limit's bucket) in the file."""
        runtime = self.app.state.runtime
        await runtime.delivery.drain()
        # What went out is written a moment after the sends (bot/owed.py Journal.flush): now.
        if runtime.dispatcher.journal is not None:
            await runtime.dispatcher.journal.flush()
        # The embedded default's limiter writes its buckets a second after a booking: now.
        flush = getattr(runtime.delivery.limiter, "flush", None)
        if flush is not None:
            await flush()
        state = self.state()
        for _ in range(SETTLE_TRIES):
            await asyncio.sleep(SETTLE_PAUSE)
            again = self.state()
            if again == state:
                break
            state = again
        return state

    async def knock(self, path: str, *, ignored: bool = False, **request: Any) -> httpx.Response:
        """POST `request` to `path`; `ignored`: the body is one the bot must not act on."""
        before, sent_before = await self.settled(), self.sent()
        sent = repr(request)[:3000]  # what was sent, for the report of a failure
        with watched_logs() as logs:
            try:
                response = await self.client.post(path, **request)
            except Exception as exc:  # the app raised: a 500 behind a real server
                exc.add_note(sent)
                raise
            await self.app.state.runtime.delivery.drain()
        assert response.status_code < 500, (response.status_code, response.text[:500], sent)
        assert logs.troubles() == [], (logs.troubles(), sent)
        if ignored or response.status_code >= 400:
            after = await self.settled()
            changed = sorted(
                k for k in before.keys() | after.keys() if before.get(k) != after.get(k)
            )
            assert not changed, ("changed", changed, response.status_code, sent)
        if response.status_code >= 400:
            assert self.sent() == sent_before, ("a refusal made the bot send something", sent)
        return response


@asynccontextmanager
async def door(
    settings: Settings,
    *,
    sent: Callable[[], int] = lambda: 0,
    headers: dict[str, str] | None = None,
    **rates: object,
) -> AsyncIterator[Door]:
    """The app with `settings` in its lifespan, `rates` replacing its channels' (by name).
    Without the background rounds that write on their own time, the outbox worker's and the
    owed replies' sweeper's (the state would change under a refusal's feet), and without the
    inbound limit per resident, which would answer most of a run's messages with its notice
    instead of reading them."""
    settings = settings.model_copy(update={"outbox_worker": False, "inbound_per_minute": 0})
    async with running_app(settings, **rates) as app:
        sweeper = getattr(app.state, "owed", None)
        if sweeper is not None:
            await sweeper.stop()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", headers=headers or {}
        ) as client:
            yield Door(app, client, settings, sent)
