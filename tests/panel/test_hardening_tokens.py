"""An account's API tokens end with its deactivation: reactivating the account (by the panel's
own routes) brings back none of them, and the account page shows them revoked."""

from __future__ import annotations

import httpx

from admin import auth
from storage import api_tokens
from tests.panel.conftest import World


async def _post(world: World, client: httpx.AsyncClient, path: str) -> httpx.Response:
    return await client.post(path, data={"csrf": await world.csrf(client)})


async def _token(world: World, label: str) -> str:
    async with world.session() as db:
        token, _info = await api_tokens.create_token(
            db, auth.api_token_key(world.settings), world.users[label].id, "máy chủ báo cáo"
        )
        await db.commit()
    return token


async def test_tokens_stay_revoked_after_the_account_is_reactivated(world: World) -> None:
    admin = await world.client("admin_01")
    target = world.users["officer_a"].id
    token = await _token(world, "officer_a")
    bearer = world.anonymous_client()
    bearer.headers["Authorization"] = f"Bearer {token}"
    assert (await bearer.get("/api/v1/me")).status_code == 200

    assert (await _post(world, admin, f"/admin/users/{target}/deactivate")).status_code == 303
    assert (await bearer.get("/api/v1/me")).status_code == 401
    assert (await _post(world, admin, f"/admin/users/{target}/activate")).status_code == 303

    assert (await bearer.get("/api/v1/me")).status_code == 401
    async with world.session() as db:
        tokens = await api_tokens.list_tokens(db, target)
    assert [t.revoked_at is not None for t in tokens] == [True]


async def test_a_token_made_after_reactivation_works(world: World) -> None:
    admin = await world.client("admin_01")
    target = world.users["officer_b"].id
    await _token(world, "officer_b")
    assert (await _post(world, admin, f"/admin/users/{target}/deactivate")).status_code == 303
    assert (await _post(world, admin, f"/admin/users/{target}/activate")).status_code == 303
    fresh = await _token(world, "officer_b")
    reply = await world.anonymous_client().get(
        "/api/v1/me", headers={"Authorization": f"Bearer {fresh}"}
    )
    assert reply.status_code == 200
