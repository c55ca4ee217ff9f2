"""Published score snapshots and the target locks they imply.

A snapshot row is written once and never changed: the database refuses UPDATE and DELETE
on `score_snapshot` (triggers in the migration). `(period, version)` is unique.
"""

from __future__ import annotations

from piccolo.columns import JSONB, Date, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class ScoreSnapshot(Table):
    """One published version of a period's full score result."""

    period = Varchar(length=40)  # period key, e.g. 2026-S1
    version = Integer()  # 1, 2, ... per period
    method = Varchar(length=40)  # e.g. suara-2026.2
    period_from = Date()  # first WITA day
    period_to = Date()  # last WITA day
    parameters = JSONB()  # every parameter used, seed and draws included
    inputs_digest = Varchar(length=64)  # sha256 of the engine's inputs
    result = Text()  # the ScoreResult as JSON, exactly as published
    result_digest = Varchar(length=64)  # sha256 of `result`
    note = Text()
    reason = Text(null=True, default=None)  # why a period was published again
    published_by = Varchar(length=254)  # e-mail of the city user, or "cli"
    published_by_id = Integer(null=True, default=None)
    published_at = Timestamptz()


class PeriodUnlock(Table):
    """A city user unlocked the targets and actuals of a published period (until the next
    version is published)."""

    period = Varchar(length=40)
    snapshot_id = Integer()  # the snapshot version the unlock applies to
    reason = Text()
    unlocked_by = Varchar(length=254)
    unlocked_by_id = Integer(null=True, default=None)
    unlocked_at = Timestamptz()
