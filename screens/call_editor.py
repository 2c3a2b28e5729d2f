"""Log a call: structured fields first, then the note, then an optional follow-up.

What is typed is kept as a draft every couple of seconds and offered back the next time the
editor opens for the case; leaving with unsaved input asks first. Saving goes through the
call service (one transaction); a refused save keeps everything on screen.

On a right-party call the editor records the quality right-party contact attributes. Amending
a note shows the note (read-only) and starts from its values; an amendment is a correction,
not a call, so no calling-hours, frequency or state-limit warning is shown for it.
"""

import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import (
    Header,
    Input,
    Label,
    Select,
    SelectionList,
    Static,
    TextArea,
)
from textual.worker import Worker

from db.queries import CaseDetail, NoteView, RecentCall, call_note, case_detail, recent_calls
from lossmit_tui.contact_now import (
    CALL_HISTORY_DAYS,
    case_call_wait,
    case_contact_check,
    local_times_text,
)
from lossmit_tui.domain.calendar import resolve_due
from lossmit_tui.domain.contact import CONSENT_NOTE, CallWait
from lossmit_tui.domain.enums import (
    CallDirection,
    CallResult,
    NumberKind,
    Outcome,
    Party,
    TaskKind,
)
from lossmit_tui.domain.qrpc import OPTIONS_REASON, QRPC_ATTRIBUTES
from lossmit_tui.domain.values import display_money, display_text, parse_money
from lossmit_tui.services.calls import (
    DraftState,
    NewCall,
    discard_draft,
    load_draft,
    log_call,
    save_draft,
    validate_call,
)
from lossmit_tui.services.errors import PermissionDenied, ServiceError
from lossmit_tui.services.tasks import NewTask
from lossmit_tui.widgets.footer import KeyFooter
from screens.base import Confirm, LossMitScreen, local_time

CONTACT_REFRESH_SECONDS = 20
AUTOSAVE_SECONDS = 2.0
NO_FOLLOW_UP = "none"
USUAL_DUE = "+2bd"  # the follow-up's date when no Reg F wait pushes it later
DRAFT_LINES = 8  # lines of a draft shown when it is offered back


def _label(value: str) -> str:
    return value.replace("_", " ").capitalize()


def _note_fields(note: NoteView) -> dict[str, Any]:
    """A stored note as the editor's fields (an amendment starts from them)."""
    return {"direction": note.direction, "number": note.number, "party": note.party,
            "result": note.result, "outcomes": list(note.outcomes),
            "ptp_amount": display_money(note.promise_amount_cents)
            if note.promise_amount_cents else "",
            "ptp_date": note.promise_date.isoformat() if note.promise_date else "",
            "qrpc": dict(note.qrpc)}


class RestoreDraft(Confirm):
    """Offer a draft back, showing what it says (as plain text: it is the borrower's business,
    never markup) and when it was kept, in the user's own time: r restores it, d discards
    it. Escape restores (nothing typed is lost by a stray key)."""

    BINDINGS = [
        Binding("r", "dismiss(True)", "Restore", id="draft.restore"),
        Binding("d", "dismiss(False)", "Discard", id="draft.discard"),
        Binding("escape", "dismiss(True)", "Restore", show=False, id="draft.escape"),
    ]

    def __init__(self, draft: DraftState, what: str) -> None:
        when = f" at {local_time(draft.updated_at)}" if draft.updated_at else ""
        super().__init__(f"You left an unsaved {what} on this case{when}. Restore it?")
        self.draft = draft

    def compose(self) -> ComposeResult:
        f = self.draft.fields
        head = " · ".join(_label(str(f[k])) for k in ("direction", "party", "result")
                          if f.get(k))
        lines = display_text(self.draft.body, lines=True).splitlines()
        shown = "\n".join(lines[:DRAFT_LINES]) + (
            f"\n… ({len(lines) - DRAFT_LINES} more lines)" if len(lines) > DRAFT_LINES else "")
        with Vertical(id="confirm-box"):
            yield Static(Content(self.question))
            yield Static(Content.assemble((head, "bold"), "\n" if head else "",
                                          Content(shown or "(no text typed)")),
                         id="draft-text")
            yield Static(Content("r restore · d discard"), classes="modal-hint")


