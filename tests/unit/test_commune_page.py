"""The resident's way to their commune police (issue 21), through the dispatcher on the
in-memory ports: the menu's "📞 Liên hệ Công an xã/phường", the unit's card with its call
buttons and always 113, 114 and 115, the public contacts paged to fit a phone screen, at most
four buttons a reply (Zalo OA's), a unit that entered nothing, a resident without a commune
(the page follows the commune chosen), nothing of the page kept in the conversation state (a
removed contact is gone at once), and the words typed that reach it (and those that must
not: a call from someone calling themselves police, a danger now). The panel's side is
tests/panel/test_commune_page.py."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import pytest

from bot.channels import zalo_oa
from content import screen
from content.areas import commune, communes_of, provinces
from content.i18n import translate
from content.understand import Where
from handlers import menu, police_contact
from handlers.commune_page import (
    CARD_ROWS,
    MAX_BUTTONS,
    Contact,
    ContactKind,
    PublicPage,
    UnitPage,
    card_text,
    check_fits,
)
from handlers.context import Ctx
from handlers.errors import BadInput
from handlers.model import InboundEvent, Kind, RenderedReply
from handlers.ports import Config, Profile
from handlers.state import ConversationState
from handlers.understood import meaning
from tests.conftest import PIN_SECRET, SEALER, Chat, memory_of
from tests.fakes.memory_uow import MemoryUnits
from tests.unit.test_report_flow import start_tip

BA_DINH = "00004"
UNIT = UnitPage(
    BA_DINH,
    phone="+842438234567",
    address="Số 1 phố Đội Cấn, Phường Ba Đình, Hà Nội",
    hours="Thứ Hai đến Thứ Sáu, 7:30–11:30 và 13:30–17:00",
    note="Ngoài giờ làm việc, khi khẩn cấp hãy gọi 113.",
)
EMERGENCY_VI = "113 Công an · 114 Cứu hỏa, cứu nạn · 115 Cấp cứu"
EMERGENCY_CALLS = [("Gọi 113 (Công an)", "113"), ("Gọi 114 (Cứu hỏa)", "114")]
EMERGENCY_CALLS += [("Gọi 115 (Cấp cứu)", "115")]


def contact(n: int, kind: ContactKind, name: str, area: str, phone: str) -> Contact:
    return Contact(n, BA_DINH, kind, name, area, phone, n)


CONTACTS = (
    contact(1, ContactKind.MEDIATION, "Tổ hòa giải số 1", "Tổ dân phố 1 đến 4", "+84987654321"),
    contact(2, ContactKind.LEADER, "Trần Thị Bình", "Tổ dân phố số 6", "+84911222333"),
    contact(0, ContactKind.LEADER, "Nguyễn Văn An", "Tổ dân phố số 5", "+84912345678"),
)


def seed(chat: Chat, page: UnitPage = UNIT, contacts: tuple[Contact, ...] = CONTACTS) -> None:
    """The commune's page, as the chief filled it in the panel."""
    memory_of(chat.dispatcher).commune_pages[page.commune_code] = PublicPage(page, contacts)


def rows(reply: RenderedReply) -> int:
    """What a reply takes of a phone screen: its text, then a row per button and per call."""
    return len(screen.rows(reply.text)) + len(reply.choices) + len(reply.calls)


def fits(chat: Chat) -> None:
    """Each reply on one phone screen, and every button of it shown on Zalo OA (four)."""
    for reply in chat.last:
        assert rows(reply) <= screen.SCREEN_ROWS, (rows(reply), reply.text)
        assert len(reply.choices) + len(reply.calls) <= MAX_BUTTONS, reply
        drawn = zalo_oa.render(reply)
        buttons = [
            b for m in drawn for b in m.get("attachment", {}).get("payload", {}).get("buttons", [])
        ]
        assert len(buttons) == len(reply.choices) + len(reply.calls) <= zalo_oa.MAX_BUTTONS
        assert not any(t.startswith("1. ") for m in drawn for t in m.get("text", "").split("\n"))


