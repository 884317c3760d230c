"""The commune's own page in the panel (/admin/commune-page, issue 21), through the real app:
the chief keeps it, officers of the commune read it, a province admin reads a commune of
their province, a leader gets 403 and another commune 404; every change is audited, in
words, without a phone number; a refused form is shown again saying why, with what was
typed, and leaves nothing; a form without its CSRF token changes nothing. What residents
then see is tests/unit/test_commune_page.py."""

from __future__ import annotations

import asyncio
import html
import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from admin.audit_details import ACTION_NAMES
from admin.audit_words import sentence
from content.i18n import translate
from storage.audit import AuditRow, Named
from storage.commune_page import SqlCommunePages
from storage.models import AuditLog, CommuneContact, CommunePage
from tests.panel.conftest import COMMUNE_A, COMMUNE_B, COMMUNE_C, World, csrf_of

PAGE = "/admin/commune-page"
UNIT = {
    "phone": "024 3823 4567",
    "address": "Số 1 phố Đội Cấn",
    "hours": "Thứ Hai đến Thứ Sáu, 7:30–17:00",
    "note": "Ngoài giờ, khi khẩn cấp hãy gọi 113.",
}
LEADER = {"kind": "leader", "name": "Nguyễn Văn An", "area": "Tổ dân phố số 5"}


async def post(client: httpx.AsyncClient, path: str, **data: str) -> httpx.Response:
    token = csrf_of((await client.get("/admin/account")).text)
    return await client.post(f"{PAGE}{path}", data={"csrf": token, **data})


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", page))


async def stored(world: World, commune: str = COMMUNE_A) -> tuple[CommunePage | None, list[Any]]:
    async with world.session() as db:
        page = await db.get(CommunePage, commune)
        query = select(CommuneContact).where(CommuneContact.commune_code == commune)
        return page, list((await db.execute(query)).scalars())


async def audits(world: World) -> list[tuple[str, str, str]]:
    async with world.session() as db:
        rows = await db.execute(
            select(AuditLog.actor_username, AuditLog.subject, AuditLog.detail)
            .where(AuditLog.action == "commune.page")
            .order_by(AuditLog.id)
        )
        return [(u, s, d) for u, s, d in rows.all()]


async def test_the_chief_fills_the_page_and_every_change_is_audited(world: World) -> None:
    chief = await world.client("chief_a")
    empty = text_of((await chief.get(PAGE)).text)
    assert "công khai cho toàn bộ người dân" in empty  # said before anything is typed
    assert "chưa cập nhật số điện thoại" in empty  # the preview of an empty page

    saved = await post(chief, "/save", **UNIT)
    assert saved.status_code == 303
    assert saved.headers["location"] == f"{PAGE}?commune={COMMUNE_A}&done=saved"
    page = text_of((await chief.get(saved.headers["location"])).text)
    assert "Đã lưu thông tin đơn vị." in page
    assert "☎️ Điện thoại: 024 3823 4567" in page  # the preview, as residents read it
    unit, _none = await stored(world)
    assert unit is not None and unit.phone == "+842438234567"  # kept in E.164
    assert (unit.address, unit.updated_by) == ("Số 1 phố Đội Cấn", world.usernames["chief_a"])
    assert (await post(chief, "/save", **UNIT)).status_code == 303  # nothing changed

    added = await post(chief, "/contacts/add", **LEADER, phone="0912.345.678", agreed="1")
    assert added.status_code == 303
    assert added.headers["location"].endswith("&done=added")
    _unit, (row,) = await stored(world)
    assert (row.kind, row.phone, row.position) == ("leader", "+84912345678", 1)
    edited = await post(
        chief, f"/contacts/{row.id}/edit", **{**LEADER, "area": "Tổ 5 và Tổ 6"}, phone=row.phone
    )
    assert edited.status_code == 303  # the same number: no agreement asked again
    page = text_of((await chief.get(PAGE)).text)
    assert "Tổ 5 và Tổ 6" in page and "0912 345 678" in page
    assert (await post(chief, f"/contacts/{row.id}/remove")).status_code == 303
    assert (await stored(world))[1] == []  # gone for good, number and all

    logged = await audits(world)
    assert logged == [
        (world.usernames["chief_a"], f"commune:{COMMUNE_A}", "page"),
        (world.usernames["chief_a"], f"commune:{COMMUNE_A}", "add:Nguyễn Văn An"),
        (world.usernames["chief_a"], f"commune:{COMMUNE_A}", "edit:Nguyễn Văn An"),
        (world.usernames["chief_a"], f"commune:{COMMUNE_A}", "remove:Nguyễn Văn An"),
    ]
    assert not any("0912" in d or "345" in d for _u, _s, d in logged)
    assert translate(ACTION_NAMES["commune.page"], "vi") == "Thay đổi trang liên hệ của xã, phường"
    audit_page = text_of((await chief.get("/admin/audit")).text)
    assert "thêm “Nguyễn Văn An” vào danh sách liên hệ công khai của Phường Ba Đình" in audit_page
    assert "cập nhật thông tin liên hệ của Công an Phường Ba Đình" in audit_page


