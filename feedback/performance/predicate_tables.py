"""The city's thresholds of the advisory organisational predicate (scoring.predicate).

Append-only: each change is a new row; the current thresholds are the newest row, the
defaults (scoring.predicate.DEFAULT_THRESHOLDS) while there is none. `replaces` is the id
of the row that was current when the change was made (0: the defaults) and is unique, so
two changes made from the same starting point cannot both be stored: the second is refused
(someone changed the thresholds meanwhile) by the database itself.
"""

from __future__ import annotations

from piccolo.columns import DoublePrecision, Integer, Timestamptz, Varchar
from piccolo.table import Table


class PredicateThresholds(Table, tablename="predicate_thresholds"):
    """One version of the four lower bounds (exclusive, 0–100, strictly descending)."""

    istimewa = DoublePrecision()
    baik = DoublePrecision()
    butuh_perbaikan = DoublePrecision()
    kurang = DoublePrecision()
    replaces = Integer(unique=True)  # id of the previous current row; 0 = the defaults
    set_by = Varchar(length=254)  # e-mail of the city user, or "cli"
    set_by_id = Integer(null=True, default=None)
    set_at = Timestamptz()
