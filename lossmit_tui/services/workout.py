"""A case's workout evaluation for the person asking: `lossmit evaluate` and the evaluation
screen read the whole case (its loan, financials and history) through here, so whoever may
not act on the case is refused (and the refusal audited) before anything is read."""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from db.tables import cases
from lossmit_tui.domain.workout import PriorWorkout
from lossmit_tui.evaluation import Evaluation, evaluate_case
from lossmit_tui.services.access import read_case
from lossmit_tui.services.workspace import Workspace


def evaluate(ws: Workspace, *, loan_number: str | None = None, case_id: int | None = None,
             as_of: date | None = None, modification_rate: Decimal | None = None,
             hardship_resolved: bool = False, imminent_default: bool = False,
             prior_modifications: int = 0, plan_months: int | None = None,
             forbearance_months_used: int = 0, prior_workouts: Sequence[PriorWorkout] = (),
             failed_flex_trial_on: date | None = None,
             quality_contact: bool | None = None) -> Evaluation:
    """Evaluate one case (by loan number or id) as of a date (default today) for the
    workspace's user; see `lossmit_tui.evaluation.evaluate_case`. An unknown loan is its
    CannotEvaluate; a case the user may not act on a PermissionDenied."""
    if case_id is None:
        with ws.read() as conn:
            case_id = conn.execute(sa.select(cases.c.id).where(
                cases.c.loan_number == (loan_number or "").strip())).scalar()
    with read_case(ws, case_id, "evaluating a case") as session:
        return evaluate_case(
            session.connection(), ws.settings, loan_number=loan_number, case_id=case_id,
            as_of=as_of or ws.today, modification_rate=modification_rate,
            hardship_resolved=hardship_resolved, imminent_default=imminent_default,
            prior_modifications=prior_modifications, plan_months=plan_months,
            forbearance_months_used=forbearance_months_used,
            prior_workouts=prior_workouts, failed_flex_trial_on=failed_flex_trial_on,
            quality_contact=quality_contact)
