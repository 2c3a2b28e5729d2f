"""The regulatory clock (docs/RULES.md section 4): from a case's facts and events and `today`, every
Reg X clock with its rule, due date, whether it applies (and why not), and its state.

Pure: no database, no "now"; business days come from the calendar passed in. Calendar-day
rules count calendar days. A case that is not a principal residence gets the same clocks,
marked informational (they do not apply).

States:
  pending   - due later than the "due soon" horizon
  due_soon  - due today or within the horizon (5 days unless configured)
  met       - its event happened by the due date (`met_by` says which, and when)
  missed    - the date passed without the event (a late event is named in `met_by`)
  barred / allowed - for the two "not before" rules: foreclosure filing and sale.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from lossmit_tui.domain.calendar import BusinessCalendar
from lossmit_tui.domain.delinquency import add_months
from lossmit_tui.domain.enums import EventKind

DUE_SOON_DAYS = 5
INSTALLMENT_BASIS = "installment due "  # + the ISO date: what starts a delinquency clock


class ClockState(StrEnum):
    PENDING = "pending"
    DUE_SOON = "due_soon"
    MET = "met"
    MISSED = "missed"
    BARRED = "barred"
    ALLOWED = "allowed"


OPEN_STATES = frozenset({ClockState.PENDING, ClockState.DUE_SOON, ClockState.MISSED})


@dataclass(frozen=True)
class Rule:
    citation: str
    title: str
    met_by: tuple[str, ...]  # event kinds that meet it ("" for the bars)


LIVE_CONTACT = Rule("1024.39(a)", "Live contact (day 36)",
                    (EventKind.LIVE_CONTACT,))
WRITTEN_NOTICE = Rule("1024.39(b)", "Written early-intervention notice (day 45)",
                      (EventKind.WRITTEN_NOTICE_SENT,))
SPOC = Rule("1024.40", "Assign a single point of contact (day 45)", (EventKind.SPOC_ASSIGNED,))
ACKNOWLEDGE = Rule("1024.41(b)(2)(i)(B)", "Acknowledge application (5 BD)",
                   (EventKind.ACKNOWLEDGMENT_SENT,))
COMPLETE_NOTICE = Rule("1024.41(c)(3)", "Notice of complete application (5 BD)",
                       (EventKind.COMPLETE_NOTICE_SENT,))
DECIDE = Rule("1024.41(c)(1)", "Evaluate and decide (30 days)",
              (EventKind.OFFER_SENT, EventKind.DENIED))
ACCEPT_WINDOW = Rule("1024.41(e)", "Borrower accepts or rejects the offer",
                     (EventKind.OFFER_ACCEPTED, EventKind.OFFER_REJECTED))
APPEAL_WINDOW = Rule("1024.41(h)", "Borrower may appeal the denial (14 days)",
                     (EventKind.APPEAL_RECEIVED,))
DECIDE_APPEAL = Rule("1024.41(h)(4)", "Decide the appeal (30 days)",
                     (EventKind.APPEAL_DECIDED,))
FIRST_FILING = Rule("1024.41(f)(1)", "First foreclosure notice or filing allowed (day 121)", ())
NO_SALE = Rule("1024.41(g)", "No foreclosure judgment or sale", ())
# A sale scheduled while the sale is barred: counsel must be told to postpone it
# (domain/foreclosure.py raises it; recording the instruction meets it).
COUNSEL_HOLD = Rule("1024.41(g)", "Instruct counsel to postpone the sale",
                    (EventKind.COUNSEL_INSTRUCTED,))

RULES = (LIVE_CONTACT, WRITTEN_NOTICE, SPOC, ACKNOWLEDGE, COMPLETE_NOTICE, DECIDE,
         ACCEPT_WINDOW, APPEAL_WINDOW, DECIDE_APPEAL, FIRST_FILING, NO_SALE, COUNSEL_HOLD)
BY_CITATION = {r.citation: r for r in RULES}


# Events whose clocks are judged on the sale date known when they happened (1024.41(b)(3)):
# "days before a sale" is fixed then, and a sale scheduled later changes nothing.
SALE_FIXED_AT = frozenset({EventKind.APPLICATION_RECEIVED, EventKind.APPLICATION_COMPLETE})


@dataclass(frozen=True)
class CaseFacts:
    """What the clocks depend on. `contacts` are the days of live (right-party)
    conversations; `events` are (kind, day) pairs in any order. `sale_known` gives, for an
    application event (kind, day), the sale date scheduled when it was recorded (None: no
    sale); an event without one is judged on `sale_date`, today's."""

    oldest_unpaid_due: date | None
    principal_residence: bool = True
    sale_date: date | None = None
    events: tuple[tuple[str, date], ...] = ()
    contacts: tuple[date, ...] = ()
    sale_known: tuple[tuple[str, date, date | None], ...] = ()
    # The servicer is a debt collector for the loan under the FDCPA and a borrower sent a
    # cease-communication notice (1024.39(d)): no live contact; the written notice at most
    # once in 180 days and again within 190.
    fdcpa_cease: bool = False
    # Why the 120 days of 1024.41(f)(1) do not apply to the foreclosure counsel was sent
    # ("due-on-sale" or "joining another lienholder's action"; "" for a default foreclosure).
    fc_exempt: str = ""
    referred_on: date | None = None  # referred to foreclosure counsel
    # The hold counsel was last given (cases.fc_hold) and since when: the sync compares the
    # new one with it.
    fc_hold: str | None = None
    fc_hold_since: date | None = None

    def sale_then(self, kind: str, day: date) -> date | None:
        """The scheduled sale date that decides the clocks of the event (kind, day)."""
        return next((sale for k, d, sale in self.sale_known if k == kind and d == day),
                    self.sale_date)


