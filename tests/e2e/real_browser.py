"""What the browser tests share: Debian's Chromium driven by Playwright (never a downloaded
browser) and `binhyen serve` in a subprocess on a free port with its own SQLite file.

Without Chromium or the playwright module the tests skip, unless
BINHYEN_TEST_REQUIRE_BROWSER=1 (as in CI), where they fail instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.clichat import free_port

CHROMIUM = Path("/usr/bin/chromium")
REQUIRE = os.environ.get("BINHYEN_TEST_REQUIRE_BROWSER") == "1"
PHONE = {"width": 375, "height": 667}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
TIMEOUT_MS = 15_000


def unavailable(reason: str) -> None:
    if REQUIRE:
        pytest.fail(reason)
    pytest.skip(reason)


def _wait_healthy(base: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"server did not become healthy:\n{log.read_text()}")


def server_env(folder: Path, **extra: str) -> dict[str, str]:
    """The environment of a server (or a CLI command) on the SQLite file in `folder`."""
    return {
        **os.environ,
        "BINHYEN_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'binhyen.db'}",
        "BINHYEN_MEDIA_DIR": str(folder / "media"),
        **extra,
    }


@contextmanager
def serve(folder: Path, **extra: str) -> Iterator[str]:
    """`binhyen serve` on a free port (it migrates its SQLite file itself); yields its URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = folder / "server.log"
    command = [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command, env=server_env(folder, **extra), stdout=out, stderr=subprocess.STDOUT
        )
    try:
        _wait_healthy(base, proc, log)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium, or a skip (a failure in CI) without one."""
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        unavailable(f"the playwright module is not installed ({exc})")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def phone_page(browser: Any, **options: Any) -> Iterator[Any]:
    """A phone-sized page in a fresh context (no cookie: a new conversation); fails the test
    on a script error in the page."""
    context = browser.new_context(
        viewport=PHONE, locale="vi-VN", has_touch=True, is_mobile=True, **options
    )
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert not errors, errors


def choice_button(page: Any, choice_id: str) -> Any:
    """The web chat's button of an offered choice."""
    return page.locator(f'button[data-choice="{choice_id}"]')


_IDLE = "() => !document.body.classList.contains('busy')"


def type_in(page: Any, text: str) -> None:
    """Type a message in the web chat, send it and wait for the answer. The page keeps what
    is typed while the previous message is still on its way (Enter does nothing then), as a
    resident would see it; a test that typed on at once would lose its next message."""
    from playwright.sync_api import expect

    box = page.get_by_role("textbox")
    page.wait_for_function(_IDLE)
    box.fill(text)
    box.press("Enter")
    expect(box).to_have_value("")  # taken: sent, not left waiting in the box
    page.wait_for_function(_IDLE)
