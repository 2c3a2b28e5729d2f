"""The management metrics, each one exact definition (README "Reports").

Pure functions over small record types: a loan's delinquency status history as intervals
(`Span`, from the store's loan_status_history), calls, case events and regulatory deadlines.
A figure is a `Ratio` (its numerator and denominator with the loans behind each, so a screen
can open them) or a `Spread` of day counts (median and 90th percentile). A month is named by
its first day; "month end" is its last day, the day the month's statuses are read on.

Common terms used below:
- *status on a day*: the history interval of the loan covering the day ([valid_from,
  valid_to), the last one of that day when several start on it);
- *in the book on a day*: the loan has a status that day and its stage is not a liquidation
  (paid off, foreclosed, transferred, short sale, deed-in-lieu);
- *bucket on a day*: the MBA bucket of the status's oldest unpaid due date on that day
  (domain/delinquency.py): current, 30, 60, 90, 120+;
- *delinquent in a month*: in the book and at least one day delinquent on some day of it.
"""

import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from lossmit_tui.domain.delinquency import Bucket, add_months, bucket, days_delinquent
from lossmit_tui.domain.enums import CLOSED_STAGES, EventKind, Stage

LIQUIDATED = frozenset({Stage.PAID_OFF, Stage.FORECLOSED, Stage.TRANSFERRED,
                        Stage.SHORT_SALE, Stage.DEED_IN_LIEU})
_ORDER = (Bucket.CURRENT, Bucket.D30, Bucket.D60, Bucket.D90, Bucket.D120)
DECISIONS = frozenset({EventKind.OFFER_SENT, EventKind.DENIED})
ACKNOWLEDGMENT_BUSINESS_DAYS = 5  # 1024.41(b)(2)(i)(B)
DECISION_DAYS = 30  # 1024.41(c)(1)
THIRTY_DAYS = 30  # "30+ days delinquent"
LIVE_CONTACT_DAY = 36  # 1024.39(a): live contact by the 36th day of delinquency
WRITTEN_NOTICE_DAY = 45  # 1024.39(b): the written notice by the 45th day
WRITTEN_NOTICE_CLOCK = "1024.39(b)"
TRIAL_BEFORE_DAY = 210  # a trial started while fewer than 210 days delinquent
# The workouts counted as started, by the event that starts each, in the order shown.
WORKOUT_STARTS: dict[str, str] = {
    EventKind.TRIAL_STARTED: "trial",
    EventKind.PLAN_STARTED: "repayment plan",
    EventKind.MODIFICATION_EFFECTIVE: "permanent modification",
}
# Open-item age bands (days since created, both ends included; None: no upper end).
AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("0-7 days", 0, 7), ("8-30 days", 8, 30), ("31-60 days", 31, 60),
    ("61-90 days", 61, 90), ("over 90 days", 91, None))


@dataclass(frozen=True)
class Span:
    """One interval of a loan's status history: from `valid_from` up to, not including,
    `valid_to` (None: still open)."""

    case_id: int
    valid_from: date
    valid_to: date | None
    oldest_unpaid_due: date | None
    stage: str = Stage.NEW.value
    fc_status: str | None = None
    bankruptcy: str | None = None
    workout: str | None = None
    upb_cents: int = 0

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


@dataclass(frozen=True)
class Call:
    """One call attempt (never an amendment): its case, author, day, whether it reached
    the right party, the day of the promise to pay it took, if any, and whether it was a
    quality right-party contact (`quality`: its latest note, the call's own or its latest
    amendment's, records every QRPC attribute, domain/qrpc.py `is_qrpc`)."""

    case_id: int
    user_id: int | None
    day: date
    rpc: bool = False
    promise_on: date | None = None
    outbound: bool = True
    quality: bool = False


@dataclass(frozen=True)
class Event:
    """A case event: kind, day it happened, who recorded it."""

    case_id: int
    kind: str
    day: date
    user_id: int | None = None


@dataclass(frozen=True)
class Deadline:
    """A regulatory deadline (a task a clock raised): the clock's citation, the day it was
    due, the day it was met (None: not met), and whether the clock cancelled it (the rule
    stopped applying, e.g. the late payment was made)."""

    case_id: int
    clock: str
    due_on: date
    met_on: date | None
    cancelled: bool = False


