"""Everything the panel adds to the app: its pages, the JSON API and the static files."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from admin import account, api, app, audit, export, indicators, panel, stats, users
from admin.web import STATIC


def install(application: FastAPI) -> None:
    for module in (app, panel, account, users, audit, export, stats, indicators):
        application.include_router(module.router)
    application.include_router(api.router)
    application.mount("/admin/static", StaticFiles(directory=STATIC), name="admin-static")
