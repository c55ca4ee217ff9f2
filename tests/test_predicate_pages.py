"""The advisory ASN link: the organisational predicate on the unit and agency views equals
scoring.predicate's mapping of the engine's index under the city's thresholds; the city's
thresholds page (/staf/kota/predikat): roles, CSRF, audited changes (old and new values),
bad input refused with a message and nothing written, a stale form refused."""

from __future__ import annotations

import asyncio
import html as htmllib
import re
from datetime import UTC, datetime

import numpy as np
import pytest

from feedback.accounts.audit import Actor, entries
from feedback.performance import periods
from feedback.performance import predicate as settings
from feedback.performance.kpis import store_kpis
from feedback.performance.predicate_tables import PredicateThresholds
from feedback.performance.scores import score_period
from feedback.tables import Agency, Counter, Unit
from scoring.ikm import round_half_up
from scoring.inputs import Kpi, Parameters
from scoring.predicate import (
    DEFAULT_THRESHOLDS,
    DISTRIBUTION_LIMITS,
    Thresholds,
    organisational_predicate,
)
from tests.staff_support import audit_mark
from tests.support import make_client
from tests.test_dashboards import Q1, WHEN, _answers, _store, city, data, sign_in  # noqa: F401

PATH = "/staf/kota/predikat"
COVERED_ROUTES = {("GET", PATH), ("POST", PATH)}
ROLES = ("officer", "unit", "agency", "city", "admin")
GOOD = {"istimewa": "85", "baik": "72,5", "butuh_perbaikan": "60", "kurang": "40.25"}


@pytest.fixture
async def fresh(city):  # noqa: F811
    """The dashboards' city, the city's thresholds never set."""
    await PredicateThresholds.delete(force=True)
    return city


def predicate_of(html: str) -> str | None:
    found = re.search(r'<p id="predicate">.*?<data id="predicate-code" value="([^"]+)"', html,
                      re.S)
    return found.group(1) if found else None


def limits_of(html: str) -> list[str]:
    found = re.search(r'<ul id="predicate-limits">(.*?)</ul>', html, re.S)
    assert found, "no limits"
    return [htmllib.unescape(x) for x in re.findall(r"<li>(.*?)</li>", found.group(1))]


def thresholds_of(html: str) -> list[float]:
    found = re.search(r'id="predicate-thresholds">(.*?)</p>', html, re.S)
    assert found, "no thresholds"
    return [float(v) for v in re.findall(r'<data value="([^"]+)"', found.group(1))]


async def _form(client, token: str, version: int | str = 0, **fields: str):
    return await client.post(PATH, data={"_csrf_token": token, "version": str(version),
                                         **GOOD, **fields})


async def _token(client) -> str:
    return client.cookies.get("sl_csrf")


async def _snapshot() -> tuple[list[dict], list[int]]:
    """The stored thresholds and the ids of the thresholds' audit rows."""
    return (await PredicateThresholds.select(),
            [r["id"] for r in await entries(object_type="predicate_thresholds")])


# The box on the unit and agency views ------------------------------------------------------
async def test_unit_box_equals_the_mapping_of_the_engines_index(fresh):
    result = await score_period(periods.parse(Q1), Parameters())
    seen = set()
    async with make_client() as client:
        await sign_in(client, "city")
        for unit in result.units:
            page = await client.get(f"/staf/unit/{unit.unit}?period={Q1}")
            assert page.status_code == 200, page.text
            html = page.text
            assert "Saran, bukan nilai perorangan" in html
            assert thresholds_of(html) == list(DEFAULT_THRESHOLDS.values())
            if unit.index is None:
                assert predicate_of(html) is None and 'id="predicate-none"' in html
                seen.add("none")
                continue
            expected = organisational_predicate(unit.index, DEFAULT_THRESHOLDS)
            assert predicate_of(html) == expected, unit.unit
            rounded = round_half_up(unit.index, 2)
            assert float(_box_data(html, "predicate-index")) == rounded
            assert f">{rounded:.2f}</data>".replace(".", ",") in _box(html)
            assert float(data(html, "index")) == unit.index
            assert len(limits_of(html)) == len(DISTRIBUTION_LIMITS[expected])
            assert ('id="predicate-provisional"' in html) == (unit.status == "provisional")
            seen.add(unit.status)
    # the city has ranked and provisional units with an index, and one with none
    assert {"ranked", "provisional"} <= seen


