"""The reports screen: the month's scorecard (services/reports.py, README "Reports for
management"), each figure with the prior month's and the change, the highlighted figure's
13-month trend as a chart, and Enter to open the loans behind a figure as a queue view.
The month and the prior one are read first and shown; the trend's earlier months follow.
`c` switches to the complaints report (complaints received, on time per duty, errors found,
remediation, top root causes) and back, with the same months, grouping and drill-down.

A lead or an admin sees the whole book, as one portfolio or by team, specialist or investor
(`g` cycles the grouping; each figure then has a row per group); a specialist sees their own
loans only, and `g` says why it offers nothing wider.
"""

from dataclasses import dataclass
from datetime import date

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Header, Static
from textual.worker import Worker
from textual_plotext import PlotextPlot

from db.queries import user_row
from lossmit_tui.domain.metrics import add_months, prior_month
from lossmit_tui.domain.values import display_money
from lossmit_tui.services.errors import ServiceError
from lossmit_tui.services.reports import By, Figure, figure_loans, run_report
from lossmit_tui.widgets.footer import KeyFooter
from screens.base import LossMitScreen

TREND_MONTHS = 13
# The groupings `g` cycles through, in order, and how the title names each.
GROUPINGS = (By.PORTFOLIO, By.TEAM, By.USER, By.INVESTOR)
GROUPING_NAMES = {By.PORTFOLIO: "the whole book", By.TEAM: "by team",
                  By.USER: "by specialist", By.INVESTOR: "by investor"}
# The reports the screen shows (`c` switches), and how the title names each.
REPORT_TITLES = {"scorecard": "Scorecard", "complaints": "Complaints"}


def shown(value: float | None, unit: str) -> str:
    """A figure as the scorecard prints it: a rate as a percentage, days and counts whole,
    money (cents) in dollars and cents."""
    if value is None:
        return "–"
    if unit == "cents":
        return display_money(round(value))
    if unit == "rate":
        return f"{value:.1%}"
    if unit in ("days", "count"):
        return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"
    return f"{value:.2f}"


def change(now: float | None, before: float | None, unit: str) -> Text:
    """The change from the prior month: points for a rate, dollars for money, plain for the
    rest."""
    if now is None or before is None:
        return Text("–")
    delta = now - before
    if unit == "cents":
        text = ("-" if delta < 0 else "+") + display_money(abs(round(delta)))
    else:
        text = f"{delta * 100:+.1f} pts" if unit == "rate" else f"{delta:+.1f}"
    return Text(text, style="dim" if abs(delta) < 1e-9 else "")


def _kind(metric: str) -> str:
    """What a figure counts, before its detail ("root cause: escrow": "root cause")."""
    return metric.split(": ", 1)[0]


def metric_order(figures: list[Figure], month: date) -> list[str]:
    """The figures' metrics in the report's order, the shown month's first, and a metric of
    other months only (a root cause that was among the top ones before) beside its kind."""
    ordered = list(dict.fromkeys(f.metric for f in sorted(figures,
                                                          key=lambda f: f.month != month)))
    kinds = list(dict.fromkeys(_kind(x) for x in ordered))
    return sorted(ordered, key=lambda x: kinds.index(_kind(x)))


class ScoreTable(DataTable[Text]):
    BINDING_GROUP_TITLE = "Figure"
    BINDINGS = [
        Binding("enter", "screen.drill", "Its loans", id="reports.drill",
                tooltip="Open the loans behind the highlighted figure as a queue view"),
    ]


