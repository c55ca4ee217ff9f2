"""Masking personal data in comments (feedback.comments.masking)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedback.comments.masking import _NOT_SUFFIX, MARKERS_ID, mask

PHONE = MARKERS_ID["phone"]
NIK = MARKERS_ID["nik"]
EMAIL = MARKERS_ID["email"]
PLATE = MARKERS_ID["plate"]
NUMBER = MARKERS_ID["number"]


@pytest.mark.parametrize("text, expected", [
    ("Hubungi saya di 0812-3456-7890 ya", f"Hubungi saya di {PHONE} ya"),
    ("0812 3456 7890", PHONE),
    ("0812.3456.7890", PHONE),
    ("081234567890.", f"{PHONE}."),
    ("HP081234567890", f"HP{PHONE}"),
    ("WA +62 812 3456 7890", f"WA {PHONE}"),
    ("WA (+62) 812-3456-7890", f"WA {PHONE}"),
    ("+6281234567890", PHONE),
    ("62812345678901 tolong", f"{PHONE} tolong"),
    ("kantor (0380) 821234", f"kantor {PHONE}"),
    ("0380-821234", PHONE),
    ("NIK 5371 0123 4567 0001", f"NIK {NIK}"),
    ("NIK5371012345670001", f"NIK{NIK}"),
    ("nik: 537101-234567-0001", f"nik: {NIK}"),
    ("email budi.s@gmail.com, terima kasih", f"email {EMAIL}, terima kasih"),
    ("BUDI_99@kupangkota.go.id", EMAIL),
    ("budi [at] gmail [dot] com", EMAIL),
    ("mobil DH 1234 AB parkir", f"mobil {PLATE} parkir"),
    ("motor DH 5678 K hilang", f"motor {PLATE} hilang"),
    ("B 1234 XYZ", PLATE),
    ("B1234XYZ", PLATE),
    ("dh-1234-ab", PLATE),
    ("rekening 1234567890", f"rekening {NUMBER}"),
    ("BPJS 0001234567890123456", f"BPJS {NUMBER}"),
])
def test_masks(text, expected):
    assert mask(text) == expected


@pytest.mark.parametrize("text", [
    "Pelayanan cepat, tahun 2024 lebih lambat dari 2025.",
    "Biaya Rp 50.000, katanya gratis. Rp 1.500.000.000 untuk gedung baru?",
    "Rp. 25.000,50 dibayar",
    "Nomor antrian A-023 dipanggil jam 08.30, selesai 09:15.",
    "Buka 08.00-12.00 dan 13.00 - 15.30 WITA",
    "Tanggal 12-11-2026 pukul 10.30, lalu 2026-11-13",
    "Antri B 2 jam, loket 3, 45 menit, 120 orang",
    "Lulusan S1 dan D3, berat AD 3 kg",
    "Nomor antrian B 123",
    "loket A 2",
    "umur 45 tahun, 3 anak",
    "",
])
def test_keeps_ordinary_text(text):
    assert mask(text) == text


def test_other_language_markers():
    markers = {"email": "[e-mail hidden]", "plate": "[plate hidden]", "nik": "[NIK hidden]",
               "phone": "[phone hidden]", "number": "[number hidden]"}
    assert (mask("call 0812 3456 7890 or a@b.co", markers)
            == "call [phone hidden] or [e-mail hidden]")


# Words around a number (a bare number next to it would be read as part of it: masked too).
_WORDS = st.lists(
    st.sampled_from(["pelayanan", "lambat", "ramah", "tolong", "hubungi", "saya", "di", "ya",
                     "terima", "kasih", "petugas", "antri", "jam", "nomor", "WA", "HP",
                     "Rp 50.000", "08.30", ",", "."]),
    max_size=6,
).map(" ".join)
_SEPS = st.sampled_from(["", " ", "-", ".", " - "])


@st.composite
def phones(draw):
    """Indonesian mobile and landline numbers in the ways people type them; returns
    (as typed, digits)."""
    kind = draw(st.sampled_from(["08", "+62", "62", "0380"]))
    if kind == "0380":
        groups = ["0380", draw(st.from_regex(r"[1-9][0-9]{5}", fullmatch=True))]
    else:
        operator = "8" + draw(st.from_regex(r"[1-9][0-9]", fullmatch=True))
        rest = draw(st.from_regex(r"[0-9]{7,8}", fullmatch=True))
        cut = draw(st.integers(3, 4))
        groups = [operator, rest[:cut], rest[cut:]]
        groups = ["0" + groups[0], *groups[1:]] if kind == "08" else [kind, *groups]
    sep = draw(_SEPS)
    typed = sep.join(groups)
    if kind == "0380" and draw(st.booleans()):
        typed = f"(0380) {groups[1]}"
    return typed, "".join(groups).lstrip("+")


@st.composite
def niks(draw):
    digits = draw(st.from_regex(r"[1-9][0-9]{15}", fullmatch=True))
    sep = draw(_SEPS)
    return sep.join([digits[:4], digits[4:8], digits[8:12], digits[12:]]), digits


def _digits_left(text: str) -> str:
    return re.sub(r"\D", "", text)


@settings(max_examples=300, deadline=None)
@given(before=_WORDS, number=st.one_of(phones(), niks()), after=_WORDS)
def test_masked_output_never_contains_the_number(before, number, after):
    typed, digits = number
    masked = mask(f"{before} {typed} {after}")
    assert digits not in _digits_left(masked)
    assert typed not in masked
    # what was around it survives
    assert masked.startswith(before) and masked.endswith(after)


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"[a-z0-9._]{1,12}@[a-z]{2,10}\.(com|id|co\.id|go\.id)", fullmatch=True),
       _WORDS)
def test_email_never_shown(address, words):
    masked = mask(f"{words} {address} {words}")
    assert address not in masked and "@" not in masked


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["DH", "B", "DK", "EB", "L"]),
       st.from_regex(r"[1-9][0-9]{0,3}", fullmatch=True),
       st.from_regex(r"[A-Z]{1,3}", fullmatch=True), st.sampled_from([" ", "", "-"]), _WORDS)
def test_plates_never_shown(region, digits, suffix, sep, words):
    plate = f"{region}{sep}{digits}{sep}{suffix}"
    masked = mask(f"{words} {plate} {words}")
    assert plate not in masked and PLATE in masked


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_no_long_digit_runs_survive(text):
    """Whatever is typed, no run of 10 or more digits (with or without separators) is left,
    except kept prices, dates and times; and masking twice changes nothing more."""
    masked = mask(text)
    assert re.search(r"[0-9]{10,}", masked) is None or "Rp" in masked
    assert mask(masked) == masked


# ------------------------------------------------------------ plates (Kupang is DH)

@pytest.mark.parametrize("text", [
    "B 1 XYZ", "DH1234AB", "DH 1234 AB", "dh 5521 kc", "DH-7-A", "EB 123 C", "DB 9999 ZZZ",
])
def test_plate_forms(text):
    assert mask(f"motor {text} parkir") == f"motor {PLATE} parkir"


@pytest.mark.parametrize("text", [
    "DH 0123 AB",  # no plate number starts with 0
    "DH 12345 AB",  # at most four digits
    "XY 1234 AB",  # not a region code
    "DH 1234 ABCD",  # at most three suffix letters
    "DH 1234",  # no suffix: cannot be told from a queue number
    "ke loket B 3 lagi",
    "Loket A 2 tutup",
    "LOKET B 2",
    "Lantai 2 B",
    "PT 3 org",
    "DH 2 jam",
    "S 2 ya",
    "Kupang DH",
])
def test_not_plates(text):
    assert mask(text) == text


# Harmless pieces of ordinary comments with numbers: counters, queue numbers, money, times,
# dates, durations, people. None of them may be masked, however they are combined.
@st.composite
def harmless(draw):
    n = st.integers(1, 99)
    kind = draw(st.sampled_from(["loket", "antrian", "rp", "rpjt", "jam", "tanggal", "iso",
                                 "menit", "orang", "lantai", "loketletter", "tahun"]))
    if kind == "loket":
        return f"loket {draw(n)} tutup"
    if kind == "loketletter":
        return f"loket {draw(st.sampled_from('ABC'))} {draw(n)} dibuka"
    if kind == "antrian":
        return f"antrian {draw(st.sampled_from('ABC'))}-{draw(st.integers(1, 999)):03d} dipanggil"
    if kind == "rp":
        rp = draw(st.sampled_from(["Rp ", "Rp. ", "Rp"]))
        return f"{rp}{draw(st.integers(1, 999))}.000 dibayar"
    if kind == "rpjt":
        return f"Rp{draw(st.integers(1, 999))}.{draw(st.integers(0, 999)):03d}.000"
    if kind == "jam":
        sep = draw(st.sampled_from(".:"))
        return f"jam {draw(st.integers(0, 23)):02d}{sep}{draw(st.integers(0, 59)):02d} WITA"
    if kind == "tanggal":
        sep = draw(st.sampled_from("-/."))
        return (f"tanggal {draw(st.integers(1, 28))}{sep}{draw(st.integers(1, 12))}{sep}"
                f"{draw(st.integers(2000, 2030))} datang")
    if kind == "iso":
        return (f"pada {draw(st.integers(2000, 2030))}-{draw(st.integers(1, 12)):02d}-"
                f"{draw(st.integers(1, 28)):02d} antri")
    if kind == "menit":
        return f"{draw(st.integers(1, 300))} menit"
    if kind == "orang":
        return f"{draw(n)} orang"
    if kind == "tahun":
        return f"tahun {draw(st.integers(1990, 2030))}"
    return f"lantai {draw(st.integers(1, 9))} gedung"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(harmless(), _WORDS), min_size=1, max_size=6).map(" ".join))
def test_harmless_numbers_are_never_masked(text):
    assert mask(text) == text


@settings(max_examples=200, deadline=None)
@given(pieces=st.lists(harmless(), min_size=1, max_size=3),
       region=st.sampled_from(["DH", "B", "DK", "EB", "L", "dh"]),
       digits=st.from_regex(r"[1-9][0-9]{0,3}", fullmatch=True),
       suffix=st.from_regex(r"[A-Z]{1,3}", fullmatch=True))
def test_plate_masked_next_to_harmless_numbers(pieces, region, digits, suffix):
    """A plate among harmless numbers: the plate is masked, the numbers stay."""
    plate = f"{region} {digits} {suffix if region.isupper() else suffix.lower()}"
    if region == "dh" and plate.split()[-1] in _NOT_SUFFIX:
        return  # a lower-case word after a number is read as text, not a plate
    text = " ".join([*pieces[:1], "motor", plate, "parkir", *pieces[1:]])
    expected = " ".join([*pieces[:1], "motor", PLATE, "parkir", *pieces[1:]])
    assert mask(text) == expected


def test_the_demo_personal_comments_are_masked():
    """Every personal-data comment the demo writes (feedback.demo.comments) loses its data."""
    import numpy as np

    from feedback.demo.comments import PERSONAL_TEMPLATES, personal_text

    for seed in range(50):
        rng = np.random.default_rng(seed)
        for t in range(len(PERSONAL_TEMPLATES)):
            masked = mask(personal_text(t, rng))
            assert re.search(r"\d{2}", masked) is None and "@" not in masked, masked
            assert "disamarkan]" in masked
