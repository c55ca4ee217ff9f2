"""One translation system: every user-facing text goes through the gettext catalog.

The extraction test runs Babel's real extraction with the committed babel.cfg (what
`pybabel extract` does, README "Translations") and checks the catalog against it.
"""

from __future__ import annotations

import asyncio
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from app import i18n, survey_text
from app.output.posters import PosterItem, StubItem, render_posters, render_stubs
from app.output.qr import qr_svg
from feedback.survey import skm
from scoring.ikm import ELEMENTS
from tests.support import make_client
from tests.test_posters import content_streams, shown_text

ROOT = Path(__file__).parent.parent
LOCALE = ROOT / "app" / "locale"

Key = tuple[str | None, str]  # (message context, message id)


@cache
def extracted() -> frozenset[Key]:
    """What `pybabel extract -F babel.cfg ... app` finds (same mapping, default keywords)."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh, "babel.cfg")
    keys = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        str(ROOT / "app"), method_map, options_map, keywords=DEFAULT_KEYWORDS
    ):
        keys.add((context, message if isinstance(message, str) else message[0]))
    return frozenset(keys)


def read_catalog(name: str, locale: str | None = None) -> Catalog:
    with (LOCALE / name).open("rb") as fh:
        return read_po(fh, locale=locale)


def keys_of(catalog: Catalog) -> set[Key]:
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id}


# --------------------------------------------------------------------------- the catalog


def test_extraction_covers_python_templates_and_the_instrument():
    keys = extracted()
    assert (None, "Send rating") in keys  # a template (form.html)
    assert (None, "Please answer this question.") in keys  # app/web/messages.py
    assert (None, "How was our service today?") in keys  # the posters
    assert (None, "Civil servant") in keys  # a profile choice
    assert (survey_text.SKM, "Very polite and friendly") in keys  # an answer label
    assert len([k for k in keys if k[0] == survey_text.SKM]) == 1 + 9 * 6  # title; per element


def test_every_extracted_message_has_an_indonesian_translation():
    catalog = read_catalog("id.po", "id")
    untranslated = sorted(
        (context or "", msgid)
        for context, msgid in extracted()
        if not (m := catalog.get(msgid, context=context)) or not m.string or m.fuzzy
    )
    assert not untranslated, untranslated


def test_translations_keep_their_placeholders():
    catalog = read_catalog("id.po", "id")
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalog.check()]
    assert not problems, problems
    _ = i18n.gettext("id")
    text = _("At most %(n)s characters. Please do not write your name, phone number or ID "
             "number.", n=500)
    assert "500" in text and "karakter" in text


def test_messages_pot_is_up_to_date():
    in_pot = keys_of(read_catalog("messages.pot"))
    assert not sorted(extracted() - in_pot, key=str), "run pybabel extract (README)"
    assert not sorted(in_pot - extracted(), key=str), "run pybabel extract (README)"


def test_no_compiled_catalog_is_committed_and_no_english_catalog_is_needed():
    # The app compiles id.po in memory; English text is the message id itself.
    assert not list(LOCALE.rglob("*.mo"))
    assert i18n.gettext("en")("Send rating") == "Send rating"
    assert i18n.gettext("id")("Send rating") == "Kirim penilaian"


# --------------------------------------------------------------------------- the instrument


def test_indonesian_instrument_is_exactly_the_official_wording_of_the_domain():
    definition = skm.skm_2017_definition()
    shown = survey_text.instrument("id")
    assert tuple(shown.elements) == ELEMENTS
    assert shown.title == definition["title"]["id"] == skm.TITLE
    for element in definition["elements"]:
        text = shown.elements[element["code"]]
        assert text.name == element["name"]["id"]
        assert text.question == element["question"]["id"]
        assert list(text.labels) == element["labels"]["id"]
    assert shown.elements["perilaku"].labels[3] == "Sangat sopan dan ramah"
    assert shown.elements["sarana"].question == (
        "Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?"
    )


def test_english_instrument_comes_from_the_catalog():
    english = survey_text.instrument("en")
    indonesian = survey_text.instrument("id")
    for code in ELEMENTS:
        assert english.elements[code].question != indonesian.elements[code].question
    assert english.elements["sarana"].labels == ("Poor", "Fair", "Good", "Very good")
    # The context keeps instrument labels apart from other texts with the same words.
    assert i18n.pgettext("id")(survey_text.SKM, "Fair") == "Cukup"
    assert i18n.gettext("id")("Fair") == "Fair"


def test_profile_choices_are_the_domain_codes_with_official_indonesian_labels():
    indonesian = survey_text.profile_choices("id")
    english = survey_text.profile_choices("en")
    assert list(indonesian) == list(skm.PROFILE_FIELDS) == list(english)
    for field, options in skm.PROFILE_FIELDS.items():
        assert indonesian[field] == options  # same codes, same order, same labels
        assert list(english[field]) == list(options)
    assert english["gender"] == {"L": "Male", "P": "Female"}


async def test_form_shows_translated_profile_choices(org):
    async with make_client() as client:
        id_page = (await client.get(f"/s/{org.counter}")).text
        en_page = (await client.get(f"/s/{org.counter}?lang=en")).text
    assert '<option value="SD">SD ke bawah</option>' in id_page
    assert '<option value="60+">60 tahun ke atas</option>' in id_page
    assert '<option value="SD">Primary or less</option>' in en_page
    assert '<option value="Swasta">Private employee</option>' in en_page
    assert "Sangat sopan dan ramah" in id_page and "Very polite and friendly" in en_page


# --------------------------------------------------------------------------- templates


def test_templates_use_the_i18n_extension_per_language():
    from jinja2 import Environment

    env = Environment(autoescape=True)
    i18n.install(env)
    template = env.from_string(
        "{{ _('Send rating') }}|{% trans %}Thank you!{% endtrans %}|"
        "{{ _('Your rating for %(unit)s has been received.', unit=unit) }}"
    )
    en = template.render(**i18n.jinja_callables("en"), unit="<b>")
    id_ = template.render(**i18n.jinja_callables("id"), unit="<b>")
    default = template.render(unit="x")  # no page context: the default language
    assert en == "Send rating|Thank you!|Your rating for &lt;b&gt; has been received."
    assert id_.startswith("Kirim penilaian|Terima kasih!|")
    assert "&lt;b&gt;" in id_
    assert default.startswith("Kirim penilaian|")


async def test_the_app_environment_has_the_extension_and_pages_do_not_mix_languages(org):
    maker = make_client()
    async with maker as client:
        env = maker.app.template_engine.engine
        assert "jinja2.ext.InternationalizationExtension" in env.extensions
        urls = [f"/s/{org.counter}" + ("?lang=en" if n % 2 else "") for n in range(12)]
        pages = await asyncio.gather(*(client.get(url) for url in urls))
    for n, page in enumerate(pages):
        english = bool(n % 2)
        assert ("Send rating" in page.text) is english
        assert ("Kirim penilaian" in page.text) is not english
        assert ("How fast was the service delivered?" in page.text) is english


# --------------------------------------------------------------------------- Accept-Language


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("en;q=0.9, id;q=0.8", "en"),
        ("id;q=0.5, en;q=0.9", "en"),
        ("fr, en;q=0.1", "en"),
        ("fr, id;q=0.2, en;q=0.1", "id"),
        ("en-US,en;q=0.9", "en"),
        ("EN-gb", "en"),
        ("id-ID,id;q=0.9,en;q=0.8", "id"),
        ("en;q=0.8, id;q=0.8", "en"),  # equal q: the header's order
        ("en;q=0, id;q=0.1", "id"),  # q=0: not acceptable
        ("en;q=0", "id"),
        ("in", "id"),  # the former code of Indonesian
        ("en;q=abc, fr", "id"),  # a malformed q-value excludes its range
        ("en;q=1.5", "id"),
        ("en;q=nan", "id"),
        ("*", "id"),
        ("fr", "id"),
        ("", "id"),
        (None, "id"),
        (";;;,,,=q", "id"),
        ("\x00garbage\ufffd;q=", "id"),
        ("x" * 5000 + ",en", "id"),  # only the first 1000 characters are read
    ],
)
def test_accept_language_negotiation(header, expected):
    assert i18n.from_accept_language(header) == expected


async def test_api_messages_follow_accept_language_q_values(org):
    bad = {"counter": org.counter, "answers": {"persyaratan": 9}}
    async with make_client() as client:
        en = await client.post("/api/v1/responses", json=bad,
                               headers={"accept-language": "id;q=0.5, en;q=0.9"})
        id_ = await client.post("/api/v1/responses", json=bad,
                                headers={"accept-language": "en;q=0.5, id;q=0.9"})
    assert en.status_code == id_.status_code == 422
    assert en.json()["message"] != id_.json()["message"]
    assert en.json()["fields"][0]["message"] == "The answer must be between 1 and 4."
    assert id_.json()["fields"][0]["message"] == "Jawaban harus antara 1 dan 4."


# --------------------------------------------------------------------------- print


def test_posters_and_stubs_are_translated():
    item = PosterItem(agency="Dinas", unit="Unit", counter="Loket 1",
                      url="https://example.test/s/K1", short_code="K1")
    id_text = shown_text(content_streams(render_posters([item]))[0])
    en_text = shown_text(content_streams(render_posters([item], lang="en"))[0])
    assert "Bagaimana pelayanan kami hari ini?" in id_text and "Kode K1" in id_text
    assert "Rate our service: scan the code." in id_text  # the other language's line
    assert "How was our service today?" in en_text and "Code K1" in en_text
    assert "Nilai pelayanan kami" in en_text and "City Government of Kupang" in en_text
    stub = StubItem(unit="Unit", counter="Loket 1", url="https://example.test/s/K1?t=S1",
                    token="S1", expires_at_text="01-12-2026 10:00 WITA")
    en_stub = shown_text(content_streams(render_stubs([stub], lang="en"))[0])
    assert "SINGLE USE" in en_stub and "Valid until 01-12-2026" in en_stub
    assert b"/Lang (en)" in render_stubs([stub], lang="en")


def test_qr_svg_name_is_translated():
    assert 'aria-label="Kode QR"' in qr_svg("https://example.test/s/K1")
    assert 'aria-label="QR code"' in qr_svg("https://example.test/s/K1", lang="en")
