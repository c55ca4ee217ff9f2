"""The city view `/staf/kota` (role `city`): every figure on the page equals the engine's
ScoreResult for the period (ranks, rank intervals, index, IKM, n, funnel bands, rank ranges,
what-if ranks, sensitivity), the units apart with their reasons and the responses they still
need, the funnel limits against the engine's bands, filters, the what-if weight and its bad
values, the trend against an independent computation, links, roles."""

from __future__ import annotations

import html as htmllib
import math
import re
from datetime import UTC, date, datetime

import numpy as np
import pytest

from feedback.aggregates import daily as aggregates
from feedback.engine import transaction
from feedback.performance import city, city_trend, periods
from feedback.performance.scores import score_period
from feedback.tables import Agency, Indicator, IndicatorValue, Unit
from scoring import funnel as funnel_math
from scoring.engine import score
from scoring.ikm import ELEMENTS, official_ikm
from scoring.inputs import Parameters, UnitData
from scoring.shrinkage import effective_sigma2
from tests.staff_support import make_all_roles, signed_in_as
from tests.support import make_client

COVERED_ROUTES = {("GET", "/staf/kota")}
Q1 = "2026-Q1"
FLAT = "2025-01"  # a month in which every unit has the same answers (τ² = 0)
ROLES = ("anonymous", "officer", "unit", "agency", "city", "admin")

# code, agency, peer group, responses in 2026-Q1, quality (mean answer level), KPI actual
UNITS = [
    ("pkm-3", "dinkes", "puskesmas", 60, 3.5, 95.0),
    ("pkm-4", "dinkes", "puskesmas", 45, 2.6, 70.0),
    ("pkm-5", "dinkes", "puskesmas", 80, 3.1, 88.0),
    ("capil-1", "dukcapil", "dukcapil", 70, 3.3, 60.0),
    ("capil-2", "dukcapil", "dukcapil", 40, 2.4, 99.0),
    ("capil-3", "dukcapil", "dukcapil", 15, 3.0, 80.0),  # provisional: n < 30
    ("kel-1", "kec", "kelurahan", 50, 2.9, 75.0),
    ("kel-2", "kec", "kelurahan", 35, 3.6, 50.0),
    ("kel-3", "kec", "kelurahan", 55, 2.2, 90.0),
    ("kel-4", "kec", "kelurahan", 65, 3.0, None),  # enough responses, no targets reported
    ("kel-5", "kec", "kelurahan", 5, 3.0, 80.0),  # not scored
    ("kel-6", "kec", "kelurahan", 0, 3.0, 80.0),  # no response at all
]
# the seeded organisation's two puskesmas
SMALL_ORG = [("pkm-oesapa", "dinkes", "puskesmas", 90, 3.2, 85.0),
             ("pkm-oebobo", "dinkes", "puskesmas", 32, 2.8, 65.0)]


def _answers(rng: np.random.Generator, n: int, quality: float) -> list[dict[str, int]]:
    out = []
    for _ in range(n):
        level = quality + rng.normal(0, 0.6)
        out.append({e: int(np.clip(round(level + rng.normal(0, 0.5)), 1, 4)) for e in ELEMENTS})
    return out


class Town:
    answers: dict[str, dict[str, list[dict[str, int]]]]  # period key -> unit -> answers
    unit_ids: dict[str, int]


async def _aggregate(rows: list[tuple[int, date, dict[str, int]]]) -> None:
    async with transaction():
        await aggregates.apply(aggregates.deltas(rows))


