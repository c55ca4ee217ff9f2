"""The administrator's user pages, the city's list of agencies, and the role × route matrix
of the staff routes of issue 7's foundation (sign-in, sign-out, /staf, /staf/kota,
/staf/admin/pengguna)."""

from __future__ import annotations

import pytest

from feedback.accounts import audit, users
from feedback.accounts.tables import StaffSession, StaffUser
from tests.staff_support import (
    PASSWORD,
    ROLE_ACCOUNTS,
    audit_mark,
    make_all_roles,
    sign_in,
    signed_in_as,
)
from tests.support import make_client

NEW_PASSWORD = "a fresh temporary password"


async def create(client, token, **fields):
    form = {"email": "new@test.id", "name": "Ina Baru", "role": "unit",
            "scope": "unit:pkm-oesapa", "lang": "id", "password": NEW_PASSWORD, **fields}
    return await client.post("/staf/admin/pengguna", data={**form, "_csrf_token": token})


async def test_admin_lists_and_creates_users_with_scopes_from_real_codes(org):
    await make_all_roles()
    mark = await audit_mark()
    async with make_client() as client:
        token = await signed_in_as(client, "admin")
        page = await client.get("/staf/admin/pengguna")
        assert page.status_code == 200
        for email, _scope in ROLE_ACCOUNTS.values():
            assert email in page.text
        # scopes offered are the organisation's real codes, by kind
        assert 'value="counter:OESAPA01"' in page.text
        assert 'value="unit:pkm-oebobo"' in page.text and 'value="agency:dinkes"' in page.text
        done = await create(client, token)
        assert done.status_code == 303
        assert done.headers["location"] == "/staf/admin/pengguna?done=created&email=new%40test.id"
        shown = await client.get(done.headers["location"])
        assert "Akun new@test.id telah dibuat." in shown.text
    made = await users.find_user("new@test.id")
    assert made is not None and made.role == "unit" and made.scope_code == "pkm-oesapa"
    assert made.name == "Ina Baru"
    rows = await audit.entries(after_id=mark, object_key="new@test.id")
    assert rows[0]["action"] == "user_create" and rows[0]["actor"] == "admin@test.id"
    assert rows[0]["new"]["role"] == "unit" and rows[0]["new"]["scope"] == "pkm-oesapa"
    # the new account can sign in with its temporary password
    async with make_client() as client:
        assert (await sign_in(client, "new@test.id", NEW_PASSWORD)).headers["location"] \
            == "/staf/unit/pkm-oesapa"


@pytest.mark.parametrize(("fields", "status", "message"), [
    ({"email": "ADMIN@test.id"}, 409, "Sudah ada akun dengan alamat e-mail ini."),
    ({"email": "not-an-address"}, 422, "Masukkan alamat e-mail yang benar."),
    ({"scope": "unit:no-such-unit"}, 422, "Cakupan ini tidak ada."),
    ({"scope": "counter:OESAPA01"}, 422, "Cakupan tidak sesuai dengan peran"),
    ({"role": "officer", "scope": "agency:dinkes"}, 422, "Cakupan tidak sesuai dengan peran"),
    ({"role": "city", "scope": "unit:pkm-oesapa"}, 422, "Peran ini tidak memiliki cakupan"),
    ({"role": "agency", "scope": ""}, 422, "Peran ini memerlukan cakupan"),
    ({"role": "mayor", "scope": ""}, 422, "Pilih peran dari daftar."),
    ({"password": "too short"}, 422, "paling sedikit 12 karakter"),
    ({"name": "x" * 121}, 422, "Nama terlalu panjang"),
    ({"lang": "fr"}, 422, "Pilih bahasa dari daftar."),
])
async def test_bad_input_is_refused_with_a_message_and_writes_nothing(org, fields, status,
                                                                     message):
    await make_all_roles()
    before = await StaffUser.count()
    mark = await audit_mark()
    async with make_client() as client:
        token = await signed_in_as(client, "admin")
        mark = await audit_mark()  # after the sign-in's own row
        done = await create(client, token, **fields)
        assert done.status_code == status
        assert message in done.text
        # what was typed is kept (not the password)
        if "email" in fields and status == 422:
            assert f'value="{fields["email"]}"' in done.text
        assert NEW_PASSWORD not in done.text
    assert await StaffUser.count() == before
    assert await audit.entries(after_id=mark) == []


