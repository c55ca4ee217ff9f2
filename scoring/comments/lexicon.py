"""A small, transparent lexicon of urgent matters, read beside the urgency model.

A comment is urgent when it reports an illegal fee (pungli), a bribe, a threat or
intimidation, harassment, violence or discrimination. The model learns this from the corpus;
the lexicon makes the unambiguous words count even when the rest of the comment is unlike
anything in the corpus. The rule (see `scoring.comments.model`): a comment is urgent when
the model's probability reaches `URGENT_THRESHOLD`, or when a lexicon term is found. A term
preceded within three words by a negation (`tidak ada pungli`, `tanpa pungutan liar`) does
not count. The lexicon was written with the corpus, so its share of the cross-validated
urgency figures is measured on comments it was written beside: the held-out sentences of
the tests are the check that it generalises.

Terms are matched on the normalised text (`scoring.comments.normalise`), as whole words
from the start of a word (`ancam` matches `ancam`; `diancam`, `mengancam` are listed).
"""

from __future__ import annotations

import re

TERMS: tuple[str, ...] = (
    # illegal fees and bribes
    "pungli", "pungutan liar", "uang rokok", "uang pelicin", "uang bensin",
    "uang koordinasi", "uang keamanan", "uang terima kasih", "minta uang", "meminta uang",
    "dimintai uang", "minta fee", "bawah meja", "suap", "sogok", "disogok", "amplop",
    "dipalak", "palak", "calo", "jalur belakang", "biaya siluman",
    # threats, intimidation, violence
    "ancam", "diancam", "mengancam", "ancaman", "intimidasi", "diintimidasi",
    "mengintimidasi", "pukul", "dipukul", "kekerasan", "dorong",
    # harassment
    "lecehkan", "dilecehkan", "melecehkan", "pelecehan", "mencolek", "dicolek",
    "tidak senonoh", "pegang pegang",
    # discrimination
    "diskriminasi", "rasis", "dibedakan", "dihina", "menghina",
)

NEGATIONS = frozenset({"tidak", "tanpa", "bukan", "belum", "menolak", "anti", "bebas"})

_PATTERN = re.compile(r"\b(" + "|".join(re.escape(t) for t in
                                        sorted(TERMS, key=len, reverse=True)) + r")\b")


def urgent_terms(normalised: str) -> tuple[str, ...]:
    """The lexicon terms found in a normalised comment, not negated, in text order."""
    found = []
    for match in _PATTERN.finditer(normalised):
        before = normalised[:match.start()].split()[-3:]
        if any(word in NEGATIONS for word in before):
            continue
        found.append(match.group(1))
    return tuple(found)
