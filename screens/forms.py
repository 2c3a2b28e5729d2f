"""Small keyboard forms over one service call: record an event, edit a case's details,
complete, snooze or reassign a task, request or receive a document.

Each form checks what it can as it is typed, saves through its service in a worker (one
transaction), and on a refusal shows the service's message and keeps every field as typed.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Checkbox, Input, Label, Select, Static
from textual.worker import Worker

from db.queries import CaseDetail, TaskRow, case_detail, list_users
from lossmit_tui.domain.calendar import resolve_due
from lossmit_tui.domain.enums import DocType, EventKind, Hardship, Occupancy, Stage
from lossmit_tui.domain.events import MANUAL_EVENT_KINDS, RECEIPT_KINDS, event_label
from lossmit_tui.domain.foreclosure import REFERRAL_BASES
from lossmit_tui.domain.regclock import BANKRUPTCY_CHAPTERS
from lossmit_tui.domain.values import display_phone, display_text, parse_date, parse_money
from lossmit_tui.services.cases import NewEvent, record_event, update_case, validate_event
from lossmit_tui.services.documents import receive_document, request_document
from lossmit_tui.services.errors import Conflict, ServiceError
from lossmit_tui.services.tasks import complete_task, reassign_task, snooze_task
from lossmit_tui.services.workspace import Workspace
from screens.base import LossMitModal

Write = Callable[[Workspace], object]


def label(value: str) -> str:
    return value.replace("_", " ").capitalize()


def _input(value: str = "", **kwargs: Any) -> Input:
    """A one-line input (forms must fit an 80x24 terminal)."""
    return Input(value, compact=True, **kwargs)


def _select(options: Any, **kwargs: Any) -> Select[str]:
    return Select(options, compact=True, **kwargs)


class ServiceForm(LossMitModal[bool]):
    """A modal form whose save is one service call. Subclasses compose their fields and
    turn them into `write(workspace)` (or a list of problems) in `collect`; the service
    owns the transaction."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="form.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
    ]
    TITLE_TEXT = ""
    DONE_TEXT = "Saved."

    @dataclass
    class Saved(Message):
        error: str = ""
        conflict: bool = False

    def __init__(self, subject: str) -> None:
        super().__init__()
        self.subject = subject

    def compose(self) -> ComposeResult:
        with Vertical(classes="form-box"):
            yield Static(Content.assemble((self.TITLE_TEXT, "bold"), "  ",
                                          Content(self.subject)), classes="modal-title")
            yield from self.fields()
            yield Static(classes="form-error")
            yield Static(Content("ctrl+s saves · Esc cancels"), classes="modal-hint")

    def fields(self) -> ComposeResult:
        yield from ()

    def collect(self) -> Write | list[str]:
        raise NotImplementedError

    def show_error(self, text: str) -> None:
        # A service's message can quote stored text (a loan number, a user's name).
        self.query_one(".form-error", Static).update(Content(display_text(text)))

    def action_save(self) -> None:
        write = self.collect()
        if isinstance(write, list):
            self.show_error("Not saved: " + "; ".join(write))
            return
        self.show_error("Saving…")
        self.save(write)

    @work(thread=True, exclusive=True, group="form-save", exit_on_error=False,
          description="saving")
    def save(self, write: Write) -> None:
        try:
            write(self.ws)
        except Conflict as exc:
            self.post_message(self.Saved(str(exc), conflict=True))
            return
        except ServiceError as exc:
            self.post_message(self.Saved(str(exc)))
            return
        self.post_message(self.Saved())

    @on(Saved)
    def _saved(self, message: Saved) -> None:
        if message.error:
            self.show_error(f"Not saved: {message.error}")
            return
        self.app.notify(self.DONE_TEXT, markup=False)
        self.dismiss(True)

    def worker_failed(self, worker: Worker[object], error: BaseException) -> None:
        if worker.group == "form-save":
            self.show_error("Not saved: the database could not be reached (see the "
                            "message); your input is kept, ctrl+s tries again")

    def action_cancel(self) -> None:
        self.dismiss(False)


