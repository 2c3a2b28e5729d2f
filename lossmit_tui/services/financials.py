"""Financial snapshots: a borrower's monthly income by source and expenses by line, with
the date taken. Each save is a new snapshot (the history is kept) and is audited."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session

from db.models import Case, Financials
from lossmit_tui.domain.values import parse_money
from lossmit_tui.domain.workout import EXPENSE_LINES, INCOME_SOURCES
from lossmit_tui.services import audit
from lossmit_tui.services.access import require_case_access
from lossmit_tui.services.errors import InvalidInput, NotFound
from lossmit_tui.services.users import require_user
from lossmit_tui.services.workspace import Workspace


@dataclass(frozen=True)
class Snapshot:
    taken_on: date
    incomes: dict[str, dict[str, int]]  # source -> {"gross": cents, "net": cents}
    expenses: dict[str, int]  # line -> cents
    liquid_assets_cents: int


def field_label(name: str) -> str:
    return name.replace("_", " ")


def parse_snapshot(raw: Mapping[str, str], taken_on: date,
                   today: date) -> tuple[Snapshot | None, dict[str, str]]:
    """Read a form's text fields (`income.<source>.gross|net`, `expense.<line>`,
    `liquid_assets`); empty means zero. Returns the snapshot, or the problems by field."""
    problems: dict[str, str] = {}

    def money(key: str, label: str) -> int:
        text = raw.get(key, "").strip()
        if not text:
            return 0
        try:
            return parse_money(text)
        except ValueError as exc:
            problems[key] = f"{label}: {exc}"
            return 0

    incomes: dict[str, dict[str, int]] = {}
    for source in INCOME_SOURCES:
        gross = money(f"income.{source}.gross", f"{field_label(source)} (gross)")
        net = money(f"income.{source}.net", f"{field_label(source)} (net)")
        if net > gross and f"income.{source}.net" not in problems:
            problems[f"income.{source}.net"] = (f"{field_label(source)}: net income is more "
                                                "than gross")
        if gross or net:
            incomes[source] = {"gross": gross, "net": net}
    expenses = {line: cents for line in EXPENSE_LINES
                if (cents := money(f"expense.{line}", field_label(line)))}
    assets = money("liquid_assets", "liquid assets")
    if taken_on > today:
        problems["taken_on"] = f"the date taken {taken_on.isoformat()} is in the future"
    if not incomes and not problems:
        problems["income.wages.gross"] = "enter at least one income (zero income: say so in " \
                                         "a note, and enter the benefits if any)"
    if problems:
        return None, problems
    return Snapshot(taken_on, incomes, expenses, assets), {}


def _save_financials(session: Session, actor_name: str, case_id: int,
                    snapshot: Snapshot) -> Financials:
    """Keep a new snapshot (earlier ones stay), with its audit row."""
    actor = require_user(session, actor_name)
    require_case_access(session, actor, case_id, "saving financials")
    cases = Case.__table__
    loan_number = session.connection().execute(sa.select(cases.c.loan_number).where(
        cases.c.id == case_id)).scalar()
    if loan_number is None:
        raise NotFound("this case no longer exists")
    if not snapshot.incomes:
        raise InvalidInput("a snapshot needs at least one income")
    row = Financials(case_id=case_id, taken_on=snapshot.taken_on, author_id=actor.id,
                     incomes=snapshot.incomes, expenses=snapshot.expenses,
                     liquid_assets_cents=snapshot.liquid_assets_cents)
    session.add(row)
    session.flush()
    audit.record(session, actor, "financials", row.id, "create",
                 after={"case": loan_number, "taken_on": snapshot.taken_on.isoformat(),
                        "incomes": snapshot.incomes, "expenses": snapshot.expenses,
                        "liquid_assets_cents": snapshot.liquid_assets_cents})
    return row


# --- the service entries: each takes the workspace and is one transaction -----


def save_financials(ws: Workspace, case_id: int, snapshot: Snapshot) -> Financials:
    """Save a financial snapshot, in one transaction (see `_save_financials`)."""
    with ws.write() as session:
        return _save_financials(session, ws.username, case_id, snapshot)
