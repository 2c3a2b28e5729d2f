"""The workout evaluation of one case: every option with ✓ or ✗, its reasons or its terms
(and the Flex waterfall's steps, the repayment plan's schedule).

`o` offers the highlighted eligible option: an `offer_sent` event (which starts the offer's
acceptance window on the regulatory clock) whose note is the offer summary. `n` records a
denial (`denied`), its note every option's reasons. Either then generates the borrower's
letter (the offer, or the denial with every option's reasons), shown below and kept for the
next mail batch; when it cannot be generated yet, the screen says why.
"""

from dataclasses import dataclass, replace

from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Header, OptionList, Static, TextArea
from textual.widgets.option_list import Option
from textual.worker import Worker

from lossmit_tui.config import ConfigError
from lossmit_tui.domain.events import STAGE_AFTER
from lossmit_tui.domain.values import display_text
from lossmit_tui.domain.workout import OptionResult, money_terms
from lossmit_tui.evaluation import (
    CannotEvaluate,
    Evaluation,
    denial_reasons,
    offer_summary,
    offer_terms,
)
from lossmit_tui.services.cases import NewEvent, record_event
from lossmit_tui.services.errors import PermissionDenied, ServiceError
from lossmit_tui.services.letters import generate_letter
from lossmit_tui.services.workout import evaluate
from lossmit_tui.widgets.footer import KeyFooter
from screens.base import Confirm, LossMitScreen

_ACRONYMS = {"fha": "FHA", "va": "VA", "usda": "USDA"}


def _title(name: str) -> str:
    words = name.replace("_", " ").capitalize().split(" ")
    return " ".join(_ACRONYMS.get(w.lower(), w) for w in words)


def detail(evaluation: Evaluation, option: OptionResult) -> Content:
    """One option in full: why not, or the terms; the waterfall; the schedule."""
    parts: list[Content] = [Content.assemble(
        ("✓ " if option.eligible else "✗ ", "$success bold" if option.eligible
         else "$error bold"), (_title(option.name), "bold"))]
    for reason in option.reasons:
        parts.append(Content.assemble(("  why not: ", "$text-muted"), Content(reason)))
    for key, value in money_terms(option.terms).items():
        label = key.replace("_", " ") + ":"
        label = f"{label:<26}" if len(label) < 26 else f"{label} "  # a long one still spaced
        parts.append(Content.assemble((f"  {label}", "$text-muted"), Content(str(value))))
    if option.steps:
        parts.append(Content.assemble(("Waterfall", "bold")))
        parts += [Content.assemble((f"  {step}: ", "$text-muted"), Content(figures))
                  for step, figures in option.steps]
    if option.schedule:
        parts.append(Content.assemble(("Plan schedule", "bold")))
        parts += [Content(f"  {d.isoformat()}  {c / 100:>12,.2f}") for d, c in option.schedule]
    if evaluation.rule_set is not None:
        parts.append(Content.assemble(("Rules: ", "$text-muted"),
                                      Content(f"{evaluation.rule_label}: "
                                              f"{evaluation.rule_set.source}; "
                                              f"{evaluation.rule_in_force}")))
    return Content("\n").join(parts)


