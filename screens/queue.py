"""The work queue: what to do next, and why, over a caseload of any size.

Views come from configuration (keys 1-9 and 0, shown as tabs). The table is a window over the
queue's indexed order (see lossmit_tui.widgets.queue_table); every query runs in a thread
worker and comes back as a message. Other writers are noticed through the audit trail and the
visible rows refresh in place, the cursor staying on its case.
"""

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Header, Input, OptionList, Static, Tab, Tabs
from textual.widgets.option_list import Option
from textual.worker import Worker, get_current_worker

from db.queries import (
    DENSE_MATCHES,
    UNINDEXED_SORT_LIMIT,
    UNINDEXED_SORTS,
    QueueFilter,
    QueueRow,
    Sort,
    UserContext,
    queue_count,
    queue_window,
    user_context,
    user_row,
)
from lossmit_tui.config import ViewSpec
from lossmit_tui.domain.act_next import why_here
from lossmit_tui.domain.delinquency import Bucket
from lossmit_tui.domain.enums import Investor, Stage
from lossmit_tui.domain.urgency import Term, terms
from lossmit_tui.domain.values import display_text
from lossmit_tui.queue_rows import urgency_input
from lossmit_tui.views import view_filter, visible_views, with_filters
from lossmit_tui.widgets.footer import KeyFooter
from lossmit_tui.widgets.queue_table import PAGE_SIZE, QueueTable
from screens.base import LossMitScreen, OwnKeys, withdraw_notices

SEARCH_COUNT_CAP = 10_000  # a search matching more says "10,000+" rather than count them all
SORT_LABELS = {
    Sort.ACT_NEXT: "Act next (default)", Sort.LOAN: "Loan number",
    Sort.BORROWER: "Borrower", Sort.DAYS_DELINQUENT: "Days delinquent",
    Sort.SALE: "Sale date", Sort.LAST_CONTACT: "Last contact (longest ago first)",
    Sort.URGENCY: "Urgency", Sort.STAGE: "Stage", Sort.INVESTOR: "Investor",
    Sort.ASSIGNEE: "Assignee",
}
FILTER_HELP = ("stage=application investor=FNMA bucket=60 state=TX assignee=jdoe "
               "(commas for several: stage=offer,trial)")


@dataclass
class Filters:
    """What the filter bar holds, parsed."""

    stages: tuple[str, ...] = ()
    investors: tuple[str, ...] = ()
    buckets: tuple[Bucket, ...] = ()
    states: tuple[str, ...] = ()
    assignee: str = ""

    def describe(self) -> str:
        parts = [f"{name}={','.join(values)}" for name, values in (
            ("stage", self.stages), ("investor", self.investors),
            ("bucket", tuple(b.value for b in self.buckets)), ("state", self.states),
            ("assignee", (self.assignee,) if self.assignee else ()),
        ) if values]
        return " ".join(parts)


def _known(name: str, values: tuple[str, ...], allowed: type[StrEnum]) -> tuple[str, ...]:
    """The values, if each is a member of the enumeration; else say which one is not."""
    members = [m.value for m in allowed]
    bad = [v for v in values if v not in members]
    if bad:
        raise ValueError(f"{name} {bad[0]!r} is not one of: {' '.join(members)}")
    return values


def parse_filters(text: str) -> Filters:
    """Parse `name=value[,value]` pairs; ValueError says which part is wrong and why."""
    found = Filters()
    for part in text.split():
        name, sep, raw = part.partition("=")
        values = tuple(v for v in raw.split(",") if v)
        if not sep or not values:
            raise ValueError(f"{part!r}: write name=value, e.g. {FILTER_HELP}")
        name = name.lower()
        if name == "stage":
            found = replace(found, stages=_known("stage", values, Stage))
        elif name == "investor":
            found = replace(found, investors=_known("investor", tuple(v.upper() for v in values),
                                                    Investor))
        elif name == "bucket":
            try:
                found = replace(found, buckets=tuple(
                    Bucket("120+" if v in ("120", "120+") else v) for v in values))
            except ValueError:
                raise ValueError("bucket must be current, 30, 60, 90 or 120+") from None
        elif name == "state":
            found = replace(found, states=tuple(v.upper() for v in values))
        elif name == "assignee":
            found = replace(found, assignee=values[0])
        else:
            raise ValueError(f"{name!r} is not a filter; use stage, investor, bucket, state "
                             "or assignee")
    return found


