"""The Litestar application factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Litestar, MediaType, Request, Response, get
from litestar.config.compression import CompressionConfig
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.static_files import create_static_files_router
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR, HTTP_503_SERVICE_UNAVAILABLE
from litestar.template.config import TemplateConfig

from app import i18n
from app.settings import Settings, from_env
from app.web import messages
from app.web.api import ApiController, api_lang
from app.web.apidoc import ErrorOut, HealthOut, validation_fields
from app.web.cases_api import CasesController
from app.web.citizen import CitizenController, not_found_page
from app.web.docs import OfflineSwaggerPlugin, swagger_init
from app.web.front import SubmitFront
from app.web.ikm_api import IkmController
from app.web.page import page_context
from app.web.public import PUBLIC_ROUTES
from app.web.qr_routes import QrController
from app.web.scores_api import ScoresController, new_score_cache
from app.web.security import security_headers
from app.web.served_api import ServedController
from app.web.staff import alerts as staff_alerts
from app.web.staff import auth as staff_auth
from app.web.staff.errors import staff_error, staff_message
from app.web.staff.page import staff_lang
from app.web.staff.routes import STAFF_ROUTES
from app.web.tracking import TrackingController
from feedback import engine as db
from feedback.alerts.schedule import AlertScheduler
from feedback.alerts.schedule import interval_from_env as alerts_interval
from feedback.cases.schedule import CaseScheduler
from feedback.cases.schedule import interval_from_env as cases_interval
from feedback.integrity.schedule import ScanScheduler, interval_from_env
from feedback.survey.outcomes import UNAVAILABLE_RETRY_AFTER
from feedback.survey.submit import Policy
from feedback.survey.writer import Writer

MAX_BODY_BYTES = 32 * 1024
STATIC_DIR = Path(__file__).parent / "static"
# The API docs page loads Swagger UI (5.x: it renders OpenAPI 3.1) from the files shipped in
# the `openapi-ui-bundles` package, never from a CDN (offices are often offline).
DOCS_ASSETS = "/static/swagger-ui"
_LONG_CACHE = CacheControlHeader(public=True, max_age=7 * 24 * 3600)
_FAVICON = (STATIC_DIR / "favicon.ico").read_bytes()


@get("/favicon.ico", include_in_schema=False, media_type="image/x-icon",
     cache_control=_LONG_CACHE, sync_to_thread=False)
def favicon() -> bytes:
    """A 370-byte icon: browsers ask for it on every first visit."""
    return _FAVICON


_KIOSK_JS = (STATIC_DIR / "kiosk.js").read_bytes()


@get("/static/kiosk.js", include_in_schema=False, media_type="text/javascript",
     cache_control=CacheControlHeader(public=True, max_age=24 * 3600), sync_to_thread=False)
def kiosk_js() -> bytes:
    """The kiosk pages' script: the thank-you page's return timer and the registration of the
    offline service worker (the only script on the citizen side; never on /s/ pages)."""
    return _KIOSK_JS


_KIOSK_SW = (STATIC_DIR / "kiosk-sw.js").read_bytes()


@get("/static/kiosk-sw.js", include_in_schema=False, media_type="text/javascript",
     cache_control=CacheControlHeader(no_cache=True), sync_to_thread=False,
     response_headers={"Service-Worker-Allowed": "/k/"})
def kiosk_sw() -> bytes:
    """The kiosk's service worker (README "The kiosk without network"). Served from /static/,
    it controls the /k/ pages only, which `Service-Worker-Allowed` permits; `no-cache` lets a
    new version reach the tablets at their next visit."""
    return _KIOSK_SW


def _docs_routes() -> tuple[Any, SwaggerRenderPlugin]:
    from openapi_ui_bundles import swagger_ui

    assets = create_static_files_router(
        path=DOCS_ASSETS, directories=[swagger_ui.static_path], include_in_schema=False,
        cache_control=_LONG_CACHE, name="docs-assets",
    )
    plugin = OfflineSwaggerPlugin(  # no inline script: app.web.docs
        js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
        css_url=f"{DOCS_ASSETS}/swagger-ui.css",
        standalone_preset_js_url=f"{DOCS_ASSETS}/swagger-ui-standalone-preset.js",
        favicon="<link rel='icon' href='/favicon.ico'>",
        path=["/", "/swagger"],
    )
    return assets, plugin


@get("/health/live", include_in_schema=False, media_type=MediaType.TEXT)
async def live() -> str:
    """Liveness: no database; also the benchmark's bare endpoint."""
    return "ok"


