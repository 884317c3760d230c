"""Recognising contributors (issue 20), without a database: the chief's thank-you on the
in-memory case store (who may, which tips, once), the message the reporter reads (told the
police do not know them only when they stayed anonymous), the name they may give for the 19/8
honour list (no phone number in look-alike digits), the list's calendar, and the whole
conversation through the bot's core (opt in with a name, cancel, withdraw with a
confirmation, a stray "1", an old button, someone else's tip, the copy of one's data)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot import render
from content import areas
from handlers import casework as cases
from handlers.audit import AuditAction
from handlers.casework.ports import CaseTip
from handlers.errors import Conflict, Forbidden, NotFound
from handlers.honour import KEEP, MAX_NAME, WITHDRAW, checked_name
from handlers.honour_year import is_open, list_year, newest_open, window
from handlers.model import Msg
from handlers.notices import Notice, honour_choice, honour_out_choice, message
from handlers.people import AdminRole
from handlers.tipmodel import Visibility
from handlers.tips.words import Resolution, TipStatus
from storage.honour import FIELD
from tests.conftest import SEALER, Chat, memory_of
from tests.e2e.channels import vi
from tests.fakes.memory_casework import MemoryCasework, new_tip
from tests.unit.test_report_flow import receipt_of, through_description, to_review

BA_DINH, OTHER = "00004", "00277"  # Phường Ba Đình, another commune of Hà Nội
NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
# The chat's clock (tests/conftest.py Clock) is 23/11/2026: a name given then is in the list
# of 19/8/2027, which the unit reads from 1/8/2027.
LIST = {"year": 2027, "opens": "01/08/2027"}


# -- the use case ---------------------------------------------------------------------------


class World:
    def __init__(self) -> None:
        self.data = MemoryCasework()
        self.chief = self.data.add_user("chief", AdminRole.CHIEF, BA_DINH, "01")
        self.officer = self.data.add_user("officer", AdminRole.OFFICER, BA_DINH, "01")
        self.admin = self.data.add_user("admin_01", AdminRole.PROVINCE_ADMIN, "", "01")
        self.other_chief = self.data.add_user("chief_b", AdminRole.CHIEF, OTHER, "01")

    def tip(self, *, reporter: bool = True, **changes: Any) -> CaseTip:
        closed = {"status": TipStatus.CLOSED, "resolution": Resolution.SANCTIONED.value}
        tip = new_tip(BA_DINH, "01", has_reporter=reporter, **{**closed, **changes})
        return self.data.add_tip(tip, "resident-1" if reporter else None)

    async def thank(self, actor: Any, tip: CaseTip) -> None:
        store = self.data.store()
        await cases.thank(store, actor, tip.id, ip="10.0.0.1", now=NOW)
        store.commit()


@pytest.fixture
def world() -> World:
    return World()


async def test_the_chief_thanks_a_useful_tip_once(world: World) -> None:
    tip = world.tip()
    await world.thank(world.chief, tip)
    assert world.data.tips[tip.id].thanked_at == NOW
    [event] = [e for e in world.data.events if e.tip_id == tip.id]
    assert (event.kind, event.visibility, event.actor) == ("thanked", Visibility.REPORTER, "chief")
    [audit] = world.data.audits
    assert (audit.action, audit.subject, audit.ip) == (AuditAction.TIP_THANK, tip.code, "10.0.0.1")
    [notice] = world.data.notices
    assert (notice.kind, notice.code, notice.params) == (
        Notice.THANKED,
        tip.code,
        {"commune": BA_DINH, "anonymous": "1"},
    )
    with pytest.raises(Conflict) as twice:
        await world.thank(world.chief, tip)
    assert twice.value.code == "thank_twice"
    assert len(world.data.notices) == 1 and len(world.data.events) == 1


async def test_the_notice_says_whether_the_reporter_stayed_anonymous(world: World) -> None:
    named = world.tip(contact_sealed="sealed-name-and-phone")
    purged = world.tip(contact_removed=True)  # named, their contact removed by retention
    for tip in (named, purged):
        await world.thank(world.chief, tip)
    assert [n.params["anonymous"] for n in world.data.notices] == ["0", "0"]


@pytest.mark.parametrize("outcome", ["prosecuted", "sanctioned", "protected", "fixed", "agreed"])
async def test_every_useful_outcome_may_be_thanked(world: World, outcome: str) -> None:
    tip = world.tip(resolution=outcome)
    await world.thank(world.chief, tip)
    assert world.data.tips[tip.id].thanked_at == NOW


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"status": TipStatus.ACKNOWLEDGED, "resolution": ""}, "thank_not_closed"),
        ({"status": TipStatus.SUSPENDED, "resolution": "suspended"}, "thank_not_closed"),
        ({"resolution": "no_violation"}, "thank_not_useful"),
        ({"resolution": "duplicate"}, "thank_not_useful"),
        ({"resolution": "transferred"}, "thank_not_useful"),
    ],
)
async def test_a_tip_not_closed_or_not_useful_is_refused(
    world: World, changes: dict[str, Any], code: str
) -> None:
    tip = world.tip(**changes)
    with pytest.raises(Conflict) as refused:
        await world.thank(world.chief, tip)
    assert refused.value.code == code
    assert world.data.tips[tip.id].thanked_at is None
    assert (world.data.events, world.data.audits, world.data.notices) == ([], [], [])


async def test_a_confirmed_scam_indicator_makes_a_tip_useful(world: World) -> None:
    tip = world.tip(resolution="no_violation")
    world.data.confirmed.add(tip.id)
    await world.thank(world.chief, tip)
    assert [n.kind for n in world.data.notices] == [Notice.THANKED]


async def test_only_the_communes_chief_thanks(world: World) -> None:
    tip = world.tip()
    for actor in (world.officer, world.admin):
        with pytest.raises(Forbidden):
            await world.thank(actor, tip)
    with pytest.raises(NotFound):  # another commune's chief does not even find it
        await world.thank(world.other_chief, tip)
    assert world.data.tips[tip.id].thanked_at is None and world.data.notices == []


async def test_a_reporter_whose_account_is_gone_cannot_be_thanked(world: World) -> None:
    tip = world.tip(reporter=False)
    with pytest.raises(Conflict) as refused:
        await world.thank(world.chief, tip)
    assert refused.value.code == "no_reporter"


async def test_the_page_offers_it_by_the_same_rule(world: World) -> None:
    useful, useless = world.tip(), world.tip(resolution="no_violation")
    store = world.data.store()
    assert await cases.thanks.may_thank(
        store, world.chief, await store.load(world.chief, useful.id)
    )
    for actor, tip in ((world.officer, useful), (world.admin, useful), (world.chief, useless)):
        assert not await cases.thanks.may_thank(store, actor, await store.load(actor, tip.id))


# -- the message ----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_thank_you_names_the_unit_and_invites_without_pressing(lang: str) -> None:
    code = "BY-7K3F-Q9"
    shown = render.reply(message(Notice.THANKED.value, code, {"commune": BA_DINH}), lang)
    assert code in shown.text
    assert ("Công an Phường Ba Đình" if lang == "vi" else "the police of Phường Ba Đình") in (
        shown.text
    )
    assert "19/8" in shown.text or "19 August" in shown.text
    assert [c.id for c in shown.choices] == [honour_choice(code)]
    old = render.reply(message(Notice.THANKED.value, code, {}), lang)  # an unknown commune
    assert code in old.text and "{" not in old.text


ANONYMOUS_SAYS = {
    "vi": "Bình Yên không cho công an biết bạn là ai",
    "en": "Bình Yên does not tell the police who you are",
}
# The longest commune name of the pack, to measure the longest message.
LONGEST = max(
    (c for p in areas.provinces() for c in areas.communes_of(p.code)), key=lambda c: len(c.name)
)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_only_an_anonymous_reporter_is_told_the_police_do_not_know_them(lang: str) -> None:
    code = "BY-7K3F-Q9"
    for anonymous, said in (("1", True), ("0", False), (None, False)):
        params = {"commune": LONGEST.code}
        if anonymous is not None:  # an outbox row from before the flag: nothing claimed
            params["anonymous"] = anonymous
        shown = render.reply(message(Notice.THANKED.value, code, params), lang)
        assert (ANONYMOUS_SAYS[lang] in shown.text) is said, (anonymous, shown.text)
        assert len(shown.text) < 400, len(shown.text)  # as tests/unit/test_notices.py


# -- the name -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Nguyễn Văn A", "Nguyễn Văn A"),
        ("  Một   người dân tổ 5 ", "Một người dân tổ 5"),
        ("Nguye\u0302\u0303n Thi\u0323 B.", "Nguyễn Thị B."),  # decomposed marks: NFC
        ("Bác Ba (khu phố 2)", "Bác Ba (khu phố 2)"),
        ("Ｎｇｕｙễｎ Ｖăｎ Ａ", "Nguyễn Văn A"),  # fullwidth letters, kept as NFKC
        ("Chú Tư tổ ①②", "Chú Tư tổ 12"),  # two digits are an address's, not a phone
    ],
)
def test_a_name_is_kept_as_typed_in_nfc(typed: str, kept: str) -> None:
    assert checked_name(typed) == kept


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("A", "honour.name_short"),
        ("x" * (MAX_NAME + 1), "honour.name_long"),
        ("Anh Nam 0912 345 678", "honour.name_contact"),
        ("Anh Nam 0912345678", "honour.name_contact"),
        ("xem tai bit.ly/abc", "honour.name_contact"),
        ("https://example.com", "honour.name_contact"),
        ("nam@example.vn", "honour.name_contact"),
        ("Anh Nam 🙂", "honour.name_chars"),
        ("=HYPERLINK(1)", "honour.name_chars"),
        ("12345", "honour.name_contact"),
        ("...", "honour.name_chars"),
        # A phone number in look-alike digits: NFKC makes them digits, all are counted.
        ("Nguyễn ⓪⑨①②③④⑤⑥⑦⑧", "honour.name_contact"),
        ("Nam ⁰⁹¹²³⁴⁵⁶⁷⁸", "honour.name_contact"),
        ("Nam ０９１２３４５６７８", "honour.name_contact"),
        ("Nam 〇九一二三四五六七八", "honour.name_contact"),  # numbers that are letters
        ("Nam ٠٩١٢٣٤٥٦٧٨", "honour.name_contact"),
        ("ｈｔｔｐｓ：／／ｅｘａｍｐｌｅ．ｖｎ", "honour.name_contact"),
        # Only letters, marks, ASCII digits, spaces and . , ' ( ) -.
        ("Nam ٣", "honour.name_chars"),
        ("Nam ½", "honour.name_chars"),
        ("Nam ★", "honour.name_chars"),
        ("Nam_Tư", "honour.name_chars"),
        ("Nam: tổ 5", "honour.name_chars"),
    ],
)
def test_a_bad_name_says_why(typed: str, why: str) -> None:
    said = checked_name(typed)
    assert isinstance(said, Msg) and said.id == why


# -- through the bot's core -----------------------------------------------------------------


async def reported(chat: Chat) -> str:
    await to_review(chat)
    code, _pin = receipt_of(await chat.pick("tip:confirm"))
    return code


def thanked(chat: Chat, code: str) -> str:
    """What the chief's thank-you leaves behind for the resident's side: a closed, thanked
    tip with its timeline entry."""
    stored = memory_of(chat.dispatcher)
    tip = stored.tip(code)
    stored.change_tip(tip.id, status="closed", resolution="sanctioned", thanked_at=NOW)
    stored.add_event(tip.id, NOW, "thanked", "reporter", actor="chief")
    return tip.id


def named(chat: Chat, tip_id: str) -> str | None:
    entry = memory_of(chat.dispatcher).honour.rows.get(tip_id)
    return None if entry is None else SEALER.open(entry.name_sealed)[FIELD]


async def test_the_reporter_gives_a_name_confirms_and_withdraws(chat: Chat) -> None:
    code = await reported(chat)
    tip_id = thanked(chat, code)
    text = await chat.pick(honour_choice(code))  # a pushed button, never offered by the chat
    assert vi("honour.ask_name", code=code, min=2, max=MAX_NAME, **LIST) in text
    # Told plainly that a real name may give an anonymous tip away, and that a nickname does.
    assert "nếu bạn báo tin này ẩn danh, tên thật có thể giúp Công an xã, phường đoán ra" in text
    assert "không ghi tin báo nào" not in text
    text = await chat.say("Anh Nam 0912 345 678")
    assert vi("honour.name_contact") in text and named(chat, tip_id) is None
    text = await chat.say("Một người dân tổ 5")
    assert vi("honour.confirm", name="Một người dân tổ 5", code=code) in text
    assert named(chat, tip_id) is None  # nothing kept before the confirmation
    text = await chat.pick("honour-name:confirm")
    assert vi("honour.saved", name="Một người dân tổ 5", code=code, **LIST) in text
    assert named(chat, tip_id) == "Một người dân tổ 5"
    assert "menu:tip" in chat.choices  # back where the chat was: the menu
    stored = memory_of(chat.dispatcher).honour.rows[tip_id]
    assert "Một người" not in stored.name_sealed  # sealed at rest
    text = await chat.pick(honour_out_choice(code))  # asks first
    assert vi("honour.withdraw_ask", code=code) in text
    assert chat.choices[:2] == [KEEP, WITHDRAW] and named(chat, tip_id) is not None
    text = await chat.pick(WITHDRAW)
    assert vi("honour.withdrawn", code=code) in text and named(chat, tip_id) is None
    assert "menu:tip" in chat.choices
    text = await chat.pick(honour_out_choice(code))  # the same old button again
    assert vi("honour.not_named", code=code) in text


async def test_a_stray_one_after_saving_does_not_withdraw(chat: Chat) -> None:
    """The saved-name reply used to carry "Rút tên", merged first into the menu's numbered
    choices: the menu's "1" withdrew the name without a word."""
    code = await reported(chat)
    tip_id = thanked(chat, code)
    await chat.pick(honour_choice(code))
    await chat.say("Nguyễn Văn A")
    text = await chat.pick("honour-name:confirm")
    assert "Tin báo của tôi" in text  # where to withdraw it, in words
    offered = [c.id for r in chat.last for c in r.choices]
    assert not [c for c in offered if c.startswith("honour")], offered
    await chat.say("1")
    assert named(chat, tip_id) == "Nguyễn Văn A"


