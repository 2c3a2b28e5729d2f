"""The store's own protections of the audit trail, checked when a command opens the store:
the triggers that make `audit_events` append-only and chain each row into `audit_chain`
(and, on PostgreSQL, refuse TRUNCATE and notify listeners). Someone with the database's
owner rights can drop them; the app then says so loudly instead of going on as if the trail
were safe."""

import sqlalchemy as sa
from sqlalchemy.engine import Engine

SQLITE_TRIGGERS = ("audit_events_no_update", "audit_events_no_delete", "audit_events_chain",
                   "audit_chain_no_update", "audit_chain_no_delete")
POSTGRES_TRIGGERS = ("audit_events_append_only", "audit_events_no_truncate",
                     "audit_events_notify", "audit_events_chain", "audit_chain_append_only",
                     "audit_chain_no_truncate")


def missing_protections(engine: Engine) -> list[str]:
    """The audit-trail triggers this store should have and does not (empty when all hold)."""
    expected: tuple[str, ...]
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            expected = SQLITE_TRIGGERS
            found = set(conn.execute(sa.text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name IN ('audit_events', 'audit_chain')")).scalars())
        else:
            expected = POSTGRES_TRIGGERS
            found = set(conn.execute(sa.text(
                "SELECT tgname FROM pg_trigger WHERE tgrelid IN ('audit_events'::regclass, "
                "'audit_chain'::regclass) AND NOT tgisinternal AND tgenabled <> 'D'"))
                .scalars())
    return [name for name in expected if name not in found]


def protection_warning(missing: list[str]) -> str:
    """What to tell the user when the audit trail's protections are gone."""
    return (f"WARNING: the audit trail is not protected: {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} missing from the database, so audit rows "
            "can be changed or deleted without a trace. Someone altered the schema: tell your "
            "administrator, and have them restore it from the migrations (lossmit db "
            "upgrade on a fresh database) before trusting the audit trail.")
