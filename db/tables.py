"""The store's tables as plain SQLAlchemy Core, for the read paths.

`db.models` (SQLModel) is where the schema is declared and what the services write through;
importing it pulls in the ORM, pydantic models and SQLModel, about a third of a second on this
machine. The queue's first paint and the printing commands (`lossmit tasks`, `lossmit queue`)
only read, so `db.queries` builds its SQL on these tables instead. A test keeps every table and
column here the same as in `db.models` (names, SQL types, nullability, primary keys).
"""

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

metadata = sa.MetaData()

# The WHERE texts of four partial indexes (declared in db/models.py), repeated word for word
# by the queries that read through them: SQLite uses a partial index only for the same terms.
# The letters owed: the open deadlines of the clocks a letter meets (domain/letters.py
# LETTER_CLOCKS).
OWED_LETTERS = ("status = 'open' AND kind = 'regulatory_deadline' AND source IN "
                "('1024.39(b)', '1024.41(b)(2)(i)(B)', '1024.41(c)(3)')")
# The letters generated and not yet mailed.
AWAITING_MAIL = "status = 'generated'"
# The bankruptcy events, which choose the early-intervention notice's version.
BANKRUPTCY_EVENTS = ("kind IN ('bankruptcy_filed', 'bankruptcy_discharged', "
                     "'bankruptcy_dismissed', 'bankruptcy_reaffirmed')")
# The open cases in the trial stage (the daily pass's trial step).
OPEN_TRIALS = "stage = 'trial' AND closed_at IS NULL"


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timestamp read back as an aware UTC datetime (SQLite keeps no offset)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.utcoffset() is None else value.astimezone(UTC)


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer, primary_key=True)


def _text(name: str, length: int, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length), nullable=nullable)


def _int(name: str, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.Integer, nullable=nullable)


def _date(name: str, nullable: bool = True) -> sa.Column[Any]:
    return sa.Column(name, sa.Date, nullable=nullable)


def _at(name: str, nullable: bool = True) -> sa.Column[datetime]:
    return sa.Column(name, UTCDateTime(), nullable=nullable)


def _flag(name: str) -> sa.Column[bool]:
    return sa.Column(name, sa.Boolean, nullable=False)


def _json(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.JSON, nullable=nullable)


users = sa.Table(
    "users", metadata, _id(), _text("username", 64), _text("display_name", 200),
    _text("role", 16), _text("team", 64, True), _flag("active"), _at("created_at", False),
)

cases = sa.Table(
    "cases", metadata, _id(),
    _text("loan_number", 32), _text("borrower_name", 200), _text("co_borrower_name", 200, True),
    _text("phone", 10, True), _text("email", 254, True), _text("property_address", 200, True),
    _text("property_city", 100, True), _text("property_state", 2),
    _text("property_zip", 10, True), _text("property_tz", 64, True), _text("occupancy", 16),
    _text("investor", 16), _int("upb_cents"), _int("note_rate_milli", True),
    _int("pi_cents", True), _int("escrow_cents", True), _date("next_due_date", False),
    _date("origination_date"), _date("maturity_date"), _int("property_value_cents", True),
    _date("fc_referral_date"),
    _date("fc_sale_date"), _text("hardship_reason", 32, True), _text("stage", 16),
    _int("assignee_id", True), _flag("fdcpa_covered"), _flag("cease_communication"),
    _flag("attorney_represented"), _text("ssn_last4", 4, True), _at("last_contact_at"),
    _at("last_rpc_at"), _int("promise_amount_cents", True), _date("promise_due_on"),
    _date("promise_kept_on"), _date("next_action_on"), _text("next_action_kind", 32, True),
    _int("urgency"), _date("urgency_on"), _int("act_key"), _date("reg_due_on"),
    _int("missing_docs"),
    sa.Column("open_complaints", sa.Integer, nullable=False, default=0, server_default="0"),
    _int("version"), _at("created_at", False),
    _at("updated_at", False), _at("closed_at"),
    _text("fc_hold", 500, True), _date("fc_hold_since"),
    _text("mailing_address", 200, True), _text("mailing_city", 100, True),
    _text("mailing_state", 2, True), _text("mailing_zip", 10, True),
    _text("mailing_tz", 64, True), _text("phone2", 10, True), _text("best_time", 100, True),
    _text("preferred_language", 8), _text("rate_type", 16), _int("final_rate_milli", True),
)

case_clocks = sa.Table(
    "case_clocks", metadata, sa.Column("case_id", sa.Integer, primary_key=True),
    _date("check_on"), _flag("window_only"), _date("check_then"),
)

