"""The document checklist of an application (docs/RULES.md section 7): request, receive, accept
or reject. A document already received is never requested again unless it has aged past
90 days (income documents must be recent when the application is complete).
"""

from collections.abc import Mapping
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session

from db.models import Case, Document
from lossmit_tui.domain.documents import age_state
from lossmit_tui.domain.enums import DocStatus, DocType
from lossmit_tui.services import audit
from lossmit_tui.services.access import require_case_access
from lossmit_tui.services.errors import InvalidInput, NotFound
from lossmit_tui.services.tasks import recompute_case
from lossmit_tui.services.users import require_user
from lossmit_tui.services.workspace import Workspace

cases_t, docs_t = Case.__table__, Document.__table__


class ReRequestRefused(InvalidInput):
    """A request for a document that is already asked for, or in and current. The refusal
    is recorded in the audit trail (the guard of docs/RULES.md section 7 at work; the
    practice lessons watch for it), in a transaction of its own after the rollback."""

    def __init__(self, message: str, *, loan: str, doc_type: str, already: str,
                 doc_id: int) -> None:
        super().__init__(message)
        self.loan, self.doc_type, self.already, self.doc_id = loan, doc_type, already, doc_id


def _label(doc_type: str) -> str:
    return doc_type.replace("_", " ")


def _loan(session: Session, case_id: int) -> str:
    loan = session.connection().execute(
        sa.select(cases_t.c.loan_number).where(cases_t.c.id == case_id)).scalar()
    if loan is None:
        raise NotFound("this case no longer exists")
    return str(loan)


def _count_missing(session: Session, case_id: int) -> None:
    conn = session.connection()
    missing = conn.execute(sa.select(sa.func.count()).select_from(docs_t).where(
        docs_t.c.case_id == case_id, docs_t.c.status == DocStatus.REQUESTED)).scalar_one()
    conn.execute(cases_t.update().where(cases_t.c.id == case_id).values(missing_docs=missing))


def _request_document(session: Session, actor_name: str, case_id: int, doc_type: str,
                     today: date, weights: Mapping[str, float]) -> Document:
    """Ask the borrower for a document. Refused when it is already requested and not yet
    in, or already received and still current."""
    types = [t.value for t in DocType]
    if doc_type not in types:
        raise InvalidInput(f"document type {doc_type!r} must be one of: {', '.join(types)}")
    actor = require_user(session, actor_name)
    require_case_access(session, actor, case_id, "requesting a document")
    loan = _loan(session, case_id)
    latest = session.connection().execute(
        sa.select(docs_t).where(docs_t.c.case_id == case_id, docs_t.c.doc_type == doc_type)
        .order_by(docs_t.c.id.desc()).limit(1)).first()
    if latest is not None and latest.status == DocStatus.REQUESTED:
        raise ReRequestRefused(f"{_label(doc_type)} was already requested on "
                               f"{latest.requested_on} and is not in yet", loan=loan,
                               doc_type=doc_type, already="requested", doc_id=latest.id)
    if latest is not None and latest.status in (DocStatus.RECEIVED, DocStatus.ACCEPTED):
        state = age_state(doc_type, latest.document_date or latest.received_on, today)
        if not state.expired:
            raise ReRequestRefused(
                f"{_label(doc_type)} was received on {latest.received_on}: a document "
                "already received is not requested again"
                + (f" ({state.text})" if state.text else ""), loan=loan, doc_type=doc_type,
                already="received", doc_id=latest.id)
    doc = Document(case_id=case_id, doc_type=doc_type, status=DocStatus.REQUESTED,
                   requested_on=today)
    session.add(doc)
    session.flush()
    audit.record(session, actor, "document", doc.id, "request",
                 after={"case": loan, "doc_type": doc_type, "requested_on": today.isoformat(),
                        "refreshes": latest.id if latest is not None else None})
    _count_missing(session, case_id)
    recompute_case(session.connection(), case_id, today, weights)
    return doc


def _document(session: Session, doc_id: int) -> Document:
    doc = session.get(Document, doc_id)
    if doc is None:
        raise NotFound("this document is no longer on file")
    return doc


