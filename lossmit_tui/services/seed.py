"""Synthetic caseloads for the demo, tests and benchmarks: realistic, deterministic, fast.

Same seed and same `today` give the same database. Rows go in through the driver's
executemany in chunks (COPY on PostgreSQL; no ORM objects), so a million cases take well under
two minutes on SQLite.
Names come from Faker's US name lists (weighted by frequency), places from the `zipcodes`
dataset (real city/state/ZIP/time-zone/area-code combinations).
"""

import json
import random
from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import accumulate
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from db import search
from db.engine import is_sqlite, session_scope
from db.models import (
    AuditEvent,
    CallNote,
    Case,
    CaseClock,
    CaseEvent,
    Document,
    LoanStatus,
    Task,
    User,
)
from lossmit_tui.domain.act_next import NOTHING_KEY, act_key
from lossmit_tui.domain.delinquency import add_months, installments_missed
from lossmit_tui.domain.enums import (
    CLOSED_STAGES,
    CallDirection,
    CallResult,
    DocStatus,
    DocType,
    EventKind,
    Hardship,
    Investor,
    Outcome,
    Party,
    Role,
    Stage,
    TaskKind,
)
from lossmit_tui.domain.events import STAGE_AFTER
from lossmit_tui.domain.trial import TRIAL_OPTIONS, Schedule, default_first_due
from lossmit_tui.domain.urgency import DEFAULT_WEIGHTS, UrgencyInput
from lossmit_tui.domain.urgency import score_tenths as urgency_score
from lossmit_tui.domain.values import display_money
from lossmit_tui.services.access import require_active
from lossmit_tui.services.errors import InvalidInput
from lossmit_tui.services.promises import SOURCE as MISSED_SOURCE
from lossmit_tui.services.promises import missed_promise_title
from lossmit_tui.services.users import find_user
from lossmit_tui.services.workspace import Workspace

CHUNK = 20_000
PIPELINE_FROM = 50_000  # cases; below this a second process costs more than it saves
CASES_PER_SPECIALIST = 250
TEAM_SIZE = 10


@dataclass
class SeedReport:
    cases: int = 0
    tasks: int = 0
    notes: int = 0
    events: int = 0
    documents: int = 0
    history: int = 0  # status history intervals (13 months of them)
    users: int = 0
    specialist: str = ""  # the first specialist: who the demo opens as
    lead: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _weighted(pairs: Sequence[tuple[Any, float]]) -> tuple[list[Any], list[float]]:
    values = [p[0] for p in pairs]
    return values, list(accumulate(p[1] for p in pairs))


@cache
def _name_lists() -> tuple[tuple[list[str], list[float]], tuple[list[str], list[float]]]:
    from faker.providers.person.en_US import Provider

    firsts = {**Provider.first_names_female, **Provider.first_names_male}
    return _weighted(list(firsts.items())), _weighted(list(Provider.last_names.items()))


@cache
def _places() -> list[tuple[str, str, str, str, list[str]]]:
    """(city, state, zip, time zone, area codes) for standard, active, mainland-ish ZIPs."""
    import zipcodes

    states = {
        "AL", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "ID", "IL", "IN", "IA", "KS", "KY",
        "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY",
        "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
        "WV", "WI", "WY", "DC", "AK", "HI",
    }
    return [
        (z["city"].title(), z["state"], z["zip_code"], z["timezone"], z["area_codes"] or ["555"])
        for z in zipcodes.list_all()
        if z["zip_code_type"] == "STANDARD" and z["active"] and z["state"] in states
        and z["timezone"]
    ]


_STREETS = ("Oak", "Maple", "Cedar", "Pine", "Elm", "Washington", "Lake", "Hill", "Main",
            "Park", "Walnut", "Sunset", "Ridge", "Church", "Meadow", "Willow", "Highland",
            "Jefferson", "Lincoln", "River", "Spring", "Forest", "Mill", "Cherry", "Valley")
_SUFFIXES = ("St", "Ave", "Dr", "Ln", "Rd", "Ct", "Blvd", "Way", "Pl", "Cir")

_INVESTORS = _weighted([(Investor.FNMA, 35), (Investor.FHLMC, 25), (Investor.FHA, 20),
                        (Investor.VA, 8), (Investor.USDA, 3), (Investor.PORTFOLIO, 5),
                        (Investor.PLS, 4)])
_OCCUPANCY = _weighted([("owner", 88), ("second_home", 4), ("investment", 8)])
# Installments missed -> share of the caseload (0 = under 30 days, still "current" bucket).
_MISSED = _weighted([(0, 8), (1, 30), (2, 20), (3, 12), (4, 6), (5, 5), (6, 4), (8, 4),
                     (10, 3), (12, 3), (18, 3), (24, 2)])
_OPEN_STAGES = _weighted([(Stage.NEW, 15), (Stage.OUTREACH, 35), (Stage.APPLICATION, 15),
                          (Stage.EVALUATION, 8), (Stage.OFFER, 5), (Stage.DENIED, 3),
                          (Stage.APPEAL, 1), (Stage.TRIAL, 7), (Stage.PLAN, 6)])
_CLOSED = [Stage.CURED, Stage.MODIFIED, Stage.PAID_OFF, Stage.SHORT_SALE, Stage.TRANSFERRED]
_HARDSHIPS = [h.value for h in Hardship]
_WORKED = {Stage.APPLICATION, Stage.EVALUATION, Stage.OFFER, Stage.DENIED, Stage.APPEAL,
           Stage.TRIAL, Stage.PLAN}

