"""Tables of the case mails (`feedback.cases.notify`).

* `case_mail`: the mail of one case event (`event_id` unique): its state (pending | sent |
  failed), the attempts made, when the next is due (also the claim: a sender moves it
  ahead before sending, so two workers never send one attempt twice) and the recipients
  that got theirs (`sent_to`, JSON list of `user:<staff user id>` or `citizen`: never an
  address), so a retry goes only to the others.
* `case_mail_attempt`: the log, one row per attempt: how many messages went out and the
  error (masked: an SMTP answer may quote an address).
"""

from __future__ import annotations

from piccolo.columns import Boolean, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class CaseMail(Table, tablename="case_mail"):
    event_id = Integer(unique=True)
    case_id = Integer()
    state = Varchar(length=10)  # pending | sent | failed
    attempts = Integer(default=0)
    next_at = Timestamptz(null=True, default=None)
    sent_to = Text(default="[]")
    created_at = Timestamptz()
    updated_at = Timestamptz()


class CaseMailAttempt(Table, tablename="case_mail_attempt"):
    mail_id = Integer(index=True)
    attempt = Integer()
    at = Timestamptz()
    sent = Integer(default=0)
    ok = Boolean(default=False)
    error = Text(null=True, default=None)
