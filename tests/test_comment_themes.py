"""Comment themes of a unit (feedback.comments.themes, GET /staf/unit/{unit}/komentar/tema)
and label corrections from the page (POST /staf/unit/{unit}/komentar/{id}/label): counts
equal the domain's and the model's labels, filters, masking, scope, roles, audit, bad
input."""

from __future__ import annotations

import html
import re
from collections import Counter

import pytest

from feedback.accounts.audit import entries
from feedback.accounts.scope import Scope
from feedback.comments import themes
from feedback.comments.tables import CommentLabel
from feedback.org import scoped
from feedback.performance.periods import parse
from feedback.tables import Agency, Unit
from feedback.tables import Counter as CounterRow
from scoring.comments import corpus_model
from tests.staff_support import ROLE_ACCOUNTS, audit_mark, make_all_roles, sign_in
from tests.support import SECRET_HEX, make_client
from tests.test_comments_listing import add_responses

COMMENTS = [
    "pegawai sonde ramah, muka cemberut",
    "Petugas minta uang rokok baru KTP diproses, hubungi 0812-3456-7890",
    "Ruang tunggu panas, AC mati dan kursi kurang",
    "antri lama bgt dari pagi",
    "Terima kasih, pelayanan cepat dan ramah",
    "Syarat bikin akta terlalu banyak",
    "mantap, pertahankan",
]
PAGE = "/staf/unit/pkm-oesapa/komentar/tema"
Q1 = "2026-Q1"


@pytest.fixture
async def data(org):
    saved = await add_responses(org, [
        *[(i * 10, text, {}, False, None) for i, text in enumerate(COMMENTS)],
        (5, "Unit lain: toilet kotor", {}, False, "other"),
        (6, "Dikeluarkan: petugas kasar", {}, True, None),
        (7, None, {}, False, None)])
    ids, other = saved[:len(COMMENTS)], saved[len(COMMENTS):]
    agency = Agency(code="dukcapil", name="Dinas Dukcapil")
    await agency.save()
    capil = Unit(code="capil-pusat", name="Disdukcapil", agency=agency.id,
                 peer_group="capil", kecamatan="Oebobo", monthly_volume=100)
    await capil.save()
    await CounterRow(code="CAPIL001", unit=capil.id, name="Loket", is_kiosk=False,
                     secret=SECRET_HEX).save()
    await make_all_roles()
    return {"own": ids, "sibling": other[0], "excluded": other[1], "silent": other[2]}


def texts(page: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r'<p class="text">(.*?)</p>', page, re.S)]


async def unit_scope(org) -> Scope:
    row = await Unit.select(Unit.agency).where(Unit.id == org.unit_id).first()
    return Scope("unit", unit_id=org.unit_id, agency_id=row["agency"])


async def test_themes_are_the_models_labels_counted(org, data):
    scope = await unit_scope(org)
    t = await themes.unit_themes(scope, org.unit_code, parse(Q1))
    model = corpus_model()
    masked = [c.replace("0812-3456-7890", "[nomor telepon disamarkan]") for c in COMMENTS]
    expected = model.classify(masked)
    assert t.total == len(COMMENTS) and t.matching == len(COMMENTS)
    assert t.model_version == model.model_version
    want = Counter((lab.element, lab.sentiment) for lab in expected)
    assert {k: v for k, v in t.counts.items() if v} == dict(want)
    assert sum(t.counts.values()) == t.total
    assert t.urgent == sum(lab.urgent for lab in expected) >= 1
    # newest first, masked, with the model's labels
    assert [c.text for c in t.comments] == masked[::-1]
    assert [(c.element, c.sentiment, c.urgent) for c in t.comments] == [
        (lab.element, lab.sentiment, lab.urgent) for lab in expected[::-1]]
    assert not any(c.corrected for c in t.comments)
    # filters
    urgent = await themes.unit_themes(scope, org.unit_code, parse(Q1), urgent=True)
    assert [c.text for c in urgent.comments] == [m for m, lab in zip(masked, expected,
                                                                      strict=True)
                                                 if lab.urgent][::-1]
    assert urgent.total == t.total and urgent.counts == t.counts  # counts are the period's
    neg = await themes.unit_themes(scope, org.unit_code, parse(Q1), sentiment="negatif",
                                   element="perilaku")
    assert neg.matching == t.counts["perilaku", "negatif"]
    paged = await themes.unit_themes(scope, org.unit_code, parse(Q1), per_page=3, page=3)
    assert [c.text for c in paged.comments] == masked[::-1][6:]
    assert paged.has_previous and not paged.has_next
    # another period: nothing
    empty = await themes.unit_themes(scope, org.unit_code, parse("2026-Q2"))
    assert empty.total == 0 and empty.comments == ()
    for bad in ({"element": "jam"}, {"sentiment": "marah"}, {"page": 0}):
        with pytest.raises(ValueError):
            await themes.unit_themes(scope, org.unit_code, parse(Q1), **bad)
    with pytest.raises(scoped.NotFound):
        await themes.unit_themes(scope, "pkm-oebobo", parse(Q1))
    with pytest.raises(scoped.NotAllowed):
        await themes.unit_themes(Scope("officer", counter_id=org.counter_id,
                                       unit_id=org.unit_id), org.unit_code, parse(Q1))