@dataclass(frozen=True)
class Item:
    """A task (an open item): its loan, the day it was created, the day it was closed (done
    or cancelled; None: still open), and whether it is a regulatory deadline."""

    case_id: int
    created_on: date
    closed_on: date | None
    deadline: bool = False


@dataclass(frozen=True)
class Ratio:
    """`numerator` of `denominator`, with the loans behind each (`ids`: the numerator's,
    `base`: the denominator's). For a per-loan average the numerator counts things (calls),
    not loans."""

    numerator: int
    denominator: int
    ids: frozenset[int] = frozenset()
    base: frozenset[int] = frozenset()

    @property
    def value(self) -> float | None:
        """numerator / denominator; None when nothing was in the denominator."""
        return self.numerator / self.denominator if self.denominator else None


@dataclass(frozen=True)
class Spread:
    """Day counts: how many, their median and 90th percentile (None when there are none)."""

    count: int
    median: float | None
    p90: float | None
    ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class StageAge:
    count: int
    median_age: float | None
    ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Productivity:
    """One specialist's month: right-party contacts per business day, applications they
    recorded complete, decisions they recorded, calls per case in their caseload, and the
    caseload (open loans assigned to them)."""

    rpc_per_day: float | None
    applications_completed: int
    decisions: int
    touches_per_case: float | None
    caseload: int
    ids: frozenset[int] = field(default_factory=frozenset)


# --- days and statuses -----------------------------------------------------------------


def month_end(month: date) -> date:
    """The last day of `month`'s calendar month."""
    return add_months(month.replace(day=1), 1) - timedelta(days=1)


def prior_month(month: date, months: int = 1) -> date:
    """The first day of the month `months` before `month`."""
    return add_months(month.replace(day=1), -months)


def status_on(spans: Sequence[Span], day: date) -> Span | None:
    """One loan's status on `day`: its interval covering the day (the latest-starting one
    when several do), or None when its history starts later."""
    found: Span | None = None
    for span in spans:  # covers(), inlined: the reports ask this millions of times
        if span.valid_from <= day and (span.valid_to is None or day < span.valid_to) and (
                found is None or span.valid_from >= found.valid_from):
            found = span
    return found


def in_book(span: Span | None) -> bool:
    """A status that counts: there is one, and the loan is not liquidated."""
    return span is not None and span.stage not in LIQUIDATED


def days_delinquent_on(spans: Sequence[Span], day: date) -> int | None:
    """Days delinquent on `day` (day - oldest unpaid due date, 0 when not past due), read
    from the history; None when the loan has no status that day."""
    span = status_on(spans, day)
    return None if span is None else days_delinquent(span.oldest_unpaid_due, day)


def bucket_on(spans: Sequence[Span], day: date) -> Bucket | None:
    """The MBA bucket on `day` read from the history (domain/delinquency.py `bucket`);
    None when the loan has no status that day or is liquidated."""
    span = status_on(spans, day)
    return bucket(span.oldest_unpaid_due, day) if in_book(span) and span else None


def by_loan(spans: Iterable[Span]) -> dict[int, list[Span]]:
    """Spans grouped by loan, each loan's in order."""
    grouped: dict[int, list[Span]] = defaultdict(list)
    for span in sorted(spans, key=lambda s: (s.case_id, s.valid_from)):
        grouped[span.case_id].append(span)
    return dict(grouped)


class Book(dict[int, list[Span]]):
    """Loans' histories (as `by_loan` gives them) that remember every loan's bucket on a
    day once worked out: a report asks the same month ends of several metrics."""

    def __init__(self, histories: Mapping[int, list[Span]]) -> None:
        super().__init__(histories)
        self._buckets: dict[date, dict[int, Bucket | None]] = {}
        self._modified: dict[int, date | None] | None = None

    def buckets(self, day: date) -> dict[int, Bucket | None]:
        """Each loan's `bucket_on` the day."""
        found = self._buckets.get(day)
        if found is None:
            found = self._buckets[day] = {i: bucket_on(s, day) for i, s in self.items()}
        return found


    def modified(self) -> dict[int, date | None]:
        """Each loan's `modified_on`."""
        if self._modified is None:
            self._modified = {i: modified_on(s) for i, s in self.items()}
        return self._modified


def _buckets(histories: Mapping[int, Sequence[Span]], day: date) -> Mapping[int, Bucket | None]:
    if isinstance(histories, Book):
        return histories.buckets(day)
    return {i: bucket_on(s, day) for i, s in histories.items()}


