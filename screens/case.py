"""One case: a header with what matters at a glance, and tabs for the summary, timeline,
tasks, documents, financials, audit trail and letters, with keys to act on each."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import (
    DataTable,
    Header,
    ListItem,
    ListView,
    Select,
    Static,
    TabbedContent,
    TabPane,
)
from textual.worker import Worker

from db.queries import (
    AuditRow,
    CaseDetail,
    DocRow,
    FinancialsRow,
    RecentCall,
    TaskRow,
    TimelineItem,
    case_audit,
    case_detail,
    case_documents,
    case_financials,
    case_tasks,
    case_timeline,
    recent_calls,
)
from lossmit_tui.config import trial_policy
from lossmit_tui.contact_now import (
    CALL_HISTORY_DAYS,
    case_contact_check,
    contact_zones,
    local_times_text,
)
from lossmit_tui.domain.delinquency import bucket, days_delinquent
from lossmit_tui.domain.documents import document_age
from lossmit_tui.domain.enums import Stage
from lossmit_tui.domain.foreclosure import ForeclosureStatus
from lossmit_tui.domain.regclock import INSTALLMENT_BASIS, LIVE_CONTACT, Clock, ClockState
from lossmit_tui.domain.trial import PaymentState
from lossmit_tui.domain.values import display_money, display_phone, display_text, milli_to_rate
from lossmit_tui.domain.workout import derived, summarise
from lossmit_tui.queue_rows import relative_day
from lossmit_tui.services.access import read_case
from lossmit_tui.services.clock import case_regulatory
from lossmit_tui.services.documents import decide_document
from lossmit_tui.services.errors import PermissionDenied, ServiceError
from lossmit_tui.services.trials import CaseTrial, case_trial
from lossmit_tui.widgets.footer import KeyFooter
from screens.base import LossMitScreen
from screens.complaints import ComplaintForm, ComplaintLetterForm, ComplaintsSection
from screens.forms import (
    EditDetails,
    EventForm,
    ReceiveDocument,
    RequestDocument,
    task_action,
)
from screens.letters import LettersPane

TABS = {"summary": "Summary", "timeline": "Timeline", "tasks": "Tasks",
        "documents": "Documents", "financials": "Financials", "audit": "Audit",
        "letters": "Letters"}


def local_zone() -> tzinfo:
    """The zone of the computer the app runs on: times are shown in the user's own time."""
    return datetime.now().astimezone().tzinfo or UTC


def _text(value: Any) -> str:
    """A stored value as shown: "—" when empty, stored text through `display_text`."""
    if value is None or value == "":
        return "—"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        text = display_text(value)
        return text.replace("_", " ") if text.islower() else text
    return str(value)


def _changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    """An audit row's before -> after, one field per line (stored text as `display_text`)."""
    before, after = before or {}, after or {}
    lines = []
    for key in sorted(set(before) | set(after)):
        name = display_text(key)
        old = display_text(str(before.get(key)), lines=True)
        new = display_text(str(after.get(key)), lines=True)
        lines.append(f"{name}: {old} → {new}" if key in before else f"{name}: {new}")
    return "\n".join(lines)


def _note_rate(case: CaseDetail) -> str:
    """The note rate, with the rate type of an adjustable- or step-rate loan and its final
    or cap rate ("5.000% step, final 7.500%"); a fixed rate shows alone."""
    rate = case.note_rate_milli
    shown = f"{milli_to_rate(rate)}%" if rate is not None else "—"
    if case.rate_type == "fixed":
        return shown
    which = "final" if case.rate_type == "step" else "cap"
    final = (f"{milli_to_rate(case.final_rate_milli)}%" if case.final_rate_milli is not None
             else "not on record")
    return f"{shown} {case.rate_type}, {which} {final}"


def _section(title: str, pairs: list[tuple[str, Any]]) -> Static:
    """A titled block of `label  value` lines; values are plain text, never markup."""
    width = max(len(label) for label, _ in pairs)
    body = Content.assemble(
        (title, "$primary bold"),
        *[part for label, value in pairs
          for part in ("\n", (label.ljust(width + 2), "$text-muted"), Content(value))],
    )
    return Static(body, classes="case-section")


def _income(value: Any) -> str:
    """An income line: cents, or gross and net."""
    if isinstance(value, dict):
        return (f"{display_money(value.get('gross', 0))} gross, "
                f"{display_money(value.get('net', 0))} net")
    return display_money(value) if isinstance(value, int) else display_text(str(value))


def _ratios(snapshot: FinancialsRow) -> str:
    """A saved snapshot's housing expense-to-income, debt-to-income and surplus (or
    deficit), as the snapshot form showed them (the domain's figures)."""
    figures = derived(summarise(snapshot.incomes, snapshot.expenses,
                                snapshot.liquid_assets_cents), 0)

    def pct(value: Any) -> str:
        return "—" if value is None else f"{value}%"

    surplus = figures.surplus_cents
    return (f"HTI {pct(figures.hti_pct)} · DTI {pct(figures.dti_pct)} · "
            f"{'surplus' if surplus >= 0 else 'deficit'} {display_money(abs(surplus))}")