WORDS_ID = {
    "istimewa": ["Sangat Baik untuk sebagian besar pegawai",
                 "Sangat Baik: paling banyak 70% pegawai"],
    "baik": ["Baik: paling banyak 70% pegawai",
             "harus ada pegawai dengan predikat Butuh Perbaikan dan/atau Kurang/Misconduct"],
    "butuh_perbaikan": ["Butuh Perbaikan: paling sedikit 60% pegawai",
                        "Sangat Baik: paling banyak 10% pegawai"],
    "kurang": ["Kurang/Misconduct: paling sedikit 60% pegawai",
               "Butuh Perbaikan: paling sedikit 10% pegawai",
               "Sangat Baik: paling banyak 10% pegawai"],
    "sangat_kurang": ["Sangat Kurang: paling sedikit 60% pegawai",
                      "Kurang/Misconduct dan/atau Butuh Perbaikan: paling sedikit 10% pegawai",
                      "tidak boleh ada pegawai dengan predikat Sangat Baik"],
}
WORDS_EN = {
    "istimewa": ["Sangat Baik for most employees", "Sangat Baik: at most 70% of employees"],
    "baik": ["Baik: at most 70% of employees",
             "some employees must be Butuh Perbaikan and/or Kurang/Misconduct"],
    "butuh_perbaikan": ["Butuh Perbaikan: at least 60% of employees",
                        "Sangat Baik: at most 10% of employees"],
    "kurang": ["Kurang/Misconduct: at least 60% of employees",
               "Butuh Perbaikan: at least 10% of employees",
               "Sangat Baik: at most 10% of employees"],
    "sangat_kurang": ["Sangat Kurang: at least 60% of employees",
                      "Kurang/Misconduct and/or Butuh Perbaikan: at least 10% of employees",
                      "no employee may be Sangat Baik"],
}
BANDS_ID = {"istimewa": "indeks di atas 90", "baik": "indeks di atas 70 sampai 90",
            "butuh_perbaikan": "indeks di atas 50 sampai 70",
            "kurang": "indeks di atas 30 sampai 50", "sangat_kurang": "indeks 30 atau kurang"}


def rules_of(html: str) -> dict[str, tuple[str, list[str]]]:
    out = {}
    for code, band, items in re.findall(
            r'<tr data-predicate="([a-z_]+)"><th scope="row">[^<]*</th><td>([^<]*)</td>'
            r'<td><ul>(.*?)</ul></td></tr>', html, re.S):
        out[code] = (htmllib.unescape(band),
                     [htmllib.unescape(x) for x in re.findall(r"<li>(.*?)</li>", items)])
    return out


async def test_the_limits_shown_are_the_regulations(fresh):
    async with make_client() as client:
        await sign_in(client, "city")
        html = (await client.get(f"/staf/unit/pkm-oesapa?period={Q1}")).text
        english = (await client.get(f"/staf/unit/pkm-oesapa?period={Q1}&lang=en")).text
        page = (await client.get(f"{PATH}?lang=id")).text
        page_en = (await client.get(f"{PATH}?lang=en")).text
    predicate = predicate_of(html)
    assert limits_of(html) == WORDS_ID[predicate]
    assert limits_of(english) == WORDS_EN[predicate]
    assert "Advisory evidence, never a score of a person" in english
    # the city page lists every predicate with its index range and limits
    assert rules_of(page) == {code: (BANDS_ID[code], WORDS_ID[code]) for code in WORDS_ID}
    assert {code: limits for code, (_band, limits) in rules_of(page_en).items()} == WORDS_EN
    assert rules_of(page_en)["baik"][0] == "index above 70, up to 90"


