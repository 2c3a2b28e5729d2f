"""Financial snapshots and the workout evaluation, from the keyboard against a real store."""

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from textual.widgets import Input, OptionList, Static, TextArea

from db.engine import make_engine, read_scope
from db.migrate import ensure_current
from db.queries import case_financials
from db.tables import audit_events, case_events, cases
from lossmit_tui.app import LossMitApp, make_app
from lossmit_tui.config import load_settings
from lossmit_tui.services.financials import Snapshot, parse_snapshot, save_financials
from lossmit_tui.services.importer import import_extract
from lossmit_tui.services.users import add_user
from screens.case import CaseScreen
from screens.evaluation import EvaluationScreen
from screens.financials import FinancialsForm

from .conftest import TODAY
from .pilot import settle
from .test_tui_case import open_case
from .workspace import workspace

EXTRACT = ("loan_number,borrower_name,investor,upb,next_due_date,property_state,note_rate,"
           "pi_payment,escrow_payment,property_value,origination_date,maturity_date,"
           "hardship_reason,assignee\n"
           "W1,Wanda [b]Bold[/b],FNMA,205000,2026-09-01,TX,7.000,1397.14,400.00,230000,"
           "2019-03-01,2049-03-01,income_reduction,sam\n")


@pytest.fixture
def store(tmp_path: Path) -> tuple[Engine, int]:
    """One delinquent case (W1: the worked example's loan, 89 days late)."""
    engine = make_engine(str(tmp_path / "workout.db"))
    ensure_current(engine)
    setup = workspace(engine, "setup")
    add_user(setup, "lee", "Lee Lead", "lead", "North")
    add_user(setup, "sam", "Sam Specialist", "specialist", "North")
    path = tmp_path / "w.csv"
    path.write_text(EXTRACT)
    assert import_extract(workspace(engine, "lee"), path).ok
    with engine.connect() as conn:
        return engine, conn.execute(sa.select(cases.c.id)).scalar_one()


def app_for(engine: Engine) -> LossMitApp:
    return make_app(workspace(engine, "sam", TODAY, settings=load_settings()), "mine")


def snapshots(engine: Engine, case_id: int) -> list:  # type: ignore[type-arg]
    with read_scope(engine) as conn:
        return case_financials(conn, case_id)


def events_of(engine: Engine, kind: str) -> list[dict]:  # type: ignore[type-arg]
    with engine.connect() as conn:
        return [r.payload for r in conn.execute(sa.select(case_events.c.payload).where(
            case_events.c.kind == kind))]


async def test_financials_refuse_bad_money_keep_the_input_and_then_save(store) -> None:
    engine, case_id = store
    app = app_for(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(app, pilot)
        await pilot.press("f")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FinancialsForm)
        await pilot.press(*"5,2OO.00")  # letter O, not zero
        await pilot.press("tab", *"$4,100")
        form.query_one("#expense--first_mortgage_piti", Input).value = "-1797.14"
        await settle(app, pilot)
        derived = str(form.query_one("#fin-derived", Static).render())
        assert "wages (gross): '5,2OO.00' is not an amount" in derived
        assert "first mortgage piti: '-1797.14' is negative" in derived
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        assert "Not saved" in str(form.query_one(".form-error", Static).render())
        assert form.query_one("#income--wages--gross", Input).value == "5,2OO.00"
        assert snapshots(engine, case_id) == []
        form.query_one("#income--wages--gross", Input).value = "$5,200.00"
        form.query_one("#expense--first_mortgage_piti", Input).value = "1,797.14"
        form.query_one("#expense--auto", Input).value = "450"
        await settle(app, pilot)
        derived = str(form.query_one("#fin-derived", Static).render())
        # HTI 1,797.14 / 5,200.00; surplus 4,100.00 - 2,247.14; arrears 3 x 1,797.14.
        assert "HTI 34.56%" in derived and "DTI 43.21%" in derived
        assert "surplus $1,852.86" in derived and "arrears $5,391.42" in derived
        assert "cure in 3 months" in derived
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)
    saved = snapshots(engine, case_id)
    assert len(saved) == 1
    assert saved[0].incomes == {"wages": {"gross": 520_000, "net": 410_000}}
    assert saved[0].expenses == {"first_mortgage_piti": 179_714, "auto": 45_000}
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(audit_events).where(
            audit_events.c.entity == "financials")).scalar_one() == 1


