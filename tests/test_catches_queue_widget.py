"""The queue table's own defence: a borrower name reaches the screen as inert characters,
control characters (ESC, BEL, backspace, DEL...) dropped and markup never parsed, whatever
the store holds. The importer strips control characters before anything is stored, so this
drives the widget directly with a row no import could produce."""

from datetime import date

from textual.app import App, ComposeResult

from db.queries import QueueRow
from lossmit_tui.widgets.queue_table import QueueTable

TODAY = date(2026, 11, 29)
HOSTILE = "\x1b[2JAnn\x07\x08\t\x7f\x9b[@click=app.quit]x[/]\x00"
# What must be drawn: the same text without its control characters (ESC, BEL, BS, DEL, the C1
# CSI, NUL; the TAB a space, as the domain's filter makes it) and with every bracket kept as
# typed (28 characters: within the column's 30).
SHOWN = "[2JAnn [@click=app.quit]x[/]"


def row(name: str) -> QueueRow:
    return QueueRow(
        case_id=1, loan_number="7000000001", borrower_name=name, phone=None, assignee="sam",
        stage="outreach", investor="FNMA", property_state="TX",
        next_due_date=date(2026, 10, 1), fc_sale_date=None, next_action_on=None,
        next_action_kind=None, urgency=0, urgency_on=None, last_contact_at=None,
        last_rpc_at=None, promise_due_on=None, promise_kept_on=None, missing_docs=0,
        occupancy="owner", fdcpa_covered=False, cease_communication=False,
        attorney_represented=False, assignee_active=True)


class OneTable(App[None]):
    def compose(self) -> ComposeResult:
        yield QueueTable(id="queue")


async def test_a_hostile_borrower_name_is_drawn_as_plain_text() -> None:
    app = OneTable()
    async with app.run_test(size=(160, 10)) as pilot:
        table = app.query_one(QueueTable)
        generation = table.reset(1, TODAY, team_view=False)
        table.put_page(generation, 0, [row(HOSTILE)])
        await pilot.pause()
        line = table.render_line(1)
        text = line.text
        assert text.startswith("  7000000001 " + SHOWN)  # after the mark gutter
        assert not [c for c in text if ord(c) < 32 or 127 <= ord(c) < 160]
        # The markup is text: no segment carries a click action or a link.
        assert list(line) and all(seg.style is None or not seg.style.meta for seg in line)
        assert all(seg.style is None or seg.style.link is None for seg in line)
        # And on the screen as drawn, the brackets are there as typed.
        await pilot.click(QueueTable, offset=(20, 1))
        await pilot.pause()
        assert app.is_running
        assert "[@click=app.quit]x[/]" in app.export_screenshot()
