"""The citizen form: rendering, submitting, validation, double submits, limits, kiosk."""

from __future__ import annotations

import gzip
import json
import re
from datetime import timedelta

from feedback.tables import Response, UnitDayStats
from tests.support import FULL, make_client


def form_data(answers=FULL, key="k" * 24, **extra):
    data = {code: str(v) for code, v in answers.items()}
    data.update({"key": key, "lang": "id"})
    data.update(extra)
    return data


async def test_form_shows_unit_counter_and_nine_official_questions(org):
    async with make_client() as client:
        r = await client.get(f"/s/{org.counter}")
    assert r.status_code == 200
    html = r.text
    assert '<html lang="id">' in html
    assert "UPTD Puskesmas Oesapa" in html and "Loket Pendaftaran" in html
    assert html.count("<fieldset") == 9
    assert html.count('type="radio"') == 36
    for label in ("Sangat sopan dan ramah", "Dikelola dengan baik", "Gratis", "Sangat baik",
                  "kecepatan waktu dalam memberikan pelayanan"):
        assert label in html
    # The sample questionnaire order: sarana (8th) before pengaduan (9th).
    assert html.index('name="sarana"') < html.index('name="pengaduan"')
    assert "Privasi" in html and "NIK" in html and "UU 27/2022" in html
    assert "sl_d=" in r.headers.get("set-cookie", "")


async def test_form_in_english(org):
    async with make_client() as client:
        r = await client.get(f"/s/{org.counter}?lang=en")
    assert '<html lang="en">' in r.text
    assert "How polite and friendly were the officers?" in r.text
    assert "Send rating" in r.text