async def test_page_shows_the_same_counts_chart_and_masked_texts(org, data):
    scope = await unit_scope(org)
    t = await themes.unit_themes(scope, org.unit_code, parse(Q1))
    async with make_client() as client:
        await sign_in(client, ROLE_ACCOUNTS["unit"][0])
        got = await client.get(f"{PAGE}?period={Q1}")
        assert got.status_code == 200
        page = got.text
        assert texts(page) == [c.text for c in t.comments]
        assert "0812" not in page and "[nomor telepon disamarkan]" in page
        for (element, sentiment), n in t.counts.items():
            if n:
                assert (f'element={element}&amp;sentiment={sentiment}" aria-label="'
                        in page)
                assert re.search(rf'sentiment={sentiment}" aria-label="[^"]*: {n}">{n}</a>',
                                 page)
        assert f"{t.total} komentar, {t.urgent} mendesak" in page
        assert '<svg role="img"' in page and "<script" not in page.split("<svg", 1)[1]
        assert page.count('class="relabel"') == len(COMMENTS)  # the unit head may correct
        # filtered: urgent only
        urgent = await client.get(f"{PAGE}?period={Q1}&urgent=1")
        assert texts(urgent.text) == [c.text for c in t.comments if c.urgent]
        # English
        en = await client.get(f"{PAGE}?period={Q1}&lang=en")
        assert "Comments per element and sentiment" in en.text
        assert "[phone number hidden]" in en.text
    async with make_client() as client:  # the city reads, but does not correct
        await sign_in(client, ROLE_ACCOUNTS["city"][0])
        page = (await client.get(f"{PAGE}?period={Q1}")).text
        assert texts(page) == [c.text for c in t.comments]
        assert 'class="relabel"' not in page


@pytest.mark.parametrize("query, text", [
    ("element=jam", "Unsur tidak dikenal"),
    ("sentiment=marah", "Sentimen tidak dikenal"),
    ("urgent=ya", "Nilai filter tidak dikenal"),
    ("page=0", "Halaman tidak dikenal"),
    ("period=2026-S3", "Periode tidak dikenal"),
])
async def test_bad_filters_are_a_400_with_a_message(org, data, query, text):
    async with make_client() as client:
        await sign_in(client, ROLE_ACCOUNTS["unit"][0])
        got = await client.get(f"{PAGE}?{query}")
        assert got.status_code == 400
        assert text in got.text


async def test_correcting_a_label_from_the_page(org, data):
    own = data["own"]
    target = own[0]
    mark = await audit_mark()
    async with make_client() as client:
        await sign_in(client, ROLE_ACCOUNTS["unit"][0])
        token = client.cookies.get("sl_csrf")
        url = f"/staf/unit/pkm-oesapa/komentar/{target}/label"
        back = f"period={Q1}&sentiment=negatif&evil=https://x.example&page=1"
        done = await client.post(url, data={"_csrf_token": token, "element": "kompetensi",
                                            "sentiment": "netral", "urgent": "1",
                                            "back": back})
        assert done.status_code == 303
        assert done.headers["location"] == (
            f"/staf/unit/pkm-oesapa/komentar/tema?period={Q1}&sentiment=negatif&page=1"
            f"&saved=1#c{target}")
        page = await client.get(f"{PAGE}?period={Q1}&saved=1")
        assert "Label disimpan." in page.text
        item = page.text.split(f'id="c{target}"')[1].split("</li>\n</ul>")[0]
        assert "Kompetensi" in item and "netral" in item and "Mendesak" in item
        assert "dikoreksi staf" in item
        audit = await entries(object_type="response", object_key=str(target), after_id=mark)
        assert len(audit) == 1 and audit[0]["actor"] == ROLE_ACCOUNTS["unit"][0]
        assert audit[0]["new"] == {"element": "kompetensi", "sentiment": "netral",
                                   "urgent": True}
        count = await CommentLabel.count()

        # bad input: 422, nothing written
        for form in ({"element": "jam", "sentiment": "netral"},
                     {"element": "waktu", "sentiment": "marah"},
                     {"element": "waktu", "sentiment": "netral", "urgent": "ya"},
                     {"sentiment": "netral"}):
            got = await client.post(url, data={"_csrf_token": token, **form})
            assert got.status_code == 422, form
            assert "Label tidak disimpan" in got.text
        got = await client.post(f"/staf/unit/pkm-oesapa/komentar/{data['silent']}/label",
                                data={"_csrf_token": token, "element": "waktu",
                                      "sentiment": "netral"})
        assert got.status_code == 422 and "tidak memiliki komentar" in got.text
        # another unit's response, or a response under the wrong unit in the path: 404
        for path in (f"/staf/unit/pkm-oebobo/komentar/{data['sibling']}/label",
                     f"/staf/unit/pkm-oesapa/komentar/{data['sibling']}/label",
                     f"/staf/unit/pkm-oebobo/komentar/{target}/label",
                     "/staf/unit/pkm-oesapa/komentar/999999/label"):
            got = await client.post(path, data={"_csrf_token": token, "element": "waktu",
                                                "sentiment": "netral"})
            assert got.status_code == 404, path
        # without the CSRF token: refused
        got = await client.post(url, data={"element": "waktu", "sentiment": "netral"})
        assert got.status_code == 403
        assert await CommentLabel.count() == count
        assert len(await entries(object_type="response", after_id=mark)) == 1


