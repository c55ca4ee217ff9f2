"""Staff authentication: server-side sessions in the database (shared by every worker),
Litestar's `SessionAuth` on `/staf` paths only, the signed-in `StaffPrincipal` as
`request.user`, and the guards `signed_in` and `roles(...)`.

Session rules: idle timeout 30 minutes (the store's expiry, renewed on every request),
absolute limit 12 hours from sign-in (the sign-in time is kept in the session and checked
on every request), and revocation: sign-out deletes the session; a password change, reset
or disabling raises the user's `session_version` (sessions carrying an older one are void)
and deletes the user's sessions. The session id is replaced at sign-in (no fixation).
Cookies are HttpOnly, SameSite=Lax, limited to `/staf`, and Secure when SUARA_PUBLIC_URL
is https. Citizen pages and the API never see a session or CSRF cookie.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.base import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.middleware.session.server_side import (
    ServerSideSessionBackend,
    ServerSideSessionConfig,
)
from litestar.security.session_auth import SessionAuth
from litestar.security.session_auth.middleware import MiddlewareWrapper
from litestar.types import ASGIApp, Empty, Message, Receive, Send
from litestar.types import Scope as ASGIScope

from app.settings import Settings
from feedback.accounts import users
from feedback.accounts.scope import Scope

STAFF_PREFIX = "/staf"
SESSION_COOKIE = "sl_staf"
CSRF_COOKIE = "sl_csrf"
SESSION_STORE = "staff_sessions"
IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
_ROTATE = "suara.staff.rotate_session"
_NEW_ID = "suara.staff.new_session_id"


@dataclass(frozen=True)
class StaffPrincipal:
    """The signed-in staff member (`request.user` on staff routes)."""

    id: int
    email: str
    name: str
    role: str
    scope: Scope
    lang: str = "id"
    scope_code: str | None = None  # code of the counter, unit or agency of the scope
    scope_name: str | None = None


def principal_from(info: users.UserInfo) -> StaffPrincipal:
    return StaffPrincipal(id=info.id, email=info.email, name=info.name, role=info.role,
                          scope=info.scope, lang=info.lang, scope_code=info.scope_code,
                          scope_name=info.scope_name)


def home_url(principal: StaffPrincipal) -> str:
    """Where `/staf` sends a staff member: their own view."""
    role, code = principal.role, principal.scope_code
    if role == "officer" and code:
        return f"/staf/loket/{code}"
    if role == "unit" and code:
        return f"/staf/unit/{code}"
    if role == "agency" and code:
        return f"/staf/dinas/{code}"
    if role == "city":
        return "/staf/kota"
    return "/staf/admin/pengguna"


@dataclass
class Clock:
    """The time used by sessions; tests move it with `offset`."""

    offset: timedelta = field(default_factory=timedelta)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


def clock_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Clock:
    return connection.app.state.staff_clock


class _StaffSessionBackend(ServerSideSessionBackend):
    """Litestar's server-side backend, with a fresh session id when a sign-in asks for one
    (`rotate_session`), so a session id planted before sign-in is never signed in."""

    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        if connection.scope.get(_ROTATE):  # type: ignore[misc]
            new_id = connection.scope.get(_NEW_ID)  # type: ignore[misc]
            if not new_id:
                new_id = self.generate_session_id()
                connection.scope[_NEW_ID] = new_id  # type: ignore[literal-required]
            return str(new_id)
        return super().get_session_id(connection)

    async def store_in_message(self, scope_session: Any, message: Message,
                               connection: ASGIConnection[Any, Any, Any, Any]) -> None:
        """Store only sessions of signed-in staff: an anonymous visit of the sign-in page
        creates no session row and gets no session cookie."""
        cookie = connection.cookies.get(self.config.key)
        has_cookie = bool(cookie) and cookie != "null"
        if scope_session is Empty or not scope_session:
            if not has_cookie and not connection.scope.get(_ROTATE):  # type: ignore[misc]
                return
            scope_session = Empty
        await super().store_in_message(scope_session, message, connection)


@dataclass
class _StaffSessionConfig(ServerSideSessionConfig):
    _backend_class = _StaffSessionBackend  # type: ignore[assignment]


async def rotate_session(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """Forget the current session id (its stored data too); the response sets a new one."""
    old = connection.cookies.get(SESSION_COOKIE)
    if old:
        await connection.app.stores.get(SESSION_STORE).delete(old)
    connection.scope[_ROTATE] = True  # type: ignore[literal-required]


def session_data(user: users.UserInfo, now: datetime, lang: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {"uid": user.id, "ver": user.session_version,
                            "at": now.timestamp()}
    if lang:
        data["lang"] = lang
    return data


async def retrieve_user(session: dict[str, Any],
                        connection: ASGIConnection[Any, Any, Any, Any]) -> StaffPrincipal | None:
    """The principal of a live session, or None (then the session is cleared and the
    request is unauthorised): unknown, disabled, revoked or older than 12 hours."""
    uid, version, signed_in = session.get("uid"), session.get("ver"), session.get("at")
    if not isinstance(uid, int) or not isinstance(signed_in, int | float):
        return None
    now = clock_of(connection).now()
    if now - datetime.fromtimestamp(signed_in, UTC) > ABSOLUTE_TIMEOUT:
        return None
    info = await users.get_user(uid)
    if info is None or not info.active or info.session_version != version:
        return None
    return principal_from(info)


def is_secure(settings: Settings) -> bool:
    return settings.public_url.lower().startswith("https://")


def session_auth(settings: Settings) -> SessionAuth[StaffPrincipal, Any]:
    secure = is_secure(settings)
    return SessionAuth[StaffPrincipal, _StaffSessionBackend](
        retrieve_user_handler=retrieve_user,
        session_backend_config=_StaffSessionConfig(
            key=SESSION_COOKIE,
            store=SESSION_STORE,
            max_age=int(IDLE_TIMEOUT.total_seconds()),
            renew_on_access=True,
            path=STAFF_PREFIX,
            httponly=True,
            samesite="lax",
            secure=secure,
        ),
        # HEAD and OPTIONS are not exempt: every staff request needs a session.
        exclude_http_methods=[],
    )


def csrf_config(settings: Settings) -> CSRFConfig:
    import hashlib

    secret = hashlib.sha256(f"suara-csrf|{settings.secret}".encode()).hexdigest()
    return CSRFConfig(
        secret=secret,
        cookie_name=CSRF_COOKIE,
        cookie_path=STAFF_PREFIX,
        cookie_secure=is_secure(settings),
        cookie_httponly=True,
        cookie_samesite="lax",
    )


def is_staff_path(path: str) -> bool:
    return path == STAFF_PREFIX or path.startswith(STAFF_PREFIX + "/")


class StaffOnly:
    """Application middleware: requests to /staf paths pass CSRF protection, then the
    session and authentication middleware; every other request (citizen pages, the API)
    passes none of them and never gets a session or CSRF cookie."""

    def __init__(self, app: ASGIApp, auth: SessionAuth[Any, Any], csrf: CSRFConfig) -> None:
        self.app = app
        self.staff = CSRFMiddleware(app=MiddlewareWrapper(app, config=auth), config=csrf)

    async def __call__(self, scope: ASGIScope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_staff_path(scope["path"]):
            await self.staff(scope, receive, send)
        else:
            await self.app(scope, receive, send)


# Guards ----------------------------------------------------------------------------------

def signed_in(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """A staff member is signed in (the session middleware has set `request.user`)."""
    if not isinstance(connection.scope.get("user"), StaffPrincipal):
        raise NotAuthorizedException("sign in first")


def roles(*names: str) -> Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler],
                                   None]:
    """A guard admitting only these roles (others get the 403 page)."""
    allowed = frozenset(names)

    def guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
              ) -> None:
        signed_in(connection, handler)
        if connection.user.role not in allowed:
            raise PermissionDeniedException("role")

    return guard


def setup(settings: Settings) -> dict[str, Any]:
    """What the application needs for the staff side: keyword arguments for `Litestar(...)`
    (the session middleware, CSRF, the database session store) and the clock, which
    `create_app` puts in `app.state.staff_clock`."""
    from app.web.staff.store import DatabaseStore

    clock = Clock()
    return {
        "middleware": [DefineMiddleware(StaffOnly, auth=session_auth(settings),
                                        csrf=csrf_config(settings))],
        "stores": {SESSION_STORE: DatabaseStore(clock=clock.now)},
        "clock": clock,
    }
