"""Recognising contributors in the panel (issue 20): the chief's "Gửi lời cảm ơn" on a closed,
useful tip (the form, the route, the API), refused when not closed, not useful, twice, for an
officer or another commune; the note that says the police do not know the reporter only for
an anonymous tip; and the unit's 19/8 honour list page with its CSV and XLSX exports, audited,
for the chief and the province only, each year's list a snapshot that opens on 1/8 (before
then: no names, no count, no file), a bad year answered with the page and its dates."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from admin import web
from bot import runtime
from handlers.audit import AuditAction
from handlers.honour_year import list_year, newest_open, opens, window
from storage.honour import SqlHonour
from storage.models import OutboxMessage, TipEvent
from tests.panel.conftest import COMMUNE_B, StoredTip, World
from tests.panel.panel_pages import HX, act, audit_rows, set_tip, tip_row, today
from tests.panel.test_api import bearer

COLLECTING = list_year(today())  # the list names given today go to: not open yet
YEAR = newest_open(datetime.now(UTC))  # the newest list the unit may read, the page's first
GIVEN = window(YEAR)[0] + timedelta(days=30)  # a time a name of YEAR's list was given


async def closed(world: World, resolution: str = "sanctioned", **more: object) -> StoredTip:
    tip = await world.tip()
    values = {"status": "closed", "resolution": resolution, "closed_at": datetime.now(UTC)}
    await set_tip(world, tip, **{**values, **more})
    return tip


async def thanked_messages(world: World, tip: StoredTip) -> list[OutboxMessage]:
    async with world.session() as session:
        query = select(OutboxMessage).where(
            OutboxMessage.tip_id == tip.id, OutboxMessage.kind == "tip.thanked"
        )
        return list((await session.execute(query)).scalars())


def partial(world: World, **context: object) -> str:
    body = web.html("tips/_thanks.html", "vi", 200, **context).body
    return bytes(body).decode()


async def test_the_chief_thanks_once_from_the_tip_page(world: World) -> None:
    tip = await closed(world)
    chief = await world.client("chief_a")
    answer = await act(chief, tip, "thank")
    assert answer.status_code == 303
    assert answer.headers["location"].endswith("?done=thank")
    page = (await chief.get(answer.headers["location"])).text
    assert "Đã gửi lời cảm ơn" in page
    row = await tip_row(world, tip)
    assert row.thanked_at is not None
    [message] = await thanked_messages(world, tip)
    assert message.payload["code"] == tip.code and message.payload["params"]["commune"] == "00004"
    async with world.session() as session:
        kinds = (
            await session.execute(select(TipEvent.kind).where(TipEvent.tip_id == tip.id))
        ).scalars()
        assert "thanked" in list(kinds)
    [audit] = [
        a for a in await audit_rows(world, AuditAction.TIP_THANK.value) if a.subject == tip.code
    ]
    assert audit.actor_username == world.usernames["chief_a"]
    again = await act(chief, tip, "thank")
    assert again.status_code == 409
    assert "đã được gửi lời cảm ơn rồi" in again.text
    assert len(await thanked_messages(world, tip)) == 1
    assert (await tip_row(world, tip)).thanked_at == row.thanked_at


async def test_htmx_answers_with_the_tip_fragment(world: World) -> None:
    tip = await closed(world, "fixed")
    chief = await world.client("chief_a")
    answer = await act(chief, tip, "thank", headers=HX)
    assert answer.status_code == 200
    assert 'id="tip"' in answer.text and 'id="done"' in answer.text


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({"status": "acknowledged", "resolution": "", "closed_at": None}, "thank_not_closed"),
        ({"resolution": "no_violation"}, "thank_not_useful"),
        ({"resolution": "duplicate"}, "thank_not_useful"),
    ],
)
async def test_a_tip_not_closed_or_not_useful_is_refused(
    world: World, values: dict[str, object], error: str
) -> None:
    tip = await closed(world, **values)  # type: ignore[arg-type]
    chief = await world.client("chief_a")
    answer = await act(chief, tip, "thank")
    assert answer.status_code == 409
    words = {"thank_not_closed": "khi tin báo đã đóng", "thank_not_useful": "tin báo có ích"}
    assert words[error] in answer.text
    assert await thanked_messages(world, tip) == []
    assert (await tip_row(world, tip)).thanked_at is None


async def test_an_officer_a_province_admin_or_another_commune_cannot(world: World) -> None:
    tip = await closed(world)
    for label, status in (("officer_a", 403), ("admin_01", 403), ("chief_b", 404)):
        client = await world.client(label)
        answer = await act(client, tip, "thank")
        assert answer.status_code == status, (label, answer.text[:500])
    leader = await world.client("leader_a")
    assert (await act(leader, tip, "thank")).status_code == 403
    assert await thanked_messages(world, tip) == []


async def test_the_form_shows_only_when_allowed(world: World) -> None:
    tip = await closed(world)
    chief, officer = await world.client("chief_a"), await world.client("officer_a")
    page = await chief.get(f"/admin/tips/{tip.id}")
    assert page.status_code == 200
    assert page.text.count('id="thank-form"') == 1  # tips/_thanks.html, in the tip page
    ok = {"tip": type("T", (), {"id": tip.id})(), "csrf": "x"}
    assert 'id="thank-form"' in partial(world, can_thank=True, **ok)
    assert f'action="/admin/tips/{tip.id}/thank"' in partial(world, can_thank=True, **ok)
    assert partial(world, can_thank=False, **ok).strip() == ""
    assert partial(world, **ok).strip() == ""  # a page that does not say renders nothing
    assert "thank-form" not in (await officer.get(f"/admin/tips/{tip.id}")).text
    await act(chief, tip, "thank")
    assert "thank-form" not in (await chief.get(f"/admin/tips/{tip.id}")).text


async def test_the_api_thanks_and_refuses_a_second_time(world: World) -> None:
    tip = await closed(world, "protected")
    api = await bearer(world, "chief_a")
    answer = await api.post(f"/api/v1/tips/{tip.id}/thank")
    assert answer.status_code == 200, answer.text
    assert answer.json()["code"] == tip.code
    again = await api.post(f"/api/v1/tips/{tip.id}/thank")
    assert again.status_code == 409 and again.json()["error"]["code"] == "thank_twice"
    officer = await bearer(world, "officer_a")
    assert (await officer.post(f"/api/v1/tips/{tip.id}/thank")).status_code == 403


# -- the honour list ------------------------------------------------------------------------


async def name(world: World, tip: StoredTip, given: str, at: datetime = GIVEN) -> None:
    """The reporter's choice, as the bot stores it (storage/honour.py), given `at`."""
    async with world.session() as session:
        kept = await SqlHonour(session, runtime.sealer(world.settings)).name(tip.id, given, at)
        await session.commit()
    assert kept


