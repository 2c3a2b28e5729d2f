"""The complaint intake on the case screen (key k), the complaint letter (key K) and the
case's complaint section: bad input names the field and stores nothing; a saved complaint
shows with its clocks and state; a complaint letter the complaint is not ready for is
refused with the reason, and one that is ready is kept for the mail; the borrower's words
are never markup."""

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from textual.widgets import Input, Select

from lossmit_tui.app import make_app
from lossmit_tui.config import load_settings
from lossmit_tui.services.complaints import NewComplaint, add_complaint
from screens.case import CaseScreen
from screens.complaints import ComplaintForm, ComplaintLetterForm, ComplaintsSection

from .conftest import TODAY
from .pilot import settle
from .test_tui_case import NOON, app_for, choose, form_error, open_case, store  # noqa: F401
from .workspace import workspace

WORDS = "You charged me a [@click=app.quit]late fee[/] I never owed"


def complaints(engine: Engine) -> list[sa.Row]:  # type: ignore[type-arg]
    with engine.connect() as conn:
        return list(conn.execute(sa.text(
            "SELECT received_on, channel, complaint_type, category, borrower_text "
            "FROM complaints")))


async def test_intake_refuses_bad_input_then_logs_and_shows_the_clocks(
        store: tuple[Engine, int], tmp_path: Path) -> None:  # noqa: F811
    engine, _ = store
    app = app_for(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_case(app, pilot)
        assert not screen.query_one(ComplaintsSection).display  # none yet: no section
        await pilot.press("k")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, ComplaintForm)
        form.query_one("#complaint-received", Input).value = "2026-13-40"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "received:" in form_error(app)
        form.query_one("#complaint-received", Input).value = "2026-11-23"
        await pilot.press("ctrl+s")  # a notice of error with no category and no words
        await settle(app, pilot)
        error = form_error(app)
        assert "category:" in error and "text:" in error
        assert isinstance(app.screen, ComplaintForm) and complaints(engine) == []
        await choose(pilot, form.query_one("#complaint-category", Select), "b5")
        form.query_one("#complaint-text", Input).value = WORDS
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)
        await settle(app, pilot)
        section = screen.query_one(ComplaintsSection)
        assert section.display
        shown = str(section.content)
        assert WORDS in shown  # as typed, never run as markup
        assert "Acknowledge the notice of error (5 BD) [1024.35(d)]" in shown
        assert "2026-12-01 due soon" in shown  # 5 BD over Thanksgiving; today is 29 Nov
        assert "barred" in shown  # the 60-day credit-reporting hold
    assert [tuple(r) for r in complaints(engine)] == [
        ("2026-11-23", "mail", "notice_of_error", "b5", WORDS)]


async def test_complaint_letter_refused_until_ready_then_kept_for_the_mail(
        store: tuple[Engine, int]) -> None:  # noqa: F811
    engine, case_id = store
    settings = load_settings(servicer_name="Acme Servicing",
                             servicer_address="1 Main St, Dallas, TX 75001",
                             servicer_phone="(800) 555-0100")
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE cases SET property_address = '12 Oak Rd'"))
    sam = workspace(engine, "sam", settings=settings)
    add_complaint(sam, case_id, NewComplaint(TODAY, "mail", "notice_of_error", WORDS, "b5"))
    app = make_app(workspace(engine, "sam", TODAY, settings=settings, clock=lambda: NOON),
                   "mine")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(app, pilot)
        await settle(app, pilot)
        await pilot.press("K")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, ComplaintLetterForm)
        assert form.query_one("#letter-complaint", Select).value == "1"
        await choose(pilot, form.query_one("#letter-kind", Select), "complaint_no_error")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert ("finding: the letter “Complaint response: no error found” needs the finding "
                "no_error") in form_error(app)
        assert isinstance(app.screen, ComplaintLetterForm)
        assert rows_of(engine) == []
        await choose(pilot, form.query_one("#letter-kind", Select),
                     "complaint_acknowledgment")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)
    assert rows_of(engine) == [("complaint_acknowledgment", 1, "generated")]


async def test_a_request_for_information_is_answered_from_the_letter_key(
        store: tuple[Engine, int]) -> None:  # noqa: F811
    from lossmit_tui.services.complaints import FindingInput, record_finding

    engine, case_id = store
    settings = load_settings(servicer_name="Acme Servicing",
                             servicer_address="1 Main St, Dallas, TX 75001",
                             servicer_phone="(800) 555-0100")
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE cases SET property_address = '12 Oak Rd'"))
    sam = workspace(engine, "sam", settings=settings)
    asked = add_complaint(sam, case_id, NewComplaint(
        TODAY, "mail", "request_for_information", WORDS, None, "who owns my loan"))
    record_finding(sam, asked.id or 0, 1, FindingInput("information_provided",
                                                       "communication"))
    app = make_app(workspace(engine, "sam", TODAY, settings=settings, clock=lambda: NOON),
                   "mine")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(app, pilot)
        await settle(app, pilot)
        await pilot.press("K")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, ComplaintLetterForm)
        await choose(pilot, form.query_one("#letter-kind", Select), "complaint_information")
        await pilot.press("ctrl+s")  # no information typed: refused, naming it
        await settle(app, pilot)
        assert "the information requested (--information)" in form_error(app)
        assert rows_of(engine) == []
        form.query_one("#letter-information", Input).value = "Fannie Mae owns your loan."
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)
    assert rows_of(engine) == [("complaint_information", 1, "generated")]
    with engine.connect() as conn:
        text = conn.execute(sa.text("SELECT text FROM letters")).scalar_one()
    assert "You asked: who owns my loan" in text and "Fannie Mae owns your loan." in text


def rows_of(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "SELECT kind, complaint_id, status FROM letters"))]


async def test_a_foreclosure_error_shows_on_the_foreclosure_status(
        store: tuple[Engine, int]) -> None:  # noqa: F811
    engine, case_id = store
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE cases SET fc_sale_date = '2026-12-15'"))
    add_complaint(workspace(engine, "sam"), case_id, NewComplaint(
        TODAY, "mail", "notice_of_error", "You scheduled a sale while my [b]application[/b] "
        "was pending", "b10"))
    app = app_for(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_case(app, pilot)
        await settle(app, pilot)
        shown = str(screen.query_one("#case-foreclosure").content)
        assert "Foreclosure error asserted: complaint 1, received 2026-11-29" in shown
        assert "respond by 2026-12-14, before the sale on 2026-12-15" in shown
