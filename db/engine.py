"""Engine factory (URL -> engine with SQLite pragmas) and the session scope services use."""

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.engine import Connection, Engine

from db.audit_chain import register_sqlite_function
from lossmit_tui.config import PRIVATE_DIR, create_private
from lossmit_tui.domain.errors import Conflict, PermissionDenied

if TYPE_CHECKING:
    from typing import TypeAlias

    from sqlmodel import Session

    # What the read queries accept: a service's session, or a bare connection (`read_scope`).
    Reader: TypeAlias = Session | Connection

BUSY_TIMEOUT_MS = 10_000
CONNECT_TIMEOUT_S = 10


def normalise_url(url: str) -> str:
    """Accept a bare file path as SQLite and pick psycopg 3 for PostgreSQL URLs."""
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _database_file(url: sa.URL) -> Path | None:
    """The file of a SQLite URL naming one plainly (not in memory, not a `file:` URI)."""
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def sqlite_file(url: str) -> Path | None:
    """The file a database URL (or a bare path) names when it is a plain SQLite file, without
    creating anything; None for PostgreSQL and in-memory databases."""
    url = normalise_url(url)
    if not url.startswith("sqlite"):
        return None
    return _database_file(sa.engine.make_url(url))


def sqlite_path(engine: Engine) -> Path | None:
    """The database file of a file-backed SQLite engine, else None."""
    if not is_sqlite(engine):
        return None
    return _database_file(engine.url)


def _keep_private(path: Path) -> None:
    """Take away what a database file of ours grants everyone (0644 from an older version),
    and leave its -wal and -shm no more open than it. SQLite gives the -wal and -shm it
    creates the database's mode; this catches those left by an older version. Best effort:
    a file that cannot be changed (a read-only file system) is still opened."""
    if os.name != "posix":
        return
    mine = os.getuid()
    with suppress(OSError):
        found = path.stat()
        mode = found.st_mode & 0o777
        if found.st_uid == mine and mode & 0o007:
            mode &= ~0o007
            path.chmod(mode)
        for side in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if not side.exists():
                continue
            side_found = side.stat()
            if side_found.st_uid == mine and side_found.st_mode & 0o777 & ~mode:
                side.chmod(side_found.st_mode & mode)


class _SQLiteCompiler(SQLiteCompiler):
    """SQLite's compiler, rendering a query's `with_hint(table, "INDEXED BY ix", "sqlite")`
    after the table (SQLAlchemy's SQLite dialect drops table hints). Without statistics
    SQLite's planner prefers an index that matches an equality and the order, and may walk
    every open task of the book where a partial index holds the few rows asked for."""

    def get_from_hint_text(self, table: sa.FromClause, text: str | None) -> str | None:
        return text


def make_engine(url: str) -> Engine:
    """An engine for `url`; its errors and logs never show SQL parameters (they hold
    borrowers' personal data). SQLite gets WAL, foreign keys, a busy timeout and
    `BEGIN IMMEDIATE` for write sessions, so a busy file makes writers wait instead of fail;
    a new SQLite file is made readable by its owner only (0600), in a new folder only its
    owner may enter (0700)."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        path = _database_file(sa.engine.make_url(url))
        if path is not None:
            path.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
            create_private(path)  # before SQLite creates it with the umask's mode
        engine = sa.create_engine(url, hide_parameters=True,
                                  connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        engine.dialect.statement_compiler = _SQLiteCompiler

        if path is not None:
            @event.listens_for(engine, "do_connect")
            def _still_there(*_: object) -> None:
                # SQLite makes a new, empty file for a path it cannot find: a database moved
                # or deleted while the app has it open would be replaced by an empty one,
                # and every later read fail on missing tables. Refuse instead, naming it.
                if not path.exists():
                    raise sqlite3.OperationalError(
                        f"unable to open database file: {path} no longer exists")

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: "sqlite3.Connection", _record: object) -> None:
            # Let SQLAlchemy emit BEGIN itself (below) instead of the driver's implicit one.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cursor.close()
            register_sqlite_function(dbapi_connection)  # the audit chain's hash
            if path is not None:
                _keep_private(path)

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            immediate = conn.get_execution_options().get("sqlite_immediate", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    # A server that drops packets must not leave the command waiting with no word.
    wait = {} if "connect_timeout" in url else {"connect_timeout": CONNECT_TIMEOUT_S}
    return sa.create_engine(url, pool_pre_ping=True, hide_parameters=True, connect_args=wait)


def connection_of(source: "Session | Connection") -> Connection:
    """The connection a read runs on, from a session or a connection."""
    return source if isinstance(source, Connection) else source.connection()


@contextmanager
def read_scope(engine: Engine) -> Iterator[Connection]:
    """A connection in one read transaction, without the ORM: for the queue's first page and
    the printing commands, which would otherwise wait for SQLModel to import."""
    with engine.connect() as conn, conn.begin():
        yield conn


@contextmanager
def session_scope(engine: Engine, *, write: bool = False) -> "Iterator[Session]":
    """A session in one transaction: committed when the block ends, rolled back on error.

    `write=True` takes SQLite's write lock up front (BEGIN IMMEDIATE)."""
    from sqlmodel import Session

    bind = engine.execution_options(sqlite_immediate=True) if write else engine
    with Session(bind, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException as exc:
            session.rollback()
            # A refused attempt is recorded after its rollback, so the record survives it.
            if isinstance(exc, PermissionDenied):
                _record_refusal(engine, exc)
            if _collided(exc):
                raise Conflict("another change to the same case was being saved at the same "
                               "moment; nothing of yours was saved: try again") from exc
            raise


def _collided(exc: BaseException) -> bool:
    """A PostgreSQL deadlock or serialization failure: the database rolled one of two
    concurrent writers back, and the right answer is a conflict to retry, not a crash."""
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return isinstance(exc, sa.exc.DBAPIError) and code in ("40P01", "40001")


def _record_refusal(engine: Engine, refused: PermissionDenied) -> None:
    """Write the audit row of a refused attempt, in a transaction of its own."""
    from db.tables import audit_events, users

    with session_scope(engine, write=True) as session:
        conn = session.connection()
        actor_id = conn.execute(sa.select(users.c.id).where(
            users.c.username == refused.actor_name)).scalar()
        conn.execute(audit_events.insert().values(
            at=datetime.now(UTC), user_id=actor_id, username=refused.actor_name,
            entity="permission", entity_id=None, action="refused",
            after={"attempted": refused.attempted, "message": str(refused), **refused.detail}))
