"""One case: every stored field, grouped the way a specialist reads a file, and its tasks."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Select, Static, TabbedContent, TabPane

from db.engine import session_scope
from db.queries import (
    AuditRow,
    TaskRow,
    TimelineItem,
    case_audit,
    case_detail,
    case_tasks,
    case_timeline,
    recent_calls,
)
from lossmit_tui.contact_now import case_contact_check, local_times_text
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


def _changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    """An audit row's before -> after, one field per line."""
    before, after = before or {}, after or {}
    lines = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        lines.append(f"{key}: {old} → {new}" if key in before else f"{key}: {new}")
    return "\n".join(lines)


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
        Binding("c", "log_call", "Log call", id="case.log_call", tooltip="Log a call"),
        Binding("1", "tab('summary')", "Summary", id="case.summary"),
        Binding("2", "tab('timeline')", "Timeline", id="case.timeline"),
        Binding("3", "tab('audit')", "Audit", id="case.audit"),
    ]

    @dataclass
    class Loaded(Message):
        case: dict[str, Any] | None
        tasks: list[TaskRow]
        calls: list[tuple[datetime, str]]
        timeline: list[TimelineItem]
        audit: list[AuditRow]

    def __init__(self, case_id: int) -> None:
        super().__init__()
        self.case_id = case_id

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Content("Loading…"), id="case-title")
        with TabbedContent(id="case-tabs"):
            with TabPane("1 Summary", id="summary"), VerticalScroll(id="case-body"):
                yield Grid(id="case-grid")
            with TabPane("2 Timeline", id="timeline"):
                yield Select([("Everything", "all"), ("Calls", "call"), ("Events", "event"),
                              ("Tasks", "task")], value="all", allow_blank=False,
                             id="timeline-kind")
                yield VerticalScroll(id="timeline-list")
            with TabPane("3 Audit", id="audit"):
                yield VerticalScroll(id="audit-list")
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    def action_log_call(self) -> None:
        """Log a call on this case; the header reloads afterwards."""
        from screens.call_editor import CallEditor

        self.app.push_screen(CallEditor(self.case_id), lambda saved: saved and self.reload())

    def reload(self) -> None:
        for container in ("#case-grid", "#timeline-list", "#audit-list"):
            self.query_one(container).remove_children()
        self.load()

    def action_tab(self, name: str) -> None:
        """Show the Summary, Timeline or Audit tab."""
        self.query_one(TabbedContent).active = name

    @on(Select.Changed, "#timeline-kind")
    def _filter_timeline(self, event: Select.Changed) -> None:
        for item in self.query(".timeline-item"):
            item.display = event.value in ("all", item.name)

    @work(thread=True, exclusive=True, group="case", exit_on_error=False)
    def load(self) -> None:
        now: datetime = self.app.clock()  # type: ignore[attr-defined]
        with session_scope(self.app.engine) as session:  # type: ignore[attr-defined]
            case = case_detail(session, self.case_id)
            tasks = case_tasks(session, self.case_id) if case else []
            calls = recent_calls(session, self.case_id, now - timedelta(days=8)) if case else []
            timeline = case_timeline(session, self.case_id) if case else []
            audit = case_audit(session, self.case_id, str(case["loan_number"])) if case else []
        self.post_message(self.Loaded(case, tasks, calls, timeline, audit))

    def _contact_line(self, case: dict[str, Any], calls: list[tuple[datetime, str]]
                      ) -> Content:
        """The borrower's local time (warning colour outside calling hours), the call
        attempts of the last 7 days, and any block on direct calls."""
        check = case_contact_check(case, calls, self.app.clock(),  # type: ignore[attr-defined]
                                   self.app.settings)  # type: ignore[attr-defined]
        hours_warned = bool(check.local_times) and bool(check.hours_warnings)
        shown = local_times_text(check) or "unknown (no ZIP)"
        parts: list[Content | tuple[str, str] | str] = [
            "Local time ", (shown, "$error bold" if hours_warned else "$success"),
            f"  ·  {check.attempts_last_7_days} call attempt(s) in 7 days",
        ]
        if check.blocked:
            parts += ["  ·  ", (check.blocked, "$error bold")]
        elif check.frequency_warnings:
            parts += ["\n", (check.frequency_warnings[0], "$warning")]
        return Content.assemble(*parts)

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
            "\n", self._contact_line(case, message.calls),
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
        await self.query_one("#timeline-list", VerticalScroll).mount_all(
            [Static(Content.assemble(
                (item.at.strftime("%Y-%m-%d %H:%M"), "$text-muted"), "  ",
                (item.kind, "$accent bold"), "  ", Content(item.author or ""), "\n",
                Content(item.text)), classes="timeline-item", name=item.kind)
             for item in message.timeline]
            or [Static(Content("Nothing has happened on this case yet."))])
        await self.query_one("#audit-list", VerticalScroll).mount_all(
            [Static(Content.assemble(
                (row.at.strftime("%Y-%m-%d %H:%M"), "$text-muted"), "  ",
                Content(row.username), "  ", (f"{row.action} {row.entity}", "bold"),
                f" #{row.entity_id}" if row.entity_id else "", "\n",
                Content(_changes(row.before, row.after))), classes="audit-item")
             for row in message.audit]
            or [Static(Content("No changes recorded."))])
