"""Import the daily servicing extract (CSV): stream and validate the whole file, upserting by
loan number in batches inside one transaction.

Nothing is kept unless every row is valid. Loans missing from the file are listed, never
closed or deleted. One transaction and one audit row per import.
"""

import csv
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from db.engine import session_scope
from db.history import record_status
from db.models import Case, User, utcnow
from lossmit_tui.domain.act_next import NOTHING_KEY
from lossmit_tui.domain.enums import Stage
from lossmit_tui.domain.values import csv_value, format_rate
from lossmit_tui.services import audit
from lossmit_tui.services.access import require_active
from lossmit_tui.services.clock import sync_clocks
from lossmit_tui.services.complaints import foreclosure_errors_on_sales
from lossmit_tui.services.extract import (
    BY_NAME,
    HEADER,
    REQUIRED,
    Column,
    time_zone_for,
    zip_state_and_zone,
)
from lossmit_tui.services.tasks import recompute_cases
from lossmit_tui.services.urgency import refresh_cases
from lossmit_tui.services.users import require_user
from lossmit_tui.services.workspace import Workspace

CHUNK = 2000
MEMO_LIMIT = 50_000  # distinct cell texts remembered per repeating column
_UNSEEN = object()
# The case columns the regulatory clocks read (and the owner their tasks go to).
CLOCK_FIELDS = frozenset({"next_due_date", "fc_sale_date", "occupancy", "assignee_id",
                          "fdcpa_covered"})
