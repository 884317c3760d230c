"""The campaigns page (/admin/campaigns): a chief turns a campaign on or off for their commune,
a province admin for their province, and the commune's own setting wins; each sees whose
decision a campaign's state is and what goes out when, in the words residents get. Officers
and leaders are refused and not offered the page; a form needs the page's CSRF token; an
unknown campaign is the panel's 404."""

from __future__ import annotations

import re
from datetime import date, timedelta

import httpx
import pytest
from markupsafe import escape
from sqlalchemy import select

from admin import campaigns as page_module
from content import campaigns as packs
from storage.models import CampaignSetting
from tests.panel.conftest import COMMUNE_A, World
from tests.panel.panel_pages import audit_rows, page_csrf, today

PAGE = "/admin/campaigns"
FESTIVAL = "festival_19_8"


def _campaign(name: str) -> packs.Campaign:
    found = packs.campaign(name)
    assert found is not None
    return found


async def turn(client: httpx.AsyncClient, name: str, enabled: str) -> httpx.Response:
    return await client.post(
        f"{PAGE}/{name}", data={"csrf": await page_csrf(client), "enabled": enabled}
    )


def section(html: str, name: str) -> str:
    """One campaign's entry on the page."""
    found = re.search(rf'<li class="entry campaign" id="campaign-{name}".*?\n  </li>', html, re.S)
    assert found, html[:3000]
    return found.group(0)


def state(html: str, name: str) -> str:
    found = re.search(rf'id="state-{name}">([^<]*)<', html)
    assert found, html[:3000]
    return found.group(1)


async def settings(world: World) -> list[tuple[str, str, str, bool, int | None]]:
    async with world.session() as session:
        rows = (await session.execute(select(CampaignSetting))).scalars()
        return sorted((r.campaign, r.scope, r.area_code, r.enabled, r.set_by) for r in rows)


async def test_a_chief_sees_every_campaign_and_turns_one_on(world: World) -> None:
    chief = await world.client("chief_a")
    shown = await chief.get(PAGE)
    assert shown.status_code == 200
    assert 'href="/admin/campaigns" aria-current="page"' in shown.text
    for campaign in packs.all_campaigns():
        entry = section(shown.text, campaign.name)
        assert str(escape(campaign.title.get("vi"))) in entry
        assert state(shown.text, campaign.name) == "Chưa bật"
        assert "Bật cho xã, phường" in entry and 'name="enabled" value="1"' in entry
    assert "Hằng năm, từ 01/08 đến 20/08" in section(shown.text, FESTIVAL)
    assert "Một lần, từ 15/01/2027 đến 24/02/2027" in section(shown.text, "tet_2027")
    assert "Hằng năm, vào các tháng 11, 12, 1, 2, 3, 4" in section(shown.text, "fire_season")
    rules = re.search(r'<p class="note" id="rules">([^<]*)</p>', shown.text)
    assert rules and "08:00" in rules.group(1) and "20:00" in rules.group(1)
    assert "đăng ký nhận tin tuyên truyền" in rules.group(1)
    assert "đứng tên tài khoản đã bật chiến dịch" in rules.group(1)

    turned = await turn(chief, FESTIVAL, "1")
    assert turned.status_code == 303
    assert turned.headers["location"].startswith(f"{PAGE}?done=on&campaign={FESTIVAL}")
    chief_id = world.users["chief_a"].id
    assert await settings(world) == [(FESTIVAL, "commune", COMMUNE_A, True, chief_id)]
    [row] = await audit_rows(world, "campaign.on")
    assert (row.actor_id, row.subject, row.detail) == (chief_id, FESTIVAL, "Phường Ba Đình")

    after = await chief.get(turned.headers["location"])
    title = _campaign(FESTIVAL).title.get("vi")
    assert f"Đã bật chiến dịch «{title}»." in after.text
    assert state(after.text, FESTIVAL) == "Xã, phường đã bật"
    entry = section(after.text, FESTIVAL)
    assert "Tắt cho xã, phường" in entry and 'name="enabled" value="0"' in entry
    assert state(after.text, "tet_2027") == "Chưa bật"


async def test_the_province_turns_it_on_and_a_communes_own_setting_wins(world: World) -> None:
    admin = await world.client("admin_01")
    assert "Bật cho cả tỉnh" in section((await admin.get(PAGE)).text, FESTIVAL)
    assert (await turn(admin, FESTIVAL, "1")).status_code == 303
    admin_id = world.users["admin_01"].id
    assert await settings(world) == [(FESTIVAL, "province", "01", True, admin_id)]

    chief_a, chief_b = await world.client("chief_a"), await world.client("chief_b")
    assert state((await chief_a.get(PAGE)).text, FESTIVAL) == "Tỉnh đã bật"
    assert state((await chief_b.get(PAGE)).text, FESTIVAL) == "Tỉnh đã bật"
    # Another province's admin is not concerned.
    assert state((await (await world.client("admin_79")).get(PAGE)).text, FESTIVAL) == "Chưa bật"

    # Chief A turns it off for their commune: that wins there, and only there.
    assert (await turn(chief_a, FESTIVAL, "0")).status_code == 303
    page_a = (await chief_a.get(PAGE)).text
    assert state(page_a, FESTIVAL) == "Xã, phường đã tắt"
    assert "Bật cho xã, phường" in section(page_a, FESTIVAL)
    assert state((await chief_b.get(PAGE)).text, FESTIVAL) == "Tỉnh đã bật"
    [off] = await audit_rows(world, "campaign.off")
    assert off.detail == "Phường Ba Đình"
    # The province admin still sees the province's setting, and which commune decided itself.
    page_admin = (await admin.get(PAGE)).text
    assert state(page_admin, FESTIVAL) == "Tỉnh đã bật"
    assert "Xã, phường tự tắt: Phường Ba Đình." in section(page_admin, FESTIVAL)

    # The province turning it off again leaves the communes that decided for themselves alone.
    assert (await turn(admin, FESTIVAL, "0")).status_code == 303
    assert state((await chief_b.get(PAGE)).text, FESTIVAL) == "Tỉnh đã tắt"
    assert state((await chief_a.get(PAGE)).text, FESTIVAL) == "Xã, phường đã tắt"


