"""`lossmit report`: the management reports (services/reports.py) as a table, CSV, JSON or a
workbook, one report or every report of a month into a folder."""

import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from lossmit_tui.cli.shared import (
    DbOpt,
    TodayOpt,
    UserOpt,
    app,
    choice,
    emit,
    user_errors,
    workspace,
)

if TYPE_CHECKING:
    from lossmit_tui.services.reports import Figure

FORMATS = ["table", "csv", "json", "xlsx"]


def _rows(figures: "list[Figure]") -> list[dict[str, Any]]:
    rows = []
    for f in figures:
        row = f.row()
        row["month"] = f.month.strftime("%Y-%m")
        if row["value"] is not None:
            row["value"] = round(row["value"], 4)
        rows.append(row)
    return rows


def _text(figures: "list[Figure]", fmt: str) -> str:
    """CSV or JSON text of the figures (for a file)."""
    from lossmit_tui.domain.values import csv_cell
    from lossmit_tui.services.reports import COLUMNS

    rows = _rows(figures)
    if fmt == "json":
        return json.dumps(rows, indent=2) + "\n"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else csv_cell(v) if isinstance(v, str) else v
                         for k, v in row.items()})
    return out.getvalue()


def _write(figures: "list[Figure]", fmt: str, path: Path) -> None:
    from lossmit_tui.services.reports import write_xlsx

    if fmt == "xlsx":
        write_xlsx(figures, path)
    elif fmt == "table":
        raise typer.BadParameter("a file is written as csv, json or xlsx", param_hint="--format")
    else:
        path.write_text(_text(figures, fmt), encoding="utf-8")


@app.command("report")
def report(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(
        help="scorecard, delinquency, contact, applications, deadlines, workouts, pipeline, "
             "productivity or complaints (README \"Reports\" defines every figure).",
        show_default=False)]
    = None,
    month: Annotated[str | None, typer.Option(
        "--month", help="The month, YYYY-MM (default: the last whole month).")] = None,
    first: Annotated[str | None, typer.Option(
        "--from", help="The first month of a span, YYYY-MM (with --to).")] = None,
    last: Annotated[str | None, typer.Option(
        "--to", help="The last month of a span, YYYY-MM (with --from).")] = None,
    by: Annotated[str, typer.Option(
        "--by", help="portfolio, team, user or investor (a specialist: user, their own).")]
    = "portfolio",
    fmt: Annotated[str, typer.Option("--format", help="table, csv, json or xlsx.")] = "table",
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write to this file instead of standard output.")] = None,
    every: Annotated[bool, typer.Option(
        "--all", help="Every report of --month, one file each, into --out.")] = False,
    out: Annotated[Path | None, typer.Option(
        "--out", help="The folder for --all (made if missing).")] = None,
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """Print a management report for a month or a span of months: each metric's value with
    what it rests on (numerator, denominator), by portfolio, team, specialist or investor.
    Leads and admins see the whole book; a specialist their own loans (--by user)."""
    from lossmit_tui.domain.metrics import prior_month
    from lossmit_tui.services.reports import REPORTS, months_between, parse_month, run_report

    choice(fmt, FORMATS, "--format")
    if every == bool(name):
        raise typer.BadParameter("give a report NAME, or --all with --out", param_hint="NAME")
    if every and out is None:
        raise typer.BadParameter("--all writes one file per report into a folder: give --out",
                                 param_hint="--out")
    if fmt == "xlsx" and output is None and not every:
        raise typer.BadParameter("a workbook is written to a file: give -o FILE",
                                 param_hint="--output")
    if month and (first or last):
        raise typer.BadParameter("give --month or --from/--to, not both", param_hint="--month")
    if bool(first) != bool(last):
        raise typer.BadParameter("a span needs both --from and --to", param_hint="--from")
    ws = workspace(ctx, db, user, today)
    with user_errors():
        if first and last:
            months = months_between(parse_month(first, "--from"), parse_month(last, "--to"))
        else:
            months = [parse_month(month) if month else prior_month(ws.today)]
        if every:
            assert out is not None
            out.mkdir(parents=True, exist_ok=True)
            kind = "csv" if fmt == "table" else fmt
            for each in REPORTS:
                path = out / f"{each}-{months[0].strftime('%Y-%m')}.{kind}"
                _write(run_report(ws, each, months, by), kind, path)
            typer.echo(f"Wrote {len(REPORTS)} reports to {out}.")
            return
        assert name is not None
        figures = run_report(ws, name, months, by)
        if output is not None:
            _write(figures, fmt, output)
            typer.echo(f"Wrote the {name} report ({len(figures)} figures) to {output}.")
            return
    from lossmit_tui.services.reports import COLUMNS

    rows = _rows(figures)
    if fmt == "table":  # money as a person reads it; CSV and JSON keep the cents
        from lossmit_tui.domain.values import display_money

        for row in rows:
            if row["unit"] == "cents" and row["value"] is not None:
                row["value"] = display_money(int(row["value"]))
    emit(rows, COLUMNS, fmt, empty="No figures for this month.")
