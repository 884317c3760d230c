"""The panel's header greets the signed-in account by its display name (`admin create
--display-name`), and by its username when it has none."""

from __future__ import annotations

import re

from handlers.accounts import create_account
from handlers.people import AdminRole
from storage.admin_users import SqlAccountStore, passwords
from tests.panel.conftest import COMMUNE_A, PASSWORD, World, csrf_of


def _greeting(html: str) -> str:
    found = re.search(r'<div class="who" id="who">\s*<span>([^<]*)</span>', html)
    assert found, html[:2000]
    return found[1]


async def test_the_header_shows_the_display_name_or_else_the_username(world: World) -> None:
    async with world.session() as session:
        await create_account(
            SqlAccountStore(session),
            passwords,
            username="officer.named",
            password=PASSWORD,
            role=AdminRole.OFFICER,
            commune_code=COMMUNE_A,
            province_code="01",
            display_name="Nguyễn Thị Lan",
        )
        await session.commit()
    client = world.anonymous_client()
    form = await client.get("/admin/")
    data = {"username": "officer.named", "password": PASSWORD, "csrf": csrf_of(form.text)}
    assert (await client.post("/admin/signin", data=data)).status_code == 303
    assert _greeting((await client.get("/admin/tips")).text) == "Xin chào, Nguyễn Thị Lan"
    unnamed = await world.client("officer_a")  # created without a display name
    greeting = _greeting((await unnamed.get("/admin/tips")).text)
    assert greeting == f"Xin chào, {world.usernames['officer_a']}"
