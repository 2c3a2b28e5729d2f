"""One case: every stored field, grouped the way a specialist reads a file, and its tasks."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from db.engine import session_scope
from db.queries import TaskRow, case_detail, case_tasks
from lossmit_tui.domain.delinquency import bucket, days_delinquent
from lossmit_tui.domain.values import display_money, display_phone, milli_to_rate
from lossmit_tui.queue_rows import relative_day


def _text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, date):
        return value.isoformat()
    return str(value).replace("_", " ") if isinstance(value, str) and value.islower() else str(
        value)


def _section(title: str, pairs: list[tuple[str, Any]]) -> Static:
    """A titled block of `label  value` lines; values are plain text, never markup."""
    width = max(len(label) for label, _ in pairs)
    body = Content.assemble(
        (title, "$primary bold"),
        *[part for label, value in pairs
          for part in ("\n", (label.ljust(width + 2), "$text-muted"), Content(value))],
    )
    return Static(body, classes="case-section")


class CaseScreen(Screen[None]):
    """Everything stored about one loan."""

    BINDING_GROUP_TITLE = "Case"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="case.back", tooltip="Back to the queue"),
    ]

    @dataclass
    class Loaded(Message):
        case: dict[str, Any] | None
        tasks: list[TaskRow]

    def __init__(self, case_id: int) -> None:
        super().__init__()
        self.case_id = case_id

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Content("Loading…"), id="case-title")
        with VerticalScroll(id="case-body"):
            yield Grid(id="case-grid")
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="case", exit_on_error=False)
    def load(self) -> None:
        with session_scope(self.app.engine) as session:  # type: ignore[attr-defined]
            case = case_detail(session, self.case_id)
            tasks = case_tasks(session, self.case_id) if case else []
        self.post_message(self.Loaded(case, tasks))

    @on(Loaded)
    async def _loaded(self, message: Loaded) -> None:
        title = self.query_one("#case-title", Static)
        case = message.case
        if case is None:
            title.update(Content("This case no longer exists. Press Escape to go back."))
            return
        today: date = self.app.today  # type: ignore[attr-defined]
        dpd = days_delinquent(case["next_due_date"], today)
        title.update(Content.assemble(
            (case["loan_number"], "bold"), "  ", Content(case["borrower_name"]),
            "  ·  ", (case["stage"].replace("_", " "), "$accent"),
            f"  ·  {dpd} days delinquent ({bucket(case['next_due_date'], today).value})",
        ))
        rate = case["note_rate_milli"]
        flags = [name for name, on_ in (
            ("cease communication", case["cease_communication"]),
            ("attorney represented", case["attorney_represented"]),
            ("FDCPA", case["fdcpa_covered"]),
            ("principal residence", case["occupancy"] == "owner"),
        ) if on_]
        sections = [
            _section("Borrower", [
                ("Borrower", _text(case["borrower_name"])),
                ("Co-borrower", _text(case["co_borrower_name"])),
                ("Phone", _text(display_phone(case["phone"]))),
                ("E-mail", _text(case["email"])),
                ("SSN (last 4)", _text(case["ssn_last4"])),
                ("Hardship", _text(case["hardship_reason"])),
            ]),
            _section("Property", [
                ("Address", _text(case["property_address"])),
                ("City / state / ZIP", " ".join(filter(None, (
                    case["property_city"], case["property_state"], case["property_zip"])))),
                ("Time zone", _text(case["property_tz"])),
                ("Occupancy", _text(case["occupancy"])),
                ("Value", _text(display_money(case["property_value_cents"]))),
            ]),
            _section("Loan", [
                ("Investor", _text(case["investor"])),
                ("UPB", display_money(case["upb_cents"])),
                ("Note rate", f"{milli_to_rate(rate)}%" if rate is not None else "—"),
                ("P&I / escrow", f"{display_money(case['pi_cents']) or '—'} / "
                                 f"{display_money(case['escrow_cents']) or '—'}"),
                ("Oldest unpaid due", _text(case["next_due_date"])),
                ("Originated", _text(case["origination_date"])),
            ]),
            _section("Foreclosure", [
                ("Referral", _text(case["fc_referral_date"])),
                ("Sale date", _text(case["fc_sale_date"])),
            ]),
            _section("Work", [
                ("Assignee", _text(case["assignee_name"] or "unassigned")),
                ("Next action", f"{_text(case['next_action_kind'])} "
                                f"{relative_day(case['next_action_on'], today)}".strip()),
                ("Last contact", _text(case["last_contact_at"] and
                                       case["last_contact_at"].date())),
                ("Flags", ", ".join(flags) or "—"),
            ]),
            _section("Tasks", [
                (f"{t.due.isoformat()} {t.status}",
                 f"{t.kind.replace('_', ' ')}: {t.title}"
                 + (f"  [{t.rule}]" if t.rule else ""))
                for t in message.tasks
            ] or [("", "No tasks")]),
        ]
        await self.query_one("#case-grid", Grid).mount_all(sections)