async def test_a_unit_without_an_index_says_why(fresh, org):
    # a unit with 5 responses: not scored
    small = Unit(code="kel-alak", name="Kelurahan Alak", agency=await _dinkes(),
                 peer_group="kelurahan", monthly_volume=100)
    await small.save()
    await Counter(code="ALAK01", unit=small.id, name="Loket", is_kiosk=True,
                  secret=org.secret).save()
    from feedback.org.counters import clear_counter_cache
    clear_counter_cache()
    await _store("ALAK01", _answers(np.random.default_rng(3), 5), WHEN, "alak")
    # targets reported for pkm-oesapa only: the others have no index
    await store_kpis(Q1, [Kpi("pkm-oesapa", "Kunjungan", 100, 90, "higher", 1)], "test",
                     datetime.now(UTC))
    result = await score_period(periods.parse(Q1), Parameters())
    by_code = {u.unit: u for u in result.units}
    assert by_code["kel-alak"].status == "not_scored"
    assert by_code["pkm-oebobo"].index is None and by_code["pkm-oebobo"].status != "not_scored"
    assert by_code["pkm-oesapa"].index is not None
    async with make_client() as client:
        await sign_in(client, "city")
        alak = (await client.get(f"/staf/unit/kel-alak?period={Q1}")).text
        oebobo = (await client.get(f"/staf/unit/pkm-oebobo?period={Q1}")).text
        oesapa = (await client.get(f"/staf/unit/pkm-oesapa?period={Q1}")).text
        nothing = (await client.get("/staf/unit/pkm-oesapa?period=2024")).text
    assert predicate_of(alak) is None
    assert "Belum dinilai: kurang dari 10 respons" in _box(alak)
    assert predicate_of(oebobo) is None
    assert "target dan realisasi unit belum dilaporkan" in _box(oebobo)
    assert predicate_of(oesapa) == organisational_predicate(by_code["pkm-oesapa"].index)
    assert predicate_of(nothing) is None
    assert "Tidak ada unit yang memiliki respons" in _box(nothing)


async def _dinkes() -> int:
    return (await Agency.select(Agency.id).where(Agency.code == "dinkes").first())["id"]


def _box_data(html: str, element_id: str) -> str:
    found = re.search(rf'<data id="{element_id}" value="([^"]+)"', _box(html))
    assert found, element_id
    return found.group(1)


def _box(html: str) -> str:
    found = re.search(r'<section[^>]*id="predicate-box"[^>]*>(.*?)</section>', html, re.S)
    assert found, "no advisory box"
    return found.group(1)


async def test_agency_box_equals_the_mapping_of_the_agency_index(fresh):
    result = await score_period(periods.parse(Q1), Parameters())
    async with make_client() as client:
        await sign_in(client, "city")
        for agency in result.agencies:
            html = (await client.get(f"/staf/dinas/{agency.agency}?period={Q1}")).text
            assert "Saran, bukan nilai perorangan" in _box(html)
            if agency.index is None:
                assert predicate_of(html) is None
            else:
                assert predicate_of(html) == organisational_predicate(agency.index)
                assert float(_box_data(html, "predicate-index")) == round_half_up(
                    agency.index, 2)
        empty = (await client.get("/staf/dinas/dinkes?period=2024")).text
    assert any(a.index is not None for a in result.agencies)
    assert predicate_of(empty) is None
    assert "tidak memiliki indeks kinerja" in _box(empty)


