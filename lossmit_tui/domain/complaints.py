"""Complaints (docs/RULES.md section 9): notices of error (12 CFR 1024.35), requests for
information (1024.36), regulator and general complaints, and every clock a complaint starts.

Pure: a complaint's facts and `today` in, its clocks out, with the same `Clock`/`ClockState`
as the loss-mitigation clocks (domain/regclock.py), so the case screen, the Regulatory view,
the tracker and `lossmit tasks` treat them alike. Business days (BD) come from the calendar
passed in; the credit-reporting hold and the CFPB timeline count calendar days.

A clock that does not bind is shown with `applies=False` and why (exempt, with its rule),
never as missed.
"""

from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from lossmit_tui.domain.calendar import BusinessCalendar
from lossmit_tui.domain.regclock import DUE_SOON_DAYS, Clock, ClockState, Rule


class Channel(StrEnum):
    MAIL = "mail"
    EMAIL = "email"
    PHONE = "phone"
    CFPB_PORTAL = "cfpb_portal"
    STATE_REGULATOR = "state_regulator"  # a state regulator or attorney general
    ATTORNEY = "attorney"


class ComplaintType(StrEnum):
    NOTICE_OF_ERROR = "notice_of_error"
    REQUEST_FOR_INFORMATION = "request_for_information"
    # A qualified written request (RESPA 6(e)) is a notice of error when it asserts an error
    # (1024.35(a)) and a request for information when it asks for information (1024.36(a)).
    QUALIFIED_WRITTEN_REQUEST = "qualified_written_request"
    REGULATOR_COMPLAINT = "regulator_complaint"
    GENERAL_COMPLAINT = "general_complaint"


# The covered errors of 1024.35(b)(1)-(11), by their paragraph.
CATEGORIES: dict[str, str] = {
    "b1": "failing to accept a payment",
    "b2": "failing to apply a payment",
    "b3": "failing to credit a payment",
    "b4": "failing to pay taxes or insurance from escrow, or to refund escrow",
    "b5": "imposing a fee without a reasonable basis",
    "b6": "failing to give an accurate payoff balance",
    "b7": "failing to give accurate loss-mitigation and foreclosure information",
    "b8": "failing to transfer accurate and timely information to a new servicer",
    "b9": "a first foreclosure notice or filing against 1024.41(f) or (j)",
    "b10": "moving for judgment or order of sale, or a sale, against 1024.41(g) or (j)",
    "b11": "any other error relating to the servicing of the loan",
}
PAYOFF = "b6"
FORECLOSURE = ("b9", "b10")


class Topic(StrEnum):
    """What a request for information asks: the owner or assignee of the loan has its own
    10-BD deadline (1024.36(d)(2)(i)(A))."""

    OWNER = "owner_identity"
    OTHER = "other"


def asserts_error(complaint_type: str, category: str | None) -> bool:
    """A notice of error (1024.35): so typed, or a qualified written request asserting an
    error (it has a covered category)."""
    return (complaint_type == ComplaintType.NOTICE_OF_ERROR
            or (complaint_type == ComplaintType.QUALIFIED_WRITTEN_REQUEST
                and category is not None))


def asks_information(complaint_type: str, category: str | None) -> bool:
    """A request for information (1024.36): so typed, or a qualified written request with no
    error asserted."""
    return (complaint_type == ComplaintType.REQUEST_FOR_INFORMATION
            or (complaint_type == ComplaintType.QUALIFIED_WRITTEN_REQUEST
                and category is None))


class Finding(StrEnum):
    ERROR_FOUND = "error_found"
    NO_ERROR = "no_error"
    INFORMATION_PROVIDED = "information_provided"
    INFORMATION_NOT_AVAILABLE = "information_not_available"
    RESOLVED = "resolved"  # a regulator, general or phone complaint answered


