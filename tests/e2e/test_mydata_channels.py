"""My data (handlers/mydata.py) through the real edges: the terminal (`binhyen chat` piped)
writes the copy to a file in its working directory and says where; the web chat's JSON API
carries the copy in its answer as a file; both erase only on the confirm button, and the
chat then starts over as a new resident. Telegram: tests/e2e/test_mydata_telegram.py."""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
from pathlib import Path

import httpx
import pytest

from handlers import mydata
from tests.e2e.channels import db_rows
from tests.e2e.clichat import BINHYEN, chat_env, turns_of
from tests.e2e.webchat import offered, onboard, send, texts

pytestmark = pytest.mark.e2e


def test_the_terminal_writes_the_copy_here_and_erases_on_the_button(tmp_path: Path) -> None:
    here = tmp_path / "here"
    here.mkdir()
    lines = [
        "/start",
        "1",  # Tiếng Việt
        "ha noi",
        "phuong ba dinh",
        "6",  # settings
        "4",  # my data
        "1",  # a copy
        "2",  # delete my account: the question
        "đúng",
        "đồng ý",
        "3",  # the confirm button, by its number
        "xin chào",
    ]
    env = {**chat_env(tmp_path), "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run(
        [*BINHYEN, "chat", "--user", "tester"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=here,
        timeout=90,
        check=True,
    )
    turns = turns_of(done.stdout)
    assert len(turns) == len(lines), done.stdout
    assert "4. 🗂️ Dữ liệu của tôi" in turns[4]
    assert "Đây là những gì Bình Yên đang lưu về bạn" in turns[5]
    [saved] = list(here.iterdir())
    assert saved.name.startswith("binhyen-du-lieu-cua-toi-") and saved.suffix == ".json"
    assert f"📎 Đã lưu tệp: {saved}" in turns[6]
    assert stat.S_IMODE(os.stat(saved).st_mode) == 0o600
    copy = json.loads(saved.read_text(encoding="utf-8"))
    assert copy["profile"]["commune"]["name"] == "Phường Ba Đình"
    assert copy["chat_accounts"][0] == {
        "channel": "cli",
        "user_id": "tester",
        "since": copy["chat_accounts"][0]["since"],
    }
    assert "⚠️ Xóa tài khoản Bình Yên của bạn?" in turns[7]
    assert "3. 🗑️ Xóa vĩnh viễn tài khoản" in turns[7]
    assert "Chưa xóa gì cả" in turns[8] and "Chưa xóa gì cả" in turns[9]
    assert "Đã xóa tài khoản Bình Yên của bạn" in turns[10]
    assert "Bạn muốn dùng tiếng Việt hay tiếng Anh?" in turns[11]


async def test_the_web_chat_carries_the_copy_and_erases_on_the_button(
    client: httpx.AsyncClient, sqlite_url: str
) -> None:
    await onboard(client)
    await send(client, kind="choice", choice="menu:settings")
    data = await send(client, kind="choice", choice="settings:mydata")
    assert "Dữ liệu của tôi" in texts(data)[0]
    data = await send(client, kind="choice", choice=mydata.COPY)
    [item] = [m for r in data["replies"] for m in r["media"]]
    assert item["type"] == "file" and item["mime"] == "application/json"
    assert item["name"].startswith("binhyen-du-lieu-cua-toi-")
    copy = json.loads(base64.b64decode(item["data"]))
    assert copy["format"] == "binhyen.my-data.v1"
    # The browser's chat id is its cookie, a key to the chat: never in the file.
    assert copy["chat_accounts"][0]["channel"] == "web"
    assert copy["chat_accounts"][0]["user_id"] is None
    assert client.cookies.get("binhyen_chat") not in json.dumps(copy)
    await send(client, kind="choice", choice=mydata.ERASE)
    for typed in ("Đúng", "dong y", "có", "xóa"):
        data = await send(client, text=typed)
        assert "Chưa xóa gì cả" in texts(data)[0], typed
    assert len(await db_rows(sqlite_url, "SELECT id FROM residents")) == 1
    data = await send(client, kind="choice", choice=mydata.CONFIRM)
    assert "Đã xóa tài khoản Bình Yên của bạn" in texts(data)[0]
    assert offered(data) == [mydata.AGAIN]
    assert await db_rows(sqlite_url, "SELECT id FROM residents") == []
    assert await db_rows(sqlite_url, "SELECT id FROM channel_identities") == []
    erase = await db_rows(
        sqlite_url,
        "SELECT actor_id, actor_username, subject, detail FROM audit_log"
        " WHERE action = 'resident.erase'",
    )
    assert [tuple(r) for r in erase] == [(None, "resident", "", "tips=0;channel=web")]
    inbox = await client.post("/chat/api/inbox")  # the page asks, as it does every 15 s
    assert inbox.status_code == 200 and inbox.json() == {"replies": []}
    data = await send(client, kind="choice", choice=mydata.AGAIN)
    assert {"lang:vi", "lang:en"} <= set(offered(data))