def _rank(b: Bucket) -> int:
    return _ORDER.index(b)


def delinquent_in_month(spans: Sequence[Span], month: date) -> bool:
    """At least one day delinquent on some day of the month while in the book: an interval
    overlapping the month whose oldest unpaid due date is before the last day it covers in
    the month."""
    first, last = month.replace(day=1), month_end(month)
    for span in spans:
        end = last if span.valid_to is None else min(last, span.valid_to - timedelta(days=1))
        if span.valid_from > last or end < first or end < span.valid_from:
            continue
        if in_book(span) and span.oldest_unpaid_due is not None \
                and span.oldest_unpaid_due < end:
            return True
    return False


def delinquent_loans(histories: Mapping[int, Sequence[Span]], month: date) -> frozenset[int]:
    """The loans delinquent in the month (see `delinquent_in_month`)."""
    return frozenset(i for i, spans in histories.items() if delinquent_in_month(spans, month))


# --- delinquency flows -------------------------------------------------------------------


def _flow(histories: Mapping[int, Sequence[Span]], then: date, now: date,
          was: Callable[[Bucket], bool], became: Callable[[Bucket], bool]) -> Ratio:
    base: set[int] = set()
    ids: set[int] = set()
    on_then, on_now = _buckets(histories, then), _buckets(histories, now)
    for case_id in histories:
        before, after = on_then[case_id], on_now[case_id]
        if before is None or after is None or not was(before):
            continue
        base.add(case_id)
        if became(after):
            ids.add(case_id)
    return Ratio(len(ids), len(base), frozenset(ids), frozenset(base))


def roll_rate(histories: Mapping[int, Sequence[Span]], month: date, start: Bucket) -> Ratio:
    """Roll rate from `start` (current, 30, 60 or 90) for the month: of the loans in the
    book in exactly that bucket at the prior month's end and still in the book at this
    month's end, the share in a worse bucket at this month's end (current->30+, 30->60+,
    60->90+, 90->120+)."""
    if start == Bucket.D120:
        raise ValueError("nothing rolls beyond 120+")
    return _flow(histories, month_end(prior_month(month)), month_end(month),
                 lambda b: b == start, lambda b: _rank(b) > _rank(start))


def cure_rate(histories: Mapping[int, Sequence[Span]], month: date) -> Ratio:
    """Cure rate: of the loans in the book 60 days or more delinquent (bucket 60, 90 or
    120+) at the end of the month three months before, and still in the book at this
    month's end, the share current at this month's end."""
    return _flow(histories, month_end(prior_month(month, 3)), month_end(month),
                 lambda b: _rank(b) >= _rank(Bucket.D60), lambda b: b == Bucket.CURRENT)


def transition_to_60(histories: Mapping[int, Sequence[Span]], month: date) -> Ratio:
    """Transition to 60+: of the loans in the book current or 30 at the prior month's end
    and still in the book at this month's end, the share 60+ at this month's end."""
    return _flow(histories, month_end(prior_month(month)), month_end(month),
                 lambda b: _rank(b) <= _rank(Bucket.D30),
                 lambda b: _rank(b) >= _rank(Bucket.D60))


def modified_on(spans: Sequence[Span]) -> date | None:
    """The day the loan's latest modification took effect: the start of the last run of
    intervals whose workout status is "modified"."""
    day: date | None = None
    previous: str | None = None
    for span in spans:
        if span.workout == "modified" and previous != "modified":
            day = span.valid_from
        previous = span.workout
    return day


def redefault(histories: Mapping[int, Sequence[Span]], month: date, months: int) -> Ratio:
    """Re-default `months` (3, 6 or 12) after a modification: of the loans whose latest
    modification took effect in the month `months` before this one, the share 60+ days
    delinquent (bucket 60 or worse) or in foreclosure (referred, sale scheduled or sold) at
    this month's end. A loan with no status at this month's end is left out."""
    cohort = prior_month(month, months)
    first, last, end = cohort, month_end(cohort), month_end(month)
    base: set[int] = set()
    ids: set[int] = set()
    days = (histories.modified() if isinstance(histories, Book)
            else {i: modified_on(s) for i, s in histories.items()})
    for case_id, spans in histories.items():
        day = days[case_id]
        if day is None or not first <= day <= last:
            continue
        span = status_on(spans, end)
        if span is None:
            continue
        base.add(case_id)
        worse = _rank(bucket(span.oldest_unpaid_due, end)) >= _rank(Bucket.D60)
        if worse or span.fc_status is not None:
            ids.add(case_id)
    return Ratio(len(ids), len(base), frozenset(ids), frozenset(base))


