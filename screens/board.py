"""The team board: one row per specialist, the figures a lead balances the load with.

Open cases against capacity, what is due today and overdue, regulatory deadlines due within
5 days and missed, calls today and this week with the right-party-contact rate, and the
longest-untouched case. Every figure is an index range count, so the board takes the same
time on a million cases as on a thousand. It refreshes when anyone writes.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Header, Static
from textual.worker import Worker

from db.queries import BoardRow, board_members, latest_change, team_board, user_row
from lossmit_tui.domain.values import display_text
from lossmit_tui.widgets.footer import KeyFooter
from screens.base import Confirm, LossMitScreen

BAR = 8  # cells in the load bar


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int


COLUMNS = (
    Column("name", "Specialist", 14), Column("open", "Open", 5), Column("load", "Load", 14),
    Column("due", "Today", 5), Column("overdue", "Late", 5), Column("soon", "Reg≤5d", 6),
    Column("missed", "Missed", 6), Column("calls", "Calls t/w", 9),
    Column("rpc", "RPC", 4), Column("oldest", "Oldest untouched", 20),
)
SORTS: dict[str, Any] = {
    "name": lambda r: r.username,
    "open": lambda r: -r.open_cases,
    "load": lambda r: -r.open_cases,
    "due": lambda r: -r.due_today,
    "overdue": lambda r: -r.overdue,
    "soon": lambda r: -r.regulatory_soon,
    "missed": lambda r: -r.regulatory_missed,
    "calls": lambda r: -r.calls_week,
    "rpc": lambda r: -(r.rpc_rate or 0),
    "oldest": lambda r: (r.never_contacted == 0,
                         r.oldest_contact_at or datetime.max.replace(tzinfo=UTC)),
}


def week_bounds(today: date) -> tuple[datetime, datetime]:
    """The UTC start of this (Monday-first) week and of today."""
    day = datetime.combine(today, time.min, UTC)
    return day - timedelta(days=today.weekday()), day


def load_bar(open_cases: int, capacity: int) -> Text:
    share = open_cases / capacity if capacity else 0
    filled = min(BAR, round(share * BAR))
    style = "bold red" if share > 1 else "yellow" if share > 0.85 else "green"
    return Text.assemble(("█" * filled, style), ("░" * (BAR - filled), "dim"),
                         (f" {share:>4.0%}", style))


class BoardTable(DataTable[Text]):
    BINDING_GROUP_TITLE = "Specialist"
    BINDINGS = [
        Binding("enter", "screen.queue", "Their queue", id="board.queue"),
        Binding("R", "screen.reassign_all", "Reassign all", key_display="R",
                id="board.reassign"),
    ]


class TeamBoard(LossMitScreen[None]):
    """Leads: the team's workload at a glance, and where to move cases from."""

    BINDING_GROUP_TITLE = "Team board"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="board.back"),
        Binding("s", "sort", "Sort", id="board.sort", tooltip="Sort by the next column"),
        Binding("u", "undo", "Undo last move", id="board.undo",
                tooltip="Undo your last reassignment batch"),
    ]

    @dataclass
    class Loaded(Message):
        rows: list[BoardRow]
        change: int
        error: str = ""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[BoardRow] = []
        self.sort_key = "name"
        self.team = ""
        self.following = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Content("Loading…"), id="board-title")
        yield BoardTable(id="board-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="board-note")
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one(BoardTable)
        for column in COLUMNS:
            table.add_column(column.label, width=column.width, key=column.key)
        self.load()

    @work(thread=True, exclusive=True, group="board-load", exit_on_error=False,
          description="reading the team board")
    def load(self) -> None:
        with self.ws.read() as conn:
            me = user_row(conn, self.ws.username)
            if me.role == "specialist":
                self.post_message(self.Loaded([], 0, "The team board is for leads and "
                                                     "admins."))
                return
            self.team = "every team" if me.role == "admin" else (me.team or "no team")
            change = latest_change(conn)
            week, day = week_bounds(self.today)
            rows = team_board(conn, board_members(conn, me.role, me.team), self.today,
                              week, day)
        self.post_message(self.Loaded(rows, change))

    def store_change(self, change: int) -> None:
        """Someone wrote: read the board again."""
        self.load()

    def worker_failed(self, worker: Worker[object], error: BaseException) -> None:
        if worker.group == "board-load" and not self.rows:
            self.query_one("#board-title", Static).update(Content(
                "Could not read the team board (see the message)"))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.error:
            self.query_one("#board-title", Static).update(Content(message.error))
            return
        if not self.following:
            self.following = True
            self.follow_store(message.change)
        if message.rows == self.rows:
            return
        self.rows = message.rows
        self._show()

    def _show(self) -> None:
        table = self.query_one(BoardTable)
        current = self._current()
        self.rows.sort(key=SORTS[self.sort_key])
        capacity = self.ws.settings.case_capacity
        table.clear()
        for r in self.rows:
            table.add_row(*self._cells(r, capacity), key=r.username)
        if current is not None and current.username in [r.username for r in self.rows]:
            table.move_cursor(row=[r.username for r in self.rows].index(current.username))
        label = next(c.label for c in COLUMNS if c.key == self.sort_key)
        self.query_one("#board-title", Static).update(Content.assemble(
            ("Team board", "bold"),
            f" · {display_text(self.team or '')} · {len(self.rows)} people · ",
            f"capacity {capacity} · by {label.lower()}"))
        orphans = [r for r in self.rows if not r.active and r.open_cases]
        note = (Content.assemble(("Needs reassignment: ", "bold $warning"), ", ".join(
            f"{display_text(r.username)} (deactivated, {r.open_cases} open)" for r in orphans))
            if orphans else Content(""))
        self.query_one("#board-note", Static).update(note)

    def _cells(self, r: BoardRow, capacity: int) -> list[Text]:
        name = Text(display_text(r.username))
        if not r.active:
            name.append(" inactive", style="bold yellow")
        oldest = Text("—")
        if r.never_contacted:
            oldest = Text(f"{r.never_contacted} never: {display_text(r.oldest_loan or '')}",
                          style="bold red")
        elif r.oldest_contact_at is not None:
            days = (self.today - r.oldest_contact_at.date()).days
            oldest = Text(f"{days}d: {display_text(r.oldest_loan or '')}",
                          style="bold red" if days > 30 else "")
        rate = f"{r.rpc_rate:.0%}" if r.rpc_rate is not None else "—"
        return [
            name, Text(f"{r.open_cases:,}", justify="right"),
            load_bar(r.open_cases, capacity),
            Text(f"{r.due_today:,}", justify="right"),
            Text(f"{r.overdue:,}", justify="right", style="bold red" if r.overdue else ""),
            Text(f"{r.regulatory_soon:,}", justify="right",
                 style="yellow" if r.regulatory_soon else ""),
            Text(f"{r.regulatory_missed:,}", justify="right",
                 style="bold red" if r.regulatory_missed else ""),
            Text(f"{r.calls_today}/{r.calls_week}", justify="right"),
            Text(rate, justify="right"), oldest,
        ]

    def _current(self) -> BoardRow | None:
        table = self.query_one(BoardTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    # --- actions -------------------------------------------------------------------------

    def action_sort(self) -> None:
        """Sort by the next column."""
        keys = [c.key for c in COLUMNS if c.key != "load"]
        self.sort_key = keys[(keys.index(self.sort_key) + 1) % len(keys)]
        self._show()

    @on(DataTable.HeaderSelected)
    def _header(self, event: DataTable.HeaderSelected) -> None:
        self.sort_key = str(event.column_key.value)
        self._show()

    def action_queue(self) -> None:
        """Open the highlighted person's queue (All open, filtered to them)."""
        row = self._current()
        if row is not None:
            self.host.open_queue("all", assignee=row.username, back=True)

    def action_reassign_all(self) -> None:
        """Move all of the highlighted person's open cases (a departure, a long absence)."""
        row = self._current()
        if row is None:
            return
        if not row.open_cases:
            self.notify(f"{display_text(row.username)} has no open cases.", severity="warning",
                        markup=False)
            return
        def moved(done: bool | None) -> None:
            if done:
                self.load()
        self.host.open_reassign(from_user=row.username, done=moved)

    def action_undo(self) -> None:
        """Undo your last reassignment batch (while none of its cases changed), once the
        lead has said yes: an undo moves cases, as the reassignment did."""
        def answered(yes: bool | None) -> None:
            if yes:
                self.undo()

        self.app.push_screen(Confirm(
            "Undo your last reassignment? Its cases go back to the people who had them "
            "(refused if any of them changed since)."), answered)

    @work(thread=True, exclusive=True, group="board-undo", exit_on_error=False,
          description="undoing your last reassignment")
    def undo(self) -> None:
        from lossmit_tui.services.errors import ServiceError
        from lossmit_tui.services.reassign import undo_last

        app = self.app
        try:
            done = undo_last(self.ws)
        except ServiceError as exc:
            app.call_from_thread(app.notify, Content(f"Not undone: {display_text(str(exc))}"),
                                 severity="error", timeout=10)
            return
        app.call_from_thread(app.notify, Content(
            f"Undone: {done.moved} case(s) are back with their owners."))
        app.call_from_thread(self.load)

    def commands(self) -> list[SystemCommand]:
        return [
            SystemCommand("Board: sort by the next column", "Open, overdue, missed, …",
                          self.action_sort),
            SystemCommand("Board: open their queue", "The highlighted person's open cases",
                          self.action_queue),
            SystemCommand("Board: reassign all their cases", "A departure or long absence",
                          self.action_reassign_all),
            SystemCommand("Board: undo my last reassignment", "While none of its cases "
                          "changed", self.action_undo),
        ]
