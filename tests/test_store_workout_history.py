"""The payment deferral's facts as the store keeps them (docs/RULES.md section 6, Fannie Mae
Servicing Guide D2-3.2-04): the maturity date from the servicing extract and the seed, and
the prior workouts (deferrals with their months, modifications, failed trial plans, COVID-19
and disaster ones apart) read from the case's accepted offers. Both stores."""

from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db.engine import read_scope
from db.models import Case
from lossmit_tui.config import load_settings
from lossmit_tui.domain.delinquency import add_months
from lossmit_tui.domain.workout import DEFERRAL, FAILED_TRIAL, MODIFICATION, PriorWorkout
from lossmit_tui.evaluation import evaluate_case, workout_history
from lossmit_tui.services.cases import NewEvent, record_event
from lossmit_tui.services.importer import import_extract
from lossmit_tui.services.seed import seed

from .conftest import TODAY
from .workspace import workspace

cases_t = Case.__table__


def deferral_case(engine: Engine, case_id: int) -> None:
    """Loan A1 made a deferral candidate on TODAY (2026-11-29): three installments past due,
    a 30-year loan of 2019 with its maturity on record."""
    with engine.begin() as conn:
        conn.execute(cases_t.update().where(cases_t.c.id == case_id).values(
            upb_cents=205_000_00, note_rate_milli=7000, pi_cents=1_397_14, escrow_cents=400_00,
            property_value_cents=230_000_00, origination_date=date(2019, 3, 1),
            maturity_date=date(2049, 3, 1), hardship_reason="income_reduction"))


def accept(engine: Engine, case_id: int, day: date, offer: dict[str, Any]) -> None:
    sam = workspace(engine, "sam", TODAY)
    record_event(sam, case_id, NewEvent("offer_sent", day, reason="earlier workout",
                                        offer=offer))
    record_event(sam, case_id, NewEvent("offer_accepted", day, reason="earlier workout"))


def deferral_reasons(engine: Engine, **given: Any) -> list[str]:
    with read_scope(engine) as conn:
        evaluation = evaluate_case(conn, load_settings(), loan_number="A1", as_of=TODAY,
                                   hardship_resolved=True, quality_contact=True, **given)
    return next(o for o in evaluation.options if o.name == "payment_deferral").reasons


def test_the_extract_carries_the_maturity_date_and_a_deferral_reads_it(one_case,
                                                                      tmp_path: Path) -> None:
    # D2-3.2-04: not within 36 months of maturity; the maturity comes with the loan.
    engine, case_id = one_case
    deferral_case(engine, case_id)
    assert deferral_reasons(engine) == []
    path = tmp_path / "maturity.csv"
    path.write_text("loan_number,borrower_name,investor,upb,next_due_date,property_state,"
                    "origination_date,maturity_date\n"
                    "A1,Ann Lee,FNMA,205000,2026-09-01,TX,2019-03-01,2029-06-01\n")
    assert import_extract(workspace(engine, "lee"), path).ok
    assert deferral_reasons(engine) == ["the loan matures on 2029-06-01, 30 months away; a "
                                        "payment deferral needs at least 36 (D2-3.2-04)"]
    path.write_text("loan_number,borrower_name,investor,upb,next_due_date,property_state,"
                    "origination_date,maturity_date\n"
                    "A1,Ann Lee,FNMA,205000,2026-09-01,TX,2019-03-01,2019-03-01\n")
    report = import_extract(workspace(engine, "lee"), path)
    assert not report.ok
    assert [(p.line, p.column, p.message) for p in report.problems] == [
        (2, "maturity_date", "2019-03-01 is not after the origination date 2019-03-01")]
    with engine.connect() as conn:  # nothing written
        assert conn.execute(sa.select(cases_t.c.maturity_date)).scalar_one() == date(2029, 6,
                                                                                     1)


