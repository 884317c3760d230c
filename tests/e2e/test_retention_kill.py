"""kill -9 of a real `binhyen retention run` half-way through, on the embedded default (SQLite
and a media folder): thousands of closed tips past the period, each with a file; the run is
killed once some tips are purged and others not. Nothing is half done: a tip has lost its
contact details, chat links and attachment rows and gained its one "purged" event, or has
kept everything. Run again, it finishes the rest: every tip purged once, every file gone,
and the run audited (the killed one could not write its row; its tips' events say what it
did)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage import migrate
from storage.blobs import BlobStore
from tests.conftest import in_thread
from tests.e2e.clichat import BINHYEN, chat_env

pytestmark = pytest.mark.e2e

TIPS = 4000
BATCH = 10
LONG_AGO = datetime.now(UTC) - timedelta(days=1825 + 60)


def seed(db: Path, store: BlobStore) -> list[str]:
    """TIPS named tips closed past the period, each with its own file (old on disk)."""
    shas = []
    closed = LONG_AGO.strftime("%Y-%m-%d %H:%M:%S.%f")
    with sqlite3.connect(db) as conn:
        for n in range(TIPS):
            sha = store.put(f"photo {n}".encode())
            os.utime(store.path(sha), (LONG_AGO.timestamp(), LONG_AGO.timestamp()))
            shas.append(sha)
            tip_id = str(uuid.UUID(int=n + 1))
            conn.execute(
                "INSERT INTO tips (id, code, submission_key, pin_hash, category, description,"
                " incident_when, province_code, commune_code, anonymous, contact_sealed,"
                " owner_ref, reporter_sealed, status, details, created_at, received_on,"
                " ack_due, decision_due, closed_at) VALUES (?, ?, ?, '-', 'theft_robbery',"
                " 'Bị trộm xe máy', 'unknown', '01', '00004', 0, 'sealed', ?, 'sealed', 'closed',"
                " '{}', ?, '2021-01-01', '2021-01-04', '2021-01-21', ?)",
                (tip_id, f"BY{n:08d}", uuid.uuid4().hex, "f" * 64, closed, closed),
            )
            conn.execute(
                "INSERT INTO tip_attachments (tip_id, kind, ref, mime, size, sha256, received_at)"
                " VALUES (?, 'photo', ?, 'image/jpeg', 8, ?, ?)",
                (tip_id, f"blob:{sha}", sha, closed),
            )
    return shas


def purged_count(db: Path) -> int:
    with sqlite3.connect(db, timeout=10) as conn:
        sql = "SELECT count(*) FROM tips WHERE personal_data_purged_at IS NOT NULL"
        return int(conn.execute(sql).fetchone()[0])


def check_whole(db: Path) -> int:
    """Every tip purged entirely or not at all; how many are purged."""
    with sqlite3.connect(db, timeout=10) as conn:
        rows = conn.execute(
            "SELECT t.id, t.personal_data_purged_at IS NOT NULL, t.contact_sealed,"
            " t.owner_ref, t.reporter_sealed,"
            " (SELECT count(*) FROM tip_attachments a WHERE a.tip_id = t.id),"
            " (SELECT count(*) FROM tip_events e WHERE e.tip_id = t.id AND e.kind = 'purged')"
            " FROM tips t"
        ).fetchall()
    assert len(rows) == TIPS
    purged = 0
    for tip_id, done, contact, owner, reporter, files, events in rows:
        if done:
            purged += 1
            assert (contact, owner, reporter, files, events) == ("", None, "", 0, 1), tip_id
        else:
            assert (contact, owner, reporter, files, events) == (
                "sealed",
                "f" * 64,
                "sealed",
                1,
                0,
            ), tip_id
    return purged


def audit_rows(db: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(db, timeout=10) as conn:
        return conn.execute(
            "SELECT actor_username, detail, reason FROM audit_log"
            " WHERE action = 'retention.run' ORDER BY id"
        ).fetchall()


def test_a_killed_run_leaves_whole_batches_and_the_next_run_finishes(tmp_path: Path) -> None:
    env = chat_env(tmp_path)
    db = tmp_path / "cli.db"
    in_thread(migrate.upgrade, env["BINHYEN_DATABASE_URL"])
    store = BlobStore(Path(env["BINHYEN_MEDIA_DIR"]))
    shas = seed(db, store)

    command = [*BINHYEN, "retention", "run", "--batch", str(BATCH)]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    killed_at = 0
    while time.monotonic() < deadline and proc.poll() is None:
        killed_at = purged_count(db)
        if killed_at >= 3 * BATCH:  # several batches in, far from the end
            os.kill(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.005)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed"

    purged = check_whole(db)
    assert 0 < purged < TIPS
    assert audit_rows(db) == []  # killed: no row of its own; its tips' events tell
    assert any(store.has(s) for s in shas)

    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "removed" in done.stdout

    assert check_whole(db) == TIPS
    assert not any(store.has(s) for s in shas)
    [(actor, detail, reason)] = audit_rows(db)
    assert actor == "cli" and reason == ""
    assert detail.startswith(f"contacts={TIPS - purged};files={TIPS - purged};blobs="), detail

    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert check_whole(db) == TIPS  # nothing twice
    assert audit_rows(db)[-1][1] == ""
