"""SQLModel tables for the whole data model.

Conventions: money in integer cents (`*_cents`), rates in thousandths of a percent
(`*_milli`), calendar dates as `date`, timestamps as aware UTC `datetime`, enumerations as text
holding a `StrEnum` value from `lossmit_tui.domain.enums`. Rows are written by the services
only; `table=True` models do not validate, so services validate before a row is built.
"""

from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any, ClassVar

import sqlalchemy as sa
from sqlmodel import Field, SQLModel, col

from db.tables import AWAITING_MAIL, BANKRUPTCY_EVENTS, OPEN_TRIALS, OWED_LETTERS

# Set before any table is declared so constraint names are stable across databases and
# Alembic batch migrations on SQLite can find them again.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Now, as the aware UTC timestamp the store keeps."""
    return datetime.now(UTC)


if TYPE_CHECKING:
    class _TableModel(SQLModel):
        """SQLModel as a type checker should see a `table=True` model: with its Table, which
        SQLModel sets at run time without declaring it (the services write through it)."""

        __table__: ClassVar[sa.Table]
else:
    _TableModel = SQLModel


class User(_TableModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    display_name: str = Field(max_length=200)
    role: str = Field(max_length=16)
    team: str | None = Field(default=None, max_length=64, index=True)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)


# A module-level column object: SQLAlchemy's optimistic lock needs the column itself.
case_version_col = sa.Column("version", sa.Integer, nullable=False, server_default="1")


class Case(_TableModel, table=True):
    __tablename__ = "cases"
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": case_version_col}

    id: int | None = Field(default=None, primary_key=True)
    loan_number: str = Field(max_length=32, unique=True)
    borrower_name: str = Field(max_length=200)
    co_borrower_name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=10)
    email: str | None = Field(default=None, max_length=254)
    property_address: str | None = Field(default=None, max_length=200)
    property_city: str | None = Field(default=None, max_length=100)
    property_state: str = Field(max_length=2)
    property_zip: str | None = Field(default=None, max_length=10)
    property_tz: str | None = Field(default=None, max_length=64)
    occupancy: str = Field(default="owner", max_length=16)
    investor: str = Field(max_length=16)
    upb_cents: int
    note_rate_milli: int | None = None
    pi_cents: int | None = None
    escrow_cents: int | None = None
    next_due_date: date  # the oldest unpaid due date
    origination_date: date | None = None
    maturity_date: date | None = None  # the payment deferral's 36-month horizon needs it
    property_value_cents: int | None = None
    fc_referral_date: date | None = None
    fc_sale_date: date | None = None
    hardship_reason: str | None = Field(default=None, max_length=32)
    stage: str = Field(default="new", max_length=16)
    assignee_id: int | None = Field(default=None, foreign_key="users.id")
    fdcpa_covered: bool = Field(default=False)
    cease_communication: bool = Field(default=False)
    attorney_represented: bool = Field(default=False)
    ssn_last4: str | None = Field(default=None, max_length=4)
    last_contact_at: datetime | None = None
    last_rpc_at: datetime | None = None
    promise_amount_cents: int | None = None
    promise_due_on: date | None = None
    promise_kept_on: date | None = None
    next_action_on: date | None = None
    next_action_kind: str | None = Field(default=None, max_length=32)
    # Kept by the services beside next_action_on, so every queue view reads one indexed row:
    urgency: int = Field(default=0)  # tenths of a point, as of urgency_on
    urgency_on: date | None = None
    # The act-next order's key for the day of `urgency_on` (lossmit_tui/domain/act_next.py),
    # computed with the urgency; until then, "nothing scheduled" (band 5).
    act_key: int = Field(default=50_000_000, sa_column_kwargs={"server_default": "50000000"})
    reg_due_on: date | None = None  # the earliest open regulatory deadline
    missing_docs: int = Field(default=0)  # documents requested and not yet received
    # How many of the case's complaints are open (kept by services/complaints.py): the
    # Complaints view reads the cases with one through their own index.
    open_complaints: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    version: int = Field(default=1, sa_column=case_version_col)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None
    # What foreclosure counsel must hold, with why and the rule, and since when (kept by the
    # clock sync; None: no hold).
    fc_hold: str | None = Field(default=None, max_length=500)
    fc_hold_since: date | None = None
    # the borrower's own contact details (the calling rules use the mailing address's zone
    # when one is on file: the borrower lives there, not necessarily at the property)
    mailing_address: str | None = Field(default=None, max_length=200)
    mailing_city: str | None = Field(default=None, max_length=100)
    mailing_state: str | None = Field(default=None, max_length=2)
    mailing_zip: str | None = Field(default=None, max_length=10)
    mailing_tz: str | None = Field(default=None, max_length=64)
    phone2: str | None = Field(default=None, max_length=10)
    best_time: str | None = Field(default=None, max_length=100)
    # The language the borrower's letters are written in (domain/letters.py LANGUAGES).
    preferred_language: str = Field(default="en", max_length=8,
                                    sa_column_kwargs={"server_default": "en"})
    # The loan's rate type (domain/workout.py RATE_TYPES) and, for an adjustable- or
    # step-rate loan, its lifetime cap or final step rate in thousandths of a percent.
    rate_type: str = Field(default="fixed", max_length=16,
                           sa_column_kwargs={"server_default": "fixed"})
    final_rate_milli: int | None = None


