"""Deterministic random streams keyed by the seed and a name.

Every unit draws from its own stream, derived from ``(seed, purpose, unit name)`` through
``numpy.random.SeedSequence``.  Results therefore do not depend on the order of the units,
and adding a unit leaves the draws of every other unit unchanged.
"""

from __future__ import annotations

import hashlib

import numpy as np


def _name_key(name: str) -> list[int]:
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=16).digest()
    return [int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4)]


def stream(seed: int, purpose: str, name: str = "") -> np.random.Generator:
    """A generator for ``purpose`` (e.g. "bootstrap", "sensitivity") and entity ``name``."""
    entropy = [int(seed), *_name_key(purpose), *_name_key(name)]
    return np.random.default_rng(np.random.SeedSequence(entropy))
