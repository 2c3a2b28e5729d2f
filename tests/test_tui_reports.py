"""The reports screen in the app: `r` from the queue opens the month's scorecard (the same
figures as `lossmit report scorecard`), with the prior month and the change; Enter opens the
loans behind a figure as a queue view; a specialist sees their own loans only; the months
move with [ and ]."""

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from textual.widgets import Static

from db.tables import cases, users
from lossmit_tui.app import LossMitApp, make_app
from lossmit_tui.config import load_settings
from lossmit_tui.services.reports import By, run_report
from screens.queue import QueueScreen
from screens.reports import ReportsScreen, ScoreTable, shown

from .conftest import TODAY
from .pilot import seeded_book, settle
from .workspace import workspace

OCTOBER = date(2026, 10, 1)  # the last whole month before TODAY


@pytest.fixture
def store(tmp_path: Path) -> tuple[Engine, str, str]:
    return seeded_book(tmp_path / "reports.db", 200, 33, TODAY)


def app_for(engine: Engine, user: str) -> LossMitApp:
    return make_app(workspace(engine, user, TODAY, settings=load_settings()))


def title(app: LossMitApp) -> str:
    return str(app.screen.query_one("#reports-title", Static).content)


def cells(app: LossMitApp, metric: str) -> list[str]:
    table = app.screen.query_one(ScoreTable)
    return [str(c) for c in table.get_row(metric)]


async def open_reports(app: LossMitApp, pilot) -> None:  # type: ignore[no-untyped-def]
    await settle(app, pilot)
    await pilot.press("r")
    await settle(app, pilot)
    assert isinstance(app.screen, ReportsScreen)


async def test_a_lead_sees_the_books_scorecard_and_opens_the_loans_behind_a_figure(
        store: tuple[Engine, str, str]) -> None:
    engine, _, lead = store
    expected = run_report(workspace(engine, lead), "scorecard",
                          [date(2026, 9, 1), OCTOBER], By.PORTFOLIO)
    roll = next(f for f in expected if f.metric == "roll current->30+" and f.month == OCTOBER)
    before = next(f for f in expected
                  if f.metric == "roll current->30+" and f.month == date(2026, 9, 1))
    assert roll.ids  # the seeded history gives this month loans that rolled
    app = app_for(engine, lead)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_reports(app, pilot)
        assert "October 2026" in title(app) and "the whole book" in title(app)
        assert cells(app, "roll current->30+")[:3] == [
            "roll current->30+", shown(roll.value, "rate"), shown(before.value, "rate")]
        await pilot.press("enter")  # the first row: roll current->30+
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
        assert app.screen.case_ids == tuple(sorted(roll.ids))
        shown_title = str(app.screen.query_one("#queue-title", Static).content)
        assert "loans behind roll current->30+ · Oct 2026" in shown_title
        with engine.connect() as conn:
            still_open = conn.execute(sa.select(sa.func.count()).select_from(cases).where(
                cases.c.id.in_(roll.ids), cases.c.closed_at.is_(None))).scalar_one()
        assert f"{still_open:,} open" in shown_title
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, ReportsScreen)


async def test_a_specialist_sees_their_own_loans_only(store: tuple[Engine, str, str]) -> None:
    engine, specialist, _ = store
    own = run_report(workspace(engine, specialist), "scorecard", [OCTOBER], By.USER)
    pipeline = next(f for f in own if f.metric == "open loans in the pipeline")
    with engine.connect() as conn:
        owner = conn.execute(sa.select(users.c.id).where(
            users.c.username == specialist)).scalar_one()
        theirs = set(conn.execute(sa.select(cases.c.id).where(
            cases.c.assignee_id == owner)).scalars())
    assert pipeline.ids and pipeline.ids <= theirs
    app = app_for(engine, specialist)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_reports(app, pilot)
        assert "your own loans" in title(app)
        assert cells(app, "open loans in the pipeline")[1] == shown(pipeline.value, "count")
        table = app.screen.query_one(ScoreTable)
        table.move_cursor(row=table.get_row_index("open loans in the pipeline"))
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
        assert set(app.screen.case_ids) <= theirs


async def test_the_months_move_back_and_never_past_the_last_whole_one(
        store: tuple[Engine, str, str]) -> None:
    engine, _, lead = store
    app = app_for(engine, lead)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_reports(app, pilot)
        await pilot.press("right_square_bracket")
        await settle(app, pilot)
        assert "October 2026" in title(app)
        assert any("has not ended" in str(n.message) for n in app._notifications)
        await pilot.press("left_square_bracket")
        await settle(app, pilot)
        assert "September 2026" in title(app)


def groups_of_the_roll(app: LossMitApp) -> list[str]:
    table = app.screen.query_one(ScoreTable)
    return [str(table.get_row_at(n)[1]) for n in range(table.row_count)
            if str(table.get_row_at(n)[0]) == "roll current->30+"]