def _date_field(form: ServiceForm, widget_id: str, shown_id: str) -> date | None:
    """Read a date Input (shortcuts allowed) and show what it means beside it."""
    shown = form.query_one(f"#{shown_id}", Static)
    try:
        day = resolve_due(form.query_one(f"#{widget_id}", Input).value, form.today,
                          form.ws.calendar)
    except ValueError as exc:
        shown.update(Content(str(exc)))
        shown.set_class(True, "-error")
        return None
    holiday = form.ws.calendar.holiday(day)
    note = f" (a holiday: {holiday})" if holiday else (" (a weekend)" if day.weekday() >= 5
                                                       else "")
    shown.update(Content(f"→ {day.strftime('%a %Y-%m-%d')}{note}"))
    shown.set_class(False, "-error")
    return day


EVENT_CHOICES = list(MANUAL_EVENT_KINDS)
# The event form's trial fields: (NewEvent field, label, placeholder), and the kinds each
# is shown for.
_TRIAL_FIELDS = (
    ("amount_cents", "Amount", "e.g. 1117.71 (trial start: the offer's by default)"),
    ("payment", "Scheduled payment no.", "default: the earliest unpaid (or missed)"),
    ("payments", "Number of payments", "default: the offer's (3 for a Flex mod)"),
    ("first_due", "First payment due", "YYYY-MM-DD (default: the 1st of next month)"),
)
_TRIAL_KINDS: dict[str, tuple[str, ...]] = {
    "amount_cents": (EventKind.TRIAL_PAYMENT, EventKind.TRIAL_STARTED),
    "payment": (EventKind.TRIAL_PAYMENT, EventKind.FAILED_TO_PERFORM),
    "payments": (EventKind.TRIAL_STARTED,),
    "first_due": (EventKind.TRIAL_STARTED,),
}


