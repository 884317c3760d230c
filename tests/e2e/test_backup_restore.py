"""The restore drill of docs/OPERATIONS.md, run for real: a database migrated by `binhyen
migrate`, a named tip with a photo sent through the web chat and a chief's API token made by
the CLI; `pg_dump -Fc`, `pg_restore` into an empty database, the media folder copied; then
`binhyen serve` on the copy answers /readyz, the chief reads the tip, downloads its photo and
reveals the reporter (sealed at rest). Without the secret key the copy is refused clearly:
the token no longer signs in and `binhyen keys rotate --dry-run` names what cannot be opened.

Needs PostgreSQL's client tools (pg_dump, pg_restore) beside the server of tests/conftest.py.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from bot.settings import Settings
from tests.conftest import PG_ADMIN_URL, _pg_admin, _run, _unavailable
from tests.e2e.channels import running_app
from tests.e2e.clichat import BINHYEN, serving
from tests.e2e.test_web_tip import PNG, receipt_of, to_files_step, to_phone_step, upload
from tests.e2e.webchat import browser, send

pytestmark = pytest.mark.e2e

SECRET = "backup-drill-" + "k" * 32
OTHER_SECRET = "not-the-secret-" + "x" * 32
NAME, PHONE = "Nguyễn Văn An", "0912 345 678"
CHIEF = "truong.badinh"


def _tool(name: str) -> str:
    found = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else "")
    if not found:
        _unavailable(name, FileNotFoundError(name))
    return found


@dataclass(frozen=True)
class Db:
    name: str

    @property
    def url(self) -> str:
        """For the service (asyncpg)."""
        base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
        return f"{base}/{self.name}"

    @property
    def libpq(self) -> str:
        """For pg_dump and pg_restore."""
        return f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{self.name}"


@pytest.fixture
def databases() -> Iterator[tuple[Db, Db]]:
    """The original and the (empty) database it is restored into; names of their own, so
    that xdist's processes never meet, both dropped at the end."""
    tag = secrets.token_hex(4)
    original, copy = Db(f"binhyen_test_backup_{tag}"), Db(f"binhyen_test_restore_{tag}")
    try:
        _run(_pg_admin, f'CREATE DATABASE "{original.name}"')
    except Exception as exc:
        _unavailable("PostgreSQL", exc)
    try:
        yield original, copy
    finally:
        for db in (original, copy):
            _run(_pg_admin, f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)')


def _env(db: Db, media: Path, secret: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BINHYEN_", "PROMETHEUS_"))}
    return {
        **env,
        "BINHYEN_DATABASE_URL": db.url,
        "BINHYEN_MEDIA_DIR": str(media),
        "BINHYEN_SECRET_KEY": secret,
        "BINHYEN_ADMIN_PASSWORD": "a long enough password 4 the drill",
    }


def _cli(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [*BINHYEN, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    if check:
        assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done


async def _send_a_named_tip_with_a_photo(db: Db, media: Path) -> str:
    """A resident's tip through the web chat of the app in-process; its code."""
    settings = Settings(
        database_url=db.url,
        redis_url="",
        media_dir=str(media),
        secret_key=SECRET,  # type: ignore[arg-type]  # pydantic turns it into a SecretStr
        inbound_per_minute=0,
    )
    async with running_app(settings) as app, browser(app) as client:
        await to_files_step(client)
        await upload(client, PNG, caption="biển số xe")
        await to_phone_step(client)
        await send(client, text=PHONE)
        code, _pin = receipt_of(await send(client, kind="choice", choice="tip:confirm"))
    return code


def _dump_and_restore(original: Db, copy: Db, into: Path) -> None:
    dump = into / "binhyen.dump"
    subprocess.run(
        [_tool("pg_dump"), "-Fc", "--no-owner", "-f", str(dump), "-d", original.libpq],
        check=True,
        timeout=60,
    )
    _run(_pg_admin, f'CREATE DATABASE "{copy.name}"')
    subprocess.run(
        [_tool("pg_restore"), "--no-owner", "--exit-on-error", "-d", copy.libpq, str(dump)],
        check=True,
        timeout=60,
    )


def _reads_the_tip(base: str, token: str, code: str) -> None:
    """The chief finds the tip in the queue, downloads its photo and reveals the reporter."""
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as api:
        listed = api.get("/api/v1/tips")
        assert listed.status_code == 200, listed.text
        [item] = [t for t in listed.json()["items"] if t["code"] == code]
        tip = api.get(f"/api/v1/tips/{item['id']}").json()
        [photo] = tip["attachments"]
        assert photo["kind"] == "photo"
        download = api.get(photo["url"])
        assert download.status_code == 200 and download.content == PNG
        revealed = api.post(f"/api/v1/tips/{item['id']}/reveal", json={"reason": "restore drill"})
        assert revealed.status_code == 200, revealed.text
        assert revealed.json() == {"name": NAME, "phone": "+84912345678"}


def test_a_dump_restored_into_an_empty_database_serves_the_tip_its_photo_and_its_contact(
    databases: tuple[Db, Db], tmp_path: Path
) -> None:
    original, copy = databases
    media, restored_media = tmp_path / "media", tmp_path / "restored-media"
    env = _env(original, media, SECRET)
    _cli(env, "migrate")
    code = asyncio.run(_send_a_named_tip_with_a_photo(original, media))
    _cli(env, "admin", "create", "--username", CHIEF, "--role", "chief", "--commune", "4")
    token = _cli(env, "admin", "token", "--username", CHIEF, "--name", "drill").stdout.split()[0]

    _dump_and_restore(original, copy, tmp_path)
    shutil.copytree(media, restored_media)  # docs/OPERATIONS.md: rsync or tar of the volume

    restored = _env(copy, restored_media, SECRET)
    checked = _cli(restored, "keys", "rotate", "--dry-run")
    assert "cannot be opened" not in checked.stdout + checked.stderr
    with serving(restored, ready="/readyz", within=45) as base:
        _reads_the_tip(base, token, code)

    # Without the secret key: the token signs no one in, and the sealed contact is named as
    # unreadable (exit 1), never handed out as garbage.
    wrong = _env(copy, restored_media, OTHER_SECRET)
    refused = _cli(wrong, "keys", "rotate", "--dry-run", check=False)
    assert refused.returncode == 1, (refused.stdout, refused.stderr)
    assert "cannot be opened" in refused.stdout + refused.stderr
    with serving(wrong, ready="/readyz", within=45) as base:
        answer = httpx.get(f"{base}/api/v1/tips", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 401
