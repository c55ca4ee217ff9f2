"""The content of the SKM report as frozen dataclasses (what `content.report_content`
returns), and the errors a report request can end in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from feedback.performance.periods import Period
from feedback.plans.showing import Progress, ShownPlan
from feedback.reports.publication import Publication
from feedback.reports.reads import RecentComment

B_BOUND = 76.61  # lower bound of grade B on the IKM scale (PermenPANRB 14/2017)


class ReportError(Exception):
    """A report that cannot be made; `kind` is one of unknown, not_started, no_data."""

    kind = "error"


class UnknownScope(ReportError):
    kind = "unknown"


class PeriodNotStarted(ReportError):
    kind = "not_started"


class NoData(ReportError):
    kind = "no_data"


@dataclass(frozen=True)
class InstrumentItem:
    code: str
    name: str  # the unsur, as the regulation names it
    question: str


@dataclass(frozen=True)
class ChannelCount:
    channel: str
    label: str
    n: int
    share: float | None


@dataclass(frozen=True)
class ProfileRow:
    dimension: str
    key: str
    label: str
    shown: bool
    n: int | None  # None when not shown
    share: float | None  # of those who answered the question


@dataclass(frozen=True)
class ProfileFigures:
    span_first: date | None  # the whole ended months the profile covers (None: none yet)
    span_last: date | None
    suppressed: bool  # fewer than min_group responses in the span: nothing shown
    answered: dict[str, int | None]
    rows: tuple[ProfileRow, ...]


@dataclass(frozen=True)
class ElementFigure:
    code: str
    name: str
    nrr: float | None
    weighted: float | None  # NRR × 1/9 (the exact weight the IKM uses)
    ikm: float | None  # 25 × NRR
    grade: str | None

    @property
    def below_b(self) -> bool:
        """Below the grade-B bound 76.61 on the IKM scale (graded as C or D)."""
        return self.grade in ("C", "D")


@dataclass(frozen=True)
class MemberLine:
    """A unit of an agency or the city report, or an agency of the city report."""

    code: str
    name: str
    parent: str | None  # the unit's agency name (city report)
    n: int
    ikm: float | None
    grade: str | None


@dataclass(frozen=True)
class ElementChange:
    code: str
    name: str
    before: float | None  # NRR
    now: float | None


@dataclass(frozen=True)
class Comparison:
    key: str
    label: str
    n_before: int
    ikm_before: float | None
    grade_before: str | None
    elements: tuple[ElementChange, ...]


@dataclass(frozen=True)
class Priority:
    no: int
    code: str
    name: str
    nrr: float | None
    ikm: float | None


@dataclass(frozen=True)
class ReportContent:
    scope_kind: str  # unit | agency | city
    code: str | None
    name: str  # the unit, the agency, or the city government
    agency_name: str  # the header of every page: the agency (or the city government)
    period: Period
    period_label: str
    generated_at: datetime  # WITA
    min_group: int
    # BAB II
    population: int | None
    required_sample: int | None
    n: int
    instrument: tuple[InstrumentItem, ...]
    channels: tuple[ChannelCount, ...]
    # BAB III
    profile: ProfileFigures
    elements: tuple[ElementFigure, ...]  # regulation order
    weighted_sum: float | None
    ikm: float
    grade: str
    grade_label: str
    units: tuple[MemberLine, ...]  # agency and city reports
    agencies: tuple[MemberLine, ...]  # city report
    # BAB IV
    weakest: tuple[ElementFigure, ...]  # lowest NRR first (those with an NRR)
    below_b: tuple[ElementFigure, ...]
    strongest: tuple[ElementFigure, ...]
    comment_count: int
    comments_shown: bool  # at least min_group responses: recent comments are listed
    comments: tuple[RecentComment, ...]
    comparison: Comparison | None
    # BAB V
    priorities: tuple[Priority, ...]
    publication: Publication | None
    plans: tuple[ShownPlan, ...] = ()  # the units' follow-up plans of the period (any status)
    # The approved plans of the period before (same length), followed up in this period
    plan_progress: tuple[Progress, ...] = ()
