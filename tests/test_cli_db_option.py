"""`--db` as a newcomer mistypes it: a missing store is refused (never made) by every command
but the four that build one, and a path that is a directory, a file that is not a database or
a PostgreSQL server that cannot be reached is one line and exit status 1, never a traceback."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from lossmit_tui.cli import app

runner = CliRunner()

# Commands that must refuse a store that is not there (the TUI's entry included: no command).
READERS = [
    [],
    ["queue"],
    ["tasks", "--format", "ics"],
    ["users", "list"],
    ["db", "current"],
    ["refresh"],
    ["audit"],
    ["export-case", "70000001"],
    ["reassign", "70000001", "--to", "kim"],
]


@pytest.mark.parametrize("args", READERS, ids=lambda a: " ".join(a) or "tui")
def test_a_missing_database_is_refused_and_not_created(tmp_path: Path,
                                                       args: list[str]) -> None:
    target = tmp_path / "nonexistent" / "dir" / "x.db"
    result = runner.invoke(app, ["--db", str(target), *args])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: there is no database at")
    assert str(target) in lines[0]
    assert not target.exists() and not (tmp_path / "nonexistent").exists()


def test_import_and_export_refuse_a_missing_database(tmp_path: Path) -> None:
    target = tmp_path / "typo.db"
    extract = tmp_path / "extract.csv"
    extract.write_text("loan_number\n")
    for args in (["import", str(extract)], ["export", str(tmp_path / "out.csv")]):
        result = runner.invoke(app, [*args, "--db", str(target)])
        assert result.exit_code == 1 and "there is no database at" in result.stderr
    assert not target.exists() and not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("args", [
    ["db", "upgrade"],
    ["users", "add", "kim", "--name", "Kim Park", "--role", "admin"],
], ids=lambda a: " ".join(a[:2]))
def test_the_commands_that_build_a_store_may_create_one(tmp_path: Path,
                                                        args: list[str]) -> None:
    target = tmp_path / "new" / "x.db"
    result = runner.invoke(app, [*args, "--db", str(target)])
    assert result.exit_code == 0, result.output
    assert target.exists()
    assert runner.invoke(app, ["db", "current", "--db", str(target)]).exit_code == 0


def one_line_error(result) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exception
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return str(lines[0])


@pytest.mark.parametrize("args", [[], ["queue"], ["db", "current"], ["db", "upgrade"],
                                  ["seed", "--cases", "2"], ["demo", "--no-open"]],
                         ids=lambda a: " ".join(a) or "tui")
def test_a_directory_is_not_a_database(tmp_path: Path, args: list[str]) -> None:
    said = one_line_error(runner.invoke(app, ["--db", str(tmp_path), *args]))
    assert f"{tmp_path} is a directory" in said and "database file" in said
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args", [[], ["queue"], ["db", "current"], ["db", "upgrade"],
                                  ["users", "add", "kim", "--name", "Kim", "--role", "admin"]],
                         ids=lambda a: " ".join(a[:2]) or "tui")
def test_a_file_that_is_not_a_database(tmp_path: Path, args: list[str]) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database, just some words\n" * 50)
    said = one_line_error(runner.invoke(app, ["--db", str(notes), *args]))
    assert f"{notes} is not a lossmit database" in said and "Check --db" in said
    assert notes.read_text() == "not a database, just some words\n" * 50


@pytest.mark.parametrize("args", [[], ["queue"], ["db", "current"], ["db", "upgrade"]],
                         ids=lambda a: " ".join(a) or "tui")
def test_an_unreachable_postgresql_server(args: list[str]) -> None:
    url = "postgresql://clerk:s3cret@127.0.0.1:1/lossmit"  # port 1: nothing listens there
    said = one_line_error(runner.invoke(app, ["--db", url, *args]))
    assert "cannot connect to the PostgreSQL database" in said
    assert "127.0.0.1:1/lossmit" in said and "server is running" in said
    assert "s3cret" not in said
