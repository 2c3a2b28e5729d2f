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

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from functools import cached_property
from typing import Any

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
    bar: bool = False  # a "not before" rule (no task): the complaint credit-reporting hold


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
                     (EventKind.OFFER_ACCEPTED, EventKind.OFFER_REJECTED,
                      EventKind.TRIAL_STARTED, EventKind.PLAN_STARTED))
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

# The written notice of a short-term option offered on an incomplete application (policy:
# 5 BD; the rule says promptly), unless the borrower turned it down first.
SHORT_TERM_NOTICE = Rule("1024.41(c)(2)(iii)", "Written notice of the short-term option (5 BD)",
                         (EventKind.SHORT_TERM_NOTICE_SENT,))

RULES = (LIVE_CONTACT, WRITTEN_NOTICE, SPOC, ACKNOWLEDGE, COMPLETE_NOTICE, DECIDE,
         ACCEPT_WINDOW, APPEAL_WINDOW, DECIDE_APPEAL, FIRST_FILING, NO_SALE, COUNSEL_HOLD,
         SHORT_TERM_NOTICE)
BY_CITATION = {r.citation: r for r in RULES}


# Events whose clocks are judged on the sale date known when they happened (1024.41(b)(3)):
# "days before a sale" is fixed then, and a sale scheduled later changes nothing.
SALE_FIXED_AT = frozenset({EventKind.APPLICATION_RECEIVED, EventKind.APPLICATION_COMPLETE})


GOOD_FAITH_ATTEMPTS = 2  # policy: call attempts on different days meet a live-contact window

# Policy where the rule says "reasonable" or "promptly" (docs/RULES.md section 4):
# - a facially complete application keeps its protections this many days after the servicer
#   asks for more (1024.41(c)(2)(iv));
# - the decision is due this many business days after third-party documents that held it
#   arrive (1024.41(c)(4)(ii));
# - trial payments made by the acceptance deadline while other requirements are missing get
#   this many more days before the offer is deemed rejected (1024.41(e)(2)(ii));
# - a short-term option's written notice is due this many business days after the offer.
FACIAL_GRACE_DAYS = 30
PROMPT_DECISION_BD = 5
ACCEPTANCE_EXTRA_DAYS = 14
SHORT_TERM_NOTICE_BD = 5
# The limits of a short-term option on an incomplete application (1024.41(c)(2)(iii)).
SHORT_TERM_OPTIONS = ("repayment_plan", "forbearance")
SHORT_TERM_MAX_MONTHS = 6
SHORT_TERM_MAX_ARREARS_MONTHS = 3

# What ends a bankruptcy's exemption (1024.39(c)(2)), and the chapters a petition may be under.
BANKRUPTCY_ENDS: dict[str, str] = {EventKind.BANKRUPTCY_DISCHARGED: "discharged",
                   EventKind.BANKRUPTCY_DISMISSED: "dismissed",
                   EventKind.BANKRUPTCY_REAFFIRMED: "reaffirmed"}
BANKRUPTCY_CHAPTERS = (7, 11, 12, 13)


@dataclass(frozen=True)
class Bankruptcy:
    """One bankruptcy case of a borrower, as recorded: filed, and how its exemption from the
    early-intervention rules ended (None: the borrower is still a debtor)."""

    filed_on: date
    chapter: int
    case_number: str
    ended_on: date | None = None
    ended_how: str | None = None  # "discharged", "dismissed" (or closed), "reaffirmed"

    @property
    def describe(self) -> str:
        """"chapter 13 case 26-10001 filed 2026-02-10" (and how it ended)."""
        text = f"chapter {self.chapter} case {self.case_number} filed {self.filed_on}"
        if self.ended_on is not None:
            text += f", {self.ended_how} {self.ended_on}"
        return text


