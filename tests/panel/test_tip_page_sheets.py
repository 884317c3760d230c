"""The tip page's phone layout in its HTML (issue 20): each action's form is a sheet (a
popover) that a button of the action bar opens, or a form the bar's button sends; the bar has
the tip's next step and the everyday actions, "More…" the others; a refused post keeps its
sheet in place with the message in it, and the message (or that it is done) takes the focus;
the thank-you partial, when there is one, is offered the same way.
tests/e2e/test_tip_page_phone.py checks the same page in a real browser."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from jinja2 import ChoiceLoader, DictLoader

from admin.web import templates
from content.i18n import translate
from tests.panel.conftest import World
from tests.panel.panel_pages import HX, act

BAR = re.compile(r'<nav class="tip-bar"[^>]*>(.*?)</nav>', re.S)
MORE = re.compile(r'<div class="more-sheet" id="tip-more" popover[^>]*>(.*?)</div>', re.S)
SHEET = re.compile(r'<div class="act( failed)?" id="(sheet-[a-z]+)" popover>')
# A button of the bar or of "More…": the form it sends or the sheet it opens, and its label.
OFFER = re.compile(r'(?:form="form-|popovertarget="sheet-)([a-z]+)">([^<]*)</button>')
FOCUSED = re.compile(
    r'<p class="(done|error)" role="(?:status|alert)" tabindex="-1" autofocus id="'
)


def bar_of(page: str) -> str:
    found = BAR.search(page)
    assert found, "no action bar"
    return found.group(1)


def more_of(page: str) -> str:
    """The "More…" sheet's content, "" when the bar has room for every action."""
    found = MORE.search(page)
    return found.group(1) if found else ""


def offered(html: str) -> list[str]:
    """The actions the buttons in this part of the page send or open, in order."""
    return [name for name, _label in OFFER.findall(html)]


@pytest.fixture
def thanks_partial() -> Iterator[dict[str, str]]:
    """A stand-in for tips/_thanks.html (another part of issue 20 writes the real one): the
    page's templates read it first while the test runs."""
    env = templates()
    partials: dict[str, str] = {}
    real = env.loader
    assert real is not None
    env.loader = ChoiceLoader([DictLoader(partials), real])
    try:
        yield partials
    finally:
        env.loader = real


@pytest.mark.parametrize("label", ["chief_a", "officer_a"])
async def test_every_bar_button_opens_or_sends_a_form_of_the_page(world: World, label: str) -> None:
    tip = await world.tip()
    page = (await (await world.client(label)).get(f"/admin/tips/{tip.id}")).text
    bar = bar_of(page) + more_of(page)
    sheets = {found[1] for found in SHEET.findall(page)}
    opened = re.findall(r'popovertarget="(sheet-[a-z]+)">', bar)
    # One button per sheet, in the bar or in "More…", and no sheet without its button.
    assert set(opened) == sheets and "sheet-ask" in sheets and "sheet-note" in sheets
    assert len(opened) == len(set(opened)), opened
    sent = re.findall(r'form="(form-[a-z]+)"', bar)
    assert "form-acknowledge" in sent
    for form_id in sent:
        assert f'<form id="{form_id}" method="post"' in page, form_id
    # Every closing button closes its own sheet, and "More…" with it when opened from there.
    in_more = set(re.findall(r'popovertarget="(sheet-[a-z]+)">', more_of(page)))
    for sheet in sheets:
        closes = "tip-more" if sheet in in_more else sheet
        own = page.split(f'id="{sheet}" popover>')[1].split('class="act')[0]
        assert f'popovertarget="{closes}" popovertargetaction="hide"' in own, sheet
    # Nothing is marked refused on a plain page view.
    assert not any(found[0] for found in SHEET.findall(page))


async def test_a_refused_post_keeps_its_sheet_in_place_with_the_text(world: World) -> None:
    tip = await world.tip()
    client = await world.client("officer_a")
    refused = await act(client, tip, "forward", headers=HX, to="   ", note="Ghi chú giữ lại")
    assert refused.status_code in (409, 422)
    assert '<div class="act failed" id="sheet-forward" popover>' in refused.text
    assert '<details id="act-forward" open>' in refused.text
    assert "Ghi chú giữ lại" in refused.text
    others = [found for found in SHEET.findall(refused.text) if found[1] != "sheet-forward"]
    assert others and not any(failed for failed, _sheet in others)