async def test_a_stray_one_in_a_report_step_does_not_withdraw(chat: Chat) -> None:
    code = await reported(chat)
    tip_id = thanked(chat, code)
    await through_description(chat)  # a second tip, at the "when" step
    await chat.pick(honour_choice(code))
    await chat.say("Nguyễn Văn A")
    await chat.pick("honour-name:confirm")
    assert chat.choices[0] != honour_out_choice(code)
    await chat.say("1")
    assert named(chat, tip_id) == "Nguyễn Văn A"


async def test_withdrawing_is_kept_by_keep_cancel_or_a_typed_number(chat: Chat) -> None:
    code = await reported(chat)
    tip_id = thanked(chat, code)
    await chat.pick(honour_choice(code))
    await chat.say("Nguyễn Văn A")
    await chat.pick("honour-name:confirm")
    await chat.pick(honour_out_choice(code))
    text = await chat.pick(KEEP)
    assert vi("honour.kept") in text and "menu:tip" in chat.choices
    await chat.pick(honour_out_choice(code))
    text = await chat.say("Huỷ")
    assert vi("honour.kept") in text
    await chat.pick(honour_out_choice(code))
    await chat.say("2")  # a number is not read as a choice here: only a tap or the label
    assert vi("honour.withdraw_ask", code=code) in chat.text
    assert named(chat, tip_id) == "Nguyễn Văn A"
    await chat.say("Rút tên")  # the button's whole label typed
    assert named(chat, tip_id) is None