NARROW_BELOW = 100  # columns: below this the view tabs use short names
SHORT_TITLES = {"mine": "Mine", "due": "Due", "regulatory": "Reg", "sale": "Sale",
                "promises": "PTP", "documents": "Docs", "unassigned": "Unowned",
                "team": "Team", "all": "All", "complaints": "Cmpl"}


def short_title(spec: ViewSpec) -> str:
    """A view's name for a narrow tab bar: the built-in views' short names, else the first
    word of its title (at most 10 characters)."""
    return SHORT_TITLES.get(spec.name) or spec.title.split()[0][:10]


# Orders whose usual direction runs from the highest value down: urgency (highest first) and
# days delinquent (the oldest unpaid installment, so the most days, first).
HIGHEST_FIRST = frozenset({Sort.URGENCY, Sort.DAYS_DELINQUENT})


def sort_arrow(sort: Sort, descending: bool) -> str:
    """▲ when the values rise down the list (A to Z, the earliest date first), ▼ when they
    fall (the highest urgency, the most days delinquent first); reversing flips it."""
    return "▼" if (sort in HIGHEST_FIRST) != descending else "▲"


class SortPicker(OwnKeys, ModalScreen[Sort | None]):
    """Choose the order; choosing the current one again reverses it."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="sort.cancel")]

    def __init__(self, current: Sort, descending: bool) -> None:
        super().__init__()
        self.current, self.descending = current, descending

    def compose(self) -> ComposeResult:
        options = []
        for sort, label in SORT_LABELS.items():
            mark = f" {sort_arrow(sort, self.descending)}" if sort is self.current else ""
            options.append(Option(f"{label}{mark}", id=sort.value))
        with Vertical(id="sort-box"):
            yield Static(Content("Sort by (the same again reverses)"), classes="modal-title")
            yield OptionList(*options, id="sort-options")

    def on_mount(self) -> None:
        picker = self.query_one(OptionList)
        picker.highlighted = list(SORT_LABELS).index(self.current)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(Sort(str(event.option.id)))


def urgency_table(rows: list[Term]) -> list[str]:
    """The urgency terms as aligned lines: a heading, a line a term, the total. The value
    column is as wide as its longest value ("postpone the sale" for a sale hold), so the
    factor, weight and points stay in their columns."""
    wide = max([10, *(len(str(t.value)) + 2 for t in rows)])
    lines = [f"{'term':<18}{'value':>{wide}}{'factor':>8}{'weight':>8}{'points':>8}"]
    lines += [f"{t.name:<18}{t.value:>{wide}}{t.factor:>8.2f}{t.weight:>8.1f}{t.points:>8.1f}"
              for t in rows]
    total = round(sum(t.points for t in rows), 1)
    lines.append(f"{'total':<{18 + wide + 16}}{total:>8.1f}")
    return lines


class Breakdown(OwnKeys, ModalScreen[None]):
    """Why a case stands where it does: its place in the order (which task, deadline, sale or
    promise, how late), then every urgency term, its value, weight and points."""

    BINDINGS = [Binding("escape,u,q", "dismiss(None)", "Close", id="breakdown.close")]

    def __init__(self, row: QueueRow, today: date, weights: dict[str, float],
                 sort: Sort = Sort.ACT_NEXT, descending: bool = False) -> None:
        super().__init__()
        self.row, self.today, self.weights = row, today, weights
        self.sort, self.descending = sort, descending

    def _why(self) -> str:
        """The order's reason first: the urgency score is only its tie-breaker."""
        if self.sort is Sort.ACT_NEXT:
            facts = urgency_input(self.row, self.today)
            reversed_ = " (the order is reversed)" if self.descending else ""
            return (f"Why here{reversed_}: {why_here(facts, self.row.next_action_kind)}\n"
                    "Cases in the same place on the same day: higher urgency first.")
        if self.sort is Sort.URGENCY:
            return "The queue is sorted by urgency: highest score first."
        return (f"The queue is sorted by {SORT_LABELS[self.sort].lower()}; the urgency "
                "below is for reference.")

    def compose(self) -> ComposeResult:
        rows = terms(urgency_input(self.row, self.today), self.weights)
        lines = [Content(line) for line in urgency_table(rows)]
        total = round(sum(t.points for t in rows), 1)
        stored = self.row.urgency / 10
        as_of = self.row.urgency_on.isoformat() if self.row.urgency_on else "never"
        note = ("" if self.row.urgency_on == self.today and abs(stored - total) < 0.05 else
                f"The queue still orders by {stored:.1f} (computed for {as_of}), and by that "
                "day's place; both update when today's refresh reaches this case.")
        with Vertical(id="breakdown-box"):
            yield Static(Content.assemble(
                ("Why ", "bold"), (display_text(self.row.loan_number), "bold"),
                (" is here", "bold"), "  ", Content(display_text(self.row.borrower_name))),
                classes="modal-title")
            yield Static(Content(display_text(self._why(), lines=True)), id="breakdown-why")
            yield Static(Content.styled("Urgency", "bold"), classes="breakdown-heading")
            yield Static(Content("\n").join(lines), id="breakdown-body")
            if note:
                yield Static(Content(note), id="breakdown-stale")
            yield Static(Content("Esc closes"), classes="modal-hint")