@pytest.fixture
async def town(org):
    dukcapil = Agency(code="dukcapil", name="Dinas Kependudukan")
    kec = Agency(code="kec", name="Kecamatan Oebobo")
    empty = Agency(code="kosong", name="Badan Tanpa Unit")
    await Agency.insert(dukcapil, kec, empty)
    agency_ids = {"dinkes": (await Agency.select(Agency.id).where(Agency.code == "dinkes")
                             .first())["id"], "dukcapil": dukcapil.id, "kec": kec.id}
    for code, agency, peer, *_ in UNITS:
        await Unit.insert(Unit(code=code, name=f"Unit {code}", agency=agency_ids[agency],
                               peer_group=peer, monthly_volume=300))
    t = Town()
    t.unit_ids = {r["code"]: r["id"] for r in await Unit.select(Unit.id, Unit.code)}
    rng = np.random.default_rng(11)
    t.answers = {}
    rows = []
    days = {Q1: date(2026, 2, 10), "2025-Q4": date(2025, 11, 5), "2025-Q3": date(2025, 8, 20)}
    for key, day in days.items():
        t.answers[key] = {}
        for code, _agency, _peer, n, quality, _kpi in UNITS + SMALL_ORG:
            count = n if key == Q1 else max(0, n - 10)
            answers = _answers(rng, count, quality - (0.2 if key != Q1 else 0))
            t.answers[key][code] = answers
            rows += [(t.unit_ids[code], day, a) for a in answers]
    # 2025-01: the same 12 answer sets in every unit
    same = _answers(rng, 12, 3.0)
    t.answers[FLAT] = {code: same for code, *_ in UNITS + SMALL_ORG}
    rows += [(t.unit_ids[code], date(2025, 1, 15), a) for code in t.answers[FLAT] for a in same]
    await _aggregate(rows)
    now = datetime.now(UTC)
    for code, _agency, _peer, _n, _quality, actual in UNITS + SMALL_ORG:
        if actual is None:
            continue
        ind = Indicator(unit=t.unit_ids[code], code="layanan", name="Layanan tepat waktu",
                        direction="higher", weight=1.0)
        await ind.save()
        await IndicatorValue.insert(IndicatorValue(indicator=ind.id, period=Q1, target=100.0,
                                                   actual=actual, updated_at=now))
    await make_all_roles()
    return t


async def _page(query: str, role: str = "city") -> tuple[int, str]:
    async with make_client() as client:
        await signed_in_as(client, role)
        got = await client.get(f"/staf/kota{query}")
    return got.status_code, got.text


def _rows(html: str, attribute: str, tag: str = "tr") -> dict[str, str]:
    return dict(re.findall(rf'<{tag} {attribute}="([^"]+)"[^>]*>(.*?)</{tag}>', html, re.S))


def _data(body: str) -> list[str]:
    return re.findall(r'<data value="([^"]*)"', body)


def _attr(body: str, name: str) -> str:
    found = re.search(rf' {name}="([^"]*)"', body)
    assert found, f"no {name} in {body[:200]}"
    return found.group(1)


def _num(value: str) -> float | None:
    return None if value == "" else float(value)


def _text(body: str) -> str:
    return htmllib.unescape(re.sub(r"<[^>]+>", "", body))


# The figures -----------------------------------------------------------------------------
async def test_ranked_units_and_agencies_equal_the_engine(town):
    status, html = await _page(f"?period={Q1}")
    assert status == 200, html[-500:]
    result = await score_period(periods.parse(Q1), Parameters())
    ranked = [u for u in result.units if u.status == "ranked"]
    assert len(ranked) >= 6
    rows = _rows(html, "data-unit")
    table = html[html.index('<table id="ranked">'):html.index("</table>",
                                                               html.index('id="ranked"'))]
    shown = re.findall(r'<tr data-unit="([^"]+)"', table)
    assert shown == [u.unit for u in sorted(ranked, key=lambda u: u.rank)]
    for u in ranked:
        body = rows[u.unit]
        rank, n, ikm, index = _data(body)
        assert int(rank) == u.rank and int(n) == u.n
        assert float(ikm) == u.ikm and float(index) == u.index
        assert int(_attr(body, "data-low")) == u.rank_interval.low
        assert int(_attr(body, "data-median")) == u.rank_interval.median
        assert int(_attr(body, "data-high")) == u.rank_interval.high
        assert int(_attr(body, "data-range-low")) == u.rank_range.low
        assert int(_attr(body, "data-range-high")) == u.rank_range.high
        assert _attr(body, "data-band") == u.funnel
        low, high = u.rank_interval.low, u.rank_interval.high
        words = (f"peringkat ke-{low} dari {len(ranked)}" if low == high else
                 f"antara peringkat ke-{low} dan ke-{high} dari {len(ranked)}")
        assert words in _text(body), _text(body)
    assert "<th scope=\"col\">Peringkat dengan bobot" not in html  # no what-if at 0.5
    agencies = re.findall(r'<tr data-agency="([^"]+)">(.*?)</tr>',
                          html[html.index('<table id="agencies">'):], re.S)
    by_code = {a.agency: a for a in result.agencies}
    listed = [code for code, _ in agencies][:len(by_code)]
    assert listed == [a.agency for a in sorted(result.agencies,
                                               key=lambda a: (a.rank is None, a.rank or 0))]
    for code, body in agencies[:len(by_code)]:
        a = by_code[code]
        rank, index, n_units = _data(body)
        assert (int(rank) if rank else None) == a.rank
        assert _num(index) == a.index and int(n_units) == a.n_units
        assert _num(_attr(body, "data-low")) == a.rank_interval.low
        assert _num(_attr(body, "data-high")) == a.rank_interval.high
    # sensitivity figures
    assert _num(_data(html[html.index('id="rank-shift"'):])[0]) == \
        result.city.mean_abs_rank_shift
    assert _num(_data(html[html.index('id="importance-s"'):])[0]) == \
        result.city.effective_importance.satisfaction
    assert _num(_data(html[html.index('id="importance-k"'):])[0]) == \
        result.city.effective_importance.kpi
    assert result.city.mean_abs_rank_shift is not None


