"""`lossmit complaint ...` for the mailroom and `lossmit complaints report` for management:
what a script sees (exit codes, messages, the deadline tasks in `lossmit tasks`, formats)."""

import json

from .test_cli import DAY, run, seeded, specialist  # noqa: F401  (the fixture)


def _loan(url: str, user: str) -> str:
    return str(json.loads(run("queue", "--db", url, "--user", user, "--today", DAY,
                              "--format", "json", "--limit", "1").stdout)[0]["loan_number"])


def test_complaint_from_intake_to_report(seeded: str) -> None:  # noqa: F811
    user = specialist(seeded)
    loan = _loan(seeded, user)
    common = ["--db", seeded, "--user", user, "--today", DAY]
    added = run("complaint", "add", loan, "--received", "2026-11-23", "--channel", "mail",
                "--type", "notice_of_error", "--category", "b6", "--text",
                "Your payoff quote [b]is wrong[/b]", *common)
    assert added.exit_code == 0, added.output
    assert f"Logged complaint 1 on loan {loan}" in added.stdout
    items = json.loads(run("tasks", "--due", "all", "--format", "json", *common).stdout)
    rules = sorted((i["rule"], i["due"]) for i in items if i["loan_number"] == loan
                   and "complaint 1" in (i["rule"] or ""))
    # 1024.35(d) 5 BD and the payoff response 7 BD, over Thanksgiving
    assert rules == [("1024.35(d) complaint 1", "2026-12-01"),
                     ("1024.35(e)(3)(i)(A) complaint 1", "2026-12-03")]
    shown = run("complaint", "show", "1", *common)
    assert "Your payoff quote [b]is wrong[/b]" in shown.stdout
    assert "1024.35(i)" in shown.stdout and "barred" in shown.stdout
    refused = run("complaint", "step", "1", "extension", "--version", "1", "--reason",
                  "more time", *common)
    assert refused.exit_code == 1 and "no extension is allowed for a payoff" in refused.stderr
    assert run("complaint", "step", "1", "response", "--version", "1", "--on", "2026-11-24",
               "--corrected", *common).exit_code == 0
    done = run("complaint", "finding", "1", "error_found", "--version", "2", "--root-cause",
               "payoff_quote", "--correction", "payoff re-issued", "--effective",
               "2026-11-24", "--remediation", "25.00", *common)
    assert done.exit_code == 0, done.output
    assert run("complaint", "close", "1", "--version", "3", *common).exit_code == 0
    report = json.loads(run("complaints", "report", "--from", "2026-11-01", "--to", DAY,
                            "--by", "category", "--format", "json", *common).stdout)
    assert report == [{
        "group": "b6", "received": 1, "closed": 1, "errors_found": 1,
        "remediation": "25.00", "on_time_acknowledgment": "1/1 (100%)",
        "on_time_response": "1/1 (100%)", "on_time_documents": None,
        "on_time_exemption_notice": None, "on_time_cfpb": None, "on_time_target": None,
        "top_root_causes": "payoff_quote (1)"}]
    csv_out = run("complaints", "report", "--from", "2026-11-01", "--to", DAY,
                  "--format", "csv", *common).stdout.splitlines()
    assert csv_out[0].startswith("group,received,closed,errors_found,remediation,")
    assert csv_out[1].startswith("all,1,1,1,25.00,")  # money as the import and export write it
    assert "'-" not in csv_out[1] and ",," in csv_out[1]  # nothing counted: an empty cell


def test_complaint_add_names_the_bad_field(seeded: str) -> None:  # noqa: F811
    user = specialist(seeded)
    loan = _loan(seeded, user)
    common = ["--db", seeded, "--user", user, "--today", DAY]
    for args, fragment in (
        (["--channel", "fax", "--type", "general_complaint"], "channel: 'fax'"),
        (["--channel", "mail", "--type", "notice_of_error"], "category: a notice of error"),
        (["--channel", "mail", "--type", "request_for_information"], "asked: a request"),
    ):
        bad = run("complaint", "add", loan, "--text", "words", *args, *common)
        assert bad.exit_code == 1 and fragment in bad.stderr, bad.output
    assert "No complaints." in run("complaint", "list", *common).stdout
    phone = run("complaint", "add", loan, "--channel", "phone", "--type", "general_complaint",
                "--text", "rude on the phone", *common)
    assert "tell the borrower how to send it in writing" in phone.stdout
    listed = json.loads(run("complaint", "list", "--format", "json", *common).stdout)
    assert [(r["loan"], r["next_due"], r["state"]) for r in listed] == [
        (loan, "2026-12-18", "pending")]  # policy: 15 BD from Sunday 29 November


