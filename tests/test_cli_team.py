"""The team-lead commands: reassign, users deactivate, audit, export-case."""

import csv
import io
import json
import re
from collections.abc import Iterator

import pytest

from lossmit_tui.cli import app
from lossmit_tui.config import Settings
from tests.test_cli import DAY, run, runner


@pytest.fixture
def book(sqlite_url: str) -> str:
    """A seeded book (one team: a lead and specialists) plus a second team's lead."""
    result = run("seed", "--cases", "60", "--seed", "5", "--db", sqlite_url, "--today", DAY)
    assert result.exit_code == 0, result.output
    result = run("users", "add", "olead", "--name", "Other Lead", "--role", "lead",
                 "--team", "Elsewhere", "--db", sqlite_url, "--user", "admin")
    assert result.exit_code == 0, result.output
    return sqlite_url


def people(url: str) -> dict[str, list[str]]:
    users = json.loads(run("users", "list", "--format", "json", "--db", url).stdout)
    found: dict[str, list[str]] = {}
    for u in users:
        if u["team"] != "Elsewhere":
            found.setdefault(u["role"], []).append(u["username"])
    return found


def queue_of(url: str, user: str) -> list[str]:
    out = run("queue", "--format", "json", "--limit", "1000", "--db", url, "--user", user,
              "--today", DAY)
    return [r["loan_number"] for r in json.loads(out.stdout)]


def test_a_lead_moves_a_departing_specialists_cases_and_undoes_it(book: str) -> None:
    who = people(book)
    lead, (leaving, *stay) = who["lead"][0], who["specialist"]
    theirs = queue_of(book, leaving)
    result = run("reassign", "--from", leaving, "--to", ",".join(stay[:2]), "--reason",
                 "departure: last day today", "--as", lead, "--db", book, "--today", DAY)
    assert result.exit_code == 0, result.output
    assert f"Moved {len(theirs)} case(s)" in result.stdout
    assert f"{leaving}: {len(theirs)} → 0 open cases" in result.stdout
    assert queue_of(book, leaving) == []
    received = set(queue_of(book, stay[0])) | set(queue_of(book, stay[1]))
    assert set(theirs) <= received
    audit = json.loads(run("audit", "--action", "reassign", "--as", lead, "--format", "json",
                           "--db", book).stdout)
    assert sum(r["entity"] == "case" for r in audit) == len(theirs)
    assert theirs
    assert all(r["user"] == lead and r["before"] == {"assignee": leaving}
               for r in audit if r["entity"] == "case")
    undo = run("reassign", "--undo", "--as", lead, "--db", book, "--today", DAY)
    assert undo.exit_code == 0 and f"{len(theirs)} case(s) back" in undo.stdout
    assert sorted(queue_of(book, leaving)) == sorted(theirs)


def test_a_specialist_is_refused_with_a_non_zero_status_and_it_is_audited(book: str) -> None:
    who = people(book)
    me, other = who["specialist"][0], who["specialist"][1]
    mine = queue_of(book, me)
    result = run("reassign", mine[0], "--to", other, "--reason", "balancing", "--as", me,
                 "--db", book, "--today", DAY)
    assert result.exit_code == 1
    assert f"is for leads and admins; {me} is a specialist" in result.stderr
    assert queue_of(book, me) == mine
    refused = json.loads(run("audit", "--action", "refused", "--user", me, "--as", "admin",
                             "--format", "json", "--db", book).stdout)
    assert [r["after"]["attempted"] for r in refused] == ["reassigning cases"]
    # Reading the trail is for leads and admins too.
    denied = run("audit", "--as", me, "--db", book)
    assert denied.exit_code == 1 and "The audit trail is for leads and admins" in denied.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["--to", "X", "--reason", "vacation"], "give loan numbers or --from USER"),
    (["LOAN", "--reason", "vacation"], "say who receives the cases"),
    (["NOPE", "--to", "{s}", "--reason", "vacation"], "unknown loan number(s): NOPE"),
    (["{loan}", "--to", "{s}", "--reason", "sabbatical"], "the reason must be one of"),
    (["{loan}", "--to", "{s}"], "the reason must be one of"),
    (["{loan}", "--to", "{s}", "--reason", "other"], "needs a few words"),
    (["{loan}", "--to", "olead", "--reason", "vacation"], "cannot give cases to olead"),
    (["{loan}", "--to", "{s}", "--reason", "vacation", "--spread", "random"],
     "'random' is not one of"),
])
def test_reassign_refuses_bad_input_and_changes_nothing(book: str, args: list[str],
                                                        message: str) -> None:
    who = people(book)
    lead, s0, s1 = who["lead"][0], who["specialist"][0], who["specialist"][1]
    loan = queue_of(book, s0)[0]
    filled = [a.format(s=s1, loan=loan) for a in args]
    result = run("reassign", *filled, "--as", lead, "--db", book, "--today", DAY)
    assert result.exit_code in (1, 2), result.output
    assert message in result.output
    assert loan in queue_of(book, s0)


