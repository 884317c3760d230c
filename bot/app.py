"""The ASGI app factory: one FastAPI app for the web chat, the panel, webhooks and health."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text

from bot import access_log, runtime
from bot.ops_metrics import SharedGauges
from bot.settings import Settings

log = logging.getLogger("binhyen.app")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.load()
    settings.check()
    metrics_token = settings.metrics_token.get_secret_value() if settings.metrics_token else ""
    if settings.is_production and not metrics_token:
        # /metrics then answers nobody; the token is also what keeps it closed when the
        # service is not in production, behind a proxy that says nothing (README).
        log.warning("BINHYEN_METRICS_TOKEN is not set: /metrics answers 404 to every scraper")
    runtime.load_content()
    access_log.install()  # officers' searches (phone numbers) stay out of the access log

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.prepare_database(settings)
        await runtime.check_blob_store(settings)  # the file store must be there
        rt = runtime.build(settings)
        app.state.runtime = rt
        for name, channel in channels(settings, rt).items():
            setattr(app.state, name, channel)
        app.state.outbox = _outbox(settings, rt, app)
        app.state.owed = _owed(rt, app)
        app.state.shared_gauges = SharedGauges(rt.sessions, rt.redis, settings.redis_prefix)
        # Everything loaded so far (catalogs, 3,321 communes, packs, the app) lives as long
        # as the process: keep it out of the cyclic collector's full passes, which otherwise
        # walk it all and showed up as tail latency (docs/BENCHMARKS.md §5).
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            await app.state.outbox.stop()
            await app.state.owed.stop()
            for name in ("telegram", "zalo_bot", "zalo_oa"):
                channel = getattr(app.state, name)
                if channel is not None:
                    await channel.stop()
            await rt.delivery.drain()
            if rt.dispatcher.journal is not None:  # the replies sent while draining
                await rt.dispatcher.journal.flush()
            await rt.close()

    app = FastAPI(
        title="Bình Yên",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.settings = settings

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # Never echo the input back: it may be a resident's words, or NaN that JSON can't hold.
        detail = [{"loc": e["loc"], "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        return JSONResponse({"detail": detail}, status_code=422)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> JSONResponse:
        rt: runtime.Runtime = request.app.state.runtime
        checks: dict[str, str] = {}
        try:
            async with rt.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception:
            checks["database"] = "unavailable"
        if rt.redis is not None:
            try:
                await rt.redis.ping()
                checks["redis"] = "ok"
            except Exception:
                checks["redis"] = "unavailable"
        ready = all(v == "ok" for v in checks.values())
        return JSONResponse({"ready": ready, **checks}, status_code=200 if ready else 503)

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        from bot.metrics import exposition, status_for

        token = settings.metrics_token.get_secret_value() if settings.metrics_token else ""
        peer = request.client.host if request.client else None
        local_only_ok = not settings.public_url and not settings.is_production
        status = status_for(token, request.headers, peer, local_only_ok=local_only_ok)
        if status == 401:
            return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})
        if status != 200:
            return Response(status_code=status)
        gauges = getattr(request.app.state, "shared_gauges", None)  # None before start-up
        shared = await gauges.values() if gauges is not None else None
        body, content_type = exposition(shared)
        return Response(body, media_type=content_type)

    from admin.routes import install as install_admin
    from admin.web import security_headers
    from bot.broadcast_photos import router as photo_router
    from bot.channels.web import router as web_router
    from bot.channels.web_guard import page_sources
    from bot.landing import router as landing_router

    # The web chat's page keeps the panel's policy, with its own inline code by hash.
    app.state.chat_headers = security_headers(**page_sources(settings.public_url))
    app.state.landing_headers = security_headers()  # `/`: no script, the panel's stylesheet
    if settings.telegram_token is not None:
        from bot.channels.telegram import router as telegram_router

        # First: a request is matched against the routes in order, and the webhook takes
        # the most requests (behind the panel's routes, matching was ~10 % of an update's
        # CPU, docs/BENCHMARKS.md §23).
        app.include_router(telegram_router)
    app.include_router(landing_router)
    app.include_router(web_router, include_in_schema=False)
    app.include_router(photo_router)
    install_admin(app)
    if settings.zalo_bot_token is not None:
        from bot.channels.zalo_bot import router as zalo_bot_router

        app.include_router(zalo_bot_router)
    if settings.zalo_oa_app_id:
        from bot.channels.zalo_oa import router as zalo_oa_router

        app.include_router(zalo_oa_router)
    return app


def _outbox(settings: Settings, rt: runtime.Runtime, app: FastAPI) -> Any:
    """The outbox worker over this process's channels; it runs in the background when
    BINHYEN_OUTBOX_WORKER is on (`binhyen worker` processes may do it instead)."""
    from bot import outbox

    worker = outbox.build(
        rt, {n: getattr(app.state, n) for n in ("telegram", "zalo_bot", "zalo_oa")}
    )
    if settings.outbox_worker:
        worker.start()
    return worker


def _owed(rt: runtime.Runtime, app: FastAPI) -> Any:
    """Sends the replies a process recorded and did not live to send (bot/owed.py): every
    serving process sweeps, so that whichever survives sends them."""
    from bot import owed

    sweeper = owed.sweeper(rt, {n: getattr(app.state, n) for n in owed.PUSHING})
    sweeper.start()
    return sweeper


def channels(settings: Settings, rt: runtime.Runtime, *, poll: bool = True) -> dict[str, Any]:
    """Every chat channel by name, None where it is not configured. `poll=False` builds them
    for sending only (`binhyen worker`): no long polling, which belongs to `serve`."""
    return {
        "telegram": _telegram(settings, rt, poll),
        "zalo_bot": _zalo_bot(settings, rt, poll),
        "zalo_oa": _zalo_oa(settings, rt),
    }


def _zalo_bot(settings: Settings, rt: runtime.Runtime, poll: bool) -> Any:
    """The Zalo Bot Platform channel when BINHYEN_ZALO_BOT_TOKEN is set (webhook with a
    public URL, getUpdates polling without)."""
    if settings.zalo_bot_token is None:
        return None
    from bot.channels import zalo_bot

    return zalo_bot.build(settings, rt, poll=poll)


def _zalo_oa(settings: Settings, rt: runtime.Runtime) -> Any:
    """The Zalo Official Account channel when BINHYEN_ZALO_OA_APP_ID is set (webhook only)."""
    if not settings.zalo_oa_app_id:
        return None
    from bot.channels import zalo_oa

    return zalo_oa.build(settings, rt)


def _telegram(settings: Settings, rt: runtime.Runtime, poll: bool) -> Any:
    """The Telegram channel when a token is set: by webhook when the service has a public
    URL (`binhyen telegram set-webhook` registers it), by long polling otherwise."""
    if settings.telegram_token is None:
        return None
    from bot.channels import telegram

    channel = telegram.TelegramChannel(
        token=settings.telegram_token.get_secret_value(),
        api_base=settings.telegram_api_base,
        secret=telegram.webhook_secret(settings),
        dispatcher=rt.dispatcher,
        delivery=rt.delivery,
        rates=telegram.Rates(per_bot=settings.telegram_rate),
        inbound=rt.inbound,
        answer_in_response=settings.telegram_answer_in_response,
    )
    rt.media.register(telegram.CHANNEL, channel.fetch)
    if poll and not settings.public_url:
        channel.start_polling()
    return channel
