"""The tip page on a phone (issue 20), in a real headless Chromium against `binhyen serve`.

A resident sends a tip through the web chat's JSON API; the commune chief asks a question from
a phone and the resident answers. At 390×844 the summary, the deadlines and the timeline with
the answer come first; no form is open until an action bar button opens one (one at a time);
each action is one tap and still posts its form (htmx); nothing scrolls sideways. At 1366×900
the actions column stands beside the timeline.

Measured when this was written (the chief's view of this tip, Debian's Chromium): the page was
4,564 px tall with the timeline at 3,528 px and the answer at 3,764 px; it is now 2,085 px
with the timeline at 845 px and the answer at 1,081 px. The bounds below keep a margin.
"""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from content.i18n import translate
from tests.e2e.real_browser import TIMEOUT_MS, chromium, serve, server_env

pytestmark = pytest.mark.e2e

PASSWORD = "mật khẩu đủ dài 2026"
BA_DINH = "00004"
PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 320, "height": 640}  # the narrowest phones still in use
DESKTOP = {"width": 1366, "height": 900}
QUESTION = "Anh/chị có nhớ biển số xe máy của hai người đó không?"
ANSWER = "Xe Wave màu đỏ, biển 29-B1 123.45"
NOTE = "Đã xem camera đầu ngõ, chờ trích xuất."
# Bounds on the phone, with a margin over what was measured (see the docstring).
TIMELINE_TOP_MAX = 900
ANSWER_BOTTOM_MAX = 2 * PHONE["height"]  # within the first two screens
PAGE_HEIGHT_MAX = 3_000  # it was 4,564 px
TAP = 44  # px: the smallest tap target on a phone
MORE = "#tip-more"  # the sheet of the actions the bar has no room for
MORE_BUTTON = "#tip-more-button"


def vi(msgid: str, **params: object) -> str:
    return translate(msgid, "vi", params or None)


class Resident:
    """The web chat's JSON API from one browser (a cookie jar): enough to send a tip and to
    answer the police's question."""

    def __init__(self, base: str) -> None:
        self.client = httpx.Client(base_url=base, timeout=30)

    def send(self, **body: Any) -> dict[str, Any]:
        body.setdefault("message_id", uuid.uuid4().hex)
        response = self.client.post("/chat/api/messages", json=body)
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data

    def choose(self, choice: str) -> dict[str, Any]:
        return self.send(kind="choice", choice=choice)

    @staticmethod
    def offered(data: dict[str, Any]) -> list[str]:
        return [c["id"] for r in data["replies"] for c in r["choices"]]

    def send_tip(self) -> str:
        """An anonymous theft tip in Phường Ba Đình; returns its code."""
        self.send(kind="command", text="/start")
        self.choose("lang:vi")
        self.send(text="ha noi")
        self.send(text="phuong ba dinh")
        if "tip:consent_yes" in self.offered(self.choose("menu:tip")):
            self.choose("tip:consent_yes")
        self.choose("cat:theft_robbery")
        self.send(text="Tối qua có hai người lạ đi xe máy lấy trộm xe đạp trước nhà số 12")
        self.choose("tip:done")
        self.choose("when:today")
        self.send(text="Số 12 ngõ 5 phố Đội Cấn")
        self.choose("tip:media_done")
        self.choose("tip:details_no")
        data = self.choose("id:anonymous")
        for _ in range(8):  # the checkable details an anonymous reporter may skip
            if "tip:confirm" in self.offered(data):
                break
            data = self.choose("tip:skip")
        data = self.choose("tip:confirm")
        said = "\n".join(r["text"] for r in data["replies"])
        found = re.search(r"BY-[0-9A-Z]{4}-[0-9A-Z]{2}", said)
        assert found, said
        return found.group(0)

    def answer(self, code: str, text: str) -> None:
        self.choose(f"answer:{code}")
        data = self.send(text=text)
        assert code in data["replies"][0]["text"], data


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Resident, str]]:
    folder = tmp_path_factory.mktemp("tip-phone")
    with serve(folder) as base:
        command = ["admin", "create", "--username", "truong.ca", "--role", "chief"]
        subprocess.run(
            [sys.executable, "-m", "bot.cli", *command, "--commune", BA_DINH],
            env=server_env(folder, BINHYEN_ADMIN_PASSWORD=PASSWORD),
            check=True,
            capture_output=True,
        )
        resident = Resident(base)
        try:
            yield base, resident, resident.send_tip()
        finally:
            resident.client.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def phone(browser: Any, site: tuple[str, Resident, str]) -> Iterator[Any]:
    """The chief, signed in on a phone-sized page; fails on a script error in the page."""
    yield from _signed_in(browser, site[0], viewport=PHONE, has_touch=True, is_mobile=True)


