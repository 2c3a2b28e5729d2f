"""Cases in and out of the store: `import` (the daily servicing extract), `export`,
`export-case` (one loan's servicing file), `event` (what the mailroom and imaging systems
record) and `evaluate` (the workout options of a loan)."""

import json
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
    root_options,
    user_errors,
    workspace,
)
from lossmit_tui.config import ConfigError, open_private
from lossmit_tui.domain.events import RECEIPT_KINDS
from lossmit_tui.domain.qrpc import QRPC_ATTRIBUTES
from lossmit_tui.domain.values import display_text

if TYPE_CHECKING:
    from lossmit_tui.domain.workout import PriorWorkout


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

    ws = workspace(ctx, db, user, today)
    with user_errors():
        report = import_extract(ws, file, dry_run=dry_run)
    if not report.ok:
        for problem in report.problems:  # it can quote the file (a column's name)
            err(display_text(str(problem)))
        err(f"{file}: {len(report.problems)} problem(s); nothing was imported.")
        raise typer.Exit(1)
    verb = "Would add" if dry_run else "Added"
    typer.echo(f"{verb} {len(report.added)}, {'would update' if dry_run else 'updated'} "
               f"{len(report.updated)}, unchanged {report.unchanged} "
               f"({report.rows} rows in {file.name}).")
    if report.missing:
        shown = ", ".join(display_text(loan) for loan in report.missing[:20])  # stored text
        more = f" and {len(report.missing) - 20} more" if len(report.missing) > 20 else ""
        typer.echo(f"{len(report.missing)} open case(s) are not in this file (left as they "
                   f"are): {shown}{more}")
    if report.foreclosure_errors:
        shown = ", ".join(display_text(loan) for loan in report.foreclosure_errors[:20])
        more = (f" and {len(report.foreclosure_errors) - 20} more"
                if len(report.foreclosure_errors) > 20 else "")
        typer.echo(f"URGENT: this file sets or moves the sale on {len(report.foreclosure_errors)}"
                   " case(s) with an open complaint asserting a foreclosure error: check the "
                   "1024.41(f)/(g) protections and tell counsel today (a task is on each "
                   f"case): {shown}{more}")


@app.command("export")
def export_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Where to write the CSV.")],
    assignee: Annotated[str | None, typer.Option(
        "--assignee", help="Only this user's caseload.")] = None,
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """Write cases in the import format (so the file imports back unchanged).

    Every case you may act on (a specialist their own and unassigned cases, a lead their
    team's, an admin all); with --assignee U, only U's caseload among them. Who exported is
    audited (--user, else $LOSSMIT_USER or the OS login)."""
    from lossmit_tui.services.exporter import export_cases

    ws = workspace(ctx, db, user, today)
    with user_errors():
        count = export_cases(ws, file, assignee=assignee)
    typer.echo(f"Wrote {count} case(s) to {file}.")


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

    choice(fmt, ["json", "csv"], "--format")
    ws = workspace(ctx, db, user, today)
    with user_errors():
        record = case_file(ws, loan)
    text = as_json(record) + "\n" if fmt == "json" else as_csv(record)
    if output is None:
        typer.echo(text, nl=False)
    else:
        with user_errors(), open_private(output) as out:  # personal data: owner only
            out.write(text)
        typer.echo(f"Wrote the servicing file of {loan} to {output}.")


# The events that are something received: dated on the servicer's calendar day.
RECEIPTS = RECEIPT_KINDS


