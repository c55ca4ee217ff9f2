"""The contact of a complaint and the rule that opens a case at submission: pure functions
(`feedback.cases.contact`, `feedback.cases.opening.is_low_rating`), no database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedback.cases.contact import (
    EMAIL_MAX,
    Contact,
    ContactError,
    parse_consent,
    parse_contact,
)
from feedback.cases.opening import comment_reason, is_low_rating
from scoring.ikm import ELEMENTS


@st.composite
def phone_numbers(draw):
    """(as typed, national significant number): 08…/62…/+62…, digit groups split by
    spaces or dashes."""
    nsn = draw(st.from_regex(r"[1-9][0-9]{7,11}", fullmatch=True))
    prefix = draw(st.sampled_from(["0", "62", "+62", "+62 ", "62-", "0 "]))
    groups, rest = [], nsn
    while rest:
        size = draw(st.integers(1, 5))
        groups.append(rest[:size])
        rest = rest[size:]
    seps = [draw(st.sampled_from(["", " ", "-", " - ", "  "])) for _ in groups[1:]]
    typed = groups[0] + "".join(s + g for s, g in zip(seps, groups[1:], strict=True))
    return prefix + typed, nsn


_LOCAL_CHARS = st.sampled_from("abcxyzABCXYZ0189_+-!#$%&'*/=?^`{|}~")
_LABEL = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9-]{0,10}[A-Za-z0-9])?", fullmatch=True)


@st.composite
def emails(draw):
    words = draw(st.lists(st.text(_LOCAL_CHARS, min_size=1, max_size=8), min_size=1,
                          max_size=3))
    labels = draw(st.lists(_LABEL, min_size=1, max_size=3))
    tld = draw(st.from_regex(r"[A-Za-z]{2,6}", fullmatch=True))
    return ".".join(words) + "@" + ".".join([*labels, tld])


@given(phone_numbers())
def test_phone_numbers_are_normalised_to_plus_62(case):
    typed, nsn = case
    assert parse_contact(typed) == Contact("phone", "+62" + nsn)
    assert parse_contact(f"  {typed} ") == Contact("phone", "+62" + nsn)


@given(emails())
def test_email_addresses_are_kept_in_lower_case(address):
    assert parse_contact(address) == Contact("email", address.lower())


@given(st.one_of(phone_numbers().map(lambda c: c[0]), emails()))
def test_normalising_is_idempotent(typed):
    once = parse_contact(typed)
    assert parse_contact(once.value) == once
    assert once.kind == "phone" and once.value.startswith("+62") or once.value.count("@") == 1


@given(st.text(min_size=1, max_size=40).filter(
    lambda t: "@" not in t and any(ch.isalpha() for ch in t)))
def test_text_with_letters_and_no_at_sign_is_never_a_contact(text):
    with pytest.raises(ContactError):
        parse_contact(text)


@given(st.text(alphabet="0123456789 -+", max_size=30))
def test_digit_strings_are_phones_only_within_the_bounds(text):
    try:
        contact = parse_contact(text)
    except ContactError:
        return
    digits = contact.value.removeprefix("+62")
    assert contact.kind == "phone" and digits.isdigit() and 8 <= len(digits) <= 12
    assert digits[0] != "0"


@pytest.mark.parametrize("text", [
    "", "   ", "12345", "0812", "081234", "8123456789", "+1 555 123 4567", "0812abc45678",
    "0812 3456 7890 123", "+62 0812 3456 789", "-0812-3456-789", "0812-3456-789-",
    "0812--+3456789", "٠٨١٢٣٤٥٦٧٨٩", "0812.3456.789", "(0380) 821234",
    "a@b", "a@b.", "@example.org", "a@", "a@@example.org", "a@b@example.org",
    "a b@example.org", ".a@example.org", "a.@example.org", "a..b@example.org",
    "a@-example.org", "a@example-.org", "a@example..org", "a@example.o", "a@example.123",
    "ä@example.org", "a@exämple.org", "x" * 65 + "@example.org",
    "a@" + "b" * 250 + ".org", "x" * 255,
])
def test_anything_else_is_refused(text):
    with pytest.raises(ContactError) as err:
        parse_contact(text)
    assert err.value.code == "invalid_contact"


def test_length_bounds():
    assert parse_contact("0812 3456 7").value == "+6281234567"  # 8 digits after 0
    assert parse_contact("0380 821234").value == "+62380821234"  # a Kupang landline
    assert parse_contact("+62 812-3456-7890-1").value == "+62812345678901"  # 12 digits
    for too_long in ("+62 812-3456-7890-12", "0812345678901 2"):  # 13 digits
        with pytest.raises(ContactError):
            parse_contact(too_long)
    with pytest.raises(ContactError):
        parse_contact("0812 3456")  # 7 digits
    longest = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 57 + ".org"
    assert len(longest) == EMAIL_MAX
    assert parse_contact(longest).value == longest
    with pytest.raises(ContactError):
        parse_contact("a" + longest)


@pytest.mark.parametrize(("value", "expected"), [
    ("1", True), (True, True), (1, True),
    (None, False), ("", False), (False, False), (0, False), ("0", False),
    ("on", None), ("yes", None), ("true", None), (2, None), ("11", None), (1.0, None),
    ([1], None),
])
def test_consent_values(value, expected):
    assert parse_consent(value) is expected


def _answers(*values):
    return dict(zip(ELEMENTS, values, strict=False))


def test_low_rating_rule_boundaries():
    # IKM scale = mean × 25; below 65 opens a case.
    assert not is_low_rating(_answers(3, 3, 3, 2, 2))  # mean 2.6: exactly 65.0
    assert is_low_rating(_answers(3, 3, 3, 3, 2, 2, 2))  # 18/7 × 25 = 64.29
    assert not is_low_rating(_answers(3, 3, 3, 3, 3, 2, 2))  # 19/7 × 25 = 67.86
    assert is_low_rating(_answers(3, 3, 3, 3, 3, 2, 2, 2, 2))  # 23/9 × 25 = 63.89
    assert not is_low_rating(_answers(3, 3, 3, 3, 3, 3, 2, 2, 2))  # 24/9 × 25 = 66.67
    # Any element 1 opens a case, however good the rest.
    assert is_low_rating(_answers(4, 4, 4, 4, 4, 4, 4, 4, 1))
    assert not is_low_rating(_answers(4, 4, 4, 4, 4, 4, 4, 4, 2))
    assert not is_low_rating({})


@given(st.lists(st.integers(1, 4), min_size=1, max_size=9))
def test_low_rating_rule_matches_the_ikm_scale(values):
    score = sum(values) / len(values) * 25
    expected = min(values) == 1 or (score < 65 and abs(score - 65) > 1e-9)
    assert is_low_rating(_answers(*values)) is expected


def test_comment_reasons():
    assert comment_reason(("waktu", "negatif", True, ())) == "urgent"
    assert comment_reason(("biaya", "positif", True, ("pungli",))) == "urgent"
    assert comment_reason(("sarana", "negatif", False, ())) == "complaint"
    assert comment_reason(("sarana", "netral", False, ())) is None
    assert comment_reason(("sarana", "positif", False, ())) is None
    assert comment_reason(None) is None