# What the first task of a case in each stage is: (kind, title, rule citation or None).
_TASK_FOR_STAGE: dict[str, list[tuple[str, str, str | None]]] = {
    Stage.NEW: [(TaskKind.CALLBACK, "First contact attempt", None),
                (TaskKind.REGULATORY_DEADLINE, "Live contact due (day 36)", "1024.39(a)")],
    Stage.OUTREACH: [(TaskKind.CALLBACK, "Follow-up call", None),
                     (TaskKind.CALLBACK, "Return borrower's call", None),
                     (TaskKind.REGULATORY_DEADLINE, "Early-intervention notice (day 45)",
                      "1024.39(b)")],
    Stage.APPLICATION: [(TaskKind.DOCUMENTS_DUE, "Missing: two recent pay stubs", None),
                        (TaskKind.DOCUMENTS_DUE, "Missing: signed 4506-C", None),
                        (TaskKind.REGULATORY_DEADLINE, "Acknowledge application (5 BD)",
                         "1024.41(b)(2)(i)(B)")],
    Stage.EVALUATION: [(TaskKind.REGULATORY_DEADLINE, "Decide complete application (30 days)",
                        "1024.41(c)(1)"),
                       (TaskKind.REVIEW, "Underwriting review", None)],
    Stage.OFFER: [(TaskKind.CALLBACK, "Offer acceptance follow-up", None),
                  (TaskKind.REGULATORY_DEADLINE, "Offer acceptance window ends", "1024.41(e)")],
    Stage.DENIED: [(TaskKind.REGULATORY_DEADLINE, "Appeal window closes", "1024.41(h)"),
                   (TaskKind.CALLBACK, "Discuss denial and liquidation options", None)],
    Stage.APPEAL: [(TaskKind.REGULATORY_DEADLINE, "Decide appeal (30 days)", "1024.41(h)(4)")],
    Stage.TRIAL: [(TaskKind.TRIAL_PAYMENT, "Trial payment due", None)],
    Stage.PLAN: [(TaskKind.REVIEW, "Plan payment check", None)],
}
_SECOND_TASK = [(TaskKind.CALLBACK, "Call back as agreed", None),
                (TaskKind.REVIEW, "Review file before call", None),
                (TaskKind.OTHER, "Update hardship details", None)]

# What a call's note says, by its result and direction: an outbound call's note never says
# the borrower called in. Only a right-party contact is seeded inbound (a borrower calling in
# reaches someone); the misses are attempts we placed.
_NOTE_TEXT = {
    (CallResult.RPC, CallDirection.OUTBOUND): [
        "Spoke with borrower. Hardship: {h}. Explained repayment plan, forbearance and "
        "modification. Borrower will send Form 710 and two recent pay stubs.",
        "Reached borrower on the number on file. Verified identity (last 4 of SSN). Reviewed "
        "missing documents; borrower will upload bank statements this week.",
        "Discussed options. Borrower intends to keep the home. Follow-up call scheduled.",
    ],
    (CallResult.RPC, CallDirection.INBOUND): [
        "Borrower called in about the notice. Verified identity (last 4 of SSN). Hardship: "
        "{h}. Reviewed missing documents; borrower will upload bank statements this week.",
        "Borrower returned our call. Hardship: {h}. Explained repayment plan, forbearance and "
        "modification; Form 710 to follow.",
    ],
    (CallResult.NO_ANSWER, CallDirection.OUTBOUND): [
        "Outbound call, no answer. No voicemail set up."],
    (CallResult.VOICEMAIL, CallDirection.OUTBOUND): [
        "Left voicemail with callback number and SPOC name."],
    (CallResult.WRONG_NUMBER, CallDirection.OUTBOUND): [
        "Number reached someone else; they do not know the borrower."],
    (CallResult.BUSY, CallDirection.OUTBOUND): ["Line busy; will retry later today."],
}
_PROMISE_TEXT = " Borrower promised a payment of {amount} by {due}."
_RESULTS = _weighted([(CallResult.RPC, 35), (CallResult.NO_ANSWER, 30),
                      (CallResult.VOICEMAIL, 28), (CallResult.WRONG_NUMBER, 3),
                      (CallResult.BUSY, 4)])


def _payment_cents(principal_cents: int, rate_milli: int, months: int = 360) -> int:
    """Level monthly P&I (floats are fine for made-up data)."""
    r = rate_milli / 100_000 / 12
    if r == 0:
        return round(principal_cents / months)
    return round(principal_cents * r / (1 - (1 + r) ** -months))


def _driver_values(sqlite: bool) -> tuple[Any, Any]:
    """Converters for dates and timestamps into what the driver stores directly.

    SQLite gets the same ISO text SQLAlchemy's SQLite types write and read back; PostgreSQL
    takes the Python objects as they are. Used only while building lookup tables."""
    if sqlite:
        return date.isoformat, lambda v: v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return (lambda v: v), (lambda v: v)


class _Writer:
    """Tuples into one table: executemany in the dialect's parameter style on SQLite, COPY on
    PostgreSQL (an INSERT per row costs the server ~10x more than a row of COPY; the values
    are adapted by the same driver either way, so the rows stored are the same)."""

    def __init__(self, conn: Connection, table: sa.Table, columns: Sequence[str]) -> None:
        self.conn, self.columns = conn, list(columns)
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        self.sql = (f"INSERT INTO {table.name} ({', '.join(self.columns)}) "
                    f"VALUES ({', '.join([mark] * len(self.columns))})")
        self.copy_sql = (f"COPY {table.name} ({', '.join(self.columns)}) FROM STDIN"
                         if conn.dialect.name == "postgresql" else None)
        self.rows: list[tuple[Any, ...]] = []
        self.count = 0

    def flush(self) -> None:
        if not self.rows:
            return
        if self.copy_sql is None:
            self.conn.exec_driver_sql(self.sql, self.rows)
        else:
            raw = self.conn.connection.driver_connection  # psycopg's, in this transaction
            assert raw is not None
            with raw.cursor() as cursor, cursor.copy(self.copy_sql) as copy:
                for row in self.rows:
                    copy.write_row(row)
        self.count += len(self.rows)
        self.rows = []


def _usernames(rng: random.Random, count: int) -> Iterator[tuple[str, str]]:
    (firsts, fw), (lasts, lw) = _name_lists()
    taken: set[str] = set()
    while True:
        first = rng.choices(firsts, cum_weights=fw)[0]
        last = rng.choices(lasts, cum_weights=lw)[0]
        base = (first[0] + last).lower().replace("'", "").replace(" ", "")
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base}{n}"
        taken.add(name)
        yield name, f"{first} {last}"
        count -= 1
        if count <= 0:
            return


