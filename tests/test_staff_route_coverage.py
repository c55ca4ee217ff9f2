"""Every staff route is in a role × route matrix.

The matrices live beside the pages they test (tests/test_staff_admin.py for the foundation,
tests/test_dashboards.py for the dashboards, tests/test_unit_pages.py for comments and
targets); this test keeps them complete: a `/staf` route added without a row for every role
fails here. It also holds the matrix of the one route none of them owns (the own-password
page), and names the only public staff route (the sign-in page). A newer page's test module
declares the routes its matrix exercises as `COVERED_ROUTES`."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import tests
from tests import test_dashboards, test_staff_admin, test_unit_pages
from tests.staff_support import PASSWORD, make_all_roles, signed_in_as
from tests.support import make_client

PUBLIC = {("GET", "/staf/masuk"), ("POST", "/staf/masuk")}  # signing in needs no role


def _covered() -> set[tuple[str, str]]:
    """(method, concrete path) pairs exercised by the matrices."""
    out = {(method, path.format(other=1)) for method, path, _roles, _ok
           in test_staff_admin.ROUTES}
    out |= {("GET", path) for path in test_dashboards.ROUTES.values()}
    out |= {("GET", path) for path in test_unit_pages.ROUTES.values()}
    out |= {("POST", test_unit_pages.ROUTES[name])
            for name in test_unit_pages.EXPECTED_POST["unit"]}
    out |= {(method, "/staf/akun/sandi") for method in ("GET", "POST")}
    # Other matrices: any test module may declare the (method, concrete path) pairs its
    # role × route matrix exercises as COVERED_ROUTES.
    for info in pkgutil.iter_modules(tests.__path__):
        if info.name.startswith("test_"):
            module = importlib.import_module(f"tests.{info.name}")
            out |= set(getattr(module, "COVERED_ROUTES", ()))
    return out


def _staff_routes() -> list[tuple[str, str, re.Pattern[str]]]:
    from app.web.main import create_app

    routes = []
    for route in create_app(manage_engine=False).routes:
        if not route.path.startswith("/staf"):
            continue
        pattern = re.compile("^" + re.sub(r"\{[^}:]+:(str|int)\}",
                                          lambda m: "[0-9]+" if m[1] == "int" else "[^/]+",
                                          route.path) + "$")
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            routes.append((method, route.path, pattern))
    return routes


def test_every_staff_route_is_in_a_matrix():
    covered = _covered()
    routes = _staff_routes()
    assert len(routes) >= 18
    missing = [
        (method, path) for method, path, pattern in routes
        if (method, path) not in PUBLIC
        and not any(m == method and pattern.match(p) for m, p in covered)
    ]
    assert not missing, f"staff routes without a role × route matrix: {missing}"


@pytest.mark.parametrize("role", ["anonymous", "officer", "unit", "agency", "city", "admin"])
async def test_own_password_page_for_every_role(org, role):
    """Everyone signed in may change their own password; nobody else's."""
    await make_all_roles()
    async with make_client() as client:
        if role == "anonymous":
            page = await client.get("/staf/akun/sandi")
            assert page.status_code == 303
            assert page.headers["location"].startswith("/staf/masuk")
            return
        token = await signed_in_as(client, role)
        assert (await client.get("/staf/akun/sandi")).status_code == 200
        wrong = await client.post("/staf/akun/sandi", data={
            "_csrf_token": token, "current": "not the password", "new": "a new password!",
            "again": "a new password!"})
        assert wrong.status_code == 422
        done = await client.post("/staf/akun/sandi", data={
            "_csrf_token": token, "current": PASSWORD, "new": "a new password!",
            "again": "a new password!"})
        assert done.status_code == 303
