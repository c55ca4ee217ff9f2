"""The IsolationForest that orders flagged counter-hours (it never flags on its own).

It is fitted on the features (`FEATURES`) of every counter-hour with ratings in the scan's
window and its baseline weeks, with a fixed `random_state`, and gives each flagged
counter-hour an `anomaly_score`: the isolation score of Liu, Ting and Zhou (2008), between 0
and 1, higher = more anomalous (about 0.5 for ordinary hours); sklearn's `score_samples`
negated."""

from __future__ import annotations

import numpy as np
import sklearn
from sklearn.ensemble import IsolationForest

from scoring.integrity.features import FEATURES
from scoring.integrity.rules import Params

MODEL = "isolation-forest-1"


def model_version(params: Params) -> str:
    """What a stored anomaly score was computed with."""
    return (f"{MODEL} sklearn-{sklearn.__version__} trees={params.trees} max_samples=256 "
            f"random_state={params.seed} features={len(FEATURES)}")


def anomaly_scores(training: np.ndarray, scored: np.ndarray, params: Params) -> np.ndarray:
    """Scores (0-1, higher = more anomalous) of the `scored` rows under a forest fitted on
    `training` (rows: counter-hours, columns: FEATURES)."""
    if not len(scored):
        return np.zeros(0)
    if len(training) > params.max_training_hours:
        rng = np.random.default_rng(params.seed)
        keep = rng.choice(len(training), size=params.max_training_hours, replace=False)
        training = training[np.sort(keep)]
    if len(training) < 2:
        training = np.vstack([training, scored]) if len(training) else scored
    forest = IsolationForest(n_estimators=params.trees, max_samples=min(256, len(training)),
                             random_state=params.seed)
    forest.fit(training)
    return -forest.score_samples(scored)
