"""The comment classifier in use: the shipped corpus plus the staff corrections folded in
by the newest retrain (`suara comments retrain`).

`current_model()` returns the model the server and `suara comments classify` use: trained
on the corpus (`scoring.comments`) and the corrected comments with correction ids up to the
newest `comment_model` row's `corrections_through`, with that row's seed; the corpus model
when there has been no retrain. The fitted model is kept in memory per process, keyed by
its version (a hash of the training examples, the seed and the scikit-learn version), so
every worker that trains it gets the same model.

`retrain(actor)` folds in every correction stored so far: a correction of a comment that is
also a corpus row replaces that row's labels, any other corrected comment is added. It
reports the stratified cross-validated figures on the combined examples and the new model
version, stores them (`comment_model`) and audits the retrain.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from feedback.accounts.audit import Actor, record
from feedback.comments.labels import corrected_comments
from feedback.comments.tables import CommentLabel, CommentRetrain
from scoring.comments import DEFAULT_SEED, CommentModel, Example, load_corpus, train
from scoring.comments.evaluate import TaskScores, cross_validate
from scoring.comments.model import version

AUDIT_ACTION = "comment.retrain"
AUDIT_OBJECT = "comment_model"

_MODELS: dict[str, CommentModel] = {}


@dataclass(frozen=True)
class TrainingSet:
    examples: list[Example]
    corrections: int  # corrected comments folded in
    replaced: int  # of which corpus rows whose labels were replaced
    through: int  # highest correction id considered (0: none)


@dataclass(frozen=True)
class RetrainReport:
    model_version: str
    previous_version: str
    seed: int
    examples: int
    corrections: int
    replaced: int
    scores: dict[str, TaskScores]


async def training_set(through: int | None = None) -> TrainingSet:
    """The corpus with the corrections (ids ≤ `through`; None: all stored) folded in."""
    if through is None:
        newest = await CommentLabel.select(CommentLabel.id).order_by(
            CommentLabel.id, ascending=False).first()
        through = 0 if newest is None else newest["id"]
    examples = load_corpus()
    position = {e.text.strip().lower(): i for i, e in enumerate(examples)}
    corrected = await corrected_comments(through) if through else []
    replaced = 0
    for c in corrected:
        example = Example(c.text.strip(), c.element, c.sentiment, c.urgent)
        i = position.get(example.text.lower())
        if i is None:
            position[example.text.lower()] = len(examples)
            examples.append(example)
        else:
            replaced += examples[i] != example
            examples[i] = example
    return TrainingSet(examples, len(corrected), replaced, through)


async def _in_use() -> dict[str, Any] | None:
    return await CommentRetrain.select().order_by(CommentRetrain.id, ascending=False).first()


async def current_model() -> CommentModel:
    """The model in use (see the module doc), trained once per process and version."""
    row = await _in_use()
    seed = DEFAULT_SEED if row is None else row["seed"]
    training = await training_set(0 if row is None else row["corrections_through"])
    key = version(training.examples, seed)
    model = _MODELS.get(key)
    if model is None:
        model = await asyncio.to_thread(train, training.examples, seed)
        _MODELS[key] = model
    return model


async def retrain(actor: Actor, seed: int = DEFAULT_SEED, folds: int = 5,
                  at: datetime | None = None) -> RetrainReport:
    """Fold every stored correction in, cross-validate, train, record and audit."""
    previous = (await current_model()).model_version
    training = await training_set()
    scores = await asyncio.to_thread(cross_validate, training.examples, seed, folds)
    model = await asyncio.to_thread(train, training.examples, seed)
    _MODELS[model.model_version] = model
    now = at or datetime.now(UTC)
    figures = {task: {"accuracy": round(s.accuracy, 4), "macro_f1": round(s.macro_f1, 4)}
               for task, s in scores.items()}
    await CommentRetrain.insert(CommentRetrain(
        model_version=model.model_version, seed=seed, corrections_through=training.through,
        corrections=training.corrections, examples=len(training.examples), scores=figures,
        trained_by=actor.email[:254], trained_at=now))
    await record(actor, AUDIT_ACTION, AUDIT_OBJECT, model.model_version,
                 old={"model_version": previous},
                 new={"model_version": model.model_version, "seed": seed,
                      "corrections": training.corrections,
                      "corrections_through": training.through,
                      "examples": len(training.examples), "folds": folds, "scores": figures},
                 at=now)
    return RetrainReport(model_version=model.model_version, previous_version=previous,
                         seed=seed, examples=len(training.examples),
                         corrections=training.corrections, replaced=training.replaced,
                         scores=scores)
