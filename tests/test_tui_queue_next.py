"""The queue's Next and When columns show what puts a case where it is in the act-next
order: a case first because a barred sale must be postponed, or because a sale is near,
shows that sale and its day, not the year-old deadline that is also its oldest open task
(a specialist reading the top row would otherwise think old windows come first)."""

from dataclasses import replace
from datetime import date, timedelta

from textual.app import App, ComposeResult

from db.queries import QueueRow
from lossmit_tui.domain.foreclosure import SALE_HOLD
from lossmit_tui.widgets.queue_table import QueueTable

TODAY = date(2026, 11, 29)
OLD_DEADLINE = TODAY - timedelta(days=321)
BASE = QueueRow(
    case_id=1, loan_number="7000000001", borrower_name="Ann Lee", phone=None, assignee="sam",
    stage="foreclosure", investor="FNMA", property_state="TX",
    next_due_date=date(2025, 9, 1), fc_sale_date=None, next_action_on=OLD_DEADLINE,
    next_action_kind="regulatory_deadline", urgency=0, urgency_on=None, last_contact_at=None,
    last_rpc_at=None, promise_due_on=None, promise_kept_on=None, missing_docs=0,
    occupancy="owner", fdcpa_covered=False, cease_communication=False,
    attorney_represented=False, assignee_active=True)
SALE = TODAY + timedelta(days=7)
BARRED = replace(BASE, case_id=2, loan_number="7000000002", fc_sale_date=SALE,
                 fc_hold=f"{SALE_HOLD}{SALE.isoformat()}: an application is pending")
SOON = replace(BASE, case_id=3, loan_number="7000000003", fc_sale_date=TODAY + timedelta(days=30))
FAR = replace(BASE, case_id=4, loan_number="7000000004", fc_sale_date=TODAY + timedelta(days=90))
# a sale in 30 days on a case whose callback is 8 days late: the callback can still be
# done, and the Sale column (and "Why?") give the sale
SOON_LATE_CALL = replace(SOON, case_id=5, loan_number="7000000005",
                         next_action_on=TODAY - timedelta(days=8), next_action_kind="callback")


class OneTable(App[None]):
    def compose(self) -> ComposeResult:
        yield QueueTable(id="queue")


async def test_a_sale_that_places_the_case_is_its_next_thing() -> None:
    app = OneTable()
    async with app.run_test(size=(160, 10)) as pilot:
        table = app.query_one(QueueTable)
        generation = table.reset(5, TODAY, team_view=False)
        table.put_page(generation, 0, [BARRED, SOON, FAR, BASE, SOON_LATE_CALL])
        await pilot.pause()
        header = table.render_line(0).text
        lines = [table.render_line(y).text for y in range(1, 6)]

        def cell(line: str, title: str) -> str:
            start = header.index(title)
            return line[start:start + 9].strip()

        # a barred sale in 7 days: counsel must postpone it, and that is what the row says
        assert (cell(lines[0], "Next"), cell(lines[0], "When")) == ("postpone", "in 7d")
        # a sale in 30 days (within the act-next window) is the row's next thing when its
        # next action is a deadline missed long ago
        assert (cell(lines[1], "Next"), cell(lines[1], "When")) == ("sale", "in 30d")
        # a sale 90 days out does not place the case: its oldest deadline is shown, late
        assert (cell(lines[2], "Next"), cell(lines[2], "When")) == ("deadline", "321d late")
        assert (cell(lines[3], "Next"), cell(lines[3], "When")) == ("deadline", "321d late")
        assert (cell(lines[4], "Next"), cell(lines[4], "When")) == ("callback", "8d late")


def test_the_urgency_table_keeps_its_columns_with_a_sale_hold() -> None:
    """The "Why?" box's urgency lines stay in columns when a term's value is words ("postpone
    the sale"): every line is as long as the heading, and the points end where it ends."""
    from lossmit_tui.domain.urgency import terms
    from lossmit_tui.queue_rows import urgency_input
    from screens.queue import urgency_table

    rows = terms(urgency_input(BARRED, TODAY))
    assert any(t.value == "postpone the sale" for t in rows)
    lines = urgency_table(rows)
    assert len(lines) == len(rows) + 2
    assert {len(line) for line in lines} == {len(lines[0])}
    hold = next(line for line in lines if line.startswith("sale_hold"))
    assert "postpone the sale" in hold
    assert lines[0].endswith("points") and lines[-1].startswith("total")