# --- contact -------------------------------------------------------------------------------


def _in_month(day: date, month: date) -> bool:
    return day.year == month.year and day.month == month.month


def contact_attempts_per_loan(calls: Iterable[Call], delinquent: frozenset[int],
                              month: date) -> Ratio:
    """Contact attempts per delinquent loan: outbound call attempts made in the month on
    the loans delinquent in the month, divided by the number of those loans."""
    attempts = [c for c in calls if c.outbound and _in_month(c.day, month)
                and c.case_id in delinquent]
    return Ratio(len(attempts), len(delinquent), frozenset(c.case_id for c in attempts),
                 delinquent)


def right_party_contact_rate(calls: Iterable[Call], delinquent: frozenset[int],
                             month: date) -> Ratio:
    """Right-party contact rate: of the loans delinquent in the month, the share with at
    least one right-party contact (a call of either direction that reached the borrower
    or an authorised party) in the month."""
    reached = frozenset(c.case_id for c in calls
                        if c.rpc and _in_month(c.day, month) and c.case_id in delinquent)
    return Ratio(len(reached), len(delinquent), reached, delinquent)


def promise_to_pay_rate(calls: Iterable[Call], month: date) -> Ratio:
    """Promise-to-pay rate: of the right-party contacts in the month, the share that took a
    promise to pay."""
    rpcs = [c for c in calls if c.rpc and _in_month(c.day, month)]
    promised = [c for c in rpcs if c.promise_on is not None]
    return Ratio(len(promised), len(rpcs), frozenset(c.case_id for c in promised),
                 frozenset(c.case_id for c in rpcs))


def promise_kept_rate(calls: Iterable[Call], events: Iterable[Event], month: date) -> Ratio:
    """Promise-kept rate: of the promises to pay falling due in the month, the share kept:
    a payment received on the case on or after the day of the call and on or before the
    promised day."""
    payments: dict[int, list[date]] = defaultdict(list)
    for e in events:
        if e.kind == EventKind.PAYMENT_RECEIVED:
            payments[e.case_id].append(e.day)
    due = [(c, c.promise_on) for c in calls
           if c.promise_on is not None and _in_month(c.promise_on, month)]
    kept = [c for c, by in due if any(c.day <= d <= by for d in payments[c.case_id])]
    return Ratio(len(kept), len(due), frozenset(c.case_id for c in kept),
                 frozenset(c.case_id for c, _ in due))


# --- applications and decisions ---------------------------------------------------------


def _events_of(events: Iterable[Event], *kinds: str) -> dict[int, list[Event]]:
    found: dict[int, list[Event]] = defaultdict(list)
    for e in sorted(events, key=lambda e: e.day):
        if e.kind in kinds:
            found[e.case_id].append(e)
    return found


def acknowledgment_timeliness(events: Iterable[Event], month: date,
                              add_business_days: Callable[[date, int], date]) -> Ratio:
    """Acknowledgment timeliness: of the applications received in the month, the share
    acknowledged in writing (acknowledgment_sent) on or after the receipt day and within 5
    business days after it (1024.41(b)(2)(i)(B))."""
    events = list(events)
    received = [e for e in events if e.kind == EventKind.APPLICATION_RECEIVED
                and _in_month(e.day, month)]
    acks = _events_of(events, EventKind.ACKNOWLEDGMENT_SENT)
    on_time = [r for r in received if any(
        r.day <= a.day <= add_business_days(r.day, ACKNOWLEDGMENT_BUSINESS_DAYS)
        for a in acks[r.case_id])]
    return Ratio(len(on_time), len(received), frozenset(r.case_id for r in on_time),
                 frozenset(r.case_id for r in received))


def application_completion(events: Iterable[Event], month: date) -> Ratio:
    """Application completion rate: of the applications received in the month, the share
    complete (application_complete on or after the receipt) by the month's end."""
    events = list(events)
    end = month_end(month)
    received = [e for e in events if e.kind == EventKind.APPLICATION_RECEIVED
                and _in_month(e.day, month)]
    complete = _events_of(events, EventKind.APPLICATION_COMPLETE)
    done = [r for r in received if any(r.day <= c.day <= end for c in complete[r.case_id])]
    return Ratio(len(done), len(received), frozenset(r.case_id for r in done),
                 frozenset(r.case_id for r in received))


