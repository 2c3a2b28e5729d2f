"""The work queue: the current user's open cases, earliest next action first.

Rows arrive a page at a time from a thread worker (keyset on the queue index); the next page
is fetched when the cursor nears the end of what is loaded.
"""

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from db.engine import session_scope
from db.queries import VIEW_TITLES, QueueRow, View, queue_count, queue_page
from lossmit_tui.domain.delinquency import bucket, days_delinquent
from lossmit_tui.queue_rows import relative_day
from lossmit_tui.services.users import require_user

PAGE = 200
PREFETCH = 30  # fetch the next page when the cursor is this close to the end

KIND_LABELS = {
    "callback": "callback", "documents_due": "docs due", "regulatory_deadline": "deadline",
    "trial_payment": "trial pmt", "review": "review", "other": "other",
}

EMPTY = {
    View.MINE: "No open cases are assigned to you. Open another view with "
               "`lossmit --view unassigned` or `lossmit --view all`.",
    View.UNASSIGNED: "Every open case has an owner.",
    View.ALL: "There are no open cases. Load the servicing extract with `lossmit import FILE`.",
}


class QueueScreen(Screen[None]):
    """The queue a specialist works top to bottom."""

    BINDING_GROUP_TITLE = "Queue"
    BINDINGS = [
        Binding("enter", "open_case", "Open case", id="queue.open", tooltip="Open the case"),
        Binding("j", "cursor_down", "Down", show=False, id="queue.down"),
        Binding("k", "cursor_up", "Up", show=False, id="queue.up"),
        Binding("g", "first", "First", show=False, id="queue.first"),
        Binding("G", "last", "Last loaded", show=False, id="queue.last"),
    ]

    @dataclass
    class PageLoaded(Message):
        rows: list[QueueRow]
        total: int | None
        first: bool

    def __init__(self, view: View) -> None:
        super().__init__()
        self.view = view
        self.rows: list[QueueRow] = []
        self.total: int | None = None
        self.exhausted = False
        self.loading = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="queue-title")
        yield Static(id="queue-empty")
        table: DataTable[Text | str] = DataTable(id="queue-table", cursor_type="row",
                                                 zebra_stripes=True)
        yield table
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, key, width in (
            ("Loan", "loan", 10), ("Borrower", "borrower", 22), ("DPD", "dpd", 4),
            ("Bkt", "bucket", 7), ("Next", "next", 9), ("When", "when", 8),
            ("Stage", "stage", 11), ("Inv", "investor", 9), ("Sale", "sale", 10),
        ):
            table.add_column(label, key=key, width=width)
        self._show_title()
        self.load_page(None, first=True)

    @property
    def title_text(self) -> str:
        return VIEW_TITLES[self.view]

    def _show_title(self) -> None:
        count = "…" if self.total is None else f"{self.total:,} open"
        self.query_one("#queue-title", Static).update(
            Content(f"{self.title_text} · {count} · {len(self.rows):,} loaded")
        )

    @work(thread=True, exclusive=True, group="queue-page", exit_on_error=False)
    def load_page(self, after: tuple | None, first: bool) -> None:
        """Fetch the next page (and, the first time, the view's count) off the UI thread."""
        app = self.app
        with session_scope(app.engine) as session:  # type: ignore[attr-defined]
            me = require_user(session, app.username)  # type: ignore[attr-defined]
            rows = queue_page(session, self.view, me.id, PAGE, after)
            total = queue_count(session, self.view, me.id) if first else None
        self.post_message(self.PageLoaded(rows, total, first))

    @on(PageLoaded)
    def _page_loaded(self, message: PageLoaded) -> None:
        self.loading = False
        if message.total is not None:
            self.total = message.total
        if len(message.rows) < PAGE:
            self.exhausted = True
        today = self.app.today  # type: ignore[attr-defined]
        table = self.query_one(DataTable)
        for row in message.rows:
            table.add_row(*self._cells(row, today), key=str(row.case_id))
        self.rows.extend(message.rows)
        self.set_class(not self.rows, "-empty")
        if not self.rows:
            self.query_one("#queue-empty", Static).update(Content(EMPTY[self.view]))
        self._show_title()

    @staticmethod
    def _cells(row: QueueRow, today) -> list[Text | str]:  # type: ignore[no-untyped-def]
        dpd = days_delinquent(row.next_due_date, today)
        late = row.next_action_on is not None and row.next_action_on < today
        when = Text(relative_day(row.next_action_on, today), style="bold red" if late else "")
        return [
            row.loan_number,
            Text(row.borrower_name),  # untrusted: plain text, never markup
            Text(str(dpd), justify="right"),
            bucket(row.next_due_date, today).value,
            KIND_LABELS.get(row.next_action_kind or "", row.next_action_kind or ""),
            when,
            row.stage,
            row.investor,
            row.fc_sale_date.isoformat() if row.fc_sale_date else "",
        ]

    @on(DataTable.RowHighlighted)
    def _maybe_prefetch(self, event: DataTable.RowHighlighted) -> None:
        if (not self.exhausted and not self.loading and self.rows
                and event.cursor_row >= len(self.rows) - PREFETCH):
            self.loading = True
            self.load_page(self.rows[-1].key, first=False)

    def _selected(self) -> QueueRow | None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_open_case()

    def action_open_case(self) -> None:
        """Open the highlighted case."""
        row = self._selected()
        if row is not None:
            from screens.case import CaseScreen

            self.app.push_screen(CaseScreen(row.case_id))

    def action_cursor_down(self) -> None:
        self.query_one(DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(DataTable).action_cursor_up()

    def action_first(self) -> None:
        self.query_one(DataTable).move_cursor(row=0)

    def action_last(self) -> None:
        self.query_one(DataTable).move_cursor(row=max(0, len(self.rows) - 1))