@dataclass(frozen=True)
class CaseFacts:
    """What the clocks depend on. `contacts` are the days of live (right-party)
    conversations; `attempts` the days of outbound call attempts (any result); `events`
    are (kind, day) pairs in any order. `sale_known` gives, for an application event
    (kind, day), the sale date scheduled when it was recorded (None: no sale); an event
    without one is judged on `sale_date`, today's. `bankruptcy_filings` are the petitions'
    (day, chapter, case number); `successor_applications` the days of applications received
    from a claimed successor in interest before confirmation."""

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
    attempts: tuple[date, ...] = ()
    attempts_needed: int = GOOD_FAITH_ATTEMPTS  # policy (comment 39(a)-3)
    bankruptcy_filings: tuple[tuple[date, int, str], ...] = ()
    successor_applications: tuple[date, ...] = ()
    # Why the 120 days of 1024.41(f)(1) do not apply to the foreclosure counsel was sent
    # ("due-on-sale" or "joining another lienholder's action"; "" for a default foreclosure).
    fc_exempt: str = ""
    referred_on: date | None = None  # referred to foreclosure counsel
    # The hold counsel was last given (cases.fc_hold) and since when: the sync compares the
    # new one with it.
    fc_hold: str | None = None
    fc_hold_since: date | None = None
    # What each acknowledgment said was still missing (empty: the application was complete),
    # by the day it was sent; and the documents asked for and received: (type, requested on,
    # received on).
    acknowledgments: tuple[tuple[date, tuple[str, ...]], ...] = ()
    documents: tuple[tuple[str, date | None, date | None], ...] = ()
    # Short-term options offered on an incomplete application: (day, option, months).
    short_term: tuple[tuple[date, str, int], ...] = ()
    # The days the loan was brought current (a cure, a permanent modification).
    cures: tuple[date, ...] = ()
    # The sale as scheduled and postponed: (day recorded, the sale date then; None: none).
    sales: tuple[tuple[date, date | None], ...] = ()

    def sale_then(self, kind: str, day: date) -> date | None:
        """The scheduled sale date that decides the clocks of the event (kind, day)."""
        return next((sale for k, d, sale in self.sale_known if k == kind and d == day),
                    self.sale_date)

    @cached_property
    def bankruptcies(self) -> tuple[Bankruptcy, ...]:
        """Every bankruptcy case, by filing day; an ending event ends the latest case filed
        by then that had not ended (the first ending of a case counts)."""
        cases = sorted(self.bankruptcy_filings)
        ends: list[tuple[date, str] | None] = [None] * len(cases)
        for kind, day in sorted(((k, d) for k, d in self.events if k in BANKRUPTCY_ENDS),
                                key=lambda e: e[1]):
            open_ = [i for i, (filed, _, _) in enumerate(cases)
                     if filed <= day and ends[i] is None]
            if open_:
                ends[open_[-1]] = (day, BANKRUPTCY_ENDS[kind])
        if not cases:
            return ()
        return tuple(Bankruptcy(filed, chapter, number, *(end or (None, None)))
                     for (filed, chapter, number), end in zip(cases, ends, strict=True))

    # What the live-contact windows read, sorted once per case (a case reads them for each
    # of its installments).
    @cached_property
    def contact_days_sorted(self) -> list[date]:
        return sorted(_contact_days(self))

    @cached_property
    def attempt_days_sorted(self) -> list[date]:
        return sorted(set(self.attempts))

    @cached_property
    def no_option_days(self) -> list[date]:
        return sorted(d for k, d in self.events if k == EventKind.NO_OPTION_NOTICE_SENT)

    @cached_property
    def active_periods(self) -> list[tuple[date, date | None]]:
        return active_applications(self)

    @cached_property
    def windows(self) -> dict[date, tuple[str, date | None, int, Any]]:
        """Each installment's live-contact window as read so far (`_window`), by its due
        date: the clocks and the next time change read the same windows."""
        return {}

    @property
    def bankruptcy(self) -> Bankruptcy | None:
        """The latest bankruptcy case (for the automatic stay on the foreclosure side)."""
        return self.bankruptcies[-1] if self.bankruptcy_filings else None

    @property
    def active_duty_since(self) -> date | None:
        """When the latest period of a borrower's military service (SCRA) began."""
        return _latest(self.events, (EventKind.ACTIVE_DUTY_STARTED,))

    @property
    def active_duty_until(self) -> date | None:
        """When that service ended (None: still serving, or never recorded)."""
        since = self.active_duty_since
        return None if since is None else _first_on_or_after(
            [d for k, d in self.events if k == EventKind.ACTIVE_DUTY_ENDED], since)

    @property
    def successors_confirmed(self) -> tuple[date, ...]:
        """The days successors in interest were confirmed (each is a borrower since)."""
        return tuple(sorted(d for k, d in self.events if k == EventKind.SUCCESSOR_CONFIRMED))


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
        rule = self.rule  # the rules are module constants: identity, not field equality
        return (rule is not FIRST_FILING and rule is not NO_SALE and not rule.bar
                and self.due_on is not None)


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
    facts = _redated(facts)
    clocks: list[Clock] = []
    d0 = facts.oldest_unpaid_due
    if d0 is not None and d0 < today:
        clocks += _delinquency_clocks(facts, d0, today, horizon)
    own = _without_duplicates(facts)
    protection = application_protection(own, today)  # read once, for every clock below
    clocks += _application_clocks(own, protection, today, calendar, horizon)
    clocks += _duplicative_clocks(facts, own, calendar)
    if d0 is not None and d0 < today:
        clocks.append(_first_filing(own, protection, d0, today))
    if protection is not None or short_term_performing(own, today):
        clocks.append(_no_sale(own, protection, today))
    if not facts.principal_residence:
        clocks = [Clock(c.rule, c.due_on, c.state, False,
                        "not a principal residence: shown for information", c.met_by, c.basis,
                        c.notes) for c in clocks]
    return sorted(clocks, key=lambda c: (c.due_on or date.max, c.citation))


def _duplicative_clocks(facts: CaseFacts, own: CaseFacts,
                        calendar: BusinessCalendar) -> list[Clock]:
    """The latest application, when duplicative (1024.41(i)): its acknowledgment shown as not
    owed, with why (the servicer may still evaluate it)."""
    if own is facts:
        return []
    received = _latest(facts.events, (EventKind.APPLICATION_RECEIVED,))
    dup = next((c for r, c in duplicative_applications(facts) if r == received), None)
    if received is None or dup is None:
        return []
    clock = Clock(ACKNOWLEDGE, calendar.add_business_days(received, 5), ClockState.PENDING,
                  basis=f"application received {received}")
    return [_not_applying(clock, f"duplicative (1024.41(i)): the complete application of "
                                 f"{dup} was evaluated and the borrower has been delinquent "
                                 "since; no new 1024.41 clocks or foreclosure protection")]


def _redated(facts: CaseFacts) -> CaseFacts:
    """The facts as the rules read them: an application received from a claimed successor
    in interest counts only once the successor is confirmed, as received on that day
    (1024.38(b)(1)(vi)); until then it is kept but starts no clock."""
    if not facts.successor_applications:
        return facts
    confirmed = facts.successors_confirmed
    moved: dict[date, date | None] = {
        day: _first_on_or_after(confirmed, day) for day in facts.successor_applications}
    events = tuple((k, d if k != EventKind.APPLICATION_RECEIVED or d not in moved
                    else moved[d] or d) for k, d in facts.events
                   if not (k == EventKind.APPLICATION_RECEIVED and moved.get(d, d) is None))
    known = tuple((k, moved.get(d) or d if k == EventKind.APPLICATION_RECEIVED else d, sale)
                  for k, d, sale in facts.sale_known)
    return replace(facts, events=events, sale_known=known, successor_applications=())


def _delinquency_clocks(facts: CaseFacts, d0: date, today: date, horizon: int) -> list[Clock]:
    return [*_live_contact_clocks(facts, d0, today, horizon),
            *_notice_clocks(facts, d0, today, horizon),
            _deadline(SPOC, d0 + timedelta(days=45), d0, facts, today, horizon,
                      f"{INSTALLMENT_BASIS}{d0.isoformat()}")]


CEASE_EXEMPT = ("exempt: a borrower sent the debt collector a cease-communication notice "
                "(1024.39(d)(1))")