async def test_cancel_by_button_or_word_keeps_nothing(chat: Chat) -> None:
    code = await reported(chat)
    tip_id = thanked(chat, code)
    await chat.pick(honour_choice(code))
    text = await chat.pick("honour-name:cancel")
    assert vi("honour.cancelled") in text and "menu:tip" in chat.choices
    await chat.pick(honour_choice(code))
    await chat.say("Nguyễn Văn A")
    text = await chat.say("Huỷ")  # at the confirmation
    assert vi("honour.cancelled") in text
    assert named(chat, tip_id) is None


async def test_the_name_can_be_changed_before_confirming(chat: Chat) -> None:
    code = await reported(chat)
    tip_id = thanked(chat, code)
    await chat.pick(honour_choice(code))
    await chat.say("Nguyễn Văn A")
    text = await chat.pick("honour-name:change")
    assert vi("honour.ask_name", code=code, min=2, max=MAX_NAME, **LIST) in text
    await chat.say("Chú Tư")
    await chat.pick("honour-name:confirm")
    assert named(chat, tip_id) == "Chú Tư"


async def test_a_tip_in_progress_is_put_aside_and_comes_back(chat: Chat) -> None:
    code = await reported(chat)
    thanked(chat, code)
    await through_description(chat)  # a second tip, at the "when" step
    await chat.pick(honour_choice(code))
    await chat.say("Nguyễn Văn A")
    text = await chat.pick("honour-name:confirm")
    assert vi("honour.saved", name="Nguyễn Văn A", code=code, **LIST) in text
    assert "when:today" in chat.choices, text


