"""The closed vocabularies of the domain (docs/RULES.md sections 2-3), stored as text."""

from enum import StrEnum


class Role(StrEnum):
    SPECIALIST = "specialist"
    LEAD = "lead"
    ADMIN = "admin"


class Investor(StrEnum):
    FNMA = "FNMA"
    FHLMC = "FHLMC"
    FHA = "FHA"
    VA = "VA"
    USDA = "USDA"
    PORTFOLIO = "PORTFOLIO"
    PLS = "PLS"


class Occupancy(StrEnum):
    OWNER = "owner"
    SECOND_HOME = "second_home"
    INVESTMENT = "investment"


class RateType(StrEnum):
    """How the loan's note rate behaves: a step-rate loan's rate rises on a schedule to its
    final rate; an adjustable-rate loan's follows an index up to its lifetime cap."""

    FIXED = "fixed"
    ADJUSTABLE = "adjustable"
    STEP = "step"


class Hardship(StrEnum):
    UNEMPLOYMENT = "unemployment"
    INCOME_REDUCTION = "income_reduction"
    DIVORCE = "divorce"
    DEATH = "death"
    ILLNESS = "illness"
    DISASTER = "disaster"
    DISTANT_TRANSFER = "distant_transfer"
    BUSINESS_FAILURE = "business_failure"
    INCREASED_EXPENSES = "increased_expenses"
    OTHER = "other"


class Stage(StrEnum):
    NEW = "new"
    OUTREACH = "outreach"
    APPLICATION = "application"
    EVALUATION = "evaluation"
    OFFER = "offer"
    DENIED = "denied"
    APPEAL = "appeal"
    TRIAL = "trial"
    PLAN = "plan"
    CURED = "cured"
    MODIFIED = "modified"
    SHORT_SALE = "short_sale"
    DEED_IN_LIEU = "deed_in_lieu"
    PAID_OFF = "paid_off"
    FORECLOSED = "foreclosed"
    TRANSFERRED = "transferred"

    @property
    def is_closed(self) -> bool:
        """True for the stages that end a case (it can still be reopened)."""
        return self in CLOSED_STAGES


CLOSED_STAGES = frozenset(
    {
        Stage.CURED,
        Stage.MODIFIED,
        Stage.SHORT_SALE,
        Stage.DEED_IN_LIEU,
        Stage.PAID_OFF,
        Stage.FORECLOSED,
        Stage.TRANSFERRED,
    }
)


class TaskKind(StrEnum):
    CALLBACK = "callback"
    DOCUMENTS_DUE = "documents_due"
    REGULATORY_DEADLINE = "regulatory_deadline"
    TRIAL_PAYMENT = "trial_payment"
    FAILED_TO_PERFORM = "failed_to_perform"  # a missed trial or plan payment, past the grace
    REVIEW = "review"
    OTHER = "other"


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class CallDirection(StrEnum):
    OUTBOUND = "outbound"
    INBOUND = "inbound"


class Party(StrEnum):
    BORROWER = "borrower"
    CO_BORROWER = "co_borrower"
    THIRD_PARTY = "authorized_third_party"
    ATTORNEY = "attorney"
    COUNSELOR = "housing_counselor"
    NONE = "none"


class NumberKind(StrEnum):
    """Which of the borrower's numbers a call went to (state limits count them apart)."""

    PERSONAL = "personal"  # residence, cell or another number given as personal
    WORK = "work"


class CallResult(StrEnum):
    RPC = "right_party_contact"
    NO_ANSWER = "no_answer"
    VOICEMAIL = "voicemail_left"
    WRONG_NUMBER = "wrong_number"
    BUSY = "busy"
    DISCONNECTED = "disconnected"


class Outcome(StrEnum):
    HARDSHIP_DISCUSSED = "hardship_discussed"
    OPTIONS_EXPLAINED = "options_explained"
    APPLICATION_REQUESTED = "application_requested"
    PROMISE_TO_PAY = "promise_to_pay"
    REFUSED = "refused"
    DISPUTE = "dispute"
    ESCALATION = "escalation"
    CALLBACK_REQUESTED = "callback_requested"


class HardshipDuration(StrEnum):
    """Quality right-party contact: whether the reason for the delinquency will pass."""

    TEMPORARY = "temporary"
    PERMANENT = "permanent"


class ReportedOccupancy(StrEnum):
    """Quality right-party contact: who lives in the property, as the borrower says."""

    OWNER = "owner"
    SECOND_HOME = "second_home"
    INVESTMENT = "investment"
    UNKNOWN = "unknown"


class AbilityToPay(StrEnum):
    """Quality right-party contact: the borrower's ability to pay."""

    CAN_PAY_NOW = "can_pay_now"
    CAN_PAY_LATER = "can_pay_later"
    CANNOT_PAY = "cannot_pay"


