"""Tests for QR rendering (app.output.qr) and the printable PDFs (app.output.posters).

The PDFs are inspected without a PDF library: fpdf2 writes Flate-compressed content
streams, which are decompressed here to read the text (Tj operators) and the vector QR
modules (``re f`` rectangles).
"""

import io
import math
import re
import xml.etree.ElementTree as ET
import zlib
from collections import Counter
from datetime import UTC, datetime

import pytest

from app.output.posters import (
    PosterItem,
    StubItem,
    latin1_safe,
    render_posters,
    render_stubs,
)
from app.output.qr import make_qr, qr_matrix, qr_png, qr_svg

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MM_TO_PT = 72 / 25.4
URL = "https://suara.kupangkota.go.id/q/dukcapil-ktp-3"
UNUSUAL_UNIT = "Kantor Lurah Oeba \u2014 \u201cLoket 1\u201d \u2713"


# --------------------------------------------------------------------------- PDF helpers


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def content_streams(pdf: bytes) -> list[str]:
    """Decompressed streams that draw something (page contents, in page order)."""
    streams = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            text = zlib.decompress(match.group(1)).decode("latin-1")
        except zlib.error:
            continue
        if " Tj" in text or " re " in text:
            streams.append(text)
    return streams


def shown_text(stream: str) -> str:
    """All strings shown with Tj, unescaped and joined by single spaces."""
    strings = re.findall(r"\(((?:\\.|[^\\)])*)\) Tj", stream)
    return " ".join(re.sub(r"\\(.)", r"\1", s) for s in strings)


def filled_rects(stream: str) -> list[tuple[float, float, float, float]]:
    pattern = r"(-?[\d.]+) (-?[\d.]+) (-?[\d.]+) (-?[\d.]+) re f"
    return [tuple(map(float, m)) for m in re.findall(pattern, stream)]


def qr_cells_from_page(stream: str) -> tuple[set[tuple[int, int]], float]:
    """Dark QR modules (row, col) drawn on a page, relative to the symbol's top-left corner,
    and the symbol width in points. Modules are the rectangles of the most common height."""
    rects = filled_rects(stream)
    module = Counter(round(-h, 2) for _, _, _, h in rects).most_common(1)[0][0]
    modules = [r for r in rects if round(-r[3], 2) == module]
    left = min(x for x, _, _, _ in modules)
    top = max(y for _, y, _, _ in modules)
    cells = set()
    for x, y, w, _ in modules:
        row, col = round((top - y) / module), round((x - left) / module)
        cells.update((row, col + offset) for offset in range(round(w / module)))
    width = max(x + w for x, _, w, _ in modules) - left
    return cells, width


def expected_cells(data: str) -> set[tuple[int, int]]:
    """Dark modules of the QR code of ``data``, quiet zone removed."""
    qr = make_qr(data)
    qr.border = 0
    return {(r, c) for r, row in enumerate(qr.get_matrix()) for c, dark in enumerate(row) if dark}


def poster(**overrides: str) -> PosterItem:
    fields = {
        "agency": "Dinas Kependudukan dan Pencatatan Sipil",
        "unit": "Pelayanan KTP Elektronik",
        "counter": "Loket 3",
        "url": URL,
        "short_code": "DKP3",
    }
    return PosterItem(**(fields | overrides))


def stub(index: int, unit: str = "Puskesmas Oepoi") -> StubItem:
    token = f"TK{index:04d}Q9ZX"
    return StubItem(
        unit=unit,
        counter=f"Loket {index % 4 + 1}",
        url=f"https://suara.kupangkota.go.id/t/{token}",
        token=token,
        expires_at_text="31 Des 2025",
    )


# --------------------------------------------------------------------------- qr.py


def test_qr_svg_is_scalable_xml_with_one_path_per_dark_module() -> None:
    root = ET.fromstring(qr_svg(URL))
    size = len(qr_matrix(URL))

    assert root.tag.endswith("svg")
    assert root.get("viewBox") == f"0 0 {size} {size}"
    assert root.get("width") is None and root.get("height") is None
    paths = [el for el in root.iter() if el.tag.endswith("path")]
    assert len(paths) == 1
    dark_modules = sum(sum(row) for row in qr_matrix(URL))
    assert paths[0].get("d", "").count("z") == dark_modules


def test_qr_svg_differs_per_data() -> None:
    assert qr_svg(URL) != qr_svg(URL + "x")


def test_qr_png_has_signature_and_decodes() -> None:
    png = qr_png(URL, box_size=4)
    assert png.startswith(PNG_SIGNATURE)

    image_module = pytest.importorskip("PIL.Image")
    with image_module.open(io.BytesIO(png)) as image:
        image.load()
        size = len(qr_matrix(URL)) * 4
        assert image.size == (size, size)
        gray = image.convert("L")
        assert gray.getpixel((0, 0)) == 255  # quiet zone is white
        assert gray.getpixel((4 * 4, 4 * 4)) == 0  # finder pattern corner is black


def test_qr_matrix_has_quiet_zone() -> None:
    matrix = qr_matrix(URL)
    assert all(not any(row) for row in matrix[:4] + matrix[-4:])
    assert all(not any(row[:4]) and not any(row[-4:]) for row in matrix)
    assert matrix[4][4] is True


