"""Statistics: numbers checked against tips with known timestamps, on SQLite and PostgreSQL;
scope across communes and provinces; the page and the API for every role."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update

from admin.charts import nice_ceiling, weekly_bars
from content import areas
from content.text import fold as fold_text
from content.tips import categories as tips_categories
from handlers import casework as cases
from handlers.errors import Forbidden, Invalid
from handlers.people import AdminRole
from storage import stats
from storage.models import Tip
from storage.stats import Period
from tests.panel.conftest import COMMUNE_A, COMMUNE_B, COMMUNE_C, World, case_store

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # Wednesday 25/11/2026, 10:00 in Vietnam
# A commune of Hà Nội no other test uses, so that PostgreSQL's shared database cannot skew it.
COMMUNE_X, COMMUNE_Y = [
    c.code for c in areas.communes_of("01") if c.code not in (COMMUNE_A, COMMUNE_B)
][:2]


def at(day: int, hour: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


async def _known_tips(world: World, commune: str, label: str) -> dict[str, str]:
    """Five tips in the default period of NOW and one older, each at a known moment."""
    actor = world.users[label]
    made = {
        "t1": await world.tip(commune, received=at(2, 2), category="fraud_phone"),
        "t2": await world.tip(commune, received=at(3, 1), category="fraud_online"),
        "t3": await world.tip(commune, received=at(16, 3), category="fraud_phone"),
        "t4": await world.tip(commune, received=at(24, 3), category="drugs"),
        "t5": await world.tip(commune, received=at(18, 3), category="fraud_online"),
        "old": await world.tip(commune, received=at(1, 3, month=8), category="other"),
    }
    ids = {name: tip.id for name, tip in made.items()}
    body = "Cơ quan Cảnh sát điều tra Công an thành phố Hà Nội"
    async with world.session() as session:
        # t1: acknowledged after 96 h, on Friday 6/11 (due Thu 5/11): late; forwarded the same
        # day (due 9/11), so the body's 20 days run to 26/11; its decision recorded 10/11.
        await cases.acknowledge(case_store(session), actor, ids["t1"], now=at(6, 2))
        await cases.forward(case_store(session), actor, ids["t1"], body, now=at(6, 3))
        await cases.close(case_store(session), actor, ids["t1"], "not_prosecuted", now=at(10, 2))
        # t2: forwarded after 24 h, which also tells the reporter (ack due Fri 6/11): on time;
        # the body's decision was due 24/11 and is still not recorded.
        await cases.forward(case_store(session), actor, ids["t2"], body, now=at(4, 1))
        # t5: closed straight away as a duplicate: answered, on time.
        await cases.close(case_store(session), actor, ids["t5"], "duplicate", now=at(19, 3))
        for name, rating in (("t1", 5), ("t5", 3)):
            await session.execute(update(Tip).where(Tip.id == ids[name]).values(rating=rating))
        await session.commit()
    return ids


async def _check_known_numbers(world: World, label: str, commune: str | None = None) -> None:
    async with world.session() as session:
        result = await stats.tip_stats(session, world.users[label], commune=commune, now=NOW)
    assert result.period == Period(date(2026, 9, 7), date(2026, 11, 25))
    assert result.total == 5
    assert result.by_category == {"fraud_phone": 2, "fraud_online": 2, "drugs": 1}
    assert len(result.weeks) == 12 and result.weeks[0].start == date(2026, 9, 7)
    weekly = {w.label: w.counts for w in result.weeks if w.total}
    assert weekly == {
        "2026-W45": {"fraud_phone": 1, "fraud_online": 1},
        "2026-W47": {"fraud_phone": 1, "fraud_online": 1},
        "2026-W48": {"drugs": 1},
    }
    assert result.acknowledged == 2
    assert result.median_ack_hours == pytest.approx(60.0)
    # Answered t1 (late), t2 (on time, by the forward), t5 (closed, on time); t3 never
    # answered, past due.
    assert (result.ack.due, result.ack.on_time, result.ack.late) == (4, 2, 2)
    # Only forwarded crime reports have a decision deadline: t1 decided on time, t2 past
    # its deadline undecided; t5, a duplicate closed before any forward, has none.
    assert (result.decision.due, result.decision.on_time) == (2, 1)
    # t1 and t2 forwarded in time; t3 is past its forward deadline (7 days), t4 and t5 not.
    assert (result.forward.due, result.forward.on_time, result.forward.late) == (3, 2, 1)
    assert result.by_track == {
        "crime": 5,
        "administrative": 0,
        "mediation": 0,
        "violence": 0,
        "fire_risk": 0,
    }
    assert result.overdue_now == 3  # t2 (its decision), t3 and the August tip
    assert result.by_status == {
        "new": 2,
        "acknowledged": 0,
        "verifying": 0,
        "mediating": 0,
        "forwarded": 1,
        "suspended": 0,
        "closed": 2,
    }
    assert result.by_resolution == {"not_prosecuted": 1, "duplicate": 1}
    assert (result.ratings, result.rating_average) == (2, 4.0)


async def _officer_x(world: World) -> None:
    await world.add_user("officer_x", AdminRole.OFFICER, COMMUNE_X, "01")


async def test_numbers_from_known_timestamps_sqlite(world: World) -> None:
    await _officer_x(world)
    await _known_tips(world, COMMUNE_X, "officer_x")
    await _check_known_numbers(world, "officer_x")
    await _check_known_numbers(world, "admin_01", commune=COMMUNE_X)


async def test_numbers_from_known_timestamps_postgresql(pg_world: World) -> None:
    await _officer_x(pg_world)
    await _known_tips(pg_world, COMMUNE_X, "officer_x")
    await _check_known_numbers(pg_world, "officer_x")
    await _check_known_numbers(pg_world, "admin_01", commune=COMMUNE_X)


async def _check_day_edges(world: World) -> None:
    """A period is Vietnam days: 00:05 and 23:55 of 10/11 in Vietnam count, the minutes
    before and after do not."""
    await world.add_user("officer_y", AdminRole.OFFICER, COMMUNE_Y, "01")
    for moment, category in (
        (datetime(2026, 11, 9, 17, 5, tzinfo=UTC), "drugs"),  # 00:05 on 10/11 in Vietnam
        (datetime(2026, 11, 10, 16, 55, tzinfo=UTC), "drugs"),  # 23:55 on 10/11
        (datetime(2026, 11, 9, 16, 55, tzinfo=UTC), "other"),  # 23:55 on 9/11
        (datetime(2026, 11, 10, 17, 5, tzinfo=UTC), "other"),  # 00:05 on 11/11
    ):
        await world.tip(COMMUNE_Y, received=moment, category=category)
    day = date(2026, 11, 10)
    async with world.session() as session:
        result = await stats.tip_stats(session, world.users["officer_y"], Period(day, day), now=NOW)
    assert result.by_category == {"drugs": 2} and len(result.weeks) == 1


async def test_period_is_vietnam_days_sqlite(world: World) -> None:
    await _check_day_edges(world)


async def test_period_is_vietnam_days_postgresql(pg_world: World) -> None:
    await _check_day_edges(pg_world)


async def test_median_of_an_odd_count_and_of_nothing(world: World) -> None:
    actor = world.users["officer_a"]
    for hours in (5, 1, 30):
        tip = await world.tip(COMMUNE_A, received=at(2, 0))
        async with world.session() as session:
            await cases.acknowledge(
                case_store(session), actor, tip.id, now=at(2, 0) + timedelta(hours=hours)
            )
            await session.commit()
    async with world.session() as session:
        result = await stats.tip_stats(session, actor, now=NOW)
        assert result.median_ack_hours == pytest.approx(5.0)
        empty = await stats.tip_stats(session, world.users["officer_b"], now=NOW)
    assert empty.median_ack_hours is None and empty.total == 0
    assert empty.ack.share is None and empty.rating_average is None


async def test_scope_never_mixes_communes_or_provinces(world: World) -> None:
    await _known_tips(world, COMMUNE_A, "officer_a")
    await world.tip(COMMUNE_B, received=at(10, 3), category="drugs")
    await world.tip(COMMUNE_C, received=at(11, 3), category="gambling")
    async with world.session() as session:
        officer_b = await stats.tip_stats(session, world.users["officer_b"], now=NOW)
        chief_b = await stats.tip_stats(session, world.users["chief_b"], now=NOW)
        officer_c = await stats.tip_stats(session, world.users["officer_c"], now=NOW)
        admin_01 = await stats.tip_stats(session, world.users["admin_01"], now=NOW)
        admin_79 = await stats.tip_stats(session, world.users["admin_79"], now=NOW)
        admin_01_b = await stats.tip_stats(
            session, world.users["admin_01"], commune=COMMUNE_B, now=NOW
        )
    for only_b in (officer_b, chief_b, admin_01_b):
        assert only_b.total == 1 and only_b.by_category == {"drugs": 1}
        assert only_b.overdue_now == 1 and only_b.acknowledged == 0 and only_b.ratings == 0
    assert officer_c.by_category == admin_79.by_category == {"gambling": 1}
    assert admin_01.total == 6 and admin_01.overdue_now == 4


async def test_commune_outside_the_area_and_bad_periods_are_refused(world: World) -> None:
    async with world.session() as session:
        with pytest.raises(Invalid) as other:
            await stats.tip_stats(session, world.users["admin_01"], commune=COMMUNE_C)
        with pytest.raises(Invalid):
            await stats.tip_stats(session, world.users["officer_b"], commune=COMMUNE_A)
        with pytest.raises(Invalid) as order:
            await stats.tip_stats(
                session, world.users["officer_a"], Period(NOW.date(), date(2026, 1, 1))
            )
        with pytest.raises(Invalid) as long:
            await stats.tip_stats(
                session, world.users["officer_a"], Period(date(2020, 1, 1), NOW.date())
            )
        with pytest.raises(Forbidden):
            await stats.tip_stats(session, world.users["leader_a"])
    assert (other.value.code, order.value.code, long.value.code) == (
        "commune",
        "period_order",
        "period_long",
    )


def test_chart_geometry() -> None:
    assert [nice_ceiling(v) for v in (0, 1, 2, 3, 7, 10, 11, 99, 101)] == [
        1, 1, 2, 5, 10, 10, 20, 100, 200,
    ]  # fmt: skip
    weeks = [stats.Week(2026, 45, date(2026, 11, 2), {"drugs": 2, "fraud_phone": 3})]
    chart = weekly_bars(weeks, ["fraud_phone", "drugs"], {"drugs": "Ma túy"})
    assert chart.maximum == 5 and [t.label for t in chart.y_ticks] == ["0", "1", "2", "3", "4", "5"]
    bottom, top = chart.rects
    assert (
        bottom.title.endswith("fraud_phone: 3") and top.title == "Tuần 45 (2/11–8/11) · Ma túy: 2"
    )
    assert [(t.label, t.sub) for t in chart.x_ticks] == [("Tuần 45", "2/11")]
    english = weekly_bars(weeks, ["drugs"], {"drugs": "Drugs"}, lang="en")
    assert english.rects[0].title == "Week 45 (2/11–8/11) · Drugs: 2"
    assert bottom.height == pytest.approx(chart.plot_height * 3 / 5, abs=0.1)
    assert top.y + top.height == pytest.approx(bottom.y, abs=0.1)


# -- the page and the API -------------------------------------------------------------------


async def _recent_tips(world: World) -> None:
    now = datetime.now(UTC)
    await world.tip(COMMUNE_A, received=now - timedelta(days=1), category="fraud_phone")
    await world.tip(COMMUNE_A, received=now - timedelta(days=2), category="drugs")
    await world.tip(COMMUNE_B, received=now - timedelta(days=1), category="gambling")


async def test_page_draws_the_numbers_for_police_roles(world: World) -> None:
    await _recent_tips(world)
    page = await (await world.client("officer_a")).get("/admin/stats")
    assert page.status_code == 200
    html = page.text
    assert "<svg" in html and 'role="img"' in html and '<title id="week-chart-title">' in html
    assert "Lừa đảo qua điện thoại" in html and "Ma túy" in html
    assert "Đánh bạc" not in html  # commune B's tip
    assert "<script" not in html.split("</head>")[1]
    english = await (await world.client("chief_a")).get("/admin/stats?lang=en")
    assert english.status_code == 200 and "Tips by week and category" in english.text
    province = await (await world.client("admin_01")).get("/admin/stats")
    assert province.status_code == 200 and "Đánh bạc" in province.text
    assert f'<option value="{COMMUNE_B}"' in province.text
    narrowed = await (await world.client("admin_01")).get(f"/admin/stats?commune={COMMUNE_B}")
    assert "Đánh bạc" in narrowed.text and "Ma túy" not in narrowed.text
    assert "· Phường Bạch Mai" in narrowed.text


async def test_page_refuses_leaders_and_strangers(world: World) -> None:
    leader = await (await world.client("leader_a")).get("/admin/stats")
    assert leader.status_code == 403
    stranger = await world.anonymous_client().get("/admin/stats")
    assert stranger.status_code == 303 and stranger.headers["location"] == "/admin/"


async def test_page_explains_bad_input_and_keeps_it(world: World) -> None:
    client = await world.client("officer_a")
    backwards = await client.get("/admin/stats?from=2026-11-20&to=2026-11-01")
    assert backwards.status_code == 422
    assert "Ngày bắt đầu phải trước" in backwards.text and 'value="2026-11-20"' in backwards.text
    garbled = await client.get("/admin/stats?from=hôm+qua")
    assert garbled.status_code == 422 and "Bộ lọc không hợp lệ" in garbled.text
    foreign = await (await world.client("admin_01")).get(f"/admin/stats?commune={COMMUNE_C}")
    assert foreign.status_code == 422 and "không thuộc địa bàn" in foreign.text


async def test_api_for_every_role(world: World) -> None:
    await _recent_tips(world)
    stranger = await world.anonymous_client().get("/api/v1/stats")
    assert stranger.status_code == 401 and stranger.json()["error"]["code"] == "unauthorized"
    leader = await (await world.client("leader_a")).get("/api/v1/stats")
    assert leader.status_code == 403 and leader.json()["error"]["code"] == "forbidden"
    expected = {
        "officer_a": {"fraud_phone": 1, "drugs": 1},
        "chief_a": {"fraud_phone": 1, "drugs": 1},
        "officer_b": {"gambling": 1},
        "chief_b": {"gambling": 1},
        "officer_c": {},
        "admin_01": {"fraud_phone": 1, "drugs": 1, "gambling": 1},
        "admin_79": {},
    }
    for label, categories in expected.items():
        answer = await (await world.client(label)).get("/api/v1/stats")
        assert answer.status_code == 200, label
        body = answer.json()
        assert body["by_category"] == categories, label
        assert sum(w["total"] for w in body["weeks"]) == body["total"] == sum(categories.values())
        assert re.fullmatch(r"\d{4}-W\d\d", body["weeks"][-1]["week"])
        assert set(body) >= {
            "from",
            "to",
            "median_ack_hours",
            "ack",
            "forward",
            "decision",
            "by_track",
            "overdue_now",
        }


async def test_api_routes_are_documented(world: World) -> None:
    spec = (await world.anonymous_client().get("/api/v1/openapi.json")).json()
    for path in (
        "/api/v1/stats",
        "/api/v1/tips/export",
        "/api/v1/indicators",
        "/api/v1/indicators/{indicator_id}/confirm",
        "/api/v1/indicators/{indicator_id}/reject",
    ):
        assert path in spec["paths"], path
    stats_schema = spec["components"]["schemas"]["StatsOut"]["properties"]
    assert {"from", "to", "weeks", "median_ack_hours", "ack", "forward", "decision"} <= set(
        stats_schema
    )
    assert not any(p.startswith("/admin/") for p in spec["paths"])


async def test_api_bad_input(world: World) -> None:
    client = await world.client("admin_01")
    foreign = await client.get(f"/api/v1/stats?commune={COMMUNE_C}")
    assert foreign.status_code == 422 and foreign.json()["error"]["code"] == "commune"
    english = await client.get("/api/v1/stats?from=2020-01-01&to=2026-01-01&lang=en")
    assert english.status_code == 422
    assert english.json()["error"] == {
        "code": "period_long",
        "message": "The period can be at most two years; choose a shorter one.",
    }


def test_the_panel_benchmark_parses_and_builds_real_data() -> None:
    """bench/bench_panel.py is not run in tests; its data set must still be what it says."""
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "bench" / "bench_panel.py"
    sys.path.insert(0, str(path.parent))
    try:
        spec = importlib.util.spec_from_file_location("bench_panel", path)
        assert spec is not None and spec.loader is not None
        bench = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(bench)
    finally:
        sys.path.remove(str(path.parent))
    chosen = bench.communes(300)
    assert len({c.code for c in chosen}) == 300
    assert {c.province_code for c in chosen} == set(bench.PROVINCES)
    assert all(areas.commune(c.code) == c for c in chosen)
    categories, texts, folded = bench.mix_arrays()
    assert len(categories) == len(texts) == len(folded) == 100
    assert set(categories) <= {c.id for c in tips_categories()}
    assert categories.count("fraud_phone") == 22 and folded[0] == fold_text(texts[0])
    assert "INSERT INTO tips" in bench.LOAD_SQL and bench.TARGET_P95_MS == 50.0