def percentile(values: Sequence[float], p: float) -> float | None:
    """The nearest-rank `p`th percentile: the smallest value with at least p% of the values
    at or below it (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def spread(pairs: Sequence[tuple[int, int]]) -> Spread:
    """(loan, days) pairs as a Spread: the median (the mean of the middle two for an even
    count) and the nearest-rank 90th percentile."""
    days = [d for _, d in pairs]
    return Spread(len(days), statistics.median(days) if days else None,
                  percentile(days, 90), frozenset(i for i, _ in pairs))


def _since_latest(events: Iterable[Event], month: date, ends: Iterable[str],
                  starts: str) -> list[tuple[int, int]]:
    """(loan, days) for each event of `ends` in the month: days since the loan's latest
    `starts` event on or before it (an end with none before it is left out)."""
    events = list(events)
    begun = _events_of(events, starts)
    out: list[tuple[int, int]] = []
    for e in events:
        if e.kind not in ends or not _in_month(e.day, month):
            continue
        before = [s.day for s in begun[e.case_id] if s.day <= e.day]
        if before:
            out.append((e.case_id, (e.day - max(before)).days))
    return out


def days_to_complete(events: Iterable[Event], month: date) -> Spread:
    """Days to complete an application: for each application completed in the month, the
    days from the latest receipt on or before the completion to it."""
    return spread(_since_latest(events, month, {EventKind.APPLICATION_COMPLETE},
                                EventKind.APPLICATION_RECEIVED))


def decision_turnaround(events: Iterable[Event], month: date) -> Spread:
    """Decision turnaround: for each decision in the month (an offer sent or a denial),
    the days since the latest complete application on or before it (decisions without a
    complete application before them are left out)."""
    return spread(_since_latest(events, month, DECISIONS, EventKind.APPLICATION_COMPLETE))


def decided_within_30(events: Iterable[Event], month: date) -> Ratio:
    """Share of the month's decisions (as `decision_turnaround`) made within 30 days of the
    complete application (1024.41(c)(1)): 30 days or fewer."""
    pairs = _since_latest(events, month, DECISIONS, EventKind.APPLICATION_COMPLETE)
    within = [i for i, d in pairs if d <= DECISION_DAYS]
    return Ratio(len(within), len(pairs), frozenset(within), frozenset(i for i, _ in pairs))


def trial_conversion(events: Iterable[Event], month: date) -> Ratio:
    """Trial-to-permanent conversion: of the trials that ended in the month (a
    modification took effect, or a failure to perform, after a trial start with no plan
    start between), the share that became permanent modifications."""
    events = sorted(events, key=lambda e: e.day)
    ends: list[tuple[int, bool]] = []
    running: dict[int, str] = {}
    for e in events:
        if e.kind in (EventKind.TRIAL_STARTED, EventKind.PLAN_STARTED):
            running[e.case_id] = e.kind
        elif e.kind in (EventKind.MODIFICATION_EFFECTIVE, EventKind.FAILED_TO_PERFORM):
            ended = running.pop(e.case_id, None)  # whatever was running ends here
            if ended == EventKind.TRIAL_STARTED and _in_month(e.day, month):
                ends.append((e.case_id, e.kind == EventKind.MODIFICATION_EFFECTIVE))
    converted = [i for i, ok in ends if ok]
    return Ratio(len(converted), len(ends), frozenset(converted), frozenset(i for i, _ in ends))


# --- deadlines, pipeline, people ---------------------------------------------------------


def deadline_compliance(deadlines: Iterable[Deadline], month: date) -> dict[str, Ratio]:
    """Deadline compliance by clock: of the regulatory deadlines of each clock that came due
    in the month, the share met on or before their day. `ids` are the loans met on time."""
    due: dict[str, list[Deadline]] = defaultdict(list)
    for d in deadlines:
        if _in_month(d.due_on, month):
            due[d.clock].append(d)
    out = {}
    for clock, items in sorted(due.items()):
        met = [d for d in items if d.met_on is not None and d.met_on <= d.due_on]
        out[clock] = Ratio(len(met), len(items), frozenset(d.case_id for d in met),
                           frozenset(d.case_id for d in items))
    return out


def stage_since(spans: Sequence[Span], day: date) -> date | None:
    """The day the loan entered the stage it has on `day`: the start of the unbroken run of
    intervals with that stage that covers the day."""
    current = status_on(spans, day)
    if current is None:
        return None
    since = current.valid_from
    for span in sorted((s for s in spans if s.valid_from < current.valid_from),
                       key=lambda s: s.valid_from, reverse=True):
        if span.stage != current.stage:
            break
        since = span.valid_from
    return since


def pipeline(histories: Mapping[int, Sequence[Span]], day: date) -> dict[str, StageAge]:
    """Pipeline by stage on `day`: the open loans (stage not closed) in each stage, and the
    median of their days in it (`day` - `stage_since`)."""
    ages: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for case_id, spans in histories.items():
        span = status_on(spans, day)
        since = stage_since(spans, day)
        if span is None or since is None or Stage(span.stage) in CLOSED_STAGES:
            continue
        ages[span.stage].append((case_id, (day - since).days))
    order = [s.value for s in Stage]
    return {stage: StageAge(len(items), statistics.median(d for _, d in items),
                            frozenset(i for i, _ in items))
            for stage, items in sorted(ages.items(), key=lambda kv: order.index(kv[0]))}


def productivity(calls: Iterable[Call], events: Iterable[Event], month: date,
                 business_days: int, caseload: Mapping[int, frozenset[int]]
                 ) -> dict[int, Productivity]:
    """Per-specialist productivity for the month, for each user with a caseload (`caseload`:
    user -> the open loans assigned to them): right-party contacts they made ÷ the month's
    business days; applications they recorded complete; decisions (offers sent, denials)
    they recorded; their calls in the month ÷ their caseload; the caseload."""
    calls = [c for c in calls if _in_month(c.day, month)]
    events = [e for e in events if _in_month(e.day, month)]
    out = {}
    for user, loans in sorted(caseload.items()):
        mine = [c for c in calls if c.user_id == user]
        rpcs = sum(1 for c in mine if c.rpc)
        out[user] = Productivity(
            rpcs / business_days if business_days else None,
            sum(1 for e in events
                if e.user_id == user and e.kind == EventKind.APPLICATION_COMPLETE),
            sum(1 for e in events if e.user_id == user and e.kind in DECISIONS),
            len(mine) / len(loans) if loans else None, len(loans), loans)
    return out


# --- early intervention ------------------------------------------------------------------


def _thirty_plus_due(spans: Sequence[Span], month: date) -> date | None:
    """The earliest oldest unpaid due date among the loan's statuses in the book that are
    30 days delinquent or more on some day of the month (on the last day the status covers
    in the month: days delinquent only grow within a status); None when there is none."""
    first, last = month.replace(day=1), month_end(month)
    found: date | None = None
    for span in spans:
        end = last if span.valid_to is None else min(last, span.valid_to - timedelta(days=1))
        if span.valid_from > last or end < first or end < span.valid_from:
            continue
        due = span.oldest_unpaid_due
        if in_book(span) and due is not None and (end - due).days >= THIRTY_DAYS \
                and (found is None or due < found):
            found = due
    return found


def became_thirty_plus(histories: Mapping[int, Sequence[Span]], month: date) -> dict[int, date]:
    """The loans that became 30+ days delinquent in the month: in the book and 30 days or
    more delinquent (day - oldest unpaid due date >= 30) on some day of the month, and on
    no day of the month before. Each with its episode's oldest unpaid due date: the
    earliest one among the month's 30+ statuses (day 0 of the delinquency)."""
    out = {}
    for case_id, spans in histories.items():
        due = _thirty_plus_due(spans, month)
        if due is not None and _thirty_plus_due(spans, prior_month(month)) is None:
            out[case_id] = due
    return out


