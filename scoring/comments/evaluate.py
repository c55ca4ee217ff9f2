"""Stratified k-fold cross-validation of the comment classifier, per task.

Each task (element, sentiment, urgent) is split on its own labels (StratifiedKFold, shuffled
with the seed); every fold trains the task's pipeline on the other folds and predicts the
held-out one, so every figure is measured on comments the model did not see. Urgency is
scored with the shipped rule (model probability and lexicon, `urgent_decision`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score
from sklearn.model_selection import StratifiedKFold

from scoring.comments.corpus import Example
from scoring.comments.lexicon import urgent_terms
from scoring.comments.model import DEFAULT_SEED, fit_task, targets, urgent_decision
from scoring.comments.normalise import normalise

TASKS = ("element", "sentiment", "urgent")


@dataclass(frozen=True)
class TaskScores:
    task: str
    n: int
    folds: int
    accuracy: float
    macro_f1: float
    fold_macro_f1: tuple[float, ...]
    precision: float | None = None  # urgent only: of the comments marked urgent
    recall: float | None = None  # urgent only: of the urgent comments


def cross_validate(examples: Sequence[Example], seed: int = DEFAULT_SEED, folds: int = 5,
                   tasks: Sequence[str] = TASKS) -> dict[str, TaskScores]:
    texts = np.array([normalise(e.text) for e in examples], dtype=object)
    out: dict[str, TaskScores] = {}
    for task in tasks:
        y = np.array(targets(examples, task), dtype=object if task != "urgent" else int)
        predicted = np.empty(len(y), dtype=y.dtype)
        fold_f1 = []
        split = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
        for train_idx, test_idx in split.split(texts, y):
            model = fit_task(task, list(texts[train_idx]), list(y[train_idx]), seed)
            if task == "urgent":
                col = list(model.classes_).index(1)
                p = model.predict_proba(list(texts[test_idx]))[:, col]
                pred = [int(urgent_decision(float(pi), urgent_terms(texts[j])))
                        for pi, j in zip(p, test_idx, strict=True)]
            else:
                pred = list(model.predict(list(texts[test_idx])))
            predicted[test_idx] = pred
            fold_f1.append(float(f1_score(list(y[test_idx]), pred, average="macro")))
        truth, guess = list(y), list(predicted)
        extra = {}
        if task == "urgent":
            extra = {"precision": float(precision_score(truth, guess, zero_division=0)),
                     "recall": float(recall_score(truth, guess, zero_division=0))}
        out[task] = TaskScores(task=task, n=len(y), folds=folds,
                               accuracy=float(accuracy_score(truth, guess)),
                               macro_f1=float(f1_score(truth, guess, average="macro")),
                               fold_macro_f1=tuple(fold_f1), **extra)
    return out
