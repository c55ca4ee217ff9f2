"""Issue 11, defects 2, 3, 4, 5, 7 and 8: the signed device cookie, cross-site form posts
and the API's content type, small groups and calendar periods in the public IKM, security
headers, form fields that are not UTF-8, and the trusted-proxy warning of `suara serve`."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from itertools import combinations_with_replacement
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedback.org.counters import load_counter
from feedback.survey import submit as submission
from feedback.survey.validate import validate
from feedback.tables import Response
from tests.support import FULL, make_client

ROOT = Path(__file__).resolve().parents[1]


def form_data(answers=FULL, key="k" * 24, **extra):
    data = {code: str(v) for code, v in answers.items()}
    data.update({"key": key, "lang": "id"})
    data.update(extra)
    return data


# --- 2. the device cookie is signed ------------------------------------------------------------


async def test_made_up_device_cookies_do_not_escape_the_device_interval(org):
    """Before: five posts, each with a new made-up `sl_d`, were five fresh devices (5/5
    stored). Now a cookie the server did not sign counts as none: the address + browser key
    applies, so one is stored and four are refused, and each answer replaces the cookie."""
    async with make_client() as client:
        results = []
        for i in range(5):
            r = await client.post(f"/s/{org.counter}", data=form_data(key=f"forged-{i}-abcdef"),
                                  headers={"cookie": f"sl_d=made-up-{i}",
                                           "user-agent": "Phone/1.0"})
            results.append(r)
    assert [r.status_code for r in results] == [303, 429, 429, 429, 429]
    assert await Response.count() == 1
    for r in results:
        fresh = r.headers.get("set-cookie", "")
        assert fresh.startswith("sl_d=") and "made-up" not in fresh and "HttpOnly" in fresh


async def test_a_signed_cookie_keeps_its_device_whatever_the_user_agent(org):
    """Before: the same cookie with another User-Agent... and forging the signature fails."""
    async with make_client() as client:
        page = await client.get(f"/s/{org.counter}")
        cookie = page.headers["set-cookie"].split(";")[0]  # sl_d=<id>.<mac>
        ident, mac = cookie.removeprefix("sl_d=").split(".")
        codes = []
        for i in range(3):
            r = await client.post(f"/s/{org.counter}", data=form_data(key=f"signed-{i}-abcdef"),
                                  headers={"cookie": cookie, "user-agent": f"Browser/{i}"})
            codes.append(r.status_code)
            assert "set-cookie" not in r.headers  # a good cookie is kept
        # Another id with the same signature, or the same id unsigned, is not this device
        # nor a new one: it falls back to the address + browser key (Browser/0 rated).
        other_id = ("y" if ident[0] == "x" else "x") + ident[1:]  # always a different id
        tampered = await client.post(
            f"/s/{org.counter}", data=form_data(key="tampered-abcdef"),
            headers={"cookie": f"sl_d={other_id}.{mac}", "user-agent": "Browser/0"})
        unsigned = await client.post(
            f"/s/{org.counter}", data=form_data(key="unsigned-abcdef"),
            headers={"cookie": f"sl_d={ident}", "user-agent": "Browser/0"})
    assert codes == [303, 429, 429]
    assert tampered.status_code == 303  # the address + Browser/0 key has not rated yet
    assert unsigned.status_code == 429  # ... and now it has
    assert await Response.count() == 2


async def test_a_forged_cookie_gets_a_fresh_signed_one_on_the_form(org):
    async with make_client() as client:
        page = await client.get(f"/s/{org.counter}", headers={"cookie": "sl_d=abc"})
        fresh = page.headers["set-cookie"].split(";")[0].removeprefix("sl_d=")
        kept = await client.get(f"/s/{org.counter}", headers={"cookie": f"sl_d={fresh}"})
    assert fresh != "abc" and "." in fresh
    assert "set-cookie" not in kept.headers


# --- 3. cross-site form posts; the API reads JSON only -----------------------------------------


@pytest.mark.parametrize("headers", [
    {"origin": "https://evil.example"},
    {"origin": "null"},
    {"sec-fetch-site": "cross-site"},
    {"origin": "http://testserver.local.evil.example"},
    {"origin": "https://evil.example", "sec-fetch-site": "cross-site"},
], ids=["origin", "null-origin", "sec-fetch-site", "look-alike-host", "both"])
@pytest.mark.parametrize("mode", ["s", "k"])
async def test_cross_site_form_posts_are_refused_and_write_nothing(org, headers, mode):
    """Before: a form on evil.example posting to /s/{counter} (no cookie) was stored."""
    counter = org.counter if mode == "s" else org.kiosk
    async with make_client() as client:
        r = await client.post(f"/{mode}/{counter}", data=form_data(), headers=headers)
        en = await client.post(f"/{mode}/{counter}", data=form_data(lang="en"),
                               headers=headers)
    assert r.status_code == 403 and en.status_code == 403
    assert "dikirim dari situs web lain" in r.text and '<html lang="id">' in r.text
    assert "sent from another website" in en.text
    assert await Response.count() == 0


@pytest.mark.parametrize("headers", [
    {},  # old phones send neither header
    {"origin": "http://testserver.local", "sec-fetch-site": "same-origin"},
    {"origin": "https://suara.kupangkota.go.id"},  # SUARA_PUBLIC_URL's origin (proxy)
    {"sec-fetch-site": "same-origin"},
    {"sec-fetch-site": "none"},  # typed or bookmarked
    # Chromium sends Origin: null from a page whose Referrer-Policy is no-referrer
    {"origin": "null", "sec-fetch-site": "same-origin"},
], ids=["no-headers", "same-origin", "public-url", "fetch-same-origin", "fetch-none",
        "null-origin-same-origin"])
async def test_same_site_form_posts_still_work(org, headers):
    async with make_client(public_url="https://suara.kupangkota.go.id") as client:
        page = await client.get(f"/s/{org.counter}")
        key = re.search(r'name="key" value="([^"]+)"', page.text).group(1)
        r = await client.post(f"/s/{org.counter}", data=form_data(key=key), headers=headers)
    assert r.status_code == 303, r.text
    assert await Response.count() == 1


@pytest.mark.parametrize("content_type", [
    "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None,
])
async def test_api_refuses_bodies_that_are_not_declared_json(org, content_type):
    """Before: a JSON body sent as text/plain (a cross-site request without preflight) was
    stored with 201."""
    body = json.dumps({"counter": org.counter, "answers": FULL, "device_id": "dev-ct"})
    headers = {"content-type": content_type} if content_type else {}
    async with make_client() as client:
        r = await client.post("/api/v1/responses", content=body.encode(),
                              headers={**headers, "accept-language": "id"})
    assert r.status_code == 415, r.text
    out = r.json()
    assert out["error"] == "unsupported_media_type" and out["fields"] == []
    assert "application/json" in out["message"] and "Kirim" in out["message"]
    assert await Response.count() == 0


async def test_api_accepts_json_with_a_charset(org):
    body = json.dumps({"counter": org.counter, "answers": FULL, "device_id": "dev-cs"})
    async with make_client() as client:
        r = await client.post("/api/v1/responses", content=body.encode(),
                              headers={"content-type": "application/json; charset=utf-8"})
        spec = (await client.get("/schema/openapi.json")).json()
    assert r.status_code == 201, r.text
    assert "415" in spec["paths"]["/api/v1/responses"]["post"]["responses"]


# --- 4. the public IKM: calendar periods, small groups suppressed ------------------------------


async def _store_on(org, day: date, count: int, answers=FULL) -> None:
    counter = await load_counter(org.counter)
    draft = validate(counter, answers)
    when = datetime(day.year, day.month, day.day, 3, 0, tzinfo=UTC)  # 11:00 WITA
    policy = submission.Policy(device_interval=timedelta(0))
    for i in range(count):
        outcome = await submission.store_one(submission.Pending(
            counter=counter, draft=draft, channel="web", lang="id",
            submission_key=f"ikm-{day.isoformat()}-{i}-{count}", now=when), policy)
        assert outcome.__class__.__name__ == "Stored"


async def test_a_single_day_is_refused_and_a_small_month_shows_only_n(org):
    """Before: `?from=D&to=D` for a day with one response returned that person's answers."""
    await _store_on(org, date(2025, 3, 14), 1, {**FULL, "waktu": 1})
    await _store_on(org, date(2025, 3, 20), 2)
    base = f"/api/v1/units/{org.unit_code}/ikm"
    async with make_client() as client:
        day = await client.get(f"{base}?from=2025-03-14&to=2025-03-14",
                               headers={"accept-language": "id"})
        part = await client.get(f"{base}?from=2025-03-01&to=2025-03-14")
        late = await client.get(f"{base}?from=2025-03-14&to=2025-03-31")
        month = await client.get(f"{base}?from=2025-03-01&to=2025-03-31")
        by_key = await client.get(f"{base}?period=2025-03")
        both = await client.get(f"{base}?period=2025-03&from=2025-03-01")
        bad_key = await client.get(f"{base}?period=2025-13")
    for r in (day, part, late):
        assert r.status_code == 400 and r.json()["error"] == "not_whole_months", r.text
    assert "bulan penuh" in day.json()["message"]
    assert both.status_code == 400 and bad_key.status_code == 400
    for r in (month, by_key):
        out = r.json()
        assert r.status_code == 200 and out["n"] == 3 and out["suppressed"] is True
        assert out["ikm"] is None and out["grade"] is None and out["grade_label"] is None
        assert all(e == {"nrr": None, "ikm": None} for e in out["elements"].values())
        assert out["min_group"] == 10
    async with make_client(min_group=3) as client:
        shown = (await client.get(f"{base}?period=2025-03")).json()
    assert shown["suppressed"] is False and shown["elements"]["waktu"]["nrr"] == pytest.approx(
        (1 + 2 + 2) / 3)


