"""The "act next" order: what can still be saved first, long-missed windows after it.

A case's place in the default queue is a stored integer (`cases.act_key`, indexed), made
here from the same facts as its urgency and refreshed with it, so the order costs an index
walk at any size. The key is a band and, within the band, a day:

1. a scheduled sale the rules bar (counsel must postpone it), soonest sale first;
2. a sale within `SALE_SOON_DAYS`, soonest first (a borrower can still be saved from it);
3. work due now: a next action (task or regulatory deadline) due within `DUE_SOON_DAYS`, or
   missed fewer than `MISSED_AFTER_DAYS` ago (still worth doing), or a promise to pay due
   today; earliest first;
4. windows missed `MISSED_AFTER_DAYS` or more ago (a live-contact window from a year back
   cannot be met any more; it stays visible for the record and the cure), most recent first;
5. work due later, earliest first;
6. nothing scheduled.

Cases in the same band and day are ordered by urgency (highest first), then loan number.
"""

from dataclasses import dataclass
from datetime import date
from enum import IntEnum

from lossmit_tui.domain.urgency import UrgencyInput

SALE_SOON_DAYS = 45  # an application received later than this before a sale loses
# protections (1024.41(b)(2)(i)(B), 45 days; (c), (g): 37 days): act before then
DUE_SOON_DAYS = 14  # the reach of the urgency score's next-action term
MISSED_AFTER_DAYS = 30  # a deadline missed longer ago than this is a missed window
BAND_SIZE = 10_000_000  # larger than any date's ordinal (9999-12-31 is 3,652,059)
NOTHING_KEY = 5 * BAND_SIZE  # Band.NOTHING's key: also the store's default for a new case


class Band(IntEnum):
    """The parts of the act-next order, first to last."""

    SALE_HOLD = 0
    SALE_SOON = 1
    DUE_NOW = 2
    MISSED = 3
    LATER = 4
    NOTHING = 5


@dataclass(frozen=True, slots=True)
class Place:
    """Where a case stands in the act-next order, and the date that places it."""

    band: Band
    on: date | None

    @property
    def key(self) -> int:
        """The stored sort key: band, then day (most recent first among missed windows)."""
        if self.on is None:
            return self.band * BAND_SIZE
        day = self.on.toordinal()
        return self.band * BAND_SIZE + (BAND_SIZE - 1 - day if self.band is Band.MISSED
                                        else day)


def place(case: UrgencyInput) -> Place:
    """The band and day of a case today (see the module docstring)."""
    today = case.today
    sale_ahead = case.sale_date is not None and case.sale_date >= today
    if case.sale_hold and case.sale_date is not None and sale_ahead:
        return Place(Band.SALE_HOLD, case.sale_date)
    if sale_ahead and case.sale_date is not None \
            and (case.sale_date - today).days <= SALE_SOON_DAYS:
        return Place(Band.SALE_SOON, case.sale_date)
    action = case.next_action_on
    due = [action] if action is not None and (
        -MISSED_AFTER_DAYS <= (action - today).days <= DUE_SOON_DAYS) else []
    if case.promise_due_on == today and not case.promise_kept:
        due.append(today)
    if due:
        return Place(Band.DUE_NOW, min(due))
    if action is None:
        return Place(Band.NOTHING, None)
    return Place(Band.MISSED if action < today else Band.LATER, action)


def act_key(case: UrgencyInput) -> int:
    """The integer the queue's default order sorts by (lowest first)."""
    return place(case).key


def _days(n: int) -> str:
    if n == 0:
        return "today"
    if n > 0:
        return "tomorrow" if n == 1 else f"in {n} days"
    return "1 day late" if n == -1 else f"{-n} days late"


def why_here(case: UrgencyInput, next_action_kind: str | None) -> str:
    """Why the case stands where it does in the act-next order, in words."""
    found = place(case)
    today = case.today
    what = (next_action_kind or "next action").replace("_", " ")
    if found.band is Band.SALE_HOLD and found.on is not None:
        return (f"A foreclosure sale the rules bar is set {_days((found.on - today).days)} "
                f"({found.on.isoformat()}): counsel must postpone it. These cases come "
                "first, soonest sale first.")
    if found.band is Band.SALE_SOON and found.on is not None:
        return (f"A foreclosure sale is set {_days((found.on - today).days)} "
                f"({found.on.isoformat()}), within {SALE_SOON_DAYS} days: these cases come "
                "right after sales to postpone, soonest first.")
    if found.band is Band.DUE_NOW and found.on is not None:
        if found.on != case.next_action_on:
            lead = "A promise to pay is due today"
        else:
            lead = f"The {what} is due {_days((found.on - today).days)} ({found.on.isoformat()})"
        return (f"{lead}: work due within {DUE_SOON_DAYS} days, or missed fewer than "
                f"{MISSED_AFTER_DAYS} days ago, comes after sales soon, earliest first.")
    if found.band is Band.MISSED and found.on is not None:
        return (f"The {what} was missed {-(found.on - today).days} days ago "
                f"({found.on.isoformat()}): windows missed more than {MISSED_AFTER_DAYS} days "
                "ago come after everything still due soon, most recent first.")
    if found.band is Band.LATER and found.on is not None:
        return (f"The {what} is due {_days((found.on - today).days)} "
                f"({found.on.isoformat()}): later work comes after missed windows, earliest "
                "first.")
    return "Nothing is scheduled on this case: such cases come last."