class EventForm(ServiceForm):
    """Record an event or a stage change, dated today unless back-dated with a reason."""

    TITLE_TEXT = "Record an event"
    DONE_TEXT = "Event recorded."

    def __init__(self, case_id: int, subject: str, stage: str) -> None:
        super().__init__(subject)
        self.case_id, self.stage = case_id, stage
        self.bad_sale_date = ""  # a sale date typed that is not one

    def fields(self) -> ComposeResult:
        yield Label("Event")
        yield _select([(event_label(k), k.value) for k in EVENT_CHOICES],
                     value=EventKind.APPLICATION_RECEIVED.value, allow_blank=False,
                     id="event-kind")
        yield Label("New stage (for a stage change)", id="event-stage-label")
        yield _select([(label(s), s.value) for s in Stage], value=self.stage,
                     allow_blank=False, id="event-stage")
        # The details of the kinds that have them, shown only for those kinds.
        yield Label("Counsel's firm", classes="event-fc_referral")
        yield _input(placeholder="the law firm referred to", id="event-firm",
                     classes="event-fc_referral")
        yield Label("Referral for", classes="event-fc_referral")
        yield _select([(label(b), b) for b in REFERRAL_BASES], value="delinquency",
                      allow_blank=False, id="event-basis", classes="event-fc_referral")
        yield Label("Sale date (postponed: the new one, or blank)",
                    classes="event-sale_scheduled event-sale_postponed")
        yield _input(placeholder="YYYY-MM-DD", id="event-sale-date",
                     classes="event-sale_scheduled event-sale_postponed")
        yield Label("Decision", classes="event-appeal_decided")
        yield _select([("Upheld (the denial stands)", "upheld"), ("Overturned", "overturned")],
                      value="upheld", allow_blank=False, id="event-outcome",
                      classes="event-appeal_decided")
        yield Label("Chapter and the court's case number", id="event-bankruptcy-label")
        yield _select([(f"Chapter {c}", str(c)) for c in BANKRUPTCY_CHAPTERS],
                     prompt="Chapter", id="event-chapter")
        yield _input(placeholder="case number, e.g. 26-10001", id="event-case-number")
        yield Checkbox("From a claimed successor in interest, not yet confirmed",
                       compact=True, id="event-successor")
        yield Label("Short-term option (incomplete application): months; a plan's arrears",
                    classes="event-short_term_offered")
        with Horizontal(classes="form-row event-short_term_offered"):
            yield _select([("Repayment plan", "repayment_plan"), ("Forbearance", "forbearance")],
                          value="repayment_plan", allow_blank=False, id="event-option")
            yield _input(placeholder="months (≤ 6)", id="event-months")
            yield _input(placeholder="arrears months (≤ 3)", id="event-arrears")
        yield Label("On (default today; an earlier date needs a reason)")
        yield _input(value="today", id="event-on")
        yield Static(id="event-on-shown", classes="date-shown")
        yield Label("Reason for back-dating")
        yield _input(placeholder="e.g. application found in the mailroom", id="event-reason")
        yield Label("Note")
        yield _input(placeholder="optional", id="event-note")
        # A trial's fields, each on one line, shown for the kinds that take them.
        for name, title, hint in _TRIAL_FIELDS:
            with Horizontal(classes="form-row", id=f"event-{name}-row"):
                yield Label(title)
                yield _input(placeholder=hint, id=f"event-{name}")

    def on_mount(self) -> None:
        self.query_one("#event-kind", Select).focus()
        self._kind_changed()
        self._on_changed()

    @on(Select.Changed, "#event-kind")
    def _kind_changed(self) -> None:
        kind = self.query_one("#event-kind", Select).value
        stage_change = kind == EventKind.STAGE_CHANGED
        self.query_one("#event-stage", Select).display = stage_change
        self.query_one("#event-stage-label", Label).display = stage_change
        for kind_of in ("fc_referral", "sale_scheduled", "sale_postponed", "appeal_decided",
                        "short_term_offered"):
            for hidden in self.query(f".event-{kind_of}"):
                hidden.display = False
        for shown in self.query(f".event-{kind}"):
            shown.display = True
        for name, kinds in _TRIAL_KINDS.items():
            self.query_one(f"#event-{name}-row").display = kind in kinds
        filed = kind == EventKind.BANKRUPTCY_FILED
        for widget in ("#event-bankruptcy-label", "#event-chapter", "#event-case-number"):
            self.query_one(widget).display = filed
        self.query_one("#event-successor", Checkbox).display = (
            kind == EventKind.APPLICATION_RECEIVED)

    def _trial_fields(self) -> tuple[dict[str, Any], list[str]]:
        """The trial fields shown for this kind, read (and what cannot be read)."""
        kind = self.query_one("#event-kind", Select).value
        values: dict[str, Any] = {}
        problems: list[str] = []
        for name, title, _ in _TRIAL_FIELDS:
            text = self.query_one(f"#event-{name}", Input).value.strip()
            if kind not in _TRIAL_KINDS[name] or not text:
                continue
            try:
                if name == "amount_cents":
                    values[name] = parse_money(text)
                elif name == "first_due":
                    values[name] = parse_date(text)
                elif text.isascii() and text.isdigit():
                    values[name] = int(text)
                else:
                    raise ValueError(f"{text!r} is not a whole number")
            except ValueError as exc:
                problems.append(f"{title}: {exc}")
        return values, problems

    @on(Input.Changed, "#event-on")
    def _on_changed(self) -> date | None:
        return _date_field(self, "event-on", "event-on-shown")

    def _short_term(self) -> tuple[dict[str, Any], list[str]]:
        """The short-term option's fields, read (and what cannot be read)."""
        if self.query_one("#event-kind", Select).value != EventKind.SHORT_TERM_OFFERED:
            return {}, []
        values: dict[str, Any] = {"option": str(self.query_one("#event-option", Select).value)}
        problems = []
        for name, widget, title in (("months", "#event-months", "Months"),
                                    ("arrears_months", "#event-arrears", "Arrears months")):
            text = self.query_one(widget, Input).value.strip()
            if not text:
                continue
            if text.isascii() and text.isdigit():
                values[name] = int(text)
            else:
                problems.append(f"{title}: {text!r} is not a whole number")
        return values, problems

    def _receipt_today(self) -> bool:
        """A receipt dated "today": the servicer's calendar day (docs/RULES.md, dating)."""
        kind = self.query_one("#event-kind", Select).value
        text = self.query_one("#event-on", Input).value.strip().lower()
        return kind in RECEIPT_KINDS and text in ("", "today")

    def _event(self) -> NewEvent | None:
        on_day = self._on_changed()
        if on_day is None:
            return None
        if self._receipt_today():
            on_day = self.ws.receipt_day()
        kind = str(self.query_one("#event-kind", Select).value)
        sale_text = self.query_one("#event-sale-date", Input).value.strip()
        sale_date = None
        if kind in (EventKind.SALE_SCHEDULED, EventKind.SALE_POSTPONED) and sale_text:
            try:
                sale_date = date.fromisoformat(sale_text)
            except ValueError:
                self.bad_sale_date = sale_text
                return None
        trial, _ = self._trial_fields()
        filed = kind == EventKind.BANKRUPTCY_FILED
        chapter = self.query_one("#event-chapter", Select).value
        return NewEvent(kind, on_day, self.query_one("#event-reason", Input).value,
                        str(self.query_one("#event-stage", Select).value)
                        if kind == EventKind.STAGE_CHANGED else None,
                        self.query_one("#event-note", Input).value,
                        firm=self.query_one("#event-firm", Input).value
                        if kind == EventKind.FC_REFERRAL else "",
                        basis=str(self.query_one("#event-basis", Select).value)
                        if kind == EventKind.FC_REFERRAL else "",
                        sale_date=sale_date,
                        outcome=str(self.query_one("#event-outcome", Select).value)
                        if kind == EventKind.APPEAL_DECIDED else "",
                        chapter=int(str(chapter)) if filed and chapter != Select.NULL
                        else None,
                        case_number=self.query_one("#event-case-number", Input).value
                        if filed else "",
                        from_successor=kind == EventKind.APPLICATION_RECEIVED
                        and self.query_one("#event-successor", Checkbox).value,
                        **trial, **self._short_term()[0])

    def collect(self) -> Write | list[str]:
        self.bad_sale_date = ""
        unreadable = self._trial_fields()[1] + self._short_term()[1]
        if unreadable:
            return unreadable
        event = self._event()
        if event is None and self.bad_sale_date:
            return [f"the sale date {self.bad_sale_date!r} is not a date (YYYY-MM-DD)"]
        if event is None:
            return ["the date is not one I can read"]
        today = max(self.today, event.occurred_on) if self._receipt_today() else self.today
        problems = validate_event(event, today)
        if problems:
            return problems
        return lambda ws: record_event(ws.on(max(ws.today, today)), self.case_id, event)


