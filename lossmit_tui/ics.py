"""Due items as an iCalendar file (RFC 5545) that calendar applications import: one all-day
event per task or regulatory deadline, on its due date, or on today when it is overdue (a
calendar shows what is still to do on the day it can be done, not on a day gone by).

Calendars are often synced to outside services, so an event carries the loan number, the kind
and the title, never the borrower's name or contact details (docs/RULES.md section 8).
"""

from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event

from db.queries import TaskRow
from lossmit_tui.domain.values import display_text


def due_items_calendar(rows: list[TaskRow], owner: str, now: datetime, today: date) -> bytes:
    """The rows as a VCALENDAR of all-day VEVENTs, an overdue one on `today` with "overdue
    since" its due date in its summary and description; UIDs are stable per task, so
    importing a newer file updates the events (an overdue one moves to the new today)
    instead of duplicating them."""
    cal = Calendar()
    cal.add("prodid", "-//lossmit-tui//due items//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"lossmit: {owner}'s due items")
    stamp = now.astimezone(UTC)
    for row in rows:
        event = Event()
        event.add("uid", f"task-{row.task_id}@lossmit-tui")
        event.add("dtstamp", stamp)
        overdue = row.due < today
        day = today if overdue else row.due
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
        kind = display_text(row.kind).replace("_", " ")
        loan = display_text(row.loan_number)  # the file is printed: stored text as shown
        late = f"overdue since {row.due.isoformat()} · " if overdue else ""
        event.add("summary", f"{late}{loan} · {kind}: {display_text(row.title)}")
        details = [f"Loan {loan}", f"Kind: {kind}"]
        if overdue:
            details.append(f"Overdue since {row.due.isoformat()}, its due date: shown on "
                           "today until it is done")
        if row.rule:
            details.append(f"Rule: {display_text(row.rule)}")
        if row.assignee:
            details.append(f"Assignee: {display_text(row.assignee)}")
        event.add("description", "\n".join(details))
        event.add("categories", ["regulatory" if row.rule else "task"])
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical()

