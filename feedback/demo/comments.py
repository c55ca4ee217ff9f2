"""The demo's comments: `draw_comments(answers, groups, rng)` gives a comment text and its
kind (element, sentiment, urgent) for each response chosen to carry a comment (pure: the
same arguments and generator state give the same comments).

The texts are sampled from the labelled corpus (`scoring.comments`: informal Indonesian and
Kupang Malay), so every comment's labels are known by construction. The sentiment follows
the respondent's own answers (a high mean: positive; a low one: negative; in between:
neutral, with some mixing), the element the answers (a negative comment is usually about the
element rated lowest, a positive one about one rated highest), a few negative comments are
urgent (illegal fees, bribes, threats, harassment), some are about the unit's own kind of
place (a puskesmas' pharmacy, a market's stalls), and a few hold personal data (a phone
number, an e-mail address, a NIK, a vehicle plate) that the staff views mask.

When there are at least `COVERAGE_MIN` comments, every element (and `lainnya`) appears with
every sentiment, at least `URGENT_MIN` comments are urgent and every personal-data template
is used: a missing kind takes the place of a comment of the same sentiment.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np

from scoring.comments import load_corpus
from scoring.comments.corpus import ELEMENT_LABELS, OTHER, SENTIMENTS
from scoring.ikm import ELEMENTS

Kind = tuple[str, str, bool]  # (element, sentiment, urgent)

COVERAGE_MIN = 60
URGENT_MIN = 3
_URGENT_P = 0.05  # of negative comments
_PERSONAL_P = 0.02  # of all comments
_GROUP_P = 0.3  # of negative comments at a unit with its own complaints
_OTHER_NEGATIVE_P = 0.12
_OTHER_POSITIVE_P = 0.15

# Complaints about a kind of place, with their labels.
_GROUP_NEGATIVE: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "puskesmas": (("Obat yang diresepkan kosong di apotek", "produk", False),
                  ("Dokter datang terlambat, pasien su tunggu dari pagi", "waktu", False)),
    "kelurahan": (("Pak Lurah sering tidak di tempat untuk tanda tangan", "waktu", False),),
    "pasar": (("Pasar becek dan sampah menumpuk", "sarana", False),
              ("Retribusi ditarik tanpa karcis, uangnya masuk ke mana?", "biaya", True)),
}

# Comments with personal data (masked on every staff view and export): template, labels.
PERSONAL_TEMPLATES: tuple[tuple[str, str, str], ...] = (
    ("Tolong kabari kalau dokumen sudah jadi, WA saya {phone}", "produk", "netral"),
    ("Sudah kirim pengaduan ke {email} tapi belum dibalas sampai sekarang", "pengaduan",
     "negatif"),
    ("Motor saya {plate} diserempet di parkiran, sonde ada petugas parkir", "sarana",
     "negatif"),
    ("NIK saya {nik} salah tercetak di KK, mohon segera diperbaiki", "produk", "negatif"),
)
_NAMES = ("maria.bere", "yanto.ndun", "ani_lake", "frans.tefa", "dewi.manu", "obed99")
_DOMAINS = ("gmail.com", "yahoo.co.id", "gmail.com")
_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


@cache
def _corpus() -> dict[Kind, tuple[str, ...]]:
    """Corpus texts by kind (file order)."""
    texts: dict[Kind, list[str]] = {}
    for example in load_corpus():
        kind = (example.element, example.sentiment, example.urgent)
        texts.setdefault(kind, []).append(example.text)
    return {k: tuple(v) for k, v in texts.items()}


def _urgent_kinds() -> list[Kind]:
    return sorted(k for k in _corpus() if k[2])


def _pick(options: Sequence, rng: np.random.Generator):
    return options[int(rng.integers(len(options)))]


def _sentiment(row: np.ndarray, rng: np.random.Generator) -> str:
    score = row[row > 0].mean()
    if score >= 3.4 or (score >= 3.1 and rng.random() < 0.5):
        return "positif"
    if score < 2.8 or rng.random() < 0.4:
        return "negatif"
    return "netral"


def _element(row: np.ndarray, sentiment: str, rng: np.random.Generator) -> str:
    if sentiment == "netral":
        return _pick(ELEMENT_LABELS, rng)
    if rng.random() < (_OTHER_NEGATIVE_P if sentiment == "negatif" else _OTHER_POSITIVE_P):
        return OTHER
    if sentiment == "negatif":
        masked = np.where(row > 0, row, 9)
        candidates = np.flatnonzero(masked == masked.min())
    else:
        candidates = np.flatnonzero(row == row.max())
    return ELEMENTS[int(rng.choice(candidates))]


def _corpus_text(kind: Kind, rng: np.random.Generator) -> str:
    return _pick(_corpus()[kind], rng)


def personal_text(template: int, rng: np.random.Generator) -> str:
    """A personal-data comment from PERSONAL_TEMPLATES[template], with made-up data."""
    digits = lambda k: "".join(str(d) for d in rng.integers(0, 10, size=k))  # noqa: E731
    phone = f"08{rng.integers(11, 99)}-{digits(4)}-{digits(4)}"
    email = f"{_pick(_NAMES, rng)}@{_pick(_DOMAINS, rng)}"
    plate = (f"DH {rng.integers(1, 9999)} "
             + "".join(_pick(_LETTERS, rng) for _ in range(int(rng.integers(1, 3)))))
    nik = f"5371{digits(12)}"
    return PERSONAL_TEMPLATES[template][0].format(phone=phone, email=email, plate=plate,
                                                  nik=nik)


def _one(row: np.ndarray, group: str, rng: np.random.Generator) -> tuple[str, Kind]:
    if rng.random() < _PERSONAL_P:
        t = int(rng.integers(len(PERSONAL_TEMPLATES)))
        _, element, sentiment = PERSONAL_TEMPLATES[t]
        return personal_text(t, rng), (element, sentiment, False)
    sentiment = _sentiment(row, rng)
    if sentiment == "negatif":
        if rng.random() < _URGENT_P:
            kind = _pick(_urgent_kinds(), rng)
            return _corpus_text(kind, rng), kind
        extra = _GROUP_NEGATIVE.get(group, ())
        if extra and rng.random() < _GROUP_P:
            text, element, urgent = _pick(extra, rng)
            return text, (element, "negatif", urgent)
    kind = (_element(row, sentiment, rng), sentiment, False)
    return _corpus_text(kind, rng), kind


def draw_comments(answers: np.ndarray, groups: Sequence[str],
                  rng: np.random.Generator) -> tuple[list[str], list[Kind]]:
    """A comment and its kind for each row of `answers` (n x 9, 0 = not answered) at a unit
    of peer group `groups[i]`; every kind is covered when there are COVERAGE_MIN rows."""
    texts: list[str] = []
    kinds: list[Kind] = []
    for row, group in zip(answers, groups, strict=True):
        text, kind = _one(row, group, rng)
        texts.append(text)
        kinds.append(kind)
    if len(texts) >= COVERAGE_MIN:
        _cover(texts, kinds, rng)
    return texts, kinds


def _personal(text: str) -> bool:
    return any(text.startswith(t.split("{")[0]) for t, _, _ in PERSONAL_TEMPLATES)


def _cover(texts: list[str], kinds: list[Kind], rng: np.random.Generator) -> None:
    """Replace some comments (of the same sentiment where possible) so that every kind is
    present; a comment placed here, an urgent or personal-data one, or the only one of its
    element and sentiment is never replaced."""
    placed: set[int] = set()

    def replaceable(i: int) -> bool:
        element, sentiment, urgent = kinds[i]
        return (i not in placed and not urgent and not _personal(texts[i])
                and sum(1 for k in kinds if k[:2] == (element, sentiment)) > 1)

    def slot(sentiment: str) -> int:
        free = [i for i in range(len(kinds)) if replaceable(i)]
        same = [i for i in free if kinds[i][1] == sentiment]
        i = int(_pick(same or free, rng))
        placed.add(i)
        return i

    for t, (template, element, sentiment) in enumerate(PERSONAL_TEMPLATES):
        prefix = template.split("{")[0]
        if not any(text.startswith(prefix) for text in texts):
            i = slot(sentiment)
            texts[i], kinds[i] = personal_text(t, rng), (element, sentiment, False)
    for _ in range(max(0, URGENT_MIN - sum(k[2] for k in kinds))):
        kind = _pick(_urgent_kinds(), rng)
        i = slot("negatif")
        texts[i], kinds[i] = _corpus_text(kind, rng), kind
    for element in ELEMENT_LABELS:
        for sentiment in SENTIMENTS:
            if not any(k[:2] == (element, sentiment) for k in kinds):
                i = slot(sentiment)
                kind = (element, sentiment, False)
                texts[i], kinds[i] = _corpus_text(kind, rng), kind
