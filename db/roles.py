"""Who is at the keyboard on PostgreSQL, and what their connection may do.

On a shared PostgreSQL database each person connects with a database login of their own,
named like their lossmit user. The login, not a `--user` flag, says who they are: the app
reads `session_user` and maps it to the lossmit user of the same name. Logins are members of
one group role, `lossmit_app`, that holds only what the app needs: read and write the case
data, read the users, add audit rows but never change or remove them, no schema changes and
no TRUNCATE. Admins' logins are also members of `lossmit_admin`, which may add and change
users and create and disable logins (through two functions that run as the owner and only
ever touch lossmit logins). The owner login (the one that ran the migrations) is trusted like
whoever can write a SQLite file: it may act as any user, and is for setting the store up.

Roles are server-wide; the grants are per database and are (re)applied by every upgrade.
"""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

APP_ROLE = "lossmit_app"
ADMIN_ROLE = "lossmit_admin"

# Tables the app only reads or appends to; every other table in the schema it may read and
# write row by row (no TRUNCATE, no DDL).
_APPEND_ONLY = ("audit_events",)
_READ_ONLY = ("audit_chain", "alembic_version", "users")


@dataclass(frozen=True)
class Login:
    """The database login of a connection."""

    name: str
    owner: bool  # a superuser or a member of the role owning the store's tables


def login_of(conn: Connection) -> Login:
    """The connection's own login (`session_user`: a SET ROLE cannot change it)."""
    row = conn.execute(sa.text(
        "SELECT session_user, "
        "coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = session_user), false) "
        "OR coalesce(pg_has_role(session_user, (SELECT tableowner FROM pg_tables "
        "  WHERE schemaname = current_schema() AND tablename = 'audit_events'), 'MEMBER'), "
        "  false)")).one()
    return Login(str(row[0]), bool(row[1]))


def create_roles(conn: Connection) -> None:
    """The two group roles, once per server (a concurrent creator is not an error)."""
    for role in (APP_ROLE, ADMIN_ROLE):
        conn.exec_driver_sql(f"""
            DO $$ BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
                    CREATE ROLE {role} NOLOGIN;
                END IF;
            EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
            END $$""")
    conn.exec_driver_sql(f"""
        DO $$ BEGIN
            GRANT {APP_ROLE} TO {ADMIN_ROLE};
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END $$""")


def grant_privileges(conn: Connection) -> None:
    """What `lossmit_app` and `lossmit_admin` may do in this database (idempotent: every
    upgrade runs it again, so new tables are covered)."""
    tables = conn.execute(sa.text(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).scalars().all()
    run = conn.exec_driver_sql
    run("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    run(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
    run(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {APP_ROLE}, {ADMIN_ROLE}")
    for table in tables:
        quoted = f'"{table}"'
        if table in _APPEND_ONLY:
            run(f"GRANT SELECT, INSERT ON {quoted} TO {APP_ROLE}")
        elif table in _READ_ONLY:
            run(f"GRANT SELECT ON {quoted} TO {APP_ROLE}")
        else:
            run(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {quoted} TO {APP_ROLE}")
    if "users" in tables:
        run(f"GRANT INSERT, UPDATE ON users TO {ADMIN_ROLE}")
    run(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
    for function in ("lossmit_create_login(text, text, boolean)",
                     "lossmit_set_login(text, boolean)"):
        run(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")
        run(f"GRANT EXECUTE ON FUNCTION {function} TO {ADMIN_ROLE}")


def create_login(conn: Connection, login: str, password: str | None, admin: bool) -> None:
    """Create (or, for an existing lossmit login, update) the database login of a user."""
    conn.execute(sa.text("SELECT lossmit_create_login(:login, :password, :admin)"),
                 {"login": login, "password": password, "admin": admin})


def login_exists(conn: Connection, login: str) -> bool:
    """Whether the server has a role of that name."""
    return conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :login"),
                        {"login": login}).first() is not None


def set_login_enabled(conn: Connection, login: str, enabled: bool) -> None:
    """Let a lossmit login connect again, or not (a deactivated user)."""
    conn.execute(sa.text("SELECT lossmit_set_login(:login, :enabled)"),
                 {"login": login, "enabled": enabled})