async def test_residents_read_what_the_chief_saved(world: World) -> None:
    chief = await world.client("chief_a")
    await post(chief, "/save", **UNIT)
    await post(chief, "/contacts/add", **LEADER, phone="0912 345 678", agreed="1")
    other = {"kind": "mediation", "name": "Tổ hòa giải số 1", "area": "", "position": "1"}
    await post(chief, "/contacts/add", **other, phone="0987 654 321", agreed="1")
    async with world.session() as db:
        found = await SqlCommunePages(db).public(COMMUNE_A)
        nothing = await SqlCommunePages(db).public(COMMUNE_B)
    assert found.page.hours == UNIT["hours"] and found.page.updated_at is not None
    assert [(c.kind.value, c.name) for c in found.contacts] == [
        ("leader", "Nguyễn Văn An"),
        ("mediation", "Tổ hòa giải số 1"),
    ]
    assert nothing.empty and nothing.page.commune_code == COMMUNE_B


async def test_who_reads_and_who_may_change(world: World) -> None:
    chief = await world.client("chief_a")
    await post(chief, "/save", **UNIT)
    await post(chief, "/contacts/add", **LEADER, phone="0912 345 678", agreed="1")
    _unit, (row,) = await stored(world)

    officer = await world.client("officer_a")
    page = await officer.get(PAGE)
    assert page.status_code == 200 and 'href="/admin/commune-page"' in page.text  # the menu
    text = text_of(page.text)
    assert "Số 1 phố Đội Cấn" in text and "0912 345 678" in text
    assert 'action="/admin/commune-page/save"' not in text
    assert "Chỉ Trưởng Công an xã, phường được thay đổi trang này." in text
    for path in (
        "/save",
        "/contacts/add",
        f"/contacts/{row.id}/edit",
        f"/contacts/{row.id}/remove",
    ):
        refused = await post(officer, path, **LEADER, phone="0912 345 679", agreed="1")
        assert refused.status_code == 403, path

    province = await world.client("admin_01")
    picker = await province.get(PAGE)
    assert picker.status_code == 200 and f'<option value="{COMMUNE_A}"' in picker.text
    assert 'href="/admin/commune-page"' in picker.text
    read = await province.get(PAGE, params={"commune": COMMUNE_A})
    assert read.status_code == 200 and "Nguyễn Văn An" in text_of(read.text)
    assert 'action="/admin/commune-page/contacts/add"' not in read.text
    assert (await post(province, "/save", **UNIT)).status_code == 403
    assert (await post(province, f"/contacts/{row.id}/remove")).status_code == 403
    assert (await province.get(PAGE, params={"commune": COMMUNE_C})).status_code == 404

    leader = await world.client("leader_a")
    assert (await leader.get(PAGE)).status_code == 403
    assert (await post(leader, "/save", **UNIT)).status_code == 403
    assert 'href="/admin/commune-page"' not in (await leader.get("/admin/account")).text

    other_chief = await world.client("chief_b")
    assert (await other_chief.get(PAGE, params={"commune": COMMUNE_A})).status_code == 404
    for path in (f"/contacts/{row.id}/edit", f"/contacts/{row.id}/remove"):
        answer = await post(other_chief, path, **LEADER, phone="0912 345 678", agreed="1")
        assert answer.status_code == 404, path
        assert "Không tìm thấy xã, phường hoặc liên hệ này" in text_of(answer.text)
    assert (await post(chief, "/contacts/2147483647/remove")).status_code == 404
    assert (await stored(world))[1][0].name == "Nguyễn Văn An"
    assert len(await audits(world)) == 2

    stranger = world.anonymous_client()
    assert (await stranger.get(PAGE)).status_code == 303


