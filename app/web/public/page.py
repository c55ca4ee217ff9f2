"""What the public pages share: their inlined stylesheets, their Content-Security-Policy,
the language switch and the words and numbers of the figures.

The public pages (like the citizen pages) inline their stylesheet for a light first load
and run no script. The site-wide policy (app.web.security) allows only the citizen
stylesheet's hash, so these pages send their own policy naming their stylesheet's hash (the
security hook keeps a policy a response already has).
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from litestar import Request

from app import i18n
from app.survey_text import instrument
from app.web.page import css as citizen_css
from app.web.staff.dashboards import grade_words, number, ordinal, period_label
from feedback.clock import WITA
from feedback.performance import periods
from scoring.ikm import ELEMENTS

STATIC = Path(__file__).resolve().parent.parent / "static"
CACHE = "public, max-age=60"  # a new version reaches the public within a minute


def _minified(name: str) -> str:
    text = (STATIC / name).read_text(encoding="utf-8")
    return "".join(line.strip() for line in text.splitlines())


@cache
def public_css() -> str:
    return citizen_css() + _minified("public.css")


@cache
def tv_css() -> str:
    return _minified("tv.css")


def _hash(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


_COMMON = ("frame-ancestors 'none'; object-src 'none'; base-uri 'self'; form-action 'self'; "
           "img-src 'self' data:")


@cache
def policy(stylesheet: str) -> str:
    """The policy of a page whose one inline stylesheet is `stylesheet`."""
    return (f"default-src 'self'; script-src 'self'; style-src 'sha256-{_hash(stylesheet)}'; "
            + _COMMON)


def lang_of(request: Request) -> str:
    return i18n.pick(request.query_params.get("lang"))


def link(path: str, lang: str, **query: Any) -> str:
    """A link to a public page, keeping English when the reader chose it."""
    params = {k: v for k, v in query.items() if v is not None}
    if lang != i18n.DEFAULT_LANG:
        params["lang"] = lang
    return f"{path}?{urlencode(params)}" if params else path


def wita(moment: datetime) -> str:
    return moment.astimezone(WITA).strftime("%Y-%m-%d %H:%M") + " WITA"


def helpers(request: Request, lang: str, **query: Any) -> dict[str, Any]:
    """The template context every public page has (`query`: this page's own parameters,
    kept by the language switch)."""
    _ = i18n.gettext(lang)
    other = "en" if lang == "id" else "id"
    params = {k: v for k, v in query.items() if v is not None}
    if other != i18n.DEFAULT_LANG:
        params["lang"] = other
    return {
        "lang": lang,
        **i18n.jinja_callables(lang),
        "css": public_css(),
        "lang_url": request.url.path + ("?" + urlencode(params) if params else ""),
        "link": lambda path, **q: link(path, lang, **q),
        "num": lambda v, d=2: number(v, d, lang),
        "ordinal": lambda n: ordinal(n, lang),
        "grade_words": grade_words(lang),
        "period_label": lambda key: period_label(periods.parse(key), _),
        "wita": wita,
        "elements": ELEMENTS,
        "element_names": {code: t.name for code, t in instrument(lang).elements.items()},
        "status_words": {
            "not_scored": _("Not scored: fewer than 10 responses in the period."),
            "provisional": _("Provisional: scored but not ranked (fewer than 30 responses or "
                             "reliability below 0.70)."),
            "unranked_no_kpi": _("Not ranked: its targets and actuals are not reported."),
            "ranked": _("Ranked."),
        },
    }


def headers(stylesheet: str | None = None) -> dict[str, str]:
    return {"Cache-Control": CACHE,
            "Content-Security-Policy": policy(stylesheet or public_css())}
