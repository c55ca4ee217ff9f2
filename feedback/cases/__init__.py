"""Complaints (cases) on SP4N-LAPOR! clocks and follow-up plans (RTL).

A case is one citizen's response that needs an answer. It is keyed by the response's
receipt code, which is also the citizen's capability to track it (`/lacak?r=RECEIPT`,
`GET /api/v1/cases/{receipt}`); nothing else identifies the citizen.

Opening (`feedback.cases.opening`): a response opens a case when the citizen asked to be
contacted (contact + consent) and rated low (any element 1, or a response IKM-scale score
below 65), or when its comment is classified a complaint (negative) or urgent. The clocks
are computed in WITA working days (`feedback.cases.workdays` plus the city's `day_off` rows)
and STORED when the case opens:

    verify_due     = opening day + 3 working days
    follow_up_due  = verify_due + 5 working days (renewed to answer + 5 when the citizen
                     answers a reply; NULL when the case was closed at verification
                     without any follow-up being owed)
    auto_close_due = reply day + 10 working days while a reply waits for the citizen
                     (NULL otherwise)

States (`status`): open → verified → answered → closed.
  * verify: open → verified (or close at once with outcome `invalid`/`duplicate`);
  * reply (text the citizen sees): open|verified → answered (verifies too when still open);
    sets auto_close_due;
  * citizen answer (once per reply, `case_event.answers_event` is unique): answered →
    verified, auto_close_due cleared, follow_up_due renewed;
  * forward to another unit: unit_id/agency_id change, level back to `unit`, clocks kept;
  * escalate (by staff, or automatically when a clock is overdue): level unit → agency →
    city; a missed verify_due lifts the case to at least `agency`, a missed follow_up_due
    to `city`;
  * close with an outcome (resolved | not_resolved | invalid | duplicate | no_reply); the
    system closes `answered` cases whose auto_close_due has passed with outcome no_reply.
Every step is one `case_event` row (who, when, what); staff steps are audited as well.

Contact details (`case_contact`) are stored apart from the response, keyed by the response,
shown only to the unit handling the case, and erased `SUARA_CONTACT_RETENTION_DAYS` after
the case closes (`suara purge`), or at the next opening pass when no case opened.
"""