async def test_refusals_say_why_and_keep_what_was_typed(world: World) -> None:
    chief = await world.client("chief_a")
    bad_phone = await post(chief, "/save", **{**UNIT, "phone": "113"})
    assert bad_phone.status_code == 422
    text = text_of(bad_phone.text)
    assert "“113” không phải số điện thoại di động hoặc cố định ở Việt Nam" in text
    assert 'value="Số 1 phố Đội Cấn"' in bad_phone.text  # what was typed, kept
    service = await post(chief, "/save", **{**UNIT, "phone": "1900 1234"})
    assert service.status_code == 422  # a paid service line is not the unit's phone

    long_address = await post(chief, "/save", **{**UNIT, "address": "Đường " * 40})
    assert long_address.status_code == 422
    assert "Địa chỉ tối đa 150 ký tự (đang có 239)" in text_of(long_address.text)
    words = "Ghi chú dài về cách đến trụ sở và giờ tiếp dân, "
    too_tall = await post(
        chief, "/save", **{**UNIT, "address": (words * 3)[:150], "note": (words * 4)[:200]}
    )
    assert too_tall.status_code == 422
    assert "dài hơn một màn hình điện thoại" in text_of(too_tall.text)

    no_consent = await post(chief, "/contacts/add", **LEADER, phone="0912 345 678")
    assert no_consent.status_code == 422
    text = text_of(no_consent.text)
    assert "Hãy xác nhận người này đã đồng ý công khai số điện thoại" in text
    assert 'value="Nguyễn Văn An"' in no_consent.text and 'value="0912 345 678"' in no_consent.text
    wrong = await post(chief, "/contacts/add", **LEADER, phone="0912 34", agreed="1")
    assert wrong.status_code == 422 and "“0912 34” không phải số điện thoại" in text_of(wrong.text)
    long_name = await post(
        chief, "/contacts/add", **{**LEADER, "name": "Tên " * 30}, phone="0912345678", agreed="1"
    )
    assert long_name.status_code == 422 and "tối đa 80 ký tự" in text_of(long_name.text)
    place = await post(
        chief, "/contacts/add", **LEADER, phone="0912345678", agreed="1", position="0"
    )
    assert place.status_code == 422 and "Thứ tự là một số từ 1 đến 999." in text_of(place.text)
    kind = await post(
        chief, "/contacts/add", **{**LEADER, "kind": "boss"}, phone="0912345678", agreed="1"
    )
    assert kind.status_code == 422 and "Hãy chọn loại liên hệ." in text_of(kind.text)

    # A new number for a listed contact needs the person's agreement again.
    await post(chief, "/contacts/add", **LEADER, phone="0912 345 678", agreed="1")
    _unit, (row,) = await stored(world)
    changed = await post(chief, f"/contacts/{row.id}/edit", **LEADER, phone="0987 654 321")
    assert changed.status_code == 422 and 'value="0987 654 321"' in changed.text
    assert (await stored(world))[1][0].phone == "+84912345678"

    unit, contacts = await stored(world)
    assert unit is None and len(contacts) == 1 and len(await audits(world)) == 1
    # A form without its CSRF token changes nothing.
    forged = await chief.post(f"{PAGE}/save", data={**UNIT, "csrf": "x"})
    assert forged.status_code == 403
    missing = await chief.post(f"{PAGE}/contacts/add", data={**LEADER, "phone": "0912345678"})
    assert missing.status_code == 403
    assert (await stored(world))[0] is None and len((await stored(world))[1]) == 1


