"""The JSON of SCORING.md section 5 (plus `period`) as msgspec Structs: the response body
of GET /api/v1/scores and its OpenAPI schema. Converting the engine's dict into these
Structs also checks its shape (an unknown or missing key is an error, caught by the tests)."""

from __future__ import annotations

from typing import Any

import msgspec

Num = float | None


class _Strict(msgspec.Struct, forbid_unknown_fields=True):
    pass


class RankInterval(_Strict):
    low: int | None
    median: int | None
    high: int | None
    expected: Num
    p_top3: Num


class RankRange(_Strict):
    low: int | None
    high: int | None


class ElementScore(_Strict):
    nrr: Num
    ikm: Num
    score: Num


class UnitScore(_Strict):
    unit: str
    agency: str | None
    peer_group: str | None
    n: int
    status: str  # not_scored | provisional | ranked
    ikm: Num
    grade: str | None
    required_sample: int | None
    responses_needed: int | None
    elements: dict[str, ElementScore]
    mean: Num
    shrinkage: Num
    reliability: Num
    shrunk_mean: Num
    shrinkage_target: str | None
    satisfaction: Num
    kpi: Num
    kpi_coverage: Num
    kpi_scores: dict[str, Num]
    kpi_flags: list[str]
    index: Num
    rank: int | None
    rank_interval: RankInterval
    rank_range: RankRange | None
    funnel: str | None  # above_99.8 | above_95 | within | below_95 | below_99.8
    contributions: dict[str, Num] | None
    explain: dict[str, Num] | None


class AgencyScore(_Strict):
    agency: str | None
    index: Num
    rank: int | None
    rank_interval: RankInterval
    n_units: int


class FunnelFit(_Strict):
    target: Num
    phi: Num
    tau2: Num


class Importance(_Strict):
    satisfaction: Num
    kpi: Num


class PeerGroup(_Strict):
    mu: Num
    tau2: Num
    prior_size: Num
    respondents_for_reliability: int | None
    units: int


class City(_Strict):
    mu: Num
    tau2: Num
    sigma2_w: Num
    prior_size: Num
    respondents_for_reliability: int | None
    funnel: FunnelFit
    effective_importance: Importance
    mean_abs_rank_shift: Num
    mean_index: Num
    n_units: int
    n_scored: int
    n_ranked: int
    peer_groups: dict[str, PeerGroup]


class PeriodOut(_Strict):
    key: str
    period_from: str = msgspec.field(name="from")
    period_to: str = msgspec.field(name="to")


class ScoresOut(_Strict):
    method: str
    parameters: dict[str, Any]
    city: City
    units: list[UnitScore]
    agencies: list[AgencyScore]
    period: PeriodOut


def to_struct(result: dict[str, Any]) -> ScoresOut:
    return msgspec.convert(result, ScoresOut)