CEASE_NOTICE_DAYS = 190  # the notice again no later than 190 days after the last (39(d)(3))


def _live_contact_clocks(facts: CaseFacts, d0: date, today: date,
                         horizon: int) -> list[Clock]:
    """Live contact: by day 36 for the first missed installment, and 36 days after each
    later due date, until that installment's window is met. Shown: the first installment,
    every window not yet due, and every missed window (one missed with nothing since stays
    the one to act on until it is met; it is never moved on to the next installment).
    Windows met in time are history. An exempt window is shown once, with its rule."""
    clocks: list[Clock] = []
    exempt_shown: set[str] = set()
    for index, due_date in enumerate(_installments(d0, today)):
        deadline = due_date + timedelta(days=36)
        if facts.fdcpa_cease:  # exempt, shown once with its rule, never missed
            return [_not_applying(Clock(LIVE_CONTACT, deadline, _state(
                deadline, None, today, horizon), basis=f"{INSTALLMENT_BASIS}{due_date}"),
                CEASE_EXEMPT)]
        exempt, met_on, rank, what = _window(facts, d0, due_date)
        if exempt:
            if exempt not in exempt_shown:
                exempt_shown.add(exempt)
                clocks.append(_not_applying(Clock(LIVE_CONTACT, deadline, _state(
                    deadline, None, today, horizon), basis=f"{INSTALLMENT_BASIS}{due_date}"),
                    exempt))
            continue
        if index and deadline < today and met_on is not None and met_on <= deadline:
            continue  # met in time: history
        state = _state(deadline, met_on, today, horizon)
        basis = f"{INSTALLMENT_BASIS}{due_date}"
        met_by = _met_words(facts, rank, what)
        if met_on is not None and met_on > deadline:
            met_by += " (late)"
        clocks.append(Clock(LIVE_CONTACT, deadline, state, met_by=met_by, basis=basis))
    return clocks


def _contact_days(facts: CaseFacts) -> list[date]:
    """The days of live conversations: right-party calls and recorded live contacts."""
    return [*facts.contacts, *(d for k, d in facts.events if k == EventKind.LIVE_CONTACT)]


def _and(days: list[date]) -> str:
    text = [d.isoformat() for d in days]
    return text[0] if len(text) == 1 else f"{', '.join(text[:-1])} and {text[-1]}"


# The events that end an application's evaluation (the borrower's answer, a decision with no
# offer, a failure to perform); an appeal reopens it until the appeal is decided.
_EVALUATION_ENDS = frozenset({EventKind.OFFER_ACCEPTED, EventKind.OFFER_REJECTED,
                              EventKind.OFFER_DEEMED_REJECTED,
                              EventKind.TRIAL_STARTED, EventKind.PLAN_STARTED,
                              EventKind.DENIED, EventKind.APPEAL_DECIDED,
                              EventKind.NO_OPTION_NOTICE_SENT, EventKind.FAILED_TO_PERFORM})
_EVALUATION_STARTS = frozenset({EventKind.APPLICATION_RECEIVED,
                                EventKind.APPLICATION_COMPLETE, EventKind.APPEAL_RECEIVED})
OFFER_ANSWER_DAYS = 14  # an unanswered offer is deemed rejected after this (policy)


def active_applications(facts: CaseFacts) -> list[tuple[date, date | None]]:
    """The periods (first day, last day; None: still active) in which the borrower had an
    active loss-mitigation application or evaluation (comment 39(a)-6): from an application
    received (or complete) until the evaluation ends — the borrower accepts (or starts a
    trial or plan) or rejects an offer, an offer goes unanswered for 14 days (deemed
    rejected), a denial, a notice that no option is available, or a failure to perform. An
    appeal makes it active again until its decision."""
    periods: list[tuple[date, date | None]] = []
    start: date | None = None
    deemed: date | None = None
    # on one day, the end of an evaluation before the start of the next
    for kind, day in sorted(_redated(facts).events,
                            key=lambda e: (e[1], e[0] in _EVALUATION_STARTS)):
        if start is not None and deemed is not None and day > deemed:
            periods.append((start, deemed))
            start = deemed = None
        if start is None:
            if kind in _EVALUATION_STARTS:
                start = day
        elif kind in _EVALUATION_ENDS:
            periods.append((start, day))
            start = deemed = None
        elif kind == EventKind.OFFER_SENT:
            deemed = day + timedelta(days=OFFER_ANSWER_DAYS)
    if start is not None:
        periods.append((start, deemed))
    return periods


def _window_met(facts: CaseFacts, d0: date, due_date: date,
                periods: list[tuple[date, date | None]]) -> tuple[date | None, int, Any]:
    """When and by what the live-contact window of the installment due `due_date` was met:
    the first day from its due date of a conversation (rank 0), of the last of the
    good-faith attempts (1: comment 39(a)-3, on different days), within an active
    application or evaluation (2), or after a notice that no option is available (3:
    comment 39(a)-6); on a tie the lowest rank. One conversation or attempt meets every open
    window it falls within (39(a)-1.i.B). `(None, -1, None)`: not met. The words are written
    by `_met_words`, only for a window that is shown."""
    day: date | None = None
    rank: int = -1
    what: Any = None
    contacts = facts.contact_days_sorted
    at = bisect_left(contacts, due_date)
    if at < len(contacts):
        day, rank, what = contacts[at], 0, contacts[at]
    attempts = facts.attempt_days_sorted
    need = facts.attempts_needed if facts.attempts_needed > 1 else 1
    at = bisect_left(attempts, due_date)
    if len(attempts) - at >= need and (day is None or attempts[at + need - 1] < day):
        day, rank, what = attempts[at + need - 1], 1, attempts[at:at + need]
    for start, end in periods:  # active_applications(facts)
        if end is None or end >= due_date:
            active = start if start > due_date else due_date
            if day is None or active < day:
                day, rank, what = active, 2, start
            break
    notices = facts.no_option_days
    if notices:
        at = bisect_left(notices, d0)
        if at < len(notices):
            after = notices[at] if notices[at] > due_date else due_date
            if day is None or after < day:
                day, rank, what = after, 3, notices[at]
    return day, rank, what