def _receive_document(session: Session, actor_name: str, doc_id: int, received_on: date,
                     document_date: date | None, today: date,
                     weights: Mapping[str, float]) -> Document:
    """Mark a requested document as received (with the date on the document, which starts
    its 90 days)."""
    actor = require_user(session, actor_name)
    doc = _document(session, doc_id)
    require_case_access(session, actor, doc.case_id, "receiving a document")
    if doc.status != DocStatus.REQUESTED:
        raise InvalidInput(f"{_label(doc.doc_type)} is {doc.status}, not waiting to be received")
    if received_on > today:
        raise InvalidInput(f"the received date {received_on.isoformat()} is in the future")
    if doc.requested_on is not None and received_on < doc.requested_on:
        raise InvalidInput(f"the received date {received_on.isoformat()} is before the "
                           f"request on {doc.requested_on.isoformat()}")
    if document_date is not None and document_date > received_on:
        raise InvalidInput("the document's own date is after the day it was received")
    loan = _loan(session, doc.case_id)
    doc.status, doc.received_on, doc.document_date = (
        DocStatus.RECEIVED, received_on, document_date or received_on)
    session.add(doc)
    session.flush()
    audit.record(session, actor, "document", doc.id, "receive",
                 before={"status": DocStatus.REQUESTED},
                 after={"case": loan, "status": DocStatus.RECEIVED,
                        "received_on": received_on.isoformat(),
                        "document_date": doc.document_date.isoformat()})
    _count_missing(session, doc.case_id)
    recompute_case(session.connection(), doc.case_id, today, weights)
    return doc


def _decide_document(session: Session, actor_name: str, doc_id: int, accept: bool,
                    today: date) -> Document:
    """Accept or reject a received document."""
    actor = require_user(session, actor_name)
    doc = _document(session, doc_id)
    require_case_access(session, actor, doc.case_id, "deciding on a document")
    if doc.status != DocStatus.RECEIVED:
        raise InvalidInput(f"{_label(doc.doc_type)} is {doc.status}: only a received "
                           "document can be accepted or rejected")
    status = DocStatus.ACCEPTED if accept else DocStatus.REJECTED
    loan = _loan(session, doc.case_id)
    doc.status, doc.decided_on = status, today
    session.add(doc)
    audit.record(session, actor, "document", doc.id, "accept" if accept else "reject",
                 before={"status": DocStatus.RECEIVED},
                 after={"case": loan, "status": status, "decided_on": today.isoformat()})
    return doc


# --- the service entries: each takes the workspace and is one transaction -----


def request_document(ws: Workspace, case_id: int, doc_type: str) -> Document:
    """Ask the borrower for a document, in one transaction (see `_request_document`). A
    re-request refused is recorded afterwards, in a transaction of its own."""
    try:
        with ws.write() as session:
            return _request_document(session, ws.username, case_id, doc_type, ws.today,
                                     ws.weights)
    except ReRequestRefused as refused:
        with ws.write() as session:
            audit.record(session, require_user(session, ws.username), "document",
                         refused.doc_id, "refused",
                         after={"case": refused.loan, "doc_type": refused.doc_type,
                                "attempted": "requesting a document",
                                "already": refused.already, "message": str(refused)})
        raise


def receive_document(ws: Workspace, doc_id: int, received_on: date | None,
                     document_date: date | None) -> Document:
    """Mark a document received, in one transaction (see `_receive_document`). Received
    now (`received_on` None): on the servicer's calendar day of this moment
    (`servicer_timezone`), never the UTC date."""
    today = ws.today
    if received_on is None:
        received_on = ws.receipt_day()
        today = max(today, received_on)  # the servicer's day may be ahead of the user's
    with ws.write() as session:
        return _receive_document(session, ws.username, doc_id, received_on, document_date,
                                 today, ws.weights)


def decide_document(ws: Workspace, doc_id: int, accept: bool) -> Document:
    """Accept or reject a received document, in one transaction."""
    with ws.write() as session:
        return _decide_document(session, ws.username, doc_id, accept, ws.today)