# The fields EditDetails edits (each widget's id is `edit-<name>`), read from the case as the
# form shows them, so a reload can say which current values differ from the input.
_EDITABLE: dict[str, Callable[[CaseDetail], str | bool]] = {
    "borrower_name": lambda c: display_text(c.borrower_name),
    "co_borrower_name": lambda c: display_text(c.co_borrower_name or ""),
    "phone": lambda c: display_phone(c.phone),
    "phone2": lambda c: display_phone(c.phone2),
    "email": lambda c: display_text(c.email or ""),
    "mailing_address": lambda c: display_text(c.mailing_address or ""),
    "mailing_city": lambda c: display_text(c.mailing_city or ""),
    "mailing_state": lambda c: c.mailing_state or "",
    "mailing_zip": lambda c: c.mailing_zip or "",
    "best_time": lambda c: display_text(c.best_time or ""),
    "preferred_language": lambda c: c.preferred_language,
    "hardship_reason": lambda c: c.hardship_reason or "",
    "occupancy": lambda c: c.occupancy,
    "fdcpa_covered": lambda c: c.fdcpa_covered,
    "cease_communication": lambda c: c.cease_communication,
    "attorney_represented": lambda c: c.attorney_represented,
}
# The text fields, in the order shown: (name, label, placeholder).
_TEXT_FIELDS = (
    ("borrower_name", "Borrower", "the name as on the loan (a correction)"),
    ("co_borrower_name", "Co-borrower", ""),
    ("phone", "Phone", "(214) 555-0100"),
    ("phone2", "Second phone", "another number the borrower gave"),
    ("email", "E-mail", ""),
    ("mailing_address", "Mailing address", "where the borrower lives, if not the property"),
    ("mailing_city", "Mailing city", ""),
    ("mailing_state", "Mailing state", "TX (blank: from the ZIP)"),
    ("mailing_zip", "Mailing ZIP", "sets the borrower's time zone"),
    ("best_time", "Best time to call", "e.g. weekdays after 6 pm"),
)