HEALTH_DB_TIMEOUT = 2.0  # seconds /health waits for the database's `SELECT 1`


@get("/health", summary="Readiness: the database answers and the submission writer runs",
     description="200 `{status: ok, database: up, writer: idle|running}`; 503 "
     "`{status: unavailable, database: up|down, writer: ...}` when the database does not "
     f"answer within {HEALTH_DB_TIMEOUT:g} s or this worker's writer task has died.",
     responses={200: ResponseSpec(HealthOut, description="Ready", generate_examples=False),
                HTTP_503_SERVICE_UNAVAILABLE: ResponseSpec(
                    HealthOut, description="The database does not answer or the writer died",
                    generate_examples=False)})
async def health(request: Request) -> Response[dict[str, str]]:
    up = await db.ping(request.app.state.engine, HEALTH_DB_TIMEOUT)
    writer = request.app.state.writer.state()
    ok = up and writer != "dead"
    return Response({"status": "ok" if ok else "unavailable", "database": "up" if up else "down",
                     "writer": writer},
                    status_code=200 if ok else HTTP_503_SERVICE_UNAVAILABLE,
                    headers={"Cache-Control": "no-store"})


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _is_staff(request: Request) -> bool:
    path = request.url.path
    return path == "/staf" or path.startswith("/staf/")


def _handle_http(request: Request, exc: HTTPException) -> Response[Any]:
    if _is_staff(request):
        return staff_error(request, exc)
    lang = api_lang(request) if _is_api(request) else i18n.pick(request.query_params.get("lang"))
    _ = i18n.gettext(lang)
    status = exc.status_code
    if isinstance(exc, NotFoundException) and not _is_api(request):
        return not_found_page(request, lang)
    if status == 413:
        text, code = _(messages.TOO_LARGE), "too_large"
    elif status == 409:
        text, code = _(messages.CONFLICT), "conflict"
    elif isinstance(exc, ValidationException):
        text, code = _(messages.BAD_REQUEST), "invalid_body"
    elif status == 404:
        text, code = _("Not found."), "not_found"
    else:
        text, code = _(messages.BAD_REQUEST), "bad_request"
    if _is_api(request):
        # The documented ErrorOut: Litestar's validation problems become its `fields`.
        payload = ErrorOut(code, text, validation_fields(exc, request.scope.get("route_handler")))
        return Response(payload, status_code=status, headers=exc.headers)
    return Template(
        template_name="message.html",
        context={**page_context(request, lang), "title": text, "message": text, "back_url": None},
        status_code=status,
        headers=exc.headers,  # e.g. Allow on a 405
    )


def _handle_undecodable(request: Request, exc: UnicodeDecodeError) -> Response[Any]:
    """A body that is not valid UTF-8 is a client error."""
    return _handle_http(request, HTTPException(status_code=400, detail="invalid encoding"))


def _handle_unavailable(request: Request, exc: Exception) -> Response[Any]:
    """The database cannot be reached (restarting, refused, a bounded wait ran out): 503 with
    Retry-After, a short page or JSON in the request's language; logged without a trace."""
    request.logger.warning("database unavailable: %s: %s", type(exc).__name__, exc)
    headers = {"Retry-After": str(UNAVAILABLE_RETRY_AFTER), "Cache-Control": "no-store"}
    if _is_staff(request):
        lang = staff_lang(request)
        text = i18n.gettext(lang)(messages.UNAVAILABLE_PAGE)
        return staff_message(request, lang, text, text, HTTP_503_SERVICE_UNAVAILABLE,
                             headers=headers)
    lang = api_lang(request) if _is_api(request) else i18n.pick(request.query_params.get("lang"))
    text = i18n.gettext(lang)(messages.UNAVAILABLE_PAGE)
    if _is_api(request):
        return Response({"error": "unavailable", "message": text},
                        status_code=HTTP_503_SERVICE_UNAVAILABLE, headers=headers)
    return Template(
        template_name="message.html",
        context={**page_context(request, lang), "title": text, "message": text, "back_url": None},
        status_code=HTTP_503_SERVICE_UNAVAILABLE,
        headers=headers,
    )


