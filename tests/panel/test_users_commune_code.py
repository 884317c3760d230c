"""The panel's new-account form takes a commune code sent without its leading zeros ("4",
by a script or an old bookmark) as the 5-digit code; a code of another province stays refused."""

from __future__ import annotations

from storage import admin_users
from tests.panel.conftest import World

NEW_PASSWORD = "một mật khẩu mới đủ dài"


async def _create(world: World, commune: str, username: str) -> int:
    client = await world.client("admin_01")
    data = {
        "csrf": await world.csrf(client),
        "username": username,
        "role": "officer",
        "commune": commune,
        "password": NEW_PASSWORD,
        "repeat": NEW_PASSWORD,
    }
    return (await client.post("/admin/users/new", data=data)).status_code


async def test_a_code_without_zeros_is_the_commune(world: World) -> None:
    assert await _create(world, "4", "officer.four") == 303
    async with world.session() as session:
        created = await admin_users.active_user(session, "officer.four")
    assert created is not None and (created.commune_code, created.province_code) == ("00004", "01")


async def test_a_code_of_another_province_or_none_is_still_refused(world: World) -> None:
    assert await _create(world, "26743", "officer.far") == 422  # Bến Thành, Hồ Chí Minh City
    assert await _create(world, "99999", "officer.none") == 422
    async with world.session() as session:
        assert await admin_users.active_user(session, "officer.far") is None