def _met_words(facts: CaseFacts, rank: int, what: Any) -> str:
    """What met a live-contact window, in words (`_window_met`'s rank and what)."""
    if rank == 0:
        kind = next((k for k, d in facts.events if k == EventKind.LIVE_CONTACT
                     and d == what), "live contact")
        return f"{kind.replace('_', ' ')} on {what.isoformat()}"
    if rank == 1:
        return f"good-faith efforts: attempts on {_and(what)}"
    if rank == 2:
        return f"an active loss-mitigation application (since {what})"
    if rank == 3:
        return f"the notice of {what} that no loss-mitigation option is available"
    return ""


def _window(facts: CaseFacts, d0: date, due_date: date) -> tuple[str, date | None, int, Any]:
    """The live-contact window of the installment due `due_date`: why it is exempt ("":
    binding), and when and by what it was met (`_window_met`; not read for an exempt
    window). Read once per case and installment."""
    known = facts.windows.get(due_date)
    if known is None:
        exempt = _window_exempt(facts, due_date) if facts.bankruptcy_filings else ""
        met = (None, -1, None) if exempt else _window_met(facts, d0, due_date,
                                                          facts.active_periods)
        known = facts.windows[due_date] = (exempt, *met)
    return known


def _next_due_after(d0: date, day: date) -> date:
    """The first due date of the loan's schedule (d0's day of the month) after `day`."""
    n = (day.year - d0.year) * 12 + day.month - d0.month - 1
    while (due := add_months(d0, n)) <= day:
        n += 1
    return due


def _contact_resumes(facts: CaseFacts, case: Bankruptcy) -> date | None:
    """The first installment whose live-contact window binds again after a bankruptcy: the
    due date after a dismissal (or closing) or reaffirmation (1024.39(c)(2)); never after a
    discharge, nor while the borrower is a debtor."""
    d0 = facts.oldest_unpaid_due
    if d0 is None or case.ended_on is None or case.ended_how == "discharged":
        return None
    return _next_due_after(d0, case.ended_on)


def _notice_resumes(facts: CaseFacts, case: Bankruptcy) -> date | None:
    """The installment whose day 45 the written notice is owed again from after a
    bankruptcy: as for live contact, and after a discharge only when a payment was received
    since the case began (1024.39(c)(2)); None: not while the case lasts."""
    d0 = facts.oldest_unpaid_due
    if d0 is None or case.ended_on is None:
        return None
    if case.ended_how == "discharged" and _first_on_or_after(
            [d for k, d in facts.events if k == EventKind.PAYMENT_RECEIVED],
            case.filed_on) is None:
        return None
    return _next_due_after(d0, case.ended_on)


def _window_exempt(facts: CaseFacts, due_date: date) -> str:
    """Why the live-contact window of this installment is exempt, or "": a borrower was a
    debtor in bankruptcy by its deadline, and compliance had not resumed by its due date."""
    deadline = due_date + timedelta(days=36)
    for case in reversed(facts.bankruptcies):
        resumes = _contact_resumes(facts, case)
        if case.filed_on <= deadline and (resumes is None or due_date < resumes):
            if case.ended_how == "discharged":
                return (f"exempt: discharged in bankruptcy ({case.describe}); live contact "
                        "does not resume (1024.39(c)(2))")
            return (f"exempt: a borrower is a debtor in bankruptcy ({case.describe}) "
                    "(1024.39(c)(1)(i))")
    return ""


def _bankruptcy_of(facts: CaseFacts, d0: date, today: date) -> Bankruptcy | None:
    """The latest bankruptcy that bears on the written notice of this delinquency: filed by
    today, and the notice not yet owed again before the delinquency began."""
    for case in reversed(facts.bankruptcies):
        resumes = _notice_resumes(facts, case)
        if case.filed_on <= today and (resumes is None or resumes > d0):
            if case.ended_how == "discharged" and resumes is None \
                    and case.ended_on is not None and case.ended_on < d0:
                continue  # discharged before this delinquency with no payment: see below
            return case
    return None


def _notice_exempt_in_bankruptcy(facts: CaseFacts, d0: date, case: Bankruptcy) -> str:
    """Why no written notice is owed during this bankruptcy, or "" (1024.39(c)(1)(ii))."""
    if facts.fdcpa_cease:
        return ("exempt: a borrower in bankruptcy sent a cease-communication notice "
                "(1024.39(c)(1)(ii))")
    notice = _first_on_or_after(
        [d for k, d in facts.events if k == EventKind.NO_OPTION_NOTICE_SENT],
        min(d0, case.filed_on))
    if notice is not None:
        return (f"exempt: no loss-mitigation option is available (notice of {notice}), "
                "a borrower being in bankruptcy (1024.39(c)(1)(ii))")
    return ""


def _notice_clocks(facts: CaseFacts, d0: date, today: date, horizon: int) -> list[Clock]:
    """The written notice (1024.39(b)), and in bankruptcy its own rule (1024.39(c))."""
    case = _bankruptcy_of(facts, d0, today)
    if case is None:
        return _notices_from(facts, d0, today, horizon)
    clocks = [c for c in _notices_from(facts, d0, today, horizon, repeat=False)
              if c.due_on is not None and c.due_on < case.filed_on]
    # Delinquent when the petition was filed: by the 45th day after it; delinquent later:
    # by the 45th day of delinquency. Once per case, whatever was sent in the 180 days
    # before (1024.39(c)(1)(iii)).
    start = case.filed_on if d0 < case.filed_on else d0
    due = start + timedelta(days=45)
    resumes = _notice_resumes(facts, case)
    if resumes is None or due < resumes:
        clock = _deadline(WRITTEN_NOTICE, due, case.filed_on, facts, today, horizon,
                          f"bankruptcy {case.describe}")
        why = _notice_exempt_in_bankruptcy(facts, d0, case)
        if why:
            clock = _not_applying(clock, why)
        elif case.ended_how == "discharged" and resumes is None:
            clock = Clock(clock.rule, clock.due_on, clock.state, clock.applies,
                          clock.why_not, clock.met_by, clock.basis, (
                              "no further notice is owed after the discharge: no payment "
                              "since the case began (1024.39(c)(2))",))
        clocks.append(clock)
    if resumes is not None and resumes <= today:  # owed again after the bankruptcy
        clocks += [Clock(c.rule, c.due_on, c.state, c.applies, c.why_not, c.met_by,
                         f"{c.basis}, after the bankruptcy ({case.describe})", c.notes)
                   for c in _notices_from(facts, resumes, today, horizon)]
    return clocks


