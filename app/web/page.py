"""What every HTML page shares: the inlined stylesheet and the base template context."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from litestar import Request

from app import i18n


@cache
def css() -> str:
    text = (Path(__file__).parent / "static" / "citizen.css").read_text(encoding="utf-8")
    return "".join(line.strip() for line in text.splitlines())


def page_context(
    request: Request, lang: str, *, kiosk: bool = False, lang_url: str | None = None
) -> dict[str, Any]:
    other = "en" if lang == "id" else "id"
    return {
        "lang": lang,
        # gettext & co. of the i18n extension, in this request's language (`_` uses them)
        **i18n.jinja_callables(lang),
        "css": css(),
        "kiosk": kiosk,
        "lang_url": lang_url or f"{request.url.path}?lang={other}",
    }
