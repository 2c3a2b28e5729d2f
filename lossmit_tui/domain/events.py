"""The stage a case event moves the case to (docs/RULES.md section 3). What events do to the
regulatory deadlines is the clock's business (domain/regclock.py)."""

from lossmit_tui.domain.enums import EventKind, Stage

# The stage an event puts the case in (stage_changed carries its own).
STAGE_AFTER: dict[str, Stage] = {
    EventKind.APPLICATION_RECEIVED: Stage.APPLICATION,
    EventKind.APPLICATION_COMPLETE: Stage.EVALUATION,
    EventKind.OFFER_SENT: Stage.OFFER,
    EventKind.DENIED: Stage.DENIED,
    EventKind.APPEAL_RECEIVED: Stage.APPEAL,
    EventKind.TRIAL_STARTED: Stage.TRIAL,
    EventKind.PLAN_STARTED: Stage.PLAN,
    EventKind.SALE_HELD: Stage.FORECLOSED,
    # a failed trial or plan goes back to evaluation, for the options still open
    EventKind.FAILED_TO_PERFORM: Stage.EVALUATION,
    EventKind.MODIFICATION_EFFECTIVE: Stage.MODIFIED,
}

# Events a service writes as part of another action; a person cannot record them by hand.
RECORDED_BY_SERVICES: frozenset[str] = frozenset({EventKind.REASSIGNED,
                                                  EventKind.OFFER_DEEMED_REJECTED,
                                                  EventKind.LETTER_RETURNED})

# The kinds a person (the event form, `lossmit event`) may record.
MANUAL_EVENT_KINDS: tuple[EventKind, ...] = tuple(
    k for k in EventKind if k not in RECORDED_BY_SERVICES)
