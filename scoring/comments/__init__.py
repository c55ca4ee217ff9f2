"""Comment models: element, sentiment and urgency of citizens' comments (pure: no database,
no web; explicit seeds). The shipped model is trained from the corpus in `data/` at first
use, with `DEFAULT_SEED`, and kept in memory for the process (`corpus_model`)."""

from __future__ import annotations

from functools import cache

from scoring.comments.corpus import (
    CORPUS_PATH,
    ELEMENT_LABELS,
    OTHER,
    SENTIMENTS,
    Example,
    load_corpus,
)
from scoring.comments.model import DEFAULT_SEED, CommentModel, Label, train

__all__ = [
    "CORPUS_PATH",
    "DEFAULT_SEED",
    "ELEMENT_LABELS",
    "OTHER",
    "SENTIMENTS",
    "CommentModel",
    "Example",
    "Label",
    "corpus_model",
    "load_corpus",
    "train",
]


@cache
def corpus_model(seed: int = DEFAULT_SEED) -> CommentModel:
    """The model trained on the shipped corpus with `seed` (once per process)."""
    return train(load_corpus(), seed)
