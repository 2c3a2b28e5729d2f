"""The case's Letters tab: the letters generated for the loan, with their status (generated,
mailed, returned), a preview of the highlighted one, and `l` to generate a letter: the one
the case owes comes first in the list, each previewed before it is generated.

A letter's text holds borrower data: it is shown as plain `Content`, never markup.
"""

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, OptionList, Static
from textual.widgets.option_list import Option

from lossmit_tui.domain.values import display_text
from lossmit_tui.services.errors import ServiceError
from lossmit_tui.services.letters import (
    LetterRow,
    case_letters,
    generate_letter,
    kinds_for_case,
    preview_letter,
)
from screens.base import LossMitModal, WorkspaceMixin


def _shown(text: str) -> Content:
    """A letter's stored text for the screen: control characters out, never markup."""
    return Content(display_text(text, lines=True))


class LettersTable(DataTable[Text]):
    """The case's letters, newest first (`l`, the pane's key, generates one)."""


class LettersPane(WorkspaceMixin, Vertical):
    """The Letters tab of a case: the list, the preview, and generating a letter."""

    BINDING_GROUP_TITLE = "Letters"
    BINDINGS = [Binding("l", "generate", "Letter", id="case.letter_generate",
                        tooltip="Generate a letter: the one the case owes first, or another")]

    @dataclass
    class Loaded(Message):
        letters: list[LetterRow]
        error: str = ""

    @dataclass
    class Generated(Message):
        title: str
        letter_id: int | None
        error: str = ""

    def __init__(self, case_id: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.case_id = case_id
        self.letters: list[LetterRow] = []

    def compose(self) -> ComposeResult:
        yield LettersTable(id="letters-table", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="letter-preview-box"):
            yield Static(Content("No letter yet: l generates one."), id="letter-preview")
        yield Static(Content("l generate a letter (the one owed first) · the preview is the "
                             "text kept and printed"), classes="tab-hint")

    def on_mount(self) -> None:
        # Read by the case screen once the case itself was read: a case the user may not
        # see is refused (and audited) once, not again for its letters.
        self.query_one(LettersTable).add_columns("Id", "Dated", "Letter", "Lang", "Status",
                                                 "Mailed", "Batch", "Corrects")

    @work(thread=True, exclusive=True, group="letters", exit_on_error=False,
          description="reading the case's letters")
    def load(self) -> None:
        try:
            self.post_message(self.Loaded(case_letters(self.ws, self.case_id)))
        except ServiceError as exc:
            self.post_message(self.Loaded([], str(exc)))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        table = self.query_one(LettersTable)
        table.clear()
        self.letters = message.letters
        for row in message.letters:
            status = row.status
            if row.status == "returned" and row.returned_on:
                status = f"returned {row.returned_on.isoformat()}"
            table.add_row(Text(str(row.id)), Text(row.letter_date.isoformat()), Text(row.title),
                          Text(row.language), Text(status),
                          Text(row.mailed_on.isoformat() if row.mailed_on else "—"),
                          Text(row.batch_id or "—"),
                          Text(str(row.replaces_id) if row.replaces_id else "—"))
        preview = self.query_one("#letter-preview", Static)
        if message.error:
            preview.update(Content(f"Could not read the letters: {display_text(message.error)}"))
        elif message.letters:
            self._preview(message.letters[0])
        else:
            preview.update(Content("No letter yet: l generates one."))

    def _preview(self, row: LetterRow) -> None:
        head = (f"Letter {row.id} · {row.title} · {row.language} · {row.status}"
                + (f" · corrects letter {row.replaces_id}" if row.replaces_id else "")
                + f"\nPDF SHA-256 {row.pdf_sha256}\n\n")
        self.query_one("#letter-preview", Static).update(
            Content.assemble((head, "$text-muted"), _shown(row.text)))

    @on(DataTable.RowHighlighted, "#letters-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.letters):
            self._preview(self.letters[event.cursor_row])

    def action_generate(self) -> None:
        """Choose a letter (the owed one first), see it, and generate it."""
        def chosen(kind: str | None) -> None:
            if kind:
                self.generate(kind)

        self.app.push_screen(ChooseLetter(self.case_id), chosen)

    @work(thread=True, exclusive=True, group="letters-generate", exit_on_error=False,
          description="generating the letter")
    def generate(self, kind: str) -> None:
        try:
            letter = generate_letter(self.ws, self.case_id, kind)
        except ServiceError as exc:
            self.post_message(self.Generated(kind, None, str(exc)))
            return
        self.post_message(self.Generated(kind, letter.id))

    @on(Generated)
    def _generated(self, message: Generated) -> None:
        if message.error:
            self.notify(f"Not generated: {display_text(message.error)}", severity="error",
                        markup=False)
            return
        self.notify(f"Letter {message.letter_id} generated; it goes out with the next mail "
                    "batch.", markup=False)
        self.load()


class ChooseLetter(LossMitModal[str | None]):
    """The letter kinds, the owed ones first, each previewed as it would be generated today
    (or the reason it cannot be). Enter generates the highlighted one; Escape cancels."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="letters.cancel",
                        tooltip="Generate nothing")]

    @dataclass
    class Kinds(Message):
        kinds: list[tuple[str, str, bool]]

    @dataclass
    class Previewed(Message):
        kind: str
        text: str
        note: str = ""
        error: str = ""

    def __init__(self, case_id: int) -> None:
        super().__init__()
        self.case_id = case_id
        self.kinds: list[tuple[str, str, bool]] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="letter-choose-box"):
            yield Static(Content("Generate which letter? (Enter generates, Escape cancels)"))
            yield OptionList(id="letter-kinds")
            with VerticalScroll(id="letter-choose-preview-box"):
                yield Static(Content("Loading…"), id="letter-choose-preview")

    def on_mount(self) -> None:
        self.list_kinds()

    @work(thread=True, exclusive=True, group="letter-kinds", exit_on_error=False,
          description="reading the letters owed")
    def list_kinds(self) -> None:
        self.post_message(self.Kinds(kinds_for_case(self.ws, self.case_id)))

    @on(Kinds)
    def _kinds(self, message: Kinds) -> None:
        self.kinds = message.kinds
        options = self.query_one("#letter-kinds", OptionList)
        options.clear_options()
        options.add_options([Option(Content(title + ("  (owed)" if owed else "")), id=key)
                             for key, title, owed in message.kinds])
        options.highlighted = 0
        options.focus()

    @on(OptionList.OptionHighlighted, "#letter-kinds")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id:
            self.preview(event.option.id)

    @on(OptionList.OptionSelected, "#letter-kinds")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    @work(thread=True, exclusive=True, group="letter-preview", exit_on_error=False,
          description="previewing the letter")
    def preview(self, kind: str) -> None:
        try:
            composed = preview_letter(self.ws, self.case_id, kind)
        except ServiceError as exc:
            self.post_message(self.Previewed(kind, "", error=str(exc)))
            return
        self.post_message(self.Previewed(kind, composed.text, composed.note))

    @on(Previewed)
    def _previewed(self, message: Previewed) -> None:
        target = self.query_one("#letter-choose-preview", Static)
        if message.error:
            target.update(Content.assemble(("Cannot be generated: ", "$error bold"),
                                           Content(display_text(message.error))))
            return
        parts = [(message.note + "\n\n", "$warning")] if message.note else []
        target.update(Content.assemble(*parts, _shown(message.text)))
