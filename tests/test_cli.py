"""The `lossmit` command as scripts use it: exit codes, messages, formats."""

import csv
import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from db.migrate import HEAD
from lossmit_tui.cli import app

runner = CliRunner()
DAY = "2026-11-29"


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args))


@pytest.fixture


def seeded(sqlite_url: str) -> str:
    result = run("seed", "--cases", "120", "--seed", "11", "--db", sqlite_url, "--today", DAY)
    assert result.exit_code == 0, result.output
    assert "Seeded 120 cases" in result.stdout
    return sqlite_url


def specialist(url: str) -> str:
    users = json.loads(run("users", "list", "--format", "json", "--db", url).stdout)
    return next(u["username"] for u in users if u["role"] == "specialist")


def test_users_add_and_list(sqlite_url: str) -> None:
    result = run("users", "add", "jdoe", "--name", "Jane Doe", "--role", "lead",
                 "--team", "East", "--db", sqlite_url)
    assert result.exit_code == 0 and "Added jdoe" in result.stdout
    listed = json.loads(run("users", "list", "--format", "json", "--db", sqlite_url).stdout)
    assert [(u["username"], u["role"], u["team"]) for u in listed] == [("jdoe", "lead", "East")]
    table = run("users", "list", "--db", sqlite_url).stdout
    assert "Jane Doe" in table.splitlines()[2]


@pytest.mark.parametrize(("args", "message"), [
    (["bad name", "--name", "X", "--role", "lead"], "must be lower-case"),
    (["kim", "--name", "Kim", "--role", "boss"], "role 'boss' must be one of"),
    (["kim", "--name", "  ", "--role", "lead"], "--name must not be empty"),
])


def test_users_add_validates(sqlite_url: str, args: list[str], message: str) -> None:
    result = run("users", "add", *args, "--db", sqlite_url)
    assert result.exit_code == 1 and message in result.stderr
    assert run("users", "list", "--db", sqlite_url, "--format", "json").stdout.strip() == "[]"


def test_queue_json_has_the_documented_fields_in_queue_order(seeded: str) -> None:
    user = specialist(seeded)
    result = run("queue", "--db", seeded, "--user", user, "--today", DAY, "--format", "json",
                 "--limit", "500")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows and {"loan_number", "borrower_name", "assignee", "stage", "days_delinquent",
                     "next_action_on", "next_action_kind", "urgency"} <= set(rows[0])
    assert {r["assignee"] for r in rows} == {user}
    # act next: the stored place (a sale to postpone or soon, work due now, long-missed
    # windows, later work, nothing), then most urgent, then loan number
    from db.engine import make_engine, read_scope
    from db.queries import QueueFilter, queue_window, user_row
    from lossmit_tui.domain.act_next import act_key
    from lossmit_tui.queue_rows import urgency_input

    engine = make_engine(seeded)
    with read_scope(engine) as conn:
        me = user_row(conn, user)
        stored = queue_window(conn, QueueFilter(assignees=(me.user_id,)), 0, 500)
    engine.dispose()
    assert [r["loan_number"] for r in rows] == [r.loan_number for r in stored]
    keys = [(act_key(urgency_input(r, date.fromisoformat(DAY))), -r.urgency, r.loan_number)
            for r in stored]
    assert keys == sorted(keys)


def test_global_options_work_before_and_after_the_command(seeded: str) -> None:
    user = specialist(seeded)
    before = run("--db", seeded, "--user", user, "--today", DAY, "queue", "--format", "csv")
    after = run("queue", "--format", "csv", "--db", seeded, "--user", user, "--today", DAY)
    assert before.exit_code == after.exit_code == 0
    assert before.stdout == after.stdout and before.stdout.startswith("loan_number,")


def test_today_changes_days_delinquent(seeded: str) -> None:
    user = specialist(seeded)
    first = json.loads(run("queue", "--db", seeded, "--user", user, "--today", DAY,
                           "--format", "json", "--limit", "1").stdout)[0]
    later = json.loads(run("queue", "--db", seeded, "--user", user, "--today", "2026-12-09",
                           "--format", "json", "--limit", "1").stdout)[0]
    assert later["days_delinquent"] == first["days_delinquent"] + 10


def test_environment_chooses_database_and_user(seeded: str, monkeypatch) -> None:
    monkeypatch.setenv("LOSSMIT_DB", seeded)
    monkeypatch.setenv("LOSSMIT_USER", specialist(seeded))
    result = run("queue", "--today", DAY, "--limit", "3")
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 5


