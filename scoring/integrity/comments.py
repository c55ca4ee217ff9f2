"""Near-duplicate comments: character-shingle Jaccard similarity.

A comment is normalised (lower case, letters and digits only, single spaces), cut into
overlapping character shingles of `k` characters, and two comments are near duplicates when
the Jaccard similarity of their shingle sets is at least `threshold`. Groups are the
connected components of that relation (a copy of a copy is in the same group)."""

from __future__ import annotations

import re
from collections.abc import Sequence

_NOT_WORD = re.compile(r"[^0-9a-z]+")


def normalise_comment(text: str) -> str:
    return _NOT_WORD.sub(" ", text.lower()).strip()


def shingles(text: str, k: int = 3) -> frozenset[str]:
    if len(text) <= k:
        return frozenset((text,)) if text else frozenset()
    return frozenset(text[i:i + k] for i in range(len(text) - k + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def near_duplicate_groups(comments: Sequence[str | None], *, threshold: float = 0.8,
                          k: int = 3, min_chars: int = 12) -> list[list[int]]:
    """Groups (positions into `comments`, at least two each, largest first) of comments that
    are near duplicates of one another. Comments shorter than `min_chars` once normalised
    ("ok", "mantap") are left out: short praise is naturally repeated."""
    items = [(i, shingles(t, k)) for i, c in enumerate(comments)
             if c is not None and len(t := normalise_comment(c)) >= min_chars]
    parent = list(range(len(items)))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a in range(len(items)):
        for b in range(a + 1, len(items)):
            if jaccard(items[a][1], items[b][1]) >= threshold:
                parent[root(a)] = root(b)
    groups: dict[int, list[int]] = {}
    for a, (position, _) in enumerate(items):
        groups.setdefault(root(a), []).append(position)
    out = [g for g in groups.values() if len(g) >= 2]
    out.sort(key=lambda g: (-len(g), g[0]))
    return out