@dataclass(frozen=True)
class Clock:
    rule: Rule
    due_on: date | None
    state: ClockState
    applies: bool = True
    why_not: str = ""  # when it does not apply
    met_by: str = ""  # the event that met it (or came late), with its day
    basis: str = ""  # what started it ("installment due 2026-01-01", "application 2026-…")
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def citation(self) -> str:
        return self.rule.citation

    @property
    def is_open(self) -> bool:
        """Still to be done (pending, due soon, or missed with no event yet) and binding."""
        return self.applies and self.state in OPEN_STATES and not self.met_by

    @property
    def is_deadline(self) -> bool:
        """A date by which something must be done (the two bars are not)."""
        return self.rule not in (FIRST_FILING, NO_SALE) and self.due_on is not None


def _latest(events: Iterable[tuple[str, date]], kinds: Iterable[str]) -> date | None:
    wanted = set(kinds)
    days = [day for kind, day in events if kind in wanted]
    return max(days) if days else None


def _first_on_or_after(days: Iterable[date], start: date) -> date | None:
    after = [d for d in days if d >= start]
    return min(after) if after else None


def _state(due: date, met_on: date | None, today: date, horizon: int) -> ClockState:
    if met_on is not None and met_on <= due:
        return ClockState.MET
    if today > due:
        return ClockState.MISSED
    if (due - today).days <= horizon:
        return ClockState.DUE_SOON
    return ClockState.PENDING


def _deadline(rule: Rule, due: date, start: date, facts: CaseFacts, today: date,
              horizon: int, basis: str, extra_met: Iterable[date] = ()) -> Clock:
    """A deadline met by the first of its events on or after `start`."""
    met_days = [day for kind, day in facts.events if kind in rule.met_by]
    met_on = _first_on_or_after([*met_days, *extra_met], start)
    met_kind = ""
    if met_on is not None:
        met_kind = next((kind for kind, day in facts.events
                         if kind in rule.met_by and day == met_on), "live contact")
    state = _state(due, met_on, today, horizon)
    met_by = ""
    if met_on is not None:
        met_by = f"{met_kind.replace('_', ' ')} on {met_on.isoformat()}" + (
            " (late)" if met_on > due else "")
    return Clock(rule, due, state, met_by=met_by, basis=basis)


def _installments(first: date, today: date) -> list[date]:
    """Due dates from the oldest unpaid one up to today."""
    days, n = [], 0
    while (day := add_months(first, n)) <= today:
        days.append(day)
        n += 1
    return days


def regulatory_clocks(facts: CaseFacts, today: date, calendar: BusinessCalendar,
                      horizon: int = DUE_SOON_DAYS) -> list[Clock]:
    """Every clock of docs/RULES.md section 4 that has started for this case, by due date."""
    clocks: list[Clock] = []
    ev = facts.events
    d0 = facts.oldest_unpaid_due
    if d0 is not None and d0 < today:
        clocks += _delinquency_clocks(facts, d0, today, horizon)
    clocks += _application_clocks(facts, today, calendar, horizon)
    if d0 is not None and d0 < today:
        clocks.append(_first_filing(facts, d0, today))
    complete = _latest(ev, (EventKind.APPLICATION_COMPLETE,))
    if complete is not None:
        clocks.append(_no_sale(facts, complete, today))
    if not facts.principal_residence:
        clocks = [Clock(c.rule, c.due_on, c.state, False,
                        "not a principal residence: shown for information", c.met_by, c.basis,
                        c.notes) for c in clocks]
    return sorted(clocks, key=lambda c: (c.due_on or date.max, c.citation))