class Task(_TableModel, table=True):
    __tablename__ = "tasks"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    kind: str = Field(max_length=32)
    title: str = Field(max_length=200)
    due_on: date
    due_time: time | None = None
    assignee_id: int | None = Field(default=None, foreign_key="users.id")
    status: str = Field(default="open", max_length=16)
    source: str = Field(default="manual", max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    completed_at: datetime | None = None
    completed_by_id: int | None = Field(default=None, foreign_key="users.id")
    snoozed_at: datetime | None = None
    completion_note: str | None = Field(default=None, sa_column=sa.Column(sa.Text))


class CaseClock(_TableModel, table=True):
    """When time alone next changes an open case's regulatory deadlines (kept by the clock
    sync, read by the daily pass). A narrow table of its own, so the pass's bulk writes do
    not rewrite the wide case rows."""

    __tablename__ = "case_clocks"

    case_id: int = Field(sa_column=sa.Column(sa.Integer, sa.ForeignKey("cases.id"),
                                             primary_key=True, autoincrement=False))
    check_on: date | None = None  # the next day time alone changes the case's deadlines
    # True when that change is only the new installment's live-contact window (the pass adds
    # those set-wise); check_then is the change after it.
    window_only: bool = Field(default=False)
    check_then: date | None = None


class TrialCheck(_TableModel, table=True):
    """When time alone next changes the tasks of a case's running trial (a payment due, a
    grace ending), kept by the trial sync and read by the daily pass's trial step, which
    visits only the trial cases without a check or whose check day has come. No row: the
    trial was never synced (visited); a NULL day: only an event changes it."""

    __tablename__ = "trial_checks"

    case_id: int = Field(sa_column=sa.Column(sa.Integer, sa.ForeignKey("cases.id"),
                                             primary_key=True, autoincrement=False))
    check_on: date | None = None


class CallNote(_TableModel, table=True):
    __tablename__ = "call_notes"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id")
    author_id: int = Field(foreign_key="users.id")
    called_at: datetime
    direction: str = Field(max_length=16)
    party: str = Field(max_length=32)
    result: str = Field(max_length=32)
    outcome_codes: list[str] = Field(
        default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False)
    )
    promise_amount_cents: int | None = None
    promise_date: date | None = None
    body: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    # an amendment corrects the note of one call: it points at that call's first note and
    # keeps its time; it is never a call attempt itself
    amends_id: int | None = Field(default=None, foreign_key="call_notes.id")
    created_at: datetime = Field(default_factory=utcnow)
    number_kind: str = Field(default="personal", max_length=16)  # NumberKind: state limits
    # quality right-party contact attributes (domain/qrpc.py), and whether all are there
    qrpc: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(sa.JSON, nullable=True))
    qrpc_complete: bool = Field(default=False)


class CaseEvent(_TableModel, table=True):
    __tablename__ = "case_events"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id")
    kind: str = Field(max_length=32)
    occurred_on: date
    author_id: int | None = Field(default=None, foreign_key="users.id")
    reason: str | None = Field(default=None, max_length=500)
    payload: dict[str, Any] = Field(
        default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False)
    )
    created_at: datetime = Field(default_factory=utcnow)


