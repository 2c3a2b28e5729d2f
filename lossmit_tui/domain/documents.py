"""How old a document is (docs/RULES.md section 7): income documents must be no more than 90
days old, so one past 90 days must be refreshed, and one close to it is flagged early."""

from dataclasses import dataclass
from datetime import date

from lossmit_tui.domain.enums import DocType

MAX_AGE_DAYS = 90
WARN_DAYS = 15  # "expiring" this many days before the limit

AGEING_TYPES = frozenset({DocType.PAY_STUBS, DocType.BANK_STATEMENTS, DocType.BENEFIT_LETTER,
                          DocType.RENT_RECEIPTS})


@dataclass(frozen=True)
class AgeState:
    expired: bool
    expiring: bool
    text: str  # "" when there is nothing to say


def age_state(doc_type: str, dated: date | None, today: date) -> AgeState:
    """Whether an income document dated `dated` is still current on `today`."""
    if dated is None or doc_type not in AGEING_TYPES:
        return AgeState(False, False, "")
    age = (today - dated).days
    if age > MAX_AGE_DAYS:
        return AgeState(True, False, f"expired: {age} days old, request a fresh one")
    left = MAX_AGE_DAYS - age
    if left <= WARN_DAYS:
        return AgeState(False, True, f"expiring: {age} days old, {left} days left")
    return AgeState(False, False, "")
