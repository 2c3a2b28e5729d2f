"""Reassigning cases: choose receivers, a spread and a reason, preview, then commit.

The first ctrl+s previews (each person's open cases before → after, and every regulatory
deadline due within 5 days or missed that changes hands); the second commits exactly that
preview as one batch. Changing anything on the form asks for a new preview.
"""

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Checkbox, Input, Label, Select, SelectionList, Static
from textual.worker import Worker

from db.queries import board_members, user_row
from lossmit_tui.domain.values import display_text
from lossmit_tui.services.errors import ServiceError
from lossmit_tui.services.reassign import (
    REASON_KINDS,
    Outcome,
    Plan,
    Reason,
    Selection,
    Spread,
    apply,
    parse_reason,
    preview,
)
from screens.base import LossMitModal

SPREADS = [("spread: least-loaded first", Spread.LEAST_LOADED.value),
           ("spread: round-robin", Spread.ROUND_ROBIN.value)]


class ReassignCases(LossMitModal[bool]):
    """Move the given cases (or all of one person's open cases) to one or more people."""

    BINDINGS = [
        Binding("ctrl+s", "go", "Preview / commit", id="reassign.go", priority=True),
        Binding("escape", "cancel", "Cancel", id="reassign.cancel"),
    ]

    @dataclass
    class Members(Message):
        options: list[tuple[str, str]]

    @dataclass
    class Previewed(Message):
        plan: Plan | None
        error: str = ""

    @dataclass
    class Committed(Message):
        outcome: Outcome | None
        error: str = ""

    def __init__(self, *, case_ids: tuple[int, ...] = (), from_user: str | None = None,
                 subject: str = "") -> None:
        super().__init__()
        self.case_ids, self.from_user = case_ids, from_user
        self.subject = subject or (f"all of {from_user}'s open cases" if from_user
                                   else f"{len(case_ids)} case(s)")
        self.plan: Plan | None = None
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="form-box", id="reassign-box"):
            yield Static(Content.assemble(("Reassign", "bold"), "  ",
                                         Content(display_text(self.subject))),
                         classes="modal-title")
            yield Label("To (space marks one or more)")
            yield SelectionList[str](id="reassign-to", compact=True)
            with Horizontal(classes="form-row"):
                yield Select(SPREADS, value="least-loaded", allow_blank=False, compact=True,
                             id="reassign-spread")
                yield Checkbox("Open tasks move too", value=True, compact=True,
                               id="reassign-tasks")
            with Horizontal(classes="form-row"):
                yield Select([(r, r) for r in REASON_KINDS], prompt="Reason", compact=True,
                             id="reassign-reason")
                yield Input(placeholder="words (needed for other)", compact=True,
                            id="reassign-words")
            yield VerticalScroll(Static(id="reassign-preview"), id="reassign-preview-box")
            yield Static(classes="form-error")
            yield Static(Content("ctrl+s previews · Esc cancels"), classes="modal-hint",
                         id="reassign-hint")

    def on_mount(self) -> None:
        self.query_one("#reassign-preview-box").display = False
        self.query_one("#reassign-to", SelectionList).focus()
        self.load_members()

    @work(thread=True, exit_on_error=False, description="reading who can receive cases")
    def load_members(self) -> None:
        with self.ws.read() as conn:
            me = user_row(conn, self.ws.username)
            members = [m for m in board_members(conn, me.role, me.team)
                       if m.active and m.username != self.from_user]
        self.post_message(self.Members([(display_text(f"{m.username} · {m.display_name}"),
                                         m.username) for m in members]))

    @on(Members)
    def _members(self, message: Members) -> None:
        chooser = self.query_one("#reassign-to", SelectionList)
        # Names are data, never markup.
        chooser.add_options([(Content(label), value) for label, value in message.options])
        if not message.options:
            self.show_error("No one on your team can take cases.")

    def show_error(self, text: str) -> None:
        # A service's message can quote stored text (a loan number, a user's name).
        self.query_one(".form-error", Static).update(Content(display_text(text)))

    @on(SelectionList.SelectedChanged)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    @on(Input.Changed)
    def _changed(self) -> None:
        """Anything changed: the preview no longer stands for what would be committed."""
        if self.plan is not None:
            self.plan = None
            self.query_one("#reassign-preview", Static).update(
                Content("Changed: press ctrl+s to preview again."))
            self.query_one("#reassign-hint", Static).update(
                Content("ctrl+s previews · Esc cancels"))

    def _form(self) -> tuple[list[str], str, Reason] | list[str]:
        receivers = list(self.query_one("#reassign-to", SelectionList).selected)
        reason = self.query_one("#reassign-reason", Select).value
        problems = []
        if not receivers:
            problems.append("mark at least one person to receive the cases (space)")
        why = None
        if reason == Select.NULL:
            problems.append("choose a reason")
        else:
            try:
                why = parse_reason(str(reason), self.query_one("#reassign-words", Input).value)
            except ServiceError as exc:
                problems.append(str(exc))
        if problems or why is None:
            return problems
        return receivers, str(self.query_one("#reassign-spread", Select).value), why

    def action_go(self) -> None:
        if self.busy:
            return
        form = self._form()
        if isinstance(form, list):
            self.show_error("Not yet: " + "; ".join(form))
            return
        receivers, spread, why = form
        self.busy = True
        if self.plan is None:
            self.show_error("Previewing…")
            self.preview(receivers, spread)
        else:
            self.show_error("Moving…")
            self.commit(self.plan, why, self.query_one("#reassign-tasks", Checkbox).value)

    @work(thread=True, exclusive=True, group="reassign", exit_on_error=False,
          description="previewing the reassignment")
    def preview(self, receivers: list[str], spread: str) -> None:
        try:
            plan = preview(self.ws, Selection(case_ids=self.case_ids, from_user=self.from_user),
                           receivers, spread)
        except ServiceError as exc:
            self.post_message(self.Previewed(None, str(exc)))
            return
        self.post_message(self.Previewed(plan))

    @on(Previewed)
    def _previewed(self, message: Previewed) -> None:
        self.busy = False
        if message.error or message.plan is None:
            self.show_error(f"Cannot reassign: {message.error}")
            return
        plan = message.plan
        self.plan = plan
        self.show_error("")
        self.query_one("#reassign-preview", Static).update(self._describe(plan))
        self.query_one("#reassign-preview-box").display = True
        self.query_one("#reassign-hint", Static).update(
            Content("ctrl+s commits this preview · Esc cancels"))

    def _describe(self, plan: Plan) -> Content:
        lines: list[Content] = [Content.assemble(
            ("Preview: ", "bold"), f"{len(plan.moves)} case(s) move")]
        for load in plan.loads:
            style = "bold" if load.after > load.before else "$text-muted"
            lines.append(Content.assemble(f"  {display_text(load.username):<14}",
                                          (f"{load.before:>6} → {load.after:<6}", style),
                                          "open cases"))
        handovers = plan.handovers
        missed = sum(h.due_on < self.today for h in handovers)
        if handovers:
            lines.append(Content.assemble(
                ("Regulatory deadlines changing hands: ", "bold $warning"),
                f"{missed} missed, {len(handovers) - missed} due within 5 days"))
            for h in sorted(handovers, key=lambda h: (h.due_on < self.today, h.due_on))[:8]:
                lines.append(Content(
                    f"  {display_text(h.loan_number)} {display_text(h.rule)} due "
                    f"{h.due_on.isoformat()} ({display_text(h.from_name or 'unassigned')} → "
                    f"{display_text(h.to_name)})"))
            if len(handovers) > 8:
                lines.append(Content(f"  … and {len(handovers) - 8} more"))
        skipped = plan.skipped
        if skipped:
            lines.append(Content(f"Not moving {len(skipped)}: "
                                 + "; ".join(display_text(s) for s in skipped[:3])
                                 + ("; …" if len(skipped) > 3 else "")))
        return Content("\n").join(lines)

    @work(thread=True, exclusive=True, group="reassign", exit_on_error=False,
          description="moving the cases")
    def commit(self, plan: Plan, why: Reason, move_tasks: bool) -> None:
        try:
            outcome = apply(self.ws, plan, why, move_tasks=move_tasks)
        except ServiceError as exc:
            self.post_message(self.Committed(None, str(exc)))
            return
        self.post_message(self.Committed(outcome))

    @on(Committed)
    def _committed(self, message: Committed) -> None:
        self.busy = False
        if message.error or message.outcome is None:
            self.show_error(f"Not moved: {message.error}")
            return
        outcome = message.outcome
        text = (f"Moved {outcome.moved} case(s). Undo: u on the team board."
                if outcome.moved else "Nothing moved.")
        conflicts = outcome.conflicts
        if conflicts:
            text += (f" Left out {len(conflicts)} changed since the preview: "
                     + "; ".join(display_text(c) for c in conflicts[:3])
                     + ("; …" if len(conflicts) > 3 else ""))
        self.app.notify(text, severity="warning" if conflicts else "information",
                        timeout=10 if conflicts else 5, markup=False)
        self.dismiss(outcome.moved > 0)

    def worker_failed(self, worker: Worker[object], error: BaseException) -> None:
        self.busy = False
        self.show_error("Not done: the database could not be reached (see the message); "
                        "ctrl+s tries again")

    def action_cancel(self) -> None:
        self.dismiss(False)