def _notices_from(facts: CaseFacts, d0: date, today: date, horizon: int,
                  repeat: bool = True) -> list[Clock]:
    """Written notice: by day 45; not required more than once in 180 days, so a notice of
    an earlier delinquency less than 180 days before then puts it off to the period's end.
    Then again at the end of each 180-day period while delinquent (the borrower is 45+
    days late by then: the notice is due that day)."""
    clocks: list[Clock] = []
    first_due, basis = d0 + timedelta(days=45), f"{INSTALLMENT_BASIS}{d0.isoformat()}"
    earlier = [d for k, d in facts.events if k == EventKind.WRITTEN_NOTICE_SENT and d < d0]
    if earlier and max(earlier) + timedelta(days=180) > first_due:
        first_due = max(earlier) + timedelta(days=180)
        basis += f", 180 days after the notice of {max(earlier).isoformat()}"
    clocks.append(_deadline(WRITTEN_NOTICE, first_due, d0, facts, today, horizon, basis))
    notice_again = _next_notice(facts, d0) if repeat else None
    if notice_again is not None:
        last, later = notice_again
        if later <= today:  # only while that installment is due and still unpaid
            clocks.append(_deadline(WRITTEN_NOTICE, last + timedelta(
                days=CEASE_NOTICE_DAYS if facts.fdcpa_cease else 180),
                                    last + timedelta(days=1), facts, today, horizon,
                                    f"{INSTALLMENT_BASIS}{later.isoformat()}, 180 days after "
                                    f"the notice of {last.isoformat()}"))
    return clocks


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


def sale_on(facts: CaseFacts, day: date) -> date | None:
    """The sale date scheduled as of `day`: from the sale's history when it has one (the
    last scheduling or postponement recorded by then), else today's."""
    if not facts.sales:
        return facts.sale_date
    known = [(d, sale) for d, sale in facts.sales if d <= day]
    return max(known, key=lambda k: k[0])[1] if known else None


def facially_complete_on(facts: CaseFacts, today: date = date.max) -> date | None:
    """The day the latest application became facially complete (1024.41(c)(2)(iv)): its
    acknowledgment asked for nothing (the day it was received), or the last of the
    documents it listed arrived. None: not (yet), or no acknowledgment says what it asked."""
    received = _latest(facts.events, (EventKind.APPLICATION_RECEIVED,))
    if received is None:
        return None
    acks = sorted((d, missing) for d, missing in facts.acknowledgments if d >= received)
    if not acks:
        return None
    sent, missing = acks[0]
    if not missing:
        return received
    arrivals = []
    for doc in missing:
        got = _first_on_or_after([r for t, _, r in facts.documents if t == doc and r], sent)
        if got is None or got > today:
            return None
        arrivals.append(got)
    return max(arrivals)


@dataclass(frozen=True)
class Protection:
    """What protects the borrower from foreclosure under 1024.41(f)(2) and (g): a complete
    application, or a facially complete one treated as complete, from `since`. `complete`
    is the actual completion (the 30-day decision runs from it); `sale` the sale date known
    on `since` (1024.41(b)(3): the sale-date tests are judged then)."""

    since: date
    what: str
    complete: date | None
    sale: date | None

    @property
    def before_sale(self) -> int | None:
        """Days before the sale on `since` (None: no sale scheduled, 90 or more)."""
        return _days_before_sale(self.since, self.sale)


def _asked_since(facts: CaseFacts, day: date, today: date) -> list[tuple[str, date, date | None]]:
    """The documents asked for after `day` (up to today): (type, asked on, received on)."""
    return [(t, q, r) for t, q, r in facts.documents if q is not None and day < q <= today]


def _facial_lapsed(facts: CaseFacts, facial: date, today: date) -> date | None:
    """The day a facially complete application stopped protecting the borrower: the end of
    the reasonable period to supply what was asked for since, when it is still missing."""
    ends = [q + timedelta(days=FACIAL_GRACE_DAYS) for _, q, r in
            _asked_since(facts, facial, today) if r is None]
    over = [e for e in ends if e < today]
    return min(over) if over else None


def application_protection(facts: CaseFacts, today: date) -> Protection | None:
    """The application that protects the borrower today, or None (see `Protection`)."""
    complete = _latest(facts.events, (EventKind.APPLICATION_COMPLETE,))
    received = _latest(facts.events, (EventKind.APPLICATION_RECEIVED,))
    facial = facially_complete_on(facts, today)
    if (facial is not None and received is not None
            and (complete is None or complete < received)
            and _facial_lapsed(facts, facial, today) is None):
        return Protection(facial, f"facially complete application of {facial} "
                                  "(1024.41(c)(2)(iv))", None,
                          sale_on(facts, facial) if facts.sales
                          else facts.sale_then(EventKind.APPLICATION_RECEIVED, received))
    if complete is None:
        return None
    if facial is not None and received is not None and received <= facial < complete:
        return Protection(facial, f"application facially complete {facial}, complete "
                                  f"{complete} (1024.41(c)(2)(iv))", complete,
                          sale_on(facts, facial) if facts.sales
                          else facts.sale_then(EventKind.APPLICATION_COMPLETE, complete))
    return Protection(complete, f"complete application of {complete}", complete,
                      facts.sale_then(EventKind.APPLICATION_COMPLETE, complete))


