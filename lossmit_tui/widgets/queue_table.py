"""The queue as a window: a virtual table that renders only the visible rows.

The table knows how many rows the queue has and holds a small cache of pages; a line whose
page is missing is drawn as "loading" and a `PageWanted` message asks the screen to fetch it
(off the UI thread). Nothing ever loads the whole caseload into the widget.
"""

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from db.queries import QueueRow
from lossmit_tui.domain.delinquency import bucket, days_delinquent
from lossmit_tui.domain.values import display_text
from lossmit_tui.queue_rows import days_ago, leading, relative_day

PAGE_SIZE = 100
CACHED_PAGES = 40

KIND_LABELS = {
    "callback": "callback", "documents_due": "docs due", "regulatory_deadline": "deadline",
    "trial_payment": "trial pmt", "review": "review", "other": "other",
    # the act-next order's sales (queue_rows.leading): one to postpone, one soon
    "sale_hold": "postpone", "sale": "sale",
}


def _plain(text: str | None) -> str:
    """Untrusted text as inert characters: no markup is ever parsed, and the domain's filter
    drops every control character (C1 ones such as CSI included)."""
    return display_text(text or "")


def _next_label(kind: str | None) -> str:
    return KIND_LABELS.get(kind or "", _plain(kind))


def _bucket_label(row: QueueRow, today: date) -> str:
    """The MBA bucket, with "current" shortened to fit the column."""
    value = bucket(row.next_due_date, today).value
    return "cur" if value == "current" else value


def _flags(row: QueueRow, _today: date) -> str:
    return "".join(mark for mark, on in (
        ("C", row.cease_communication), ("A", row.attorney_represented),
        ("F", row.fdcpa_covered), ("P", row.occupancy == "owner"),
    ) if on)


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: int
    value: Callable[[QueueRow, date], str]
    right: bool = False
    flex: bool = False  # takes the width left over (up to `max_width`)
    max_width: int = 0
    team_only: bool = False


def _assignee(row: QueueRow) -> str:
    """The owner; "!" before a deactivated one (the case needs reassigning)."""
    if row.assignee is None:
        return "—"
    name = _plain(row.assignee)
    return f"!{name}" if row.assignee_active is False else name


# A marked row carries a glyph in its own gutter, not only a colour (NO_COLOR, colour blindness).
MARKED, UNMARKED = "✓ ", "  "

COLUMNS: tuple[Column, ...] = (
    Column("loan", "Loan", 10, lambda r, t: _plain(r.loan_number)),
    Column("borrower", "Borrower", 14, lambda r, t: _plain(r.borrower_name), flex=True,
           max_width=30),
    Column("dpd", "DPD", 4, lambda r, t: str(days_delinquent(r.next_due_date, t)), right=True),
    Column("bucket", "Bkt", 4, lambda r, t: _bucket_label(r, t)),
    Column("next", "Next", 9, lambda r, t: _next_label(leading(r, t)[0])),
    Column("when", "When", 9, lambda r, t: relative_day(leading(r, t)[1], t)),
    Column("flags", "Flag", 4, _flags),
    Column("assignee", "Assignee", 10, lambda r, t: _assignee(r), team_only=True),
    Column("stage", "Stage", 11, lambda r, t: _plain(r.stage).replace("_", " ")),
    Column("investor", "Inv", 9, lambda r, t: _plain(r.investor)),
    Column("sale", "Sale", 10, lambda r, t: r.fc_sale_date.isoformat() if r.fc_sale_date
           else ""),
    Column("contact", "Contact", 10, lambda r, t: days_ago(
        r.last_contact_at.date() if r.last_contact_at else None, t)),
    Column("urgency", "Urg", 5, lambda r, t: f"{r.urgency / 10:.1f}", right=True),
)
# When the terminal is narrow, columns are left out from the end of this order.
PRIORITY = ("loan", "borrower", "when", "next", "dpd", "flags", "bucket", "assignee", "stage",
            "urgency", "contact", "sale", "investor")


