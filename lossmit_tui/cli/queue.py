"""The work queue: the TUI (`lossmit` with no command), and the printing commands `queue` and
`tasks`. Textual loads only when the TUI opens; the printing commands never load it."""

import sys
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import typer

from lossmit_tui.cli.shared import (
    DbOpt,
    FormatOpt,
    RootOptions,
    TodayOpt,
    UserOpt,
    app,
    emit,
    err,
    parse_day,
    user_errors,
    workspace,
)

if TYPE_CHECKING:
    from db.queries import QueueFilter, UserContext
    from lossmit_tui.config import ViewSpec
    from lossmit_tui.services.workspace import Workspace


@dataclass
class ResolvedView:
    """A view the user may open: its spec, its filter and the user's context."""

    spec: "ViewSpec"
    filter: "QueueFilter"
    context: "UserContext"


def resolve_view(ws: "Workspace", view: str) -> ResolvedView:
    """The current user's view named `view` (name or key), or a usage error listing theirs."""
    from db.queries import user_context, user_row
    from lossmit_tui.views import find_view, view_filter, visible_views

    with user_errors(), ws.read() as conn:
        me = user_row(conn, ws.username)
        spec = find_view(ws.settings, me.role, view)
        if spec is None:
            names = ", ".join(v.name for v in visible_views(ws.settings, me.role))
            raise typer.BadParameter(f"{view!r} is not one of your views: {names}",
                                     param_hint="--view")
        context = user_context(conn, me.user_id, me.role, me.team)
        return ResolvedView(
            spec, view_filter(spec, me.user_id, context.team_ids, ws.today, me.role), context)


def open_tui(ws: "Workspace", view: str, *, practice: bool = False,
             greeting: str = "") -> None:
    """Open the TUI on the user's view `view` and run it until the user quits (`practice`:
    with the practice panel open; `greeting`: a note shown on the first screen)."""
    import logging

    from lossmit_tui.config import create_private, log_path, private_dir

    resolved = resolve_view(ws, view)
    from lossmit_tui.app import make_app  # Textual is imported only here

    # Failures the screens report (a database that went away, a save that could not be made)
    # are kept with their tracebacks in the user's log file, not only shown.
    log_file = log_path()
    private_dir(log_file.parent)  # the messages may name borrowers
    create_private(log_file)
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger("lossmit").addHandler(handler)
    make_app(ws, resolved.spec.name, resolved.context, practice=practice,
             greeting=greeting).run()


@app.callback(invoke_without_command=True)
def main_callback(
    ctx: typer.Context,
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
    view: Annotated[str, typer.Option("--view", help="Queue view to open, by name or key "
                                                     "(mine, due, all, ...).")] = "mine",
) -> None:
    """Open the work queue of the current user (with no command)."""
    ctx.obj = RootOptions(db, user, today)
    if ctx.invoked_subcommand is None:
        open_tui(workspace(ctx, None, None, None), view)