async def test_the_list_has_a_limit(world: World) -> None:
    chief = await world.client("chief_a")
    for n in range(30):
        done = await post(chief, "/contacts/add", **LEADER, phone=f"091234{n:04d}", agreed="1")
        assert done.status_code == 303
    full = await post(chief, "/contacts/add", **LEADER, phone="0912999999", agreed="1")
    assert full.status_code == 422 and "đã có đủ 30 liên hệ" in text_of(full.text)
    assert len((await stored(world))[1]) == 30


def test_the_audit_sentence_in_both_languages() -> None:
    def said(detail: str, lang: str, subject: str = f"commune:{COMMUNE_A}") -> str:
        at = datetime(2026, 12, 6, tzinfo=UTC)
        row = AuditRow(1, at, 7, "chief.a", "commune.page", subject, detail, "", "")
        return sentence(row, Named(), lang).text

    assert said("page", "en") == (
        "chief.a updated the contact details of the police of Phường Ba Đình (00004)"
    )
    assert said("remove:Tổ 5", "vi") == (
        "chief.a xóa “Tổ 5” khỏi danh sách liên hệ công khai của Phường Ba Đình (00004)"
    )
    assert said("odd", "en", "x") == "chief.a changed a commune's contact page"


# -- review: no number through a free field, real lengths, odd names, police lines ------------


async def test_no_number_is_published_through_a_free_field(world: World) -> None:
    chief = await world.client("chief_a")
    note = "Ngoài giờ gọi anh Tuấn (cảnh sát khu vực) 0912 345 678"
    for field, typed in (("note", note), ("address", "Số 1, gọi 0987.654.321"), ("hours", note)):
        refused = await post(chief, "/save", **{**UNIT, field: typed})
        assert refused.status_code == 422, field
        text = text_of(refused.text)
        assert "là một số điện thoại" in text and "danh sách liên hệ công khai" in text
    for field in ("name", "area"):
        refused = await post(
            chief,
            "/contacts/add",
            **{**LEADER, field: "Anh Tuấn 0987 654 321"},
            phone="0912 345 679",
            agreed="1",
        )
        assert refused.status_code == 422, field
        assert "“0987 654 321” là một số điện thoại" in text_of(refused.text)
    hotline = await post(chief, "/save", **{**UNIT, "note": "Đường dây nóng 1800 1234"})
    assert hotline.status_code == 303  # a free service line is nobody's own
    assert await audits(world) == [(world.usernames["chief_a"], f"commune:{COMMUNE_A}", "page")]


DISGUISED = (
    "Gọi anh Tuấn 0912–345–678",  # en dashes
    "Zalo 0912/345/678",
    "0912_345_678",
    "Anh Tuấn ０９１２３４５６７８",  # fullwidth digits
    "0 9 1 2 3 4 5 6 7 8",
    "⓪⑨①②③④⑤⑥⑦⑧",
    "0912\u00ad345\u00ad678",  # soft hyphens, which nobody sees
    "O912345678",  # a letter O for the zero
    "0912·345·678",
    "0912/345/678 0987/654/321",  # two, side by side
)


@pytest.mark.parametrize("typed", DISGUISED, ids=range(len(DISGUISED)))
async def test_a_number_written_to_slip_past_the_reader_is_refused_too(
    world: World, typed: str
) -> None:
    chief = await world.client("chief_a")
    refused = await post(chief, "/save", **{**UNIT, "note": typed})
    assert refused.status_code == 422
    assert "là một số điện thoại" in text_of(refused.text)
    added = await post(
        chief, "/contacts/add", **{**LEADER, "name": typed}, phone="0912 345 679", agreed="1"
    )
    assert added.status_code == 422
    assert await audits(world) == []


