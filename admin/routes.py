"""Everything the panel adds to the app: its pages, the JSON API, the answers to refusals and
the static files."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from admin import (
    account,
    api,
    api_actions,
    api_broadcasts,
    api_chat_links,
    app,
    audit,
    broadcasts,
    campaigns,
    commune_page,
    errors,
    export,
    honour,
    indicators,
    mediation,
    neighbourhoods,
    panel,
    reports,
    stats,
    stats_export,
    users,
)
from admin.web import STATIC


def install(application: FastAPI) -> None:
    # export before panel: /admin/tips/export.csv must not be taken for a tip's page.
    for module in (app, export, panel, broadcasts, account, users, audit, stats, indicators):
        application.include_router(module.router)
    application.include_router(neighbourhoods.router)
    application.include_router(mediation.router)
    application.include_router(commune_page.router)
    application.include_router(honour.router)
    application.include_router(campaigns.router)
    application.include_router(reports.router)
    application.include_router(stats_export.router)
    # Before api.router: /api/v1/tips/export must not be taken for a tip's id.
    for module in (export, stats, indicators, audit):
        application.include_router(module.api_router)
    application.include_router(api.router)
    application.include_router(api_actions.router)
    application.include_router(api_broadcasts.router)
    application.include_router(api_chat_links.router)
    errors.install(application)
    application.mount("/admin/static", StaticFiles(directory=STATIC), name="admin-static")