# Why a notice needs no acknowledgment or response (1024.35(g), 1024.36(f)). The first three
# apply to both; the rest to requests for information only.
EXEMPTIONS: dict[str, str] = {
    "duplicative": "duplicative: the same matter already handled, nothing new and material",
    "overbroad": "overbroad: the servicer cannot reasonably tell what is asserted or asked",
    "untimely": "untimely: received more than a year after the loan was transferred away "
                "or discharged",
    "confidential": "confidential, proprietary or privileged information",
    "irrelevant": "not directly related to the borrower's loan account",
    "unduly_burdensome": "unduly burdensome",
}
ERROR_EXEMPTIONS = ("duplicative", "overbroad", "untimely")


ACKNOWLEDGE_BD = 5
PAYOFF_BD = 7
OWNER_BD = 10
RESPONSE_BD = 30
EXTENSION_BD = 15
DOCUMENTS_BD = 15
SHORTCUT_BD = 5
EXEMPTION_NOTICE_BD = 5
CREDIT_HOLD_DAYS = 60
CFPB_RESPONSE_DAYS = 15
CFPB_FINAL_DAYS = 60
LATE_FORECLOSURE_DAYS = 7  # received this many days or fewer before the sale: 1024.35(f)(2)
DEFAULT_TARGET_BD = 15  # policy: the servicer's own answer target (a setting)


ACK_ERROR = Rule("1024.35(d)", "Acknowledge the notice of error (5 BD)", ("acknowledgment",))
ACK_REQUEST = Rule("1024.36(c)", "Acknowledge the request for information (5 BD)",
                   ("acknowledgment",))
RESPOND_PAYOFF = Rule("1024.35(e)(3)(i)(A)", "Respond: payoff balance error (7 BD)",
                      ("response",))
RESPOND_FORECLOSURE = Rule("1024.35(e)(3)(i)(B)",
                           "Respond: foreclosure error (before the sale, or 30 BD)",
                           ("response",))
RESPOND_ERROR = Rule("1024.35(e)(3)(i)(C)", "Respond to the notice of error (30 BD)",
                     ("response",))
RESPOND_OWNER = Rule("1024.36(d)(2)(i)(A)", "Respond: owner or assignee of the loan (10 BD)",
                     ("response",))
RESPOND_REQUEST = Rule("1024.36(d)(2)(i)(B)", "Respond to the request for information (30 BD)",
                       ("response",))
DOCUMENTS = Rule("1024.35(e)(4)", "Send the documents relied on (15 BD)", ("documents",))
CREDIT_HOLD = Rule("1024.35(i)", "No adverse credit report on the disputed payment (60 days)",
                   (), bar=True)
EXEMPT_ERROR = Rule("1024.35(g)(2)", "Tell the borrower the notice is exempt (5 BD)",
                    ("exemption notice",))
EXEMPT_REQUEST = Rule("1024.36(f)(2)", "Tell the borrower the request is exempt (5 BD)",
                      ("exemption notice",))
CFPB_RESPONSE = Rule("CFPB 15-day", "CFPB portal: respond (15 days)", ("response",))
CFPB_FINAL = Rule("CFPB 60-day", "CFPB portal: final response (60 days)", ("closure",))
TARGET = Rule("policy", "Answer the complaint (servicer's own target)", ("response",))

COMPLAINT_RULES = (ACK_ERROR, ACK_REQUEST, RESPOND_PAYOFF, RESPOND_FORECLOSURE, RESPOND_ERROR,
                   RESPOND_OWNER, RESPOND_REQUEST, DOCUMENTS, CREDIT_HOLD, EXEMPT_ERROR,
                   EXEMPT_REQUEST, CFPB_RESPONSE, CFPB_FINAL, TARGET)
# The response deadlines no extension may move (1024.35(e)(3)(ii), 1024.36(d)(2)(ii)).
NO_EXTENSION = (RESPOND_PAYOFF, RESPOND_FORECLOSURE, RESPOND_OWNER)
EXTENSION_CITATION = {RESPOND_ERROR: "1024.35(e)(3)(ii)", RESPOND_REQUEST: "1024.36(d)(2)(ii)"}


