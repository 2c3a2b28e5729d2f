"""A letter's text as a PDF (fpdf2), the same bytes every time it is rendered.

The font is DejaVu Sans, shipped in the package (lossmit_tui/fonts, with its licence: the
Bitstream Vera licence, which allows redistribution). It draws Latin, Greek and Cyrillic
names with their accents; a character it has no glyph for is refused with the characters
named, never printed as "?" or a blank box. The bytes are deterministic: the creation date
is the letter's date and the file identifier a hash of the content.
"""

from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path

from lossmit_tui.services.errors import InvalidInput

FONT = Path(__file__).resolve().parent.parent / "fonts" / "DejaVuSans.ttf"
FONT_NAME = "DejaVuSans"
LINE_MM = 5.2


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
    width = pdf.w - pdf.l_margin - pdf.r_margin
    measured: dict[str, float] = {}

    def measure(word: str) -> float:
        if word not in measured:
            measured[word] = pdf.get_string_width(word)
        return measured[word]

    space = measure(" ")
    for paragraph in text.rstrip("\n").split("\n"):
        for line in _wrap(paragraph, width, measure, space):
            pdf.cell(0, LINE_MM, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _wrap(paragraph: str, width: float, measure: Callable[[str], float],
          space: float) -> list[str]:
    """A paragraph broken into lines no wider than `width` at spaces, continuation lines
    indented like the first (a word wider than the line stands alone). fpdf2's own
    multi_cell measures every character again for every candidate break: most of a
    letter's rendering time."""
    body = paragraph.lstrip(" ")
    indent = paragraph[:len(paragraph) - len(body)]
    if not body:
        return [""]
    lines: list[str] = []
    current: list[str] = []
    used = measure(indent) if indent else 0.0
    start = used
    for word in body.split(" "):
        needed = measure(word) + (space if current else 0.0)
        if current and used + needed > width:
            lines.append(indent + " ".join(current))
            current, used = [], start
            needed = measure(word)
        current.append(word)
        used += needed
    lines.append(indent + " ".join(current))
    return lines
