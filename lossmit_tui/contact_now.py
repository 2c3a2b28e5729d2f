"""The contact rules for one case at this moment, as both the case header and the call
editor show them (settings, zones and past calls gathered in one place)."""

from collections.abc import Sequence
from datetime import UTC, datetime

from db.queries import CaseDetail
from lossmit_tui.config import Settings
from lossmit_tui.domain.contact import CallAttempt, ContactCheck, ContactPolicy, check_outbound_call
from lossmit_tui.domain.enums import CallResult
from lossmit_tui.services.extract import borrower_zones


def case_contact_check(case: CaseDetail, calls: Sequence[tuple[datetime, str]],
                       now: datetime, settings: Settings) -> ContactCheck:
    """The check for an outbound call on `case` now, given its recent (time, result) calls."""
    return check_outbound_call(
        now,
        borrower_zones(case.property_state, case.property_tz),
        [CallAttempt(at if at.tzinfo else at.replace(tzinfo=UTC), result == CallResult.RPC)
         for at, result in calls],
        fdcpa_covered=case.fdcpa_covered,
        cease_communication=case.cease_communication,
        attorney_represented=case.attorney_represented,
        policy=ContactPolicy(settings.calling_hours_start, settings.calling_hours_end,
                             settings.call_frequency_all_loans),
    )


def local_times_text(check: ContactCheck) -> str:
    """`Sun 11:45 New_York` (both zones for a split state); empty when no zone is known."""
    return " / ".join(f"{local.strftime('%a %H:%M')} {zone.split('/')[-1]}"
                      for zone, local in check.local_times)