@dataclass(frozen=True)
class ComplaintFacts:
    """A complaint as the clocks read it. `sale_date` is the case's scheduled foreclosure
    sale today (None: none set); `designated_address` whether the servicer has designated an
    address for notices (a setting) and `at_designated` whether this one came to it."""

    id: int
    received_on: date
    channel: str
    type: str
    category: str | None = None
    topic: str | None = None
    at_designated: bool = True
    designated_address: bool = False
    sale_date: date | None = None
    acknowledged_on: date | None = None
    extension_on: date | None = None
    responded_on: date | None = None
    # The response corrected the error or gave the information (1024.35(f)(1), 1024.36(e)).
    corrected: bool = False
    documents_requested_on: date | None = None
    documents_sent_on: date | None = None
    exemption: str | None = None
    exemption_decided_on: date | None = None
    exemption_notice_on: date | None = None
    closed_on: date | None = None
    target_bd: int = DEFAULT_TARGET_BD

    @property
    def is_error(self) -> bool:
        """A notice of error: so typed, or a qualified written request asserting an error."""
        return asserts_error(self.type, self.category)

    @property
    def is_request(self) -> bool:
        """A request for information: so typed, or a qualified written request asking one."""
        return asks_information(self.type, self.category)

    @property
    def written(self) -> bool:
        """1024.35(a) and 1024.36(a) cover written notices only; a call is not one."""
        return self.channel != Channel.PHONE


def regx_exemption(facts: ComplaintFacts) -> str:
    """Why the Reg X clocks of 1024.35/1024.36 do not bind this complaint ("" when they do)."""
    if not (facts.is_error or facts.is_request):
        return "not a notice of error or request for information: the servicer's own target"
    if not facts.written:
        return ("a phone complaint is not a written notice (1024.35(a), 1024.36(a)): tell the "
                "borrower how to send it in writing")
    if facts.designated_address and not facts.at_designated:
        return ("not received at the designated address (1024.35(c), 1024.36(b)): route it "
                "there; the servicer's own target applies")
    return ""


def response_rule(facts: ComplaintFacts) -> Rule | None:
    """The response deadline's rule for a notice of error or request for information."""
    if facts.is_error:
        if facts.category == PAYOFF:
            return RESPOND_PAYOFF
        if facts.category in FORECLOSURE:
            return RESPOND_FORECLOSURE
        return RESPOND_ERROR
    if facts.is_request:
        return RESPOND_OWNER if facts.topic == Topic.OWNER else RESPOND_REQUEST
    return None


def response_due(facts: ComplaintFacts, calendar: BusinessCalendar) -> date | None:
    """The response deadline before any extension: 7 / 10 / 30 BD after receipt, or for a
    foreclosure error the day before the sale when that is earlier (1024.35(e)(3)(i)(B))."""
    rule = response_rule(facts)
    if rule is None:
        return None
    days = {RESPOND_PAYOFF: PAYOFF_BD, RESPOND_OWNER: OWNER_BD}.get(rule, RESPONSE_BD)
    due = calendar.add_business_days(facts.received_on, days)
    if rule is RESPOND_FORECLOSURE and facts.sale_date is not None \
            and facts.sale_date > facts.received_on:
        due = min(due, facts.sale_date - timedelta(days=1))
    return due


def late_foreclosure_notice(facts: ComplaintFacts) -> bool:
    """A foreclosure-error notice received 7 or fewer days before the sale: a good-faith
    answer, oral or written, before the sale is enough (1024.35(f)(2))."""
    return (facts.is_error and facts.category in FORECLOSURE and facts.sale_date is not None
            and 0 < (facts.sale_date - facts.received_on).days <= LATE_FORECLOSURE_DAYS)


