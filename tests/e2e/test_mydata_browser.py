"""My data's copy in the web chat page, in a real headless Chromium against the real server:
the file in the answer becomes a download of that JSON, and a reload shows its name but keeps
none of its bytes in the page's history (sessionStorage). Skips without Chromium, as the other
browser tests do (tests/e2e/real_browser.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from handlers import mydata
from tests.e2e.real_browser import choice_button, chromium, phone_page, serve, type_in

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve(tmp_path_factory.mktemp("my-data")) as base:
        yield base


@pytest.fixture
def page(server: str) -> Iterator[Any]:
    with chromium() as browser, phone_page(browser, accept_downloads=True) as tab:
        yield tab


def test_the_copy_downloads_as_json_and_is_not_kept_in_the_page(
    page: Any, server: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page.goto(f"{server}/chat")
    choice_button(page, "lang:vi").click()
    expect(choice_button(page, "province:01")).to_be_visible()
    type_in(page, "ha noi")
    expect(choice_button(page, "area:province")).to_be_visible()
    type_in(page, "Phường Ba Đình")
    choice_button(page, "menu:settings").click()
    choice_button(page, "settings:mydata").click()
    choice_button(page, mydata.COPY).click()
    link = page.locator("a.file")
    expect(link).to_be_visible()
    expect(link).to_contain_text("binhyen-du-lieu-cua-toi-")
    box = link.bounding_box()
    assert box and box["height"] >= 44  # a finger's size, as every other button
    with page.expect_download() as started:
        link.click()
    download = started.value
    assert download.suggested_filename.startswith("binhyen-du-lieu-cua-toi-")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    copy = json.loads(target.read_text(encoding="utf-8"))
    assert copy["format"] == "binhyen.my-data.v1"
    assert copy["profile"]["commune"]["name"] == "Phường Ba Đình"
    kept = page.evaluate("sessionStorage.getItem('binhyen.chat.v1')")
    assert "binhyen-du-lieu-cua-toi-" in kept and '"data"' not in kept
    page.reload()
    expect(page.locator("span.file")).to_contain_text("binhyen-du-lieu-cua-toi-")
    expect(page.locator("a.file")).to_have_count(0)
