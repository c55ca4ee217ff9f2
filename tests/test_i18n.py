"""Every user-facing text has an Indonesian translation (Indonesian is the default)."""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.extract import extract_python
from jinja2 import Environment

from app import i18n

APP = Path(__file__).parent.parent / "app"


def message_ids() -> set[str]:
    ids: set[str] = set()
    env = Environment(extensions=["jinja2.ext.i18n"])
    for template in (APP / "web" / "templates").glob("*.html"):
        for _line, _func, message in env.extract_translations(template.read_text()):
            ids.add(message if isinstance(message, str) else message[0])
    for module in APP.rglob("*.py"):
        source = io.BytesIO(module.read_bytes())
        for _line, func, message, _comments in extract_python(
            source, keywords={"_": None, "N_": None}, comment_tags=(), options={}
        ):
            if func in ("_", "N_") and isinstance(message, str):
                ids.add(message)
    return ids


def test_every_message_has_an_indonesian_translation():
    ids = message_ids()
    assert len(ids) > 40
    translated = i18n.catalog_ids("id")
    missing = sorted(ids - translated)
    assert not missing, missing


def test_translation_placeholders_match():
    _ = i18n.gettext("id")
    text = _("At most %(n)s characters. Please do not write your name, phone number or ID "
             "number.", n=500)
    assert "500" in text and "karakter" in text


def test_accept_language():
    assert i18n.from_accept_language("en-US,en;q=0.9") == "en"
    assert i18n.from_accept_language("id-ID,id;q=0.9,en;q=0.8") == "id"
    assert i18n.from_accept_language(None) == "id"
    assert i18n.from_accept_language("fr") == "id"
