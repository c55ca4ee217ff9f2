"""Citizens' comments of a unit for staff: newest first, masked, limited to what a Scope sees.

Who may read them: the `unit` role (its own unit), `agency` (the units of its agency) and
`city`. Officers never see comments: at their own counter a comment with its answers and
time could identify the single respondent who wrote it, and it would show them one rating.
For the same reason a comment is shown without its counter and service (with its answers,
they would single out one officer's individual rating); the device, receipt, ticket token
and profile are never read.

Comments of excluded responses are not shown. The query walks the partial index
`response_unit_comment (unit, submitted_at, id) WHERE comment IS NOT NULL` backwards, so a
page costs about its own rows (plus the rows skipped by the element filter and the offset),
never a scan of all responses; one row more than the page tells whether a next page exists.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from feedback.accounts.scope import Scope
from feedback.clock import WITA
from feedback.comments.masking import MARKERS_ID, mask
from feedback.engine import is_sqlite
from feedback.org.scoped import visible_unit
from feedback.performance.periods import Period
from feedback.tables import Response
from scoring.ikm import ELEMENTS

READERS = ("unit", "agency", "city")
MAX_PER_PAGE = 100
MAX_PAGE = 10_000


@dataclass(frozen=True)
class Comment:
    id: int
    submitted_at: datetime  # WITA
    text: str  # masked
    answers: dict[str, int]  # element code → 1..4, answered elements only, ELEMENTS order
    mean: float | None  # mean of the answers (1–4)


@dataclass(frozen=True)
class CommentPage:
    unit_id: int
    unit_code: str
    unit_name: str
    comments: tuple[Comment, ...]
    page: int
    per_page: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def _bounds(period: Period | None) -> tuple[datetime, datetime] | None:
    if period is None:
        return None
    start = datetime.combine(period.first, time(0), WITA).astimezone(UTC)
    end = datetime.combine(period.last + timedelta(days=1), time(0), WITA).astimezone(UTC)
    return start, end


def _as_datetime(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def _as_answers(value: Any) -> dict[str, int]:
    if isinstance(value, str):
        value = json.loads(value)
    return {e: int(value[e]) for e in ELEMENTS if value.get(e)}


async def unit_comments(scope: Scope, unit_code: str, period: Period | None, *,
                        element: str | None = None, rating: Sequence[int] | None = None,
                        page: int = 1, per_page: int = 20,
                        markers: Mapping[str, str] = MARKERS_ID) -> CommentPage:
    """A page of the unit's comments in `period` (WITA days; None: any time), newest first.

    `element` with `rating` keeps the comments whose answer to that element is one of the
    given ratings (e.g. `waktu`, (1, 2)). Raises NotAllowed for roles that never read
    comments, NotFound for an unknown unit or one outside the scope, ValueError for an
    unknown element, a rating outside 1–4 or a page outside its bounds."""
    unit = await visible_unit(scope, unit_code, READERS)
    if element is not None and element not in ELEMENTS:
        raise ValueError(f"unknown element {element!r}")
    ratings = sorted(set(rating or ()))
    if any(r not in (1, 2, 3, 4) for r in ratings):
        raise ValueError("ratings are 1 to 4")
    if element is None and ratings:
        raise ValueError("a rating filter needs an element")
    if not 1 <= page <= MAX_PAGE or not 1 <= per_page <= MAX_PER_PAGE:
        raise ValueError("page out of range")

    where = ['"unit" = {}', '"comment" IS NOT NULL', '"excluded" = {}']
    args: list[Any] = [unit["id"], False]
    bounds = _bounds(period)
    if bounds is not None:
        where += ['"submitted_at" >= {}', '"submitted_at" < {}']
        args += list(bounds)
    if element is not None and ratings:
        # `element` is one of ELEMENTS (checked above): safe to write into the statement.
        answer = (f"json_extract(\"answers\", '$.{element}')" if is_sqlite()
                  else f"CAST(\"answers\"->>'{element}' AS INTEGER)")
        where.append(f"{answer} IN ({', '.join('{}' for _ in ratings)})")
        args += ratings
    sql = (
        'SELECT "id", "submitted_at", "answers", "comment" FROM "response" WHERE '
        + " AND ".join(where)
        + ' ORDER BY "submitted_at" DESC, "id" DESC LIMIT {} OFFSET {}'
    )
    args += [per_page + 1, (page - 1) * per_page]
    rows = await Response.raw(sql, *args)
    comments = []
    for row in rows[:per_page]:
        answers = _as_answers(row["answers"])
        comments.append(Comment(
            id=row["id"],
            submitted_at=_as_datetime(row["submitted_at"]).astimezone(WITA),
            text=mask(row["comment"], markers),
            answers=answers,
            mean=sum(answers.values()) / len(answers) if answers else None,
        ))
    return CommentPage(unit_id=unit["id"], unit_code=unit["code"], unit_name=unit["name"],
                       comments=tuple(comments), page=page, per_page=per_page,
                       has_next=len(rows) > per_page)


async def latest_comments(scope: Scope, unit_code: str, n: int = 5,
                          markers: Mapping[str, str] = MARKERS_ID) -> tuple[Comment, ...]:
    """The unit's n newest comments (masked), for the unit dashboard."""
    page = await unit_comments(scope, unit_code, None, per_page=n, markers=markers)
    return page.comments