def _complete_before(facts: CaseFacts, complete: date | None,
                     protection: Protection | None) -> int | None:
    """Days before the sale that decide the clocks of the complete application `complete`:
    judged on the day the protections began when they are that application's."""
    if complete is None:
        return None
    if protection is not None and protection.complete == complete:
        return protection.before_sale
    return _days_before_sale(complete, facts.sale_then(EventKind.APPLICATION_COMPLETE,
                                                       complete))


def duplicative_applications(facts: CaseFacts) -> list[tuple[date, date]]:
    """The applications that get no 1024.41 clocks (1024.41(i)): received after this
    servicer evaluated a complete application (decided it: an offer or a denial) while the
    borrower has been delinquent at all times since — the same delinquency still unpaid and
    no cure recorded between. As (received, the complete application evaluated)."""
    d0 = facts.oldest_unpaid_due
    if d0 is None:
        return []
    ev = sorted(facts.events, key=lambda e: e[1])
    decisions = [d for k, d in ev if k in (EventKind.OFFER_SENT, EventKind.DENIED)]
    found: list[tuple[date, date]] = []
    completes: list[date] = []
    current_dup = False
    for kind, day in ev:
        if kind == EventKind.APPLICATION_RECEIVED:
            handled = [c for c in completes if c <= day and d0 <= c
                       and any(c <= d <= day for d in decisions)]
            handled = [c for c in handled
                       if not any(c < cure <= day for cure in facts.cures)]
            current_dup = bool(handled)
            if current_dup:
                found.append((day, max(handled)))
        elif kind == EventKind.APPLICATION_COMPLETE and not current_dup:
            completes.append(day)
    return found


def _without_duplicates(facts: CaseFacts) -> CaseFacts:
    """The facts without the application events of duplicative applications."""
    dups = duplicative_applications(facts)
    if not dups:
        return facts
    starts = sorted(d for d, _ in dups)
    receipts = sorted(d for k, d in facts.events if k == EventKind.APPLICATION_RECEIVED)

    def duplicative(day: date) -> bool:  # the application this event belongs to
        own = [r for r in receipts if r <= day]
        return bool(own) and own[-1] in starts

    events = tuple((k, d) for k, d in facts.events
                   if not (k in (EventKind.APPLICATION_RECEIVED,
                                 EventKind.APPLICATION_COMPLETE) and duplicative(d)))
    return replace(facts, events=events)


def short_term_performing(facts: CaseFacts, today: date) -> str:
    """Why a short-term option offered on an incomplete application protects the borrower
    today (1024.41(c)(2)(iii): accepted and being performed), or ""."""
    if not facts.short_term:
        return ""
    offered, option, months = max(facts.short_term)
    accepted = _first_event(facts, (EventKind.OFFER_ACCEPTED, EventKind.PLAN_STARTED), offered)
    if accepted is None or accepted > today:
        return ""
    ended = _first_event(facts, (EventKind.FAILED_TO_PERFORM, EventKind.OFFER_REJECTED),
                         accepted)
    if ended is not None and ended <= today:
        return ""
    ends = add_months(accepted, months)
    if today > ends:
        return ""
    return (f"short-term {option.replace('_', ' ')} offered {offered} on an incomplete "
            f"application, accepted {accepted}, being performed to {ends} "
            "(1024.41(c)(2)(iii))")


def _application_clocks(facts: CaseFacts, protection: Protection | None, today: date,
                        calendar: BusinessCalendar, horizon: int) -> list[Clock]:
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
    complete_before = _complete_before(facts, complete, protection)
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
        said_complete = _acknowledged_complete(facts, complete)
        if (notice.applies and not notice.met_by and decided is not None
                and notice.due_on is not None and decided <= notice.due_on):
            notice = _not_applying(notice, f"the decision went out on {decided} "
                                           "(1024.41(c)(3)(ii))")
        elif notice.applies and not notice.met_by and said_complete is not None:
            notice = _not_applying(notice, f"the acknowledgment of {said_complete} said the "
                                           "application was complete and nothing was asked "
                                           "for since (1024.41(c)(3)(ii))")
        if decide.applies:
            decide = _third_party_hold(facts, decide, complete, today, calendar, horizon)
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
        paid = _first_event(facts, (EventKind.TRIAL_PAYMENT,), offer)
        if not clock.met_by and paid is not None and paid <= due:
            extra = due + timedelta(days=ACCEPTANCE_EXTRA_DAYS)
            clock = _deadline(ACCEPT_WINDOW, extra, offer, facts, today, horizon,
                              f"{basis}; trial payment {paid} by the deadline {due}: a "
                              f"reasonable extra period to {extra} to complete the "
                              "acceptance (1024.41(e)(2)(ii))")
        deemed = _first_event(facts, (EventKind.OFFER_DEEMED_REJECTED,), offer)
        if deemed is not None and not clock.met_by:  # the window closed unanswered
            clock = Clock(ACCEPT_WINDOW, clock.due_on, ClockState.MET, basis=clock.basis,
                          met_by=f"no answer by {clock.due_on}: deemed rejected on "
                                 f"{deemed.isoformat()}")
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
    if facts.short_term:
        clocks.append(_short_term_notice(facts, today, calendar, horizon))
    return clocks


def _acknowledged_complete(facts: CaseFacts, complete: date) -> date | None:
    """The day the acknowledgment of the application completed on `complete` said it was
    complete, when nothing was asked for between it and completion; else None."""
    received = _latest([(k, d) for k, d in facts.events if d <= complete],
                       (EventKind.APPLICATION_RECEIVED,))
    if received is None:
        return None
    acks = sorted((d, m) for d, m in facts.acknowledgments if received <= d <= complete)
    if not acks or acks[0][1]:
        return None
    said = acks[0][0]
    if any(q is not None and said < q <= complete for _, q, _ in facts.documents):
        return None
    return said