def test_make_qr_rejects_empty_data() -> None:
    with pytest.raises(ValueError):
        make_qr("")


# --------------------------------------------------------------------------- posters


def test_posters_one_page_per_item_with_texts() -> None:
    items = [poster(unit=f"Unit {n}", url=f"{URL}/{n}", counter=f"Loket {n}") for n in range(3)]
    pdf = render_posters(items)

    assert pdf.startswith(b"%PDF-")
    assert page_count(pdf) == 3
    pages = content_streams(pdf)
    assert len(pages) == 3
    for item, page in zip(items, pages, strict=True):
        text = shown_text(page)
        assert item.url in text
        assert item.unit in text
        assert item.counter in text
        assert item.agency.upper() in text
        assert "Bagaimana pelayanan kami hari ini?" in text
        assert "1. Pindai kode QR dengan kamera ponsel Anda." in text
        assert "Rate our service: scan the code. Anonymous, takes 30 seconds." in text
        assert "Suara Layanan - Pemerintah Kota Kupang" in text
        assert f"Kode {item.short_code}" in text


def test_poster_qr_is_vector_encodes_url_and_is_at_least_120mm() -> None:
    pdf = render_posters([poster()])

    assert b"/Subtype /Image" not in pdf
    cells, width = qr_cells_from_page(content_streams(pdf)[0])
    assert cells == expected_cells(URL)
    assert width >= 120 * MM_TO_PT


def test_poster_with_very_long_texts_keeps_big_qr() -> None:
    long_url = URL + "/" + "kelurahan-oeba-loket-pengaduan-terpadu" * 3
    item = poster(
        agency="Pemerintah Kota Kupang, Kecamatan Kota Raja, Kelurahan Oeba " * 3,
        unit="Pelayanan Administrasi Kependudukan dan Surat Keterangan Usaha " * 4,
        counter="Loket Pengaduan dan Informasi Terpadu Satu Pintu " * 3,
        url=long_url,
    )
    pdf = render_posters([item])

    assert page_count(pdf) == 1
    page = content_streams(pdf)[0]
    cells, width = qr_cells_from_page(page)
    assert cells == expected_cells(long_url)
    assert width >= 120 * MM_TO_PT
    assert "..." in shown_text(page)  # the unit name was cut instead of overflowing


def test_poster_metadata_and_deterministic_output() -> None:
    created = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    first = render_posters([poster()], created_at=created)

    assert b"/Creator (Suara Layanan)" in first
    assert re.search(rb"/Title \([^)]*Suara Layanan\)", first)
    assert first == render_posters([poster()], created_at=created)


# --------------------------------------------------------------------------- stubs


@pytest.mark.parametrize("count", [1, 15, 16, 31])
def test_stubs_pages_and_tokens(count: int) -> None:
    items = [stub(n) for n in range(count)]
    pdf = render_stubs(items)

    assert page_count(pdf) == math.ceil(count / 15)
    text = " ".join(shown_text(page) for page in content_streams(pdf))
    for item in items:
        assert item.token in text
    assert text.count("SEKALI PAKAI") == count
    assert text.count("Pindai untuk menilai") == count
    assert text.count("Berlaku sampai") == count
    assert b"/Subtype /Image" not in pdf


def test_stub_qr_encodes_its_url() -> None:
    item = stub(7)
    cells, _ = qr_cells_from_page(content_streams(render_stubs([item]))[0])
    assert cells == expected_cells(item.url)


def test_stub_shows_unit_counter_and_expiry() -> None:
    item = stub(2, unit="RSUD S.K. Lerik")
    text = shown_text(content_streams(render_stubs([item]))[0])
    assert "RSUD S.K. Lerik" in text
    assert item.counter in text
    assert "Berlaku sampai 31 Des 2025" in text


# --------------------------------------------------------------------------- input safety


def test_latin1_safe_transliterates() -> None:
    assert latin1_safe(UNUSUAL_UNIT) == 'Kantor Lurah Oeba - "Loket 1" ?'
    # e-acute is latin-1 and stays; O-double-acute is not and loses its accent.
    assert latin1_safe("Caf\u00e9  \u0150rs\u00e9g\u2026 \u2018ok\u2019\n") == (
        "Caf\u00e9 Ors\u00e9g... 'ok'"
    )
    assert latin1_safe("\u6f22\u5b57").encode("latin-1") == b"??"


def test_non_latin1_names_do_not_crash() -> None:
    posters_pdf = render_posters([poster(unit=UNUSUAL_UNIT, counter="Loket \u2116 1 \u2705")])
    stubs_pdf = render_stubs([stub(1, unit=UNUSUAL_UNIT)])

    assert page_count(posters_pdf) == 1
    assert page_count(stubs_pdf) == 1
    expected = latin1_safe(UNUSUAL_UNIT)
    assert expected in shown_text(content_streams(posters_pdf)[0])
    assert expected in shown_text(content_streams(stubs_pdf)[0])


def test_empty_lists_raise() -> None:
    with pytest.raises(ValueError):
        render_posters([])
    with pytest.raises(ValueError):
        render_stubs([])
