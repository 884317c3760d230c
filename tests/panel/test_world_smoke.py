"""The panel fixtures themselves: accounts sign in, tips are stored in their commune."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Tip
from tests.panel.conftest import COMMUNE_B, World


async def test_world_signs_in_and_stores_tips(world: World) -> None:
    client = await world.client("officer_a")
    home = await client.get("/admin/tips")
    assert home.status_code == 200 and world.usernames["officer_a"] in home.text
    stored = await world.tip(COMMUNE_B, urgent=True)
    async with world.session() as session:
        tip = (await session.execute(select(Tip).where(Tip.id == stored.id))).scalar_one()
    # Urgent: the crime report is to be forwarded within 24 hours, before any acknowledgement.
    assert tip.commune_code == COMMUNE_B and tip.next_due == tip.forward_due < tip.ack_due
    assert "tu xung cong an" in tip.search_text and stored.code.lower() in tip.search_text
