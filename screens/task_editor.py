"""Add a follow-up task to a case: what, and by when (with shortcuts for the date). A
callback is offered on the first business day Reg F allows after a conversation, and an
earlier one is warned about (the borrower may have asked for it)."""

from dataclasses import dataclass
from datetime import date, timedelta

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, Label, Select, Static
from textual.worker import Worker

from db.queries import case_detail, recent_calls
from lossmit_tui.contact_now import CALL_HISTORY_DAYS, case_contact_check
from lossmit_tui.domain.calendar import resolve_due
from lossmit_tui.domain.contact import CONSENT_NOTE, CallWait
from lossmit_tui.domain.enums import TaskKind
from lossmit_tui.domain.values import display_text
from lossmit_tui.services.errors import ServiceError
from lossmit_tui.services.tasks import NewTask, add_task
from screens.base import LossMitModal

KIND_NAMES = {
    TaskKind.CALLBACK: "Callback", TaskKind.DOCUMENTS_DUE: "Documents due",
    TaskKind.REGULATORY_DEADLINE: "Regulatory deadline", TaskKind.TRIAL_PAYMENT: "Trial payment",
    TaskKind.REVIEW: "Review", TaskKind.OTHER: "Other",
}


class TaskEditor(LossMitModal[bool]):
    """A follow-up for one case. Saving goes through the task service; a refused save keeps
    everything typed on screen."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="task.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="task.cancel"),
    ]

    @dataclass
    class Saved(Message):
        ok: bool
        error: str = ""

    def __init__(self, case_id: int, loan_number: str, borrower: str) -> None:
        super().__init__()
        self.case_id, self.loan_number, self.borrower = case_id, loan_number, borrower
        self.wait: CallWait | None = None  # Reg F's wait for the next call, once read

    def compose(self) -> ComposeResult:
        with Vertical(id="task-box"):
            yield Static(Content.assemble(("Follow-up for ", "bold"),
                                          (display_text(self.loan_number), "bold"), "  ",
                                          Content(display_text(self.borrower))),
                         classes="modal-title")
            yield Label("Kind")
            yield Select([(name, kind.value) for kind, name in KIND_NAMES.items()],
                         value=TaskKind.CALLBACK.value, allow_blank=False, id="task-kind")
            yield Label("What is to be done")
            yield Input(placeholder="e.g. Call back about pay stubs", id="task-title")
            yield Label("Due")
            yield Input(value="tomorrow",
                        placeholder="tomorrow, +2bd, mon, 2026-12-04 or 12/04/2026",
                        id="task-due")
            yield Static(id="task-due-shown")
            yield Static(id="task-error")
            yield Static(Content("ctrl+s saves · Esc cancels"), classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one("#task-title", Input).focus()
        self._show_due()
        self.read_calls()

    @work(thread=True, exclusive=True, group="task-calls", exit_on_error=False,
          description="reading the case's recent calls")
    def read_calls(self) -> None:
        with self.ws.read() as conn:
            case = case_detail(conn, self.case_id)
            calls = (recent_calls(conn, self.case_id,
                                  self.ws.now() - timedelta(days=CALL_HISTORY_DAYS))
                     if case else [])
        if case is not None:
            wait = case_contact_check(case, calls, self.ws.now(), self.ws.settings).wait
            self.app.call_from_thread(self._waited, wait)

    def _waited(self, wait: CallWait | None) -> None:
        """Reg F's wait is known: a callback is offered on the first business day it
        allows (unless a date was typed), and an earlier one is warned about."""
        self.wait = wait
        due = self.query_one("#task-due", Input)
        if (wait is not None and wait.day > self.today + timedelta(days=1)
                and due.value == "tomorrow"
                and self.query_one("#task-kind", Select).value == TaskKind.CALLBACK):
            day = wait.day
            while not self.ws.calendar.is_business_day(day):
                day += timedelta(days=1)
            due.value = day.isoformat()
        self._show_due()

    @on(Select.Changed, "#task-kind")
    @on(Input.Changed, "#task-due")
    def _show_due(self) -> date | None:
        shown = self.query_one("#task-due-shown", Static)
        try:
            due = resolve_due(self.query_one("#task-due", Input).value, self.today,
                              self.ws.calendar)
        except ValueError as exc:
            shown.update(Content(str(exc)))
            shown.set_class(True, "-error")
            return None
        holiday = self.ws.calendar.holiday(due)
        note = f" (a holiday: {holiday})" if holiday else (
            " (a weekend)" if due.weekday() >= 5 else "")
        line = Content(f"→ {due.strftime('%a %Y-%m-%d')}{note}")
        wait = self.wait
        if (wait is not None and due < wait.day
                and self.query_one("#task-kind", Select).value == TaskKind.CALLBACK):
            line = Content.assemble(line, "\n", Content.styled(
                f"⚠ Too early for a callback: {wait.why}; {CONSENT_NOTE}.", "$warning"))
        shown.update(line)
        shown.set_class(due < self.today, "-error")
        return due

    def action_save(self) -> None:
        due = self._show_due()
        if due is None:
            return
        new = NewTask(str(self.query_one("#task-kind", Select).value),
                      self.query_one("#task-title", Input).value, due)
        self.save(new)

    @work(thread=True, exclusive=True, group="task-save", exit_on_error=False,
          description="saving the follow-up")
    def save(self, new: NewTask) -> None:
        try:
            add_task(self.ws, self.case_id, new)
        except ServiceError as exc:
            self.post_message(self.Saved(False, str(exc)))
            return
        self.post_message(self.Saved(True))

    @on(Saved)
    def _saved(self, message: Saved) -> None:
        if message.ok:
            self.app.notify(f"Follow-up added to {display_text(self.loan_number)}.",
                            markup=False)
            self.dismiss(True)
        else:
            self.query_one("#task-error", Static).update(
                Content(f"Not saved: {display_text(message.error)}"))

    def worker_failed(self, worker: Worker[object], error: BaseException) -> None:
        if worker.group != "task-save":
            return  # the recent calls unread: no Reg F hint, the form still saves
        self.query_one("#task-error", Static).update(Content(
            "Not saved: the database could not be reached (see the message); ctrl+s tries "
            "again"))

    def action_cancel(self) -> None:
        self.dismiss(False)