async def test_the_thank_you_is_offered_when_its_partial_says_so(
    world: World, thanks_partial: dict[str, str]
) -> None:
    tip = await world.tip()
    client = await world.client("chief_a")
    thanks_partial["tips/_thanks.html"] = (
        '<form id="thank-form" method="post" action="/admin/tips/{{ tip.id }}/thank">'
        '<input type="hidden" name="csrf" value="{{ csrf }}"><button>Cảm ơn</button></form>'
    )
    page = (await client.get(f"/admin/tips/{tip.id}")).text
    sheet = page.split('<div class="act" id="sheet-thanks" popover>')[1].split("</div>")[0]
    assert 'id="thank-form"' in sheet and f'action="/admin/tips/{tip.id}/thank"' in sheet
    label = translate("panel.action.thank", "vi")
    assert f'popovertarget="sheet-thanks">{label}</button>' in bar_of(page) + more_of(page)
    # After the close action, as the outcome's follow-up.
    assert page.index('id="sheet-close"') < page.index('id="sheet-thanks"')

    # A partial built with the page's own macros is offered inside its sheet as well.
    thanks_partial["tips/_thanks.html"] = (
        '{% call action_details("thank", "Cảm ơn") %}<p id="thank-text">Lời cảm ơn</p>{% endcall %}'
    )
    page = (await client.get(f"/admin/tips/{tip.id}")).text
    outer = page.index('<div class="act" id="sheet-thanks" popover>')
    assert outer < page.index('<details id="act-thank" open>') < page.index('id="thank-text"')
    assert f'<form id="form-thank" method="post" action="/admin/tips/{tip.id}/thank"' in page

    # A partial with nothing to offer (not closed, not useful, not the chief) adds nothing.
    thanks_partial["tips/_thanks.html"] = "{% if false %}<form></form>{% endif %}\n"
    page = (await client.get(f"/admin/tips/{tip.id}")).text
    assert "sheet-thanks" not in page


async def test_the_bar_offers_the_next_step_and_the_everyday_actions_the_rest_in_more(
    world: World,
) -> None:
    """Four buttons fit two rows on a 320 px phone: the next step by the tip's status, then
    asking the reporter, a note and closing; every other action once, in "More…"."""
    tip = await world.tip()
    client = await world.client("chief_a")
    more_label = translate("panel.tipphone.more", "vi")

    async def bar_and_more() -> tuple[list[str], list[str]]:
        page = (await client.get(f"/admin/tips/{tip.id}")).text
        bar, more = bar_of(page), more_of(page)
        assert f'popovertarget="tip-more">{more_label}</button>' in bar
        everything = offered(bar) + offered(more)
        assert len(everything) == len(set(everything)), everything
        assert len(offered(bar)) == 3, bar
        return offered(bar), offered(more)

    in_bar, in_more = await bar_and_more()
    assert in_bar == ["acknowledge", "ask", "note"]
    assert {"take", "assign", "close", "urgency"} <= set(in_more), in_more
    assert (await act(client, tip, "acknowledge")).status_code == 303
    in_bar, in_more = await bar_and_more()
    assert in_bar == ["verify", "ask", "note"] and "close" in in_more
    assert (await act(client, tip, "verify")).status_code == 303
    in_bar, in_more = await bar_and_more()
    assert in_bar == ["ask", "note", "close"]
    assert "forward" in in_more and "verify" not in in_more + in_bar


async def test_a_closed_tip_has_its_few_actions_in_the_bar_without_more(world: World) -> None:
    tip = await world.tip()
    client = await world.client("chief_a")
    assert (await act(client, tip, "close", resolution="duplicate")).status_code == 303
    page = (await client.get(f"/admin/tips/{tip.id}")).text
    assert offered(bar_of(page)) == ["note"]
    assert 'id="tip-more' not in page


async def test_a_refused_post_says_why_in_its_own_sheet_and_takes_the_focus(world: World) -> None:
    tip = await world.tip()
    client = await world.client("officer_a")
    refused = await act(client, tip, "forward", headers=HX, to="   ")
    assert refused.status_code == 422
    page = refused.text
    # The one message, inside the refused sheet, before its form; nothing at the top.
    assert page.count('id="tip-error"') == 1
    sheet = page.split('<div class="act failed" id="sheet-forward" popover>')[1]
    sheet = sheet.split('id="sheet-')[0]
    assert sheet.index('id="tip-error"') < sheet.index('<form id="form-forward"')
    assert FOCUSED.findall(page) == ["error"]
    assert page.index('id="tip-error"') > page.index('id="actions"')

    # A refused quick action has no sheet: its message is at the top, focused as well.
    early = await act(client, tip, "verify", headers=HX)
    assert early.status_code == 409
    assert early.text.count('id="tip-error"') == 1
    assert early.text.index('id="tip-error"') < early.text.index('id="actions"')
    assert FOCUSED.findall(early.text) == ["error"]

    # Done: the message that says so takes the focus; no message, no focus moved.
    done = await act(client, tip, "note", headers=HX, body="Đã gọi điện cho tổ trưởng.")
    assert done.status_code == 200 and FOCUSED.findall(done.text) == ["done"]
    assert "autofocus" not in (await client.get(f"/admin/tips/{tip.id}")).text
