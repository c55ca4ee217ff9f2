"""Masking personal data in citizens' comments before staff see them (UU PDP 27/2022).

`mask(text)` replaces, in this order:

1. e-mail addresses (also written `nama [at] gmail [dot] com`) → `[email disamarkan]`;
2. Indonesian vehicle plates: a region code of the national list (Kupang is `DH`), 1–4
   digits without a leading zero, 1–3 suffix letters (`DH 1234 AB`, `B1234XYZ`,
   `dh-1234-ab`) → `[pelat disamarkan]`. Written in lower case, only two-letter regions
   count and the suffix must not be a common word or unit (`B 2 jam`, `AD 3 kg` stay).
   A plate without suffix letters (`B 1234`) is not recognised: it cannot be told from a
   queue number;
3. numbers: digits in groups joined by spaces, dots, dashes or brackets are read as one
   number (`0812-3456-7890`, `+62 812 3456 7890`, `(0380) 821234`, `5371 0123 4567 0001`):
   16 digits → `[NIK disamarkan]`; an Indonesian phone number (`0` then a non-zero digit,
   9–13 digits; `+62…`, or `62` then `8`, 10–15 digits) → `[nomor telepon disamarkan]`; any
   other number of 10 or more digits (bank accounts, BPJS cards…) → `[nomor disamarkan]`.
   Shorter numbers stay. Times (`08.30`, `08.00-12.00`), dates (`12-11-2026`, `2026-11-12`)
   and prices after `Rp` in thousands groups (`Rp 50.000`, `Rp 1.500.000.000`) are read
   first and stay as they are, so they never join a number.

The markers are Indonesian by default; pass `markers` (same keys as `MARKERS_ID`) for
another language. Masking errs on the side of privacy: a long run of digits that is
something harmless is masked too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

MARKERS_ID = {
    "email": "[email disamarkan]",
    "plate": "[pelat disamarkan]",
    "nik": "[NIK disamarkan]",
    "phone": "[nomor telepon disamarkan]",
    "number": "[nomor disamarkan]",
}

_EMAIL = re.compile(
    r"[A-Za-z0-9._%+\-]+(?:@|\s*[\[(]\s*at\s*[\])]\s*)[A-Za-z0-9\-]+"
    r"(?:(?:\.|\s*[\[(]\s*dot\s*[\])]\s*)[A-Za-z0-9\-]+)*"
    r"(?:\.|\s*[\[(]\s*dot\s*[\])]\s*)[A-Za-z]{2,}",
    re.IGNORECASE,
)

# Region codes of Indonesian plates (tanda nomor kendaraan bermotor).
_REGIONS = re.findall(
    r"\w+",
    "A AA AB AD AE AG B BA BB BD BE BG BH BK BL BM BN BP D DA DB DC DD DE DG DH DK DL DM "
    "DN DP DR DS DT DW E EA EB ED F G H K KB KH KT KU L M N P PA PB PG PS PT PY R S T W Z",
)
_PLATE = re.compile(
    r"(?<![\w])(" + "|".join(sorted(_REGIONS, key=len, reverse=True)) + r")"
    r"[ \t\-]?([1-9]\d{0,3})[ \t\-]?([A-Z]{1,3})(?![\w])",
    re.IGNORECASE,
)
# Words and units that follow a number in ordinary text: not plate suffixes (lower case).
_NOT_SUFFIX = frozenset(re.findall(
    r"\w+",
    "jam rb jt kg km cm mm ml hr org thn th bln mg lbr pcs dan ke di yg sd am pm wit wib "
    "x kl ya tp dr sj aj lg mnt dtk",
))

# Read first and kept: times, dates and prices.
_KEEP = re.compile(
    r"Rp\.?[ \t]?[1-9]\d{0,2}(?:[.,]\d{3})*(?:,\d{1,2})?(?![\d])"  # Rp 50.000
    r"|(?<![\d])(?:19|20)\d{2}-[01]?\d-[0-3]?\d(?![\d])"  # 2026-11-12
    r"|(?<![\d])[0-3]?\d[\-/.][01]?\d[\-/.](?:19|20)\d{2}(?![\d])"  # 12-11-2026
    r"|(?<![\d])(?:[01]?\d|2[0-4])[.:][0-5]\d(?![\d]|[.,]\d)",  # 08.30, 14:05
    re.IGNORECASE,
)
_SEP = r"(?:[ \t]*[.\-()][ \t]*|[ \t]+)"
_NUMBER = re.compile(
    r"(?<![\d+])((?:\+[ \t]*|\([ \t]*\+?[ \t]*)?\d+(?:" + _SEP + r"\d+)*)")
_PROTECT = "\ue000"  # a private-use character marks kept pieces while numbers are read


def _plate(match: re.Match[str], marker: str) -> str:
    text, region, suffix = match.group(0), match.group(1), match.group(3)
    if region.isupper() and suffix.isupper():
        return marker
    if len(region) == 2 and suffix.lower() not in _NOT_SUFFIX:
        return marker
    return text


def _number(match: re.Match[str], markers: Mapping[str, str]) -> str:
    text = match.group(1)
    digits = re.sub(r"\D", "", text)
    plus = text.lstrip(" \t(").startswith("+")
    n = len(digits)
    if n == 16:
        return markers["nik"]
    if digits.startswith("0") and len(digits) > 1 and digits[1] != "0" and 9 <= n <= 13:
        return markers["phone"]
    if digits.startswith("62") and (plus or digits[2:3] == "8") and 10 <= n <= 15:
        return markers["phone"]
    if n >= 10:
        return markers["number"]
    return text


def mask(text: str, markers: Mapping[str, str] = MARKERS_ID) -> str:
    """The text with e-mail addresses, plates, NIK, phone and other long numbers replaced by
    neutral markers (module docstring)."""
    if not text:
        return text
    text = text.replace(_PROTECT, "")
    text = _EMAIL.sub(markers["email"], text)
    text = _PLATE.sub(lambda m: _plate(m, markers["plate"]), text)
    kept: list[str] = []

    def protect(m: re.Match[str]) -> str:
        kept.append(m.group(0))
        return _PROTECT

    text = _KEEP.sub(protect, text)
    text = _NUMBER.sub(lambda m: _number(m, markers), text)
    pieces = iter(kept)
    return re.sub(_PROTECT, lambda _m: next(pieces), text)
