"""A web chat client for the end-to-end tests: the real app in-process, one cookie jar per
"phone", and small readers of the JSON replies."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI

from content.i18n import translate

API = "/chat/api/messages"
Body = dict[str, Any]


def browser(app: FastAPI) -> httpx.AsyncClient:
    """A client with its own cookie jar, like one phone's browser, over https as residents
    reach the service (its cookie is Secure when BINHYEN_PUBLIC_URL is https)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver")


def vi(msgid: str, **params: object) -> str:
    return translate(msgid, "vi", params)


async def send(client: httpx.AsyncClient, **body: Any) -> Body:
    body.setdefault("message_id", uuid.uuid4().hex)
    response = await client.post(API, json=body)
    assert response.status_code == 200, response.text
    data: Body = response.json()
    return data


def texts(data: Body) -> list[str]:
    return [r["text"] for r in data["replies"]]


def offered(data: Body) -> list[str]:
    """The ids of the choices the page shows: those of the last reply that has any."""
    with_choices = [r["choices"] for r in data["replies"] if r["choices"]]
    return [c["id"] for c in with_choices[-1]] if with_choices else []


async def onboard(client: httpx.AsyncClient) -> Body:
    await send(client, kind="command", text="/start")
    await send(client, kind="choice", choice="lang:vi")
    await send(client, text="ha noi")
    data = await send(client, text="phuong ba dinh")
    assert "menu:tip" in offered(data), texts(data)
    return data