# Roles × routes ---------------------------------------------------------------------------
GET_ROUTES = {
    "own": PAGE,
    "sibling": "/staf/unit/pkm-oebobo/komentar/tema",
    "other": "/staf/unit/capil-pusat/komentar/tema",
    "unknown": "/staf/unit/no-such-unit/komentar/tema",
}
EXPECTED_GET = {
    "officer": dict.fromkeys(GET_ROUTES, 403),
    "unit": {"own": 200, "sibling": 404, "other": 404, "unknown": 404},
    "agency": {"own": 200, "sibling": 200, "other": 404, "unknown": 404},
    "city": {"own": 200, "sibling": 200, "other": 200, "unknown": 404},
    "admin": dict.fromkeys(GET_ROUTES, 403),
}
# POST: which response of which unit (filled in from the data fixture)
EXPECTED_POST = {
    "officer": {"own": 403, "sibling": 403},
    "unit": {"own": 303, "sibling": 404},
    "agency": {"own": 303, "sibling": 303},
    "city": {"own": 403, "sibling": 403},
    "admin": {"own": 403, "sibling": 403},
}
COVERED_ROUTES = {("GET", path) for path in GET_ROUTES.values()} | {
    ("POST", "/staf/unit/pkm-oesapa/komentar/1/label"),
    ("POST", "/staf/unit/pkm-oebobo/komentar/1/label"),
}


async def test_roles_and_scopes(org, data):
    responses = {"own": ("pkm-oesapa", data["own"][1]),
                 "sibling": ("pkm-oebobo", data["sibling"])}
    for role in EXPECTED_GET:
        async with make_client() as client:
            done = await sign_in(client, ROLE_ACCOUNTS[role][0])
            assert done.status_code == 303
            token = client.cookies.get("sl_csrf")
            for name, path in GET_ROUTES.items():
                got = await client.get(f"{path}?period={Q1}")
                assert got.status_code == EXPECTED_GET[role][name], (role, name)
            for name, want in EXPECTED_POST[role].items():
                unit, response = responses[name]
                before = await CommentLabel.count()
                got = await client.post(f"/staf/unit/{unit}/komentar/{response}/label",
                                        data={"_csrf_token": token, "element": "biaya",
                                              "sentiment": "negatif", "urgent": "1"})
                assert got.status_code == want, (role, name, got.status_code)
                assert await CommentLabel.count() == before + (want == 303), (role, name)
                await CommentLabel.delete(force=True)
    async with make_client() as client:  # not signed in: to the sign-in page
        for path in [*GET_ROUTES.values(),
                     f"/staf/unit/pkm-oesapa/komentar/{data['own'][1]}/label"]:
            got = await (client.get(path) if path.endswith("tema") else
                         client.post(path, data={"element": "biaya", "sentiment": "negatif"}))
            assert got.status_code in (303, 403), path
            if got.status_code == 303:
                assert got.headers["location"].startswith("/staf/masuk")


def test_chart_has_a_bar_per_element_and_sentiment_and_leaves_the_style_alone():
    from app.web.staff import charts
    from app.web.staff.comment_themes import themes_chart
    from scoring.comments.corpus import ELEMENT_LABELS, SENTIMENTS

    counts = dict.fromkeys(((e, s) for e in ELEMENT_LABELS for s in SENTIMENTS), 0)
    counts["waktu", "negatif"], counts["waktu", "positif"], counts["biaya", "negatif"] = 3, 1, 2
    t = themes.Themes(1, "u", "U", counts, 6, 1, 0, "v", (), 6, 1, 20)
    chart = themes_chart(t, {e: e.upper() for e in ELEMENT_LABELS},
                         {s: s for s in SENTIMENTS}, title="Judul", description="Uraian")
    svg = str(chart.svg)
    heights = [float(h) for h in re.findall(
        r'<rect x="[^"]+" y="[^"]+" rx="0" ry="0" width="[^"]+" height="([^"]+)"[^>]*'
        r'class="rect reactive', svg)]
    assert len(heights) == 6  # two elements with comments, three sentiments each
    nonzero = sorted(h for h in heights if h > 0.01)
    assert len(nonzero) == 3
    assert nonzero[1] == pytest.approx(2 * nonzero[0]) and nonzero[2] == pytest.approx(
        3 * nonzero[0])
    assert "WAKTU" in svg and "BIAYA" in svg and "KOMPETENSI" not in svg
    assert "<script" not in svg and 'role="img"' in svg and "<title" in svg
    assert charts._STYLE.colors == (charts.BLUE, charts.ORANGE)
