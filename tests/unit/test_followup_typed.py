"""Following a tip up with its code and PIN typed in one message, in either order, or with the
bot's receipt pasted back whole; a wrong PIN asks for the PIN again, the code kept, within the
same limits; the PIN is never said back, kept in the state or logged."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from content.i18n import translate
from handlers import receipt
from handlers.model import Kind
from tests.conftest import Chat, memory_of
from tests.unit.test_report_flow import receipt_of, to_review

ASK_PIN = "Gõ mã PIN 6 số"
ASK_CODE = "Gõ mã tin báo"
WRONG = "Mã hoặc PIN không đúng"
LOCKED = "thử sai quá nhiều lần"


async def a_tip(dispatcher: Any) -> tuple[str, str, str]:
    """A tip sent by a reporter: its code, its PIN and the receipt as the bot said it."""
    reporter = Chat(dispatcher)
    await to_review(reporter)
    said = await reporter.pick("tip:confirm")
    code, pin = receipt_of(said)
    return code, pin, reporter.last[0].text


async def at_code_step(dispatcher: Any) -> Chat:
    chat = Chat(dispatcher)
    await chat.onboard()
    await chat.pick("menu:mytips")
    text = await chat.pick("mytips:code")
    assert ASK_CODE in text
    return chat


async def state_json(chat: Chat) -> str:
    conversations = chat.dispatcher.conversations
    state = await conversations.states.load(chat.event().chat_key)  # type: ignore[attr-defined]
    return "" if state is None else str(state.to_json())


def other_wrong(pin: str) -> str:
    return "482915" if pin != "482915" else "593026"


# --- code and PIN in one message ----------------------------------------------------------------


@pytest.mark.parametrize(
    "form",
    [
        "{code} {pin}",
        "{lower} {pin}",
        "{bare} - {pin}",
        "{pin} {code}",
        "{pin} {bare}",
        "mã: {code}, pin: {pin}",
        "Mã tin báo: {code}\nMã PIN: {pin}",
        "code {lower}; PIN {spaced}",
        "{code}-{pin}",
        "{code}\n{pin}",
        "{body} {pin}",  # without the prefix, in the code step
    ],
)
async def test_code_and_pin_in_one_message_show_the_tip(dispatcher: Any, form: str) -> None:
    code, pin, _receipt = await a_tip(dispatcher)
    chat = await at_code_step(dispatcher)
    typed = form.format(
        code=code,
        lower=code.lower(),
        bare=code.lower().replace("-", ""),
        body=code.removeprefix("BY-"),
        pin=pin,
        spaced=f"{pin[:3]} {pin[3:]}",
    )
    text = await chat.say(typed)
    assert f"Tin báo {code}" in text, (typed, text)
    assert pin not in text


@pytest.mark.parametrize("lang", ["vi", "en"])
async def test_the_receipt_pasted_back_whole_shows_the_tip(dispatcher: Any, lang: str) -> None:
    code, pin, said = await a_tip(dispatcher)
    assert code in said and pin in said
    chat = await at_code_step(dispatcher)
    pasted = said if lang == "vi" else _english_receipt(code, pin)
    text = await chat.say(pasted)
    assert f"Tin báo {code}" in text, text


def _english_receipt(code: str, pin: str) -> str:
    params = {"code": code, "pin": pin, "ack_due": "26/11/2026", "decision_due": "13/12/2026"}
    return translate("tip.receipt", "en", params)


async def test_a_code_alone_asks_for_its_pin(dispatcher: Any) -> None:
    code, pin, _receipt = await a_tip(dispatcher)
    chat = await at_code_step(dispatcher)
    assert ASK_PIN in await chat.say(f"mã của tôi là {code}, cảm ơn")
    assert "mytips:code" in chat.choices  # another code, without starting over
    assert f"Tin báo {code}" in await chat.say(pin)


async def test_a_code_and_a_phone_number_asks_for_the_pin(dispatcher: Any) -> None:
    code, pin, _receipt = await a_tip(dispatcher)
    chat = await at_code_step(dispatcher)
    assert ASK_PIN in await chat.say(f"{code} 0912 345 678")  # no six digits of their own
    assert f"Tin báo {code}" in await chat.say(pin)


async def test_a_wrong_pin_in_one_message_asks_for_the_pin_again(dispatcher: Any) -> None:
    code, pin, _receipt = await a_tip(dispatcher)
    chat = await at_code_step(dispatcher)
    text = await chat.say(f"{code} {other_wrong(pin)}")
    assert WRONG in text and ASK_PIN in text and ASK_CODE not in text
    assert f"Tin báo {code}" in await chat.say(pin)


async def test_codes_that_are_not_are_refused_as_before(dispatcher: Any) -> None:
    chat = await at_code_step(dispatcher)
    assert "Mã chưa đúng" in await chat.say("BY-ABCD-EF 123456")  # a wrong check character
    assert "Mã chưa đúng" in await chat.say("abc")
    assert "Mã chưa đúng" in await chat.say("123456")  # a PIN without its code
    assert ASK_CODE in chat.text


# --- a wrong PIN --------------------------------------------------------------------------------


async def test_after_a_wrong_pin_the_pin_is_asked_again_with_the_code_kept(dispatcher: Any) -> None:
    code, pin, _receipt = await a_tip(dispatcher)
    chat = await at_code_step(dispatcher)
    await chat.say(code)
    text = await chat.say(other_wrong(pin))
    assert WRONG in text and ASK_PIN in text and ASK_CODE not in text
    text = await chat.say(other_wrong(other_wrong(pin)))
    assert WRONG in text and ASK_PIN in text
    assert f"Tin báo {code}" in await chat.say(pin)


async def test_the_wrong_pin_limits_hold_without_retyping_the_code(dispatcher: Any) -> None:
    code, pin, _receipt = await a_tip(dispatcher)
    guesser = await at_code_step(dispatcher)
    await guesser.say(code)
    for guess in ("000000", "111111", "222222"):
        assert WRONG in await guesser.say(guess)
    assert LOCKED in await guesser.say(pin)  # right, but this chat waits after 3 wrong
    [tip] = memory_of(dispatcher).all_tips()
    assert tip.pin_failures == 3 and tip.pin_locked_until is None  # the guesser waits, not the tip
    dispatcher.config.clock.advance(minutes=2)
    await guesser.say(code)
    assert f"Tin báo {code}" in await guesser.say(pin)
    [tip] = memory_of(dispatcher).all_tips()
    assert tip.pin_failures == 0


async def test_the_chat_limit_counts_pins_typed_with_their_code(dispatcher: Any) -> None:
    code, pin, _receipt = await a_tip(dispatcher)
    guesser = await at_code_step(dispatcher)
    for _ in range(10):  # codes that exist nowhere: no tip gets locked, only this chat counts
        assert WRONG in await guesser.say(f"{receipt.new_code()} 123457")
    assert LOCKED in await guesser.say(f"{code} {pin}")
    dispatcher.config.clock.advance(hours=1, minutes=1)
    await guesser.pick("menu:mytips")
    await guesser.pick("mytips:code")
    assert f"Tin báo {code}" in await guesser.say(f"{pin} {code}")


async def test_digits_that_are_no_pin_spend_no_try(dispatcher: Any) -> None:
    code, pin, _receipt = await a_tip(dispatcher)
    chat = await at_code_step(dispatcher)
    await chat.say(code)
    for typo in ("12345", "1234567", "12 34"):
        text = await chat.say(typo)
        assert "6 chữ số" in text and ASK_PIN in text and WRONG not in text
    [tip] = memory_of(dispatcher).all_tips()
    assert tip.pin_failures == 0
    assert f"Tin báo {code}" in await chat.say(pin)


async def test_at_the_pin_step_another_code_starts_over(dispatcher: Any) -> None:
    code, pin, _receipt = await a_tip(dispatcher)
    chat = await at_code_step(dispatcher)
    await chat.say(receipt.new_code())
    assert WRONG in await chat.say("123457")
    assert ASK_PIN in await chat.say(code.lower())  # the right code, alone: its PIN asked
    assert f"Tin báo {code}" in await chat.say(pin)
    await chat.pick("menu:mytips")
    await chat.pick("mytips:code")
    await chat.say(receipt.new_code())
    assert f"Tin báo {code}" in await chat.say(f"{code} {pin}")  # code and PIN at once


async def test_at_the_pin_step_the_other_code_button_and_words_lead_to_the_code(
    dispatcher: Any,
) -> None:
    chat = await at_code_step(dispatcher)
    await chat.say(receipt.new_code())
    assert ASK_CODE in await chat.pick("mytips:code")
    await chat.say(receipt.new_code())
    text = await chat.say("BY-ABCD-EF")  # a code mistyped in place of the PIN
    assert "Mã chưa đúng" in text and ASK_CODE in text
    await chat.say(receipt.new_code())
    photo = await chat.send_event(chat.event(Kind.LOCATION, lat=21.0, lon=105.8))
    assert photo is not None and ASK_PIN in chat.text and WRONG not in chat.text


# --- the PIN typed with words at the PIN step ---------------------------------------------------

NEEDED = "hãy gõ mã PIN gồm 6 chữ số"


@pytest.mark.parametrize(
    "form",
    [
        "pin {pin}",
        "PIN {pin}",
        "mã pin là {pin} nhé",
        "PIN của tôi: {pin}, cảm ơn",
        "pin: {spaced}",
        "{pin} ạ",
        "Mã PIN: {pin}\nCảm ơn anh",
    ],
)
async def test_the_pin_in_words_shows_the_tip(dispatcher: Any, form: str) -> None:
    code, pin, _receipt = await a_tip(dispatcher)
    chat = await at_code_step(dispatcher)
    assert ASK_PIN in await chat.say(code)
    typed = form.format(pin=pin, spaced=f"{pin[:3]} {pin[3:]}")
    text = await chat.say(typed)
    assert f"Tin báo {code}" in text, (typed, text)
    assert pin not in text


async def test_a_wrong_pin_in_words_is_a_wrong_try_with_the_code_kept(dispatcher: Any) -> None:
    code, pin, _receipt = await a_tip(dispatcher)
    chat = await at_code_step(dispatcher)
    await chat.say(code)
    text = await chat.say(f"mã pin là {other_wrong(pin)} nhé")
    assert WRONG in text and ASK_PIN in text and ASK_CODE not in text
    [tip] = memory_of(dispatcher).all_tips()
    assert tip.pin_failures == 1
    assert f"Tin báo {code}" in await chat.say(f"pin {pin}")


async def test_wrong_pins_in_words_keep_the_limits(dispatcher: Any) -> None:
    code, pin, _receipt = await a_tip(dispatcher)
    guesser = await at_code_step(dispatcher)
    await guesser.say(code)
    for guess in ("000000", "111111", "222222"):
        assert WRONG in await guesser.say(f"pin {guess}")
    assert LOCKED in await guesser.say(f"PIN của tôi: {pin}")
    [tip] = memory_of(dispatcher).all_tips()
    assert tip.pin_failures == 3 and tip.pin_locked_until is None  # the guesser waits, not the tip


@pytest.mark.parametrize("typed", ["Đúng", "ok", "vâng ạ", "pin", "mã của tôi đây"])
async def test_other_words_at_the_pin_step_keep_the_code(dispatcher: Any, typed: str) -> None:
    code, pin, _receipt = await a_tip(dispatcher)
    chat = await at_code_step(dispatcher)
    await chat.say(code)
    text = await chat.say(typed)
    assert NEEDED in text and code in text and ASK_PIN in text, (typed, text)
    assert "Mã chưa đúng" not in text and "ví dụ BY-" not in text and WRONG not in text
    assert "mytips:code" in chat.choices
    [tip] = memory_of(dispatcher).all_tips()
    assert tip.pin_failures == 0
    assert f"Tin báo {code}" in await chat.say(pin)  # the code was kept


async def test_thanks_at_the_pin_step_keeps_the_code(dispatcher: Any) -> None:
    code, pin, _receipt = await a_tip(dispatcher)
    chat = await at_code_step(dispatcher)
    await chat.say(code)
    text = await chat.say("cảm ơn")  # answered by the router's small talk, the PIN step kept
    assert ASK_PIN in text and "Mã chưa đúng" not in text
    assert f"Tin báo {code}" in await chat.say(pin)


@pytest.mark.parametrize(
    "typed",
    [
        "pin 482915 hay 593026",  # two PINs: which one?
        "pin 0912 345 678",  # a phone number
        "ngày 26/11 482915",  # joined to a date
        "pin 4829150",
        "pin 48291",
    ],
)
async def test_digits_in_words_that_are_no_one_pin_spend_no_try(
    dispatcher: Any, typed: str
) -> None:
    code, pin, _receipt = await a_tip(dispatcher)
    chat = await at_code_step(dispatcher)
    await chat.say(code)
    text = await chat.say(typed)
    assert "6 chữ số" in text and ASK_PIN in text and WRONG not in text, (typed, text)
    [tip] = memory_of(dispatcher).all_tips()
    assert tip.pin_failures == 0
    assert f"Tin báo {code}" in await chat.say(pin)


async def test_only_a_new_code_changes_the_tip_at_the_pin_step(dispatcher: Any) -> None:
    code, pin, _receipt = await a_tip(dispatcher)
    chat = await at_code_step(dispatcher)
    await chat.say(receipt.new_code())
    assert ASK_PIN in await chat.say(f"mã đúng là {code.lower()} ạ")
    assert f"Tin báo {code}" in await chat.say(f"pin {pin}")


# --- a PIN glued to its code --------------------------------------------------------------------


@pytest.mark.parametrize("form", ["{code}{pin}", "{bare}{pin}", "{lower}{pin}", "mã {code}{pin}"])
async def test_a_pin_glued_to_its_code_shows_the_tip(dispatcher: Any, form: str) -> None:
    code, pin, _receipt = await a_tip(dispatcher)
    typed = form.format(code=code, bare=code.lower().replace("-", ""), lower=code.lower(), pin=pin)
    chat = await at_code_step(dispatcher)
    text = await chat.say(typed)
    assert f"Tin báo {code}" in text and pin not in text, (typed, text)
    stranger = Chat(dispatcher, channel="web")  # anywhere, from the router
    assert f"Tin báo {code}" in await stranger.say(typed)


async def test_a_wrong_pin_glued_to_its_code_asks_for_the_pin(dispatcher: Any) -> None:
    code, pin, _receipt = await a_tip(dispatcher)
    chat = await at_code_step(dispatcher)
    text = await chat.say(f"{code}{other_wrong(pin)}")
    assert WRONG in text and ASK_PIN in text
    assert f"Tin báo {code}" in await chat.say(pin)


# --- the PIN is never said back, kept or logged -------------------------------------------------


async def test_the_pin_is_never_said_back_kept_or_logged(
    dispatcher: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    code, pin, said = await a_tip(dispatcher)
    wrong = other_wrong(pin)
    chat = await at_code_step(dispatcher)
    # two wrong tries at most in each chat: a third would lock the tip for a while
    for typed in (f"{code} {wrong}", wrong, "12345", f"{pin} {code}"):
        text = await chat.say(typed)
        assert wrong not in text and pin not in text and "12345" not in text
        kept = await state_json(chat)
        assert wrong not in kept and pin not in kept and "12345" not in kept
    assert f"Tin báo {code}" in chat.text
    worded = await at_code_step(dispatcher)
    for typed in (code, f"pin {wrong} nhé", "ok", f"{code}{wrong}", f"mã pin là {pin} nhé"):
        text = await worded.say(typed)
        assert wrong not in text and pin not in text
        kept = await state_json(worded)
        assert wrong not in kept and pin not in kept
    assert f"Tin báo {code}" in worded.text
    stranger = await at_code_step(dispatcher)
    await stranger.say(said)
    assert pin not in stranger.text and pin not in await state_json(stranger)
    glued = Chat(dispatcher, channel="web")
    assert f"Tin báo {code}" in await glued.say(f"{code}{pin}")
    assert pin not in glued.text and pin not in await state_json(glued)
    assert pin not in caplog.text and wrong not in caplog.text


def test_a_follow_up_never_shows_its_pin_in_its_repr() -> None:
    found = receipt.read_follow_up("BY-7K3F-QK 482915")
    assert found is not None and found.pin == "482915"
    assert "482915" not in repr(found) and "482915" not in str(found)


# --- from the router: a code and PIN typed at any step -----------------------------------------


@pytest.mark.parametrize("form", ["{code} {pin}", "{pin} {lower}", "mã: {code}, pin: {pin}"])
async def test_follow_up_takes_the_pin_from_anywhere(dispatcher: Any, form: str) -> None:
    code, pin, said = await a_tip(dispatcher)
    typed = form.format(code=code, lower=code.lower(), pin=pin)
    stranger = Chat(dispatcher, channel="web")  # a brand-new chat: no language, no commune
    assert f"Tin báo {code}" in await stranger.say(typed)
    resident = Chat(dispatcher)
    await resident.onboard()
    assert f"Tin báo {code}" in await resident.say(typed)  # at the menu
    await resident.pick("menu:learn")
    assert f"Tin báo {code}" in await resident.say(said)  # the receipt pasted back, elsewhere


async def test_follow_up_without_a_pin_asks_for_it_and_a_wrong_one_again(dispatcher: Any) -> None:
    code, pin, _said = await a_tip(dispatcher)
    resident = Chat(dispatcher)
    await resident.onboard()
    assert ASK_PIN in await resident.say(code.lower())
    text = await resident.say(f"{code} {other_wrong(pin)}")
    assert WRONG in text and ASK_PIN in text
    assert f"Tin báo {code}" in await resident.say(pin)


async def test_the_router_as_it_is_still_leads_a_code_to_its_pin(dispatcher: Any) -> None:
    code, pin, _said = await a_tip(dispatcher)
    stranger = Chat(dispatcher, channel="web")
    assert ASK_PIN in await stranger.say(code.lower())
    assert WRONG in await stranger.say(other_wrong(pin))
    assert f"Tin báo {code}" in await stranger.say(pin)  # the code kept after a wrong PIN
