"""Complaints on the case screen: the intake form (a key on the case), the form that writes
a complaint's letter (acknowledgment, response, extension, documents relied on, exemption
notice, the answer to a request for information; another key), and the section that lists
the case's complaints with each clock and its state (docs/RULES.md section 9).

The borrower's words and what was asked are untrusted: they reach the screen as `Content`,
never as markup.
"""

from dataclasses import dataclass
from datetime import date

from textual import on, work
from textual.app import ComposeResult
from textual.content import Content
from textual.message import Message
from textual.widgets import Checkbox, Input, Label, Select, Static

from lossmit_tui.domain.complaints import CATEGORIES, Channel, ComplaintType
from lossmit_tui.domain.letters import COMPLAINT_KINDS
from lossmit_tui.domain.regclock import ClockState
from lossmit_tui.domain.values import clean_text, display_text, parse_date
from lossmit_tui.services.complaints import (
    ComplaintView,
    NewComplaint,
    add_complaint,
    case_complaints,
    validate_complaint,
)
from lossmit_tui.services.letters import generate_letter
from screens.base import WorkspaceMixin
from screens.forms import ServiceForm, Write, _input, _select, label


class ComplaintForm(ServiceForm):
    """Log a complaint on the case: received day, channel, type, category or what was
    asked, the borrower's words, whether it came to the designated address."""

    TITLE_TEXT = "Log a complaint"
    DONE_TEXT = "Complaint logged: its deadlines are on the case's tasks."

    def __init__(self, case_id: int, subject: str) -> None:
        super().__init__(subject)
        self.case_id = case_id

    def fields(self) -> ComposeResult:
        yield Label("Received (YYYY-MM-DD or today)")
        yield _input(value="today", id="complaint-received")
        yield Label("Channel")
        yield _select([(label(c), c.value) for c in Channel], value=Channel.MAIL.value,
                      allow_blank=False, id="complaint-channel")
        yield Label("Type")
        yield _select([(label(t), t.value) for t in ComplaintType],
                      value=ComplaintType.NOTICE_OF_ERROR.value, allow_blank=False,
                      id="complaint-type")
        yield Label("Covered error, 1024.35(b) (an error)")
        yield _select([(f"({k[1:]}) {v}", k) for k, v in CATEGORIES.items()],
                      prompt="Category", id="complaint-category")
        yield Label("What was asked (a request)")
        yield _input(placeholder="e.g. who owns my loan", id="complaint-asked")
        yield Checkbox("A request for the loan's owner or assignee (10 BD)", compact=True,
                       id="complaint-owner")
        yield Label("The borrower's words")
        yield _input(placeholder="what they wrote or said", id="complaint-text")
        yield Checkbox("Came to the designated address", value=True, compact=True,
                       id="complaint-designated")

    def on_mount(self) -> None:
        self.query_one("#complaint-received", Input).focus()

    def collect(self) -> Write | list[str]:
        raw = self.query_one("#complaint-received", Input).value.strip().lower()
        try:
            received = self.today if raw in ("", "today") else parse_date(raw)
        except ValueError as exc:
            return [f"received: {exc}"]
        category = self.query_one("#complaint-category", Select).value
        new = NewComplaint(
            received, str(self.query_one("#complaint-channel", Select).value),
            str(self.query_one("#complaint-type", Select).value),
            self.query_one("#complaint-text", Input).value,
            category if isinstance(category, str) else None,
            self.query_one("#complaint-asked", Input).value,
            "owner_identity" if self.query_one("#complaint-owner", Checkbox).value else None,
            self.query_one("#complaint-designated", Checkbox).value)
        problems = validate_complaint(new, self.today)
        if problems:
            return problems
        case_id = self.case_id
        return lambda ws: add_complaint(ws, case_id, new)


