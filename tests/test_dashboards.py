"""Staff dashboards (/staf/unit, /staf/dinas, /staf/loket): every figure equals the API's,
the engine's or an independent computation from the stored answers; minimum group sizes;
roles and scopes; bad periods; charts without scripts or external references."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import numpy as np
import pytest

from app.settings import from_env
from app.web.staff import charts
from feedback.accounts import users
from feedback.accounts.audit import Actor
from feedback.accounts.scope import Scope
from feedback.org.counters import clear_counter_cache, load_counter
from feedback.performance import dashboard, periods
from feedback.performance import dashboard_groups as groups
from feedback.performance.scores import score_period
from feedback.survey import submit as submission
from feedback.survey.validate import validate
from feedback.tables import Agency, Counter, Unit
from scoring.ikm import ELEMENTS, official_ikm, required_sample
from scoring.inputs import Parameters
from tests.support import make_client

PASSWORD = "dashboard-test-password-1"
Q1 = "2026-Q1"
WHEN = datetime(2026, 2, 10, 2, tzinfo=UTC)  # in 2026-Q1 (WITA 10:00)
YEAR_EARLIER = datetime(2025, 2, 11, 2, tzinfo=UTC)
ROLES = ("officer", "unit", "agency", "city", "admin")


def _answers(rng: np.random.Generator, n: int, low: int = 1) -> list[dict[str, int]]:
    return [{e: int(rng.integers(low, 5)) for e in ELEMENTS} for _ in range(n)]


async def _store(counter_code: str, answers: list[dict[str, int]], when: datetime,
                 tag: str, service: str | None = None,
                 profile: dict[str, str] | None = None, comment: str | None = None) -> None:
    counter = await load_counter(counter_code)
    items = [submission.Pending(
        counter=counter, draft=validate(counter, a, service=service, profile=profile,
                                        comment=comment),
        channel="kiosk", lang="id", submission_key=f"{tag}-{i}", now=when)
        for i, a in enumerate(answers)]
    await submission.store_batch(items, submission.Policy())


class City:
    """The small organisation plus a second agency, responses and one account per role."""

    answers: dict[str, list[dict[str, int]]]


@pytest.fixture
async def city(org):
    capil = Agency(code="dukcapil", name="Dinas Kependudukan")
    await capil.save()
    capil_unit = Unit(code="capil-pusat", name="Kantor Disdukcapil", agency=capil.id,
                      peer_group="dukcapil", monthly_volume=500)
    await capil_unit.save()
    oesapa2 = Counter(code="OESAPA02", unit=org.unit_id, name="Loket Obat", is_kiosk=True,
                      secret=org.secret)
    await Counter.insert(
        oesapa2,
        Counter(code="CAPIL001", unit=capil_unit.id, name="Loket KTP", is_kiosk=True,
                secret=org.secret))
    clear_counter_cache()
    rng = np.random.default_rng(7)
    c = City()
    c.answers = {
        "OESAPA01": _answers(rng, 40, low=2),
        "OESAPAK1": _answers(rng, 15),
        "OESAPA02": _answers(rng, 9),
        "OEBOBO01": _answers(rng, 30),
        "CAPIL001": _answers(rng, 25, low=2),
    }
    # OESAPA01: the first 25 with service "umum" and profile P/30-39; the rest without.
    await _store("OESAPA01", c.answers["OESAPA01"][:25], WHEN, "o1a", service="umum",
                 profile={"gender": "P", "age_band": "30-39"})
    await _store("OESAPA01", c.answers["OESAPA01"][25:], WHEN, "o1b",
                 profile={"gender": "L"})
    for code in ("OESAPAK1", "OESAPA02", "OEBOBO01", "CAPIL001"):
        await _store(code, c.answers[code], WHEN, code)
    await _store("OESAPA01", _answers(rng, 12), YEAR_EARLIER, "old")
    await _store("OESAPA01", _answers(rng, 1), datetime(2026, 5, 4, 3, tzinfo=UTC), "said",
                 comment="Antrean lama, hubungi saya di 081234567890")
    await _make_users(org)
    return c


async def _make_users(org) -> None:
    actor = Actor(email="test")
    scopes = {"officer": org.counter, "unit": org.unit_code, "agency": "dinkes", "city": None,
              "admin": None}
    for role, code in scopes.items():
        await users.create_user(f"{role}@dash.test", role=role, scope_code=code,
                                password=PASSWORD, actor=actor)


async def sign_in(client, role: str) -> None:
    page = await client.get("/staf/masuk")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    done = await client.post("/staf/masuk", data={
        "email": f"{role}@dash.test", "password": PASSWORD, "_csrf_token": token})
    assert done.status_code == 303, done.text


def data(html: str, element_id: str) -> str:
    """The machine-readable value of the first <data> inside the element with this id."""
    found = re.search(rf'id="{element_id}"[^>]*>(?:(?!</dd>|</p>).)*?<data value="([^"]*)"',
                      html, re.S)
    assert found, f"no <data> in #{element_id}"
    return found.group(1)


def rows(html: str, attribute: str) -> dict[str, list[str]]:
    """Per table row with this data attribute, the values of its <data> cells."""
    out = {}
    for key, body in re.findall(rf'<tr {attribute}="([^"]+)">(.*?)</tr>', html, re.S):
        out[key] = re.findall(r'<data value="([^"]*)"', body)
    return out


def _ikm(answer_lists) -> object:
    counts = np.zeros((9, 4), dtype=int)
    n = 0
    for answers in answer_lists:
        for a in answers:
            n += 1
            for i, e in enumerate(ELEMENTS):
                counts[i, a[e] - 1] += 1
    return official_ikm(counts, n)


# The figures ----------------------------------------------------------------------------
async def test_unit_page_equals_the_api_and_the_engine(city):
    async with make_client() as client:
        await sign_in(client, "unit")
        page = await client.get(f"/staf/unit/pkm-oesapa?period={Q1}")
        assert page.status_code == 200, page.text
        html = page.text
        api = (await client.get("/api/v1/units/pkm-oesapa/ikm?from=2026-01-01&to=2026-03-31")
               ).json()
        scores = (await client.get(f"/api/v1/scores?period={Q1}")).json()
    assert float(data(html, "ikm")) == api["ikm"] and not api["suppressed"]
    assert 'id="public-withheld"' not in html
    assert int(data(html, "n")) == api["n"] == 64
    assert data(html, "grade") == api["grade"]
    elements = rows(html, "data-element")
    for code in ELEMENTS:
        assert float(elements[code][0]) == api["elements"][code]["nrr"]
        assert float(elements[code][1]) == api["elements"][code]["ikm"]
    # weakest first
    values = [float(elements[code][1]) for code in elements]
    assert values == sorted(values)
    # an independent computation from the stored answers
    own = _ikm([city.answers["OESAPA01"], city.answers["OESAPAK1"], city.answers["OESAPA02"]])
    assert float(data(html, "ikm")) == pytest.approx(own.ikm, abs=1e-9)
    # the required sample: volume 2,000 a month × 3 months
    assert int(data(html, "required")) == required_sample(6000)
    assert "more responses needed" not in html  # Indonesian page
    shortfall = required_sample(6000) - 64
    assert f"Perlu {shortfall} respons lagi" in re.search(r'id="sample">(.*?)</p>', html,
                                                           re.S).group(1)
    # beside the peer group: the engine's result for the same period
    unit = next(u for u in scores["units"] if u["unit"] == "pkm-oesapa")
    result = await score_period(periods.parse(Q1), Parameters())
    engine = next(u for u in result.units if u.unit == "pkm-oesapa")
    assert unit["satisfaction"] == engine.satisfaction
    assert float(data(html, "satisfaction")) == engine.satisfaction
    assert unit["required_sample"] == int(data(html, "required"))
    assert unit["ikm"] == pytest.approx(float(data(html, "ikm")), abs=1e-9)
    if engine.index is not None:
        assert float(data(html, "index")) == engine.index
    # the rank within the peer group ("between 3rd and 6th of 14 puskesmas"), from the API
    assert unit["peer_rank_interval"]["low"] == engine.peer_rank_interval.low
    peer_rank = re.search(r'id="peer-rank">(.*?)</p>', html, re.S)
    if engine.peer_rank_interval.low is None:
        assert peer_rank is None
    else:
        assert f"{engine.peer_ranked} " in peer_rank.group(1)
    # the monthly trend: February has every response, January and March none
    trend = rows(html, "data-month")
    assert list(trend) == ["2026-01", "2026-02", "2026-03"]
    assert trend["2026-02"] == [data(html, "ikm"), "64"]
    assert trend["2026-01"] == ["", "0"]
    # a year earlier: 12 responses in February 2025
    assert "12" in re.search(r'id="year-earlier">(.*?)</p>', html, re.S).group(1)


async def test_counter_and_service_breakdowns_hide_small_groups(city):
    async with make_client() as client:
        await sign_in(client, "unit")
        html = (await client.get(f"/staf/unit/pkm-oesapa?period={Q1}")).text
    counters = rows(html, "data-key")
    # OESAPA02 has 9 responses: no figure at all; the kiosk (15) is the smallest shown
    # group and is hidden as its complement; OESAPA01 (40) is shown.
    assert counters["OESAPA02"] == [] and counters["OESAPAK1"] == []
    row = re.search(r'<tr data-key="OESAPA02">(.*?)</tr>', html, re.S).group(1)
    assert "kurang dari 10 respons" in row and "9" not in row
    own = _ikm([city.answers["OESAPA01"]])
    assert counters["OESAPA01"][0] == "40"
    assert float(counters["OESAPA01"][1]) == pytest.approx(own.ikm, abs=1e-9)
    # service "umum": 25 responses; "kia": none
    umum = _ikm([city.answers["OESAPA01"][:25]])
    assert counters["umum"][0] == "25"
    assert float(counters["umum"][1]) == pytest.approx(umum.ikm, abs=1e-9)
    assert counters["kia"] == []
    # profile: 40 answered gender (25 P, 15 L); age band 30-39 25, the others empty
    gender = re.search(r'id="profile-gender">(.*?)</table>', html, re.S).group(1)
    assert rows(gender, "data-key") == {"L": ["15"], "P": ["25"]}
    age = re.search(r'id="profile-age_band">(.*?)</table>', html, re.S).group(1)
    assert rows(age, "data-key")["30-39"] == ["25"]


async def test_agency_page_equals_the_engine(city):
    async with make_client() as client:
        await sign_in(client, "agency")
        page = await client.get(f"/staf/dinas/dinkes?period={Q1}")
        assert page.status_code == 200, page.text
    html = page.text
    own = _ikm([city.answers[c] for c in ("OESAPA01", "OESAPAK1", "OESAPA02", "OEBOBO01")])
    assert float(data(html, "ikm")) == pytest.approx(own.ikm, abs=1e-9)
    assert int(data(html, "n")) == 94
    result = await score_period(periods.parse(Q1), Parameters())
    units = rows(html, "data-unit")
    assert set(units) == {"pkm-oesapa", "pkm-oebobo"}
    for code, values in units.items():
        engine = next(u for u in result.units if u.unit == code)
        assert float(values[0]) == engine.ikm
        assert int(values[1]) == engine.n
        assert values[2] == ("" if engine.index is None else repr(engine.index))
    assert 'href="/staf/unit/pkm-oesapa?period=2026-Q1"' in html


async def test_counter_page_for_the_officer(city):
    async with make_client() as client:
        await sign_in(client, "officer")
        page = await client.get(f"/staf/loket/OESAPA01?period={Q1}")
        assert page.status_code == 200
        assert (await client.get(f"/staf/loket/OESAPA02?period={Q1}")).status_code == 404
        assert (await client.get(f"/staf/unit/pkm-oesapa?period={Q1}")).status_code == 403
    own = _ikm([city.answers["OESAPA01"]])
    assert float(data(page.text, "ikm")) == pytest.approx(own.ikm, abs=1e-9)
    assert int(data(page.text, "n")) == 40
    async with make_client() as client:
        await sign_in(client, "unit")
        small = await client.get(f"/staf/loket/OESAPA02?period={Q1}")
    assert small.status_code == 200
    assert 'id="suppressed"' in small.text and "<data" not in small.text


async def test_min_group_setting(city, monkeypatch):
    monkeypatch.setenv("SUARA_MIN_GROUP", "5")
    assert from_env().min_group == 5
    monkeypatch.delenv("SUARA_MIN_GROUP")
    assert from_env().min_group == 10
    async with make_client(min_group=5) as client:
        await sign_in(client, "unit")
        html = (await client.get(f"/staf/loket/OESAPA02?period={Q1}")).text
    assert int(data(html, "n")) == 9


async def test_unit_page_shows_the_newest_comments_masked(city):
    async with make_client() as client:
        await sign_in(client, "unit")
        html = (await client.get(f"/staf/unit/pkm-oesapa?period={Q1}")).text
    latest = re.search(r'id="latest-comments">(.*?)</ul>', html, re.S).group(1)
    assert "Antrean lama" in latest and "2026-05-04 11:00 WITA" in latest
    assert "081234567890" not in html and "[nomor telepon disamarkan]" in latest
    assert 'href="/staf/unit/pkm-oesapa/komentar"' in html


def test_breakdowns_cover_whole_ended_months():
    today = date(2026, 11, 30)
    assert groups.span(periods.parse("2026-11"), today) is None
    year = groups.span(periods.parse("2026"), today)
    assert (year.first, year.last, len(year.months)) == (date(2026, 1, 1),
                                                         date(2026, 10, 31), 10)
    assert groups.span(periods.parse("2026"), date(2026, 12, 1)).last == date(2026, 11, 30)
    custom = groups.span(periods.custom(date(2026, 1, 15), date(2026, 3, 31)), today)
    assert custom.months == ((date(2026, 2, 1), date(2026, 2, 28)),
                             (date(2026, 3, 1), date(2026, 3, 31)))
    assert groups.span(periods.custom(date(2026, 2, 2), date(2026, 2, 27)), today) is None


async def test_a_month_with_a_few_ratings_hides_the_counter(city):
    rng = np.random.default_rng(11)
    july, august = _answers(rng, 12), _answers(rng, 3)
    await _store("OESAPA02", july, datetime(2025, 7, 8, 2, tzinfo=UTC), "jul")
    await _store("OESAPA02", august, datetime(2025, 8, 8, 2, tzinfo=UTC), "aug")
    async with make_client() as client:
        await sign_in(client, "unit")
        quarter = (await client.get("/staf/loket/OESAPA02?period=2025-Q3")).text
        month = (await client.get("/staf/loket/OESAPA02?period=2025-07")).text
        unit = (await client.get("/staf/unit/pkm-oesapa?period=2025-Q3")).text
    # 15 in the quarter, but 3 in August: Q3 minus July would show those 3
    assert 'id="suppressed"' in quarter and "<data" not in quarter
    assert int(data(month, "n")) == 12
    assert float(data(month, "ikm")) == pytest.approx(_ikm([july]).ikm, abs=1e-9)
    row = re.search(r'<tr data-key="OESAPA02">(.*?)</tr>', unit, re.S).group(1)
    assert "<data" not in row and "salah satu bulan" in row
    # the public IKM withholds the unit's Q3 (August has 3): the page says so
    async with make_client() as client:
        public = (await client.get("/api/v1/units/pkm-oesapa/ikm?period=2025-Q3")).json()
    assert public["suppressed"] is True and public["n"] == int(data(unit, "n")) == 15
    assert 'id="public-withheld"' in unit


async def test_this_months_ratings_are_not_broken_down(city):
    rng = np.random.default_rng(12)
    now = datetime.now(UTC)
    await _store("OESAPA02", _answers(rng, 12), now, "now")
    key = dashboard_today().strftime("%Y-%m")
    async with make_client() as client:
        await sign_in(client, "unit")
        counter = (await client.get(f"/staf/loket/OESAPA02?period={key}")).text
        unit = (await client.get(f"/staf/unit/pkm-oesapa?period={key}")).text
    assert 'class="span no-span"' in counter and "<data" not in counter
    assert 'data-key="OESAPA02"' not in unit and 'class="span no-span"' in unit
    assert int(data(unit, "n")) >= 12  # the unit's own figures are live


# Scope in the domain ----------------------------------------------------------------------
async def test_domain_functions_refuse_other_scopes(city, org):
    q1 = periods.parse(Q1)
    other_unit = Scope(role="unit", unit_id=org.unit_id + 1000)
    with pytest.raises(dashboard.NotFound):
        await dashboard.unit_dashboard(other_unit, "pkm-oesapa", q1, min_group=10)
    with pytest.raises(dashboard.NotFound):
        await dashboard.agency_dashboard(Scope(role="unit", unit_id=org.unit_id), "dinkes",
                                         q1, min_group=10)
    with pytest.raises(dashboard.NotFound):
        await dashboard.counter_dashboard(Scope(role="officer", counter_id=org.counter_id),
                                          "OESAPA02", q1, min_group=10)
    with pytest.raises(dashboard.NotFound):
        await dashboard.unit_dashboard(Scope(role="city"), "no-such-unit", q1, min_group=10)
    board = await dashboard.unit_dashboard(Scope(role="city"), "pkm-oesapa", q1,
                                           min_group=10)
    weakest = board.official.elements[0]
    assert board.official.weakest == weakest
    assert weakest.drag == pytest.approx((board.official.ikm - weakest.ikm) / 9)
    assert board.official.responses_needed == required_sample(6000) - 64


# Roles × routes ---------------------------------------------------------------------------
OWN_UNIT, SAME_AGENCY_UNIT, OTHER_UNIT = "pkm-oesapa", "pkm-oebobo", "capil-pusat"
ROUTES = {
    "unit-own": f"/staf/unit/{OWN_UNIT}",
    "unit-sibling": f"/staf/unit/{SAME_AGENCY_UNIT}",
    "unit-other": f"/staf/unit/{OTHER_UNIT}",
    "unit-unknown": "/staf/unit/no-such-unit",
    "agency-own": "/staf/dinas/dinkes",
    "agency-other": "/staf/dinas/dukcapil",
    "counter-own": "/staf/loket/OESAPA01",
    "counter-sibling": "/staf/loket/OESAPA02",
    "counter-other": "/staf/loket/CAPIL001",
}
EXPECTED = {
    "officer": {"unit-own": 403, "unit-sibling": 403, "unit-other": 403, "unit-unknown": 403,
                "agency-own": 403, "agency-other": 403, "counter-own": 200,
                "counter-sibling": 404, "counter-other": 404},
    "unit": {"unit-own": 200, "unit-sibling": 404, "unit-other": 404, "unit-unknown": 404,
             "agency-own": 403, "agency-other": 403, "counter-own": 200,
             "counter-sibling": 200, "counter-other": 404},
    "agency": {"unit-own": 200, "unit-sibling": 200, "unit-other": 404, "unit-unknown": 404,
               "agency-own": 200, "agency-other": 404, "counter-own": 200,
               "counter-sibling": 200, "counter-other": 404},
    "city": {"unit-own": 200, "unit-sibling": 200, "unit-other": 200, "unit-unknown": 404,
             "agency-own": 200, "agency-other": 200, "counter-own": 200,
             "counter-sibling": 200, "counter-other": 200},
    "admin": dict.fromkeys(ROUTES, 403),
}


async def test_roles_and_scopes_of_every_dashboard_route(city):
    for role in ROLES:
        async with make_client() as client:
            await sign_in(client, role)
            for name, path in ROUTES.items():
                got = await client.get(f"{path}?period={Q1}")
                assert got.status_code == EXPECTED[role][name], (role, name, got.status_code)
    async with make_client() as client:
        for path in ROUTES.values():
            got = await client.get(path)
            assert got.status_code == 303 and got.headers["location"].startswith(
                "/staf/masuk")


# Periods ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("query", "status", "text"), [
    ("period=2026-S3", 400, "Periode tidak dikenal"),
    ("period=nonsense", 400, "Periode tidak dikenal"),
    ("from=2026-02-01&to=2026-01-01", 400, "Tanggal awal tidak boleh"),
    ("from=2026-02-01", 400, "hari pertama dan hari terakhir"),
    ("from=2020-01-01&to=2026-01-01", 400, "tiga tahun"),
    ("from=2026-13-01&to=2026-12-01", 400, "Periode tidak dikenal"),
    ("period=0001", 400, "mulai tahun 2000"),
    ("from=0001-01-01&to=0001-01-02", 400, "mulai tahun 2000"),
    ("period=2099", 422, "belum dimulai"),
    ("period=2099&lang=en", 422, "has not started yet"),
])
async def test_bad_periods_are_refused_with_a_message(city, query, status, text):
    async with make_client() as client:
        await sign_in(client, "city")
        for path in ("/staf/unit/pkm-oesapa", "/staf/dinas/dinkes", "/staf/loket/OESAPA01"):
            got = await client.get(f"{path}?{query}")
            assert got.status_code == status, (path, got.status_code)
            assert text in got.text


async def test_default_period_is_the_year_to_date_and_periods_by_range(city):
    today = dashboard_today()
    async with make_client() as client:
        await sign_in(client, "unit")
        html = (await client.get("/staf/unit/pkm-oesapa")).text
        api = (await client.get("/api/v1/units/pkm-oesapa/ikm")).json()
        ranged = (await client.get("/staf/unit/pkm-oesapa?from=2026-02-01&to=2026-02-28")
                  ).text
    assert f"{date(today.year, 1, 1).isoformat()} sampai {today.isoformat()}" in html
    assert int(data(html, "n")) == api["n"]
    assert int(data(ranged, "n")) == 64


def dashboard_today() -> date:
    from app.web.staff.dashboards import today

    return today()


async def test_english_page(city):
    async with make_client() as client:
        await sign_in(client, "unit")
        html = (await client.get(f"/staf/unit/pkm-oesapa?period={Q1}&lang=en")).text
    assert '<html lang="en">' in html
    assert "more responses needed" in html and "pulls the IKM down most" in html
    assert "Quarter I 2026" in html


# Charts -----------------------------------------------------------------------------------
async def test_charts_are_self_contained_svg(city):
    async with make_client() as client:
        await sign_in(client, "unit")
        html = (await client.get(f"/staf/unit/pkm-oesapa?period={Q1}")).text
    svgs = re.findall(r"<svg\b.*?</svg>", html, re.S)
    assert len(svgs) == 2
    for svg in svgs:
        assert "<script" not in svg and "<!--" not in svg
        assert re.findall(r'(?:href|src)="(?!#)', svg) == []
        assert {u for u in re.findall(r"https?://[^\"' ]*", svg)} <= {
            "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
        assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
    assert "<script" not in html


def test_elements_chart_describes_the_grade_bounds():
    rows = (dashboard.ElementRow("waktu", 2.5, 62.5, "D", 3.0),
            dashboard.ElementRow("biaya", 3.9, 97.5, "A", -1.0))
    chart = charts.elements_chart(rows, {"waktu": "Waktu", "biaya": "Biaya"}, title="T",
                                  description="D", lang="id")
    assert "88,31" in chart.svg and "76,61" in chart.svg and "65,00" in chart.svg
    assert "62,50" in chart.svg and "97,50" in chart.svg


def test_the_element_that_pulls_the_ikm_down_most():
    from feedback.performance.dashboard import _official
    from feedback.performance.dashboard_reads import Tally

    alike = _official(Tally(3, [[0, 0, 3, 0] for _ in ELEMENTS]), None)
    assert alike.ikm == 75.0 and alike.weakest is None
    # eight elements answered 3 by both, sarana 1 and 2: sarana costs (IKM − 37.5)/9
    low = _official(Tally(2, [[0, 0, 2, 0] for _ in ELEMENTS[:-1]] + [[1, 1, 0, 0]]), 100)
    assert low.weakest.code == "sarana" == low.elements[0].code
    assert low.weakest.drag == pytest.approx((low.ikm - 37.5) / 9)
    assert (low.required_sample, low.responses_needed) == (80, 78)