def _delinquency_clocks(facts: CaseFacts, d0: date, today: date, horizon: int) -> list[Clock]:
    clocks: list[Clock] = []
    installments = _installments(d0, today)
    # Live contact: by day 36 for the first missed installment, and 36 days after each
    # later due date, until contact is made for that installment. Shown: the first
    # installment, every window not yet due, and every missed window (one missed with no
    # contact since stays the one to act on until the conversation happens; it is never
    # moved on to the next installment). Windows met in time are history.
    contacts = _contact_days(facts)
    for index, due_date in enumerate(installments):
        deadline = due_date + timedelta(days=36)
        clock = _deadline(LIVE_CONTACT, deadline, due_date, facts, today, horizon,
                          f"{INSTALLMENT_BASIS}{due_date.isoformat()}", extra_met=contacts)
        if facts.fdcpa_cease:  # exempt, shown once with its rule, never missed
            clocks.append(_not_applying(clock, CEASE_EXEMPT))
            break
        if index == 0 or deadline >= today or clock.state is ClockState.MISSED:
            clocks.append(clock)
    # Written notice: by day 45; not required more than once in 180 days, so a notice of
    # an earlier delinquency less than 180 days before then puts it off to the period's
    # end. Then again at the end of each 180-day period while delinquent (the borrower is
    # 45+ days late by then: the notice is due that day).
    first_due, basis = d0 + timedelta(days=45), f"{INSTALLMENT_BASIS}{d0.isoformat()}"
    earlier = [d for k, d in facts.events if k == EventKind.WRITTEN_NOTICE_SENT and d < d0]
    if earlier and max(earlier) + timedelta(days=180) > first_due:
        first_due = max(earlier) + timedelta(days=180)
        basis += f", 180 days after the notice of {max(earlier).isoformat()}"
    clocks.append(_deadline(WRITTEN_NOTICE, first_due, d0, facts, today, horizon, basis))
    repeat = _next_notice(facts, d0)
    if repeat is not None:
        last, later = repeat
        if later <= today:  # only while that installment is due and still unpaid
            clocks.append(_deadline(WRITTEN_NOTICE, last + timedelta(
                days=CEASE_NOTICE_DAYS if facts.fdcpa_cease else 180),
                                    last + timedelta(days=1), facts, today, horizon,
                                    f"{INSTALLMENT_BASIS}{later.isoformat()}, 180 days after "
                                    f"the notice of {last.isoformat()}"))
    clocks.append(_deadline(SPOC, d0 + timedelta(days=45), d0, facts, today, horizon,
                            f"{INSTALLMENT_BASIS}{d0.isoformat()}"))
    return clocks


CEASE_EXEMPT = ("exempt: a borrower sent the debt collector a cease-communication notice "
                "(1024.39(d)(1))")
CEASE_NOTICE_DAYS = 190  # the notice again no later than 190 days after the last (39(d)(3))


def _contact_days(facts: CaseFacts) -> list[date]:
    """The days of live conversations: right-party calls and recorded live contacts."""
    return [*facts.contacts, *(d for k, d in facts.events if k == EventKind.LIVE_CONTACT)]


def _next_notice(facts: CaseFacts, d0: date) -> tuple[date, date] | None:
    """After a written notice in this delinquency: (that notice's day, the installment whose
    day 45 is the first at least 180 days after it). That installment falling due starts the
    next notice's clock; the notice is due 180 days after the last one (1024.39(b)(1))."""
    notices = [d for k, d in facts.events if k == EventKind.WRITTEN_NOTICE_SENT and d >= d0]
    if not notices:
        return None
    last, n = max(notices), 1
    while (later := add_months(d0, n)) + timedelta(days=45) < last + timedelta(days=180):
        n += 1
    return last, later


def _days_before_sale(day: date, sale: date | None) -> int | None:
    return None if sale is None else (sale - day).days


