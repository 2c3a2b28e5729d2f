"""Complaints from the mailroom and for management: `complaint add/list/show/step/finding/
assign/close` (through the same services and audit as the case screen) and `complaints
report` (volume, on-time rate per clock, errors found, remediation, root causes)."""

from datetime import date
from typing import Annotated, Any

import typer

from lossmit_tui.cli.shared import (
    DbOpt,
    FormatOpt,
    TodayOpt,
    UserOpt,
    app,
    emit,
    parse_day,
    root_options,
    user_errors,
    workspace,
)
from lossmit_tui.domain.values import display_money, display_text, format_money

complaint_app = typer.Typer(help="Log and work borrowers' complaints (notices of error, "
                                 "requests for information, regulator complaints).",
                            no_args_is_help=True)
complaints_app = typer.Typer(help="Complaint reports for management.", no_args_is_help=True)
app.add_typer(complaint_app, name="complaint")
app.add_typer(complaints_app, name="complaints")


def _case_id(ws: Any, loan: str) -> int:
    import sqlalchemy as sa

    from db.tables import cases
    from lossmit_tui.services.errors import NotFound

    with ws.read() as conn:
        case_id = conn.execute(sa.select(cases.c.id).where(
            cases.c.loan_number == loan.strip())).scalar()
    if case_id is None:
        raise NotFound(f"no case has loan number {loan.strip()!r}")
    return int(case_id)


