"""The rules that raise alerts, as pure functions (no database).

**Sharp drop at a counter.** The window is a counter's last `WINDOW` (20) counted, not
excluded ratings; a rating's score is the respondent's mean answer (1–4, as in the IKM).
The baseline is every counted, not excluded rating of the same counter in the
`BASELINE_DAYS` (90) days before the window's first rating (at least `MIN_BASELINE` (60)
of them). The window's mean m is compared with the baseline's mean μ and standard deviation
σ (over its n ratings) by a one-sided z test that allows for the baseline mean being an
estimate too: z = (m − μ) / (σ · √(1/20 + 1/n)). A drop is raised when z ≤ `Z_LIMIT`
(−3.09, a one-sided p ≤ 0.001 under the baseline) AND μ − m ≥ `MIN_DROP` (0.25 points on
the 1–4 scale, 6.25 IKM points: a drop that matters, not just one that is certain).
The page shows 25 × m and 25 × μ: where every rating answers all nine elements this is the
IKM of those ratings (tested against `scoring.ikm.official_ikm`); a rating with 7 or 8
answers weighs its answers a little more than the IKM does.
Respondent scores are skewed (a long low tail), so the test's real false-alarm rate is
measured by simulation (tests/test_alerts.py; the README has the figures). The
window's newest rating must be at most `RECENT_DAYS` (7) days old. A counter gets at most
one drop alert per window of 20 ratings: a window that shares a rating with the window of
the counter's previous drop alert raises nothing.

**Urgent comment.** A comment the classifier in use marks urgent (model probability or
lexicon, `scoring.comments.model`), or that a staff correction marks urgent; the newest
correction wins. It is about illegal fees (*pungli*, also shown to the city role, the
Inspektorat) when a term of `FEE_TERMS` is found in it, or its element is `biaya`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scoring.comments.lexicon import urgent_terms
from scoring.comments.normalise import normalise

WINDOW = 20
BASELINE_DAYS = 90
MIN_BASELINE = 60
Z_LIMIT = -3.09
MIN_DROP = 0.25
RECENT_DAYS = 7

# The illegal-fee and bribe terms of the urgency lexicon (scoring.comments.lexicon.TERMS).
FEE_TERMS = frozenset({
    "pungli", "pungutan liar", "uang rokok", "uang pelicin", "uang bensin",
    "uang koordinasi", "uang keamanan", "uang terima kasih", "minta uang", "meminta uang",
    "dimintai uang", "minta fee", "bawah meja", "suap", "sogok", "disogok", "amplop",
    "dipalak", "palak", "calo", "jalur belakang", "biaya siluman",
})


@dataclass(frozen=True)
class Drop:
    window_mean: float
    baseline_mean: float
    baseline_sd: float
    baseline_n: int
    z: float

    def as_json(self) -> dict[str, float | int]:
        return {"window": WINDOW, "window_mean": round(self.window_mean, 4),
                "baseline_mean": round(self.baseline_mean, 4),
                "baseline_sd": round(self.baseline_sd, 4), "baseline_n": self.baseline_n,
                "z": round(self.z, 3), "ikm_window": round(self.window_mean * 25, 2),
                "ikm_baseline": round(self.baseline_mean * 25, 2)}


def respondent_score(answers: dict[str, int]) -> float | None:
    """The mean of a respondent's answers (1–4), None without answers."""
    values = [v for v in answers.values() if isinstance(v, int | float) and 1 <= v <= 4]
    return sum(values) / len(values) if values else None


def drop_test(window: Sequence[float], baseline: Sequence[float]) -> Drop | None:
    """The drop of `window` (the last WINDOW scores) against `baseline`, or None when it
    is not a sharp drop (see the module doc) or there is too little to judge."""
    if len(window) != WINDOW or len(baseline) < MIN_BASELINE:
        return None
    mu = sum(baseline) / len(baseline)
    var = sum((x - mu) ** 2 for x in baseline) / (len(baseline) - 1)
    sd = math.sqrt(var)
    m = sum(window) / WINDOW
    if mu - m < MIN_DROP:
        return None
    # A baseline without spread: any drop of MIN_DROP is sharp.
    z = -math.inf if sd == 0 else (m - mu) / (sd * math.sqrt(1 / WINDOW + 1 / len(baseline)))
    if z > Z_LIMIT:
        return None
    return Drop(window_mean=m, baseline_mean=mu, baseline_sd=sd, baseline_n=len(baseline),
                z=max(z, -99.0))


def fee_terms(text: str) -> tuple[str, ...]:
    """The illegal-fee terms found in a comment (not negated), in text order."""
    return tuple(t for t in urgent_terms(normalise(text)) if t in FEE_TERMS)


def city_sees(kind: str, pungli: bool) -> bool:
    """The city role (Inspektorat) gets every drop and flag and the pungli comments; other
    urgent comments stay with the agency (feedback.alerts.reads). Case alerts are addressed
    by their `agency_id` alone (the city's: `CITY_HOOK`, see `feedback.cases.notify`)."""
    return kind not in ("urgent", "case") or pungli


def is_pungli(text: str, element: str) -> bool:
    return element == "biaya" or bool(fee_terms(text))
