"""The letters owed (docs/RULES.md section 10): what `lossmit letters due` lists, a page at a
time or the whole book, and counts by kind; the mail batch and a case's `l` key read the same.

This module only reads, and loads neither the ORM (SQLModel), nor the templates (Jinja2), nor
the PDF code: a reading command that imports it starts in a fraction of the time the letters
service takes to import. Who may see which cases is the same condition the services apply
(`services/scope.py`), the user read again inside the read transaction.

The whole book's list is the big read (172,535 owed letters on the seeded 1,000,000-case
book): its rows are read straight from the database driver's cursor, without SQLAlchemy's
per-row processing, and handed out one at a time as they arrive, so a command can print them
as it reads them.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from db.queries import user_row
from db.tables import (
    AWAITING_MAIL,
    BANKRUPTCY_EVENTS,
    OWED_LETTERS,
    case_events,
    cases,
    letters,
    tasks,
    users,
)
from lossmit_tui.domain.enums import EventKind
from lossmit_tui.domain.letters import KINDS, LETTER_CLOCKS
from lossmit_tui.services.scope import scope_of
from lossmit_tui.services.workspace import Workspace

# The clock (the rule a deadline task carries as its source) of the early-intervention
# notice, whose version depends on the case (bankruptcy, a cease-communication notice).
EARLY_INTERVENTION = next(source for source, kind in LETTER_CLOCKS.items()
                          if kind == "early_intervention")


class Owed(NamedTuple):
    """A letter the clock says is owed: the case, the letter kind, the rule and its due
    date, and a generated letter not yet mailed (if any)."""

    case_id: int
    loan_number: str
    borrower_name: str
    assignee: str | None
    kind: str
    rule: str
    due_on: date
    pending_letter: int | None


class Page(NamedTuple):
    """Which owed letters to list, in their order (due date, then case, then rule):
    at most `limit` of them (None: all) after skipping the first `offset`."""

    limit: int | None = None
    offset: int = 0


EVERY = Page()  # every owed letter


def _scope(conn: Connection, ws: Workspace) -> sa.ColumnElement[bool]:
    """The cases the workspace's user may act on, the user read again now (UnknownUser if
    they are not in the store)."""
    me = user_row(conn, ws.username)
    return scope_of(me.user_id, me.role, me.team)


def _owed_tasks(scope: sa.ColumnElement[bool], case_id: int | None,
                *columns: sa.ColumnElement[Any], owner: sa.FromClause | None = None,
                by_case: bool = False) -> sa.Select[Any]:
    """The open deadlines a letter meets on the cases of `scope` (with their assignee:
    `owner`, an alias of users), read through their own partial index: for one case (or
    `by_case`) the one led by the case, else the one in the listing's order (due date,
    case, rule), which hands out the most urgent first without sorting the book's. On
    SQLite the index is named: without statistics its planner prefers the (status, due_on)
    index for the order and walks every open task of the book."""
    joined = tasks.join(cases, cases.c.id == tasks.c.case_id)
    if owner is not None:
        joined = joined.outerjoin(owner, owner.c.id == cases.c.assignee_id)
    index = ("ix_tasks_letters_owed" if case_id is not None or by_case
             else "ix_tasks_letters_owed_due")
    query = (sa.select(*columns).select_from(joined)
             .where(sa.text(OWED_LETTERS), scope)
             .with_hint(tasks, f"INDEXED BY {index}", "sqlite"))
    if case_id is not None:
        query = query.where(tasks.c.case_id == case_id)
    return query


def _ceased() -> sa.ColumnElement[Any]:
    """Whether the FDCPA version of the early-intervention notice is owed (1024.39(d)): the
    loan is collected as a debt collector and the borrower sent a cease-communication notice."""
    return cases.c.fdcpa_covered & cases.c.cease_communication


# SQLite reads the big listing through memory-mapped I/O (up to SQLite's own limit, 2 GB in
# the usual build): a 1,000,000-case book's owed letters touch pages all over the cases
# table, and reading each through the file API took a third of the query's time.
MAPPED_BYTES = 1 << 34


@contextmanager
def _mapped(conn: Connection) -> Iterator[None]:
    """On SQLite, the file memory-mapped while the block reads (as it was after)."""
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql("PRAGMA mmap_size").scalar() or 0
    conn.exec_driver_sql(f"PRAGMA mmap_size={MAPPED_BYTES}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA mmap_size={int(before)}")


def _driver_rows(conn: Connection, query: sa.Select[Any]) -> Iterator[tuple[Any, ...]]:
    """The rows of `query` as the database driver returns them (plain tuples, no
    SQLAlchemy processing: SQLite gives dates as ISO text and flags as 0/1), as they arrive."""
    compiled = query.compile(dialect=conn.dialect)
    params = compiled.params
    args: Any = (tuple(params[name] for name in compiled.positiontup or ())
                 if compiled.positional else params)
    with _mapped(conn):
        cursor = conn.connection.cursor()
        try:
            cursor.execute(str(compiled), args)
            while batch := cursor.fetchmany(2000):
                yield from batch
        finally:
            cursor.close()


def in_bankruptcy(conn: Connection, scope: sa.ColumnElement[bool],
                  case_id: int | None = None) -> set[int]:
    """The cases of `scope` owing the early-intervention notice whose borrower is a debtor
    in bankruptcy now (1024.39(c): the bankruptcy version is owed). Their bankruptcy events
    are read in one query through their partial index (a book has few)."""
    owes = (sa.select(sa.literal(1)).select_from(tasks)
            .where(sa.text(OWED_LETTERS), tasks.c.case_id == case_events.c.case_id,
                   tasks.c.source == EARLY_INTERVENTION)
            .with_hint(tasks, "INDEXED BY ix_tasks_letters_owed", "sqlite"))
    query = (sa.select(case_events.c.case_id, case_events.c.kind, case_events.c.occurred_on,
                       case_events.c.payload)
             .select_from(case_events.join(cases, cases.c.id == case_events.c.case_id))
             .where(sa.text(BANKRUPTCY_EVENTS), scope, owes.exists())
             .with_hint(case_events, "INDEXED BY ix_case_events_bankruptcy", "sqlite"))
    if case_id is not None:
        query = query.where(case_events.c.case_id == case_id)
    events: dict[int, list[tuple[str, date]]] = {}
    filings: dict[int, list[tuple[date, int, str]]] = {}
    for e in conn.execute(query):
        events.setdefault(e.case_id, []).append((e.kind, e.occurred_on))
        if e.kind == EventKind.BANKRUPTCY_FILED:
            payload = e.payload if isinstance(e.payload, dict) else {}
            filings.setdefault(e.case_id, []).append(
                (e.occurred_on, int(payload.get("chapter") or 0),
                 str(payload.get("case_number") or "")))
    if not events:
        return set()
    from lossmit_tui.domain.regclock import CaseFacts  # the holiday tables: only when needed

    found = set()
    for case, happened in events.items():
        bankruptcy = CaseFacts(None, events=tuple(happened),
                               bankruptcy_filings=tuple(filings.get(case, ()))).bankruptcy
        if bankruptcy is not None and bankruptcy.ended_on is None:
            found.add(case)
    return found


def _kind(source: str, case_id: int, ceased: Any, bankrupt: set[int]) -> str:
    """The letter kind a deadline of `source` owes: for the early-intervention notice, the
    bankruptcy version while the borrower is a debtor in bankruptcy (1024.39(c)), the FDCPA
    version after a cease-communication notice (1024.39(d)), else the standard one."""
    if source != EARLY_INTERVENTION:
        return LETTER_CLOCKS[source]
    if case_id in bankrupt:
        return "early_intervention_bankruptcy"
    return "early_intervention_fdcpa" if ceased else "early_intervention"


def _pending(conn: Connection, case_id: int | None) -> dict[tuple[int, str], int]:
    """The letters generated and not yet mailed (few), by case and the clock they meet."""
    query = (sa.select(letters.c.id, letters.c.case_id, letters.c.kind)
             .where(sa.text(AWAITING_MAIL))
             .with_hint(letters, "INDEXED BY ix_letters_awaiting_mail", "sqlite"))
    if case_id is not None:
        query = query.where(letters.c.case_id == case_id)
    pending: dict[tuple[int, str], int] = {}
    for letter_id, case, kind_key in conn.execute(query):
        kind = KINDS.get(kind_key)
        pending[(case, kind.clock or "" if kind else "")] = letter_id
    return pending


def iter_owed(conn: Connection, ws: Workspace, case_id: int | None = None,
              page: Page = EVERY) -> Iterator[Owed]:
    """The letters owed on the cases the user may act on, in order (see `Page`), read on
    `conn` (a read transaction the caller holds open while it consumes them) and handed out
    as the rows arrive; a generated letter of that kind not yet mailed with each, if any."""
    scope = _scope(conn, ws)
    bankrupt = in_bankruptcy(conn, scope, case_id)
    pending = _pending(conn, case_id)
    owner = users.alias("owner")
    query = (_owed_tasks(scope, case_id, tasks.c.case_id, tasks.c.source, tasks.c.due_on,
                         cases.c.loan_number, cases.c.borrower_name, _ceased(),
                         owner.c.username, owner=owner)
             .order_by(tasks.c.due_on, tasks.c.case_id, tasks.c.source))
    if page.limit is not None:
        query = query.limit(page.limit)
    if page.offset:
        query = query.offset(page.offset)
    # The loop below is the whole book's list: 172,535 turns on the seeded 1,000,000-case
    # book. `_kind` inlined, each day parsed once, the tuple made without NamedTuple's
    # Python-level constructor.
    make, fromiso = tuple.__new__, date.fromisoformat
    days: dict[Any, date] = {}
    for case, source, due_on, loan, name, ceased, assignee in _driver_rows(conn, query):
        day = days.get(due_on)
        if day is None:
            day = days[due_on] = due_on if isinstance(due_on, date) else fromiso(due_on)
        if source == EARLY_INTERVENTION:
            kind = ("early_intervention_bankruptcy" if case in bankrupt
                    else "early_intervention_fdcpa" if ceased else "early_intervention")
        else:
            kind = LETTER_CLOCKS[source]
        yield make(Owed, (case, loan, name, assignee, kind, source, day,
                          pending.get((case, source)) if pending else None))


def owed_letters(ws: Workspace, case_id: int | None = None, page: Page = EVERY) -> list[Owed]:
    """The letters owed on the cases the user may act on (of one case: `case_id`), in
    order: the open deadlines of the clocks a letter meets (the written early-intervention
    notice, the acknowledgment, the notice of complete application), each with a generated
    letter of that kind not yet mailed, if there is one."""
    with ws.read() as conn:
        return list(iter_owed(conn, ws, case_id, page))


def owed_counts(ws: Workspace) -> dict[str, int]:
    """How many letters of each kind are owed on the cases the user may act on (kinds with
    none left out), counted in the database without listing them."""
    with ws.read() as conn:
        scope = _scope(conn, ws)
        bankrupt = in_bankruptcy(conn, scope)
        counts: dict[str, int] = {}
        # Through the index led by the case: its cases are read in the table's order.
        query = _owed_tasks(scope, None, tasks.c.source, _ceased(), sa.func.count(),
                            by_case=True).group_by(tasks.c.source, _ceased())
        with _mapped(conn):
            found = conn.execute(query).all()
        for source, ceased, n in found:
            kind = _kind(source, 0, ceased, set())
            counts[kind] = counts.get(kind, 0) + n
        # The bankruptcy version (few cases): counted above as the standard or FDCPA one.
        ordered = sorted(bankrupt)
        for start in range(0, len(ordered), 500):
            chunk = ordered[start:start + 500]
            query = _owed_tasks(scope, None, _ceased(), sa.func.count(), by_case=True).where(
                tasks.c.source == EARLY_INTERVENTION, tasks.c.case_id.in_(chunk)
            ).group_by(_ceased())
            for ceased, n in conn.execute(query):
                moved = "early_intervention_fdcpa" if ceased else "early_intervention"
                counts[moved] -= n
                counts["early_intervention_bankruptcy"] = (
                    counts.get("early_intervention_bankruptcy", 0) + n)
        return {kind: n for kind, n in counts.items() if n}
