"""The police panel and the web chat together in a real headless Chromium, against
`binhyen serve` in a subprocess: a resident sends a tip through the chat; the commune chief
signs in, finds it, assigns it, asks a question; the resident answers in the chat and the
answer appears in the panel by itself; the chief closes the tip and the resident is told the
outcome and rates it. Then, on a small phone, a neighbourhood leader writes a notice,
previews it and sends it, and the chief approves it.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from content.i18n import translate
from tests.e2e.real_browser import (
    PHONE,
    TIMEOUT_MS,
    choice_button,
    chromium,
    serve,
    server_env,
    type_in,
)

pytestmark = pytest.mark.e2e

PASSWORD = "mật khẩu đủ dài 2026"
BA_DINH = "00004"
QUESTION = "Anh/chị có nhớ biển số xe máy của hai người đó không?"
ANSWER = "Xe Wave màu đỏ, biển 29-B1 123.45"
# The outbox worker sends within a second; the chat page asks for its inbox every 15 s and
# the panel's timeline refreshes every 10 s.
ARRIVAL_MS = 40_000
SMALL_PHONE = {"width": 360, "height": 740}
NOTICE = "Tối nay 19 giờ họp tổ dân phố tại nhà văn hoá.\nMời bà con đến đúng giờ."


def vi(msgid: str, **params: object) -> str:
    return translate(msgid, "vi", params or None)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("panel")
    with serve(folder) as base:
        for username, role in (
            ("truong.ca", "chief"),
            ("can.bo.an", "officer"),
            ("to.truong", "leader"),
        ):
            command = ["admin", "create", "--username", username, "--role", role]
            subprocess.run(
                [sys.executable, "-m", "bot.cli", *command, "--commune", BA_DINH],
                env=server_env(folder, BINHYEN_ADMIN_PASSWORD=PASSWORD),
                check=True,
                capture_output=True,
            )
        yield base, folder


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _context(browser: Any, **options: Any) -> Any:
    context = browser.new_context(locale="vi-VN", **options)
    # Twice the usual wait: this test runs two pages against one server on a busy CI machine.
    context.set_default_timeout(2 * TIMEOUT_MS)
    return context


def _send_tip(chat: Any, base: str) -> str:
    """An anonymous theft tip through the web chat; returns its code."""
    from playwright.sync_api import expect

    chat.goto(f"{base}/chat")
    choice_button(chat, "lang:vi").click()
    expect(choice_button(chat, "province:01")).to_be_visible()
    type_in(chat, "ha noi")
    expect(choice_button(chat, "area:province")).to_be_visible()
    type_in(chat, "Phường Ba Đình")
    choice_button(chat, "menu:tip").click()
    choice_button(chat, "tip:consent_yes").click()
    choice_button(chat, "cat:theft_robbery").click()
    type_in(chat, "Tối qua có hai người lạ đi xe máy lấy trộm xe đạp trước nhà số 12")
    choice_button(chat, "tip:done").click()
    choice_button(chat, "when:today").click()
    expect(chat.locator(".geo")).to_be_visible()
    type_in(chat, "Số 12 ngõ 5 phố Đội Cấn")
    choice_button(chat, "tip:media_done").click()
    choice_button(chat, "tip:details_no").click()
    choice_button(chat, "id:anonymous").click()
    # An anonymous reporter is offered a few checkable details; this one skips them.
    for _ in range(6):
        expect(
            choice_button(chat, "tip:skip").or_(choice_button(chat, "tip:confirm"))
        ).to_be_visible()
        if choice_button(chat, "tip:confirm").count():
            break
        replies = chat.locator(".bot").count()
        choice_button(chat, "tip:skip").click()
        expect(chat.locator(".bot")).not_to_have_count(replies)
    choice_button(chat, "tip:confirm").click()
    receipt = chat.locator(".bot", has_text="Mã PIN")
    expect(receipt).to_contain_text("BY-")
    found = re.search(r"BY-[0-9A-Z]{4}-[0-9A-Z]{2}", receipt.inner_text())
    assert found, receipt.inner_text()
    return found.group(0)


def _sign_in(panel: Any, base: str, username: str) -> None:
    from playwright.sync_api import expect

    panel.goto(f"{base}/admin/")
    panel.locator("#username").fill(username)
    panel.locator("#password").fill(PASSWORD)
    panel.locator("button[type=submit]").click()
    expect(panel.locator("#queue")).to_be_visible()


def test_a_chat_tip_from_queue_to_outcome(site: tuple[str, Path], browser: Any) -> None:
    from playwright.sync_api import expect

    base, _folder = site
    expect.set_options(timeout=2 * TIMEOUT_MS)  # assertions wait as long as actions
    resident = _context(browser, viewport=PHONE, has_touch=True, is_mobile=True)
    officer = _context(browser, viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    chat, panel = resident.new_page(), officer.new_page()
    for page in (chat, panel):
        page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        code = _send_tip(chat, base)

        # The chief signs in and finds the tip in the queue, then opens it.
        _sign_in(panel, base, "truong.ca")
        row = panel.locator(f"#tip-{code}")
        expect(row).to_be_visible()
        expect(row).to_contain_text(vi("panel.status.new"))
        panel.locator("#q").fill(code)
        panel.locator("#q").press("Enter")
        expect(panel.locator("#queue li.tip")).to_have_count(1)
        row.locator("a").first.click()
        expect(panel.locator("#tip-code")).to_contain_text(code)
        expect(panel.locator("#description")).to_contain_text("lấy trộm xe đạp")

        # Assign it to the officer.
        option = panel.locator("#assign-to option", has_text="can.bo.an")
        panel.locator("#assign-to").select_option(option.get_attribute("value"))
        panel.locator("#action-assign").click()
        expect(panel.locator("#tip-assignee")).to_have_text("can.bo.an")

        # Acknowledge, then ask the reporter a question.
        panel.locator("#action-acknowledge").click()
        expect(panel.locator("#tip-status")).to_have_text(vi("panel.status.acknowledged"))
        panel.locator("#question").fill(QUESTION)
        panel.locator("#action-ask").click()
        expect(panel.locator('#timeline [data-kind="question"]')).to_contain_text(QUESTION)

        # The resident sees the acknowledgement and the question, and answers.
        expect(chat.locator(".bot", has_text=QUESTION)).to_be_visible(timeout=ARRIVAL_MS)
        expect(chat.locator(".bot", has_text=code).first).to_be_visible()
        choice_button(chat, f"answer:{code}").last.click()
        type_in(chat, ANSWER)
        expect(chat.locator(".me").last).to_have_text(ANSWER)

        # The answer arrives in the panel without a reload.
        answer = panel.locator('#timeline [data-kind="reporter_answer"]')
        expect(answer).to_contain_text(ANSWER, timeout=ARRIVAL_MS)

        # Close with a resolution; the resident is told the outcome and rates it.
        panel.locator("#resolution").select_option("duplicate")
        panel.locator("#close-note").fill("Đã trả lại xe cho người dân.")
        panel.locator("#action-close").click()
        expect(panel.locator("#tip-status")).to_have_text(vi("panel.status.closed"))

        expect(choice_button(chat, f"rate:{code}:5")).to_be_visible(timeout=ARRIVAL_MS)
        choice_button(chat, f"rate:{code}:5").click()
        expect(chat.locator(".me").last).to_contain_text("5")
        panel.reload()
        expect(panel.locator('#timeline [data-kind="rating"]')).to_contain_text("5")
        assert "Đội Cấn" in panel.locator("#report").inner_text()
    finally:
        expect.set_options(timeout=5_000)  # Playwright's default, for the other tests
        resident.close()
        officer.close()
    assert not errors, errors


def _sign_in_to(page: Any, base: str, username: str) -> None:
    """Sign in and wait for the signed-in header, whatever page the role lands on."""
    from playwright.sync_api import expect

    page.goto(f"{base}/admin/")
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    expect(page.locator("#who")).to_contain_text(username)


def _fits_the_screen(page: Any) -> None:
    """Nothing wider than the phone: no sideways scrolling to reach a button."""
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"{page.url} is {wide}px wider than the screen"


def test_a_leader_sends_a_notice_from_a_phone_and_the_chief_approves(
    site: tuple[str, Path], browser: Any
) -> None:
    from playwright.sync_api import expect

    base, _folder = site
    phone = {"viewport": SMALL_PHONE, "has_touch": True, "is_mobile": True}
    leaders, chiefs = _context(browser, **phone), _context(browser, **phone)
    errors: list[str] = []
    leader, chief = leaders.new_page(), chiefs.new_page()
    for page in (leader, chief):
        page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        # The leader lands on the notices, writes one and watches the counter.
        _sign_in_to(leader, base, "to.truong")
        expect(leader.locator("#new-broadcast")).to_be_visible()
        _fits_the_screen(leader)
        leader.locator("#new-broadcast").click()
        leader.locator("#text").fill(NOTICE)
        counted = vi("panel.broadcasts.count", count=len(NOTICE), limit="2.000")
        expect(leader.locator("#text-count")).to_have_text(counted)
        _fits_the_screen(leader)

        # The preview shows the message as residents get it; then it is sent.
        leader.locator("#preview-button").click()
        preview = leader.locator("#preview")
        expect(preview).to_contain_text("📣 Thông báo của Phường Ba Đình")
        expect(preview).to_contain_text("Mời bà con đến đúng giờ.")
        expect(preview).to_contain_text(vi("broadcast.stop_hint"))
        _fits_the_screen(leader)
        leader.locator("#send").click()
        expect(leader.locator("#done")).to_have_text(vi("panel.broadcasts.done.pending"))
        expect(leader.locator("#broadcast-status")).to_have_text(
            vi("panel.broadcasts.status.pending")
        )
        expect(leader.locator("#broadcast-text")).to_have_text(NOTICE)
        notice_url = leader.url.split("?")[0]

        # The chief finds it waiting on the notices page and approves it there.
        _sign_in_to(chief, base, "truong.ca")
        chief.locator('nav a[href="/admin/broadcasts"]').click()
        waiting = chief.locator("#waiting li.broadcast")
        expect(waiting).to_have_count(1)
        expect(waiting).to_contain_text("Mời bà con đến đúng giờ.")
        _fits_the_screen(chief)
        waiting.locator("button", has_text=vi("panel.broadcasts.action.approve")).click()
        expect(chief.locator("#done")).to_have_text(vi("panel.broadcasts.done.approve"))
        expect(chief.locator("#waiting")).to_have_count(0)

        # Nobody in the commune has subscribed yet: nothing is left to send.
        leader.goto(notice_url)
        expect(leader.locator("#broadcast-status")).to_have_text(vi("panel.broadcasts.status.done"))
        expect(leader.locator("#broadcast-decided")).to_contain_text(vi("admin.role.chief"))
        _fits_the_screen(leader)
    finally:
        leaders.close()
        chiefs.close()
    assert not errors, errors