async def test_overlapping_periods_cannot_be_subtracted_to_isolate_a_response(org):
    """January has 12 responses, February 1: January shows its figures, so January to
    February must not (else February's one response = the difference)."""
    await _store_on(org, date(2025, 1, 10), 12)
    await _store_on(org, date(2025, 2, 10), 1, {**FULL, "biaya": 1})
    base = f"/api/v1/units/{org.unit_code}/ikm"
    async with make_client() as client:
        jan = (await client.get(f"{base}?period=2025-01")).json()
        jan_feb = (await client.get(f"{base}?from=2025-01-01&to=2025-02-28")).json()
        q1 = (await client.get(f"{base}?period=2025-Q1")).json()
        year = (await client.get(f"{base}?period=2025")).json()
    assert jan["n"] == 12 and jan["ikm"] is not None
    for out in (jan_feb, q1, year):
        assert out["n"] == 13 and out["suppressed"] is True and out["ikm"] is None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 25), min_size=1, max_size=12), st.integers(1, 12))
def test_two_periods_with_figures_differ_by_none_or_at_least_min_group(months, k):
    """The rule of the IKM endpoint, over every pair of whole-month ranges of a year: when
    both show figures, their symmetric difference holds 0 or at least k responses."""
    from app.web.ikm_api import figures_shown

    ranges = [(a, b) for a, b in combinations_with_replacement(range(len(months)), 2)]
    shown = [(a, b) for a, b in ranges if figures_shown(months[a:b + 1], k)]
    for (a1, b1), (a2, b2) in combinations_with_replacement(shown, 2):
        one, two = set(range(a1, b1 + 1)), set(range(a2, b2 + 1))
        differ = sum(months[m] for m in one ^ two)
        assert differ == 0 or differ >= k


