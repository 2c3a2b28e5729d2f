"""`lossmit letters ...`: the letters owed, generating one, the daily mail batch, and
recording the mailing (which meets the clock) or a returned letter."""

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lossmit_tui.cli.shared import (
    DbOpt,
    TodayOpt,
    UserOpt,
    app,
    choice,
    emit,
    err,
    parse_day,
    stream,
    user_errors,
    workspace,
)
from lossmit_tui.domain.values import display_text

if TYPE_CHECKING:
    from lossmit_tui.services.workspace import Workspace

letters_app = typer.Typer(help="Letters and notices: owed, generated, batched, mailed.",
                          no_args_is_help=True)
app.add_typer(letters_app, name="letters")


# The letters a table shows unless --limit says otherwise: the most urgent first; csv and json
# (for scripts and the mailroom's tools) have every one unless --limit says otherwise.
TABLE_PAGE = 50
DUE_COLUMNS = ("loan_number", "borrower_name", "assignee", "kind", "rule", "due_on", "letter")


@letters_app.command("due")
def due_command(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
    limit: Annotated[int | None, typer.Option(
        "--limit", min=1, help=f"At most this many letters (default: {TABLE_PAGE} in a "
                               "table, every one in csv and json).")] = None,
    offset: Annotated[int, typer.Option(
        "--offset", min=0, help="Skip this many letters first (the next page: --offset "
                                "of the letters already shown).")] = 0,
    count: Annotated[bool, typer.Option(
        "--count", help="Only how many letters of each kind are owed, not the "
                        "letters.")] = False,
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """List the letters the regulatory clock says are owed (the written early-intervention
    notice, the acknowledgment, the notice of complete application) on the cases you may act
    on, the most urgent first: by due date, then case. `letter` is one already generated and
    awaiting the mail. A table shows a page at a time (--limit, --offset); --count gives the
    totals by kind."""
    choice(fmt, ["table", "csv", "json"], "--format")
    if count and (limit is not None or offset):
        raise typer.BadParameter("--count counts every owed letter; leave out --limit and "
                                 "--offset", param_hint="--count")
    ws = workspace(ctx, db, user, today)
    if count:
        _print_counts(ws, fmt)
        return
    from lossmit_tui.services.letters_due import Page, iter_owed

    wanted = limit if limit is not None or fmt != "table" else TABLE_PAGE
    # A table reads one more than it shows, to say whether more are owed.
    page = Page(wanted + 1 if fmt == "table" and wanted is not None else wanted, offset)
    days: dict[date, str] = {}  # each due date written once: the book's rows share a few
    with user_errors(), ws.read() as conn:
        rows = ((loan, name, assignee, kind, rule,
                 days.get(due_on) or days.setdefault(due_on, due_on.isoformat()), letter)
                for _, loan, name, assignee, kind, rule, due_on, letter
                in iter_owed(conn, ws, page=page))
        if fmt != "table":
            stream(rows, DUE_COLUMNS, fmt, text=("loan_number", "borrower_name", "assignee"))
            return
        shown = list(rows)
    more = wanted is not None and len(shown) > wanted
    shown = shown[:wanted]
    empty = "No letter is owed." if not offset else f"No letter is owed after the first {offset}."
    emit([dict(zip(DUE_COLUMNS, r, strict=True)) for r in shown], DUE_COLUMNS, fmt,
         empty=empty)
    if more:
        typer.echo(f"Letters {offset + 1}-{offset + len(shown)} shown; more are owed: "
                   f"--offset {offset + len(shown)} for the next page, --count for the "
                   "totals by kind.")


def _print_counts(ws: "Workspace", fmt: str) -> None:
    """`letters due --count`: the letters owed by kind, with their rule, and the total."""
    from lossmit_tui.domain.letters import KINDS
    from lossmit_tui.services.letters_due import owed_counts

    with user_errors():
        counts = owed_counts(ws)
    records = [{"kind": kind, "rule": KINDS[kind].clock, "owed": n}
               for kind, n in sorted(counts.items(), key=lambda kn: list(KINDS).index(kn[0]))]
    if fmt == "table":
        records.append({"kind": "total", "rule": "", "owed": sum(counts.values())})
    emit(records, ["kind", "rule", "owed"], fmt, empty="No letter is owed.")


@letters_app.command("generate")
def generate_command(
    ctx: typer.Context,
    loan: Annotated[str, typer.Argument(help="The loan number.")],
    kind: Annotated[str, typer.Argument(
        help="early_intervention, early_intervention_bankruptcy, early_intervention_fdcpa, "
             "spoc, acknowledgment, complete_notice, third_party_delay, offer, denial, "
             "trial_plan, short_term_option, appeal_determination.")],
    replaces: Annotated[int | None, typer.Option(
        "--replaces", help="The id of the letter this one corrects.")] = None,
    third_party: Annotated[str, typer.Option(
        "--third-party", help="third_party_delay: who has not sent the documents.")] = "",
    document: Annotated[list[str] | None, typer.Option(
        "--document", help="third_party_delay: a document they have not sent (repeat).")]
    = None,
    show: Annotated[bool, typer.Option("--show", help="Print the letter's text.")] = False,
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """Generate a letter for a loan, dated today, and keep it (its text, template and PDF
    hash); it goes out with the next `lossmit letters batch`."""
    from lossmit_tui.domain.values import clean_text
    from lossmit_tui.services.letters import case_of_loan, generate_letter

    ws = workspace(ctx, db, user, today)
    extra = {"third_party": clean_text(third_party),
             "third_party_documents": [clean_text(d) for d in document or [] if d.strip()]}
    with user_errors():
        letter = generate_letter(ws, case_of_loan(ws, loan), kind.strip(),
                                 replaces_id=replaces, extra=extra)
    if show:
        typer.echo(display_text(letter.text, lines=True))
    typer.echo(f"Generated letter {letter.id} ({letter.kind}, {letter.language}) for loan "
               f"{display_text(loan.strip())}; PDF SHA-256 {letter.pdf_sha256}.")


@letters_app.command("batch")
def batch_command(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="The folder for the PDFs and manifest.")],
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """The daily mail batch: generate every letter owed on your cases, and take the letters
    generated since the last batch; write one PDF per letter and a manifest CSV to --out.
    Then, once the vendor has mailed them, `lossmit letters mailed BATCH_ID`."""
    from lossmit_tui.services.letters import run_batch

    ws = workspace(ctx, db, user, today)
    with user_errors():
        report = run_batch(ws, out)
    for loan, kind, why in report.refused:
        err(f"Not generated: loan {display_text(loan)} {kind}: {display_text(why)}")
    typer.echo(f"Batch {report.batch_id}: {len(report.written)} letter(s) written to {out}"
               f" (manifest-{report.batch_id}.csv)"
               + (f"; {len(report.refused)} not generated (above)" if report.refused else "")
               + ".")


@letters_app.command("mailed")
def mailed_command(
    ctx: typer.Context,
    batch_id: Annotated[str | None, typer.Argument(
        help="The batch id `letters batch` printed.")] = None,
    letter: Annotated[int | None, typer.Option(
        "--letter", help="Instead of a batch: one letter's id (a complaint letter sent on "
                         "its own).")] = None,
    on: Annotated[str | None, typer.Option(
        "--on", help="The day they were mailed, YYYY-MM-DD (default today).")] = None,
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """Record every letter of a batch (or one letter) as mailed: each records the event
    that meets its clock (written_notice_sent, acknowledgment_sent, complete_notice_sent)
    with the letter's id, a complaint letter its complaint's step. All of the batch or
    nothing."""
    from lossmit_tui.services.letters import mark_letter_mailed, mark_mailed

    if (batch_id is None) == (letter is None):
        err("Name a batch id or --letter ID (one of them).")
        raise typer.Exit(2)
    day = parse_day(on, "--on")
    ws = workspace(ctx, db, user, today)
    when = (day or ws.today).isoformat()
    if letter is not None:
        with user_errors():
            mark_letter_mailed(ws, letter, day)
        typer.echo(f"Recorded letter {letter} as mailed on {when}.")
        return
    assert batch_id is not None
    with user_errors():
        done = mark_mailed(ws, batch_id.strip(), day)
    typer.echo(f"Recorded {len(done)} letter(s) of batch {display_text(batch_id.strip())} as "
               f"mailed on {when}.")


@letters_app.command("returned")
def returned_command(
    ctx: typer.Context,
    letter_id: Annotated[int, typer.Argument(help="The letter's id.")],
    on: Annotated[str | None, typer.Option(
        "--on", help="The day it came back, YYYY-MM-DD (default today).")] = None,
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """Record a mailed letter as returned undelivered (a letter_returned event on the
    case)."""
    from lossmit_tui.services.letters import mark_returned

    day = parse_day(on, "--on")
    ws = workspace(ctx, db, user, today)
    with user_errors():
        mark_returned(ws, letter_id, day)
    typer.echo(f"Recorded letter {letter_id} as returned on {(day or ws.today).isoformat()}.")
