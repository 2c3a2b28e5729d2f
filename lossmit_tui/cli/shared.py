"""What every `lossmit` command shares: the root app, the options defined once (--db, --user,
--today, --format), the workspace a command runs in, user errors as "Error: ..." with exit
status 1, and rows printed as a table, CSV or JSON.

Only typer, the settings and the domain's value helpers load here: the store, the services
and Textual load inside the commands that use them, so the commands that only print start
fast (scripts, cron).
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from json.encoder import encode_basestring_ascii as encode_json_string
from typing import TYPE_CHECKING, Annotated, Any

import typer

from lossmit_tui.config import ConfigError, Settings, load_settings, local_today
from lossmit_tui.domain.values import csv_cell, display_text

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from lossmit_tui.services.workspace import Workspace

app = typer.Typer(
    name="lossmit",
    help="Loss-mitigation work queue: triage delinquent loans, log calls, meet every deadline.",
    add_completion=False,
    no_args_is_help=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

# Each option may come before the command (`lossmit --db X queue`, kept by the root callback
# in `RootOptions`) or after it (`lossmit queue --db X`); the command's own spelling wins.
DbOpt = Annotated[str | None, typer.Option(
    "--db", help="Database URL or SQLite file (default: $LOSSMIT_DB, the config file, "
                 "then lossmit.db in the user data directory).")]
UserOpt = Annotated[str | None, typer.Option(
    "--user", help="Who is at the keyboard (default: $LOSSMIT_USER, then the OS login).")]
TodayOpt = Annotated[str | None, typer.Option(
    "--today", help="Pin today's date (YYYY-MM-DD) for everything that depends on it.")]
FormatOpt = Annotated[str, typer.Option("--format", help="table, csv or json.")]


@dataclass(frozen=True)
class RootOptions:
    """--db, --user and --today as given before the command."""

    db: str | None = None
    user: str | None = None
    today: str | None = None


def root_options(ctx: typer.Context) -> RootOptions:
    """The options given before the command (none when the root callback did not run)."""
    found: RootOptions | None = ctx.find_root().obj
    return found or RootOptions()


def parse_day(value: str | None, hint: str | None = None) -> date | None:
    """A YYYY-MM-DD option as a date (None stays None), or a usage error."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD",
                                 param_hint=hint) from None


def choice(value: str, allowed: list[str], hint: str) -> str:
    """`value` if it is one of `allowed`, else a usage error naming them."""
    if value not in allowed:
        raise typer.BadParameter(f"{value!r} is not one of: {', '.join(allowed)}",
                                 param_hint=hint)
    return value