async def test_disable_enable_and_reset_password_revoke_sessions(org):
    staff = await make_all_roles()
    target = staff["unit"]
    async with make_client() as victim:
        await signed_in_as(victim, "unit")
        async with make_client() as admin:
            token = await signed_in_as(admin, "admin")
            mark = await audit_mark()
            off = await admin.post(f"/staf/admin/pengguna/{target.id}/nonaktif",
                                   data={"_csrf_token": token})
            assert off.status_code == 303
            assert (await victim.get("/staf")).status_code == 303  # session ended
            assert (await sign_in(victim, target.email)).status_code == 401
            on = await admin.post(f"/staf/admin/pengguna/{target.id}/aktif",
                                  data={"_csrf_token": token})
            assert on.status_code == 303
            await signed_in_as(victim, "unit")
            short = await admin.post(f"/staf/admin/pengguna/{target.id}/sandi",
                                     data={"_csrf_token": token, "password": "short"})
            assert short.status_code == 422 and "paling sedikit 12 karakter" in short.text
            assert (await victim.get("/staf")).status_code == 302  # nothing changed
            reset = await admin.post(f"/staf/admin/pengguna/{target.id}/sandi",
                                     data={"_csrf_token": token, "password": NEW_PASSWORD})
            assert reset.status_code == 303
            assert (await victim.get("/staf")).status_code == 303
            assert (await sign_in(victim, target.email)).status_code == 401
            assert (await sign_in(victim, target.email, NEW_PASSWORD)).status_code == 303
    rows = await audit.entries(after_id=mark, object_key=target.email)  # newest first
    changes = [r for r in reversed(rows) if not r["action"].startswith("sign_")]
    assert [r["action"] for r in changes] == ["user_disable", "user_enable", "password_reset"]
    assert {r["actor"] for r in changes} == {"admin@test.id"}
    assert changes[0]["old"] == {"active": True} and changes[0]["new"] == {"active": False}
    assert [r["new"]["reason"] for r in reversed(rows) if r["action"] == "sign_in_failed"
            ] == ["disabled", "wrong_password"]


async def test_admin_cannot_disable_themself(org):
    staff = await make_all_roles()
    me = staff["admin"]
    async with make_client() as client:
        token = await signed_in_as(client, "admin")
        page = await client.get("/staf/admin/pengguna")
        assert f"/staf/admin/pengguna/{me.id}/nonaktif" not in page.text  # no button
        done = await client.post(f"/staf/admin/pengguna/{me.id}/nonaktif",
                                 data={"_csrf_token": token})
        assert done.status_code == 422
        assert "Anda tidak dapat menonaktifkan akun Anda sendiri." in done.text
        assert (await client.get("/staf")).status_code == 302
    assert (await users.get_user(me.id)).active


async def test_unknown_user_is_404(org):
    await make_all_roles()
    async with make_client() as client:
        token = await signed_in_as(client, "admin")
        for action in ("nonaktif", "aktif", "sandi"):
            done = await client.post(f"/staf/admin/pengguna/999999/{action}",
                                     data={"_csrf_token": token, "password": NEW_PASSWORD})
            assert done.status_code == 404, action


async def test_city_sees_every_agency(org):
    # The city view itself (ranking, funnel, what-if, trend): tests/test_city_view.py.
    await make_all_roles()
    async with make_client() as client:
        await signed_in_as(client, "city")
        page = await client.get("/staf/kota")
        assert page.status_code == 200
        assert '<a href="/staf/dinas/dinkes">Dinas Kesehatan</a>' in page.text
        assert "Tidak ada respons pada periode ini." in page.text


async def test_scope_query_helpers(org):
    from feedback.accounts.scope import Scope
    from feedback.org.overview import agencies_overview
    from feedback.tables import Agency, Unit

    other = Agency(code="disduk", name="Dinas Kependudukan")
    await other.save()
    dinkes = await Agency.select(Agency.id).where(Agency.code == "dinkes").first()
    # sorted by name: Dinas Kependudukan, Dinas Kesehatan
    assert [a.code for a in await agencies_overview(Scope("city"))] == ["disduk", "dinkes"]
    assert [a.code for a in await agencies_overview(Scope("agency", agency_id=dinkes["id"]))
            ] == ["dinkes"]
    assert await agencies_overview(Scope("admin")) == []
    unit_scope = Scope("unit", unit_id=org.unit_id, agency_id=dinkes["id"])
    rows = await Unit.select(Unit.code).where(unit_scope.unit_where(Unit.id, Unit.agency))
    assert [r["code"] for r in rows] == ["pkm-oesapa"]
    agency_scope = Scope("agency", agency_id=dinkes["id"])
    rows = await Unit.select(Unit.code).where(agency_scope.unit_where(Unit.id, Unit.agency))
    assert {r["code"] for r in rows} == {"pkm-oesapa", "pkm-oebobo"}
    assert Scope("city").unit_where(Unit.id, Unit.agency) is None
    rows = await Unit.select(Unit.code).where(Scope("officer", counter_id=org.counter_id,
                                                    unit_id=org.unit_id
                                                    ).unit_where(Unit.id, Unit.agency))
    assert rows == []
    assert unit_scope.unit_ids_sql() == ('unit = ?', [org.unit_id])


