"""A letter's text as a PDF (fpdf2), the same bytes every time it is rendered.

Two fonts, chosen by the text (`pick_font`) and kept on the letter's record, so that a kept
letter renders again in the font it was generated in:

- **Helvetica**, a PDF core font (WinAnsi encoding: English and Spanish, Western European
  accents, curly quotes, dashes), when every character of the letter is in WinAnsi. Nothing
  is embedded, so a letter renders in about a tenth of the time: most letters of a batch.
- **DejaVu Sans**, shipped in the package (lossmit_tui/fonts, with its licence: the Bitstream
  Vera licence, which allows redistribution) and embedded as a subset, for a letter that holds
  anything else. It draws Latin, Greek and Cyrillic names with their accents.

A character neither font can draw is refused with the characters named, never printed as
"?" or a blank box. The bytes are deterministic: the creation date is the letter's date and
the file identifier a hash of the content.
"""

from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from lossmit_tui.services.errors import InvalidInput

if TYPE_CHECKING:
    from fpdf import FPDF

FONT = Path(__file__).resolve().parent.parent / "fonts" / "DejaVuSans.ttf"
FONT_NAME = "DejaVuSans"
CORE_FONT = "Helvetica"
FONTS = (CORE_FONT, FONT_NAME)
# The PDF's WinAnsiEncoding, which fpdf2 declares for its core fonts, is Windows-1252.
_CORE_ENCODING = "cp1252"
SIZE_PT = 10.5
LINE_MM = 5.2


class CannotDraw(InvalidInput):
    """The letter holds characters the letter fonts cannot draw."""


@lru_cache(maxsize=1)
def _drawable() -> frozenset[int]:
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    return frozenset(TTFont(str(FONT), lazy=True).getBestCmap())


def undrawable(text: str) -> list[str]:
    """The characters of `text` the embedded letter font has no glyph for (line breaks
    aside)."""
    drawable = _drawable()
    return sorted({ch for ch in text if ch not in "\n\r" and ord(ch) not in drawable})


def _core_drawable(text: str) -> bool:
    """Every character is a printable WinAnsi one (line breaks aside): Helvetica draws it."""
    body = text.replace("\n", "").replace("\r", "")
    if any(ch < " " or ch == "\x7f" for ch in body):
        return False
    try:
        body.encode(_CORE_ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def pick_font(text: str) -> str:
    """The font a letter is rendered in: Helvetica when it draws every character, else the
    embedded DejaVu Sans; CannotDraw naming the characters neither has."""
    if _core_drawable(text):
        return CORE_FONT
    missing = undrawable(text)
    if missing:
        shown = ", ".join(f"{ch!r} (U+{ord(ch):04X})" for ch in missing[:10])
        raise CannotDraw(f"the letter font cannot draw {shown}: correct the name or address "
                         "on the case (or ship a font that draws it) before generating")
    return FONT_NAME


def render_pdf(text: str, title: str, letter_day: date, font: str | None = None) -> bytes:
    """The letter as a US-letter PDF in `font` (default: `pick_font`'s choice); the same
    text, title, day and font give the same bytes. CannotDraw names any character the
    letter fonts lack."""
    chosen = pick_font(text)
    font = font or chosen
    if font == CORE_FONT:
        if chosen != CORE_FONT:
            raise CannotDraw(f"this letter holds characters {CORE_FONT} cannot draw")
        return _core_pdf(text, title, letter_day)
    if font == FONT_NAME:
        return _embedded_pdf(text, title, letter_day)
    raise InvalidInput(f"unknown letter font {font!r} (known: {', '.join(FONTS)})")


def _document(title: str, letter_day: date) -> "FPDF":
    from fpdf import FPDF

    pdf = FPDF(format="letter", unit="mm")
    pdf.set_creation_date(datetime(letter_day.year, letter_day.month, letter_day.day,
                                   tzinfo=UTC))
    pdf.set_title(title)
    pdf.set_creator("lossmit")
    pdf.set_margins(25, 20, 25)
    pdf.set_auto_page_break(True, margin=20)
    return pdf


def _core_pdf(text: str, title: str, letter_day: date) -> bytes:
    """Helvetica, each line placed with fpdf2's `text` and measured from the font's own
    width table: fpdf2's `cell` and `get_string_width` re-parse every string for markdown,
    bidirectional text and styles, most of the time a letter took."""
    pdf = _document(title, letter_day)
    pdf.core_fonts_encoding = _CORE_ENCODING
    pdf.set_font(CORE_FONT, size=SIZE_PT)
    pdf.add_page()
    measure = _core_width
    width = pdf.w - pdf.l_margin - pdf.r_margin
    # Where fpdf2's cell puts a line's baseline in a LINE_MM-high cell, and its padding.
    baseline = 0.5 * LINE_MM + 0.3 * pdf.font_size
    x = pdf.l_margin + pdf.c_margin
    y = pdf.t_margin
    space = measure(" ")
    for paragraph in text.rstrip("\n").split("\n"):
        for line in _wrap(paragraph, width, measure, space):
            if y + LINE_MM > pdf.page_break_trigger:
                pdf.add_page()
                y = pdf.t_margin
            if line.strip():
                pdf.text(x, y + baseline, line)
            y += LINE_MM
    return bytes(pdf.output())


@lru_cache(maxsize=1)
def _core_widths() -> dict[str, int]:
    """Helvetica's width table (1/1000 em), keyed by the WinAnsi-encoded character."""
    from fpdf.fonts import CORE_FONTS_CHARWIDTHS

    return CORE_FONTS_CHARWIDTHS[CORE_FONT.lower()]


@lru_cache(maxsize=65536)
def _core_width(word: str) -> float:
    """A word's width in millimetres in Helvetica at SIZE_PT: the same words recur in every
    letter of a batch, so each is measured once per process."""
    widths = _core_widths()
    encoded = word.encode(_CORE_ENCODING).decode("latin-1")
    return sum(widths[ch] for ch in encoded) * SIZE_PT * 0.001 * 25.4 / 72


def _embedded_pdf(text: str, title: str, letter_day: date) -> bytes:
    """DejaVu Sans, embedded as the subset the letter uses. (Kept byte for byte as it was
    first written: the letters already kept in this font must render to their hashes.)"""
    pdf = _document(title, letter_day)
    pdf.add_font(FONT_NAME, fname=str(FONT))
    pdf.set_font(FONT_NAME, size=SIZE_PT)
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
