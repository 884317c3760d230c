"""The panel's side of messages that wait for their reporter (issue 19): the tip page says
"waiting for the resident to come back" where a message is not delivered yet, and the
statistics count such messages, in the officer's area only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from content.i18n import translate
from handlers.notices import Notice
from storage import outbox
from tests.panel.conftest import COMMUNE_A, World, _world

WAITING_VI = "Đang chờ người báo tin quay lại"
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        "storage.admin_users.passwords.password_hasher",
        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
    )


@pytest.fixture
async def world(sqlite_url: str, tmp_path: Path) -> AsyncIterator[World]:
    async for w in _world(sqlite_url, tmp_path):
        yield w


async def queue(world: World, tip_id: str, resident_id: str, notice: Notice) -> int:
    async with world.session() as session:
        row_id = await outbox.notify_reporter(
            session,
            tip_id=tip_id,
            resident_id=resident_id,
            code="BY-7K3F-Q9",
            notice=notice,
            params={},
            now=NOW,
        )
        await session.commit()
    assert row_id is not None
    return row_id


async def waits(world: World, row_id: int, resident_id: str) -> None:
    async with world.session() as session:
        became = await outbox.wait_for_resident(
            session, row_id, resident_id, outbox.WaitReason.BLOCKED, [], NOW
        )
        await session.commit()
    assert became is outbox.OutboxStatus.WAITING


def test_the_label_in_both_languages() -> None:
    assert translate("panel.delivery.waiting", "vi") == WAITING_VI
    assert translate("panel.delivery.waiting", "en") == "Waiting for the resident to come back"


async def test_the_tip_page_shows_a_waiting_message_as_waiting_not_unreachable(
    world: World,
) -> None:
    tip = await world.tip(COMMUNE_A)
    officer = await world.client("officer_a")
    page = await officer.get(f"/admin/tips/{tip.id}")
    assert page.status_code == 200 and 'data-delivery="' not in page.text  # nothing owed
    acknowledged = await queue(world, tip.id, tip.resident_id, Notice.ACKNOWLEDGED)
    await waits(world, acknowledged, tip.resident_id)
    await queue(world, tip.id, tip.resident_id, Notice.QUESTION)  # still being sent
    page = await officer.get(f"/admin/tips/{tip.id}")
    assert page.status_code == 200
    assert WAITING_VI in page.text and 'data-delivery="waiting"' in page.text
    assert 'data-delivery="pending"' in page.text
    assert translate("panel.delivery.unreachable", "vi") not in page.text
    assert translate("panel.tip.deliveries_note", "vi") in page.text
    timeline = await officer.get(f"/admin/tips/{tip.id}/timeline")  # the part polled
    assert timeline.status_code == 200 and WAITING_VI in timeline.text


async def test_the_statistics_count_waiting_messages_in_the_area(world: World) -> None:
    tip = await world.tip(COMMUNE_A)
    for notice in (Notice.ACKNOWLEDGED, Notice.QUESTION):
        await waits(world, await queue(world, tip.id, tip.resident_id, notice), tip.resident_id)
    await queue(world, tip.id, tip.resident_id, Notice.FORWARDED)  # pending: not counted
    mine = await (await world.client("officer_a")).get("/api/v1/stats")
    assert mine.status_code == 200 and mine.json()["messages_waiting"] == 2
    other = await (await world.client("officer_b")).get("/api/v1/stats")
    assert other.json()["messages_waiting"] == 0
    page = await (await world.client("officer_a")).get("/admin/stats")
    assert page.status_code == 200
    assert translate("panel.stats.messages_waiting", "vi") in page.text
    figure = page.text.split('id="messages-waiting"', 1)[1].split("</div>", 1)[0]
    assert "<dd>2" in figure


async def for_the_web_chat(world: World, row_id: int) -> None:
    """As the worker leaves a message for a reporter who uses the web chat only: pending,
    marked for the page to fetch (bot/outbox.py, Outcome.WEB)."""
    async with world.session() as session:
        assert await outbox.settle(session, row_id, channel=outbox.WEB, due_at=NOW)
        await session.commit()


async def test_a_web_chat_reporters_message_not_fetched_yet_is_waiting_not_being_sent(
    world: World,
) -> None:
    tip = await world.tip(COMMUNE_A)
    await for_the_web_chat(world, await queue(world, tip.id, tip.resident_id, Notice.QUESTION))
    officer = await world.client("officer_a")
    page = await officer.get(f"/admin/tips/{tip.id}")
    assert page.status_code == 200
    assert 'data-delivery="waiting"' in page.text and WAITING_VI in page.text
    assert 'data-delivery="pending"' not in page.text
    assert translate("panel.delivery.pending", "vi") not in page.text
    stats = await officer.get("/api/v1/stats")
    assert stats.json()["messages_waiting"] == 1
    await queue(world, tip.id, tip.resident_id, Notice.FORWARDED)  # being sent: not counted
    assert (await officer.get("/api/v1/stats")).json()["messages_waiting"] == 1
