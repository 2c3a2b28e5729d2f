"""Go to a loan from anywhere (an inbound call): type a loan number, phone or name; one match
opens its case, several offer a picker. The whole book the user may read is searched (their
own cases and unassigned ones, a lead's team, every case for an admin)."""

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker

from db.queries import QueueRow
from lossmit_tui.domain.values import display_text
from screens.base import LossMitModal


def _label(row: QueueRow) -> Content:
    """One match: loan, borrower, owner, stage."""
    return Content.assemble(
        (display_text(row.loan_number), "bold"), "  ", Content(display_text(row.borrower_name)),
        ("  " + display_text(row.assignee or "unassigned"), "$text-muted"),
        ("  " + display_text(row.stage), "$text-muted"))


class JumpToLoan(LossMitModal[int | None]):
    """Ask for a loan number, phone or name; dismiss with the case to open (None: cancelled)."""

    BINDING_GROUP_TITLE = "Go to loan"
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="jump.cancel")]

    @dataclass
    class Found(Message):
        text: str
        rows: list[QueueRow]

    def compose(self) -> ComposeResult:
        with Vertical(id="jump-box"):
            yield Static(Content("Go to loan"), classes="modal-title")
            yield Input(placeholder="Loan number, phone or borrower name", id="jump-input")
            yield Static(id="jump-status")
            yield OptionList(id="jump-options")
            yield Static(Content("Enter finds (then opens) · ↑↓ choose · Esc cancels"),
                         classes="modal-hint")

    def on_mount(self) -> None:
        self.rows: list[QueueRow] = []
        self.query_one(OptionList).display = False
        self.query_one(Input).focus()

    @on(Input.Submitted, "#jump-input")
    def _submitted(self, event: Input.Submitted) -> None:
        text = " ".join(event.value.split())
        if len(text) < 2:
            self._say("Type at least 2 characters of a loan number, phone or name.")
            return
        self._say("Searching…")
        self.find(text)

    @work(thread=True, exclusive=True, group="jump-find", exit_on_error=False,
          description="looking up the loan")
    def find(self, text: str) -> None:
        from lossmit_tui.services.lookup import find_loans

        self.post_message(self.Found(text, find_loans(self.ws, text)))

    def worker_failed(self, worker: Worker[object], error: BaseException) -> None:
        self._say("Not found: the lookup failed (see the message).")

    def _say(self, text: str) -> None:
        self.query_one("#jump-status", Static).update(Content(text))

    @on(Found)
    def _found(self, message: Found) -> None:
        rows = message.rows
        shown = display_text(message.text)
        options = self.query_one(OptionList)
        if not rows:
            options.display = False
            self._say(f"No case you may open matches “{shown}”. Check the number, or ask "
                      "the case's owner or your lead.")
            return
        if len(rows) == 1:
            self.dismiss(rows[0].case_id)
            return
        self.rows = rows
        more = " (the first 50: type more to narrow)" if len(rows) >= 50 else ""
        self._say(f"{len(rows)} cases match “{shown}”{more}: choose one.")
        options.clear_options()
        options.add_options([Option(_label(r), id=str(r.case_id)) for r in rows])
        options.display = True
        options.highlighted = 0
        options.focus()

    @on(OptionList.OptionSelected, "#jump-options")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(str(event.option.id)))
