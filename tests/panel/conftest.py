"""Fixtures of the police panel's tests: the real app, accounts of every role in three
communes of two provinces, signed-in browsers and tips stored the way the bot stores them.

`world` runs on SQLite; `pg_world` on PostgreSQL (a fresh database per test is not needed:
every name and tip is new). Use `await world.client("officer_a")` for a signed-in client.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from pydantic import SecretStr

from bot import runtime
from bot.app import create_app
from bot.settings import Settings
from handlers import deadlines
from handlers.accounts import create_account
from handlers.people import AdminRole, Identity
from handlers.receipt import new_code
from handlers.tipmodel import AttachmentIn, TipDraft, track_of
from storage.admin_users import SqlAccountStore, passwords
from storage.casework import SqlCaseStore
from storage.db import AsyncSession
from storage.models import ChannelIdentity, Resident
from storage.sealing import Sealer
from storage.tips import SqlTips
from tests.blob_stores import s3_settings

PASSWORD = "mật khẩu đủ dài 2026"
COMMUNE_A = "00004"  # Phường Ba Đình, Hà Nội (01)
COMMUNE_B = "00277"  # Phường Bạch Mai, Hà Nội (01)
COMMUNE_C = "27316"  # Phường An Đông, TP. Hồ Chí Minh (79)
PROVINCE_OF = {COMMUNE_A: "01", COMMUNE_B: "01", COMMUNE_C: "79"}

# label → (role, commune, province)
ACCOUNTS: dict[str, tuple[AdminRole, str, str]] = {
    "officer_a": (AdminRole.OFFICER, COMMUNE_A, "01"),
    "officer_a2": (AdminRole.OFFICER, COMMUNE_A, "01"),
    "chief_a": (AdminRole.CHIEF, COMMUNE_A, "01"),
    "leader_a": (AdminRole.LEADER, COMMUNE_A, "01"),
    "officer_b": (AdminRole.OFFICER, COMMUNE_B, "01"),
    "chief_b": (AdminRole.CHIEF, COMMUNE_B, "01"),
    "officer_c": (AdminRole.OFFICER, COMMUNE_C, "79"),
    "admin_01": (AdminRole.PROVINCE_ADMIN, "", "01"),
    "admin_79": (AdminRole.PROVINCE_ADMIN, "", "79"),
}


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        "storage.admin_users.passwords.password_hasher",
        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
    )


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:2000]
    return found.group(1)


@dataclass(frozen=True)
class StoredTip:
    id: str
    code: str
    pin: str
    resident_id: str
    commune_code: str


@dataclass
class World:
    """The running app, its accounts by label, and ways to add tips and sign in."""

    app: FastAPI
    settings: Settings
    stack: AsyncExitStack
    users: dict[str, Identity] = field(default_factory=dict)
    usernames: dict[str, str] = field(default_factory=dict)

    @property
    def sessions(self) -> Any:
        return self.app.state.runtime.sessions

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
            yield session

    def anonymous_client(self) -> httpx.AsyncClient:
        """A browser that is not signed in (closed with the world)."""
        transport = httpx.ASGITransport(app=self.app)
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        self.stack.push_async_callback(client.aclose)
        return client

    async def client(self, label: str) -> httpx.AsyncClient:
        """A browser signed in as the account `label` (see ACCOUNTS)."""
        client = self.anonymous_client()
        form = await client.get("/admin/")
        data = {
            "username": self.usernames[label],
            "password": PASSWORD,
            "csrf": csrf_of(form.text),
        }
        signed = await client.post("/admin/signin", data=data)
        assert signed.status_code == 303, signed.text[:2000]
        return client

    async def csrf(self, client: httpx.AsyncClient) -> str:
        """The session's CSRF token, as the pages carry it."""
        return csrf_of((await client.get("/admin/account")).text)

    async def add_user(self, label: str, role: AdminRole, commune: str, province: str) -> None:
        username = f"{label.replace('_', '.')}.{secrets.token_hex(3)}"
        async with self.session() as session:
            identity = await create_account(
                SqlAccountStore(session),
                passwords,
                username=username,
                password=PASSWORD,
                role=role,
                commune_code=commune,
                province_code=province,
            )
            await session.commit()
        self.users[label] = identity
        self.usernames[label] = username

    async def resident(self, commune: str = COMMUNE_A, lang: str = "vi") -> str:
        """A resident with a web chat identity, as the bot makes one."""
        resident_id = str(uuid.uuid4())
        async with self.session() as session:
            session.add(
                Resident(
                    id=resident_id,
                    lang=lang,
                    province_code=PROVINCE_OF.get(commune, "01"),
                    commune_code=commune,
                )
            )
            await session.flush()
            session.add(
                ChannelIdentity(
                    channel="web",
                    account="web",
                    platform_user_id=uuid.uuid4().hex,
                    resident_id=resident_id,
                )
            )
            await session.commit()
        return resident_id

    async def tip(
        self,
        commune: str = COMMUNE_A,
        *,
        resident_id: str | None = None,
        received: datetime | None = None,
        attachments: list[AttachmentIn] | None = None,
        **draft: Any,
    ) -> StoredTip:
        """A tip stored through the bot's own storage path (SqlTips.submit)."""
        resident_id = resident_id or await self.resident(commune)
        now = received or datetime.now(UTC)
        config = runtime.tip_config(self.settings)
        fields: dict[str, Any] = {
            "category": "scam",
            "description": "Có người gọi tự xưng công an yêu cầu chuyển tiền.",
            **draft,
        }
        tip_draft = TipDraft(
            commune_code=commune,
            province_code=PROVINCE_OF.get(commune, "01"),
            attachments=attachments or [],
            **fields,
        )
        pin = f"{secrets.randbelow(10**6):06d}"
        async with self.session() as session:
            tips = SqlTips(session, config.pin_secret, runtime.sealer(self.settings))
            view, created = await tips.submit(
                submission_key=uuid.uuid4().hex,
                resident_id=resident_id,
                draft=tip_draft,
                pin=pin,
                # As the bot counts them: on the draft's track, urgent or not.
                deadlines=deadlines.initial(
                    now, config.holidays, track_of(tip_draft), urgent=tip_draft.urgent
                ),
                now=now,
                new_code=new_code,
            )
            await session.commit()
        assert created
        return StoredTip(view.id, view.code, pin, resident_id, commune)


