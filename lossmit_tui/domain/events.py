"""The stage a case event moves the case to (docs/RULES.md section 3). What events do to the
regulatory deadlines is the clock's business (domain/regclock.py)."""

from lossmit_tui.domain.enums import EventKind, Stage

# The stage an event puts the case in (stage_changed carries its own).
STAGE_AFTER: dict[str, Stage] = {
    EventKind.APPLICATION_RECEIVED: Stage.APPLICATION,
    EventKind.APPLICATION_COMPLETE: Stage.EVALUATION,
    EventKind.OFFER_SENT: Stage.OFFER,
    EventKind.SHORT_TERM_OFFERED: Stage.OFFER,
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

# Receipts: dated on the servicer's calendar day when recorded as received "today" (docs/RULES.md,
# dating), never the machine's or the UTC date.
RECEIPT_KINDS: frozenset[str] = frozenset({EventKind.APPLICATION_RECEIVED,
                                           EventKind.APPLICATION_COMPLETE,
                                           EventKind.APPEAL_RECEIVED,
                                           EventKind.THIRD_PARTY_RECEIVED})

# An event kind as a person reads it mid-sentence, where the words of its name are not
# enough (abbreviations a specialist spells out, names that need capitals).
_WORDS: dict[str, str] = {
    EventKind.SPOC_ASSIGNED: "SPOC assigned",
    EventKind.FC_REFERRAL: "foreclosure referral",
    EventKind.FC_FIRST_FILING: "foreclosure first filing",
    EventKind.FC_JUDGMENT: "foreclosure judgment",
    EventKind.SALE_SCHEDULED: "foreclosure sale scheduled",
    EventKind.SALE_POSTPONED: "foreclosure sale postponed",
    EventKind.SALE_HELD: "foreclosure sale held",
    EventKind.COUNSEL_INSTRUCTED: "counsel instructed to hold the sale",
    EventKind.ACTIVE_DUTY_STARTED: "active duty started (SCRA)",
    EventKind.ACTIVE_DUTY_ENDED: "active duty ended (SCRA)",
    EventKind.NO_OPTION_NOTICE_SENT: "no-option notice sent",
}


def event_words(kind: str) -> str:
    """An event kind mid-sentence: `fc_referral` → "foreclosure referral", `spoc_assigned`
    → "SPOC assigned", others as the words of their name."""
    return _WORDS.get(kind) or kind.replace("_", " ")


def event_label(kind: str) -> str:
    """An event kind as a label: "Foreclosure referral", "SPOC assigned", "Offer sent"."""
    words = event_words(kind)
    return words[:1].upper() + words[1:]
