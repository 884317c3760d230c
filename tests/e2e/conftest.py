"""Fixtures of the end-to-end tests: the real app in-process, and a browser-like client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from bot.app import create_app
from bot.settings import Settings
from tests.e2e.webchat import browser


@pytest.fixture
def media_dir(tmp_path: Path) -> Path:
    return tmp_path / "media"


@pytest.fixture
async def app(sqlite_url: str, media_dir: Path) -> AsyncIterator[FastAPI]:
    """The app inside its lifespan, on a SQLite file built by the migrations."""
    settings = Settings(database_url=sqlite_url, redis_url="", media_dir=str(media_dir))
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with browser(app) as c:
        yield c