def _cell(value: Any) -> Text:
    """A DataTable cell: plain text, never markup."""
    return Text(_text(value))


_STATE_STYLE = {
    ClockState.MISSED: "$error bold", ClockState.DUE_SOON: "$warning bold",
    ClockState.PENDING: "$text", ClockState.MET: "$success", ClockState.BARRED: "$warning",
    ClockState.ALLOWED: "$text-muted",
}


ClockLine = tuple[str, Content]


def _clock_lines(clocks: list[Clock], today: date, standing: tuple[str, ...] = ()
                 ) -> list[ClockLine]:
    """The regulatory clock as (citation, text) rows: the standing facts it rests on (a
    bankruptcy, a successor in interest, military service), then each rule, its date, its
    state and why (docs/RULES.md section 4). The text wraps under itself, beside its
    citation."""
    rows: list[ClockLine] = []
    for line in standing:  # built from recorded facts; a case number is typed text
        rows.append(("", Content.styled(line, "$warning")))
    if not clocks:
        rows.append(("", Content.styled("No clock is running (not delinquent, no "
                                        "application).", "$text-muted")))
    # A loan never reached misses a live-contact window every month: the first is shown in
    # full, the later ones (missed, no conversation since) as one line under it.
    unmet = [c for c in clocks if c.rule is LIVE_CONTACT and c.state is ClockState.MISSED
             and not c.met_by]
    for clock in clocks:
        if any(clock is c for c in unmet[1:]):
            continue
        when = clock.due_on.isoformat() if clock.due_on else "—"
        state = clock.state.value.replace("_", " ")
        if clock.due_on and clock.state in (ClockState.PENDING, ClockState.DUE_SOON,
                                            ClockState.MISSED) and not clock.met_by:
            state += f" ({relative_day(clock.due_on, today)})"
        detail = [clock.basis] + ([clock.met_by] if clock.met_by else []) + list(clock.notes)
        if not clock.applies:
            detail.append(f"does not apply: {clock.why_not}")
        parts: list[Content | tuple[str, str] | str] = [
            f"{when}  ", (state, _STATE_STYLE[clock.state] if clock.applies
                          else "$text-muted"), f"  {clock.rule.title}",
            "\n", (" · ".join(d for d in detail if d), "$text-muted")]
        if unmet[1:] and clock is unmet[0]:
            later = unmet[1:]
            first, last = (c.basis.removeprefix(INSTALLMENT_BASIS) for c in
                           (later[0], later[-1]))
            span = first if first == last else f"{first} … {last}"
            windows = "window" if len(later) == 1 else "windows"
            parts += ["\n", (f"+{len(later)} later {windows} missed: {span}",
                              "$text-muted")]
        rows.append((clock.citation, Content.assemble(*parts)))
    return rows


def _clock_section(clocks: list[Clock], today: date, standing: tuple[str, ...] = ()
                   ) -> Vertical:
    """The regulatory clock section: a title, then one row per line of `_clock_lines`, the
    citation in its own column so a wrapped line keeps its indent."""
    rows: list[Widget] = [Static(Content.styled("Regulatory clock", "$primary bold"))]
    for citation, text in _clock_lines(clocks, today, standing):
        rows.append(Horizontal(Static(Content.styled(citation, "$text-muted"),
                                      classes="clock-cite"),
                               Static(text, classes="clock-text"), classes="clock-row"))
    return Vertical(*rows, classes="case-section", id="case-clocks")


def _foreclosure_section(case: CaseDetail, status: ForeclosureStatus | None) -> Static:
    """Where the foreclosure stands: its milestones, whether referral, the first filing and
    the judgment or sale are allowed or barred today (why, and the rule), and what counsel
    must hold."""
    parts: list[Content | tuple[str, str] | str] = [
        ("Foreclosure", "$primary bold"),
        "\n", ("Referral    ", "$text-muted"), _text(case.fc_referral_date),
        "\n", ("Sale date   ", "$text-muted"), _text(case.fc_sale_date)]
    if status is not None:
        if status.milestones:
            parts += ["\n", ("Milestones  ", "$text-muted"), " · ".join(
                f"{kind.replace('fc_', '').replace('_', ' ')} {day.isoformat()}"
                for kind, day in status.milestones)]
        for step in (status.referral, status.filing, status.sale):
            parts += ["\n", (f"{step.name:<24}", "$text-muted"),
                      ("allowed" if step.allowed else "barred",
                       "$text-muted" if step.allowed else "$warning bold"),
                      (f"  {step.why} [{step.rule}]", "$text-muted")]
        if status.hold:
            parts += ["\n", ("Counsel must hold: ", "$error bold"), status.hold]
        for line in status.complaints:  # built from stored facts: plain text, not markup
            parts += ["\n", ("Foreclosure error asserted: ", "$error bold"), Content(line)]
    return Static(Content.assemble(*parts), classes="case-section", id="case-foreclosure")