async def open_page(chat: Chat, lang: str = "vi") -> str:
    await chat.say("/start")
    await chat.pick(f"lang:{lang}")
    await chat.say("ha noi")
    await chat.say("phuong ba dinh")
    return await chat.pick(police_contact.ITEM)


# -- the menu ---------------------------------------------------------------------------------


async def test_the_menu_offers_the_commune_police(chat: Chat) -> None:
    await chat.onboard()
    offered = {c.id: c.label for c in chat.last[-1].choices}
    assert offered[police_contact.ITEM] == "📞 Liên hệ Công an xã/phường"
    assert police_contact.ITEM in {c.id for c in menu.ITEMS}
    await chat.pick("menu:settings")
    await chat.pick("settings:language")
    await chat.pick("lang:en")
    await chat.pick("nav:menu")
    offered = {c.id: c.label for c in chat.last[-1].choices}
    assert offered[police_contact.ITEM] == "📞 Contact your commune or ward police"


# -- a page the unit filled in ------------------------------------------------------------------


async def test_the_card_calls_the_unit_and_the_emergency_numbers(chat: Chat) -> None:
    seed(chat)
    await open_page(chat)
    card, contacts = chat.last
    assert card.text.splitlines()[:5] == [
        "📞 Công an Phường Ba Đình",
        "☎️ Điện thoại: 024 3823 4567",
        "📍 Địa chỉ: Số 1 phố Đội Cấn, Phường Ba Đình, Hà Nội",
        "🕐 Giờ làm việc: Thứ Hai đến Thứ Sáu, 7:30–11:30 và 13:30–17:00",
        "ℹ️ Ngoài giờ làm việc, khi khẩn cấp hãy gọi 113.",
    ]
    assert EMERGENCY_VI in card.text
    # A call button where the channel has them, dialled as a phone in Vietnam dials it.
    assert list(card.calls) == [("📞 Gọi Công an xã, phường", "02438234567"), *EMERGENCY_CALLS]
    assert card.choices == ()  # the buttons come with the contacts, under them
    # Leaders first, in the chief's order; then the mediation teams; each under its heading.
    assert contacts.text.splitlines() == [
        "👥 Liên hệ ở cơ sở",
        "Trưởng thôn, tổ trưởng tổ dân phố:",
        "• Nguyễn Văn An — Tổ dân phố số 5",
        "  ☎️ 0912 345 678",
        "• Trần Thị Bình — Tổ dân phố số 6",
        "  ☎️ 0911 222 333",
        "Tổ hòa giải ở cơ sở:",
        "• Tổ hòa giải số 1 — Tổ dân phố 1 đến 4",
        "  ☎️ 0987 654 321",
    ]
    assert chat.choices == ["nav:menu", "nav:emergency"]
    fits(chat)


async def test_the_page_in_english(chat: Chat) -> None:
    seed(chat)
    await open_page(chat, "en")
    card, contacts = chat.last
    assert card.text.startswith("📞 Police of Phường Ba Đình\n☎️ Phone: 024 3823 4567\n")
    assert "113 police · 114 fire and rescue · 115 ambulance" in card.text
    assert card.calls[0] == ("📞 Call the commune or ward police", "02438234567")
    assert "Village and neighbourhood leaders:" in contacts.text
    assert "Grassroots mediation teams:" in contacts.text
    fits(chat)


async def test_the_page_is_read_afresh_each_time(chat: Chat) -> None:
    seed(chat, contacts=())
    await open_page(chat)
    assert len(chat.last) == 1 and "024 3823 4567" in chat.text
    assert chat.choices == ["nav:menu", "nav:emergency"]  # no contacts: the card's own
    # Four buttons at most: the unit's call and 113 beside the ways home; 114 and 115 are in
    # the text, and one tap away under "emergency".
    assert list(chat.last[0].calls) == [
        ("📞 Gọi Công an xã, phường", "02438234567"),
        *EMERGENCY_CALLS[:1],
    ]
    fits(chat)
    seed(chat, UnitPage(BA_DINH, phone="+842439998888"), ())  # the chief changed the number
    await chat.pick("nav:menu")
    await chat.pick(police_contact.ITEM)
    assert "024 3999 8888" in chat.text and "Đội Cấn" not in chat.text