# The city's thresholds --------------------------------------------------------------------
async def test_city_changes_the_thresholds_and_the_views_follow(fresh):
    result = await score_period(periods.parse(Q1), Parameters())
    index = next(u for u in result.units if u.unit == "pkm-oesapa").index
    assert index is not None
    # bounds around this unit's index: it becomes Istimewa, then Sangat Kurang
    low = round(index - 1, 2)
    mark = await audit_mark()
    async with make_client() as client:
        await sign_in(client, "city")
        page = await client.get(PATH)
        assert page.status_code == 200
        assert 'name="version" value="0"' in page.text
        assert "Bawaan (belum pernah diubah oleh kota)" in page.text
        done = await _form(client, await _token(client), istimewa=f"{low}".replace(".", ","),
                           baik=str(max(0.02, round(low - 10, 2))), butuh_perbaikan="0,01",
                           kurang="0")
        assert done.status_code == 303, done.text
        assert done.headers["location"] == f"{PATH}?saved=1"
        shown = (await client.get(done.headers["location"])).text
        assert "Ambang batas disimpan." in shown
        html = (await client.get(f"/staf/unit/pkm-oesapa?period={Q1}")).text
        assert predicate_of(html) == "istimewa"
        stored = await settings.current()
        assert thresholds_of(html) == list(stored.thresholds.values())
        assert stored.thresholds.istimewa == low and stored.version > 0
        assert "city@dash.test" in _box(html)
        # unchanged values: nothing written
        again = (await client.get(PATH)).text
        version = re.search(r'name="version" value="(\d+)"', again).group(1)
        assert int(version) == stored.version
        fields = dict(re.findall(r'name="(istimewa|baik|butuh_perbaikan|kurang)" value="([^"]*)"',
                                 again))
        same = await client.post(PATH, data={"_csrf_token": await _token(client),
                                             "version": version, **fields})
        assert same.headers["location"] == f"{PATH}?saved=0"
        assert (await settings.current()).version == stored.version
        # everything above the unit's index: Sangat Kurang
        above = await _form(client, await _token(client), version=version,
                            istimewa="100", baik="99,99", butuh_perbaikan="99,98",
                            kurang=f"{min(99.97, round(index + 0.01, 2))}")
        assert above.status_code == 303
        html = (await client.get(f"/staf/unit/pkm-oesapa?period={Q1}")).text
        assert predicate_of(html) == "sangat_kurang"
        assert organisational_predicate(index, (await settings.current()).thresholds) \
            == "sangat_kurang"
        page = (await client.get(PATH)).text
    rows = [r for r in await entries(object_type="predicate_thresholds") if r["id"] > mark]
    assert len(rows) == 2  # two changes; the unchanged save wrote nothing
    first, second = rows[1], rows[0]
    assert first["actor"] == "city@dash.test" and first["action"] == \
        "predicate_thresholds_change"
    assert first["old"] == {**DEFAULT_THRESHOLDS.as_dict(), "version": 0, "default": True}
    assert first["new"]["istimewa"] == low and first["new"]["kurang"] == 0.0
    assert second["old"]["istimewa"] == low and second["old"]["default"] is False
    assert second["new"]["istimewa"] == 100.0
    # the page's table of rules uses the thresholds in force
    assert "indeks di atas 100" in page


BAD = [
    ({"istimewa": ""}, "istimewa", "Ketik sebuah angka."),
    ({"baik": "tujuh puluh"}, "baik", "Ketik angka dari 0 sampai 100"),
    ({"baik": "72,555"}, "baik", "paling banyak 2 desimal"),
    ({"kurang": "-1"}, "kurang", "dari 0 sampai 100"),
    ({"istimewa": "100,5"}, "istimewa", "dari 0 sampai 100"),
    ({"istimewa": "1.000"}, "istimewa", "paling banyak 2 desimal"),
    ({"baik": "90"}, "baik", "di bawah batas predikat"),  # above Istimewa's 85
    ({"baik": "85"}, "baik", "di bawah batas predikat"),  # equal to it
    ({"butuh_perbaikan": "72,5"}, "butuh_perbaikan", "di bawah batas predikat"),
    ({"kurang": "1e2"}, "kurang", "Ketik angka dari 0 sampai 100"),
    ({"kurang": "x" * 40}, "kurang", "Ketik angka dari 0 sampai 100"),
]


@pytest.mark.parametrize(("fields", "field", "text"), BAD)
async def test_bad_input_is_refused_with_a_message_and_writes_nothing(fresh, fields, field,
                                                                      text):
    before = await _snapshot()
    async with make_client() as client:
        await sign_in(client, "city")
        got = await _form(client, await _token(client), **fields)
    assert got.status_code == 422
    error = re.search(rf'<p class="err" id="err-{field}">(.*?)</p>', got.text)
    assert error and text in error.group(1)
    assert f'aria-invalid="true" aria-describedby="err-{field}"' in got.text
    assert len(re.findall('aria-invalid="true"', got.text)) == 1
    # what was typed is kept
    typed = {**GOOD, **fields}[field]
    assert f'value="{htmllib.escape(typed)}"' in got.text
    assert "Tidak ada yang disimpan" in got.text
    assert await _snapshot() == before


@pytest.mark.parametrize("version", ["", "abc", "-1", "9" * 30])
async def test_a_broken_form_is_refused(fresh, version):
    before = await _snapshot()
    async with make_client() as client:
        await sign_in(client, "city")
        got = await _form(client, await _token(client), version=version)
    assert got.status_code == 422
    assert "Formulir tidak lengkap" in got.text
    assert await _snapshot() == before


