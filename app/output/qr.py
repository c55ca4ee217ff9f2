"""QR code rendering for feedback links: SVG for the web, PNG for downloads, matrix for PDFs.

Every QR code in the project is built by :func:`make_qr`, so all outputs share the same
error-correction level (M) and quiet zone (4 modules).

PNG output uses qrcode's Pillow factory. Pillow is not a direct dependency of this project;
it is installed as a dependency of ``fpdf2``.
"""

import io
import xml.etree.ElementTree as ET

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from qrcode.image.pil import PilImage
from qrcode.image.svg import SvgPathFillImage

from app import i18n

BORDER_MODULES = 4


def make_qr(data: str, box_size: int = 10) -> qrcode.QRCode:
    """Build a compiled QR code for ``data`` (smallest version that fits, EC level M)."""
    if not data:
        raise ValueError("QR code data must not be empty")
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=BORDER_MODULES)
    qr.add_data(data)
    qr.make(fit=True)
    return qr


def qr_matrix(data: str) -> list[list[bool]]:
    """Module matrix of the QR code, quiet zone included; ``True`` means a dark module."""
    return [[bool(cell) for cell in row] for row in make_qr(data).get_matrix()]


def qr_svg(data: str, lang: str = "id") -> str:
    """Standalone SVG document (no XML declaration) that scales to its container; its
    accessible name is in ``lang`` (Indonesian by default).

    Uses qrcode's single-path SVG factory (the variant with a white background, so the
    code stays scannable on dark or coloured pages). The fixed width/height are removed:
    the viewBox (one unit per module) keeps the aspect ratio and CSS decides the size.
    """
    svg = make_qr(data).make_image(image_factory=SvgPathFillImage).get_image()
    for attribute in ("width", "height"):
        svg.attrib.pop(attribute, None)
    svg.set("shape-rendering", "crispEdges")
    svg.set("role", "img")
    _ = i18n.gettext(lang)
    svg.set("aria-label", _("QR code"))
    return ET.tostring(svg, encoding="unicode")


def qr_png(data: str, box_size: int = 10) -> bytes:
    """PNG bytes of the QR code; each module is ``box_size`` pixels wide."""
    image = make_qr(data, box_size=box_size).make_image(image_factory=PilImage)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()
