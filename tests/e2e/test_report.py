"""The SKM report download in Chromium: the demo unit head opens their dashboard, clicks the
PDF report link and gets the report of the dashboard's period as a file (named
SKM-<unit>-<period>.pdf, a valid PDF whose IKM is the one the dashboard shows); the XLSX
and CSV links download too; a refused download (unknown format) is a message page that
axe-core finds clean."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from .conftest import Server

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 900}


def _sign_in(page: Any, server: Server, role: str) -> None:
    email, password = server.accounts[role]
    page.goto("/staf/masuk")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()


def test_unit_head_downloads_the_report(pages, server: Server, axe) -> None:
    page = pages.new(DESKTOP, accept_downloads=True)
    _sign_in(page, server, "unit")
    unit = page.url.rstrip("/").rsplit("/", 1)[-1]
    assert f"/staf/unit/{unit}" in page.url
    ikm_text = page.locator("#ikm data").inner_text()  # as the dashboard shows it: 83,31
    links = page.locator("#report-downloads a")
    assert links.count() == 3
    axe(page)
    with page.expect_download() as info:
        links.nth(0).click()
    download = info.value
    assert download.suggested_filename.startswith(f"SKM-{unit}-")
    assert download.suggested_filename.endswith(".pdf")
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    texts = [" ".join(p.extract_text().split()) for p in reader.pages]
    whole = " ".join(texts)
    assert "BAB I PENDAHULUAN" in whole and "BAB V KESIMPULAN" in whole
    assert f"IKM {ikm_text}" in whole
    for i, text in enumerate(texts, 1):
        assert f"Halaman {i} dari {len(texts)}" in text
    # the tables as a workbook
    with page.expect_download() as info:
        links.nth(1).click()
    book = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    assert "unsur" in book.sheetnames and "ringkasan" in book.sheetnames
    summary = dict(book["ringkasan"].iter_rows(min_row=2, values_only=True))
    assert f"{summary['IKM']:.2f}".replace(".", ",") == ikm_text
    # a refused download is a page of its own: a message, no file
    response = page.goto(f"/staf/unit/{unit}/laporan?format=docx")
    assert response is not None and response.status == 400
    assert "pdf, xlsx atau csv" in page.locator("main").inner_text()
    axe(page)
    assert all(url.startswith(server.base) for url in pages.requests), pages.requests
