"""The `lossmit` command. Commands that only print never import Textual (scripts, cron)."""

import csv
import io
import json
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.engine import Engine

from lossmit_tui.config import (
    ConfigError,
    Settings,
    demo_db_url,
    load_settings,
    local_today,
)

app = typer.Typer(
    name="lossmit",
    help="Loss-mitigation work queue: triage delinquent loans, log calls, meet every deadline.",
    add_completion=False,
    no_args_is_help=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
users_app = typer.Typer(help="Add and list the people who work cases.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema: upgrade it, show its revision.",
                     no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(db_app, name="db")


def _parse_today(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD") from None


DbOpt = Annotated[str | None, typer.Option(
    "--db", help="Database URL or SQLite file (default: $LOSSMIT_DB, the config file, "
                 "then lossmit.db in the user data directory).")]
UserOpt = Annotated[str | None, typer.Option(
    "--user", help="Who is at the keyboard (default: $LOSSMIT_USER, then the OS login).")]
TodayOpt = Annotated[str | None, typer.Option(
    "--today", help="Pin today's date (YYYY-MM-DD) for everything that depends on it.")]
FormatOpt = Annotated[str, typer.Option("--format", help="table, csv or json.")]


@dataclass
class Globals:
    db: str | None = None
    user: str | None = None
    today: str | None = None


class Runtime:
    """What a command needs, resolved once: settings, the store, the date, the user."""

    def __init__(self, ctx: typer.Context, db: str | None, user: str | None,
                 today: str | None) -> None:
        root: Globals = ctx.find_root().obj or Globals()
        try:
            self.settings: Settings = load_settings(db=db or root.db, user=user or root.user)
        except ConfigError as exc:
            _err(f"Error: {exc}")
            raise typer.Exit(1) from None
        self.today: date = _parse_today(today or root.today) or local_today()
        self.explicit_db = db or root.db

    @property
    def username(self) -> str:
        return self.settings.username

    @cached_property
    def engine(self) -> Engine:
        return open_store(self.settings.db_url)


def open_store(url: str) -> Engine:
    """An engine on a database at the current schema (upgraded, with a backup, if older)."""
    from db import migrate
    from db.engine import make_engine

    engine = make_engine(url)
    previous = migrate.current_revision(engine)
    backup = migrate.ensure_current(engine)
    if previous is not None and previous != migrate.HEAD:
        note = f"; the old file was copied to {backup}" if backup else ""
        _err(f"Upgraded the database schema from {previous} to {migrate.HEAD}{note}.")
    return engine


def _err(message: str) -> None:
    typer.echo(message, err=True)


@contextmanager
def _user_errors() -> Iterator[None]:
    """Turn refusals the user can act on into a message and exit status 1."""
    from db.migrate import SchemaError
    from lossmit_tui.services.errors import ServiceError

    try:
        yield
    except (ServiceError, SchemaError) as exc:
        _err(f"Error: {exc}")
        raise typer.Exit(1) from None


def _emit(rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt: str,
          empty: str = "Nothing to show.") -> None:
    """Print rows as an aligned text table, CSV or JSON."""
    if fmt == "json":
        typer.echo(json.dumps(list(rows), indent=2, default=str))
    elif fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore",
                                lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if row.get(k) is None else row[k] for k in columns})
        typer.echo(out.getvalue(), nl=False)
    elif fmt == "table":
        if not rows:
            typer.echo(empty)
            return
        cells = [[("" if r.get(c) is None else str(r[c])) for c in columns] for r in rows]
        widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
        typer.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
        typer.echo("  ".join("-" * w for w in widths))
        for row in cells:
            typer.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    else:
        raise typer.BadParameter(f"{fmt!r} is not a format; use table, csv or json",
                                 param_hint="--format")


@dataclass
class ResolvedView:
    spec: Any  # ViewSpec
    filter: Any  # QueueFilter
    context: Any  # UserContext


def _resolve_view(rt: Runtime, view: str) -> ResolvedView:
    """The current user's view named `view` (name or key), or a usage error listing theirs."""
    from db.engine import read_scope
    from db.queries import user_context, user_row
    from lossmit_tui.views import find_view, view_filter, visible_views

    with _user_errors(), read_scope(rt.engine) as conn:
        me = user_row(conn, rt.username)
        spec = find_view(rt.settings, me.role, view)
        if spec is None:
            names = ", ".join(v.name for v in visible_views(rt.settings, me.role))
            raise typer.BadParameter(f"{view!r} is not one of your views: {names}",
                                     param_hint="--view")
        context = user_context(conn, me.user_id, me.role, me.team)
        return ResolvedView(spec, view_filter(spec, me.user_id, context.team_ids, rt.today),
                            context)


# --- the TUI ---------------------------------------------------------------------------


def _open_tui(rt: Runtime, view: str) -> None:
    resolved = _resolve_view(rt, view)
    from lossmit_tui.app import make_app  # Textual is imported only here

    make_app(rt.engine, rt.username, rt.today, rt.settings, resolved.spec.name,
             resolved.context).run()


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
    ctx.obj = Globals(db, user, today)
    if ctx.invoked_subcommand is None:
        _open_tui(Runtime(ctx, None, None, None), view)


@app.command()
def demo(
    ctx: typer.Context,
    cases: Annotated[int, typer.Option("--cases", min=1, help="How many synthetic cases.")] = 300,
    reset: Annotated[bool, typer.Option("--reset", help="Rebuild the demo database.")] = False,
    seed_value: Annotated[int, typer.Option("--seed", help="Random seed.")] = 7,
    open_tui: Annotated[bool, typer.Option("--open/--no-open",
                                           help="Open the TUI when ready.")] = True,
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """Create (or reuse) a demo database of synthetic cases and open it as a specialist.

    The demo has its own file, never the real database (LOSSMIT_DB and the config file are
    ignored); --db chooses another demo file."""
    import sqlalchemy as sa

    from db.engine import session_scope
    from db.models import Case, User
    from lossmit_tui.domain.calendar import BusinessCalendar
    from lossmit_tui.services.clock import refresh_clocks
    from lossmit_tui.services.seed import add_compliance_history, seed

    root: Globals = ctx.find_root().obj or Globals()
    url = db or root.db or demo_db_url()
    rt = Runtime(ctx, url, user, today)
    if reset:
        from db.engine import make_engine, sqlite_path

        path = sqlite_path(make_engine(url))
        if path is None:
            _err("Error: --reset only removes a SQLite demo file; drop the database yourself.")
            raise typer.Exit(1)
        for stale in (path, path.with_name(path.name + "-wal"),
                      path.with_name(path.name + "-shm")):
            stale.unlink(missing_ok=True)
    engine = rt.engine
    with session_scope(engine) as session:
        existing = session.connection().execute(
            sa.select(sa.func.count()).select_from(Case.__table__)).scalar_one()
    with _user_errors():
        if existing:
            _err(f"Reusing the demo database {url} ({existing} cases; --reset rebuilds it).")
        else:
            _err(f"Creating a demo database with {cases} synthetic cases at {url} ...")
            seed(engine, cases, seed_value, rt.today, actor_name="demo")
            add_compliance_history(engine, seed_value, rt.today)
            # The demo shows every case's regulatory deadlines as the clock computes them.
            refresh_clocks(engine, rt.today, rt.settings.urgency_weights, "demo",
                           BusinessCalendar(rt.settings.exclude_observed_holidays),
                           every_case=True)
    with session_scope(engine) as session:
        first = session.connection().execute(
            sa.select(User.__table__.c.username).where(User.__table__.c.role == "specialist")
            .order_by(User.__table__.c.id).limit(1)).scalar_one()
    username = user or root.user or first
    if not open_tui:
        typer.echo(f"Demo ready: lossmit --db {url} --user {username}")
        return
    rt.settings = rt.settings.model_copy(update={"db": url, "user": username})
    _open_tui(rt, "mine")


@app.command("seed")
def seed_command(
    ctx: typer.Context,
    cases: Annotated[int, typer.Option("--cases", min=1, help="How many cases.")],
    seed_value: Annotated[int, typer.Option("--seed", help="Random seed: the same seed and "
                                                           "--today give the same data.")] = 1,
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """Fill an empty database with synthetic cases, a team, tasks, notes and history."""
    import time

    from lossmit_tui.services.seed import seed

    rt = Runtime(ctx, db, user, today)
    started = time.perf_counter()
    with _user_errors():
        report = seed(rt.engine, cases, seed_value, rt.today, actor_name=rt.username,
                      weights=rt.settings.urgency_weights)
    elapsed = time.perf_counter() - started
    typer.echo(
        f"Seeded {report.cases} cases, {report.tasks} tasks, {report.notes} call notes, "
        f"{report.events} events, {report.documents} documents and {report.users} users "
        f"in {elapsed:.1f}s. Try: lossmit --db {rt.settings.db_url} --user {report.specialist}"
    )


@app.command("import")
def import_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The servicing extract (CSV).")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate and report only.")] = False,
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """Load the daily servicing extract: add new loans, update known ones, list the missing.

    The whole file is checked first; any error means nothing is written (exit status 1)."""
    from lossmit_tui.services.importer import import_extract

    rt = Runtime(ctx, db, user, today)
    with _user_errors():
        report = import_extract(rt.engine, file, rt.username, rt.today, dry_run=dry_run,
                                weights=rt.settings.urgency_weights)
    if not report.ok:
        for problem in report.problems:
            _err(str(problem))
        _err(f"{file}: {len(report.problems)} problem(s); nothing was imported.")
        raise typer.Exit(1)
    verb = "Would add" if dry_run else "Added"
    typer.echo(f"{verb} {len(report.added)}, {'would update' if dry_run else 'updated'} "
               f"{len(report.updated)}, unchanged {report.unchanged} "
               f"({report.rows} rows in {file.name}).")
    if report.missing:
        shown = ", ".join(report.missing[:20])
        more = f" and {len(report.missing) - 20} more" if len(report.missing) > 20 else ""
        typer.echo(f"{len(report.missing)} open case(s) are not in this file (left as they "
                   f"are): {shown}{more}")


@app.command("export")
def export_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Where to write the CSV.")],
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """Write cases in the import format (so the file imports back unchanged).

    Every case by default; with --user U, only U's caseload. Who exported is audited (the
    --user given, else $LOSSMIT_USER or the OS login)."""
    from lossmit_tui.services.exporter import export_cases

    rt = Runtime(ctx, db, user, today)
    root: Globals = ctx.find_root().obj or Globals()
    with _user_errors():
        count = export_cases(rt.engine, file, rt.username, assignee=user or root.user)
    typer.echo(f"Wrote {count} case(s) to {file}.")


@app.command()
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
    from db.engine import session_scope
    from db.queries import queue_window
    from lossmit_tui.queue_rows import queue_record
    from lossmit_tui.services.urgency import refresh_stale

    rt = Runtime(ctx, db, user, today)
    resolved = _resolve_view(rt, view)
    refresh_stale(rt.engine, rt.today, rt.settings.urgency_weights, rt.username,
                  only=resolved.filter)
    with session_scope(rt.engine) as session:
        rows = queue_window(session, resolved.filter, 0, limit)
    records = [queue_record(r, rt.today) for r in rows]
    columns = ["loan_number", "borrower_name", "assignee", "stage", "days_delinquent",
               "bucket", "next_action_on", "next_action_kind", "urgency"]
    if fmt != "table":
        columns += ["investor", "property_state", "sale_date"]
    _emit(records, columns, fmt, empty=resolved.spec.empty or "No open cases in this view.")


@app.command()
def refresh(
    ctx: typer.Context,
    all_clocks: Annotated[bool, typer.Option(
        "--all-clocks", help="Compute every open case's regulatory clocks, not only those "
                             "time has moved (once, for a book loaded without them).")] = False,
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """Recompute every open case's urgency for today, raise a task for every promise to pay
    that was missed, and start the regulatory clocks that time alone has started (run it
    nightly on a large caseload; the app does it at start)."""
    import time

    from lossmit_tui.domain.calendar import BusinessCalendar
    from lossmit_tui.services.clock import refresh_clocks
    from lossmit_tui.services.promises import raise_missed_promises
    from lossmit_tui.services.urgency import refresh_stale

    rt = Runtime(ctx, db, user, today)
    started = time.perf_counter()
    with _user_errors():
        count = refresh_stale(rt.engine, rt.today, rt.settings.urgency_weights, rt.username)
        missed = raise_missed_promises(rt.engine, rt.today, rt.settings.urgency_weights,
                                       rt.username)
        clocks = refresh_clocks(rt.engine, rt.today, rt.settings.urgency_weights, rt.username,
                                BusinessCalendar(rt.settings.exclude_observed_holidays),
                                every_case=all_clocks)
    typer.echo(f"Recomputed the urgency of {count} case(s) for {rt.today.isoformat()}, "
               f"raised {missed} task(s) for missed promises to pay, and computed the "
               f"regulatory clocks of {clocks.visited} case(s), "
               f"{len(clocks.changed) + clocks.rolled} of them changed ({clocks.added} "
               f"deadline(s) added, {clocks.rolled} of them a new installment's live-contact "
               f"window; {clocks.met} met, {clocks.moved} moved, {clocks.cancelled} "
               f"cancelled). {clocks.due_soon} deadline(s) due within 5 days; "
               f"{clocks.newly_missed} missed since {clocks.missed_since}. "
               f"{time.perf_counter() - started:.1f}s.")


@app.command()
def evaluate(
    ctx: typer.Context,
    loan: Annotated[str, typer.Argument(help="The loan number.")],
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Evaluate as of this date (YYYY-MM-DD; default: today).")] = None,
    mod_rate: Annotated[str | None, typer.Option(
        "--mod-rate", help="The investor's modification rate in percent (default 6.500).")]
    = None,
    hardship_resolved: Annotated[bool, typer.Option(
        "--hardship-resolved", help="The hardship is over (payment deferral needs it).")]
    = False,
    imminent_default: Annotated[bool, typer.Option(
        "--imminent-default", help="Evaluate a current loan in imminent default.")] = False,
    prior_mods: Annotated[int, typer.Option(
        "--prior-modifications", min=0, help="Modifications the loan has had.")] = 0,
    forbearance_used: Annotated[int, typer.Option(
        "--forbearance-months-used", min=0, help="Months of forbearance already granted.")]
    = 0,
    last_deferral: Annotated[str | None, typer.Option(
        "--last-deferral", help="When the last payment deferral was granted (YYYY-MM-DD).")]
    = None,
    failed_trial: Annotated[str | None, typer.Option(
        "--failed-flex-trial", help="When a Flex trial last failed (YYYY-MM-DD).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """Evaluate every workout option for a loan: eligible or not, why, and the terms."""
    from decimal import Decimal, InvalidOperation

    from db.engine import read_scope
    from lossmit_tui.domain.workout import money_terms
    from lossmit_tui.evaluation import CannotEvaluate, evaluate_case

    _choice(fmt, ["table", "json"], "--format")
    rt = Runtime(ctx, db, user, today)
    day = _parse_today(as_of) or rt.today
    rate = None
    if mod_rate is not None:
        try:
            rate = Decimal(mod_rate.strip().rstrip("%"))
        except InvalidOperation:
            raise typer.BadParameter(f"{mod_rate!r} is not a rate; write e.g. 6.5",
                                     param_hint="--mod-rate") from None
        if not Decimal(0) < rate < Decimal(25):
            raise typer.BadParameter("the modification rate must be between 0 and 25 percent",
                                     param_hint="--mod-rate")
    try:
        with read_scope(rt.engine) as conn:
            result = evaluate_case(conn, rt.settings, loan_number=loan, as_of=day,
                                   modification_rate=rate, hardship_resolved=hardship_resolved,
                                   imminent_default=imminent_default,
                                   prior_modifications=prior_mods,
                                   forbearance_months_used=forbearance_used,
                                   last_deferral_on=_parse_today(last_deferral),
                                   failed_flex_trial_on=_parse_today(failed_trial))
    except (CannotEvaluate, ConfigError) as exc:
        _err(f"Error: {exc}")
        raise typer.Exit(1) from None
    if fmt == "json":
        typer.echo(json.dumps(result.as_json(), indent=2))
        return
    typer.echo(f"Loan {result.loan_number} as of {day.isoformat()}, {result.rules.name} rules, "
               f"modification rate {result.rules.flex.modification_rate:.3f}%"
               + ("" if result.finances else
                  " (no financial snapshot: affordability not checked)"))
    for r in result.options:
        typer.echo(f"{'✓' if r.eligible else '✗'} {r.name.replace('_', ' ')}")
        for reason in r.reasons:
            typer.echo(f"    why not: {reason}")
        for key, value in money_terms(r.terms).items():
            typer.echo(f"    {key.replace('_', ' ')}: {value}")


@app.command()
def event(
    ctx: typer.Context,
    loan: Annotated[str, typer.Argument(help="The loan number.")],
    kind: Annotated[str, typer.Argument(
        help="application_received, application_complete, offer_sent, offer_accepted, "
             "offer_rejected, denied, appeal_received, appeal_decided, live_contact, "
             "written_notice_sent, acknowledgment_sent, complete_notice_sent, spoc_assigned, "
             "payment_received, trial_started, plan_started, ...")],
    on: Annotated[str | None, typer.Option(
        "--on", help="The day it happened, YYYY-MM-DD (default today; not in the future).")]
    = None,
    note: Annotated[str, typer.Option("--note", help="A note kept with the event.")] = "",
    reason: Annotated[str, typer.Option(
        "--reason", help="Why it is recorded late (an earlier --on needs a reason; the note "
                         "serves when no reason is given).")] = "",
    stage: Annotated[str | None, typer.Option(
        "--stage", help="The new stage, for KIND stage_changed.")] = None,
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """Record an event on a case (the mailroom's application received, the imaging system's
    application complete, ...) through the same service and audit as the case screen: it
    moves the stage and the regulatory clock."""
    import sqlalchemy as sa

    from db.engine import session_scope
    from db.models import Case
    from lossmit_tui.domain.calendar import BusinessCalendar
    from lossmit_tui.services.cases import NewEvent, record_event
    from lossmit_tui.services.errors import NotFound

    rt = Runtime(ctx, db, user, today)
    day = rt.today
    if on is not None:
        try:
            day = date.fromisoformat(on)
        except ValueError:
            raise typer.BadParameter(f"{on!r} is not a date; use YYYY-MM-DD",
                                     param_hint="--on") from None
    if day < rt.today and not (reason or note).strip():
        _err(f"Error: an event dated {day.isoformat()}, before today, needs --reason (why "
             "it is recorded late).")
        raise typer.Exit(1)
    with _user_errors(), session_scope(rt.engine, write=True) as session:
        case_id = session.connection().execute(sa.select(Case.__table__.c.id).where(
            Case.__table__.c.loan_number == loan.strip())).scalar()
        if case_id is None:
            raise NotFound(f"no case has loan number {loan.strip()!r}")
        record_event(session, rt.username, case_id,
                     NewEvent(kind.strip(), day, reason or note, stage, note), rt.today,
                     rt.settings.urgency_weights,
                     BusinessCalendar(rt.settings.exclude_observed_holidays))
    typer.echo(f"Recorded {kind.strip()} on {day.isoformat()} for loan {loan.strip()}.")


@app.command()
def tasks(
    ctx: typer.Context,
    due: Annotated[str, typer.Option(
        "--due", help="overdue, today (overdue included), week (due by Sunday, overdue "
                      "included) or all.")] = "week",
    scope: Annotated[str, typer.Option(
        "--scope", help="mine, team (leads) or all (leads).")] = "mine",
    fmt: Annotated[str, typer.Option(
        "--format", help="table, csv, json or ics (an iCalendar file).")] = "table",
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """Print open tasks and regulatory deadlines by due date, in the tracker's buckets
    (overdue, today, tomorrow, this week, later)."""
    from db.engine import read_scope
    from db.queries import Due, open_tasks, team_member_ids, user_row
    from lossmit_tui.queue_rows import task_record

    rt = Runtime(ctx, db, user, today)
    try:
        window = Due(due)
    except ValueError:
        raise typer.BadParameter(f"{due!r} is not one of: overdue, today, week, all",
                                 param_hint="--due") from None
    if scope not in ("mine", "team", "all"):
        raise typer.BadParameter(f"{scope!r} is not one of: mine, team, all",
                                 param_hint="--scope")
    if fmt not in ("table", "csv", "json", "ics"):
        raise typer.BadParameter(f"{fmt!r} is not a format; use table, csv, json or ics",
                                 param_hint="--format")
    with _user_errors(), read_scope(rt.engine) as conn:
        me = user_row(conn, rt.username)
        if scope != "mine" and me.role == "specialist":
            _err(f"Error: --scope {scope} is for leads and admins; {me.username} is a "
                 "specialist (use --scope mine).")
            raise typer.Exit(1)
        who: int | tuple[int, ...] | None = (
            me.user_id if scope == "mine" else None if scope == "all"
            else team_member_ids(conn, me.team) or (me.user_id,))
        rows = open_tasks(conn, who, window, rt.today)
    if fmt == "ics":
        from datetime import UTC, datetime

        from lossmit_tui.ics import due_items_calendar

        sys.stdout.buffer.write(due_items_calendar(rows, me.username, datetime.now(UTC)))
        sys.stdout.buffer.flush()
        return
    records = [task_record(r, rt.today) for r in rows]
    columns = ["due", "bucket", "loan_number", "borrower_name", "kind", "title", "rule"]
    if scope != "mine":
        columns.append("assignee")
    if fmt != "table":
        columns += ["status"] + ([] if scope != "mine" else ["assignee"])
    _emit(records, columns, fmt, empty=f"No open tasks due ({window.value}).")
    if fmt == "table" and records:
        counts = Counter(r["bucket"] for r in records)
        typer.echo("\n" + " · ".join(f"{name.replace('_', ' ')} {counts[name]}"
                                     for name in ("overdue", "today", "tomorrow", "this_week",
                                                  "later") if counts[name]))


# --- team leads ----------------------------------------------------------------------------


@app.command()
def reassign(
    ctx: typer.Context,
    loans: Annotated[list[str] | None, typer.Argument(
        help="Loan numbers to move (or use --from).", show_default=False)] = None,
    from_user: Annotated[str | None, typer.Option(
        "--from", help="Move all of this user's open cases (a departure).")] = None,
    to: Annotated[str | None, typer.Option(
        "--to", help="Who receives them: one username, or several separated by commas.")]
    = None,
    reason: Annotated[str | None, typer.Option(
        "--reason", help="vacation, departure, escalation, balancing or other, optionally "
                         "followed by ': words' (other needs the words).")] = None,
    spread: Annotated[str, typer.Option(
        "--spread", help="With several receivers: round-robin or least-loaded.")]
    = "least-loaded",
    keep_tasks: Annotated[bool, typer.Option(
        "--keep-tasks", help="Leave open tasks with their current assignee.")] = False,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Show the preview and change nothing.")] = False,
    undo: Annotated[bool, typer.Option(
        "--undo", help="Undo your last reassignment batch instead.")] = False,
    acting: Annotated[str | None, typer.Option(
        "--as", help="Who is reassigning (default: --user, $LOSSMIT_USER, the OS login).")]
    = None,
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """Move cases to other specialists, with a reason; leads and admins only.

    Prints the preview (each person's open cases before → after and the regulatory deadlines
    due within 5 days that change hands), then commits it as one audited batch."""
    from lossmit_tui.domain.calendar import BusinessCalendar
    from lossmit_tui.services import reassign as service

    rt = Runtime(ctx, db, acting or user, today)
    if undo:
        with _user_errors():
            done = service.undo_last(rt.engine, rt.username, rt.today,
                                     rt.settings.urgency_weights)
        typer.echo(f"Undid batch {done.batch}: {done.moved} case(s) back with their owners.")
        return
    if bool(loans) == bool(from_user):
        raise typer.BadParameter("give loan numbers or --from USER (one of the two)",
                                 param_hint="LOANS / --from")
    if not to:
        raise typer.BadParameter("say who receives the cases", param_hint="--to")
    receivers = [n.strip() for n in to.split(",") if n.strip()]
    with _user_errors():
        why = service.parse_reason(reason or "")
        plan = service.preview(rt.engine, rt.username,
                               service.Selection(loan_numbers=tuple(loans or ()),
                                                 from_user=from_user), receivers,
                               _choice(spread, [s.value for s in service.Spread], "--spread"),
                               rt.today)
        typer.echo(f"Preview: {len(plan.moves)} case(s), reason {why}.")
        for load in plan.loads:
            typer.echo(f"  {load.username}: {load.before} → {load.after} open cases")
        missed = sum(h.due_on < rt.today for h in plan.handovers)
        if plan.handovers:
            typer.echo(f"  {len(plan.handovers)} regulatory deadline(s) change hands: "
                       f"{missed} missed, {len(plan.handovers) - missed} due within 5 days")
        for h in sorted(plan.handovers, key=lambda h: (h.due_on < rt.today, h.due_on))[:20]:
            typer.echo(f"    {h.loan_number} {h.rule} due {h.due_on.isoformat()} "
                       f"({h.from_name or 'unassigned'} → {h.to_name})")
        if len(plan.handovers) > 20:
            typer.echo(f"    … and {len(plan.handovers) - 20} more")
        for note in plan.skipped[:20]:
            typer.echo(f"  not moving {note}")
        if len(plan.skipped) > 20:
            typer.echo(f"  … and {len(plan.skipped) - 20} more not moving")
        if dry_run:
            typer.echo("Dry run: nothing changed.")
            return
        done = service.apply(rt.engine, rt.username, plan, why, rt.today,
                             rt.settings.urgency_weights,
                             BusinessCalendar(rt.settings.exclude_observed_holidays),
                             move_tasks=not keep_tasks,
                             contact_task=rt.settings.reassign_contact_task,
                             contact_days=rt.settings.reassign_contact_business_days)
    typer.echo(f"Moved {done.moved} case(s) (batch {done.batch}; undo with lossmit reassign "
               "--undo).")
    if done.conflicts:
        _err(f"Left out {len(done.conflicts)} case(s) changed since the preview: "
             + "; ".join(done.conflicts[:10]))


def _choice(value: str, allowed: list[str], hint: str) -> str:
    if value not in allowed:
        raise typer.BadParameter(f"{value!r} is not one of: {', '.join(allowed)}",
                                 param_hint=hint)
    return value


@app.command("audit")
def audit_command(
    ctx: typer.Context,
    case: Annotated[str | None, typer.Option("--case", help="Only this loan number.")] = None,
    who: Annotated[str | None, typer.Option("--user", help="Only what this user did.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="From this date (YYYY-MM-DD).")]
    = None,
    action: Annotated[str | None, typer.Option(
        "--action", help="Only this action (reassign, update, create, refused, ...).")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many rows.")]
    = 1000,
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
    acting: Annotated[str | None, typer.Option(
        "--as", help="Who is asking (default: lossmit --user, $LOSSMIT_USER, the OS login).")]
    = None,
    db: DbOpt = None,
    today: TodayOpt = None,
) -> None:
    """Print the audit trail, newest first: who, when, what, before → after (leads and
    admins). Here --user filters by who acted; who is asking is --as."""
    from db.engine import session_scope
    from db.queries import AuditFilter, audit_trail
    from lossmit_tui.services.audit import readable_filter

    rt = Runtime(ctx, db, acting, today)
    since_day = _parse_today(since) if since else None
    _choice(fmt, ["table", "csv", "json"], "--format")
    with _user_errors(), session_scope(rt.engine) as session:
        f = readable_filter(session, rt.username, AuditFilter(
            loan_number=case, username=who, since=since_day, action=action))
        rows = audit_trail(session, f, limit=limit)
    records = [{"at": r.at.isoformat(timespec="seconds"), "user": r.username,
                "entity": r.entity, "entity_id": r.entity_id, "action": r.action,
                "before": r.before, "after": r.after} for r in rows]
    if fmt in ("table", "csv"):
        def text(value: object) -> str:
            shown = "" if value is None else json.dumps(value)
            return shown if fmt == "csv" or len(shown) <= 100 else shown[:99] + "…"

        records = [r | {"before": text(r["before"]), "after": text(r["after"])}
                   for r in records]
    _emit(records, ["at", "user", "entity", "entity_id", "action", "before", "after"],
          fmt, empty="No audit rows match.")


@app.command("export-case")
def export_case(
    ctx: typer.Context,
    loan: Annotated[str, typer.Argument(help="The loan number.")],
    fmt: Annotated[str, typer.Option("--format", help="json or csv.")] = "json",
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write to this file instead of standard output.")] = None,
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """Export one case's whole history (notes, events, documents, tasks, financials,
    reassignments, audit): the servicing file. Audited."""
    from lossmit_tui.services.servicing_file import as_csv, as_json, case_file

    _choice(fmt, ["json", "csv"], "--format")
    rt = Runtime(ctx, db, user, today)
    with _user_errors():
        record = case_file(rt.engine, rt.username, loan)
    text = as_json(record) + "\n" if fmt == "json" else as_csv(record)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"Wrote the servicing file of {loan} to {output}.")


@users_app.command("add")
def users_add(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Login name, e.g. jdoe.")],
    name: Annotated[str, typer.Option("--name", help="Full name as shown on screen.")],
    role: Annotated[str, typer.Option("--role", help="specialist, lead or admin.")],
    team: Annotated[str | None, typer.Option("--team", help="Team name.")] = None,
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """Add a user."""
    from db.engine import session_scope
    from lossmit_tui.services.users import add_user

    rt = Runtime(ctx, db, user, today)
    with _user_errors(), session_scope(rt.engine, write=True) as session:
        added = add_user(session, rt.username, username, name, role, team)
    typer.echo(f"Added {added.username} ({added.display_name}, {added.role}).")


@users_app.command("deactivate")
def users_deactivate(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Who is leaving.")],
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """Deactivate a user (admins). Nothing is deleted; their open cases show as needing
    reassignment (lossmit reassign --from USER --to ...)."""
    _set_active(ctx, username, False, db, user, today)


@users_app.command("activate")
def users_activate(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Who is back.")],
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """Reactivate a deactivated user (admins)."""
    _set_active(ctx, username, True, db, user, today)


def _set_active(ctx: typer.Context, username: str, active: bool, db: str | None,
                user: str | None, today: str | None) -> None:
    import sqlalchemy as sa

    from db.engine import session_scope
    from db.tables import cases
    from lossmit_tui.services.users import set_active

    rt = Runtime(ctx, db, user, today)
    with _user_errors(), session_scope(rt.engine, write=True) as session:
        target = set_active(session, rt.username, username, active)
        open_cases = session.connection().execute(
            sa.select(sa.func.count()).select_from(cases).where(
                cases.c.assignee_id == target.id, cases.c.closed_at.is_(None))).scalar_one()
    if active:
        typer.echo(f"{username} is active again.")
    else:
        typer.echo(f"{username} is deactivated; {open_cases} open case(s) need a new owner"
                   + (f": lossmit reassign --from {username} --to USER --reason departure"
                      if open_cases else "."))


@users_app.command("list")
def users_list(
    ctx: typer.Context,
    fmt: FormatOpt = "table",
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """List users."""
    from dataclasses import asdict

    from db.engine import session_scope
    from db.queries import list_users

    rt = Runtime(ctx, db, user, today)
    with session_scope(rt.engine) as session:
        rows = [asdict(u) for u in list_users(session)]
    _emit(rows, ["username", "display_name", "role", "team", "active"], fmt,
          empty="No users yet. Add one: lossmit users add USERNAME --name NAME --role "
                "specialist")


@db_app.command("upgrade")
def db_upgrade(
    ctx: typer.Context, db: DbOpt = None, user: UserOpt = None, today: TodayOpt = None
) -> None:
    """Bring the database schema up to date (a SQLite file is backed up first)."""
    from db import migrate

    rt = Runtime(ctx, db, user, today)
    with _user_errors():
        rt.engine  # noqa: B018  (opening the store upgrades it)
        typer.echo(f"Database schema is at {migrate.current_revision(rt.engine)} (current).")


@db_app.command("current")
def db_current(
    ctx: typer.Context, db: DbOpt = None, user: UserOpt = None, today: TodayOpt = None
) -> None:
    """Show the database's schema revision without changing anything."""
    from db import migrate
    from db.engine import make_engine

    rt = Runtime(ctx, db, user, today)
    with _user_errors():
        revision = migrate.current_revision(make_engine(rt.settings.db_url))
    if revision is None:
        typer.echo(f"empty database (no schema yet); head is {migrate.HEAD}")
    else:
        state = "current" if revision == migrate.HEAD else f"behind head {migrate.HEAD}"
        typer.echo(f"{revision} ({state})")


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    app(args=argv, prog_name="lossmit")


if __name__ == "__main__":
    main(sys.argv[1:])
