"""Foreclosure status (docs/RULES.md, "Foreclosure coordination"): a case's milestones with
counsel, whether referral, the first notice or filing, and the judgment or sale are allowed
or barred at this moment, why, and under which rule; and the hold counsel must keep.

Pure: the facts and clocks of domain/regclock.py and `today` in, the status out. The bars
themselves are the clock's (`FIRST_FILING`, `NO_SALE`); this module says what they mean for
counsel, and raises the urgent deadline when a barred sale is on the calendar.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from lossmit_tui.domain.delinquency import add_months
from lossmit_tui.domain.enums import EventKind
from lossmit_tui.domain.regclock import (
    COUNSEL_HOLD,
    FACIAL_GRACE_DAYS,
    FIRST_FILING,
    NO_SALE,
    CaseFacts,
    Clock,
    ClockState,
)

# The milestones of a foreclosure, in the order they come.
MILESTONES = (EventKind.FC_REFERRAL, EventKind.FC_FIRST_FILING, EventKind.FC_JUDGMENT,
              EventKind.SALE_SCHEDULED, EventKind.SALE_POSTPONED, EventKind.SALE_HELD)

# What a referral is for (the `basis` of an fc_referral event): the 120 days of
# 1024.41(f)(1)(i) bind a foreclosure for the borrower's delinquency only.
REFERRAL_BASES: dict[str, str] = {
    "delinquency": "",
    "due_on_sale": "a due-on-sale foreclosure (1024.41(f)(1)(ii))",
    "joining_lienholder": "joining a superior or subordinate lienholder's foreclosure "
                          "action (1024.41(f)(1)(iii))",
}

SALE_HOLD = "postpone the sale of "  # + the ISO date: the instruction that has a deadline


@dataclass(frozen=True)
class Step:
    """One step of a foreclosure and whether it may be taken today."""

    name: str
    allowed: bool
    why: str  # what allows or bars it, or what happened ("made on 2026-06-01")
    rule: str  # the citation


@dataclass(frozen=True)
class ForeclosureStatus:
    milestones: tuple[tuple[str, date], ...]  # (kind, day), oldest first
    referral: Step
    filing: Step
    sale: Step
    hold: str  # what counsel must hold, why, and the rule; "" when nothing
    # Referred to counsel, or further on (a milestone, or a sale date on record), and no
    # sale held since.
    with_counsel: bool = False
    # The first notice or filing was made: its event, or a sale scheduled (which needs one).
    filed: bool = False
    # Open complaints asserting a foreclosure error, each with the response it is owed
    # (domain/complaints.py foreclosure_error_lines).
    complaints: tuple[str, ...] = ()

    @property
    def instruction(self) -> str:
        return instruction_of(self.hold)


def is_sale_hold(hold: str | None) -> bool:
    """Whether a stored hold asks counsel to postpone a scheduled sale."""
    return bool(hold) and hold.startswith(SALE_HOLD)  # type: ignore[union-attr]  # bool() checked it


def instruction_of(hold: str | None) -> str:
    """The instruction part of a hold ("postpone the sale of 2026-12-08"), without the reason
    that follows it: a new reason for the same instruction is the same hold."""
    return (hold or "").split(": ", 1)[0]


def _milestones(facts: CaseFacts) -> tuple[tuple[str, date], ...]:
    order: dict[str, int] = {kind.value: n for n, kind in enumerate(MILESTONES)}
    found = [(k, d) for k, d in facts.events if k in order]
    if facts.referred_on is not None and not any(k == EventKind.FC_REFERRAL for k, _ in found):
        found.append((EventKind.FC_REFERRAL.value, facts.referred_on))  # from the extract
    return tuple(sorted(found, key=lambda kd: (kd[1], order[kd[0]])))


def _clock(clocks: Sequence[Clock], rule: object) -> Clock | None:
    return next((c for c in clocks if c.rule is rule), None)


def _latest(milestones: Sequence[tuple[str, date]], kind: str) -> date | None:
    days = [d for k, d in milestones if k == kind]
    return max(days) if days else None


def foreclosure_status(facts: CaseFacts, clocks: Sequence[Clock],
                       today: date) -> ForeclosureStatus:
    """Where the foreclosure stands and what may be done today (`clocks` are the case's
    `regulatory_clocks` for `today`)."""
    milestones = _milestones(facts)
    filed = _latest(milestones, EventKind.FC_FIRST_FILING)
    held = _latest(milestones, EventKind.SALE_HELD)
    sale_on_record = facts.sale_date is not None or any(
        k == EventKind.SALE_SCHEDULED for k, _ in milestones)
    with_counsel = (bool(milestones) or sale_on_record) and held is None
    referral = Step("Referral to counsel", True, "a referral is not a filing", "1024.41(f)")
    filing_clock = _clock(clocks, FIRST_FILING)
    if filed is not None:
        filing = Step("First notice or filing", True, f"made on {filed.isoformat()}",
                      "1024.41(f)")
    elif sale_on_record:
        filing = Step("First notice or filing", True, "made (a sale is scheduled)",
                      "1024.41(f)")
    elif filing_clock is None:
        filing = Step("First notice or filing", False, "the loan is not delinquent",
                      "1024.41(f)(1)")
    elif filing_clock.state is ClockState.BARRED:
        filing = Step("First notice or filing", False,
                      "; ".join(filing_clock.notes) or "barred", "1024.41(f)")
    else:
        filing = Step("First notice or filing", True,
                      "; ".join(filing_clock.notes) or
                      f"allowed from {filing_clock.due_on} (more than 120 days delinquent)",
                      "1024.41(f)(1)")
    sale_clock = _clock(clocks, NO_SALE)
    if held is not None:
        sale = Step("Judgment or sale", True, f"sale held on {held.isoformat()}", "1024.41(g)")
    elif sale_clock is not None and sale_clock.applies \
            and sale_clock.state is ClockState.BARRED:
        sale = Step("Judgment or sale", False,
                    "; ".join(sale_clock.notes) or "barred", "1024.41(g)")
    elif filed is None and not sale_on_record and not filing.allowed:
        sale = Step("Judgment or sale", False, "no first filing yet", "1024.41(f)")
    elif sale_clock is not None and not sale_clock.applies:
        sale = Step("Judgment or sale", True, f"not barred: {sale_clock.why_not}",
                    "1024.41(g)")
    else:
        sale = Step("Judgment or sale", True, "no complete application bars it", "1024.41(g)")
    for why, rule, steps in _other_protections(facts, today):
        if filed is None and not sale_on_record and "filing" in steps:
            filing = _barred(filing, why, rule)
        if held is None and "sale" in steps:
            sale = _barred(sale, why, rule)
    status = ForeclosureStatus(milestones, referral, filing, sale, "", with_counsel,
                               filed is not None or sale_on_record)
    return ForeclosureStatus(milestones, referral, filing, sale, _hold(status, facts),
                             with_counsel, status.filed)


SCRA_YEAR = 365  # a sale without a court order is not valid within a year after service


def _other_protections(facts: CaseFacts, today: date) -> list[tuple[str, str, tuple[str, ...]]]:
    """The protections beyond Regulation X that bar foreclosure steps today: a pending
    bankruptcy's automatic stay bars filing and sale; a borrower's military service bars a
    sale (without a court order) during the service and a year after it."""
    found: list[tuple[str, str, tuple[str, ...]]] = []
    case = facts.bankruptcy
    if case is not None and case.filed_on <= today and (case.ended_on is None
                                                        or case.ended_on > today):
        found.append((f"automatic stay of the bankruptcy ({case.describe}): no foreclosure "
                      "step without relief from the stay", "11 U.S.C. 362(a)",
                      ("filing", "sale")))
    since, until = facts.active_duty_since, facts.active_duty_until
    if since is not None and since <= today and (
            until is None or today <= until + timedelta(days=SCRA_YEAR)):
        when = (f"in military service since {since.isoformat()}" if until is None else
                f"in military service until {until.isoformat()}, protected to "
                f"{(until + timedelta(days=SCRA_YEAR)).isoformat()}")
        found.append((f"a borrower {when}: no sale without a court order (for a loan taken "
                      "out before the service)", "50 U.S.C. 3953(c)", ("sale",)))
    return found


def _barred(step: Step, why: str, rule: str) -> Step:
    """The step barred (also) for `why` under `rule`."""
    if step.allowed:
        return Step(step.name, False, why, rule)
    return Step(step.name, False, f"{step.why}; {why}", f"{step.rule}; {rule}")


def _hold(status: ForeclosureStatus, facts: CaseFacts) -> str:
    """What counsel must hold, why and the rule ("" when the case is not with counsel or
    nothing is barred)."""
    if not status.with_counsel:
        return ""
    filed = status.filed
    if not status.sale.allowed and facts.sale_date is not None and filed:
        return (f"{SALE_HOLD}{facts.sale_date.isoformat()}: {status.sale.why} "
                f"({status.sale.rule})")
    if not filed and not status.filing.allowed:
        return (f"do not make the first notice or filing: {status.filing.why} "
                f"({status.filing.rule})")
    if filed and not status.sale.allowed:
        return (f"no motion for judgment or order of sale: {status.sale.why} "
                f"({status.sale.rule})")
    return ""


def hold_since(status: ForeclosureStatus, facts: CaseFacts, today: date) -> date | None:
    """Since when the case's hold holds: the day its instruction began (a new reason for the
    same instruction keeps the day), None without a hold."""
    if not status.hold:
        return None
    same = instruction_of(facts.fc_hold) == status.instruction
    return facts.fc_hold_since if same and facts.fc_hold_since else today


def hold_clock(status: ForeclosureStatus, facts: CaseFacts, today: date) -> Clock | None:
    """The urgent deadline a barred sale on the calendar raises: instruct counsel to
    postpone it, due the day the hold began (today for a new one), met by recording the
    instruction on or after that day. When a sale hold the case had is over (the bar
    lifted, the sale moved or was held), the clock is shown as not applying, so its task is
    cancelled saying why."""
    new = status.instruction
    old = instruction_of(facts.fc_hold)
    if new.startswith(SALE_HOLD):
        since = hold_since(status, facts, today) or today
        met = sorted(d for k, d in facts.events
                     if k == EventKind.COUNSEL_INSTRUCTED and d >= since)
        basis = f"sale of {new.removeprefix(SALE_HOLD)} barred since {since.isoformat()}"
        if met:
            return Clock(COUNSEL_HOLD, since, ClockState.MET, basis=basis,
                         met_by=f"counsel instructed on {met[0].isoformat()}"
                         + (" (late)" if met[0] > since else ""))
        state = ClockState.MISSED if today > since else ClockState.DUE_SOON
        return Clock(COUNSEL_HOLD, since, state, basis=basis,
                     notes=(status.hold.split(": ", 1)[-1],))
    if old.startswith(SALE_HOLD) and facts.fc_hold_since is not None:
        why = (f"the {old.removeprefix('postpone the ')} is no longer barred"
               + (f" (now: {new})" if new else ""))
        return Clock(COUNSEL_HOLD, facts.fc_hold_since, ClockState.PENDING, False, why,
                     basis=f"sale of {old.removeprefix(SALE_HOLD)}")
    return None


def next_hold_change(facts: CaseFacts, today: date) -> date | None:
    """The next day on which time alone may lift a bar on a case with counsel (so the daily
    pass looks at its hold again): the 121st day of delinquency, and the day after each
    acceptance, appeal or extended window that keeps the bar. Generous: a day on which
    nothing changes costs one sync."""
    if facts.referred_on is None and facts.sale_date is None and not any(
            k in MILESTONES for k, _ in facts.events):
        return None
    days: list[date] = []
    if facts.oldest_unpaid_due is not None:
        days.append(facts.oldest_unpaid_due + timedelta(days=121))
    for kind, day in facts.events:
        if kind in (EventKind.OFFER_SENT, EventKind.DENIED, EventKind.APPEAL_DECIDED):
            days.append(day + timedelta(days=15))
        elif kind == EventKind.APPEAL_RECEIVED:
            days.append(day + timedelta(days=45))
    if facts.active_duty_until is not None:
        days.append(facts.active_duty_until + timedelta(days=SCRA_YEAR + 1))
    # a facially complete application's protections end when what was asked for since is
    # not supplied in time; a short-term option's when it has run its months
    days += [asked + timedelta(days=FACIAL_GRACE_DAYS + 1)
             for _, asked, received in facts.documents if asked and not received]
    for offered, _, months in facts.short_term:
        days += [add_months(d, months) + timedelta(days=1) for k, d in facts.events
                 if k in (EventKind.OFFER_ACCEPTED, EventKind.PLAN_STARTED) and d >= offered]
    later = [d for d in days if d > today]
    return min(later) if later else None
