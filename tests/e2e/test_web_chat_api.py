"""The web chat through the real app: page, JSON API, cookie, dedupe and hostile input.

Runs the ASGI app in-process (httpx's ASGI transport) inside its lifespan, on a SQLite
database built by the real migrations.
"""

from __future__ import annotations

import unicodedata

import httpx
import pytest
from fastapi import FastAPI

from bot.channels.web import COOKIE
from tests.e2e.webchat import API, Body, browser, offered, onboard, send, texts, vi

pytestmark = pytest.mark.e2e

SHORT = 400  # a "short" reply: a notice, not an echo of what was sent


async def test_the_page_is_a_small_self_contained_vietnamese_html_page(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/chat")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert '<html lang="vi">' in page
    assert "<title>Bình Yên</title>" in page
    assert unicodedata.is_normalized("NFC", page)
    assert len(response.content) < 15_000
    # Self-contained (the machine may be offline) and server text never parsed as HTML.
    for outside in ("http://", "https://", "<script src", "<link", "@import"):
        assert outside not in page
    assert "innerHTML" not in page
    assert "nav:emergency" in page


async def test_healthz(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_start_greets_in_vietnamese_and_offers_the_languages(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(API, json={"kind": "command", "text": "/start"})
    assert response.status_code == 200
    data = response.json()
    assert data["duplicate"] is False
    assert texts(data)[0] == vi("start.greeting")
    assert {"lang:vi", "lang:en"} <= set(offered(data))
    for reply in data["replies"]:
        assert set(reply) == {"text", "choices", "request", "calls", "media"}
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith(f"{COOKIE}=")
    assert "httponly" in cookie
    assert "samesite=lax" in cookie


async def test_onboarding_reaches_the_main_menu(client: httpx.AsyncClient) -> None:
    data = await onboard(client)
    assert "Ba Đình" in "\n".join(texts(data))
    assert {"menu:tip", "menu:check", "nav:emergency"} <= set(offered(data))


async def test_emergency_offers_tel_links(client: httpx.AsyncClient) -> None:
    await send(client, kind="command", text="/start")
    data = await send(client, kind="choice", choice="nav:emergency")
    phones = [call["phone"] for reply in data["replies"] for call in reply["calls"]]
    assert "113" in phones


async def test_a_resend_with_the_same_message_id_gets_the_lost_answer_and_is_handled_once(
    client: httpx.AsyncClient,
) -> None:
    """The page resends a message whose answer it did not get (issue 19): a turn that
    changed something answers the resend with what it said then, and is not done twice."""
    await send(client, kind="command", text="/start")
    first = await send(client, kind="choice", choice="lang:vi", message_id="resend-1")
    assert first["duplicate"] is False
    assert first["replies"]
    again = await send(client, kind="choice", choice="lang:vi", message_id="resend-1")
    assert again == first
    data = await send(client, text="ha noi")  # the chat moved on once, not twice
    assert "area:province" in offered(data)


async def test_the_cookie_keeps_the_conversation(app: FastAPI, client: httpx.AsyncClient) -> None:
    await onboard(client)
    assert client.cookies.get(COOKIE)
    back = await send(client, kind="command", text="/start")
    assert texts(back)[0] == vi("start.welcome_back")
    assert "menu:tip" in offered(back)

    async with browser(app) as stranger:
        fresh = await send(stranger, kind="command", text="/start")
        assert texts(fresh)[0] == vi("start.greeting")
        assert stranger.cookies.get(COOKIE) != client.cookies.get(COOKIE)


@pytest.mark.parametrize("forged", ["", "x" * 32, "../../etc", "A" * 32, "0" * 4000])
async def test_a_forged_cookie_starts_a_fresh_chat(app: FastAPI, forged: str) -> None:
    async with browser(app) as forger:
        forger.cookies.set(COOKIE, forged)
        response = await forger.post(API, json={"kind": "command", "text": "/start"})
        assert response.status_code == 200
        assert texts(response.json())[0] == vi("start.greeting")
        issued = response.cookies.get(COOKIE)
        assert issued and issued != forged and len(issued) == 32


BAD_INPUT: dict[str, Body] = {
    "empty": {"text": ""},
    "blank": {"text": " \n\t "},
    "too long": {"text": "x" * 100_000},
    "control characters": {"text": "\x00\x07\x1b[31m\u202e\ufeff"},
    "emoji only": {"text": "😀🙏🔥"},
    "unknown command": {"text": "/foo"},
    "unknown command kind": {"kind": "command", "text": "/rm -rf"},
    "stale choice": {"kind": "choice", "choice": "commune:00004"},
    "empty choice": {"kind": "choice", "choice": ""},
    "location out of the blue": {"kind": "location", "lat": 21.03, "lon": 105.85},
    "location without coordinates": {"kind": "location"},
    "markup": {"text": "<script>alert(1)</script>"},
}
STAGES = ("greeting", "menu")


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("name", list(BAD_INPUT))
async def test_bad_input_gets_a_short_answer_and_the_chat_goes_on(
    client: httpx.AsyncClient, stage: str, name: str
) -> None:
    if stage == "menu":
        await onboard(client)
    else:
        await send(client, kind="command", text="/start")

    data = await send(client, **BAD_INPUT[name])

    assert data["duplicate"] is False
    assert data["replies"], name
    assert 0 < len(texts(data)[0]) <= SHORT, texts(data)[0][:SHORT]
    assert not any(ch in t for t in texts(data) for ch in "\x00\x07\x1b")
    if stage == "menu":
        following = await send(client, text="menu")
        assert "menu:tip" in offered(following), texts(following)
    else:
        following = await send(client, kind="choice", choice="lang:vi")
        assert "province:01" in offered(following), texts(following)


async def test_a_too_long_text_is_refused_with_its_length(client: httpx.AsyncClient) -> None:
    await send(client, kind="command", text="/start")
    data = await send(client, text="x" * 100_000)
    assert texts(data) == [vi("input.too_long", length=100_000, limit=4000)]


async def test_a_stale_choice_says_so_and_shows_the_current_step(
    client: httpx.AsyncClient,
) -> None:
    await onboard(client)
    data = await send(client, kind="choice", choice="commune:00004")
    assert texts(data)[0] == vi("input.stale_choice")
    assert "menu:tip" in offered(data)


INVALID: dict[str, bytes] = {
    "not json": b"{not json",
    "empty body": b"",
    "a list": b"[]",
    "a string": b'"hello"',
    "unknown kind": b'{"kind": "voice"}',
    "kind of wrong type": b'{"kind": 5}',
    "text of wrong type": b'{"text": ["a"]}',
    "null text": b'{"text": null}',
    "choice of wrong type": b'{"kind": "choice", "choice": {"id": 1}}',
    "latitude not a number": b'{"kind": "location", "lat": "north", "lon": 1}',
    "latitude out of range": b'{"kind": "location", "lat": 91, "lon": 0}',
    "longitude out of range": b'{"kind": "location", "lat": 0, "lon": -181}',
    "message id too long": b'{"message_id": "' + b"m" * 65 + b'"}',
    "text past the body limit": b'{"text": "' + b"y" * 200_001 + b'"}',
}


@pytest.mark.parametrize(
    "raw",
    [
        *[pytest.param(raw, id=name) for name, raw in INVALID.items()],
        pytest.param(b'{"kind": "location", "lat": NaN, "lon": 0}', id="NaN"),
        pytest.param(b'{"kind": "location", "lat": 0, "lon": Infinity}', id="Infinity"),
    ],
)
async def test_invalid_requests_are_422_not_500(app: FastAPI, raw: bytes) -> None:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.post(API, content=raw, headers={"content-type": "application/json"})
        assert response.status_code == 422, response.text[:300]
        after = await send(client, kind="command", text="/start")
        assert after["replies"]


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
async def test_a_cross_site_form_post_is_refused(
    client: httpx.AsyncClient, content_type: str
) -> None:
    response = await client.post(
        API,
        content=b'{"kind": "command", "text": "/start"}',
        headers={"content-type": content_type},
    )
    assert response.status_code == 422


async def test_the_api_takes_posts_only(client: httpx.AsyncClient) -> None:
    assert (await client.get(API)).status_code == 405


async def test_message_ids_are_deduplicated_per_chat(app: FastAPI) -> None:
    async with browser(app) as one, browser(app) as other:
        await send(one, kind="command", text="/start", message_id="same-id")
        data = await send(other, kind="command", text="/start", message_id="same-id")
        assert data["duplicate"] is False
        assert data["replies"]


async def test_a_refused_request_does_not_echo_what_was_sent(client: httpx.AsyncClient) -> None:
    secret = "Nguyễn Văn A 0912345678 " * 9000
    response = await client.post(API, json={"text": secret})
    assert response.status_code == 422
    assert "0912345678" not in response.text