def test_tasks_json(seeded: str) -> None:
    user = specialist(seeded)
    result = run("tasks", "--db", seeded, "--user", user, "--today", DAY, "--due", "all",
                 "--format", "json")
    items = json.loads(result.stdout)
    assert items and {"loan_number", "kind", "title", "due", "rule", "status",
                      "assignee"} <= set(items[0])
    assert all(i["status"] == "open" and i["assignee"] == user for i in items)
    rules = {i["rule"] for i in items if i["kind"] == "regulatory_deadline"}
    assert rules
    assert all(r and r.startswith("1024.") for r in rules)
    assert any(i["kind"] == "callback" for i in items)
    assert all(i["rule"] is None for i in items if i["kind"] == "callback")
    overdue = json.loads(run("tasks", "--db", seeded, "--user", user, "--today", DAY,
                             "--due", "overdue", "--format", "json").stdout)
    assert overdue and all(i["due"] < DAY and i["bucket"] == "overdue" for i in overdue)


def test_unknown_user_is_told_how_to_add_one(seeded: str) -> None:
    result = run("queue", "--db", seeded, "--user", "ghost")
    assert result.exit_code == 1
    assert "Unknown user 'ghost'" in result.stderr and "lossmit users add ghost" in result.stderr


@pytest.mark.parametrize(("args", "fragment"), [
    (["queue", "--today", "2026-13-01"], "not a date"),
    (["queue", "--view", "everything"], "not one of your views: mine, due"),
    (["queue", "--view", "all"], "not one of your views"),  # leads only
    (["tasks", "--due", "soon"], "not one of"),
    (["queue", "--format", "xml"], "not a format"),
])


def test_bad_options_are_usage_errors(seeded: str, args: list[str], fragment: str) -> None:
    result = run(*args, "--db", seeded, "--user", specialist(seeded))
    assert result.exit_code == 2 and fragment in result.output


def test_import_and_export_commands(tmp_path: Path, seeded: str, monkeypatch) -> None:
    lead = next(u["username"] for u in json.loads(
        run("users", "list", "--format", "json", "--db", seeded).stdout) if u["role"] == "lead")
    mine = tmp_path / "mine.csv"
    user = specialist(seeded)
    own = run("export", str(mine), "--db", seeded, "--user", user, "--assignee", user)
    open_count = len(json.loads(run("queue", "--db", seeded, "--user", user, "--limit", "1000",
                                    "--format", "json", "--today", DAY).stdout))
    rows = list(csv.DictReader(mine.open()))
    assert own.exit_code == 0 and f"Wrote {len(rows)} case(s)" in own.stdout
    assert len(rows) >= open_count and {r["assignee"] for r in rows} == {user}

    monkeypatch.setenv("LOSSMIT_USER", lead)  # who exports; without --user: every case
    out = tmp_path / "all.csv"
    exported = run("export", str(out), "--db", seeded)
    assert exported.exit_code == 0 and "Wrote 120 case(s)" in exported.stdout
    again = run("import", str(out), "--db", seeded, "--user", lead, "--today", DAY)
    assert again.exit_code == 0 and "Added 0, updated 0, unchanged 120" in again.stdout

    bad = tmp_path / "bad.csv"
    bad.write_text(out.read_text().replace(",FNMA,", ",FANNIE,", 1))
    refused = run("import", str(bad), "--db", seeded, "--user", lead, "--today", DAY)
    assert refused.exit_code == 1
    assert "column investor: 'FANNIE' is not one of" in refused.stderr
    assert "nothing was imported" in refused.stderr

    new = tmp_path / "new.csv"
    new.write_text("loan_number,borrower_name,investor,upb,next_due_date,property_state\n"
                   "NEW-1,Pat Kim,VA,1000,2026-10-01,OH\n")
    dry = run("import", str(new), "--dry-run", "--db", seeded, "--user", lead, "--today", DAY)
    assert dry.exit_code == 0 and "Would add 1" in dry.stdout
    assert "120 open case(s) are not in this file" not in dry.stdout  # only open ones listed
    assert run("queue", "--view", "all", "--limit", "1000", "--format", "csv", "--db", seeded,
               "--user", lead, "--today", DAY).stdout.count("NEW-1") == 0


