"""The typed result of the scoring engine (SCORING.md section 5 plus the values sections 1–4
ask to report): one schema, used by the engine, the offline CLI and the HTTP API.

Every field carries a description (``msgspec.Meta``), so the OpenAPI document that the API
derives from these Structs explains each number.  ``msgspec.json.encode(result)`` gives the
JSON of SCORING.md section 5: missing values are ``null``, never NaN, and floats are not
rounded.  The Structs are frozen (a result is a record of one computation) and reject unknown
fields when decoded (a stored result that does not match the schema is an error).
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

Status = Literal["not_scored", "provisional", "unranked_no_kpi", "ranked"]
Band = Literal["above_99.8", "above_95", "within", "below_95", "below_99.8"]
ReliabilityReason = Literal["no_between_unit_variation", "no_scored_units"]

STATUS_DESCRIPTION = (
    "What the unit shows. `not_scored`: fewer than 10 counted responses; only the official "
    "IKM and grade are shown, no satisfaction score, index or rank. `provisional`: scored "
    "(satisfaction score and, when its targets are reported, an index) but not ranked, "
    "because it has fewer than 30 responses or its reliability is below 0.70. "
    "`unranked_no_kpi`: enough evidence to be ranked, but no index and so no rank, because "
    "the unit's targets/actuals are not reported (less than half of its indicator weight has "
    "an actual, or it has no indicators) while other units' are. `ranked`: has an index and a "
    "rank (`rank`, `rank_interval`, `rank_range` are set)."
)
BAND_DESCRIPTION = (
    "Funnel band of the unit's mean answer against the city target, allowing for its number "
    "of responses and the real differences between units: `within` (the difference is what "
    "chance and ordinary variation produce), `above_95`/`below_95` (outside the 95% band: "
    "unusually good/bad for its size), `above_99.8`/`below_99.8` (outside the 99.8% band: "
    "very unusually so). Null for units that are not scored."
)
RELIABILITY_REASON_DESCRIPTION = (
    "Why `respondents_for_reliability` is null, else null. `no_between_unit_variation`: the "
    "estimated between-unit variance τ² is 0 (the units do not differ measurably, or there "
    "is only one), so reliability is 0 for every unit however many respondents it has. "
    "`no_scored_units`: no unit has 10 or more counted responses."
)


def _doc(description: str) -> msgspec.Meta:
    return msgspec.Meta(description=description)


Num = float | None


class _Result(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    pass


class RankInterval(_Result, kw_only=True):
    """Uncertainty of a rank: where the entity lands when the whole calculation is re-run
    on bootstrap re-draws of every unit's respondents (default 2,000 draws, explicit seed).
    Read it as "between `low` and `high`" (e.g. "between 3rd and 6th"), not as one rank.
    All fields are null for units that are not ranked and agencies without an index."""

    low: Annotated[
        int | None, _doc("2.5% quantile of the rank over the draws (best plausible rank).")
    ]
    median: Annotated[int | None, _doc("Median rank over the draws.")]
    high: Annotated[
        int | None, _doc("97.5% quantile of the rank over the draws (worst plausible rank).")
    ]
    expected: Annotated[Num, _doc("Mean rank over the draws.")]
    p_top3: Annotated[Num, _doc("Share of the draws in which the rank is 1, 2 or 3.")]


class RankRange(_Result, kw_only=True):
    """How the rank moves when the method's choices change (sensitivity analysis): over
    2,000 seeded draws the satisfaction weight is anywhere in 0.3–0.7 and the pillars are
    combined linearly or geometrically; the unit's lowest and highest rank over those draws.
    It measures dependence on the weighting, not sampling luck (that is `rank_interval`)."""

    low: Annotated[int | None, _doc("Best rank over the sensitivity draws.")]
    high: Annotated[int | None, _doc("Worst rank over the sensitivity draws.")]


class ElementScore(_Result, kw_only=True):
    """One SKM element of a unit."""

    nrr: Annotated[
        Num, _doc("NRR: mean answer (1–4) of the counted responses; null when none answered.")
    ]
    ikm: Annotated[Num, _doc("The element on the IKM scale: 25 × NRR.")]
    score: Annotated[
        Num,
        _doc("Element satisfaction score S_ue on 0–100 after shrinkage; null if not scored."),
    ]


class UnitScore(_Result, kw_only=True):
    """One service unit: official IKM, satisfaction, targets, index, status and ranks."""

    unit: Annotated[str, _doc("Unit code.")]
    name: Annotated[str | None, _doc("Unit name, when the input gives one.")] = None
    agency: Annotated[str | None, _doc("Agency (Perangkat Daerah) code.")]
    agency_name: Annotated[str | None, _doc("Agency name, when the input gives one.")] = None
    peer_group: Annotated[str | None, _doc("Peer group used for fair comparison.")]
    n: Annotated[int, _doc("Counted responses (at least 7 of the 9 elements answered).")]
    status: Annotated[Status, _doc(STATUS_DESCRIPTION)]
    ikm: Annotated[Num, _doc("Official IKM (PermenPANRB 14/2017), 25–100; null when n = 0.")]
    grade: Annotated[str | None, _doc("Grade (mutu pelayanan) A, B, C or D of the official IKM.")]
    required_sample: Annotated[
        int | None,
        _doc("Required sample (Krejcie & Morgan) for the unit's volume; null without volume."),
    ]
    responses_needed: Annotated[
        int | None, _doc("max(0, required_sample − n): responses still needed.")
    ]
    elements: Annotated[dict[str, ElementScore], _doc("Per element code.")]
    mean: Annotated[Num, _doc("ȳ_u: mean answer over the elements (1–4).")]
    shrinkage: Annotated[
        Num, _doc("B_u: share of the estimate taken from the group average (0–1).")
    ]
    reliability: Annotated[
        Num, _doc("1 − B_u: share of the estimate from the unit's own respondents (0–1).")
    ]
    shrunk_mean: Annotated[Num, _doc("θ_u: the mean after empirical-Bayes shrinkage (1–4).")]
    shrinkage_target: Annotated[
        str | None,
        _doc("Peer group the unit is shrunk toward, or `city`; null when not scored."),
    ]
    satisfaction: Annotated[Num, _doc("Satisfaction score S_u = (θ_u − 1)/3 × 100 (0–100).")]
    kpi: Annotated[
        Num, _doc("Target pillar K_u (0–100); null when less than half its weight reported.")
    ]
    kpi_coverage: Annotated[
        Num, _doc("Share of the unit's indicator weight that has an actual (0–1).")
    ]
    kpi_scores: Annotated[
        dict[str, Num], _doc("Score (0–100, capped at target) per indicator; null if no actual.")
    ]
    kpi_flags: Annotated[
        list[str], _doc("Indicators whose target is below the unit's previous actual.")
    ]
    index: Annotated[
        Num, _doc("Performance index w_S·S_u + w_K·K_u (0–100); null when a pillar is missing.")
    ]
    rank: Annotated[
        int | None, _doc("Rank by index among ranked units (1 = best); null unless `ranked`.")
    ]
    rank_interval: Annotated[
        RankInterval,
        _doc(
            '95% bootstrap interval of the rank: `low`–`high` (say "between 3rd and 6th", '
            'not "5th"), with the median, expected rank and probability of the top 3. '
            "Reflects sampling luck. All null unless `ranked`."
        ),
    ]
    rank_range: Annotated[
        RankRange | None,
        _doc(
            "Lowest and highest rank over the sensitivity analysis of the weights (0.3–0.7) "
            "and of linear vs geometric aggregation. Reflects the method's choices, not "
            "sampling luck. Null unless `ranked`."
        ),
    ]
    peer_rank: Annotated[
        int | None,
        _doc("Rank by index among the ranked units of the same peer group (1 = best); null "
             "unless `ranked` and the unit has a peer group."),
    ] = None
    peer_ranked: Annotated[
        int | None,
        _doc("How many ranked units its peer group has (the N of \"between 3rd and 6th of N "
             "puskesmas\"); null unless `peer_rank` is set."),
    ] = None
    peer_rank_interval: Annotated[
        RankInterval,
        _doc("95% bootstrap interval of the rank within the peer group, from the same draws "
             "as `rank_interval`. All null unless `peer_rank` is set."),
    ] = msgspec.field(default_factory=lambda: RankInterval(
        low=None, median=None, high=None, expected=None, p_top3=None))
    funnel: Annotated[Band | None, _doc(BAND_DESCRIPTION)]
    contributions: Annotated[
        dict[str, float] | None,
        _doc("Points each element and indicator adds to the index; they sum to the index."),
    ]
    explain: Annotated[
        dict[str, float] | None,
        _doc(
            "Points above (+) or below (−) the city average per element and indicator; they "
            "sum to index − city mean index."
        ),
    ]


class AgencyScore(_Result, kw_only=True):
    """One agency: volume-weighted index of its scored units that have an index."""

    agency: Annotated[str | None, _doc("Agency code.")]
    name: Annotated[str | None, _doc("Agency name, when the input gives one.")] = None
    index: Annotated[Num, _doc("Volume-weighted mean index of its units with an index.")]
    rank: Annotated[int | None, _doc("Rank among agencies with an index (1 = best).")]
    rank_interval: Annotated[
        RankInterval, _doc("95% bootstrap interval of the agency's rank (same draws as units).")
    ]
    n_units: Annotated[int, _doc("Units of the agency in the input.")]


class FunnelFit(_Result, kw_only=True):
    """The city funnel (method 2026.2): limits target ± z·√(v + τ²_f), z = 1.96 and 3.09."""

    target: Annotated[Num, _doc("Σ(ȳ/v)/Σ(1/v) over the scored units (1–4 scale).")]
    phi: Annotated[Num, _doc("Over-dispersion φ = mean of z² (not winsorised); a diagnostic only.")]
    tau2: Annotated[
        Num, _doc("τ²_f: DerSimonian–Laird between-unit variance over all scored units.")
    ]


class Importance(_Result, kw_only=True):
    """Effective importance: squared correlation of the index with each pillar."""

    satisfaction: Annotated[Num, _doc("Over ranked units; null with fewer than 2.")]
    kpi: Annotated[Num, _doc("Over ranked units; null when the KPI weight is 0.")]


class PeerGroup(_Result, kw_only=True):
    """Prior of a peer group that is its own shrinkage target (at least 5 scored units)."""

    mu: Annotated[float, _doc("μ: the group's precision-weighted mean (1–4).")]
    tau2: Annotated[float, _doc("τ²: DerSimonian–Laird between-unit variance of the group.")]
    prior_size: Annotated[
        float,
        _doc("m = σ²_w/τ²_eff: the prior is worth m respondents (huge when τ² = 0)."),
    ]
    respondents_for_reliability: Annotated[
        int | None,
        _doc(
            "Respondents a unit needs for reliability 0.70: ceil(m·0.7/0.3); null with "
            "`respondents_for_reliability_reason` when τ² = 0."
        ),
    ]
    respondents_for_reliability_reason: Annotated[
        ReliabilityReason | None, _doc(RELIABILITY_REASON_DESCRIPTION)
    ] = None
    units: Annotated[int, _doc("Scored units in the group.")]


class City(_Result, kw_only=True):
    """City-wide estimates (the prior over all scored units), funnel and sensitivity."""

    mu: Annotated[Num, _doc("μ over all scored units (1–4).")]
    tau2: Annotated[Num, _doc("τ²: DerSimonian–Laird between-unit variance (all scored).")]
    sigma2_w: Annotated[Num, _doc("σ²_w: pooled within-unit variance of respondent scores.")]
    prior_size: Annotated[
        Num, _doc("m = σ²_w/τ²_eff, in respondents (huge when τ² = 0, see below).")
    ]
    respondents_for_reliability: Annotated[
        int | None,
        _doc(
            "Respondents a unit needs for reliability 0.70: ceil(m·0.7/0.3); null with "
            "`respondents_for_reliability_reason` when it cannot be given."
        ),
    ]
    respondents_for_reliability_reason: Annotated[
        ReliabilityReason | None, _doc(RELIABILITY_REASON_DESCRIPTION)
    ] = None
    funnel: Annotated[FunnelFit, _doc("Funnel fit; all null without scored units.")]
    effective_importance: Annotated[Importance, _doc("Effective importance of each pillar.")]
    mean_abs_rank_shift: Annotated[
        Num, _doc("Mean absolute shift from the published rank over the sensitivity draws.")
    ]
    mean_index: Annotated[Num, _doc("Mean index of the units with an index.")]
    n_units: Annotated[int, _doc("Units in the input.")]
    n_scored: Annotated[int, _doc("Units with at least 10 counted responses.")]
    n_ranked: Annotated[int, _doc("Units with status `ranked`.")]
    peer_groups: Annotated[
        dict[str, PeerGroup], _doc("Peer groups that are their own shrinkage target.")
    ]


class ParametersUsed(_Result, kw_only=True):
    """Every setting used (echoed so that the result can be reproduced)."""

    w_satisfaction: Annotated[float, _doc("Configured satisfaction weight w_S.")]
    seed: Annotated[int, _doc("Seed of every random draw.")]
    draws: Annotated[int, _doc("Bootstrap and sensitivity draws.")]
    ikm_weight: Annotated[str | float, _doc("Element weight of the IKM: exact, 0.111 or 0.11.")]
    ikm_round: Annotated[int | None, _doc("Decimals each weighted NRR is rounded to; null = none.")]
    regime: Annotated[str, _doc("Questionnaire: skm2017 (9 elements) or 2004 (14).")]
    min_scored: Annotated[int, _doc("Responses needed to be scored.")]
    min_ranked: Annotated[int, _doc("Responses needed to be ranked.")]
    reliability_target: Annotated[float, _doc("Reliability needed to be ranked.")]
    peer_min_units: Annotated[int, _doc("Scored units a peer group needs to be a target.")]
    w_kpi: Annotated[
        float, _doc("KPI weight actually used (0 when no scored unit has any indicator).")
    ]


class PeriodInfo(_Result, kw_only=True):
    """The period the inputs cover (set by the server; null for offline scoring)."""

    key: Annotated[str, _doc("Period key, e.g. 2026-S1.")]
    period_from: Annotated[str, _doc("First day (WITA), YYYY-MM-DD.")] = msgspec.field(name="from")
    period_to: Annotated[str, _doc("Last day (WITA), YYYY-MM-DD.")] = msgspec.field(name="to")


class ScoreResult(_Result, kw_only=True):
    """Official IKM and performance index of every unit and agency (method suara-2026.2)."""

    method: Annotated[str, _doc("Method version, e.g. suara-2026.2.")]
    parameters: Annotated[ParametersUsed, _doc("Every setting used.")]
    city: Annotated[City, _doc("City-wide estimates.")]
    units: Annotated[list[UnitScore], _doc("Units in input order.")]
    agencies: Annotated[list[AgencyScore], _doc("Agencies in order of first appearance.")]
    period: Annotated[PeriodInfo | None, _doc("Period of the inputs; null offline.")] = None