async def test_units_apart_with_reason_and_responses_needed(town):
    status, html = await _page(f"?period={Q1}")
    assert status == 200
    result = await score_period(periods.parse(Q1), Parameters())
    apart = {u.unit: u for u in result.units if u.status != "ranked"}
    rows = _rows(html, "data-apart")
    assert set(rows) == set(apart)
    assert {u.status for u in apart.values()} >= {"provisional", "not_scored",
                                                  "unranked_no_kpi"}
    for code, u in apart.items():
        body = rows[code]
        n, ikm = _data(body)
        assert int(n) == u.n and _num(ikm) == u.ikm
        reasons = set(re.findall(r'data-reason="([^"]+)"', body))
        if u.n < 10:
            assert "too_few_to_score" in reasons
            assert int(_attr(body, "data-to-score")) == 10 - u.n
            assert f"{10 - u.n} respons lagi agar dinilai" in _text(body)
        if u.n < 30:
            assert "too_few_to_rank" in reasons
            assert int(_attr(body, "data-to-rank")) == 30 - u.n
            assert f"{30 - u.n} respons lagi agar diperingkat" in _text(body)
        else:
            assert "data-to-rank" not in body
        assert ("no_targets" in reasons) == (u.status == "unranked_no_kpi")
        low = u.reliability is not None and u.reliability < 0.70
        assert ("low_reliability" in reasons) == low
        if low:
            group = result.city.peer_groups.get(u.shrinkage_target)
            need = (group or result.city).respondents_for_reliability
            assert int(_attr(body, "data-for-reliability")) == need
    assert "Target tidak dilaporkan" in _text(rows["kel-4"])
    assert "kel-6" in rows and _data(rows["kel-6"]) == ["0", ""]


async def test_reliability_need_cannot_be_given_when_units_do_not_differ(town):
    status, html = await _page(f"?period={FLAT}")
    assert status == 200
    result = await score_period(periods.parse(FLAT), Parameters())
    assert result.city.tau2 == 0
    assert result.city.respondents_for_reliability is None
    assert result.city.respondents_for_reliability_reason == "no_between_unit_variation"
    rows = _rows(html, "data-apart")
    assert len(rows) == len(result.units)  # reliability 0: nobody is ranked
    for body in rows.values():
        assert 'data-reason="low_reliability"' in body
        assert 'data-for-reliability=""' in body
        assert "tidak berbeda secara terukur" in _text(body)


async def test_funnel_points_bands_and_limits_equal_the_engine(town):
    status, html = await _page(f"?period={Q1}")
    assert status == 200
    result = await score_period(periods.parse(Q1), Parameters())
    scored = {u.unit: u for u in result.units if u.funnel is not None}
    points = _rows(html, "data-point")
    assert set(points) == set(scored)
    for code, u in scored.items():
        n, ikm = _data(points[code])
        assert int(n) == u.n
        assert float(ikm) == 25 * u.mean
        assert float(ikm) == pytest.approx(u.ikm, abs=1e-9)  # 25 × ȳ is the IKM
        assert _attr(points[code], "data-band") == u.funnel
    outside = {code for code, u in scored.items() if u.funnel != "within"}
    assert outside, "the fixture should put a unit outside the 95% band"
    listed = _rows(html, "data-unit", "li")
    assert set(listed) == outside
    for code in outside:
        assert f'data-band="{scored[code].funnel}"' in html
    # The curves use the limits of method suara-2026.2 with the city's fitted funnel: with
    # them every unit falls in the band the engine gave it.
    fit = funnel_math.Funnel(target=result.city.funnel.target, phi=result.city.funnel.phi,
                             tau2=result.city.funnel.tau2)
    sigma2 = float(effective_sigma2(result.city.sigma2_w))
    for u in scored.values():
        assert funnel_math.band(fit, u.mean, sigma2 / u.n) == u.funnel
    view = city.build_view(periods.parse(Q1), result)
    for p in view.funnel.curve:
        lo95, hi95 = funnel_math.limits(fit, result.city.sigma2_w / p.n, funnel_math.Z95)
        lo998, hi998 = funnel_math.limits(fit, result.city.sigma2_w / p.n, funnel_math.Z998)
        assert (p.low95, p.high95) == pytest.approx((25 * lo95, 25 * hi95), abs=1e-12)
        assert (p.low998, p.high998) == pytest.approx((25 * lo998, 25 * hi998), abs=1e-12)
    assert view.funnel.curve[0].n == pytest.approx(10)
    assert view.funnel.curve[-1].n == pytest.approx(max(u.n for u in scored.values()))


