"""The audit trail's hash chain: each audit row gets a position and a SHA-256 over its own
content and the hash of the row before it, so that a removed, altered or inserted-out-of-band
row shows when the chain is checked (`lossmit audit --verify`).

The chain is written by the database itself, in a trigger on `audit_events` (migration
0014), so every path that adds an audit row is covered: the services, the bulk passes and a
stray script alike. On PostgreSQL the trigger runs at commit (a deferred constraint trigger,
under one advisory lock: chain positions follow commit order and a transaction waits for the
lock only while committing) and records the database login that wrote the row. SQLite has
one writer at a time and no SHA-256 of its own: every connection the app opens registers
`lossmit_audit_hash` (below), and a connection without it cannot add audit rows at all.

What the chain proves: no row was removed from or altered in the chain since it was written,
and every audit row is in it; on PostgreSQL, that a person's own login wrote only rows in
their own name. What it cannot prove alone: that someone with the owner's
rights did not rewrite the whole chain from some row on. Against that, keep the head that
`lossmit audit --verify` prints somewhere outside the database and pass it back with
`--head` later: the recorded head must still be in the chain, unchanged.
"""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection

SQLITE_FUNCTION = "lossmit_audit_hash"
ADVISORY_LOCK = 724_300_014  # PostgreSQL advisory lock that orders the chain


def chain_hash(prev: str | None, seq: int, login: str | None, event_id: int, at: object,
               user_id: int | None, username: str, entity: str, entity_id: str | None,
               action: str, before: str | None, after: str | None) -> str:
    """SQLite's chain hash: SHA-256 (hex) of the previous hash and the row's columns as
    stored (a JSON array, so no separator can be forged)."""
    payload = json.dumps([prev or "", seq, login, event_id, at, user_id, username, entity,
                          entity_id, action, before, after],
                         ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def register_sqlite_function(dbapi_connection: object) -> None:
    """Give a SQLite connection the chain's hash function (every app connection has it)."""
    dbapi_connection.create_function(  # type: ignore[attr-defined]  # sqlite3.Connection
        SQLITE_FUNCTION, 12, chain_hash, deterministic=True)


def _expected_sql(dialect: str) -> str:
    """The SQL expression of a chain row's expected hash (aliases c: chain, e: event)."""
    args = ("coalesce(lag(c.hash) OVER (ORDER BY c.seq), '')", "c.seq", "c.db_login", "e.id",
            "e.at", "e.user_id", "e.username", "e.entity", "e.entity_id", "e.action")
    if dialect == "sqlite":
        return f"{SQLITE_FUNCTION}({', '.join(args)}, e.before, e.after)"
    return f"audit_chain_hash({', '.join(args)}, e.before::text, e.after::text)"


@dataclass
class ChainReport:
    """What checking the chain found."""

    rows: int = 0  # audit rows in the store
    chained: int = 0  # positions in the chain
    head_seq: int | None = None
    head_hash: str | None = None
    problems: list[str] = field(default_factory=list)
    head_found: bool | None = None  # whether a recorded head (--head) is still in the chain

    @property
    def ok(self) -> bool:
        return not self.problems and self.head_found is not False


MAX_LISTED = 50  # problems listed one by one; beyond that, a count


def verify(conn: Connection, head: tuple[int, str] | None = None) -> ChainReport:
    """Check every position of the chain in order: no gap, each row still there, each hash
    what the row and its predecessor give; and every audit row in the chain. With `head`
    (a position and hash recorded earlier), also that this head is still in the chain."""
    report = ChainReport()
    report.rows = conn.execute(sa.text("SELECT count(*) FROM audit_events")).scalar_one()
    expected = _expected_sql(conn.dialect.name)
    rows = conn.execution_options(yield_per=5000).execute(sa.text(
        f"SELECT c.seq, c.event_id, c.hash, e.id IS NOT NULL AS present, {expected} AS want, "
        "e.username, c.db_login FROM audit_chain c LEFT JOIN audit_events e "
        "ON e.id = c.event_id ORDER BY c.seq"))
    # a lossmit user's own login writes only rows in that user's name (PostgreSQL)
    people = set(conn.execute(sa.text("SELECT username FROM users")).scalars())
    problems: list[str] = []
    last = 0
    for seq, event_id, stored, present, want, username, login in rows:
        report.chained += 1
        if seq != last + 1:
            problems.append(f"chain positions {last + 1}–{seq - 1} are missing (rows removed "
                            "from the chain)" if seq > last + 2 else
                            f"chain position {last + 1} is missing (a row removed from the "
                            "chain)")
        if not present:
            problems.append(f"audit row {event_id} (chain position {seq}) was removed")
        elif stored != want:
            problems.append(f"audit row {event_id} (chain position {seq}) was altered, or "
                            "the chain before it was")
        elif login in people and username != login:
            problems.append(f"audit row {event_id} (chain position {seq}) says {username} "
                            f"did it, but the database login {login} wrote it")
        if head is not None and seq == head[0]:
            report.head_found = stored == head[1]
        last = seq
        report.head_seq, report.head_hash = seq, stored
    if head is not None and report.head_found is None:
        report.head_found = False
    outside = conn.execute(sa.text(
        "SELECT e.id FROM audit_events e WHERE NOT EXISTS "
        "(SELECT 1 FROM audit_chain c WHERE c.event_id = e.id) ORDER BY e.id")).scalars().all()
    if outside:
        problems.append(f"{len(outside)} audit row(s) are not in the chain (written while "
                        f"its trigger was off): ids {_ids(outside)}")
    if head is not None and not report.head_found:
        problems.append(f"the recorded head {head[0]}:{head[1][:16]}… is not in the chain as "
                        "recorded: the chain was rewritten from there or cut short")
    if len(problems) > MAX_LISTED:
        problems = [*problems[:MAX_LISTED], f"… and {len(problems) - MAX_LISTED} more"]
    report.problems = problems
    return report


def _ids(ids: Sequence[int]) -> str:
    shown = ", ".join(str(i) for i in ids[:20])
    return shown + (f" and {len(ids) - 20} more" if len(ids) > 20 else "")

