"""User-facing texts for validation and token errors, keyed by machine code."""

from __future__ import annotations

from collections.abc import Callable

from feedback.survey.outcomes import minutes

# Marked with N_ so that the extraction test finds them; translated at use.


def N_(text: str) -> str:
    return text


FIELD_ERRORS = {
    "missing": N_("Please answer this question."),
    "not_a_number": N_("Choose one of the four answers."),
    "out_of_range": N_("The answer must be between 1 and 4."),
    "unknown_element": N_("This question is not part of the survey."),
    "too_few_answers": N_("Please answer at least %(n)s of the 9 questions."),
    "unknown_service": N_("Choose a service from the list."),
    "invalid_choice": N_("Choose one of the options in the list."),
    "not_text": N_("The comment must be text."),
    "too_long": N_("The comment is too long (at most %(n)s characters)."),
    "invalid_encoding": N_("This text could not be read. Please type it again."),
    "invalid_contact": N_("Write a phone/WhatsApp number (08…, +62…) or an e-mail address."),
    "contact_required": N_("Write your phone/WhatsApp number or e-mail address, or untick "
                           "the box."),
    "consent_required": N_("Tick the box if we may contact you, or leave the contact empty."),
    "invalid_consent": N_("The box can only be ticked or left empty."),
}

TOKEN_ERRORS = {
    "token_invalid": N_("The ticket code is not valid. You can still rate without it."),
    "token_forged": N_("The ticket code is not valid. You can still rate without it."),
    "token_unknown": N_("The ticket code was not found. You can still rate without it."),
    "token_other_counter": N_(
        "The ticket code belongs to another counter. You can still rate without it."
    ),
    "token_used": N_("This ticket code has already been used. You can still rate without it."),
    "token_expired": N_("This ticket code has expired. You can still rate without it."),
}

TOO_SOON = N_(
    "You rated this counter a short while ago. Thank you! You can rate it again in %(minutes)s "
    "minutes."
)
RATE_LIMITED = N_("Too many submissions from this network. Please try again in a minute.")
NOT_FOUND_TITLE = N_("Counter not found")
NOT_FOUND = N_(
    "We could not find this service counter. Please scan the QR code again or ask the "
    "officer for help."
)
CONFLICT = N_("Your rating could not be saved because of a clash. Please send it again.")
BAD_REQUEST = N_("The request could not be understood.")
TOO_LARGE = N_("The submission is too large.")
# The database cannot be reached (503 with Retry-After): a submission, and any other page.
UNAVAILABLE = N_(
    "The service cannot save ratings right now (nothing was saved). Your answers are kept: "
    "please send them again in a moment."
)
UNAVAILABLE_TITLE = N_("Not saved yet")
UNAVAILABLE_PAGE = N_("The service is temporarily unavailable. Please try again in a moment.")
UNREADABLE_TEXT = N_("Part of what was sent could not be read (it is not valid text). "
                    "Please check your answers and send again.")
CROSS_SITE_TITLE = N_("Rating not sent")
CROSS_SITE = N_("This rating was sent from another website, so it was not saved. Please open "
                "the form of this service (scan the QR code) and send your rating there.")


INVALID_RESPONSE = N_("Please check your answers")

# Message id of an outcome (feedback.survey.outcomes.status_of) → text.
OUTCOME_MESSAGES = {
    "invalid_response": INVALID_RESPONSE,
    "too_soon": TOO_SOON,
    "rate_limited": RATE_LIMITED,
    "conflict": CONFLICT,
    "unknown_counter": NOT_FOUND_TITLE,
    "unavailable": UNAVAILABLE,
    **TOKEN_ERRORS,
}


def outcome_message(_: Callable[..., str], message_id: str,
                    retry_after: int | None = None) -> str:
    """The text of a refused submission's message id, in the language of `_`."""
    text = OUTCOME_MESSAGES[message_id]
    if "%(minutes)s" in text:
        return _(text, minutes=minutes(retry_after or 60))
    return _(text)


def field_message(_: Callable[..., str], code: str, n: int | None = None) -> str:
    text = FIELD_ERRORS.get(code, FIELD_ERRORS["not_a_number"])
    return _(text, n=n) if n is not None and "%(n)s" in text else _(text)
