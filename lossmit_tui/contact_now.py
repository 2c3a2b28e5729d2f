"""The contact rules for one case at this moment, as both the case header and the call
editor show them (settings, zones and past calls gathered in one place)."""

from collections.abc import Sequence
from datetime import datetime

from db.queries import CaseDetail, RecentCall
from lossmit_tui.config import Settings
from lossmit_tui.domain.contact import (
    CallAttempt,
    CallWait,
    ContactCheck,
    ContactPolicy,
    check_outbound_call,
    wait_after_call,
)
from lossmit_tui.domain.enums import NumberKind
from lossmit_tui.services.extract import borrower_zones

# How far back the calls are read for the check: the longest window a rule counts (a state's
# 30 days to a work number, Reg F's 7), and a day more for the borrower's zone.
CALL_HISTORY_DAYS = 31


def contact_zones(case: CaseDetail) -> tuple[str, ...]:
    """The zones the borrower may be in for the calling rules: the mailing address's when
    one is on file (where the borrower lives), else the property's (docs/RULES.md 5)."""
    if case.mailing_state:
        return borrower_zones(case.mailing_state, case.mailing_tz)
    return borrower_zones(case.property_state, case.property_tz)


def case_contact_check(case: CaseDetail, calls: Sequence[RecentCall], now: datetime,
                       settings: Settings, number: str = NumberKind.PERSONAL) -> ContactCheck:
    """The check for an outbound call on `case` now to a `number` of that kind, given its
    recent calls (amendments of notes are never among them), with the limits of the
    borrower's state."""
    return check_outbound_call(
        now,
        contact_zones(case),
        [CallAttempt.of(c.at, c.direction, c.result, c.number) for c in calls],
        fdcpa_covered=case.fdcpa_covered,
        cease_communication=case.cease_communication,
        attorney_represented=case.attorney_represented,
        policy=ContactPolicy(settings.calling_hours_start, settings.calling_hours_end,
                             settings.call_frequency_all_loans),
        number=number,
        state_limits=settings.call_limits_for(case.property_state),
    )


def case_call_wait(case: CaseDetail, calls: Sequence[RecentCall], now: datetime,
                   settings: Settings, *, direction: str, result: str,
                   number: str = NumberKind.PERSONAL) -> CallWait | None:
    """After a call logged now on `case` (its direction, result and number), the first day
    on which the next call is not presumed to harass under Reg F (None when the presumptions
    do not apply to the loan)."""
    return wait_after_call(
        now, contact_zones(case),
        [CallAttempt.of(c.at, c.direction, c.result, c.number) for c in calls],
        CallAttempt.of(now, direction, result, number), fdcpa_covered=case.fdcpa_covered,
        policy=ContactPolicy(settings.calling_hours_start, settings.calling_hours_end,
                             settings.call_frequency_all_loans))


def local_times_text(check: ContactCheck) -> str:
    """`Sun 11:45 New_York` (both zones for a split state); empty when no zone is known."""
    return " / ".join(f"{local.strftime('%a %H:%M')} {zone.split('/')[-1]}"
                      for zone, local in check.local_times)
