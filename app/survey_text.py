"""The shown text of the built-in SKM-2017 instrument and of the respondent profile.

The domain (`feedback.survey.skm`) keeps the stable codes and the official Indonesian
wording of PermenPANRB 14/2017; this module gives each code its message in the one catalog
(English message ids, like every other text; `locale/id.po` maps them to the official
wording, and tests/test_i18n.py checks that the Indonesian text is exactly the domain's).
Instrument texts carry the context "SKM-2017" so that short labels ("Fair", "Good") never
share a translation with other texts.

Service names are not here: they are organisation data entered per unit (`name_id`,
`name_en` in the database).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from app import i18n

SKM = "SKM-2017"  # the message context of the instrument's texts (spelled out in calls)


@dataclass(frozen=True)
class ElementText:
    name: str  # the element (unsur) as the regulation names it
    question: str
    labels: tuple[str, str, str, str]  # answers 1..4


@dataclass(frozen=True)
class InstrumentText:
    title: str
    elements: dict[str, ElementText]  # by element code, in the regulation's order


@cache
def instrument(lang: str) -> InstrumentText:
    """The SKM-2017 title, element names, questions and answer labels in `lang`."""
    # The calls are spelled out so that `pybabel extract` finds every message.
    pgettext = i18n.pgettext(lang)

    def element(name: str, question: str, *labels: str) -> ElementText:
        assert len(labels) == 4
        return ElementText(name, question, (labels[0], labels[1], labels[2], labels[3]))

    elements = {
        "persyaratan": element(
            pgettext("SKM-2017", "Requirements"),
            pgettext("SKM-2017", "How well do the service requirements fit the type of service?"),
            pgettext("SKM-2017", "Not suitable"),
            pgettext("SKM-2017", "Somewhat unsuitable"),
            pgettext("SKM-2017", "Suitable"),
            pgettext("SKM-2017", "Very suitable"),
        ),
        "prosedur": element(
            pgettext("SKM-2017", "Systems, mechanisms and procedures"),
            pgettext("SKM-2017", "How easy is the service procedure at this unit?"),
            pgettext("SKM-2017", "Not easy"),
            pgettext("SKM-2017", "Somewhat difficult"),
            pgettext("SKM-2017", "Easy"),
            pgettext("SKM-2017", "Very easy"),
        ),
        "waktu": element(
            pgettext("SKM-2017", "Completion time"),
            pgettext("SKM-2017", "How fast was the service delivered?"),
            pgettext("SKM-2017", "Not fast"),
            pgettext("SKM-2017", "Somewhat slow"),
            pgettext("SKM-2017", "Fast"),
            pgettext("SKM-2017", "Very fast"),
        ),
        "biaya": element(
            pgettext("SKM-2017", "Cost/tariff"),
            pgettext("SKM-2017", "How fair is the fee or tariff for the service?"),
            pgettext("SKM-2017", "Very expensive"),
            pgettext("SKM-2017", "Rather expensive"),
            pgettext("SKM-2017", "Cheap"),
            pgettext("SKM-2017", "Free"),
        ),
        "produk": element(
            pgettext("SKM-2017", "Product specification of the type of service"),
            pgettext(
                "SKM-2017",
                "How well does what you received match the published service standard?",
            ),
            pgettext("SKM-2017", "Not matching"),
            pgettext("SKM-2017", "Somewhat matching"),
            pgettext("SKM-2017", "Matching"),
            pgettext("SKM-2017", "Fully matching"),
        ),
        "kompetensi": element(
            pgettext("SKM-2017", "Competence of the staff"),
            pgettext("SKM-2017", "How competent were the officers who served you?"),
            pgettext("SKM-2017", "Not competent"),
            pgettext("SKM-2017", "Somewhat incompetent"),
            pgettext("SKM-2017", "Competent"),
            pgettext("SKM-2017", "Very competent"),
        ),
        "perilaku": element(
            pgettext("SKM-2017", "Behaviour of the staff"),
            pgettext("SKM-2017", "How polite and friendly were the officers?"),
            pgettext("SKM-2017", "Not polite or friendly"),
            pgettext("SKM-2017", "Somewhat impolite"),
            pgettext("SKM-2017", "Polite and friendly"),
            pgettext("SKM-2017", "Very polite and friendly"),
        ),
        "pengaduan": element(
            pgettext("SKM-2017", "Handling of complaints, suggestions and feedback"),
            pgettext("SKM-2017", "How are complaints and suggestions from service users handled?"),
            pgettext("SKM-2017", "There is none"),
            pgettext("SKM-2017", "Exists but does not work"),
            pgettext("SKM-2017", "Works, but not fully"),
            pgettext("SKM-2017", "Well managed"),
        ),
        "sarana": element(
            pgettext("SKM-2017", "Facilities and infrastructure"),
            pgettext("SKM-2017", "What is the quality of the facilities?"),
            pgettext("SKM-2017", "Poor"),
            pgettext("SKM-2017", "Fair"),
            pgettext("SKM-2017", "Good"),
            pgettext("SKM-2017", "Very good"),
        ),
    }
    title = pgettext("SKM-2017", "Public Satisfaction Survey (PermenPANRB 14/2017)")
    return InstrumentText(title=title, elements=elements)


@cache
def profile_choices(lang: str) -> dict[str, dict[str, str]]:
    """The shown text of each profile field's choices, by field and stored code."""
    _ = i18n.gettext(lang)
    return {
        "gender": {"L": _("Male"), "P": _("Female")},
        "age_band": {
            "<20": _("Under 20"),
            "20-29": _("20–29"),
            "30-39": _("30–39"),
            "40-49": _("40–49"),
            "50-59": _("50–59"),
            "60+": _("60 and over"),
        },
        "education": {
            "SD": _("Primary or less"),
            "SLTP": _("Junior secondary"),
            "SLTA": _("Senior secondary"),
            "D1-D3": _("Diploma"),
            "S1": _("Bachelor"),
            "S2": _("Master"),
            "S3": _("Doctorate"),
        },
        "occupation": {
            "PNS": _("Civil servant"),
            "TNI": _("Armed forces"),
            "POLRI": _("Police"),
            "Swasta": _("Private employee"),
            "Wirausaha": _("Self-employed"),
            "Lainnya": _("Other"),
        },
    }