trial_checks = sa.Table(
    "trial_checks", metadata, sa.Column("case_id", sa.Integer, primary_key=True),
    _date("check_on"),
)

tasks = sa.Table(
    "tasks", metadata, _id(), _int("case_id"), _text("kind", 32), _text("title", 200),
    _date("due_on", False), sa.Column("due_time", sa.Time, nullable=True),
    _int("assignee_id", True), _text("status", 16), _text("source", 64),
    _at("created_at", False), _at("completed_at"), _int("completed_by_id", True),
    _at("snoozed_at"), sa.Column("completion_note", sa.Text, nullable=True),
)

call_notes = sa.Table(
    "call_notes", metadata, _id(), _int("case_id"), _int("author_id"),
    _at("called_at", False), _text("direction", 16), _text("party", 32), _text("result", 32),
    _json("outcome_codes"), _int("promise_amount_cents", True), _date("promise_date"),
    sa.Column("body", sa.Text, nullable=False), _int("amends_id", True),
    _at("created_at", False), _text("number_kind", 16), _json("qrpc", True),
    _flag("qrpc_complete"),
)

case_events = sa.Table(
    "case_events", metadata, _id(), _int("case_id"), _text("kind", 32),
    _date("occurred_on", False), _int("author_id", True), _text("reason", 500, True),
    _json("payload"), _at("created_at", False),
)

documents = sa.Table(
    "documents", metadata, _id(), _int("case_id"), _text("doc_type", 32), _text("status", 16),
    _date("requested_on"), _date("received_on"), _date("decided_on"), _date("document_date"),
    _at("created_at", False),
)

financials = sa.Table(
    "financials", metadata, _id(), _int("case_id"), _date("taken_on", False),
    _int("author_id", True), _json("incomes"), _json("expenses"),
    _int("liquid_assets_cents"), _at("created_at", False),
)

audit_events = sa.Table(
    "audit_events", metadata, _id(), _at("at", False), _int("user_id", True),
    _text("username", 64), _text("entity", 32), _text("entity_id", 64, True),
    _text("action", 32), _json("before", True), _json("after", True),
)

audit_chain = sa.Table(
    "audit_chain", metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("event_id", sa.Integer, nullable=False, unique=True),
    _text("db_login", 64, True), _text("hash", 64),
)

letters = sa.Table(
    "letters", metadata, _id(), _int("case_id"), _text("kind", 48), _text("language", 8),
    _text("template_origin", 400), _text("template_sha256", 64),
    sa.Column("text", sa.Text, nullable=False), _text("pdf_sha256", 64), _text("status", 16),
    _text("batch_id", 40, True), _int("replaces_id", True), _int("created_by_id", True),
    _at("created_at", False), _date("letter_date", False), _date("mailed_on"),
    _date("returned_on"), _text("font", 24), _int("complaint_id", True),
    _text("reason", 1000, True),
)

drafts = sa.Table(
    "drafts", metadata, _id(), _int("user_id"), _int("case_id"), _json("fields"),
    sa.Column("body", sa.Text, nullable=False), _at("updated_at", False),
)

complaints = sa.Table(
    "complaints", metadata, _id(), _int("case_id"), _date("received_on", False),
    _text("channel", 16), _text("complaint_type", 32), _text("category", 8, True),
    _text("topic", 16, True), _text("asked", 500, True),
    sa.Column("borrower_text", sa.Text, nullable=False), _flag("at_designated"),
    _flag("address_designated"), _int("target_bd"),
    _int("owner_id", True), _text("status", 16), sa.Column("investigation", sa.Text),
    _text("finding", 32, True), _text("correction", 1000, True),
    _date("correction_effective_on"), _int("remediation_cents"), _text("root_cause", 64, True),
    _text("exemption", 32, True), _date("exemption_decided_on"), _date("exemption_notice_on"),
    _date("acknowledged_on"), _date("extension_on"), _text("extension_reason", 500, True),
    _date("responded_on"), _flag("corrected"), _date("documents_requested_on"),
    _date("documents_sent_on"), _date("closed_on"), _int("created_by_id", True),
    _at("created_at", False), _at("updated_at", False), _int("version"),
)

practice_progress = sa.Table(
    "practice_progress", metadata, _id(), _int("user_id"), _text("lesson", 64),
    _text("step", 64), _at("done_at", False), _int("audit_id", True),
)

loan_status_history = sa.Table(
    "loan_status_history", metadata, _id(), _int("case_id"), _date("valid_from", False),
    _date("valid_to"), _date("oldest_unpaid_due"), _text("stage", 16),
    _text("fc_status", 16, True), _text("bankruptcy", 16, True), _text("workout", 16, True),
    _int("upb_cents"),
)
