"""Trial payments from the payment system's file: each row a trial payment received (loan
number, day paid, amount, and optionally which scheduled payment it pays), recorded through
the same checks, events and audit rows as one entered on the case.

All or nothing: every row is checked (and recorded inside its own savepoint, so a later row
sees the earlier ones of the same loan); if any row is refused, nothing is stored and every
refusal is reported with its line number."""

import csv
import io
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from db.tables import cases
from lossmit_tui.config import trial_policy
from lossmit_tui.domain.enums import EventKind
from lossmit_tui.domain.values import clean_text, parse_money
from lossmit_tui.services.cases import NewEvent, _record_event
from lossmit_tui.services.errors import InvalidInput, NotFound
from lossmit_tui.services.workspace import Workspace

COLUMNS = ("loan_number", "paid_on", "amount")
OPTIONAL = ("payment",)
MAX_ROWS = 100_000


@dataclass(frozen=True)
class PaymentRow:
    line: int
    loan_number: str
    paid_on: date
    amount_cents: int
    payment: int | None


def parse_payments(text: str) -> list[PaymentRow]:
    """The rows of a payment file (CSV with a header: loan_number, paid_on as YYYY-MM-DD,
    amount as 1117.71, optional payment number), or InvalidInput naming every bad cell."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InvalidInput(f"the payment file needs the columns {', '.join(COLUMNS)}; "
                           f"missing: {', '.join(missing)}")
    unknown = [h for h in header if h not in COLUMNS + OPTIONAL]
    if unknown:
        raise InvalidInput(f"unknown column(s): {', '.join(clean_text(u) for u in unknown)} "
                           f"(allowed: {', '.join(COLUMNS + OPTIONAL)})")
    rows, problems = [], []
    for n, raw in enumerate(reader, start=2):
        if n - 1 > MAX_ROWS:
            raise InvalidInput(f"the payment file has more than {MAX_ROWS:,} rows")
        cells = {k.strip(): clean_text(v or "") for k, v in raw.items() if k is not None}
        where = f"line {n}"
        try:
            paid_on = date.fromisoformat(cells["paid_on"])
        except ValueError:
            problems.append(f"{where}: paid_on {cells['paid_on']!r} is not a date "
                            "(YYYY-MM-DD)")
            continue
        try:
            amount = parse_money(cells["amount"])
        except ValueError as exc:
            problems.append(f"{where}: amount: {exc}")
            continue
        number = cells.get("payment") or ""
        if number and not (number.isascii() and number.isdigit()):
            problems.append(f"{where}: payment {number!r} is not a whole number")
            continue
        if not cells["loan_number"]:
            problems.append(f"{where}: the loan number is empty")
            continue
        rows.append(PaymentRow(n, cells["loan_number"], paid_on, amount,
                               int(number) if number else None))
    if problems:
        raise InvalidInput("; ".join(problems))
    if not rows:
        raise InvalidInput("the payment file has no rows")
    return rows


def import_trial_payments(ws: Workspace, text: str, source: str) -> int:
    """Record every trial payment of the file `source` (its text), or none (InvalidInput
    listing each refused row). Returns how many were recorded."""
    rows = parse_payments(text)
    problems: list[str] = []
    policy = trial_policy(ws.settings)
    with ws.write() as session:
        conn = session.connection()
        ids = dict(conn.execute(sa.select(cases.c.loan_number, cases.c.id).where(
            cases.c.loan_number.in_({r.loan_number for r in rows}))).all())
        for row in sorted(rows, key=lambda r: (r.paid_on, r.line)):
            case_id = ids.get(row.loan_number)
            if case_id is None:
                problems.append(f"line {row.line}: no case has loan number "
                                f"{row.loan_number!r}")
                continue
            event = NewEvent(EventKind.TRIAL_PAYMENT, row.paid_on,
                             reason=f"from the payment file {source}"[:500],
                             amount_cents=row.amount_cents, payment=row.payment)
            savepoint = session.begin_nested()
            try:
                _record_event(session, ws.username, case_id, event, ws.today, ws.weights,
                              ws.calendar, policy, ws.settings.good_faith_attempts)
            except (InvalidInput, NotFound) as exc:  # a refusal of access ends it all
                savepoint.rollback()
                problems.append(f"line {row.line} (loan {row.loan_number}): {exc}")
            else:
                savepoint.commit()
        if problems:
            session.rollback()
            raise InvalidInput("nothing was recorded; " + "; ".join(problems))
    return len(rows)