class QueueTable(ScrollView, can_focus=True):
    """Rows of the current queue, drawn on demand from cached pages."""

    BINDING_GROUP_TITLE = "Queue"
    BINDINGS = [
        Binding("down,j", "cursor(1)", "Down", show=False, id="queue.down"),
        Binding("up,k", "cursor(-1)", "Up", show=False, id="queue.up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="queue.page_down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="queue.page_up"),
        Binding("home,g", "first", "First", show=False, id="queue.first"),
        Binding("end,G", "last", "Last", show=False, id="queue.last"),
        Binding("space", "mark", "Mark", id="queue.mark", tooltip="Mark the row for a bulk "
                                                                  "action"),
        Binding("enter", "select", "Open", id="queue.open", tooltip="Open the case"),
    ]
    COMPONENT_CLASSES = {
        "queue-table--header", "queue-table--cursor", "queue-table--marked",
        "queue-table--late", "queue-table--odd", "queue-table--loading",
    }
    DEFAULT_CSS = """
    QueueTable { height: 1fr; background: $surface; overflow-x: hidden; }
    QueueTable > .queue-table--header { text-style: bold; background: $panel; }
    QueueTable > .queue-table--cursor { background: $accent 40%; text-style: bold; }
    QueueTable:focus > .queue-table--cursor { background: $accent; color: $text; }
    QueueTable > .queue-table--marked { color: $warning; text-style: bold; }
    QueueTable > .queue-table--late { color: $error; text-style: bold; }
    QueueTable > .queue-table--odd { background: $boost; }
    QueueTable > .queue-table--loading { color: $text-muted; }
    """

    cursor_row: reactive[int] = reactive(0)

    @dataclass
    class PagesWanted(Message):
        """Pages `first`..`last` are on screen but not loaded: fetch them in one read."""

        table: "QueueTable"
        first: int
        last: int
        generation: int

    @dataclass
    class MarksChanged(Message):
        table: "QueueTable"
        count: int

    @dataclass
    class Selected(Message):
        table: "QueueTable"
        row: QueueRow

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.total = 0
        self.generation = 0
        self.today = date.today()
        self.team_view = False
        self.marked: set[int] = set()
        self._pages: OrderedDict[int, list[QueueRow]] = OrderedDict()
        self._wanted: set[int] = set()
        self._pending: set[int] = set()
        self._columns: list[tuple[Column, int]] = []

    # --- data ----------------------------------------------------------------------------

    def reset(self, total: int, today: date, team_view: bool, *, keep_pages: bool = False,
              cursor: int = 0) -> int:
        """Start a new queue (or a new version of the same one); returns its generation."""
        self.generation += 1
        self.total = total
        self.today = today
        self.team_view = team_view
        if not keep_pages:
            self._pages.clear()
        self._wanted.clear()
        self._pending.clear()
        self.virtual_size = Size(self.size.width, total + 1)
        self._layout_columns()
        self.set_reactive(QueueTable.cursor_row, max(0, min(cursor, total - 1)))
        self._scroll_cursor_into_view()
        self.refresh()
        return self.generation

    def set_total(self, total: int) -> None:
        """The exact count arrived (the first page may have come first)."""
        self.total = total
        self.virtual_size = Size(self.size.width, total + 1)
        if self.cursor_row >= total:
            self.cursor_row = max(0, total - 1)
        self.refresh()

    def forget_wanted(self, first: int, last: int) -> None:
        """A read was dropped for a newer one: let these pages be asked for again."""
        self._wanted.difference_update(range(first, last + 1))

    def put_page(self, generation: int, page: int, rows: Sequence[QueueRow]) -> None:
        """Cache a fetched page (ignored if the queue changed since it was asked for)."""
        if generation != self.generation:
            return
        self._wanted.discard(page)
        self._pages[page] = list(rows)
        self._pages.move_to_end(page)
        while len(self._pages) > CACHED_PAGES:
            self._pages.popitem(last=False)
        self.refresh()

    def row_at(self, index: int) -> QueueRow | None:
        page = self._pages.get(index // PAGE_SIZE)
        if page is None:
            return None
        offset = index % PAGE_SIZE
        return page[offset] if offset < len(page) else None

    def find(self, case_id: int) -> int | None:
        """The position of a case among the cached rows, if it is there."""
        for page_no, rows in self._pages.items():
            for i, row in enumerate(rows):
                if row.case_id == case_id:
                    return page_no * PAGE_SIZE + i
        return None

    @property
    def current(self) -> QueueRow | None:
        return self.row_at(self.cursor_row) if self.total else None

    # --- drawing -------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, self.total + 1)
        self._layout_columns()
        self._scroll_cursor_into_view()

    def _layout_columns(self) -> None:
        # Leave room for the vertical scrollbar, which appears once rows outgrow the height.
        width = max(20, self.size.width - self.styles.scrollbar_size_vertical - len(UNMARKED))
        chosen: list[Column] = []
        used = 0
        for key in PRIORITY:
            column = next(c for c in COLUMNS if c.key == key)
            if column.team_only and not self.team_view:
                continue
            need = column.width + 1
            if used + need <= width:
                chosen.append(column)
                used += need
        spare = width - used
        order = {c.key: i for i, c in enumerate(COLUMNS)}
        self._columns = []
        for column in sorted(chosen, key=lambda c: order[c.key]):
            extra = min(spare, column.max_width - column.width) if column.flex else 0
            spare -= extra
            self._columns.append((column, column.width + extra))

    def _cells(self, texts: list[str], base: Style, late: Style | None = None) -> list[Segment]:
        segments = []
        for (column, width), text in zip(self._columns, texts, strict=True):
            cell = set_cell_size(text, width) if not column.right else (
                text[-width:].rjust(width))
            style = late if (late is not None and column.key == "when") else base
            segments.append(Segment(cell + " ", style))
        return segments

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y == 0:
            style = self.get_component_rich_style("queue-table--header")
            titles = [c.title for c, _ in self._columns]
            return Strip([Segment(UNMARKED, style), *self._cells(titles, style)]
                         ).adjust_cell_length(width, style)
        index = self.scroll_offset.y + y - 1
        if index >= self.total:
            return Strip.blank(width, self.rich_style)
        row = self.row_at(index)
        base = self.rich_style
        if index % 2:
            base = base + self.get_component_rich_style("queue-table--odd")
        if row is None:
            self._want(index // PAGE_SIZE)
            loading = base + self.get_component_rich_style("queue-table--loading")
            return Strip([Segment(set_cell_size("  …", width), loading)])
        if row.case_id in self.marked:
            base = base + self._foreground("queue-table--marked")
        if index == self.cursor_row:
            base = base + self.get_component_rich_style("queue-table--cursor")
        late = None
        shown_day = leading(row, self.today)[1]
        if shown_day is not None and shown_day < self.today:
            late = base + self._foreground("queue-table--late")
        texts = [column.value(row, self.today) for column, _ in self._columns]
        mark = MARKED if row.case_id in self.marked else UNMARKED
        return Strip([Segment(mark, base), *self._cells(texts, base, late)]
                     ).adjust_cell_length(width, base)

    def _foreground(self, name: str) -> Style:
        """A component style's colour and weight only, so it never hides the cursor."""
        style = self.get_component_rich_style(name)
        return Style(color=style.color, bold=style.bold)

    def _want(self, page: int) -> None:
        # Collect the pages one repaint needs, then ask once (a single range read walks the
        # index once, where one read per page would walk it again for each).
        if page in self._wanted:
            return
        if not self._pending:
            self.call_later(self._ask)
        self._pending.add(page)
        self._wanted.add(page)

    def _want_visible(self) -> None:
        """Ask for the pages the viewport will show, before drawing it."""
        top = self.scroll_offset.y
        last_row = min(self.total - 1, top + max(1, self.size.height - 1) - 1)
        for page in range(top // PAGE_SIZE, max(top, last_row) // PAGE_SIZE + 1):
            if page not in self._pages:
                self._want(page)

    def _ask(self) -> None:
        if self._pending:
            self.post_message(self.PagesWanted(self, min(self._pending), max(self._pending),
                                               self.generation))
            self._pending.clear()

    # --- cursor --------------------------------------------------------------------------

    def watch_cursor_row(self, old: int, new: int) -> None:
        self._scroll_cursor_into_view()
        self._want_visible()
        self.refresh()

    def _scroll_cursor_into_view(self) -> None:
        visible = max(1, self.size.height - 1)
        top = self.scroll_offset.y
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + visible:
            self.scroll_to(y=self.cursor_row - visible + 1, animate=False, immediate=True)

    def move_to(self, index: int) -> None:
        self.cursor_row = max(0, min(index, self.total - 1))

    def action_cursor(self, step: int) -> None:
        self.move_to(self.cursor_row + step)

    def action_page(self, direction: int) -> None:
        self.move_to(self.cursor_row + direction * max(1, self.size.height - 2))

    def action_first(self) -> None:
        self.move_to(0)

    def action_last(self) -> None:
        self.move_to(self.total - 1)

    def action_mark(self) -> None:
        row = self.current
        if row is not None:
            self.marked.symmetric_difference_update({row.case_id})
            self.post_message(self.MarksChanged(self, len(self.marked)))
            self.refresh()
            self.action_cursor(1)

    def action_select(self) -> None:
        row = self.current
        if row is not None:
            self.post_message(self.Selected(self, row))

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:
            self.move_to(self.scroll_offset.y + event.y - 1)
            if event.chain > 1:
                self.action_select()
