"""`binhyen serve` says where the web chat and the panel are, once, on stdout; `/` is a small
landing page linking them, with the emergency numbers and the service's security headers."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from bot.serve import addresses, base_url
from tests.e2e.clichat import BINHYEN, chat_env, free_port

PUBLIC = "https://binhyen.example.vn"


@contextmanager
def _serving(tmp_path: Path, **env: str) -> Iterator[tuple[str, list[str]]]:
    """A `binhyen serve` on a free port: its address and the lines it printed to stdout
    until it answered; stdout's rest is checked once it stopped."""
    port = free_port()
    command = [*BINHYEN, "serve", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(
        command,
        env={**chat_env(tmp_path), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    base = f"http://127.0.0.1:{port}"
    try:
        printed = [proc.stdout.readline().rstrip("\n") for _ in range(2)]  # blocks until bound
        deadline = time.monotonic() + 60
        while httpx.get(f"{base}/healthz", timeout=5).status_code != 200:
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        yield base, printed
    finally:
        proc.send_signal(signal.SIGTERM)
        rest, _ = proc.communicate(timeout=30)
        printed.append(rest.strip())


def test_serve_prints_the_chat_and_panel_addresses_once_and_the_landing_page(
    tmp_path: Path,
) -> None:
    with _serving(tmp_path) as (base, printed):
        assert printed[:2] == [f"Web chat: {base}/chat", f"Panel: {base}/admin/"]
        assert httpx.get(f"{base}/chat", timeout=10).status_code == 200
        assert httpx.get(f"{base}/admin/", timeout=10).status_code == 200
        page = httpx.get(f"{base}/", timeout=10)
        english = httpx.get(f"{base}/?lang=en", timeout=10)
        chosen = httpx.get(f"{base}/", cookies={"lang": "en"}, timeout=10)
    # Once: the rest of stdout is uvicorn's access log.
    assert "Web chat:" not in printed[2] and "Panel:" not in printed[2]
    assert '"GET / HTTP/1.1" 200' in printed[2]
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<html lang="vi">' in html and "Trò chuyện với Bình Yên" in html
    assert 'href="/chat"' in html and 'href="/admin/"' in html
    for number in ("113", "114", "115"):
        assert f'href="tel:{number}"' in html
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert "<script" not in html
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-store"
    assert '<html lang="en">' in english.text and "Chat with Bình Yên" in english.text
    assert 'href="tel:113">Call 113 (police)<' in english.text
    assert 'href="/?lang=vi"' in english.text  # the way back
    assert english.headers["set-cookie"].startswith("lang=en;")  # the panel follows it
    assert '<html lang="en">' in chosen.text  # the panel's language choice


def test_serve_names_the_public_address_when_one_is_set(tmp_path: Path) -> None:
    with _serving(tmp_path, BINHYEN_PUBLIC_URL=PUBLIC + "/") as (_base, printed):
        assert printed[:2] == [f"Web chat: {PUBLIC}/chat", f"Panel: {PUBLIC}/admin/"]


def test_serve_never_prints_the_public_urls_password_query_or_fragment(tmp_path: Path) -> None:
    secret = "https://ops:s3cret-pass@binhyen.example.vn:8443/base/?token=abc#top"
    with _serving(tmp_path, BINHYEN_PUBLIC_URL=secret) as (_base, printed):
        shown = "https://binhyen.example.vn:8443/base"
        assert printed[:2] == [f"Web chat: {shown}/chat", f"Panel: {shown}/admin/"]
    assert not any(word in line for line in printed for word in ("s3cret", "ops", "token"))


@pytest.mark.parametrize(
    ("public", "shown"),
    [
        ("https://binhyen.example.vn", "https://binhyen.example.vn"),
        ("https://binhyen.example.vn/", "https://binhyen.example.vn"),
        ("https://binhyen.example.vn/base/", "https://binhyen.example.vn/base"),  # …/base/chat
        ("  HTTPS://BinhYen.Example.VN/Base  ", "https://binhyen.example.vn/Base"),
        ("https://user:pass@binhyen.example.vn/", "https://binhyen.example.vn"),
        ("https://binhyen.example.vn/?utm=x#frag", "https://binhyen.example.vn"),
        ("http://[2001:db8::1]:8443/b/", "http://[2001:db8::1]:8443/b"),
    ],
)
def test_the_public_url_is_shown_as_scheme_host_port_and_path(public: str, shown: str) -> None:
    assert base_url(public, "0.0.0.0", 8080) == shown
    assert addresses(shown) == [f"Web chat: {shown}/chat", f"Panel: {shown}/admin/"]


@pytest.mark.parametrize(
    "public", ["binhyen.example.vn", "ftp://binhyen.example.vn", "https://", "https://x:port/"]
)
def test_a_public_url_that_is_no_web_address_is_not_shown(
    public: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert base_url(public, "0.0.0.0", 8080) == "http://127.0.0.1:8080"
    assert "BINHYEN_PUBLIC_URL is not an http(s) address" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("host", "shown"),
    [
        ("127.0.0.1", "http://127.0.0.1:8080"),
        ("0.0.0.0", "http://127.0.0.1:8080"),  # a browser cannot open 0.0.0.0
        ("::", "http://[::1]:8080"),
        ("binhyen.local", "http://binhyen.local:8080"),
    ],
)
def test_the_address_shown_without_a_public_url(host: str, shown: str) -> None:
    assert base_url("", host, 8080) == shown
    assert addresses(shown) == [f"Web chat: {shown}/chat", f"Panel: {shown}/admin/"]