def seed_moment(today: date, clock: datetime | None = None) -> datetime:
    """The moment a seeded history is written at: noon UTC on `today` (the same seed and
    `today` give the same rows), or the real time `clock` when that is earlier, so that
    nothing in the history is stamped later than the moment it is looked at."""
    noon = datetime.combine(today, time(12, 0), tzinfo=UTC)
    return noon if clock is None else min(noon, clock.astimezone(UTC))


def seed(engine: Engine, cases: int, seed_value: int, today: date,
         actor_name: str = "seed", weights: Mapping[str, float] | None = None,
         clock: datetime | None = None, history: bool = True) -> SeedReport:
    """Fill an empty database with `cases` synthetic cases, their team and their history
    (with `history`, 13 months of each loan's delinquency status too).
    Every summary the case row keeps (last contact, last right-party contact, the promise to
    pay and whether it was kept, the next action, the regulatory deadline, the documents
    missing) is what its calls, events, tasks and documents say; nothing is stamped after
    `seed_moment(today, clock)`."""
    if cases < 1:
        raise InvalidInput("--cases must be at least 1")
    rng = random.Random(seed_value)
    now = seed_moment(today, clock)
    report = SeedReport()
    with _rollback_journal(engine):
        _seed(engine, cases, seed_value, today, actor_name, weights, rng, now, report,
              history)
    return report


@contextmanager
def _rollback_journal(engine: Engine) -> Iterator[None]:
    """On SQLite, load through a rollback journal instead of the write-ahead log: into an
    empty file the journal stays tiny and every page is written once, where WAL writes the
    whole database twice (into the log, then back at the checkpoint). The seed is still one
    transaction; WAL is put back afterwards, for the app's concurrent readers."""
    if not is_sqlite(engine):
        yield
        return
    raw = engine.raw_connection()
    try:
        raw.driver_connection.execute("PRAGMA journal_mode=DELETE")  # type: ignore[union-attr]  # a live connection has one
    finally:
        raw.close()
    try:
        yield
    finally:
        engine.dispose()  # no pooled connection may hold the file while the mode changes
        raw = engine.raw_connection()
        try:
            raw.driver_connection.execute("PRAGMA journal_mode=WAL")  # type: ignore[union-attr]  # a live connection has one
        finally:
            raw.close()


def _seed(engine: Engine, cases: int, seed_value: int, today: date, actor_name: str,
          weights: Mapping[str, float] | None, rng: random.Random, now: datetime,
          report: SeedReport, history: bool = True) -> None:
    with session_scope(engine, write=True) as session:
        # A new store does not know whoever seeds it; a user it knows must be active.
        actor = find_user(session, actor_name)
        if actor is not None:
            require_active(actor, "seeding the store")
        conn = session.connection()
        existing = conn.execute(sa.select(sa.func.count()).select_from(Case.__table__)).scalar()
        if existing:
            raise InvalidInput(
                f"the database already holds {existing} cases; seed fills an empty database "
                "only (point --db at a new file)"
            )
        if is_sqlite(engine):
            # A big page cache for the load, and a second core for sorting the indexes
            # (halves each index build); both put back before the connection is returned.
            conn.exec_driver_sql("PRAGMA cache_size=-200000")
            conn.exec_driver_sql("PRAGMA threads=2")
        # Load first, index after: faster, and the indexes come out compact (the queue walks
        # them by position). Same transaction, so a failed seed leaves no table unindexed.
        deferred = [ix for t in (Case.__table__, Task.__table__, LoanStatus.__table__)
                    for ix in t.indexes]
        for index in deferred:
            index.drop(conn)
        user_ids = _seed_users(conn, rng, cases, now, report)
        with search.paused(conn):
            _load_cases(conn, cases, seed_value, today, now, user_ids, report,
                        is_sqlite(engine), dict(weights or DEFAULT_WEIGHTS), history)
        for index in deferred:
            index.create(conn)
        if is_sqlite(engine):
            conn.exec_driver_sql("PRAGMA threads=0")
            conn.exec_driver_sql("PRAGMA cache_size=-2000")
        conn.execute(AuditEvent.__table__.insert(), [{
            "at": now, "user_id": None, "username": actor_name, "entity": "seed",
            "entity_id": str(seed_value), "action": "seed", "before": None,
            "after": {"cases": report.cases, "tasks": report.tasks, "notes": report.notes,
                      "events": report.events, "documents": report.documents,
                      "history": report.history,
                      "users": report.users, "seed": seed_value,
                      "today": today.isoformat()},
        }])
        if engine.dialect.name == "postgresql":
            for table in ("users", "cases", "tasks", "call_notes", "case_events", "documents"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table}), 1))"
                )


