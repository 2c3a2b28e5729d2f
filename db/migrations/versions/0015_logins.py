"""PostgreSQL logins and least privilege (see db/roles.py): the group roles `lossmit_app` and
`lossmit_admin`, their grants, and the two owner functions that create and disable lossmit
logins. Running this needs an owner that may create roles (CREATEROLE). SQLite: nothing (the
operating system's file permissions are its access control).

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

from alembic import op

from db.roles import ADMIN_ROLE, APP_ROLE, create_roles, grant_privileges

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LOGIN_NAME = "^[a-z0-9][a-z0-9._-]{0,62}$"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    create_roles(bind)
    op.execute(f"""
        CREATE FUNCTION lossmit_create_login(login text, password text, admin boolean)
        RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
        AS $$
        DECLARE
            existing record;
        BEGIN
            IF login !~ '{_LOGIN_NAME}' THEN
                RAISE EXCEPTION 'not a valid login name: %', login;
            END IF;
            SELECT rolsuper, pg_has_role(rolname, '{APP_ROLE}', 'MEMBER') AS ours
              INTO existing FROM pg_roles WHERE rolname = login;
            IF FOUND THEN
                IF existing.rolsuper OR NOT existing.ours THEN
                    RAISE EXCEPTION 'database login % exists and is not a lossmit login', login;
                END IF;
                EXECUTE format('ALTER ROLE %I LOGIN', login);
            ELSE
                EXECUTE format('CREATE ROLE %I LOGIN', login);
            END IF;
            IF password IS NOT NULL THEN
                EXECUTE format('ALTER ROLE %I PASSWORD %L', login, password);
            END IF;
            EXECUTE format('GRANT {APP_ROLE} TO %I', login);
            IF admin THEN
                EXECUTE format('GRANT {ADMIN_ROLE} TO %I', login);
            ELSIF pg_has_role(login, '{ADMIN_ROLE}', 'MEMBER') THEN
                EXECUTE format('REVOKE {ADMIN_ROLE} FROM %I', login);
            END IF;
        END
        $$""")
    op.execute(f"""
        CREATE FUNCTION lossmit_set_login(login text, enabled boolean)
        RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
        AS $$
        BEGIN
            IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = login AND NOT rolsuper
                       AND pg_has_role(rolname, '{APP_ROLE}', 'MEMBER')) THEN
                EXECUTE format('ALTER ROLE %I %s', login,
                               CASE WHEN enabled THEN 'LOGIN' ELSE 'NOLOGIN' END);
            END IF;
        END
        $$""")
    grant_privileges(bind)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION lossmit_set_login(text, boolean)")
    op.execute("DROP FUNCTION lossmit_create_login(text, text, boolean)")
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {APP_ROLE}, {ADMIN_ROLE}")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {APP_ROLE}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {APP_ROLE}")
