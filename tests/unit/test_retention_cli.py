"""`binhyen retention run [--dry-run]`: its arguments, what it prints, the periods' settings
and how they reach the conversation state (the work itself: tests/integration/
test_retention.py, and a killed run: tests/e2e/test_retention_kill.py)."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot import cli, retention_cli
from bot.runtime import state_ttl
from bot.settings import Settings
from handlers.state import DRAFT_TTL_SECONDS, ConversationState
from storage import migrate, retention
from storage.blobs import BlobStore
from storage.blobs_s3 import S3BlobStore
from storage.retention import Removed
from storage.state_memory import (
    ComposedConversations,
    MemoryChatLocks,
    MemoryEventClaims,
    MemoryStateStore,
)
from tests.blob_stores import KEY_ID, REGION, SECRET, age, blob_name, s3_store
from tests.conftest import in_thread


def test_the_command_takes_dry_run_and_a_batch_size() -> None:
    args = cli._parser().parse_args(["retention", "run", "--dry-run", "--batch", "200"])
    assert (args.command, args.retention_command, args.dry_run, args.batch) == (
        "retention",
        "run",
        True,
        200,
    )
    args = cli._parser().parse_args(["retention", "run"])
    assert (args.dry_run, args.batch) == (False, None)


@pytest.fixture
def ran(monkeypatch: pytest.MonkeyPatch) -> list[tuple[bool, int]]:
    calls: list[tuple[bool, int]] = []

    async def execute(_settings: Settings, dry_run: bool, batch: int) -> Removed:
        calls.append((dry_run, batch))
        return Removed(contacts=3, attachments=5, files=6, inbox=40, expired=2, batches=4)

    monkeypatch.setattr(retention_cli, "execute", execute)
    return calls


def test_a_dry_run_prints_what_would_go(
    ran: list[tuple[bool, int]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["retention", "run", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert ran == [(True, retention.BATCH_SIZE)]
    assert "dry run, nothing removed" in out
    assert "closed tips past 1825 days, purged (contact details, chat links): 3" in out
    assert "their attachments: 5" in out
    assert "files no row refers to any more, and unsent drafts' files past a day: 6" in out
    assert "outbox messages past 30 days (settled, or the web chat's inbox): 40" in out
    assert "never fetched, recorded failed: 2" in out
    assert "batch(es)" not in out


def test_a_run_prints_what_went(
    ran: list[tuple[bool, int]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["retention", "run", "--batch", "50"]) == 0
    out = capsys.readouterr().out
    assert ran == [(False, 50)]
    assert out.startswith("binhyen retention run: database sqlite+aiosqlite:///")
    assert "\nbinhyen retention run: removed:\n" in out
    assert "in 4 batch(es)" in out


def test_a_batch_below_one_is_refused(
    ran: list[tuple[bool, int]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["retention", "run", "--batch", "0"]) == 2
    assert "--batch must be from 1 to 1000" in capsys.readouterr().err
    assert ran == []


def test_files_left_behind_make_the_run_fail(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def execute(*_args: Any) -> Removed:
        return Removed(files=1, undeleted_files=2)

    monkeypatch.setattr(retention_cli, "execute", execute)
    assert cli.main(["retention", "run"]) == 1
    assert "2 file(s) could not be deleted" in capsys.readouterr().err


def test_the_periods_come_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = Settings()
    assert (defaults.retention_closed_tip_days, defaults.retention_chat_days) == (1825, 30)
    monkeypatch.setenv("BINHYEN_RETENTION_CLOSED_TIP_DAYS", "3650")
    monkeypatch.setenv("BINHYEN_RETENTION_CHAT_DAYS", "14")
    settings = Settings.load()
    assert (settings.retention_closed_tip_days, settings.retention_chat_days) == (3650, 14)
    assert state_ttl(settings) == 14 * 24 * 3600


@pytest.mark.parametrize("value", ["0", "-5", "thirty"])
def test_a_period_must_be_a_positive_number_of_days(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("BINHYEN_RETENTION_CHAT_DAYS", value)
    with pytest.raises(SystemExit, match="BINHYEN_RETENTION_CHAT_DAYS"):
        Settings.load()


class RecordingStore(MemoryStateStore):
    def __init__(self) -> None:
        super().__init__()
        self.ttls: list[int] = []

    async def save(self, key: str, state: ConversationState, ttl: int = 0) -> None:
        self.ttls.append(ttl)
        await super().save(key, state, ttl)


async def test_the_chat_period_caps_how_long_a_state_is_kept() -> None:
    store = RecordingStore()
    short = ComposedConversations(store, MemoryEventClaims(), MemoryChatLocks(), state_ttl=3600)
    async with short.turn("web:acc:1", "e1") as turn:
        turn.keep(ConversationState(flow="check", data={"text": "0912345678"}))
    long = ComposedConversations(store, MemoryEventClaims(), MemoryChatLocks(), state_ttl=10**9)
    async with long.turn("web:acc:1", "e2") as turn:
        turn.keep(ConversationState(flow="report"))  # a draft keeps its own, shorter, time
    assert store.ttls == [3600, DRAFT_TTL_SECONDS]


def test_a_run_never_makes_a_database_nor_sweeps_files_against_an_empty_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by a review: run from another folder, the default SQLite path named a new, empty
    database, and every file of the store looked like nobody's."""
    media = tmp_path / "media"
    store = BlobStore(media)
    kept = store.put(b"the photo of an open tip")
    old = time.time() - 400 * 86400
    os.utime(store.path(kept), (old, old))
    missing = tmp_path / "elsewhere" / "binhyen.db"
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{missing}", media_dir=str(media), env="test"
    )
    assert retention_cli.run(settings, dry_run=False) == 1
    assert "no Bình Yên database there" in capsys.readouterr().err
    assert not missing.exists() and store.has(kept)
    # An empty database (migrated, no tip, no broadcast) beside a store with files: the files
    # are left alone and the operator is told.
    empty = tmp_path / "empty.db"
    url = f"sqlite+aiosqlite:///{empty}"
    in_thread(migrate.upgrade, url)
    settings = Settings(database_url=url, media_dir=str(media), env="test")
    assert retention_cli.run(settings, dry_run=True) == 1
    assert retention_cli.run(settings, dry_run=False) == 1
    assert "files were left alone" in capsys.readouterr().err
    assert store.has(kept)


