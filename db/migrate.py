"""Schema versions: read the current revision cheaply, upgrade with a backup first."""

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db.engine import sqlite_path
from lossmit_tui.config import create_private

if TYPE_CHECKING:
    from alembic.config import Config

# The newest migration in db/migrations/versions; a test keeps this in step with Alembic.
HEAD = "0036"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class SchemaError(Exception):
    """The database cannot be used by this version of lossmit."""


def current_revision(engine: Engine) -> str | None:
    """The database's schema revision; None for an empty database."""
    with engine.connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
        if "alembic_version" not in names:
            if names:
                raise SchemaError(
                    "this database has tables but no lossmit schema version; "
                    "point --db at a lossmit database or an empty file"
                )
            return None
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def _alembic_config(engine: Engine) -> "Config":
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def known_revisions() -> list[str]:
    """Every revision the migration scripts define, oldest first."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS_DIR))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def backup_sqlite(engine: Engine, now: datetime | None = None) -> Path | None:
    """Copy a SQLite file (WAL content included) beside itself with a UTC timestamp,
    readable by its owner only (0600)."""
    path = sqlite_path(engine)
    if path is None or not path.exists():
        return None
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.bak-{stamp}")
    create_private(target)
    source = sqlite3.connect(path)
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    return target


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to `revision` on `engine`'s database."""
    from alembic import command

    config = _alembic_config(engine)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def ensure_current(engine: Engine) -> Path | None:
    """Bring the schema to HEAD. An older SQLite database is backed up first; returns the
    backup's path when one was made. A newer schema than this program knows is an error."""
    revision = current_revision(engine)
    if revision == HEAD:
        return None
    if revision is not None and revision not in known_revisions():
        raise SchemaError(
            f"the database is at schema revision {revision}, which this version of lossmit "
            "does not know; upgrade lossmit"
        )
    if engine.dialect.name == "postgresql":
        from db.roles import login_of

        with engine.connect() as conn:
            login = login_of(conn)
        if not login.owner:
            raise SchemaError(
                f"the database is at schema revision {revision or 'none'} and this version of "
                f"lossmit needs {HEAD}; the login {login.name} may not change the schema: ask "
                "your administrator to run `lossmit db upgrade` as the database's owner")
    backup = backup_sqlite(engine) if revision is not None else None
    upgrade(engine)
    if engine.dialect.name == "postgresql":
        from db.roles import grant_privileges

        with engine.begin() as conn:
            grant_privileges(conn)  # tables a later migration added are covered too
    return backup