def _third_party_hold(facts: CaseFacts, decide: Clock, complete: date, today: date,
                      calendar: BusinessCalendar, horizon: int) -> Clock:
    """The decision held for documents from a third party (1024.41(c)(4)(ii)): with the
    delay notice sent by the 30th day, it waits for them and is due promptly after they
    arrive; a delay notice after the 30th day changes nothing (the deadline was missed)."""
    delay = _first_event(facts, (EventKind.THIRD_PARTY_DELAY_SENT,), complete)
    if delay is None or decide.due_on is None or delay > decide.due_on:
        return decide
    decided = _first_event(facts, DECIDE.met_by, complete)
    arrived = _first_event(facts, (EventKind.THIRD_PARTY_RECEIVED,), delay)
    if arrived is None:
        if decided is not None:
            return decide
        return Clock(DECIDE, None, ClockState.PENDING, basis=decide.basis,
                     notes=(f"held for documents from a third party: delay notice sent "
                            f"{delay} (1024.41(c)(4)(ii)); decide promptly once they arrive",))
    due = max(decide.due_on, calendar.add_business_days(arrived, PROMPT_DECISION_BD))
    return _deadline(DECIDE, due, complete, facts, today, horizon,
                     f"{decide.basis}; held for third-party documents (delay notice "
                     f"{delay}), which arrived {arrived} (1024.41(c)(4)(ii))")


def _short_term_notice(facts: CaseFacts, today: date, calendar: BusinessCalendar,
                       horizon: int) -> Clock:
    offered, option, months = max(facts.short_term)
    clock = _deadline(SHORT_TERM_NOTICE,
                      calendar.add_business_days(offered, SHORT_TERM_NOTICE_BD), offered,
                      facts, today, horizon,
                      f"short-term {option.replace('_', ' ')} ({months} months) offered "
                      f"{offered}")
    rejected = _first_event(facts, (EventKind.OFFER_REJECTED,), offered)
    if not clock.met_by and rejected is not None and clock.due_on is not None \
            and rejected <= clock.due_on:
        return _not_applying(clock, f"the borrower turned it down on {rejected}")
    return clock


def _not_applying(clock: Clock, why: str) -> Clock:
    return Clock(clock.rule, clock.due_on, clock.state, False, why, clock.met_by, clock.basis,
                 clock.notes)


# An agreed option the borrower is performing: accepted, or a trial or plan begun, or a
# trial payment made (a trial payment by the deadline is never a deemed rejection).
PERFORMING = (EventKind.OFFER_ACCEPTED, EventKind.TRIAL_STARTED, EventKind.PLAN_STARTED,
               EventKind.TRIAL_PAYMENT)


# The borrower turning an offer down, or its window closing with no answer (policy: deemed
# rejected, as 1024.41(e)(2)(i) allows).
REJECTIONS = (EventKind.OFFER_REJECTED, EventKind.OFFER_DEEMED_REJECTED)


def deemed_rejection_day(facts: CaseFacts, clocks: Iterable[Clock]) -> date | None:
    """The day an unanswered offer is deemed rejected: the day after its acceptance window
    (1024.41(e)), when that window binds and no answer came; else None. Trial payments by
    the deadline extend the window (1024.41(e)(2)(ii)): the clock's due date says to when."""
    window = next((c for c in clocks if c.rule is ACCEPT_WINDOW), None)
    offer = _latest(facts.events, (EventKind.OFFER_SENT,))
    answers = (EventKind.OFFER_ACCEPTED, EventKind.TRIAL_STARTED, EventKind.PLAN_STARTED,
               *REJECTIONS)
    if (window is None or not window.applies or window.met_by or window.due_on is None
            or offer is None or _first_event(facts, answers, offer)):
        return None
    return window.due_on + timedelta(days=1)



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
    facts = _without_duplicates(_redated(facts))
    complete = _latest(facts.events, (EventKind.APPLICATION_COMPLETE,))
    denied = _denial_after(facts, complete)
    if denied is None or complete is None or denied > day:
        return "there is no denial of a complete application to appeal"
    before = _complete_before(facts, complete, application_protection(facts, day))
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
    facts = _without_duplicates(_redated(facts))
    complete = _latest(facts.events, (EventKind.APPLICATION_COMPLETE,))
    denied = _denial_after(facts, complete)
    appeal, decided = _appeal_of(facts, denied)
    return (appeal, denied) if appeal is not None and denied is not None \
        and decided is None else None


def _pending_application(facts: CaseFacts, protection: Protection, today: date) -> str:
    """Why a complete application still protects the borrower, or "" when it no longer does.

    The bar lifts only when every ground below is gone (1024.41(f)(2), (g)): no decision
    yet; an offer inside its acceptance window (extended by an appeal); an option accepted
    and being performed, until a failure to perform is recorded; a denial inside its appeal
    window (when the borrower has the right: completed 90 or more days before a sale) or
    with its appeal undecided. A modification denied while another option is offered keeps
    the bar through the appeal, whatever became of the offer. A facially complete
    application protects from the day it became so (1024.41(c)(2)(iv))."""
    start = protection.since
    offer = _latest(facts.events, (EventKind.OFFER_SENT,))
    offer = offer if offer is not None and offer >= start else None
    denied = _latest(facts.events, (EventKind.DENIED,))
    denied = denied if denied is not None and denied >= start else None
    if offer is None and denied is None:
        return f"{protection.what} awaiting a decision"
    reasons: list[str] = []
    appeal, decided = _appeal_of(facts, denied)
    if appeal is not None and decided is None:
        reasons.append(f"appeal of {appeal} not yet decided")
    elif denied is not None and appeal is None:
        before = protection.before_sale
        if (before is None or before >= 90) and today <= denied + timedelta(days=14):
            reasons.append(f"denial of {denied} within its appeal window")
    if offer is not None:
        performing = _first_event(facts, PERFORMING, offer)
        rejected = _first_event(facts, REJECTIONS, offer)
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