# The case columns from the file that urgency reads (days delinquent, days to a sale).
URGENCY_FIELDS = frozenset({"next_due_date", "fc_sale_date"})
# The columns the delinquency status history tracks (db/history.py): a change to one of
# these opens a new interval.
HISTORY_FIELDS = frozenset({"next_due_date", "fc_sale_date", "upb_cents"})


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file, where it is and what is wrong."""

    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}, column {self.column}" if self.column else f"line {self.line}"
        return f"{where}: {self.message}"


@dataclass
class ParsedRow:
    line: int
    values: dict[str, Any]  # case field -> parsed value, for the columns the file has


@dataclass
class ImportReport:
    """What an import did (or, in a dry run or on bad input, would do / refused)."""

    file: str
    dry_run: bool = False
    rows: int = 0
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    missing: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # added or updated loans whose regulatory clocks may have moved (due date, sale date,
    # occupancy or owner changed): only these are synced
    clock_moved: list[str] = field(default_factory=list)
    # added or updated loans whose urgency may have moved (due date or sale date changed)
    urgency_moved: list[str] = field(default_factory=list)
    # updated loans whose new sale date raised an urgent check for an open complaint that
    # asserts a foreclosure error (as a sale scheduled on the case does)
    foreclosure_errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


_BAD_BYTES = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8, as read


def _has_bad_bytes(text: str) -> bool:
    return not text.isascii() and _BAD_BYTES.search(text) is not None


def iter_extract(
    lines: Iterable[str], users: dict[str, tuple[int, bool]], today: date,
    problems: list[Problem], first_line_of: dict[str, int] | None = None,
) -> Iterator[ParsedRow]:
    """Parse and validate an extract as it is read, one row at a time: each parsed row is
    yielded, and every problem found is added to `problems` (a row is usable only while
    `problems` is empty). `users` maps username -> (user id, active); `first_line_of` is
    filled with each loan number the file carries and the line it is first on."""
    reader = csv.reader(lines)
    try:
        raw_header = next((r for r in reader if any(cell.strip() for cell in r)), None)
    except csv.Error as exc:
        problems.append(Problem(1, None, f"the header is not valid CSV ({exc})"))
        return
    if raw_header is None:
        problems.append(Problem(1, None, "the file is empty; expected a header row with: "
                                + ", ".join(REQUIRED) + " (and optional columns)"))
        return

    # Every cell is read as `csv_cell` wrote it (a formula neutralised by a leading quote).
    header = [csv_value(h).strip().lower() for h in raw_header]
    columns: list[Column | None] = []
    seen: set[str] = set()
    for name in header:
        if _has_bad_bytes(name):
            problems.append(Problem(1, None, "the header is not valid UTF-8 text"))
            columns.append(None)
        elif name in seen:
            problems.append(Problem(1, name, "appears twice in the header"))
            columns.append(None)
        elif name not in BY_NAME:
            problems.append(Problem(1, name or "(blank)",
                                    "is not a known column; known columns are: "
                                    + ", ".join(HEADER)))
            columns.append(None)
        else:
            columns.append(BY_NAME[name])
        seen.add(name)
    for name in REQUIRED:
        if name not in seen:
            problems.append(Problem(1, name, "required column is missing from the header"))

    wanted = [(i, column) for i, column in enumerate(columns) if column is not None]
    any_row = False
    if first_line_of is None:
        first_line_of = {}
    # The parsed value of each cell text already seen, per column whose values repeat
    # (dates, states, codes): most cells of a daily extract are parsed once, not per row.
    seen_cells: list[dict[str, Any] | None] = [
        {} if column is not None and column.repeats else None for column in columns]
    line_end = reader.line_num
    try:
        for record in reader:
            line = line_end + 1
            line_end = reader.line_num
            joined = "".join(record)
            if not joined.strip():
                continue  # a blank line
            if len(record) != len(header):
                problems.append(Problem(line, None, f"has {len(record)} fields but the header "
                                                    f"has {len(header)}"))
                continue
            values: dict[str, Any] = {}
            plain = joined.isascii()  # nearly every row: no cell to check for bytes
            for i, column in wanted:
                raw = record[i]
                memo = seen_cells[i]
                if memo is not None:
                    known = memo.get(raw, _UNSEEN)
                    if known is not _UNSEEN:
                        values[column.field] = known
                        continue
                cell = csv_value(raw) if raw[:1] == "'" else raw
                if not plain and _has_bad_bytes(cell):
                    problems.append(Problem(line, column.name, "is not valid UTF-8 text"))
                    continue
                if not cell.strip():
                    if column.required:
                        problems.append(Problem(line, column.name, "is required but empty"))
                    else:
                        values[column.field] = column.default
                    continue
                try:
                    values[column.field] = column.parse(cell)
                except ValueError as exc:
                    problems.append(Problem(line, column.name, str(exc)))
                    continue
                if memo is not None and len(memo) < MEMO_LIMIT:
                    memo[raw] = values[column.field]
            problems.extend(_check_row(line, values, users, today))
            loan = values.get("loan_number")
            if loan is not None:
                if loan in first_line_of:
                    problems.append(Problem(line, "loan_number", f"{loan} is a duplicate of "
                                                                 f"line {first_line_of[loan]}"))
                else:
                    first_line_of[loan] = line
            any_row = True
            yield ParsedRow(line, values)
    except csv.Error as exc:
        problems.append(Problem(line_end + 1, None, f"is not valid CSV ({exc})"))
    if not any_row and not problems:
        problems.append(Problem(2, None, "the file has a header but no loan rows"))


def _check_row(
    line: int, values: dict[str, Any], users: dict[str, tuple[int, bool]], today: date
) -> list[Problem]:
    """Checks that need more than one cell, or the store."""
    out: list[Problem] = []
    username = values.get("assignee_id")  # an empty cell means "unassigned" (None)
    if username is not None:
        found = users.get(username)
        if found is None:
            out.append(Problem(line, "assignee", f"no user {username!r}; add them with "
                                                 f"'lossmit users add {username}' first"))
        elif not found[1]:
            out.append(Problem(line, "assignee", f"user {username!r} is deactivated"))
        else:
            values["assignee_id"] = found[0]
    state, zip_code = values.get("property_state"), values.get("property_zip")
    if state and zip_code:
        found_zip = zip_state_and_zone(zip_code)
        if found_zip and found_zip[0] != state:
            out.append(Problem(line, "property_zip",
                               f"ZIP {zip_code} is in {found_zip[0]}, not {state}"))
    origination = values.get("origination_date")
    if origination and origination > today:
        out.append(Problem(line, "origination_date", f"{origination} is in the future"))
    maturity = values.get("maturity_date")
    if origination and maturity and maturity <= origination:
        out.append(Problem(line, "maturity_date",
                           f"{maturity} is not after the origination date {origination}"))
    kind, final, note = (values.get("rate_type"), values.get("final_rate_milli"),
                         values.get("note_rate_milli"))
    if kind == "fixed" and final is not None:
        out.append(Problem(line, "final_rate", "a fixed-rate loan has no final rate (set "
                                               "rate_type to adjustable or step, or leave "
                                               "final_rate empty)"))
    elif kind in ("adjustable", "step") and final is not None and note is not None \
            and final < note:
        out.append(Problem(line, "final_rate",
                           f"{format_rate(final)} is below the note rate {format_rate(note)} "
                           "(the final or cap rate is the highest the loan can reach)"))
    due = values.get("next_due_date")
    if origination and due and due < origination:
        out.append(Problem(line, "next_due_date",
                           f"{due} is before the origination date {origination}"))
    return out


def _derived(values: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
    """Fields the store derives from the file's: the property's time zone."""
    if "property_state" not in values and "property_zip" not in values:
        return {}
    state = values.get("property_state", current and current.get("property_state"))
    zip_code = values.get("property_zip", current and current.get("property_zip"))
    return {"property_tz": time_zone_for(state, zip_code) if state else None}


def _new_case(values: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A full row for a new case (core inserts do not apply model defaults)."""
    row: dict[str, Any] = {c.name: None for c in Case.__table__.columns if c.name != "id"}
    row.update(
        occupancy="owner", stage=Stage.NEW.value, fdcpa_covered=False,
        cease_communication=False, attorney_represented=False, version=1, urgency=0,
        act_key=NOTHING_KEY, missing_docs=0, open_complaints=0, preferred_language="en",
        rate_type="fixed",
        created_at=now, updated_at=now,
    )
    row.update(values)
    row.update(_derived(values, None))
    return row


