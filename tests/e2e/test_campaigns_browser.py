"""The campaigns page on a 390px phone, in a real headless Chromium against `binhyen serve`:
a commune chief reads every campaign with each message of its schedule opened, turns one on,
and never has to scroll sideways (in Vietnamese or in English)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from content.i18n import translate
from tests.e2e.real_browser import TIMEOUT_MS, chromium, serve, server_env

pytestmark = pytest.mark.e2e

PASSWORD = "mật khẩu đủ dài 2026"
BA_DINH = "00004"
PHONE = {"width": 390, "height": 844}
CAMPAIGN = "festival_19_8"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder: Path = tmp_path_factory.mktemp("campaigns")
    with serve(folder) as base:
        command = ["admin", "create", "--username", "truong.xa", "--role", "chief"]
        subprocess.run(
            [sys.executable, "-m", "bot.cli", *command, "--commune", BA_DINH],
            env=server_env(folder, BINHYEN_ADMIN_PASSWORD=PASSWORD),
            check=True,
            capture_output=True,
        )
        yield base


def _fits_the_screen(page: Any) -> None:
    """Every message opened, and still nothing wider than the phone."""
    page.evaluate(
        "document.querySelectorAll('#campaigns details').forEach(d => { d.open = true; })"
    )
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"{page.url} is {wide}px wider than the screen"


def test_a_chief_reads_and_turns_on_a_campaign_on_a_phone(site: str) -> None:
    from playwright.sync_api import expect

    with chromium() as browser:
        context = browser.new_context(
            locale="vi-VN", viewport=PHONE, has_touch=True, is_mobile=True
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        try:
            page.goto(f"{site}/admin/")
            page.locator("#username").fill("truong.xa")
            page.locator("#password").fill(PASSWORD)
            page.locator("button[type=submit]").click()
            expect(page.locator("#who")).to_contain_text("truong.xa")

            page.locator('nav a[href="/admin/campaigns"]').click()
            expect(page.locator("h1")).to_have_text(translate("panel.campaigns.title", "vi"))
            _fits_the_screen(page)

            page.locator(f"#turn-{CAMPAIGN} button").click()
            expect(page.locator("#done")).to_be_visible()
            expect(page.locator(f"#state-{CAMPAIGN}")).to_have_text(
                translate("panel.campaigns.state.commune_on", "vi")
            )
            _fits_the_screen(page)

            page.goto(f"{site}/admin/campaigns?lang=en")
            expect(page.locator("h1")).to_have_text(translate("panel.campaigns.title", "en"))
            _fits_the_screen(page)
        finally:
            context.close()
        assert not errors, errors
