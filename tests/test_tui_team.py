"""Team leads in the app: the board, reassigning (preview, commit, undo, a case changed
between preview and commit), the audit trail, and what a specialist is not offered."""

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from textual.widgets import DataTable, Input, Select, SelectionList, Static

from db.engine import read_scope
from db.queries import board_members, user_row
from db.tables import audit_events, cases, users
from lossmit_tui.app import LossMitApp, make_app
from lossmit_tui.config import load_settings
from lossmit_tui.services.cases import update_case
from screens.audit import AuditScreen
from screens.base import Confirm
from screens.board import BoardTable, TeamBoard
from screens.queue import QueueScreen
from screens.reassign import ReassignCases

from .conftest import TODAY
from .pilot import seeded_book, settle
from .workspace import workspace


@pytest.fixture
def store(tmp_path: Path) -> tuple[Engine, str, str]:
    return seeded_book(tmp_path / "team.db", 200, 33, TODAY)


def app_for(engine: Engine, user: str) -> LossMitApp:
    return make_app(workspace(engine, user, TODAY, settings=load_settings()))


def open_count(engine: Engine, username: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(
            cases.join(users, cases.c.assignee_id == users.c.id)).where(
            users.c.username == username, cases.c.closed_at.is_(None))).scalar_one()


def teammates(engine: Engine, lead: str) -> list[str]:
    with read_scope(engine) as conn:
        me = user_row(conn, lead)
        return [m.username for m in board_members(conn, me.role, me.team)
                if m.role == "specialist"]


def text_of(screen, selector: str) -> str:  # type: ignore[no-untyped-def]
    return str(screen.query_one(selector, Static).render())


async def open_board(app: LossMitApp, pilot) -> TeamBoard:  # type: ignore[no-untyped-def]
    await settle(app, pilot)
    await pilot.press("b")
    await settle(app, pilot)
    assert isinstance(app.screen, TeamBoard)
    return app.screen


async def fill_reassign(app: LossMitApp, pilot, to: list[str], reason: str,  # type: ignore[no-untyped-def]
                        words: str = "") -> ReassignCases:
    await settle(app, pilot)
    form = app.screen
    assert isinstance(form, ReassignCases)
    chooser = form.query_one("#reassign-to", SelectionList)
    values = [chooser.get_option_at_index(i).value for i in range(chooser.option_count)]
    for name in to:
        chooser.highlighted = values.index(name)
        await pilot.press("space")
    form.query_one("#reassign-reason", Select).value = reason
    if words:
        form.query_one("#reassign-words", Input).value = words
    await pilot.pause()
    return form


async def test_the_board_shows_each_teammates_figures_and_sorts(store) -> None:
    engine, _, lead = store
    team = teammates(engine, lead)
    app = app_for(engine, lead)
    async with app.run_test(size=(120, 40)) as pilot:
        board = await open_board(app, pilot)
        shown = {r.username: r for r in board.rows}
        assert set(team) <= set(shown)
        for name in team:
            assert shown[name].open_cases == open_count(engine, name)
        assert "Team board" in text_of(board, "#board-title")
        await pilot.press("s")  # by open cases, most first
        await settle(app, pilot)
        opens = [r.open_cases for r in board.rows]
        assert opens == sorted(opens, reverse=True)
        assert board.query_one(BoardTable).row_count == len(board.rows)


async def test_enter_opens_their_queue_and_escape_comes_back(store) -> None:
    engine, _, lead = store
    app = app_for(engine, lead)
    async with app.run_test(size=(120, 40)) as pilot:
        board = await open_board(app, pilot)
        index, person = next((i, r) for i, r in enumerate(board.rows) if r.open_cases)
        board.query_one(BoardTable).move_cursor(row=index)
        await pilot.press("enter")
        await settle(app, pilot)
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        assert f"assignee={person.username}" in text_of(queue, "#queue-title")
        assert f"{person.open_cases} of" in text_of(queue, "#queue-title")
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is board


