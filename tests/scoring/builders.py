"""Small builders of engine inputs for the scoring tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
import numpy as np

from scoring.engine import score
from scoring.ikm import ELEMENTS
from scoring.inputs import Kpi, Parameters, UnitData, unit_data_from_responses


def score_json(
    units: Sequence[UnitData], kpis: Sequence[Kpi], params: Parameters | None = None
) -> dict[str, Any]:
    """The engine's result as the JSON object it encodes to (plain dicts and lists)."""
    return msgspec.to_builtins(score(units, kpis, params))


def flat(answer: int, count: int) -> list[dict[str, int | None]]:
    """``count`` respondents answering ``answer`` to every element."""
    return [dict.fromkeys(ELEMENTS, answer) for _ in range(count)]


def unit(
    name: str,
    responses: Sequence[dict[str, int | None]],
    *,
    agency: str | None = None,
    peer_group: str | None = None,
    volume: int | None = None,
) -> UnitData:
    return unit_data_from_responses(name, agency, peer_group, volume, responses)


def flat_unit(name: str, groups: Sequence[tuple[int, int]], **kwargs: object) -> UnitData:
    """A unit whose respondents answer every element alike: ``groups`` = (answer, count)."""
    responses: list[dict[str, int | None]] = []
    for answer, count in groups:
        responses += flat(answer, count)
    return unit(name, responses, **kwargs)  # type: ignore[arg-type]


def random_responses(
    rng: np.random.Generator, n: int, level: float, skip: float = 0.0
) -> list[dict[str, int | None]]:
    """``n`` respondents around ``level`` (1..4), each element skipped with prob ``skip``
    (at most two per respondent, so every response counts)."""
    out: list[dict[str, int | None]] = []
    for _ in range(n):
        mood = level + rng.normal(0, 0.5)
        answers = np.clip(np.round(mood + rng.normal(0, 0.5, len(ELEMENTS))), 1, 4).astype(int)
        row: dict[str, int | None] = {c: int(a) for c, a in zip(ELEMENTS, answers, strict=True)}
        skipped = [c for c in ELEMENTS if rng.random() < skip][:2]
        for c in skipped:
            row[c] = None
        out.append(row)
    return out


def random_units(
    n_units: int,
    seed: int = 0,
    n_range: tuple[int, int] = (0, 120),
    peer_groups: Sequence[str | None] = ("puskesmas", "kelurahan", None),
    skip: float = 0.05,
) -> list[UnitData]:
    rng = np.random.default_rng(seed)
    units = []
    for i in range(n_units):
        n = int(rng.integers(n_range[0], n_range[1] + 1))
        units.append(
            unit(
                f"U{i:03d}",
                random_responses(rng, n, float(rng.uniform(2.5, 3.6)), skip),
                agency=f"A{i % 4}",
                peer_group=peer_groups[i % len(peer_groups)],
                volume=int(rng.integers(50, 3000)),
            )
        )
    return units
