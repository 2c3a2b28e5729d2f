"""`lossmit letters ...` as the mailroom uses it: what is owed, the batch folder the vendor
takes, and marking the batch mailed, which meets the written-notice clock."""

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lossmit_tui.cli import app

runner = CliRunner()


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args))


@pytest.fixture
def store(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Loan C1 (sam's), installment due 2026-01-01 unpaid; the servicer's details set."""
    monkeypatch.setenv("LOSSMIT_SERVICER_NAME", "Acme Servicing")
    monkeypatch.setenv("LOSSMIT_SERVICER_ADDRESS", "1 Main St, Dallas, TX 75001")
    monkeypatch.setenv("LOSSMIT_SERVICER_PHONE", "(800) 555-0100")
    monkeypatch.setenv("LOSSMIT_SPOC_PHONES", '{"sam": "2145550123"}')
    for args in (("users", "add", "sam", "--name", "Sam Spade", "--role", "specialist"),
                 ("users", "add", "boss", "--name", "Bo Ss", "--role", "admin")):
        assert run(*args, "--db", sqlite_url).exit_code == 0
    extract = tmp_path / "cases.csv"
    extract.write_text("loan_number,borrower_name,investor,upb,next_due_date,property_address,"
                       "property_city,property_state,property_zip,assignee\n"
                       "C1,=HYPERLINK(1),FNMA,1000,2026-01-01,5 Elm St,Austin,TX,"
                       "78701,sam\n", encoding="utf-8")
    result = run("import", str(extract), "--db", sqlite_url, "--user", "boss",
                 "--today", "2026-01-20")
    assert result.exit_code == 0, result.output
    return sqlite_url


def test_due_batch_mailed_meets_the_clock(store: str, tmp_path: Path) -> None:
    base = ("--db", store, "--user", "sam", "--today", "2026-02-10")
    due = json.loads(run("letters", "due", "--format", "json", *base).stdout)
    assert [(d["loan_number"], d["kind"], d["rule"], d["due_on"], d["letter"]) for d in due] \
        == [("C1", "early_intervention", "1024.39(b)", "2026-02-15", None)]

    tasks = json.loads(run("tasks", "--format", "json", "--due", "all", *base).stdout)
    assert [t["rule"] for t in tasks if t.get("rule") == "1024.39(b)"] == ["1024.39(b)"]

    out = tmp_path / "mail"
    result = run("letters", "batch", "--out", str(out), *base)
    assert result.exit_code == 0, result.output
    assert "Batch 2026-02-10-1: 1 letter(s) written" in result.stdout
    manifest = list(csv.DictReader((out / "manifest-2026-02-10-1.csv").open(encoding="utf-8")))
    assert len(manifest) == 1 and (out / manifest[0]["file"]).read_bytes()[:5] == b"%PDF-"
    assert manifest[0]["recipient"].startswith("'=")  # a formula-looking name is neutralised

    base = ("--db", store, "--user", "sam", "--today", "2026-02-12")
    result = run("letters", "mailed", "2026-02-10-1", "--on", "2026-02-11", *base)
    assert result.exit_code == 0, result.output
    assert "Recorded 1 letter(s) of batch 2026-02-10-1 as mailed on 2026-02-11" in result.stdout
    assert run("letters", "due", *base).stdout.strip() == "No letter is owed."
    tasks = json.loads(run("tasks", "--format", "json", "--due", "all", *base).stdout)
    assert not [t for t in tasks if t.get("rule") == "1024.39(b)"]


def test_generate_refuses_missing_data_and_stores_nothing(store: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOSSMIT_SPOC_PHONES")
    base = ("--db", store, "--user", "sam", "--today", "2026-02-10")
    result = run("letters", "generate", "C1", "early_intervention", *base)
    assert result.exit_code == 1 and "SPOC's direct phone" in result.stderr
    result = run("letters", "generate", "C1", "no_such_kind", *base)
    assert result.exit_code == 1 and "is not a letter kind" in result.stderr
    due = json.loads(run("letters", "due", "--format", "json", *base).stdout)
    assert due[0]["letter"] is None


def test_the_demo_can_generate_a_letter_from_its_fictional_servicer(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new user presses l on a case of their demo queue and gets a letter, not a refusal
    naming settings they have never heard of; a servicer's own settings still win."""
    import sqlalchemy as sa

    from db.tables import cases, users
    from lossmit_tui.cli import store
    from lossmit_tui.services.letters import generate_letter

    monkeypatch.setenv("LOSSMIT_SERVICER_ADDRESS", "9 Our Own Rd, Waco, TX 76701")
    opened = []
    monkeypatch.setattr(store, "open_tui", lambda ws, view, **_: opened.append(ws))
    result = run("demo", "--cases", "40", "--db", str(tmp_path / "demo.db"),
                 "--today", "2026-11-29")
    assert result.exit_code == 0, result.output
    ws = opened[0]
    assert ws.settings.servicer_name == "Bluebonnet Home Loans (demo)"
    assert ws.settings.servicer_address == "9 Our Own Rd, Waco, TX 76701"
    with ws.read() as conn:
        people = conn.execute(sa.select(users.c.username)).scalars().all()
        case_id = conn.execute(sa.select(cases.c.id).join(
            users, users.c.id == cases.c.assignee_id).where(
            users.c.username == ws.username).order_by(cases.c.id)).scalars().first()
    phones = ws.settings.spoc_phones
    assert set(people) <= set(phones) and len(set(phones.values())) == len(phones)
    letter = generate_letter(ws, case_id, "spoc")
    assert "Bluebonnet Home Loans (demo)" in letter.text
    assert "(512) 555-01" in letter.text and "9 Our Own Rd, Waco, TX 76701" in letter.text

def test_a_complaint_letter_generated_then_mailed_meets_the_complaint_clock(
        store: str) -> None:
    base = ("--db", store, "--user", "sam", "--today", "2026-02-12")
    added = run("complaint", "add", "C1", "--received", "2026-02-10", "--channel", "mail",
                "--type", "notice_of_error", "--category", "b2", "--text",
                "My January payment went to fees", *base)
    assert added.exit_code == 0, added.output
    refused = run("complaint", "letter", "1", "complaint_no_error", *base)
    assert refused.exit_code == 1 and "finding: " in refused.stderr
    made = run("complaint", "letter", "1", "complaint_acknowledgment", "--show", *base)
    assert made.exit_code == 0, made.output
    assert "We received your notice of error on February 10, 2026" in made.stdout
    assert "lossmit letters mailed --letter 1" in made.stdout
    assert run("letters", "mailed", *base).exit_code == 2  # neither a batch nor a letter
    mailed = run("letters", "mailed", "--letter", "1", *base)
    assert mailed.exit_code == 0, mailed.output
    shown = run("complaint", "show", "1", *base).stdout
    assert "acknowledged 2026-02-12" in shown
    assert "met" in next(line for line in shown.splitlines() if "1024.35(d)" in line)


def test_a_request_for_information_answered_from_the_command_line(store: str) -> None:
    base = ("--db", store, "--user", "sam", "--today", "2026-02-20")
    added = run("complaint", "add", "C1", "--received", "2026-02-10", "--channel", "mail",
                "--type", "request_for_information", "--asked", "who services my escrow",
                "--text", "Who pays my taxes?", *base)
    assert added.exit_code == 0, added.output
    assert run("complaint", "finding", "1", "information_provided", "--version", "1",
               "--root-cause", "communication", *base).exit_code == 0
    wrong = run("complaint", "letter", "1", "complaint_corrected", *base)
    assert wrong.exit_code == 1 and "type: " in wrong.stderr
    blank = run("complaint", "letter", "1", "complaint_information", *base)
    assert blank.exit_code == 1 and "--information" in blank.stderr
    made = run("complaint", "letter", "1", "complaint_information", "--information",
               "We pay your county taxes from escrow each March.", "--show", *base)
    assert made.exit_code == 0, made.output
    assert "You asked: who services my escrow" in made.stdout
    assert "We pay your county taxes from escrow each March." in made.stdout
    assert run("letters", "mailed", "--letter", "1", *base).exit_code == 0
    shown = run("complaint", "show", "1", *base).stdout
    assert "responded 2026-02-20" in shown
    assert "met" in next(line for line in shown.splitlines()
                         if "1024.36(d)(2)(i)(B)" in line)