async def test_every_option_shown_and_an_offer_recorded_with_its_summary(store) -> None:
    engine, case_id = store
    app = app_for(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(app, pilot)
        await pilot.press("w")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, EvaluationScreen)
        options = screen.query_one("#evaluation-options", OptionList)
        assert options.option_count == 6
        assert [o.name for o in screen.evaluation.options] == [  # type: ignore[union-attr]
            "repayment_plan", "forbearance", "payment_deferral", "flex_modification",
            "short_sale", "deed_in_lieu"]
        title = str(screen.query_one("#evaluation-title", Static).render())
        assert "Wanda [b]Bold[/b]" in title  # the name as typed, never markup
        # The deferral: the hardship is not resolved (D2-3.2-04).
        await pilot.press("down", "down")
        await settle(app, pilot)
        detail = str(screen.query_one("#evaluation-detail", Static).render())
        assert "✗ Payment deferral" in detail and "the hardship is not resolved" in detail
        await pilot.press("o")  # not eligible: refused, nothing recorded
        await settle(app, pilot)
        assert events_of(engine, "offer_sent") == []
        # Without a financial snapshot the legacy 40% housing-expense target is not
        # measured, and the Flex Modification is offered all the same (a target, not a gate).
        await pilot.press("down")
        await settle(app, pilot)
        detail = str(screen.query_one("#evaluation-detail", Static).render())
        assert "✓ Flex modification" in detail
        assert "the 40% target is not measured (a target, not a condition)" in detail
        # The repayment plan: the shortest plan within 150%, then a longer one chosen.
        await pilot.press("home")
        await settle(app, pilot)
        first = screen.evaluation.options[0]  # type: ignore[union-attr]
        await pilot.press("right_square_bracket")
        await settle(app, pilot)
        longer = screen.evaluation.options[0]  # type: ignore[union-attr]
        assert longer.eligible and longer.terms["months"] == first.terms["months"] + 1
        await pilot.press("o")  # asked first: "n" records nothing
        await settle(app, pilot)
        assert "the borrower's window to accept or reject it starts" in str(
            app.screen.query_one(Static).content)
        await pilot.press("n")
        await settle(app, pilot)
        assert app.screen is screen and events_of(engine, "offer_sent") == []
        await pilot.press("o", "y")
        await settle(app, pilot)
        letter = screen.query_one("#evaluation-letter", TextArea).text
        assert "repayment plan offered" in letter and "plan payment:" in letter
    sent = events_of(engine, "offer_sent")
    assert len(sent) == 1 and "repayment plan offered" in sent[0]["note"]
    assert sent[0]["offer"]["name"] == "repayment_plan"
    assert sent[0]["offer"]["months"] == longer.terms["months"]
    with engine.connect() as conn:
        assert conn.execute(sa.select(cases.c.stage).where(cases.c.id == case_id)
                            ).scalar_one() == "offer"


