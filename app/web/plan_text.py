"""The words of the follow-up plans (RTL) on the pages that show them (the public unit page
and the unit dashboard): the states of a plan and of an action, and the direction of an
element's change. The report has its own Indonesian wording (feedback.reports.plan_text)."""

from __future__ import annotations

from app import i18n


def action_status_words(lang: str) -> dict[str, str]:
    pgettext = i18n.pgettext(lang)
    return {"planned": pgettext("rtl action", "Planned"),
            "in_progress": pgettext("rtl action", "In progress"),
            "done": pgettext("rtl action", "Done"),
            "dropped": pgettext("rtl action", "Dropped")}


def direction_words(lang: str) -> dict[str, str]:
    pgettext = i18n.pgettext(lang)
    return {"up": pgettext("rtl change", "up"), "down": pgettext("rtl change", "down"),
            "same": pgettext("rtl change", "unchanged")}