def live_contact_by_day_36(calls: Iterable[Call], became: Mapping[int, date],
                           quality: bool = False) -> Ratio:
    """Live contact by day 36 (1024.39(a)): of the loans that became 30+ days delinquent in
    the month (`became_thirty_plus`), the share with a right-party contact (a call of
    either direction that reached the borrower or an authorised party) on a day from the
    episode's oldest unpaid due date to 36 days after it, both included. With `quality`,
    the quality right-party contact rate by day 36: the contact must be a quality
    right-party contact (`Call.quality`: the reason for default, its duration, occupancy,
    ability to pay, the options explained and the borrower's commitment all recorded)."""
    reached = set()
    for c in calls:
        due = became.get(c.case_id)
        if due is None or not c.rpc or (quality and not c.quality):
            continue
        if due <= c.day <= due + timedelta(days=LIVE_CONTACT_DAY):
            reached.add(c.case_id)
    base = frozenset(became)
    return Ratio(len(reached), len(base), frozenset(reached), base)


def notice_timeliness(deadlines: Iterable[Deadline], events: Iterable[Event],
                      month: date) -> Ratio:
    """Early-intervention notice timeliness: of the written-notice deadlines (clock
    1024.39(b), day 45 of the delinquency or, after an earlier notice, the day the next is
    owed) that came due in the month, the share with a written notice sent
    (written_notice_sent) on the loan on or before the deadline's day and no more than 45
    days before it. A deadline the clock cancelled (the notice stopped being owed) is left
    out. A loan with two such deadlines in the month counts twice."""
    sent: dict[int, list[date]] = defaultdict(list)
    for e in events:
        if e.kind == EventKind.WRITTEN_NOTICE_SENT:
            sent[e.case_id].append(e.day)
    due = [x for x in deadlines if x.clock == WRITTEN_NOTICE_CLOCK and not x.cancelled
           and _in_month(x.due_on, month)]
    window = timedelta(days=WRITTEN_NOTICE_DAY)
    met = [x for x in due if any(x.due_on - window <= s <= x.due_on for s in sent[x.case_id])]
    return Ratio(len(met), len(due), frozenset(x.case_id for x in met),
                 frozenset(x.case_id for x in due))


