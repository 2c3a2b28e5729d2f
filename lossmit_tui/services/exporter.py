"""Export cases in the extract's own format, so the file can be imported back unchanged.

The file is readable by its owner only (0600), and a cell a spreadsheet would run as a formula
is neutralised (the importer reads it back as it was)."""

import csv
from pathlib import Path

import sqlalchemy as sa

from db.engine import session_scope
from db.models import Case, User
from lossmit_tui.config import open_private
from lossmit_tui.domain.values import csv_cell
from lossmit_tui.services import audit
from lossmit_tui.services.access import case_scope, require_active
from lossmit_tui.services.extract import COLUMNS, HEADER
from lossmit_tui.services.users import require_user
from lossmit_tui.services.workspace import Workspace


def export_cases(ws: Workspace, path: Path, assignee: str | None = None) -> int:
    """Write every case the user may act on (or only `assignee`'s of those) to `path`
    ordered by loan number; returns the count. A specialist exports their own and unassigned
    cases, a lead their team's, an admin every case; a deactivated user is refused
    (`services.access`).

    The export is audited: who took which cases out, when."""
    engine, actor_name = ws.engine, ws.username
    cases, users = Case.__table__, User.__table__
    fields = [cases.c[c.field] for c in COLUMNS if c.field != "assignee_id"]
    query = (
        sa.select(*fields, users.c.username.label("assignee_id"))
        .select_from(cases.outerjoin(users, cases.c.assignee_id == users.c.id))
        .order_by(cases.c.loan_number)
    )
    count = 0
    with session_scope(engine, write=True) as session:
        actor = require_user(session, actor_name)
        require_active(actor, "exporting cases")
        query = query.where(case_scope(actor, cases))
        if assignee is not None:
            owner = require_user(session, assignee)
            query = query.where(cases.c.assignee_id == owner.id)
        tmp = path.with_name(path.name + ".part")
        with open_private(tmp) as out:
            writer = csv.writer(out)
            writer.writerow(HEADER)
            result = session.connection().execute(query.execution_options(yield_per=5000))
            for row in result.mappings():
                writer.writerow(
                    "" if row[c.field] is None else csv_cell(c.write(row[c.field]))
                    for c in COLUMNS
                )
                count += 1
        tmp.replace(path)
        audit.record(session, actor, "export", path.name, "export",
                     after={"file": str(path), "cases": count, "assignee": assignee})
    return count