# --- 5. security headers ------------------------------------------------------------------------


def _style_hash(html: str) -> str:
    style = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    return "sha256-" + base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()


async def test_every_kind_of_response_has_the_security_headers(org):
    """Before: no CSP, X-Content-Type-Options, Referrer-Policy or frame-ancestors."""
    async with make_client() as client:
        form = await client.get(f"/s/{org.counter}")
        sent = await client.post(f"/s/{org.counter}", data=form_data())
        thanks = await client.get(sent.headers["location"])
        kiosk = await client.get(f"/k/{org.kiosk}")
        pages = {
            "form": form, "thanks": thanks, "kiosk": kiosk,
            "directory": await client.get("/"),
            "not-found": await client.get("/s/NOSUCH"),
            "no-route": await client.get("/nowhere/at/all"),
            "invalid": await client.post(f"/s/{org.counter}", data=form_data({"waktu": 2},
                                                                          key="short-form-1")),
            "api": await client.get("/api/v1/units"),
            "docs": await client.get("/schema"),
            "openapi": await client.get("/schema/openapi.json"),
            "staff": await client.get("/staf/masuk"),
            "static": await client.get("/static/kiosk.js"),
        }
    for name, r in pages.items():
        assert r.status_code < 500, name
        assert r.headers["x-content-type-options"] == "nosniff", name
        assert r.headers["referrer-policy"] == "same-origin", name
        assert r.headers["x-frame-options"] == "DENY", name
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, name
        assert "script-src 'self';" in csp, name  # never inline or foreign scripts
        assert "http" not in csp, name  # no source but this server
    for name in ("form", "thanks", "kiosk", "directory", "not-found", "invalid"):
        html, csp = pages[name].text, pages[name].headers["content-security-policy"]
        assert "unsafe-inline" not in csp, name
        assert f"'{_style_hash(html)}'" in csp, name  # the inlined stylesheet, by hash
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), name  # no inline script
    assert '<script src="/static/kiosk.js"' in thanks.text or "kiosk.js" not in thanks.text
    assert "style-src 'self' 'unsafe-inline'" in pages["staff"].headers["content-security-policy"]
    docs = pages["docs"].text
    assert not re.search(r"<script(?![^>]*\bsrc=)", docs)  # Swagger UI starts from a file
    assert 'src="/static/swagger-init.js"' in docs


