"""The API docs page (/schema): Swagger UI from the files of the `openapi-ui-bundles` package
and a start-up script of this server, without inline script (see app.web.security)."""

from __future__ import annotations

from pathlib import Path

from litestar import Request, get
from litestar.datastructures import CacheControlHeader
from litestar.openapi.plugins import SwaggerRenderPlugin

SWAGGER_INIT = "/static/swagger-init.js"
_INIT_JS = (Path(__file__).parent / "static" / "swagger-init.js").read_bytes()


@get(SWAGGER_INIT, include_in_schema=False, media_type="text/javascript",
     cache_control=CacheControlHeader(public=True, max_age=24 * 3600), sync_to_thread=False)
def swagger_init() -> bytes:
    return _INIT_JS


class OfflineSwaggerPlugin(SwaggerRenderPlugin):
    """Swagger UI whose page loads the document from /schema/openapi.json with a script
    file instead of an inline script holding the whole document."""

    def render(self, request: Request, openapi_schema: dict[str, object]) -> bytes:
        info = openapi_schema.get("info")
        title = info.get("title", "API") if isinstance(info, dict) else "API"
        return (
            "<!DOCTYPE html><html lang=\"en\"><head>"
            f"<title>{title}</title>{self.favicon}"
            "<meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<link href=\"{self.css_url}\" rel=\"stylesheet\">"
            f"<script src=\"{self.js_url}\"></script>"
            f"<script src=\"{self.standalone_preset_js_url}\"></script>"
            f"<script src=\"{SWAGGER_INIT}\" defer></script>"
            "</head><body><main id=\"swagger-container\"></main></body></html>"
        ).encode()