class QueueScreen(LossMitScreen[None]):
    """The queue a specialist works top to bottom."""

    BINDING_GROUP_TITLE = "Queue"
    BINDINGS = [
        Binding("slash", "search", "Search", key_display="/", id="queue.search",
                tooltip="Find by loan number, borrower name or phone"),
        Binding("f", "filter", "Filter", id="queue.filter",
                tooltip="Filter by stage, investor, bucket, state, assignee"),
        Binding("s", "sort", "Sort", id="queue.sort", tooltip="Choose the order"),
        Binding("u", "breakdown", "Why?", id="queue.breakdown",
                tooltip="Why this case is where it is: its place in the order, its urgency"),
        Binding("c", "log_call", "Log call", id="queue.log_call",
                tooltip="Log a call on the highlighted case"),
        Binding("t", "add_task", "Follow-up", id="queue.add_task",
                tooltip="Add a follow-up task to the highlighted case"),
        Binding("d", "tracker", "Due dates", id="queue.tracker",
                tooltip="Every task and regulatory deadline by due date, or on a calendar"),
        Binding("b", "board", "Team", id="queue.board",
                tooltip="Leads: the team board (workload, reassignment)"),
        Binding("R", "reassign", "Reassign", key_display="R", show=False,
                id="queue.reassign", tooltip="Leads: move the marked cases (or this one)"),
        Binding("a", "audit", "Audit trail", show=False, id="queue.audit",
                tooltip="Leads: who did what, when"),
        # A specialist pressing a lead key hears why nothing opened (the keys above are
        # disabled for them, so these, on the same keys, run instead).
        Binding("b", "leads_only('b', 'The team board')", "Team (leads)", show=False,
                id="queue.board_leads_only"),
        Binding("R", "leads_only('R', 'Reassigning cases')", "Reassign (leads)",
                key_display="R", show=False, id="queue.reassign_leads_only"),
        Binding("a", "leads_only('a', 'The audit trail')", "Audit trail (leads)", show=False,
                id="queue.audit_leads_only"),
        Binding("r", "reports", "Reports", id="queue.reports",
                tooltip="The month's scorecard, trends and the loans behind each figure"),
        Binding("ctrl+r", "reload", "Refresh", show=False, id="queue.refresh"),
        Binding("escape", "escape", "Clear / back", show=False, id="queue.escape"),
        *[Binding(str(n), f"view('{n}')", f"View {n}", show=False, id=f"queue.view_{n}")
          for n in (*range(1, 10), 0)],
    ]

    @dataclass
    class ContextLoaded(Message):
        context: UserContext

    @dataclass
    class PageLoaded(Message):
        generation: int
        page: int
        rows: list[QueueRow]
        at_least: int  # rows known to exist, before the count arrives

    @dataclass
    class PagesDropped(Message):
        generation: int
        first: int
        last: int

    @dataclass
    class Counted(Message):
        generation: int
        count: int
        view_count: int | None

    def __init__(self, view: str, filters: Filters | None = None, *,
                 back: bool = False, context: UserContext | None = None,
                 case_ids: tuple[int, ...] = (), label: str = "") -> None:
        """`back`: opened from another screen (the team board); Escape returns to it.
        `context`: the user's context, already read by the CLI (saves a round trip).
        `case_ids`: only these loans (a report figure's, named by `label`)."""
        super().__init__()
        self.case_ids, self.label = case_ids, label
        self.initial_view = view
        self.preloaded = context
        self.back = back
        self.views: list[ViewSpec] = []
        self.view: ViewSpec | None = None
        self.user_id = 0
        self.role = "specialist"
        self.team_ids: tuple[int, ...] = ()
        self.users: dict[str, int] = {}
        self.search = ""
        self.filters = filters or Filters()
        self.sort = Sort.ACT_NEXT
        self.descending = False
        self.count: int | None = None
        self.view_count: int | None = None
        self.follow_case: int | None = None
        self._pages_in_flight: tuple[int, int] | None = None
        self._urgency_checked = False

    # --- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="queue-title")
        with Horizontal(id="queue-bars"):
            yield Input(placeholder="Search: loan number, borrower name or phone",
                        id="search", classes="bar")
            yield Input(placeholder=f"Filter: {FILTER_HELP}", id="filter", classes="bar")
        yield QueueTable(id="queue-table")
        yield Static(id="queue-empty")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#queue-title", Static).update(Content("Loading…"))
        if self.filters.describe():
            bar = self.query_one("#filter", Input)
            bar.value = display_text(self.filters.describe())
            bar.add_class("-open")
        self.query_one(QueueTable).focus()
        if self.preloaded is not None:
            self.post_message(self.ContextLoaded(self.preloaded))
        else:
            self.load_context()

    # --- loading -------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="queue-context", exit_on_error=False,
          description="reading who you are and your views")
    def load_context(self) -> None:
        with self.ws.read() as conn:
            me = user_row(conn, self.ws.username)
            self.post_message(self.ContextLoaded(user_context(conn, me.user_id, me.role,
                                                              me.team)))

    @on(ContextLoaded)
    async def _context_loaded(self, message: ContextLoaded) -> None:
        context = message.context
        self.user_id, self.role = context.user_id, context.role
        self.refresh_bindings()  # the lead keys show once the role is known
        self.team_ids, self.users = context.team_ids, context.users
        self.follow_store(context.change)
        self.views = visible_views(self.ws.settings, self.role)
        start = next((v for v in self.views if self.initial_view in (v.name, v.key)),
                     self.views[0] if self.views else None)
        # Mounted with the starting view already active, so no other tab activates first.
        await self.mount(Tabs(*[Tab(self._tab_label(v), id=f"view-{v.name}")
                                for v in self.views],
                              active=f"view-{start.name}" if start else None, id="views"),
                         before="#queue-title")
        if start is not None:
            self.switch_view(start)
        self.query_one(QueueTable).focus()

    def _tab_label(self, spec: ViewSpec) -> Content:
        """A view's tab: its key and title, the title shortened below 100 columns so that
        every view's key stays on the bar."""
        narrow = self.app.size.width < NARROW_BELOW
        return Content(f"{spec.key} {short_title(spec) if narrow else spec.title}")

    def on_resize(self) -> None:
        for spec in self.views:
            for tab in self.query(f"#view-{spec.name}").results(Tab):
                tab.label = self._tab_label(spec)

    @property
    def queue_filter(self) -> QueueFilter:
        assert self.view is not None
        base = view_filter(self.view, self.user_id, self.team_ids, self.today, self.role)
        narrowed = with_filters(
            base, search=self.search, stages=self.filters.stages,
            investors=self.filters.investors, states=self.filters.states,
            buckets=self.filters.buckets, today=self.today)
        if self.filters.assignee:
            narrowed = replace(narrowed,
                               assignees=(self.users.get(self.filters.assignee, -1),))
        if self.case_ids:
            narrowed = replace(narrowed, case_ids=self.case_ids)
        return narrowed

    def switch_view(self, spec: ViewSpec) -> None:
        before = self.view
        self.view = spec
        self.view_count = None
        # A view may come with its own order (the Regulatory view: most urgent first, so a
        # sale counsel must postpone leads it); leaving it returns to the usual order.
        if spec.sort is not None:
            self.sort, self.descending = Sort(spec.sort), False
        elif before is not None and before.sort is not None:
            self.sort, self.descending = Sort.ACT_NEXT, False
        tabs = self.query_one(Tabs)
        if tabs.active != f"view-{spec.name}":
            tabs.active = f"view-{spec.name}"
        self.reload()

    def reload(self, keep_position: bool = False) -> None:
        """Read the queue again: from the top, or keeping the cursor's case in view."""
        if self.view is None:
            return
        table = self.query_one(QueueTable)
        current = table.current
        self.follow_case = current.case_id if (keep_position and current) else None
        cursor = table.cursor_row if keep_position else 0
        generation = table.reset(table.total if keep_position else 0, self.today,
                                 self.view.assignee in ("team", "any"),
                                 keep_pages=keep_position, cursor=cursor)
        if not keep_position:
            self.count = None
            self._show_title()
        self.load_first(generation, self.queue_filter, cursor // PAGE_SIZE,
                        self.view_count is None and self._narrowed)

    def _exact(self, count: int | None) -> int | None:
        """The count if it is the real total (a search's count stops at the cap)."""
        if count is None or (self.search and count > SEARCH_COUNT_CAP):
            return None
        return count

    @property
    def _narrowed(self) -> bool:
        return bool(self.search or self.filters.describe())

    @work(thread=True, exclusive=True, group="queue-load", exit_on_error=False,
          description="reading the queue")
    def load_first(self, generation: int, f: QueueFilter, page: int,
                   count_view: bool) -> None:
        """The page around the cursor first (so it paints at once), then the counts. A search
        first counts its matches only up to DENSE_MATCHES: enough to choose how to read."""
        with self.ws.read() as session:
            known = (queue_count(session, f, cap=DENSE_MATCHES) if f.search
                     else self.count)
            rows = queue_window(session, f, page * PAGE_SIZE, PAGE_SIZE, self.sort,
                                self.descending, total=None if f.search else self._exact(known),
                                at_least=known)
            self.post_message(self.PageLoaded(generation, page, rows,
                                              page * PAGE_SIZE + len(rows)))
            count = queue_count(session, f, cap=SEARCH_COUNT_CAP if f.search else None)
            view_count = None
            if count_view and self.view is not None:
                view_count = queue_count(session, view_filter(
                    self.view, self.user_id, self.team_ids, self.today, self.role))
        self.post_message(self.Counted(generation, count, view_count))

    @work(thread=True, exclusive=True, group="queue-pages", exit_on_error=False,
          description="reading more of the queue")
    def load_pages(self, generation: int, f: QueueFilter, first: int, last: int) -> None:
        """Pages first..last in one read; dropped unread if a newer read replaced it."""
        worker = get_current_worker()
        with self.ws.read() as session:
            rows = queue_window(session, f, first * PAGE_SIZE, (last - first + 1) * PAGE_SIZE,
                                self.sort, self.descending, total=self._exact(self.count),
                                at_least=self.count)
        if worker.is_cancelled:
            self.post_message(self.PagesDropped(generation, first, last))
            return
        for page in range(first, last + 1):
            chunk = rows[(page - first) * PAGE_SIZE:(page - first + 1) * PAGE_SIZE]
            self.post_message(self.PageLoaded(generation, page, chunk,
                                              page * PAGE_SIZE + len(chunk)))

    @on(QueueTable.PagesWanted)
    def _pages_wanted(self, message: QueueTable.PagesWanted) -> None:
        if self.view is not None:
            if self._pages_in_flight is not None:
                self.query_one(QueueTable).forget_wanted(*self._pages_in_flight)
            self._pages_in_flight = (message.first, message.last)
            self.load_pages(message.generation, self.queue_filter, message.first,
                            message.last)

    @on(PagesDropped)
    def _pages_dropped(self, message: PagesDropped) -> None:
        table = self.query_one(QueueTable)
        if message.generation == table.generation:
            table.forget_wanted(message.first, message.last)
            table.refresh()

    @on(PageLoaded)
    def _page_loaded(self, message: PageLoaded) -> None:
        table = self.query_one(QueueTable)
        if message.generation != table.generation:
            return
        if self.count is None and message.at_least > table.total:
            table.set_total(message.at_least)
        table.put_page(message.generation, message.page, message.rows)
        if self.follow_case is not None:
            found = table.find(self.follow_case)
            if found is not None:
                table.move_to(found)
                self.follow_case = None

    @on(Counted)
    def _counted(self, message: Counted) -> None:
        table = self.query_one(QueueTable)
        if message.generation != table.generation:
            return
        self.count = message.count
        if message.view_count is not None:
            self.view_count = message.view_count
        elif not self._narrowed:
            self.view_count = message.count
        table.set_total(min(message.count, SEARCH_COUNT_CAP) if self.search
                        else message.count)
        if not self._urgency_checked:
            # After the first screenful is painted: bring stored urgency up to today. (The
            # pass imports the write services and the ORM, a third of a second of CPU that
            # would otherwise compete with the first paint.)
            self._urgency_checked = True
            self.call_after_refresh(self.refresh_urgency)
        self.set_class(message.count == 0, "-empty")
        if message.count == 0:
            self.query_one("#queue-empty", Static).update(Content(self._empty_text()))
        elif self.focused is None or isinstance(self.focused, Tabs):
            # An empty view left the keyboard on the tabs; rows are back, so is the cursor.
            table.focus()
        self._show_title()

    def _empty_text(self) -> str:
        if self.search:
            return (f"No case in {self.view.title if self.view else 'this view'} matches "
                    f"“{self.search}”. Press Escape in the search bar to clear it.")
        if self.filters.describe():
            return "No case matches these filters. Press f and clear the filter bar."
        text = (self.view.empty if self.view and self.view.empty
                else "No open cases in this view.")
        wider = [f"{v.key} ({v.title})" for v in self.views if v.leads_only]
        if (self.view is not None and self.view.assignee == "me"
                and self.role != "specialist" and wider):
            # A lead usually owns no cases: the views that show theirs are the answer.
            text += f" Your team's and everyone's cases: press {' or '.join(wider)}."
        return text

    def _show_title(self) -> None:
        if self.view is None:
            return
        parts = [self.view.title]
        if self.label:
            parts.append(f"loans behind {self.label}")
        if self.search:
            parts.append(f"“{self.search}”")
        if self.filters.describe():
            parts.append(self.filters.describe())
        if self.sort is not Sort.ACT_NEXT or self.descending:
            parts.append(f"sorted by {SORT_LABELS[self.sort].lower()}"
                         + (" (reversed)" if self.descending else ""))
        shown = (f"{SEARCH_COUNT_CAP:,}+" if self.count is not None
                 and self.count > SEARCH_COUNT_CAP else f"{self.count or 0:,}")
        if self.count is None:
            parts.append("counting…")
        elif self._narrowed and self.view_count is not None:
            parts.append(f"{shown} of {self.view_count:,}")
        else:
            parts.append(f"{self.count:,} open")
        marked = len(self.query_one(QueueTable).marked)
        if marked:
            parts.append(f"{marked} marked")
        # An assignee filter (opened from the team board) names a stored user.
        self.query_one("#queue-title", Static).update(Content(display_text(" · ".join(parts))))

    # --- live data -----------------------------------------------------------------------

    def store_change(self, change: int) -> None:
        """Someone wrote: read the visible rows again, the cursor staying on its case."""
        self.reload(keep_position=True)

    def worker_failed(self, worker: Worker[object], error: BaseException) -> None:
        """A read failed: say so where the count would be, and stop waiting for rows."""
        if worker.group in ("queue-load", "queue-context"):
            self.count = 0 if self.count is None else self.count
            self.query_one("#queue-title", Static).update(Content(
                "Could not read the queue (see the message); press ctrl+r to try again"))
        elif worker.group == "queue-pages" and self._pages_in_flight is not None:
            self.query_one(QueueTable).forget_wanted(*self._pages_in_flight)
            self._pages_in_flight = None

    @work(thread=True, exclusive=True, group="queue-urgency", exit_on_error=False,
          description="bringing urgency, promises and deadlines up to today")
    def refresh_urgency(self) -> None:
        """The daily pass for this user: this view's cases' urgency first, then everyone's,
        tasks for missed promises, and the user's own regulatory clocks. The store-change
        watcher notices the writes and the queue re-reads in place."""
        # The write services (and the ORM they use) load here, after the first page is up.
        from lossmit_tui.services.daily import run_daily_pass

        first = self.queue_filter if self.view is not None else None
        run_daily_pass(self.ws, first=first if first != QueueFilter() else None,
                       assignees=(self.user_id,))

    # --- actions -------------------------------------------------------------------------

    @on(Tabs.TabActivated)
    def _tab(self, event: Tabs.TabActivated) -> None:
        name = (event.tab.id or "").removeprefix("view-")
        spec = next((v for v in self.views if v.name == name), None)
        if spec is not None and spec is not self.view:
            self.switch_view(spec)
            self.query_one(QueueTable).focus()

    def action_view(self, key: str) -> None:
        """Switch to the view on this number key."""
        spec = next((v for v in self.views if v.key == key), None)
        if spec is None:
            self.notify(f"No view on key {key} for your role.", severity="warning", markup=False)
            return
        self.switch_view(spec)

    def action_search(self) -> None:
        """Search by loan number, borrower name or phone, as you type."""
        bar = self.query_one("#search", Input)
        bar.add_class("-open")
        bar.focus()

    def action_filter(self) -> None:
        """Filter by stage, investor, bucket, state or assignee."""
        bar = self.query_one("#filter", Input)
        bar.add_class("-open")
        bar.focus()

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        self.search = event.value.strip()
        self.reload()

    @on(Input.Submitted, "#search")
    def _search_done(self) -> None:
        self.query_one(QueueTable).focus()

    @on(Input.Submitted, "#filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        try:
            parsed = parse_filters(event.value)
        except ValueError as exc:
            self.notify(str(exc), title="Filter not applied", severity="error",
                        timeout=8, markup=False)
            return
        if parsed.assignee and parsed.assignee not in self.users:
            self.notify(f"No user {parsed.assignee!r}.", title="Filter not applied",
                        severity="error", markup=False)
            return
        self.filters = parsed
        withdraw_notices(self.app, "Filter not applied")  # the earlier mistake is fixed
        if not event.value.strip():
            event.input.remove_class("-open")
        self.query_one(QueueTable).focus()
        self.reload()

    def action_escape(self) -> None:
        """Escape clears the search or filter being edited; from the table, both (or goes
        back, when this queue was opened from another screen)."""
        focused = self.focused
        if self.back:
            self.app.pop_screen()
            return
        bars = [focused] if isinstance(focused, Input) else list(self.query(Input))
        cleared = bool(self.search or self.filters.describe()) and not isinstance(focused,
                                                                                 Input)
        for bar in bars:
            bar.value = ""
            bar.remove_class("-open")
            if bar.id == "filter" and self.filters.describe():
                self.filters = Filters()
                cleared = True
        if cleared:
            self.search = ""
            self.reload()
        self.query_one(QueueTable).focus()

    def action_sort(self) -> None:
        """Choose the order; the same choice again reverses it."""
        def chosen(sort: Sort | None) -> None:
            if sort is None:
                return
            if sort in UNINDEXED_SORTS and (self.count or 0) > UNINDEXED_SORT_LIMIT:
                self.notify(
                    f"Sorting {self.count:,} cases by {SORT_LABELS[sort].lower()} is offered "
                    f"up to {UNINDEXED_SORT_LIMIT:,}: filter first (f), e.g. by assignee or "
                    "state.", title="Not sorted", severity="warning", timeout=8, markup=False)
                return
            self.descending = (not self.descending) if sort is self.sort else False
            self.sort = sort
            self.reload()

        self.app.push_screen(SortPicker(self.sort, self.descending), chosen)

    def action_breakdown(self) -> None:
        """Show the urgency breakdown of the highlighted case."""
        row = self.query_one(QueueTable).current
        if row is not None:
            self.app.push_screen(Breakdown(row, self.today, dict(self.ws.weights),
                                           self.sort, self.descending))

    def action_tracker(self) -> None:
        """Open the due-date tracker."""
        self.host.open_tracker()

    LEAD_ACTIONS = ("board", "reassign", "audit")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Team-lead actions are not offered to specialists (the services refuse them too)."""
        if action in self.LEAD_ACTIONS:
            return self.role != "specialist"
        if action == "leads_only":
            return self.role == "specialist"
        return True

    def action_leads_only(self, key: str, what: str) -> None:
        """A specialist pressed a lead key: say what it is and who may use it."""
        self.notify(f"{what} ({key}) is for leads and admins. Ask your team lead if a case "
                    "needs it.", title="Leads only", severity="warning", markup=False)

    def action_board(self) -> None:
        """The team board (leads)."""
        self.host.open_board()

    def action_audit(self) -> None:
        """The audit trail (leads)."""
        self.host.open_audit()

    def action_reports(self) -> None:
        """The reports: the month's scorecard, its trends, the loans behind a figure."""
        self.host.open_reports()

    def action_reassign(self) -> None:
        """Move the marked cases, or the highlighted one, to other people (leads)."""
        table = self.query_one(QueueTable)
        ids = tuple(sorted(table.marked))
        subject = f"{len(ids)} marked case(s)"
        if not ids:
            if table.current is None:
                return
            ids = (table.current.case_id,)
            subject = f"{table.current.loan_number} {table.current.borrower_name}"

        def moved(done: bool | None) -> None:
            if done:
                table.marked.clear()
                self._show_title()
                self.reload(keep_position=True)

        self.host.open_reassign(case_ids=ids, subject=subject, done=moved)

    def action_log_call(self) -> None:
        """Log a call on the highlighted case."""
        row = self.query_one(QueueTable).current
        if row is not None:
            self.host.open_call_editor(row.case_id)

    def action_add_task(self) -> None:
        """Add a follow-up task to the highlighted case."""
        row = self.query_one(QueueTable).current
        if row is not None:
            self.host.open_task_editor(row.case_id, row.loan_number, row.borrower_name)

    def action_reload(self) -> None:
        """Read the queue again (and who you are, if that read had failed)."""
        if self.view is None:
            self.load_context()
        else:
            self.reload(keep_position=True)

    @on(QueueTable.Selected)
    def _open(self, message: QueueTable.Selected) -> None:
        self.host.open_case(message.row.case_id)

    @on(QueueTable.MarksChanged)
    def _marks_changed(self) -> None:
        self._show_title()

    def commands(self) -> list[SystemCommand]:
        """Every queue action, for the command palette."""
        found = [SystemCommand(f"View {v.key}: {v.title}", f"Switch the queue to {v.title}",
                               lambda v=v: self.switch_view(v)) for v in self.views]
        return [
            *found,
            SystemCommand("Search the queue", "By loan number, borrower name or phone",
                          self.action_search),
            SystemCommand("Filter the queue", FILTER_HELP, self.action_filter),
            SystemCommand("Sort the queue", "Choose the order (again to reverse)",
                          self.action_sort),
            SystemCommand("Why is this case here?", "Its place in the order, then its urgency",
                          self.action_breakdown),
            SystemCommand("Open the case", "Everything about the highlighted loan",
                          self.query_one(QueueTable).action_select),
            SystemCommand("Log a call", "On the highlighted case", self.action_log_call),
            SystemCommand("Add a follow-up task", "To the highlighted case",
                          self.action_add_task),
            SystemCommand("Mark the row", "For a bulk action",
                          self.query_one(QueueTable).action_mark),
            SystemCommand("Due dates", "Every task and regulatory deadline by due date",
                          self.action_tracker),
            SystemCommand("Refresh the queue", "Read it again now (ctrl+r)",
                          self.action_reload),
            SystemCommand("Reports", "The month's scorecard, its trends and the loans behind "
                          "each figure (r)", self.action_reports),
            *([SystemCommand("Team board", "Workload per specialist; reassign, undo",
                             self.action_board),
               SystemCommand("Reassign cases", "The marked cases, or the highlighted one",
                             self.action_reassign),
               SystemCommand("Audit trail", "Who did what, when", self.action_audit)]
              if self.role != "specialist" else []),
        ]
