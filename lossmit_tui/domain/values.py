"""Parsing and formatting of the plain values that cross the edges: money, rates, dates, text.

Money is integer cents, rates are Decimal percent (stored as thousandths of a percent), dates
are `datetime.date`. Every parser raises `ValueError` with a message a user can act on.
"""

import re
import unicodedata
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

# ASCII digits only: `\d` alone also matches other scripts' digits, which int() accepts.
_MONEY = re.compile(r"^\$?(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?$", re.ASCII)
_RATE = re.compile(r"^(\d{1,2})(\.\d{1,3})?%?$", re.ASCII)
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$", re.ASCII)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)

MAX_CENTS = 10**13  # $100 billion: far beyond any single loan, small enough to catch typos


def parse_money(text: str) -> int:
    """Parse `1234.56`, `1,234.56` or `$1,234.56` into non-negative integer cents."""
    raw = text.strip()
    whole, dot, part = raw.partition(".")
    if whole.isascii() and whole.isdigit() and (
            not dot or (0 < len(part) <= 2 and part.isascii() and part.isdigit())):
        cents = int(whole) * 100 + (int(part.ljust(2, "0")) if dot else 0)  # plain 1234.56
        if cents >= MAX_CENTS:
            raise ValueError(f"{raw!r} is implausibly large")
        return cents
    if raw.startswith("-") or raw.startswith("$-") or raw.startswith("($"):
        raise ValueError(f"{raw!r} is negative; amounts must be zero or more")
    found = _MONEY.match(raw)
    if not found:
        raise ValueError(f"{raw!r} is not an amount (use 1234.56, 1,234.56 or $1,234.56)")
    whole, _, part = found.group(1, 2, 3)
    cents = int(whole.replace(",", "")) * 100 + int((part or ".")[1:].ljust(2, "0"))
    if cents >= MAX_CENTS:
        raise ValueError(f"{raw!r} is implausibly large")
    return cents


def format_money(cents: int) -> str:
    """Cents as the plain CSV form `1234.56` (no separators, two decimals)."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"


# Objects whose every whole number is an amount in cents (a snapshot's lines by name).
AMOUNT_MAPS = frozenset({"incomes", "expenses"})
# Objects of workout terms: whole numbers are cents, except the counts the caller names.
TERMS_OBJECTS = frozenset({"offer", "terms"})


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def money_json(value: Any, counts: frozenset[str] = frozenset(), *,
               amounts: bool = False) -> Any:
    """A record as the app's JSON shows money: every `<name>_cents` key becomes `<name>` with
    the amount as a decimal string (`"1117.71"`, as `lossmit evaluate` prints terms; None
    stays None); inside `incomes`/`expenses` every whole number is an amount, and inside an
    `offer`/`terms` object every whole number but the `counts` (months, payments). Nested
    objects and lists too; nothing else changes."""
    if isinstance(value, dict):
        shown: dict[Any, Any] = {}
        for key, item in value.items():
            if isinstance(key, str) and key.endswith("_cents") and (
                    item is None or _is_whole(item)):
                shown[key.removesuffix("_cents")] = None if item is None else format_money(item)
            elif amounts and _is_whole(item) and key not in counts:
                shown[key] = format_money(item)
            elif key in AMOUNT_MAPS and isinstance(item, dict):
                shown[key] = money_json(item, counts=frozenset(), amounts=True)
            elif key in TERMS_OBJECTS and isinstance(item, dict):
                shown[key] = money_json(item, counts, amounts=True)
            else:
                shown[key] = money_json(item, counts, amounts=amounts and isinstance(item, dict))
        return shown
    if isinstance(value, list | tuple):
        return [money_json(item, counts, amounts=amounts) for item in value]
    return value


def display_money(cents: int | None) -> str:
    """Cents as a person reads them: `$1,234.56`; empty for an unknown amount."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}${whole:,}.{part:02d}"


def parse_rate(text: str) -> Decimal:
    """Parse an annual rate `6.875` or `6.875%` (at most three decimals, below 30%)."""
    raw = text.strip()
    if raw.startswith("-"):
        raise ValueError(f"{raw!r} is negative; a rate must be zero or more")
    if not _RATE.match(raw):
        raise ValueError(f"{raw!r} is not a rate (use 6.875 or 6.875%, at most 3 decimals)")
    rate = Decimal(raw.rstrip("%"))
    if rate >= 30:
        raise ValueError(f"{raw!r} is not a plausible mortgage rate (must be below 30%)")
    return rate


def rate_to_milli(rate: Decimal) -> int:
    """A percent rate as the stored integer of thousandths of a percent (6.875 -> 6875)."""
    return int((rate * 1000).to_integral_value(rounding=ROUND_HALF_UP))


