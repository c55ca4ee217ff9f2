"""The comment classifier: main SKM element, sentiment and urgency of a citizen's comment.

One scikit-learn pipeline per task, all alike: the normalised text
(`scoring.comments.normalise`) → a union of TF-IDF word uni/bigrams and TF-IDF character
2–5-grams within word boundaries (`char_wb`, sublinear tf) → a logistic regression
calibrated linear support vector classifier (`LinearSVC`, balanced class weights, fixed
`random_state`, calibrated by `CalibratedClassifierCV`: sigmoid, 3 folds), so that every
label comes with a probability; `confidence` is the probability of the chosen label.

Urgency combines the urgent-vs-not model with the lexicon of `scoring.comments.lexicon`:
urgent when P(urgent) ≥ `URGENT_THRESHOLD` (0.4: an alert is reviewed by a person, so a
missed report of pungli costs more than a false alarm), or when a non-negated lexicon term
is present. The terms found are returned with the label.

`train(examples, seed)` fits the three pipelines; the same examples and seed give the same
model (and the same predictions). `model_version` names what a model is: a hash of the
training examples, the scikit-learn version, the seed and `SPEC` (this module's method).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from scoring.comments.corpus import Example, digest
from scoring.comments.lexicon import urgent_terms
from scoring.comments.normalise import normalise

SPEC = "comments-tfidf-wc25-svc-sigmoid-1"  # change when the method changes
DEFAULT_SEED = 20261130
URGENT_THRESHOLD = 0.4
C = {"element": 0.5, "sentiment": 0.5, "urgent": 0.5}


@dataclass(frozen=True)
class Label:
    """The labels of one comment."""

    element: str  # one of the nine SKM codes or "lainnya"
    sentiment: str  # negatif | netral | positif
    urgent: bool
    element_confidence: float  # probability of `element`, 0–1
    sentiment_confidence: float
    urgent_probability: float  # the model's P(urgent), before the lexicon
    urgent_terms: tuple[str, ...] = ()  # lexicon terms found (not negated)


def pipeline(task: str, seed: int) -> Pipeline:
    """An unfitted pipeline for one task (its input is already normalised text)."""
    features = FeatureUnion([
        ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), min_df=1,
                                  sublinear_tf=True, token_pattern=r"(?u)\b\w+\b")),
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2,
                                  sublinear_tf=True)),
    ])
    classifier = CalibratedClassifierCV(
        LinearSVC(C=C[task], class_weight="balanced", random_state=seed),
        cv=3, method="sigmoid")
    return Pipeline([("features", features), ("classifier", classifier)])


def version(examples: Sequence[Example], seed: int) -> str:
    h = hashlib.sha256(f"{SPEC}|{sklearn.__version__}|{seed}|{digest(examples)}".encode())
    return h.hexdigest()[:16]


def urgent_decision(probability: float, terms: Sequence[str]) -> bool:
    """The shipped urgency rule: the model's probability, or a lexicon term."""
    return probability >= URGENT_THRESHOLD or bool(terms)


class CommentModel:
    """The three fitted pipelines. Use `train` to make one."""

    def __init__(self, element: Pipeline, sentiment: Pipeline, urgent: Pipeline, *,
                 seed: int, model_version: str, n_examples: int) -> None:
        self._element = element
        self._sentiment = sentiment
        self._urgent = urgent
        self.seed = seed
        self.model_version = model_version
        self.n_examples = n_examples

    def classify(self, texts: Sequence[str]) -> list[Label | None]:
        """A Label per text, in order; None for an empty (or whitespace) text."""
        index = [i for i, t in enumerate(texts) if t and t.strip()]
        labels: list[Label | None] = [None] * len(texts)
        if not index:
            return labels
        norm = [normalise(texts[i]) for i in index]
        elements = _best(self._element, norm)
        sentiments = _best(self._sentiment, norm)
        urgent_col = list(self._urgent.classes_).index(1)
        p_urgent = self._urgent.predict_proba(norm)[:, urgent_col]
        for k, i in enumerate(index):
            terms = urgent_terms(norm[k])
            p = float(p_urgent[k])
            labels[i] = Label(
                element=elements[k][0], element_confidence=elements[k][1],
                sentiment=sentiments[k][0], sentiment_confidence=sentiments[k][1],
                urgent=urgent_decision(p, terms), urgent_probability=p, urgent_terms=terms,
            )
        return labels


def _best(model: Pipeline, texts: list[str]) -> list[tuple[str, float]]:
    proba = model.predict_proba(texts)
    classes = model.classes_
    best = proba.argmax(axis=1)
    return [(str(classes[j]), float(proba[row, j])) for row, j in enumerate(best)]


def fit_task(task: str, texts: list[str], targets: list[Any], seed: int) -> Pipeline:
    return pipeline(task, seed).fit(texts, targets)


def targets(examples: Sequence[Example], task: str) -> list[Any]:
    if task == "urgent":
        return [int(e.urgent) for e in examples]
    return [getattr(e, task) for e in examples]


def train(examples: Sequence[Example], seed: int = DEFAULT_SEED) -> CommentModel:
    """Fit the three pipelines on the examples (deterministic for a given seed)."""
    if not examples:
        raise ValueError("no examples to train on")
    texts = [normalise(e.text) for e in examples]
    fitted = {task: fit_task(task, texts, targets(examples, task), seed)
              for task in ("element", "sentiment", "urgent")}
    if list(fitted["urgent"].classes_) != [0, 1]:
        raise ValueError("the examples need urgent and non-urgent comments")
    return CommentModel(fitted["element"], fitted["sentiment"], fitted["urgent"], seed=seed,
                        model_version=version(examples, seed), n_examples=len(examples))
