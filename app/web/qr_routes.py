"""QR images of a counter's citizen URL, for administrators and printed material.
The URL in them is public (it is on the poster), so no login is needed."""

from __future__ import annotations

from litestar import Controller, Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_404_NOT_FOUND,
    HTTP_503_SERVICE_UNAVAILABLE,
)

from app.output import qr
from app.web.apidoc import BAD_REQUEST, UNAVAILABLE, documented, error_responses
from feedback.org.counters import load_counter

_ERRORS = error_responses({
    HTTP_400_BAD_REQUEST: BAD_REQUEST + ": `kiosk` is not a boolean",
    HTTP_404_NOT_FOUND: "No active counter has this code (`not_found`)",
    HTTP_503_SERVICE_UNAVAILABLE: UNAVAILABLE,
})


class QrController(Controller):
    path = "/api/v1/counters"
    tags = ["v1"]

    async def _url(self, request: Request, code: str, kiosk: bool) -> str:
        counter = await load_counter(code)
        if counter is None:
            raise NotFoundException()
        mode = "k" if kiosk else "s"
        return f"{request.app.state.settings.public_url}/{mode}/{counter.code}"

    @get("/{code:str}/qr.svg", summary="QR code of the counter's citizen URL (SVG)",
         media_type="image/svg+xml", responses=_ERRORS, operation_class=documented())
    async def svg(
        self, request: Request, code: FromPath[str], kiosk: FromQuery[bool] = False
    ) -> Response[str]:
        url = await self._url(request, code, kiosk)
        return Response(
            qr.qr_svg(url),
            media_type="image/svg+xml",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    @get("/{code:str}/qr.png", summary="QR code of the counter's citizen URL (PNG)",
         media_type="image/png", responses=_ERRORS, operation_class=documented(binary=True))
    async def png(
        self, request: Request, code: FromPath[str], kiosk: FromQuery[bool] = False
    ) -> Response[bytes]:
        url = await self._url(request, code, kiosk)
        return Response(
            qr.qr_png(url),
            media_type="image/png",
            headers={"Cache-Control": "public, max-age=86400"},
        )