def _application_clocks(facts: CaseFacts, today: date, calendar: BusinessCalendar,
                        horizon: int) -> list[Clock]:
    ev = facts.events
    clocks: list[Clock] = []
    received = _latest(ev, (EventKind.APPLICATION_RECEIVED,))
    if received is not None:
        clock = _deadline(ACKNOWLEDGE, calendar.add_business_days(received, 5), received,
                          facts, today, horizon, f"application received {received}")
        before = _days_before_sale(
            received, facts.sale_then(EventKind.APPLICATION_RECEIVED, received))
        if before is not None and before < 45:
            clock = _not_applying(clock, f"received {before} days before the sale (< 45)")
        clocks.append(clock)
    complete = _latest(ev, (EventKind.APPLICATION_COMPLETE,))
    complete_before = None if complete is None else _days_before_sale(
        complete, facts.sale_then(EventKind.APPLICATION_COMPLETE, complete))
    if complete is not None:
        basis = f"application complete {complete}"
        notice = _deadline(COMPLETE_NOTICE, calendar.add_business_days(complete, 5), complete,
                           facts, today, horizon, basis)
        decide = _deadline(DECIDE, complete + timedelta(days=30), complete, facts, today,
                           horizon, basis)
        if complete_before is not None and complete_before <= 37:
            why = f"complete {complete_before} days before the sale (37 or fewer)"
            notice, decide = _not_applying(notice, why), _not_applying(decide, why)
        decided = _first_on_or_after([d for k, d in ev if k in DECIDE.met_by], complete)
        if (notice.applies and not notice.met_by and decided is not None
                and notice.due_on is not None and decided <= notice.due_on):
            notice = _not_applying(notice, f"the decision went out on {decided} "
                                           "(1024.41(c)(3)(ii))")
        clocks += [notice, decide]
    offer = _latest(ev, (EventKind.OFFER_SENT,))
    if offer is not None:
        short = complete_before is not None and 37 < complete_before < 90
        days = 7 if short else 14
        due, basis = offer + timedelta(days=days), f"offer sent {offer} ({days}-day window)"
        # An appeal of the denial extends the acceptance of every offer until 14 days after
        # its decision (1024.41(e)(2)(iii), (h)(4)); while it is pending, to 14 days after
        # the day the decision is due (30 days after the appeal).
        appeal, decided = _appeal_of(facts, _denial_after(facts, complete))
        if appeal is not None and decided is None:
            due = max(due, appeal + timedelta(days=44))
            basis += ", extended until 14 days after the appeal decision"
        elif decided is not None and decided + timedelta(days=14) > due:
            due = decided + timedelta(days=14)
            basis += ", extended to 14 days after the appeal decision"
        clock = _deadline(ACCEPT_WINDOW, due, offer, facts, today, horizon, basis)
        if complete_before is not None and complete_before <= 37:
            clock = _not_applying(clock, f"complete {complete_before} days before the sale "
                                         "(37 or fewer): no minimum window")
        clocks.append(clock)
    denied = _latest(ev, (EventKind.DENIED,))
    if denied is not None:
        clock = _deadline(APPEAL_WINDOW, denied + timedelta(days=14), denied, facts, today,
                          horizon, f"denial sent {denied}")
        if complete_before is not None and complete_before < 90:
            clock = _not_applying(clock, f"complete {complete_before} days before the sale "
                                         "(< 90): no appeal right")
        clocks.append(clock)
    appeal = _latest(ev, (EventKind.APPEAL_RECEIVED,))
    if appeal is not None:
        clocks.append(_deadline(DECIDE_APPEAL, appeal + timedelta(days=30), appeal, facts,
                                today, horizon, f"appeal received {appeal}"))
    return clocks


def _not_applying(clock: Clock, why: str) -> Clock:
    return Clock(clock.rule, clock.due_on, clock.state, False, why, clock.met_by, clock.basis,
                 clock.notes)


# An agreed option the borrower is performing: accepted, or a trial or plan begun, or a
# trial payment made (a trial payment by the deadline is never a deemed rejection).
PERFORMING = (EventKind.OFFER_ACCEPTED, EventKind.TRIAL_STARTED, EventKind.PLAN_STARTED,
               EventKind.TRIAL_PAYMENT)


def _first_event(facts: CaseFacts, kinds: Iterable[str], start: date) -> date | None:
    """The day of the first event of these kinds on or after `start`."""
    wanted = set(kinds)
    return _first_on_or_after([d for k, d in facts.events if k in wanted], start)


def _denial_after(facts: CaseFacts, complete: date | None) -> date | None:
    """The latest denial, when it answers the complete application of `complete`."""
    denied = _latest(facts.events, (EventKind.DENIED,))
    return denied if denied is not None and complete is not None and denied >= complete \
        else None