def test_scope_rules():
    from feedback.accounts.scope import Scope

    officer = Scope("officer", counter_id=1, unit_id=10, agency_id=100)
    unit = Scope("unit", unit_id=10, agency_id=100)
    agency = Scope("agency", agency_id=100)
    city, admin = Scope("city"), Scope("admin")
    assert officer.can_see_counter(1, 10, 100) and not officer.can_see_counter(2, 10, 100)
    assert not officer.can_see_unit(10, 100) and not officer.can_see_agency(100)
    assert unit.can_see_unit(10, 100) and not unit.can_see_unit(11, 100)
    assert unit.can_see_counter(2, 10, 100) and not unit.can_see_counter(3, 11, 100)
    assert not unit.can_see_agency(100)
    assert agency.can_see_agency(100) and not agency.can_see_agency(101)
    assert agency.can_see_unit(11, 100) and not agency.can_see_unit(12, 101)
    assert agency.can_see_counter(3, 11, 100) and not agency.can_see_counter(4, 12, 101)
    assert city.can_see_agency(101) and city.can_see_unit(12, 101)
    assert city.can_see_counter(4, 12, 101)
    assert not admin.can_see_agency(100) and not admin.can_see_unit(10, 100)
    assert not admin.can_see_counter(1, 10, 100)
    assert not Scope("agency").can_see_agency(None)


# The role × route matrix of the routes this foundation owns. "ok" is the success status of
# the route; 403 the wrong role; anonymous visitors are sent to sign in (303).
ROUTES = [
    # (method, path, allowed roles, success status)
    ("GET", "/staf", {"officer", "unit", "agency", "city", "admin"}, 302),
    ("GET", "/staf/kota", {"city"}, 200),
    ("GET", "/staf/admin/pengguna", {"admin"}, 200),
    ("POST", "/staf/admin/pengguna", {"admin"}, 303),
    ("POST", "/staf/admin/pengguna/{other}/nonaktif", {"admin"}, 303),
    ("POST", "/staf/admin/pengguna/{other}/aktif", {"admin"}, 303),
    ("POST", "/staf/admin/pengguna/{other}/sandi", {"admin"}, 303),
    ("POST", "/staf/admin/pengguna/999999/nonaktif", {"admin"}, 404),
    ("POST", "/staf/keluar", {"officer", "unit", "agency", "city", "admin"}, 303),
]
ROLES = ["anonymous", "officer", "unit", "agency", "city", "admin"]


@pytest.mark.parametrize("role", ROLES)
async def test_role_route_matrix(org, role):
    staff = await make_all_roles()
    spare = await users.create_user("spare@test.id", role="city", scope_code=None,
                                    password=PASSWORD, actor=audit.CLI_ACTOR)
    async with make_client() as client:
        if role == "anonymous":
            await client.get("/staf/masuk")
            token = client.cookies.get("sl_csrf")
        else:
            token = await signed_in_as(client, role)
        for method, template, allowed, ok in ROUTES:
            if template == "/staf/keluar":
                continue  # last: it ends the session
            path = template.format(other=spare.id)
            form = {"_csrf_token": token, "email": f"m-{role}@test.id", "role": "city",
                    "scope": "", "password": PASSWORD}
            response = await (client.get(path) if method == "GET"
                              else client.post(path, data=form))
            expected = 303 if role == "anonymous" else ok if role in allowed else 403
            assert response.status_code == expected, (role, method, path)
            if expected == 303 and role == "anonymous":
                assert response.headers["location"].startswith("/staf/masuk")
        out = await client.post("/staf/keluar", data={"_csrf_token": token})
        assert out.status_code == 303
        if role != "anonymous":
            assert out.headers["location"].startswith("/staf/masuk?out=1")
    assert staff  # every role's account existed
    if role not in ("anonymous",):
        assert await StaffSession.count() == 0