async def test_english_messages(fresh):
    async with make_client() as client:
        await sign_in(client, "city")
        got = await client.post(f"{PATH}?lang=en", data={
            "_csrf_token": await _token(client), "version": "0", **GOOD, "baik": "99"})
    assert got.status_code == 422
    assert "Each bound must be below the bound of the better predicate above it." in got.text


async def test_a_stale_form_is_refused(fresh):
    async with make_client() as client:
        await sign_in(client, "city")
        first = await _form(client, await _token(client), version=0)
        assert first.status_code == 303
        before = await _snapshot()
        stale = await _form(client, await _token(client), version=0, istimewa="95")
        assert stale.status_code == 409
        assert "Orang lain mengubah ambang batas" in stale.text
        assert await _snapshot() == before
        # the page shows the thresholds in force, not the refused ones
        assert 'name="istimewa" value="85"' in stale.text


async def test_two_changes_from_the_same_version_store_one(fresh):
    actor = Actor(email="x@test")
    a, b = Thresholds(80, 60, 40, 20), Thresholds(81, 61, 41, 21)
    outcomes = await asyncio.gather(settings.change(actor, a, 0), settings.change(actor, b, 0),
                                    return_exceptions=True)
    assert sum(isinstance(o, settings.Stale) for o in outcomes) == 1
    assert len(await PredicateThresholds.select()) == 1
    current = await settings.current()
    assert current.thresholds in (a, b)


@pytest.mark.parametrize(("text", "value"), [
    ("90", 90.0), ("72,5", 72.5), (" 72.50 ", 72.5), ("0", 0.0), ("100", 100.0),
    ("0,01", 0.01), ("-0", 0.0), ("100,00", 100.0), ("5,10", 5.1),
])
def test_parse_bound(text, value):
    assert settings.parse_bound(text) == value


@pytest.mark.parametrize(("text", "code"), [
    ("", "missing"), ("  ", "missing"), ("abc", "not_a_number"), ("1e2", "not_a_number"),
    ("72,555", "too_many_decimals"), ("5,100", "too_many_decimals"),
    ("1.000", "too_many_decimals"), ("100,01", "out_of_range"), ("-0,5", "out_of_range"),
    ("1.234,5", "not_a_number"), ("nan", "not_a_number"), ("inf", "not_a_number"),
])
def test_parse_bound_refuses(text, code):
    with pytest.raises(ValueError) as exc:
        settings.parse_bound(text)
    assert str(exc.value) == code


# Roles × route ----------------------------------------------------------------------------
EXPECTED = {"officer": 403, "unit": 403, "agency": 403, "city": 200, "admin": 403}


async def test_roles_of_the_thresholds_page(fresh):
    for role in ROLES:
        before = await _snapshot()
        async with make_client() as client:
            await sign_in(client, role)
            got = await client.get(PATH)
            assert got.status_code == EXPECTED[role], (role, got.status_code)
            posted = await _form(client, await _token(client), istimewa="88")
            if role == "city":
                assert posted.status_code == 303
                assert (await settings.current()).thresholds.istimewa == 88.0
                await PredicateThresholds.delete(force=True)
            else:
                assert posted.status_code == 403, (role, posted.status_code)
                assert "Peran Anda tidak memberi akses" in posted.text
                assert await _snapshot() == before
    async with make_client() as client:
        got = await client.get(PATH)
        assert got.status_code == 303 and got.headers["location"].startswith("/staf/masuk")
        posted = await client.post(PATH, data={"version": "0", **GOOD})
        assert posted.status_code == 403  # no session and no CSRF token: refused
        assert await PredicateThresholds.count() == 0


async def test_no_csrf_token_no_change(fresh):
    async with make_client() as client:
        await sign_in(client, "city")
        got = await client.post(PATH, data={"version": "0", **GOOD})
        assert got.status_code == 403
        assert "kedaluwarsa" in got.text
        wrong = await client.post(PATH, data={"_csrf_token": "forged", "version": "0", **GOOD})
        assert wrong.status_code == 403
    assert await PredicateThresholds.count() == 0
