"""The shared state's gauges for /metrics and the alert rules (storage/ops_gauges.py), on
SQLite and PostgreSQL. The PostgreSQL database is shared with the session's other tests, so
each test reads the gauges, adds its rows in an uncommitted transaction and checks what
changed: what must count does, what must not does not."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.audit import AuditAction
from handlers.deadlines import local_date
from storage import ops_gauges
from storage.models import AuditLog, OutboxMessage, OwedReply, Resident, Tip

NOW = datetime.now(UTC).replace(microsecond=0)


def tip(status: str, due_in_days: int) -> Tip:
    key = uuid.uuid4().hex
    today = local_date(NOW)
    return Tip(
        id=str(uuid.uuid4()),
        code=key[:12].upper(),
        submission_key=key,
        pin_hash="-",
        category="other",
        description="Tin báo thử.",
        incident_when="today",
        province_code="01",
        commune_code="00004",
        anonymous=True,
        details={},
        status=status,
        created_at=NOW - timedelta(days=20),
        received_on=today - timedelta(days=20),
        ack_due=today,
        decision_due=today,
        next_due=today + timedelta(days=due_in_days),
    )


def message(
    resident: str, status: str, channel: str, due: datetime, about: Tip | None = None
) -> OutboxMessage:
    return OutboxMessage(
        resident_id=resident,
        tip_id=about.id if about is not None else None,
        kind="tip_status",
        payload={"code": "", "params": {}},
        status=status,
        attempts=0,
        created_at=due,
        due_at=due,
        sent_at=None,
        channel=channel,
        last_error="",
        priority=0,
    )


def owed(channel: str, created: datetime, due: datetime) -> OwedReply:
    return OwedReply(
        event_ref=uuid.uuid4().hex,
        channel=channel,
        account="bot",
        sealed="x",
        attempts=0,
        sent=0,
        created_at=created,
        due_at=due,
    )


def failure(at: datetime, action: AuditAction = AuditAction.SIGNIN_FAILURE) -> AuditLog:
    return AuditLog(created_at=at, action=action.value, detail="bad_password")


async def test_each_gauge_counts_what_it_says_and_nothing_else(sql_session: AsyncSession) -> None:
    before = await ops_gauges.read(sql_session, NOW)
    resident = str(uuid.uuid4())
    sql_session.add(Resident(id=resident, commune_code="00004", province_code="01"))
    await sql_session.flush()
    week_ago = NOW - timedelta(days=7)
    late = tip("new", -1)
    sql_session.add(late)
    await sql_session.flush()
    sql_session.add_all(
        [
            # Past its deadline and open: counts; closed, or due tomorrow or today: does not.
            tip("closed", -3),
            tip("new", 1),
            tip("new", 0),
            # Due and unsent: counts; the web chat's (fetched by the page), sent ones, ones
            # waiting for an unreachable resident and ones due later: do not.
            # The oldest about a tip is a week old; a broadcast's copy (no tip) waits longer
            # and is counted, but is not the oldest about a tip.
            message(resident, "pending", "telegram", week_ago, about=late),
            message(resident, "pending", "", NOW - timedelta(days=8)),
            message(resident, "pending", "web", NOW - timedelta(days=9)),
            message(resident, "sent", "telegram", NOW - timedelta(days=9)),
            message(resident, "waiting", "telegram", NOW - timedelta(days=9)),
            message(resident, "pending", "telegram", NOW + timedelta(hours=1)),
            # A lease run out: counts; leased still, or the web chat's: does not.
            owed("telegram", NOW - timedelta(hours=2), NOW - timedelta(hours=1)),
            owed("telegram", NOW - timedelta(days=3), NOW + timedelta(seconds=30)),
            owed("web", NOW - timedelta(days=3), NOW - timedelta(days=2)),
            # A failed sign-in in the last quarter of an hour: counts; older, or a success: not.
            failure(NOW - timedelta(minutes=5)),
            failure(NOW - timedelta(minutes=20)),
            failure(NOW - timedelta(minutes=1), AuditAction.SIGNIN_SUCCESS),
        ]
    )
    await sql_session.flush()
    after = await ops_gauges.read(sql_session, NOW)
    assert after.tips_overdue - before.tips_overdue == 1
    assert after.outbox_due - before.outbox_due == 2
    week = timedelta(days=7).total_seconds()
    assert week <= after.outbox_oldest_tip_seconds < week + 3600 or (
        before.outbox_oldest_tip_seconds >= after.outbox_oldest_tip_seconds  # older ones stored
    )
    assert after.owed_stale - before.owed_stale == 1
    assert after.owed_oldest_seconds >= timedelta(hours=2).total_seconds()
    assert after.signin_failures - before.signin_failures == 1


async def test_nothing_waiting_reads_zero_ages(sql_session: AsyncSession) -> None:
    # Far in the past, before any row any test stores: nothing was due yet.
    gauges = await ops_gauges.read(sql_session, datetime(2001, 1, 1, tzinfo=UTC))
    assert gauges.outbox_due == 0 and gauges.outbox_oldest_tip_seconds == 0.0
    assert gauges.owed_stale == 0 and gauges.owed_oldest_seconds == 0.0
    assert gauges.signin_failures == 0
