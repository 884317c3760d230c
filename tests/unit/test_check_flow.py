"""The scam check through the dispatcher, on both backends: menu → check → paste → verdict
(confirmed, reported by N, the wording of a known scam with its card, nothing known), the
check turned into a tip whose indicators become "reported", police decisions, CSV imports."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from bot.cli import main
from bot.dispatcher import Dispatcher
from content.scamcheck import Known
from content.text import fold
from handlers.model import Kind, Media, MediaType
from storage.indicators import ImportResult
from storage.models import Indicator, IndicatorTip, Tip
from tests.conftest import Chat, in_thread
from tests.unit.test_report_flow import receipt_of

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
SCAM = (
    "Tôi là cán bộ Công an TP Hà Nội. Anh có liên quan đến đường dây rửa tiền, phải chuyển "
    "tiền vào tài khoản tạm giữ để xác minh. Gọi lại ngay 0912 345 678."
)


@pytest.fixture(autouse=True)
async def no_indicators(dispatcher: Dispatcher) -> AsyncIterator[None]:
    """The PostgreSQL database is shared by the session: start without indicators."""
    uow = dispatcher.unit_of_work()
    try:
        await uow.session.execute(delete(Indicator))
        await uow.commit()
    finally:
        await uow.close()
    yield


def never_safe(text: str) -> None:
    assert "an toan" not in fold(text) and "safe" not in text.lower(), text


async def imported(chat: Chat, csv_text: str, status: str = "confirmed") -> ImportResult:
    uow = chat.dispatcher.unit_of_work()
    try:
        result = await uow.indicators.import_csv(csv_text.splitlines(), "import:test", NOW, status)
        await uow.commit()
        return result
    finally:
        await uow.close()


async def stored(chat: Chat, kind: str, value: str) -> Known | None:
    uow = chat.dispatcher.unit_of_work()
    try:
        return await uow.indicators.get(kind, value)
    finally:
        await uow.close()


async def open_check(chat: Chat) -> None:
    await chat.onboard()
    text = await chat.pick("menu:check")
    assert "Kiểm tra lừa đảo" in text
    assert "nav:menu" in chat.choices


async def test_a_number_the_police_confirmed(chat: Chat) -> None:
    result = await imported(chat, "kind,value\nphone,0912 345 678\n")
    assert (result.added, result.errors) == (1, [])
    await open_check(chat)
    text = await chat.say(SCAM)
    assert "CẢNH BÁO: đây là lừa đảo" in text
    assert "0912 345 678: công an đã xác nhận là dùng để lừa đảo" in text
    assert "Giả danh công an" in text  # the wording matches too
    assert "Nhớ rằng" in text  # and the general advice
    never_safe(text)
    assert {"check:card:fake_authority", "check:tip", "check:again"} <= set(chat.choices)


async def test_the_wording_of_a_known_scam_with_its_card(chat: Chat) -> None:
    await open_check(chat)
    text = await chat.say(
        "Công an phường thông báo: để cập nhật thông tin cư trú sau sáp nhập, bà con tải ứng "
        "dụng Dịch vụ công tại https://dichvucong-gov.vn/app.apk"
    )
    assert "lời lẽ của tin nhắn này giống một kiểu lừa đảo" in text
    assert "“cập nhật thông tin cư trú”" in text
    assert "dichvucong-gov.vn trông giống địa chỉ của Cổng Dịch vụ công quốc gia" in text
    assert ".apk" in text
    never_safe(text)
    assert "check:card:fake_public_app" in chat.choices
    card = await chat.pick("check:card:fake_public_app")
    assert card.startswith("📖 ")
    assert "Nguồn:" in card
    assert "check:tip" in chat.choices  # the way on is still there after reading


async def test_nothing_known_gives_general_advice_and_never_says_safe(chat: Chat) -> None:
    await open_check(chat)
    text = await chat.say("Số 0987 111 222 gọi cho mẹ tôi hôm qua")
    assert "Chưa có thông tin gì về nội dung này" in text
    assert "Chưa có thông tin về: 0987 111 222." in text
    assert "Nhớ rằng" in text
    never_safe(text)
    text = await chat.pick("check:again")
    assert "Kiểm tra lừa đảo" in text
    text = await chat.say("Chào bạn, chiều nay họp tổ dân phố nhé")
    assert "Mình không thấy số điện thoại, đường link hay số tài khoản nào" in text
    never_safe(text)


async def test_english_verdicts_never_say_safe(dispatcher: Dispatcher) -> None:
    chat = Chat(dispatcher)
    await chat.say("/start")
    await chat.pick("lang:en")
    await chat.say("ha noi")
    await chat.say("ba dinh")
    await chat.pick("menu:check")
    text = await chat.say("Unknown caller +1 202 555 0143 and link evil-shop.xyz")
    assert "No one has reported this yet, but there are warning signs" in text
    assert "+12025550143 is a foreign number" in text
    never_safe(text)
    text = await chat.say("They asked me to move my savings to a safe account")
    assert "matches a known kind of scam" in text
    never_safe(text)


async def test_files_and_contacts(chat: Chat) -> None:
    await open_check(chat)
    photo = Media(MediaType.PHOTO, "screenshot-1")
    await chat.send_event(chat.event(Kind.MEDIA, media=photo))
    assert "chưa đọc được chữ trong ảnh" in chat.text
    captioned = Media(MediaType.PHOTO, "screenshot-2", caption="Số lạ +882 1234 5678 gọi")
    await chat.send_event(chat.event(Kind.MEDIA, media=captioned))
    assert "đầu số lạ +882" in chat.text
    await chat.pick("check:again")
    await chat.send_event(chat.event(Kind.CONTACT, phone="+84912345678"))
    assert "0912 345 678" in chat.text and "Chưa có thông tin" in chat.text


async def test_a_scam_typed_at_the_menu_is_offered_a_check(chat: Chat) -> None:
    await chat.onboard()
    text = await chat.say(SCAM)
    assert "Bạn có muốn mình kiểm tra nó không?" in text
    assert "check:run" in chat.choices
    text = await chat.pick("check:run")
    assert "CẨN THẬN: lời lẽ" in text and "0912 345 678" in text
    await chat.pick("nav:menu")
    text = await chat.say("xin chào mọi người")  # an ordinary message is not offered one
    assert "check:run" not in chat.choices


async def send_tip_from_check(chat: Chat, message: str) -> str:
    """Check a message, turn it into a tip in one tap, fill in the rest and confirm."""
    await chat.pick("menu:check")
    await chat.say(message)
    await chat.pick("check:tip")
    if "tip:consent_yes" in chat.choices:
        await chat.pick("tip:consent_yes")
    assert "tip:done" in chat.choices, chat.text  # the description is there already
    await chat.pick("tip:done")
    await chat.pick("when:today")
    await chat.pick("where:commune")
    await chat.pick("tip:media_done")
    await chat.pick("tip:details_no")
    await chat.pick("id:named")
    await chat.say("Nguyễn Văn An")
    await chat.say("0988 777 666")  # the reporter's own number is never reported
    assert "Lừa đảo qua điện thoại" in chat.text  # the category came from the check
    text = await chat.pick("tip:confirm")
    receipt_of(text)
    return text


async def test_a_check_becomes_a_tip_and_its_indicators_are_reported(
    dispatcher: Dispatcher,
) -> None:
    message = SCAM + " Chi tiết tại https://bocongan-gov.com/vu-an"
    first, second, third = Chat(dispatcher), Chat(dispatcher), Chat(dispatcher)
    await first.onboard()
    await send_tip_from_check(first, message)
    phone = await stored(first, "phone", "+84912345678")
    assert phone is not None and (phone.status, phone.reports, phone.source) == (
        "reported",
        1,
        "tip",
    )
    assert await stored(first, "domain", "bocongan-gov.com") is not None
    assert await stored(first, "url", "bocongan-gov.com/vu-an") is not None
    assert await stored(first, "phone", "+84988777666") is None
    uow = dispatcher.unit_of_work()
    try:
        tip = (await uow.session.execute(select(Tip))).scalar_one()
        assert tip.category == "fraud_phone"
        assert tip.description.startswith(SCAM[:40])
        assert "⚑ 0912 345 678 · bocongan-gov.com" in tip.description
        links = (await uow.session.execute(select(IndicatorTip))).scalars().all()
        assert {link.tip_id for link in links} == {tip.id} and len(links) == 3
    finally:
        await uow.close()

    await first.pick("nav:menu")
    await send_tip_from_check(first, message)  # the same resident again: still one
    phone = await stored(first, "phone", "+84912345678")
    assert phone is not None and phone.reports == 1
    await second.onboard()
    await send_tip_from_check(second, message)
    phone = await stored(first, "phone", "+84912345678")
    assert phone is not None and phone.reports == 2

    await third.onboard()
    await third.pick("menu:check")
    text = await third.say("Ai gọi từ số 0912345678 vậy?")
    assert "CẨN THẬN: người dân đã báo lừa đảo" in text
    assert "0912 345 678: 2 người dân đã báo là lừa đảo; công an chưa xác nhận" in text
    never_safe(text)


async def test_police_confirm_and_reject(chat: Chat) -> None:
    await imported(chat, "phone,0912345678\ndomain,evil-bank.xyz\n", status="reported")
    await open_check(chat)
    text = await chat.say("Gọi 0912345678 hoặc vào login.evil-bank.xyz")
    assert "có trong danh sách cảnh báo lừa đảo; công an chưa xác nhận" in text
    phone = await stored(chat, "phone", "+84912345678")
    domain = await stored(chat, "domain", "evil-bank.xyz")
    assert phone is not None and domain is not None
    uow = chat.dispatcher.unit_of_work()
    try:
        confirmed = await uow.indicators.confirm(domain.id, "officer.ba_dinh", NOW)
        rejected = await uow.indicators.reject(phone.id, "officer.ba_dinh", NOW)
        assert await uow.indicators.confirm(10**9, "officer.ba_dinh", NOW) is None
        with pytest.raises(ValueError):
            await uow.indicators.confirm(domain.id, " ", NOW)
        await uow.commit()
    finally:
        await uow.close()
    assert confirmed is not None and confirmed.status == "confirmed"
    assert rejected is not None and rejected.status == "rejected"
    await chat.pick("check:again")
    text = await chat.say("Gọi 0912345678 hoặc vào login.evil-bank.xyz")
    assert "evil-bank.xyz: công an đã xác nhận là dùng để lừa đảo" in text
    assert "0912 345 678:" not in text  # rejected: no longer a warning
    await chat.pick("check:again")
    text = await chat.say("Gọi 0912345678 nhé")
    assert "Chưa có thông tin gì về nội dung này" in text
    never_safe(text)
    uow = chat.dispatcher.unit_of_work()
    try:
        row = (
            await uow.session.execute(select(Indicator).where(Indicator.id == phone.id))
        ).scalar_one()
        assert (row.decided_by, row.status) == ("officer.ba_dinh", "rejected")
        assert row.decided_at is not None
    finally:
        await uow.close()


async def test_csv_import_refuses_a_file_with_bad_lines_and_names_them(chat: Chat) -> None:
    bad = (
        "kind,value,bank,status\n"
        "phone,0912 345 678,,\n"
        "phone,12345,,\n"
        "account,0123456789,Nowhere Bank,\n"
        "domain,evil.xyz,,maybe\n"
        "email,a@b.c,,\n"
        "url,evil.xyz,,\n"
    )
    result = await imported(chat, bad)
    assert not result.ok and result.added == 0
    assert [e.split(":")[0] for e in result.errors] == [
        "line 3",
        "line 4",
        "line 5",
        "line 6",
        "line 7",
    ]
    assert "'12345' is not a phone number" in result.errors[0]
    assert await stored(chat, "phone", "+84912345678") is None  # nothing partial
    header = await imported(chat, "kind,number\nphone,0912345678\n")
    assert not header.ok and "line 1" in header.errors[0]
    assert not (await imported(chat, "# only a comment\n")).ok


async def test_csv_import_good_lines_and_decisions(chat: Chat) -> None:
    good = (
        "# from the provincial police list\n"
        "phone,+84 912 345 678\n"
        "domain,WWW.Evil.XYZ\n"
        "url,https://bit.ly/abc\n"
        "account,0123 456 789,Vietcombank\n"
        "account,9704 0000 1111,970422,reported\n"
        "\n"
    )
    result = await imported(chat, good)
    assert (result.added, result.changed, result.errors) == (5, 0, [])
    account = await stored(chat, "account", "0123456789")
    assert account is not None and (account.bank, account.status) == ("VCB", "confirmed")
    assert account.source == "import:test"
    reported = await stored(chat, "account", "970400001111")
    assert reported is not None and (reported.bank, reported.status) == ("MB", "reported")
    again = await imported(chat, "phone,0912345678,,rejected\ndomain,evil.xyz,,reported\n")
    assert (again.added, again.changed, again.unchanged) == (0, 1, 1)
    phone = await stored(chat, "phone", "+84912345678")
    domain = await stored(chat, "domain", "evil.xyz")
    assert phone is not None and phone.status == "rejected"
    assert domain is not None and domain.status == "confirmed"  # "reported" never undoes it


def test_the_import_command(
    sqlite_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("BINHYEN_DATABASE_URL", sqlite_url)
    good = tmp_path / "list.csv"
    good.write_text("\ufeffkind,value\nphone,0912 345 678\ndomain,evil.xyz\n", encoding="utf-8")
    assert in_thread(main, ["indicators", "import", str(good)]) == 0
    assert "2 added, 0 changed, 0 unchanged" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("phone,0912 345 679\nphone,nope\n", encoding="utf-8")
    assert in_thread(main, ["indicators", "import", str(bad), "--source", "police"]) == 1
    err = capsys.readouterr().err
    assert "bad.csv: line 2: 'nope' is not a phone number" in err and "nothing imported" in err
    assert in_thread(main, ["indicators", "import", str(good)]) == 0
    assert "0 added, 0 changed, 2 unchanged" in capsys.readouterr().out
    assert in_thread(main, ["indicators", "import", str(good), "--status", "maybe"]) == 2
    assert in_thread(main, ["indicators", "import", str(tmp_path / "missing.csv")]) == 2


async def test_every_step_can_be_shown_again(chat: Chat) -> None:
    await open_check(chat)
    assert "Kiểm tra lừa đảo" in await chat.say("/help")
    await chat.send_event(chat.event(Kind.LOCATION, lat=21.03, lon=105.84))
    assert "Kiểm tra lừa đảo" in chat.text
    await chat.say("Số 0987 111 222 gọi tôi")
    text = await chat.say("/help")
    assert "Bạn muốn làm gì tiếp?" in text
    assert {"check:tip", "check:again"} <= set(chat.choices)
    await chat.pick("nav:menu")
    await chat.say(SCAM)
    assert "Bạn có muốn mình kiểm tra nó không?" in await chat.say("/help")
    assert "check:run" in chat.choices
