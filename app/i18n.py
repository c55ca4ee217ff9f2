"""Translations. Message ids are English; `locale/id.po` holds the Indonesian text, which is
the default language of every page. Catalogs are read with Babel once at import."""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LANGS = ("id", "en")
DEFAULT_LANG = "id"
_LOCALE_DIR = Path(__file__).parent / "locale"


@cache
def _translations(lang: str) -> NullTranslations:
    path = _LOCALE_DIR / f"{lang}.po"
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def pick(lang: Any) -> str:
    return lang if lang in LANGS else DEFAULT_LANG


def from_accept_language(header: str | None) -> str:
    """English only when the client prefers it over Indonesian."""
    for part in (header or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("id") or tag.startswith("in"):
            return "id"
        if tag.startswith("en"):
            return "en"
    return DEFAULT_LANG


def gettext(lang: str) -> Callable[..., str]:
    """A `_` function for templates and code: `_("text %(n)s", n=3)`."""
    translations = _translations(pick(lang))

    def _(message: str, **values: Any) -> str:
        text = translations.gettext(message)
        return text % values if values else text

    return _


def catalog_ids(lang: str) -> set[str]:
    with (_LOCALE_DIR / f"{lang}.po").open("rb") as fh:
        return {m.id for m in read_po(fh, locale=lang) if m.id}