async def test_the_honour_list_shows_names_only_and_is_audited(world: World) -> None:
    first = await closed(world, thanked_at=datetime.now(UTC))
    second = await closed(world, thanked_at=datetime.now(UTC))
    elsewhere = await world.tip(COMMUNE_B)
    await set_tip(
        world, elsewhere, status="closed", resolution="fixed", thanked_at=datetime.now(UTC)
    )
    await name(world, first, "Nguyễn Văn A")
    await name(world, second, "Một người dân tổ 5")
    await name(world, elsewhere, "Bác Tư")
    chief = await world.client("chief_a")
    page = await chief.get("/admin/honour")
    assert page.status_code == 200
    assert "Nguyễn Văn A" in page.text and "Một người dân tổ 5" in page.text
    assert "Bác Tư" not in page.text  # another commune's
    assert first.code not in page.text and second.code not in page.text  # never a tip
    assert 'id="nav-honour"' in page.text
    [read] = await audit_rows(world, AuditAction.HONOUR_READ.value)
    assert read.detail == f"year={YEAR};rows=2;fmt=page" and read.subject == "commune:00004"
    admin = await world.client("admin_01")
    province = (await admin.get("/admin/honour")).text
    assert "Bác Tư" in province and "Nguyễn Văn A" in province


async def test_officers_and_leaders_do_not_read_it(world: World) -> None:
    for label in ("officer_a", "leader_a"):
        client = await world.client(label)
        assert (await client.get("/admin/honour")).status_code == 403
        assert (await client.get("/admin/honour/export.csv")).status_code == 403
        home = (
            await client.get("/admin/tips" if label == "officer_a" else "/admin/broadcasts")
        ).text
        assert 'id="nav-honour"' not in home
    assert await audit_rows(world, AuditAction.HONOUR_READ.value) == []


