"""`binhyen tips export`: every field, Vietnamese intact, contacts only with a real key, the
audit rows (one per province and per commune, counts and kinds, never a path or a tip), and
the command end to end. Each test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import stat
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import delete, func, select, update

from bot.cli import main
from handlers import deadlines, receipt
from handlers.tipmodel import AttachmentIn, TipDraft
from storage.db import make_engine, make_sessions
from storage.models import AuditLog, Resident, Tip
from storage.residents import SqlResidents
from storage.sealing import Sealer
from storage.tips import SqlTips
from storage.tips_export import (
    COLUMNS,
    CONTACT_COLUMNS,
    ExportSummary,
    Format,
    Target,
    export,
)
from tests.conftest import in_thread

SECRET = "a-real-secret-for-the-export-tests"
SEALER = Sealer.from_settings(SECRET)
BASE = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
DESCRIPTION = "Tối qua có hai người lạ đi xe máy\nlấy trộm xe đạp trước nhà số 12 ngõ 5"
ADDRESS = "Số 12 ngõ 5 phố Đội Cấn, Phường Ba Đình"
NAME, PHONE = "Nguyễn Văn An", "0912 345 678"
SHA = ("a" * 64, "b" * 64)


@dataclass
class Db:
    url: str
    residents: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)


async def _forget(db: Db) -> None:
    # The PostgreSQL database is shared by the session; the audit log is append-only.
    engine = make_engine(db.url)
    async with engine.begin() as conn:
        await conn.execute(delete(Tip).where(Tip.code.in_(db.codes)))
        await conn.execute(delete(Resident).where(Resident.id.in_(db.residents)))
    await engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest) -> Iterator[Db]:
    found = Db(request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url"))
    yield found
    if request.param == "postgres" and found.residents:
        in_thread(lambda: asyncio.run(_forget(found)))


def drafts() -> list[TipDraft]:
    named = TipDraft(
        category="theft_robbery",
        description=DESCRIPTION,
        commune_code="00004",
        province_code="01",
        incident_when="date",
        incident_date=date(2026, 11, 20),
        address=ADDRESS,
        lat=21.0345,
        lon=105.8142,
        anonymous=False,
        contact_name=NAME,
        contact_phone=PHONE,
        urgent=True,
        details={"suspects": "Hai thanh niên khoảng 20 tuổi, áo đen", "vehicle": "xe Wave đỏ"},
        attachments=[
            AttachmentIn("photo", f"media/{sha}", "image/jpeg", 1024, sha, BASE) for sha in SHA
        ],
    )
    anonymous = TipDraft(
        category="fraud_phone",
        description='=HYPERLINK("http://x") gọi giả danh công an',
        commune_code="00004",
        province_code="01",
    )
    return [named, anonymous]


async def seed(db: Db, sealer: Sealer = SEALER) -> list[str]:
    """A named tip with two attachments, then an anonymous one a minute later: their codes."""
    engine = make_engine(db.url)
    async with make_sessions(engine)() as session:
        profile = await SqlResidents(session).for_identity("test", "acc", uuid.uuid4().hex)
        db.residents.append(profile.resident_id)
        tips = SqlTips(session, b"pin-secret-for-tests", sealer)
        for minutes, draft in enumerate(drafts()):
            now = BASE + timedelta(minutes=minutes)
            view, _ = await tips.submit(
                submission_key=uuid.uuid4().hex,
                resident_id=profile.resident_id,
                draft=draft,
                pin=receipt.new_pin(),
                deadlines=deadlines.initial(now, frozenset()),
                now=now,
                new_code=receipt.new_code,
            )
            db.codes.append(view.code)
        await session.commit()
    await engine.dispose()
    return db.codes[-2:]


async def seed_one(db: Db, draft: TipDraft) -> str:
    """One more tip, a minute after the seeds: its code."""
    engine = make_engine(db.url)
    async with make_sessions(engine)() as session:
        profile = await SqlResidents(session).for_identity("test", "acc", uuid.uuid4().hex)
        db.residents.append(profile.resident_id)
        view, _ = await SqlTips(session, b"pin-secret-for-tests", SEALER).submit(
            submission_key=uuid.uuid4().hex,
            resident_id=profile.resident_id,
            draft=draft,
            pin=receipt.new_pin(),
            deadlines=deadlines.initial(BASE + timedelta(minutes=2), frozenset()),
            now=BASE + timedelta(minutes=2),
            new_code=receipt.new_code,
        )
        await session.commit()
    await engine.dispose()
    db.codes.append(view.code)
    return view.code


async def secrets_of(db: Db) -> list[str]:
    """What must never leave: resident ids and the keyed references to them, PIN hashes,
    submission keys, sealed contacts."""
    engine = make_engine(db.url)
    query = select(
        Tip.owner_ref, Tip.reporter_sealed, Tip.pin_hash, Tip.submission_key, Tip.contact_sealed
    )
    async with make_sessions(engine)() as session:
        rows = (await session.execute(query.where(Tip.code.in_(db.codes)))).all()
    await engine.dispose()
    return [*db.residents, *(value for row in rows for value in row if value)]


async def run_export(
    db: Db, fmt: Format, sealer: Sealer | None = None, batch_size: int = 1000
) -> tuple[str, ExportSummary]:
    engine = make_engine(db.url)
    out = io.StringIO(newline="")
    summary = await export(make_sessions(engine), out, fmt, sealer, batch_size=batch_size)
    await engine.dispose()
    return out.getvalue(), summary


def csv_rows(text: str, codes: list[str]) -> tuple[list[str], list[dict[str, str]]]:
    assert text.startswith("\ufeff")
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    return list(reader.fieldnames or []), [r for r in reader if r["code"] in codes]


def json_rows(text: str, codes: list[str]) -> list[dict[str, Any]]:
    return [r for r in json.loads(text) if r["code"] in codes]


async def test_csv_has_every_field_and_the_vietnamese_intact(db: Db) -> None:
    codes = await seed(db)
    text, summary = await run_export(db, Format.CSV)
    header, (named, anonymous) = csv_rows(text, codes)
    assert header == list(COLUMNS)
    assert summary.tips >= 2 and summary.unopened_contacts == 0
    assert named["code"] == codes[0]
    assert (named["category"], named["status"], named["urgent"]) == ("theft_robbery", "new", "true")
    assert (named["anonymous"], anonymous["anonymous"]) == ("false", "true")
    assert named["created_at"] == "2026-11-23T03:00:00+00:00"
    # Not forwarded yet: the investigation body's decision deadline does not run.
    assert (named["received_on"], named["ack_due"], named["decision_due"]) == (
        "2026-11-23",
        "2026-11-26",
        "",
    )
    assert (named["extensions"], named["outcome_due"]) == ("0", "")
    # Issue 17: the track, the forward deadline (7 days), no forward, no extension decision,
    # protection as yes/no only.
    assert (named["track"], named["forward_due"], named["forwarded_at"]) == (
        "crime",
        "2026-11-30",
        "",
    )
    assert (named["extension_decision"], named["extension_decision_on"]) == ("", "")
    assert (named["protection"], anonymous["protection"]) == ("false", "false")
    assert (named["incident_when"], named["incident_date"]) == ("date", "2026-11-20")
    assert (named["province_code"], named["commune_code"]) == ("01", "00004")
    assert (named["address"], named["description"]) == (ADDRESS, DESCRIPTION)
    assert (float(named["lat"]), float(named["lon"])) == (21.0345, 105.8142)
    assert named["details"] == (
        "suspects: Hai thanh niên khoảng 20 tuổi, áo đen; vehicle: xe Wave đỏ"
    )
    assert (named["attachment_count"], named["attachment_sha256"]) == ("2", " ".join(SHA))
    assert (anonymous["attachment_count"], anonymous["attachment_sha256"]) == ("0", "")
    assert (anonymous["lat"], anonymous["incident_date"], anonymous["details"]) == ("", "", "")
    # A cell Excel would evaluate is neutralised; JSON keeps the text as written.
    assert anonymous["description"].startswith("'=HYPERLINK(")
    assert all(value not in text for value in await secrets_of(db))
    assert NAME not in text and PHONE not in text


async def test_json_streams_the_same_fields_in_order(db: Db) -> None:
    codes = await seed(db)
    text, _ = await run_export(db, Format.JSON, batch_size=1)  # a page per tip
    assert text.startswith("[\n") and text.endswith("\n]\n")
    named, anonymous = json_rows(text, codes)
    assert [named["code"], anonymous["code"]] == codes
    assert list(named) == list(COLUMNS)
    assert named["description"] == DESCRIPTION and named["address"] == ADDRESS
    assert "Nguyễn" not in text and "Đội Cấn" in text  # ensure_ascii=False
    assert named["details"] == {
        "suspects": "Hai thanh niên khoảng 20 tuổi, áo đen",
        "vehicle": "xe Wave đỏ",
    }
    assert (named["urgent"], named["anonymous"], named["extensions"]) == (True, False, 0)
    assert (named["lat"], named["lon"], named["outcome_due"]) == (21.0345, 105.8142, None)
    assert (named["track"], named["forward_due"], named["forwarded_at"]) == (
        "crime",
        "2026-11-30",
        None,
    )
    assert (named["decision_due"], named["protection"]) == (None, False)
    assert (named["attachment_count"], named["attachment_sha256"]) == (2, list(SHA))
    assert (anonymous["attachment_count"], anonymous["attachment_sha256"]) == (0, [])
    assert anonymous["description"].startswith("=HYPERLINK(")
    assert anonymous["created_at"] == "2026-11-23T03:01:00+00:00"
    assert all(value not in text for value in await secrets_of(db))


async def test_a_track_without_decision_deadline_and_protection_leave_only_yes_no(db: Db) -> None:
    """NO_DUE, the stored sort key of a track with no decision deadline, never leaves; nor does
    what the reporter asked for their protection, only that they did."""
    codes = await seed(db)
    engine = make_engine(db.url)
    async with make_sessions(engine)() as session:
        await session.execute(
            update(Tip)
            .where(Tip.code == codes[1])
            .values(
                track="mediation",
                decision_due=deadlines.NO_DUE,
                forward_due=None,
                protection="threatened",
            )
        )
        await session.execute(
            update(Tip)
            .where(Tip.code == codes[0])
            .values(
                forwarded_at=BASE + timedelta(days=2),
                extensions=2,
                extension_decision="12/QĐ-VKS",
                extension_decision_on=date(2026, 12, 10),
            )
        )
        await session.commit()
    await engine.dispose()
    text, _ = await run_export(db, Format.CSV)
    _header, (named, mediation) = csv_rows(text, codes)
    assert (mediation["track"], mediation["decision_due"], mediation["forward_due"]) == (
        "mediation",
        "",
        "",
    )
    assert mediation["protection"] == "true" and "threatened" not in text
    assert "9999-12-31" not in text
    assert named["forwarded_at"] == "2026-11-25T03:00:00+00:00"
    assert (named["extension_decision"], named["extension_decision_on"]) == (
        "12/QĐ-VKS",
        "2026-12-10",
    )
    json_text, _ = await run_export(db, Format.JSON)
    _named, mediation_json = json_rows(json_text, codes)
    assert mediation_json["decision_due"] is None and mediation_json["protection"] is True
    assert "9999-12-31" not in json_text and "threatened" not in json_text


async def test_an_empty_database_gives_a_header_or_an_empty_array(db: Db) -> None:
    engine = make_engine(db.url)
    async with make_sessions(engine)() as session:
        existing = (await session.execute(select(func.count()).select_from(Tip))).scalar_one()
    await engine.dispose()
    if existing:
        pytest.skip("another test's tips are in the shared database")
    assert (await run_export(db, Format.JSON))[0] == "[]\n"
    assert (await run_export(db, Format.CSV))[0] == "\ufeff" + ",".join(COLUMNS) + "\r\n"


async def test_contacts_are_opened_only_when_asked(db: Db) -> None:
    codes = await seed(db)
    text, summary = await run_export(db, Format.CSV, SEALER)
    header, (named, anonymous) = csv_rows(text, codes)
    assert header == list(COLUMNS + CONTACT_COLUMNS)
    assert (named["contact_name"], named["contact_phone"]) == (NAME, PHONE)
    assert (anonymous["contact_name"], anonymous["contact_phone"]) == ("", "")
    assert summary.unopened_contacts == 0
    named_json, _ = json_rows((await run_export(db, Format.JSON, SEALER))[0], codes)
    assert (named_json["contact_name"], named_json["contact_phone"]) == (NAME, PHONE)


async def test_a_contact_the_key_cannot_open_is_left_empty_and_counted(db: Db) -> None:
    codes = await seed(db)
    wrong = Sealer(Fernet.generate_key())
    text, summary = await run_export(db, Format.JSON, wrong)
    named, anonymous = json_rows(text, codes)
    assert (named["contact_name"], named["contact_phone"]) == ("", "")
    assert anonymous["contact_name"] == ""
    assert summary.unopened_contacts >= 1  # only the named tip has a sealed contact
    assert all(value not in text for value in await secrets_of(db))


async def newest_audit(db: Db, after: int) -> list[tuple[str, str, str, str, int | None]]:
    engine = make_engine(db.url)
    query = select(AuditLog).where(AuditLog.id > after).order_by(AuditLog.id)
    async with make_sessions(engine)() as session:
        rows = (await session.execute(query)).scalars().all()
    await engine.dispose()
    return [(r.action, r.actor_username, r.subject, r.detail, r.actor_id) for r in rows]


async def last_audit_id(db: Db) -> int:
    engine = make_engine(db.url)
    async with make_sessions(engine)() as session:
        found = (await session.execute(select(func.max(AuditLog.id)))).scalar_one()
    await engine.dispose()
    return int(found or 0)


def only_ours(rows: list[tuple[str, str, str, str, int | None]], db: Db) -> list[Any]:
    """The audit rows about the areas the seeds use (PostgreSQL holds other tests' tips)."""
    ours = {"province:01", "commune:00004", "province:79", "commune:27316"}
    return [row for row in rows if row[2] in ours]


def is_sqlite(db: Db) -> bool:
    return db.url.startswith("sqlite")


async def test_each_export_writes_one_committed_audit_row_per_area(db: Db) -> None:
    await seed(db)
    before = await last_audit_id(db)
    await run_export(db, Format.CSV)
    await run_export(db, Format.JSON, SEALER)
    rows = await newest_audit(db, before)
    assert {(action, actor, actor_id) for action, actor, *_, actor_id in rows} == {
        ("tips.export", "cli", None)
    }
    if is_sqlite(db):  # a database of its own: exactly the seeds' two tips of one commune
        assert rows == [
            ("tips.export", "cli", "province:01", "rows=2;contacts=0;fmt=csv;out=stdout", None),
            ("tips.export", "cli", "commune:00004", "rows=2;contacts=0;fmt=csv;out=stdout", None),
            ("tips.export", "cli", "province:01", "rows=2;contacts=1;fmt=json;out=stdout", None),
            ("tips.export", "cli", "commune:00004", "rows=2;contacts=1;fmt=json;out=stdout", None),
        ]
    else:
        assert len(only_ours(rows, db)) >= 4
    assert all(DESCRIPTION not in str(row) and NAME not in str(row) for row in rows)


async def test_rows_name_each_province_and_commune_with_its_own_count(db: Db) -> None:
    if not is_sqlite(db):
        pytest.skip("counts per area need a database of the test's own")
    await seed(db)
    south = TipDraft(
        category="drugs",
        description="Mua bán ma túy ở quán nước",
        commune_code="27316",
        province_code="79",
        anonymous=False,
        contact_name=NAME,
        contact_phone=PHONE,
    )
    await seed_one(db, south)
    before = await last_audit_id(db)
    _text, summary = await run_export(db, Format.CSV, SEALER)
    assert summary.tips == 3
    details = {subject: detail for _a, _u, subject, detail, _i in await newest_audit(db, before)}
    assert details == {
        "province:01": "rows=2;contacts=1;fmt=csv;out=stdout",
        "commune:00004": "rows=2;contacts=1;fmt=csv;out=stdout",
        "province:79": "rows=1;contacts=1;fmt=csv;out=stdout",
        "commune:27316": "rows=1;contacts=1;fmt=csv;out=stdout",
    }


async def test_an_empty_export_is_audited_without_an_area(db: Db) -> None:
    if not is_sqlite(db):
        pytest.skip("the shared database is never empty")
    before = await last_audit_id(db)
    await run_export(db, Format.JSON)
    assert await newest_audit(db, before) == [
        ("tips.export", "cli", "", "rows=0;contacts=0;fmt=json;out=stdout", None)
    ]


async def test_tips_created_after_the_count_are_not_exported(db: Db) -> None:
    """The audit rows count what leaves: a tip made after the moment counted stays home."""
    codes = await seed(db)  # created at BASE and BASE + 1 minute
    engine = make_engine(db.url)
    out = io.StringIO(newline="")
    before = await last_audit_id(db)
    moment = BASE + timedelta(seconds=30)
    await export(make_sessions(engine), out, Format.JSON, target=Target.FILE, now=moment)
    await engine.dispose()
    assert [row["code"] for row in json_rows(out.getvalue(), codes)] == codes[:1]
    if is_sqlite(db):
        assert {d for *_x, d, _i in await newest_audit(db, before)} == {
            "rows=1;contacts=0;fmt=json;out=file"
        }


# --- The command, end to end -----------------------------------------------------------------


@pytest.fixture
def env(db: Db, monkeypatch: pytest.MonkeyPatch) -> Db:
    monkeypatch.setenv("BINHYEN_DATABASE_URL", db.url)
    monkeypatch.setenv("BINHYEN_SECRET_KEY", SECRET)
    for name in ("BINHYEN_CONTACT_KEY", "BINHYEN_ENV"):
        monkeypatch.delenv(name, raising=False)
    return db


def test_cli_writes_csv_to_stdout(env: Db, capsys: pytest.CaptureFixture[str]) -> None:
    codes = asyncio.run(seed(env))
    assert main(["tips", "export"]) == 0
    out, err = capsys.readouterr()
    header, (named, _) = csv_rows(out, codes)
    assert header == list(COLUMNS)
    assert named["description"] == DESCRIPTION
    assert "tip(s) exported" in err and "warning" not in err


REASON = "Cơ quan CSĐT yêu cầu theo công văn số 12"


def test_cli_refuses_contacts_without_a_reason_and_records_the_reason(
    env: Db, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(seed(env))
    before = asyncio.run(last_audit_id(env))
    for argv in (["--with-contact"], ["--with-contact", "--reason", "  ok "]):
        assert main(["tips", "export", *argv]) == 2
        out, err = capsys.readouterr()
        assert out == "" and "--with-contact needs --reason" in err
    assert asyncio.run(newest_audit(env, before)) == []
    assert main(["tips", "export", "--with-contact", "--reason", f"  {REASON}\n"]) == 0
    reasons = asyncio.run(audit_reasons(env, before))
    assert reasons and set(reasons) == {REASON}


async def audit_reasons(db: Db, after: int) -> list[str]:
    engine = make_engine(db.url)
    query = select(AuditLog.reason).where(AuditLog.id > after, AuditLog.actor_username == "cli")
    async with make_sessions(engine)() as session:
        reasons = [str(r) for r in (await session.execute(query)).scalars()]
    await engine.dispose()
    return reasons


def test_cli_refuses_contacts_with_the_development_key(
    env: Db, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(seed(env, Sealer.from_settings("dev-only-secret-change-me")))
    before = asyncio.run(last_audit_id(env))
    monkeypatch.delenv("BINHYEN_SECRET_KEY")
    assert main(["tips", "export", "--with-contact", "--reason", REASON]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "--with-contact needs a configured key" in err and "BINHYEN_CONTACT_KEY" in err
    assert asyncio.run(newest_audit(env, before)) == []
    assert main(["tips", "export"]) == 0  # without contacts the default key is fine


def test_cli_refuses_a_contact_key_that_is_not_a_fernet_key(
    env: Db, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BINHYEN_CONTACT_KEY", "not-a-key")
    with pytest.raises(SystemExit, match="BINHYEN_CONTACT_KEY must be a Fernet key"):
        main(["tips", "export", "--with-contact", "--reason", REASON])


def test_cli_writes_contacts_to_a_private_file(
    env: Db, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    codes = asyncio.run(seed(env))
    before = asyncio.run(last_audit_id(env))
    target = tmp_path / "out" / "tips.json"
    target.parent.mkdir()
    target.write_text("stale", encoding="utf-8")
    argv = ["tips", "export", "--format", "json", "--with-contact", "--reason", REASON]
    argv += ["--output", str(target)]
    assert main(argv) == 0
    assert capsys.readouterr().out == ""
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert os.listdir(target.parent) == ["tips.json"]  # no temporary file left behind
    named, anonymous = json_rows(target.read_text(encoding="utf-8"), codes)
    assert (named["contact_name"], named["contact_phone"]) == (NAME, PHONE)
    assert anonymous["contact_phone"] == ""
    rows = asyncio.run(newest_audit(env, before))
    for action, actor, _subject, detail, actor_id in only_ours(rows, env):
        assert (action, actor, actor_id) == ("tips.export", "cli", None)
        assert detail.endswith(";contacts=1;fmt=json;out=file"), detail
    assert {row[2] for row in only_ours(rows, env)} >= {"province:01", "commune:00004"}
    assert all("tips.json" not in row[2] and str(tmp_path) not in row[3] for row in rows)


def test_cli_warns_about_contacts_the_key_cannot_open(
    env: Db, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    codes = asyncio.run(seed(env))
    monkeypatch.setenv("BINHYEN_CONTACT_KEY", Fernet.generate_key().decode("ascii"))
    assert main(["tips", "export", "--with-contact", "--reason", REASON]) == 0
    out, err = capsys.readouterr()
    _, (named, _) = csv_rows(out, codes)
    assert (named["contact_name"], named["contact_phone"]) == ("", "")
    assert "warning:" in err and "could not be opened" in err
    assert all(value not in out for value in asyncio.run(secrets_of(env)))


def test_cli_reports_an_unwritable_output(
    env: Db, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no-such-dir" / "tips.csv"
    assert main(["tips", "export", "--output", str(missing)]) == 1
    assert "binhyen tips export: error:" in capsys.readouterr().err
    assert not missing.parent.exists()
    taken = tmp_path / "a-directory"
    (taken / "inside").mkdir(parents=True)
    assert main(["tips", "export", "--output", str(taken)]) == 1
    assert "binhyen tips export: error:" in capsys.readouterr().err
    assert os.listdir(taken) == ["inside"]
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]  # cleaned up