@app.command("queue")
def queue(
    ctx: typer.Context,
    view: Annotated[str, typer.Option("--view", help="A view's name or key: mine, due, "
                                                     "regulatory, sale, promises, documents, "
                                                     "unassigned, team, all.")] = "mine",
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many rows.")] = 50,
    fmt: FormatOpt = "table",
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """Print the work queue in the order the TUI shows it."""
    from db.queries import queue_window
    from lossmit_tui.queue_rows import queue_record
    from lossmit_tui.services.urgency import refresh_stale

    ws = workspace(ctx, db, user, today)
    resolved = resolve_view(ws, view)
    with user_errors():
        refresh_stale(ws, only=resolved.filter)
        with ws.session() as session:
            rows = queue_window(session, resolved.filter, 0, limit)
    records = [queue_record(r, ws.today) for r in rows]
    columns = ["loan_number", "borrower_name", "assignee", "stage", "days_delinquent",
               "bucket", "next_action_on", "next_action_kind", "urgency"]
    if fmt != "table":
        columns += ["investor", "property_state", "sale_date"]
    emit(records, columns, fmt, empty=resolved.spec.empty or "No open cases in this view.")


@app.command("tasks")
def tasks(
    ctx: typer.Context,
    due: Annotated[str | None, typer.Option(
        "--due", help="overdue, today (overdue included), week (due by Sunday, overdue "
                      "included) or all (default: week).")] = None,
    since: Annotated[str | None, typer.Option(
        "--from", help="Only items due from this day (YYYY-MM-DD; default today), and the "
                       "overdue ones when the range takes in today.")] = None,
    until: Annotated[str | None, typer.Option(
        "--to", help="Only items due up to this day (YYYY-MM-DD).")] = None,
    days: Annotated[int | None, typer.Option(
        "--days", min=1, help="Only items due in this many days from --from (1: that day "
                              "only), and the overdue ones.")] = None,
    scope: Annotated[str, typer.Option(
        "--scope", help="mine, team (leads) or all (leads).")] = "mine",
    fmt: Annotated[str, typer.Option(
        "--format", help="table, csv, json or ics (an iCalendar file).")] = "table",
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """Print open tasks and regulatory deadlines by due date, in the tracker's buckets
    (overdue, today, tomorrow, this week, later). --from/--to or --days choose the days
    instead of --due; the ics format puts an overdue item on today."""
    from datetime import timedelta

    from db.queries import Due, open_tasks, team_member_ids, user_row
    from lossmit_tui.queue_rows import task_record

    ranged = since is not None or until is not None or days is not None
    if ranged and due is not None:
        raise typer.BadParameter("choose the days with --due or with --from/--to/--days, "
                                 "not both", param_hint="--due")
    if days is not None and until is not None:
        raise typer.BadParameter("give --to or --days, not both", param_hint="--days")
    first_day, last_day = parse_day(since, "--from"), parse_day(until, "--to")
    if first_day and last_day and last_day < first_day:
        raise typer.BadParameter(f"{until} is before --from {since}", param_hint="--to")
    try:
        window = Due.ALL if ranged else Due(due or "week")
    except ValueError:
        raise typer.BadParameter(f"{due!r} is not one of: overdue, today, week, all",
                                 param_hint="--due") from None
    if scope not in ("mine", "team", "all"):
        raise typer.BadParameter(f"{scope!r} is not one of: mine, team, all",
                                 param_hint="--scope")
    if fmt not in ("table", "csv", "json", "ics"):
        raise typer.BadParameter(f"{fmt!r} is not a format; use table, csv, json or ics",
                                 param_hint="--format")
    ws = workspace(ctx, db, user, today)
    between = None
    if ranged:
        start = first_day or ws.today
        between = (start, start + timedelta(days=days - 1) if days is not None else last_day)
    with user_errors(), ws.read() as conn:
        me = user_row(conn, ws.username)
        if scope != "mine" and me.role == "specialist":
            err(f"Error: --scope {scope} is for leads and admins; {me.username} is a "
                "specialist (use --scope mine).")
            raise typer.Exit(1)
        who: int | tuple[int, ...] | None = (
            me.user_id if scope == "mine" else None if scope == "all"
            else team_member_ids(conn, me.team) or (me.user_id,))
        rows = open_tasks(conn, who, window, ws.today, between=between)
    if fmt == "ics":
        from datetime import UTC, datetime

        from lossmit_tui.ics import due_items_calendar

        sys.stdout.buffer.write(due_items_calendar(rows, me.username, datetime.now(UTC),
                                                   ws.today))
        sys.stdout.buffer.flush()
        return
    records = [task_record(r, ws.today) for r in rows]
    columns = ["due", "bucket", "loan_number", "borrower_name", "kind", "title", "rule"]
    if scope != "mine":
        columns.append("assignee")
    if fmt != "table":
        columns += ["status"] + ([] if scope != "mine" else ["assignee"])
    shown = "in those days" if ranged else f"({window.value})"
    emit(records, columns, fmt, empty=f"No open tasks due {shown}.")
    if fmt == "table" and records:
        counts = Counter(r["bucket"] for r in records)
        typer.echo("\n" + " · ".join(f"{name.replace('_', ' ')} {counts[name]}"
                                     for name in ("overdue", "today", "tomorrow", "this_week",
                                                  "later") if counts[name]))
