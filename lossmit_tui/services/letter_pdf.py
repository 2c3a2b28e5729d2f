"""A letter's text as a PDF (fpdf2), the same bytes every time it is rendered.

The font is DejaVu Sans, shipped in the package (lossmit_tui/fonts, with its licence: the
Bitstream Vera licence, which allows redistribution). It draws Latin, Greek and Cyrillic
names with their accents; a character it has no glyph for is refused with the characters
named, never printed as "?" or a blank box. The bytes are deterministic: the creation date
is the letter's date and the file identifier a hash of the content.
"""

from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path

from lossmit_tui.services.errors import InvalidInput

FONT = Path(__file__).resolve().parent.parent / "fonts" / "DejaVuSans.ttf"
FONT_NAME = "DejaVuSans"


class CannotDraw(InvalidInput):
    """The letter holds characters the letter font cannot draw."""


@lru_cache(maxsize=1)
def _drawable() -> frozenset[int]:
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    return frozenset(TTFont(str(FONT), lazy=True).getBestCmap())


def undrawable(text: str) -> list[str]:
    """The characters of `text` the letter font has no glyph for (line breaks aside)."""
    drawable = _drawable()
    return sorted({ch for ch in text if ch not in "\n\r" and ord(ch) not in drawable})


def render_pdf(text: str, title: str, letter_day: date) -> bytes:
    """The letter as a US-letter PDF in the shipped font; the same text, title and day give
    the same bytes. CannotDraw names any character the font lacks."""
    from fpdf import FPDF

    missing = undrawable(text)
    if missing:
        shown = ", ".join(f"{ch!r} (U+{ord(ch):04X})" for ch in missing[:10])
        raise CannotDraw(f"the letter font cannot draw {shown}: correct the name or address "
                         "on the case (or ship a font that draws it) before generating")
    pdf = FPDF(format="letter", unit="mm")
    pdf.set_creation_date(datetime(letter_day.year, letter_day.month, letter_day.day,
                                   tzinfo=UTC))
    pdf.set_title(title)
    pdf.set_creator("lossmit")
    pdf.set_margins(25, 20, 25)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_font(FONT_NAME, fname=str(FONT))
    pdf.set_font(FONT_NAME, size=10.5)
    pdf.add_page()
    pdf.multi_cell(0, 5.2, text.rstrip("\n"))
    return bytes(pdf.output())
