"""Taking a financial snapshot: monthly income by source (gross and net) and expenses by
line, with the derived figures shown as you type (housing expense-to-income, total
debt-to-income, surplus or deficit, arrears and the months to cure them).

Money fields take `1234.56`, `1,234.56` or `$1,234.56`; letters and negatives are named
in the error line and nothing typed is cleared. Each save is a new snapshot; the earlier
ones stay in the Financials tab.
"""

from datetime import date
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Input, Label, Static

from db.queries import case_detail
from lossmit_tui.domain.values import display_money, format_money, parse_date, plural
from lossmit_tui.domain.workout import EXPENSE_LINES, INCOME_SOURCES, derived, summarise
from lossmit_tui.services.financials import field_label, parse_snapshot, save_financials
from screens.forms import ServiceForm, Write, _input


class FinancialsForm(ServiceForm):
    TITLE_TEXT = "Financial snapshot"
    DONE_TEXT = "Financial snapshot saved."

    def __init__(self, case_id: int, subject: str, arrears_cents: int) -> None:
        super().__init__(subject)
        self.case_id = case_id
        self.arrears_cents = arrears_cents

    def fields(self) -> ComposeResult:
        with Horizontal(classes="fin-row"):
            yield Label("Date taken", classes="fin-label")
            yield _input(self.today.isoformat(), id="fin-taken_on", classes="fin-money")
        with VerticalScroll(id="fin-lines"):
            yield Static(Content.assemble(("Monthly income", "bold"), "  gross · net"),
                         classes="fin-head")
            for source in INCOME_SOURCES:
                with Horizontal(classes="fin-row"):
                    yield Label(field_label(source), classes="fin-label")
                    yield _input(id=f"income--{source}--gross", placeholder="0.00",
                                 classes="fin-money")
                    yield _input(id=f"income--{source}--net", placeholder="0.00",
                                 classes="fin-money")
            yield Static(Content.assemble(("Monthly expenses", "bold")), classes="fin-head",
                         id="fin-expenses-head")
            for line in EXPENSE_LINES:
                with Horizontal(classes="fin-row"):
                    yield Label(field_label(line), classes="fin-label")
                    yield _input(id=f"expense--{line}", placeholder="0.00", classes="fin-money")
            with Horizontal(classes="fin-row"):
                yield Label("liquid assets", classes="fin-label")
                yield _input(id="liquid_assets", placeholder="0.00", classes="fin-money")
        yield Static(id="fin-derived")

    def on_mount(self) -> None:
        self.query_one("#income--wages--gross", Input).focus()
        self._show_derived()
        self.read_loan()

    @work(thread=True, exclusive=True, group="fin-loan", exit_on_error=False,
          description="reading the loan's payment")
    def read_loan(self) -> None:
        with self.ws.read() as conn:
            case = case_detail(conn, self.case_id)
        if case is not None and (case.pi_cents or case.escrow_cents):
            self.app.call_from_thread(self._prefill, case.pi_cents or 0,
                                      case.escrow_cents or 0)

    def _prefill(self, pi_cents: int, escrow_cents: int) -> None:
        """The first mortgage's payment is the loan's own P&I and escrow: filled in (unless
        something was typed there already) and said where it came from."""
        field = self.query_one("#expense--first_mortgage_piti", Input)
        if not field.value.strip():
            field.value = format_money(pi_cents + escrow_cents)
        self.query_one("#fin-expenses-head", Static).update(Content.assemble(
            ("Monthly expenses", "bold"),
            f"  1st mortgage: P&I {display_money(pi_cents)} + escrow "
            f"{display_money(escrow_cents)}"))

    def _raw(self) -> dict[str, str]:
        return {i.id.replace("--", "."): i.value for i in self.query(Input)
                if i.id and i.id != "fin-taken_on"}

    def _taken_on(self) -> date | str:
        text = self.query_one("#fin-taken_on", Input).value
        try:
            return parse_date(text)
        except ValueError as exc:
            return f"date taken: {exc}"

    @on(Input.Changed)
    def _changed(self) -> None:
        self._show_derived()

    def _show_derived(self) -> None:
        taken = self._taken_on()
        snapshot, problems = parse_snapshot(self._raw(), taken if isinstance(taken, date)
                                            else self.today, self.today)
        for field in self.query(".fin-money"):
            field.set_class((field.id or "").replace("--", ".") in problems, "-invalid")
        box = self.query_one("#fin-derived", Static)
        if snapshot is None:
            shown = [p for k, p in problems.items() if not k.startswith("income.wages.gross")
                     or "at least one income" not in p]
            box.update(Content("; ".join(shown) if shown else
                               "Enter the incomes and expenses to see the ratios."))
            box.set_class(bool(shown), "-error")
            return
        totals = summarise(snapshot.incomes, snapshot.expenses)
        figures = derived(totals, self.arrears_cents)

        def pct(value: Any) -> str:
            return "—" if value is None else f"{value}%"

        surplus = figures.surplus_cents
        box.set_class(False, "-error")
        box.update(Content.assemble(
            "HTI ", (pct(figures.hti_pct), "bold"), " · DTI ", (pct(figures.dti_pct), "bold"),
            " · ", ("surplus " if surplus >= 0 else "deficit ", ""),
            (display_money(abs(surplus)), "bold" if surplus >= 0 else "bold $error"),
            f" · arrears {display_money(figures.arrears_cents)} · ",
            "cure in " + (plural(figures.months_to_cure, "month") if figures.months_to_cure
                          is not None else "— (no surplus)")))

    def collect(self) -> Write | list[str]:
        taken = self._taken_on()
        if isinstance(taken, str):
            return [taken]
        snapshot, problems = parse_snapshot(self._raw(), taken, self.today)
        if snapshot is None:
            return list(problems.values())
        return lambda ws: save_financials(ws, self.case_id, snapshot)
