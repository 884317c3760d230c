"""The panel's frame: the landing redirect, the header and menu per role, static files, CSP."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest

from admin.web import STATIC
from tests.panel.conftest import World
from tests.panel.panel_pages import POLICE, act

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_ATTRIBUTE = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


@pytest.mark.parametrize("label", POLICE)
async def test_police_land_on_the_queue(world: World, label: str) -> None:
    client = await world.client(label)
    landing = await client.get("/admin/")
    assert landing.status_code == 303 and landing.headers["location"] == "/admin/tips"
    page = (await client.get("/admin/tips")).text
    assert f"Xin chào, {world.usernames[label]}" in page
    assert 'action="/admin/signout"' in page
    assert 'href="/admin/tips" aria-current="page"' in page
    assert ("Nhật ký thao tác" in page) is (label != "officer_a")
    assert ("Tài khoản cán bộ" in page) is (label == "admin_01")
    area = "Thành phố Hà Nội" if label == "admin_01" else "Phường Ba Đình, Thành phố Hà Nội"
    assert area in page


async def test_landing_keeps_the_language_asked_for(world: World) -> None:
    client = await world.client("officer_a")
    landing = await client.get("/admin/?lang=en")
    assert landing.status_code == 303 and "lang=en" in landing.headers["set-cookie"]
    page = (await client.get("/admin/tips")).text
    assert '<html lang="en">' in page and "Tip queue" in page and "Sign out" in page
    assert 'href="?lang=vi"' in page


async def test_leaders_land_on_their_notices_with_no_tip_links(world: World) -> None:
    client = await world.client("leader_a")
    landing = await client.get("/admin/")
    assert landing.status_code == 303 and landing.headers["location"] == "/admin/broadcasts"
    home = await client.get("/admin/broadcasts")
    assert home.status_code == 200
    assert "Tổ trưởng tổ dân phố, trưởng thôn" in home.text
    assert "Phường Ba Đình, Thành phố Hà Nội" in home.text
    assert 'href="/admin/tips"' not in home.text and "/admin/stats" not in home.text
    assert "không xem được tin báo" in home.text
    assert 'action="/admin/signout"' in home.text


async def test_strangers_get_the_sign_in_form(world: World) -> None:
    client = world.anonymous_client()
    page = await client.get("/admin/")
    assert page.status_code == 200 and 'action="/admin/signin"' in page.text
    assert 'action="/admin/signout"' not in page.text and 'name="csrf-token"' not in page.text
    assert 'class="narrow"' in page.text


async def test_static_files_are_served(world: World) -> None:
    client = world.anonymous_client()
    for name, kind in (
        ("htmx.min.js", "javascript"),
        ("panel.js", "javascript"),
        ("panel.css", "text/css"),
        ("htmx.LICENSE", ""),
    ):
        response = await client.get(f"/admin/static/{name}")
        assert response.status_code == 200, name
        assert kind in response.headers["content-type"]
        assert response.content == (STATIC / name).read_bytes()
    htmx = (STATIC / "htmx.min.js").read_text(encoding="utf-8")
    assert htmx.startswith("/*! htmx.org 2.") and "Zero-Clause BSD" in htmx.splitlines()[0]
    assert "Zero-Clause BSD" in (STATIC / "htmx.LICENSE").read_text(encoding="utf-8")


async def test_pages_keep_to_the_content_security_policy(world: World) -> None:
    """No inline script and no on* handler on any page: the CSP allows scripts from 'self'."""
    tip = await world.tip(anonymous=False, contact_name="Trần E", contact_phone="+84933333333")
    officer = await world.client("officer_a")
    pages = [
        await officer.get("/admin/tips"),
        await officer.get(f"/admin/tips/{tip.id}"),
        await officer.get(f"/admin/tips/{tip.id}/timeline"),
        await officer.get("/admin/tips/BY-0000-00"),
        await act(officer, tip, "reveal", reason="Cần gọi lại xác minh"),
        await act(officer, tip, "ask", question=""),
        await (await world.client("leader_a")).get("/admin/broadcasts"),
        await world.anonymous_client().get("/admin/"),
    ]
    for response in pages:
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert not INLINE_SCRIPT.search(response.text), response.url
        assert not EVENT_ATTRIBUTE.search(response.text), response.url
        assert "<style" not in response.text


async def test_htmx_is_configured_and_carries_the_csrf_token(world: World) -> None:
    client = await world.client("officer_a")
    page = (await client.get("/admin/tips")).text
    assert '<script src="/admin/static/htmx.min.js" defer></script>' in page
    found = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", page)
    assert found
    config = json.loads(unescape(found.group(1)))
    assert config["allowEval"] is False and config["allowScriptTags"] is False
    swaps = {rule["code"]: rule["swap"] for rule in config["responseHandling"]}
    assert swaps["409|422"] is True and swaps["[45].."] is False
    token = re.search(r'<meta name="csrf-token" content="([^"]+)">', page)
    assert token and f'name="csrf" value="{token.group(1)}"' in page
    script = (STATIC / "panel.js").read_text(encoding="utf-8")
    assert "htmx:configRequest" in script and "X-CSRF-Token" in script


async def test_error_pages_speak_both_languages(world: World) -> None:
    client = await world.client("officer_a")
    missing = await client.get("/admin/tips/BY-0000-00?lang=en")
    assert missing.status_code == 404 and "Not found" in missing.text
    leader = await world.client("leader_a")
    refused = await leader.get("/admin/tips")
    assert refused.status_code == 403 and "Không có quyền truy cập" in refused.text