class ComplaintLetterForm(ServiceForm):
    """Write a letter for one of the case's open complaints: which complaint, which letter,
    and what only a person can say (an extension's or a no-error finding's reasons, the
    documents relied on, the information a request asked for or why it is not available).
    The letter is kept and goes out with the next mail batch; its mailing records the
    complaint's step, which meets the clock."""

    TITLE_TEXT = "Complaint letter"
    DONE_TEXT = ("Letter generated: it is on the Letters tab and goes out with the next mail "
                 "batch; mailing it records the complaint's step.")

    def __init__(self, case_id: int, subject: str, views: list[ComplaintView]) -> None:
        super().__init__(subject)
        self.case_id = case_id
        self.views = [v for v in views if v.status == "open"]

    def fields(self) -> ComposeResult:
        yield Label("Complaint")
        yield _select([(Content(display_text(
            f"#{v.id} {label(v.type)}, received {v.received_on}")), str(v.id))
            for v in reversed(self.views)], prompt="Complaint", id="letter-complaint",
            value=str(self.views[-1].id) if self.views else Select.NULL)
        yield Label("Letter")
        yield _select([(k.title, k.key) for k in COMPLAINT_KINDS.values()],
                      value="complaint_acknowledgment", allow_blank=False,
                      id="letter-kind")
        yield Label("Reasons (extension, no error; the basis when not available)")
        yield _input(placeholder="why more time is needed / why no error occurred",
                     id="letter-reasons")
        yield Label("The information requested (a request's answer)")
        yield _input(placeholder="what the borrower asked for, answered",
                     id="letter-information")
        yield Label("Documents relied on, separated by ; (documents letter)")
        yield _input(placeholder="payment history; escrow analysis", id="letter-documents")

    def on_mount(self) -> None:
        self.query_one("#letter-complaint", Select).focus()

    def collect(self) -> Write | list[str]:
        chosen = self.query_one("#letter-complaint", Select).value
        if not isinstance(chosen, str):
            return ["complaint: choose the complaint the letter answers (only open ones)"]
        kind = str(self.query_one("#letter-kind", Select).value)
        extra = {"reasons": clean_text(self.query_one("#letter-reasons", Input).value),
                 "documents": [clean_text(d) for d in self.query_one(
                     "#letter-documents", Input).value.split(";") if d.strip()],
                 "information": self.query_one("#letter-information", Input).value}
        case_id, complaint_id = self.case_id, int(chosen)
        return lambda ws: generate_letter(ws, case_id, kind, extra=extra,
                                          complaint_id=complaint_id)


_STATE = {ClockState.MET: "met", ClockState.MISSED: "MISSED", ClockState.DUE_SOON: "due soon",
          ClockState.PENDING: "pending", ClockState.BARRED: "barred",
          ClockState.ALLOWED: "allowed"}


def section_content(views: list[ComplaintView], today: date) -> Content:
    """The case's complaints, newest first, each with its clocks and their state."""
    parts: list[Content] = [Content.styled("Complaints", "bold"),
                            Content.styled("  (k logs one · K writes a complaint's letter)",
                                           "$text-muted")]
    for v in reversed(views):
        head = (f"#{v.id} {label(v.type)} · received {v.received_on} by "
                f"{label(v.channel)}" + (f" · 1024.35(b)({v.category[1:]})" if v.category
                                         else "") + f" · {v.status} · owner {v.owner or '-'}")
        parts.append(Content.assemble("\n\n", Content.styled(display_text(head), "bold")))
        words = display_text(v.text)[:200]
        parts.append(Content.assemble("\n  “", Content(words), "”"))
        for clock in v.clocks:
            state = _STATE[clock.state] if clock.applies else "exempt"
            line = f"\n  {clock.due_on or '-'!s} {state:<9} {clock.rule.title} [{clock.citation}]"
            if clock.met_by:
                line += f" — {clock.met_by}"
            elif not clock.applies:
                line += f" — {clock.why_not}"
            style = "bold $error" if clock.applies and clock.state is ClockState.MISSED \
                else "$warning" if clock.applies and clock.state is ClockState.DUE_SOON else ""
            parts.append(Content.styled(line, style) if style else Content(line))
    return Content.assemble(*parts)


class ComplaintsSection(WorkspaceMixin, Static):
    """The case's complaints with their clocks (hidden when there are none); read in a
    thread worker each time the case screen has read the case (never for a case the user
    may not see: that read is refused, and audited, once)."""

    DEFAULT_CSS = "ComplaintsSection { margin: 1 0 0 1; }"

    @dataclass
    class Read(Message):
        views: list[ComplaintView]

    def __init__(self, case_id: int, *, id: str | None = None) -> None:
        super().__init__(Content(""), id=id)
        self.case_id = case_id
        self.views: list[ComplaintView] = []
        self.display = False

    @work(thread=True, exclusive=True, group="case-complaints", exit_on_error=False,
          description="reading the case's complaints")
    def reload(self) -> None:
        """Read the case's complaints again."""
        self.post_message(self.Read(case_complaints(self.ws, self.case_id)))

    @on(Read)
    def _read(self, message: Read) -> None:
        self.views = message.views
        self.display = bool(message.views)
        self.update(section_content(message.views, self.today))
