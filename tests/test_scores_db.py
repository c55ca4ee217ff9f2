"""Scoring from the database: periods, KPI storage with audit, engine inputs from the daily
aggregates, and the scores API."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import msgspec
import numpy as np
import pytest

from feedback.org.counters import load_counter
from feedback.performance import periods
from feedback.performance.kpis import UnknownUnits, store_kpis
from feedback.performance.scores import engine_inputs
from feedback.survey import submit as submission
from feedback.survey.validate import validate
from feedback.tables import IndicatorAudit, IndicatorValue
from scoring.inputs import Kpi, unit_data_from_responses
from scoring.result import ScoreResult
from tests.support import make_client


@pytest.mark.parametrize(
    ("key", "first", "last", "months", "previous"),
    [
        ("2026", date(2026, 1, 1), date(2026, 12, 31), 12, "2025"),
        ("2026-S1", date(2026, 1, 1), date(2026, 6, 30), 6, "2025-S2"),
        ("2026-S2", date(2026, 7, 1), date(2026, 12, 31), 6, "2026-S1"),
        ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31), 3, "2025-Q4"),
        ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31), 3, "2026-Q3"),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29), 1, "2024-01"),
        ("2026-01", date(2026, 1, 1), date(2026, 1, 31), 1, "2025-12"),
        ("2026-12", date(2026, 12, 1), date(2026, 12, 31), 1, "2026-11"),
    ],
)
def test_period_keys(key, first, last, months, previous):
    p = periods.parse(key)
    assert (p.first, p.last, p.months, p.previous) == (first, last, months, previous)


@pytest.mark.parametrize("key", ["", "26", "2026-S3", "2026-Q5", "2026-13", "2026-00", "x"])
def test_bad_period_keys(key):
    with pytest.raises(ValueError):
        periods.parse(key)


def test_custom_period():
    p = periods.custom(date(2026, 1, 1), date(2026, 1, 31))
    assert p.previous is None and p.months == pytest.approx(31 / 30.4375)
    with pytest.raises(ValueError):
        periods.custom(date(2026, 2, 1), date(2026, 1, 1))


RESPONSES = [
    {"persyaratan": 4, "prosedur": 3, "waktu": 2, "biaya": 4, "produk": 3, "kompetensi": 3,
     "perilaku": 4, "pengaduan": 3, "sarana": 2},
    {"persyaratan": 3, "prosedur": 3, "waktu": 3, "biaya": 4, "produk": 3, "kompetensi": 4,
     "perilaku": 4},
    {"persyaratan": 1, "prosedur": 2, "waktu": 1, "biaya": 3, "produk": 2, "kompetensi": 2,
     "perilaku": 3, "pengaduan": 1, "sarana": 2},
]


async def _store(org, answers_list, when):
    counter = await load_counter(org.kiosk)
    for i, answers in enumerate(answers_list):
        await submission.store_one(submission.Pending(
            counter=counter, draft=validate(counter, answers), channel="kiosk",
            lang="id", submission_key=f"s-{when.isoformat()}-{i}", now=when),
            submission.Policy())


async def test_engine_inputs_equal_inputs_built_from_raw_responses(org):
    await _store(org, RESPONSES, datetime(2026, 3, 10, 2, tzinfo=UTC))
    await _store(org, RESPONSES[:1], datetime(2026, 8, 1, 2, tzinfo=UTC))  # outside S1
    units, kpis = await engine_inputs(periods.parse("2026-S1"))
    assert [u.unit for u in units] == ["pkm-oebobo", "pkm-oesapa"]
    got = units[1]
    want = unit_data_from_responses("pkm-oesapa", "dinkes", "puskesmas", 12000, RESPONSES)
    assert np.array_equal(got.element_counts, want.element_counts)
    assert sorted(got.score_hist) == sorted(want.score_hist)
    assert got.volume == 2000 * 6 and got.agency == "dinkes" and got.peer_group == "puskesmas"
    assert (got.name, got.agency_name) == ("UPTD Puskesmas Oesapa", "Dinas Kesehatan")
    assert units[0].score_hist == () and kpis == []


async def test_kpis_are_stored_per_period_with_audit(org):

    now = datetime(2026, 7, 2, tzinfo=UTC)
    first = [Kpi("pkm-oesapa", "Cakupan imunisasi", 95, 90, "higher", 2),
             Kpi("pkm-oesapa", "Waktu tunggu (menit)", 30, None, "lower", 1)]
    report = await store_kpis("2026-S1", first, "kasubag", now)
    assert (report.created, report.changed, report.unchanged) == (2, 0, 0)
    await store_kpis("2025-S2", [Kpi("pkm-oesapa", "Cakupan imunisasi", 90, 93, "higher",
                                         2)], "kasubag", now)
    second = [first[0], Kpi("pkm-oesapa", "Waktu tunggu (menit)", 30, 36, "lower", 1)]
    report = await store_kpis("2026-S1", second, "kabid", now)
    assert (report.created, report.changed, report.unchanged) == (0, 1, 1)
    audit = await IndicatorAudit.select(IndicatorAudit.field, IndicatorAudit.old_value,
                                        IndicatorAudit.new_value, IndicatorAudit.changed_by)
    assert audit == [{"field": "actual", "old_value": None, "new_value": 36.0,
                      "changed_by": "kabid"}]
    _, kpis = await engine_inputs(periods.parse("2026-S1"))
    by_name = {k.indicator: k for k in kpis}
    assert by_name["Waktu tunggu (menit)"].actual == 36
    assert by_name["Cakupan imunisasi"].previous_actual == 93  # last semester's actual
    with pytest.raises(UnknownUnits):
        await store_kpis("2026-S1", [Kpi("nope", "x", 1, 1, "higher", 1)], "x", now)
    assert await IndicatorValue.count() == 3


async def test_scores_api(org):
    await _store(org, RESPONSES * 4, datetime(2026, 2, 3, 2, tzinfo=UTC))
    async with make_client() as client:
        r = await client.get("/api/v1/scores?period=2026-S1&draws=50&seed=3")
        again = await client.get("/api/v1/scores?period=2026-S1&draws=50&seed=3")
        custom = await client.get("/api/v1/scores?from=2026-02-01&to=2026-02-28&draws=20")
        bad = [await client.get(f"/api/v1/scores?{q}") for q in (
            "period=2026-S9", "period=2026&draws=-1", "period=2026&draws=100000",
            "period=2026&w_satisfaction=1.5", "from=2026-02-30&to=2026-03-01", "",
            "period=2026&seed=abc")]
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["method"] == "suara-2026.2"
    assert body["period"] == {"key": "2026-S1", "from": "2026-01-01", "to": "2026-06-30"}
    assert body["parameters"]["seed"] == 3 and body["parameters"]["draws"] == 50
    units = {u["unit"]: u for u in body["units"]}
    assert units["pkm-oesapa"]["n"] == 12 and units["pkm-oesapa"]["status"] == "provisional"
    # names come from the database (Unit.name, Agency.name)
    assert units["pkm-oesapa"]["name"] == "UPTD Puskesmas Oesapa"
    assert units["pkm-oebobo"]["name"] == "UPTD Puskesmas Oebobo"
    assert {u["agency_name"] for u in body["units"]} == {"Dinas Kesehatan"}
    assert [(a["agency"], a["name"]) for a in body["agencies"]] == [("dinkes", "Dinas Kesehatan")]
    assert units["pkm-oebobo"]["n"] == 0 and units["pkm-oebobo"]["status"] == "not_scored"
    assert again.json() == body
    assert custom.status_code == 200 and custom.json()["units"][1]["n"] == 12
    for response in bad:
        assert response.status_code == 400, response.text
        assert response.json()["message"]


async def test_scores_api_on_the_demo_city(empty_db):
    """Every shape the engine produces (ranked, provisional, not scored, with and without
    KPIs, flags) fits the documented response schema."""
    from feedback.demo.load import load_demo

    await load_demo(responses=3000, seed=11, now=datetime(2026, 11, 28, 3, tzinfo=UTC))
    async with make_client() as client:
        r = await client.get("/api/v1/scores?period=2026&draws=100")
    assert r.status_code == 200, r.text
    body = r.json()
    statuses = {u["status"] for u in body["units"]}
    assert statuses == {"ranked", "provisional", "not_scored", "unranked_no_kpi"}
    for u in body["units"]:  # a unit says "ranked" only when it shows a rank and an index
        assert (u["status"] == "ranked") == (u["rank"] is not None)
        if u["status"] == "unranked_no_kpi":
            assert u["index"] is None and u["kpi"] is None and u["satisfaction"] is not None
    with_kpi = [u for u in body["units"] if u["kpi"] is not None]
    assert with_kpi and any(u["kpi_flags"] for u in body["units"])
    ranked = sorted((u for u in body["units"] if u["rank"]), key=lambda u: u["rank"])
    assert ranked[0]["rank_interval"]["low"] <= 1 <= ranked[0]["rank_interval"]["high"]
    for u in ranked:
        assert sum(u["contributions"].values()) == pytest.approx(u["index"])
    assert body["agencies"] and body["city"]["peer_groups"]
    assert all(u["name"] for u in body["units"]) and all(a["name"] for a in body["agencies"])
    # The body is exactly the engine's typed result (decodes strictly into it).
    assert msgspec.json.decode(r.content, type=ScoreResult).period is not None


async def test_openapi_documents_the_score_result(org):
    async with make_client() as client:
        r = await client.get("/schema/openapi.json")
    schemas = r.json()["components"]["schemas"]
    unit = schemas["UnitScore"]["properties"]
    status = unit["status"]
    assert set(status["enum"]) == {"not_scored", "provisional", "unranked_no_kpi", "ranked"}
    for value in status["enum"]:
        assert f"`{value}`" in status["description"]
    assert "between 3rd and 6th" in unit["rank_interval"]["description"]
    assert "sensitivity" in unit["rank_range"]["description"]
    for field in ("name", "agency_name", "funnel", "index"):
        assert unit[field]["description"]
    city = schemas["City"]["properties"]
    assert "no_between_unit_variation" in str(city["respondents_for_reliability_reason"])
    assert schemas["RankInterval"]["properties"]["p_top3"]["description"]
    responses = r.json()["paths"]["/api/v1/scores"]["get"]["responses"]
    assert "ScoreResult" in json.dumps(responses["200"])


async def test_fresh_score_computations_are_rate_limited(org):
    await _store(org, RESPONSES, datetime(2026, 2, 3, 2, tzinfo=UTC))
    async with make_client() as client:
        codes = [(await client.get(f"/api/v1/scores?period=2026&draws=0&seed={seed}")).status_code
                 for seed in range(12)]
        cached = await client.get("/api/v1/scores?period=2026&draws=0&seed=0")
    assert codes == [200] * 10 + [429, 429]
    assert cached.status_code == 200  # served from the cache, not computed again


# The organisation has no responses: accepted parameters end in 404 no_data, refused ones
# in 400; never a 500.
@pytest.mark.parametrize(("query", "status"), [
    ("period=2026&w_satisfaction=nan", 400), ("period=2026&w_satisfaction=inf", 400),
    ("period=2026&draws=1e3", 404), ("period=2026&seed=-1", 400),
    ("period=2026&seed=99999999999999999999999", 404), ("period=%00", 400),
    ("from=2026-01-01", 400), ("to=2026-01-01&from=", 400), ("period=2026&period=2025", 404),
])
async def test_odd_score_parameters_never_reach_a_500(org, query, status):
    async with make_client() as client:
        r = await client.get(f"/api/v1/scores?{query}")
    assert r.status_code == status, r.text
    assert r.json()["message"]
