"""The labelled corpus of citizens' comments (`data/komentar.csv`, see `data/README.md`).

Columns `comment, element, sentiment, urgent`: `element` is one of the nine SKM codes
(`scoring.ikm.ELEMENTS`) or `lainnya`, `sentiment` one of `negatif, netral, positif`,
`urgent` 0 or 1.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from scoring.ikm import ELEMENTS

OTHER = "lainnya"
ELEMENT_LABELS: tuple[str, ...] = (*ELEMENTS, OTHER)
SENTIMENTS: tuple[str, ...] = ("negatif", "netral", "positif")
CORPUS_PATH = Path(__file__).with_name("data") / "komentar.csv"


@dataclass(frozen=True)
class Example:
    """One labelled comment."""

    text: str
    element: str
    sentiment: str
    urgent: bool

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise ValueError("an example needs a comment")
        if self.element not in ELEMENT_LABELS:
            raise ValueError(f"unknown element {self.element!r}")
        if self.sentiment not in SENTIMENTS:
            raise ValueError(f"unknown sentiment {self.sentiment!r}")


def load_corpus(path: str | Path = CORPUS_PATH) -> list[Example]:
    """The corpus rows in file order. Raises ValueError naming the row of a bad label."""
    rows: list[Example] = []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != ["comment", "element", "sentiment", "urgent"]:
            raise ValueError(f"{path}: header must be comment,element,sentiment,urgent")
        for number, row in enumerate(reader, start=2):
            if row["urgent"] not in ("0", "1"):
                raise ValueError(f"{path}:{number}: urgent must be 0 or 1")
            try:
                rows.append(Example(row["comment"].strip(), row["element"], row["sentiment"],
                                    row["urgent"] == "1"))
            except ValueError as exc:
                raise ValueError(f"{path}:{number}: {exc}") from None
    return rows


def digest(examples: Iterable[Example]) -> str:
    """sha256 of the examples (text and labels, in order): what a model was trained on."""
    h = hashlib.sha256()
    for e in examples:
        line = json.dumps([e.text, e.element, e.sentiment, int(e.urgent)], ensure_ascii=False)
        h.update(line.encode("utf-8") + b"\n")
    return h.hexdigest()