# -- a page with nothing in it ------------------------------------------------------------------


async def test_a_unit_that_entered_nothing_is_said_so_with_the_emergency_numbers(
    chat: Chat,
) -> None:
    await open_page(chat)
    [card] = chat.last
    assert card.text.splitlines() == [
        "📞 Công an Phường Ba Đình",
        "Công an xã, phường của bạn chưa cập nhật số điện thoại, địa chỉ lên Bình Yên.",
        "Bạn vẫn có thể báo tin cho công an ngay tại đây.",
        "",
        f"🆘 Khẩn cấp, hãy gọi ngay: {EMERGENCY_VI}",
    ]
    assert list(card.calls) == EMERGENCY_CALLS[:1]  # what the three choices leave room for
    assert chat.choices == ["menu:tip", "nav:menu", "nav:emergency"]
    fits(chat)
    await chat.pick("menu:tip")  # the way to send a tip, from here
    assert "tip:consent_yes" in chat.choices


async def test_contacts_without_the_units_details(chat: Chat) -> None:
    seed(chat, UnitPage(BA_DINH), CONTACTS[:1])
    await open_page(chat)
    card, contacts = chat.last
    assert "chưa cập nhật số điện thoại" in card.text
    assert "Bạn vẫn có thể báo tin" not in card.text  # there is someone to call
    assert list(card.calls) == EMERGENCY_CALLS
    assert "Tổ hòa giải số 1" in contacts.text


# -- a long list ------------------------------------------------------------------------------


def many(count: int) -> tuple[Contact, ...]:
    kinds = list(ContactKind)
    return tuple(
        contact(
            n,
            kinds[n % 3],
            f"Nguyễn Thị Phương Thảo số {n}",
            f"Tổ dân phố số {n}, khu tập thể Thành Công cũ",
            f"+8491234{n:04d}",
        )
        for n in range(count)
    )


@pytest.mark.parametrize("lang", ["vi", "en"])
async def test_a_long_list_is_paged_to_fit_a_phone_screen(chat: Chat, lang: str) -> None:
    seed(chat, contacts=many(30))
    await open_page(chat, lang)
    fits(chat)
    seen: list[str] = []
    pages = 0
    while True:
        reply = chat.last[-1]
        pages += 1
        assert rows(reply) <= screen.SCREEN_ROWS, reply.text
        seen += [line for line in reply.text.splitlines() if line.startswith("• ")]
        if f"{police_contact.PAGE}{pages}" not in chat.choices:
            break
        await chat.pick(f"{police_contact.PAGE}{pages}")
        assert len(chat.last) == 1  # a page turned: the contacts only
    assert pages > 2
    head = "👥 Liên hệ ở cơ sở (trang" if lang == "vi" else "👥 Local contacts (page"
    assert chat.last[-1].text.startswith(f"{head} {pages}")
    assert len(seen) == 30 and len(set(seen)) == 30  # each contact once, none left out
    await chat.pick(f"{police_contact.PAGE}{pages - 2}")  # and back
    assert f"{police_contact.PAGE}{pages - 1}" in chat.choices


async def test_an_old_page_button_and_words_typed_on_the_page(chat: Chat) -> None:
    seed(chat, contacts=many(30))
    await open_page(chat)
    await chat.pick(f"{police_contact.PAGE}1")
    await chat.pick(f"{police_contact.PAGE}9")  # never offered: said so, the page again
    assert chat.text.startswith("Nút này thuộc một menu cũ.")
    assert "📞 Công an Phường Ba Đình" in chat.text


# -- no commune yet ------------------------------------------------------------------------------


def bare_ctx(commune_code: str = "") -> Ctx:
    event = InboundEvent("test", "acc", "chat", "user", "e1", Kind.CHOICE, choice="menu:police")
    profile = Profile("resident", lang="vi", commune_code=commune_code)
    uow = MemoryUnits(PIN_SECRET, SEALER)()
    return Ctx(event, ConversationState(), uow, profile, Config(), cast(Any, None))