async def test_what_if_weight_moves_the_ranks_as_the_engine(town):
    status, html = await _page(f"?period={Q1}&w=0.7")
    assert status == 200, html[-400:]
    default = await score_period(periods.parse(Q1), Parameters())
    heavy = await score_period(periods.parse(Q1), Parameters(w_satisfaction=0.7))
    what_if = {u.unit: u.rank for u in heavy.units}
    rows = _rows(html, "data-unit")
    moved = 0
    for u in default.units:
        if u.status != "ranked":
            continue
        body = rows[u.unit]
        assert int(_attr(body, "data-whatif")) == what_if[u.unit]
        move = u.rank - what_if[u.unit]
        assert int(_attr(body, "data-move")) == move
        text = _text(body)
        if move > 0:
            assert f"↑ naik {move}" in text
        elif move < 0:
            assert f"↓ turun {-move}" in text
        else:
            assert "= tetap" in text
        moved += move != 0
    assert moved, "the what-if weight should move some ranks in this fixture"
    assert "Peringkat dengan bobot 0,70" in html
    assert '<option value="0.70" selected>' in html
    # the default ranking and intervals are still those of weight 0.5
    first = next(u for u in default.units if u.rank == 1)
    assert int(_data(rows[first.unit])[0]) == 1


@pytest.mark.parametrize("value", ["0.25", "0.75", "0.33", "abc", "nan", "inf", "-0.5",
                                   "0.5.0", "1e400", "0x1"])
async def test_bad_what_if_weight_is_a_400_with_a_message(town, value):
    status, html = await _page(f"?period={Q1}&w={value}")
    assert status == 400
    assert "Bobot kepuasan harus berupa angka dari 0,3 sampai 0,7" in html
    status, html = await _page(f"?period={Q1}&w={value}&lang=en")
    assert status == 400
    assert "The satisfaction weight must be a number from 0.3 to 0.7" in html


def test_parse_weight():
    assert city.parse_weight(None) == city.parse_weight("") == 0.5
    assert city.parse_weight("0.45") == 0.45 and city.parse_weight("0,35") == 0.35
    assert city.parse_weight(" 0.3 ") == 0.3 and city.parse_weight("0.70") == 0.7
    assert city.weight_choices() == [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7]
    for bad in ("0.29", "0.71", "0.451", "x", "nan", "inf"):
        with pytest.raises(city.BadWeight):
            city.parse_weight(bad)


async def test_filters_by_agency_and_peer_group(town):
    result = await score_period(periods.parse(Q1), Parameters())
    status, html = await _page(f"?period={Q1}&agency=dukcapil")
    assert status == 200
    listed = set(_rows(html, "data-unit")) | set(_rows(html, "data-apart"))
    assert listed == {u.unit for u in result.units if u.agency == "dukcapil"}
    ranked = result.city.n_ranked
    assert f"dari {ranked}" in _text(html)  # ranks among all ranked units of the city
    assert '<option value="dukcapil" selected>' in html
    status, html = await _page(f"?period={Q1}&peer=kelurahan&w=0.6")
    assert status == 200
    listed = set(_rows(html, "data-unit")) | set(_rows(html, "data-apart"))
    assert listed == {u.unit for u in result.units if u.peer_group == "kelurahan"}
    assert '<option value="kelurahan" selected>' in html
    # the what-if form keeps the filter, the filter form keeps the weight
    assert '<input type="hidden" name="peer" value="kelurahan">' in html
    assert '<input type="hidden" name="w" value="0.60">' in html
    status, html = await _page(f"?period={Q1}&agency=dukcapil&peer=kelurahan")
    assert status == 200 and "data-unit=" not in html and "data-apart=" not in html


