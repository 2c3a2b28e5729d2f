"""What recording a case event does (DOMAIN.md sections 3 and 4): the stage it moves the case
to, the regulatory deadlines it starts and the ones it meets.

Deadlines are kept as regulatory-deadline tasks whose source is the rule's citation, so the
queue's "next action", its Regulatory view and the tracker read them like any other task.
Everything here is pure: dates and the business-day calendar come in as arguments.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from lossmit_tui.domain.calendar import BusinessCalendar
from lossmit_tui.domain.enums import EventKind, Stage

ACKNOWLEDGE = "1024.41(b)(2)(i)(B)"
COMPLETE_NOTICE = "1024.41(c)(3)"
DECIDE = "1024.41(c)(1)"
ACCEPT_WINDOW = "1024.41(e)"
APPEAL_WINDOW = "1024.41(h)"
DECIDE_APPEAL = "1024.41(h)(4)"
LIVE_CONTACT = "1024.39(a)"
WRITTEN_NOTICE = "1024.39(b)"

# The stage an event puts the case in (stage_changed carries its own).
STAGE_AFTER: dict[str, Stage] = {
    EventKind.APPLICATION_RECEIVED: Stage.APPLICATION,
    EventKind.APPLICATION_COMPLETE: Stage.EVALUATION,
    EventKind.OFFER_SENT: Stage.OFFER,
    EventKind.DENIED: Stage.DENIED,
    EventKind.APPEAL_RECEIVED: Stage.APPEAL,
    EventKind.TRIAL_STARTED: Stage.TRIAL,
    EventKind.PLAN_STARTED: Stage.PLAN,
}

# The deadlines an event meets: open tasks carrying these citations are completed by it.
MEETS: dict[str, tuple[str, ...]] = {
    EventKind.ACKNOWLEDGMENT_SENT: (ACKNOWLEDGE,),
    EventKind.COMPLETE_NOTICE_SENT: (COMPLETE_NOTICE,),
    EventKind.OFFER_SENT: (DECIDE, DECIDE_APPEAL),
    EventKind.DENIED: (DECIDE, DECIDE_APPEAL),
    EventKind.OFFER_ACCEPTED: (ACCEPT_WINDOW,),
    EventKind.OFFER_REJECTED: (ACCEPT_WINDOW,),
    EventKind.APPEAL_RECEIVED: (APPEAL_WINDOW,),
    EventKind.APPEAL_DECIDED: (DECIDE_APPEAL,),
    EventKind.LIVE_CONTACT: (LIVE_CONTACT,),
    EventKind.WRITTEN_NOTICE_SENT: (WRITTEN_NOTICE,),
}


@dataclass(frozen=True)
class Deadline:
    """A regulatory deadline an event starts: a task to be added."""

    title: str
    rule: str
    due_on: date


@dataclass(frozen=True)
class EventFacts:
    """What the rules need to know about the case when the event happens."""

    kind: str
    occurred_on: date
    sale_date: date | None
    completed_on: date | None  # when the application became complete, if it has


def _days_before_sale(on: date | None, sale: date | None) -> int | None:
    """Days from `on` to the sale; None when no sale is set (counts as 90 days or more)."""
    if sale is None or on is None:
        return None
    return (sale - on).days


def deadlines_started(facts: EventFacts, calendar: BusinessCalendar) -> list[Deadline]:
    """The regulatory deadlines this event starts, with their due dates (DOMAIN.md table)."""
    on, kind = facts.occurred_on, facts.kind
    before_sale = _days_before_sale(on, facts.sale_date)
    completed_before_sale = _days_before_sale(facts.completed_on, facts.sale_date)
    if kind == EventKind.APPLICATION_RECEIVED:
        if before_sale is None or before_sale >= 45:
            return [Deadline("Acknowledge application (5 BD)", ACKNOWLEDGE,
                             calendar.add_business_days(on, 5))]
    elif kind == EventKind.APPLICATION_COMPLETE:
        if before_sale is None or before_sale > 37:
            return [Deadline("Notice of complete application (5 BD)", COMPLETE_NOTICE,
                             calendar.add_business_days(on, 5)),
                    Deadline("Decide complete application (30 days)", DECIDE,
                             on + timedelta(days=30))]
    elif kind == EventKind.OFFER_SENT:
        short = completed_before_sale is not None and 37 <= completed_before_sale < 90
        days = 7 if short else 14
        return [Deadline(f"Offer acceptance window ends ({days} days)", ACCEPT_WINDOW,
                         on + timedelta(days=days))]
    elif kind == EventKind.DENIED:
        if completed_before_sale is None or completed_before_sale >= 90:
            return [Deadline("Appeal window closes (14 days)", APPEAL_WINDOW,
                             on + timedelta(days=14))]
    elif kind == EventKind.APPEAL_RECEIVED:
        return [Deadline("Decide appeal (30 days)", DECIDE_APPEAL, on + timedelta(days=30))]
    return []