def import_extract(ws: Workspace, path: Path, *, dry_run: bool = False) -> ImportReport:
    """Validate `path` whole; unless invalid or a dry run, upsert it in one transaction.

    The file is streamed: rows are validated as they are read and written in batches of
    CHUNK inside the one transaction while no problem has been found; from the first problem
    on the rest is only validated (every problem is reported) and the transaction is rolled
    back, so a bad last row still leaves the store as it was."""
    engine, actor_name, today = ws.engine, ws.username, ws.today
    weights, calendar = ws.weights, ws.calendar
    report = ImportReport(file=str(path), dry_run=dry_run)
    digest = hashlib.sha256()
    try:
        with path.open("rb") as raw:
            for block in iter(lambda: raw.read(1 << 20), b""):
                digest.update(block)
        stream = path.open(encoding="utf-8-sig", errors="surrogateescape", newline="")
    except OSError as exc:
        report.problems.append(Problem(0, None, f"cannot read the file: {exc.strerror}"))
        return report

    with stream, session_scope(engine, write=not dry_run) as session:
        actor = require_user(session, actor_name)
        require_active(actor, "importing a servicing extract", {"file": path.name})
        users = {u.username: (u.id, u.active) for u in session.exec(select(User))}
        problems: list[Problem] = []
        in_file: dict[str, int] = {}  # loan number -> its first line
        batch: list[ParsedRow] = []
        now = utcnow()
        for row in iter_extract(stream, users, today, problems,  # type: ignore[arg-type]  # stored users have ids
                                in_file):
            report.rows += 1
            if problems:
                continue  # validate the rest, write no more
            batch.append(row)
            if len(batch) >= CHUNK:
                _upsert(session, actor, batch, report, now, today, dry_run=dry_run)
                batch = []
        if problems:
            session.rollback()  # what was written before the first problem goes too
            report.problems = problems
            report.added, report.updated = [], []
            report.clock_moved, report.urgency_moved = [], []
            report.foreclosure_errors = []
            report.unchanged = 0
            return report
        if batch:
            _upsert(session, actor, batch, report, now, today, dry_run=dry_run)
        report.missing = _missing(session.connection(), in_file)
        if dry_run:
            return report
        if report.clock_moved or report.urgency_moved:
            conn = session.connection()
            # Due dates, sale dates, occupancy and the owner move the regulatory clock; a
            # balance or a phone number does not.
            synced = sync_clocks(session, actor, _ids_of(conn, report.clock_moved), today,
                                 calendar, actor.username,
                                 attempts_needed=ws.settings.good_faith_attempts)
            # next action, deadline and urgency of the cases whose tasks changed (a deadline
            # synced, an urgent foreclosure-error check raised) ...
            changed = synced.changed | set(_ids_of(conn, report.foreclosure_errors))
            recompute_cases(conn, changed, today, weights)
            # ... and the urgency of the others whose days delinquent or sale date moved
            refresh_cases(conn, [i for i in _ids_of(conn, report.urgency_moved)
                                 if i not in changed], today, weights)
        audit.record(
            session, actor, "import", path.name, "import",
            after={
                "file": str(path),
                "sha256": digest.hexdigest(),
                "rows": report.rows,
                "added": len(report.added),
                "updated": len(report.updated),
                "unchanged": report.unchanged,
                "missing_from_file": len(report.missing),
                "foreclosure_error_checks": len(report.foreclosure_errors),
            },
        )
    return report


