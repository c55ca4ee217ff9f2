"""The content of the official SKM report of a unit, an agency or the city for a period.

Every figure is the engine's or the dashboards' own (one way to compute each):

* a unit's IKM, grade, n and element NRRs are those of its `UnitScore` in the period's
  score result (`dashboard_reads.period_result`, i.e. `scores.score_period` with default
  parameters: the same as GET /api/v1/scores and the dashboards);
* an agency's and the city's official IKM is the pooled official IKM of their units'
  counted responses (`dashboard.pooled_figures`, what the agency dashboard shows);
* the population is the units' monthly volume × the period's months (the engine's
  Krejcie–Morgan population), the respondent profile the dashboards' (whole ended months,
  groups below `min_group` not shown), the previous period's figures `pooled_figures`;
* BAB V's follow-up plans (RTL) are `feedback.plans.showing`'s: the units' plans of the
  period (approved ones with their actions) and the approved plans of the period before
  followed up with the engine's NRRs of this period, their texts masked.

Scope is checked here as on the dashboards: a unit or agency outside `scope` is
`UnknownScope`, like an unknown code.
"""

from __future__ import annotations

import asyncio
from collections.abc import MutableMapping
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from feedback.accounts.scope import Scope
from feedback.aggregates.groups import unit_counts
from feedback.clock import WITA, wita_day
from feedback.performance import dashboard
from feedback.performance import dashboard_groups as groups
from feedback.performance import dashboard_reads as reads
from feedback.performance.periods import Period, custom, parse
from feedback.plans import showing
from feedback.reports import reads as report_reads
from feedback.reports import wording
from feedback.reports.model import (
    ChannelCount,
    Comparison,
    ElementChange,
    ElementFigure,
    InstrumentItem,
    MemberLine,
    NoData,
    PeriodNotStarted,
    Priority,
    ProfileFigures,
    ProfileRow,
    ReportContent,
    UnknownScope,
)
from feedback.reports.publication import publication_of
from feedback.survey.skm import PROFILE_FIELDS, skm_2017_definition
from feedback.tables import Agency, Unit
from scoring.ikm import ELEMENTS, grade, official_ikm, required_sample
from scoring.result import ScoreResult

SCOPE_KINDS = ("unit", "agency", "city")
RECENT_COMMENTS = 5
STRONGEST = 3
CITY_SCOPE = Scope(role="city")

Cache = MutableMapping[tuple[Any, ...], Any]


# ------------------------------------------------------------------------------------------
def _today() -> date:
    return wita_day(datetime.now(UTC))


def previous_period(period: Period) -> Period:
    """The period before, of the same kind (2026-S1 → 2025-S2); for a range of days, the
    same days a year earlier."""
    if period.previous is not None:
        return parse(period.previous)
    return custom(_year_earlier(period.first), _year_earlier(period.last))