_PAYMENT_STYLE = {
    PaymentState.PAID: "$success", PaymentState.DUE: "$text",
    PaymentState.IN_GRACE: "$warning bold", PaymentState.MISSED: "$error bold",
}


def _trial_section(trial: CaseTrial) -> Static:
    """The trial period plan: each scheduled payment with its amount, due date and state,
    and the next step (docs/RULES.md section 6)."""
    parts: list[Content | tuple[str, str] | str] = [("Trial period plan", "$primary bold")]
    status = trial.status
    if status is None:
        parts += ["\n", (f"Started {trial.started_on}, with no payment schedule on record: "
                         "record trial_started with its terms to follow its payments.",
                         "$text-muted")]
        return Static(Content.assemble(*parts), classes="case-section", id="case-trial")
    schedule = status.schedule
    option = f" · {schedule.option.replace('_', ' ')}" if schedule.option else ""
    parts += ["\n", (f"Started {schedule.started_on} · {schedule.payments} payments of "
                     f"{display_money(schedule.amount_cents)}{option}", "$text-muted")]
    for p in status.payments:
        state = p.state.value.replace("_", " ")
        if p.state is PaymentState.PAID:
            state += f" {p.paid_on}"
        elif p.state is PaymentState.IN_GRACE:
            state += f" until {p.grace_end}"
        elif p.state is PaymentState.MISSED and p.paid_on:
            state += f" (came {p.paid_on})"
        elif p.state is PaymentState.MISSED:
            state += f" (grace ended {p.grace_end})"
        parts += ["\n", (f"  {p.number}  ", "$text-muted"), f"due {p.due_on}  ",
                  f"{display_money(p.amount_cents):>12}  ", (state, _PAYMENT_STYLE[p.state])]
    style = "$error bold" if status.first_missed() and not status.closed else "$accent"
    parts += ["\n", ("Next  ", "$text-muted"), (status.next_step, style)]
    return Static(Content.assemble(*parts), classes="case-section", id="case-trial")


class TasksTable(DataTable[Text]):
    """The case's tasks; keys act on the task under the cursor."""

    BINDING_GROUP_TITLE = "Tasks"
    BINDINGS = [
        Binding("x", "screen.task('complete')", "Complete", id="case.task_complete"),
        Binding("z", "screen.task('snooze')", "Snooze", id="case.task_snooze"),
        Binding("r", "screen.task('reassign')", "Reassign", id="case.task_reassign"),
    ]


class DocumentsTable(DataTable[Text]):
    """The application's document checklist; keys act on the document under the cursor."""

    BINDING_GROUP_TITLE = "Documents"
    BINDINGS = [
        Binding("n", "screen.request_document", "Request", id="case.doc_request"),
        Binding("v", "screen.document('receive')", "Received", id="case.doc_receive"),
        Binding("y", "screen.document('accept')", "Accept", id="case.doc_accept"),
        Binding("x", "screen.document('reject')", "Reject", id="case.doc_reject"),
    ]


class TimelineList(ListView):
    """Calls, events and task changes, newest first; a call can be amended."""

    BINDING_GROUP_TITLE = "Timeline"
    BINDINGS = [Binding("m", "screen.amend", "Amend note", id="case.amend")]


# What takes the keyboard when a tab is shown: its list, or its scrolling body, so the
# arrows, PageDown and End act on what is shown and no hidden list keeps the focus (a focused
# widget in a hidden pane pulls its tab back to the front).
FOCUS_ON: dict[str, str] = {"summary": "#case-body", "timeline": "#timeline-list",
                            "tasks": "#tasks-table", "documents": "#docs-table",
                            "financials": "#financials-list", "audit": "#audit-list",
                            "letters": "#letters-table"}