async def test_a_lead_cycles_the_grouping_and_opens_one_groups_loans(
        store: tuple[Engine, str, str]) -> None:
    engine, _, lead = store
    by_team = [f for f in run_report(workspace(engine, lead), "scorecard", [OCTOBER], By.TEAM)
               if f.metric == "open loans in the pipeline"]
    assert len(by_team) >= 2  # the seeded book has more than one team
    app = app_for(engine, lead)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_reports(app, pilot)
        table = app.screen.query_one(ScoreTable)
        assert [str(c.label) for c in table.columns.values()][:2] == ["Figure", "This month"]
        await pilot.press("g")
        await settle(app, pilot)
        assert "· by team ·" in title(app)
        assert [str(c.label) for c in table.columns.values()][:2] == ["Figure", "Group"]
        # each team's figure on its own row, with that team's value
        for figure in by_team:
            row = table.get_row(ReportsScreen.row_key(figure.metric, figure.group))
            assert [str(c) for c in row[:3]] == [figure.metric, figure.group,
                                                shown(figure.value, "count")]
        chosen = by_team[-1]
        table.move_cursor(row=table.get_row_index(
            ReportsScreen.row_key(chosen.metric, chosen.group)))
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
        assert app.screen.case_ids == tuple(sorted(chosen.ids))
        assert f"open loans in the pipeline · {chosen.group} · Oct 2026" in str(
            app.screen.query_one("#queue-title", Static).content)
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("g")
        await settle(app, pilot)
        assert "by specialist" in title(app)
        users_ = {f.group for f in run_report(workspace(engine, lead), "scorecard", [OCTOBER],
                                              By.USER)}
        assert set(groups_of_the_roll(app)) == users_
        await pilot.press("g")
        await settle(app, pilot)
        assert "by investor" in title(app)
        await pilot.press("g")
        await settle(app, pilot)
        assert "the whole book" in title(app) and "by " not in title(app).split("·")[2]
        assert [str(c.label) for c in table.columns.values()][:2] == ["Figure", "This month"]


async def test_a_specialist_is_told_why_the_grouping_does_not_widen(
        store: tuple[Engine, str, str]) -> None:
    engine, specialist, _ = store
    app = app_for(engine, specialist)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_reports(app, pilot)
        before = cells(app, "open loans in the pipeline")
        await pilot.press("g")
        await settle(app, pilot)
        assert any("your own loans only" in str(n.message) and "for leads" in str(n.message)
                   for n in app._notifications)
        assert "your own loans" in title(app) and "group by" not in title(app)
        assert [str(c.label) for c in app.screen.query_one(ScoreTable).columns.values()][
            :2] == ["Figure", "This month"]
        assert cells(app, "open loans in the pipeline") == before


async def test_a_lead_opens_the_complaints_report_and_the_loans_behind_a_figure(
        store: tuple[Engine, str, str]) -> None:
    """`c` switches to the complaints report (the same figures as `lossmit report
    complaints`), Enter opens a figure's loans, `g` groups it, `c` again the scorecard."""
    from .complaint_book import add_to_team_cases

    engine, _, lead = store
    mine, theirs, _ = add_to_team_cases(engine, lead)
    expected = run_report(workspace(engine, lead), "complaints", [OCTOBER], By.PORTFOLIO)
    errors = next(f for f in expected if f.metric == "errors found")
    assert sorted(errors.ids) == sorted({mine, theirs})  # complaints 1 and 3
    app = app_for(engine, lead)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_reports(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        assert title(app).startswith("Complaints · October 2026 · the whole book")
        # this month and the prior (September: one notice of error)
        assert cells(app, "complaints received")[1:3] == ["4", "1"]
        assert cells(app, "on time: acknowledgment")[1] == "33.3%"
        assert cells(app, "remediation total")[1:4] == ["$125.00", "$0.00", "+$125.00"]
        assert cells(app, "root cause: payment_processing")[1] == "2"
        table = app.screen.query_one(ScoreTable)
        table.move_cursor(row=table.get_row_index("errors found"))
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
        assert app.screen.case_ids == tuple(sorted(errors.ids))
        assert "loans behind errors found · Oct 2026" in str(
            app.screen.query_one("#queue-title", Static).content)
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, ReportsScreen)
        await pilot.press("g")
        await settle(app, pilot)
        assert title(app).startswith("Complaints · October 2026 · by team")
        by_team = [f for f in run_report(workspace(engine, lead), "complaints", [OCTOBER],
                                         By.TEAM) if f.metric == "complaints received"]
        for figure in by_team:
            row = table.get_row(ReportsScreen.row_key(figure.metric, figure.group))
            assert [str(c) for c in row[:3]] == [figure.metric, figure.group,
                                                shown(figure.value, "count")]
        await pilot.press("c")
        await settle(app, pilot)
        assert title(app).startswith("Scorecard · October 2026 · by team")


async def test_a_specialist_sees_the_complaints_of_their_own_loans(
        store: tuple[Engine, str, str]) -> None:
    from .complaint_book import add_to_team_cases

    engine, specialist, lead = store
    add_to_team_cases(engine, lead)
    own = run_report(workspace(engine, specialist), "complaints", [OCTOBER], By.USER)
    received = next(f for f in own if f.metric == "complaints received")
    app = app_for(engine, specialist)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_reports(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        assert "Complaints" in title(app) and "your own loans" in title(app)
        assert cells(app, "complaints received")[1] == shown(received.value, "count")