PANEL_SECRET = "panel-test-secret"


def case_store(session: AsyncSession) -> SqlCaseStore:
    """A case store as the panel makes one: with the sealer that opens the reporter's sealed
    id (storage/owners.py), so that actions reach the reporter."""
    return SqlCaseStore(session, Sealer.from_settings(PANEL_SECRET))


async def _world(url: str, tmp_path: Path, **extra: Any) -> AsyncIterator[World]:
    settings = Settings(
        database_url=url,
        redis_url="",
        media_dir=str(tmp_path / "media"),
        secret_key=SecretStr(PANEL_SECRET),
        **extra,
    )
    application = create_app(settings)
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(application.router.lifespan_context(application))
        world = World(application, settings, stack)
        for label, (role, commune, province) in ACCOUNTS.items():
            await world.add_user(label, role, commune, province)
        yield world


@pytest.fixture
async def world(sqlite_url: str, tmp_path: Path) -> AsyncIterator[World]:
    async for w in _world(sqlite_url, tmp_path):
        yield w


@pytest.fixture
async def s3_world(
    sqlite_url: str, tmp_path: Path, s3_endpoint: str, s3_bucket: str
) -> AsyncIterator[World]:
    """`world` with its files in object storage (a fresh bucket on the loopback S3 server,
    tests/blob_stores.py): BINHYEN_MEDIA_DIR is set but never used."""
    async for w in _world(sqlite_url, tmp_path, **s3_settings(s3_endpoint, s3_bucket, "tips")):
        yield w


@pytest.fixture
async def pg_world(pg_url: str, tmp_path: Path) -> AsyncIterator[World]:
    async for w in _world(pg_url, tmp_path):
        yield w


@pytest.fixture(params=["sqlite", "postgres"])
def backend_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url"))


@pytest.fixture
async def both_world(backend_url: str, tmp_path: Path) -> AsyncIterator[World]:
    """`world` once on SQLite and once on PostgreSQL."""
    async for w in _world(backend_url, tmp_path):
        yield w
