"""The comments checked for cases (`feedback.cases.opening.open_from_comments`).

`case_check`: one row per response whose comment the opening pass classified, with the
reason of the case it opened (NULL: none). A response is classified for cases once: a
later retrain of the model or a later staff correction does not open a case for a comment
already checked (the urgent-comment alerts still see them).
"""

from __future__ import annotations

from piccolo.columns import Integer, Timestamptz, Varchar
from piccolo.table import Table


class CaseCheck(Table, tablename="case_check"):
    response_id = Integer(unique=True)
    checked_at = Timestamptz()
    reason = Varchar(length=12, null=True, default=None)  # complaint | urgent | None