def extension_refusal(facts: ComplaintFacts, day: date, calendar: BusinessCalendar) -> str:
    """Why an extension notice sent on `day` cannot extend the response deadline ("" when it
    can): never for a payoff, foreclosure or owner-identity deadline, never after the deadline,
    never twice, and only for a notice or request the Reg X clocks cover."""
    rule = response_rule(facts)
    due = response_due(facts, calendar)
    if rule is None or due is None or regx_exemption(facts):
        return "only a notice of error or request for information under Reg X has an extension"
    if facts.exemption:
        return "an exempt notice has no response deadline to extend"
    if rule in NO_EXTENSION:
        what = {RESPOND_PAYOFF: "a payoff-balance error",
                RESPOND_FORECLOSURE: "a foreclosure error",
                RESPOND_OWNER: "a request for the loan's owner or assignee"}[rule]
        return (f"no extension is allowed for {what} ({rule.citation}; "
                "1024.35(e)(3)(ii), 1024.36(d)(2)(ii))")
    if facts.extension_on is not None:
        return f"the response deadline was already extended on {facts.extension_on}"
    if day > due:
        return (f"the extension notice must go out before the deadline ({due}); on {day} it "
                f"is too late ({EXTENSION_CITATION[rule]})")
    if day < facts.received_on:
        return f"the extension notice cannot be dated before the receipt ({facts.received_on})"
    return ""


def _state(due: date, met_on: date | None, today: date, horizon: int) -> ClockState:
    if met_on is not None and met_on <= due:
        return ClockState.MET
    if today > due:
        return ClockState.MISSED
    if (due - today).days <= horizon:
        return ClockState.DUE_SOON
    return ClockState.PENDING


def _clock(rule: Rule, due: date, met_on: date | None, what: str, today: date, horizon: int,
           basis: str, notes: tuple[str, ...] = ()) -> Clock:
    met_by = "" if met_on is None else (
        f"{what} on {met_on.isoformat()}" + (" (late)" if met_on > due else ""))
    return Clock(rule, due, _state(due, met_on, today, horizon), met_by=met_by, basis=basis,
                 notes=notes)


def _exempt(clock: Clock, why: str) -> Clock:
    return Clock(clock.rule, clock.due_on, clock.state, False, why, clock.met_by, clock.basis,
                 clock.notes)


def shortcut_met(facts: ComplaintFacts, calendar: BusinessCalendar) -> bool:
    """The error was corrected (or the information sent) and the borrower told in writing
    within 5 BD of receipt: that meets the acknowledgment and the response (1024.35(f)(1),
    1024.36(e))."""
    return (facts.corrected and facts.responded_on is not None
            and facts.responded_on <= calendar.add_business_days(facts.received_on,
                                                                  SHORTCUT_BD))


def complaint_clocks(facts: ComplaintFacts, today: date, calendar: BusinessCalendar,
                     horizon: int = DUE_SOON_DAYS) -> list[Clock]:
    """Every clock of docs/RULES.md section 9 this complaint has started, by due date."""
    basis = f"complaint {facts.id} received {facts.received_on.isoformat()}"
    clocks = [*_regx_clocks(facts, today, calendar, horizon, basis),
              *_other_clocks(facts, today, calendar, horizon, basis)]
    if facts.closed_on is not None:  # what was never done stays visible, but binds no more
        clocks = [c if c.met_by or not c.applies or c.rule.bar else _exempt(
            c, f"complaint closed on {facts.closed_on} without it")
            for c in clocks]
    return sorted(clocks, key=lambda c: (c.due_on or date.max, c.citation))