async def test_cookies_are_secure_behind_https(org):
    async with make_client(public_url="https://suara.kupangkota.go.id") as client:
        form = await client.get(f"/s/{org.counter}")
        forged = await client.post(f"/s/{org.counter}", data=form_data(),
                                   headers={"cookie": "sl_d=forged"})
        staff = await client.get("/staf/masuk")
    for r in (form, forged):
        cookie = r.headers["set-cookie"]
        assert cookie.startswith("sl_d=") and "Secure" in cookie and "HttpOnly" in cookie
    assert "Secure" in staff.headers["set-cookie"]
    async with make_client() as client:  # plain http (development): not Secure
        form = await client.get(f"/s/{org.counter}")
    assert "Secure" not in form.headers["set-cookie"]


# --- 7. form fields that are not UTF-8 -----------------------------------------------------------


@pytest.mark.parametrize("raw", [b"%FF%FEbagus", b"\xff\xfe bagus", b"caf%C3"],
                         ids=["percent-encoded", "raw-bytes", "truncated"])
async def test_a_comment_that_is_not_utf8_is_refused_with_answers_kept(org, raw):
    """Before: stored with replacement characters (U+FFFD) in the comment."""
    body = b"&".join([f"{code}={v}".encode() for code, v in FULL.items()]
                     + [b"key=utf8-test-abcdef", b"lang=id", b"comment=" + raw])
    async with make_client() as client:
        r = await client.post(f"/s/{org.counter}", content=body,
                              headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 422, r.text
    html = r.text
    assert "Teks ini tidak dapat dibaca" in html and "tidak dapat dibaca" in html
    assert html.count(" checked") == 9  # every answer kept
    assert 'href="#f-comment"' in html and "\ufffd" not in html
    assert 'value="utf8-test-abcdef"' in html  # the same submission key
    assert await Response.count() == 0


async def test_an_unreadable_answer_is_refused_and_the_others_kept(org):
    body = b"&".join([f"{code}={v}".encode() for code, v in FULL.items() if code != "waktu"]
                     + [b"waktu=%FF", b"key=utf8-test-abcdef", b"lang=en"])
    async with make_client() as client:
        r = await client.post(f"/s/{org.counter}", content=body,
                              headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 422
    assert "This text could not be read" in r.text and r.text.count(" checked") == 8
    assert await Response.count() == 0


# --- 8. trusting X-Forwarded-For on a public address ---------------------------------------------

ENTRY_POINT = "from app.cli.main import main; import sys; sys.exit(main(sys.argv[1:]))"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve_output(tmp_path: Path, host: str, trust: str) -> str:
    """Start `suara serve` on an empty SQLite file, wait until it answers, stop it, and
    return what it printed."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("SUARA_PUBLIC_URL", "DATABASE_URL", "FORWARDED_ALLOW_IPS")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path}/suara-{host}.db", SUARA_SECRET="s",
               SUARA_TRUST_PROXY=trust, SUARA_PUBLIC_URL="https://suara.kupangkota.go.id")
    port = _free_port()
    log_path = tmp_path / f"serve-{host}-{trust}.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-c", ENTRY_POINT, "serve", "--host", host, "--port", str(port)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:
                    assert server.poll() is None and time.monotonic() < deadline, \
                        log_path.read_text()
                    time.sleep(0.2)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return " ".join(log_path.read_text().split())


def test_serve_warns_when_trusting_proxies_on_a_public_address(tmp_path):
    public = _serve_output(tmp_path, "0.0.0.0", "1")
    assert "WARNING: SUARA_TRUST_PROXY=1 while listening on 0.0.0.0" in public
    assert "--host 127.0.0.1" in public
    loopback = _serve_output(tmp_path, "127.0.0.1", "1")
    untrusted = _serve_output(tmp_path, "0.0.0.0", "")
    assert "SUARA_TRUST_PROXY" not in loopback and "SUARA_TRUST_PROXY" not in untrusted


async def test_the_public_scores_refuse_day_ranges_too(org):
    """Before: `GET /api/v1/scores?from=D&to=D` for a day with one response returned the
    unit's official IKM and every element's NRR: that person's answers."""
    await _store_on(org, date(2025, 3, 14), 1, {**FULL, "waktu": 1})
    async with make_client() as client:
        day = await client.get("/api/v1/scores?from=2025-03-14&to=2025-03-14&draws=0",
                               headers={"accept-language": "id"})
        part = await client.get("/api/v1/scores?from=2025-03-01&to=2025-03-14&draws=0")
        month = await client.get("/api/v1/scores?from=2025-03-01&to=2025-03-31&draws=0")
    for r in (day, part):
        assert r.status_code == 400 and r.json()["error"] == "not_whole_months", r.text
    assert "bulan penuh" in day.json()["message"]
    assert month.status_code == 200, month.text
