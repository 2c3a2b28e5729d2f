"""The stage a case event moves the case to (DOMAIN.md section 3). What events do to the
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
}
