"""Tables of the alerts.

* `alert`: one alert per source object (`source_key` is unique): an urgent comment
  (`comment:<response id>`), a sharp drop at a counter (`drop:<counter id>:<id of the last
  response of the window>`), a flagged counter-hour (`flag:<counter id>:<hour, UTC ISO>`),
  a case event (`case:<case_event id>`, kind `case`, raised by `feedback.cases.notify`).
  The organisation ids are plain integers (the scope's filters), `details` holds what the
  rule measured. Acknowledging sets the `acknowledged_*` columns once.
* `alert_webhook`: an agency's outgoing webhook (URL and HMAC secret), one per agency.
* `alert_delivery`: one alert to be POSTed to one webhook: its frozen JSON body, the
  attempts made, when the next is due and its state (pending | delivered | failed).
* `alert_delivery_attempt`: the delivery log, one row per attempt (status code, error).
"""

from __future__ import annotations

from piccolo.columns import JSONB, Boolean, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class Alert(Table, tablename="alert"):
    kind = Varchar(length=8)  # urgent | drop | flag | case
    source_key = Varchar(length=80, unique=True)
    agency_id = Integer()
    unit_id = Integer()
    counter_id = Integer(null=True, default=None)
    response_id = Integer(null=True, default=None)  # urgent: the comment's response
    pungli = Boolean(default=False)  # urgent comment about illegal fees or bribes
    details = JSONB()
    raised_at = Timestamptz()
    acknowledged_at = Timestamptz(null=True, default=None)
    acknowledged_by = Varchar(length=254, null=True, default=None)
    acknowledged_by_id = Integer(null=True, default=None)


class AlertWebhook(Table, tablename="alert_webhook"):
    agency_id = Integer(unique=True)
    url = Varchar(length=500)
    secret = Varchar(length=128)
    active = Boolean(default=True)
    updated_at = Timestamptz()
    updated_by = Varchar(length=254)


class AlertDelivery(Table, tablename="alert_delivery"):
    alert_id = Integer()
    webhook_id = Integer()
    body = Text()  # the exact JSON POSTed (the same on every retry)
    state = Varchar(length=10)  # pending | delivered | failed
    attempts = Integer(default=0)
    next_at = Timestamptz(null=True, default=None)  # due time of the next attempt
    created_at = Timestamptz()


class AlertDeliveryAttempt(Table, tablename="alert_delivery_attempt"):
    delivery_id = Integer(index=True)
    attempt = Integer()
    at = Timestamptz()
    status_code = Integer(null=True, default=None)
    error = Text(null=True, default=None)
    ok = Boolean(default=False)
