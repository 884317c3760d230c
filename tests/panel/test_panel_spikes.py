"""Spike suggestions on the panel (admin/spike_suggestions.py) through the real app: the chief
and the province admin see a suggestion once tips of a kind rise in a commune, with the rule
in words; officers, leaders and other areas do not; the button opens the compose form with
the card's notice typed, which previews as any notice; the suggestion names no reporter and
quotes no tip."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest

from admin.spike_suggestions import notice_text
from content import awareness, spikes
from content.i18n import translate
from tests.panel.conftest import COMMUNE_A, COMMUNE_B, World, csrf_of

FAKE_POLICE = "Có người gọi tự xưng công an, nói tôi liên quan vụ án và bảo chuyển tiền."
COMPOSE = "/admin/broadcasts/new?from_spike=fraud_phone&commune=00004&scam_type=fake_authority"


def vi(msgid: str, **params: object) -> str:
    return translate(msgid, "vi", {k: str(v) for k, v in params.items()} or None)


async def spike_in_a(world: World, n: int = 4, description: str = FAKE_POLICE) -> None:
    for _ in range(n):
        await world.tip(COMMUNE_A, category="fraud_phone", description=description)


async def page_of(world: World, label: str, url: str = "/admin/broadcasts") -> str:
    client = await world.client(label)
    page = await client.get(url)
    assert page.status_code == 200, label
    return unescape(page.text)


def rule_line() -> str:
    rules = spikes.rules()
    return vi(
        "panel.spikes.rule",
        min_count=rules.min_count,
        days=rules.window_days,
        factor="3",
        weeks=rules.baseline_weeks,
        minutes=10,
    )


async def test_the_chief_sees_a_suggestion_with_the_rule_in_words(world: World) -> None:
    await spike_in_a(world)
    page = await page_of(world, "chief_a")
    assert 'id="spikes"' in page
    item = vi(
        "panel.spikes.item_new",
        count=4,
        kind="Lừa đảo qua điện thoại",
        days=7,
        commune="Phường Ba Đình",
        weeks=8,
    )
    assert item in page
    assert (
        vi(
            "panel.spikes.scam_type",
            scam_count=4,
            scam_type="Giả danh công an, viện kiểm sát, tòa án",
        )
        in page
    )
    card = awareness.find_card("fake_authority")
    assert card is not None
    assert vi("panel.spikes.question", card=card[1].title.vi, commune="Phường Ba Đình") in page
    assert rule_line() in page
    assert f'href="{COMPOSE}"' in page
    # No reporter and no tip's words on the page: counts, a kind, a card.
    assert FAKE_POLICE not in page
    assert "chuyển tiền" not in page.split('id="spikes"')[1].split("</section>")[0]


async def test_a_usual_level_is_said_with_its_mean(world: World) -> None:
    await world.tip(
        COMMUNE_A,
        category="fraud_phone",
        description=FAKE_POLICE,
        received=datetime.now(UTC) - timedelta(days=30),
    )
    await spike_in_a(world, 3, "Một cuộc gọi lạ.")
    page = await page_of(world, "chief_a")
    item = vi(
        "panel.spikes.item",
        count=3,
        kind="Lừa đảo qua điện thoại",
        days=7,
        commune="Phường Ba Đình",
        weeks=8,
        mean="0,1",
    )
    assert item in page
    # No scam type among the window's tips: the kind's own card.
    assert 'data-kind="fraud_phone"' in page
    assert "scam_type=" not in page
    assert 'href="/admin/broadcasts/new?from_spike=fraud_phone&commune=00004"' in page


async def test_below_the_rule_there_is_no_box(world: World) -> None:
    await spike_in_a(world, 2)
    page = await page_of(world, "chief_a")
    assert 'id="spikes"' not in page


@pytest.mark.parametrize(
    ("label", "sees"),
    [
        ("chief_a", True),
        ("admin_01", True),
        ("officer_a", False),
        ("leader_a", False),
        ("chief_b", False),
        ("officer_b", False),
        ("admin_79", False),
    ],
)
async def test_who_sees_the_suggestion(world: World, label: str, sees: bool) -> None:
    await spike_in_a(world)
    page = await page_of(world, label)
    assert ('id="spikes"' in page) is sees, label
    assert ('data-commune="00004"' in page) is sees, label


async def test_the_button_prefills_the_compose_form(world: World) -> None:
    await spike_in_a(world)
    client = await world.client("chief_a")
    listed = unescape((await client.get("/admin/broadcasts")).text)
    url = re.search(r'href="([^"]+)" id="spike-compose-00004-fraud_phone"', listed)
    assert url and url.group(1) == COMPOSE
    form = await client.get(url.group(1))
    text = unescape(form.text)
    assert 'id="from-spike"' in text
    card = awareness.find_card("fake_authority")
    assert card is not None
    typed = notice_text("fraud_phone", "fake_authority")
    assert card[1].title.vi in typed and card[1].action.vi in typed
    assert f">{typed}</textarea>" in text
    assert re.search(r'id="kind-awareness" name="kind" value="awareness" checked', text)
    # The chief edits and previews it as any notice: it is within a notice's limits.
    data = {"csrf": csrf_of(form.text), "step": "preview", "kind": "awareness", "text": typed}
    preview = await client.post("/admin/broadcasts/new", data=data)
    assert preview.status_code == 200, preview.text[:2000]
    assert 'id="compose-error"' not in preview.text


async def test_a_province_admin_s_form_ticks_the_commune(world: World) -> None:
    client = await world.client("admin_01")
    form = unescape((await client.get(COMPOSE)).text)
    assert re.search(r'id="commune-00004" name="communes" value="00004" checked', form)
    assert not re.search(r'id="commune-00277" name="communes" value="00277" checked', form)
    # A commune of another province is not ticked (nor offered).
    other = unescape((await client.get(COMPOSE.replace(COMMUNE_A, "27316"))).text)
    assert 'value="27316" checked' not in other


@pytest.mark.parametrize("label", ["leader_a", "officer_a"])
async def test_others_get_the_plain_form(world: World, label: str) -> None:
    form = await page_of(world, label, COMPOSE)
    assert 'id="from-spike"' not in form
    assert "></textarea>" in form


async def test_an_unknown_kind_gets_the_plain_form(world: World) -> None:
    form = await page_of(world, "chief_a", "/admin/broadcasts/new?from_spike=nope")
    assert 'id="from-spike"' not in form
    # A scam type on a kind the pack does not narrow is ignored: the kind's card.
    client = await world.client("chief_a")
    drugs = unescape(
        (await client.get("/admin/broadcasts/new?from_spike=drugs&scam_type=fake_authority")).text
    )
    card = awareness.find_card("disguised_drugs")
    assert card is not None and card[1].title.vi in drugs


async def test_in_english(world: World) -> None:
    await spike_in_a(world)
    client = await world.client("chief_b")
    assert 'id="spikes"' not in (await client.get("/admin/broadcasts")).text
    client = await world.client("admin_01")
    page = unescape((await client.get("/admin/broadcasts?lang=en")).text)
    assert translate("panel.spikes.title", "en") in page
    assert "Phone scam: 4 tips in the last 7 days in Phường Ba Đình" in page


async def test_the_page_is_cached_per_area(world: World) -> None:
    client = await world.client("chief_b")
    page = await client.get("/admin/broadcasts")
    assert 'id="spikes"' not in page.text
    for _ in range(4):
        await world.tip(COMMUNE_B, category="fire_risk", description="Bình gas rò rỉ.")
    # Counted again only once the cache has expired.
    assert 'id="spikes"' not in (await client.get("/admin/broadcasts")).text
    world.app.state.spike_suggestions.kept.clear()
    assert 'data-kind="fire_risk"' in (await client.get("/admin/broadcasts")).text


async def test_on_postgresql(pg_world: World) -> None:
    await spike_in_a(pg_world)
    page = await page_of(pg_world, "chief_a")
    assert 'data-commune="00004" data-kind="fraud_phone"' in page
