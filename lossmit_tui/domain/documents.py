"""How old a document is (docs/RULES.md section 7): income documents must be no more than 90
days old, so one past 90 days must be refreshed, and one close to it is flagged early."""

from dataclasses import dataclass
from datetime import date, timedelta

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


def document_age(doc_type: str, status: str, requested_on: date | None,
                 received_on: date | None, dated: date | None, today: date) -> AgeState:
    """The Documents tab's Age: for a document in hand (received or accepted), its days since
    the date on it (the day received when it has none), with the 90-day limit of an income
    document; for one still requested, the days waiting since the request (flagged from
    the 30 days an incomplete application's notice gives); nothing for a closed one."""
    if status in ("received", "accepted"):
        start = dated or received_on
        if start is None:
            return AgeState(False, False, "")
        state = age_state(doc_type, start, today)
        if state.text:
            return state
        age = (today - start).days
        left = (f", {MAX_AGE_DAYS - age} days left" if doc_type in AGEING_TYPES
                else "")
        return AgeState(False, False, f"{age} days old{left}")
    if status == "requested" and requested_on is not None:
        waiting = (today - requested_on).days
        return AgeState(False, waiting >= RETURN_DAYS, f"waiting {waiting} days")
    return AgeState(False, False, "")


RETURN_DAYS = 30  # the reasonable date to return what is missing: 30 days after the notice
MIN_RETURN_DAYS = 7  # never fewer than 7 days after it


def return_by(notice_on: date, *, oldest_unpaid_due: date | None, sale_date: date | None,
              current_documents: tuple[tuple[str, date], ...] = ()) -> tuple[date, str]:
    """The date by which a borrower returns what an incomplete application lacks, and why
    (1024.41(b)(2)(i)(B), comments 41(b)(2)(ii)-1 to -3): 30 days after the notice, moved
    earlier to the earliest milestone still ahead — a document already received going stale
    (income documents at 90 days), the 120th day of delinquency, 90 days and 38 days before
    a scheduled sale — but never fewer than 7 days after the notice. `current_documents`
    are the received documents' (type, date on the document)."""
    day = notice_on + timedelta(days=RETURN_DAYS)
    why = f"{RETURN_DAYS} days after the notice"
    milestones: list[tuple[date, str]] = []
    for doc_type, dated in current_documents:
        if doc_type in AGEING_TYPES:
            milestones.append((dated + timedelta(days=MAX_AGE_DAYS),
                               f"the {doc_type.replace('_', ' ')} go stale"))
    if oldest_unpaid_due is not None:
        milestones.append((oldest_unpaid_due + timedelta(days=120),
                           "the 120th day of delinquency"))
    if sale_date is not None:
        milestones += [(sale_date - timedelta(days=90), "90 days before the sale"),
                       (sale_date - timedelta(days=38), "38 days before the sale")]
    ahead = sorted((d, w) for d, w in milestones if d > notice_on)
    if ahead and ahead[0][0] < day:
        day, why = ahead[0][0], f"{ahead[0][1]} (the earliest milestone ahead)"
    floor = notice_on + timedelta(days=MIN_RETURN_DAYS)
    if day < floor:
        day, why = floor, f"never fewer than {MIN_RETURN_DAYS} days after the notice"
    return day, why