def milli_to_rate(milli: int) -> Decimal:
    """The stored thousandths of a percent back to a Decimal percent (6875 -> 6.875)."""
    return (Decimal(milli) / 1000).quantize(Decimal("0.001"))


def format_rate(milli: int) -> str:
    """Stored thousandths of a percent as the CSV form `6.875`."""
    return str(milli_to_rate(milli))


def parse_date(text: str) -> date:
    """Parse `YYYY-MM-DD` or `MM/DD/YYYY` into a date."""
    raw = text.strip()
    try:
        if _ISO_DATE.match(raw):
            return date.fromisoformat(raw)
        m = _US_DATE.match(raw)
        if m:
            return date(int(m.group(3)), int(m.group(1)), int(m.group(2)))
    except ValueError:
        raise ValueError(f"{raw!r} is not a real calendar date") from None
    raise ValueError(f"{raw!r} is not a date (use YYYY-MM-DD or MM/DD/YYYY)")


def parse_bool(text: str) -> bool:
    """Parse yes/no style flags: true/false, yes/no, y/n, 1/0."""
    raw = text.strip().lower()
    if raw in {"true", "yes", "y", "1"}:
        return True
    if raw in {"false", "no", "n", "0"}:
        return False
    raise ValueError(f"{text.strip()!r} is not true or false (use true/false, yes/no, 1/0)")


_SPACES = re.compile(" {2,}")


def clean_text(text: str) -> str:
    """Strip control characters (ESC included) and surrounding blanks from untrusted text.

    Tabs and newlines inside the text become single spaces: a name or address is one line.
    """
    if text.isascii() and text.isprintable():  # nearly every value: nothing to strip
        return (_SPACES.sub(" ", text) if "  " in text else text).strip()
    out = []
    for ch in text:
        if ch in "\t\r\n":
            out.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cf") and ch != "\u200d":
            continue
        else:
            out.append(ch)
    return _SPACES.sub(" ", "".join(out)).strip()


def clean_multiline(text: str) -> str:
    """Strip control characters from free text (notes) but keep its line breaks."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(clean_text(line) for line in lines).strip("\n")


def display_text(text: str, *, lines: bool = False) -> str:
    """Stored text as it may reach a terminal: through the filter text passes on its way in
    (`clean_text`, or `clean_multiline` with `lines=True` for notes), because a row written
    around the services (direct SQL, an older version) could hold ESC, OSC or C1 sequences."""
    return clean_multiline(text) if lines else clean_text(text)


def parse_phone(text: str) -> str:
    """Parse a US phone number into its 10 digits (a leading 1 or +1 is dropped)."""
    if len(text) == 10 and text.isascii() and text.isdigit() and text[0] not in "01":
        return text  # already ten plain digits, as an export writes it
    digits = re.sub(r"[\s().\-+]", "", text.strip())
    if not (digits.isascii() and digits.isdigit()):
        raise ValueError(f"{text.strip()!r} is not a phone number")
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or digits[0] in "01":
        raise ValueError(f"{text.strip()!r} is not a 10-digit US phone number")
    return digits


def display_phone(digits: str | None) -> str:
    """Ten stored digits as `(555) 234-5678`."""
    if not digits:
        return ""
    if len(digits) != 10:
        return digits
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"


def to_decimal(text: str) -> Decimal:
    """Decimal from text, with a user-facing message on failure."""
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None


# A spreadsheet reads a cell that starts with one of these as a formula (or, for tab and
# carriage return, as the start of one): a borrower name "=HYPERLINK(...)" in an export would
# run when the file is opened. The quote that neutralises a cell starts the set, so a value
# that itself begins with a quote survives the round trip too.
FORMULA_STARTS = ("'", "=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str) -> str:
    """A text cell made safe for a spreadsheet: one leading quote when it could start a
    formula. `csv_value` undoes it, so an export imports back unchanged."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_value(cell: str) -> str:
    """A cell as written by `csv_cell`, back to its value (a cell another tool wrote with a
    plain leading quote before a formula character is read the same way)."""
    if len(cell) > 1 and cell[0] == "'" and cell[1:].startswith(FORMULA_STARTS):
        return cell[1:]
    return cell


def plural(n: int, noun: str) -> str:
    """`1 month`, `11 months`: a count with its noun in the right number."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def article(n: int) -> str:
    """The article before a number said aloud: "an" for 8, 11, 18, 80-89, 800-899 …
    ("an 11-month plan"), "a" otherwise."""
    return "an" if str(n).startswith("8") or n in (11, 18) else "a"