def test_a_dry_run_changes_nothing(book: str) -> None:
    who = people(book)
    s0 = who["specialist"][0]
    before = queue_of(book, s0)
    result = run("reassign", "--from", s0, "--to", who["specialist"][1], "--reason",
                 "balancing", "--dry-run", "--as", who["lead"][0], "--db", book, "--today", DAY)
    assert result.exit_code == 0 and "Dry run: nothing changed." in result.stdout
    assert queue_of(book, s0) == before


def test_deactivate_is_for_admins_and_points_at_the_open_cases(book: str) -> None:
    who = people(book)
    s0, lead = who["specialist"][0], who["lead"][0]
    refused = run("users", "deactivate", s0, "--db", book, "--user", lead)
    assert refused.exit_code == 1 and "Deactivating users is for admins" in refused.stderr
    count = len(queue_of(book, s0))
    done = run("users", "deactivate", s0, "--db", book, "--user", "admin")
    assert done.exit_code == 0
    assert f"{count} open case(s) need a new owner" in done.stdout
    listed = json.loads(run("users", "list", "--format", "json", "--db", book).stdout)
    assert next(u for u in listed if u["username"] == s0)["active"] is False
    assert len(queue_of(book, s0)) == count  # nothing deleted, still theirs until moved


def test_audit_filters_by_case_user_and_date(book: str) -> None:
    who = people(book)
    s0, s1, lead = who["specialist"][0], who["specialist"][1], who["lead"][0]
    loan = queue_of(book, s0)[0]
    assert run("reassign", loan, "--to", s1, "--reason", "escalation", "--as", lead,
               "--db", book, "--today", DAY).exit_code == 0
    rows = json.loads(run("audit", "--case", loan, "--as", lead, "--format", "json",
                          "--db", book).stdout)
    assert rows and all(r["entity_id"] is not None or r["after"].get("case") == loan
                        for r in rows)
    assert rows[0]["action"] == "reassign" and rows[0]["after"]["assignee"] == s1
    by_lead = json.loads(run("audit", "--user", lead, "--as", lead, "--format", "json",
                             "--db", book).stdout)
    assert by_lead and {r["user"] for r in by_lead} == {lead}
    assert json.loads(run("audit", "--since", "2099-01-01", "--as", lead, "--format",
                          "json", "--db", book).stdout) == []
    table = run("audit", "--case", loan, "--as", lead, "--db", book).stdout
    assert table.splitlines()[0].split() == ["at", "user", "entity", "entity_id", "action",
                                             "before", "after"]
    unknown = run("audit", "--case", "NOPE", "--as", lead, "--db", book)
    assert unknown.exit_code == 1 and "no case with loan number 'NOPE'" in unknown.stderr


def test_export_case_is_the_whole_servicing_file(book: str) -> None:
    who = people(book)
    s0, s1, lead = who["specialist"][0], who["specialist"][1], who["lead"][0]
    loan = queue_of(book, s0)[0]
    assert run("reassign", loan, "--to", s1, "--reason", "balancing", "--as", lead,
               "--db", book, "--today", DAY).exit_code == 0
    result = run("export-case", loan, "--db", book, "--user", lead)
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert list(record) == ["case", "call_notes", "events", "documents", "tasks",
                            "financials", "complaints", "reassignments", "audit"]
    assert record["case"]["loan_number"] == loan and record["case"]["assignee"] == s1
    assert [r["after"]["assignee"] for r in record["reassignments"]] == [s1]
    assert any(e["kind"] == "reassigned" for e in record["events"])
    assert any(t["source"] == "reassignment" for t in record["tasks"])
    rows = list(csv.DictReader(io.StringIO(run("export-case", loan, "--format", "csv",
                                               "--db", book, "--user", lead).stdout)))
    sections = {r["section"] for r in rows}
    assert {"case", "events", "tasks", "audit"} <= sections
    # The export is on the record; a specialist may not export another's case.
    assert json.loads(run("audit", "--action", "export_file", "--as", lead, "--format",
                          "json", "--db", book).stdout)[0]["after"] == {"case": loan}
    denied = run("export-case", loan, "--db", book, "--user", s0)
    assert denied.exit_code == 1 and "Exporting a case file is refused" in denied.stderr
    assert f"{s0} may not act on loan {loan}, {s1}'s case" in denied.stderr