class OptionsDiscussed(StrEnum):
    """Quality right-party contact: whether workout options were explained (1024.39(a))."""

    EXPLAINED = "explained"
    NOT_APPROPRIATE = "not_appropriate"  # with the reason why


class Commitment(StrEnum):
    """Quality right-party contact: what the borrower committed to do."""

    APPLY = "apply"
    PAY = "pay"
    PROMISE = "promise"
    SELL = "sell"
    NONE = "none"


class EventKind(StrEnum):
    APPLICATION_RECEIVED = "application_received"
    APPLICATION_COMPLETE = "application_complete"
    OFFER_SENT = "offer_sent"
    OFFER_ACCEPTED = "offer_accepted"
    OFFER_REJECTED = "offer_rejected"
    # no answer by the end of the acceptance window (written by the clock sync, policy)
    OFFER_DEEMED_REJECTED = "offer_deemed_rejected"
    DENIED = "denied"
    APPEAL_RECEIVED = "appeal_received"
    APPEAL_DECIDED = "appeal_decided"
    TRIAL_STARTED = "trial_started"
    TRIAL_PAYMENT = "trial_payment"
    FAILED_TO_PERFORM = "failed_to_perform"  # a missed trial or plan payment, past the grace
    PLAN_STARTED = "plan_started"
    # a trial's permanent modification took effect (the trial converted): closes the case
    MODIFICATION_EFFECTIVE = "modification_effective"
    STAGE_CHANGED = "stage_changed"
    LIVE_CONTACT = "live_contact"
    WRITTEN_NOTICE_SENT = "written_notice_sent"
    SPOC_ASSIGNED = "spoc_assigned"
    PAYMENT_RECEIVED = "payment_received"
    FC_REFERRAL = "fc_referral"  # referred to foreclosure counsel (payload: firm, basis)
    FC_FIRST_FILING = "fc_first_filing"  # the first notice or filing of the foreclosure
    FC_JUDGMENT = "fc_judgment"
    SALE_SCHEDULED = "sale_scheduled"  # payload: sale_date
    SALE_POSTPONED = "sale_postponed"  # payload: sale_date (the new one, or none)
    SALE_HELD = "sale_held"
    COUNSEL_INSTRUCTED = "counsel_instructed"  # counsel told to hold the sale of a date
    ACKNOWLEDGMENT_SENT = "acknowledgment_sent"
    COMPLETE_NOTICE_SENT = "complete_notice_sent"
    REASSIGNED = "reassigned"  # written by a reassignment batch only
    NO_OPTION_NOTICE_SENT = "no_option_notice_sent"  # no loss-mitigation option is available
    BANKRUPTCY_FILED = "bankruptcy_filed"  # payload: chapter, case_number
    BANKRUPTCY_DISCHARGED = "bankruptcy_discharged"
    BANKRUPTCY_DISMISSED = "bankruptcy_dismissed"  # dismissed, or closed without discharge
    BANKRUPTCY_REAFFIRMED = "bankruptcy_reaffirmed"  # personal liability reaffirmed
    ACTIVE_DUTY_STARTED = "active_duty_started"  # a borrower's military service (SCRA)
    ACTIVE_DUTY_ENDED = "active_duty_ended"
    SUCCESSOR_CONFIRMED = "successor_confirmed"  # a successor in interest confirmed
    # A short-term option offered on an incomplete application (1024.41(c)(2)(iii)); payload:
    # option (repayment_plan or forbearance), months, and a plan's months of arrears.
    SHORT_TERM_OFFERED = "short_term_offered"
    SHORT_TERM_NOTICE_SENT = "short_term_notice_sent"  # its written notice
    # Documents from a third party block the decision (1024.41(c)(4)): the delay notice to
    # the borrower, and their arrival.
    THIRD_PARTY_DELAY_SENT = "third_party_delay_sent"
    THIRD_PARTY_RECEIVED = "third_party_received"
    LETTER_RETURNED = "letter_returned"  # a mailed letter came back (payload: letter_id)


class DocType(StrEnum):
    FORM_710 = "form_710"
    PAY_STUBS = "pay_stubs"
    BANK_STATEMENTS = "bank_statements"
    BENEFIT_LETTER = "benefit_letter"
    TAX_RETURN = "tax_return"
    RENT_RECEIPTS = "rent_receipts"
    HARDSHIP_LETTER = "hardship_letter"
    DIVORCE_DECREE = "divorce_decree"
    DEATH_CERTIFICATE = "death_certificate"
    MEDICAL_BILLS = "medical_bills"
    DISASTER_CLAIM = "disaster_claim"
    TRANSFER_LETTER = "transfer_letter"
    FORM_4506C = "form_4506c"


class DocStatus(StrEnum):
    REQUESTED = "requested"
    RECEIVED = "received"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    EXPIRED = "expired"