def test_accepted_workouts_feed_the_deferral_caps_and_look_backs(one_case) -> None:
    # D2-3.2-04: a prior deferral's months count toward the 12 over the loan's life; a
    # failed Flex trial is a failed trial plan, not a modification; COVID-19 and disaster
    # workouts count toward no cap or look-back.
    engine, case_id = one_case
    deferral_case(engine, case_id)
    accept(engine, case_id, date(2023, 2, 1), {"name": "payment_deferral",
                                               "months_deferred": 6})
    accept(engine, case_id, date(2024, 5, 1), {"name": "payment_deferral",
                                               "months_deferred": 5, "disaster": True})
    accept(engine, case_id, date(2025, 6, 2), {"name": "flex_modification"})
    record_event(workspace(engine, "sam", TODAY), case_id,
                 NewEvent("failed_to_perform", date(2026, 1, 5), reason="trial missed"))
    accept(engine, case_id, date(2026, 4, 1), {"name": "flex_modification",
                                               "disaster": True})
    with read_scope(engine) as conn:
        history = workout_history(conn, case_id)
    assert history.workouts == (
        PriorWorkout(DEFERRAL, date(2023, 2, 1), 6),
        PriorWorkout(DEFERRAL, date(2024, 5, 1), 5, disaster=True),
        PriorWorkout(FAILED_TRIAL, date(2026, 1, 5)),
        PriorWorkout(MODIFICATION, date(2026, 4, 1), disaster=True))
    assert history.prior_modifications == 1  # the failed trial never became one
    assert history.failed_flex_trial_on == date(2026, 1, 5)
    assert deferral_reasons(engine) == [
        "a trial plan failed on 2026-01-05, 10 months ago; a payment deferral needs none "
        "within 12 (COVID-19 and disaster modifications do not count)"]
    # A deferral given on the command line adds to the store's: 6 + 6 months is the cap.
    spent = [PriorWorkout(DEFERRAL, date(2021, 1, 4), 6)]
    assert "12 months already deferred over the loan's life; at most 12 (COVID-19 and " \
        "disaster deferrals do not count)" in deferral_reasons(engine, prior_workouts=spent)


def test_the_seed_gives_every_loan_a_30_year_maturity(engine: Engine) -> None:
    # The payment deferral needs the maturity date (D2-3.2-04): the demo book has it.
    seed(engine, 60, 7, TODAY)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(cases_t.c.origination_date,
                                      cases_t.c.maturity_date)).all()
    assert rows and all(m == add_months(o, 360) for o, m in rows)


def test_accepted_fha_workouts_feed_the_24_month_rule_and_the_claim_cap(one_case) -> None:
    # HB 4000.1 III.A.2 / ML 2025-12: a permanent home retention option once every 24
    # months; a partial claim at most 30% of the UPB at default less earlier claims.
    from lossmit_tui.domain.workout import PARTIAL_CLAIM

    engine, case_id = one_case
    deferral_case(engine, case_id)
    with engine.begin() as conn:
        conn.execute(cases_t.update().where(cases_t.c.id == case_id).values(investor="FHA",
                                                                            occupancy="owner"))
    accept(engine, case_id, date(2024, 6, 3), {"name": "partial_claim",
                                               "claim_amount": 5_700_000})
    accept(engine, case_id, date(2025, 1, 6), {"name": "fha_modification"})
    with read_scope(engine) as conn:
        history = workout_history(conn, case_id)
        assert history.workouts == (PriorWorkout(PARTIAL_CLAIM, date(2024, 6, 3),
                                                 cents=5_700_000),
                                    PriorWorkout(MODIFICATION, date(2025, 1, 6)))
        assert history.prior_modifications == 1
        evaluation = evaluate_case(conn, load_settings(), loan_number="A1", as_of=TODAY)
    assert evaluation.rule_set is not None and evaluation.rule_set.name == "FHA"
    claim = next(o for o in evaluation.options if o.name == "partial_claim")
    assert not claim.eligible
    assert any("2025-01-06, 22 months ago; a partial claim needs none within 24" in r
               for r in claim.reasons)
    assert any("arrears of 5,391.42 exceed the 4,500.00 available" in r for r in claim.reasons)