def test_a_large_reassignment_asks_first_and_no_moves_nothing(book: str, monkeypatch) -> None:

    assert Settings().reassign_confirm_above == 25
    monkeypatch.setenv("LOSSMIT_REASSIGN_CONFIRM_ABOVE", "5")
    who = people(book)
    lead, s0, s1 = who["lead"][0], who["specialist"][0], who["specialist"][1]
    theirs = queue_of(book, s0)
    assert len(theirs) > 5
    args = ["reassign", "--from", s0, "--to", s1, "--reason", "balancing", "--as", lead,
            "--db", book, "--today", DAY]
    for answer in ("n\n", ""):  # a no, and a script with nothing on standard input
        declined = runner.invoke(app, args, input=answer)
        assert declined.exit_code == 1, declined.output
        assert f"Move {len(theirs)} case(s)?" in declined.stderr
        assert "Nothing moved" in declined.stderr and "Moved" not in declined.stdout
        assert queue_of(book, s0) == theirs
    agreed = runner.invoke(app, args, input="y\n")
    assert agreed.exit_code == 0 and f"Moved {len(theirs)} case(s)" in agreed.stdout
    assert queue_of(book, s0) == []
    back = run("reassign", "--from", s1, "--to", s0, "--reason", "balancing", "--as", lead,
               "--db", book, "--today", DAY, "--yes")
    assert back.exit_code == 0 and "Move " not in back.stderr
    assert set(theirs) <= set(queue_of(book, s0))


def test_a_small_reassignment_does_not_ask(book: str) -> None:
    who = people(book)
    lead, s0, s1 = who["lead"][0], who["specialist"][0], who["specialist"][1]
    loan = queue_of(book, s0)[0]
    result = run("reassign", loan, "--to", s1, "--reason", "balancing", "--as", lead,
                 "--db", book, "--today", DAY)
    assert result.exit_code == 0 and "Move " not in result.stderr
    assert loan in queue_of(book, s1)


MONEY = re.compile(r"^\d+\.\d{2}$")


def keys_and_values(value: object, path: str = "") -> Iterator[tuple[str, object]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield f"{path}.{key}", item
            yield from keys_and_values(item, f"{path}.{key}")
    elif isinstance(value, list):
        for item in value:
            yield from keys_and_values(item, path)


def test_money_in_export_case_and_audit_json_is_a_decimal_string(book: str) -> None:
    who = people(book)
    s0, lead = who["specialist"][0], who["lead"][0]
    loan = queue_of(book, s0)[0]
    assert run("event", loan, "trial_started", "--amount", "1117.71", "--payments", "3",
               "--db", book, "--user", s0, "--today", DAY).exit_code == 0
    record = json.loads(run("export-case", loan, "--db", book, "--user", lead).stdout)
    found = list(keys_and_values(record))
    assert not [k for k, _ in found if k.endswith("_cents")]
    case = record["case"]
    assert MONEY.match(case["upb"]) and MONEY.match(case["pi"]) and MONEY.match(case["escrow"])
    trial = next(e for e in record["events"] if e["kind"] == "trial_started")
    assert trial["payload"]["trial"]["amount"] == "1117.71"
    assert trial["payload"]["trial"]["payments"] == 3  # a count stays a number
    trail = json.loads(run("audit", "--case", loan, "--as", lead, "--format", "json",
                           "--db", book).stdout)
    logged = [a for a in trail if a["entity"] == "case_event" and a["after"].get("trial")]
    assert logged and logged[0]["after"]["trial"]["amount"] == "1117.71"
    assert not [k for k, _ in keys_and_values(trail) if k.endswith("_cents")]