@app.command("event")
def event(
    ctx: typer.Context,
    loan: Annotated[str, typer.Argument(help="The loan number.")],
    kind: Annotated[str, typer.Argument(
        help="application_received, application_complete, offer_sent, offer_accepted, "
             "offer_rejected, denied, appeal_received, appeal_decided, live_contact, "
             "written_notice_sent, acknowledgment_sent, complete_notice_sent, spoc_assigned, "
             "payment_received, trial_started, trial_payment, failed_to_perform, "
             "modification_effective, plan_started, no_option_notice_sent, "
             "bankruptcy_filed (with --chapter and --case-number), bankruptcy_discharged, "
             "bankruptcy_dismissed, bankruptcy_reaffirmed, active_duty_started, "
             "active_duty_ended, successor_confirmed, fc_referral, fc_first_filing, "
             "fc_judgment, sale_scheduled, sale_postponed, sale_held, counsel_instructed, "
             "short_term_offered (with --option, --months, --arrears-months), "
             "short_term_notice_sent, third_party_delay_sent, third_party_received, "
             "...")],
    on: Annotated[str | None, typer.Option(
        "--on", help="The day it happened, YYYY-MM-DD (default today; not in the future).")]
    = None,
    note: Annotated[str, typer.Option("--note", help="A note kept with the event.")] = "",
    reason: Annotated[str, typer.Option(
        "--reason", help="Why it is recorded late (an earlier --on needs a reason; the note "
                         "serves when no reason is given).")] = "",
    stage: Annotated[str | None, typer.Option(
        "--stage", help="The new stage, for KIND stage_changed.")] = None,
    firm: Annotated[str, typer.Option(
        "--firm", help="Foreclosure counsel's firm, for KIND fc_referral.")] = "",
    basis: Annotated[str, typer.Option(
        "--basis", help="What a referral is for (fc_referral): delinquency (default), "
                        "due_on_sale or joining_lienholder.")] = "",
    sale_date: Annotated[str | None, typer.Option(
        "--sale-date", help="The sale date, YYYY-MM-DD: for sale_scheduled, and the new one "
                            "for sale_postponed (none given: no new date yet).")] = None,
    outcome: Annotated[str, typer.Option(
        "--outcome", help="For appeal_decided: upheld (the denial stands) or overturned.")]
    = "",
    amount: Annotated[str | None, typer.Option(
        "--amount", help="trial_payment: the amount received (e.g. 1117.71); trial_started: "
                         "the trial payment (default: the accepted offer's).")] = None,
    payment: Annotated[int | None, typer.Option(
        "--payment", min=1, help="trial_payment or failed_to_perform: which scheduled "
                                 "payment (default: the earliest unpaid, or missed).")] = None,
    payments: Annotated[int | None, typer.Option(
        "--payments", min=1, help="trial_started: the number of trial payments (default: "
                                  "the offer's; 3 for a Flex Modification).")] = None,
    first_due: Annotated[str | None, typer.Option(
        "--first-due", help="trial_started: the first payment's due date, YYYY-MM-DD "
                            "(default: the first of next month).")] = None,
    chapter: Annotated[str | None, typer.Option(
        "--chapter", help="For bankruptcy_filed: the chapter, 7, 11, 12 or 13.")] = None,
    case_number: Annotated[str, typer.Option(
        "--case-number", help="For bankruptcy_filed: the court's case number (26-10001).")]
    = "",
    from_successor: Annotated[bool, typer.Option(
        "--from-successor", help="For application_received: sent by a claimed successor in "
                                 "interest not yet confirmed.")] = False,
    option: Annotated[str, typer.Option(
        "--option", help="For short_term_offered: repayment_plan or forbearance.")] = "",
    months: Annotated[int | None, typer.Option(
        "--months", help="For short_term_offered: the months it runs (at most 6).")] = None,
    arrears_months: Annotated[int | None, typer.Option(
        "--arrears-months", help="For a short-term repayment plan: the months of arrears "
                                 "it repays (at most 3).")] = None,
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """Record an event on a case (the mailroom's application received, the imaging system's
    application complete, ...) through the same service and audit as the case screen: it
    moves the stage and the regulatory clock."""
    import sqlalchemy as sa

    from db.tables import cases
    from lossmit_tui.domain.values import parse_money
    from lossmit_tui.services.cases import NewEvent, parse_chapter, record_event
    from lossmit_tui.services.errors import NotFound

    on_day = parse_day(on, "--on")
    sale_day = parse_day(sale_date, "--sale-date")
    first_due_day = parse_day(first_due, "--first-due")
    amount_cents = None
    if amount is not None:
        try:
            amount_cents = parse_money(amount)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--amount") from None
    ws = workspace(ctx, db, user, today)
    if kind.strip() in RECEIPTS and (today or root_options(ctx).today) is None:
        # received now: on the servicer's calendar day, not the machine's (a server in UTC
        # would date a receipt at 23:30 in New York on the next day)
        ws = ws.on(ws.receipt_day())
    day = on_day or ws.today
    if day < ws.today and not (reason or note).strip():
        err(f"Error: an event dated {day.isoformat()}, before today, needs --reason (why "
            "it is recorded late).")
        raise typer.Exit(1)
    with user_errors():
        with ws.read() as conn:
            case_id = conn.execute(sa.select(cases.c.id).where(
                cases.c.loan_number == loan.strip())).scalar()
        if case_id is None:
            raise NotFound(f"no case has loan number {loan.strip()!r}")
        record_event(ws, case_id, NewEvent(
            kind.strip(), day, reason or note, stage, note, firm=firm, basis=basis.strip(),
            sale_date=sale_day, outcome=outcome.strip(), amount_cents=amount_cents,
            payment=payment, payments=payments, first_due=first_due_day,
            chapter=None if chapter is None else parse_chapter(chapter) or -1,
            case_number=case_number, from_successor=from_successor, option=option.strip(),
            months=months, arrears_months=arrears_months))
    typer.echo(f"Recorded {kind.strip()} on {day.isoformat()} for loan {loan.strip()}.")


def parse_prior_workout(text: str) -> "PriorWorkout":
    """A --prior-workout value (deferral:YYYY-MM-DD:MONTHS, modification:YYYY-MM-DD or
    failed-trial:YYYY-MM-DD, then :disaster or :covid for one outside the deferral's caps)
    as a PriorWorkout, or a usage error saying what is wrong."""
    from lossmit_tui.domain.workout import DEFERRAL, FAILED_TRIAL, MODIFICATION, PriorWorkout

    def bad(problem: str) -> typer.BadParameter:
        return typer.BadParameter(f"{text!r}: {problem}", param_hint="--prior-workout")

    kinds = {"deferral": DEFERRAL, "modification": MODIFICATION, "failed-trial": FAILED_TRIAL}
    parts = [p.strip() for p in text.split(":")]
    disaster = parts[-1].lower() in ("disaster", "covid")
    if disaster:
        parts.pop()
    kind = kinds.get(parts[0].lower())
    if kind is None:
        raise bad(f"the kind must be one of: {', '.join(kinds)}")
    shape = f"{parts[0]}:YYYY-MM-DD" + (":MONTHS" if kind == DEFERRAL else "")
    if len(parts) != (3 if kind == DEFERRAL else 2):
        raise bad(f"write it as {shape}")
    try:
        day = date.fromisoformat(parts[1])
    except ValueError:
        raise bad(f"{parts[1]!r} is not a date; use YYYY-MM-DD") from None
    months = 0
    if kind == DEFERRAL:
        months = int(parts[2]) if parts[2].isdigit() else 0
        if not 1 <= months <= 12:
            raise bad(f"{parts[2]!r} months: a deferral defers 1 to 12 months")
    return PriorWorkout(kind, day, months, disaster)


@app.command("evaluate")
def evaluate(
    ctx: typer.Context,
    loan: Annotated[str, typer.Argument(help="The loan number.")],
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Evaluate as of this date (YYYY-MM-DD; default: today).")] = None,
    mod_rate: Annotated[str | None, typer.Option(
        "--mod-rate", help="The modification rate in percent: the GSE modification rate "
        "(default: the rule set's), FHA's market rate, VA's Freddie Mac PMMS 30-year rate, "
        "USDA's maximum allowable rate.")]
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
        "--last-deferral", help="When the last payment deferral took effect (YYYY-MM-DD; "
        "its months unknown: --prior-workout counts them toward the 12-month life cap).")]
    = None,
    failed_trial: Annotated[str | None, typer.Option(
        "--failed-flex-trial", help="When a Flex trial last failed (YYYY-MM-DD).")] = None,
    prior_workout: Annotated[list[str] | None, typer.Option(
        "--prior-workout", help="A workout the store has no record of, repeatable: "
        "deferral:YYYY-MM-DD:MONTHS, modification:YYYY-MM-DD or failed-trial:YYYY-MM-DD, "
        "with :disaster at the end for a COVID-19 or disaster one (counts toward no "
        "deferral cap or look-back).")] = None,
    quality_contact: Annotated[bool | None, typer.Option(
        "--quality-contact/--no-quality-contact",
        help="Whether a quality right-party contact (QRPC) is on record; unsaid, the "
        "payment deferral says to confirm one before offering.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """Evaluate every workout option for a loan: eligible or not, why, and the terms."""
    from decimal import Decimal, InvalidOperation

    from lossmit_tui.domain.workout import DEFERRAL, PriorWorkout, money_terms
    from lossmit_tui.evaluation import CannotEvaluate
    from lossmit_tui.services.workout import evaluate as evaluate_for

    choice(fmt, ["table", "json"], "--format")
    as_of_day = parse_day(as_of)
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
    deferral_on, failed_on = parse_day(last_deferral), parse_day(failed_trial)
    prior = [parse_prior_workout(text) for text in prior_workout or []]
    if deferral_on is not None:
        prior.append(PriorWorkout(DEFERRAL, deferral_on))
    ws = workspace(ctx, db, user, today)
    day = as_of_day or ws.today
    try:
        with user_errors():  # a case the user may not act on is refused (and audited)
            result = evaluate_for(ws, loan_number=loan, as_of=day, modification_rate=rate,
                                  hardship_resolved=hardship_resolved,
                                  imminent_default=imminent_default,
                                  prior_modifications=prior_mods,
                                  forbearance_months_used=forbearance_used,
                                  prior_workouts=prior, failed_flex_trial_on=failed_on,
                                  quality_contact=quality_contact)
    except (CannotEvaluate, ConfigError) as exc:
        err(f"Error: {display_text(str(exc))}")  # it can name the stored loan number
        raise typer.Exit(1) from None
    if fmt == "json":
        typer.echo(json.dumps(result.as_json(), indent=2))
        return
    rate = (result.rules.flex.modification_rate if result.is_gse
            else result.modification_rate)
    typer.echo(f"Loan {display_text(result.loan_number)} as of {day.isoformat()}, "
               f"{result.rule_label} rules ({result.investor}), "
               + (f"modification rate {rate:.3f}%" if rate is not None
                  else "no modification rate given")
               + ("" if result.finances else
                  " (no financial snapshot: affordability not checked)"))
    if result.rule_set is not None:
        typer.echo(f"Source: {result.rule_set.source} ({result.rule_in_force})")
    for r in result.options:
        typer.echo(f"{'✓' if r.eligible else '✗'} {r.name.replace('_', ' ')}")
        for reason in r.reasons:
            typer.echo(f"    why not: {reason}")
        for key, value in money_terms(r.terms).items():
            typer.echo(f"    {key.replace('_', ' ')}: {value}")


QRPC_COLUMNS = [key for key, _, _ in QRPC_ATTRIBUTES]

foreclosure_app = typer.Typer(help="Foreclosure coordination with counsel.",
                              no_args_is_help=True)
app.add_typer(foreclosure_app, name="foreclosure")


@foreclosure_app.command("holds")
def foreclosure_holds_command(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """List every open case where foreclosure counsel must hold (a sale to postpone, a
    first filing or a motion not to make), with why and the rule: the daily hand-off to the
    firms. Sales to postpone come first, soonest sale first. The cases you may act on (a
    lead their team's, an admin all); audited."""
    from lossmit_tui.services.foreclosure import foreclosure_holds

    choice(fmt, ["table", "csv", "json"], "--format")
    ws = workspace(ctx, db, user, today)
    with user_errors():
        holds = foreclosure_holds(ws)
    records = [{"loan_number": h.loan_number, "borrower_name": h.borrower_name,
                "assignee": h.assignee, "firm": h.firm,
                "sale_date": h.sale_date.isoformat() if h.sale_date else None,
                "instruction": h.instruction, "why": h.why,
                "since": h.since.isoformat() if h.since else None} for h in holds]
    columns = ["loan_number", "borrower_name", "firm", "sale_date", "instruction", "since",
               "why"]
    if fmt != "table":
        columns.insert(2, "assignee")
    emit(records, columns, fmt, empty="No case needs counsel to hold.")


calls_app = typer.Typer(help="Call figures.", no_args_is_help=True)
app.add_typer(calls_app, name="calls")


@calls_app.command("quality")
def calls_quality_command(
    ctx: typer.Context,
    start: Annotated[str | None, typer.Option(
        "--from", help="The first day, YYYY-MM-DD (default: 6 days before today).")] = None,
    end: Annotated[str | None, typer.Option(
        "--to", help="The last day, YYYY-MM-DD (default: today).")] = None,
    of: Annotated[str | None, typer.Option(
        "--of", help="Whose calls (default: yours; a lead their team members', an admin "
                     "anyone's).")] = None,
    team: Annotated[str | None, typer.Option(
        "--team", help="Every member of this team (its lead or an admin).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """List the quality right-party contacts (QRPC: a right-party call that recorded the
    reason for the delinquency and whether it is temporary or permanent, occupancy, ability
    to pay, the options explained and the borrower's commitment) made in a range of days,
    on the borrower's calendar, with the count. A call corrected by an amendment counts as
    corrected, once, for the person who made it."""
    from datetime import timedelta

    from lossmit_tui.services.quality import qrpc_report

    choice(fmt, ["table", "csv", "json"], "--format")
    if of is not None and team is not None:
        raise typer.BadParameter("give --of or --team, not both", param_hint="--team")
    ws = workspace(ctx, db, user, today)
    last = parse_day(end, "--to") or ws.today
    first = parse_day(start, "--from") or last - timedelta(days=6)
    with user_errors():
        rows = qrpc_report(ws, first, last, username=of, team=team)
    records = [{"day": r.day.isoformat(), "loan_number": r.loan_number, "made_by": r.made_by,
                **{k: r.attributes.get(k, "") for k in QRPC_COLUMNS}} for r in rows]
    emit(records, ["day", "loan_number", "made_by", *QRPC_COLUMNS], fmt,
         empty=f"No quality right-party contact from {first} to {last}.")
    if fmt == "table" and rows:
        typer.echo(f"{len(rows)} quality right-party contact{'s' if len(rows) != 1 else ''} "
                   f"from {first} to {last}.")


trials_app = typer.Typer(help="Trial period plans.", no_args_is_help=True)
app.add_typer(trials_app, name="trials")


@trials_app.command("payments")
def trials_payments_command(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(
        help="A CSV file with a header: loan_number, paid_on (YYYY-MM-DD), amount (1117.71) "
             "and optionally payment (which scheduled trial payment it pays).")],
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """Record the trial payments of the payment system's file, each as a trial payment
    entered on the case would be (its schedule checked, its tasks and audit rows written).
    All or nothing: if any row is refused, nothing is recorded and every refusal is listed
    with its line."""
    from lossmit_tui.services.trial_payments import import_trial_payments

    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        err(f"Error: cannot read {display_text(str(path))}: {display_text(str(exc))}")
        raise typer.Exit(1) from None
    ws = workspace(ctx, db, user, today)
    with user_errors():
        count = import_trial_payments(ws, text, path.name)
    typer.echo(f"Recorded {count} trial payment{'s' if count != 1 else ''} from "
               f"{display_text(path.name)}.")