class CallEditor(LossMitScreen[bool]):
    """The call-note editor for one case."""

    BINDING_GROUP_TITLE = "Call note"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="call.save", priority=True,
                tooltip="Save the note (and the follow-up) in one go"),
        Binding("escape", "leave", "Leave", id="call.leave",
                tooltip="Leave; unsaved input is kept as a draft"),
        # Not the app's quit: leaving a half-written note always asks first.
        Binding("q", "leave", "Leave", show=False, id="call.leave_q"),
    ]

    @dataclass
    class Opened(Message):
        case: CaseDetail | None
        calls: list[RecentCall]
        draft: DraftState | None
        notes: dict[int, NoteView]  # the note being amended (and a draft's, if another)

    @dataclass
    class Saved(Message):
        error: str = ""

    def __init__(self, case_id: int, amends_id: int | None = None) -> None:
        super().__init__()
        self.case_id = case_id
        self.amends_id = amends_id  # amending: the new note points at this one
        self.case: CaseDetail | None = None
        self.calls: list[RecentCall] = []
        self.original: NoteView | None = None  # the note being amended, as stored
        # the form as opened (a blank call, or the note being amended): nothing to keep
        self.untouched: tuple[dict[str, Any], str] | None = None
        self.kept = False  # a draft of this user's is stored for the case
        # Draft writes and the save take turns: an autosave already on its way when the
        # note is saved must not write the draft back after the save removed it.
        self._draft_turn = threading.Lock()
        self.logged = False  # the note is saved: no draft is kept any more
        self.dirty = False
        self.saving = False
        self.suggested_due = USUAL_DUE  # the follow-up date offered, until one is typed

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Content("Loading…"), id="call-title")
        yield Static(id="call-contact")
        with VerticalScroll(id="call-form"):
            original = Static(id="call-original")
            original.display = False
            yield original
            with Horizontal(classes="call-row"):
                with Vertical():
                    yield Label("Direction")
                    yield Select([(_label(d), d.value) for d in CallDirection],
                                 value=CallDirection.OUTBOUND.value, allow_blank=False,
                                 compact=True,
                                 id="call-direction")
                with Vertical():
                    yield Label("Number called")
                    yield Select([(_label(n), n.value) for n in NumberKind],
                                 value=NumberKind.PERSONAL.value, allow_blank=False,
                                 compact=True, id="call-number")
                with Vertical():
                    yield Label("Party reached")
                    yield Select([(_label(p), p.value) for p in Party], value=Party.NONE.value,
                                 allow_blank=False, compact=True, id="call-party")
                with Vertical():
                    yield Label("Result")
                    yield Select([(_label(r), r.value) for r in CallResult],
                                 value=CallResult.NO_ANSWER.value, allow_blank=False,
                                 compact=True,
                                 id="call-result")
            yield Label("Outcomes (space toggles)")
            yield SelectionList[str](*[(_label(o), o.value) for o in Outcome],
                                     compact=True, id="call-outcomes")
            with Horizontal(classes="call-row"):
                with Vertical():
                    yield Label("Promise to pay: amount")
                    yield Input(compact=True, placeholder="1,234.56", id="call-ptp-amount")
                with Vertical():
                    yield Label("Promise to pay: by")
                    yield Input(compact=True, placeholder="fri, +5d or 2026-12-04",
                                id="call-ptp-date")
            yield Label("What was said")
            yield TextArea(id="call-body", soft_wrap=True)
            yield Label("Quality right-party contact (a right-party call only; all six make "
                        "a QRPC)")
            for row in (QRPC_ATTRIBUTES[:3], QRPC_ATTRIBUTES[3:]):
                with Horizontal(classes="call-row"):
                    for key, allowed, label in row:
                        with Vertical():
                            yield Label(label.capitalize())
                            yield Select([(_label(v), v.value) for v in allowed],
                                         prompt="Not recorded", compact=True,
                                         id=f"call-q-{key}")
            yield Label("Why options were not appropriate")
            yield Input(compact=True, placeholder="only when options were not appropriate",
                        id="call-q-reason")
            with Horizontal(classes="call-row", id="call-follow-up"):
                with Vertical():
                    yield Label("Follow-up")
                    yield Select([("No follow-up", NO_FOLLOW_UP),
                                  *[(_label(k), k.value) for k in TaskKind]],
                                 value=NO_FOLLOW_UP, allow_blank=False, compact=True,
                                 id="call-fu-kind")
                with Vertical():
                    yield Label("Follow-up: what")
                    yield Input(compact=True, placeholder="Call back about the documents",
                                id="call-fu-title")
                with Vertical():
                    yield Label("Follow-up: due")
                    yield Input(compact=True, value=USUAL_DUE,
                                placeholder="tomorrow, +2bd, mon", id="call-fu-due")
            yield Static(id="call-fu-shown")
            yield Static(id="call-problems")
        yield KeyFooter()

    def on_resize(self) -> None:
        # On a short terminal (24 rows) the outcomes list scrolls in four rows, so the note
        # box is on screen without scrolling the form.
        self.set_class(self.size.height < 32, "-short")

    def on_mount(self) -> None:
        self.open_case()
        self.set_interval(AUTOSAVE_SECONDS, self.autosave)
        # the borrower's local time and the calling-hours warning move with the clock, not
        # with each key typed (re-checking per key cost ~45 ms of every keystroke)
        self.set_interval(CONTACT_REFRESH_SECONDS, self._show_contact)

    # --- loading and drafts ----------------------------------------------------------------

    @work(thread=True, exclusive=True, group="call-open", exit_on_error=False,
          description="opening the case for the call")
    def open_case(self) -> None:
        now = self.ws.now()
        draft = load_draft(self.ws, self.case_id)
        wanted = {self.amends_id, (draft.fields.get("amends") if draft else None)}
        with self.ws.read() as conn:
            case = case_detail(conn, self.case_id)
            calls = (recent_calls(conn, self.case_id, now - timedelta(days=CALL_HISTORY_DAYS))
                     if case else [])
            notes = {n: note for n in wanted
                     if isinstance(n, int) and (note := call_note(conn, self.case_id, n))}
        self.post_message(self.Opened(case, calls, draft, notes))

    @on(Opened)
    def _opened(self, message: Opened) -> None:
        self.case, self.calls = message.case, message.calls
        title = self.query_one("#call-title", Static)
        if self.case is None:
            title.update(Content("This case no longer exists. Press Escape to go back."))
            return
        if self.amends_id is not None:
            original = message.notes.get(self.amends_id)
            if original is None:
                title.update(Content(f"Note #{self.amends_id} is not a note of this case. "
                                     "Press Escape to go back."))
                return
            self._amend(original)
        self._show_title()
        self._show_contact()
        self._suggest_due()
        if self.original is None:
            self.untouched = self._snapshot()
        draft = message.draft
        self.kept = draft is not None
        if draft is not None and (draft.body or draft.fields):
            target = draft.fields.get("amends")
            what = (f"amendment of note #{target}" if target else "call note")

            def answer(restore: bool | None) -> None:
                if not restore:
                    self.discard()
                    return
                if target != self.amends_id:  # the draft decides what is being written
                    note = message.notes.get(target) if isinstance(target, int) else None
                    if target is not None and note is None:
                        self.query_one("#call-problems", Static).update(Content(
                            f"Note #{target} of the unsaved amendment is gone; its text is "
                            "restored as a new call note."))
                    self._amend(note)
                    self._show_title()
                    self._show_contact()
                self._fill(draft)
            self.app.push_screen(RestoreDraft(draft, what), answer)

    def _show_title(self) -> None:
        if self.case is None:
            return
        self.query_one("#call-title", Static).update(Content.assemble(
            (f"Amend note #{self.amends_id} · " if self.amends_id else "Call · ", "bold"),
            (display_text(self.case.loan_number), "bold"), "  ",
            Content(display_text(self.case.borrower_name))))

    def _amend(self, note: NoteView | None) -> None:
        """Amend `note` (None: write a new call): show it read-only, start from its values,
        and leave out what only a new call has (the follow-up)."""
        self.original = note
        self.amends_id = note.id if note else None
        shown = self.query_one("#call-original", Static)
        self.query_one("#call-follow-up").display = note is None
        self.query_one("#call-fu-shown").display = note is None
        shown.display = note is not None
        if note is None:
            self.untouched = self._snapshot()
            return
        head = (f"Note #{note.id} as recorded · {note.called_at:%Y-%m-%d %H:%M} UTC · "
                f"{note.author or 'unknown'}\n{_label(note.direction)} call to the "
                f"{note.number} number, {_label(note.party).lower()}: "
                f"{_label(note.result).lower()}")
        if note.outcomes:
            head += " · " + ", ".join(_label(o).lower() for o in note.outcomes)
        if note.promise_amount_cents:
            head += (f" · promise {display_money(note.promise_amount_cents)} by "
                     f"{note.promise_date}")
        recorded = [f"{_label(v).lower()}" for k, _, _ in QRPC_ATTRIBUTES
                    if (v := note.qrpc.get(k))]
        if recorded:
            head += "\nQuality contact: " + " · ".join(recorded)
        # the stored text is the borrower's business, never markup
        shown.update(Content.assemble((display_text(head), "bold"), "\n",
                                      display_text(note.body) or "(no text)"))
        self._fill(DraftState(_note_fields(note), note.body))
        self.untouched = self._snapshot()

    def _snapshot(self) -> tuple[dict[str, Any], str]:
        return self._fields(), self.query_one("#call-body", TextArea).text

    def _unchanged(self) -> bool:
        """The form still as it opened (blank, or the amended note's values): nothing to keep
        or to ask about. Values the screen fills itself mark the form changed but are not
        the user's typing."""
        return self.untouched is not None and self._snapshot() == self.untouched

    def _fields(self) -> dict[str, Any]:
        return {
            "direction": self.query_one("#call-direction", Select).value,
            "number": self.query_one("#call-number", Select).value,
            "party": self.query_one("#call-party", Select).value,
            "result": self.query_one("#call-result", Select).value,
            "outcomes": list(self.query_one("#call-outcomes", SelectionList).selected),
            "ptp_amount": self.query_one("#call-ptp-amount", Input).value,
            "ptp_date": self.query_one("#call-ptp-date", Input).value,
            "fu_kind": self.query_one("#call-fu-kind", Select).value,
            "fu_title": self.query_one("#call-fu-title", Input).value,
            "fu_due": self.query_one("#call-fu-due", Input).value,
            "amends": self.amends_id,
            "qrpc": self._quality(),
        }

    def _quality(self) -> dict[str, str]:
        values = {key: self.query_one(f"#call-q-{key}", Select).value
                  for key, _, _ in QRPC_ATTRIBUTES}
        chosen = {k: str(v) for k, v in values.items() if v != Select.NULL}
        reason = self.query_one("#call-q-reason", Input).value
        if reason.strip():
            chosen[OPTIONS_REASON] = reason
        return chosen

    def _fill(self, draft: DraftState) -> None:
        f = draft.fields
        for key, widget_id in (("direction", "#call-direction"), ("number", "#call-number"),
                               ("party", "#call-party"), ("result", "#call-result"),
                               ("fu_kind", "#call-fu-kind")):
            if f.get(key):
                self.query_one(widget_id, Select).value = f[key]
        outcomes = self.query_one("#call-outcomes", SelectionList)
        outcomes.deselect_all()
        for code in f.get("outcomes", []):
            outcomes.select(code)
        quality = f.get("qrpc") or {}
        for key, allowed, _ in QRPC_ATTRIBUTES:
            value = quality.get(key)
            self.query_one(f"#call-q-{key}", Select).value = (
                value if value in {m.value for m in allowed} else Select.NULL)
        self.query_one("#call-q-reason", Input).value = str(quality.get(OPTIONS_REASON, ""))
        for key, widget_id in (("ptp_amount", "#call-ptp-amount"),
                               ("ptp_date", "#call-ptp-date"), ("fu_title", "#call-fu-title"),
                               ("fu_due", "#call-fu-due")):
            if key in f:
                self.query_one(widget_id, Input).value = f[key]
        self.query_one("#call-body", TextArea).text = draft.body
        self.dirty = False

    @on(Input.Changed)
    @on(Select.Changed)
    @on(SelectionList.SelectedChanged)
    @on(TextArea.Changed)
    def _changed(self) -> None:
        self.dirty = True

    @on(Select.Changed, "#call-direction")
    @on(Select.Changed, "#call-number")
    def _direction_changed(self) -> None:
        self._show_contact()  # the warnings are for outbound calls, and by number called

    # --- the follow-up and Reg F's wait --------------------------------------------------

    def _wait(self) -> CallWait | None:
        """After this call, the first day the next call is not presumed to harass."""
        if self.case is None or self.original is not None:
            return None
        return case_call_wait(
            self.case, self.calls, self.ws.now(), self.ws.settings,
            direction=str(self.query_one("#call-direction", Select).value),
            result=str(self.query_one("#call-result", Select).value),
            number=str(self.query_one("#call-number", Select).value))

    def _suggestion(self, wait: CallWait | None) -> str:
        """The callback's date to offer: the usual two business days, or the first business
        day Reg F allows when that is later (a conversation today: a week)."""
        calendar = self.ws.calendar
        usual = resolve_due(USUAL_DUE, self.today, calendar)
        if (self.query_one("#call-fu-kind", Select).value != TaskKind.CALLBACK
                or wait is None or wait.day <= usual):
            return USUAL_DUE
        day = wait.day
        while not calendar.is_business_day(day):
            day += timedelta(days=1)
        return day.isoformat()

    @on(Select.Changed, "#call-direction")
    @on(Select.Changed, "#call-number")
    @on(Select.Changed, "#call-result")
    @on(Select.Changed, "#call-fu-kind")
    def _suggest_due(self) -> None:
        """Offer the follow-up date the call allows; a date the user typed stays."""
        if self.case is None:
            return
        wait = self._wait()
        suggestion = self._suggestion(wait)
        due = self.query_one("#call-fu-due", Input)
        if due.value == self.suggested_due and suggestion != due.value:
            with due.prevent(Input.Changed):
                due.value = suggestion
        self.suggested_due = suggestion
        self._show_follow_up(wait)

    @on(Input.Changed, "#call-fu-due")
    @on(SelectionList.SelectedChanged, "#call-outcomes")
    def _due_typed(self) -> None:
        if self.case is not None:
            self._show_follow_up(self._wait())

    def _show_follow_up(self, wait: CallWait | None) -> None:
        """The follow-up's date as read, and a warning (never a refusal) for a callback
        before the day Reg F allows: the borrower may have asked for it."""
        shown = self.query_one("#call-fu-shown", Static)
        if self.query_one("#call-fu-kind", Select).value == NO_FOLLOW_UP:
            shown.update("")
            return
        try:
            due = resolve_due(self.query_one("#call-fu-due", Input).value, self.today,
                              self.ws.calendar)
        except ValueError as exc:
            shown.update(Content.styled(f"Follow-up due: {exc}", "$error"))
            return
        line = Content(f"Follow-up due {due:%a %Y-%m-%d}")
        asked = Outcome.CALLBACK_REQUESTED in self.query_one("#call-outcomes",
                                                             SelectionList).selected
        if (self.query_one("#call-fu-kind", Select).value == TaskKind.CALLBACK
                and wait is not None and due < wait.day and asked):
            line = Content.assemble(line, "\n", Content.styled(
                f"Before Reg F's wait ({wait.day:%a %Y-%m-%d}), but the borrower asked for "
                "this callback: a call with consent given directly in the past 7 days is not "
                "counted (Reg F 1006.14(b)(3)(i)); say when they asked in the note.",
                "$text-muted"))
        elif (self.query_one("#call-fu-kind", Select).value == TaskKind.CALLBACK
                and wait is not None and due < wait.day):
            line = Content.assemble(line, "\n", Content.styled(
                f"⚠ Too early for a callback: {wait.why}; {CONSENT_NOTE}.",
                "$warning"))
        elif wait is not None and wait.why:
            line = Content.assemble(line, Content.styled(
                f" · calls allowed again from {wait.day:%a %Y-%m-%d} (Reg F)", "$text-muted"))
        shown.update(line)

    def autosave(self) -> None:
        if self.dirty and self.case is not None and not self.saving:
            self.dirty = False
            if self._unchanged():
                if self.kept:  # typed back to nothing: the stored draft goes too
                    self.discard()
                return
            self.save_draft(self._fields(), self.query_one("#call-body", TextArea).text)

    @work(thread=True, group="call-draft", exit_on_error=False,
          description="keeping your draft")
    def save_draft(self, fields: dict[str, Any], body: str) -> None:
        self.keep_draft(fields, body)

    def keep_draft(self, fields: dict[str, Any], body: str) -> None:
        """Store the draft, unless the note has been saved meanwhile (in a worker)."""
        with self._draft_turn:
            if self.logged:
                return
            self.kept = True
            save_draft(self.ws, self.case_id, fields, body)

    # --- contact rules -------------------------------------------------------------------

    def _show_contact(self) -> None:
        if self.case is None:
            return
        shown = self.query_one("#call-contact", Static)
        if self.original is not None:
            shown.update(Content(f"Correcting the note of a call made "
                                 f"{self.original.called_at:%Y-%m-%d %H:%M} UTC: an "
                                 "amendment is not a call, so no calling rule applies and no "
                                 "call figure moves."))
            return
        number = str(self.query_one("#call-number", Select).value)
        check = case_contact_check(self.case, self.calls, self.ws.now(), self.ws.settings,
                                   number)
        outbound = self.query_one("#call-direction", Select).value == CallDirection.OUTBOUND
        local = local_times_text(check) or "unknown"
        left = ("" if check.wait is None else
                f", none before {check.wait.day.isoformat()} (Reg F)"
                if check.wait.day > self.today else f", {check.attempts_left} left (Reg F)")
        lines: list[Content] = [Content(f"Borrower's time {local} · "
                                        f"{check.attempts_last_7_days} attempt(s) in 7 days"
                                        f"{left}")]
        if outbound:
            lines += [Content.assemble(("⚠ ", "$warning"), (w, "$warning"))
                      for w in check.warnings]
            if check.blocked:
                lines.append(Content.assemble(("✖ ", "$error bold"), (check.blocked,
                                                                      "$error bold")))
        shown.update(Content("\n").join(lines))

    # --- saving --------------------------------------------------------------------------

    def _collect(self) -> tuple[NewCall | None, list[str]]:
        f = self._fields()
        problems: list[str] = []
        calendar = self.ws.calendar
        amount = date_ = None
        if f["ptp_amount"].strip():
            try:
                amount = parse_money(f["ptp_amount"])
            except ValueError as exc:
                problems.append(f"Promise amount: {exc}")
        if f["ptp_date"].strip():
            try:
                date_ = resolve_due(f["ptp_date"], self.today, calendar)
            except ValueError as exc:
                problems.append(f"Promise date: {exc}")
        follow_up = None
        if f["fu_kind"] != NO_FOLLOW_UP and self.original is None:
            try:
                due = resolve_due(f["fu_due"], self.today, calendar)
                follow_up = NewTask(str(f["fu_kind"]), f["fu_title"] or _label(str(f["fu_kind"])),
                                    due)
            except ValueError as exc:
                problems.append(f"Follow-up due: {exc}")
        call = NewCall(str(f["direction"]), str(f["party"]), str(f["result"]),
                       tuple(f["outcomes"]), amount, date_,
                       self.query_one("#call-body", TextArea).text, follow_up,
                       self.amends_id, str(f["number"]), f["qrpc"])
        original = self.original
        problems += validate_call(call, self.today, amended_promise=None if original is None
                                  else (original.promise_amount_cents, original.promise_date))
        return (None if problems else call), problems

    def action_save(self) -> None:
        """Save the note, and the follow-up if one is set, in one transaction."""
        call, problems = self._collect()
        shown = self.query_one("#call-problems", Static)
        if call is None:
            shown.update(Content("Not saved: " + "; ".join(problems)))
            return
        shown.update(Content("Saving…"))
        self.saving = True
        self.save(call)

    @work(thread=True, exclusive=True, group="call-save", exit_on_error=False,
          description="saving the call")
    def save(self, call: NewCall) -> None:
        try:
            with self._draft_turn:
                log_call(self.ws, self.case_id, call)  # removes the draft
                self.logged = True
        except ServiceError as exc:
            self.post_message(self.Saved(str(exc)))
            return
        self.post_message(self.Saved())

    @on(Saved)
    def _saved(self, message: Saved) -> None:
        self.saving = False
        if message.error:
            self.query_one("#call-problems", Static).update(Content(
                f"Not saved: {display_text(message.error)}"))
            return
        loan = display_text(self.case.loan_number) if self.case else ""
        self.app.notify(f"Note #{self.amends_id} amended on {loan}." if self.amends_id
                        else f"Call logged on {loan}.", markup=False)
        self.dirty = False
        self.dismiss(True)

    def commands(self) -> list[SystemCommand]:
        """The editor's actions, for the command palette."""
        return [SystemCommand("Save the call", "The note, and its follow-up if set",
                              self.action_save),
                SystemCommand("Leave the call note", "Unsaved text is kept as a draft",
                              self.action_leave)]

    def action_leave(self) -> None:
        """Leave; with unsaved input, ask first (the draft is kept either way)."""
        typed = self.query_one("#call-body", TextArea).text.strip() or self.dirty
        if not typed or self._unchanged():
            self.dismiss(False)
            return

        def answer(leave: bool | None) -> None:
            if leave:
                self.save_draft(self._fields(), self.query_one("#call-body", TextArea).text)
                self.dismiss(False)
        self.app.push_screen(Confirm("Leave this note unsaved? It is kept as a draft and "
                                     "offered back next time."), answer)

    @work(thread=True, group="call-draft", exit_on_error=False,
          description="discarding the old draft")
    def discard(self) -> None:
        with self._draft_turn:
            self.kept = False
            discard_draft(self.ws, self.case_id)

    def worker_failed(self, worker: Worker[object], error: BaseException) -> None:
        """Nothing typed is lost: the text stays on screen and is kept again at the next
        autosave once the database is back."""
        if worker.group == "call-draft":
            # A refusal (the case is no longer this user's) is not retried every 2 seconds.
            self.dirty = not isinstance(error, PermissionDenied)
        elif worker.group == "call-save":
            self.saving = False
            self.dirty = True
            self.query_one("#call-problems", Static).update(Content(
                "Not saved: the database could not be reached (see the message); your note "
                "is still here, ctrl+s tries again"))
        elif worker.group == "call-open" and self.case is None:
            self.query_one("#call-title", Static).update(Content(
                "Could not open the case (see the message). Press Escape to go back."))
