"""The audit trail (leads and admins): who did what, when, before → after.

Newest first, a page of rows at a time (`m` reads the next, older page); the filter bar takes
`case=LOAN user=NAME since=YYYY-MM-DD action=NAME`. The highlighted row's change is shown in
full below the table. Every field is plain text: usernames, reasons and notes are never
markup.
"""

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Header, Input, Static
from textual.worker import Worker

from db.queries import AuditFilter, AuditRow, audit_trail
from lossmit_tui.domain.values import display_text
from lossmit_tui.services.errors import ServiceError
from lossmit_tui.widgets.footer import KeyFooter
from screens.base import LossMitScreen, withdraw_notices

PAGE = 500
FILTER_HELP = "case=LOAN user=NAME since=YYYY-MM-DD action=reassign"
# The Action and Entity columns (a kind and a whole loan number or id) take the width their
# longest cell needs: "foreclosure_ho" names no action, a loan number cut short no case.
COLUMNS: tuple[tuple[str, int | None], ...] = (
    ("At (UTC)", 16), ("User", 12), ("Action", None), ("Entity", None), ("Change", 60))


def parse_audit_filter(text: str) -> AuditFilter:
    """`name=value` pairs; ValueError says which part is wrong."""
    found = AuditFilter()
    for part in text.split():
        name, sep, value = part.partition("=")
        if not sep or not value:
            raise ValueError(f"{part!r}: write name=value, e.g. {FILTER_HELP}")
        name = name.lower()
        if name == "case":
            found = replace(found, loan_number=value)
        elif name == "user":
            found = replace(found, username=value)
        elif name == "action":
            found = replace(found, action=value)
        elif name == "since":
            try:
                found = replace(found, since=date.fromisoformat(value))
            except ValueError:
                raise ValueError(f"since {value!r} is not a date; use YYYY-MM-DD") from None
        else:
            raise ValueError(f"{name!r} is not a filter; use case, user, since or action")
    return found


def _one_line(row: AuditRow) -> str:
    before, after = row.before or {}, row.after or {}
    parts = []
    for key in [k for k in after if k not in ("case", "moves")] + [k for k in before
                                                                   if k not in after]:
        if key in before:
            parts.append(f"{key}: {before.get(key)} → {after.get(key)}")
        else:
            parts.append(f"{key}: {after.get(key)}")
    return display_text("; ".join(parts))


def _detail(row: AuditRow) -> Content:
    before, after = row.before or {}, row.after or {}
    lines = [Content.assemble((row.at.strftime("%Y-%m-%d %H:%M:%S UTC"), "$text-muted"), "  ",
                              Content(display_text(row.username)), "  ",
                              (display_text(f"{row.action} {row.entity}"), "bold"),
                              f" #{display_text(row.entity_id)}" if row.entity_id else "")]
    for key in sorted(set(before) | set(after)):
        value = after.get(key)
        if key == "moves" and isinstance(value, list):
            lines.append(Content(f"moves: {len(value)} case(s)"))
            continue
        text = f"{key}: {before.get(key)} → {value}" if key in before else f"{key}: {value}"
        lines.append(Content(display_text(text, lines=True)))
    return Content("\n").join(lines)


class AuditScreen(LossMitScreen[None]):
    """Who did what, when."""

    BINDING_GROUP_TITLE = "Audit trail"
    BINDINGS = [
        Binding("escape", "back", "Back", id="audit.back"),
        Binding("f", "filter", "Filter", id="audit.filter", tooltip=FILTER_HELP),
        Binding("m", "more", "Older rows", id="audit.more"),
    ]

    @dataclass
    class Loaded(Message):
        rows: list[AuditRow]
        append: bool
        error: str = ""

    def __init__(self, initial: AuditFilter | None = None) -> None:
        super().__init__()
        self.filter = initial or AuditFilter()
        self.rows: list[AuditRow] = []
        self.exhausted = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Content("Loading…"), id="audit-title")
        yield Input(placeholder=f"Filter: {FILTER_HELP}", id="audit-filter", compact=True)
        yield DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="audit-detail")
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#audit-table", DataTable)
        for label, width in COLUMNS:
            table.add_column(label, width=width)
        if self.filter.describe():
            self.query_one("#audit-filter", Input).value = self.filter.describe()
        table.focus()
        self.load(self.filter, None)

    @work(thread=True, exclusive=True, group="audit-load", exit_on_error=False,
          description="reading the audit trail")
    def load(self, f: AuditFilter, before_id: int | None) -> None:
        from lossmit_tui.services.audit import readable_filter

        try:
            with self.ws.session() as session:
                resolved = readable_filter(session, self.ws.username, f)
                rows = audit_trail(session, resolved, limit=PAGE, before_id=before_id)
        except ServiceError as exc:
            self.post_message(self.Loaded([], False, str(exc)))
            return
        self.post_message(self.Loaded(rows, before_id is not None))

    def worker_failed(self, worker: Worker[object], error: BaseException) -> None:
        if not self.rows:
            self.query_one("#audit-title", Static).update(Content(
                "Could not read the audit trail (see the message)"))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        title = self.query_one("#audit-title", Static)
        if message.error:
            title.update(Content(f"Audit trail: {message.error}"))
            return
        table = self.query_one("#audit-table", DataTable)
        if not message.append:
            self.rows = []
            table.clear()
        self.rows += message.rows
        self.exhausted = len(message.rows) < PAGE
        for r in message.rows:
            loan = (r.after or {}).get("case")
            entity = (f"{r.entity} {loan}" if loan else
                      f"{r.entity} #{r.entity_id}" if r.entity_id else r.entity)
            table.add_row(Text(r.at.strftime("%Y-%m-%d %H:%M")),
                          Text(display_text(r.username)), Text(display_text(r.action)),
                          Text(display_text(entity)), Text(_one_line(r)))
        shown = f"{len(self.rows):,} row(s)" + ("" if self.exhausted else ", m for older")
        title.update(Content.assemble(
            ("Audit trail", "bold"), f" · {self.filter.describe() or 'everything'} · {shown}",
            ("   f filter · m older · Esc back", "$text-muted")))
        if not self.rows:
            self.query_one("#audit-detail", Static).update(Content("No audit rows match."))

    @on(DataTable.RowHighlighted, "#audit-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.rows):
            self.query_one("#audit-detail", Static).update(_detail(self.rows[event.cursor_row]))

    def action_filter(self) -> None:
        """Narrow the trail: case, user, since, action."""
        self.query_one("#audit-filter", Input).focus()

    @on(Input.Submitted, "#audit-filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        try:
            self.filter = parse_audit_filter(event.value)
        except ValueError as exc:
            self.notify(str(exc), title="Filter not applied", severity="error", markup=False)
            return
        withdraw_notices(self.app, "Filter not applied")  # the earlier mistake is fixed
        self.query_one("#audit-table", DataTable).focus()
        self.load(self.filter, None)

    def action_more(self) -> None:
        """Read the next page of older rows."""
        if self.rows and not self.exhausted:
            self.load(self.filter, self.rows[-1].audit_id)

    def action_back(self) -> None:
        if isinstance(self.focused, Input):
            self.query_one("#audit-table", DataTable).focus()
        else:
            self.app.pop_screen()

    def commands(self) -> list[Any]:
        return [SystemCommand("Audit: filter", FILTER_HELP, self.action_filter),
                SystemCommand("Audit: older rows", "The next page", self.action_more)]