@pytest.mark.parametrize("code", ["", "99999"])
async def test_without_a_commune_the_area_is_offered_after_the_numbers(code: str) -> None:
    ctx = bare_ctx(code)
    told, asked = await police_contact.begin(ctx)
    assert [m.id for m in cast(tuple[Any, ...], told.text)] == [
        "police.no_area",
        "police.emergency",
    ]
    assert [c.phone for c in told.calls] == ["113", "114", "115"]
    # The area's steps, asked inside this flow: the page follows the commune chosen.
    assert (ctx.state.flow, ctx.state.step) == ("police", "province")
    assert {c.id for c in asked.choices} >= {f"province:{p.code}" for p in provinces()}


# -- the card always fits ---------------------------------------------------------------------


def test_the_longest_card_the_panel_accepts_fits_with_its_calls() -> None:
    longest = max((c for p in provinces() for c in communes_of(p.code)), key=lambda c: len(c.name))
    words = "Tổ dân phố số mười hai, đường Nguyễn Văn Cừ nối dài, khu phố Bình Minh"
    page = UnitPage(
        longest.code,
        phone="+842438234567",
        address=words[:60],
        hours="Thứ Hai đến Thứ Sáu, 7:30–17:00",
        note="Gọi trước khi đến.",
    )
    check_fits(page, longest.name)  # accepted
    for lang in ("vi", "en"):
        text = card_text(page, longest.name, lang)
        assert len(screen.rows(text)) + 4 + 2 <= screen.SCREEN_ROWS, text
    with pytest.raises(BadInput) as refused:
        check_fits(UnitPage(longest.code, address=words * 2, note=words * 2), longest.name)
    assert refused.value.code == "commune_page_screen"
    assert refused.value.params["max"] == CARD_ROWS


def test_the_item_is_the_menus() -> None:
    assert commune(BA_DINH) is not None
    assert police_contact.ITEM == "menu:police" and police_contact.FLOW == "police"


# -- words typed at the menu ----------------------------------------------------------------------


REACH = (
    "liên hệ công an",
    "Liên hệ Công an xã/phường",
    "số điện thoại công an xã",
    "lien he cong an",
    "so dien thoai cong an phuong",
    "sdt cong an xa",
    "cho xin số điện thoại công an phường với",
    "địa chỉ công an phường",
    "công an xã ở đâu",
    "giờ làm việc của công an xã",
    "số điện thoại trưởng thôn",
    "contact the police",
    # found by a review as residents ask
    "số điện thoại của trưởng thôn",
    "thời gian làm việc của công an phường",
    "công an phường mấy giờ làm việc",
    "số trưởng thôn",
    "so to truong dan pho",
    "số cảnh sát khu vực",
    "hotline công an",
    "đường dây nóng công an phường",
    "tổ hòa giải ở đâu",
    "contact police",
    "where is the police station",
)


@pytest.mark.parametrize("text", REACH)
def test_words_that_ask_for_the_commune_police(text: str) -> None:
    assert meaning(text, Where.MENU).intent == "contact", text


# What must never open the page: a call from someone calling themselves police (a scam to
# report), a number to check, a danger now, a tip to send.
ELSEWHERE = {
    "có người gọi điện xưng công an bắt tôi chuyển tiền": "report",
    "số điện thoại công an gọi cho tôi bảo chuyển tiền": "report",
    "có kẻ giả danh công an gọi điện thoại": "report",
    "số điện thoại công an 0912 345 678 gọi bảo tôi chuyển tiền": "check",
    "sđt 0707.456.789 có phải của công an phường thật ko": "check",
    "liên hệ công an gấp nhà tôi đang cháy": "emergency",
    "tôi muốn liên hệ công an để báo mất trộm xe": "report",
    "tôi muốn báo công an": "report",
    "hotline công an gọi bảo tôi chuyển tiền": "report",
    "số trưởng thôn 0912345678 có phải thật không": "check",
    "tổ hòa giải làm gì": "learn",
}


@pytest.mark.parametrize("text", ELSEWHERE)
def test_words_that_must_not_open_the_page(text: str) -> None:
    reading = meaning(text, Where.MENU)
    assert reading.intent == ELSEWHERE[text], (text, reading)
    assert "contact" not in reading.maybe


