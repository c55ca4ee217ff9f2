"""Open data (/publik/data): each published version as JSON and CSV at stable URLs; every
figure equals the snapshot's ScoreResult; withheld figures below SUARA_MIN_GROUP; the bytes
of a version never change; ETag, caching, licence; 404s."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime

import pytest

from app.web.public.opendata import ATTRIBUTION, CSV_COLUMNS, LICENCE_URL
from feedback.performance import snapshots
from scoring.ikm import ELEMENTS
from tests import test_public
from tests.support import make_client, store_answers
from tests.test_public import GOOD, MAY, POOR, page, publish, text, wita

city = test_public.city  # the fixture: a small city, one unit below the minimum group
MIXED = [GOOD, POOR, {**GOOD, "waktu": 2}, {**POOR, "perilaku": 3}]


def _cell(value) -> str:
    if value is None:
        return ""
    return repr(value) if isinstance(value, float) else str(value)


async def fetch(url: str, **headers):
    async with make_client() as client:
        return await client.get(url, headers=headers)


async def test_json_figures_equal_the_snapshot(city):
    info = await publish("2026-S1")
    snap = await snapshots.latest("2026-S1")
    response = await fetch("/publik/data/2026-S1.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    data = response.json()
    assert data["method"] == "suara-2026.2" == info.method
    assert data["period"] == {"key": "2026-S1", "from": "2026-01-01", "to": "2026-06-30"}
    assert data["version"] == 1
    assert data["published_at"] == info.published_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert data["licence"] == {
        "name": "CC BY 4.0", "title": "Creative Commons Attribution 4.0 International",
        "url": LICENCE_URL, "attribution": "Sumber: Pemerintah Kota Kupang, Suara Layanan"}
    assert data["min_group"] == 10 and data["note"] == "note 2026-S1"
    assert data["result_digest"] == info.result_digest
    assert "published_by" not in data and "kota@x" not in response.text
    assert [u["unit"] for u in data["units"]] == [u.unit for u in snap.result.units]
    for row, u in zip(data["units"], snap.result.units, strict=True):
        assert (row["unit_name"], row["agency"], row["agency_name"], row["n"], row["status"]) \
            == (u.name, u.agency, u.agency_name, u.n, u.status)
        if u.n < 10:
            assert row["suppressed"] is True
            assert row["ikm"] is row["grade"] is row["index"] is row["rank"] is None
            assert set(row["nrr"].values()) == {None}
        else:
            assert row["suppressed"] is False
            assert (row["ikm"], row["grade"], row["index"], row["rank"]) == (
                u.ikm, u.grade, u.index, u.rank)
            assert (row["rank_low"], row["rank_high"]) == (u.rank_interval.low,
                                                           u.rank_interval.high)
            assert row["nrr"] == {code: u.elements[code].nrr for code in ELEMENTS}
    small = next(r for r in data["units"] if r["unit"] == "capil-kecil")
    assert small["n"] == 3 and small["suppressed"] is True
    agencies = {a["agency"]: a for a in data["agencies"]}
    dinkes = next(a for a in snap.result.agencies if a.agency == "dinkes")
    assert agencies["dinkes"]["index"] == dinkes.index and agencies["dinkes"]["units"] == 2
    assert agencies["dinkes"]["rank"] == dinkes.rank


async def test_csv_figures_equal_the_snapshot(city):
    await publish("2026-S1")
    snap = await snapshots.latest("2026-S1")
    response = await fetch("/publik/data/2026-S1/v1.csv")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    body = response.content.decode("utf-8")
    rows = list(csv.reader(io.StringIO(body)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 1 + len(snap.result.units)
    for values, u in zip(rows[1:], snap.result.units, strict=True):
        row = dict(zip(CSV_COLUMNS, values, strict=True))
        assert (row["period"], row["version"], row["method"]) == ("2026-S1", "1", snap.info.method)
        assert (row["unit"], row["unit_name"], row["agency_name"], row["n"], row["status"]) == (
            u.unit, u.name, u.agency_name, str(u.n), u.status)
        if u.n < 10:
            assert row["suppressed"] == "true"
            assert all(row[c] == "" for c in CSV_COLUMNS if c.startswith("nrr_")
                       or c in ("ikm", "grade", "index", "rank", "rank_low", "rank_high"))
        else:
            assert row["suppressed"] == "false"
            assert float(row["ikm"]) == u.ikm and row["grade"] == u.grade
            assert row["index"] == _cell(u.index) and row["rank"] == _cell(u.rank)
            assert row["rank_low"] == _cell(u.rank_interval.low)
            for code in ELEMENTS:
                assert float(row[f"nrr_{code}"]) == u.elements[code].nrr
    # licence and description travel in the headers
    assert f'<{LICENCE_URL}>; rel="license"' in response.headers["link"]
    assert '</publik/data/2026-S1/v1.json>; rel="describedby"' in response.headers["link"]


async def test_the_bytes_of_a_version_never_change(city):
    await publish("2026-S1")
    before = {fmt: (await fetch(f"/publik/data/2026-S1/v1.{fmt}")).content
              for fmt in ("json", "csv")}
    latest_before = (await fetch("/publik/data/2026-S1.json")).content
    assert latest_before == before["json"]
    await store_answers("CAPILK01", [POOR] * 20, MAY, channel="qr")
    again = {fmt: (await fetch(f"/publik/data/2026-S1/v1.{fmt}")).content
             for fmt in ("json", "csv")}
    assert again == before
    assert (await fetch("/publik/data/2026-S1.json")).content == latest_before
    await publish("2026-S1", reason="late paper forms")
    assert {fmt: (await fetch(f"/publik/data/2026-S1/v1.{fmt}")).content
            for fmt in ("json", "csv")} == before
    latest = await fetch("/publik/data/2026-S1.json")
    assert latest.json()["version"] == 2
    assert latest.headers["content-location"] == "/publik/data/2026-S1/v2.json"
    small = next(r for r in latest.json()["units"] if r["unit"] == "capil-kecil")
    assert small["n"] == 23 and small["suppressed"] is False
    v2 = await fetch("/publik/data/2026-S1/v2.json")
    assert v2.content == latest.content


async def test_etag_and_caching(city):
    info = await publish("2026-S1")
    first = await fetch("/publik/data/2026-S1/v1.json")
    etag = first.headers["etag"]
    assert etag == f'"{info.result_digest[:32]}-json-g10"'
    assert first.headers["cache-control"] == "public, max-age=86400"
    csv_tag = (await fetch("/publik/data/2026-S1/v1.csv")).headers["etag"]
    assert csv_tag != etag and csv_tag.endswith('-csv-g10"')
    latest = await fetch("/publik/data/2026-S1.json")
    assert latest.headers["etag"] == etag and latest.headers["cache-control"] == \
        "public, max-age=60"
    again = await fetch("/publik/data/2026-S1/v1.json", **{"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    other = await fetch("/publik/data/2026-S1/v1.json", **{"If-None-Match": '"other"'})
    assert other.status_code == 200


@pytest.mark.parametrize("url", [
    "/publik/data/2026-S2.json", "/publik/data/2025.json", "/publik/data/2026-S1/v2.json",
    "/publik/data/2026-S1/v0.json", "/publik/data/2026-S1/v01.json",
    "/publik/data/2026-S1/x.json", "/publik/data/2026-S3.json", "/publik/data/nope.json",
    "/publik/data/2026-S3/v1.json", "/publik/data/" + "9" * 300 + ".json",
    "/publik/data/2026-S1/v99999999999999999999.json",
])
async def test_unknown_period_or_version_is_a_json_404(city, url):
    await publish("2026-S1")
    response = await fetch(url)
    assert response.status_code == 404
    body = response.json()
    assert body["error"] == "not_found" and body["message"].startswith("Belum diterbitkan")
    english = await fetch(url, **{"Accept-Language": "en"})
    assert english.json()["message"].startswith("Not published")


@pytest.mark.parametrize("url", ["/publik/data/2026-S2.csv", "/publik/data/2026-S1/v2.csv",
                                 "/publik/data/2026-S1.xml"])
async def test_unknown_csv_is_a_text_404(city, url):
    await publish("2026-S1")
    response = await fetch(url)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/plain")
    assert "Belum diterbitkan" in response.text


async def test_the_index_lists_every_version(city):
    status, html, _h = await page("/publik/data")
    assert status == 200 and "Pemerintah kota belum menerbitkan hasil survei." in text(html)
    first = await publish("2026-S1")
    await publish("2026-Q1")
    await store_answers("CAPILK01", [POOR] * 20, MAY, channel="qr")
    await publish("2026-S1", reason="late paper forms")
    status, html, headers = await page("/publik/data")
    assert status == 200
    for key, version in (("2026-S1", 2), ("2026-S1", 1), ("2026-Q1", 1)):
        for fmt in ("csv", "json"):
            assert f'href="/publik/data/{key}/v{version}.{fmt}"' in html
    shown = text(html)
    assert "Creative Commons Attribution 4.0 International (CC BY 4.0)" in shown
    assert ATTRIBUTION in shown and "suara-2026.2" in shown
    assert "Alasan versi ini: late paper forms" in shown
    assert "/publik/data/2026-S1.csv" in shown and "/publik/data/2026-Q1.json" in shown
    assert ", ".join(CSV_COLUMNS) in shown
    assert wita(first.published_at) in shown
    # every link of the index answers
    async with make_client() as client:
        for href in set(re.findall(r'href="(/publik/data/[^"]+)"', html)):
            assert (await client.get(href)).status_code == 200, href


async def test_ranked_units_carry_their_rank_interval(org):
    """Enough responses for ranks: the rank and its interval equal the snapshot's, in the
    JSON, the CSV and on the unit page ("between 1st and 2nd")."""
    when = datetime(2026, 2, 3, 3, tzinfo=UTC)
    await store_answers(org.kiosk, [GOOD] * 30 + MIXED * 5, when)
    await store_answers(org.other_counter, [POOR] * 30 + MIXED * 5, when, channel="qr")
    await publish("2026-Q1")
    snap = await snapshots.latest("2026-Q1")
    ranked = [u for u in snap.result.units if u.status == "ranked"]
    assert ranked, [(u.unit, u.status, u.reliability) for u in snap.result.units]
    data = (await fetch("/publik/data/2026-Q1.json")).json()
    rows = {r["unit"]: r for r in data["units"]}
    for u in ranked:
        assert (rows[u.unit]["rank"], rows[u.unit]["rank_low"], rows[u.unit]["rank_high"]) == (
            u.rank, u.rank_interval.low, u.rank_interval.high)
        _s, html, _h = await page(f"/publik/unit/{u.unit}?lang=en")
        suffix = {1: "st", 2: "nd", 3: "rd"}
        low, high = u.rank_interval.low, u.rank_interval.high
        assert (f"Among the {snap.result.city.n_ranked} ranked units of the city, between "
                f"{low}{suffix.get(low, 'th')} and {high}{suffix.get(high, 'th')}") in text(html)
    assert json.loads((await fetch("/publik/data/2026-Q1/v1.json")).content) == data
