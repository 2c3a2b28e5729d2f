"""The reports screen: the month's scorecard (services/reports.py, README "Reports for
management"), each figure with the prior month's and the change, the highlighted figure's
13-month trend as a chart, and Enter to open the loans behind a figure as a queue view.
The month and the prior one are read first and shown; the trend's earlier months follow.

A lead or an admin sees the whole book (portfolio); a specialist their own loans.
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
from lossmit_tui.services.errors import ServiceError
from lossmit_tui.services.reports import By, Figure, figure_loans, run_report
from lossmit_tui.widgets.footer import KeyFooter
from screens.base import LossMitScreen

TREND_MONTHS = 13


def shown(value: float | None, unit: str) -> str:
    """A figure as the scorecard prints it: a rate as a percentage, days and counts whole."""
    if value is None:
        return "–"
    if unit == "rate":
        return f"{value:.1%}"
    if unit in ("days", "count"):
        return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"
    return f"{value:.2f}"


def change(now: float | None, before: float | None, unit: str) -> Text:
    """The change from the prior month: points for a rate, plain for the rest."""
    if now is None or before is None:
        return Text("–")
    delta = now - before
    text = f"{delta * 100:+.1f} pts" if unit == "rate" else f"{delta:+.1f}"
    return Text(text, style="dim" if abs(delta) < 1e-9 else "")


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
    ]

    @dataclass
    class Loaded(Message):
        month: date
        scope: str
        figures: list[Figure]
        error: str = ""

    def __init__(self, month: date | None = None) -> None:
        super().__init__()
        self.month = month
        self.scope = ""
        self.by = By.PORTFOLIO
        self.figures: list[Figure] = []
        self.metrics: list[str] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Content("Loading…"), id="reports-title")
        yield ScoreTable(id="reports-table", cursor_type="row", zebra_stripes=True)
        yield PlotextPlot(id="reports-trend")
        yield KeyFooter()

    def on_mount(self) -> None:
        if self.month is None:
            self.month = prior_month(self.today)
        table = self.query_one(ScoreTable)
        table.add_column("Figure", key="metric", width=40)
        for key, label in (("now", "This month"), ("before", "Prior"), ("change", "Change")):
            table.add_column(label, key=key, width=10)
        table.focus()
        self.load()

    @work(thread=True, exclusive=True, group="reports-load", exit_on_error=False,
          description="reading the reports")
    def load(self) -> None:
        month = self.month
        assert month is not None
        with self.ws.read() as conn:
            me = user_row(conn, self.ws.username)
        leads = me.role in ("lead", "admin")
        by = By.PORTFOLIO if leads else By.USER
        scope = "the whole book" if leads else "your own loans"
        months = [add_months(month, -k) for k in range(TREND_MONTHS - 1, -1, -1)]
        try:
            # this month and the prior first (the table), then the trend's earlier months
            first = run_report(self.ws, "scorecard", months[-2:], by)
            self.post_message(self.Loaded(month, scope, first))
            earlier = run_report(self.ws, "scorecard", months[:-2], by)
        except ServiceError as exc:
            self.post_message(self.Loaded(month, scope, [], str(exc)))
            return
        self.post_message(self.Loaded(month, scope, earlier + first))

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
        if message.month != self.month:
            return  # a month since left
        self.scope, self.figures = message.scope, message.figures
        self.metrics = list(dict.fromkeys(f.metric for f in self.figures))
        title.update(Content(f"Scorecard · {message.month:%B %Y} · {self.scope} · Enter opens "
                             "a figure's loans"))
        self._show()

    def _value(self, metric: str, month: date) -> Figure | None:
        return next((f for f in self.figures if f.metric == metric and f.month == month),
                    None)

    def _show(self) -> None:
        table = self.query_one(ScoreTable)
        row = table.cursor_row
        table.clear()
        assert self.month is not None
        before_month = prior_month(self.month)
        for metric in self.metrics:
            now, before = self._value(metric, self.month), self._value(metric, before_month)
            unit = now.unit if now else "count"
            table.add_row(Text(metric), Text(shown(now.value if now else None, unit),
                                              justify="right"),
                          Text(shown(before.value if before else None, unit),
                               justify="right"),
                          change(now.value if now else None,
                                 before.value if before else None, unit), key=metric)
        if self.metrics:
            table.move_cursor(row=min(row, len(self.metrics) - 1))
        self._plot()

    def _current(self) -> str | None:
        table = self.query_one(ScoreTable)
        if not self.metrics or table.cursor_row >= len(self.metrics):
            return None
        return self.metrics[table.cursor_row]

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self._plot()

    def _plot(self) -> None:
        """The highlighted figure over the 13 months ending with this one."""
        chart = self.query_one(PlotextPlot)
        plt = chart.plt
        plt.clear_data()
        plt.clear_figure()
        metric = self._current()
        if metric is None or self.month is None:
            chart.refresh()
            return
        months = [add_months(self.month, -k) for k in range(TREND_MONTHS - 1, -1, -1)]
        points = [(n, f.value) for n, m in enumerate(months)
                  if (f := self._value(metric, m)) is not None and f.value is not None]
        unit = next((f.unit for f in self.figures if f.metric == metric), "count")
        scale = 100 if unit == "rate" else 1
        if points:
            plt.plot([n for n, _ in points], [v * scale for _, v in points], marker="braille")
        plt.xticks(list(range(0, TREND_MONTHS, 3)),
                   [f"{months[n]:%b %y}" for n in range(0, TREND_MONTHS, 3)])
        plt.title(f"{metric}{' (%)' if unit == 'rate' else ''}, {TREND_MONTHS} months")
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

    def action_drill(self) -> None:
        """The loans behind the highlighted figure this month, as a queue view: the
        figure's own query run again for its loans."""
        metric = self._current()
        found = self._value(metric, self.month) if metric and self.month else None
        loans = figure_loans(found) if found is not None else ()
        if not loans:
            self.notify("No loans behind this figure this month.", markup=False)
            return
        assert self.month is not None
        self.host.open_loans(loans, f"{metric} · {self.month:%b %Y}")
