"""Files holding borrowers' personal data are their owner's alone whatever the umask: a new
SQLite database with its -wal and -shm, the backup made before an upgrade, exports and the
servicing file are created 0600, the data folder and a folder made for a database 0700."""

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from db import migrate
from db.engine import make_engine
from lossmit_tui.cli import app
from lossmit_tui.config import data_dir
from lossmit_tui.services.exporter import export_cases

from .conftest import TODAY
from .workspace import workspace


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    """The usual umask, under which files are created 0644 and folders 0755."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_database_its_wal_and_shm_and_its_folder_are_private(tmp_path: Path) -> None:
    path = tmp_path / "new-folder" / "store.db"
    engine = make_engine(str(path))
    migrate.ensure_current(engine)
    with engine.connect() as conn:  # while a connection is open, the -wal and -shm exist
        conn.execute(sa.text("SELECT count(*) FROM cases"))
        sides = [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]
        assert all(side.exists() for side in sides)
        assert [mode(p) for p in (path, *sides)] == [0o600] * 3
    engine.dispose()
    assert mode(path.parent) == 0o700


def test_the_backup_before_an_upgrade_is_private(tmp_path: Path) -> None:
    engine = make_engine(str(tmp_path / "old.db"))
    migrate.upgrade(engine, migrate.known_revisions()[-2])
    backup = migrate.ensure_current(engine)
    engine.dispose()
    assert backup is not None and backup.exists() and mode(backup) == 0o600


def test_a_database_an_older_version_left_world_readable_is_closed_to_others(
        tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    sqlite3.connect(path).close()
    sides = [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]
    for side in sides:
        side.touch()
    assert [mode(p) for p in (path, *sides)] == [0o644] * 3
    engine = make_engine(str(path))
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))
        # What they granted everyone is gone; the owner's group keeps what it had (a file
        # shared on purpose keeps working).
        assert [mode(p) for p in (path, *sides)] == [0o640] * 3
    engine.dispose()


def test_the_data_folder_and_the_default_database_are_private() -> None:
    result = CliRunner().invoke(app, ["db", "upgrade"])  # the default database, created
    assert result.exit_code == 0, result.output
    folder = data_dir()
    assert mode(folder) == 0o700 and mode(folder / "lossmit.db") == 0o600
    folder.chmod(0o755)  # as an older version made it
    assert mode(data_dir()) == 0o700


def test_exports_are_private_even_over_a_readable_file(team: Engine, tmp_path: Path) -> None:
    out = tmp_path / "export.csv"
    out.write_text("an older export\n")
    assert mode(out) == 0o644
    assert export_cases(workspace(team, "lee"), out) == 0
    assert mode(out) == 0o600


def test_the_servicing_file_written_to_a_file_is_private(one_case: tuple[Engine, int],
                                                        tmp_path: Path) -> None:
    engine, _ = one_case
    out = tmp_path / "A1.json"
    result = CliRunner().invoke(app, [
        "export-case", "A1", "--output", str(out), "--user", "sam", "--today",
        TODAY.isoformat(), "--db", engine.url.render_as_string(hide_password=False)])
    assert result.exit_code == 0, result.output
    assert mode(out) == 0o600 and '"loan_number": "A1"' in out.read_text()