class Document(_TableModel, table=True):
    __tablename__ = "documents"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id")
    doc_type: str = Field(max_length=32)
    status: str = Field(default="requested", max_length=16)
    requested_on: date | None = None
    received_on: date | None = None
    decided_on: date | None = None
    document_date: date | None = None  # the date on the document itself (age for the 90 days)
    created_at: datetime = Field(default_factory=utcnow)


class Financials(_TableModel, table=True):
    __tablename__ = "financials"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id")
    taken_on: date
    author_id: int | None = Field(default=None, foreign_key="users.id")
    incomes: dict[str, Any] = Field(
        default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False)
    )
    expenses: dict[str, Any] = Field(
        default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False)
    )
    liquid_assets_cents: int = 0
    created_at: datetime = Field(default_factory=utcnow)


class AuditEvent(_TableModel, table=True):
    __tablename__ = "audit_events"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    user_id: int | None = Field(default=None, foreign_key="users.id")
    username: str = Field(max_length=64)  # kept as text so the record outlives the user row
    entity: str = Field(max_length=32)
    entity_id: str | None = Field(default=None, max_length=64)
    action: str = Field(max_length=32)
    before: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(sa.JSON))
    after: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(sa.JSON))


class AuditChain(_TableModel, table=True):
    """Each audit row's place in the hash chain, written by the database (db/audit_chain.py)."""

    __tablename__ = "audit_chain"

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    event_id: int = Field(unique=True)
    db_login: str | None = Field(default=None, max_length=64)
    hash: str = Field(max_length=64)


class Letter(_TableModel, table=True):
    """A generated letter, kept as the record: its text exactly as rendered, the template it
    came from (origin and SHA-256) and its PDF's SHA-256. Never edited: only its mailing
    status changes (generated, mailed, returned); a correction is a new letter that points at
    the one it replaces."""

    __tablename__ = "letters"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id")
    kind: str = Field(max_length=48)
    language: str = Field(max_length=8)
    template_origin: str = Field(max_length=400)
    template_sha256: str = Field(max_length=64)
    text: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    pdf_sha256: str = Field(max_length=64)
    # The font its PDF is rendered in (services/letter_pdf.py FONTS), so it renders again
    # to the same bytes.
    font: str = Field(default="DejaVuSans", max_length=24,
                      sa_column_kwargs={"server_default": "DejaVuSans"})
    status: str = Field(default="generated", max_length=16)
    batch_id: str | None = Field(default=None, max_length=40)
    replaces_id: int | None = Field(default=None, foreign_key="letters.id")
    created_by_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow)
    letter_date: date
    mailed_on: date | None = None
    returned_on: date | None = None
    # A complaint letter (domain/letters.py COMPLAINT_KINDS): the complaint it answers, and
    # the reasons it gave (an extension's, a no-error finding's) for the step its mailing
    # records.
    complaint_id: int | None = Field(default=None, foreign_key="complaints.id")
    reason: str | None = Field(default=None, max_length=1000)


class Draft(_TableModel, table=True):
    __tablename__ = "drafts"
    __table_args__ = (sa.UniqueConstraint("user_id", "case_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    case_id: int = Field(foreign_key="cases.id")
    fields: dict[str, Any] = Field(
        default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False)
    )
    body: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)


# A module-level column object, as for cases: the optimistic lock needs the column itself.
complaint_version_col = sa.Column("version", sa.Integer, nullable=False, server_default="1")