def _handle_error(request: Request, exc: Exception) -> Response[Any]:
    """Database integrity errors are conflicts and a database that cannot be reached is 503,
    never 500s; anything else is logged."""
    if db.is_integrity_error(exc):
        return _handle_http(request, HTTPException(status_code=409, detail="conflict"))
    if db.is_unavailable(exc):
        return _handle_unavailable(request, exc)
    request.logger.exception("unhandled error")
    if _is_staff(request):
        return staff_error(request, HTTPException(status_code=500, detail="server error"))
    lang = api_lang(request) if _is_api(request) else i18n.pick(request.query_params.get("lang"))
    _ = i18n.gettext(lang)
    text = _("Something went wrong on our side. Please try again.")
    if _is_api(request):
        return Response(
            {"error": "server_error", "message": text}, status_code=HTTP_500_INTERNAL_SERVER_ERROR
        )
    return Template(
        template_name="message.html",
        context={**page_context(request, lang), "title": text, "message": text, "back_url": None},
        status_code=HTTP_500_INTERNAL_SERVER_ERROR,
    )


def create_app(
    settings: Settings | None = None, engine: Any = None, manage_engine: bool = True
) -> Litestar:
    """The application. With `manage_engine`, it opens the engine (connection pool, WAL) at
    start-up and closes it at shutdown; tests that own the engine pass False."""
    settings = settings or from_env()
    if engine is None:
        from piccolo_conf import DB as engine  # noqa: N811

    async def startup(app: Litestar) -> None:
        await db.start(engine)
        app.state.scan_scheduler.start()  # the scheduled integrity scan (one worker a time)
        app.state.alert_scheduler.start()  # alerts raised and webhooks sent (feedback.alerts)
        app.state.case_scheduler.start()  # case clocks: escalation, auto-close (feedback.cases)

    async def shutdown(app: Litestar) -> None:
        await app.state.scan_scheduler.close()
        await app.state.alert_scheduler.close()
        await app.state.case_scheduler.close()
        await app.state.writer.close()
        await db.stop(engine)

    jinja = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    i18n.install(jinja)
    docs_assets, docs_plugin = _docs_routes()
    staff = staff_auth.setup(settings)
    app = Litestar(
        route_handlers=[
            CitizenController, ApiController, IkmController, ScoresController, QrController,
            live, health, ServedController, TrackingController, CasesController,
            favicon, kiosk_js, kiosk_sw, docs_assets, swagger_init, *STAFF_ROUTES, *PUBLIC_ROUTES,
        ],
        # Sessions and CSRF apply to /staf paths only (citizen pages and the API get none).
        middleware=staff["middleware"],
        stores=staff["stores"],
        template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(jinja)),
        # Pages are compressed (the 14 KB budget); API bodies are small JSON, not worth it.
        compression_config=CompressionConfig(backend="gzip", minimum_size=500,
                                             exclude="^/api/"),
        openapi_config=OpenAPIConfig(title="Suara Layanan", version="1", path="/schema",
                                     render_plugins=[docs_plugin]),
        exception_handlers={
            HTTPException: _handle_http,
            UnicodeDecodeError: _handle_undecodable,
            Exception: _handle_error,
        },
        before_request=staff_alerts.open_count,  # the open alerts in the staff header
        before_send=[security_headers],  # CSP, nosniff, referrer, frames: app.web.security
        on_startup=[startup] if manage_engine else [],
        on_shutdown=[shutdown] if manage_engine else [],
        request_max_body_size=MAX_BODY_BYTES,
    )
    # The submission routes' common case, served before Litestar's own handler chain.
    app.asgi_handler = SubmitFront(app.asgi_handler, MAX_BODY_BYTES)
    app.state.settings = settings
    app.state.engine = engine
    app.state.policy = Policy(device_interval=settings.device_interval,
                              token_ttl=settings.token_ttl, rate_limit=settings.rate_limit)
    # SQLite has one writer at a time: a second writer task would only wait for the lock.
    app.state.writer = Writer(app.state.policy, tasks=1 if db.is_sqlite(engine) else 2)
    app.state.score_cache = new_score_cache()
    try:
        app.state.scan_scheduler = ScanScheduler(interval_from_env())
    except ValueError as exc:  # a bad SUARA_SCAN_INTERVAL: one line, as for the settings
        raise SystemExit(str(exc)) from None
    try:
        app.state.alert_scheduler = AlertScheduler(alerts_interval())
    except ValueError as exc:  # a bad SUARA_ALERTS_INTERVAL: one line, as for the settings
        raise SystemExit(str(exc)) from None
    try:
        app.state.case_scheduler = CaseScheduler(cases_interval())
    except ValueError as exc:  # a bad SUARA_CASE_INTERVAL: one line, as for the settings
        raise SystemExit(str(exc)) from None
    app.state.staff_clock = staff["clock"]
    return app
