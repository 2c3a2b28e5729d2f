"""The due-date tracker: every open task and regulatory deadline, in buckets (overdue, today,
tomorrow, this week, later) or on a month calendar, for the user, their team or everyone.

Counts come from index range counts and each list is a bounded page, so the screen opens as
fast on a million tasks as on a hundred.
"""

import calendar as months
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Header, Static, Tab, Tabs
from textual.worker import Worker

from db.queries import (
    BUCKETS,
    TaskRow,
    bucket_ranges,
    latest_change,
    team_member_ids,
    tracker_counts,
    tracker_items,
    tracker_month,
    user_row,
)
from lossmit_tui.domain.values import display_text
from lossmit_tui.queue_rows import relative_day
from lossmit_tui.widgets.footer import KeyFooter
from screens.base import LossMitScreen
from screens.forms import CompleteTask, ReassignTask, ServiceForm, SnoozeTask

PAGE = 200
COUNT_CAP = 50_000  # a bucket larger than this shows as "50,000+"
BUCKET_TITLES = {"overdue": "Missed / overdue", "today": "Today", "tomorrow": "Tomorrow",
                 "this_week": "This week", "later": "Later"}
SCOPES = {"mine": "Mine", "team": "My team", "all": "All"}
KIND_SHORT = {"regulatory_deadline": "deadline", "documents_due": "documents",
              "trial_payment": "trial pmt"}


def _cell(value: Any, style: str = "") -> Text:
    """A table cell: plain text (stored text as `display_text`), "—" when empty."""
    return Text("—" if value in (None, "") else display_text(str(value)), style=style)


def _count(n: int) -> str:
    return f"{COUNT_CAP:,}+" if n > COUNT_CAP else f"{n:,}"


class ItemTable(DataTable[Text]):
    """Tasks and deadlines; keys act on the highlighted one."""

    BINDING_GROUP_TITLE = "Item"
    BINDINGS = [
        Binding("enter", "screen.open_case", "Open case", id="tracker.open"),
        Binding("x", "screen.item('complete')", "Complete", id="tracker.complete"),
        Binding("z", "screen.item('snooze')", "Snooze", id="tracker.snooze"),
        Binding("r", "screen.item('reassign')", "Reassign", id="tracker.reassign"),
    ]


class MonthTable(DataTable[Text]):
    """A month, one row per week; the cursor is a day."""

    BINDING_GROUP_TITLE = "Calendar"
    BINDINGS = [
        # The day is the screen's; the table's own cursor keys only show it.
        Binding("left", "screen.move_day(-1)", "Day before", show=False, id="tracker.left"),
        Binding("right", "screen.move_day(1)", "Day after", show=False, id="tracker.right"),
        Binding("up", "screen.move_day(-7)", "Week before", show=False, id="tracker.up"),
        Binding("down", "screen.move_day(7)", "Week after", show=False, id="tracker.down"),
        Binding("enter", "screen.focus_day", "List the day", id="tracker.day"),
        Binding("left_square_bracket,pageup", "screen.month(-1)", "Previous month",
                key_display="[", id="tracker.prev_month"),
        Binding("right_square_bracket,pagedown", "screen.month(1)", "Next month",
                key_display="]", id="tracker.next_month"),
        Binding("home", "screen.go_today", "Today", id="tracker.today"),
    ]


