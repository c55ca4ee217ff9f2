"""Tables of the follow-up plans (RTL); see `feedback.plans` for the states.

* `follow_up_plan`: one plan per unit and key period (`unit_id`, `period` unique together:
  an index of migration 2026-11-30T18:00:30). `unit_id` is a plain integer (as the cases').
  Who and when: `created_*`, `updated_*` (the last change of the plan or its actions),
  `submitted_*` (the latest submission), `decided_*` and `decision_note` (the latest
  approval or return; a return always has a note).
* `plan_action`: one action of a plan for one SKM element: what is done (`what`), who is
  responsible (`who`: a role or position such as "Kepala Tata Usaha", never a private
  person's data), by when (`due`, a WITA day), the expected effect, its status and the
  latest evidence note. `baseline_nrr`/`baseline_n` are the element's NRR and number of
  answers in the plan's period, frozen when the plan is approved (NULL before; NRR NULL
  when nobody answered the element).
"""

from __future__ import annotations

from piccolo.columns import Date, Float, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

PLAN_STATUSES = ("draft", "submitted", "approved", "returned")
EDITABLE = ("draft", "returned")  # actions may be added, changed and removed
ACTION_STATUSES = ("planned", "in_progress", "done", "dropped")

MAX_WHAT = 1000
MAX_WHO = 120
MAX_EFFECT = 1000
MAX_NOTE = 2000


class FollowUpPlan(Table, tablename="follow_up_plan"):
    unit_id = Integer(index=True)
    period = Varchar(length=16)  # a period key: 2026, 2026-S1, 2026-Q2, 2026-03
    status = Varchar(length=10)  # draft | submitted | approved | returned
    created_at = Timestamptz()
    created_by = Varchar(length=254)
    created_by_id = Integer(null=True, default=None)
    updated_at = Timestamptz()
    updated_by = Varchar(length=254)
    submitted_at = Timestamptz(null=True, default=None)
    submitted_by = Varchar(length=254, null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)
    decided_by = Varchar(length=254, null=True, default=None)
    decision_note = Text(null=True, default=None)


class PlanAction(Table, tablename="plan_action"):
    plan_id = Integer(index=True)
    element = Varchar(length=16)  # an SKM-2017 element code (scoring.ikm.ELEMENTS)
    what = Text()
    who = Varchar(length=MAX_WHO)  # a role or position, not a person's private data
    due = Date()
    expected_effect = Text()
    status = Varchar(length=12, default="planned")  # planned | in_progress | done | dropped
    evidence_note = Text(null=True, default=None)  # the latest status note (dropped: why)
    created_at = Timestamptz()
    created_by = Varchar(length=254)
    updated_at = Timestamptz()
    updated_by = Varchar(length=254)
    baseline_nrr = Float(null=True, default=None)  # frozen on approval
    baseline_n = Integer(null=True, default=None)
