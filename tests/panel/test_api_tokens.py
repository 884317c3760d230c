"""API tokens (storage/api_tokens.py) and `auth.api_identity`, the JSON API's way in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select, update

from admin import auth
from storage import api_tokens
from storage.models import AdminUser, ApiToken
from tests.panel.conftest import World

PROBE = "/api/v1/_probe_identity"


def _install_probe(world: World) -> None:
    """A route that answers with whoever api_identity says is calling."""
    if any(getattr(r, "path", "") == PROBE for r in world.app.router.routes):
        return
    router = APIRouter()

    async def probe(request: Request) -> JSONResponse:
        async with world.session() as db:
            identity = await auth.api_identity(request, db)
        if identity is None:
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        return JSONResponse({"username": identity.username})

    router.add_api_route(PROBE, probe, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    world.app.include_router(router)


def _key(world: World) -> bytes:
    return auth.api_token_key(world.settings)


async def _token(world: World, label: str, **kwargs: object) -> str:
    async with world.session() as db:
        token, _info = await api_tokens.create_token(
            db,
            _key(world),
            world.users[label].id,
            "máy chủ báo cáo",
            **kwargs,  # type: ignore[arg-type]
        )
        await db.commit()
    return token


async def test_bearer_token_identifies_its_owner_for_any_method(world: World) -> None:
    _install_probe(world)
    token = await _token(world, "officer_a")
    client = world.anonymous_client()
    headers = {"Authorization": f"Bearer {token}"}
    for method in ("GET", "POST", "DELETE"):
        reply = await client.request(method, PROBE, headers=headers)
        assert reply.status_code == 200, method
        assert reply.json() == {"username": world.usernames["officer_a"]}


@pytest.mark.parametrize(
    "header",
    ["Bearer ", "Bearer by_" + "x" * 43, "Basic dXNlcjpwYXNz", "Bearer", "token"],
)
async def test_bad_authorization_header_is_refused(world: World, header: str) -> None:
    _install_probe(world)
    client = world.anonymous_client()
    reply = await client.get(PROBE, headers={"Authorization": header})
    assert reply.status_code == 401


async def test_bad_bearer_wins_over_a_session_cookie(world: World) -> None:
    _install_probe(world)
    client = await world.client("chief_a")
    assert (await client.get(PROBE)).status_code == 200
    reply = await client.get(PROBE, headers={"Authorization": "Bearer nonsense"})
    assert reply.status_code == 401


async def test_session_cookie_needs_the_csrf_header_for_unsafe_methods(world: World) -> None:
    _install_probe(world)
    client = await world.client("chief_a")
    settings = world.settings
    token = client.cookies[auth.SESSION_COOKIE]
    good = auth.csrf_token(settings, "session", token)
    assert (await client.get(PROBE)).json() == {"username": world.usernames["chief_a"]}
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert (await client.request(method, PROBE)).status_code == 401, method
        wrong = await client.request(method, PROBE, headers={auth.CSRF_HEADER: "0" * 64})
        assert wrong.status_code == 401, method
        ok = await client.request(method, PROBE, headers={auth.CSRF_HEADER: good})
        assert ok.status_code == 200, method
    # The signin-purpose token of the same value is not a session token.
    other = auth.csrf_token(settings, "signin", token)
    assert (await client.post(PROBE, headers={auth.CSRF_HEADER: other})).status_code == 401


async def test_no_credentials_is_none(world: World) -> None:
    _install_probe(world)
    assert (await world.anonymous_client().get(PROBE)).status_code == 401


async def test_expired_revoked_and_inactive_tokens_stop_working(world: World) -> None:
    _install_probe(world)
    client = world.anonymous_client()
    expired = await _token(
        world, "officer_a", now=datetime.now(UTC) - timedelta(days=2), lifetime=timedelta(days=1)
    )
    revoked = await _token(world, "officer_a")
    inactive = await _token(world, "officer_b")
    async with world.session() as db:
        rows = (await db.execute(select(ApiToken).order_by(ApiToken.id))).scalars().all()
        revoked_row = next(
            r for r in rows if r.token_hash == api_tokens.token_hash(_key(world), revoked)
        )
        assert await api_tokens.revoke(db, world.users["officer_a"].id, revoked_row.id)
        assert not await api_tokens.revoke(db, world.users["officer_a"].id, revoked_row.id)
        await db.execute(
            update(AdminUser)
            .where(AdminUser.id == world.users["officer_b"].id)
            .values(active=False)
        )
        await db.commit()
    for token in (expired, revoked, inactive):
        reply = await client.get(PROBE, headers={"Authorization": f"Bearer {token}"})
        assert reply.status_code == 401


async def test_only_the_owner_can_revoke(world: World) -> None:
    await _token(world, "officer_a")
    async with world.session() as db:
        (mine,) = await api_tokens.list_tokens(db, world.users["officer_a"].id)
        assert not await api_tokens.revoke(db, world.users["officer_b"].id, mine.id)
        assert await api_tokens.list_tokens(db, world.users["officer_b"].id) == []
        assert await api_tokens.revoke(db, world.users["officer_a"].id, mine.id)
        await db.commit()
        (after,) = await api_tokens.list_tokens(db, world.users["officer_a"].id)
    assert after.revoked_at is not None and not after.active(datetime.now(UTC))


async def test_database_keeps_only_a_keyed_hash(world: World) -> None:
    token = await _token(world, "officer_a")
    async with world.session() as db:
        row = (await db.execute(select(ApiToken))).scalar_one()
    assert token not in row.token_hash and len(row.token_hash) == 64
    assert row.token_hash == api_tokens.token_hash(_key(world), token)
    # Another secret key gives another hash: a database copy alone is not enough.
    assert api_tokens.token_hash(b"other", token) != row.token_hash


async def test_last_used_is_written_at_most_once_a_minute(world: World) -> None:
    token = await _token(world, "officer_a")
    start = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    key = _key(world)
    async with world.session() as db:
        identity = await api_tokens.verify(db, key, token, now=start)
        assert identity is not None and identity.username == world.usernames["officer_a"]
        await db.commit()
        for seconds in (10, 59):
            await api_tokens.verify(db, key, token, now=start + timedelta(seconds=seconds))
            await db.commit()
        (info,) = await api_tokens.list_tokens(db, identity.id)
        assert info.last_used_at == start
        await api_tokens.verify(db, key, token, now=start + timedelta(seconds=61))
        await db.commit()
        (info,) = await api_tokens.list_tokens(db, identity.id)
        assert info.last_used_at == start + timedelta(seconds=61)


async def test_bearer_use_is_recorded(world: World) -> None:
    _install_probe(world)
    token = await _token(world, "officer_a")
    client = world.anonymous_client()
    assert (
        await client.get(PROBE, headers={"Authorization": f"Bearer {token}"})
    ).status_code == 200
    async with world.session() as db:
        (info,) = await api_tokens.list_tokens(db, world.users["officer_a"].id)
    assert info.last_used_at is not None


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
async def test_token_needs_a_name(world: World, name: str) -> None:
    async with world.session() as db:
        with pytest.raises(api_tokens.InvalidToken):
            await api_tokens.create_token(db, b"k", world.users["officer_a"].id, name)


@pytest.mark.parametrize("days", [0, 367])
async def test_token_lifetime_is_bounded(world: World, days: int) -> None:
    async with world.session() as db:
        with pytest.raises(api_tokens.InvalidToken):
            await api_tokens.create_token(
                db, b"k", world.users["officer_a"].id, "x", timedelta(days=days)
            )
