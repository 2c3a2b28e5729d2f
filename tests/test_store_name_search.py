"""Substring search on names: the same matches on every backend (hostile text taken
literally), and on PostgreSQL read through the pg_trgm indexes of migration 0016, not by
scanning every case."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

from db.engine import session_scope
from db.queries import QueueFilter, filter_conditions, queue_count, queue_window
from db.search import PG_TRIGRAM_INDEXES
from db.tables import cases

NOW = "2026-01-01 00:00:00"
# (borrower, co-borrower): names holding ILIKE's wildcards and escape character.
NAMES = [
    ("Ann McSmithers", None),
    ("John Smith", "Jo Anne Smith"),
    ("Bob 100% Real", None),
    ("Una Under_score", None),
    ("Ron Back\\slash", None),
    ("Mary Bojo", "Carla Mendez-Ortiz"),
    ("Percy Underscore", None),
    ("Zed Real", "Al Wild%card"),
]


def _insert(engine: Engine, rows: list[tuple[str, str | None]], prefix: str = "T") -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO cases (loan_number, borrower_name, co_borrower_name, property_state, "
            "occupancy, investor, upb_cents, next_due_date, stage, fdcpa_covered, "
            "cease_communication, attorney_represented, version, created_at, updated_at) "
            "VALUES (:loan, :name, :co, 'TX', 'owner', 'FNMA', 100, :due, 'new', false, false, "
            "false, 1, :now, :now)"),
            [{"loan": f"{prefix}-{i:04d}", "name": name, "co": co, "due": date(2026, 9, 1),
              "now": NOW} for i, (name, co) in enumerate(rows)])


def found(engine: Engine, text: str) -> set[str]:
    with session_scope(engine) as session:
        rows = queue_window(session, QueueFilter(search=text), 0, 1000)
        assert queue_count(session, QueueFilter(search=text)) == len(rows)
    return {r.borrower_name for r in rows}


def substring_of(text: str) -> set[str]:
    """What a substring search of 3+ characters means: in either name, any case."""
    needle = text.lower()
    return {name for name, co in NAMES if needle in name.lower() or needle in (co or "").lower()}


@pytest.mark.parametrize("text", [
    "mith", "MITH", "sMiThErS", "ann", "ortiz", "dez-ort", "n mcs",  # middle of a name
    "0% r", "100%", "% re", "%ca", "wild%",  # a literal %, never "anything"
    "r_s", "under_", "_sc",  # a literal _, never "any one character"
    "k\\s", "\\sl", "ack\\",  # a literal backslash, never an escape
])
def test_substring_matches_are_literal_and_case_insensitive(engine: Engine, text: str) -> None:
    _insert(engine, NAMES)
    assert found(engine, text) == substring_of(text)
    assert found(engine, text)  # every term above names somebody


@pytest.mark.parametrize("text", ["%%%", "___", "\\\\\\", "%_%", "a%n", "u_a", "r\\%"])
def test_wildcards_alone_match_nothing(engine: Engine, text: str) -> None:
    _insert(engine, NAMES)
    assert found(engine, text) == set()


def test_two_characters_match_word_starts_only(engine: Engine) -> None:
    _insert(engine, NAMES)
    assert found(engine, "sm") == {"John Smith"}  # not the "sm" inside McSmithers
    assert found(engine, "UN") == {"Una Under_score", "Percy Underscore"}


# --- PostgreSQL: the plan -------------------------------------------------------------------

BULK = 50_000


@contextmanager
def statements_of(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """Every statement (with its parameters) run on `engine` inside the block."""
    seen: list[tuple[str, Any]] = []

    def remember(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", remember)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", remember)


@pytest.fixture
def big_book(engine: Engine) -> Engine:
    """The hostile names among 50,000 other cases, analysed."""
    if engine.dialect.name != "postgresql":
        pytest.skip("the trigram indexes are PostgreSQL's (SQLite answers from FTS5)")
    _insert(engine, NAMES)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO cases (loan_number, borrower_name, co_borrower_name, property_state, "
            "occupancy, investor, upb_cents, next_due_date, stage, fdcpa_covered, "
            "cease_communication, attorney_represented, version, created_at, updated_at) "
            "SELECT 'B-' || i, 'Case ' || i, CASE WHEN i % 3 = 0 THEN 'Co ' || i END, 'TX', "
            "'owner', 'FNMA', 100, :due, 'new', false, false, false, 1, :now, :now "
            "FROM generate_series(1, :n) AS i"),
            {"due": date(2026, 9, 1), "now": NOW, "n": BULK})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE cases")
    return engine


def test_the_migration_made_both_trigram_indexes(big_book: Engine) -> None:
    with big_book.connect() as conn:
        found_indexes = dict(conn.execute(sa.text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'cases'")).all())
    for name, column in PG_TRIGRAM_INDEXES.items():
        assert f"USING gin ({column} gin_trgm_ops)" in found_indexes[name]


def explain(conn: sa.Connection, statement: str, parameters: Any = None) -> str:
    return "\n".join(conn.exec_driver_sql(f"EXPLAIN {statement}", parameters).scalars())


@pytest.mark.parametrize("text", ["mith", "0% r", "under_", "k\\s", "sm", "ann 5125"])
def test_every_part_of_the_search_condition_is_indexed(big_book: Engine, text: str) -> None:
    """The search's condition as the queue builds it, alone and with sequential scans
    priced out: one BitmapOr over the loan-number index and both trigram indexes (any part
    the indexes could not answer would leave a scan of every case)."""
    (condition,) = filter_conditions(QueueFilter(search=text), "postgresql")[1:]
    query = sa.select(cases.c.id).where(condition).compile(big_book)
    with big_book.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")
        plan = explain(conn, str(query), query.params)
    assert "BitmapOr" in plan and "Bitmap Index Scan on uq_cases_loan_number" in plan, plan
    for name in PG_TRIGRAM_INDEXES:
        assert f"Bitmap Index Scan on {name}" in plan, plan
    assert "Seq Scan" not in plan and "Filter:" not in plan, plan


@pytest.mark.parametrize("text", ["mith", "0% r", "under_", "k\\s", "sm"])
def test_the_queue_searches_with_that_condition(big_book: Engine, text: str) -> None:
    """The statements the queue runs for a search (its count and its page) test the names
    with exactly that condition, on the case rows themselves (no id set joined back to the
    whole table). At this size the planner still prefers reading the table; at a million
    cases it reads the indexes (benchmarks/pg_scale.py records the plans)."""
    (condition,) = filter_conditions(QueueFilter(search=text), "postgresql")[1:]
    expected = str(condition.compile(big_book))
    with statements_of(big_book) as seen:
        assert found(big_book, text) == (substring_of(text) if len(text) >= 3 else
                                         {"John Smith"})
    searches = [s for s, _ in seen if "ILIKE" in s.upper()]
    assert len(searches) >= 2  # the count and the page's ids
    for statement in searches:
        assert expected in statement and " IN (" not in statement, statement


def test_the_indexes_follow_new_and_renamed_cases(big_book: Engine) -> None:
    with big_book.begin() as conn:
        conn.execute(cases.update().where(cases.c.borrower_name == "Mary Bojo")
                     .values(borrower_name="Mary Quixotic"))
    _insert(big_book, [("Zora Quixotica", None)], prefix="N")
    with big_book.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")  # the index, or nothing
        ids = conn.execute(sa.select(cases.c.borrower_name).where(
            cases.c.borrower_name.ilike("%quixot%"))).scalars().all()
    assert sorted(ids) == ["Mary Quixotic", "Zora Quixotica"]
    assert found(big_book, "bojo") == set()
