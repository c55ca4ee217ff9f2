"""Tables of the complaints (cases); see `feedback.cases` for the states and the clocks.

* `case_file`: one case per response (`response_id` and `receipt` unique). Organisation ids
  are plain integers (the scope's filters); `agency_id` is the handling unit's agency.
  Dates (`*_due`) are WITA calendar days; a deadline is the end of its day.
* `case_contact`: the contact a citizen gave with consent, apart from the response, keyed by
  the response (it may exist shortly before a case opens from a comment); erased
  `SUARA_CONTACT_RETENTION_DAYS` after the case's `closed_at` (`suara purge`).
* `case_event`: the case's history, one row per step. `public` events are shown to the
  citizen (replies, the citizen's answers, verification, forwarding, closing). A citizen
  answer names the reply it answers (`answers_event`, unique: once per reply).
  `notified_at` is set once the notifier has handled the event.
* `day_off`: the city's own days off (on top of national holidays and cuti bersama).
"""

from __future__ import annotations

from piccolo.columns import Boolean, Date, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

STATUSES = ("open", "verified", "answered", "closed")
LEVELS = ("unit", "agency", "city")
REASONS = ("low_rating", "complaint", "urgent")
OUTCOMES = ("resolved", "not_resolved", "invalid", "duplicate", "no_reply")
EVENT_KINDS = ("opened", "verified", "replied", "citizen_answer", "forwarded", "escalated",
               "closed")
SYSTEM = "system"  # case_event.actor of automatic steps
CITIZEN = "citizen"  # case_event.actor of the citizen's answers


class CaseFile(Table, tablename="case_file"):
    response_id = Integer(unique=True)
    receipt = Varchar(length=12, unique=True)
    counter_id = Integer()
    unit_id = Integer(index=True)
    agency_id = Integer(index=True)
    reason = Varchar(length=12)  # low_rating | complaint | urgent
    status = Varchar(length=10)  # open | verified | answered | closed
    level = Varchar(length=8, default="unit")  # unit | agency | city
    opened_at = Timestamptz()
    verify_due = Date()
    follow_up_due = Date(null=True, default=None)
    auto_close_due = Date(null=True, default=None)
    verified_at = Timestamptz(null=True, default=None)
    answered_at = Timestamptz(null=True, default=None)  # the latest reply
    escalated_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)
    outcome = Varchar(length=16, null=True, default=None)
    updated_at = Timestamptz()


class CaseContact(Table, tablename="case_contact"):
    response_id = Integer(unique=True)
    kind = Varchar(length=8)  # phone | email
    value = Varchar(length=254)  # normalised: +62… for phones, lower-case e-mail
    consent_version = Varchar(length=20)  # the consent text the citizen ticked
    consented_at = Timestamptz()


class CaseEvent(Table, tablename="case_event"):
    case_id = Integer(index=True)
    at = Timestamptz()
    kind = Varchar(length=16)
    actor = Varchar(length=254)  # staff e-mail, "citizen" or "system"
    actor_id = Integer(null=True, default=None)
    text = Text(null=True, default=None)  # reply / answer / note / reason
    public = Boolean(default=False)
    answers_event = Integer(null=True, default=None, unique=True)
    from_unit_id = Integer(null=True, default=None)
    to_unit_id = Integer(null=True, default=None)
    level = Varchar(length=8, null=True, default=None)
    outcome = Varchar(length=16, null=True, default=None)
    notified_at = Timestamptz(null=True, default=None)


class DayOff(Table, tablename="day_off"):
    day = Date(unique=True)
    name = Varchar(length=120)
    created_at = Timestamptz()
    created_by = Varchar(length=254)