class EditDetails(ServiceForm):
    """Edit the borrower's details and the case flags: a name correction, phones, e-mail,
    a mailing address (its ZIP or state sets the time zone the calling rules use, resolved
    as the importer resolves the property's), the best time to call, the preferred language,
    hardship, occupancy, FDCPA coverage, cease communication and attorney representation.
    Each change is audited by the case service. The save carries the version the form was
    opened on; if someone changed the case since, it is refused with who and when, the input
    stays, and ctrl+r reloads the current version so it can be saved again."""

    TITLE_TEXT = "Edit details"
    DONE_TEXT = "Case details saved."
    BINDINGS = [Binding("ctrl+r", "reload", "Reload", id="form.reload")]

    def __init__(self, case_id: int, subject: str, case: CaseDetail) -> None:
        super().__init__(subject)
        self.case_id, self.case = case_id, case
        self.version = case.version

    def fields(self) -> ComposeResult:
        c = self.case
        with VerticalScroll(id="edit-fields"):
            for name, title, hint in _TEXT_FIELDS:
                with Horizontal(classes="form-row"):
                    yield Label(title)
                    yield _input(str(_EDITABLE[name](c)), placeholder=hint, id=f"edit-{name}")
            with Horizontal(classes="form-row"):
                yield Label("Hardship")
                yield _select([("Not known", "")] + [(label(h), h.value) for h in Hardship],
                              value=c.hardship_reason or "", allow_blank=False,
                              id="edit-hardship_reason")
            with Horizontal(classes="form-row"):
                yield Label("Occupancy")
                yield _select([(label(o), o.value) for o in Occupancy], value=c.occupancy,
                              allow_blank=False, id="edit-occupancy")
            yield Checkbox("Covered by the FDCPA (acquired in default)", c.fdcpa_covered,
                           compact=True, id="edit-fdcpa_covered")
            yield Checkbox("Cease communication requested", c.cease_communication,
                           compact=True, id="edit-cease_communication")
            yield Checkbox("Represented by an attorney", c.attorney_represented,
                           compact=True, id="edit-attorney_represented")
            with Horizontal(classes="form-row"):
                yield Label("Letters in")
                yield _select([("English", "en"), ("Spanish", "es")],
                              value=c.preferred_language, allow_blank=False,
                              id="edit-preferred_language")
        yield Static(id="edit-current")

    def on_mount(self) -> None:
        self.query_one("#edit-borrower_name", Input).focus()

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for widget in self.query("Input, Select, Checkbox"):
            name = (widget.id or "").removeprefix("edit-")
            if not widget.id or not widget.id.startswith("edit-"):
                continue
            assert isinstance(widget, Input | Select | Checkbox)
            value = widget.value
            out[name] = value if isinstance(value, bool) else str(value)
        return out

    def collect(self) -> Write | list[str]:
        values, version = self.values(), self.version
        return lambda ws: update_case(ws, self.case_id, version, values)

    @on(ServiceForm.Saved)
    def _conflict(self, message: ServiceForm.Saved) -> None:
        if message.conflict:
            self.show_error(f"Not saved: {message.error} (ctrl+r reloads)")
            message.prevent_default()  # the base handler would show it without the hint

    def action_reload(self) -> None:
        """Read the case again: its current values are shown under the form, the typed
        input stays, and the next save applies it to the current version."""
        self.reload()

    @work(thread=True, exclusive=True, group="form-reload", exit_on_error=False,
          description="reading the case again")
    def reload(self) -> None:
        with self.ws.read() as conn:
            case = case_detail(conn, self.case_id)
        self.app.call_from_thread(self._reloaded, case)

    def _reloaded(self, case: CaseDetail | None) -> None:
        if case is None:
            self.show_error("This case no longer exists.")
            return
        self.version = case.version
        mine = self.values()
        differs = []
        for name, shown in _EDITABLE.items():
            now_text = shown(case)
            if now_text != mine[name]:
                differs.append(f"{name.replace('_', ' ')}: now {now_text or '—'}")
        self.query_one("#edit-current", Static).update(Content(
            "Reloaded. Current values that differ from your input:\n" + "\n".join(differs)
            if differs else "Reloaded. Your input matches the current values."))
        self.show_error("ctrl+s saves your input over the current version.")