def _first_filing(facts: CaseFacts, protection: Protection | None, d0: date,
                  today: date) -> Clock:
    allowed_from = d0 + timedelta(days=121)
    basis = f"{INSTALLMENT_BASIS}{d0.isoformat()}"
    pending = _pending_application(facts, protection, today) if protection else ""
    short = short_term_performing(facts, today)
    bars = [f"barred while the {pending} (1024.41(f)(2))"] if pending else []
    if short:
        bars.append(f"barred while the {short}")
    if today < allowed_from and facts.fc_exempt:
        return Clock(FIRST_FILING, allowed_from,
                     ClockState.BARRED if bars else ClockState.ALLOWED, basis=basis,
                     notes=(f"the 120 days do not apply to {facts.fc_exempt}", *bars))
    if today < allowed_from:
        return Clock(FIRST_FILING, allowed_from, ClockState.BARRED, basis=basis,
                     notes=(f"not before {allowed_from.isoformat()} (day 121)",))
    if bars:
        return Clock(FIRST_FILING, allowed_from, ClockState.BARRED, basis=basis,
                     notes=tuple(bars))
    return Clock(FIRST_FILING, allowed_from, ClockState.ALLOWED, basis=basis)


def _no_sale(facts: CaseFacts, protection: Protection | None, today: date) -> Clock:
    """The sale bar of 1024.41(g) (a complete application more than 37 days before the
    sale), and of a short-term option being performed (1024.41(c)(2)(iii))."""
    short = short_term_performing(facts, today)
    if protection is None:
        return Clock(NO_SALE, facts.sale_date, ClockState.BARRED if short else
                     ClockState.ALLOWED, basis="short-term option on an incomplete application",
                     notes=(f"barred while the {short}",) if short else ())
    basis = f"application complete {protection.complete}" if protection.complete \
        else protection.what
    before = protection.before_sale
    pending = _pending_application(facts, protection, today)
    notes = [f"barred while the {pending}"] if pending else []
    if short:
        notes.append(f"barred while the {short}")
    state = ClockState.BARRED if notes else ClockState.ALLOWED
    clock = Clock(NO_SALE, facts.sale_date, state, basis=basis, notes=tuple(notes))
    if before is not None and before <= 37:
        if short:
            return Clock(NO_SALE, facts.sale_date, ClockState.BARRED, basis=basis,
                         notes=(f"barred while the {short}",))
        return _not_applying(clock, f"complete {before} days before the sale (37 or fewer)")
    return clock



def standing(facts: CaseFacts, today: date) -> list[str]:
    """The recorded facts that change whom the rules protect and how, as lines for the case
    screen: each bankruptcy case, a confirmed successor in interest, military service."""
    lines = []
    for case in facts.bankruptcies:
        if case.filed_on <= today:
            state = "a debtor" if case.ended_on is None else "was a debtor"
            lines.append(f"Bankruptcy: a borrower is {state} in {case.describe} "
                         "(1024.39(c))")
    for day in facts.successors_confirmed:
        lines.append(f"Successor in interest confirmed {day}: a borrower for every rule "
                     "(1024.30(d))")
    if facts.active_duty_since is not None:
        until = facts.active_duty_until
        lines.append(f"Military service (SCRA): active duty from {facts.active_duty_since}"
                     + (f" to {until}" if until else ", still serving"))
    return lines


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
    installment falls due while every live-contact window so far is met or exempt and its
    own window is not met or exempt from its first day (that window opens), when the
    installment falls due that restarts the written notice 180 days after the last one, and
    when the installment falls due after which compliance resumes after a bankruptcy. A loan
    that is not a principal residence has no binding deadlines, so time changes nothing."""
    facts = _redated(facts)
    d0 = facts.oldest_unpaid_due
    if d0 is None or not facts.principal_residence:
        return TimeChange(None)
    if d0 >= today:
        return TimeChange(d0 + timedelta(days=1))  # the first day of delinquency
    due = _installments(d0, today)
    following = add_months(d0, len(due))
    dated = [*_contact_days(facts), *facts.attempts]
    if any(d >= following for d in dated):  # a call dated ahead: let the sync decide
        return TimeChange(following)
    window = None if facts.fdcpa_cease else _next_window(facts, d0, due)
    notice = _notice_change(facts, d0, today)
    days = [d for d in (window, notice) if d is not None]
    if not days:
        return TimeChange(None)
    on = min(days)
    if on == window and on != notice:
        return TimeChange(on, True, notice)
    return TimeChange(on)


_WINDOW_LOOKAHEAD = 60  # installments: past it an exemption or a standing fact holds for good


def _next_window(facts: CaseFacts, d0: date, due: list[date]) -> date | None:
    """The due date of the next installment whose live-contact window will open (neither met
    nor exempt on its first day) while every earlier window is met or exempt; None when an
    earlier window is still open (it stays the one to act on) or none will open."""
    periods = facts.active_periods
    if any(not exempt and met_on is None
           for exempt, met_on, _, _ in (_window(facts, d0, d) for d in due)):
        return None
    # Past the last day anything recorded can meet or exempt a window, the next installment's
    # window opens: no need to look further (most loans: the very next installment).
    quiet_after: date | None = None
    if not facts.bankruptcy_filings and not facts.no_option_days \
            and all(end is not None for _, end in periods):
        quiet_after = max([d0, *facts.contact_days_sorted[-1:], *facts.attempt_days_sorted[-1:],
                           *(end for _, end in periods if end is not None)])
    for n in range(_WINDOW_LOOKAHEAD):
        day = add_months(d0, len(due) + n)
        if quiet_after is not None and day > quiet_after:
            return day
        exempt, met_on, _, _ = _window(facts, d0, day)
        if not exempt and met_on is None:
            return day
    return None


def _notice_change(facts: CaseFacts, d0: date, today: date) -> date | None:
    """The next day time alone changes the written-notice clocks: the installment that
    restarts the notice 180 days after the last one, or the one after which it is owed again
    after a bankruptcy."""
    case = _bankruptcy_of(facts, d0, today)
    base = d0
    if case is not None:
        resumes = _notice_resumes(facts, case)
        if resumes is None:
            return None  # owed once during the case, whatever the time
        if resumes > today:
            return resumes
        base = resumes
    repeat = _next_notice(facts, base)
    return repeat[1] if repeat is not None and repeat[1] > today else None