async def test_my_tips_shows_the_thanks_and_offers_to_be_named_or_withdraw(chat: Chat) -> None:
    code = await reported(chat)
    tip_id = thanked(chat, code)
    await chat.pick("menu:mytips")
    mine = next(c for c in chat.choices if c.startswith("mytip:"))
    text = await chat.pick(mine)
    assert vi("tip.event_thanked") in text
    assert honour_choice(code) in chat.choices
    await chat.pick(honour_choice(code))
    await chat.say("Nguyễn Văn A")
    await chat.pick("honour-name:confirm")
    await chat.pick("menu:mytips")
    text = await chat.pick(mine)
    assert vi("honour.named_line") in text and honour_out_choice(code) in chat.choices
    await chat.pick(honour_out_choice(code))
    assert named(chat, tip_id) is not None  # one more tap
    text = await chat.pick(WITHDRAW)
    assert vi("honour.withdrawn", code=code) in text and named(chat, tip_id) is None


async def test_my_data_shows_and_copies_the_names_given(chat: Chat) -> None:
    """The right of access covers the honour list: the name and the year of its list."""
    code = await reported(chat)
    thanked(chat, code)
    await chat.pick(honour_choice(code))
    await chat.say("Một người dân tổ 5")
    await chat.pick("honour-name:confirm")
    await chat.pick("nav:menu")
    await chat.pick("menu:settings")
    text = await chat.pick("settings:mydata")
    line = vi("mydata.honour_line", name="Một người dân tổ 5", year=2027, code=code, date="")
    assert line.removesuffix("") in text and "ghi ngày 23/11/2026" in text, text
    text = await chat.pick("mydata:copy")
    assert "Một người dân tổ 5" in text and "danh sách năm 2027" in text
    web = Chat(chat.dispatcher, channel="web")  # the copy as a file
    code_web = await reported(web)
    thanked(web, code_web)
    await web.pick(honour_choice(code_web))
    await web.say("Chú Tư")
    await web.pick("honour-name:confirm")
    await web.pick("nav:menu")
    await web.pick("menu:settings")
    await web.pick("settings:mydata")
    await web.pick("mydata:copy")
    [media] = [m for r in web.last for m in r.media]
    assert media.data is not None
    [entry] = json.loads(media.data)["honour_list"]
    assert (entry["name"], entry["list_year"], entry["tip"]) == ("Chú Tư", 2027, code_web)


