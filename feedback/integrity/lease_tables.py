"""The scheduled scan's lease: one row per job (`name`), held by one worker until
`expires_at`; feedback.integrity.schedule takes it with an atomic conditional UPDATE."""

from __future__ import annotations

from piccolo.columns import Timestamptz, Varchar
from piccolo.table import Table


class IntegrityLease(Table, tablename="integrity_lease"):
    name = Varchar(length=40, unique=True)
    holder = Varchar(length=100)  # host:pid of the worker that took it last
    expires_at = Timestamptz()