class CompleteTask(ServiceForm):
    TITLE_TEXT = "Complete task"
    DONE_TEXT = "Task completed."

    def __init__(self, task: TaskRow) -> None:
        super().__init__(display_text(f"{label(task.kind)}: {task.title}"))
        self.row = task

    def fields(self) -> ComposeResult:
        yield Label("What was done (optional)")
        yield _input(id="complete-note")

    def on_mount(self) -> None:
        self.query_one("#complete-note", Input).focus()

    def collect(self) -> Write | list[str]:
        note = self.query_one("#complete-note", Input).value
        return lambda ws: complete_task(ws, self.row.task_id, note)


class SnoozeTask(ServiceForm):
    TITLE_TEXT = "Snooze task"
    DONE_TEXT = "Task moved."

    def __init__(self, task: TaskRow) -> None:
        super().__init__(display_text(f"{label(task.kind)}: {task.title} "
                                      f"(due {task.due.isoformat()})"))
        self.row = task

    def fields(self) -> ComposeResult:
        yield Label("New due date (later than it is due)")
        # a task due ahead moves a business day past its date; an overdue one, from today
        start = (self.ws.calendar.add_business_days(self.row.due, 1).isoformat()
                 if self.row.due >= self.today else "+1bd")
        yield _input(value=start, placeholder="+1bd, mon, +7d or 2026-12-04",
                     id="snooze-due")
        yield Static(id="snooze-due-shown", classes="date-shown")

    def on_mount(self) -> None:
        self.query_one("#snooze-due", Input).focus()
        self._due()

    @on(Input.Changed, "#snooze-due")
    def _due(self) -> date | None:
        due = _date_field(self, "snooze-due", "snooze-due-shown")
        if due is not None and due <= self.row.due:
            shown = self.query_one("#snooze-due-shown", Static)
            shown.update(Content(f"→ {due:%a %Y-%m-%d}: not after the task's due date "
                                 f"{self.row.due.isoformat()}; a snooze only moves it later"))
            shown.set_class(True, "-error")
        return due

    def collect(self) -> Write | list[str]:
        due = self._due()
        if due is None:
            return ["the new date is not one I can read"]
        if due < self.row.due:
            return [f"the new date {due.isoformat()} is before the task's due date "
                    f"{self.row.due.isoformat()}: a snooze only moves a task later"]
        return lambda ws: snooze_task(ws, self.row.task_id, due)