class Complaint(_TableModel, table=True):
    """A borrower's complaint on a case: a notice of error (1024.35), a request for
    information (1024.36), a regulator's or a general complaint. Its clocks
    (domain/complaints.py) are computed from these facts and dates; each date is the day a
    step happened (a letter mailed, documents sent) so letters can attach to it later."""

    __tablename__ = "complaints"
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": complaint_version_col}

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id")
    received_on: date
    channel: str = Field(max_length=16)
    complaint_type: str = Field(max_length=32)
    category: str | None = Field(default=None, max_length=8)  # 1024.35(b)(1)-(11): b1..b11
    topic: str | None = Field(default=None, max_length=16)  # a request: owner_identity/other
    asked: str | None = Field(default=None, max_length=500)  # what the borrower asked
    borrower_text: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    at_designated: bool = Field(default=True)
    # Whether the servicer had designated an address for notices when this one came (a
    # setting then), and its own answer target in business days then (policy).
    address_designated: bool = Field(default=False)
    target_bd: int = Field(default=15)
    owner_id: int | None = Field(default=None, foreign_key="users.id")
    status: str = Field(default="open", max_length=16)
    investigation: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    finding: str | None = Field(default=None, max_length=32)
    correction: str | None = Field(default=None, max_length=1000)
    correction_effective_on: date | None = None
    remediation_cents: int = Field(default=0)
    root_cause: str | None = Field(default=None, max_length=64)
    exemption: str | None = Field(default=None, max_length=32)
    exemption_decided_on: date | None = None
    exemption_notice_on: date | None = None
    acknowledged_on: date | None = None
    extension_on: date | None = None
    extension_reason: str | None = Field(default=None, max_length=500)
    responded_on: date | None = None
    corrected: bool = Field(default=False)  # the response corrected it or gave the information
    documents_requested_on: date | None = None
    documents_sent_on: date | None = None
    closed_on: date | None = None
    created_by_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=complaint_version_col)