async def test_a_denial_records_every_options_reasons(store) -> None:
    engine, _ = store
    app = app_for(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(app, pilot)
        await pilot.press("w")
        await settle(app, pilot)
        await pilot.press("n")  # asked first
        await settle(app, pilot)
        assert events_of(engine, "denied") == []
        await pilot.press("y")
        await settle(app, pilot)
    denied = events_of(engine, "denied")
    assert len(denied) == 1
    assert "payment deferral: the hardship is not resolved" in denied[0]["note"]
    assert "flex modification:" not in denied[0]["note"]  # available: no reason to give


def test_snapshots_are_kept_as_history_and_checked(store) -> None:
    engine, case_id = store
    for net in ("3,900", "4,000"):
        snapshot, problems = parse_snapshot({"income.wages.gross": "5,000",
                                             "income.wages.net": net}, TODAY, TODAY)
        assert not problems and isinstance(snapshot, Snapshot)
        save_financials(workspace(engine, "sam"), case_id, snapshot)
    assert [s.incomes["wages"]["net"] for s in snapshots(engine, case_id)] == [400_000,
                                                                               390_000]
    _, problems = parse_snapshot({"income.wages.gross": "100", "income.wages.net": "200"},
                                 TODAY, TODAY)
    assert problems == {"income.wages.net": "wages: net income is more than gross"}
    _, problems = parse_snapshot({}, TODAY, TODAY)
    assert "enter at least one income" in problems["income.wages.gross"]


def test_accepted_offers_become_the_loans_workout_history(store) -> None:
    from lossmit_tui.config import load_settings
    from lossmit_tui.evaluation import evaluate_case, workout_history
    from lossmit_tui.services.cases import NewEvent, record_event

    engine, case_id = store
    for option, extra in (("flex_modification", {}), ("payment_deferral", {}),
                          ("forbearance", {"months": 3}), ("flex_modification", {}),
                          ("flex_modification", {})):
        record_event(workspace(engine, "sam"), case_id, NewEvent(
            "offer_sent", TODAY, offer={"name": option, **extra}))
        record_event(workspace(engine, "sam"), case_id, NewEvent("offer_accepted", TODAY))
    # an offer not (yet) accepted
    record_event(workspace(engine, "sam"), case_id, NewEvent(
        "offer_sent", TODAY, offer={"name": "payment_deferral"}))
    with read_scope(engine) as conn:
        history = workout_history(conn, case_id)
        flex = evaluate_case(conn, load_settings(), case_id=case_id, as_of=TODAY).options[3]
    assert (history.prior_modifications, history.last_deferral_on,
            history.forbearance_months_used) == (3, TODAY, 3)
    assert any("3 prior modifications" in r for r in flex.reasons)


def test_the_deferral_shows_its_deferred_parts_and_when_the_balance_is_due() -> None:
    # Payment deferral (Fannie Mae D2-3.2-04): the deferred P&I, escrow and servicing
    # advances, a non-interest-bearing balance due at the earliest of maturity, sale or
    # transfer, refinance or payoff; a QRPC not known is to be confirmed before offering.
    from datetime import date
    from decimal import Decimal

    from lossmit_tui.domain.workout import Loan, WorkoutRules, evaluate
    from lossmit_tui.evaluation import Evaluation
    from screens.evaluation import detail

    loan = Loan(upb_cents=205_000_00, note_rate=Decimal("7.000"), pi_cents=1_397_14,
                escrow_cents=400_00, next_due_date=date(2026, 9, 1),
                origination_date=date(2019, 3, 1), property_value_cents=230_000_00,
                fees_cents=50_00, hardship_resolved=True, maturity_date=date(2049, 3, 1))
    options = evaluate(loan, TODAY)
    shown = detail(Evaluation("W1", "Wanda", TODAY, WorkoutRules(), None, None, options),
                   options[2]).plain.splitlines()
    assert shown[0] == "✓ Payment deferral"
    assert "  deferred pi:              4191.42" in shown
    assert "  deferred escrow advances: 1200.00" in shown
    assert "  deferred servicing advances: 50.00" in shown
    assert "  deferred balance:         5441.42" in shown
    assert ("  deferred balance due:     non-interest-bearing; due at the earliest of maturity "
            "(2049-03-01), sale or transfer, refinance or payoff") in shown
    assert any(line.startswith("  confirm before offering:  a quality right-party contact "
                               "(QRPC)") for line in shown)
