"""Follow-up plans (rencana tindak lanjut, RTL) of PermenPANRB 14/2017.

The regulation asks every unit to act on the weakest elements of its survey and to publish
what it did. For a unit and a period (a key period of `feedback.performance.periods`:
`2026`, `2026-S1`, `2026-Q2`, `2026-03`; never a range of days) there is at most one plan.

* `feedback.plans.tables`: `follow_up_plan` and `plan_action`, their states.
* `feedback.plans.proposal`: the elements the system proposes (`scoring.weakest`: below the
  grade-B bound on the NRR scale, and the lowest NRRs), with their NRR and n.
* `feedback.plans.work`: the workflow (unit head writes and submits; the agency head, the
  city or an administrator approves or returns; after approval the unit updates each
  action's status with evidence). Every change is audited. Its input checks are
  `feedback.plans.inputs`, its refusals `feedback.plans.errors`.
* `feedback.plans.views`: what the staff plan pages read (a unit's proposal and plan, an
  agency's plans).
* `feedback.plans.reads`: what other views read (the public pages, the next period's unit
  view, the report's BAB V). Its docstring is the contract.

States of a plan:

    draft ──submit──▶ submitted ──approve──▶ approved
      ▲                   │
      └──(edit)── returned ◀──return (with a note)

Actions are added, edited and removed while the plan is `draft` or `returned`. On approval
each action's baseline (the element's NRR and n in the plan's period) is frozen. After
approval actions are never removed: their status moves between planned, in_progress, done
and dropped (dropped needs a reason), each change with an evidence note.
"""