def _year_earlier(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


@cache
def _instrument() -> tuple[InstrumentItem, ...]:
    definition = skm_2017_definition()
    return tuple(InstrumentItem(e["code"], e["name"]["id"], e["question"]["id"])
                 for e in definition["elements"])


@cache
def _names() -> dict[str, str]:
    return {item.code: item.name for item in _instrument()}


def _element(code: str, nrr: float | None) -> ElementFigure:
    names = _names()
    if nrr is None:
        return ElementFigure(code, names[code], None, None, None, None)
    return ElementFigure(code, names[code], nrr, nrr / len(ELEMENTS), 25 * nrr,
                         grade(25 * nrr))


def _population(monthly: list[int | None], period: Period) -> int | None:
    """The engine's Krejcie–Morgan population: each unit's monthly volume × months."""
    known = [round(m * period.months) for m in monthly if m is not None]
    return sum(known) if known else None


def _profile(profile: groups.Profile, span: groups.Span | None) -> ProfileFigures:
    rows = []
    for dim, items in profile.fields.items():
        labels = PROFILE_FIELDS[dim]
        for g in items:
            rows.append(ProfileRow(dim, g.key, labels.get(g.key, g.key), g.shown, g.n, g.share))
    return ProfileFigures(
        span_first=None if span is None else span.first,
        span_last=None if span is None else span.last,
        suppressed=profile.suppressed, answered=dict(profile.answered), rows=tuple(rows))


def _channels(counts: dict[str, int]) -> tuple[ChannelCount, ...]:
    from feedback.survey.skm import CHANNELS

    total = sum(counts.values())
    order = [*CHANNELS, *sorted(set(counts) - set(CHANNELS))]
    return tuple(ChannelCount(c, wording.CHANNEL_LABELS.get(c, c), counts.get(c, 0),
                              counts.get(c, 0) / total if total else None) for c in order)


def _comparison(before: dashboard.Official, previous: Period,
                now: tuple[ElementFigure, ...]) -> Comparison:
    nrr_before = {r.code: r.nrr for r in before.elements}
    return Comparison(
        key=previous.key, label=wording.period_label(previous), n_before=before.n,
        ikm_before=before.ikm, grade_before=before.grade,
        elements=tuple(ElementChange(e.code, e.name, nrr_before.get(e.code), e.nrr)
                       for e in now))


def _priorities(weakest: tuple[ElementFigure, ...], below_b: tuple[ElementFigure, ...]
                ) -> tuple[Priority, ...]:
    """The elements below the grade-B bound, weakest first; when none is, the three
    weakest."""
    chosen = below_b if below_b else weakest[:3]
    return tuple(Priority(i, e.code, e.name, e.nrr, e.ikm) for i, e in enumerate(chosen, 1))


def _find_unit(result: ScoreResult | None, code: str) -> Any:
    if result is None:
        return None
    return next((u for u in result.units if u.unit == code), None)


# ------------------------------------------------------------------------------------------
async def report_content(scope_kind: str, code: str | None, period: Period, min_group: int,
                         *, scope: Scope = CITY_SCOPE, cache: Cache | None = None,
                         today: date | None = None, now: datetime | None = None
                         ) -> ReportContent:
    """The report of a unit (`code` its code), an agency (its code) or the city (`code`
    None) for `period`, as `scope` may see it. Raises UnknownScope, PeriodNotStarted or
    NoData (no counted response of the scope in the period); ValueError for a scope kind
    outside SCOPE_KINDS. `cache` holds period score results (shared with the API)."""
    if scope_kind not in SCOPE_KINDS:
        raise ValueError(f"unknown report scope {scope_kind!r}; one of {SCOPE_KINDS}")
    today = today or _today()
    if period.first > today:
        raise PeriodNotStarted(f"the period {period.key} has not started yet: it begins on "
                               f"{period.first.isoformat()}")
    cache = cache if cache is not None else {}
    within = groups.span(period, today)
    units: tuple[MemberLine, ...] = ()
    agencies: tuple[MemberLine, ...] = ()
    if scope_kind == "unit":
        if code is None:
            raise UnknownScope("a unit report needs a unit code")
        try:
            board = await dashboard.unit_dashboard(scope, code, period, min_group=min_group,
                                                   cache=cache, today=today)
        except dashboard.NotFound as exc:
            raise UnknownScope(f"unknown unit {code!r}") from exc
        result = await reads.period_result(period, cache)
        score = _find_unit(result, code)
        if score is None or score.n == 0 or score.ikm is None:
            raise NoData(f"no counted response of unit {code} in {period.key}")
        name, agency_name = board.unit.name, board.unit.agency_name
        unit_ids = [board.unit.id]
        n, ikm, grade_letter = score.n, score.ikm, score.grade
        population, required = board.official.volume, score.required_sample
        elements = tuple(_element(c, score.elements[c].nrr) for c in ELEMENTS)
        profile = _profile(board.profile, board.breakdown_span)
    elif scope_kind == "agency":
        if code is None:
            raise UnknownScope("an agency report needs an agency code")
        try:
            board_a = await dashboard.agency_dashboard(scope, code, period,
                                                       min_group=min_group, cache=cache,
                                                       today=today)
        except dashboard.NotFound as exc:
            raise UnknownScope(f"unknown agency {code!r}") from exc
        official = board_a.official
        if official.n == 0 or official.ikm is None:
            raise NoData(f"no counted response of agency {code} in {period.key}")
        name = agency_name = board_a.name
        rows = await reads.agency_units(
            (await Agency.select(Agency.id).where(Agency.code == code).first().run())["id"])
        unit_ids = [u["id"] for u in rows]
        n, ikm, grade_letter = official.n, official.ikm, official.grade
        population, required = official.volume, official.required_sample
        by_code = {r.code: r.nrr for r in official.elements}
        elements = tuple(_element(c, by_code.get(c)) for c in ELEMENTS)
        profile = _profile(board_a.profile, board_a.breakdown_span)
        units = tuple(MemberLine(u.code, u.name, None, u.n, u.ikm, u.grade)
                      for u in board_a.units)
    else:
        if not scope.everything:
            raise UnknownScope("the city report is for the city role")
        name = agency_name = wording.CITY_NAME
        rows = await Unit.select(Unit.id, Unit.code, Unit.name, Unit.monthly_volume,
                                 Unit.agency.code, Unit.agency.name).order_by(
            Unit.agency.name, Unit.name).run()
        unit_ids = [u["id"] for u in rows]
        population = _population([u["monthly_volume"] for u in rows], period)
        (official, _trend), group_profile, per_unit, result = await asyncio.gather(
            dashboard.pooled_figures(unit_ids, period, population),
            groups.profile(unit_ids, within, min_group),
            unit_counts(unit_ids, period.first, period.last),
            reads.period_result(period, cache))
        if official.n == 0 or official.ikm is None:
            raise NoData(f"no counted response in {period.key}")
        n, ikm, grade_letter = official.n, official.ikm, official.grade
        required = official.required_sample
        by_code = {r.code: r.nrr for r in official.elements}
        elements = tuple(_element(c, by_code.get(c)) for c in ELEMENTS)
        profile = _profile(group_profile, within)
        units = tuple(_city_unit(u, result) for u in rows)
        agencies = _city_agencies(rows, per_unit)
    assert grade_letter is not None
    nrrs = [e.nrr for e in elements if e.nrr is not None]
    weighted_sum = sum(nrrs) / len(ELEMENTS) if nrrs else None
    rated = sorted((e for e in elements if e.nrr is not None), key=lambda e: e.nrr or 0.0)
    weakest = tuple(rated)
    below_b = tuple(e for e in rated if e.below_b)
    strongest = tuple(reversed(rated[-STRONGEST:]))

    previous = previous_period(period)
    before, _ = await dashboard.pooled_figures(unit_ids, previous, None)
    channels, count, comments = await asyncio.gather(
        report_reads.channel_counts(None if scope_kind == "city" else unit_ids, period),
        report_reads.comment_count(None if scope_kind == "city" else unit_ids, period),
        report_reads.recent_comments(None if scope_kind == "city" else unit_ids, period,
                                     RECENT_COMMENTS))
    shown = n >= min_group
    # BAB V: the units' follow-up plans of the period, and those of the period before
    # followed up with this period's engine figures (texts masked: a report is filed).
    plan_units = None if scope_kind == "city" else unit_ids
    plans = [showing.masked(p) for p in await showing.report_plans(plan_units, period.key)]
    progress = await showing.progress_of(plan_units, period,
                                         await reads.period_result(period, cache), min_group,
                                         mask_texts=True)
    publication = await publication_of(
        period, scope_kind, code, ikm, [u.code for u in units],
        {u.code: (u.n, u.ikm) for u in units})
    return ReportContent(
        scope_kind=scope_kind, code=code, name=name, agency_name=agency_name, period=period,
        period_label=wording.period_label(period),
        generated_at=(now or datetime.now(UTC)).astimezone(WITA), min_group=min_group,
        population=population,
        required_sample=required if required is not None else (
            None if population is None else required_sample(population)),
        n=n, instrument=_instrument(), channels=_channels(channels), profile=profile,
        elements=elements, weighted_sum=weighted_sum, ikm=ikm, grade=grade_letter,
        grade_label=wording.GRADE_WORDS[grade_letter], units=units, agencies=agencies,
        weakest=weakest, below_b=below_b, strongest=strongest, comment_count=count,
        comments_shown=shown, comments=comments if shown else (),
        comparison=None if before.n == 0 else _comparison(before, previous, elements),
        priorities=_priorities(weakest, below_b), publication=publication,
        plans=tuple(plans),
        plan_progress=tuple(progress))


def _city_unit(row: dict[str, Any], result: ScoreResult | None) -> MemberLine:
    score = _find_unit(result, row["code"])
    if score is None:
        return MemberLine(row["code"], row["name"], row["agency.name"], 0, None, None)
    return MemberLine(row["code"], row["name"], row["agency.name"], score.n, score.ikm,
                      score.grade)


def _city_agencies(rows: list[dict[str, Any]], per_unit: dict[int, Any]
                   ) -> tuple[MemberLine, ...]:
    """Each agency's pooled official IKM (its units' summed answer counts)."""
    pooled: dict[str, tuple[str, int, list[list[int]]]] = {}
    for u in rows:
        code, name = u["agency.code"], u["agency.name"]
        _, n, counts = pooled.setdefault(code, (name, 0, [[0] * 4 for _ in ELEMENTS]))
        got = per_unit.get(u["id"])
        if got is not None:
            for row, extra in zip(counts, got.element_counts, strict=True):
                for i in range(4):
                    row[i] += extra[i]
            n += got.n
        pooled[code] = (name, n, counts)
    out = []
    for code, (name, n, counts) in pooled.items():
        result = official_ikm(counts, n)
        out.append(MemberLine(code, name, None, n, result.ikm, result.grade))
    return tuple(sorted(out, key=lambda a: a.name))
