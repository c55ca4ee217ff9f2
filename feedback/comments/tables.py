"""Tables of the comment classifier: staff corrections of labels and the retrain record.

Both are append-only. A response's current corrected label is its newest `comment_label`
row; the model in use is trained on the corpus plus the corrections up to the newest
`comment_model` row's `corrections_through` (`feedback.comments.classifier`).
"""

from __future__ import annotations

from piccolo.columns import JSONB, Boolean, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from feedback.tables import Response


class CommentLabel(Table, tablename="comment_label"):
    """One correction of a comment's labels by a staff member (or the CLI)."""

    response = ForeignKey(on_delete=OnDelete.restrict, references=Response, null=False,
                          index=True)
    element = Varchar(length=12)  # an SKM element code or "lainnya"
    sentiment = Varchar(length=8)  # negatif | netral | positif
    urgent = Boolean()
    corrected_by = Varchar(length=254)  # e-mail of the staff member, or "cli"
    corrected_by_id = Integer(null=True, default=None)
    corrected_at = Timestamptz()


class CommentRetrain(Table, tablename="comment_model"):
    """One `suara comments retrain`: which corrections were folded in, and the figures."""

    model_version = Varchar(length=32)
    seed = Integer()
    corrections_through = Integer()  # highest comment_label id included (0: none)
    corrections = Integer()  # corrected comments included
    examples = Integer()  # corpus rows + corrected comments
    scores = JSONB()  # cross-validated accuracy and macro-F1 per task
    trained_by = Varchar(length=254)
    trained_at = Timestamptz()
