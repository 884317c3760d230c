"""The panel's broadcast pages through the real app on SQLite: each role's list, composing
with its preview, the police's decisions on a leader's notice, cancelling, refusals that keep
what was typed, the area rule on the form, CSRF, the polled progress and both languages. The
rules themselves are tests/unit/test_broadcast_use_cases.py's; the JSON API's are
test_api_broadcasts.py's."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape

import httpx
from sqlalchemy import select, update

from admin.broadcasts import PAGE
from content.i18n import translate
from handlers.broadcasts import compose
from handlers.broadcasts.words import MAX_TEXT
from storage.broadcasts import SqlBroadcastStore
from storage.models import Broadcast as BroadcastRow
from storage.models import LeaderNeighbourhood, Neighbourhood, OutboxMessage
from tests.panel.conftest import COMMUNE_A, COMMUNE_B, COMMUNE_C, World, csrf_of
from tests.panel.panel_pages import HX
from tests.panel.test_api_broadcasts import audit_actions, subscribed
from tests.panel.test_panel_layout import EVENT_ATTRIBUTE, INLINE_SCRIPT

TEXT = "Tối nay 19 giờ họp tổ dân phố tại nhà văn hoá.\nMời bà con đến đúng giờ."
REASON = "Trùng với thông báo của phường, không cần gửi."


def vi(msgid: str, **params: object) -> str:
    return translate(msgid, "vi", params or None)


def en(msgid: str, **params: object) -> str:
    return translate(msgid, "en", params or None)


def text_of(page: httpx.Response) -> str:
    return unescape(page.text)


async def signed_in(world: World, label: str) -> tuple[httpx.AsyncClient, str]:
    client = await world.client(label)
    page = await client.get("/admin/broadcasts")
    return client, csrf_of(page.text)


async def post_preview(client: httpx.AsyncClient, csrf: str, **fields: object) -> httpx.Response:
    data = {"csrf": csrf, "step": "preview", "kind": "alert", "text": TEXT, **fields}
    return await client.post("/admin/broadcasts/new", data=data)


async def post_send(client: httpx.AsyncClient, csrf: str, **fields: object) -> httpx.Response:
    data = {"csrf": csrf, "kind": "alert", "text": TEXT, **fields}
    return await client.post("/admin/broadcasts", data=data)


def made_id(answer: httpx.Response) -> str:
    assert answer.status_code == 303, answer.text[:2000]
    found = re.fullmatch(r"/admin/broadcasts/([0-9a-f-]{36})\?done=\w+", answer.headers["location"])
    assert found, answer.headers["location"]
    return found.group(1)


async def stored(world: World) -> list[BroadcastRow]:
    async with world.session() as session:
        return list((await session.execute(select(BroadcastRow))).scalars())


async def status_of(world: World, broadcast_id: str) -> str:
    async with world.session() as session:
        row = await session.get(BroadcastRow, broadcast_id)
        assert row is not None
        return row.status


async def notice(world: World, label: str, text: str = TEXT, **draft: object) -> str:
    """A broadcast made through the use case, as the API makes one."""
    async with world.session() as session:
        made = await compose.compose(
            SqlBroadcastStore(session),
            world.users[label],
            compose.Draft(text, **draft),  # type: ignore[arg-type]
            limits=compose.Limits(leader_per_day=1000),
        )
        await session.commit()
    return made.id


async def neighbourhood(world: World, commune: str, name: str) -> int:
    async with world.session() as session:
        row = Neighbourhood(commune_code=commune, name=name, created_at=datetime.now(UTC))
        session.add(row)
        await session.commit()
        return row.id


async def bind(world: World, label: str, neighbourhood_id: int) -> None:
    async with world.session() as session:
        user_id = world.users[label].id
        session.add(LeaderNeighbourhood(user_id=user_id, neighbourhood_id=neighbourhood_id))
        await session.commit()


def keeps_to_the_csp(page: httpx.Response) -> None:
    assert not INLINE_SCRIPT.search(page.text) and not EVENT_ATTRIBUTE.search(page.text)


# -- the list ---------------------------------------------------------------------------------


async def test_each_role_lists_what_reaches_its_area_and_a_leader_what_they_sent(
    world: World,
) -> None:
    leaders = await notice(world, "leader_a", "Họp tổ dân phố số 5")
    other = await notice(world, "officer_b", "Cảnh báo lừa đảo ở Bạch Mai")
    seen = {
        "leader_a": {leaders},
        "officer_a": {leaders},
        "chief_a": {leaders},
        "officer_b": {other},
        "admin_01": {leaders, other},
        "admin_79": set(),
    }
    for label, wanted in seen.items():
        client = await world.client(label)
        page = await client.get("/admin/broadcasts")
        assert page.status_code == 200, label
        listed = set(re.findall(r'id="broadcast-([0-9a-f-]{36})"', page.text))
        assert listed == wanted, label
        assert 'href="/admin/broadcasts" aria-current="page"' in page.text, label
        waiting = set(re.findall(r'id="waiting-([0-9a-f-]{36})"', page.text))
        # Police see the leader's notice waiting for them, with its decisions right there.
        assert waiting == (wanted & {leaders} if label != "leader_a" else set()), label
        assert (f'id="approve-{leaders}"' in page.text) is (leaders in waiting), label
        keeps_to_the_csp(page)
    leader_page = text_of(await (await world.client("leader_a")).get("/admin/broadcasts"))
    assert vi("panel.broadcasts.status.pending") in leader_page
    assert "Họp tổ dân phố số 5" in leader_page
    assert vi("panel.home.no_tips") in leader_page


async def test_a_leader_lands_on_the_broadcasts_and_every_role_has_them_in_the_menu(
    world: World,
) -> None:
    leader = await world.client("leader_a")
    landing = await leader.get("/admin/")
    assert landing.status_code == 303 and landing.headers["location"] == "/admin/broadcasts"
    for label in ("officer_a", "chief_a", "admin_01"):
        page = await (await world.client(label)).get("/admin/tips")
        assert 'href="/admin/broadcasts"' in page.text, label


async def test_the_list_pages_to_older_notices(world: World) -> None:
    made = [await notice(world, "officer_a", f"Thông báo số {n}") for n in range(PAGE + 2)]
    client = await world.client("officer_a")
    first = await client.get("/admin/broadcasts")
    listed = re.findall(r'id="broadcast-([0-9a-f-]{36})"', first.text)
    assert listed == made[::-1][:PAGE]
    older = re.search(r'href="([^"]+)" id="older"', first.text)
    assert older
    rest = await client.get(unescape(older.group(1)))
    assert re.findall(r'id="broadcast-([0-9a-f-]{36})"', rest.text) == made[1::-1]
    assert 'id="older"' not in rest.text and 'id="newest"' in rest.text


# -- composing --------------------------------------------------------------------------------


async def test_a_leaders_notice_is_previewed_sent_and_approved_by_the_chief(world: World) -> None:
    await subscribed(world, COMMUNE_A, 2)
    leader, csrf = await signed_in(world, "leader_a")
    form = await leader.get("/admin/broadcasts/new")
    assert form.status_code == 200
    page = text_of(form)
    assert 'name="text"' in page and vi("panel.broadcasts.limit", limit="2.000") in page
    assert vi("panel.broadcasts.count", count="0", limit="2.000") in page
    assert (
        vi("panel.broadcasts.kind.alert") in page and vi("panel.broadcasts.kind.awareness") in page
    )
    keeps_to_the_csp(form)

    preview = await post_preview(leader, csrf)
    assert preview.status_code == 200
    shown = text_of(preview)
    assert "📣 Thông báo của Phường Ba Đình" in shown
    assert TEXT in shown and vi("broadcast.stop_hint") in shown
    assert 'id="preview-waits"' in shown  # the commune's police approve leaders' notices
    assert await stored(world) == []  # a preview stores nothing
    keeps_to_the_csp(preview)

    # "Gửi" posts what the preview carries, the text's line break included.
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', preview.text))
    assert unescape(fields["text"]) == TEXT
    sent = await leader.post("/admin/broadcasts", data={k: unescape(v) for k, v in fields.items()})
    broadcast_id = made_id(sent)
    assert sent.headers["location"].endswith("?done=pending")
    mine = text_of(await leader.get(sent.headers["location"]))
    assert vi("panel.broadcasts.done.pending") in mine and TEXT in mine
    assert vi("panel.broadcasts.status.pending") in mine
    assert 'id="action-cancel"' in mine and 'id="action-approve"' not in mine
    assert world.usernames["leader_a"] not in mine.split('id="broadcast"')[1]

    chief, chief_csrf = await signed_in(world, "chief_a")
    data = {"csrf": chief_csrf, "back": "list"}
    approved = await chief.post(f"/admin/broadcasts/{broadcast_id}/approve", data=data)
    assert approved.status_code == 303
    assert approved.headers["location"] == "/admin/broadcasts?done=approve"
    assert await status_of(world, broadcast_id) == "sending"
    listed = text_of(await chief.get(approved.headers["location"]))
    assert vi("panel.broadcasts.done.approve") in listed and 'id="waiting"' not in listed

    detail = await chief.get(f"/admin/broadcasts/{broadcast_id}")
    page = text_of(detail)
    assert vi("panel.broadcasts.status.sending") in page
    assert f"/admin/broadcasts/{broadcast_id}/progress" in page and 'hx-trigger="every' in page
    assert vi("panel.broadcasts.recipients", count="2") in page
    assert '<dd data-state="queued">2</dd>' in page
    assert world.usernames["leader_a"] in page  # the police may see who sent it
    seen = text_of(await leader.get(f"/admin/broadcasts/{broadcast_id}"))
    assert vi("admin.role.chief") in seen and world.usernames["chief_a"] not in seen
    assert await audit_actions(world, broadcast_id) == ["broadcast.create", "broadcast.approve"]


async def test_police_alerts_go_out_at_once_to_the_neighbourhoods_chosen(world: World) -> None:
    fifth = await neighbourhood(world, COMMUNE_A, "Tổ dân phố số 5")
    await neighbourhood(world, COMMUNE_A, "Tổ dân phố số 6")
    officer, csrf = await signed_in(world, "officer_a")
    form = text_of(await officer.get("/admin/broadcasts/new"))
    assert "Tổ dân phố số 5" in form and "Tổ dân phố số 6" in form
    assert vi("panel.broadcasts.everyone.commune") in form
    fields = {"neighbourhoods": str(fifth), "kind": "awareness"}
    preview = text_of(await post_preview(officer, csrf, **fields))
    assert "💡 Công an Phường Ba Đình" in preview and "Tổ dân phố số 5" in preview
    assert 'id="preview-waits"' not in preview
    sent = await post_send(officer, csrf, **fields)
    assert sent.headers["location"].endswith("?done=sent")
    (row,) = await stored(world)
    assert (row.status, row.kind, row.neighbourhoods) == ("sending", "awareness", [fifth])


async def test_a_province_admin_chooses_communes_then_their_neighbourhoods(world: World) -> None:
    fifth = await neighbourhood(world, COMMUNE_A, "Tổ dân phố số 5")
    admin, csrf = await signed_in(world, "admin_01")
    form = text_of(await admin.get("/admin/broadcasts/new"))
    assert f'value="{COMMUNE_A}"' in form and f'value="{COMMUNE_B}"' in form
    assert f'value="{COMMUNE_C}"' not in form and "Tổ dân phố số 5" not in form
    data = {"csrf": csrf, "step": "edit", "text": TEXT, "communes": [COMMUNE_A, COMMUNE_B]}
    again = text_of(await admin.post("/admin/broadcasts/new", data=data))
    assert TEXT in again and "Tổ dân phố số 5" in again
    assert f'id="commune-{COMMUNE_A}" name="communes" value="{COMMUNE_A}" checked' in again
    none = await post_preview(admin, csrf)
    assert none.status_code == 422 and vi("panel.error.communes") in text_of(none)
    preview = text_of(await post_preview(admin, csrf, communes=[COMMUNE_A, COMMUNE_B]))
    assert "📣 Công an thành phố Hà Nội" in preview
    sent = await post_send(admin, csrf, communes=[COMMUNE_A], neighbourhoods=str(fifth))
    made_id(sent)
    (row,) = await stored(world)
    assert (row.communes, row.neighbourhoods) == ([COMMUNE_A], [fifth])


async def test_a_refusal_shows_the_form_again_with_what_was_typed(world: World) -> None:
    leader, csrf = await signed_in(world, "leader_a")
    long = "Thông báo quá dài. " + "đ" * MAX_TEXT
    for answer in (
        await post_preview(leader, csrf, text=long, kind="awareness"),
        await post_send(leader, csrf, text=long, kind="awareness"),
    ):
        assert answer.status_code == 422
        page = text_of(answer)
        assert vi("panel.error.text_length", limit="2.000") in page
        assert f">{long}</textarea>" in page
        assert 'value="awareness" checked' in page
        assert 'class="note counter over"' in page
    empty = await post_send(leader, csrf, text="   ")
    assert empty.status_code == 422 and vi("panel.error.text") in text_of(empty)
    limit = world.settings.leader_broadcasts_per_day
    for _ in range(limit):
        made_id(await post_send(leader, csrf))
    over = await post_send(leader, csrf, text="Thêm một thông báo nữa")
    assert over.status_code == 409
    page = text_of(over)
    assert vi("panel.error.daily_limit", limit=str(limit)) in page
    assert ">Thêm một thông báo nữa</textarea>" in page
    assert len(await stored(world)) == limit


async def test_an_area_outside_the_senders_is_not_offered_and_refused(world: World) -> None:
    mine = await neighbourhood(world, COMMUNE_A, "Tổ dân phố số 5")
    other = await neighbourhood(world, COMMUNE_A, "Tổ dân phố số 6")
    away = await neighbourhood(world, COMMUNE_B, "Tổ dân phố số 1")
    await bind(world, "leader_a", mine)
    leader, csrf = await signed_in(world, "leader_a")
    form = text_of(await leader.get("/admin/broadcasts/new"))
    assert "Tổ dân phố số 5" in form and "Tổ dân phố số 6" not in form
    assert vi("panel.broadcasts.everyone.leader") in form
    for forged in (other, away):
        for answer in (
            await post_preview(leader, csrf, neighbourhoods=str(forged)),
            await post_send(leader, csrf, neighbourhoods=str(forged)),
        ):
            assert answer.status_code == 404
            page = text_of(answer)
            assert vi("panel.broadcasts.error.area") in page and f">{TEXT}</textarea>" in page
    officer, officer_csrf = await signed_in(world, "officer_a")
    assert (await post_send(officer, officer_csrf, communes=COMMUNE_B)).status_code == 404
    assert (await post_send(officer, officer_csrf, neighbourhoods="x")).status_code == 404
    admin, admin_csrf = await signed_in(world, "admin_01")
    assert (await post_send(admin, admin_csrf, communes=COMMUNE_C)).status_code == 404
    assert await stored(world) == []
    # A leader's "everyone" is their own neighbourhoods.
    preview = text_of(await post_preview(leader, csrf))
    assert "📣 Thông báo của Tổ dân phố số 5, Phường Ba Đình" in preview
    made_id(await post_send(leader, csrf))
    (row,) = await stored(world)
    assert row.neighbourhoods == [mine]


# -- deciding and cancelling -----------------------------------------------------------------


async def test_a_rejection_needs_a_reason_that_the_leader_reads(world: World) -> None:
    broadcast_id = await notice(world, "leader_a")
    chief, csrf = await signed_in(world, "chief_a")
    url = f"/admin/broadcasts/{broadcast_id}/reject"
    bare = await chief.post(url, data={"csrf": csrf, "back": "list"})
    assert bare.status_code == 422 and vi("panel.error.reason") in text_of(bare)
    short = await chief.post(url, data={"csrf": csrf, "reason": "Sai"}, headers=HX)
    assert short.status_code == 422
    assert short.text.lstrip().startswith('<div id="broadcast"') and "<html" not in short.text
    assert ">Sai</textarea>" in short.text
    assert await status_of(world, broadcast_id) == "pending"
    done = await chief.post(url, data={"csrf": csrf, "reason": REASON})
    assert done.headers["location"] == f"/admin/broadcasts/{broadcast_id}?done=reject"
    leader = await world.client("leader_a")
    page = text_of(await leader.get(f"/admin/broadcasts/{broadcast_id}"))
    assert vi("panel.broadcasts.status.rejected") in page and REASON in page
    assert 'id="action-cancel"' not in page and 'hx-trigger="every' not in page
    again = await chief.post(f"/admin/broadcasts/{broadcast_id}/approve", data={"csrf": csrf})
    assert again.status_code == 409 and vi("panel.error.broadcast_rejected") in text_of(again)


async def test_a_leader_neither_decides_nor_touches_anothers_notice(world: World) -> None:
    own = await notice(world, "leader_a")
    police = await notice(world, "officer_a")
    leader, csrf = await signed_in(world, "leader_a")
    refused = await leader.post(f"/admin/broadcasts/{own}/approve", data={"csrf": csrf})
    assert refused.status_code == 403
    assert vi("panel.broadcasts.error.forbidden") in text_of(refused)
    missing = await leader.post(f"/admin/broadcasts/{police}/cancel", data={"csrf": csrf})
    assert missing.status_code == 404 and 'id="broadcast-missing"' in missing.text
    assert (await leader.get(f"/admin/broadcasts/{police}")).status_code == 404
    assert (await status_of(world, own), await status_of(world, police)) == ("pending", "sending")
    cancelled = await leader.post(f"/admin/broadcasts/{own}/cancel", data={"csrf": csrf})
    assert cancelled.headers["location"] == f"/admin/broadcasts/{own}?done=cancel"
    assert await status_of(world, own) == "cancelled"


async def test_the_police_stop_a_broadcast_that_is_going_out(world: World) -> None:
    await subscribed(world, COMMUNE_A, 2)
    broadcast_id = await notice(world, "officer_a")
    chief, csrf = await signed_in(world, "chief_a")
    url = f"/admin/broadcasts/{broadcast_id}/cancel"
    stopped = await chief.post(url, data={"csrf": csrf}, headers=HX)
    assert stopped.status_code == 200 and "<html" not in stopped.text
    page = text_of(stopped)
    assert vi("panel.broadcasts.done.cancel") in page
    assert vi("panel.broadcasts.status.cancelled") in page
    assert '<dd data-state="cancelled">2</dd>' in page and 'hx-trigger="every' not in page
    again = await chief.post(url, data={"csrf": csrf})
    assert again.status_code == 409
    assert vi("panel.error.broadcast_cancelled") in text_of(again)


async def test_the_progress_is_polled_until_nothing_is_left_to_send(world: World) -> None:
    await subscribed(world, COMMUNE_A, 1)
    going = await notice(world, "officer_a")
    officer = await world.client("officer_a")
    part = await officer.get(f"/admin/broadcasts/{going}/progress", headers=HX)
    assert part.text.lstrip().startswith('<section id="progress"')
    assert 'hx-trigger="every' in part.text and 'data-status="sending"' in part.text
    async with world.session() as session:  # the worker has sent it
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.broadcast_id == going)
            .values(status="sent", channel="web")
        )
        await session.commit()
    done = await officer.get(f"/admin/broadcasts/{going}/progress", headers=HX)
    assert 'data-status="done"' in done.text and 'hx-trigger="every' not in done.text
    assert 'data-channel="web"' in done.text
    assert vi("panel.broadcasts.channel.web") in text_of(done)
    gone = await world.anonymous_client().get(f"/admin/broadcasts/{going}/progress", headers=HX)
    assert gone.status_code == 204 and gone.headers["HX-Redirect"] == "/admin/"


# -- CSRF and languages -----------------------------------------------------------------------


async def test_a_form_without_its_csrf_token_is_refused(world: World) -> None:
    pending = await notice(world, "leader_a")
    chief, _csrf = await signed_in(world, "chief_a")
    leader, _token = await signed_in(world, "leader_a")
    for client, url, data in (
        (leader, "/admin/broadcasts", {"text": TEXT, "kind": "alert"}),
        (leader, "/admin/broadcasts/new", {"text": TEXT, "step": "preview"}),
        (chief, f"/admin/broadcasts/{pending}/approve", {}),
        (chief, f"/admin/broadcasts/{pending}/reject", {"reason": REASON, "csrf": "forged"}),
        (leader, f"/admin/broadcasts/{pending}/cancel", {}),
    ):
        answer = await client.post(url, data=data)
        assert answer.status_code == 403, url
        assert vi("panel.error.csrf") in text_of(answer), url
    assert [r.id for r in await stored(world)] == [pending]
    assert await status_of(world, pending) == "pending"


async def test_the_pages_speak_english_too(world: World) -> None:
    broadcast_id = await notice(world, "leader_a")
    leader = await world.client("leader_a")
    listed = text_of(await leader.get("/admin/broadcasts?lang=en"))
    assert '<html lang="en">' in listed
    assert en("panel.broadcasts.title") in listed and en("panel.broadcasts.new") in listed
    assert en("panel.broadcasts.status.pending") in listed
    form = text_of(await leader.get("/admin/broadcasts/new"))
    assert en("panel.broadcasts.preview") in form and en("panel.broadcasts.kind.awareness") in form
    csrf = csrf_of(form)
    preview = text_of(await post_preview(leader, csrf))
    assert en("panel.broadcasts.preview_intro") in preview
    assert "📣 Thông báo của Phường Ba Đình" in preview  # what residents read, in Vietnamese
    refused = text_of(await post_preview(leader, csrf, text=""))
    assert en("panel.error.text") in refused
    chief = await world.client("chief_a")
    detail = text_of(await chief.get(f"/admin/broadcasts/{broadcast_id}?lang=en"))
    assert en("panel.broadcasts.action.approve") in detail
    assert en("panel.broadcasts.nothing_sent") in detail
    missing = await chief.get("/admin/broadcasts/no-such-notice")
    assert missing.status_code == 404 and en("panel.broadcasts.missing") in text_of(missing)