def test_servicing_file_includes_the_complaints(seeded: str) -> None:  # noqa: F811
    user = specialist(seeded)
    loan = _loan(seeded, user)
    common = ["--db", seeded, "--user", user, "--today", DAY]
    assert run("complaint", "add", loan, "--received", "2026-11-23", "--channel", "email",
               "--type", "request_for_information", "--asked", "who owns my loan",
               "--owner-identity", "--text", "=HYPERLINK(\"x\") who owns it?",
               *common).exit_code == 0
    record = json.loads(run("export-case", loan, *common).stdout)
    [row] = record["complaints"]
    assert (row["complaint_type"], row["topic"], row["owner"], row["asked"]) == (
        "request_for_information", "owner_identity", user, "who owns my loan")
    assert any(a["entity"] == "complaint" and a["action"] == "create"
               for a in record["audit"])
    lines = run("export-case", loan, "--format", "csv", *common).stdout.splitlines()
    complaint_lines = [line for line in lines if line.startswith("complaints,")]
    assert len(complaint_lines) == 1 and "request_for_information by email" in \
        complaint_lines[0]


def test_the_report_by_root_cause_user_and_type_and_its_refusals(seeded: str) -> None:  # noqa: F811
    user = specialist(seeded)
    loan = _loan(seeded, user)
    common = ["--db", seeded, "--user", user, "--today", DAY]
    for category, cause, cents in (("b5", "fees", "40.00"), ("b2", "payment_processing",
                                                             "0"),
                                   ("b5", "fees", "12.50")):
        assert run("complaint", "add", loan, "--received", "2026-11-02", "--channel", "mail",
                   "--type", "notice_of_error", "--category", category, "--text", "wrong",
                   *common).exit_code == 0
        number = json.loads(run("complaint", "list", loan, "--format", "json",
                                *common).stdout)[-1]["id"]
        assert run("complaint", "step", str(number), "acknowledgment", "--version", "1",
                   "--on", "2026-11-12", *common).exit_code == 0  # 5 BD was 9 Nov: late
        assert run("complaint", "finding", str(number), "error_found", "--version", "2",
                   "--root-cause", cause, "--correction", "fixed", "--effective",
                   "2026-11-20", "--remediation", cents, *common).exit_code == 0
    by_cause = json.loads(run("complaints", "report", "--from", "2026-11-01", "--to", DAY,
                              "--by", "root_cause", "--format", "json", *common).stdout)
    assert [(r["group"], r["received"], r["errors_found"], r["remediation"],
             r["on_time_acknowledgment"], r["top_root_causes"]) for r in by_cause] == [
        ("fees", 2, 2, "52.50", "0/2 (0%)", "fees (2)"),
        ("payment_processing", 1, 1, "0.00", "0/1 (0%)", "payment_processing (1)")]
    table = run("complaints", "report", "--from", "2026-11-01", "--to", DAY, "--by", "user",
                *common).stdout
    assert user in table and "$52.50" in table and "fees (2), payment_processing (1)" in table
    by_type = json.loads(run("complaints", "report", "--from", "2026-11-01", "--to", DAY,
                             "--by", "type", "--format", "json", *common).stdout)
    assert [(r["group"], r["received"]) for r in by_type] == [("notice_of_error", 3)]
    bad = run("complaints", "report", "--from", "2026-11-01", "--to", DAY, "--by", "loan",
              *common)
    assert bad.exit_code == 1 and "by: 'loan' must be one of" in bad.stderr
    backwards = run("complaints", "report", "--from", DAY, "--to", "2026-11-01", *common)
    assert backwards.exit_code == 1 and "is before from" in backwards.stderr


def test_an_import_that_sets_the_sale_names_the_foreclosure_errors_it_raised(
        sqlite_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    for args in (("users", "add", "sam", "--name", "Sam Spade", "--role", "specialist"),
                 ("users", "add", "boss", "--name", "Bo Ss", "--role", "admin")):
        assert run(*args, "--db", sqlite_url).exit_code == 0
    extract = tmp_path / "cases.csv"

    def load(sale: str):  # type: ignore[no-untyped-def]
        extract.write_text("loan_number,borrower_name,investor,upb,next_due_date,"
                           "property_state,assignee,foreclosure_sale_date\n"
                           f"C1,Ann Lee,FNMA,1000,2026-09-01,TX,sam,{sale}\n"
                           f"C2,Bo Diaz,FNMA,1000,2026-09-01,TX,sam,{sale}\n",
                           encoding="utf-8")
        return run("import", str(extract), "--db", sqlite_url, "--user", "boss",
                   "--today", DAY)

    assert load("").exit_code == 0
    base = ("--db", sqlite_url, "--user", "sam", "--today", DAY)
    assert run("complaint", "add", "C1", "--received", "2026-11-23", "--channel", "mail",
               "--type", "notice_of_error", "--category", "b9", "--text",
               "You referred me to foreclosure during my application", *base).exit_code == 0
    done = load("2026-12-15")
    assert done.exit_code == 0, done.output
    assert "URGENT: this file sets or moves the sale on 1 case(s)" in done.stdout
    assert done.stdout.rstrip().endswith("(a task is on each case): C1")
    items = json.loads(run("tasks", "--due", "all", "--format", "json", *base).stdout)
    assert any(i["loan_number"] == "C1" and i["title"].startswith("URGENT: foreclosure error")
               for i in items)
    assert "URGENT" not in load("2026-12-15").stdout  # nothing changed: nothing raised