def _missing(conn: sa.Connection, in_file: dict[str, int]) -> list[str]:
    """Open cases whose loans the file does not carry (listed, never closed)."""
    table = Case.__table__
    open_loans = conn.execute(
        sa.select(table.c.loan_number).where(table.c.closed_at.is_(None))).scalars()
    return sorted(loan for loan in open_loans if loan not in in_file)


def _ids_of(conn: sa.Connection, loans: list[str]) -> list[int]:
    table = Case.__table__
    return [i for start in range(0, len(loans), CHUNK) for i in conn.execute(
        sa.select(table.c.id).where(table.c.loan_number.in_(loans[start:start + CHUNK])))
        .scalars()]


def _upsert(session: Session, actor: User, rows: list[ParsedRow], report: ImportReport,
            now: datetime, today: date, *, dry_run: bool) -> None:
    """Insert the new loans of one batch and update the changed ones (only what changed),
    then bring the status history of the new loans and of those whose tracked values
    changed up to `today`, and raise the urgent check of each open foreclosure-error
    complaint on a loan whose sale date changed, set-wise for the batch."""
    table = Case.__table__
    conn = session.connection()
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    loans = [r.values["loan_number"] for r in rows]
    # The time zone is derived from state and ZIP, so both are read even when the file
    # carries only one of them.
    fields = sorted({f for r in rows for f in r.values}
                    | {"property_tz", "property_state", "property_zip"})
    names = ["id", *fields]
    moved: list[str] = []  # the loans whose status history may change
    sale_moved: list[int] = []  # the cases whose sale date the file sets or moves
    existing = {
        row.loan_number: dict(zip(names, row, strict=True))
        for row in conn.execute(
            sa.select(*[table.c[f] for f in names]).where(table.c.loan_number.in_(loans)))
    }
    for row in rows:
        loan = row.values["loan_number"]
        current = existing.get(loan)
        if current is None:
            inserts.append(_new_case(row.values, now))
            report.added.append(loan)
            report.clock_moved.append(loan)
            report.urgency_moved.append(loan)
            moved.append(loan)
            continue
        wanted = {**row.values, **_derived(row.values, current)}
        changed = {k: v for k, v in wanted.items() if current.get(k) != v}
        if not changed:
            report.unchanged += 1
            continue
        report.updated.append(loan)
        if CLOCK_FIELDS & changed.keys():
            report.clock_moved.append(loan)
        if URGENCY_FIELDS & changed.keys():
            report.urgency_moved.append(loan)
        if HISTORY_FIELDS & changed.keys():
            moved.append(loan)
        if "fc_sale_date" in changed:
            sale_moved.append(current["id"])
        # only what changed: fewer index entries to rewrite
        updates.append({"case_id": current["id"],
                        **{f"new_{k}": v for k, v in changed.items() if k != "loan_number"}})
    if dry_run:
        return
    if inserts:
        conn.execute(table.insert(), inserts)
    # Group updates by the set of columns they carry, so each group is one executemany.
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for upd in updates:
        groups.setdefault(tuple(sorted(k for k in upd if k != "case_id")), []).append(upd)
    for keys, params in groups.items():
        stmt = (
            table.update()
            .where(table.c.id == sa.bindparam("case_id"))
            .values({**{k.removeprefix("new_"): sa.bindparam(k) for k in keys},
                     "version": table.c.version + 1, "updated_at": now})
        )
        conn.execute(stmt, params)
    if moved:
        record_status(conn, today, _ids_of(conn, moved))
    if sale_moved:  # a new loan has no complaint yet: only the updated ones can
        raised = foreclosure_errors_on_sales(session, actor, sale_moved, today)
        report.foreclosure_errors.extend(
            loan for loan, current in existing.items() if current["id"] in raised)