@pytest.mark.parametrize(
    "text",
    ["nó dùng số điện thoại công an xã để lừa", "sdt cong an xa goi doa bat toi"],
    ids=["used to scam", "threatened"],
)
async def test_at_a_tips_first_step_the_police_number_in_a_story_stays_the_tip(
    chat: Chat, text: str
) -> None:
    """Once a resident chose to send a tip, the police's number in their words is the scam
    they report, never the way to the page (a review found such tips dropped)."""
    seed(chat)
    await start_tip(chat)
    said = await chat.say(text)
    assert "Lừa đảo qua điện thoại" in said and "📞 Công an Phường Ba Đình" not in said


async def test_typed_at_the_menu_the_page_opens(chat: Chat) -> None:
    seed(chat)
    await chat.onboard()
    await chat.say("số điện thoại công an xã")
    assert chat.text.startswith("📞 Công an Phường Ba Đình\n☎️ Điện thoại: 024 3823 4567")
    await chat.say("lien he cong an")  # typed on the page itself: the page again
    assert chat.text.startswith("📞 Công an Phường Ba Đình")
    await chat.say("có người gọi điện xưng công an bắt tôi chuyển tiền")
    assert "📞 Công an Phường Ba Đình" not in chat.text


# -- review: nothing of the page kept, the page after the commune, what fits --------------------


async def state_of(chat: Chat) -> ConversationState:
    conversations = chat.dispatcher.conversations
    state = await conversations.states.load(chat.event().chat_key)  # type: ignore[attr-defined]
    assert state is not None
    return cast(ConversationState, state)


async def test_a_removed_contact_is_gone_at_once(chat: Chat) -> None:
    seed(chat, contacts=many(30))
    await open_page(chat)
    assert "0912 340 000" in chat.text
    assert (await state_of(chat)).data == {"page": 0}  # the page's index, and nothing of it
    seed(chat, contacts=())  # everyone withdrew their agreement: the chief removed them all
    await chat.say("xyz")  # not understood: the page again, read afresh
    assert "Người số" not in chat.text and "0912 340 000" not in chat.text
    assert "Phường Ba Đình" in chat.text
    seed(chat, contacts=many(30))
    await chat.pick("nav:menu")
    await chat.pick(police_contact.ITEM)
    seed(chat, contacts=many(3))  # two removed while the first page was shown
    await chat.pick(f"{police_contact.PAGE}1")  # a page that is no more: the last there is
    assert "0912 340 002" in chat.text and "0912 340 010" not in chat.text
    fits(chat)


async def test_shown_again_without_a_query_the_page_offers_to_open_it(chat: Chat) -> None:
    seed(chat)
    await open_page(chat)
    await chat.pick("nav:emergency")
    await chat.pick("nav:back")  # a step shown again where nothing may be read
    assert chat.text.startswith("📞 Công an Phường Ba Đình")
    assert EMERGENCY_VI in chat.text and "0912 345 678" not in chat.text
    assert chat.choices == [police_contact.ITEM, "nav:menu", "nav:emergency"]
    fits(chat)
    await chat.pick(police_contact.ITEM)  # read afresh
    assert "0912 345 678" in chat.text


async def test_an_old_page_button_after_leaving_shows_nothing_of_the_page(chat: Chat) -> None:
    seed(chat, contacts=many(30))
    await open_page(chat)
    await chat.pick("nav:menu")
    await chat.pick(f"{police_contact.PAGE}2")
    assert "Nguyễn Thị Phương Thảo" not in chat.text


async def with_a_retired_commune(chat: Chat) -> None:
    """At the menu with a commune the list no longer has (a code retired by an arrangement):
    the page asks for the commune."""
    await chat.onboard()
    conversations = chat.dispatcher.conversations
    state = await state_of(chat)
    state.profile["commune_code"] = "99999"
    await conversations.states.save(chat.event().chat_key, state)  # type: ignore[attr-defined]
    await chat.pick(police_contact.ITEM)
    assert "Bạn chưa chọn xã, phường" in chat.text
    assert [phone for _label, phone in chat.last[0].calls] == ["113", "114", "115"]