def _regx_clocks(facts: ComplaintFacts, today: date, calendar: BusinessCalendar,
                 horizon: int, basis: str) -> list[Clock]:
    rule = response_rule(facts)
    if rule is None:
        return []
    error = facts.is_error
    received = facts.received_on
    shortcut = shortcut_met(facts, calendar)
    ack_met = facts.acknowledged_on or (facts.responded_on if shortcut else None)
    ack_what = "acknowledgment" if facts.acknowledged_on else (
        "correction in writing (1024.35(f)(1))" if error
        else "information in writing (1024.36(e))")
    ack = _clock(ACK_ERROR if error else ACK_REQUEST,
                 calendar.add_business_days(received, ACKNOWLEDGE_BD), ack_met, ack_what,
                 today, horizon, basis)
    due = response_due(facts, calendar)
    assert due is not None
    notes: list[str] = []
    if facts.extension_on is not None and not extension_refusal(
            replace(facts, extension_on=None), facts.extension_on,
            calendar):
        notes.append(f"extended by {EXTENSION_BD} BD: notice sent {facts.extension_on} "
                     f"({EXTENSION_CITATION[rule]})")
        due = calendar.add_business_days(due, EXTENSION_BD)
    if late_foreclosure_notice(facts):
        notes.append("received 7 or fewer days before the sale: a good-faith answer, oral or "
                     "written, before the sale is enough (1024.35(f)(2))")
    if rule is RESPOND_FORECLOSURE and facts.sale_date is not None and due < \
            calendar.add_business_days(received, RESPONSE_BD):
        notes.append(f"due before the sale on {facts.sale_date}")
    response = _clock(rule, due, facts.responded_on, "response", today, horizon, basis,
                      tuple(notes))
    clocks = [ack, response]
    if error and facts.documents_requested_on is not None:
        clocks.append(_clock(DOCUMENTS, calendar.add_business_days(
            facts.documents_requested_on, DOCUMENTS_BD), facts.documents_sent_on,
            "documents sent", today, horizon,
            f"documents asked for {facts.documents_requested_on.isoformat()}"))
    if error:
        clocks.append(credit_hold(facts, today, basis))
    why = regx_exemption(facts)
    if why:
        return [_exempt(c, why) for c in clocks]
    if facts.exemption:
        reason = EXEMPTIONS.get(facts.exemption, facts.exemption)
        cite = "1024.35(g)(1)" if error else "1024.36(f)(1)"
        clocks = [_exempt(c, f"exempt: {reason} ({cite})") for c in clocks]
        if facts.exemption_decided_on is not None:
            clocks.append(_clock(
                EXEMPT_ERROR if error else EXEMPT_REQUEST,
                calendar.add_business_days(facts.exemption_decided_on, EXEMPTION_NOTICE_BD),
                facts.exemption_notice_on, "exemption notice", today, horizon,
                f"found {facts.exemption} on {facts.exemption_decided_on.isoformat()}"))
        return clocks
    if shortcut:
        return [ack, _clock(rule, due, facts.responded_on,
                            "correction in writing (1024.35(f)(1))" if error
                            else "information in writing (1024.36(e))",
                            today, horizon, basis), *clocks[2:]]
    return clocks


def credit_hold(facts: ComplaintFacts, today: date, basis: str) -> Clock:
    """No adverse information about the disputed payment to a credit bureau for 60 days
    after receipt (1024.35(i)): barred until then, allowed after."""
    until = facts.received_on + timedelta(days=CREDIT_HOLD_DAYS)
    state = ClockState.BARRED if today < until else ClockState.ALLOWED
    return Clock(CREDIT_HOLD, until, state, basis=basis,
                 notes=(f"no adverse report on the disputed payment before {until}",))


def _other_clocks(facts: ComplaintFacts, today: date, calendar: BusinessCalendar,
                  horizon: int, basis: str) -> list[Clock]:
    """The CFPB portal's timeline, and the servicer's own target for what Reg X leaves
    without a clock (a call, a general complaint, a notice sent elsewhere)."""
    clocks: list[Clock] = []
    if facts.channel == Channel.CFPB_PORTAL:
        clocks.append(_clock(CFPB_RESPONSE, facts.received_on + timedelta(
            days=CFPB_RESPONSE_DAYS), facts.responded_on, "response", today, horizon, basis))
        clocks.append(_clock(CFPB_FINAL, facts.received_on + timedelta(days=CFPB_FINAL_DAYS),
                             facts.closed_on, "final response", today, horizon, basis))
    elif regx_exemption(facts) and not facts.exemption:
        clocks.append(_clock(TARGET, calendar.add_business_days(
            facts.received_on, facts.target_bd), facts.responded_on, "response", today,
            horizon, basis, (f"policy: answer within {facts.target_bd} BD",)))
    return clocks