@pytest.fixture(params=[SMALL_PHONE, PHONE], ids=["320px", "390px"])
def narrow(
    request: pytest.FixtureRequest, browser: Any, site: tuple[str, Resident, str]
) -> Iterator[Any]:
    """The chief on the narrowest phones and on a common one."""
    yield from _signed_in(browser, site[0], viewport=request.param, has_touch=True, is_mobile=True)


@pytest.fixture
def desktop(browser: Any, site: tuple[str, Resident, str]) -> Iterator[Any]:
    yield from _signed_in(browser, site[0], viewport=DESKTOP)


def _signed_in(browser: Any, base: str, **options: Any) -> Iterator[Any]:
    from playwright.sync_api import expect

    context = browser.new_context(locale="vi-VN", **options)
    context.set_default_timeout(2 * TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{base}/admin/")
    page.locator("#username").fill("truong.ca")
    page.locator("#password").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    expect(page.locator("#queue")).to_be_visible()
    yield page
    context.close()
    assert not errors, errors


def chip(page: Any, label: str) -> Any:
    """The button with this label in the action bar or in its "More…" sheet."""
    return page.locator(f".tip-bar button, {MORE} button", has_text=label)


def tap_action(page: Any, label: str) -> int:
    """Taps an action as the officer would: its button in the bar, or "More…" and then its
    button there. Returns the taps it took."""
    in_bar = page.locator(".tip-bar button", has_text=label)
    if in_bar.count():
        in_bar.tap()
        return 1
    open_more(page)
    page.locator(f"{MORE} button", has_text=label).tap()
    return 2


def open_more(page: Any) -> None:
    from playwright.sync_api import expect

    page.locator(MORE_BUTTON).tap()
    expect(page.locator(MORE)).to_be_visible()


def open_action(page: Any, sheet_id: str) -> int:
    """Opens an action's sheet by its id (see tap_action); returns the taps it took."""
    target = f'[popovertarget="{sheet_id}"]:not([popovertargetaction])'
    in_bar = page.locator(f".tip-bar {target}")
    if in_bar.count():
        in_bar.tap()
        return 1
    open_more(page)
    page.locator(f"{MORE} {target}").tap()
    return 2


def open_sheets(page: Any) -> int:
    count: int = page.evaluate("document.querySelectorAll('#tip .act:popover-open').length")
    return count


def close_everything(page: Any) -> None:
    """Esc closes the sheet on top: the action's, then "More…" if it came from there."""
    for _ in range(3):
        if not page.evaluate("document.querySelectorAll(':popover-open').length"):
            return
        page.keyboard.press("Escape")
    assert not page.evaluate("document.querySelectorAll(':popover-open').length")


def on_screen(page: Any, locator: Any, bottom: float | None = None) -> None:
    """The element is whole within the screen (above `bottom` when given)."""
    box = locator.bounding_box()
    size = page.viewport_size
    assert box, locator
    assert box["x"] >= 0 and box["x"] + box["width"] <= size["width"] + 0.5, (box, size)
    limit = size["height"] if bottom is None else bottom
    assert box["y"] >= 0 and box["y"] + box["height"] <= limit + 0.5, (box, limit)


def top_of(page: Any, selector: str) -> float:
    box = page.locator(selector).bounding_box()
    assert box, selector
    # bounding_box() is relative to the viewport: add the scroll for the page's coordinate.
    scrolled: float = page.evaluate("window.scrollY")
    return float(box["y"]) + scrolled


def fits_the_screen(page: Any) -> None:
    wide = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"{page.url} is {wide}px wider than the screen"


def ask_and_get_answered(page: Any, base: str, resident: Resident, code: str) -> None:
    """The chief asks from the phone (one tap opens the form); the resident answers."""
    from playwright.sync_api import expect

    page.goto(f"{base}/admin/tips/{code}")
    assert tap_action(page, vi("panel.action.ask")) == 1
    expect(page.locator("#question")).to_be_visible()
    assert open_sheets(page) == 1
    page.locator("#question").fill(QUESTION)
    page.locator("#action-ask").tap()
    expect(page.locator('#timeline [data-kind="question"]')).to_contain_text(QUESTION)
    assert open_sheets(page) == 0  # the answered post replaced the page's #tip
    resident.answer(code, ANSWER)
    page.reload()
    expect(page.locator('#timeline [data-kind="reporter_answer"]')).to_contain_text(ANSWER)


def test_on_a_phone_the_timeline_and_the_answer_come_before_any_form(
    site: tuple[str, Resident, str], phone: Any
) -> None:
    from playwright.sync_api import expect

    base, resident, code = site
    ask_and_get_answered(phone, base, resident, code)
    phone.evaluate("window.scrollTo(0, 0)")

    # The summary first: code, status, next deadline, track.
    for part in ("#tip-code", "#tip-status", ".tip-head [data-kind]", "#tip-track"):
        assert top_of(phone, part) < PHONE["height"], part
    assert top_of(phone, "#tip-code") < top_of(phone, "#deadlines") < top_of(phone, "#timeline")

    # Then the deadlines and the timeline, with the reporter's answer, within two screens.
    timeline = top_of(phone, "#timeline")
    answer = phone.locator('#timeline [data-kind="reporter_answer"]')
    box = answer.bounding_box()
    assert box
    answer_bottom = box["y"] + box["height"]
    height = phone.evaluate("document.scrollingElement.scrollHeight")
    assert timeline < TIMELINE_TOP_MAX, timeline
    assert answer_bottom < ANSWER_BOTTOM_MAX, answer_bottom
    assert height < PAGE_HEIGHT_MAX, height
    # The description is on the page, after the timeline.
    assert top_of(phone, "#timeline") < top_of(phone, "#report")

    # No form is open: each is behind a button of the bar, which stays on screen.
    assert open_sheets(phone) == 0
    expect(phone.locator("#tip textarea:visible, #tip select:visible")).to_have_count(0)
    bar = phone.locator(".tip-bar")
    expect(bar).to_be_visible()
    bar_box = bar.bounding_box()
    assert bar_box and bar_box["y"] + bar_box["height"] <= PHONE["height"] + 1
    phone.evaluate("window.scrollTo(0, document.scrollingElement.scrollHeight / 2)")
    bar_box = bar.bounding_box()
    assert bar_box and bar_box["y"] + bar_box["height"] <= PHONE["height"] + 1

    # Every button of the bar is a big enough target; the page never scrolls sideways.
    for button in bar.locator("button").all():
        size = button.bounding_box()
        assert size and size["height"] >= TAP, button.inner_text()
    fits_the_screen(phone)


def test_on_a_phone_each_action_is_one_tap_and_posts_its_form(
    site: tuple[str, Resident, str], phone: Any
) -> None:
    from playwright.sync_api import expect

    base, _resident, code = site
    phone.goto(f"{base}/admin/tips/{code}")

    # A note: one tap opens its sheet (and only it); it lands in the timeline.
    assert tap_action(phone, vi("panel.action.note")) == 1
    expect(phone.locator("#note-body")).to_be_visible()
    assert open_sheets(phone) == 1
    fits_the_screen(phone)
    phone.locator("#note-body").fill(NOTE)
    phone.locator("#action-note").tap()
    expect(phone.locator("#done")).to_have_text(vi("panel.done.note"))
    expect(phone.locator('#timeline [data-kind="note"]')).to_contain_text(NOTE)
    assert open_sheets(phone) == 0
    # The message that it is done takes the focus: it is read out, and not lost on <body>.
    expect(phone.locator("#done")).to_be_focused()

    # A sheet closes with its own button; the next one opens alone.
    tap_action(phone, vi("panel.action.assign"))
    expect(phone.locator("#assign-to")).to_be_visible()
    close = phone.locator("#sheet-assign .sheet-close")
    size = close.bounding_box()
    assert size and size["height"] >= TAP
    close.tap()
    expect(phone.locator("#assign-to")).to_be_hidden()
    # Closed, it is back to the page, even when it was opened from "More…".
    assert not phone.evaluate("document.querySelectorAll(':popover-open').length")
    # A rarer action, its form folded away on a desktop, is open at once too.
    tap_action(phone, vi("panel.action.track"))
    expect(phone.locator("#track-to")).to_be_visible()
    expect(phone.locator("#track-reason")).to_be_visible()
    assert open_sheets(phone) == 1
    close_everything(phone)
    assert open_sheets(phone) == 0

    # The quick actions send their form from the bar: the status changes twice.
    tap_action(phone, vi("panel.action.acknowledge"))
    expect(phone.locator("#tip-status")).to_have_text(vi("panel.status.acknowledged"))
    tap_action(phone, vi("panel.action.verify"))
    expect(phone.locator("#tip-status")).to_have_text(vi("panel.status.verifying"))
    expect(chip(phone, vi("panel.action.verify"))).to_have_count(0)
    fits_the_screen(phone)


def test_on_a_phone_a_refused_form_stays_in_view_with_what_was_typed(
    site: tuple[str, Resident, str], phone: Any
) -> None:
    from playwright.sync_api import expect

    base, _resident, code = site
    phone.goto(f"{base}/admin/tips/{code}")
    assert tap_action(phone, vi("panel.action.ask")) == 1
    phone.locator("#question").fill("   ")  # passes `required`, refused by the server
    phone.locator("#action-ask").tap()
    expect(phone.locator("#tip-error")).to_be_visible()
    expect(phone.locator("#tip-error")).to_be_focused()
    # No sheet is open, yet the refused form is on the page, right after the message.
    assert open_sheets(phone) == 0
    expect(phone.locator("#question")).to_be_visible()
    assert top_of(phone, "#tip-error") < top_of(phone, "#question") < top_of(phone, "#timeline")
    expect(phone.locator("#sheet-ask .sheet-close")).to_be_hidden()
    # Sent again from where it is, it goes through and the form is put away.
    phone.locator("#question").fill(QUESTION + " (2)")
    phone.locator("#action-ask").tap()
    expect(phone.locator("#done")).to_be_visible()
    expect(phone.locator("#question")).to_be_hidden()
    fits_the_screen(phone)


def test_on_a_phone_a_refused_form_says_why_where_the_officer_is_looking(
    site: tuple[str, Resident, str], phone: Any
) -> None:
    """Far down the page, a form refused for its reason (an extension's was 151 px above the
    top of the screen; the track change's form has the same reason field and is always there):
    the message is beside the form, on screen (not under the bar) and focused."""
    from playwright.sync_api import expect

    base, _resident, code = site
    phone.goto(f"{base}/admin/tips/{code}")
    phone.evaluate("window.scrollTo(0, 700)")
    assert phone.evaluate("window.scrollY") > 0
    open_action(phone, "sheet-track")
    chosen = phone.locator("#track-to option:not([value=''])").first.get_attribute("value")
    phone.locator("#track-to").select_option(chosen)
    phone.locator("#track-reason").fill(" " * 5)  # passes `minlength`, refused by the server
    phone.locator("#action-track").tap()
    error = phone.locator("#tip-error")
    expect(error).to_have_text(vi("panel.error.reason"))
    expect(error).to_be_focused()
    bar = phone.locator(".tip-bar").bounding_box()
    assert bar
    on_screen(phone, error, bottom=bar["y"])
    # It is the refused form's own message, in its sheet, with what was typed kept.
    expect(phone.locator("#sheet-track #tip-error")).to_have_count(1)
    expect(phone.locator("#tip-error")).to_have_count(1)
    expect(phone.locator("#track-reason")).to_be_visible()
    expect(phone.locator("#track-reason")).to_have_value(" " * 5)
    fits_the_screen(phone)


def test_on_a_narrow_phone_every_action_is_at_most_two_taps_away(
    site: tuple[str, Resident, str], narrow: Any
) -> None:
    """The bar was one row scrolling sideways: 2,134 px of buttons in 288 px, one button whole
    at 320 px, closing the tip the 4th to 7th. Now: at most two rows of whole buttons, the
    everyday actions among them, "More…" for the rest."""
    from playwright.sync_api import expect

    base, _resident, code = site
    page = narrow
    page.goto(f"{base}/admin/tips/{code}")
    buttons = page.locator(".tip-bar button")
    assert buttons.count() >= 3
    rows = set()
    for button in buttons.all():
        expect(button).to_be_visible()
        on_screen(page, button)
        box = button.bounding_box()
        assert box and box["height"] >= TAP, button.inner_text()
        rows.add(round(box["y"]))
    assert len(rows) <= 2, rows
    hidden = page.evaluate(
        "(u => u.scrollWidth - u.clientWidth)(document.querySelector('.tip-bar ul'))"
    )
    assert hidden <= 0, f"{hidden}px of the bar is off to the side"
    in_bar = [b.inner_text() for b in buttons.all()]
    assert vi("panel.action.note") in in_bar and vi("panel.action.ask") in in_bar, in_bar

    # Every sheet opens in one tap from the bar or two through "More…", alone and whole.
    sheets = page.evaluate(
        "[...document.querySelectorAll('#tip .act[popover]')]"
        ".filter(e => !e.parentElement.closest('.act')).map(e => e.id)"
    )
    assert {"sheet-ask", "sheet-note", "sheet-close", "sheet-forward"} <= set(sheets), sheets
    for sheet in sheets:
        assert open_action(page, sheet) <= 2
        expect(page.locator(f"#{sheet}")).to_be_visible()
        assert open_sheets(page) == 1, sheet
        box = page.locator(f"#{sheet}").bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]
        # The sheet of the action covers "More…" it came from: one sheet is seen at a time.
        if page.locator(MORE).count() and page.evaluate(
            f"document.querySelector('{MORE}').matches(':popover-open')"
        ):
            expect(page.locator(MORE)).to_be_hidden()
        close_everything(page)

    # Every quick action (a form sent by its button) is on the bar or in "More…".
    forms = page.evaluate("[...document.querySelectorAll('#tip form.inline')].map(f => f.id)")
    assert forms
    for form_id in forms:
        button = page.locator(f'.tip-bar button[form="{form_id}"]')
        if not button.count():
            open_more(page)
            button = page.locator(f'{MORE} button[form="{form_id}"]')
        expect(button).to_be_visible()
        button.scroll_into_view_if_needed()  # a long "More…" scrolls in itself
        on_screen(page, button)
        close_everything(page)
    fits_the_screen(page)