async def test_nothing_about_the_list_in_my_data_without_a_name(chat: Chat) -> None:
    code = await reported(chat)
    thanked(chat, code)
    await chat.pick("nav:menu")
    await chat.pick("menu:settings")
    text = await chat.pick("settings:mydata")
    assert "vinh danh" not in text


# -- the calendar ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "year"),
    [
        (date(2026, 7, 31), 2026),
        (date(2026, 8, 1), 2027),  # from 1/8: next year's list
        (date(2026, 8, 19), 2027),
        (date(2026, 12, 31), 2027),
        (date(2027, 1, 1), 2027),
    ],
)
def test_a_name_goes_to_the_list_of_the_next_first_of_august(given: date, year: int) -> None:
    assert list_year(given) == year


def test_a_list_opens_on_the_first_of_august_in_vietnam() -> None:
    start, end = window(2027)
    assert (start.isoformat(), end.isoformat()) == (
        "2026-08-01T00:00:00+07:00",
        "2027-08-01T00:00:00+07:00",
    )
    assert not is_open(2027, datetime(2027, 7, 31, 16, 59, tzinfo=UTC))  # 23:59 on 31/7
    assert is_open(2027, datetime(2027, 7, 31, 17, 0, tzinfo=UTC))  # 00:00 on 1/8
    assert newest_open(datetime(2027, 7, 31, 16, 59, tzinfo=UTC)) == 2026
    assert newest_open(datetime(2027, 7, 31, 17, 0, tzinfo=UTC)) == 2027