# --- workouts -----------------------------------------------------------------------------


def workout_mix(events: Iterable[Event], month: date) -> dict[str, Ratio]:
    """Workout volume and mix by type: the workouts started in the month (each event of
    `WORKOUT_STARTS`: a trial started, a repayment plan started, a permanent modification
    took effect), per type as a share of all of them (numerator: that type's count,
    denominator: every workout started). Types with none are left out."""
    started = [e for e in events if e.kind in WORKOUT_STARTS and _in_month(e.day, month)]
    out = {}
    for kind, label in WORKOUT_STARTS.items():
        mine = [e for e in started if e.kind == kind]
        if mine:
            out[label] = Ratio(len(mine), len(started), frozenset(e.case_id for e in mine),
                               frozenset(e.case_id for e in started))
    return out


def trials_before_day_210(histories: Mapping[int, Sequence[Span]], events: Iterable[Event],
                          month: date) -> Ratio:
    """Trial starts before day 210: of the trials started in the month (trial_started) on
    loans with a status on the start day, the share started while fewer than 210 days
    delinquent that day (day - oldest unpaid due date < 210; a loan not past due is 0)."""
    base: list[int] = []
    early: list[int] = []
    for e in events:
        if e.kind != EventKind.TRIAL_STARTED or not _in_month(e.day, month):
            continue
        days = days_delinquent_on(histories.get(e.case_id, ()), e.day)
        if days is None:
            continue
        base.append(e.case_id)
        if days < TRIAL_BEFORE_DAY:
            early.append(e.case_id)
    return Ratio(len(early), len(base), frozenset(early), frozenset(base))


# --- open items ---------------------------------------------------------------------------


def age_band(days: int) -> str:
    """The `AGE_BANDS` label of an age in days."""
    for label, low, high in AGE_BANDS:
        if days >= low and (high is None or days <= high):
            return label
    raise ValueError(f"a negative age: {days}")


def open_item_aging(items: Iterable[Item], month: date, deadlines: bool = False
                    ) -> dict[str, Ratio]:
    """Open-item aging: the tasks (with `deadlines`, the regulatory deadline tasks only)
    open at the month's end (created on or before it, not closed by it) by age band, the
    days from the day created to the month's end: per band its count (numerator) of all
    open (denominator). Every band is given, empty ones too."""
    end = month_end(month)
    open_ = [x for x in items if (x.deadline or not deadlines) and x.created_on <= end
             and (x.closed_on is None or x.closed_on > end)]
    bands: dict[str, list[int]] = {label: [] for label, _, _ in AGE_BANDS}
    for x in open_:
        bands[age_band((end - x.created_on).days)].append(x.case_id)
    base = frozenset(x.case_id for x in open_)
    return {label: Ratio(len(ids), len(open_), frozenset(ids), base)
            for label, ids in bands.items()}
