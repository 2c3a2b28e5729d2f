"""The store: `db upgrade` and `db current` (the schema), `seed` and `demo` (synthetic
books), and `refresh` (the daily pass, nightly on a large caseload)."""

from dataclasses import replace
from typing import Annotated

import typer

from lossmit_tui.cli.queue import open_tui
from lossmit_tui.cli.shared import (
    DbOpt,
    TodayOpt,
    UserOpt,
    app,
    configure,
    connect,
    err,
    first_contact,
    root_options,
    store_engine,
    user_errors,
    workspace,
)
from lossmit_tui.config import demo_db_url, demo_settings

# The demo's own --db: not the real database's (its default is the demo file, and neither
# $LOSSMIT_DB nor the config file is read for it).
DemoDbOpt = Annotated[str | None, typer.Option(
    "--db", help="The demo database: a SQLite file or a database URL (default: demo.db in "
                 "the user data directory; $LOSSMIT_DB and the config file are not used).")]

db_app = typer.Typer(help="Database schema: upgrade it, show its revision.",
                     no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(
    ctx: typer.Context, db: DbOpt = None, user: UserOpt = None, today: TodayOpt = None
) -> None:
    """Bring the database schema up to date (a SQLite file is backed up first)."""
    from db import migrate

    ws = workspace(ctx, db, user, today, create=True)  # opening the store upgrades it
    with user_errors():
        typer.echo(f"Database schema is at {migrate.current_revision(ws.engine)} (current).")


@db_app.command("current")
def db_current(
    ctx: typer.Context, db: DbOpt = None, user: UserOpt = None, today: TodayOpt = None
) -> None:
    """Show the database's schema revision without changing anything."""
    from db import migrate

    settings, _ = configure(ctx, db, user, today)  # not `workspace`: that would upgrade it
    with user_errors():
        engine = store_engine(settings.db_url)
        with first_contact(engine):
            revision = migrate.current_revision(engine)
    if revision is None:
        typer.echo(f"empty database (no schema yet); head is {migrate.HEAD}")
    else:
        state = "current" if revision == migrate.HEAD else f"behind head {migrate.HEAD}"
        typer.echo(f"{revision} ({state})")


@app.command("seed")
def seed_command(
    ctx: typer.Context,
    cases: Annotated[int, typer.Option("--cases", min=1, help="How many cases.")],
    seed_value: Annotated[int, typer.Option("--seed", help="Random seed: the same seed and "
                                                           "--today give the same data.")] = 1,
    history: Annotated[bool, typer.Option(
        "--history/--no-history",
        help="Thirteen months of each loan's delinquency status, for the reports.")] = True,
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """Fill an empty database with synthetic cases, a team, tasks, notes and history."""
    import time

    from lossmit_tui.services.seed import seed

    ws = workspace(ctx, db, user, today, create=True)
    started = time.perf_counter()
    with user_errors():
        report = seed(ws.engine, cases, seed_value, ws.today, actor_name=ws.username,
                      weights=ws.weights, clock=ws.clock(), history=history)
    elapsed = time.perf_counter() - started
    typer.echo(
        f"Seeded {report.cases} cases, {report.tasks} tasks, {report.notes} call notes, "
        f"{report.events} events, {report.documents} documents, {report.history} status "
        f"history intervals and {report.users} users "
        f"in {elapsed:.1f}s. Try: lossmit --db {ws.settings.db_url} --user {report.specialist}"
    )


@app.command("demo")
def demo(
    ctx: typer.Context,
    cases: Annotated[int, typer.Option("--cases", min=1, help="How many synthetic cases.")] = 300,
    reset: Annotated[bool, typer.Option("--reset", help="Rebuild the demo database.")] = False,
    seed_value: Annotated[int, typer.Option("--seed", help="Random seed.")] = 7,
    open_tui_now: Annotated[bool, typer.Option("--open/--no-open",
                                               help="Open the TUI when ready.")] = True,
    practice: Annotated[bool, typer.Option(
        "--practice", help="Practice mode: open with the practice lessons, each step ticked "
                           "off as you do it (README: Training new specialists).")] = False,
    db: DemoDbOpt = None,
    user: Annotated[str | None, typer.Option(
        "--user", help="Open as this demo user (default: the first specialist).")] = None,
    today: TodayOpt = None,
) -> None:
    """Create (or reuse) a demo database of synthetic cases and open it as a specialist.

    The demo has its own file, never the real database: $LOSSMIT_DB and the config file's
    database are not used. --db chooses another demo file. On leaving, it prints the
    demo's users and the --db to give the other commands."""
    import sqlalchemy as sa

    from db.tables import cases as cases_t
    from db.tables import users as users_t
    from lossmit_tui.services.clock import refresh_clocks
    from lossmit_tui.services.seed import add_compliance_history, add_demo_complaints, seed

    root = root_options(ctx)
    if practice:  # practice mode: a lesson file that cannot be used is said before anything
        from lossmit_tui.services.practice import load_lessons

        with user_errors():
            load_lessons()
    url = db or root.db or demo_db_url()
    settings, day = configure(ctx, url, user, today)
    if reset:
        from db.engine import sqlite_file

        path = sqlite_file(url)
        if path is None:
            err("Error: --reset only removes a SQLite demo file; drop the database yourself.")
            raise typer.Exit(1)
        for stale in (path, path.with_name(path.name + "-wal"),
                      path.with_name(path.name + "-shm")):
            stale.unlink(missing_ok=True)
    ws = connect(settings, day, create=True)
    with ws.read() as conn:
        existing = conn.execute(sa.select(sa.func.count()).select_from(cases_t)).scalar_one()
    with user_errors():
        if existing:
            err(f"Reusing the demo database {url} ({existing} cases; --reset rebuilds it).")
        else:
            err(f"Creating a demo database with {cases} synthetic cases at {url} ...")
            seed(ws.engine, cases, seed_value, ws.today, actor_name="demo", clock=ws.clock())
            add_compliance_history(ws.engine, seed_value, ws.today, clock=ws.clock())
            add_demo_complaints(ws, seed_value)
            # The demo shows every case's regulatory deadlines as the clock computes them.
            refresh_clocks(ws.as_user("demo"), every_case=True)
    with ws.read() as conn:
        people = [(r.username, r.role, r.team) for r in conn.execute(
            sa.select(users_t.c.username, users_t.c.role, users_t.c.team)
            .where(users_t.c.active).order_by(users_t.c.id))]
    first = next((name for name, role, _ in people if role == "specialist"), people[0][0])
    username = user or root.user or first
    # The demo's fictional servicer and its users' direct lines, so letters can be made.
    ws = replace(ws, settings=demo_settings(ws.settings, [name for name, _, _ in people]))
    if open_tui_now:
        settings = ws.settings.model_copy(update={"db": url, "user": username})
        open_tui(replace(ws.as_user(username), settings=settings), "mine", practice=practice,
                 greeting=demo_guide(url, people, username).split("\n", 1)[1])
    typer.echo(demo_guide(url, people, username))


def demo_guide(url: str, people: list[tuple[str, str, str | None]], opened_as: str) -> str:
    """What the demo prints when it is ready (or closed): its users by role, and the command
    line that runs the other commands on the demo data (as a lead, and as who opened it)."""
    import shlex

    from db.engine import sqlite_file

    path = sqlite_file(url)
    where = shlex.quote(str(path)) if path is not None else shlex.quote(url)
    by_role: dict[str, list[str]] = {}
    for name, role, team in people:
        by_role.setdefault(role, []).append(f"{name} ({team})" if team else name)
    lead = next((name for name, role, _ in people if role == "lead"), opened_as)
    lines = [f"Demo ready: lossmit --db {where} --user {opened_as}",
             "Demo users: " + "; ".join(
                 f"{role}s {', '.join(names)}" for role in ("specialist", "lead", "admin")
                 if (names := by_role.get(role))) + ".",
             f"As a lead (team board, reassignment, audit): lossmit --db {where} --user {lead}",
             f"Other commands on the demo data take the same options, e.g. "
             f"lossmit --db {where} --user {lead} queue --view team",
             f"Practice lessons (p; a lead sees who finished which): "
             f"lossmit --db {where} demo --practice --user {lead}"]
    return "\n".join(lines)


@app.command("refresh")
def refresh(
    ctx: typer.Context,
    all_clocks: Annotated[bool, typer.Option(
        "--all-clocks", help="Compute every open case's regulatory clocks, not only those "
                             "time has moved (once, for a book loaded without them); "
                             "checks the status history too.")] = False,
    check_history: Annotated[bool, typer.Option(
        "--check-history", help="Check every loan's status history against its case row and "
                                "record what changed outside lossmit (reads the whole "
                                "book).")] = False,
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """Recompute every open case's urgency for today, raise a task for every promise to pay
    that was missed, raise the tasks of trial period plans (a payment not received, a grace
    passed, a trial to convert), and start the regulatory clocks that time alone has started (run it
    nightly on a large caseload; the app does it at start)."""
    import time

    from lossmit_tui.services.daily import run_daily_pass

    ws = workspace(ctx, db, user, today)
    started = time.perf_counter()
    with user_errors():
        done = run_daily_pass(ws, every_case=all_clocks, check_history=check_history)
    clocks = done.clocks
    typer.echo(f"Recomputed the urgency of {done.urgency} case(s) for {ws.today.isoformat()}, "
               f"raised {done.missed_promises} task(s) for missed promises to pay, brought "
               f"the trial tasks of {done.trials} trial case(s) in step, and "
               f"computed the regulatory clocks of {clocks.visited} case(s), "
               f"{len(clocks.changed) + clocks.rolled} of them changed ({clocks.added} "
               f"deadline(s) added, {clocks.rolled} of them a new installment's live-contact "
               f"window; {clocks.met} met, {clocks.moved} moved, {clocks.cancelled} "
               f"cancelled). {clocks.due_soon} deadline(s) due within 5 days; "
               f"{clocks.newly_missed} missed since {clocks.missed_since}. "
               + (f"Status history: {done.history} interval(s) opened for loans changed "
                  "outside lossmit. " if check_history or all_clocks else "")
               + f"{time.perf_counter() - started:.1f}s.")