@complaint_app.command("add")
def add_command(
    ctx: typer.Context,
    loan: Annotated[str, typer.Argument(help="The loan number.")],
    channel: Annotated[str, typer.Option(
        "--channel", help="mail, email, phone, cfpb_portal, state_regulator or attorney.")],
    type_: Annotated[str, typer.Option(
        "--type", help="notice_of_error, request_for_information, qualified_written_request, "
                       "regulator_complaint or general_complaint.")],
    text: Annotated[str, typer.Option("--text", help="The borrower's words.")],
    received: Annotated[str | None, typer.Option(
        "--received", help="The day it was received, YYYY-MM-DD (default: today on the "
                           "servicer's calendar).")] = None,
    category: Annotated[str | None, typer.Option(
        "--category", help="For an error, its covered category 1024.35(b): b1 ... b11 "
                           "(b6 payoff, b9/b10 foreclosure, b11 any other).")] = None,
    asked: Annotated[str, typer.Option("--asked", help="For a request: what was asked.")] = "",
    owner_identity: Annotated[bool, typer.Option(
        "--owner-identity", help="A request for the loan's owner or assignee (10 BD).")]
    = False,
    designated: Annotated[bool, typer.Option(
        "--designated/--not-designated",
        help="Whether it came to the address designated for notices.")] = True,
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """Log a complaint on a case: its clocks start and become the case's deadline tasks."""
    from lossmit_tui.services.complaints import NewComplaint, add_complaint

    day = parse_day(received, "--received")
    ws = workspace(ctx, db, user, today)
    if day is None and (today or root_options(ctx).today) is None:
        day = ws.receipt_day()  # the servicer's calendar day, not the machine's
    with user_errors():
        case_id = _case_id(ws, loan)
        row = add_complaint(ws, case_id, NewComplaint(
            day or ws.today, channel.strip(), type_.strip(), text, category,
            asked, "owner_identity" if owner_identity else None, designated))
    typer.echo(f"Logged complaint {row.id} on loan {display_text(loan.strip())} "
               f"(received {row.received_on}).")
    if channel.strip() == "phone":
        typer.echo("A phone complaint has no Reg X clock: tell the borrower how to send it "
                   "in writing (to the designated address, if any).")


@complaint_app.command("list")
def list_command(
    ctx: typer.Context,
    loan: Annotated[str | None, typer.Argument(help="Only this loan's complaints.")] = None,
    fmt: FormatOpt = "table",
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """The open complaints you may act on by their next deadline, or every complaint of
    one loan."""
    from lossmit_tui.services.complaints import case_complaints, open_complaints

    ws = workspace(ctx, db, user, today)
    with user_errors():
        found = case_complaints(ws, _case_id(ws, loan)) if loan else open_complaints(ws)
    rows = []
    for v in found:
        nxt = v.next_clock
        rows.append({"id": v.id, "loan": v.loan_number, "received": v.received_on,
                     "channel": v.channel, "type": v.type, "category": v.category,
                     "owner": v.owner, "status": v.status,
                     "next_due": nxt.due_on if nxt else None,
                     "next": nxt.rule.title if nxt else None,
                     "state": nxt.state.value if nxt else None})
    if not loan:
        rows.sort(key=lambda r: (r["next_due"] or date.max, r["id"]))
    emit(rows, ["id", "loan", "received", "channel", "type", "category", "owner", "status",
                "next_due", "state", "next"], fmt, "No complaints.")


@complaint_app.command("show")
def show_command(
    ctx: typer.Context,
    complaint_id: Annotated[int, typer.Argument(help="The complaint's number.")],
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """One complaint: its facts, the borrower's words, its steps and its clocks with state."""
    from lossmit_tui.services.complaints import complaint

    ws = workspace(ctx, db, user, today)
    with user_errors():
        v = complaint(ws, complaint_id)
    typer.echo(f"Complaint {v.id} · loan {display_text(v.loan_number)} · {v.status} · "
               f"version {v.version}")
    typer.echo(f"Received {v.received_on} by {v.channel}: {v.type}"
               + (f", category {v.category}" if v.category else "")
               + (f", topic {v.topic}" if v.topic else ""))
    typer.echo(f"Owner: {v.owner or '-'}")
    if v.asked:
        typer.echo(f"Asked: {display_text(v.asked)}")
    typer.echo("Borrower's words: " + display_text(v.text, lines=True))
    steps = ", ".join(f"{k.removesuffix('_on')} {d}" for k, d in v.steps.items() if d)
    typer.echo(f"Steps: {steps or 'none yet'}")
    if v.finding:
        typer.echo(f"Finding: {v.finding}; root cause {v.root_cause}; remediation "
                   f"{display_money(v.remediation_cents)}"
                   + (f"; corrected: {display_text(v.correction)} effective "
                      f"{v.correction_effective_on}" if v.correction else ""))
    typer.echo("Clocks:")
    for c in v.clocks:
        state = c.state.value if c.applies else "exempt"
        line = f"  {c.citation:<22} {c.due_on or ''!s:<10}  {state:<9} {c.rule.title}"
        if c.met_by:
            line += f" — {c.met_by}"
        if not c.applies:
            line += f" — {c.why_not}"
        typer.echo(line)
        for note in c.notes:
            typer.echo(f"      {note}")


@complaint_app.command("step")
def step_command(
    ctx: typer.Context,
    complaint_id: Annotated[int, typer.Argument(help="The complaint's number.")],
    step: Annotated[str, typer.Argument(
        help="acknowledgment, extension, response, documents_requested, documents_sent, "
             "exemption or exemption_notice.")],
    version: Annotated[int, typer.Option("--version", help="The version you saw (show).")],
    on: Annotated[str | None, typer.Option(
        "--on", help="The day it happened (a letter: the day mailed), YYYY-MM-DD; default "
                     "today.")] = None,
    reason: Annotated[str, typer.Option("--reason", help="An extension's reasons.")] = "",
    corrected: Annotated[bool, typer.Option(
        "--corrected", help="The response corrected the error or gave the information.")]
    = False,
    exemption: Annotated[str, typer.Option(
        "--exemption", help="For exemption: duplicative, overbroad, untimely (requests also "
                            "confidential, irrelevant, unduly_burdensome).")] = "",
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """Record the day a step of a complaint happened."""
    from lossmit_tui.services.complaints import Step, record_step

    ws = workspace(ctx, db, user, today)
    day = parse_day(on, "--on") or ws.today
    with user_errors():
        new = record_step(ws, complaint_id, version, Step(step.strip(), day, reason,
                                                          corrected, exemption.strip()))
    typer.echo(f"Recorded {step.strip()} on {day} for complaint {complaint_id} "
               f"(version {new}).")


@complaint_app.command("finding")
def finding_command(
    ctx: typer.Context,
    complaint_id: Annotated[int, typer.Argument(help="The complaint's number.")],
    finding: Annotated[str, typer.Argument(
        help="error_found, no_error, information_provided, information_not_available or "
             "resolved.")],
    version: Annotated[int, typer.Option("--version", help="The version you saw (show).")],
    root_cause: Annotated[str, typer.Option("--root-cause", help="A configured code.")],
    investigation: Annotated[str, typer.Option("--investigation")] = "",
    correction: Annotated[str, typer.Option("--correction", help="What was corrected.")] = "",
    effective: Annotated[str | None, typer.Option(
        "--effective", help="The correction's effective date, YYYY-MM-DD.")] = None,
    remediation: Annotated[str, typer.Option(
        "--remediation", help="Any amount refunded or credited (1234.56).")] = "0",
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """Record the investigation, the finding, the correction and remediation, the root
    cause."""
    from lossmit_tui.domain.values import parse_money
    from lossmit_tui.services.complaints import FindingInput, record_finding

    try:
        cents = parse_money(remediation)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--remediation") from None
    ws = workspace(ctx, db, user, today)
    with user_errors():
        new = record_finding(ws, complaint_id, version, FindingInput(
            finding.strip(), root_cause.strip(), investigation, correction,
            parse_day(effective, "--effective"), cents))
    typer.echo(f"Recorded the finding for complaint {complaint_id} (version {new}).")


@complaint_app.command("assign")
def assign_command(
    ctx: typer.Context,
    complaint_id: Annotated[int, typer.Argument(help="The complaint's number.")],
    to: Annotated[str, typer.Argument(help="The new owner's username.")],
    version: Annotated[int, typer.Option("--version", help="The version you saw (show).")],
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """Give a complaint to someone else (leads and admins)."""
    from lossmit_tui.services.complaints import assign_complaint

    ws = workspace(ctx, db, user, today)
    with user_errors():
        new = assign_complaint(ws, complaint_id, version, to.strip())
    typer.echo(f"Complaint {complaint_id} is now {to.strip()}'s (version {new}).")


@complaint_app.command("close")
def close_command(
    ctx: typer.Context,
    complaint_id: Annotated[int, typer.Argument(help="The complaint's number.")],
    version: Annotated[int, typer.Option("--version", help="The version you saw (show).")],
    on: Annotated[str | None, typer.Option("--on", help="YYYY-MM-DD; default today.")]
    = None,
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """Close a complaint that was answered (or found exempt, and the borrower told)."""
    from lossmit_tui.services.complaints import close_complaint

    ws = workspace(ctx, db, user, today)
    day = parse_day(on, "--on") or ws.today
    with user_errors():
        new = close_complaint(ws, complaint_id, version, day)
    typer.echo(f"Closed complaint {complaint_id} on {day} (version {new}).")


@complaint_app.command("letter")
def letter_command(
    ctx: typer.Context,
    complaint_id: Annotated[int, typer.Argument(help="The complaint's number.")],
    kind: Annotated[str, typer.Argument(
        help="complaint_acknowledgment, complaint_corrected, complaint_no_error, "
             "complaint_extension, complaint_documents, complaint_exempt, "
             "complaint_information or complaint_not_available.")],
    reason: Annotated[str, typer.Option(
        "--reason", help="complaint_extension: why more time is needed; complaint_no_error: "
                         "why no error occurred; complaint_not_available: the basis for "
                         "finding the information not available.")] = "",
    document: Annotated[list[str] | None, typer.Option(
        "--document", help="complaint_documents: a document relied on (repeat).")] = None,
    information: Annotated[str, typer.Option(
        "--information", help="complaint_information: the information the borrower "
                              "requested.")] = "",
    show: Annotated[bool, typer.Option("--show", help="Print the letter's text.")] = False,
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """Generate a complaint's letter, dated today, and keep it; `lossmit letters mailed
    --letter ID` (or the batch) records it mailed, which records the complaint's step and
    meets its clock."""
    from lossmit_tui.domain.values import clean_text
    from lossmit_tui.services.complaints import complaint
    from lossmit_tui.services.letters import generate_letter

    ws = workspace(ctx, db, user, today)
    extra = {"reasons": clean_text(reason),
             "documents": [clean_text(d) for d in document or [] if d.strip()],
             "information": information}
    with user_errors():
        case_id = complaint(ws, complaint_id).case_id
        letter = generate_letter(ws, case_id, kind.strip(), extra=extra,
                                 complaint_id=complaint_id)
    if show:
        typer.echo(display_text(letter.text, lines=True))
    typer.echo(f"Generated letter {letter.id} ({letter.kind}) for complaint {complaint_id}; "
               f"record it mailed with: lossmit letters mailed --letter {letter.id}")


@complaints_app.command("report")
def report_command(
    ctx: typer.Context,
    from_: Annotated[str, typer.Option("--from", help="First day received, YYYY-MM-DD.")],
    to: Annotated[str, typer.Option("--to", help="Last day received, YYYY-MM-DD.")],
    by: Annotated[str | None, typer.Option(
        "--by", help="type, category, root_cause or user.")] = None,
    fmt: FormatOpt = "table",
    db: DbOpt = None,
    user: UserOpt = None,
    today: TodayOpt = None,
) -> None:
    """Complaints received in a period: volume, on-time rate per clock, errors found,
    remediation total, top root causes (the cases you may act on)."""
    from lossmit_tui.services.complaints import CLOCK_GROUPS, complaint_report

    start, end = parse_day(from_, "--from"), parse_day(to, "--to")
    assert start is not None and end is not None
    ws = workspace(ctx, db, user, today)
    with user_errors():
        rows = complaint_report(ws, start, end, by)
    for row in rows:  # money as everywhere: "$25.00" in the table, "25.00" in csv and json
        cents = row.pop("remediation_cents")
        row["remediation"] = display_money(cents) if fmt == "table" else format_money(cents)
        if fmt != "table":  # "nothing to count" is an empty cell or null, not "-" (which a
            # spreadsheet guard would otherwise have to neutralise as a formula)
            row.update({k: None for k, v in row.items() if v == "-"})
    columns = ["group", "received", "closed", "errors_found", "remediation",
               *(f"on_time_{n}" for n in CLOCK_GROUPS), "top_root_causes"]
    emit(rows, columns, fmt, f"No complaints received from {start} to {end}.")
