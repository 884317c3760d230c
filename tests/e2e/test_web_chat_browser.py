"""The web chat page in a real headless Chromium, against the real server in a subprocess.

Uses Debian's /usr/bin/chromium; Playwright never downloads a browser. Without Chromium or
the playwright module these tests skip, unless BINHYEN_TEST_REQUIRE_BROWSER=1 (as in CI),
where they fail instead. Set BINHYEN_TEST_SCREENSHOT=/tmp/chat.png to keep a screenshot.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.real_browser import (
    choice_button,
    chromium,
    phone_page,
    serve,
    type_in,
)

pytestmark = pytest.mark.e2e

SCREENSHOT = os.environ.get("BINHYEN_TEST_SCREENSHOT", "")


@pytest.fixture(scope="module")
def server_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("web-chat")


@pytest.fixture(scope="module")
def server(server_dir: Path) -> Iterator[str]:
    """`binhyen serve` on a free port with its own SQLite file and media folder."""
    with serve(server_dir) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    """A phone-sized page in a fresh context: no cookie, so a new conversation."""
    with phone_page(browser) as tab:
        yield tab


def test_onboarding_then_emergency_on_a_phone(page: Any, server: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{server}/chat")
    expect(page).to_have_title("Bình Yên")
    expect(page.locator(".bot").first).to_contain_text("Bình Yên")  # the greeting
    expect(page.locator("#send")).to_be_enabled()
    choice_button(page, "lang:vi").click()
    expect(page.locator(".me").last).to_have_text("Tiếng Việt")
    expect(choice_button(page, "province:01")).to_be_visible()

    type_in(page, "ha noi")
    expect(page.get_by_role("textbox")).to_have_value("")
    expect(choice_button(page, "area:province")).to_be_visible()
    type_in(page, "Phường Ba Đình")
    expect(choice_button(page, "menu:tip")).to_be_visible()
    expect(choice_button(page, "menu:settings")).to_be_visible()
    expect(choice_button(page, "province:01")).to_have_count(0)  # only the last reply's choices

    page.locator("#sos").click()
    call = page.locator('a[href="tel:113"]').first
    expect(call).to_be_visible()
    expect(call).to_contain_text("113")
    expect(choice_button(page, "nav:menu")).to_be_visible()
    if SCREENSHOT:
        page.screenshot(path=SCREENSHOT, full_page=False)

    _assert_fits_a_phone(page)


def _assert_fits_a_phone(page: Any) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"
    targets = page.locator("button:visible, a:visible, textarea")
    for i in range(targets.count()):
        box = targets.nth(i).bounding_box()
        assert box and box["height"] >= 44, (targets.nth(i).inner_text(), box)
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.bot')).fontSize)")
    assert size >= 16


def test_text_is_shown_as_text_and_survives_a_reload(page: Any, server: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{server}/chat")
    expect(choice_button(page, "lang:vi")).to_be_visible()
    hostile = '<img src=x onerror="window.pwned=1">\nline two'
    type_in(page, hostile)
    expect(page.locator(".me").last).to_have_text(hostile)
    expect(choice_button(page, "lang:vi")).to_be_visible()
    assert page.locator("#log img").count() == 0
    assert page.evaluate("window.pwned") is None

    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if r.url.endswith("/messages") else None)
    page.reload()
    expect(page.locator(".me").last).to_have_text(hostile)
    expect(choice_button(page, "lang:vi")).to_be_visible()
    assert sent == [], "a reload with a transcript must not send /start again"


def test_a_lost_request_is_retried_with_the_same_message_id(page: Any, server: str) -> None:
    from playwright.sync_api import expect

    bodies: list[dict[str, Any]] = []

    def flaky(route: Any) -> None:
        bodies.append(json.loads(route.request.post_data or "{}"))
        if len(bodies) == 1:
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route("**/chat/api/messages", flaky)
    page.goto(f"{server}/chat")
    expect(choice_button(page, "lang:vi")).to_be_visible()
    assert [b["text"] for b in bodies] == ["/start", "/start"]
    assert bodies[0]["message_id"] == bodies[1]["message_id"]


def test_a_lost_answer_shows_the_current_step_again(page: Any, server: str) -> None:
    """The server handled the message but the answer never arrived: the resend is a
    duplicate, and the page asks for the current step instead of staying silent."""
    from playwright.sync_api import expect

    bodies: list[dict[str, Any]] = []

    def answer_lost(route: Any) -> None:
        bodies.append(json.loads(route.request.post_data or "{}"))
        if len(bodies) == 1:
            route.fetch()
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/chat/api/messages", answer_lost)
    page.goto(f"{server}/chat")
    expect(choice_button(page, "lang:vi")).to_be_visible()
    assert bodies[0]["message_id"] == bodies[1]["message_id"]
    assert bodies[2]["choice"] == "nav:back"


def test_the_resend_button_after_two_failures(page: Any, server: str) -> None:
    from playwright.sync_api import expect

    bodies: list[dict[str, Any]] = []

    def down_twice(route: Any) -> None:
        bodies.append(json.loads(route.request.post_data or "{}"))
        if len(bodies) <= 2:
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route("**/chat/api/messages", down_twice)
    page.goto(f"{server}/chat")
    resend = page.locator("#log .note button")
    expect(resend).to_be_visible()
    expect(page.locator('#log .note a[href="tel:113"]')).to_be_visible()
    resend.click()
    expect(choice_button(page, "lang:vi")).to_be_visible()
    expect(page.locator("#log .note")).to_have_count(0)
    assert len({b["message_id"] for b in bodies}) == 1


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\xbd\xfa"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_a_whole_tip_with_a_photo_on_a_phone(page: Any, server: str, server_dir: Path) -> None:
    from playwright.sync_api import expect

    page.goto(f"{server}/chat")
    choice_button(page, "lang:vi").click()
    expect(choice_button(page, "province:01")).to_be_visible()
    type_in(page, "ha noi")
    expect(choice_button(page, "area:province")).to_be_visible()
    type_in(page, "Phường Ba Đình")
    choice_button(page, "menu:tip").click()
    choice_button(page, "tip:consent_yes").click()
    choice_button(page, "cat:theft_robbery").click()
    type_in(page, "Tối qua có hai người lạ lấy trộm xe đạp trước nhà số 12")
    choice_button(page, "tip:done").click()
    choice_button(page, "when:today").click()
    expect(page.locator(".geo")).to_be_visible()  # the reply asks for a location
    type_in(page, "Số 12 ngõ 5 phố Đội Cấn")
    expect(choice_button(page, "tip:media_done")).to_be_visible()

    attach = page.get_by_role("button", name="Gửi ảnh, tệp")
    expect(attach).to_be_visible()
    _assert_fits_a_phone(page)
    page.set_input_files(
        "#file", files=[{"name": "biển số.png", "mimeType": "image/png", "buffer": PNG}]
    )
    expect(page.locator(".me").last).to_have_text("📎 biển số.png")
    expect(page.locator(".bot").last).to_contain_text("Đã nhận 1 tệp")
    # Held apart as it came until the tip is sent (issue 18: storage/blobs.py).
    [held] = (server_dir / "media" / "received").iterdir()
    assert held.read_bytes() == PNG

    choice_button(page, "tip:media_done").click()
    choice_button(page, "tip:details_no").click()
    choice_button(page, "id:named").click()
    type_in(page, "Nguyễn Văn An")
    type_in(page, "0912 345 678")
    expect(page.locator(".bot").last).to_contain_text("Tệp đính kèm: 1")
    choice_button(page, "tip:confirm").click()
    receipt = page.locator(".bot", has_text="Mã PIN")
    expect(receipt).to_contain_text("BY-")
    found = re.search(r"BY-[0-9A-Z]{4}-[0-9A-Z]{2}.*?PIN: (\d{6})", receipt.inner_text(), re.S)
    assert found, receipt.inner_text()
    expect(choice_button(page, "menu:tip")).to_be_visible()
    digest = hashlib.sha256(PNG).hexdigest()
    assert (server_dir / "media" / digest[:2] / digest).read_bytes() == PNG
    assert not held.exists()