def _seed_users(conn: Connection, rng: random.Random, cases: int, now: datetime,
                report: SeedReport) -> list[int]:
    specialists = max(3, -(-cases // CASES_PER_SPECIALIST))
    teams = -(-specialists // TEAM_SIZE)
    writer = _Writer(conn, User.__table__,
                     ["id", "username", "display_name", "role", "team", "active", "created_at"])
    names = _usernames(rng, specialists + teams)
    next_id = 1
    now_v = _driver_values(is_sqlite(conn.engine))[1](now)
    writer.rows.append(
        (next_id, "admin", "System Administrator", Role.ADMIN.value, None, True, now_v))
    spec_ids: list[int] = []
    for t in range(teams):
        team = f"Team {t + 1}"
        next_id += 1
        username, display = next(names)
        writer.rows.append((next_id, username, display, Role.LEAD.value, team, True, now_v))
        report.lead = report.lead or username
        for _ in range(min(TEAM_SIZE, specialists - len(spec_ids))):
            next_id += 1
            username, display = next(names)
            writer.rows.append(
                (next_id, username, display, Role.SPECIALIST.value, team, True, now_v))
            report.specialist = report.specialist or username
            spec_ids.append(next_id)
    writer.flush()
    report.users = writer.count
    return spec_ids


def _picker(rand: Any, pairs: tuple[list[Any], list[float]]) -> Any:
    """A fast weighted choice: bisect on the cumulative weights."""
    values, cum = pairs
    total = cum[-1]
    return lambda: values[bisect_right(cum, rand() * total)]


HISTORY_MONTHS = 13  # how far back the seeded status history reaches (README "Reports")


def _status_history(hr: Any, case_id: int, missed: int, stage: str, closed: bool,
                    redefault: bool, fc: tuple[date, str] | None,
                    milestones: Sequence[tuple[str, date]], upb: int,
                    month_back: Mapping[int, date], today: date) -> list[tuple[Any, ...]]:
    """A loan's delinquency status history over the last HISTORY_MONTHS months, ending in
    its seeded state (db/history.py's intervals, change-only).

    The oldest unpaid due date is walked back month by month from today's: a loan behind
    then mostly rolled into it (no payment that month), sometimes held (one) or was worse
    (two: a partial cure); a loan current then mostly paid one, sometimes two or three (a
    cure). `redefault` loans were modified a few months before they fell behind again (a
    trial of three months, the modification, payments, then none). Stage milestones
    (application, decision, trial, plan, closing) and the foreclosure referral come in on
    their days. `hr` is the history's own random stream, so the rest of the seed is as
    before."""
    start = month_back[HISTORY_MONTHS]
    changes: list[tuple[date, str, Any]] = []  # (day, field, value)
    between = lambda low, high: low + int(hr() * (high - low + 1))  # noqa: E731
    j = missed  # the due date, as months back from this month's start
    first_stage = Stage.OUTREACH.value if (milestones or closed) else stage
    first_workout: str | None = None
    if redefault:
        modified_k = min(HISTORY_MONTHS - 1, missed + between(2, 9))
        mod_day = month_back[modified_k] + timedelta(days=between(0, 20))
        for k in range(missed + 1, modified_k):  # paid each month after the modification
            changes.append((month_back[k] + timedelta(days=between(1, 20)), "due", k - 1))
        changes.append((mod_day, "due", modified_k - 1))
        changes += [(mod_day, "stage", Stage.MODIFIED.value), (mod_day, "workout", "modified")]
        trial_day = mod_day - timedelta(days=91)
        if trial_day > start:
            changes += [(trial_day, "stage", Stage.TRIAL.value),
                        (trial_day, "workout", "trial")]
        fell_behind = min(today, add_months(month_back[missed], 1)
                          + timedelta(days=between(5, 15)))
        changes.append((max(fell_behind, mod_day + timedelta(days=1)), "stage", stage))
        j = modified_k + between(3, 6)  # the arrears the modification took in
    else:
        for k in range(1, HISTORY_MONTHS + 1):
            behind = j - (k - 1)
            roll = hr()
            if behind >= 1:
                paid = 0 if roll < 0.75 else 1 if roll < 0.95 else 2
            else:
                paid = 1 if roll < 0.85 else 2 if roll < 0.97 else 3
            paid = max(paid, k - j)  # never more than one installment paid ahead
            if paid:
                changes.append((month_back[k] + timedelta(days=between(1, 27)), "due", j))
            j += paid
    for kind, day in milestones:
        changes.append((day, "stage", kind))
        if kind in (Stage.TRIAL.value, Stage.PLAN.value):
            changes.append((day, "workout", kind))
    if closed:
        day = today - timedelta(days=between(5, 60))
        changes.append((day, "stage", stage))
        if stage == Stage.MODIFIED:
            changes.append((day, "workout", "modified"))
    if fc is not None:
        changes.append((fc[0], "fc", fc[1]))
    state = {"due": month_back[j], "stage": first_stage, "workout": first_workout, "fc": None}
    out: list[tuple[Any, ...]] = []
    since = start
    for day, name, value in sorted(changes, key=lambda c: c[0]):
        value = month_back[value] if name == "due" else value
        if state[name] == value:
            continue
        if day > since:  # what came before the history starts is its first state
            out.append((case_id, since, day, state["due"], state["stage"], state["fc"],
                        None, state["workout"], upb))
            since = day
        state[name] = value
    out.append((case_id, since, None, state["due"], state["stage"], state["fc"], None,
                state["workout"], upb))
    return out


def _generate(count: int, seed_value: int, today: date, now: datetime, spec_ids: list[int],
              sqlite: bool, weights: dict[str, float], with_history: bool = True
              ) -> Iterator[dict[str, list[tuple[Any, ...]]]]:
    """Rows of cases with their tasks, call notes, events and documents, in chunks of
    CHUNK cases (parents before children in every chunk).

    Every case gets one or two tasks (the earliest open one is its next action). History is
    kept to what a real caseload shows: notes on cases that were worked, events and the
    document checklist on cases with an application."""
    rng = random.Random(seed_value * 1_000_003 + 1)
    hist = random.Random(seed_value * 1_000_003 + 2).random  # the status history's own
    d, ts = _driver_values(sqlite)
    rand = rng.random
    first_name = _picker(rand, _name_lists()[0])
    last_name = _picker(rand, _name_lists()[1])
    investor_of = _picker(rand, _INVESTORS)
    occupancy_of = _picker(rand, _OCCUPANCY)
    missed_of = _picker(rand, _MISSED)
    open_stage_of = _picker(rand, _OPEN_STAGES)
    result_of = _picker(rand, _RESULTS)
    places = _places()
    n_places, n_specs = len(places), len(spec_ids)

    def pick(seq: Sequence[Any]) -> Any:
        return seq[int(rand() * len(seq))]

    def between(low: int, high: int) -> int:
        return low + int(rand() * (high - low + 1))

    # Lookup tables: every date and timestamp the generator can produce, in driver form.
    month_start = today.replace(day=1)
    date_of = {k: today + timedelta(days=k) for k in range(-400, 401)}
    day_of = {k: d(v) for k, v in date_of.items()}
    today_v = day_of[0]
    month_back = {k: add_months(month_start, -k) for k in range(0, 260)}
    month_back_v = {k: d(v) for k, v in month_back.items()}
    # Every seeded loan is a 30-year one: originated k months back, it matures 360 - k ahead.
    maturity_v = {k: d(add_months(v, 360)) for k, v in month_back.items()}
    # The seeded deadline tasks approximate the clock's; each case is synced with its clock
    # (services/clock.py) when its next installment falls due, or at once by
    # `lossmit refresh --all-clocks`.
    clock_check_v = {k: d(_next_installment(v, today)) for k, v in month_back.items()}
    late_by_missed = {k: (today - v).days for k, v in month_back.items()}
    # No moment of the history is later than `now` (the seed's moment, never after the real
    # one): a call at 15:00 UTC yesterday, an event at 14:00 UTC on its day.
    called_at = {(k, h): ts(min(now, datetime.combine(today - timedelta(days=k), time(h, 0),
                                                      tzinfo=UTC)))
                 for k in range(0, 61) for h in range(12, 24)}
    event_at = {k: ts(min(now, datetime.combine(v, time(14, 0), tzinfo=UTC)))
                for k, v in date_of.items()}
    now_v = ts(now)
    rpc_outcomes = json.dumps([Outcome.HARDSHIP_DISCUSSED, Outcome.OPTIONS_EXPLAINED])
    promise_outcomes = json.dumps([Outcome.HARDSHIP_DISCUSSED, Outcome.OPTIONS_EXPLAINED,
                                   Outcome.PROMISE_TO_PAY])
    no_outcomes, empty_json = "[]", "{}"
    follow = {Stage.OFFER: EventKind.OFFER_SENT, Stage.DENIED: EventKind.DENIED,
              Stage.APPEAL: EventKind.APPEAL_RECEIVED, Stage.TRIAL: EventKind.TRIAL_STARTED,
              Stage.PLAN: EventKind.PLAN_STARTED}
    checklist = (DocType.FORM_710, DocType.PAY_STUBS, DocType.BANK_STATEMENTS,
                 DocType.FORM_4506C)
    task_kinds = {stage: specs for stage, specs in _TASK_FOR_STAGE.items()}

    cases: list[tuple[Any, ...]] = []
    clocks: list[tuple[Any, ...]] = []
    tasks: list[tuple[Any, ...]] = []
    notes: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    docs: list[tuple[Any, ...]] = []
    spans: list[tuple[Any, ...]] = []
    task_id = note_id = event_id = doc_id = 0

    for case_id in range(1, count + 1):
        first, last = first_name(), last_name()
        co = f"{first_name()} {last}" if rand() < 0.35 else None
        city, state, zip_code, tz, area_codes = places[int(rand() * n_places)]
        phone = f"{pick(area_codes)}{between(200, 999)}{between(0, 9999):04d}"
        email = (f"{first.lower()}.{last.lower()}{between(1, 99)}@example.com"
                 if rand() < 0.7 else None)
        address = f"{between(10, 9899)} {pick(_STREETS)} {pick(_SUFFIXES)}"

        age_months = between(13, 240)
        rate_milli = 2750 + 125 * between(0, 38)
        original = between(80, 650) * 1000_00
        pi = _payment_cents(original, rate_milli)
        paid_share = min(0.85, age_months / 360 * (0.55 + rate_milli / 20_000))
        upb = int(original * (1 - paid_share))
        escrow = between(15_000, 90_099)
        value = int(original / (0.6 + rand() * 0.37) * (0.9 + rand() * 0.7))

        missed = missed_of()
        closed = rand() < 0.02
        stage = pick(_CLOSED) if closed else open_stage_of()
        days_late = late_by_missed[missed]
        referral = sale = sale_offset = referral_offset = None
        if missed >= 5 and rand() < 0.35:
            referral_offset = -min(days_late - 121, between(0, 80)) - 1
            referral = day_of[referral_offset]
            sale_offset = between(5, 150)
            sale = day_of[sale_offset]
        worked = stage in _WORKED
        hardship = pick(_HARDSHIPS) if worked or rand() < 0.3 else None
        assignee = None if rand() < 0.03 else spec_ids[int(rand() * n_specs)]
        # The call on record, if any, and every summary of it on the case row follows from
        # it: last contact, last right-party contact and the promise to pay.
        promise_amount = promise_due = promise_kept = promise_offset = None
        if not closed and rand() < 0.08:
            promise_amount = pi + escrow
            promise_offset = between(-10, 10)
            promise_due = day_of[promise_offset]
            if promise_offset < 0 and rand() < 0.5:
                promise_kept = promise_due
        called_on_record = (worked or promise_amount is not None
                            or (stage == Stage.OUTREACH and rand() < 0.5))
        rpc = called_on_record and (worked or promise_amount is not None
                                    or result_of() == CallResult.RPC)
        # A promise is made on the call, on or before the day it is due.
        rpc_days = between(max(1, -(promise_offset or 0)), 30)
        last_rpc = called_at[(rpc_days, 15)] if rpc else None
        last_contact = last_rpc

        # Tasks: every case has at least one; the earliest open one is its next action.
        next_offset: int | None = None
        next_kind: str | None = None
        reg_offset: int | None = None
        specs = [pick(task_kinds.get(stage, _SECOND_TASK))]
        if rand() < 0.25:
            specs.append(pick(_SECOND_TASK))
        for kind, title, rule in specs:
            task_id += 1
            offset = between(-12, 21)
            tasks.append((
                task_id, case_id, kind, title, day_of[offset], None, assignee,
                "done" if closed else "open", rule or "manual", now_v,
                now_v if closed else None, assignee if closed else None, None))
            if not closed and (next_offset is None or offset < next_offset):
                next_offset, next_kind = offset, kind
            if (not closed and kind == TaskKind.REGULATORY_DEADLINE
                    and (reg_offset is None or offset < reg_offset)):
                reg_offset = offset

        if promise_offset is not None and promise_offset < 0 and promise_kept is None:
            # The daily pass has already raised the missed promise (services/promises.py).
            task_id += 1
            raised = min(0, promise_offset + 1)
            tasks.append((
                task_id, case_id, TaskKind.CALLBACK,
                missed_promise_title(promise_amount, date_of[promise_offset]), day_of[raised],
                None, assignee, "done" if closed else "open", MISSED_SOURCE, now_v,
                now_v if closed else None, assignee if closed else None, None))
            if not closed and (next_offset is None or raised < next_offset):
                next_offset, next_kind = raised, TaskKind.CALLBACK

        if called_on_record:
            note_id += 1
            result = CallResult.RPC if rpc else result_of()
            if result == CallResult.RPC and not rpc:  # the miss drawn was a contact: a miss
                result = CallResult.NO_ANSWER
            called = (last_rpc if rpc else
                      called_at[(between(1, 40), between(13, 23))])
            direction = (CallDirection.INBOUND if rpc and rand() < 0.2
                         else CallDirection.OUTBOUND)
            body = pick(_NOTE_TEXT[(result, direction)]).format(
                h=(hardship or "other").replace("_", " "))
            outcomes = no_outcomes
            if rpc:
                outcomes = rpc_outcomes if promise_amount is None else promise_outcomes
            if promise_amount is not None:
                body += _PROMISE_TEXT.format(amount=display_money(promise_amount),
                                             due=date_of[promise_offset or 0].isoformat())
            notes.append((
                note_id, case_id, assignee or spec_ids[0], called, direction,
                Party.BORROWER if rpc else Party.NONE, result, outcomes, promise_amount,
                promise_due, body, None, called))
            last_contact = called  # an attempt we placed, or the borrower reached
        missing = 0
        if worked:
            received = -between(10, 60)
            history = [(EventKind.APPLICATION_RECEIVED, received)]
            complete = stage != Stage.APPLICATION
            if complete:
                history.append((EventKind.APPLICATION_COMPLETE, received + between(3, 9)))
            if stage in follow:
                history.append((follow[stage], min(0, received + 20)))
            for kind, on in history:
                event_id += 1
                this_id, payload = event_id, empty_json
                if kind == EventKind.TRIAL_STARTED:
                    # The schedule the trial screens and tasks read (services/trials.py).
                    schedule = Schedule(date_of[on], TRIAL_OPTIONS["flex_modification"],
                                        pi + escrow, default_first_due(date_of[on]),
                                        "flex_modification")
                    payload = json.dumps({"trial": schedule.as_payload()})
                    for number, due in enumerate(schedule.due_dates, start=1):
                        if due >= today:
                            break
                        event_id += 1  # paid on its due date: the trial is kept
                        paid = (due - today).days
                        events.append((event_id, case_id, EventKind.TRIAL_PAYMENT,
                                       day_of[paid], assignee, None, json.dumps({
                                           "amount_cents": schedule.amount_cents,
                                           "payment": number,
                                           "trial_started": date_of[on].isoformat()}),
                                       event_at[paid]))
                events.append((this_id, case_id, kind, day_of[on], assignee, None,
                               payload, event_at[on]))
        if promise_kept is not None and promise_offset is not None:
            event_id += 1  # the payment that kept the promise
            events.append((event_id, case_id, EventKind.PAYMENT_RECEIVED,
                           day_of[promise_offset], assignee, None, empty_json,
                           event_at[promise_offset]))
            if stage in (Stage.APPLICATION, Stage.EVALUATION):
                for doc in checklist:
                    doc_id += 1
                    got = complete or rand() < 0.5
                    missing += not got
                    docs.append((
                        doc_id, case_id, doc,
                        (DocStatus.ACCEPTED if complete else DocStatus.RECEIVED) if got
                        else DocStatus.REQUESTED,
                        day_of[received], day_of[received + between(1, 8)] if got else None,
                        day_of[received + 9] if complete else None,
                        day_of[received - between(0, 30)] if got else None, now_v))

        facts = UrgencyInput(
            today, None if next_offset is None else date_of[next_offset], days_late,
            None if sale_offset is None else date_of[sale_offset],
            None if promise_offset is None else date_of[promise_offset],
            promise_kept is not None, date_of[-rpc_days] if last_rpc else None, stage,
            missing,
        )
        cases.append((
            case_id, f"{7_000_000_000 + case_id * 37:010d}", f"{first} {last}", co, phone,
            email, address, city, state, zip_code, tz, occupancy_of(), investor_of(), upb,
            rate_milli, pi, escrow, month_back_v[missed],
            # originated at least a month before its oldest unpaid installment fell due
            month_back_v[max(age_months, missed + 1)], maturity_v[max(age_months, missed + 1)],
            value,
            referral, sale, hardship, stage, assignee, rand() < 0.10, rand() < 0.01,
            rand() < 0.02, f"{between(0, 9999):04d}", last_contact, last_rpc, promise_amount,
            promise_due, promise_kept,
            None if next_offset is None else day_of[next_offset], next_kind,
            urgency_score(facts, weights) if not closed else 0,
            None if closed else today_v, act_key(facts) if not closed else NOTHING_KEY,
            None if reg_offset is None else day_of[reg_offset], 0 if closed else missing,
            1, now_v, now_v, now_v if stage in CLOSED_STAGES else None,
        ))
        if not closed:
            clocks.append((case_id, clock_check_v[missed], False, None))
        if with_history:
            milestones = [(STAGE_AFTER[kind].value, date_of[on])
                          for kind, on in (history if worked else ()) if kind in STAGE_AFTER]
            redefault = (not closed and stage in (Stage.NEW, Stage.OUTREACH)
                         and 2 <= missed <= 8 and hist() < 0.15)
            fc = (None if referral_offset is None else
                  (date_of[referral_offset], "sale_scheduled" if sale else "referred"))
            for span in _status_history(hist, case_id, missed, stage, closed, redefault, fc,
                                        milestones, upb, month_back, today):
                spans.append((span[0], d(span[1]), None if span[2] is None else d(span[2]),
                              d(span[3]), *span[4:]))
        if len(cases) >= CHUNK:
            yield {"cases": cases, "case_clocks": clocks, "tasks": tasks, "call_notes": notes,
                   "case_events": events, "documents": docs, "loan_status_history": spans}
            cases, clocks, tasks, notes, events, docs, spans = [], [], [], [], [], [], []
    if cases:
        yield {"cases": cases, "case_clocks": clocks, "tasks": tasks, "call_notes": notes,
               "case_events": events, "documents": docs, "loan_status_history": spans}


def _produce(out: Any, args: tuple[Any, ...]) -> None:
    """Child process: generate chunks onto the queue; None ends, a string is an error."""
    try:
        for chunk in _generate(*args):
            out.put(chunk)
        out.put(None)
    except BaseException:
        import traceback

        out.put(traceback.format_exc())


def _chunks(args: tuple[Any, ...], count: int) -> Iterator[dict[str, list[tuple[Any, ...]]]]:
    """Chunks from a second process for big seeds (generation overlaps the inserts on the
    other core); in-process for small ones. The same single generator either way, so the
    rows are identical."""
    if count < PIPELINE_FROM:
        yield from _generate(*args)
        return
    import multiprocessing

    queue: multiprocessing.Queue[dict[str, list[tuple[Any, ...]]] | str | None] = (
        multiprocessing.Queue(maxsize=4))
    worker = multiprocessing.Process(target=_produce, args=(queue, args), daemon=True)
    worker.start()
    try:
        while (item := queue.get()) is not None:
            if isinstance(item, str):
                raise RuntimeError(f"the seed generator failed:\n{item}")
            yield item
    finally:
        worker.join(timeout=5)
        if worker.is_alive():
            worker.terminate()


def _load_cases(conn: Connection, count: int, seed_value: int, today: date, now: datetime,
                spec_ids: list[int], report: SeedReport, sqlite: bool,
                weights: dict[str, float], with_history: bool = True) -> None:
    writers = {
        "cases": _Writer(conn, Case.__table__, _CASE_COLUMNS),
        "case_clocks": _Writer(conn, CaseClock.__table__,
                               ["case_id", "check_on", "window_only", "check_then"]),
        "tasks": _Writer(conn, Task.__table__, _TASK_COLUMNS),
        "call_notes": _Writer(conn, CallNote.__table__, _NOTE_COLUMNS),
        "case_events": _Writer(conn, CaseEvent.__table__, _EVENT_COLUMNS),
        "documents": _Writer(conn, Document.__table__, _DOC_COLUMNS),
        "loan_status_history": _Writer(conn, LoanStatus.__table__, _SPAN_COLUMNS),
    }
    for chunk in _chunks((count, seed_value, today, now, spec_ids, sqlite, weights,
                          with_history), count):
        for name, writer in writers.items():  # dict order: parents first
            writer.rows = chunk[name]
            writer.flush()
    report.cases, report.tasks = writers["cases"].count, writers["tasks"].count
    report.notes, report.events = writers["call_notes"].count, writers["case_events"].count
    report.documents = writers["documents"].count
    report.history = writers["loan_status_history"].count


_TASK_COLUMNS = [
    "id", "case_id", "kind", "title", "due_on", "due_time", "assignee_id", "status", "source",
    "created_at", "completed_at", "completed_by_id", "snoozed_at"]
_NOTE_COLUMNS = [
    "id", "case_id", "author_id", "called_at", "direction", "party", "result", "outcome_codes",
    "promise_amount_cents", "promise_date", "body", "amends_id", "created_at"]
_EVENT_COLUMNS = [
    "id", "case_id", "kind", "occurred_on", "author_id", "reason", "payload", "created_at"]
_SPAN_COLUMNS = ["case_id", "valid_from", "valid_to", "oldest_unpaid_due", "stage",
                 "fc_status", "bankruptcy", "workout", "upb_cents"]
_DOC_COLUMNS = [
    "id", "case_id", "doc_type", "status", "requested_on", "received_on", "decided_on",
    "document_date", "created_at"]
_CASE_COLUMNS = [
    "id", "loan_number", "borrower_name", "co_borrower_name", "phone", "email",
    "property_address", "property_city", "property_state", "property_zip", "property_tz",
    "occupancy", "investor", "upb_cents", "note_rate_milli", "pi_cents", "escrow_cents",
    "next_due_date", "origination_date", "maturity_date", "property_value_cents",
    "fc_referral_date",
    "fc_sale_date", "hardship_reason", "stage", "assignee_id", "fdcpa_covered",
    "cease_communication", "attorney_represented", "ssn_last4", "last_contact_at",
    "last_rpc_at", "promise_amount_cents", "promise_due_on", "promise_kept_on",
    "next_action_on", "next_action_kind", "urgency", "urgency_on", "act_key", "reg_due_on",
    "missing_docs",
    "version", "created_at", "updated_at", "closed_at",
]


def _next_installment(oldest_unpaid: date, today: date) -> date:
    """The day after delinquency begins, or the next installment to fall due."""
    if oldest_unpaid >= today:
        return oldest_unpaid + timedelta(days=1)
    return add_months(oldest_unpaid, installments_missed(oldest_unpaid, today) + 1)


def add_compliance_history(engine: Engine, seed_value: int, today: date,
                           kept: float = 0.92, clock: datetime | None = None) -> int:
    """Give the seeded open delinquent cases the early-intervention history a working
    servicer has (docs/RULES.md section 4): a single point of contact assigned and the written
    notice sent within their 45 days, and for applications the acknowledgment within 5
    business days, each kept with probability `kept` so some clocks are honestly missed.
    The demo uses it; the big benchmark seeds leave it out (it is one event per clock).
    Returns the number of events added."""
    from lossmit_tui.domain.calendar import BusinessCalendar

    rng = random.Random(seed_value * 7919 + 1)
    calendar = BusinessCalendar()
    now = seed_moment(today, clock)
    cases_t, events_t = Case.__table__, CaseEvent.__table__
    with session_scope(engine, write=True) as session:
        conn = session.connection()
        received = {r.case_id: r.occurred_on for r in conn.execute(
            sa.select(events_t.c.case_id, events_t.c.occurred_on).where(
                events_t.c.kind == EventKind.APPLICATION_RECEIVED))}
        complete = {r.case_id: r.occurred_on for r in conn.execute(
            sa.select(events_t.c.case_id, events_t.c.occurred_on).where(
                events_t.c.kind == EventKind.APPLICATION_COMPLETE))}
        rows = []
        for case in conn.execute(sa.select(cases_t.c.id, cases_t.c.next_due_date,
                                           cases_t.c.assignee_id)
                                 .where(cases_t.c.closed_at.is_(None),
                                        cases_t.c.next_due_date < today)
                                 .order_by(cases_t.c.id)):
            d0 = case.next_due_date
            notice = d0 + timedelta(days=rng.randint(31, 44))
            plan = [(EventKind.SPOC_ASSIGNED, d0 + timedelta(days=rng.randint(5, 40))),
                    (EventKind.WRITTEN_NOTICE_SENT, notice)]
            n = 1
            while notice <= today:  # again 45 days after a due date, once per 180 days
                while add_months(d0, n) + timedelta(days=45) < notice + timedelta(days=180):
                    n += 1
                notice = add_months(d0, n) + timedelta(days=rng.randint(35, 44))
                plan.append((EventKind.WRITTEN_NOTICE_SENT, notice))
            if case.id in received:
                plan.append((EventKind.ACKNOWLEDGMENT_SENT, calendar.add_business_days(
                    received[case.id], rng.randint(1, 5))))
            if case.id in complete:
                plan.append((EventKind.COMPLETE_NOTICE_SENT, calendar.add_business_days(
                    complete[case.id], rng.randint(1, 5))))
            for kind, on in plan:
                if on <= today and rng.random() < kept:
                    rows.append({"case_id": case.id, "kind": kind, "occurred_on": on,
                                 "author_id": case.assignee_id, "reason": None,
                                 "payload": {}, "created_at": min(now, datetime.combine(
                                     on, time(15, 0), tzinfo=UTC))})
        if rows:
            conn.execute(events_t.insert(), rows)
    return len(rows)


# The demo's complaints: (type, channel, category or topic, what was asked, the borrower's
# words, a finding, its root cause, the remediation in cents).
_DEMO_COMPLAINTS: tuple[tuple[str, str, str | None, str, str, str, str, int], ...] = (
    ("notice_of_error", "mail", "b5", "",
     "You charged me a $35 late fee for October but my payment was on time.",
     "error_found", "fees", 3500),
    ("notice_of_error", "email", "b2", "",
     "My September payment is not on my statement. I have the bank receipt.",
     "error_found", "payment_processing", 0),
    ("notice_of_error", "mail", "b4", "",
     "The county says my property taxes were not paid from escrow.",
     "no_error", "no_error", 0),
    ("request_for_information", "mail", "owner_identity", "Who owns my loan?",
     "Please tell me the name and address of the owner of my mortgage.",
     "information_provided", "communication", 0),
    ("request_for_information", "email", "other", "A payment history since January",
     "I need a full payment history for this year for my attorney.",
     "information_provided", "communication", 0),
    ("general_complaint", "phone", None, "",
     "Borrower upset about being called at work; asked us to stop calling that number.",
     "resolved", "communication", 0),
    ("regulator_complaint", "cfpb_portal", None, "",
     "Complaint filed with the CFPB: my modification application was lost twice.",
     "resolved", "loss_mitigation", 0),
    ("notice_of_error", "attorney", "b6", "",
     "The payoff statement you sent my client overstates the balance by $412.18.",
     "error_found", "payoff_quote", 41218),
)


def add_demo_complaints(ws: Workspace, seed_value: int) -> int:
    """Log the demo's complaints through the complaint service, as the mailroom and the
    case owners would, so the Complaints view, the case screens and the complaints report
    have something to show: twice the list above on open delinquent cases, received over
    the last seven weeks; the older ones acknowledged, answered with their finding and
    root cause and closed, a recent one acknowledged late, the newest still open with their
    clocks running. Each step is audited and syncs the case's deadlines like any other.
    Returns how many complaints were logged."""
    from lossmit_tui.domain.complaints import Finding
    from lossmit_tui.services.complaints import (
        FindingInput,
        NewComplaint,
        Step,
        add_complaint,
        close_complaint,
        record_finding,
        record_step,
    )

    rng = random.Random(seed_value * 104729 + 3)
    today, calendar = ws.today, ws.calendar
    with ws.read() as conn:
        owners = list(conn.execute(
            sa.select(Case.__table__.c.id, User.__table__.c.username)
            .join(User.__table__, User.__table__.c.id == Case.__table__.c.assignee_id)
            .where(Case.__table__.c.closed_at.is_(None),
                   Case.__table__.c.next_due_date < today,
                   Case.__table__.c.cease_communication.is_(False),
                   User.__table__.c.role == "specialist")
            .order_by(Case.__table__.c.id)))
    if not owners:
        return 0
    picked = rng.sample(owners, min(2 * len(_DEMO_COMPLAINTS), len(owners)))
    for n, (case_id, owner) in enumerate(picked):
        kind, channel, detail, asked, words, finding, cause, cents = \
            _DEMO_COMPLAINTS[n % len(_DEMO_COMPLAINTS)]
        received = today - timedelta(days=3 + (n * 47 // len(picked)))
        as_owner = ws.as_user(owner)
        category = detail if kind == "notice_of_error" else None
        topic = detail if kind == "request_for_information" else None
        made = add_complaint(as_owner, case_id, NewComplaint(
            received_on=received, channel=channel, type=kind, text=words,
            category=category, asked=asked, topic=topic))
        complaint_id, version = made.id, made.version
        assert complaint_id is not None  # the service flushed it: it has its id
        age = (today - received).days
        if age < 6:  # the newest: nothing done yet, their clocks running
            continue
        late = n % 7 == 3  # now and then an acknowledgment goes out late
        acknowledged = calendar.add_business_days(received, 7 if late else rng.randint(1, 4))
        if acknowledged > today:
            continue
        version = record_step(as_owner, complaint_id, version,
                              Step("acknowledgment", acknowledged))
        answered = calendar.add_business_days(received, rng.randint(8, 25))
        if age < 21 or answered > today:
            continue
        corrected = finding in (Finding.ERROR_FOUND, Finding.INFORMATION_PROVIDED)
        version = record_finding(as_owner, complaint_id, version, FindingInput(
            finding=finding, root_cause=cause,
            investigation="Reviewed the account history and the letters sent.",
            correction="Corrected on the account and confirmed in writing"
            if finding == Finding.ERROR_FOUND else "",
            effective_on=answered if finding == Finding.ERROR_FOUND else None,
            remediation_cents=cents))
        version = record_step(as_owner, complaint_id, version,
                              Step("response", answered, corrected=corrected))
        close_complaint(as_owner, complaint_id, version, answered)
    return len(picked)
