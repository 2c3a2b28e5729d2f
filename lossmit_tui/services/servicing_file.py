"""One case's complete history as one document: the servicing file an examiner asks for.

Everything on record for the loan: the case itself, call notes (amendments included), events,
documents, tasks, financial snapshots, complaints (with each step's date, the finding,
correction, remediation and root cause), reassignments and the audit trail. Who may export a
case is who may act on it (`services.access`); the export itself is audited.
"""

import csv
import io
import json
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from db.engine import session_scope
from db.models import Case
from db.queries import AuditFilter, audit_trail
from db.tables import call_notes, case_events, complaints, documents, financials, tasks, users
from lossmit_tui.domain.values import csv_cell, display_text, money_json
from lossmit_tui.domain.workout import COUNT_TERMS
from lossmit_tui.services import audit
from lossmit_tui.services.access import require_active, require_case_access
from lossmit_tui.services.errors import NotFound
from lossmit_tui.services.users import require_user
from lossmit_tui.services.workspace import Workspace

SECTIONS = ("case", "call_notes", "events", "documents", "tasks", "financials",
            "complaints", "reassignments", "audit")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _rows(conn: sa.Connection, query: sa.Select[Any]) -> list[dict[str, Any]]:
    return [{k: _plain(v) for k, v in m.items()} for m in conn.execute(query).mappings()]


def case_file(ws: Workspace, loan_number: str) -> dict[str, Any]:
    """The whole record of one loan, section by section (see SECTIONS)."""
    engine, actor_name = ws.engine, ws.username
    cases_t = Case.__table__
    with session_scope(engine, write=True) as session:
        actor = require_user(session, actor_name)
        require_active(actor, "exporting a case file", {"case": loan_number})
        conn = session.connection()
        case = conn.execute(sa.select(cases_t).where(
            cases_t.c.loan_number == loan_number.strip())).mappings().first()
        if case is None:
            raise NotFound(f"no case with loan number {loan_number!r}")
        require_case_access(session, actor, case["id"], "exporting a case file")
        cid = case["id"]

        def with_author(table: sa.Table, by: str, *order: sa.ColumnElement[Any]
                        ) -> list[dict[str, Any]]:
            return _rows(conn, sa.select(table, users.c.username.label(by)).select_from(
                table.outerjoin(users, table.c[f"{by}_id"] == users.c.id))
                .where(table.c.case_id == cid).order_by(*order))

        found = {
            "case": {k: _plain(v) for k, v in case.items()} | {"assignee": conn.execute(
                sa.select(users.c.username).where(users.c.id == case["assignee_id"])).scalar()},
            "call_notes": with_author(call_notes, "author", call_notes.c.called_at,
                                      call_notes.c.id),
            "events": with_author(case_events, "author", case_events.c.occurred_on,
                                  case_events.c.id),
            "documents": _rows(conn, sa.select(documents).where(documents.c.case_id == cid)
                               .order_by(documents.c.id)),
            "tasks": with_author(tasks, "assignee", tasks.c.due_on, tasks.c.id),
            "financials": with_author(financials, "author", financials.c.taken_on,
                                      financials.c.id),
            "complaints": with_author(complaints, "owner", complaints.c.received_on,
                                      complaints.c.id),
        }
        trail = [{"at": r.at.isoformat(), "user": r.username, "entity": r.entity,
                  "entity_id": r.entity_id, "action": r.action, "before": r.before,
                  "after": r.after}
                 for r in reversed(audit_trail(conn, AuditFilter(case_id=cid,
                                                                 loan_number=case["loan_number"])))]
        found["reassignments"] = [r for r in trail
                                  if r["action"] in ("reassign", "reassign_undo")]
        found["audit"] = trail
        audit.record(session, actor, "case", cid, "export_file",
                     after={"case": case["loan_number"]})
    return {section: money_as_text(rows) for section, rows in found.items()}


def money_as_text(record: Any) -> Any:
    """Every amount in a record as a decimal string ("1117.71"), the one form the JSON the
    app writes gives money (`*_cents` fields lose the suffix; snapshot lines and offer terms
    are converted where they stand)."""
    return money_json(record, COUNT_TERMS)


def as_json(record: dict[str, Any]) -> str:
    return json.dumps(record, indent=2, default=str)


def as_csv(record: dict[str, Any]) -> str:
    """The file as one CSV: section, when, who, what, detail (one line per record; the case
    section one line per field). It may be printed and opened in a spreadsheet: no cell holds
    a control character or starts a formula."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")

    def row(*cells: Any) -> None:
        writer.writerow([csv_cell(display_text("" if c is None else str(c), lines=True))
                         for c in cells])

    row("section", "at", "by", "what", "detail")
    for field, value in record["case"].items():
        row("case", "", "", field, value)
    shape = {
        "call_notes": ("called_at", "author", lambda r: f"{r['direction']} call, "
                       f"{r['party']}: {r['result']}", lambda r: r["body"]),
        "events": ("occurred_on", "author", lambda r: r["kind"],
                   lambda r: json.dumps(r["payload"], default=str)),
        "documents": ("requested_on", None, lambda r: f"{r['doc_type']}: {r['status']}",
                      lambda r: f"received {r['received_on'] or '-'}, "
                                f"decided {r['decided_on'] or '-'}"),
        "tasks": ("due_on", "assignee", lambda r: f"{r['kind']}: {r['title']}",
                  lambda r: f"{r['status']} (source {r['source']})"
                            + (f": {r['completion_note']}" if r["completion_note"] else "")),
        "financials": ("taken_on", "author", lambda r: "financial snapshot",
                       lambda r: json.dumps({"incomes": r["incomes"],
                                             "expenses": r["expenses"],
                                             "liquid_assets": r["liquid_assets"]})),
        "complaints": ("received_on", "owner", lambda r: f"complaint {r['id']}: "
                       f"{r['complaint_type']} by {r['channel']}"
                       + (f", 1024.35(b)({r['category'][1:]})" if r["category"] else "")
                       + f": {r['status']}",
                       lambda r: json.dumps({k: r[k] for k in (
                           "borrower_text", "asked", "acknowledged_on", "extension_on",
                           "responded_on", "documents_requested_on", "documents_sent_on",
                           "exemption", "exemption_notice_on", "finding", "correction",
                           "correction_effective_on", "remediation", "root_cause",
                           "closed_on")}, default=str)),
        "audit": ("at", "user", lambda r: f"{r['entity']} {r['action']}",
                  lambda r: json.dumps({"before": r["before"], "after": r["after"]},
                                       default=str)),
    }
    for section, (at, by, what, detail) in shape.items():
        for r in record[section]:
            row(section, r[at], r[by] if by else "", what(r), detail(r))
    return out.getvalue()