async def test_someone_elses_tip_or_an_unknown_code_learns_nothing(chat: Chat) -> None:
    await to_review(chat)
    code, pin = receipt_of(await chat.pick("tip:confirm"))
    tip_id = thanked(chat, code)
    await chat.pick(honour_choice(code))
    await chat.say("Nguyễn Văn A")
    await chat.pick("honour-name:confirm")
    other = Chat(chat.dispatcher, channel="other")
    await other.onboard()
    for button in (honour_choice(code), honour_out_choice(code), honour_choice("BY-0000-00")):
        text = await other.pick(button)
        assert text.startswith(vi("input.stale_choice")), text
    assert named(chat, tip_id) == "Nguyễn Văn A"  # the owner's name stays
    # The tip opened with its code and PIN in another chat: no honour button there.
    text = await other.say(f"{code} {pin}")
    assert vi("tip.event_thanked") in text
    assert not [c for c in other.choices if c.startswith(("honour:", "honour-out:"))]
    assert vi("honour.named_line") not in text


async def test_a_tip_not_thanked_cannot_be_named(chat: Chat) -> None:
    code = await reported(chat)
    text = await chat.pick(honour_choice(code))
    assert vi("honour.not_thanked", code=code) in text
    assert "menu:tip" in chat.choices


async def test_an_old_confirmation_button_is_a_stale_choice(chat: Chat) -> None:
    code = await reported(chat)
    thanked(chat, code)
    text = await chat.pick("honour-name:confirm")  # never offered now
    assert text.startswith(vi("input.stale_choice"))


# -- counts in words ------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "en"), [(1, "1 name"), (3, "3 names"), (0, "0 names")])
def test_counts_of_names_are_singular_or_plural(n: int, en: str) -> None:
    from admin.audit_details import in_words
    from admin.honour import _counted

    detail = f"year=2027;rows={n};fmt=page"
    assert en in in_words(AuditAction.HONOUR_READ.value, detail, "en")
    assert f"{n} tên" in in_words(AuditAction.HONOUR_READ.value, detail, "vi")
    assert _counted("panel.honour.count", n, "en") == en
    unreadable = _counted("panel.honour.unreadable", n, "en")
    assert unreadable.startswith(en + " ") and "(s)" not in unreadable
    assert ("is not shown" in unreadable) is (n == 1)


@pytest.mark.parametrize("name", ["Trần T.Hoa", "Nguyễn V.An", "Bác Ba (khu phố 2)"])
def test_a_name_with_an_initial_is_a_name(name: str) -> None:
    assert checked_name(name) == name


@pytest.mark.parametrize("name", ["Shop ban.vn", "xem SHOP.VN nhé", "Lan www.x", "Lan a@b"])
def test_a_name_with_a_domain_is_refused(name: str) -> None:
    said = checked_name(name)
    assert isinstance(said, Msg) and said.id == "honour.name_contact"