@pytest.mark.parametrize(("query", "text"), [
    ("agency=nope", "Tidak ada perangkat daerah dengan kode “nope”."),
    ("peer=nope", "Tidak ada kelompok sejenis “nope”."),
    ("agency=nope&lang=en", "There is no agency with the code “nope”."),
    ("peer=%3Cb%3E&lang=en", "There is no peer group “&lt;b&gt;”."),
])
async def test_unknown_filter_is_a_400_with_a_message(town, query, text):
    status, html = await _page(f"?period={Q1}&{query}")
    assert status == 400
    assert text in html


async def test_drill_down_and_publish_links(town):
    status, html = await _page(f"?period={Q1}")
    assert status == 200
    assert 'href="/staf/dinas/dukcapil?period=2026-Q1"' in html
    assert 'href="/staf/unit/capil-1?period=2026-Q1"' in html
    assert 'id="publish" href="/staf/kota/terbitan?period=2026-Q1"' in html
    assert 'id="report" href="/staf/kota/laporan?period=2026-Q1&amp;format=pdf"' in html
    status, html = await _page(f"?period={Q1}&lang=en")
    assert 'href="/staf/unit/capil-1?period=2026-Q1&amp;lang=en"' in html
    assert "Publish this period" in html and "between " in html
    # a range of days cannot be published: no links, a hint instead
    status, html = await _page("?from=2026-02-01&to=2026-02-28")
    assert status == 200 and 'id="publish"' not in html and 'id="report"' not in html
    assert 'href="/staf/unit/capil-1?from=2026-02-01&amp;to=2026-02-28"' in html


async def test_trend_equals_pooled_ikm_and_engine_index(town):
    status, html = await _page(f"?period={Q1}")
    assert status == 200
    points = _rows(html, "data-period")
    # quarters with data up to 2026-Q1, oldest first (2025-01 falls in 2025-Q1)
    assert list(points) == ["2025-Q1", "2025-Q3", "2025-Q4", "2026-Q1"]
    for key, body in points.items():
        p = periods.parse(key)
        answers = [a for k, per_unit in town.answers.items() if p.first <= _first_day(k) <= p.last
                   for unit_answers in per_unit.values() for a in unit_answers]
        counts = np.zeros((9, 4), dtype=int)
        for a in answers:
            for i, e in enumerate(ELEMENTS):
                counts[i, a[e] - 1] += 1
        ikm, n = _data(body)
        assert int(n) == len(answers)
        assert float(ikm) == pytest.approx(official_ikm(counts, len(answers)).ikm, abs=1e-9)
    # the agencies' index per period equals the engine's full result (2,000 draws): the
    # trend's draw-free computation gives the same index
    table = html[html.index('<table id="trend-agencies">'):]
    agencies = _rows(table, "data-agency")
    for i, key in enumerate(points):
        full = await score_period(periods.parse(key), Parameters())
        for a in full.agencies:
            assert _num(_data(agencies[a.agency])[i]) == a.index
    assert "kosong" in agencies  # every agency has a row


def _first_day(key: str) -> date:
    return date(2026, 2, 10) if key == Q1 else {
        "2025-Q4": date(2025, 11, 5), "2025-Q3": date(2025, 8, 20),
        FLAT: date(2025, 1, 15)}[key]


def test_trend_periods():
    kind, got = city_trend.trend_periods(periods.parse("2026-03"))
    assert kind == "month" and got[-1].key == "2026-03" and got[0].key == "2025-04"
    kind, got = city_trend.trend_periods(periods.parse("2026"))
    assert kind == "quarter" and got[-1].key == "2026-Q4" and len(got) == 12
    kind, got = city_trend.trend_periods(periods.parse("2026-S1"))
    assert got[-1].key == "2026-Q2" and got[0].key == "2023-Q3"
    kind, got = city_trend.trend_periods(periods.custom(date(2026, 1, 5), date(2026, 5, 3)))
    assert kind == "quarter" and got[-1].key == "2026-Q2"


async def test_trend_scores_without_draws_and_caches(town):
    cache: dict = {}
    kind, points = await city_trend.trend(periods.parse(Q1), cache)
    assert kind == "quarter" and len(points) == 4
    keys = sorted(k for k in cache if k[0] in {p.key for p in points})
    assert keys and all(k[2] == 0 for k in keys)  # (period, seed, draws, w): no draws
    assert city_trend.TREND_PARAMS.draws == 0