class ReportsScreen(LossMitScreen[None]):
    """The month's scorecard, its change and trend, and the loans behind each figure."""

    BINDING_GROUP_TITLE = "Reports"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="reports.back"),
        Binding("left_square_bracket", "month(-1)", "Prior month", key_display="[",
                id="reports.prior", tooltip="The month before"),
        Binding("right_square_bracket", "month(1)", "Next month", key_display="]",
                id="reports.next", tooltip="The month after"),
        Binding("g", "grouping", "Group by", id="reports.grouping",
                tooltip="Leads and admins: the whole book, then by team, by specialist, by "
                        "investor (a specialist sees their own loans only)"),
        Binding("c", "switch_report", "Complaints", id="reports.complaints",
                tooltip="The complaints report (received, on time per duty, errors found, "
                        "remediation, top root causes); again: the scorecard"),
    ]

    @dataclass
    class Loaded(Message):
        month: date
        by: By
        scope: str
        figures: list[Figure]
        error: str = ""
        report: str = "scorecard"

    def __init__(self, month: date | None = None, report: str = "scorecard") -> None:
        super().__init__()
        self.month = month
        self.report = report
        self.scope = ""
        self.by = By.PORTFOLIO
        self.figures: list[Figure] = []
        # the table's rows: (metric, group), a figure's every group together
        self.rows: list[tuple[str, str]] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Content("Loading…"), id="reports-title")
        yield ScoreTable(id="reports-table", cursor_type="row", zebra_stripes=True)
        yield PlotextPlot(id="reports-trend")
        yield KeyFooter()

    def on_mount(self) -> None:
        if self.month is None:
            self.month = prior_month(self.today)
        if not self.ws.user.leads:
            self.by = By.USER  # their own loans, the only figures a specialist may read
        self._columns()
        self.query_one(ScoreTable).focus()
        self.load()

    def _columns(self) -> None:
        """The table's columns: a Group column when the figures are grouped."""
        table = self.query_one(ScoreTable)
        table.clear(columns=True)
        grouped = self.by != By.PORTFOLIO and self.ws.user.leads
        # 80 columns hold the grouped table: a long figure name is cut, the chart names it
        table.add_column("Figure", key="metric", width=28 if grouped else 40)
        if grouped:
            table.add_column("Group", key="group", width=10)
        for key, label in (("now", "This month"), ("before", "Prior"), ("change", "Change")):
            table.add_column(label, key=key, width=10)

    @work(thread=True, exclusive=True, group="reports-load", exit_on_error=False,
          description="reading the reports")
    def load(self) -> None:
        month, asked, report = self.month, self.by, self.report
        assert month is not None
        with self.ws.read() as conn:
            me = user_row(conn, self.ws.username)
        leads = me.role in ("lead", "admin")
        by = asked if leads else By.USER
        scope = GROUPING_NAMES[by] if leads else "your own loans"
        months = [add_months(month, -k) for k in range(TREND_MONTHS - 1, -1, -1)]
        try:
            # this month and the prior first (the table), then the trend's earlier months
            first = run_report(self.ws, report, months[-2:], by)
            self.post_message(self.Loaded(month, asked, scope, first, report=report))
            earlier = run_report(self.ws, report, months[:-2], by)
        except ServiceError as exc:
            self.post_message(self.Loaded(month, asked, scope, [], str(exc), report))
            return
        self.post_message(self.Loaded(month, asked, scope, earlier + first, report=report))

    def worker_failed(self, worker: Worker[object], error: BaseException) -> None:
        if worker.group == "reports-load":
            self.query_one("#reports-title", Static).update(Content(
                "Could not read the reports (see the message)"))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        title = self.query_one("#reports-title", Static)
        if message.error:
            title.update(Content(message.error))
            return
        if (message.month != self.month or message.by != self.by
                or message.report != self.report):
            return  # a month, a grouping or a report since left
        self.scope, self.figures = message.scope, message.figures
        metrics = metric_order(self.figures, message.month)
        groups = sorted({f.group for f in self.figures})
        # the rows: the figures of this month or the prior one (a root cause among the top
        # ones in an earlier month only is not listed)
        table_months = (message.month, prior_month(message.month))
        present = {(f.metric, f.group) for f in self.figures if f.month in table_months}
        self.rows = [(metric, group) for metric in metrics for group in groups
                     if (metric, group) in present]
        # short enough for 80 columns, where the footer has no room left for `g`
        switch = " · g: group by" if self.ws.user.leads else ""
        title.update(Content(f"{REPORT_TITLES[self.report]} · {message.month:%B %Y} · "
                             f"{self.scope} · Enter: its loans{switch}"))
        self._show()

    def _value(self, row: tuple[str, str], month: date) -> Figure | None:
        metric, group = row
        return next((f for f in self.figures
                     if f.metric == metric and f.group == group and f.month == month), None)

    @staticmethod
    def row_key(metric: str, group: str) -> str:
        """The table's key of a figure's row for a group (ungrouped: the metric alone)."""
        return f"{metric}\x1f{group}"

    def _show(self) -> None:
        table = self.query_one(ScoreTable)
        row = table.cursor_row
        table.clear()
        assert self.month is not None
        before_month = prior_month(self.month)
        grouped = len(table.columns) == 5
        for metric, group in self.rows:
            now = self._value((metric, group), self.month)
            before = self._value((metric, group), before_month)
            unit = now.unit if now else "count"
            # a group's name (a team, a username, an investor) is data: never markup
            label = [Text(metric), Text(group)] if grouped else [Text(metric)]
            table.add_row(*label, Text(shown(now.value if now else None, unit),
                                       justify="right"),
                          Text(shown(before.value if before else None, unit),
                               justify="right"),
                          change(now.value if now else None,
                                 before.value if before else None, unit),
                          key=self.row_key(metric, group) if grouped else metric)
        if self.rows:
            table.move_cursor(row=min(row, len(self.rows) - 1))
        self._plot()

    def _current(self) -> tuple[str, str] | None:
        table = self.query_one(ScoreTable)
        if not self.rows or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self._plot()

    def _plot(self) -> None:
        """The highlighted figure over the 13 months ending with this one."""
        chart = self.query_one(PlotextPlot)
        plt = chart.plt
        plt.clear_data()
        plt.clear_figure()
        current = self._current()
        if current is None or self.month is None:
            chart.refresh()
            return
        metric, group = current
        months = [add_months(self.month, -k) for k in range(TREND_MONTHS - 1, -1, -1)]
        points = [(n, f.value) for n, m in enumerate(months)
                  if (f := self._value(current, m)) is not None and f.value is not None]
        unit = next((f.unit for f in self.figures if f.metric == metric), "count")
        scale = {"rate": 100, "cents": 0.01}.get(unit, 1)
        if points:
            plt.plot([n for n, _ in points], [v * scale for _, v in points], marker="braille")
        plt.xticks(list(range(0, TREND_MONTHS, 3)),
                   [f"{months[n]:%b %y}" for n in range(0, TREND_MONTHS, 3)])
        of = f" · {group}" if len(self.query_one(ScoreTable).columns) == 5 else ""
        suffix = {"rate": " (%)", "cents": " ($)"}.get(unit, "")
        plt.title(f"{metric}{suffix}{of}, {TREND_MONTHS} months")
        chart.refresh()

    def action_month(self, step: int) -> None:
        """Show the month before or after (never one not yet ended)."""
        assert self.month is not None
        month = add_months(self.month, step)
        if month > prior_month(self.today):
            self.notify("The current month has not ended: its figures come next month.",
                        markup=False)
            return
        self.month = month
        self.query_one("#reports-title", Static).update(Content("Loading…"))
        self.load()

    def action_grouping(self) -> None:
        """The next grouping of the scorecard (leads and admins): the whole book, by team,
        by specialist, by investor, and round again. A specialist is told why not."""
        if not self.ws.user.leads:
            self.notify("You see the figures of your own loans only: grouping by team, "
                        "specialist or investor is for leads and admins.", markup=False)
            return
        self.by = GROUPINGS[(GROUPINGS.index(self.by) + 1) % len(GROUPINGS)]
        self._reload(f"Loading the {self.report} report {GROUPING_NAMES[self.by]}…"
                     if self.report != "scorecard"
                     else f"Loading the scorecard {GROUPING_NAMES[self.by]}…")

    def action_switch_report(self) -> None:
        """The complaints report instead of the scorecard, or back: the same month,
        grouping and scope."""
        self.report = "complaints" if self.report == "scorecard" else "scorecard"
        self._reload(f"Loading the {self.report} report…" if self.report != "scorecard"
                     else "Loading the scorecard…")

    def _reload(self, loading: str) -> None:
        """Empty the table (its columns for the grouping in force) and read again."""
        self.figures, self.rows = [], []
        self._columns()
        self.query_one("#reports-title", Static).update(Content(loading))
        self._plot()
        self.load()

    def action_drill(self) -> None:
        """The loans behind the highlighted figure this month, as a queue view: the
        figure's own query run again for its loans."""
        current = self._current()
        found = self._value(current, self.month) if current and self.month else None
        loans = figure_loans(found) if found is not None else ()
        if not loans or current is None:
            self.notify("No loans behind this figure this month.", markup=False)
            return
        assert self.month is not None
        metric, group = current
        of = f" · {group}" if self.by != By.PORTFOLIO and self.ws.user.leads else ""
        self.host.open_loans(loans, f"{metric}{of} · {self.month:%b %Y}")