class PracticeProgress(_TableModel, table=True):
    """A trainee's progress through a practice lesson (README "Training new specialists"):
    one row when the lesson started (step "(started)") and one per step ticked off, each
    with the audit row it rests on (for the start: the newest audit row then, so only later
    work counts)."""

    __tablename__ = "practice_progress"
    __table_args__ = (sa.UniqueConstraint("user_id", "lesson", "step"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    lesson: str = Field(max_length=64)
    step: str = Field(max_length=64)
    done_at: datetime = Field(default_factory=utcnow)
    audit_id: int | None = None


class LoanStatus(_TableModel, table=True):
    """One interval of a loan's delinquency status history: what it was from `valid_from`
    up to (not including) `valid_to`, NULL while it still holds. Written only by
    db/history.py, change-only: a new interval opens (and the open one closes) when a
    tracked value changes; no other row is ever updated."""

    __tablename__ = "loan_status_history"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id")
    valid_from: date
    valid_to: date | None = None
    oldest_unpaid_due: date | None = None
    stage: str = Field(max_length=16)
    fc_status: str | None = Field(default=None, max_length=16)  # referred/sale_scheduled/sold
    bankruptcy: str | None = Field(default=None, max_length=16)  # filed/discharged/...
    workout: str | None = Field(default=None, max_length=16)  # trial/plan/modified/...
    upb_cents: int


# Indexes behind the queue and the tracker. Partial on open cases: closed cases never appear
# in a queue, and the planner picks these only when the query repeats `closed_at IS NULL`.
# The queue order is "act next": the stored key (a band, then a day: sales to postpone or
# soon, work due now, long-missed windows, later work, nothing; see domain/act_next.py), the
# highest urgency, the loan number. `col()` hands the type checker the column behind a
# field (at run time it returns the field unchanged).
# PostgreSQL's entries carry the case id as well (`INCLUDE`, migration 0017), so a window of
# the queue is read from the index alone (SQLite's entries hold the rowid anyway): a page in
# the middle of a million cases otherwise visits every case row before it.
_OPEN = sa.text("closed_at IS NULL")
_ID = ["id"]
sa.Index("ix_cases_act", col(Case.act_key), col(Case.urgency).desc(),
         col(Case.loan_number), sqlite_where=_OPEN, postgresql_where=_OPEN,
         postgresql_include=_ID)
sa.Index("ix_cases_act_assignee", col(Case.assignee_id), col(Case.act_key),
         col(Case.urgency).desc(), col(Case.loan_number),
         sqlite_where=_OPEN, postgresql_where=_OPEN, postgresql_include=_ID)
# The Complaints view: the open cases with an open complaint, in the act-next order.
_WITH_COMPLAINT = sa.text("closed_at IS NULL AND open_complaints > 0")
sa.Index("ix_cases_open_complaints_act", col(Case.act_key), col(Case.urgency).desc(),
         col(Case.loan_number), sqlite_where=_WITH_COMPLAINT,
         postgresql_where=_WITH_COMPLAINT, postgresql_include=_ID)
for _name, _column in (("ix_cases_open_sale", col(Case.fc_sale_date)),
                       ("ix_cases_open_reg_due", col(Case.reg_due_on)),
                       ("ix_cases_open_promise", col(Case.promise_due_on)),
                       ("ix_cases_open_urgency_on", col(Case.urgency_on))):
    sa.Index(_name, _column, sqlite_where=_OPEN, postgresql_where=_OPEN)
sa.Index("ix_cases_open_last_contact", sa.text("(last_contact_at IS NOT NULL)"),
         col(Case.last_contact_at), col(Case.loan_number),
         sqlite_where=_OPEN, postgresql_where=_OPEN, postgresql_include=_ID)
sa.Index("ix_cases_phone", col(Case.phone))
_HELD = sa.text("fc_hold IS NOT NULL")
sa.Index("ix_cases_fc_hold", col(Case.fc_hold_since), sqlite_where=_HELD,
         postgresql_where=_HELD)
# The daily pass's trial step: the open cases in the trial stage, in id order, with their
# owner (the app's pass takes the user's own).
_TRIAL = sa.text(OPEN_TRIALS)
sa.Index("ix_cases_trial", col(Case.id), col(Case.assignee_id), sqlite_where=_TRIAL,
         postgresql_where=_TRIAL)
sa.Index("ix_case_clocks_check_on", col(CaseClock.check_on),
         sqlite_where=sa.text("check_on IS NOT NULL"),
         postgresql_where=sa.text("check_on IS NOT NULL"))
sa.Index("ix_tasks_assignee_status_due", col(Task.assignee_id), col(Task.status), col(Task.due_on))
sa.Index("ix_tasks_status_due", col(Task.status), col(Task.due_on))
# Open regulatory deadlines by date: the clock pass counts what is due soon and missed.
_OPEN_DEADLINE = sa.text("status = 'open' AND kind = 'regulatory_deadline'")
sa.Index("ix_tasks_open_deadline_due", col(Task.due_on), sqlite_where=_OPEN_DEADLINE,
         postgresql_where=_OPEN_DEADLINE)
sa.Index("ix_tasks_open_deadline_assignee", col(Task.assignee_id), col(Task.due_on),
         sqlite_where=_OPEN_DEADLINE, postgresql_where=_OPEN_DEADLINE)
# The letters owed (`lossmit letters due`, the mail batch): the open deadlines of the clocks a
# letter meets (domain/letters.py LETTER_CLOCKS). A query that reads through it repeats this
# text (SQLite uses a partial index only for a WHERE with the same literal terms). The texts
# are defined with the Core tables, which `lossmit letters due` reads without the ORM.
# The letters generated and not yet mailed (AWAITING_MAIL) are few, whatever the letters kept.
sa.Index("ix_letters_awaiting_mail", col(Letter.case_id), sqlite_where=sa.text(AWAITING_MAIL),
         postgresql_where=sa.text(AWAITING_MAIL))
sa.Index("ix_tasks_letters_owed", col(Task.case_id), col(Task.due_on), col(Task.source),
         sqlite_where=sa.text(OWED_LETTERS), postgresql_where=sa.text(OWED_LETTERS))
# The same in the listing's order (due date, case, rule): a page of the whole book's owed
# letters is read from it without sorting them all.
sa.Index("ix_tasks_letters_owed_due", col(Task.due_on), col(Task.case_id), col(Task.source),
         sqlite_where=sa.text(OWED_LETTERS), postgresql_where=sa.text(OWED_LETTERS))
# The team board: open cases per owner by last contact, and calls per author by time.
sa.Index("ix_cases_open_assignee_contact", col(Case.assignee_id), col(Case.last_contact_at),
         sqlite_where=_OPEN, postgresql_where=_OPEN)
sa.Index("ix_call_notes_author_called", col(CallNote.author_id), col(CallNote.called_at),
         col(CallNote.result))
sa.Index("ix_call_notes_case_called", col(CallNote.case_id), col(CallNote.called_at))
sa.Index("ix_case_events_case_occurred", col(CaseEvent.case_id), col(CaseEvent.occurred_on))
# The bankruptcy events, which choose the early-intervention notice's version (a few cases
# of a book have any: read them all at once instead of every owed case's events).
sa.Index("ix_case_events_bankruptcy", col(CaseEvent.case_id), col(CaseEvent.occurred_on),
         sqlite_where=sa.text(BANKRUPTCY_EVENTS), postgresql_where=sa.text(BANKRUPTCY_EVENTS))
sa.Index("ix_documents_case_type", col(Document.case_id), col(Document.doc_type))
sa.Index("ix_financials_case_taken", col(Financials.case_id), col(Financials.taken_on))
sa.Index("ix_audit_events_entity", col(AuditEvent.entity), col(AuditEvent.entity_id))
sa.Index("ix_audit_events_at", col(AuditEvent.at))
# A case's complaints; the open ones by received day (the Complaints view, the daily pass).
sa.Index("ix_complaints_case_id", col(Complaint.case_id))
_OPEN_COMPLAINT = sa.text("status = 'open'")
sa.Index("ix_complaints_open_received", col(Complaint.received_on), col(Complaint.id),
         sqlite_where=_OPEN_COMPLAINT, postgresql_where=_OPEN_COMPLAINT)
sa.Index("ix_complaints_open_case", col(Complaint.case_id),
         sqlite_where=_OPEN_COMPLAINT, postgresql_where=_OPEN_COMPLAINT)
# Every complaint by the day received: the complaint reports read a month's through it.
sa.Index("ix_complaints_received", col(Complaint.received_on), col(Complaint.case_id))
sa.Index("ix_letters_case_id", col(Letter.case_id), col(Letter.id))
sa.Index("ix_letters_batch_id", col(Letter.batch_id))
# The status history: a loan's intervals in order, the intervals covering a day, and at most
# one open interval per loan (the writer closes it before it opens the next).
sa.Index("ix_loan_status_history_case_from", col(LoanStatus.case_id), col(LoanStatus.valid_from))
sa.Index("ix_loan_status_history_day", col(LoanStatus.valid_from), col(LoanStatus.valid_to))
# The reports (migration 0033): open intervals and closed ones by end day (covering; partial,
# so the writer's open-interval lookups keep ix_loan_status_history_open), a loan's stages in order,
# the modified intervals by start, events by day and kind, calls by time.
sa.Index("ix_loan_status_history_open_status", col(LoanStatus.valid_from),
         col(LoanStatus.case_id), col(LoanStatus.stage), col(LoanStatus.oldest_unpaid_due),
         col(LoanStatus.valid_to),
         sqlite_where=sa.text("valid_to IS NULL"), postgresql_where=sa.text("valid_to IS NULL"))
sa.Index("ix_loan_status_history_closed", col(LoanStatus.valid_to), col(LoanStatus.valid_from),
         col(LoanStatus.case_id), col(LoanStatus.stage), col(LoanStatus.oldest_unpaid_due),
         sqlite_where=sa.text("valid_to IS NOT NULL"),
         postgresql_where=sa.text("valid_to IS NOT NULL"))
sa.Index("ix_loan_status_history_case_stage", col(LoanStatus.case_id),
         col(LoanStatus.valid_from), col(LoanStatus.stage))
sa.Index("ix_loan_status_history_workout", col(LoanStatus.workout), col(LoanStatus.valid_from))
sa.Index("ix_case_events_day_kind", col(CaseEvent.occurred_on), col(CaseEvent.kind),
         col(CaseEvent.case_id))
sa.Index("ix_call_notes_called", col(CallNote.called_at))
# a call's amendments (its latest note decides whether it was a quality right-party contact)
sa.Index("ix_call_notes_amends", col(CallNote.amends_id), col(CallNote.id),
         sqlite_where=sa.text("amends_id IS NOT NULL"),
         postgresql_where=sa.text("amends_id IS NOT NULL"))
_OPEN_INTERVAL = sa.text("valid_to IS NULL")
sa.Index("ix_loan_status_history_open", col(LoanStatus.case_id), unique=True,
         sqlite_where=_OPEN_INTERVAL, postgresql_where=_OPEN_INTERVAL)

sa.Index("ix_letters_complaint_id", col(Letter.complaint_id))
