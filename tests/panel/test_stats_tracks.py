"""Issue 17 in the statistics and the export: compliance per deadline type (the forward to the
investigation body counted on Vietnam days; the decision only where the track has one), tips
by track, the page's forward row with its source from the legal pack, and the export's new
columns, where the stored NO_DUE never appears."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, date, datetime, timedelta

import httpx
import openpyxl
from sqlalchemy import select, update

from content import legal
from handlers import casework as cases
from handlers import deadlines
from handlers.deadlines import NO_DUE
from storage import stats
from storage.models import Tip
from tests.panel.conftest import COMMUNE_A, World, case_store

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # Wednesday 25/11/2026, 10:00 in Vietnam
BODY = "Cơ quan Cảnh sát điều tra Công an quận Ba Đình"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", page))


async def _forward(world: World, tip_id: str, when: datetime) -> None:
    async with world.session() as session:
        await cases.forward(case_store(session), world.users["officer_a"], tip_id, BODY, now=when)
        await session.commit()


async def test_forward_compliance_counts_on_time_and_late_by_vietnam_days(world: World) -> None:
    # A crime report is to be forwarded within 7 days of receipt (forward_due).
    f1 = await world.tip(COMMUNE_A, received=at(2, 2), category="fraud_phone")  # due 9/11
    f6 = await world.tip(COMMUNE_A, received=at(2, 3), category="fraud_phone")  # due 9/11
    f2 = await world.tip(COMMUNE_A, received=at(3, 2), category="drugs")  # due 10/11
    await world.tip(COMMUNE_A, received=at(16, 3), category="drugs")  # due 23/11: missed
    await world.tip(COMMUNE_A, received=at(24, 3), category="drugs")  # due 1/12: not yet
    f5 = await world.tip(COMMUNE_A, received=at(20, 3), category="other")  # due 27/11
    await _forward(world, f1.id, at(9, 16, 30))  # 23:30 on 9/11 in Vietnam: on time
    await _forward(world, f6.id, at(9, 17, 30))  # 00:30 on 10/11 in Vietnam: late
    await _forward(world, f2.id, at(12, 3))  # late
    await _forward(world, f5.id, at(21, 3))  # on time, before its day came
    async with world.session() as session:
        result = await stats.tip_stats(session, world.users["officer_a"], now=NOW)
    forward = result.forward
    assert (forward.due, forward.on_time, forward.late) == (5, 2, 3)
    assert result.by_track["crime"] == 6 and sum(result.by_track.values()) == 6


async def test_decision_counts_only_tracks_with_a_decision_deadline(world: World) -> None:
    officer = world.users["officer_a"]
    crime = await world.tip(COMMUNE_A, received=at(2, 2), category="other")
    suspended = await world.tip(COMMUNE_A, received=at(2, 2), category="other")
    unforwarded = await world.tip(COMMUNE_A, received=at(2, 2), category="other")
    open_dispute = await world.tip(COMMUNE_A, received=at(2, 2), category="other")
    agreed = await world.tip(COMMUNE_A, received=at(3, 2), category="other")
    async with world.session() as session:
        store = case_store(session)
        # The investigation body's 20 days run from the forward: due 23/11, still undecided.
        await cases.forward(store, officer, crime.id, BODY, now=at(3, 2))
        # Suspended (CPC art. 147(1)): a decision, recorded on 24/11, the last of its 20 days
        # (a suspension comes when they run out, art. 148(1)).
        await cases.forward(store, officer, suspended.id, BODY, now=at(4, 2))
        await cases.close(store, officer, suspended.id, "suspended", now=at(24, 2))
        for tip in (open_dispute, agreed):
            await cases.change_track(
                store, officer, tip.id, "mediation", "Tranh chấp lối đi chung", now=at(4, 2)
            )
        await cases.acknowledge(store, officer, agreed.id, now=at(4, 3))
        await cases.close(store, officer, agreed.id, "agreed", now=at(24, 2))
        await session.commit()
    async with world.session() as session:
        query = select(Tip.id, Tip.decision_due, Tip.decided_at)
        stored = {row[0]: row[1:] for row in (await session.execute(query)).all()}
        result = await stats.tip_stats(session, officer, now=NOW)
    assert stored[crime.id][0] == date(2026, 11, 23)
    assert stored[unforwarded.id][0] == NO_DUE  # no decision deadline runs before the forward
    assert stored[suspended.id][1] is not None  # the suspension is the decision
    # A mediation has its service standard (30 days from receipt), decided or not...
    assert stored[agreed.id][0] == date(2026, 12, 3) and stored[agreed.id][1] is not None
    assert stored[open_dispute.id][0] == date(2026, 12, 2)
    # ...but only the crime reports' legal deadline is counted: the one forwarded and still
    # undecided past it (late) and the suspended one (on time); not the unforwarded crime
    # report, nor the mediations, one of them closed.
    assert (result.decision.due, result.decision.on_time, result.decision.late) == (2, 1, 1)
    assert result.by_track == {
        "crime": 3,
        "administrative": 0,
        "mediation": 2,
        "violence": 0,
        "fire_risk": 0,
    }
    # The mediations have no forward deadline; the crime reports forwarded in time are on
    # time, the other is past its own.
    assert (result.forward.due, result.forward.on_time, result.forward.late) == (3, 2, 1)


async def test_stats_page_shows_the_forward_row_with_its_source(world: World) -> None:
    await world.tip(COMMUNE_A, received=datetime.now(UTC) - timedelta(days=1))
    for lang, label, counted in (
        ("vi", "Chuyển Cơ quan điều tra đúng hạn (7 ngày)", "Theo thủ tục giải quyết"),
        ("en", "Forwarded to the investigation body on time (7 days)", "By procedure"),
    ):
        client = await world.client("officer_a")
        page = await client.get(f"/admin/stats?lang={lang}")
        assert page.status_code == 200
        text = text_of(page.text)
        forward = legal.citation(legal.rule("crime", "forward").source, lang)  # type: ignore[union-attr]
        ack = legal.citation(legal.rule("crime", "ack").source, lang)  # type: ignore[union-attr]
        decision = legal.citation(legal.rule("crime", "decision").source, lang)  # type: ignore[union-attr]
        row = re.search(r'<tr id="deadline-2">.*?</tr>', page.text, re.S)
        assert row and label in text_of(row.group(0)) and forward in text_of(row.group(0))
        note = re.search(r'<p class="note" id="compliance-note">(.*?)</p>', page.text, re.S)
        assert note is not None
        words = text_of(note.group(1))
        assert ack in words and forward in words and decision in words
        assert "145–147" not in words and "145-147" not in words
        assert counted in text
    # The decision's source, as the pack names it.
    chief_page = (await (await world.client("chief_a")).get("/admin/stats?lang=vi")).text
    assert "Khoản 1 Điều 147, Bộ luật Tố tụng hình sự số 101/2015/QH13" in text_of(chief_page)


async def test_stats_api_has_forward_and_tracks(world: World) -> None:
    await world.tip(COMMUNE_A, received=datetime.now(UTC) - timedelta(days=9))
    body = (await (await world.client("officer_a")).get("/api/v1/stats")).json()
    assert body["forward"] == {"due": 1, "on_time": 0, "late": 1, "share": 0.0}
    assert body["by_track"]["crime"] == 1 and set(body["by_track"]) == {
        "crime",
        "administrative",
        "mediation",
        "violence",
        "fire_risk",
    }
    spec = (await world.anonymous_client().get("/api/v1/openapi.json")).json()
    schema = spec["components"]["schemas"]["StatsOut"]["properties"]
    assert "forward_due" in schema["forward"]["description"] and "by_track" in schema


def _csv(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


async def test_export_has_the_new_columns_and_never_9999(world: World) -> None:
    officer = world.users["officer_a"]
    now = datetime.now(UTC)
    crime = await world.tip(COMMUNE_A, received=now - timedelta(days=3), category="drugs")
    dispute = await world.tip(COMMUNE_A, received=now - timedelta(days=2), category="other")
    waiting = await world.tip(COMMUNE_A, received=now - timedelta(days=1), category="drugs")
    async with world.session() as session:
        store = case_store(session)
        await cases.protect(store, officer, crime.id, "secret", now=now - timedelta(hours=2))
        await cases.forward(store, officer, crime.id, BODY, now=now - timedelta(hours=1))
        await cases.change_track(store, officer, dispute.id, "mediation", "Tranh chấp ranh giới")
        await session.execute(
            update(Tip)
            .where(Tip.id == crime.id)
            .values(extension_decision="15/QĐ-VKS", extension_decision_on=date(2026, 11, 20))
        )
        await session.commit()
    client = await world.client("officer_a")
    response = await client.get("/admin/tips/export.csv?status=all")
    assert "9999" not in response.content.decode("utf-8-sig")
    assert "secret" not in response.content.decode("utf-8-sig")
    rows = {r["Mã tin báo"]: r for r in _csv(response)}
    a, m, w = rows[crime.code], rows[dispute.code], rows[waiting.code]
    assert a["Thủ tục"] == "Tố giác, tin báo về tội phạm"
    assert m["Thủ tục"] == "Hòa giải ở cơ sở"
    assert re.fullmatch(r"\d\d/\d\d/\d{4}", a["Hạn chuyển Cơ quan điều tra"])
    assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", a["Thời điểm chuyển"])
    assert (a["Số quyết định gia hạn"], a["Ngày quyết định gia hạn"]) == ("15/QĐ-VKS", "20/11/2026")
    assert (a["Đề nghị bảo vệ"], m["Đề nghị bảo vệ"]) == ("Có", "Không")
    # The body's 20 days, from the forward (today).
    forwarded_on = deadlines.local_date(now - timedelta(hours=1))
    assert a["Hạn giải quyết"] == f"{forwarded_on + timedelta(days=20):%d/%m/%Y}"
    # A crime report not yet forwarded has no decision deadline: blank, never 31/12/9999.
    assert w["Hạn giải quyết"] == "" and w["Thời điểm chuyển"] == ""
    assert re.fullmatch(r"\d\d/\d\d/\d{4}", w["Hạn chuyển Cơ quan điều tra"])
    # A mediation: its service standard of 30 days from receipt, nothing to forward.
    received_on = deadlines.local_date(now - timedelta(days=2))
    assert m["Hạn giải quyết"] == f"{received_on + timedelta(days=30):%d/%m/%Y}"
    assert (m["Hạn chuyển Cơ quan điều tra"], m["Thời điểm chuyển"]) == ("", "")
    english = _csv(await client.get("/admin/tips/export.csv?status=all&lang=en"))
    assert {"Procedure", "Forward due", "Forwarded at", "Protection asked"} <= set(english[0])
    book = openpyxl.load_workbook(
        io.BytesIO((await client.get("/admin/tips/export.xlsx?status=all")).content)
    )
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    by_code = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    decision_due = by_code[waiting.code][header.index("Hạn giải quyết")]
    assert decision_due.value is None
    mediated = by_code[dispute.code][header.index("Hạn giải quyết")].value
    assert isinstance(mediated, datetime | date) and mediated.year != 9999
    assert all(
        not (isinstance(c.value, datetime) and c.value.year == 9999)
        for r in sheet.iter_rows(min_row=2)
        for c in r
    )