class TrackerScreen(LossMitScreen[None]):
    """Every due item of the user (or team, or everyone), bucketed or on a calendar."""

    BINDING_GROUP_TITLE = "Due dates"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="tracker.back"),
        Binding("v", "toggle_view", "List/calendar", id="tracker.view"),
        Binding("1", "scope('mine')", "Mine", id="tracker.mine"),
        Binding("2", "scope('team')", "Team", id="tracker.team"),
        Binding("3", "scope('all')", "All", id="tracker.all"),
        Binding("left_square_bracket", "bucket(-1)", "Previous bucket", key_display="[",
                show=False, id="tracker.prev_bucket"),
        Binding("right_square_bracket", "bucket(1)", "Next bucket", key_display="]",
                show=False, id="tracker.next_bucket"),
    ]

    @dataclass
    class Loaded(Message):
        """One page of items (and the month's day counts), for the view in `view`."""

        view: tuple[Any, ...]
        items: list[TaskRow]
        month: dict[date, int]
        change: int

    @dataclass
    class Counted(Message):
        """The bucket counts, for the view in `view`."""

        view: tuple[Any, ...]
        counts: dict[str, int]

    @dataclass
    class Who(Message):
        user_id: int
        role: str
        team: tuple[int, ...]

    def __init__(self) -> None:
        super().__init__()
        self.scope = "mine"
        self.bucket = "overdue"
        self.calendar_view = False
        self.user_id = 0
        self.role = "specialist"
        self.team: tuple[int, ...] = ()
        self.items: list[TaskRow] = []
        self.counts: dict[str, int] = {}
        self.month_first = date.min
        self.day = date.min
        self.following = False
        self._weeks: list[list[date | None]] = []
        self._drawn: tuple[str, str] | None = None  # the scope and bucket on screen
        self.shown_view: tuple[Any, ...] | None = None  # the view whose items are shown
        self.counted_for: object = ()  # the assignees the counts on the tabs are for

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Content("Loading…"), id="tracker-title")
        yield Tabs(*[Tab(Content(BUCKET_TITLES[b]), id=f"bucket-{b}") for b in BUCKETS],
                   id="tracker-buckets")
        yield MonthTable(id="tracker-month", cursor_type="cell", show_row_labels=False)
        yield ItemTable(id="tracker-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="tracker-note")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.day = self.today
        self.month_first = self.today.replace(day=1)
        month = self.query_one(MonthTable)
        for name in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"):
            month.add_column(name, width=9)
        month.display = False
        self.load_who()

    # --- loading -------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="tracker-who", exit_on_error=False,
          description="reading who you are and your team")
    def load_who(self) -> None:
        with self.ws.read() as conn:
            me = user_row(conn, self.ws.username)
            team = team_member_ids(conn, me.team) or (me.user_id,)
        self.post_message(self.Who(me.user_id, me.role, team))

    @on(Who)
    def _who(self, message: Who) -> None:
        self.user_id, self.role, self.team = message.user_id, message.role, message.team
        self.reload()

    def _assignees(self) -> tuple[int, ...] | None:
        if self.scope == "all":
            return None
        return self.team if self.scope == "team" else (self.user_id,)

    def _view(self) -> tuple[Any, ...]:
        return (self._assignees(), self.bucket, self.calendar_view, self.month_first,
                self.day)

    def reload(self) -> None:
        """Read the page and the counts again, side by side on two connections: the items
        come back in milliseconds, the counts over a whole book take longer."""
        self._show_title()
        view = self._view()
        self.load(view)
        self.count(view)

    @work(thread=True, exclusive=True, group="tracker-load", exit_on_error=False,
          description="reading the due items")
    def load(self, view: tuple[Any, ...]) -> None:
        assignees, bucket, calendar_view, month_first, day = view
        with self.ws.read() as conn:
            change = latest_change(conn)
            month: dict[date, int] = {}
            if calendar_view:
                first, last = self._grid_span(month_first)
                month = tracker_month(conn, assignees, first, last)
                items = tracker_items(conn, assignees, day, day, PAGE)
            else:
                start, end = bucket_ranges(self.today)[bucket]
                items = tracker_items(conn, assignees, start, end, PAGE)
        self.post_message(self.Loaded(view, items, month, change))

    @work(thread=True, exclusive=True, group="tracker-count", exit_on_error=False,
          description="counting the due items")
    def count(self, view: tuple[Any, ...]) -> None:
        with self.ws.read() as conn:
            counts = tracker_counts(conn, view[0], self.today, COUNT_CAP)
        self.post_message(self.Counted(view, counts))

    def store_change(self, change: int) -> None:
        """Re-read when anyone changed anything (a task done, a reassignment, an import)."""
        if self.user_id:
            self.reload()

    def worker_failed(self, worker: Worker[object], error: BaseException) -> None:
        if worker.group in ("tracker-who", "tracker-load"):
            self.query_one("#tracker-title", Static).update(Content(
                "Could not read the due items (see the message)"))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.view != self._view():
            return  # an answer for a view the user has already left
        same = (message.items == self.items and self._drawn == (self.scope, self.bucket)
                and not self.calendar_view and self.query_one(ItemTable).row_count)
        self._drawn = (self.scope, self.bucket)
        self.shown_view = message.view
        self.items = message.items
        if not self.following:
            self.following = True
            self.follow_store(message.change)
        if same:
            return  # nothing moved: no redraw, no flicker
        if self.calendar_view:
            self._show_month(message.month)
        self._show_items()

    @on(Counted)
    def _counted(self, message: Counted) -> None:
        if message.view[0] != self._assignees():
            return
        self.counted_for = message.view[0]
        if message.counts == self.counts:
            return
        self.counts = message.counts
        tabs = self.query_one(Tabs)
        for name in BUCKETS:
            tab = tabs.query_one(f"#bucket-{name}", Tab)
            tab.label = Content(f"{BUCKET_TITLES[name]} {_count(message.counts.get(name, 0))}")
        self._show_note()

    # --- showing -------------------------------------------------------------------------

    def _show_title(self) -> None:
        if self.calendar_view:
            mode = self.month_first.strftime("%B %Y")
            keys = "   H holiday · · weekend · arrows: day/week · [ ] month · Home today"
        else:
            mode = BUCKET_TITLES[self.bucket]
            keys = "   1 mine · 2 team · 3 all · v calendar · [ ] bucket"
        self.query_one("#tracker-title", Static).update(Content.assemble(
            ("Due dates", "bold"), f" · {SCOPES[self.scope]} · ", (mode, "bold"),
            (keys, "$text-muted")))

    def _show_items(self) -> None:
        table = self.query_one(ItemTable)
        row = table.cursor_row
        columns = ["Due", "Kind", "Loan", "Borrower", "What", "Rule"]
        if self.scope != "mine":
            columns.append("Assignee")
        rows = []
        for t in self.items:
            late = t.due < self.today
            cells = [
                _cell(f"{t.due.isoformat()} {relative_day(t.due, self.today)}",
                      "bold red" if late else ""),
                _cell(KIND_SHORT.get(t.kind, t.kind.replace("_", " ")),
                      "bold" if t.kind == "regulatory_deadline" else ""),
                _cell(t.loan_number), _cell(t.borrower_name), _cell(t.title), _cell(t.rule),
            ]
            if self.scope != "mine":
                cells.append(_cell(t.assignee or "unassigned"))
            rows.append(cells)
        # Widths given up front: a table that measures new rows later, on an idle pass, can
        # keep lines it drew before that (at the labels' widths) and show them cut short.
        table.clear(columns=True)
        for index, label in enumerate(columns):
            table.add_column(label, width=max([len(label), *(r[index].cell_len for r in rows)]))
        table.add_rows(rows)
        if self.items:
            table.move_cursor(row=min(max(row, 0), len(self.items) - 1))
        self._show_note()

    def _show_note(self) -> None:
        shown = len(self.items)
        total = (self.counts.get(self.bucket, 0) if not self.calendar_view else shown)
        if self.calendar_view:
            note = f"{self.day.strftime('%a %Y-%m-%d')}: {shown} item(s)"
            holiday = self.ws.calendar.holiday(self.day)
            if holiday:
                note += f" · {holiday} (not a business day)"
        elif shown < total:
            note = f"Showing the first {shown:,} of {_count(total)}, earliest first."
        else:
            note = "Nothing due here." if not shown else f"{shown:,} item(s)."
        self.query_one("#tracker-note", Static).update(Content(note))

    @staticmethod
    def _grid_span(month_first: date) -> tuple[date, date]:
        first = month_first - timedelta(days=month_first.weekday())
        last_day = month_first.replace(day=months.monthrange(month_first.year,
                                                               month_first.month)[1])
        return first, last_day + timedelta(days=6 - last_day.weekday())

    def _show_month(self, counts: dict[date, int]) -> None:
        table = self.query_one(MonthTable)
        table.clear()
        first, last = self._grid_span(self.month_first)
        self._weeks = []
        day = first
        while day <= last:
            week: list[date | None] = []
            cells = []
            for _ in range(7):
                in_month = day.month == self.month_first.month
                week.append(day)
                n = counts.get(day, 0)
                holiday = self.ws.calendar.holiday(day)
                style = ("dim" if not in_month else "bold red" if day < self.today and n
                         else "bold reverse" if day == self.today else "")
                mark = "H" if holiday else ("·" if day.weekday() >= 5 else " ")
                cells.append(Text(f"{day.day:>2}{mark} {n or '':>4}", style=style))
                day += timedelta(days=1)
            self._weeks.append(week)
            table.add_row(*cells, height=1)
        for r, week in enumerate(self._weeks):
            if self.day in week:
                table.move_cursor(row=r, column=week.index(self.day))

    @on(DataTable.CellSelected, "#tracker-month")
    def _day_clicked(self, event: DataTable.CellSelected) -> None:
        r, c = event.coordinate.row, event.coordinate.column
        day = self._weeks[r][c] if r < len(self._weeks) else None
        if day is not None:
            self._go(day)

    def _go(self, day: date) -> None:
        self.day = day
        self.month_first = day.replace(day=1)
        self.reload()

    def action_move_day(self, days: int) -> None:
        """Move the calendar's day (a week with up and down)."""
        self._go(self.day + timedelta(days=days))

    # --- actions -------------------------------------------------------------------------

    def action_scope(self, scope: str) -> None:
        """Mine, my team's (leads) or everyone's (leads)."""
        if scope != "mine" and self.role == "specialist":
            self.notify("The team and all scopes are for leads.", severity="warning", markup=False)
            return
        self.scope = scope
        self.reload()

    def action_bucket(self, step: int) -> None:
        """The previous or next bucket."""
        if self.calendar_view:
            self.action_month(step)
            return
        index = (BUCKETS.index(self.bucket) + step) % len(BUCKETS)
        self.query_one(Tabs).active = f"bucket-{BUCKETS[index]}"

    @on(Tabs.TabActivated, "#tracker-buckets")
    def _bucket_chosen(self, event: Tabs.TabActivated) -> None:
        name = (event.tab.id or "").removeprefix("bucket-")
        if name in BUCKETS and name != self.bucket:
            self.bucket = name
            self.reload()

    def action_toggle_view(self) -> None:
        """Switch between the buckets and the month calendar."""
        self.calendar_view = not self.calendar_view
        self.query_one(MonthTable).display = self.calendar_view
        self.query_one(Tabs).display = not self.calendar_view
        (self.query_one(MonthTable) if self.calendar_view
         else self.query_one(ItemTable)).focus()
        self.reload()

    def action_month(self, step: int) -> None:
        """Move the calendar a month."""
        year, month = divmod(self.month_first.month - 1 + step, 12)
        self.month_first = date(self.month_first.year + year, month + 1, 1)
        last = months.monthrange(self.month_first.year, self.month_first.month)[1]
        self.day = self.month_first.replace(day=min(self.day.day, last))
        self.reload()

    def action_go_today(self) -> None:
        """Back to today on the calendar."""
        self._go(self.today)

    def action_focus_day(self) -> None:
        """Put the keyboard on the selected day's list."""
        self.query_one(ItemTable).focus()

    def _current(self) -> TaskRow | None:
        table = self.query_one(ItemTable)
        if not self.items or not 0 <= table.cursor_row < len(self.items):
            self.notify("Nothing is selected.", severity="warning", markup=False)
            return None
        return self.items[table.cursor_row]

    def action_open_case(self) -> None:
        """Open the case of the highlighted item."""
        item = self._current()
        if item is not None:
            self.host.open_case(item.case_id)

    def action_item(self, what: str) -> None:
        """Complete, snooze or reassign the highlighted item."""
        item = self._current()
        if item is None:
            return
        if what == "reassign" and self.role == "specialist":
            self.notify("Reassigning is for leads.", severity="warning", markup=False)
            return
        if item.kind == "regulatory_deadline" and what != "reassign":
            self.notify(f"A regulatory deadline ({display_text(str(item.rule))}) is met by "
                        "recording its event on the case, not completed or snoozed.",
                        severity="warning", markup=False)
            return
        forms: dict[str, Callable[[TaskRow], ServiceForm]] = {
            "complete": CompleteTask, "snooze": SnoozeTask, "reassign": ReassignTask}

        def after(done: bool | None) -> None:
            if done:
                self.reload()
        self.app.push_screen(forms[what](item), after)

    def commands(self) -> list[Any]:
        from textual.app import SystemCommand

        return [
            SystemCommand("Tracker: my items", "Only what is assigned to me",
                          lambda: self.action_scope("mine")),
            SystemCommand("Tracker: my team's items", "Leads",
                          lambda: self.action_scope("team")),
            SystemCommand("Tracker: everyone's items", "Leads",
                          lambda: self.action_scope("all")),
            SystemCommand("Tracker: list or calendar", "Switch the view",
                          self.action_toggle_view),
            SystemCommand("Open the case", "Of the highlighted item", self.action_open_case),
            SystemCommand("Complete the item", "With an optional note",
                          lambda: self.action_item("complete")),
            SystemCommand("Snooze the item", "To a later date",
                          lambda: self.action_item("snooze")),
            SystemCommand("Reassign the item", "Leads",
                          lambda: self.action_item("reassign")),
        ]