async def test_no_data_period_lists_the_agencies(town):
    status, html = await _page("?period=2020")
    assert status == 200
    assert 'id="no-data"' in html
    assert '<a href="/staf/dinas/dukcapil?period=2020">Dinas Kependudukan</a>' in html


@pytest.mark.parametrize(("query", "status"), [("period=nonsense", 400), ("period=2099", 422),
                                               ("from=2026-02-01", 400)])
async def test_bad_period(town, query, status):
    got, html = await _page(f"?{query}")
    assert got == status and "Periode" in html


async def test_charts_are_self_contained_svg(town):
    status, html = await _page(f"?period={Q1}")
    svgs = re.findall(r"<svg\b.*?</svg>", html, re.S)
    assert len(svgs) == 4  # caterpillar, funnel, city IKM trend, agencies' trend
    for svg in svgs:
        assert "<script" not in svg and "<!--" not in svg
        assert re.findall(r'(?:href|src)="(?!#)', svg) == []
        assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
    assert "<script" not in html


def test_rank_words():
    from app.web.staff.city import rank_words

    assert rank_words(3, 6, 12, "id") == "antara peringkat ke-3 dan ke-6 dari 12"
    assert rank_words(3, 6, 12, "en") == "between 3rd and 6th of 12"
    assert rank_words(1, 1, 12, "en") == "rank 1st of 12"
    assert rank_words(1, 1, 12, "id") == "peringkat ke-1 dari 12"
    assert rank_words(None, None, 12, "id") == "–"


def test_view_without_kpis_and_weights():
    """Pure: with no KPI anywhere the index is S and the what-if changes nothing."""
    rng = np.random.default_rng(3)
    units = []
    for i in range(8):
        counts = np.zeros((9, 4), dtype=np.int64)
        hist: dict[tuple[int, int], int] = {}
        for _ in range(40):
            level = 2 + i * 0.2 + rng.normal(0, 0.5)
            answers = [int(np.clip(round(level + rng.normal(0, 0.5)), 1, 4)) for _ in ELEMENTS]
            for e, a in enumerate(answers):
                counts[e, a - 1] += 1
            hist[(9, sum(answers))] = hist.get((9, sum(answers)), 0) + 1
        units.append(UnitData(f"u{i}", "a", "g", 100, counts,
                              tuple((a, t, c) for (a, t), c in sorted(hist.items()))))
    base = score(units, [], Parameters(draws=50))
    heavy = score(units, [], Parameters(draws=50, w_satisfaction=0.3))
    view = city.build_view(periods.parse(Q1), base, weight=0.3, whatif=heavy)
    assert view.w_kpi_used == 0
    assert all(u.move == 0 for u in view.ranked)
    assert [u.code for u in view.ranked] == [u.unit for u in sorted(
        (u for u in base.units if u.rank), key=lambda u: u.rank)]
    assert not math.isnan(view.funnel.target)


# Roles × routes -------------------------------------------------------------------------
@pytest.mark.parametrize("role", ROLES)
async def test_role_route_matrix(town, role):
    paths = ["/staf/kota", f"/staf/kota?period={Q1}&agency=dukcapil&peer=dukcapil&w=0.6"]
    async with make_client() as client:
        if role != "anonymous":
            await signed_in_as(client, role)
        for path in paths:
            got = await client.get(path)
            if role == "anonymous":
                assert got.status_code == 303
                assert got.headers["location"].startswith("/staf/masuk")
            elif role == "city":
                assert got.status_code == 200, got.text[-300:]
            else:
                assert got.status_code == 403, (role, path)
                assert "Tidak diizinkan" in got.text


async def test_charts_are_redrawn_when_the_figures_change(town):
    from dataclasses import replace

    from app import i18n
    from app.web.staff import city as page

    result = await score_period(periods.parse(Q1), Parameters(draws=20))
    view = city.build_view(periods.parse(Q1), result)
    helpers = {"num": lambda v, d=2: f"{v:.{d}f}", "month_name": str}
    _ = i18n.gettext("en")
    first = page._cached_charts(view, "en", helpers, _)
    assert page._cached_charts(replace(view), "en", helpers, _) is first  # equal view
    moved = replace(view, ranked=view.ranked[1:])
    again = page._cached_charts(moved, "en", helpers, _)
    assert again is not first
    assert again["caterpillar"].svg != first["caterpillar"].svg
