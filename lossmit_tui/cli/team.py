"""The team: `reassign` and `audit` (leads and admins), and `users` (add, list, deactivate,
activate)."""

import json
from typing import TYPE_CHECKING, Annotated

import typer

from lossmit_tui.cli.shared import (
    DbOpt,
    FormatOpt,
    TodayOpt,
    UserOpt,
    app,
    choice,
    emit,
    err,
    parse_day,
    user_errors,
    workspace,
)

if TYPE_CHECKING:
    from lossmit_tui.services.workspace import Workspace

users_app = typer.Typer(help="Add and list the people who work cases.", no_args_is_help=True)
app.add_typer(users_app, name="users")


@app.command("reassign")
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
    yes: Annotated[bool, typer.Option(
        "--yes", "-y", help="Move without asking, however many cases (by default more than "
                            "reassign_confirm_above, 25, asks first).")] = False,
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
    from lossmit_tui.services import reassign as service

    if not undo:
        if bool(loans) == bool(from_user):
            raise typer.BadParameter("give loan numbers or --from USER (one of the two)",
                                     param_hint="LOANS / --from")
        if not to:
            raise typer.BadParameter("say who receives the cases", param_hint="--to")
    ws = workspace(ctx, db, acting or user, today)
    if undo:
        with user_errors():
            done = service.undo_last(ws)
        typer.echo(f"Undid batch {done.batch}: {done.moved} case(s) back with their owners.")
        return
    receivers = [n.strip() for n in (to or "").split(",") if n.strip()]
    with user_errors():
        why = service.parse_reason(reason or "")
        plan = service.preview(ws, service.Selection(loan_numbers=tuple(loans or ()),
                                                     from_user=from_user), receivers,
                               choice(spread, [s.value for s in service.Spread], "--spread"))
        typer.echo(f"Preview: {len(plan.moves)} case(s), reason {why}.")
        for load in plan.loads:
            typer.echo(f"  {load.username}: {load.before} → {load.after} open cases")
        missed = sum(h.due_on < ws.today for h in plan.handovers)
        if plan.handovers:
            typer.echo(f"  {len(plan.handovers)} regulatory deadline(s) change hands: "
                       f"{missed} missed, {len(plan.handovers) - missed} due within 5 days")
        for h in sorted(plan.handovers, key=lambda h: (h.due_on < ws.today, h.due_on))[:20]:
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
        if not confirmed(len(plan.moves), ws.settings.reassign_confirm_above, yes):
            err(f"Nothing moved: the {len(plan.moves)} case(s) stay with their owners "
                "(answer y, or give --yes, to move them).")
            raise typer.Exit(1)
        done = service.apply(ws, plan, why, move_tasks=not keep_tasks)
    typer.echo(f"Moved {done.moved} case(s) (batch {done.batch}; undo with lossmit reassign "
               "--undo).")
    if done.conflicts:
        err(f"Left out {len(done.conflicts)} case(s) changed since the preview: "
            + "; ".join(done.conflicts[:10]))


def confirmed(moving: int, above: int, yes: bool) -> bool:
    """Whether a reassignment of `moving` cases may go ahead: at most `above` cases, or
    --yes, or the user answers yes (no answer, as from a script without input, is no)."""
    if yes or moving <= above:
        return True
    try:
        return bool(typer.confirm(f"Move {moving} case(s)? This reassigns more than {above} "
                                  "at once", default=False, err=True))
    except typer.Abort:
        return False


def _parse_head(text: str | None) -> tuple[int, str] | None:
    if text is None:
        return None
    position, _, digest = text.strip().partition(":")
    if not position.isdigit() or len(digest) != 64 or any(
            c not in "0123456789abcdef" for c in digest):
        raise typer.BadParameter(f"{text!r}: expected POSITION:HASH as printed by lossmit "
                                 "audit --verify (a number, a colon and 64 hex digits)",
                                 param_hint="--head")
    return int(position), digest