def s3_settings(url: str, endpoint: str, bucket: str, prefix: str = "") -> Settings:
    return Settings(
        database_url=url,
        env="test",
        s3_bucket=bucket,
        s3_endpoint_url=endpoint,
        s3_region=REGION,
        s3_access_key_id=KEY_ID,
        s3_secret_access_key=SecretStr(SECRET),
        s3_prefix=prefix,
    )


def test_a_run_on_object_storage_never_sweeps_against_an_empty_database(
    tmp_path: Path, s3_endpoint: str, s3_bucket: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """As above, with the files in a bucket: left alone, and the operator told where."""
    store: S3BlobStore = s3_store(s3_endpoint, s3_bucket, prefix="binhyen/")
    kept = store.put(b"the photo of an open tip")
    age(store, blob_name(kept), datetime.now(UTC) - timedelta(days=400))
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    in_thread(migrate.upgrade, url)
    settings = s3_settings(url, s3_endpoint, s3_bucket, prefix="binhyen")
    assert retention_cli.run(settings, dry_run=False) == 1
    out, err = capsys.readouterr()
    assert f"files in bucket {s3_bucket} at {s3_endpoint}, under binhyen/" in out
    assert "files were left alone" in err and "BINHYEN_S3_BUCKET" in err
    assert SECRET not in out + err
    assert store.has(kept) and not (tmp_path / "media").exists()


def test_a_run_against_a_missing_bucket_says_so(
    tmp_path: Path, s3_endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'binhyen.db'}"
    in_thread(migrate.upgrade, url)
    assert retention_cli.run(s3_settings(url, s3_endpoint, "no-such-bucket"), dry_run=True) == 1
    err = capsys.readouterr().err
    assert f"bucket 'no-such-bucket' at {s3_endpoint} does not exist" in err
    assert SECRET not in err