def foreclosure_error_lines(complaints: list[ComplaintFacts], today: date,
                           calendar: BusinessCalendar) -> tuple[str, ...]:
    """For the case's foreclosure status: each open complaint asserting a foreclosure error
    (1024.35(b)(9), (b)(10)), with the response it is owed and, when a sale is scheduled,
    that it must come before the sale (1024.35(e)(3)(i)(B); 1024.35(f)(2) when received 7 or
    fewer days before it)."""
    lines = []
    for facts in complaints:
        if not facts.is_error or facts.category not in FORECLOSURE or facts.closed_on:
            continue
        what = (f"complaint {facts.id}, received {facts.received_on}, asserts a foreclosure "
                f"error (1024.35(b)({facts.category[1:]}): {CATEGORIES[facts.category]})")
        response = next((c for c in complaint_clocks(facts, today, calendar)
                         if c.rule is RESPOND_FORECLOSURE), None)
        if response is None or not response.applies:
            why = response.why_not if response is not None else regx_exemption(facts)
            lines.append(f"{what}; no Reg X response clock: {why}")
        elif response.state is ClockState.MET:
            lines.append(f"{what}; answered: {response.met_by}")
        else:
            sale = facts.sale_date
            before = (f", before the sale on {sale}" if sale is not None and sale > today
                      else "")
            late = " (a good-faith answer, oral or written, is enough: 1024.35(f)(2))" \
                if late_foreclosure_notice(facts) else ""
            missed = "MISSED: " if response.state is ClockState.MISSED else ""
            lines.append(f"{what}; {missed}respond by {response.due_on}{before}{late} "
                         f"[{RESPOND_FORECLOSURE.citation}]")
    return tuple(lines)


def on_time(clock: Clock) -> bool | None:
    """For the report: True when met by its date, False when missed (or met late), None
    while it is still to come or does not bind."""
    if not clock.applies or clock.rule.bar:
        return None
    if clock.state is ClockState.MET:
        return True
    if clock.state is ClockState.MISSED:
        return False
    return None


# The complaint reports' duties: each complaint clock's rule, by the duty it stands for
# (`lossmit complaints report` and the Reports screen's complaints report share them).
CLOCK_GROUPS: dict[str, tuple[str, ...]] = {
    "acknowledgment": (ACK_ERROR.citation, ACK_REQUEST.citation),
    "response": (RESPOND_PAYOFF.citation, RESPOND_FORECLOSURE.citation, RESPOND_ERROR.citation,
                 RESPOND_OWNER.citation, RESPOND_REQUEST.citation),
    "documents": (DOCUMENTS.citation,),
    "exemption_notice": (EXEMPT_ERROR.citation, EXEMPT_REQUEST.citation),
    "cfpb": (CFPB_RESPONSE.citation, CFPB_FINAL.citation),
    "target": (TARGET.citation,),
}


def clock_outcomes(facts: ComplaintFacts, today: date,
                   calendar: BusinessCalendar) -> tuple[tuple[str, bool], ...]:
    """The one on-time definition of the complaint reports: each of the complaint's clocks
    decided by `today`, as (its duty in `CLOCK_GROUPS`, met by its date). A clock is decided
    once met (on time: True; late: False) or missed; one still to come, a bar, or one that
    does not bind is left out. A complaint closed without a step still counts that step:
    the clocks are read as if it were open, so what was never done is missed once due."""
    out = []
    for clock in complaint_clocks(replace(facts, closed_on=None), today, calendar):
        kept = on_time(clock)
        duty = next((n for n, cites in CLOCK_GROUPS.items() if clock.citation in cites), None)
        if kept is not None and duty is not None:
            out.append((duty, kept))
    return tuple(out)


TOP_ROOT_CAUSES = 3


def top_root_causes(counts: dict[str, int]) -> list[tuple[str, int]]:
    """The complaint reports' top root causes: the three most frequent (code, count), a tie
    in count broken by the code's alphabetical order."""
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_ROOT_CAUSES]
