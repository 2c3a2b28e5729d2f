"""Go to a loan from anywhere (an inbound call): ctrl+g or the palette, by loan number, phone
or name, over the cases the user may read; a picker when several match."""

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from textual.widgets import Input, OptionList, Static

from db.tables import audit_events, cases, users
from lossmit_tui.app import LossMitApp, make_app
from lossmit_tui.config import load_settings
from screens.case import CaseScreen
from screens.jump import JumpToLoan
from screens.queue import QueueScreen

from .conftest import TODAY
from .pilot import seeded_book, settle
from .workspace import workspace


@pytest.fixture
def store(tmp_path: Path) -> tuple[Engine, str, str]:
    return seeded_book(tmp_path / "jump.db", 200, 33, TODAY)


def app_for(engine: Engine, user: str) -> LossMitApp:
    return make_app(workspace(engine, user, TODAY, settings=load_settings()))


def owned(engine: Engine, user: str, mine: bool = True) -> list[sa.Row]:
    """Open cases the user owns (or, `mine=False`, that another specialist owns)."""
    owner = users.c.username == user if mine else sa.and_(users.c.username != user,
                                                          users.c.role == "specialist")
    with engine.connect() as conn:
        return list(conn.execute(
            sa.select(cases.c.id, cases.c.loan_number, cases.c.borrower_name, cases.c.phone)
            .select_from(cases.join(users, cases.c.assignee_id == users.c.id))
            .where(owner, cases.c.closed_at.is_(None)).order_by(cases.c.id)))


async def ask(app: LossMitApp, pilot, text: str) -> JumpToLoan:  # type: ignore[no-untyped-def]
    await pilot.press("ctrl+g")
    await settle(app, pilot)
    jump = app.screen
    assert isinstance(jump, JumpToLoan)
    assert app.focused is jump.query_one(Input)
    await pilot.press(*text, "enter")
    await settle(app, pilot)
    return jump


async def test_a_loan_number_opens_its_case_from_the_queue_and_from_a_case(store) -> None:
    engine, user, _ = store
    first, second = owned(engine, user)[:2]
    app = app_for(engine, user)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
        await ask(app, pilot, first.loan_number)
        assert isinstance(app.screen, CaseScreen) and app.screen.case_id == first.id
        # again from the case screen, by phone this time
        await ask(app, pilot, second.phone)
        assert isinstance(app.screen, CaseScreen) and app.screen.case_id == second.id
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen) and app.screen.case_id == first.id


async def test_several_matches_offer_a_picker(store) -> None:
    engine, user, _ = store
    mine = owned(engine, user)
    with engine.connect() as conn:
        loans = conn.execute(sa.select(cases.c.loan_number)).scalars().all()
    # the seed's loan numbers share their first digits: a prefix that several of mine and
    # fewer than 50 in the book start with
    prefix = next(p for n in range(9, 3, -1) for p in [mine[0].loan_number[:n]]
                  if sum(r.loan_number.startswith(p) for r in mine) > 1
                  and sum(n.startswith(p) for n in loans) < 50)
    expected = [r for r in mine if r.loan_number.startswith(prefix)]
    app = app_for(engine, user)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        jump = await ask(app, pilot, prefix)
        assert app.screen is jump
        options = jump.query_one(OptionList)
        assert options.display and app.focused is options
        ids = [int(str(options.get_option_at_index(i).id)) for i in range(options.option_count)]
        assert {r.id for r in expected} <= set(ids)
        assert "cases match" in str(jump.query_one("#jump-status", Static).render())
        await pilot.press("down", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen) and app.screen.case_id == ids[1]


async def test_only_cases_the_user_may_read_are_found(store) -> None:
    engine, user, _ = store
    theirs = owned(engine, user, mine=False)[0]
    app = app_for(engine, user)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        jump = await ask(app, pilot, theirs.loan_number)
        assert app.screen is jump
        status = str(jump.query_one("#jump-status", Static).render())
        assert f"No case you may open matches “{theirs.loan_number}”" in status
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
    with engine.connect() as conn:  # nothing was refused: it was simply not there for them
        assert not conn.execute(sa.select(audit_events.c.id).where(
            audit_events.c.action == "refused")).first()


async def test_the_palette_offers_it_on_every_screen(store) -> None:
    engine, user, lead = store
    app = app_for(engine, lead)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Go to loan" in titles
        await pilot.press("b")
        await settle(app, pilot)
        assert "Go to loan" in [c.title for c in app.get_system_commands(app.screen)]
        # a lead finds a team member's case by the borrower's name
        row = owned(engine, user)[0]
        await ask(app, pilot, row.borrower_name)
        screen = app.screen
        if isinstance(screen, JumpToLoan):  # namesakes: pick theirs
            options = screen.query_one(OptionList)
            ids = [int(str(options.get_option_at_index(i).id))
                   for i in range(options.option_count)]
            screen.query_one(OptionList).highlighted = ids.index(row.id)
            await pilot.press("enter")
            await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen) and app.screen.case_id == row.id