async def test_after_choosing_the_commune_the_page_asked_for(chat: Chat) -> None:
    seed(chat)
    await with_a_retired_commune(chat)
    await chat.say("ha noi")
    await chat.pick("area:province")  # the province asked again: still on the way
    await chat.say("ha noi")
    await chat.say("phuong ba dinh")
    assert "Đã lưu khu vực của bạn: Phường Ba Đình" in chat.text
    assert "📞 Công an Phường Ba Đình\n☎️ Điện thoại: 024 3823 4567" in chat.text
    assert "Nguyễn Văn An" in chat.text and "menu:tip" not in chat.choices
    fits(chat)


async def test_after_choosing_a_commune_with_neighbourhoods_the_page_too(chat: Chat) -> None:
    seed(chat)
    await with_a_retired_commune(chat)
    memory_of(chat.dispatcher).add_neighbourhood(BA_DINH, "Tổ 1")
    await chat.say("ha noi")
    await chat.say("phuong ba dinh")
    assert "Nguyễn Văn An" in chat.text and "hood:skip" not in chat.choices
    await chat.pick("nav:menu")
    await chat.pick("menu:settings")
    assert "settings:hood" in chat.choices  # the neighbourhood, said there when wished


async def test_a_changed_commune_shows_its_own_page(chat: Chat) -> None:
    seed(chat, contacts=many(30))
    bach_mai = contact(1, ContactKind.LEADER, "Bạch Mai Một", "", "+84911111111")
    seed(chat, UnitPage("00277"), (replace(bach_mai, commune_code="00277"),))
    await open_page(chat)
    await chat.pick("nav:menu")
    await chat.pick("menu:settings")
    await chat.pick("settings:area")
    await chat.say("ha noi")
    await chat.say("phuong bach mai")
    if "hood:skip" in chat.choices:
        await chat.pick("hood:skip")
    await chat.pick(f"{police_contact.PAGE}1")  # the old commune's button
    assert "Nguyễn Thị Phương Thảo" not in chat.text
    await chat.pick(police_contact.ITEM)
    assert "Bạch Mai Một" in chat.text and "Nguyễn Thị Phương Thảo" not in chat.text


async def test_the_widest_contacts_fit(chat: Chat) -> None:
    name = "Nguyễn Thị Phương Thảo Hoàng Lê Minh Khôi Trần Ngọc Bảo Anh Đặng Thị Thu Hương"
    area = "Tổ dân phố số 12 khu tập thể Thành Công cũ và khu phố Bình Minh mới xây"
    wide, unbroken = "😀" * 40, "A" * 80
    seed(
        chat,
        contacts=(
            contact(1, ContactKind.OTHER, name[:80], area[:80], "+84912345678"),
            contact(2, ContactKind.OTHER, wide, wide, "+84912345679"),
            contact(3, ContactKind.MEDIATION, unbroken, unbroken, "+84912345670"),
        ),
    )
    await open_page(chat)
    fits(chat)
    while (turn := f"{police_contact.PAGE}1") in chat.choices and "trang 1/" in chat.text:
        await chat.pick(turn)
        fits(chat)


async def test_a_police_line_is_shown_and_dialled(chat: Chat) -> None:
    seed(chat, UnitPage(BA_DINH, phone="+84692342593"), ())
    await open_page(chat)
    assert "☎️ Điện thoại: 069 234 2593" in chat.text
    assert chat.last[0].calls[0] == ("📞 Gọi Công an xã, phường", "0692342593")