async def test_reassign_all_of_a_departure_preview_commit_and_undo(store) -> None:
    engine, _, lead = store
    leaving, *others = teammates(engine, lead)
    count = open_count(engine, leaving)
    before = {n: open_count(engine, n) for n in others}
    app = app_for(engine, lead)
    async with app.run_test(size=(120, 40)) as pilot:
        board = await open_board(app, pilot)
        board.query_one(BoardTable).move_cursor(
            row=[r.username for r in board.rows].index(leaving))
        await pilot.press("R")
        form = await fill_reassign(app, pilot, others[:2], "departure", "last day today")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        preview = text_of(form, "#reassign-preview")
        assert f"Preview: {count} case(s) move" in preview
        assert f"{leaving}" in preview and f"{count} → 0" in preview
        assert "ctrl+s commits this preview" in text_of(form, "#reassign-hint")
        assert open_count(engine, leaving) == count  # a preview changes nothing
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is board
        assert open_count(engine, leaving) == 0
        assert sum(open_count(engine, n) for n in others) == sum(before.values()) + count
        assert next(r for r in board.rows if r.username == leaving).open_cases == 0
        await pilot.press("u")  # asks first; "n" leaves everything where it is
        await settle(app, pilot)
        assert isinstance(app.screen, Confirm)
        assert "Undo your last reassignment?" in text_of(app.screen, "#confirm-box Static")
        await pilot.press("n")
        await settle(app, pilot)
        assert app.screen is board
        assert open_count(engine, leaving) == 0
        await pilot.press("u", "y")
        await settle(app, pilot)
        assert app.screen is board
        assert open_count(engine, leaving) == count
        assert {n: open_count(engine, n) for n in others} == before


async def test_the_form_needs_a_receiver_and_a_reason(store) -> None:
    engine, _, lead = store
    app = app_for(engine, lead)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("9")  # all open
        await settle(app, pilot)
        await pilot.press("R")  # the highlighted case
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, ReassignCases)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        error = text_of(form, ".form-error")
        assert "mark at least one person" in error and "choose a reason" in error
        form.query_one("#reassign-reason", Select).value = "other"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "needs a few words" in text_of(form, ".form-error")


async def test_marked_cases_with_one_changed_between_preview_and_commit(store) -> None:
    engine, user, lead = store
    app = app_for(engine, lead)
    receiver = next(n for n in teammates(engine, lead) if n != user)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("8")  # my team
        await settle(app, pilot)
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        table = queue.query_one("#queue-table")
        picked = []
        for _ in range(50):
            row = table.current
            if row.assignee != receiver:
                picked.append(row)
                await pilot.press("space")
            if len(picked) == 2:
                break
            await pilot.press("down")
        assert len(picked) == 2, (app.focused, table.cursor_row)
        await pilot.press("R")
        form = await fill_reassign(app, pilot, [receiver], "balancing")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "Preview: 2 case(s) move" in text_of(form, "#reassign-preview")
        # Someone else edits the first case before the lead commits.
        with engine.connect() as conn:
            version, hardship = conn.execute(sa.select(
                cases.c.version, cases.c.hardship_reason).where(
                cases.c.id == picked[0].case_id)).one()
        # a real change (the same value again would change nothing, and no version)
        update_case(workspace(engine, picked[0].assignee or "admin"), picked[0].case_id,
                    version, {"hardship_reason": "divorce" if hardship == "illness"
                              else "illness"})
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is queue
    with engine.connect() as conn:
        owners = dict(conn.execute(sa.select(cases.c.id, users.c.username).select_from(
            cases.outerjoin(users, cases.c.assignee_id == users.c.id))
            .where(cases.c.id.in_([p.case_id for p in picked]))).all())
    assert owners[picked[1].case_id] == receiver
    assert owners[picked[0].case_id] == picked[0].assignee


