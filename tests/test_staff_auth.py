"""Staff sign-in, sessions, CSRF, throttling and the audit log (issue 7)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from feedback.accounts import audit, sessions, users
from feedback.accounts.audit import CLI_ACTOR
from feedback.accounts.tables import AuditLog, StaffSession, StaffUser
from feedback.engine import transaction
from tests.staff_support import (
    PASSWORD,
    ROLE_ACCOUNTS,
    audit_mark,
    csrf,
    make_all_roles,
    make_user,
    sign_in,
    signed_in_as,
    token_of,
)
from tests.support import make_client

GENERIC = "Alamat e-mail atau kata sandi tidak benar."


def staff_cookies(response) -> dict[str, str]:
    """Set-Cookie headers of the staff cookies, by name."""
    found = {}
    for header in response.headers.get_list("set-cookie"):
        name = header.split("=", 1)[0]
        if name in ("sl_staf", "sl_csrf"):
            found[name] = header
    return found


async def test_sign_in_lands_on_own_page_with_safe_cookies(org):
    await make_user("unit")
    async with make_client() as client:
        done = await sign_in(client, "UNIT@test.id ")  # e-mail case and spaces do not matter
        assert done.status_code == 303
        assert done.headers["location"] == "/staf/unit/pkm-oesapa"
        cookie = staff_cookies(done)["sl_staf"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/staf" in cookie
        assert "Max-Age=1800" in cookie and "Secure" not in cookie
        home = await client.get("/staf")
        assert home.status_code == 302 and home.headers["location"] == "/staf/unit/pkm-oesapa"


async def test_cookies_are_secure_behind_https(org):
    await make_user("admin")
    async with make_client(public_url="https://suara.example.id") as client:
        page = await client.get("/staf/masuk")
        assert "Secure" in staff_cookies(page)["sl_csrf"]
        token = token_of(page.text)
        # (the client sends no Secure cookie over http: the browser's part is played here)
        done = await client.post("/staf/masuk", data={
            "email": "admin@test.id", "password": PASSWORD, "_csrf_token": token},
            headers={"Cookie": f"sl_csrf={token}"})
        assert done.status_code == 303
        assert "Secure" in staff_cookies(done)["sl_staf"]


async def test_citizen_pages_and_api_get_no_staff_cookie(org):
    async with make_client() as client:
        for path in ("/", f"/s/{org.counter}", "/api/v1/units", "/health"):
            response = await client.get(path)
            assert response.status_code == 200, path
            assert staff_cookies(response) == {}, path
        # The citizen form still posts without any CSRF token.
        form = await client.get(f"/s/{org.counter}")
        key = form.text.split('name="key" value="')[1].split('"')[0]
        answers = {"persyaratan": "4", "prosedur": "3", "waktu": "2", "biaya": "4",
                   "produk": "3", "kompetensi": "3", "perilaku": "4", "pengaduan": "3",
                   "sarana": "2"}
        sent = await client.post(f"/s/{org.counter}", data={"key": key, **answers})
        assert sent.status_code == 303 and staff_cookies(sent) == {}
        api = await client.post("/api/v1/responses", json={
            "counter": org.counter, "answers": {k: int(v) for k, v in answers.items()},
            "idempotency_key": "staff-test-1", "device_id": "d1"})
        assert api.status_code == 201, api.text
    # The anonymous sign-in page makes no session row.
    assert await StaffSession.count() == 0


async def test_anonymous_sign_in_page_sets_no_session(org):
    async with make_client() as client:
        page = await client.get("/staf/masuk")
        assert page.status_code == 200
        assert set(staff_cookies(page)) == {"sl_csrf"}
        assert 'name="email"' in page.text and 'name="password"' in page.text
        assert '<html lang="id">' in page.text and "Masuk staf" in page.text
        english = await client.get("/staf/masuk?lang=en")
        assert '<html lang="en">' in english.text and "Staff sign-in" in english.text
    assert await StaffSession.count() == 0


@pytest.mark.parametrize("case", ["wrong_password", "unknown_email", "disabled"])
async def test_failed_sign_in_is_generic_and_audited(org, case):
    user = await make_user("unit")
    if case == "disabled":
        await users.set_active(user.email, False, actor=CLI_ACTOR)
    email = "nobody@test.id" if case == "unknown_email" else user.email
    password = "wrong password!" if case == "wrong_password" else PASSWORD
    mark = await audit_mark()
    async with make_client() as client:
        done = await sign_in(client, email, password)
        assert done.status_code == 401
        assert GENERIC in done.text
        assert 'value="' + email + '"' in done.text  # the e-mail is kept
        assert "sl_staf" not in staff_cookies(done)
        assert (await client.get("/staf")).status_code == 303
    rows = await audit.entries(after_id=mark)
    failed = [r for r in rows if r["action"] == "sign_in_failed"]
    assert len(failed) == 1 and failed[0]["new"] == {"reason": case}
    assert failed[0]["object_key"] == email and failed[0]["network"].startswith("net:")
    assert await StaffSession.count() == 0


async def test_sign_in_needs_both_fields(org):
    async with make_client() as client:
        token = await csrf(client)
        done = await client.post("/staf/masuk", data={"email": "", "password": "",
                                                      "_csrf_token": token})
        assert done.status_code == 422
        assert "Masukkan alamat e-mail dan kata sandi Anda." in done.text


async def test_successful_sign_in_is_audited_and_remembered(org):
    user = await make_user("agency")
    mark = await audit_mark()
    async with make_client() as client:
        await sign_in(client, user.email)
        await client.post("/staf/keluar", data={"_csrf_token": client.cookies.get("sl_csrf")})
    actions = [(r["action"], r["actor"]) for r in await audit.entries(after_id=mark)]
    assert actions == [("sign_out", user.email), ("sign_in", user.email)]
    assert (await users.get_user(user.id)).last_sign_in_at is not None


async def test_account_throttle_refuses_even_the_right_password_until_the_window_passes(org):
    user = await make_user("unit")
    maker = make_client()
    async with maker as client:
        for _ in range(5):
            assert (await sign_in(client, user.email, "not the password")).status_code == 401
        mark = await audit_mark()
        refused = await sign_in(client, user.email)
        assert refused.status_code == 429
        assert "Terlalu banyak percobaan masuk yang gagal" in refused.text
        assert 0 < int(refused.headers["retry-after"]) <= 15 * 60
        rows = await audit.entries(after_id=mark)
        assert [r["new"] for r in rows] == [{"reason": "throttled"}]
        # Another account from the same network is not affected.
        other = await make_user("city")
        assert (await sign_in(client, other.email)).status_code == 303
        maker.app.state.staff_clock.offset = timedelta(minutes=15, seconds=1)
        assert (await sign_in(client, user.email)).status_code == 303


async def test_network_throttle_counts_failures_over_all_accounts(org):
    await make_user("admin")
    maker = make_client()
    async with maker as client:
        for i in range(20):
            done = await sign_in(client, f"guess{i}@test.id", "not the password")
            assert done.status_code == 401, i
        assert (await sign_in(client, "admin@test.id")).status_code == 429
        maker.app.state.staff_clock.offset = timedelta(minutes=16)
        assert (await sign_in(client, "admin@test.id")).status_code == 303


async def test_throttle_is_shared_through_the_database(org):
    """Two app instances (two workers) see the same failure counts."""
    user = await make_user("unit")
    async with make_client() as first:
        for _ in range(3):
            await sign_in(first, user.email, "not the password")
    async with make_client() as second:
        for _ in range(2):
            await sign_in(second, user.email, "not the password")
        assert (await sign_in(second, user.email)).status_code == 429


async def test_csrf_refuses_posts_without_or_with_a_wrong_token(org):
    await make_all_roles()
    users_before = await StaffUser.count()
    mark = await audit_mark()
    async with make_client() as client:
        await client.get("/staf/masuk")
        missing = await client.post("/staf/masuk", data={"email": "admin@test.id",
                                                         "password": PASSWORD})
        assert missing.status_code == 403 and "Formulir sudah kedaluwarsa" in missing.text
        wrong = await client.post("/staf/masuk", data={"email": "admin@test.id",
                                                       "password": PASSWORD,
                                                       "_csrf_token": "0" * 64})
        assert wrong.status_code == 403
        assert await audit.entries(after_id=mark) == []  # nothing was even tried
        await signed_in_as(client, "admin")
        create = {"email": "new@test.id", "role": "city", "scope": "",
                  "password": "a long enough password"}
        assert (await client.post("/staf/admin/pengguna", data=create)).status_code == 403
        bad = await client.post("/staf/admin/pengguna", data={**create, "_csrf_token": "x"})
        assert bad.status_code == 403
        out = await client.post("/staf/keluar", data={})
        assert out.status_code == 403
        assert (await client.get("/staf")).status_code == 302  # still signed in
    assert await StaffUser.count() == users_before


async def test_sign_out_ends_the_session_everywhere(org):
    await make_user("city")
    async with make_client() as client:
        await signed_in_as(client, "city")
        stolen = client.cookies.get("sl_staf")
        out = await client.post("/staf/keluar", data={"_csrf_token": client.cookies.get("sl_csrf")})
        assert out.status_code == 303 and out.headers["location"].startswith("/staf/masuk?out=1")
        assert "sl_staf=null" in staff_cookies(out)["sl_staf"]
        page = await client.get(out.headers["location"])
        assert "Anda telah keluar." in page.text
    async with make_client() as thief:
        thief.cookies.set("sl_staf", stolen, path="/staf")
        assert (await thief.get("/staf")).status_code == 303
    assert await StaffSession.count() == 0


@pytest.mark.parametrize("how", ["password", "disable"])
async def test_password_change_and_disabling_revoke_sessions(org, how):
    user = await make_user("unit")
    async with make_client() as client:
        await signed_in_as(client, "unit")
        assert (await client.get("/staf")).status_code == 302
        if how == "password":
            await users.set_password(user.email, "another long password", actor=CLI_ACTOR)
        else:
            await users.set_active(user.email, False, actor=CLI_ACTOR)
        again = await client.get("/staf")
        assert again.status_code == 303 and again.headers["location"] == "/staf/masuk"
    assert await StaffSession.count() == 0


async def test_a_session_of_an_older_version_is_refused(org):
    """Even if a session row survived (e.g. written by a worker at the same moment), the
    session version on the user voids it."""
    user = await make_user("unit")
    async with make_client() as client:
        await signed_in_as(client, "unit")
        await StaffUser.update({StaffUser.session_version: StaffUser.session_version + 1}
                               ).where(StaffUser.id == user.id)
        assert (await client.get("/staf")).status_code == 303


async def test_idle_timeout_30_minutes_renewed_on_access(org):
    await make_user("city")
    maker = make_client()
    async with maker as client:
        await signed_in_as(client, "city")
        clock = maker.app.state.staff_clock
        for minutes in (25, 50, 75):  # each access renews the 30 minutes
            clock.offset = timedelta(minutes=minutes)
            assert (await client.get("/staf")).status_code == 302, minutes
        clock.offset = timedelta(minutes=75 + 31)
        expired = await client.get("/staf/kota")
        assert expired.status_code == 303
        assert expired.headers["location"] == "/staf/masuk?next=%2Fstaf%2Fkota"


async def test_absolute_timeout_12_hours_even_when_active(org):
    await make_user("city")
    maker = make_client()
    async with maker as client:
        await signed_in_as(client, "city")
        clock = maker.app.state.staff_clock
        minutes = 0
        while minutes < 12 * 60 - 20:
            minutes += 20
            clock.offset = timedelta(minutes=minutes)
            assert (await client.get("/staf")).status_code == 302, minutes
        clock.offset = timedelta(hours=12, minutes=1)
        assert (await client.get("/staf")).status_code == 303


async def test_session_id_is_replaced_at_sign_in(org):
    await make_user("city")
    async with make_client() as client:
        # planted by someone else
        client.cookies.set("sl_staf", "a" * 64, domain="testserver.local", path="/staf")
        done = await sign_in(client, "city@test.id")
        assert done.status_code == 303
        new_id = staff_cookies(done)["sl_staf"].split(";")[0].split("=", 1)[1]
        assert len(new_id) == 64 and new_id != "a" * 64
        assert (await client.get("/staf")).status_code == 302
        assert not await StaffSession.exists().where(StaffSession.key == "a" * 64)


@pytest.mark.parametrize(("role", "target"), [
    ("officer", "/staf/loket/OESAPA01"), ("unit", "/staf/unit/pkm-oesapa"),
    ("agency", "/staf/dinas/dinkes"), ("city", "/staf/kota"),
    ("admin", "/staf/admin/pengguna"),
])
async def test_staf_redirects_each_role_to_its_own_view(org, role, target):
    await make_user(role)
    async with make_client() as client:
        done = await sign_in(client, ROLE_ACCOUNTS[role][0])
        assert done.headers["location"] == target
        home = await client.get("/staf")
        assert home.status_code == 302 and home.headers["location"] == target


@pytest.mark.parametrize(("nxt", "lands"), [
    ("/staf/kota", "/staf/kota"),
    ("/staf/kota?lang=en", "/staf/kota?lang=en"),
    ("https://evil.example/staf", "/staf/kota"),
    ("//evil.example/staf", "/staf/kota"),
    ("/stafevil", "/staf/kota"),
    ("/staf/../s/X", "/staf/kota"),
    ("/staf\\\\evil.example", "/staf/kota"),
    ("/s/OESAPA01", "/staf/kota"),
])
async def test_next_goes_only_to_local_staff_pages(org, nxt, lands):
    await make_user("city")
    async with make_client() as client:
        done = await sign_in(client, "city@test.id", next=nxt)
        assert done.status_code == 303 and done.headers["location"] == lands


async def test_a_signed_out_visit_is_sent_to_sign_in_and_back(org):
    await make_user("city")
    async with make_client() as client:
        first = await client.get("/staf/kota?lang=en")
        assert first.status_code == 303
        location = first.headers["location"]
        assert location == "/staf/masuk?next=%2Fstaf%2Fkota%3Flang%3Den&lang=en"
        page = await client.get(location)
        assert 'name="next" value="/staf/kota?lang=en"' in page.text
        assert '<html lang="en">' in page.text
        token = client.cookies.get("sl_csrf")
        done = await client.post("/staf/masuk", data={
            "email": "city@test.id", "password": PASSWORD, "_csrf_token": token,
            "next": "/staf/kota?lang=en"})
        assert done.headers["location"] == "/staf/kota?lang=en"


async def test_forbidden_page_in_the_users_language(org):
    await make_user("unit")
    english = await users.create_user("en@test.id", role="unit", scope_code="pkm-oesapa",
                                      password=PASSWORD, actor=CLI_ACTOR, lang="en")
    async with make_client() as client:
        await signed_in_as(client, "unit")
        page = await client.get("/staf/admin/pengguna")
        assert page.status_code == 403
        assert "Tidak diizinkan" in page.text and '<html lang="id">' in page.text
        assert "Test unit" in page.text  # the shell shows who is signed in
        english_page = await client.get("/staf/admin/pengguna?lang=en")
        assert "Not allowed" in english_page.text
        # ?lang= is remembered for the rest of the session
        assert "Not allowed" in (await client.get("/staf/kota")).text
    async with make_client() as client:
        await sign_in(client, english.email)
        assert "Not allowed" in (await client.get("/staf/kota")).text


async def test_unknown_staff_page_is_a_404_in_the_staff_shell(org):
    await make_user("city")
    async with make_client() as client:
        await signed_in_as(client, "city")
        page = await client.get("/staf/tidak-ada")
        assert page.status_code == 404 and "Halaman tidak ditemukan" in page.text


async def test_audit_log_is_append_only(org):
    await audit.record(CLI_ACTOR, "test", "thing", "key", new={"a": 1})
    with pytest.raises(Exception, match="append-only"):
        await AuditLog.update({AuditLog.action: "changed"}, force=True)
    with pytest.raises(Exception, match="append-only"):
        await AuditLog.delete(force=True)
    assert await AuditLog.count() > 0


async def test_database_store_expires_renews_and_revokes(org):
    from app.web.staff.store import DatabaseStore

    now = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    store = DatabaseStore(clock=lambda: now)
    await store.set("k1", b'{"uid": 7}', expires_in=60)
    await store.set("k2", "plain text", expires_in=timedelta(seconds=60))
    assert await store.get("k1") == b'{"uid": 7}'
    assert await store.exists("k2") and await store.expires_in("k2") == 60
    now += timedelta(seconds=50)
    assert await store.get("k1", renew_for=60) is not None  # renewed to now + 60
    now += timedelta(seconds=30)
    assert await store.get("k1") is not None
    assert await store.get("k2") is None  # expired (and deleted)
    assert await sessions.revoke_user(7) == 1
    assert await store.get("k1") is None
    await store.set("k3", b"{}", expires_in=None)
    assert await store.expires_in("k3") is None
    await store.delete("k3")
    assert not await store.exists("k3")


async def test_rehash_when_parameters_change(org):
    from argon2 import PasswordHasher

    user = await make_user("city")
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    async with transaction():
        await StaffUser.update({StaffUser.password_hash: weak}).where(StaffUser.id == user.id)
    result = await users.sign_in(user.email, PASSWORD, network="net:test")
    assert result.user is not None
    stored = (await StaffUser.select(StaffUser.password_hash).where(
        StaffUser.id == user.id).first())["password_hash"]
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


async def test_own_password_change_ends_other_sessions_and_keeps_this_one(org):
    user = await make_user("unit")
    mark = await audit_mark()
    async with make_client() as other:
        await signed_in_as(other, "unit")
        async with make_client() as client:
            token = await signed_in_as(client, "unit")
            page = await client.get("/staf/akun/sandi")
            assert page.status_code == 200 and 'autocomplete="current-password"' in page.text
            form = {"_csrf_token": token, "current": PASSWORD, "new": "my own new password",
                    "again": "my own new password"}
            mismatch = await client.post("/staf/akun/sandi", data={**form, "again": "other"})
            assert mismatch.status_code == 422
            assert "Kedua kata sandi baru tidak sama." in mismatch.text
            short = await client.post("/staf/akun/sandi",
                                      data={**form, "new": "short", "again": "short"})
            assert short.status_code == 422 and "paling sedikit 12 karakter" in short.text
            wrong = await client.post("/staf/akun/sandi", data={**form, "current": "nope"})
            assert wrong.status_code == 422
            assert "Kata sandi saat ini tidak benar." in wrong.text
            done = await client.post("/staf/akun/sandi", data=form)
            assert done.status_code == 303
            assert (await client.get("/staf")).status_code == 302  # this browser goes on
            assert (await other.get("/staf")).status_code == 303  # the other one is out
        assert (await sign_in(other, user.email)).status_code == 401
        assert (await sign_in(other, user.email, "my own new password")).status_code == 303
    actions = [r["action"] for r in reversed(await audit.entries(after_id=mark))]
    assert "password_change_failed" in actions and "password_change" in actions


async def test_wrong_current_passwords_count_toward_the_throttle(org):
    await make_user("unit")
    async with make_client() as client:
        token = await signed_in_as(client, "unit")
        form = {"_csrf_token": token, "current": "wrong one", "new": "my own new password",
                "again": "my own new password"}
        for _ in range(5):
            assert (await client.post("/staf/akun/sandi", data=form)).status_code == 422
        assert (await client.post("/staf/akun/sandi", data=form)).status_code == 429
