"""Translations: one gettext catalog for every text the app shows or prints.

Message ids are English; `locale/id.po` holds the Indonesian text, which is the default
language of every page (English needs no catalog: its text is the message id). The catalog
is compiled in memory from the .po file once per process, so no .mo file is built or
shipped. Extraction, update and checks: README, "Translations".

Python code translates with `gettext(lang)` / `pgettext(lang)`; templates use Jinja's i18n
extension (`{{ _('...') }}`, `{% trans %}`), whose callables are put in each page's context
for the request's language (`jinja_callables`), so one shared environment serves every
language at once.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from babel.core import negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from jinja2 import Environment

LANGS = ("id", "en")
DEFAULT_LANG = "id"
LOCALE_DIR = Path(__file__).parent / "locale"
JINJA_EXTENSION = "jinja2.ext.i18n"
_MAX_ACCEPT_LANGUAGE = 1000  # characters of the header looked at


@cache
def _translations(lang: str) -> NullTranslations:
    path = LOCALE_DIR / f"{lang}.po"
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)  # like `pybabel compile`: fuzzy entries are left out
    buffer.seek(0)
    return Translations(fp=buffer)


def pick(lang: Any) -> str:
    return lang if lang in LANGS else DEFAULT_LANG


def from_accept_language(header: str | None) -> str:
    """The language for an Accept-Language header, negotiated with Babel.

    Language ranges are tried in order of their q-values (RFC 9110; equal values keep the
    header's order; `q=0` and malformed values exclude a range); a regional range such as
    `en-GB` matches its language. Indonesian when nothing offered matches.
    """
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "")[:_MAX_ACCEPT_LANGUAGE].split(",")):
        tag, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _sep, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = 0.0
        if tag and tag != "*" and 0.0 < quality <= 1.0:
            tag = tag.replace("_", "-")
            if tag.lower() == "in" or tag.lower().startswith("in-"):  # the former code
                tag = "id" + tag[2:]
            ranked.append((-quality, index, tag))
    preferred = [tag for _q, _i, tag in sorted(ranked)]
    found = negotiate_locale(preferred, LANGS, sep="-")
    return found.lower() if found else DEFAULT_LANG


def N_(message: str) -> str:
    """Marks a message id for extraction where it is translated later."""
    return message


def gettext(lang: str) -> Callable[..., str]:
    """A `_` function for code: `_("text %(n)s", n=3)`.

    Pass the language as a variable: `pybabel extract` takes a string literal in a call named
    `gettext` for a message id.
    """
    translations = _translations(pick(lang))

    def _(message: str, **values: Any) -> str:
        text = translations.gettext(message)
        return text % values if values else text

    return _


def pgettext(lang: str) -> Callable[..., str]:
    """`pgettext(context, message, **values)`: a message whose id is qualified by a context."""
    translations = _translations(pick(lang))

    def translate(context: str, message: str, **values: Any) -> str:
        text = translations.pgettext(context, message)
        return text % values if values else text

    return translate


@cache
def jinja_callables(lang: str) -> dict[str, Callable[..., Any]]:
    """The newstyle `gettext`, `ngettext`, `pgettext` and `npgettext` of the i18n extension
    for one language, to be put in a template's context (they take precedence over the
    environment's globals, and `_` resolves `gettext` from the context)."""
    scratch = Environment(extensions=[JINJA_EXTENSION])
    scratch.install_gettext_translations(_translations(pick(lang)), newstyle=True)
    names = ("gettext", "ngettext", "pgettext", "npgettext")
    return {name: scratch.globals[name] for name in names}


def install(env: Environment) -> None:
    """Add the i18n extension to `env` (newstyle gettext, trimmed `{% trans %}` blocks).

    The globals it installs are the default language's: a template rendered without a
    page context is Indonesian; pages pass `jinja_callables(lang)` in their context.
    """
    env.add_extension(JINJA_EXTENSION)
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(_translations(DEFAULT_LANG), newstyle=True)