async def test_dates_and_hours_in_the_note_are_no_number(world: World) -> None:
    chief = await world.client("chief_a")
    note = "Thứ 2–6: 7:30–11:30, 13:30–17:00; nghỉ từ 01/01/2026 đến 03/01/2026"
    saved = await post(chief, "/save", **{**UNIT, "note": note})
    assert saved.status_code == 303
    groups = {**LEADER, "kind": "mediation", "area": "Tổ 09, 10, 11, 12, 13"}
    listed = await post(chief, "/contacts/add", **groups, phone="0912 345 679", agreed="1")
    assert listed.status_code == 303  # five groups are a list, not a number


async def test_the_audit_names_a_contact_with_a_long_number_by_its_id(world: World) -> None:
    chief = await world.client("chief_a")
    async with world.session() as db:  # a name kept from before numbers were refused in it
        db.add(
            CommuneContact(
                commune_code=COMMUNE_A,
                kind="leader",
                name="Anh Tuấn 0 9 8 7 6 5 4 3 2 1",
                area="",
                phone="+84912345679",
                position=1,
                created_at=datetime(2026, 1, 1, tzinfo=UTC),
                updated_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
        )
        await db.commit()
    _unit, (row,) = await stored(world)
    assert (await post(chief, f"/contacts/{row.id}/remove")).status_code == 303
    assert [d for _u, _s, d in await audits(world)] == [f"remove:#{row.id}"]


async def test_a_field_too_long_says_its_real_length(world: World) -> None:
    chief = await world.client("chief_a")
    refused = await post(chief, "/save", address="a" * 10_000)
    assert refused.status_code == 422
    assert "Địa chỉ tối đa 150 ký tự (đang có 10000)" in text_of(refused.text)
    area = await post(
        chief, "/contacts/add", **{**LEADER, "area": "b" * 5000}, phone="0912345678", agreed="1"
    )
    assert "Phần phụ trách tối đa 80 ký tự (đang có 5000)" in text_of(area.text)


async def test_a_name_or_area_that_shows_nothing_is_refused(world: World) -> None:
    chief = await world.client("chief_a")
    for n, name in enumerate(["\u2800\u2800", "\u3164", "\uffa0", "🙂🙂", "\U000e0041\u061c"]):
        refused = await post(
            chief, "/contacts/add", **{**LEADER, "name": name}, phone=f"09123400{n:02d}", agreed="1"
        )
        assert refused.status_code == 422, ascii(name)
        assert "Hãy nhập họ tên hoặc tên tổ" in text_of(refused.text)
    blank_area = await post(
        chief, "/contacts/add", **{**LEADER, "area": "🙂 ⠀"}, phone="0912340099", agreed="1"
    )
    assert blank_area.status_code == 422
    assert "Phần phụ trách cần có chữ hoặc số" in text_of(blank_area.text)
    kept = await post(
        chief,
        "/contacts/add",
        **{**LEADER, "name": "\u061cAn\U000e0041\u3164 Bình\u2800"},
        phone="0912340098",
        agreed="1",
    )
    assert kept.status_code == 303
    assert [c.name for c in (await stored(world))[1]] == ["An Bình"]  # the invisible ones gone


async def test_the_police_own_lines_are_accepted(world: World) -> None:
    chief = await world.client("chief_a")
    saved = await post(chief, "/save", **{**UNIT, "phone": "069.234.2593"})
    assert saved.status_code == 303
    unit, _none = await stored(world)
    assert unit is not None and unit.phone == "+84692342593"
    page = text_of((await chief.get(PAGE)).text)
    assert "☎️ Điện thoại: 069 234 2593" in page
    duty = await post(chief, "/contacts/add", **LEADER, phone="069.2196.777", agreed="1")
    assert duty.status_code == 303 and (await stored(world))[1][0].phone == "+84692196777"
    for wrong in ("069 234 259", "0692 3425 930"):  # not seven digits after 069
        assert (await post(chief, "/save", **{**UNIT, "phone": wrong})).status_code == 422


async def test_a_number_under_a_new_name_needs_the_agreement_again(world: World) -> None:
    chief = await world.client("chief_a")
    await post(chief, "/contacts/add", **LEADER, phone="0912 345 678", agreed="1")
    _unit, (row,) = await stored(world)
    moved = {**LEADER, "name": "Trần Thị Bình", "phone": "0912 345 678"}
    refused = await post(chief, f"/contacts/{row.id}/edit", **moved)
    assert refused.status_code == 422
    assert "Hãy xác nhận người này đã đồng ý" in text_of(refused.text)
    assert (await stored(world))[1][0].name == "Nguyễn Văn An"
    agreed = await post(chief, f"/contacts/{row.id}/edit", **moved, agreed="1")
    assert agreed.status_code == 303 and (await stored(world))[1][0].name == "Trần Thị Bình"
    area_only = await post(chief, f"/contacts/{row.id}/edit", **{**moved, "area": "Tổ 7"})
    assert area_only.status_code == 303  # the same person and number: nothing to agree again
    assert "đổi số hoặc đổi tên" in text_of((await chief.get(PAGE)).text)


# -- review 2: saves at the same moment, the same person twice, a stale button -----------------


async def two_first_saves_at_once(world: World) -> None:
    chief = await world.client("chief_a")
    token = csrf_of((await chief.get("/admin/account")).text)
    first = {"csrf": token, **UNIT, "address": "Số 1 phố Đội Cấn"}
    second = {**first, "address": "Số 2 phố Đội Cấn"}
    answers = await asyncio.gather(
        chief.post(f"{PAGE}/save", data=first), chief.post(f"{PAGE}/save", data=second)
    )
    assert [a.status_code for a in answers] == [303, 303]
    page, _ = await stored(world)
    assert page is not None and page.address in {"Số 1 phố Đội Cấn", "Số 2 phố Đội Cấn"}


async def test_two_first_saves_at_once_both_land(world: World) -> None:
    await two_first_saves_at_once(world)


async def test_two_first_saves_at_once_both_land_on_postgres(pg_world: World) -> None:
    await two_first_saves_at_once(pg_world)


async def test_the_same_person_is_not_listed_twice(world: World) -> None:
    chief = await world.client("chief_a")
    added = await post(chief, "/contacts/add", **LEADER, phone="0912 345 678", agreed="1")
    assert added.status_code == 303
    again = await post(
        chief,
        "/contacts/add",
        **{**LEADER, "name": "nguyễn văn an"},
        phone="0912.345.678",
        agreed="1",
    )
    assert again.status_code == 422
    assert "“nguyễn văn an” với số điện thoại này đã có trong danh sách" in text_of(again.text)
    bare = {**LEADER, "name": "nguyen van an"}
    again = await post(chief, "/contacts/add", **bare, phone="0912345678", agreed="1")
    assert again.status_code == 422  # typed without marks, the same person
    other = await post(chief, "/contacts/add", **LEADER, phone="0912 345 679", agreed="1")
    assert other.status_code == 303  # a namesake with another number is someone else
    second = next(c for c in (await stored(world))[1] if c.phone == "+84912345679")
    edited = await post(
        chief, f"/contacts/{second.id}/edit", **LEADER, phone="0912 345 678", agreed="1"
    )
    assert edited.status_code == 422  # edited into the first: listed twice, refused
    assert len((await stored(world))[1]) == 2


async def test_a_stale_button_never_acts_on_the_next_person_added(world: World) -> None:
    chief = await world.client("chief_a")
    await post(chief, "/contacts/add", **LEADER, phone="0912 345 678", agreed="1")
    (first,) = (await stored(world))[1]
    gone = first.id
    assert (await post(chief, f"/contacts/{gone}/remove")).status_code == 303
    named = {**LEADER, "name": "Trần Thị Bình"}
    await post(chief, "/contacts/add", **named, phone="0987 654 321", agreed="1")
    (second,) = (await stored(world))[1]
    assert second.id != gone  # SQLite too: AUTOINCREMENT, no id given twice
    stale = await post(chief, f"/contacts/{gone}/remove")  # the button left in another tab
    assert stale.status_code == 404
    stale = await post(chief, f"/contacts/{gone}/edit", **named, phone="0987 654 321", agreed="1")
    assert stale.status_code == 404
    assert [c.name for c in (await stored(world))[1]] == ["Trần Thị Bình"]