@pytest.mark.parametrize(("label", "home"), [("officer_a", "/admin/tips"), ("leader_a", "")])
async def test_officers_and_leaders_are_refused_and_not_offered_it(
    world: World, label: str, home: str
) -> None:
    client = await world.client(label)
    assert 'href="/admin/campaigns"' not in (await client.get(home or "/admin/broadcasts")).text
    refused = await client.get(PAGE)
    assert refused.status_code == 403 and "Không có quyền truy cập" in refused.text
    assert (await client.get(f"{PAGE}/{FESTIVAL}")).status_code == 403
    assert (await turn(client, FESTIVAL, "1")).status_code == 403
    assert await settings(world) == []
    assert await audit_rows(world, "campaign.on") == []


@pytest.mark.parametrize("label", ["chief_a", "admin_01"])
async def test_chiefs_and_province_admins_are_offered_it(world: World, label: str) -> None:
    client = await world.client(label)
    assert 'href="/admin/campaigns"' in (await client.get("/admin/tips")).text


async def test_a_form_needs_the_pages_csrf_token(world: World) -> None:
    chief = await world.client("chief_a")
    missing = await chief.post(f"{PAGE}/{FESTIVAL}", data={"enabled": "1"})
    assert missing.status_code == 403
    forged = await chief.post(f"{PAGE}/{FESTIVAL}", data={"enabled": "1", "csrf": "x" * 43})
    assert forged.status_code == 403
    assert await settings(world) == []


async def test_an_unknown_campaign_is_not_found(world: World) -> None:
    chief = await world.client("chief_a")
    posted = await turn(chief, "no_such_campaign", "1")
    assert posted.status_code == 404 and "Không tìm thấy" in posted.text
    assert (await chief.get(f"{PAGE}/no_such_campaign")).status_code == 404
    assert (await chief.get(f"{PAGE}/{'x' * 300}")).status_code in (404, 422)
    linked = await chief.get(f"{PAGE}/{FESTIVAL}")
    assert linked.status_code == 303 and linked.headers["location"] == f"{PAGE}#campaign-{FESTIVAL}"
    assert await settings(world) == []


@pytest.mark.parametrize("enabled", ["", "yes", "2"])
async def test_enabled_is_one_or_zero(world: World, enabled: str) -> None:
    chief = await world.client("chief_a")
    assert (await turn(chief, FESTIVAL, enabled)).status_code == 422
    assert await settings(world) == []


def _expected(start: date) -> list[packs.Sending]:
    end = start + timedelta(days=page_module.HORIZON_DAYS - 1)
    return [s for c in packs.all_campaigns() for s in packs.schedule(c, start, end)]


async def test_the_schedule_shows_what_goes_out_in_the_next_60_days(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = date(2026, 7, 29)  # the 60 days end on 26/09/2026
    monkeypatch.setattr(page_module, "today", lambda: start)
    chief = await world.client("chief_a")
    html = (await chief.get(PAGE + "?lang=en")).text
    assert "What goes out in the next 60 days" in html
    festival = section(html, FESTIVAL)
    security_teams = next(m for m in _campaign(FESTIVAL).messages if m.id == "security_teams")
    words = packs.notice(security_teams, "vi")
    assert "Tháng 8 có Ngày hội toàn dân bảo vệ an ninh Tổ quốc" in words
    shown = re.search(
        rf'<li id="sending-{FESTIVAL}-security_teams">\s*<details>\s*<summary><strong>03/08/2026'
        rf'</strong>.*?</summary>\s*<div class="message" lang="vi"><p>(.*?)</p></div>',
        festival,
        re.S,
    )
    assert shown and shown.group(1) == str(escape(words))
    # Everything due in the 60 days, and nothing after them.
    expected = _expected(start)
    assert {s.campaign.name for s in expected} == {FESTIVAL, "back_to_school"}
    for sending in expected:
        entry = section(html, sending.campaign.name)
        assert f'id="sending-{sending.campaign.name}-{sending.message.id}"' in entry
        assert sending.day.strftime("%d/%m/%Y") in entry
        assert str(escape(packs.notice(sending.message, "vi"))) in entry
    last = _campaign("back_to_school").messages[-1]
    assert (last.date.month, last.date.day) == (9, 27)
    assert f'id="sending-back_to_school-{last.id}"' not in html and "27/09/2026" not in html
    assert "Nothing in the next 60 days. The next message goes out on 10/11/2026." in section(
        html, "fire_season"
    )


async def test_the_schedule_starts_today(world: World) -> None:
    admin = await world.client("admin_01")
    html = (await admin.get(PAGE)).text
    for sending in _expected(today()):
        entry = section(html, sending.campaign.name)
        assert f'id="sending-{sending.campaign.name}-{sending.message.id}"' in entry
        assert str(escape(packs.notice(sending.message, "vi"))) in entry
    sending_soon = {s.campaign.name for s in _expected(today())}
    for campaign in packs.all_campaigns():
        if campaign.name not in sending_soon:
            entry = section(html, campaign.name)
            assert "Không có tin nào trong 60 ngày tới" in entry or "đã kết thúc" in entry