async def test_form_is_small_self_contained_and_accessible(org):
    async with make_client() as client:
        r = await client.get(f"/s/{org.counter}", headers={"accept-encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip"
    compressed = len(gzip.compress(r.content, compresslevel=6))
    assert compressed <= 14 * 1024, compressed
    html = r.text
    # No external requests: no scripts, stylesheets, images or fonts from anywhere.
    assert "<script" not in html and "<link" not in html and "<img" not in html
    assert "http://" not in html.replace("http://localhost", "") and "https://" not in html
    # Every radio sits inside a label; every select and textarea has a label.
    assert html.count("<label><input type=\"radio\"") == 36
    for name in ("service", "gender", "age_band", "education", "occupation", "comment"):
        assert f'<label for="{name}">' in html and f'id="{name}"' in html
    assert "min-height:48px" in html  # target size of the answer choices


async def test_submit_stores_once_and_thanks_with_receipt(org):
    async with make_client() as client:
        r = await client.post(f"/s/{org.counter}", data=form_data(comment="Petugas ramah"))
        assert r.status_code == 303
        location = r.headers["location"]
        assert location.startswith(f"/s/{org.counter}/terima-kasih?r=")
        thanks = await client.get(location)
    assert thanks.status_code == 200
    receipt = re.search(r'class="code">(\w{4})-(\w{4})<', thanks.text)
    assert receipt
    rows = await Response.select().where(Response.unit == org.unit_id)
    assert len(rows) == 1
    row = rows[0]
    assert row["receipt"] == receipt.group(1) + receipt.group(2)
    assert json.loads(row["answers"]) == FULL
    assert row["channel"] == "qr" and row["comment"] == "Petugas ramah"
    assert row["counted"] is True and row["answered"] == 9 and row["verified"] is False
    assert row["device_hash"] and len(row["device_hash"]) == 32
    stats = await UnitDayStats.select().where(UnitDayStats.unit == org.unit_id)
    assert len(stats) == 1 and stats[0]["n"] == 1 and stats[0]["waktu_2"] == 1


async def test_double_submit_stores_one_response(org):
    async with make_client() as client:
        first = await client.post(f"/s/{org.counter}", data=form_data())
        second = await client.post(f"/s/{org.counter}", data=form_data())
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert await Response.count() == 1


async def test_missing_answers_rerender_with_answers_kept(org):
    partial = {k: v for k, v in list(FULL.items())[:5]}
    async with make_client() as client:
        r = await client.post(f"/s/{org.counter}",
                              data=form_data(partial, comment="antri lama", gender="P"))
    assert r.status_code == 422
    assert "Mohon jawab paling sedikit 7 dari 9 pertanyaan." in r.text
    assert 'role="alert"' in r.text
    assert r.text.count(" checked") == 5
    assert 'name="persyaratan" value="4" checked' in r.text
    assert "antri lama</textarea>" in r.text
    assert 'value="P" selected' in r.text
    assert await Response.count() == 0


async def test_bad_values_are_refused_in_indonesian(org):
    bad = dict(FULL, waktu="9", sarana="abc")
    async with make_client() as client:
        r = await client.post(f"/s/{org.counter}", data=form_data(bad))
        en = await client.post(f"/s/{org.counter}", data=form_data(bad, lang="en"))
    assert r.status_code == 422
    assert "Jawaban harus antara 1 dan 4." in r.text
    assert "Pilih salah satu dari empat jawaban." in r.text
    assert "The answer must be between 1 and 4." in en.text
    assert await Response.count() == 0


async def test_unknown_service_profile_and_long_comment_refused(org):
    async with make_client() as client:
        r = await client.post(f"/s/{org.counter}", data=form_data(
            service="nope", education="PhD", comment="x" * 1001))
    assert r.status_code == 422
    assert "Pilih layanan dari daftar." in r.text
    assert "Komentar terlalu panjang (paling banyak 1000 karakter)." in r.text
    assert await Response.count() == 0


async def test_oversized_body_gets_friendly_413(org):
    async with make_client() as client:
        r = await client.post(f"/s/{org.counter}", data=form_data(comment="x" * 40_000))
    assert r.status_code == 413
    assert "terlalu besar" in r.text
    assert await Response.count() == 0


async def test_unknown_counter_friendly_404(org):
    async with make_client() as client:
        get = await client.get("/s/NOSUCHCODE")
        post = await client.post("/s/NOSUCHCODE", data=form_data())
        weird = await client.get("/s/%3Cscript%3E")
    for r in (get, post, weird):
        assert r.status_code == 404
        assert "Loket tidak ditemukan" in r.text
    assert await Response.count() == 0


async def test_device_interval_blocks_second_rating_of_same_counter(org):
    async with make_client() as client:
        await client.get(f"/s/{org.counter}")  # receives the device cookie
        first = await client.post(f"/s/{org.counter}", data=form_data(key="a" * 20))
        again = await client.post(f"/s/{org.counter}", data=form_data(key="b" * 20))
        other = await client.post(f"/s/{org.other_counter}", data=form_data(key="c" * 20))
    assert first.status_code == 303
    assert again.status_code == 429
    assert "beberapa saat yang lalu" in again.text
    assert other.status_code == 303  # the interval is per counter
    assert await Response.count() == 2


async def test_device_interval_configurable(org):
    async with make_client(device_interval=timedelta(0)) as client:
        for key in ("a" * 20, "b" * 20):
            r = await client.post(f"/s/{org.counter}", data=form_data(key=key))
            assert r.status_code == 303
    assert await Response.count() == 2


async def test_kiosk_is_exempt_and_returns_to_a_fresh_form(org):
    async with make_client() as client:
        page = await client.get(f"/k/{org.kiosk}")
        assert 'class="kiosk"' in page.text
        assert f'action="/k/{org.kiosk}"' in page.text
        locations = []
        for key in ("a" * 20, "b" * 20, "c" * 20):
            r = await client.post(f"/k/{org.kiosk}", data=form_data(key=key))
            assert r.status_code == 303
            locations.append(r.headers["location"])
        thanks = await client.get(locations[-1])
    # The return timer is a script with a visible countdown and a "more time" button
    # (WCAG 2.2.1); never a timed meta refresh.
    assert 'http-equiv="refresh"' not in thanks.text
    assert '<script src="/static/kiosk.js" defer></script>' in thanks.text
    assert f'data-url="/k/{org.kiosk}?lang=id" data-seconds="20"' in thanks.text
    assert "<span data-left>20</span>" in thanks.text
    rows = await Response.select(Response.channel)
    assert [r["channel"] for r in rows] == ["kiosk"] * 3


async def test_rate_limit_per_network(org):
    async with make_client(rate_limit=2) as client:
        codes = []
        for i, counter in enumerate((org.counter, org.other_counter, org.kiosk)):
            r = await client.post(f"/s/{counter}", data=form_data(key=f"key-{i}-" + "x" * 10))
            codes.append(r.status_code)
    assert codes == [303, 303, 429]
    assert await Response.count() == 2


async def test_rate_limit_is_shared_between_workers(org):
    """Two app instances (as two worker processes would be) share one limit."""
    async with make_client(rate_limit=3) as a, make_client(rate_limit=3) as b:
        codes = []
        for i, client in enumerate((a, b, a, b)):
            counter = (org.counter, org.other_counter, org.kiosk, org.kiosk)[i]
            path = f"/{'k' if counter == org.kiosk else 's'}/{counter}"
            r = await client.post(path, data=form_data(key=f"key-{i}-" + "x" * 10))
            codes.append(r.status_code)
    assert codes == [303, 303, 303, 429]


async def test_form_body_with_invalid_encoding_is_refused_with_the_form(org):
    async with make_client() as client:
        r = await client.post(f"/s/{org.counter}", content=b"waktu=3&comment=%ff%fe\xff\xfe",
                              headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 422  # the comment is not UTF-8: refused before validation
    assert "Teks ini tidak dapat dibaca" in r.text and "\ufffd" not in r.text
    assert await Response.count() == 0


async def test_forged_forwarded_for_does_not_escape_the_limits(org):
    async with make_client(rate_limit=2) as client:
        codes = []
        for i, counter in enumerate((org.counter, org.other_counter, org.kiosk)):
            mode = "k" if counter == org.kiosk else "s"
            r = await client.post(f"/{mode}/{counter}", data=form_data(key=f"xff-{i}-" + "x" * 8),
                                  headers={"x-forwarded-for": f"203.0.113.{i}"})
            codes.append(r.status_code)
    assert codes == [303, 303, 429]


async def test_home_page_lists_every_counter(org):
    async with make_client() as client:
        r = await client.get("/")
        en = await client.get("/?lang=en")
    assert r.status_code == 200
    assert "Dinas Kesehatan" in r.text and "UPTD Puskesmas Oebobo" in r.text
    for code in (org.counter, org.kiosk, org.other_counter):
        assert f'href="/s/{code}?lang=id"' in r.text
    assert "pindai kode QR" in r.text and "scan the QR code" in en.text


async def test_thank_you_page_only_for_its_own_counter(org):
    async with make_client() as client:
        r = await client.post(f"/s/{org.counter}", data=form_data())
        receipt = r.headers["location"].split("r=")[1].split("&")[0]
        own = await client.get(f"/s/{org.counter}/terima-kasih?r={receipt}")
        other = await client.get(f"/s/{org.other_counter}/terima-kasih?r={receipt}")
        unknown = await client.get(f"/s/{org.counter}/terima-kasih?r=AAAAAAAA")
    assert own.status_code == 200 and receipt[:4] in own.text
    assert other.status_code == 404 and unknown.status_code == 404


# ---------------------------------------------------------------------------- outcomes


def _always_taken(monkeypatch, taken):
    """Every receipt the generator makes is one already stored."""
    from feedback.survey import receipts

    monkeypatch.setattr(receipts, "new_receipts", lambda n, rng=None: [taken] * n)


def _taken_first(monkeypatch, taken):
    """The first receipt the generator makes is one already stored, then fresh ones."""
    from feedback.survey import receipts

    real, calls = receipts.new_receipts, []

    def clashing(n, rng=None):
        calls.append(n)
        codes = real(n)
        if len(calls) == 1:
            codes[0] = taken
        return codes

    monkeypatch.setattr(receipts, "new_receipts", clashing)
    return calls


async def test_a_receipt_clash_is_retried_not_500(org, monkeypatch):
    async with make_client() as client:
        first = await client.post(f"/s/{org.kiosk}", data=form_data(key="a" * 20))
        (taken,) = [r["receipt"] for r in await Response.select(Response.receipt)]
        calls = _taken_first(monkeypatch, taken)
        second = await client.post(f"/s/{org.kiosk}", data=form_data(key="b" * 20))
    assert first.status_code == 303 and second.status_code == 303, second.text
    assert calls == [1, 1]  # one clash, one fresh code
    rows = await Response.select(Response.receipt)
    assert len(rows) == 2 and len({r["receipt"] for r in rows}) == 2
    assert (await UnitDayStats.select(UnitDayStats.n).first())["n"] == 2


async def test_a_conflict_is_409_with_the_answers_kept(org, monkeypatch):
    """A clash that retrying cannot resolve is the outcome Conflict: 409, the form again
    with the citizen's answers and the same one-time key, nothing stored."""
    async with make_client() as client:
        await client.post(f"/s/{org.kiosk}", data=form_data(key="a" * 20))
        taken = (await Response.select(Response.receipt).first())["receipt"]
        _always_taken(monkeypatch, taken)
        r = await client.post(f"/s/{org.kiosk}",
                              data=form_data(dict(FULL, waktu=2), key="b" * 20, comment="Lama"))
    assert r.status_code == 409
    assert "kirim sekali lagi" in r.text
    assert re.search(r'name="waktu" value="2"[^>]*checked', r.text)
    assert "Lama" in r.text and 'value="' + "b" * 20 + '"' in r.text
    assert await Response.count() == 1


async def test_kiosk_page_of_a_normal_counter_applies_the_device_interval(org):
    """Only a counter configured as a kiosk skips the device interval; /k/ on a normal
    counter works, but one device cannot rate it three times in a row."""
    async with make_client() as client:
        page = await client.get(f"/k/{org.counter}")
        normal = [await client.post(f"/k/{org.counter}", data=form_data(key=f"{i}" * 20))
                  for i in range(3)]
        kiosk = [await client.post(f"/k/{org.kiosk}", data=form_data(key=f"k{i}" * 10))
                 for i in range(3)]
    assert page.status_code == 200 and "sl_d=" in page.headers.get("set-cookie", "")
    assert [r.status_code for r in normal] == [303, 429, 429]
    assert "beberapa saat yang lalu" in normal[1].text
    assert int(normal[1].headers["retry-after"]) == 15 * 60
    assert [r.status_code for r in kiosk] == [303, 303, 303]
    assert await Response.count() == 4


async def test_form_and_api_answer_each_outcome_with_the_same_status(org):
    from feedback.survey.outcomes import OUTCOME_STATUS, TokenRefused

    async def both(client, counter, answers=FULL, token=None, device="dev-1", key="x"):
        data = form_data(answers, key=key * 20 if len(key) < 8 else key)
        if token:
            data["t"] = token
        form = await client.post(f"/s/{counter}", data=data,
                                 headers={"user-agent": device, "cookie": f"sl_d={device}"})
        body = {"counter": counter, "answers": answers, "device_id": device}
        if token:
            body["token"] = token
        api = await client.post("/api/v1/responses", json=body)
        return form.status_code, api.status_code

    async with make_client() as client:
        invalid = await both(client, org.counter, answers={"waktu": 3}, key="i")
        token = await both(client, org.counter, token="SAAAAAAAAAAAAAAAA", key="t")
        await both(client, org.counter, device="dev-2", key="s")
        too_soon = await both(client, org.counter, device="dev-2", key="u")
        unknown = await both(client, "NOSUCH12", key="n")
    assert invalid == (422, 422)
    assert token == (OUTCOME_STATUS[TokenRefused][0],) * 2 == (422, 422)
    assert too_soon == (429, 429)
    assert unknown == (404, 404)


async def test_intro_says_seven_of_nine_answers_suffice(org):
    async with make_client() as client:
        id_page = await client.get(f"/s/{org.counter}")
        en_page = await client.get(f"/s/{org.counter}?lang=en")
    assert "sekurang-kurangnya 7 dari 9 pertanyaan" in id_page.text
    assert "at least 7 of the 9 questions" in en_page.text
    assert "Pilih satu jawaban untuk setiap pertanyaan. Hanya" not in id_page.text