async def test_csv_and_xlsx_exports_are_safe_and_audited(world: World) -> None:
    tip = await closed(world, thanked_at=datetime.now(UTC))
    await name(world, tip, "-Bác Ba (khu phố 2)")  # a name a spreadsheet could take as a formula
    chief = await world.client("chief_a")
    csv_answer = await chief.get(f"/admin/honour/export.csv?year={YEAR}")
    assert csv_answer.status_code == 200
    assert csv_answer.headers["content-disposition"].endswith(f'-{YEAR}.csv"')
    assert csv_answer.content.startswith(b"\xef\xbb\xbf")
    lines = csv_answer.content.decode("utf-8-sig").splitlines()
    assert lines[0] == 'STT,Tên,"Xã, phường"'
    assert lines[1] == "1,'-Bác Ba (khu phố 2),Phường Ba Đình"
    xlsx = await chief.get(f"/admin/honour/export.xlsx?year={YEAR}")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    assert [c.value for c in sheet[2]] == [1, "-Bác Ba (khu phố 2)", "Phường Ba Đình"]
    assert sheet["B2"].data_type == "s"
    formats = sorted(a.detail for a in await audit_rows(world, AuditAction.HONOUR_READ.value))
    assert formats == [f"year={YEAR};rows=1;fmt=csv", f"year={YEAR};rows=1;fmt=xlsx"]


async def test_a_bad_year_says_so_with_its_dates(world: World) -> None:
    chief = await world.client("chief_a")
    for year in ("1999", "2024", str(COLLECTING + 1), "9999", "abc", "2026'--"):
        answer = await chief.get("/admin/honour", params={"year": year})
        assert answer.status_code == 422, year
        assert f"Chọn một năm từ 2025 đến {COLLECTING}." in answer.text, answer.text
        assert "{" not in answer.text.split('id="honour-error"')[1][:200]
        assert 'id="honour-year"' in answer.text  # the years to choose from
    assert await audit_rows(world, AuditAction.HONOUR_READ.value) == []


async def test_the_list_being_gathered_shows_no_name_and_no_count(world: World) -> None:
    """Names given since 1/8 wait for next year's list: the page says when it opens and
    shows nothing that moves as names come in; its files are refused with the date."""
    tip = await closed(world, thanked_at=datetime.now(UTC))
    await name(world, tip, "Nguyễn Văn A", datetime.now(UTC))
    chief = await world.client("chief_a")
    page = await chief.get("/admin/honour", params={"year": str(COLLECTING)})
    assert page.status_code == 200
    opening = opens(COLLECTING).strftime("%d/%m/%Y")
    assert 'id="honour-not-open"' in page.text and opening in page.text
    assert "Nguyễn Văn A" not in page.text
    assert 'id="honour-count"' not in page.text and 'id="honour-empty"' not in page.text
    assert "export.csv" not in page.text
    for fmt in ("csv", "xlsx"):
        answer = await chief.get(f"/admin/honour/export.{fmt}", params={"year": COLLECTING})
        assert answer.status_code == 409
        assert f"từ ngày {opening}" in answer.text and "Nguyễn Văn A" not in answer.text
    assert await audit_rows(world, AuditAction.HONOUR_READ.value) == []
    default = (await chief.get("/admin/honour")).text  # the newest open list, without it
    assert f"19/8/{YEAR}" in default and "Nguyễn Văn A" not in default


async def test_the_note_says_the_police_do_not_know_only_an_anonymous_reporter(
    world: World,
) -> None:
    anonymous = await closed(world)
    named = await world.tip(anonymous=False, contact_name="Lê Văn B", contact_phone="0912345678")
    await set_tip(world, named, status="closed", resolution="fixed", closed_at=datetime.now(UTC))
    chief = await world.client("chief_a")
    page = (await chief.get(f"/admin/tips/{anonymous.id}")).text
    assert 'id="thanks-note"' in page and 'id="thanks-anonymous"' in page
    page = (await chief.get(f"/admin/tips/{named.id}")).text
    assert 'id="thanks-note"' in page and 'id="thanks-anonymous"' not in page
    assert "không biết họ là ai" not in page
