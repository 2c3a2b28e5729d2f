"""The audit trail's hash chain (see db/audit_chain.py): a table `audit_chain` with each
audit row's position, the database login that wrote it (PostgreSQL) and its hash, written
by a trigger on `audit_events`; append-only like the trail. Existing audit rows are chained
in id order.

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.audit_chain import ADVISORY_LOCK, SQLITE_FUNCTION, chain_hash

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MESSAGE = "audit_chain is append-only"


def upgrade() -> None:
    op.create_table(
        "audit_chain",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("event_id", sa.Integer, nullable=False, unique=True),
        sa.Column("db_login", sa.String(64), nullable=True),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    if op.get_bind().dialect.name == "sqlite":
        _sqlite()
    else:
        _postgres()


def _sqlite() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT id, at, user_id, username, entity, entity_id, action, before, after "
        "FROM audit_events ORDER BY id")).all()
    prev, chained = "", []
    for seq, r in enumerate(rows, start=1):
        prev = chain_hash(prev, seq, None, r.id, r.at, r.user_id, r.username, r.entity,
                          r.entity_id, r.action, r.before, r.after)
        chained.append({"seq": seq, "event_id": r.id, "hash": prev})
    if chained:
        bind.execute(sa.text("INSERT INTO audit_chain (seq, event_id, db_login, hash) "
                             "VALUES (:seq, :event_id, NULL, :hash)"), chained)
    op.execute(f"""
        CREATE TRIGGER audit_events_chain AFTER INSERT ON audit_events BEGIN
            INSERT INTO audit_chain (seq, event_id, db_login, hash)
            SELECT s.n, NEW.id, NULL, {SQLITE_FUNCTION}(s.h, s.n, NULL, NEW.id, NEW.at,
                   NEW.user_id, NEW.username, NEW.entity, NEW.entity_id, NEW.action,
                   NEW.before, NEW.after)
              FROM (SELECT coalesce((SELECT max(seq) FROM audit_chain), 0) + 1 AS n,
                           coalesce((SELECT hash FROM audit_chain ORDER BY seq DESC LIMIT 1),
                                    '') AS h) AS s;
        END""")
    for verb in ("UPDATE", "DELETE"):
        op.execute(f"CREATE TRIGGER audit_chain_no_{verb.lower()} BEFORE {verb} ON "
                   f"audit_chain BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END")


def _postgres() -> None:
    op.execute("""
        CREATE FUNCTION audit_chain_hash(prev text, seq integer, login text, event_id integer,
            at timestamptz, user_id integer, username text, entity text, entity_id text,
            action text, before text, after text) RETURNS text
        LANGUAGE sql IMMUTABLE AS $$
            SELECT encode(sha256(convert_to(json_build_array(prev, seq, login, event_id,
                to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), user_id,
                username, entity, entity_id, action, before, after)::text, 'UTF8')), 'hex')
        $$""")
    op.execute(f"""
        CREATE FUNCTION audit_events_chain() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        DECLARE
            last_seq integer;
            last_hash text;
        BEGIN
            PERFORM pg_advisory_xact_lock({ADVISORY_LOCK});
            SELECT seq, hash INTO last_seq, last_hash FROM audit_chain
             ORDER BY seq DESC LIMIT 1;
            INSERT INTO audit_chain (seq, event_id, db_login, hash) VALUES (
                coalesce(last_seq, 0) + 1, NEW.id, session_user,
                audit_chain_hash(coalesce(last_hash, ''), coalesce(last_seq, 0) + 1,
                                 session_user, NEW.id, NEW.at, NEW.user_id, NEW.username,
                                 NEW.entity, NEW.entity_id, NEW.action, NEW.before::text,
                                 NEW.after::text));
            RETURN NULL;
        END
        $$""")
    # Existing rows first, in id order, attributed to no login (written before the chain).
    op.execute("""
        DO $$
        DECLARE
            r record;
            n integer := 0;
            h text := '';
        BEGIN
            FOR r IN SELECT * FROM audit_events ORDER BY id LOOP
                n := n + 1;
                h := audit_chain_hash(h, n, NULL, r.id, r.at, r.user_id, r.username,
                                      r.entity, r.entity_id, r.action, r.before::text,
                                      r.after::text);
                INSERT INTO audit_chain (seq, event_id, db_login, hash)
                VALUES (n, r.id, NULL, h);
            END LOOP;
        END
        $$""")
    # At commit: positions follow commit order, and the lock is held only while committing.
    op.execute("CREATE CONSTRAINT TRIGGER audit_events_chain AFTER INSERT ON audit_events "
               "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "
               "audit_events_chain()")
    op.execute("CREATE TRIGGER audit_chain_append_only BEFORE UPDATE OR DELETE ON "
               "audit_chain FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()")
    op.execute("CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain "
               "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("audit_events_chain", "audit_chain_no_update", "audit_chain_no_delete"):
            op.execute(f"DROP TRIGGER {name}")
    else:
        op.execute("DROP TRIGGER audit_events_chain ON audit_events")
        op.execute("DROP TRIGGER audit_chain_append_only ON audit_chain")
        op.execute("DROP TRIGGER audit_chain_no_truncate ON audit_chain")
        op.execute("DROP FUNCTION audit_events_chain()")
        op.execute("DROP FUNCTION audit_chain_hash(text, integer, text, integer, timestamptz, "
                   "integer, text, text, text, text, text, text)")
    op.drop_table("audit_chain")