# A call or a message from someone calling themselves police: a tip to send (or a number to
# check), never the page; a danger now beside a way to the police: the emergency numbers.
NOT_THE_PAGE = {
    "sđt công an phường gọi tôi bảo chuyển tiền": {"report", "scammed"},
    "số điện thoại công an xã gọi tôi yêu cầu cài ứng dụng": {"report", "scammed"},
    "so dien thoai cong an xa goi toi yeu cau cai ung dung": {"report", "scammed"},
    "so dien thoai cong an xa goi yeu cau cai ung dung": {"report", "scammed"},
    "số công an phường gọi tôi nói tôi liên quan vụ án": {"report", "scammed", "check"},
    "so cong an phuong goi toi": {"report", "scammed", "check", None},
    "địa chỉ công an phường gửi giấy triệu tập qua zalo cho tôi": {"report", "scammed", None},
    "lien he cong an phuong goi bao toi dinh liu vu an": {"report", "scammed", None},
    "liên hệ công an phường vì có người gọi bảo tôi chuyển tiền": {"report", "scammed", None},
    "so dien thoai cong an goi bao chuyen tien": {"report", "scammed", "check"},
    "số điện thoại công an nhắn tin bảo tôi đóng phạt nguội": {"report", "scammed"},
    "the police phone number called me asking for money": {"report", "scammed"},
    "sdt cong an phuong nhan tin yeu cau xac minh": {"check", "report"},
    "số điện thoại công an thật để xác minh cuộc gọi": {"check", "report", None},
    "police phone number someone is attacking me": {"emergency"},
    "contact the police someone broke into my house": {"emergency"},
    "contact the police urgently": {"emergency"},
    "liên hệ công an có người bị đánh": {"emergency"},
    "lien he cong an co nguoi bi danh": {"emergency"},
    "liên hệ công an gấp": {"emergency"},
    "lien he cong an gap": {None},  # "gấp" or "gặp": not sure, so not the page either
    "so dien thoai cong an nha toi bi chay": {"emergency"},
    "so dien thoai cong an chay nha": {"emergency"},
    "liên hệ công an hàng xóm đánh vợ": {"emergency", "report"},
    "tôi muốn liên hệ công an để tố cáo": {"report"},
    "tôi bị lừa, liên hệ công an thế nào": {"scammed"},
    "contact the police to report a scam": {"report"},
}


@pytest.mark.parametrize("text", NOT_THE_PAGE)
def test_a_call_received_or_a_danger_never_opens_the_page(text: str) -> None:
    reading = meaning(text, Where.MENU)
    assert reading.intent in NOT_THE_PAGE[text], (text, reading)
    assert reading.maybe[:1] != ("contact",), (text, reading)


# Still the page, though "số điện thoại" alone names a category of tips, or a word is one of
# urgency only when said so.
STILL_THE_PAGE = (
    "số điện thoại công an phường bao nhiêu",
    "so dien thoai cong an phuong bao nhieu",
    "số điện thoại công an xã mới",
    "cách liên hệ công an xã",
    "how do I contact the police",
    "liên hệ công an không gấp",
    "liên hệ công an để gặp",
    "liên hệ công an xã thế nào khi bị đánh",
    "liên hệ công an hôm qua có người bị đánh",
)


@pytest.mark.parametrize("text", STILL_THE_PAGE)
def test_words_that_still_ask_for_the_page(text: str) -> None:
    assert meaning(text, Where.MENU).intent == "contact", text


async def test_typed_scam_and_danger_go_their_way(chat: Chat) -> None:
    seed(chat, contacts=())
    await chat.onboard()
    await chat.say("số công an phường gọi tôi nói tôi liên quan vụ án")
    assert "📞 Công an Phường Ba Đình" not in chat.text
    await chat.pick("nav:menu")
    await chat.say("police phone number someone is attacking me")
    assert "113" in chat.text and "📞 Công an Phường Ba Đình" not in chat.text
    assert ("Gọi 114 (Cứu hỏa)", "114") in chat.last[-1].calls


def test_the_web_chat_shows_one_phone_sign_on_each_call() -> None:
    """The web chat puts "📞 " before a call's label unless the label has one: the unit's
    ("📞 Gọi Công an xã, phường") keeps its own, 113's gets one."""
    page = (Path(__file__).parents[2] / "bot/channels/static/chat.html").read_text("utf-8")
    assert 'label.indexOf("📞") === 0 ? label : "📞 " + label' in page
    for lang in ("vi", "en"):
        assert translate("police.call_unit", lang).startswith("📞 ")
        assert not translate("emergency.call_113", lang).startswith("📞")