def _appeal_of(facts: CaseFacts, denied: date | None) -> tuple[date | None, date | None]:
    """The appeal of a denial, if any, and the day it was decided (None: still pending)."""
    if denied is None:
        return None, None
    appeal = _first_event(facts, (EventKind.APPEAL_RECEIVED,), denied)
    if appeal is None:
        return None, None
    return appeal, _first_event(facts, (EventKind.APPEAL_DECIDED,), appeal)


def appeal_refusal(facts: CaseFacts, day: date) -> str:
    """Why an appeal received on `day` cannot be recorded, or "" (1024.41(h)): it needs a
    denial of a complete application, the right to appeal (complete 90 or more days before a
    sale, or no sale), the 14 days not over, and no earlier appeal of the same denial (the
    appeal decision is final)."""
    complete = _latest(facts.events, (EventKind.APPLICATION_COMPLETE,))
    denied = _denial_after(facts, complete)
    if denied is None or complete is None or denied > day:
        return "there is no denial of a complete application to appeal"
    before = _days_before_sale(
        complete, facts.sale_then(EventKind.APPLICATION_COMPLETE, complete))
    if before is not None and before < 90:
        return (f"the application was complete {before} days before the sale (fewer than "
                "90): there is no appeal right (1024.41(h)(1))")
    appeal, decided = _appeal_of(facts, denied)
    if appeal is not None:
        return (f"the denial of {denied.isoformat()} was already appealed on "
                f"{appeal.isoformat()}" + (f" and decided on {decided.isoformat()}"
                                           if decided else "")
                + "; the appeal decision is final (1024.41(h)(4))")
    last = denied + timedelta(days=14)
    if day > last:
        return (f"the 14 days to appeal the denial of {denied.isoformat()} ended on "
                f"{last.isoformat()} (1024.41(h)(2))")
    return ""


def pending_appeal(facts: CaseFacts) -> tuple[date, date] | None:
    """The appeal awaiting its decision and the denial it appeals, or None."""
    complete = _latest(facts.events, (EventKind.APPLICATION_COMPLETE,))
    denied = _denial_after(facts, complete)
    appeal, decided = _appeal_of(facts, denied)
    return (appeal, denied) if appeal is not None and denied is not None \
        and decided is None else None


def _pending_application(facts: CaseFacts, complete: date, today: date) -> str:
    """Why a complete application still protects the borrower, or "" when it no longer does.

    The bar lifts only when every ground below is gone (1024.41(f)(2), (g)): no decision
    yet; an offer inside its acceptance window (extended by an appeal); an option accepted
    and being performed, until a failure to perform is recorded; a denial inside its appeal
    window (when the borrower has the right: completed 90 or more days before a sale) or
    with its appeal undecided. A modification denied while another option is offered keeps
    the bar through the appeal, whatever became of the offer."""
    offer = _latest(facts.events, (EventKind.OFFER_SENT,))
    offer = offer if offer is not None and offer >= complete else None
    denied = _denial_after(facts, complete)
    if offer is None and denied is None:
        return f"complete application of {complete} awaiting a decision"
    reasons: list[str] = []
    appeal, decided = _appeal_of(facts, denied)
    if appeal is not None and decided is None:
        reasons.append(f"appeal of {appeal} not yet decided")
    elif denied is not None and appeal is None:
        before = _days_before_sale(
            complete, facts.sale_then(EventKind.APPLICATION_COMPLETE, complete))
        if (before is None or before >= 90) and today <= denied + timedelta(days=14):
            reasons.append(f"denial of {denied} within its appeal window")
    if offer is not None:
        performing = _first_event(facts, PERFORMING, offer)
        rejected = _first_event(facts, (EventKind.OFFER_REJECTED,), offer)
        if performing is not None and (rejected is None or performing > rejected):
            if _first_event(facts, (EventKind.FAILED_TO_PERFORM,), performing) is None:
                reasons.append(f"option accepted on {performing} being performed")
        elif rejected is None and not (appeal is not None and decided is None):
            window_end = offer + timedelta(days=14)
            if decided is not None:  # extended by the appeal (1024.41(h)(4))
                window_end = max(window_end, decided + timedelta(days=14))
            if today <= window_end:
                reasons.append(f"offer of {offer} within its acceptance window")
    return "; ".join(reasons)


