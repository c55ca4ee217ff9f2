"""Tables of the integrity screening.

* `served_count`: transactions a counter served in a WITA clock hour (from its queue system),
  one row per (counter, hour), replaced when reported again.
* `integrity_scan`: one run of the screening: its window, how many counter-hours it scanned
  and flagged, the model version, the features (names, in the model's column order) and the
  parameters, so that a flag can be explained later.
* `integrity_flag`: a flagged counter-hour of a scan: reason codes with their evidence, the
  anomaly score, the feature values and the ids of the responses in that hour. Scans are
  never rewritten: a later scan adds its own rows.
* `integrity_decision`: the reviewers' decisions, append-only and hash-chained.
"""

from __future__ import annotations

from piccolo.columns import (
    JSONB,
    DoublePrecision,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from feedback.tables import Counter


class ServedCount(Table, tablename="served_count"):
    counter = ForeignKey(on_delete=OnDelete.restrict, references=Counter, null=False)
    hour = Timestamptz()  # UTC instant the WITA hour starts
    served = Integer()
    source = Varchar(length=200)  # the file imported, or "api"
    updated_at = Timestamptz()


class IntegrityScan(Table, tablename="integrity_scan"):
    started_at = Timestamptz()
    window_from = Timestamptz()  # first hour scanned (UTC instant of its WITA start)
    window_to = Timestamptz()  # end of the window (exclusive)
    counter_hours = Integer()
    flagged = Integer()
    training_hours = Integer()  # counter-hours the ordering model was fitted on
    model_version = Varchar(length=200)
    features = JSONB()  # feature names, in the model's column order
    params = JSONB()  # every threshold and the seed
    trigger = Varchar(length=20)  # cli | schedule


class IntegrityFlag(Table, tablename="integrity_flag"):
    scan = ForeignKey(on_delete=OnDelete.restrict, references=IntegrityScan, null=False)
    counter = ForeignKey(on_delete=OnDelete.restrict, references=Counter, null=False)
    hour = Timestamptz()  # UTC instant the WITA hour starts
    reasons = JSONB()  # reason codes (scoring.integrity.REASONS order)
    anomaly_score = DoublePrecision()  # 0-1, higher = more anomalous
    responses = Integer()
    features = JSONB()  # {feature name: value}
    evidence = JSONB()  # {reason code: {number: value}}
    response_ids = JSONB()  # the counted, not-excluded responses of the hour


class IntegrityDecision(Table, tablename="integrity_decision"):
    """A reviewer's decision on a flagged counter-hour or some of its responses: exclude
    them from the aggregates, or keep them. Append-only (the database refuses UPDATE and
    DELETE) and hash-chained: `hash` is the SHA-256 of the record's content and the previous
    record's hash (`prev_hash`, unique: the chain cannot fork). feedback.integrity.decisions
    writes and verifies it."""

    at = Timestamptz()
    actor = Varchar(length=254)  # e-mail of the staff member, or "cli"
    actor_id = Integer(null=True, default=None)
    flag_id = Integer()  # the integrity_flag decided on (kept even if flags are pruned)
    counter = Varchar(length=16)  # counter code
    hour = Timestamptz()  # start of the WITA hour (UTC instant)
    response_ids = JSONB()  # the responses decided on, sorted
    action = Varchar(length=10)  # exclude | keep
    reason = Text()
    prev_hash = Varchar(length=64, unique=True)
    hash = Varchar(length=64)