class CaseScreen(LossMitScreen[None]):
    """Everything stored about one loan, and the keys to change it."""

    BINDING_GROUP_TITLE = "Case"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="case.back", tooltip="Back to the queue"),
        Binding("c", "log_call", "Log call", id="case.log_call", tooltip="Log a call"),
        Binding("t", "add_task", "Follow-up", id="case.add_task",
                tooltip="Add a follow-up task"),
        Binding("e", "record_event", "Event", id="case.event",
                tooltip="Record an event or a stage change"),
        Binding("i", "edit_details", "Edit", id="case.edit",
                tooltip="Edit contact details and flags"),
        Binding("f", "financials", "Financials", id="case.financials",
                tooltip="Take a financial snapshot (income, expenses, assets)"),
        Binding("w", "workout", "Options", id="case.workout",
                tooltip="Evaluate every workout option; offer one or record a denial"),
        Binding("k", "complaint", "Complaint", id="case.complaint",
                tooltip="Log a complaint (notice of error, request for information, ...)"),
        Binding("K", "complaint_letter", "Complaint letter", id="case.complaint_letter",
                show=False, tooltip="Write a complaint's letter (acknowledgment, response, "
                                    "extension, documents, exemption notice)"),
        *[Binding(str(n), f"tab('{name}')", title, id=f"case.{name}", show=False)
          for n, (name, title) in enumerate(TABS.items(), start=1)],
    ]

    @dataclass
    class Loaded(Message):
        case: CaseDetail | None
        tasks: list[TaskRow]
        calls: list[RecentCall]
        timeline: list[TimelineItem]
        audit: list[AuditRow]
        documents: list[DocRow]
        financials: list[FinancialsRow]
        clocks: list[Clock]
        change: int = 0
        foreclosure: ForeclosureStatus | None = None
        trial: CaseTrial | None = None
        standing: tuple[str, ...] = ()

    def __init__(self, case_id: int) -> None:
        super().__init__()
        self.case_id = case_id
        self.case: CaseDetail | None = None
        self.tasks: list[TaskRow] = []
        self.documents: list[DocRow] = []
        self.timeline: list[TimelineItem] = []
        self.standing: tuple[str, ...] = ()
        self.shown: Any = None  # what the last load showed (an equal load is not redrawn)
        self.following = False
        self.loaded_change = 0  # the newest write the last load had seen
        self.refused = False  # this user may not act on the case: not read again

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Content("Loading…"), id="case-title")
        with TabbedContent(id="case-tabs"):
            with TabPane("1 Summary", id="summary"), VerticalScroll(id="case-body"):
                yield Grid(id="case-grid")
                yield ComplaintsSection(self.case_id, id="case-complaints")
            with TabPane("2 Timeline", id="timeline"):
                yield Select([("Everything", "all"), ("Calls", "call"), ("Events", "event"),
                              ("Tasks", "task")], value="all", allow_blank=False,
                             id="timeline-kind")
                yield TimelineList(id="timeline-list")
            with TabPane("3 Tasks", id="tasks"):
                yield TasksTable(id="tasks-table", cursor_type="row", zebra_stripes=True)
                yield Static(classes="tab-hint", id="tasks-hint")
            with TabPane("4 Documents", id="documents"):
                yield DocumentsTable(id="docs-table", cursor_type="row", zebra_stripes=True)
                yield Static(classes="tab-hint", id="docs-hint")
            with TabPane("5 Financials", id="financials"):
                yield VerticalScroll(id="financials-list")
            with TabPane("6 Audit", id="audit"):
                yield VerticalScroll(id="audit-list")
            with TabPane("7 Letters", id="letters"):
                yield LettersPane(self.case_id, id="letters-pane")
        yield KeyFooter()

    def on_mount(self) -> None:
        tasks = self.query_one(TasksTable)
        tasks.add_columns("Due", "Status", "Kind", "Title", "Assignee", "Rule")
        docs = self.query_one(DocumentsTable)
        docs.add_columns("Document", "Status", "Requested", "Received", "Decided", "Dated",
                         "Age")
        # The summary is shown first: its body takes the keyboard, so the arrows, PageDown
        # and End scroll it at once (not only after Tab).
        self.query_one("#case-body", VerticalScroll).focus()
        self.load()

    # --- opening the editors -------------------------------------------------------------

    def _subject(self) -> str:
        if self.case is None:
            return ""
        return f"{display_text(self.case.loan_number)}  {display_text(self.case.borrower_name)}"

    def _after(self, saved: bool | None) -> None:
        if saved:
            self.reload()

    def action_log_call(self) -> None:
        """Log a call on this case; the screen reloads afterwards."""
        self.host.open_call_editor(self.case_id, done=self._after)

    def action_amend(self) -> None:
        """Amend the call note under the cursor: a new note that points at it."""
        timeline = self.query_one(TimelineList)
        item = timeline.highlighted_child
        if item is None or item.name != "call":
            self.notify("Choose a call in the timeline to amend.", severity="warning", markup=False)
            return
        note_id = int((item.id or "").rsplit("-", 1)[-1])
        self.host.open_call_editor(self.case_id, amends_id=note_id, done=self._after)

    def action_add_task(self) -> None:
        """Add a follow-up task to this case."""
        if self.case is not None:
            self.host.open_task_editor(self.case_id, self.case.loan_number,
                                       self.case.borrower_name, done=self._after)

    def action_record_event(self) -> None:
        """Record an event (application received, offer sent, …) or a stage change."""
        if self.case is not None:
            self.app.push_screen(EventForm(self.case_id, self._subject(), self.case.stage),
                                 self._after)

    def action_edit_details(self) -> None:
        """Edit the borrower's contact details and the case flags."""
        if self.case is not None:
            self.app.push_screen(EditDetails(self.case_id, self._subject(), self.case),
                                 self._after)

    def action_financials(self) -> None:
        """Take a financial snapshot (the earlier ones stay in the Financials tab)."""
        from lossmit_tui.domain.workout import installments_past_due

        if self.case is None:
            return
        owed = installments_past_due(self.case.next_due_date, self.today) * (
            (self.case.pi_cents or 0) + (self.case.escrow_cents or 0))
        self.host.open_financials(self.case_id, self._subject(), owed, done=self._after)

    def action_workout(self) -> None:
        """Every workout option for this case, eligible or not and why."""
        self.host.open_evaluation(self.case_id, done=self._after)

    def _row(self, table: DataTable[Text], rows: list[Any], what: str) -> Any | None:
        if not rows or table.cursor_row < 0 or table.cursor_row >= len(rows):
            self.notify(f"There is no {what} to act on.", severity="warning", markup=False)
            return None
        return rows[table.cursor_row]

    def action_task(self, what: str) -> None:
        """Complete, snooze or reassign the task under the cursor."""
        task: TaskRow | None = self._row(self.query_one(TasksTable), self.tasks, "task")
        if task is None:
            return
        form = task_action(task, what)
        if isinstance(form, str):
            self.notify(form, severity="warning", markup=False)
        else:
            self.app.push_screen(form, self._after)

    def action_request_document(self) -> None:
        """Ask the borrower for a document (refused if it is already in and current)."""
        self.app.push_screen(RequestDocument(self.case_id, self._subject()), self._after)

    def action_document(self, what: str) -> None:
        """Mark the document under the cursor received, accepted or rejected."""
        doc: DocRow | None = self._row(self.query_one(DocumentsTable), self.documents,
                                       "document")
        if doc is None:
            return
        if what == "receive":
            self.app.push_screen(ReceiveDocument(doc.doc_id, f"{self._subject()} · "
                                                 f"{_text(doc.doc_type)}"), self._after)
        else:
            self.decide(doc.doc_id, what == "accept")

    @work(thread=True, exit_on_error=False, description="saving the document decision")
    def decide(self, doc_id: int, accept: bool) -> None:
        app = self.app
        try:
            decide_document(self.ws, doc_id, accept)
        except ServiceError as exc:
            app.call_from_thread(self.notify, Content(f"Not saved: {display_text(str(exc))}"),
                                 severity="error")
            return
        app.call_from_thread(self.notify, Content("Document accepted." if accept
                                                  else "Document rejected."))
        app.call_from_thread(self.reload)

    def commands(self) -> list[SystemCommand]:
        """Every case action, for the command palette."""
        tabs = [SystemCommand(f"Tab {n}: {title}", f"Show the {title.lower()} of this case",
                              lambda name=name: self.action_tab(name))
                for n, (name, title) in enumerate(TABS.items(), start=1)]
        return [
            SystemCommand("Log a call", "On this case", self.action_log_call),
            SystemCommand("Amend the call note", "The call under the cursor on the timeline",
                          self.action_amend),
            SystemCommand("Add a follow-up task", "To this case", self.action_add_task),
            SystemCommand("Record an event", "Application received, offer sent, a stage "
                          "change, …", self.action_record_event),
            SystemCommand("Edit contact details and flags", "Phone, e-mail, hardship, "
                          "cease communication, attorney", self.action_edit_details),
            SystemCommand("Take a financial snapshot", "Income, expenses, assets",
                          self.action_financials),
            SystemCommand("Workout options", "Evaluate every option; offer one or deny",
                          self.action_workout),
            SystemCommand("Log a complaint", "Notice of error, request for information, ...",
                          self.action_complaint),
            SystemCommand("Write a complaint letter", "Acknowledgment, response, extension, "
                          "documents relied on, exemption notice",
                          self.action_complaint_letter),
            SystemCommand("Complete the task", "The task under the cursor",
                          lambda: self.action_task("complete")),
            SystemCommand("Snooze the task", "The task under the cursor",
                          lambda: self.action_task("snooze")),
            SystemCommand("Reassign the task", "The task under the cursor",
                          lambda: self.action_task("reassign")),
            SystemCommand("Request a document", "From the borrower",
                          self.action_request_document),
            SystemCommand("Document received", "The document under the cursor",
                          lambda: self.action_document("receive")),
            SystemCommand("Accept the document", "The document under the cursor",
                          lambda: self.action_document("accept")),
            SystemCommand("Reject the document", "The document under the cursor",
                          lambda: self.action_document("reject")),
            *tabs,
        ]

    # --- loading -------------------------------------------------------------------------

    def reload(self) -> None:
        self.load()

    def action_complaint(self) -> None:
        """Log a complaint on this case (screens/complaints.py)."""
        if self.case is not None:
            self.app.push_screen(ComplaintForm(self.case_id, self._subject()), self._after)

    def action_complaint_letter(self) -> None:
        """Write a letter for one of this case's open complaints (screens/complaints.py)."""
        if self.case is None:
            return
        views = self.query_one(ComplaintsSection).views
        if not any(v.status == "open" for v in views):
            self.notify("This case has no open complaint: k logs one.", markup=False)
            return
        self.app.push_screen(ComplaintLetterForm(self.case_id, self._subject(), views),
                             self._after)

    def store_change(self, change: int) -> None:
        """Someone wrote: read the case again if the writes may touch it (redrawn only if
        something on it changed). With fifty people at work, most writes are to other
        cases: re-reading the whole case for each was most of a shared server's load."""
        if self.refused:
            return
        if self.case is None or not self.loaded_change:
            self.load()
        else:
            self.follow(self.loaded_change, self.case.loan_number)

    @work(thread=True, exclusive=True, group="case-follow", exit_on_error=False,
          description="checking whether the writes concern this case")
    def follow(self, loaded: int, loan_number: str) -> None:
        from db.queries import writes_touch_case

        with self.ws.read() as session:
            touched = writes_touch_case(session, loaded, self.case_id, loan_number)
        if touched:
            self.app.call_from_thread(self.load)

    def worker_failed(self, worker: Worker[object], error: BaseException) -> None:
        if worker.group == "case" and isinstance(error, PermissionDenied):
            self.refused = True
            self.query_one("#case-title", Static).update(Content(
                f"{display_text(str(error))}. Press Escape to go back."))
        elif worker.group == "case" and self.case is None:
            self.query_one("#case-title", Static).update(Content(
                "Could not read this case (see the message). Press Escape to go back."))

    def action_tab(self, name: str) -> None:
        """Show a tab and put the keyboard on it."""
        self.query_one(TabbedContent).active = name
        target = FOCUS_ON.get(name)
        if target is not None:
            self.query_one(target, Widget).focus()

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        target = FOCUS_ON.get(event.pane.id or "")
        if target is not None:
            self.query_one(target, Widget).focus()

    @on(Select.Changed, "#timeline-kind")
    def _filter_timeline(self, event: Select.Changed) -> None:
        for item in self.query_one(TimelineList).children:
            item.display = event.value in ("all", item.name)

    @work(thread=True, exclusive=True, group="case", exit_on_error=False,
          description="reading the case")
    def load(self) -> None:
        from db.queries import latest_change

        now = self.ws.now()
        # Refused (and audited) for a case this user may not act on: another's, or anyone's
        # once the user is deactivated.
        with read_case(self.ws, self.case_id, "opening a case") as session:
            change = latest_change(session)
            case = case_detail(session, self.case_id)
            if case is None:
                self.post_message(self.Loaded(None, [], [], [], [], [], [], [], change))
                return
            clocks, standing, foreclosure = case_regulatory(
                session, self.case_id, self.today, self.ws.calendar,
                attempts_needed=self.ws.settings.good_faith_attempts)
            self.post_message(self.Loaded(
                case, case_tasks(session, self.case_id),
                recent_calls(session, self.case_id, now - timedelta(days=CALL_HISTORY_DAYS)),
                case_timeline(session, self.case_id, local_zone()),
                case_audit(session, self.case_id, case.loan_number),
                case_documents(session, self.case_id),
                case_financials(session, self.case_id), clocks, change, foreclosure,
                case_trial(session.connection(), self.case_id, self.today,
                           trial_policy(self.ws.settings)), tuple(standing)))

    def _contact_line(self, case: CaseDetail, calls: list[RecentCall]
                      ) -> Content:
        """One line: the borrower's local time (warning colour outside calling hours), the
        call attempts of the last 7 days and how many are left before Reg F's presumption
        (or the day calls may resume after a conversation), then any block on direct calls
        or the first state-limit warning."""
        check = case_contact_check(case, calls, self.ws.now(), self.ws.settings)
        hours_warned = bool(check.local_times) and bool(check.hours_warnings)
        shown = local_times_text(check) or "unknown (no ZIP)"
        parts: list[Content | tuple[str, str] | str] = [
            "Local time ", (shown, "$error bold" if hours_warned else "$success")]
        # a block comes first: with no direct call allowed, the counts do not matter
        if case.cease_communication:
            parts += [" · ", ("✖ cease communication: no direct calls", "$error bold")]
        elif case.attorney_represented:
            parts += [" · ", ("✖ attorney represented: call the attorney", "$error bold")]
        parts.append(f" · {check.attempts_last_7_days} call attempt(s) in 7 days")
        wait, left = check.wait, check.attempts_left
        if wait is not None and wait.day > self.today:
            parts += [", ", (f"none before {wait.day.isoformat()} (Reg F)", "$warning bold")]
        elif left is not None:
            parts += [", ", (f"{left} left (Reg F)", "$warning bold" if left <= 1 else "")]
        else:
            parts.append(" (Reg F limits not applied to this loan)")
        if check.blocked is None and (check.frequency_warnings or check.state_warnings):
            parts += [" · ", ((check.frequency_warnings + check.state_warnings)[0],
                              "$warning")]
        return Content.assemble(*parts)

    @on(Loaded)
    async def _loaded(self, message: Loaded) -> None:
        title = self.query_one("#case-title", Static)
        case = message.case
        if not self.following:
            self.following = True
            self.follow_store(message.change)
        self.loaded_change = max(self.loaded_change, message.change)
        shown = (case, message.tasks, message.calls, message.timeline, message.audit,
                 message.documents, message.financials, message.clocks, message.foreclosure,
                 message.trial, message.standing)
        if shown == self.shown:
            return  # nothing on this case changed: no redraw, the cursor stays
        self.shown = shown
        if case is None:
            title.update(Content("This case no longer exists. Press Escape to go back."))
            return
        self.query_one(LettersPane).load()  # read with the case: a new letter shows too
        self.case, self.tasks, self.documents = case, message.tasks, message.documents
        self.query_one(ComplaintsSection).reload()
        self.standing = message.standing
        self.timeline = message.timeline
        today = self.today
        dpd = days_delinquent(case.next_due_date, today)
        flags = [name for name, on_ in (
            ("cease communication", case.cease_communication),
            ("attorney represented", case.attorney_represented),
            ("FDCPA", case.fdcpa_covered),
            ("principal residence", case.occupancy == "owner"),
        ) if on_]
        borrowers = display_text(case.borrower_name) + (
            f" & {display_text(case.co_borrower_name)}" if case.co_borrower_name else "")
        # Four lines, each cut (…) rather than wrapped, so the header keeps to four rows at
        # 80 columns: who and where, the money, the sale and who works it, the phone.
        title.update(Content.assemble(
            (display_text(case.loan_number), "bold"), "  ", Content(borrowers),
            "  ·  ", (display_text(case.stage).replace("_", " "), "$accent"),
            f"  ·  {display_text(case.investor)}",
            "\n", (f"{dpd} days delinquent ({bucket(case.next_due_date, today).value})"
                   f" · UPB {display_money(case.upb_cents)} · P&I/escrow "
                   f"{display_money(case.pi_cents) or '—'}/"
                   f"{display_money(case.escrow_cents) or '—'}", "not bold"),
            "\n", (f"sale {_text(case.fc_sale_date)} · ", "not bold"),
            Content(display_text(case.assignee or "unassigned")),
            (" · " + (", ".join(flags) or "no flags"),
             "$warning" if case.cease_communication or case.attorney_represented
             else "not bold"),
            "\n", self._contact_line(case, message.calls),
        ))
        await self._show_summary(case, message.tasks, today, flags, message.clocks,
                                 message.foreclosure, message.trial)
        await self._show_timeline(message.timeline)
        self._show_tasks(message.tasks, today)
        self._show_documents(message.documents, today)
        await self._show_financials(message.financials)
        await self._show_audit(message.audit)

    async def _show_summary(self, case: CaseDetail, tasks: list[TaskRow], today: date,
                            flags: list[str], clocks: list[Clock],
                            foreclosure: ForeclosureStatus | None,
                            trial: CaseTrial | None = None) -> None:
        upcoming = [t for t in tasks if t.status == "open"][:3]
        sections: list[Widget] = [
            _section("Borrower", [
                ("Borrower", _text(case.borrower_name)),
                ("Co-borrower", _text(case.co_borrower_name)),
                ("Phone", _text(display_phone(case.phone))),
                ("Second phone", _text(display_phone(case.phone2))),
                ("Best time", _text(case.best_time)),
                ("Language", _text({"en": "English", "es": "Spanish"}.get(
                    case.preferred_language, case.preferred_language))),
                ("E-mail", _text(case.email)),
                ("Mailing", " ".join(display_text(part) for part in (
                    case.mailing_address, case.mailing_city, case.mailing_state,
                    case.mailing_zip) if part) or "— (the property)"),
                ("Calls in", _text(", ".join(contact_zones(case)) or None)),
                ("SSN (last 4)", _text(case.ssn_last4)),
                ("Hardship", _text(case.hardship_reason)),
            ]),
            _section("Property", [
                ("Address", _text(case.property_address)),
                ("City / state / ZIP", " ".join(display_text(part) for part in (
                    case.property_city, case.property_state, case.property_zip) if part)),
                ("Time zone", _text(case.property_tz)),
                ("Occupancy", _text(case.occupancy)),
                ("Value", _text(display_money(case.property_value_cents))),
            ]),
            _section("Loan", [
                ("Investor", _text(case.investor)),
                ("UPB", display_money(case.upb_cents)),
                ("Note rate", _note_rate(case)),
                ("P&I / escrow", f"{display_money(case.pi_cents) or '—'} / "
                                 f"{display_money(case.escrow_cents) or '—'}"),
                ("Oldest unpaid due", _text(case.next_due_date)),
                ("Originated", _text(case.origination_date)),
            ]),
            _foreclosure_section(case, foreclosure),
            _section("Work", [
                ("Assignee", _text(case.assignee_name or "unassigned")),
                ("Last contact", _text(case.last_contact_at and
                                       case.last_contact_at.date())),
                ("Promise to pay", f"{display_money(case.promise_amount_cents)} by "
                                   f"{case.promise_due_on}"
                                   + (" (kept)" if case.promise_kept_on else "")
                 if case.promise_due_on else "—"),
                ("Missing documents", str(case.missing_docs)),
                ("Flags", ", ".join(flags) or "—"),
            ]),
            _section("Next actions", [
                (relative_day(t.due, today),
                 f"{display_text(t.kind).replace('_', ' ')}: {display_text(t.title)}"
                 + (f"  [{display_text(t.rule)}]" if t.rule else ""))
                for t in upcoming
            ] or [("", "Nothing open: add a follow-up with t")]),
        ]
        if trial is not None and (trial.status is not None or case.stage == Stage.TRIAL):
            sections.insert(0, _trial_section(trial))
        sections.append(_clock_section(clocks, today, self.standing))
        grid = self.query_one("#case-grid", Grid)
        await grid.remove_children()
        await grid.mount_all(sections)

    async def _show_timeline(self, timeline: list[TimelineItem]) -> None:
        view = self.query_one(TimelineList)
        index = view.index
        kind = self.query_one("#timeline-kind", Select).value
        await view.clear()
        zone = local_zone()
        items = [ListItem(Static(Content.assemble(
            (item.at.astimezone(zone).strftime("%Y-%m-%d %H:%M" if item.timed
                                               else "%Y-%m-%d      "), "$text-muted"), "  ",
            (item.kind, "$accent bold"), "  ", Content(display_text(item.author or "")), "\n",
            Content(display_text(item.text, lines=True)))), classes="timeline-item", name=item.kind,
            id=f"timeline-{item.kind}-{n}-{item.seq}")
            for n, item in enumerate(timeline)]
        for item in items:
            item.display = kind in ("all", item.name)
        if not items:
            items = [ListItem(Static(Content("Nothing has happened on this case yet.")),
                              name="none")]
        await view.extend(items)
        view.index = min(index or 0, len(items) - 1)

    def _show_tasks(self, tasks: list[TaskRow], today: date) -> None:
        table = self.query_one(TasksTable)
        row = table.cursor_row
        table.clear()
        for t in tasks:
            due = Text(f"{t.due.isoformat()} {relative_day(t.due, today)}" if t.status == "open"
                       else t.due.isoformat(),
                       style="bold red" if t.status == "open" and t.due < today else "")
            table.add_row(due, _cell(t.status), _cell(t.kind), _cell(t.title),
                          _cell(t.assignee), _cell(t.rule))
        if tasks:
            table.move_cursor(row=min(max(row, 0), len(tasks) - 1))
        self.query_one("#tasks-hint", Static).update(Content(
            "x complete · z snooze · r reassign · t add a follow-up" if tasks
            else "No tasks on this case · t adds a follow-up"))

    def _show_documents(self, documents: list[DocRow], today: date) -> None:
        table = self.query_one(DocumentsTable)
        row = table.cursor_row
        table.clear()
        for d in documents:
            state = document_age(d.doc_type, d.status, d.requested_on, d.received_on,
                                 d.document_date, today)
            age = Text(state.text, style="bold red" if state.expired else (
                "yellow" if state.expiring else ""))
            table.add_row(_cell(d.doc_type), _cell(d.status), _cell(d.requested_on),
                          _cell(d.received_on), _cell(d.decided_on), _cell(d.document_date),
                          age)
        if documents:
            table.move_cursor(row=min(max(row, 0), len(documents) - 1))
        self.query_one("#docs-hint", Static).update(Content(
            "n request · v received · y accept · x reject · Age: since dated, or requested"
            if documents
            else "No documents requested on this case · n requests one"))

    async def _show_financials(self, snapshots: list[FinancialsRow]) -> None:
        box = self.query_one("#financials-list", VerticalScroll)
        await box.remove_children()
        if not snapshots:
            await box.mount(Static(Content(
                "No financial snapshot has been taken on this case.")))
            return
        await box.mount_all([_section(
            f"Taken {s.taken_on.isoformat()} by {display_text(s.author or 'unknown')}",
            [("ratios", _ratios(s))]
            + [(f"income: {_text(k)}", _income(v)) for k, v in s.incomes.items()]
            + [(f"expense: {_text(k)}", display_money(v) if isinstance(v, int)
                else display_text(str(v)))
               for k, v in s.expenses.items()]
            + [("liquid assets", display_money(s.liquid_assets_cents))])
            for s in snapshots])

    async def _show_audit(self, rows: list[AuditRow]) -> None:
        box = self.query_one("#audit-list", VerticalScroll)
        await box.remove_children()
        await box.mount_all(
            [Static(Content.assemble(
                (row.at.strftime("%Y-%m-%d %H:%M"), "$text-muted"), "  ",
                Content(display_text(row.username)), "  ",
                (display_text(f"{row.action} {row.entity}"), "bold"),
                f" #{display_text(row.entity_id)}" if row.entity_id else "", "\n",
                Content(_changes(row.before, row.after))), classes="audit-item")
             for row in rows]
            or [Static(Content("No changes recorded."))])
