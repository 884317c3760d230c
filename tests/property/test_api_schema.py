"""Every route of the JSON API (/api/v1), driven by schemathesis from the app's own OpenAPI
document (issue 19), in-process over ASGI, with a real API token of an officer, a chief, a
neighbourhood leader or a province admin: never a server error, and every answer as the
document says (status codes, content types, headers, bodies). Tip ids are now and then those
of real tips, so that the actions reach the use cases and not only the 404."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest
import schemathesis
from argon2 import PasswordHasher
from fastapi import FastAPI
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from bot.app import create_app
from bot.settings import Settings
from storage import migrate
from tests.conftest import in_thread
from tests.panel.conftest import World, _world
from tests.panel.test_api import token_for
from tests.property.hostile import budget, watched_logs

ROLES = ("officer_a", "chief_a", "leader_a", "admin_01")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@dataclass(frozen=True)
class ApiWorld:
    app: FastAPI  # the app on the world's database, its lifespan run by schemathesis
    tokens: dict[str, str]  # role label → its API token
    tips: tuple[str, ...]  # ids of real tips of commune A


async def _prepare(url: str, folder: Path) -> tuple[Settings, dict[str, str], tuple[str, ...]]:
    """Accounts, their tokens and a few tips, made through the app's own paths (the panel
    tests' world) before the app that schemathesis drives starts."""
    worlds = cast(AsyncGenerator[World, None], _world(url, folder))
    world = await anext(worlds)
    try:
        tokens = {label: await token_for(world, label) for label in ROLES}
        tips = tuple([(await world.tip()).id for _ in range(3)])
        return world.settings, tokens, tips
    finally:
        await worlds.aclose()


@pytest.fixture(scope="module")
def api_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiWorld]:
    folder = tmp_path_factory.mktemp("api")
    url = f"sqlite+aiosqlite:///{folder / 'binhyen.db'}"
    in_thread(migrate.upgrade, url)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            "storage.admin_users.passwords.password_hasher",
            PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
        )
        settings, tokens, tips = in_thread(lambda: asyncio.run(_prepare(url, folder)))
    app = create_app(settings.model_copy(update={"outbox_worker": False}))
    yield ApiWorld(app, tokens, tips)


# The document as the app serves it at /api/v1/openapi.json (no database needed to make it).
# schemathesis.pytest.from_fixture would load it from a fixture instead, but 4.32 reads
# pytest's private node._nodeid, which pytest 9 no longer has.
schema = schemathesis.openapi.from_dict(
    create_app(Settings(database_url="sqlite+aiosqlite://", redis_url="")).openapi()
)


@schema.parametrize()
@schema.given(role=st.sampled_from(ROLES), real_tip=st.sampled_from([None, 0, 1, 2]))
@budget(30)
def test_no_api_route_answers_a_server_error_or_off_its_document(
    case: schemathesis.Case[Any], api_world: ApiWorld, role: str, real_tip: int | None
) -> None:
    if real_tip is not None and "tip_id" in (case.path_parameters or {}):
        case.path_parameters["tip_id"] = api_world.tips[real_tip]
    with watched_logs() as logs:
        case.call_and_validate(
            app=api_world.app,
            headers={"Authorization": f"Bearer {api_world.tokens[role]}"},
            checks=CHECKS,
        )
    assert logs.troubles() == []
