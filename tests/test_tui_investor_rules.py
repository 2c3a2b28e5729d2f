"""The evaluation screen evaluates each loan by its own investor's rules: FHA options for an
FHA loan, VA options for a VA loan, and a refusal for an investor with no rule set in force
(docs/RULES.md section 6)."""

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from textual.widgets import OptionList, Static

from db.engine import make_engine
from db.migrate import ensure_current
from db.tables import cases
from lossmit_tui.app import LossMitApp, make_app
from lossmit_tui.config import load_settings
from lossmit_tui.services.importer import import_extract
from lossmit_tui.services.users import add_user
from screens.evaluation import EvaluationScreen

from .conftest import TODAY
from .pilot import settle
from .test_tui_case import open_case
from .workspace import workspace

HEADER = ("loan_number,borrower_name,investor,upb,next_due_date,property_state,note_rate,"
          "pi_payment,escrow_payment,property_value,origination_date,maturity_date,"
          "hardship_reason,assignee\n")


def store_with(tmp_path: Path, investor: str) -> Engine:
    """One loan of `investor`, 89 days late on TODAY, assigned to sam."""
    engine = make_engine(str(tmp_path / f"{investor}.db"))
    ensure_current(engine)
    setup = workspace(engine, "setup")
    add_user(setup, "lee", "Lee Lead", "lead", "North")
    add_user(setup, "sam", "Sam Specialist", "specialist", "North")
    path = tmp_path / "extract.csv"
    path.write_text(HEADER + f"L1,Ivy [i]Inv[/i],{investor},205000,2026-09-01,TX,7.000,"
                    "1397.14,400.00,230000,2019-03-01,2049-03-01,income_reduction,sam\n")
    assert import_extract(workspace(engine, "lee"), path).ok
    with engine.connect() as conn:
        assert conn.execute(sa.select(cases.c.investor)).scalar_one() == investor
    return engine


@pytest.fixture(autouse=True)
def _no_rules_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOSSMIT_WORKOUT_RULES", str(tmp_path / "no-such-rules.toml"))


def app_for(engine: Engine) -> LossMitApp:
    return make_app(workspace(engine, "sam", TODAY, settings=load_settings()), "mine")


async def evaluation_of(app: LossMitApp, pilot) -> EvaluationScreen:  # type: ignore[no-untyped-def]
    await open_case(app, pilot)
    await pilot.press("w")
    await settle(app, pilot)
    assert isinstance(app.screen, EvaluationScreen)
    return app.screen


async def test_an_investor_without_rules_is_refused_on_the_screen(tmp_path: Path) -> None:
    app = app_for(store_with(tmp_path, "PLS"))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await evaluation_of(app, pilot)
        title = str(screen.query_one("#evaluation-title", Static).render())
        assert (f"Cannot evaluate: no workout rules for investor PLS on {TODAY.isoformat()}: "
                "add a rule set") in title
        assert screen.evaluation is None
        assert screen.query_one("#evaluation-options", OptionList).option_count == 0


async def test_an_fha_loan_shows_the_fha_options_in_fha_order(tmp_path: Path) -> None:
    # HUD Handbook 4000.1 III.A.2: forbearance, repayment plan, partial claim, modification,
    # pre-foreclosure sale, deed-in-lieu - never a Flex Modification or payment deferral.
    app = app_for(store_with(tmp_path, "FHA"))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await evaluation_of(app, pilot)
        assert screen.evaluation is not None
        assert [o.name for o in screen.evaluation.options] == [
            "informal_forbearance", "formal_forbearance", "repayment_plan", "partial_claim",
            "fha_modification", "pre_foreclosure_sale", "deed_in_lieu"]
        title = str(screen.query_one("#evaluation-title", Static).render())
        assert "FHA: FHA HB 4000.1 / ML 2025-12 rules" in title
        assert "Ivy [i]Inv[/i]" in title  # the name as typed, never markup
        await pilot.press("down", "down", "down")
        await settle(app, pilot)
        detail = str(screen.query_one("#evaluation-detail", Static).render())
        # 3 installments of 1,797.14 past due; the cap is 30% of 205,000.00.
        assert "✓ Partial claim" in detail and "claim amount:" in detail
        assert "5391.42" in detail and "61500.00" in detail
        assert "Rules: FHA HB 4000.1 / ML 2025-12: HUD Handbook 4000.1, section III.A.2" \
            in detail
        assert "in force from 2025-10-01" in detail
        await pilot.press("down")
        await settle(app, pilot)
        detail = str(screen.query_one("#evaluation-detail", Static).render())
        assert "✗ FHA modification" in detail and "no modification rate is set" in detail
        await pilot.press("end")
        await settle(app, pilot)
        detail = str(screen.query_one("#evaluation-detail", Static).render())
        assert "✓ Deed in lieu" in detail and "7500" not in detail
        assert "borrower consideration note:" in detail and "not set" in detail


async def test_a_va_loan_shows_the_va_options(tmp_path: Path) -> None:
    # VA Servicer Handbook M26-4 chapter 5.
    app = app_for(store_with(tmp_path, "VA"))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await evaluation_of(app, pilot)
        assert screen.evaluation is not None
        assert [o.name for o in screen.evaluation.options] == [
            "repayment_plan", "special_forbearance", "va_modification", "compromise_sale",
            "deed_in_lieu"]
        title = str(screen.query_one("#evaluation-title", Static).render())
        assert "VA: VA M26-4 ch. 5 rules" in title
        await pilot.press("down", "down")
        await settle(app, pilot)
        detail = str(screen.query_one("#evaluation-detail", Static).render())
        assert "✗ VA modification" in detail
        assert "the cause of the default resolved; M26-4 5.06; 38 CFR 36.4315" in detail


async def test_the_case_screen_shows_a_step_rate_loans_final_rate(tmp_path: Path) -> None:
    # The rate type the import took (docs/RULES.md section 6, adjustable- and step-rate
    # loans) is on the case's details beside the note rate; a fixed rate shows alone.
    engine = store_with(tmp_path, "FNMA")
    path = tmp_path / "rates.csv"
    path.write_text("loan_number,borrower_name,investor,upb,next_due_date,property_state,"
                    "note_rate,rate_type,final_rate\n"
                    "L1,Ivy [i]Inv[/i],FNMA,205000,2026-09-01,TX,5.000,step,7.500\n")
    app = app_for(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_case(app, pilot)
        loan = next(str(s.render()) for s in screen.query(".case-section").results(Static)
                    if str(s.render()).startswith("Loan"))
        assert "Note rate" in loan and "7.000%" in loan and "step" not in loan
    assert import_extract(workspace(engine, "lee"), path).ok
    app = app_for(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_case(app, pilot)
        loan = next(str(s.render()) for s in screen.query(".case-section").results(Static)
                    if str(s.render()).startswith("Loan"))
        assert "5.000% step, final 7.500%" in loan