async def test_a_specialist_is_not_offered_the_lead_keys(store) -> None:
    engine, user, _ = store
    app = app_for(engine, user)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        queue = app.screen
        for key, what in (("b", "The team board"), ("R", "Reassigning cases"),
                          ("a", "The audit trail")):
            await pilot.press(key)
            await settle(app, pilot)
            assert app.screen is queue
            # ... but the key is not simply dead: it says who it is for.
            said = [(n.title, str(n.message)) for n in app._notifications]
            assert ("Leads only", f"{what} ({key}) is for leads and admins. Ask your team "
                    "lead if a case needs it.") in said
        # Opened anyway (say, from an old key map), the audit screen is refused and the
        # attempt is on the record.
        app.push_screen(AuditScreen())
        await settle(app, pilot)
        assert "The audit trail is for leads and admins" in text_of(app.screen,
                                                                    "#audit-title")
    with engine.connect() as conn:
        refused = conn.execute(sa.select(audit_events.c.after).where(
            audit_events.c.action == "refused", audit_events.c.username == user)).scalars()
        assert [r["attempted"] for r in refused] == ["reading the audit trail"]


async def test_the_audit_trail_filters_and_shows_text_plainly(store) -> None:
    engine, user, lead = store
    from lossmit_tui.services import reassign as service

    loan = None
    with engine.connect() as conn:
        loan = conn.execute(sa.select(cases.c.loan_number).select_from(
            cases.join(users, cases.c.assignee_id == users.c.id))
            .where(users.c.username == user).limit(1)).scalar_one()
    receiver = next(n for n in teammates(engine, lead) if n != user)
    plan = service.preview(workspace(engine, lead), service.Selection(loan_numbers=(loan,)),
                           [receiver], "round-robin")
    service.apply(workspace(engine, lead), plan,
                  service.Reason("other", "[@click=app.quit]covering"))
    app = app_for(engine, lead)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("a")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, AuditScreen)
        assert any(r.action == "reassign" for r in screen.rows)
        await pilot.press("f")
        await pilot.press(*f"case={loan} action=reassign")
        await pilot.press("enter")
        await settle(app, pilot)
        assert [(r.action, r.after["case"]) for r in screen.rows] == [("reassign", loan)]
        detail = text_of(screen, "#audit-detail")
        assert "[@click=app.quit]covering" in detail and f"assignee: {user} → {receiver}" \
            in detail
        await pilot.press("f")
        screen.query_one("#audit-filter", Input).value = "when=today"
        await pilot.press("enter")
        await settle(app, pilot)
        assert [(r.action, r.after["case"]) for r in screen.rows] == [("reassign", loan)]
        assert app.is_running  # the markup in the reason did not quit the app


async def test_the_audit_entity_column_shows_whole_loan_numbers(store) -> None:
    engine, user, lead = store
    from db.engine import session_scope
    from lossmit_tui.services import audit

    with engine.connect() as conn:
        loan = conn.execute(sa.select(cases.c.loan_number).limit(1)).scalar_one()
    with session_scope(engine, write=True) as session:
        audit.record(session, None, "call_note", 12345, "amend", actor_name=user,
                     after={"case": loan, "body": "corrected"})
        audit.record(session, None, "case", 1, "foreclosure_hold", actor_name=user,
                     after={"case": loan, "fc_hold": "postpone the sale"})
    app = app_for(engine, lead)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("a")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, AuditScreen)
        await pilot.press("f", *"action=amend", "enter")
        await settle(app, pilot)
        table = screen.query_one("#audit-table", DataTable)
        assert [r.entity for r in screen.rows] == ["call_note"]
        # The newest row, as drawn: its whole loan number, not "call_note 70000000".
        drawn = [table.render_line(y).text for y in range(table.size.height)]
        assert any(f"call_note {loan}" in line for line in drawn), drawn
        # ...and its whole action name: "foreclosure_ho" names no action.
        screen.query_one("#audit-filter", Input).value = ""
        await pilot.press("f", *"action=foreclosure_hold", "enter")
        await settle(app, pilot)
        assert [r.action for r in screen.rows] == ["foreclosure_hold"]
        drawn = [table.render_line(y).text for y in range(table.size.height)]
        assert any("foreclosure_hold" in line for line in drawn), drawn
