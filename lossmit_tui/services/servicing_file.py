"""One case's complete history as one document: the servicing file an examiner asks for.

Everything on record for the loan: the case itself, call notes (amendments included), events,
documents, tasks, financial snapshots, reassignments and the audit trail. Who may export a
case is who may see it; the export itself is audited.
"""

import csv
import io
import json
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from db.engine import session_scope
from db.models import Case, User
from db.queries import AuditFilter, audit_trail
from db.tables import call_notes, case_events, documents, financials, tasks, users
from lossmit_tui.domain.enums import Role
from lossmit_tui.services import audit
from lossmit_tui.services.errors import NotFound, PermissionDenied
from lossmit_tui.services.users import require_user
from lossmit_tui.services.workspace import Workspace

SECTIONS = ("case", "call_notes", "events", "documents", "tasks", "financials",
            "reassignments", "audit")


def may_see(actor: User, assignee_id: int | None, assignee_team: str | None) -> bool:
    """A specialist sees their own and unassigned cases, a lead also their team's, an admin
    every case."""
    if actor.role == Role.ADMIN:
        return True
    if assignee_id is None or assignee_id == actor.id:
        return True
    return actor.role == Role.LEAD and actor.team is not None and assignee_team == actor.team


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
        conn = session.connection()
        case = conn.execute(sa.select(cases_t).where(
            cases_t.c.loan_number == loan_number.strip())).mappings().first()
        if case is None:
            raise NotFound(f"no case with loan number {loan_number!r}")
        team = conn.execute(sa.select(users.c.team).where(
            users.c.id == case["assignee_id"])).scalar() if case["assignee_id"] else None
        if not may_see(actor, case["assignee_id"], team):
            raise PermissionDenied(
                f"{actor.username} may not export loan {loan_number}: it belongs to another "
                f"{'team' if actor.role == Role.LEAD else 'specialist'}",
                actor_name=actor.username, attempted="exporting a case file",
                detail={"case": loan_number})
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
    return found


def as_json(record: dict[str, Any]) -> str:
    return json.dumps(record, indent=2, default=str)


def as_csv(record: dict[str, Any]) -> str:
    """The file as one CSV: section, when, who, what, detail (one line per record; the case
    section one line per field)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "at", "by", "what", "detail"])
    for field, value in record["case"].items():
        writer.writerow(["case", "", "", field, "" if value is None else value])
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
                                             "liquid_assets_cents":
                                                 r["liquid_assets_cents"]})),
        "audit": ("at", "user", lambda r: f"{r['entity']} {r['action']}",
                  lambda r: json.dumps({"before": r["before"], "after": r["after"]},
                                       default=str)),
    }
    for section, (at, by, what, detail) in shape.items():
        for r in record[section]:
            writer.writerow([section, r[at] or "", r[by] if by else "", what(r), detail(r)])
    return out.getvalue()