def test_on_a_desktop_the_actions_column_stands_beside_the_timeline(
    site: tuple[str, Resident, str], desktop: Any
) -> None:
    from playwright.sync_api import expect

    base, _resident, code = site
    desktop.goto(f"{base}/admin/tips/{code}")
    actions, timeline = desktop.locator("#actions"), desktop.locator("#timeline")
    expect(actions).to_be_visible()
    expect(desktop.locator(".tip-bar")).to_be_hidden()
    a, t = actions.bounding_box(), timeline.bounding_box()
    assert a and t
    assert a["x"] >= t["x"] + t["width"], (a, t)  # to the right, not below
    assert a["y"] < t["y"] + t["height"] and t["y"] < a["y"] + a["height"], (a, t)
    # The everyday forms are in place, as before, without a tap.
    expect(desktop.locator("#question")).to_be_visible()
    expect(desktop.locator("#note-body")).to_be_visible()
    assert open_sheets(desktop) == 0

    # A refused form says why beside it, on screen and focused.
    desktop.locator("#question").fill("   ")
    desktop.locator("#action-ask").click()
    error = desktop.locator("#tip-error")
    expect(error).to_have_text(vi("panel.error.question"))
    expect(error).to_be_focused()
    on_screen(desktop, error)
    expect(desktop.locator("#sheet-ask #tip-error")).to_have_count(1)
    expect(desktop.locator(".tip-bar")).to_be_hidden()


def test_the_queue_fits_a_phone(site: tuple[str, Resident, str], phone: Any) -> None:
    from playwright.sync_api import expect

    base, _resident, code = site
    phone.goto(f"{base}/admin/tips")
    expect(phone.locator(f"#tip-{code}")).to_be_visible()
    fits_the_screen(phone)