def _first_filing(facts: CaseFacts, d0: date, today: date) -> Clock:
    allowed_from = d0 + timedelta(days=121)
    basis = f"{INSTALLMENT_BASIS}{d0.isoformat()}"
    complete = _latest(facts.events, (EventKind.APPLICATION_COMPLETE,))
    pending = _pending_application(facts, complete, today) if complete else ""
    if today < allowed_from and facts.fc_exempt:
        return Clock(FIRST_FILING, allowed_from,
                     ClockState.BARRED if pending else ClockState.ALLOWED, basis=basis,
                     notes=(f"the 120 days do not apply to {facts.fc_exempt}",
                            *((f"barred while the {pending} (1024.41(f)(2))",)
                              if pending else ())))
    if today < allowed_from:
        return Clock(FIRST_FILING, allowed_from, ClockState.BARRED, basis=basis,
                     notes=(f"not before {allowed_from.isoformat()} (day 121)",))
    if pending:
        return Clock(FIRST_FILING, allowed_from, ClockState.BARRED, basis=basis,
                     notes=(f"barred while the {pending} (1024.41(f)(2))",))
    return Clock(FIRST_FILING, allowed_from, ClockState.ALLOWED, basis=basis)


def _no_sale(facts: CaseFacts, complete: date, today: date) -> Clock:
    basis = f"application complete {complete}"
    before = _days_before_sale(
        complete, facts.sale_then(EventKind.APPLICATION_COMPLETE, complete))
    pending = _pending_application(facts, complete, today)
    state = ClockState.BARRED if pending else ClockState.ALLOWED
    clock = Clock(NO_SALE, facts.sale_date, state, basis=basis,
                  notes=(f"barred while the {pending}",) if pending else ())
    if before is not None and before <= 37:
        return _not_applying(clock, f"complete {before} days before the sale (37 or fewer)")
    return clock


def next_deadline(clocks: Iterable[Clock]) -> Clock | None:
    """The earliest binding clock still to be done (the case's regulatory next action)."""
    open_ = [c for c in clocks if c.is_open and c.due_on is not None]
    return min(open_, key=lambda c: (c.due_on, c.citation)) if open_ else None


def open_deadlines(clocks: Iterable[Clock]) -> dict[str, Clock]:
    """The deadline to act on for each rule: its earliest open binding clock. These are the
    case's regulatory tasks (a live-contact window still open when the next installment
    falls due stays the one to act on; one conversation meets both)."""
    earliest: dict[str, Clock] = {}
    for clock in sorted((c for c in clocks if c.is_deadline and c.is_open),
                        key=lambda c: (c.due_on or date.max, c.citation)):
        earliest.setdefault(clock.citation, clock)
    return earliest


@dataclass(frozen=True)
class TimeChange:
    """The next day on which time alone, with no new event, changes a case's open deadlines
    (`open_deadlines`: its regulatory tasks). Due-soon and missed are not changes: they are
    read from the dates.

    `window_only`: the change on `on` is only the live-contact window of the installment
    falling due that day (due 36 days later), the change most delinquent loans see each
    month; `then` is the change after it. The daily pass makes that change in bulk."""

    on: date | None
    window_only: bool = False
    then: date | None = None


def next_time_change(facts: CaseFacts, today: date) -> TimeChange:
    """When `open_deadlines(regulatory_clocks(facts, day))` next differs from today's.

    With no event, the open deadlines change only when delinquency begins, when an
    installment falls due while every live-contact window so far is met (that installment's
    window opens), and when the installment falls due that restarts the written notice 180
    days after the last one. A loan that is not a principal residence has no binding
    deadlines, so time changes nothing."""
    d0 = facts.oldest_unpaid_due
    if d0 is None or not facts.principal_residence:
        return TimeChange(None)
    if d0 >= today:
        return TimeChange(d0 + timedelta(days=1))  # the first day of delinquency
    due = _installments(d0, today)
    following = add_months(d0, len(due))
    contacts = [d for d in _contact_days(facts) if d >= d0]
    window = None
    if facts.fdcpa_cease:
        pass  # no live-contact window binds: only the written notice moves with time
    elif contacts and max(contacts) >= due[-1]:  # every window so far is met
        if max(contacts) >= following:  # a conversation dated ahead: let the sync decide
            return TimeChange(following)
        window = following
    repeat = _next_notice(facts, d0)
    notice = repeat[1] if repeat is not None and repeat[1] > today else None
    days = [d for d in (window, notice) if d is not None]
    if not days:
        return TimeChange(None)
    on = min(days)
    if on == window and on != notice:
        return TimeChange(on, True, notice)
    return TimeChange(on)