class ReassignTask(ServiceForm):
    TITLE_TEXT = "Reassign task"
    DONE_TEXT = "Task reassigned."

    def __init__(self, task: TaskRow) -> None:
        super().__init__(display_text(f"{label(task.kind)}: {task.title} "
                                      f"({task.assignee or 'nobody'})"))
        self.row = task

    def fields(self) -> ComposeResult:
        yield Label("To")
        yield _select([], id="reassign-to", prompt="Loading users…")

    def on_mount(self) -> None:
        self.query_one("#reassign-to", Select).focus()
        self.load_users()

    @work(thread=True, exit_on_error=False, description="reading the users")
    def load_users(self) -> None:
        with self.ws.read() as conn:
            users = [u for u in list_users(conn) if u.active]
        self.app.call_from_thread(self.query_one("#reassign-to", Select).set_options,
                                  [(Content(display_text(f"{u.username} · {u.display_name}")),
                                    u.username) for u in users])

    def collect(self) -> Write | list[str]:
        to = self.query_one("#reassign-to", Select).value
        if to == Select.NULL:
            return ["choose who takes the task"]
        return lambda ws: reassign_task(ws, self.row.task_id, str(to))


def task_action(task: TaskRow, what: str) -> ServiceForm | str:
    """The form that completes, snoozes or reassigns a task, or why it cannot."""
    if task.status != "open":
        return f"This task is already {task.status}."
    if task.kind == "regulatory_deadline" and what != "reassign":
        return (f"A regulatory deadline ({display_text(str(task.rule))}) is met by recording "
                "its event on the case (e), not completed or snoozed by hand.")
    forms: dict[str, Callable[[TaskRow], ServiceForm]] = {
        "complete": CompleteTask, "snooze": SnoozeTask, "reassign": ReassignTask}
    return forms[what](task)


class RequestDocument(ServiceForm):
    TITLE_TEXT = "Request a document"
    DONE_TEXT = "Document requested."

    def __init__(self, case_id: int, subject: str) -> None:
        super().__init__(subject)
        self.case_id = case_id

    def fields(self) -> ComposeResult:
        yield Label("Document")
        yield _select([(label(d), d.value) for d in DocType], value=DocType.FORM_710.value,
                     allow_blank=False, id="doc-type")

    def on_mount(self) -> None:
        self.query_one("#doc-type", Select).focus()

    def collect(self) -> Write | list[str]:
        doc_type = str(self.query_one("#doc-type", Select).value)
        return lambda ws: request_document(ws, self.case_id, doc_type)


class ReceiveDocument(ServiceForm):
    TITLE_TEXT = "Document received"
    DONE_TEXT = "Document marked received."

    def __init__(self, doc_id: int, subject: str) -> None:
        super().__init__(subject)
        self.doc_id = doc_id

    def fields(self) -> ComposeResult:
        yield Label("Received on")
        yield _input(value="today", id="doc-received")
        yield Static(id="doc-received-shown", classes="date-shown")
        yield Label("Date on the document (starts its 90 days; blank: the day received)")
        yield _input(placeholder="2026-11-15", id="doc-dated")

    def on_mount(self) -> None:
        self.query_one("#doc-received", Input).focus()
        self._received()

    @on(Input.Changed, "#doc-received")
    def _received(self) -> date | None:
        return _date_field(self, "doc-received", "doc-received-shown")

    def collect(self) -> Write | list[str]:
        received = self._received()
        problems = [] if received is not None else ["the received date is not one I can read"]
        dated_text = self.query_one("#doc-dated", Input).value.strip()
        dated = None
        if dated_text:
            try:
                dated = parse_date(dated_text)
            except ValueError as exc:
                problems.append(f"Document date: {exc}")
        if problems or received is None:
            return problems
        return lambda ws: receive_document(ws, self.doc_id, received, dated)
