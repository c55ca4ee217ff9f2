"""Light normalisation of Indonesian comments before the features are computed.

What it does, in order: lower case; `&` → `dan`; a word ending in `2` is doubled
(`org2` → `org org`, the informal reduplication); a letter written three or more times in a
row becomes one (`lamaaa` → `lama`); then common informal and Kupang Malay spellings are
mapped word by word to standard Indonesian (`gak`, `ga`, `tdk`, `sonde` → `tidak`; `yg` →
`yang`; `bgt` → `banget`; `udh`, `su` → `sudah`; `sy`, `beta` → `saya`; `pung` → `punya`;
`deng` → `dengan`; `bosong` → `kalian`; `katong` → `kami`; `doi` → `uang`...).

The character n-grams of the model absorb typos and spellings the map does not know; the map
makes the frequent ones share their words with the formal ones, so the word features of a
short informal comment are not all unseen.
"""

from __future__ import annotations

import re

# informal / Kupang Malay spelling → standard Indonesian (one word each side)
SPELLINGS: dict[str, str] = {
    # negation
    "gak": "tidak", "ga": "tidak", "gk": "tidak", "nggak": "tidak", "ngga": "tidak",
    "enggak": "tidak", "engga": "tidak", "tdk": "tidak", "tak": "tidak", "sonde": "tidak",
    "son": "tidak", "sondek": "tidak", "trada": "tidak", "tra": "tidak", "kaga": "tidak",
    "blm": "belum", "blum": "belum",
    # pronouns
    "sy": "saya", "sya": "saya", "beta": "saya", "aku": "saya", "gue": "saya", "gw": "saya",
    "lu": "kamu", "lo": "kamu", "bosong": "kalian", "katong": "kami", "kt": "kita",
    "pung": "punya", "pu": "punya",
    # function words
    "yg": "yang", "dgn": "dengan", "dg": "dengan", "deng": "dengan", "utk": "untuk",
    "untk": "untuk", "krn": "karena", "karna": "karena", "krna": "karena", "tp": "tapi",
    "tpi": "tapi", "ma": "tapi", "dr": "dari", "dri": "dari", "dlm": "dalam", "jg": "juga",
    "ju": "juga", "lg": "lagi", "lai": "lagi", "sdh": "sudah", "udh": "sudah",
    "udah": "sudah", "dah": "sudah", "su": "sudah", "sm": "sama", "sama2": "sama",
    "hrs": "harus", "musti": "harus", "msh": "masih", "bs": "bisa", "bsa": "bisa",
    "kalo": "kalau", "klo": "kalau", "kl": "kalau", "ato": "atau", "aja": "saja",
    "sa": "saja", "jd": "jadi", "jdi": "jadi", "sj": "saja", "trs": "terus",
    "trus": "terus", "skrg": "sekarang", "skarang": "sekarang", "skali": "sekali",
    "talalu": "terlalu", "tlalu": "terlalu", "bgt": "banget", "bngt": "banget",
    "bener": "benar", "batul": "betul", "gmn": "bagaimana", "gimana": "bagaimana",
    "bagemana": "bagaimana", "kermana": "bagaimana", "knp": "kenapa", "kpn": "kapan",
    "mo": "mau", "pengen": "ingin", "tau": "tahu", "dolo": "dulu", "dlu": "dulu",
    "pi": "pergi", "pigi": "pergi", "sampe": "sampai", "smp": "sampai", "dpt": "dapat",
    "dapa": "dapat", "dapet": "dapat", "kasi": "kasih", "ksh": "kasih", "bekin": "bikin",
    "omong": "bicara", "ngomong": "bicara", "tunggu2": "tunggu",
    # nouns and verbs frequent in comments
    "org": "orang", "orng": "orang", "doi": "uang", "duit": "uang", "pegawe": "pegawai",
    "ptgs": "petugas", "antri": "antre", "antrian": "antrean", "ngantri": "antre",
    "nunggu": "tunggu", "nungguin": "tunggu", "cepet": "cepat", "lamaa": "lama",
    "makasih": "terima kasih", "mksh": "terima kasih", "thx": "terima kasih",
    "ana": "anak", "nona": "nona", "aer": "air", "lante": "lantai", "ancor": "hancur",
    "oto": "mobil", "sapa": "siapa", "mangarti": "mengerti", "ngerti": "mengerti",
    "dikasih": "diberi", "dikasi": "diberi", "minta2": "minta", "dimintain": "dimintai",
    "ngadu": "mengadu", "komplen": "komplain", "kyk": "seperti", "kyknya": "sepertinya",
    "kayak": "seperti", "kaya": "seperti", "gitu": "begitu", "bae": "baik",
}

_REPEAT = re.compile(r"([a-z])\1{2,}")
_REDUP = re.compile(r"\b([a-z]{2,})2\b")
_WORD = re.compile(r"[a-z]+|[0-9]+|[^\sa-z0-9]")


def normalise(text: str) -> str:
    """The comment in lower case with informal spellings mapped (see the module doc)."""
    t = text.lower().replace("&", " dan ")
    t = _REDUP.sub(r"\1 \1", t)
    t = _REPEAT.sub(r"\1", t)
    words = [SPELLINGS.get(w, w) for w in _WORD.findall(t)]
    return " ".join(words)