class EvaluationScreen(LossMitScreen[bool]):
    """Every workout option for the case; offer one, or record the denial."""

    BINDING_GROUP_TITLE = "Evaluation"
    BINDINGS = [
        Binding("escape", "back", "Back", id="evaluation.back"),
        Binding("o", "offer", "Offer this", id="evaluation.offer"),
        Binding("n", "deny", "Record denial", id="evaluation.deny"),
        Binding("left_square_bracket", "plan(-1)", "Shorter plan", key_display="[",
                id="evaluation.shorter"),
        Binding("right_square_bracket", "plan(1)", "Longer plan", key_display="]",
                id="evaluation.longer"),
    ]

    @dataclass
    class Evaluated(Message):
        evaluation: Evaluation | None
        error: str = ""

    @dataclass
    class Recorded(Message):
        kind: str
        text: str
        error: str = ""
        letter: str = ""  # the letter generated ("" when it could not be: `text` says why)

    def __init__(self, case_id: int) -> None:
        super().__init__()
        self.case_id = case_id
        self.evaluation: Evaluation | None = None
        self.changed = False
        self.plan_months: int | None = None  # None: the shortest plan that fits

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Content("Evaluating…"), id="evaluation-title")
        with Horizontal(id="evaluation-body"):
            yield OptionList(id="evaluation-options")
            with VerticalScroll(id="evaluation-detail-box"):
                yield Static(id="evaluation-detail")
        yield TextArea(id="evaluation-letter", read_only=True, soft_wrap=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#evaluation-letter", TextArea).display = False
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False,
          description="evaluating the workout options")
    def load(self) -> None:
        try:  # refused (and audited) for a case this user may not act on
            result = evaluate(self.ws, case_id=self.case_id, as_of=self.today,
                              plan_months=self.plan_months)
        except (CannotEvaluate, ConfigError, PermissionDenied) as exc:
            self.post_message(self.Evaluated(None, str(exc)))
            return
        self.post_message(self.Evaluated(result))

    @on(Evaluated)
    def _evaluated(self, message: Evaluated) -> None:
        title = self.query_one("#evaluation-title", Static)
        if message.evaluation is None:
            title.update(Content(f"Cannot evaluate: {display_text(message.error)}"))
            return
        # Shown, and quoted in the offer's text: the stored names as `display_text` shows them.
        e = self.evaluation = replace(message.evaluation,
                                      loan_number=display_text(message.evaluation.loan_number),
                                      borrower_name=display_text(message.evaluation.borrower_name))
        taken = (f"financials taken {e.financials_taken_on.isoformat()}"
                 if e.financials_taken_on else
                 "no financial snapshot (f on the case takes one): affordability not checked")
        title.update(Content.assemble(
            ("Workout options", "bold"), "  ", Content(f"{e.loan_number} {e.borrower_name}"),
            f" · as of {e.as_of.isoformat()} · {e.investor or 'investor'}: "
            f"{e.rule_label} rules · {taken}"))
        options = self.query_one("#evaluation-options", OptionList)
        keep = options.highlighted or 0
        options.clear_options()
        options.add_options([Option(Content.assemble(
            ("✓ " if r.eligible else "✗ ", "$success bold" if r.eligible else "$error bold"),
            _title(r.name)), id=r.name) for r in e.options])
        options.highlighted = keep
        options.focus()

    @on(OptionList.OptionHighlighted, "#evaluation-options")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        option = self._current()
        if option is not None and self.evaluation is not None:
            self.query_one("#evaluation-detail", Static).update(detail(self.evaluation,
                                                                      option))

    def _current(self) -> OptionResult | None:
        if self.evaluation is None:
            return None
        index = self.query_one("#evaluation-options", OptionList).highlighted
        if index is None or not 0 <= index < len(self.evaluation.options):
            return None
        return self.evaluation.options[index]

    def action_plan(self, step: int) -> None:
        """A shorter or longer repayment plan (1-12 months), evaluated again."""
        if self.evaluation is None:
            return
        plans = [o for o in self.evaluation.options
                 if o.name in ("repayment_plan", "repayment_agreement")]
        if not plans:
            return
        plan = plans[0]
        months = plan.terms.get("months")
        current = self.plan_months or (months if isinstance(months, int) else 0) or 12
        self.plan_months = max(1, current + step)
        self.query_one("#evaluation-options", OptionList).highlighted = \
            self.evaluation.options.index(plan)
        self.load()

    def action_offer(self) -> None:
        """Offer the highlighted option (it must be eligible)."""
        option = self._current()
        if option is None or self.evaluation is None:
            return
        if not option.eligible:
            self.notify(f"{_title(option.name)} is not available: " + "; ".join(option.reasons),
                        severity="warning", timeout=8, markup=False)
            return
        evaluation = self.evaluation
        offer = offer_terms(evaluation, option)

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.record("offer_sent", offer_summary(evaluation, option), offer)
            else:
                self.notify("Not offered: nothing was recorded.", markup=False)

        # An offer is a regulatory act: it starts the borrower's acceptance window
        # (1024.41(e)) and moves the case to the offer stage, so it is asked for first.
        self.app.push_screen(Confirm(
            f"Offer the {_title(option.name).lower()} on {self.today.isoformat()}? This "
            "records the offer: the borrower's window to accept or reject it starts "
            "(1024.41(e)), the case moves to the offer stage, and the same option cannot "
            "be offered again until the borrower answers."), confirmed)

    def action_deny(self) -> None:
        """Record a denial with every option's reasons (when none is to be offered)."""
        if self.evaluation is None:
            return
        evaluation = self.evaluation

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.record("denied", denial_reasons(evaluation))
            else:
                self.notify("No denial recorded.", markup=False)

        self.app.push_screen(Confirm(
            f"Record the denial on {self.today.isoformat()}, with every option's reasons? "
            "The borrower's 14 days to appeal start (1024.41(h)), and the case moves to the "
            "denied stage."), confirmed)

    @work(thread=True, exclusive=True, group="evaluation-record", exit_on_error=False,
          description="recording the offer or denial")
    def record(self, kind: str, text: str, offer: dict[str, object] | None = None) -> None:
        try:
            record_event(self.ws, self.case_id,
                         NewEvent(kind, self.today, note=text[:4000], offer=offer))
        except ServiceError as exc:
            self.post_message(self.Recorded(kind, text, str(exc)))
            return
        # The borrower's letter, kept for the next mail batch (a second transaction: the
        # decision stands even when the letter cannot be generated yet).
        try:
            letter = generate_letter(self.ws, self.case_id,
                                     "offer" if kind == "offer_sent" else "denial")
        except ServiceError as exc:
            self.post_message(self.Recorded(
                kind, f"The letter was not generated: {exc}. Generate it from the case's "
                f"Letters tab (l) once that is put right.\n\n{text}"))
            return
        self.post_message(self.Recorded(kind, letter.text, letter=f"letter {letter.id}"))

    @on(Recorded)
    def _recorded(self, message: Recorded) -> None:
        if message.error:
            self.notify(f"Not recorded: {display_text(message.error)}", severity="error",
                        markup=False)
            return
        self.changed = True
        stage = STAGE_AFTER.get(message.kind)
        self.notify(("Offer sent" if message.kind == "offer_sent" else "Denial")
                    + " recorded" + (f"; the case is now at {stage.value}" if stage else "")
                    + (f". The borrower's {message.letter} is below; it goes out with the "
                       "next mail batch." if message.letter
                       else ". No letter yet: see below."), markup=False)
        letter = self.query_one("#evaluation-letter", TextArea)
        letter.text = message.text
        letter.display = True

    def worker_failed(self, worker: Worker[object], error: BaseException) -> None:
        if self.evaluation is None:
            self.query_one("#evaluation-title", Static).update(Content(
                "Could not evaluate: the database could not be read (see the message)"))

    def commands(self) -> list[SystemCommand]:
        """The evaluation's actions, for the command palette."""
        return [SystemCommand("Offer this option", "The highlighted option, if eligible",
                              self.action_offer),
                SystemCommand("Record a denial", "With every option's reasons",
                              self.action_deny),
                SystemCommand("Shorter repayment plan", "Evaluate again",
                              lambda: self.action_plan(-1)),
                SystemCommand("Longer repayment plan", "Evaluate again",
                              lambda: self.action_plan(1)),
                SystemCommand("Back to the case", "", self.action_back)]

    def action_back(self) -> None:
        self.dismiss(self.changed)