def err(message: str) -> None:
    """Print a message on standard error."""
    typer.echo(message, err=True)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn refusals the user can act on into a message and exit status 1; so too a store or
    a file that cannot be read or written, in one line without a traceback or the statement's
    values (a borrower's personal data)."""
    from sqlalchemy.exc import DBAPIError

    from db.migrate import SchemaError
    from lossmit_tui.services.errors import ServiceError

    try:
        yield
    except (ServiceError, SchemaError) as exc:
        from lossmit_tui.domain.values import display_text

        err(f"Error: {display_text(str(exc))}")  # it may quote a loan number or a name
        raise typer.Exit(1) from None
    except DBAPIError as exc:
        # The driver's own message; its first line names the failure, later ones (DETAIL)
        # may quote a row's values.
        said = str(exc.orig).strip().splitlines() or [type(exc.orig).__name__]
        err(f"Error: the database could not be read or written: {said[0].rstrip('.')}. "
            "Check --db and that you may read and write that database.")
        raise typer.Exit(1) from None
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        err(f"Error: could not read or write{where}: {exc.strerror or exc}.")
        raise typer.Exit(1) from None


def configure(ctx: typer.Context, db: str | None, user: str | None,
              today: str | None) -> tuple[Settings, date]:
    """The settings and today's date of this command: its own options, else those given
    before it, else the environment and the settings file. A bad settings file is an error
    (exit status 1); a bad --today a usage error."""
    root = root_options(ctx)
    try:
        settings = load_settings(db=db or root.db, user=user or root.user)
    except ConfigError as exc:
        err(f"Error: {exc}")
        raise typer.Exit(1) from None
    return settings, parse_day(today or root.today) or local_today()


def store_engine(url: str, *, create: bool = False) -> Engine:
    """An engine on the database `url` names, checked before anything is made: a SQLite path
    that is a directory is refused, and so is one that does not exist unless `create` (only
    `demo`, `seed`, `db upgrade` and `users add` make a new store; a mistyped --db anywhere
    else must not leave an empty database behind). Refusals are one line, exit status 1."""
    from db.engine import make_engine, sqlite_file

    path = sqlite_file(url)
    if path is not None:
        if path.is_dir():
            err(f"Error: {path} is a directory, not a database file: give --db the path of "
                f"a database file (for example {path / 'lossmit.db'}).")
            raise typer.Exit(1)
        if not create and not path.exists():
            err(f"Error: there is no database at {path}. Check --db (and $LOSSMIT_DB); to "
                f"start a new one run `lossmit db upgrade --db {path}` (or `lossmit demo` "
                "for the demo).")
            raise typer.Exit(1)
    return make_engine(url)


@contextmanager
def first_contact(engine: Engine) -> Iterator[None]:
    """The first read of a store: a file that is not a database, or a PostgreSQL server that
    cannot be reached, becomes one line saying what is wrong and what to do (exit status 1)."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    from db.engine import sqlite_path

    try:
        yield
    except DBAPIError as exc:
        said = str(exc.orig).strip().splitlines() or [type(exc.orig).__name__]
        first = said[0].rstrip(".")
        path = sqlite_path(engine)
        if path is not None and "not a database" in first:
            err(f"Error: {path} is not a lossmit database (SQLite cannot read it: {first}). "
                "Check --db: it must name a lossmit database file.")
        elif engine.dialect.name == "postgresql" and isinstance(exc, OperationalError):
            where = engine.url.set(drivername="postgresql").render_as_string(hide_password=True)
            err(f"Error: cannot connect to the PostgreSQL database {where}: {first}. Check "
                "that the server is running and that --db names the right host, port, "
                "database and login.")
        else:
            raise
        raise typer.Exit(1) from None


def open_store(url: str, *, create: bool = False) -> Engine:
    """An engine on a database at the current schema (upgraded, with a backup, if older);
    a missing SQLite file only with `create` (see `store_engine`)."""
    from db import migrate

    engine = store_engine(url, create=create)
    with first_contact(engine):
        previous = migrate.current_revision(engine)
    backup = migrate.ensure_current(engine)
    if previous is not None and previous != migrate.HEAD:
        note = f"; the old file was copied to {backup}" if backup else ""
        err(f"Upgraded the database schema from {previous} to {migrate.HEAD}{note}.")
    from db.protections import missing_protections, protection_warning

    missing = missing_protections(engine)
    if missing:
        err(protection_warning(missing))
    return engine


def connect(settings: Settings, today: date, *, create: bool = False) -> Workspace:
    """The workspace on the store the settings name, opened at the current schema, for the
    settings' user on `today`; a store that does not exist yet is made only with `create`."""
    from lossmit_tui.services.workspace import identify, open_workspace

    with user_errors():
        engine = open_store(settings.db_url, create=create)
        return as_demo(open_workspace(engine, settings,
                                      identify(engine, settings.user, settings.username),
                                      today))


def as_demo(ws: Workspace) -> Workspace:
    """On a store `lossmit demo` built, every command (and the app it opens) runs with the
    demo's fictional servicer and its users' direct lines where the settings leave them
    unset, as the demo itself does: a letter can be made with the command line the demo
    prints. A store the settings give a servicer is not read for this."""
    from dataclasses import replace

    import sqlalchemy as sa

    from db.tables import audit_events, users
    from lossmit_tui.config import demo_settings

    if ws.settings.servicer_name:
        return ws
    with ws.read() as conn:
        built = conn.execute(sa.select(audit_events.c.id).where(
            audit_events.c.entity == "seed", audit_events.c.username == "demo").limit(1)).first()
        if built is None:
            return ws
        names = list(conn.execute(sa.select(users.c.username).where(users.c.active)
                                  .order_by(users.c.id)).scalars())
    return replace(ws, settings=demo_settings(ws.settings, names))


def workspace(ctx: typer.Context, db: str | None, user: str | None,
              today: str | None, *, create: bool = False) -> Workspace:
    """What a command runs in, set up once: the settings loaded, today parsed, the store
    opened and upgraded (made only with `create`), the user read from it."""
    return connect(*configure(ctx, db, user, today), create=create)


def _display(value: Any) -> Any:
    return display_text(value) if isinstance(value, str) else value


def stream(rows: Iterable[Sequence[Any]], columns: Sequence[str], fmt: str,
           text: Collection[str]) -> None:
    """Print rows (each a sequence of values in `columns` order) as CSV or JSON as they
    come, in the same form as `emit`: a big listing is printed while it is read, not built
    first. The `text` columns hold stored text and are made safe as `emit` makes text (the
    filter text passes on its way in; no formula in a CSV cell); the others must be values
    of the program's own (numbers, dates as ISO text, kinds and rules), printed as they are."""
    out = sys.stdout
    stored = [c in text for c in columns]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")  # None is written as ""
        writer.writerow(columns)
        cells = [i for i, c in enumerate(columns) if c in text]
        for n, row in enumerate(rows, 1):
            line = list(row)
            for i in cells:
                if (v := line[i]) is not None:
                    line[i] = csv_cell(display_text(v))
            writer.writerow(line)
            if n % 2000 == 0:
                out.write(buffer.getvalue())
                buffer.seek(0)
                buffer.truncate()
        out.write(buffer.getvalue())
    elif fmt == "json":
        # json.dumps(rows, indent=2), a row at a time: the same text.
        keys = [f"    {json.dumps(c)}: " for c in columns]
        ends = [",\n"] * (len(columns) - 1) + ["\n"]
        chunk: list[str] = []
        first = True
        for row in rows:
            chunk.append("[\n  {\n" if first else ",\n  {\n")
            first = False
            for key, v, safe, end in zip(keys, row, stored, ends, strict=True):
                chunk += (key, _json_value(display_text(v) if safe and v is not None else v),
                          end)
            chunk.append("  }")
            if len(chunk) > 20000:
                out.write("".join(chunk))
                chunk.clear()
        chunk.append("[]\n" if first else "\n]\n")
        out.write("".join(chunk))
    else:
        raise typer.BadParameter(f"{fmt!r} is not a format; use csv or json",
                                 param_hint="--format")
    out.flush()


def _json_value(value: Any) -> str:
    if isinstance(value, str):
        return encode_json_string(value)
    if value is None:
        return "null"
    if type(value) is int:
        return str(value)
    return json.dumps(value, default=str)


def emit(rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt: str,
         empty: str = "Nothing to show.") -> None:
    """Print rows as an aligned text table, CSV or JSON. Text goes through the filter text
    passes on its way into the store (no control character reaches the terminal; JSON escapes
    those nested in objects), and a CSV cell a spreadsheet would run as a formula is
    neutralised."""
    rows = [{k: _display(v) for k, v in row.items()} for row in rows]
    if fmt == "json":
        typer.echo(json.dumps(list(rows), indent=2, default=str))
    elif fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore",
                                lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if row.get(k) is None else
                             csv_cell(row[k]) if isinstance(row[k], str) else row[k]
                             for k in columns})
        typer.echo(out.getvalue(), nl=False)
    elif fmt == "table":
        if not rows:
            typer.echo(empty)
            return
        cells = [[("" if r.get(c) is None else str(r[c])) for c in columns] for r in rows]
        widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
        typer.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
        typer.echo("  ".join("-" * w for w in widths))
        for line in cells:
            typer.echo("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip())
    else:
        raise typer.BadParameter(f"{fmt!r} is not a format; use table, csv or json",
                                 param_hint="--format")
