"""Contact rules at the moment of a call (docs/RULES.md section 5).

Calling hours are checked in every time zone the borrower may be in (a state with two zones
and no ZIP gives two), and the call-frequency presumptions of Regulation F 1006.14(b)(2) are
counted in the borrower's own calendar days, as are the state limits on top of them (a
table by state: Massachusetts 940 CMR 7.04(1)(f) by default). Only outbound calls are
attempts; an inbound conversation still starts Reg F's seven quiet days. Cease-communication
and attorney representation block direct calls. Pure: the caller passes the time, the zones
and the prior calls (never amendments of a note: those are not calls).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from lossmit_tui.domain.enums import CallDirection, CallResult, NumberKind

# Results after which a message could have been left (or a conversation was had): the calls
# a state limit counts. A busy line, a disconnected number or a wrong number left no way to
# reach the borrower (940 CMR 7.04(1)(f) and the Attorney General's guidance).
MESSAGE_POSSIBLE = frozenset({CallResult.RPC, CallResult.VOICEMAIL, CallResult.NO_ANSWER})


@dataclass(frozen=True)
class CallAttempt:
    """A call already made: when (aware), whether it reached a conversation, whether we
    placed it (inbound calls are never attempts), which number it went to, and whether a
    message could have been left."""

    at: datetime
    conversation: bool
    outbound: bool = True
    number: str = NumberKind.PERSONAL
    message_possible: bool = True

    @classmethod
    def of(cls, at: datetime, direction: str, result: str,
           number: str = NumberKind.PERSONAL) -> "CallAttempt":
        """A stored call as the contact rules see it (from its direction, result, number)."""
        return cls(at, result == CallResult.RPC, direction == CallDirection.OUTBOUND, number,
                   result in MESSAGE_POSSIBLE)


@dataclass(frozen=True)
class StateCallLimit:
    """A state's cap on creditor-initiated calls: at most `max_calls` to a number of this
    kind in any `days` consecutive days (the borrower's calendar days), under `rule`."""

    number: str
    max_calls: int
    days: int
    rule: str


@dataclass(frozen=True)
class ContactPolicy:
    """The settings of docs/RULES.md section 5 (policy, from configuration)."""

    calling_hours_start: int = 8
    calling_hours_end: int = 21
    frequency_all_loans: bool = True


# Regulation F 1006.14(b)(2): more than this many call attempts in seven consecutive days is
# presumed to harass; so is any call within seven days after a telephone conversation.
REG_F_ATTEMPTS = 7
REG_F_QUIET_DAYS = 7
CONSENT_NOTE = ("if the borrower asked to be called then, tick Callback requested and say so "
                "in the note: a call made "
                "with the borrower's consent given directly within the past 7 days is not "
                "counted (Reg F 1006.14(b)(3)(i))")


@dataclass(frozen=True)
class CallWait:
    """The first of the borrower's days on which a call is not presumed to harass under
    Reg F 1006.14(b)(2), and why it is not earlier ("" when it is today)."""

    day: date
    why: str = ""


@dataclass(frozen=True)
class ContactCheck:
    """What the call editor shows before an outbound call is logged."""

    local_times: tuple[tuple[str, datetime], ...]
    attempts_last_7_days: int
    hours_warnings: tuple[str, ...]
    frequency_warnings: tuple[str, ...]
    blocked: str | None
    state_warnings: tuple[str, ...] = ()
    # Reg F's wait (None: its presumptions do not apply to this loan)
    wait: CallWait | None = None

    @property
    def attempts_left(self) -> int | None:
        """Call attempts left in the 7 days before the Reg F presumption (None: it does not
        apply to this loan)."""
        if self.wait is None:
            return None
        return max(0, REG_F_ATTEMPTS - self.attempts_last_7_days)

    @property
    def warnings(self) -> tuple[str, ...]:
        """Every warning: calling hours first, then Reg F frequency, then state limits."""
        return self.hours_warnings + self.frequency_warnings + self.state_warnings


def _local_day(moment: datetime, zone: ZoneInfo | None) -> date:
    return moment.astimezone(zone).date() if zone else moment.date()


def borrower_day(moment: datetime, zones: Sequence[str]) -> date:
    """The borrower's calendar day of an aware moment (a call), for the regulatory clock: in
    the property's time zone, and when the state has two and the ZIP does not settle it, the
    later of the two days (the easternmost zone: a deadline is never met on a day the
    borrower had already left). UTC only when the case has no zone at all."""
    return max((_local_day(moment, ZoneInfo(zone)) for zone in zones),
               default=moment.astimezone(UTC).date())


def first_allowed_call(today: date, home: ZoneInfo | None,
                       attempts: Sequence[CallAttempt]) -> CallWait:
    """The first borrower day from `today` on which one more outbound call is not presumed a
    violation of Reg F 1006.14(b)(2): not within 7 days after a conversation (its day is day
    1), and not an eighth attempt in 7 consecutive days. `attempts` are the calls made so
    far, inbound ones included (their conversations count; they are never attempts)."""
    day, why = today, ""
    talks = [_local_day(a.at, home) for a in attempts if a.conversation]
    last_talk = max((d for d in talks if d <= today), default=None)
    if last_talk is not None and last_talk + timedelta(days=REG_F_QUIET_DAYS) > day:
        day = last_talk + timedelta(days=REG_F_QUIET_DAYS)
        why = (f"you spoke with the borrower on {last_talk.isoformat()}: a call before "
               f"{day.isoformat()} is presumed to violate Reg F 1006.14(b)(2)(ii)")
    placed = [_local_day(a.at, home) for a in attempts if a.outbound]
    moved = day
    while sum(1 for d in placed if moved - timedelta(days=6) <= d <= moved) >= REG_F_ATTEMPTS:
        moved += timedelta(days=1)
    if moved > day:
        day = moved
        why = (f"{REG_F_ATTEMPTS} call attempts in the 7 days before: another before "
               f"{day.isoformat()} is presumed to violate Reg F 1006.14(b)(2)(i)")
    return CallWait(day, why)


def wait_after_call(now: datetime, zones: Sequence[str], attempts: Sequence[CallAttempt],
                    this_call: CallAttempt, *, fdcpa_covered: bool,
                    policy: ContactPolicy = ContactPolicy()) -> CallWait | None:
    """After the call being logged now (`this_call`), the first borrower day on which the
    next call is not presumed to harass (for the follow-up's suggested date); None when
    Reg F's presumptions do not apply to this loan."""
    if not (fdcpa_covered or policy.frequency_all_loans):
        return None
    home = ZoneInfo(zones[0]) if zones else None
    return first_allowed_call(_local_day(now, home), home, [*attempts, this_call])


def check_outbound_call(
    now: datetime,
    zones: Sequence[str],
    attempts: Sequence[CallAttempt],
    *,
    fdcpa_covered: bool,
    cease_communication: bool,
    attorney_represented: bool,
    policy: ContactPolicy = ContactPolicy(),
    number: str = NumberKind.PERSONAL,
    state_limits: Sequence[StateCallLimit] = (),
) -> ContactCheck:
    """Warnings (never a refusal) for hours, Reg F frequency and the borrower's state's
    limits (`state_limits`, for a call to a `number` of that kind); a block for
    cease-communication or attorney representation. `now` must be aware; `zones` are IANA
    names; `attempts` are the case's prior calls, inbound ones included."""
    if now.tzinfo is None:
        raise ValueError("now must carry its time zone")
    hours: list[str] = []
    frequency: list[str] = []
    blocked = None
    if cease_communication:
        blocked = ("The borrower asked us to cease communication: no direct calls. Write to "
                   "the borrower instead.")
    elif attorney_represented:
        blocked = ("The borrower is represented by an attorney: contact the attorney, not the "
                   "borrower.")

    start = time(policy.calling_hours_start)
    end = time(policy.calling_hours_end)
    local_times = tuple((zone, now.astimezone(ZoneInfo(zone))) for zone in zones)
    if not local_times:
        hours.append("The borrower's time zone is unknown (add the property ZIP): check "
                        "their local time before calling.")
    for zone, local in local_times:
        clock = local.time().replace(tzinfo=None)
        if clock < start or clock > end:
            where = f" in {zone}" if len(local_times) > 1 else ""
            hours.append(
                f"It is {local.strftime('%H:%M')} for the borrower{where}: calls are "
                f"allowed from {start.strftime('%H:%M')} to {end.strftime('%H:%M')} their "
                "time."
            )

    home = ZoneInfo(zones[0]) if zones else None
    today = _local_day(now, home)
    week_start = today - timedelta(days=6)  # seven consecutive days, today included
    recent = [a for a in attempts
              if a.outbound and week_start <= _local_day(a.at, home) <= today]
    if fdcpa_covered or policy.frequency_all_loans:
        if len(recent) >= 7:
            frequency.append(
                f"This would be call attempt {len(recent) + 1} in 7 days: more than 7 is "
                "presumed to violate Reg F 1006.14(b)(2)(i)."
            )
        talks = [_local_day(a.at, home) for a in attempts if a.conversation]
        last_talk = max((d for d in talks if d <= today), default=None)
        if last_talk is not None and today <= last_talk + timedelta(days=6):
            frequency.append(
                f"You spoke with the borrower on {last_talk.isoformat()}: a call before "
                f"{(last_talk + timedelta(days=7)).isoformat()} is presumed to violate Reg F "
                "1006.14(b)(2)(ii)."
            )
    state = tuple(_state_warnings(today, home, attempts, number, state_limits))
    wait = (first_allowed_call(today, home, attempts)
            if fdcpa_covered or policy.frequency_all_loans else None)
    return ContactCheck(local_times, len(recent), tuple(hours), tuple(frequency), blocked,
                        state, wait)


def _state_warnings(today: date, home: ZoneInfo | None, attempts: Sequence[CallAttempt],
                    number: str, limits: Sequence[StateCallLimit]) -> list[str]:
    """One warning per state limit this call would exceed: the prior outbound calls to the
    same kind of number on which a message could have been left, counted over the borrower's
    calendar days of the window (today included)."""
    warned = []
    for limit in limits:
        if limit.number != number:
            continue
        start = today - timedelta(days=limit.days - 1)
        counted = sum(1 for a in attempts
                      if a.outbound and a.message_possible and a.number == number
                      and start <= _local_day(a.at, home) <= today)
        if counted >= limit.max_calls:
            warned.append(
                f"This would be call {counted + 1} to the borrower's {number} number in "
                f"{limit.days} days: {limit.rule} allows at most {limit.max_calls} "
                "(live calls, texts, voicemails and unanswered calls all count).")
    return warned