def _verify(ws: "Workspace", head: tuple[int, str] | None) -> None:
    from lossmit_tui.services.audit import verify_trail

    with user_errors():
        report = verify_trail(ws, head)
    if report.ok:
        typer.echo(f"Audit trail verified: {report.rows} row(s), all in the chain, none "
                   "removed or altered.")
        if report.head_seq is not None:
            typer.echo(f"Head: {report.head_seq}:{report.head_hash} (keep this outside the "
                       "database; check it later with --verify --head)")
        return
    err(f"The audit trail does NOT verify ({report.rows} row(s), {report.chained} in the "
        "chain):")
    for problem in report.problems:
        err(f"  - {problem}")
    raise typer.Exit(1)


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
    fmt: FormatOpt = "table",
    acting: Annotated[str | None, typer.Option(
        "--as", help="Who is asking (default: lossmit --user, $LOSSMIT_USER, the OS login).")]
    = None,
    verify: Annotated[bool, typer.Option(
        "--verify", help="Check the audit trail's hash chain instead of printing rows: no row "
        "removed, altered or added outside it. Exit status 1 when it does not hold.")] = False,
    head: Annotated[str | None, typer.Option(
        "--head", help="With --verify: a head printed by an earlier --verify (POSITION:HASH), "
        "which must still be in the chain unchanged.")] = None,
    db: DbOpt = None,
    today: TodayOpt = None,
) -> None:
    """Print the audit trail, newest first: who, when, what, before → after (leads and
    admins). Here --user filters by who acted; who is asking is --as."""
    from db.queries import AuditFilter, audit_trail
    from lossmit_tui.services.audit import readable_filter
    from lossmit_tui.services.servicing_file import money_as_text

    since_day = parse_day(since)
    choice(fmt, ["table", "csv", "json"], "--format")
    if head is not None and not verify:
        raise typer.BadParameter("goes with --verify", param_hint="--head")
    if verify:
        if case or who or since or action:
            raise typer.BadParameter("checks the whole trail: leave out --case, --user, "
                                     "--since and --action", param_hint="--verify")
        _verify(workspace(ctx, db, acting, today), _parse_head(head))
        return
    ws = workspace(ctx, db, acting, today)
    with user_errors(), ws.session() as session:
        f = readable_filter(session, ws.username, AuditFilter(
            loan_number=case, username=who, since=since_day, action=action))
        rows = audit_trail(session, f, limit=limit)
    # Amounts as decimal strings ("1117.71"), as every JSON the app writes gives money.
    records = [{"at": r.at.isoformat(timespec="seconds"), "user": r.username,
                "entity": r.entity, "entity_id": r.entity_id, "action": r.action,
                "before": money_as_text(r.before), "after": money_as_text(r.after)}
               for r in rows]
    if fmt in ("table", "csv"):
        def text(value: object) -> str:
            shown = "" if value is None else json.dumps(value)
            return shown if fmt == "csv" or len(shown) <= 100 else shown[:99] + "…"

        records = [r | {"before": text(r["before"]), "after": text(r["after"])}
                   for r in records]
    emit(records, ["at", "user", "entity", "entity_id", "action", "before", "after"],
         fmt, empty="No audit rows match.")


def _password(prompt: str, from_stdin: bool) -> str:
    """A login's password: one line of standard input, or asked twice without echo."""
    if from_stdin:
        return typer.get_text_stream("stdin").readline().rstrip("\n")
    return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=True))


@users_app.command("add")
def users_add(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Login name, e.g. jdoe.")],
    name: Annotated[str, typer.Option("--name", help="Full name as shown on screen.")],
    role: Annotated[str, typer.Option("--role", help="specialist, lead or admin.")],
    team: Annotated[str | None, typer.Option("--team", help="Team name.")] = None,
    login: Annotated[bool, typer.Option(
        "--login", help="PostgreSQL: also create their own database login (same name), "
        "which is how the app knows who they are. Asks for its password.")] = False,
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="With --login: read the password from standard input "
        "instead of asking.")] = False,
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """Add a user (and with --login, on PostgreSQL, their database login)."""
    from lossmit_tui.services.users import add_user

    if password_stdin and not login:
        raise typer.BadParameter("goes with --login", param_hint="--password-stdin")
    ws = workspace(ctx, db, user, today, create=True)  # the first user of a new store
    password = _password("Password for the new login", password_stdin) if login else None
    with user_errors():
        added = add_user(ws, username, name, role, team, login=login, password=password)
    typer.echo(f"Added {added.username} ({added.display_name}, {added.role})"
               + (f", who connects as the database login {added.username}." if login
                  else "."))


@users_app.command("login")
def users_login(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="The user who gets a login of their own.")],
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the password from standard input instead of "
        "asking.")] = False,
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """PostgreSQL: give an existing user their own database login, or a new password for it
    (admins)."""
    from lossmit_tui.services.users import give_login

    ws = workspace(ctx, db, user, today)
    password = _password(f"Password for {username}'s login", password_stdin)
    with user_errors():
        given = give_login(ws, username, password)
    typer.echo(f"{given.username} connects as the database login {given.username}.")


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

    from db.tables import cases
    from lossmit_tui.services.users import set_active

    ws = workspace(ctx, db, user, today)
    with user_errors():
        target = set_active(ws, username, active)
        with ws.read() as conn:
            open_cases = conn.execute(
                sa.select(sa.func.count()).select_from(cases).where(
                    cases.c.assignee_id == target.id, cases.c.closed_at.is_(None))
            ).scalar_one()
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

    from db.queries import list_users

    ws = workspace(ctx, db, user, today)
    with user_errors(), ws.session() as session:
        rows = [asdict(u) for u in list_users(session)]
    emit(rows, ["username", "display_name", "role", "team", "active"], fmt,
         empty="No users yet. Add one: lossmit users add USERNAME --name NAME --role "
               "specialist")
