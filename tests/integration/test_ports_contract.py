"""The contract of the Residents, Awareness and Indicators ports and of the unit of work itself,
run against the in-memory unit of work and the SQL one on SQLite and PostgreSQL
(tests/integration/port_backends.py; the Tips port is in test_tips_contract.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from content.scamcheck import MAX_VALUE, Found, Known
from handlers.ports import Neighbourhood, Profile, Subscription, SubscriptionKind, TopicProgress
from handlers.tipmodel import TipDraft
from tests.conftest import own_commune
from tests.integration.port_backends import Backend
from tests.integration.test_tips_contract import resident, stored_tip

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
AWARENESS = Subscription(SubscriptionKind.AWARENESS)
BA_DINH = Subscription(SubscriptionKind.ALERTS, "00004")
THUAN_HOA = Subscription(SubscriptionKind.ALERTS, "19786")


# -- residents ----------------------------------------------------------------------------------


async def test_an_identity_becomes_one_resident(backend: Backend) -> None:
    user = uuid.uuid4().hex
    async with backend.work() as uow:
        first = await uow.residents.for_identity("telegram", "bot1", user)
        assert first == Profile(first.resident_id)  # nothing known yet
        assert (await uow.residents.for_identity("telegram", "bot1", user)) == first
        await uow.commit()
    async with backend.work() as uow:
        assert await uow.residents.for_identity("telegram", "bot1", user) == first
        keys = [("telegram", "bot2", user), ("zalo_oa", "bot1", user), ("telegram", "bot1", "x")]
        others = {(await uow.residents.for_identity(*key)).resident_id for key in keys}
        assert len(others) == 3 and first.resident_id not in others


async def test_an_identity_rolled_back_is_forgotten(backend: Backend) -> None:
    # On SQLite this once failed: the driver had begun no transaction before the first
    # write, so the SAVEPOINT of for_identity was one and its release committed it.
    user = uuid.uuid4().hex
    async with backend.work() as uow:
        gone = await uow.residents.for_identity("web", "site", user)
        await uow.rollback()
    async with backend.work() as uow:
        assert (await uow.residents.for_identity("web", "site", user)) != gone
    assert await backend.peek.reachable("web", "site", user) is None  # closed: never stored


async def test_a_profile_and_consent_are_kept(backend: Backend) -> None:
    user = uuid.uuid4().hex
    async with backend.work() as uow:
        me = await uow.residents.for_identity("test", "acc", user)
        await uow.residents.save_profile(Profile(me.resident_id, "en", "46", "19786", "ignored"))
        await uow.residents.save_profile(Profile(str(uuid.uuid4()), "vi"))  # nobody: nothing
        await uow.commit()
    async with backend.work() as uow:
        saved = await uow.residents.for_identity("test", "acc", user)
        assert saved == Profile(me.resident_id, "en", "46", "19786", "")  # not the consent
        await uow.residents.accept_consent(me.resident_id, "2026-1", NOW)
        await uow.commit()
    async with backend.work() as uow:
        consented = await uow.residents.for_identity("test", "acc", user)
        assert consented == Profile(me.resident_id, "en", "46", "19786", "2026-1")


async def test_an_account_is_marked_unreachable_and_back(backend: Backend) -> None:
    user = uuid.uuid4().hex
    async with backend.work() as uow:
        await uow.residents.for_identity("telegram", "bot1", user)
        await uow.residents.for_identity("telegram", "bot2", user)
        await uow.commit()
    assert await backend.peek.reachable("telegram", "bot1", user) is True
    async with backend.work() as uow:
        await uow.residents.set_reachable("telegram", "bot1", user, False)
        await uow.residents.set_reachable("telegram", "bot1", "nobody", False)  # nothing
        await uow.commit()
    assert await backend.peek.reachable("telegram", "bot1", user) is False
    assert await backend.peek.reachable("telegram", "bot2", user) is True
    assert await backend.peek.reachable("telegram", "bot1", "nobody") is None
    async with backend.work() as uow:
        await uow.residents.set_reachable("telegram", "bot1", user, True)
        await uow.commit()
    assert await backend.peek.reachable("telegram", "bot1", user) is True


# -- neighbourhoods ---------------------------------------------------------------------------


# Communes of this module's own (tests/conftest.py): PostgreSQL keeps neighbourhoods from
# test to test.
def new_commune() -> str:
    return own_commune()


async def living_in(backend: Backend, commune_code: str) -> str:
    """A resident of the commune."""
    async with backend.work() as uow:
        me = await uow.residents.for_identity("test", "acc", uuid.uuid4().hex)
        await uow.residents.save_profile(Profile(me.resident_id, "vi", "01", commune_code))
        await uow.commit()
    return me.resident_id


async def test_a_communes_neighbourhoods_are_its_active_ones_in_order(backend: Backend) -> None:
    commune, other = new_commune(), new_commune()
    made = {
        name: await backend.peek.add_neighbourhood(commune, name)
        for name in ("Tổ 10", "Tổ 2", "Thôn Đồng", "Thôn Đông")
    }
    await backend.peek.add_neighbourhood(commune, "Tổ 3", active=False)
    retired = await backend.peek.add_neighbourhood(commune, "Tổ 4")
    await backend.peek.retire_neighbourhood(retired)
    await backend.peek.add_neighbourhood(other, "Tổ 1")
    async with backend.work() as uow:
        found = await uow.residents.neighbourhoods(commune)
        assert await uow.residents.neighbourhoods(new_commune()) == []
    # Numbers by value, whatever the database's collation; names that fold alike by name.
    order = ["Thôn Đông", "Thôn Đồng", "Tổ 2", "Tổ 10"]
    assert found == [Neighbourhood(made[name], name) for name in order]


async def test_a_resident_says_where_they_live_and_takes_it_back(backend: Backend) -> None:
    commune = new_commune()
    me = await living_in(backend, commune)
    two = await backend.peek.add_neighbourhood(commune, "Tổ 2")
    five = await backend.peek.add_neighbourhood(commune, "Tổ 5")
    elsewhere = await backend.peek.add_neighbourhood(new_commune(), "Tổ 2")
    retired = await backend.peek.add_neighbourhood(commune, "Tổ 9", active=False)
    async with backend.work() as uow:
        assert await uow.residents.neighbourhood(me) is None
        assert await uow.residents.set_neighbourhood(me, two)
        assert await uow.residents.neighbourhood(me) == Neighbourhood(two, "Tổ 2")
        assert await uow.residents.set_neighbourhood(me, five)  # another: it replaces
        await uow.commit()
    async with backend.work() as uow:
        assert await uow.residents.neighbourhood(me) == Neighbourhood(five, "Tổ 5")
        for refused in (elsewhere, retired, 999_999_999):
            assert not await uow.residents.set_neighbourhood(me, refused)
        assert not await uow.residents.set_neighbourhood(str(uuid.uuid4()), two)  # nobody
        await uow.commit()
    assert await backend.peek.neighbourhood_of(me) == five  # unchanged by the refusals
    async with backend.work() as uow:
        assert await uow.residents.set_neighbourhood(me, None)
        assert await uow.residents.set_neighbourhood(me, None)  # said nothing, still nothing
        await uow.commit()
    assert await backend.peek.neighbourhood_of(me) is None


async def test_a_neighbourhood_rolled_back_is_not_said(backend: Backend) -> None:
    commune = new_commune()
    me = await living_in(backend, commune)
    hood = await backend.peek.add_neighbourhood(commune, "Ấp 1")
    async with backend.work() as uow:
        assert await uow.residents.set_neighbourhood(me, hood)
        await uow.rollback()
    assert await backend.peek.neighbourhood_of(me) is None


async def test_a_neighbourhood_of_another_commune_is_not_the_residents(
    backend: Backend,
) -> None:
    commune, new_home = new_commune(), new_commune()
    me = await living_in(backend, commune)
    hood = await backend.peek.add_neighbourhood(commune, "Thôn Đông")
    async with backend.work() as uow:
        assert await uow.residents.set_neighbourhood(me, hood)
        await uow.commit()
    async with backend.work() as uow:  # a new language, or the same commune again: kept
        await uow.residents.save_profile(Profile(me, "en", "01", commune))
        assert await uow.residents.neighbourhood(me) == Neighbourhood(hood, "Thôn Đông")
        await uow.commit()
    async with backend.work() as uow:
        await uow.residents.save_profile(Profile(me, "en", "01", new_home))
        assert await uow.residents.neighbourhood(me) is None  # not one of new_home's
        assert await uow.residents.set_neighbourhood(me, None)  # what the area flow does
        await uow.commit()
    assert await backend.peek.neighbourhood_of(me) is None
    async with backend.work() as uow:  # nor does moving back bring it back
        await uow.residents.save_profile(Profile(me, "en", "01", commune))
        assert await uow.residents.neighbourhood(me) is None


async def test_a_retired_neighbourhood_is_nobodys(backend: Backend) -> None:
    commune = new_commune()
    me = await living_in(backend, commune)
    hood = await backend.peek.add_neighbourhood(commune, "Tổ 7")
    async with backend.work() as uow:
        assert await uow.residents.set_neighbourhood(me, hood)
        await uow.commit()
    await backend.peek.retire_neighbourhood(hood)
    async with backend.work() as uow:
        assert await uow.residents.neighbourhood(me) is None
        assert await uow.residents.neighbourhoods(commune) == []


# -- awareness ----------------------------------------------------------------------------------


async def test_cards_seen_count_once_per_resident_and_topic(backend: Backend) -> None:
    me, other = await resident(backend), await resident(backend)
    async with backend.work() as uow:
        assert await uow.awareness.progress(me) == {}
        for card in ("c2", "c1", "c2"):
            await uow.awareness.mark_seen(me, "fire_safety", card, NOW)
        await uow.awareness.mark_seen(me, "scam_phone", "c1", NOW)
        await uow.awareness.mark_seen(other, "fire_safety", "c9", NOW)
        await uow.commit()
    async with backend.work() as uow:
        assert await uow.awareness.progress(me) == {
            "fire_safety": TopicProgress(frozenset({"c1", "c2"})),
            "scam_phone": TopicProgress(frozenset({"c1"})),
        }
        assert await uow.awareness.progress(other) == {
            "fire_safety": TopicProgress(frozenset({"c9"}))
        }


async def test_the_best_quiz_score_stays_and_the_last_is_kept(backend: Backend) -> None:
    me = await resident(backend)
    later, latest = NOW + timedelta(hours=1), NOW + timedelta(hours=2)
    async with backend.work() as uow:
        await uow.awareness.mark_seen(me, "fire_safety", "c1", NOW)
        first = await uow.awareness.record_quiz(me, "fire_safety", 3, 5, NOW)
        assert first == TopicProgress(frozenset({"c1"}), 3, 5, 3, NOW)
        lower = await uow.awareness.record_quiz(me, "fire_safety", 1, 6, later)
        assert lower == TopicProgress(frozenset({"c1"}), 3, 5, 1, later)
        await uow.commit()
    async with backend.work() as uow:
        assert (await uow.awareness.progress(me))["fire_safety"] == lower
        equal = await uow.awareness.record_quiz(me, "fire_safety", 3, 6, latest)
        assert equal == TopicProgress(frozenset({"c1"}), 3, 6, 3, latest)  # the newer total
        quiz_only = await uow.awareness.record_quiz(me, "scam_phone", 0, 4, latest)
        assert quiz_only == TopicProgress(frozenset(), 0, 4, 0, latest)
        await uow.commit()
    async with backend.work() as uow:
        progress = await uow.awareness.progress(me)
        assert (progress["fire_safety"], progress["scam_phone"]) == (equal, quiz_only)


async def test_subscriptions_in_and_out(backend: Backend) -> None:
    me, other = await resident(backend), await resident(backend)
    async with backend.work() as uow:
        assert await uow.awareness.subscriptions(me) == []
        assert await uow.awareness.subscribe(me, BA_DINH, NOW)
        assert await uow.awareness.subscribe(me, AWARENESS, NOW)
        assert not await uow.awareness.subscribe(me, BA_DINH, NOW)  # already
        assert await uow.awareness.subscribe(other, BA_DINH, NOW)
        await uow.commit()
    async with backend.work() as uow:
        assert await uow.awareness.subscriptions(me) == [BA_DINH, AWARENESS]  # in order
        assert not await uow.awareness.unsubscribe(me, THUAN_HOA, NOW)
        assert await uow.awareness.unsubscribe(me, BA_DINH, NOW)
        assert not await uow.awareness.unsubscribe(me, BA_DINH, NOW)
        await uow.commit()
    async with backend.work() as uow:
        assert await uow.awareness.subscriptions(me) == [AWARENESS]
        assert await uow.awareness.subscribe(me, BA_DINH, NOW)  # again, after stopping
        await uow.commit()
    async with backend.work() as uow:
        assert await uow.awareness.subscriptions(me) == [AWARENESS, BA_DINH]
        assert await uow.awareness.subscriptions(other) == [BA_DINH]


async def test_stop_ends_every_subscription(backend: Backend) -> None:
    me = await resident(backend)
    async with backend.work() as uow:
        for subscription in (THUAN_HOA, AWARENESS, BA_DINH):
            await uow.awareness.subscribe(me, subscription, NOW)
        await uow.awareness.unsubscribe(me, AWARENESS, NOW)
        await uow.commit()
    async with backend.work() as uow:
        assert await uow.awareness.unsubscribe_all(me, NOW) == [THUAN_HOA, BA_DINH]
        assert await uow.awareness.unsubscribe_all(me, NOW) == []
        await uow.commit()
    async with backend.work() as uow:
        assert await uow.awareness.subscriptions(me) == []


async def test_a_subscription_rolled_back_is_gone(backend: Backend) -> None:
    me = await resident(backend)
    async with backend.work() as uow:
        assert await uow.awareness.subscribe(me, AWARENESS, NOW)
        await uow.awareness.mark_seen(me, "fire_safety", "c1", NOW)
        await uow.rollback()
    async with backend.work() as uow:
        assert await uow.awareness.subscriptions(me) == []
        assert await uow.awareness.progress(me) == {}
        assert await uow.awareness.subscribe(me, AWARENESS, NOW)


# -- indicators ---------------------------------------------------------------------------------


def by_key(known: list[Known]) -> dict[tuple[str, str], Known]:
    """Lookups come in no particular order."""
    return {(k.kind, k.value): k for k in known}


async def test_lookup_finds_stored_indicators_and_the_parents_of_a_domain(
    backend: Backend,
) -> None:
    phone = await backend.peek.add_indicator(
        "phone", "+84912345678", NOW, status="confirmed", source="import:test"
    )
    domain = await backend.peek.add_indicator(
        "domain", "evil.xyz", NOW, status="reported", source="tip"
    )
    account = await backend.peek.add_indicator(
        "account", "0123456789", NOW, status="rejected", source="police", bank="VCB"
    )
    async with backend.work() as uow:
        assert await uow.indicators.lookup([]) == []
        found = await uow.indicators.lookup(
            [
                Found("phone", "+84912345678"),
                Found("domain", "login.evil.xyz"),
                Found("account", "0123456789", "VCB"),
                Found("phone", "+84987654321"),  # nobody knows it
                Found("url", "evil.xyz"),  # the same value, another kind
                Found("phone", "0123456789"),
            ]
        )
        assert by_key(found) == {
            ("phone", "+84912345678"): phone,
            ("domain", "evil.xyz"): domain,
            ("account", "0123456789"): account,
        }
        parent_only = await uow.indicators.lookup([Found("domain", "xyz")])
        assert parent_only == []  # a parent never matches its children


async def reported(backend: Backend, resident_id: str, *found: Found) -> int:
    tip = await stored_tip(backend, resident_id, TipDraft("fraud_phone", "Lừa đảo", "00004", "01"))
    async with backend.work() as uow:
        counted = await uow.indicators.report_from_tip(tip.id, found, NOW)
        await uow.commit()
    return counted


async def test_a_fraud_tip_reports_its_indicators_once_per_resident(backend: Backend) -> None:
    me, other = await resident(backend), await resident(backend)
    phone, site = Found("phone", "+84912345678"), Found("domain", "bocongan-gov.com")
    assert await reported(backend, me, phone, site, phone) == 2  # named twice, counted once
    known = await backend.peek.indicator("phone", "+84912345678")
    assert known is not None
    assert (known.status, known.source, known.reports, known.bank) == ("reported", "tip", 1, "")
    assert await reported(backend, me, phone) == 0  # the same resident's next tip
    assert await reported(backend, other, phone) == 1
    async with backend.work() as uow:
        [now_known] = await uow.indicators.lookup([phone])
        assert (now_known.id, now_known.reports) == (known.id, 2)


async def test_a_tip_is_counted_once_and_a_decision_stays(backend: Backend) -> None:
    me = await resident(backend)
    confirmed = await backend.peek.add_indicator(
        "phone", "+84912345678", NOW, status="confirmed", source="import:test"
    )
    tip = await stored_tip(backend, me)
    for expected in (1, 0):
        async with backend.work() as uow:
            found = [Found("phone", "+84912345678")]
            assert await uow.indicators.report_from_tip(tip.id, found, NOW) == expected
            await uow.commit()
    known = await backend.peek.indicator("phone", "+84912345678")
    assert known is not None and (known.id, known.status, known.source, known.reports) == (
        confirmed.id,
        "confirmed",
        "import:test",
        1,
    )


async def test_an_account_gets_its_bank_and_a_long_url_is_cut(backend: Backend) -> None:
    me = await resident(backend)
    url = "evil.xyz/" + "a" * 600
    assert await reported(backend, me, Found("account", "0123456789"), Found("url", url)) == 2
    other = await resident(backend)
    assert await reported(backend, other, Found("account", "0123456789", "MB")) == 1
    account = await backend.peek.indicator("account", "0123456789")
    assert account is not None and (account.bank, account.reports) == ("MB", 2)
    cut = await backend.peek.indicator("url", url[:MAX_VALUE])
    assert cut is not None and cut.reports == 1
    async with backend.work() as uow:
        assert by_key(await uow.indicators.lookup([Found("url", url[:MAX_VALUE])]))


async def test_reports_rolled_back_are_gone(backend: Backend) -> None:
    tip = await stored_tip(backend, await resident(backend))
    async with backend.work() as uow:
        await uow.indicators.report_from_tip(tip.id, [Found("phone", "+84912345678")], NOW)
        await uow.rollback()
    assert await backend.peek.indicator("phone", "+84912345678") is None


# -- the unit of work ---------------------------------------------------------------------------


async def test_others_see_a_units_writes_only_once_committed(backend: Backend) -> None:
    me = await resident(backend)
    async with backend.work() as writer, backend.work() as reader:
        await writer.awareness.subscribe(me, AWARENESS, NOW)
        assert await reader.awareness.subscriptions(me) == []
        await writer.commit()
        assert await reader.awareness.subscriptions(me) == [AWARENESS]


async def test_closing_without_commit_keeps_nothing(backend: Backend) -> None:
    me = await resident(backend)
    async with backend.work() as uow:
        await uow.awareness.subscribe(me, AWARENESS, NOW)
    async with backend.work() as uow:
        assert await uow.awareness.subscriptions(me) == []