def test_db_commands(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    missing = run("db", "current", "--db", url)
    assert missing.exit_code == 1 and "there is no database at" in missing.stderr
    assert not (tmp_path / "fresh.db").exists()
    (tmp_path / "fresh.db").touch()
    assert "empty database" in run("db", "current", "--db", url).stdout
    upgraded = run("db", "upgrade", "--db", url)
    assert upgraded.exit_code == 0 and "(current)" in upgraded.stdout
    assert run("db", "current", "--db", url).stdout.startswith(f"{HEAD} (current)")


def test_printing_commands_never_import_textual(seeded: str) -> None:
    user = specialist(seeded)
    code = (
        "import sys\n"
        "from lossmit_tui.cli import main\n"
        "who = ['--user', sys.argv[2]]\n"
        "for argv in (['queue', '--limit', '3'] + who, ['tasks'] + who, ['users', 'list']):\n"
        "    try:\n"
        "        main(argv + ['--db', sys.argv[1], '--today', sys.argv[3]])\n"
        "    except SystemExit as exit:\n"
        "        assert not exit.code, exit.code\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "assert not bad, bad\n"
    )
    done = subprocess.run([sys.executable, "-c", code, seeded, user, DAY], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_module_entry_point_runs(seeded: str) -> None:
    done = subprocess.run([sys.executable, "-m", "lossmit_tui", "db", "current", "--db", seeded],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and HEAD in done.stdout


def test_demo_builds_its_own_database_and_reuses_it(tmp_path: Path, monkeypatch) -> None:
    real = tmp_path / "real.db"
    monkeypatch.setenv("LOSSMIT_DB", str(real))  # the demo must not touch this
    first = run("demo", "--cases", "40", "--no-open", "--today", DAY)
    assert first.exit_code == 0, first.output
    assert "Creating a demo database with 40" in first.stderr
    assert "demo.db" in first.stdout and not real.exists()
    # The demo logs complaints through the complaint service: some still open with their
    # clocks running, the older ones answered with a finding and a root cause and closed.
    found = re.search(r"lossmit --db (\S+) --user", first.stdout)
    assert found, first.stdout
    common = ("--db", found.group(1), "--user", "admin", "--today", DAY, "--format", "json")
    listed = json.loads(run("complaint", "list", *common).stdout)
    assert listed and all(c["status"] == "open" for c in listed)
    [whole] = json.loads(run("complaints", "report", "--from", "2026-10-01", "--to", DAY,
                             *common).stdout)
    assert whole["received"] > len(listed)
    assert whole["closed"] == whole["received"] - len(listed)
    assert whole["errors_found"] >= 1 and whole["top_root_causes"]
    second = run("demo", "--cases", "40", "--no-open", "--today", DAY)
    assert "Reusing the demo database" in second.stderr


def test_views_by_name_or_key_and_leads_see_everyone(seeded: str) -> None:
    user = specialist(seeded)
    base = ("--db", seeded, "--user", user, "--today", DAY, "--format", "json", "--limit", "999")
    by_name = json.loads(run("queue", "--view", "due", *base).stdout)
    by_key = json.loads(run("queue", "--view", "2", *base).stdout)
    assert by_name == by_key and by_name
    assert all(r["next_action_on"] <= DAY for r in by_name)
    unassigned = json.loads(run("queue", "--view", "unassigned", *base).stdout)
    assert unassigned
    assert all(r["assignee"] is None for r in unassigned)
    lead = next(u["username"] for u in json.loads(
        run("users", "list", "--format", "json", "--db", seeded).stdout) if u["role"] == "lead")
    everyone = json.loads(run("queue", "--view", "all", "--db", seeded, "--user", lead,
                              "--today", DAY, "--format", "json", "--limit", "999").stdout)
    assert len({r["assignee"] for r in everyone}) > 2


def test_views_come_from_the_config_file(seeded: str, tmp_path: Path, monkeypatch) -> None:
    config = tmp_path / "team.toml"
    config.write_text(
        '[[views]]\nkey = "1"\nname = "fha"\ntitle = "FHA loans"\nassignee = "any"\n'
        '[[views]]\nkey = "2"\nname = "apps"\ntitle = "Applications"\n'
        'stages = ["application", "evaluation"]\n'
    )
    monkeypatch.setenv("LOSSMIT_CONFIG", str(config))
    user = specialist(seeded)
    rows = json.loads(run("queue", "--view", "apps", "--db", seeded, "--user", user,
                          "--today", DAY, "--format", "json", "--limit", "999").stdout)
    assert rows and {r["stage"] for r in rows} <= {"application", "evaluation"}
    missing = run("queue", "--view", "mine", "--db", seeded, "--user", user)
    assert missing.exit_code == 2 and "fha, apps" in missing.output


def test_refresh_recomputes_for_the_day(seeded: str) -> None:
    first = run("refresh", "--db", seeded, "--today", "2026-11-30")
    assert first.exit_code == 0 and "Recomputed the urgency of" in first.stdout
    assert "urgency of 0 case(s)" not in first.stdout
    again = run("refresh", "--db", seeded, "--today", "2026-11-30")
    assert "urgency of 0 case(s)" in again.stdout
    assert "regulatory clocks of 0 case(s)" in again.stdout
    # December's installments fall due on the 1st: new live-contact windows open.
    december = run("refresh", "--db", seeded, "--today", "2026-12-01")
    added = re.search(r"regulatory clocks of (\d+) case\(s\), (\d+) of them changed "
                      r"\((\d+) deadline", december.stdout)
    assert added and int(added.group(1)) > 0 and int(added.group(3)) > 0, december.stdout
    # A book loaded without its clocks gets them all at once; a second time changes nothing.
    everything = run("refresh", "--all-clocks", "--db", seeded, "--today", "2026-12-01")
    total = json.loads(run("queue", "--db", seeded, "--user", lead_of(seeded), "--view", "all",
                           "--limit", "100000", "--format", "json",
                           "--today", "2026-12-01").stdout)
    assert f"regulatory clocks of {len(total)} case(s), 0 of them changed" in (
        everything.stdout), everything.stdout
    assert "Status history: 0 interval(s) opened" in everything.stdout  # the seed wrote it
    assert "Status history" not in december.stdout  # not asked for: it reads every loan
    import sqlalchemy as sa

    from db.engine import make_engine
    engine = make_engine(seeded)
    with engine.begin() as conn:  # a loan moved outside lossmit
        conn.execute(sa.text("UPDATE cases SET upb_cents = upb_cents - 100 WHERE id = "
                             "(SELECT min(id) FROM cases WHERE closed_at IS NULL)"))
    engine.dispose()
    checked = run("refresh", "--check-history", "--db", seeded, "--today", "2026-12-01")
    assert "Status history: 1 interval(s) opened" in checked.stdout, checked.stdout


@pytest.mark.parametrize(("content", "fragment"), [
    ('[[views]]\nkey = "a"\nname = "x"\ntitle = "X"\n', "views.0.key: String should match"),
    ("urgency_weights = {speed = 3}\n", "unknown term(s) speed"),
    ("db = \n", "is not valid TOML"),
    ('[[views]]\nkey = "1"\nname = "a"\ntitle = "A"\n[[views]]\nkey = "1"\nname = "b"\n'
     'title = "B"\n', "key 1 is used twice"),
])


def test_a_bad_settings_file_is_a_clear_error(seeded: str, tmp_path: Path, monkeypatch,
                                              content: str, fragment: str) -> None:
    user = specialist(seeded)
    config = tmp_path / "settings.toml"
    config.write_text(content)
    monkeypatch.setenv("LOSSMIT_CONFIG", str(config))
    result = run("queue", "--db", seeded, "--user", user)
    assert result.exit_code == 1
    assert fragment in result.stderr and str(config) in result.stderr
    assert "Traceback" not in result.output


def lead_of(url: str) -> str:
    users = json.loads(run("users", "list", "--format", "json", "--db", url).stdout)
    return next(u["username"] for u in users if u["role"] == "lead")


def test_tasks_ics_parses_with_an_icalendar_reader(seeded: str) -> None:
    from icalendar import Calendar

    user = specialist(seeded)
    items = json.loads(run("tasks", "--db", seeded, "--user", user, "--today", DAY,
                           "--due", "week", "--format", "json").stdout)
    result = runner.invoke(app, ["tasks", "--db", seeded, "--user", user, "--today", DAY,
                                 "--due", "week", "--format", "ics"])
    assert result.exit_code == 0
    cal = Calendar.from_ical(result.stdout_bytes)
    events = list(cal.walk("VEVENT"))
    assert len(events) == len(items) > 0
    assert sorted(e.decoded("dtstart").isoformat() for e in events) == sorted(
        max(i["due"], DAY) for i in items)  # an overdue item stands on today
    assert len({str(e["uid"]) for e in events}) == len(events)  # stable, unique per task
    regulatory = [e for e in events if "Rule: 1024." in str(e["description"])]
    assert regulatory and all("regulatory deadline" in str(e["summary"]) for e in regulatory)
    names = {i["borrower_name"] for i in items}
    assert not any(n in result.stdout for n in names)  # no borrower names leave the app


def test_tasks_scope_is_for_leads(seeded: str) -> None:
    refused = run("tasks", "--db", seeded, "--user", specialist(seeded), "--scope", "team")
    assert refused.exit_code == 1 and "for leads and admins" in refused.stderr
    lead = lead_of(seeded)
    team = json.loads(run("tasks", "--db", seeded, "--user", lead, "--today", DAY, "--scope",
                          "team", "--due", "all", "--format", "json").stdout)
    everyone = json.loads(run("tasks", "--db", seeded, "--user", lead, "--today", DAY,
                              "--scope", "all", "--due", "all", "--format", "json").stdout)
    assert team and len({i["assignee"] for i in team}) > 1
    assert len(everyone) >= len(team)
    table = run("tasks", "--db", seeded, "--user", lead, "--today", DAY, "--scope", "all")
    assert re.search(r"^overdue \d+", table.stdout.strip().splitlines()[-1])


def test_event_from_a_script(seeded: str) -> None:
    user = specialist(seeded)
    # a loan with no sale scheduled (an application 45 or fewer days before a sale gets no
    # acknowledgment clock, and the act-next order puts sales first)
    loan = next(r["loan_number"] for r in json.loads(run(
        "queue", "--db", seeded, "--user", user, "--today", DAY, "--format", "json",
        "--limit", "50").stdout) if r["sale_date"] is None)
    late = run("event", loan, "application_received", "--on", "2026-11-24", "--db", seeded,
               "--user", user, "--today", DAY)
    assert late.exit_code == 1 and "needs --reason" in late.stderr
    ok = run("event", loan, "application_received", "--on", "2026-11-24", "--reason",
             "logged by the mailroom a day late", "--db", seeded, "--user", user,
             "--today", DAY)
    assert ok.exit_code == 0, ok.output
    assert f"Recorded application_received on 2026-11-24 for loan {loan}" in ok.stdout
    items = json.loads(run("tasks", "--db", seeded, "--user", user, "--today", DAY,
                           "--due", "all", "--format", "json").stdout)
    ack = [i for i in items if i["loan_number"] == loan and i["rule"] == "1024.41(b)(2)(i)(B)"]
    assert [i["due"] for i in ack] == ["2026-12-02"]
    for args, fragment in (
        (["NOPE", "application_received"], "no case has loan number 'NOPE'"),
        ([loan, "lunch"], "event kind 'lunch' must be one of"),
        ([loan, "live_contact", "--on", "2026-12-25"], "is in the future"),
        ([loan, "live_contact", "--on", "Friday"], "not a date"),
    ):
        bad = run("event", *args, "--db", seeded, "--user", user, "--today", DAY)
        assert bad.exit_code != 0 and fragment in bad.output, bad.output


def test_foreclosure_holds_lists_what_counsel_must_hold(seeded: str) -> None:
    """Events recorded from the command line put a seeded case with counsel and bar its sale;
    `lossmit foreclosure holds` lists it for the hand-off, as CSV and JSON, and refuses an
    unknown format."""
    me = specialist(seeded)
    queue = json.loads(run("queue", "--format", "json", "--db", seeded, "--user", me,
                           "--today", DAY).stdout)
    loan = queue[0]["loan_number"]
    for args in (["fc_referral", "--firm", "Hale & Ode LLP", "--basis", "due_on_sale"],
                 ["fc_first_filing"], ["sale_scheduled", "--sale-date", "2027-02-01"],
                 ["application_complete"]):
        done = run("event", loan, *args, "--db", seeded, "--user", me, "--today", DAY)
        assert done.exit_code == 0, done.output
    held = json.loads(run("foreclosure", "holds", "--format", "json", "--db", seeded,
                          "--user", me, "--today", DAY).stdout)
    mine = next(h for h in held if h["loan_number"] == loan)
    assert held[0] == mine  # a sale to postpone comes first
    assert (mine["firm"], mine["sale_date"], mine["instruction"], mine["since"]) == (
        "Hale & Ode LLP", "2027-02-01", "postpone the sale of 2027-02-01", DAY)
    assert mine["why"].endswith("(1024.41(g))")
    csv_out = run("foreclosure", "holds", "--format", "csv", "--db", seeded, "--user", me,
                  "--today", DAY).stdout
    assert csv_out.splitlines()[0] == ("loan_number,borrower_name,assignee,firm,sale_date,"
                                       "instruction,since,why")
    bad = run("foreclosure", "holds", "--format", "xml", "--db", seeded, "--user", me)
    assert bad.exit_code != 0 and "xml" in bad.output
    refused = run("event", loan, "sale_scheduled", "--db", seeded, "--user", me,
                  "--today", DAY)
    assert refused.exit_code == 1 and "needs its sale date" in refused.output


def test_trial_payments_from_a_script(seeded: str) -> None:
    """docs/RULES.md section 6, trial period plans: `lossmit event` starts a trial with its
    terms and records a payment with its amount; a short one is refused and writes nothing."""
    import sqlalchemy as sa

    from db.engine import make_engine

    user = specialist(seeded)
    loan = json.loads(run("queue", "--db", seeded, "--user", user, "--today", DAY,
                          "--format", "json", "--limit", "1").stdout)[0]["loan_number"]
    common = ["--db", seeded, "--user", user, "--today", DAY]
    started = run("event", loan, "trial_started", "--amount", "1,117.71", "--payments", "3",
                  "--first-due", "2026-12-01", *common)
    assert started.exit_code == 0, started.output
    short = run("event", loan, "trial_payment", "--amount", "1000", *common)
    assert short.exit_code == 1
    assert "short of payment 1's $1,117.71 by $117.71" in short.stderr
    paid = run("event", loan, "trial_payment", "--amount", "$1,117.71", *common)
    assert paid.exit_code == 0, paid.output
    for args, fragment in (
        (["trial_payment"], "a trial payment needs its amount"),
        (["trial_payment", "--amount", "12x"], "is not an amount"),
        (["live_contact", "--amount", "10"], "only trial_started or trial_payment takes"),
    ):
        bad = run("event", loan, *args, *common)
        assert bad.exit_code != 0 and fragment in bad.output, bad.output
    engine = make_engine(seeded)
    with engine.connect() as conn:
        amounts = conn.execute(sa.text(
            "SELECT e.payload FROM case_events e JOIN cases c ON c.id = e.case_id "
            "WHERE c.loan_number = :loan AND e.kind = 'trial_payment'"), {"loan": loan}).all()
    assert [json.loads(r.payload) if isinstance(r.payload, str) else r.payload
            for r in amounts] == [{"amount_cents": 111_771, "payment": 1,
                                   "trial_started": DAY}]


def test_a_bankruptcy_filing_from_a_script_takes_its_chapter_and_case_number(
        seeded: str) -> None:
    """1024.39(c): the filing is recorded with its chapter (7, 11, 12, 13) and case number;
    a bad or missing one is refused, saying what is wrong, and nothing is written."""
    user = specialist(seeded)
    loan = json.loads(run("queue", "--db", seeded, "--user", user, "--today", DAY,
                          "--format", "json", "--limit", "1").stdout)[0]["loan_number"]
    common = ("--db", seeded, "--user", user, "--today", DAY)
    for args, fragment in (
        (["--chapter", "9", "--case-number", "26-10001"], "one of 7, 11, 12, 13"),
        (["--chapter", "thirteen", "--case-number", "26-10001"], "one of 7, 11, 12, 13"),
        (["--chapter", "13"], "needs the court's case number"),
        (["--chapter", "13", "--case-number", "x"], "is not one"),
    ):
        bad = run("event", loan, "bankruptcy_filed", *args, *common)
        assert bad.exit_code == 1 and fragment in bad.stderr, bad.output
    wrong = run("event", loan, "live_contact", "--chapter", "7", *common)
    assert wrong.exit_code == 1 and "only a bankruptcy filing takes a chapter" in wrong.stderr
    ok = run("event", loan, "bankruptcy_filed", "--chapter", "13", "--case-number",
             "26-10001", *common)
    assert ok.exit_code == 0, ok.output
    assert f"Recorded bankruptcy_filed on {DAY} for loan {loan}" in ok.stdout


def test_calls_quality_lists_and_counts_quality_contacts(seeded: str) -> None:
    """A right-party call with every QRPC attribute is listed by `lossmit calls quality`
    for the person who made it, counted once; a specialist cannot count a team."""
    from datetime import UTC, datetime

    from db.engine import make_engine
    from lossmit_tui.services.calls import NewCall, log_call

    from .workspace import workspace

    me = specialist(seeded)
    loan = json.loads(run("queue", "--format", "json", "--db", seeded, "--user", me,
                          "--today", DAY).stdout)[0]["loan_number"]
    engine = make_engine(seeded)
    try:
        with engine.connect() as conn:
            case_id = conn.exec_driver_sql(
                "select id from cases where loan_number = ?", (loan,)).scalar_one()
        quality = {"hardship": "unemployment", "duration": "temporary",
                   "occupancy": "owner", "ability": "can_pay_later",
                   "options": "explained", "commitment": "apply"}
        moment = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
        log_call(workspace(engine, me, clock=lambda: moment), case_id,
                 NewCall("inbound", "borrower", "right_party_contact", body="Spoke.",
                         qrpc=quality))
    finally:
        engine.dispose()
    listed = json.loads(run("calls", "quality", "--format", "json", "--db", seeded,
                            "--user", me, "--today", DAY).stdout)
    assert [(r["day"], r["loan_number"], r["made_by"], r["hardship"]) for r in listed] == [
        ("2026-11-27", loan, me, "unemployment")]
    table = run("calls", "quality", "--db", seeded, "--user", me, "--today", DAY).stdout
    assert "1 quality right-party contact from 2026-11-23 to 2026-11-29." in table
    before = run("calls", "quality", "--to", "2026-11-26", "--db", seeded, "--user", me,
                 "--today", DAY).stdout
    assert "No quality right-party contact" in before
    refused = run("calls", "quality", "--team", "north", "--db", seeded, "--user", me,
                  "--today", DAY)
    assert refused.exit_code == 1 and "for its lead or an admin" in refused.output

def test_demo_help_does_not_claim_it_reads_lossmit_db() -> None:
    shown = " ".join(run("demo", "--help").stdout.split())
    assert "default: $LOSSMIT_DB" not in shown
    assert "$LOSSMIT_DB and the config file are not used" in shown


def test_demo_prints_the_command_line_for_the_other_commands_on_leaving(
        tmp_path: Path, monkeypatch) -> None:
    from lossmit_tui.cli import store

    opened: list[str] = []
    greetings: list[str] = []
    monkeypatch.setattr(store, "open_tui", lambda ws, view, greeting="", **_: (
        opened.append(ws.username), greetings.append(greeting)))
    target = tmp_path / "my demo.db"
    result = run("demo", "--cases", "30", "--db", str(target), "--today", DAY)
    assert result.exit_code == 0, result.output
    assert opened == ["ejones"]  # the app ran first; the guide is what is left on exit
    # the first screen says who the demo's users are and how to open as the lead
    assert "leads mhernandez (Team 1)" in greetings[0]
    assert f"As a lead (team board, reassignment, audit): lossmit --db '{target}' --user " \
           "mhernandez" in greetings[0]
    lines = result.stdout.splitlines()
    assert lines[0] == f"Demo ready: lossmit --db '{target}' --user ejones"
    assert "leads mhernandez (Team 1)" in lines[1] and "admins admin" in lines[1]
    lead_line = next(line for line in lines if line.startswith("As a lead"))
    command = lead_line.split(": ", 1)[1]
    assert command == f"lossmit --db '{target}' --user mhernandez"
    import shlex

    argv = shlex.split(command)[1:]
    team = run(*argv, "queue", "--view", "team", "--format", "json", "--today", DAY)
    assert team.exit_code == 0, team.output
    assert {r["assignee"] for r in json.loads(team.stdout)} >= {"ejones", "bdiaz"}
    # the practice lessons (p) are in practice mode: the guide gives its command line
    practice_line = next(line for line in lines if line.startswith("Practice lessons"))
    command = practice_line.split(": ", 1)[1]
    assert command == f"lossmit --db '{target}' demo --practice --user mhernandez"
    monkeypatch.setattr(store, "open_tui", lambda ws, view, practice=False, **_: (
        opened.append(f"{ws.username} practice={practice}")))
    again = run(*shlex.split(command)[1:], "--today", DAY)
    assert again.exit_code == 0, again.output
    assert opened[-1] == "mhernandez practice=True"


def test_letters_on_the_demo_data_use_the_demos_servicer(tmp_path: Path) -> None:
    """The demo's printed command line makes letters too: on a store the demo built, the
    fictional servicer fills what the settings leave unset (a store it did not build still
    says what to set)."""
    target = tmp_path / "demo.db"
    ready = run("demo", "--cases", "30", "--db", str(target), "--today", DAY, "--no-open")
    assert ready.exit_code == 0, ready.output
    common = ["--db", str(target), "--user", "mhernandez", "--today", DAY]
    owed = json.loads(run("letters", "due", "--format", "json", "--limit", "1",
                          *common).stdout)[0]
    shown = run("letters", "generate", owed["loan_number"], owed["kind"], "--show", *common)
    assert shown.exit_code == 0, shown.output
    assert "Bluebonnet Home Loans (demo)" in shown.stdout
    other = tmp_path / "seeded.db"
    assert run("seed", "--db", str(other), "--cases", "30", "--today", DAY).exit_code == 0
    loan = json.loads(run("letters", "due", "--format", "json", "--limit", "1", "--db",
                          str(other), "--user", "admin", "--today", DAY).stdout)[0]
    refused = run("letters", "generate", loan["loan_number"], loan["kind"], "--show", "--db",
                  str(other), "--user", "admin", "--today", DAY)
    assert refused.exit_code == 1 and "set servicer_name" in refused.stderr


def ics_events(url: str, *args: str) -> list:  # type: ignore[type-arg]
    from icalendar import Calendar

    result = runner.invoke(app, ["tasks", "--db", url, "--user", specialist(url), "--today",
                                 DAY, "--format", "ics", *args])
    assert result.exit_code == 0, result.output
    return list(Calendar.from_ical(result.stdout_bytes).walk("VEVENT"))


def test_tasks_ics_puts_overdue_items_on_today_saying_since_when(seeded: str) -> None:
    from datetime import date

    overdue = json.loads(run("tasks", "--db", seeded, "--user", specialist(seeded), "--today",
                             DAY, "--due", "overdue", "--format", "json").stdout)
    assert overdue
    events = ics_events(seeded, "--due", "week")
    late = [e for e in events if str(e["summary"]).startswith("overdue since ")]
    assert len(late) == len(overdue)
    assert all(e.decoded("dtstart") == date.fromisoformat(DAY) for e in late)
    assert all(e.decoded("dtstart") >= date.fromisoformat(DAY) for e in events)
    dues = sorted(str(e["summary"]).split(" ")[2] for e in late)
    assert dues == sorted(i["due"] for i in overdue)
    assert all(f"Overdue since {str(e['summary']).split(' ')[2]}" in str(e["description"])
               for e in late)


def test_tasks_cover_the_days_the_user_chooses(seeded: str) -> None:
    from datetime import date, timedelta

    user = specialist(seeded)
    every = json.loads(run("tasks", "--db", seeded, "--user", user, "--today", DAY, "--due",
                           "all", "--format", "json").stdout)
    today = date.fromisoformat(DAY)
    overdue = [i for i in every if i["due"] < DAY]

    def placed(events: list) -> list[str]:  # type: ignore[type-arg]
        return sorted(e.decoded("dtstart").isoformat() for e in events)

    # --days 30: the overdue items (on today) and those due in the next 30 days.
    month = [i for i in every if DAY <= i["due"] <= str(today + timedelta(days=29))]
    assert placed(ics_events(seeded, "--days", "30")) == sorted(
        [DAY] * len(overdue) + [i["due"] for i in month])
    # A range in the future: only what is due in it, no overdue item.
    start, end = today + timedelta(days=7), today + timedelta(days=20)
    later = [i["due"] for i in every if start.isoformat() <= i["due"] <= end.isoformat()]
    assert later and overdue
    assert placed(ics_events(seeded, "--from", start.isoformat(), "--to",
                             end.isoformat())) == sorted(later)
    listed = json.loads(run("tasks", "--db", seeded, "--user", user, "--today", DAY,
                            "--from", start.isoformat(), "--days", "14", "--format",
                            "json").stdout)
    assert sorted(i["due"] for i in listed) == sorted(later)
    both = run("tasks", "--db", seeded, "--user", user, "--due", "week", "--days", "3")
    assert both.exit_code == 2 and "not both" in both.output
