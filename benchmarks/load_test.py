"""Fifty people working one PostgreSQL database at once: latency per action, and nothing lost.

    python benchmarks/load_test.py                    # 50 users, 600 s, 100,000 cases
    python benchmarks/load_test.py --seconds 30 --users 10
    python benchmarks/load_test.py --seconds 120 --no-follow   # the mix without the follower
    python benchmarks/load_test.py --db postgresql://postgres@127.0.0.1:PORT/DB  # seeded store

Without --db it starts its own PostgreSQL in /tmp/pg-load (`.ci/start-postgres`: fsync off),
seeds `--cases` cases (`lossmit seed --seed 1 --today 2026-11-29`) and stops the server at the
end (--keep-server leaves it running). With --db it works on that store (the owner login's URL;
seeded if empty), and a second run on the same store is fine: every check is made against a
snapshot taken just before the run.

Who: the leads of teams 1-2 (one lead below 30 users) and the seeded specialists of teams 1, 2,
3, ... in order. Each is given their own database login (`db.roles.create_login`, the function
`lossmit users add --login` uses) and connects with it, so the app knows them from
`session_user` as it would in production (`identify`). Each user is a thread with a
`Workspace` and an engine of their own; the threads are spread over `--procs` processes (the
client's Python would otherwise be held to one core by the GIL).

What each does, with 0.5-3 s of think time after every action, through the services and the
read queries the screens use:

- specialist: open their queue (the queue screen's context and first page, `queue_window` and
  `queue_count`), search it by a fragment of a borrower's name, open a case (the case screen's
  whole load, through `read_case`), log a call (sometimes a right-party contact with a promise
  or a follow-up), record an event, mark a requested document received, add a task, complete
  a task, edit the case's e-mail at the version they opened it at;
- lead: open the team's queue, search all open cases, open and edit team cases, reassign 2-6
  of the team's most urgent cases (the ones its specialists are working) to another
  specialist of the team (preview, 1-3 s reading it, commit), and now and then undo their last
  batch.

And, as every running app does on PostgreSQL (`LossMitApp._listen_loop`), each user has a
store-change follower: a listening connection that, on every audited write by anyone, reads
the change number and re-reads the screen on show: the case (`follow: case`) when the writes
since the last read may touch it (`follow: check`, as the case screen does), or the queue's
page (`follow: queue`), one re-read at a time. `--no-follow` leaves it out (the mix alone).
The server is given room for three connections per user (`max_connections`).

Outcomes per call: ok; a conflict (the app's Conflict, a case left out of a reassignment as
changed since the preview, an undo refused because a case changed since, a task already done
by someone else); a refusal (PermissionDenied: a specialist acting on a case the lead has just
moved away); anything else is an error. Afterwards, from the database:

- every success is there: its rows with its values (note text, event note, task title and
  state, document state, e-mail, owner of a moved case), and exactly its audit rows, all in
  one transaction (grouped by the rows' `xmin`); the only other rows in that transaction are
  what the clock sync or the event writes with it (regulatory task rows, the case's stage);
- nothing else was written: no audit transaction without a reported success, no row of a
  failed attempt, one ("permission", "refused") row per refusal, and each case's version went
  up exactly once per reported versioned write;
- `lossmit audit --verify` (the hash chain), run by a lead with their own login.

Exit status 1 when anything is lost or phantom, or an unexpected error happened.
"""

from __future__ import annotations

import argparse
import glob
import json
import multiprocessing as mp
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import traceback
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

if TYPE_CHECKING:
    from db.queries import QueueFilter, QueueRow
    from lossmit_tui.services.workspace import Workspace

TODAY = date(2026, 11, 29)
PG_DIR = Path("/tmp/pg-load")
THINK = (0.5, 3.0)  # seconds between two actions of one person
PREVIEW_READ = (1.0, 3.0)  # a lead reading a reassignment preview before committing it

SPECIALIST_MIX = {"queue": 10, "search": 6, "open case": 18, "call": 22, "event": 10,
                  "document": 4, "add task": 9, "complete task": 7, "edit case": 10}
LEAD_MIX = {"queue": 15, "search": 10, "open case": 20, "edit case": 12, "reassign": 30,
            "undo": 8}
WRITES = {"call", "event", "document", "add task", "complete task", "edit case", "reassign",
          "undo"}
NEEDS_CASE = {"call", "event", "document", "add task", "complete task", "edit case"}
EVENT_KINDS = {"payment_received": 25, "written_notice_sent": 20, "application_received": 20,
               "live_contact": 15, "acknowledgment_sent": 10, "appeal_received": 5,
               "application_complete": 5}
# InvalidInput messages that mean "someone else got there first": expected under contention.
STALE = ("cannot undo", "is already done", "is already cancelled", "not waiting to be received",
         "this task is already")
ACTION_ORDER = ["queue", "search", "open case", "call", "event", "document", "add task",
                "complete task", "edit case", "reassign preview", "reassign", "undo",
                "follow: queue", "follow: check", "follow: case"]


# --- set-up ------------------------------------------------------------------------------------


def start_postgres(directory: Path) -> str:
    """A throwaway server (fsync off) and its owner URL."""
    done = subprocess.run([str(ROOT / ".ci" / "start-postgres"), str(directory)], check=True,
                          capture_output=True, text=True)
    return done.stdout.strip().splitlines()[-1]


def stop_postgres(directory: Path) -> None:
    binary = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))[-1]
    command = [binary, "-D", str(directory / "data"), "stop", "-m", "fast"]
    if os.getuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=False, capture_output=True)


def make_room(url: str, directory: Path | None, users: int) -> int:
    """Connections for everyone: each running app holds up to three (its reads and writes,
    and on PostgreSQL the store-change listener); the server's default of 100 is too few for
    fifty people. Our own server is given more and restarted; another one is only checked."""
    from db.engine import make_engine

    engine = make_engine(url)
    needed = 3 * users + 20
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        have = int(conn.exec_driver_sql("SHOW max_connections").scalar_one())
        if have < needed and directory is not None:
            conn.exec_driver_sql(f"ALTER SYSTEM SET max_connections = {needed}")
    engine.dispose()
    if have >= needed:
        return have
    if directory is None:
        raise SystemExit(f"the server allows {have} connections; {users} users need {needed}")
    binary = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))[-1]
    command = [binary, "-D", str(directory / "data"), "-l", str(directory / "log"), "-w",
               "restart"]  # with the options it was started with (postmaster.opts)
    if os.getuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, capture_output=True)
    return needed


def lossmit(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lossmit_tui", *args], check=check,
                          capture_output=True, text=True, cwd=ROOT)


def ensure_seeded(url: str, cases: int) -> int:
    """The number of cases in the store, seeding it first when it has none."""
    from db.engine import make_engine
    from db.migrate import ensure_current

    engine = make_engine(url)
    ensure_current(engine)
    with engine.connect() as conn:
        found = conn.execute(sa.text("SELECT count(*) FROM cases")).scalar_one()
    if not found:
        started = time.monotonic()
        lossmit("--db", url, "seed", "--cases", str(cases), "--seed", "1",
                "--today", TODAY.isoformat())
        print(f"seeded {cases:,} cases in {time.monotonic() - started:.0f} s", flush=True)
        with engine.connect() as conn:
            found = conn.execute(sa.text("SELECT count(*) FROM cases")).scalar_one()
    engine.dispose()
    return int(found)


@dataclass(frozen=True)
class Person:
    name: str
    role: str
    team: str
    url: str  # their own login's URL


def people(owner_url: str, count: int) -> list[Person]:
    """The leads of teams 1-2 (one below 30 users) and the specialists of teams 1, 2, ... in
    order, each with a database login of their own (created, or made a login again)."""
    from db.engine import make_engine
    from db.roles import create_login
    from db.tables import users

    leads = 1 if count < 30 else 2
    engine = make_engine(owner_url)
    with engine.begin() as conn:
        rows = conn.execute(sa.select(users.c.username, users.c.role, users.c.team).where(
            users.c.active.is_(True), users.c.role.in_(("lead", "specialist")),
            users.c.team.is_not(None))).all()
        team_no = {r.team: int(r.team.split()[-1]) for r in rows if r.team.split()[-1].isdigit()}
        ordered = sorted((r for r in rows if r.team in team_no),
                         key=lambda r: (team_no[r.team], r.role != "lead", r.username))
        chosen = [r for r in ordered if r.role == "lead" and team_no[r.team] <= leads]
        chosen += [r for r in ordered if r.role == "specialist"][:count - len(chosen)]
        base = sa.engine.make_url(owner_url)
        found = []
        for r in chosen:
            password = f"load-{r.username}"
            create_login(conn, r.username, password, False)
            url = base.set(username=r.username, password=password)
            found.append(Person(r.username, r.role, r.team,
                                url.render_as_string(hide_password=False)))
    engine.dispose()
    if len(found) < count:
        raise SystemExit(f"the store has only {len(found)} people for {count} users")
    return found


# --- one person --------------------------------------------------------------------------------


@dataclass
class Opened:
    """The case a person has on screen: what the case screen loaded."""

    case_id: int
    loan: str
    version: int
    direct_ok: bool  # an outbound call to the borrower is allowed
    tasks: list[int]  # open tasks one may complete by hand
    requested: list[int]  # documents waiting to be received


@dataclass
class Params:
    run: str
    start_at: float
    seconds: float
    seed: int
    follow: bool


class User:
    """One simulated person: a thread with a workspace and an engine of their own."""

    def __init__(self, person: Person, params: Params) -> None:
        self.person, self.params, self.name = person, params, person.name
        self.lead = person.role == "lead"
        self.rng = random.Random(f"{params.seed}:{person.name}")
        self.attempts: list[dict[str, Any]] = []
        self.page: list[QueueRow] = []
        self.current: Opened | None = None
        self.my_tasks: list[int] = []
        self.last_batch: dict[str, Any] | None = None
        self.team_names: list[str] = []
        self.team_ids: tuple[int, ...] = ()
        self.user_id = 0
        self.n = 0
        self.crash: str | None = None
        self.ws = self.connect()
        self.warm_up()

    # -- plumbing --

    def connect(self) -> Workspace:
        from db.engine import make_engine
        from lossmit_tui.config import load_settings
        from lossmit_tui.services.workspace import identify, open_workspace

        engine = make_engine(self.person.url)
        settings = load_settings(db=self.person.url)
        # The login decides who this is; naming nobody, as a person's own config would.
        name = identify(engine, None, "nobody")
        assert name == self.name, (name, self.name)

        def clock() -> datetime:  # today's date, at the real time of day
            return datetime.combine(TODAY, datetime.now(UTC).time(), UTC)

        return open_workspace(engine, settings, name, TODAY, clock)

    def warm_up(self) -> None:
        """What a running app has loaded before anyone uses it: the modules, the holiday
        calendar (0.3-0.6 s, once per workspace) and a pooled connection."""
        import importlib

        from db.queries import latest_change

        for module in ("calls", "cases", "documents", "reassign", "tasks", "access", "clock"):
            importlib.import_module(f"lossmit_tui.services.{module}")
        importlib.import_module("screens.queue")

        self.ws.calendar  # noqa: B018
        with self.ws.read() as conn:
            latest_change(conn)

    def marker(self) -> str:
        self.n += 1
        return f"LT{self.params.run} {self.name} {self.n}"

    def timed(self, kind: str, call: Any, **info: Any) -> tuple[Any, dict[str, Any]]:
        """Make one call, timing it and classifying what it reported."""
        from lossmit_tui.services.errors import Conflict, InvalidInput, PermissionDenied

        a: dict[str, Any] = {"kind": kind, "user": self.name, "role": self.person.role,
                             "at": time.time(), **info}
        value = None
        started = time.perf_counter()
        try:
            value = call()
            a["outcome"] = "ok"
        except Conflict as exc:
            a["outcome"], a["why"] = "conflict", str(exc)
        except PermissionDenied as exc:
            a["outcome"], a["why"] = "refused", str(exc)
        except InvalidInput as exc:
            stale = any(s in str(exc) for s in STALE)
            a["outcome"], a["why"] = ("conflict" if stale else "error"), str(exc)
        except Exception as exc:
            a["outcome"] = "error"
            a["why"] = f"{type(exc).__name__}: {exc}\n" + "".join(
                traceback.format_exception(exc)[-6:])
        a["ms"] = (time.perf_counter() - started) * 1000
        self.attempts.append(a)
        return value, a

    def think(self, span: tuple[float, float] = THINK) -> None:
        time.sleep(self.rng.uniform(*span))

    # -- the day --

    def __call__(self) -> None:
        try:
            time.sleep(max(0.0, self.params.start_at - time.time()) + self.rng.uniform(0, 3))
            deadline = self.params.start_at + self.params.seconds
            self.queue()
            mix = LEAD_MIX if self.lead else SPECIALIST_MIX
            kinds, weights = list(mix), list(mix.values())
            while time.time() < deadline:
                self.think()
                if time.time() >= deadline:
                    break
                kind = self.rng.choices(kinds, weights)[0]
                if kind in NEEDS_CASE and self.current is None:
                    kind = "open case"
                getattr(self, kind.replace(" ", "_"))()
        except BaseException:
            self.crash = f"{self.name}: {traceback.format_exc()}"

    def follow(self) -> None:
        """What the app does on PostgreSQL while it is open (`LossMitApp._listen_loop`): wait
        for the store's change signal (every audited write raises one) or 5 s, read the
        change number, and when it moved re-read the screen on show: the case (refused and
        audited once the case is no longer this person's, as the case screen is) or the
        queue's page. One re-read at a time (the app may overlap them)."""
        from db.notify import CHANNEL, listen_connection
        from db.queries import latest_change, queue_count, queue_window, writes_touch_case
        from lossmit_tui.app import LISTEN_TIMEOUT
        from lossmit_tui.widgets.queue_table import PAGE_SIZE

        deadline = self.params.start_at + self.params.seconds
        refused: set[int] = set()
        try:
            with listen_connection(self.ws.engine) as conn:
                conn.execute(f"LISTEN {CHANNEL}")
                with self.ws.read() as read:
                    seen = latest_change(read)
                while time.time() < deadline:
                    for _ in conn.notifies(timeout=LISTEN_TIMEOUT, stop_after=1):
                        break
                    with self.ws.read() as read:
                        change = latest_change(read)
                    if change == seen or time.time() >= deadline:
                        continue
                    loaded, seen = seen, change
                    current = self.current
                    if current is not None and current.case_id not in refused:
                        # as the case screen does: re-read only for writes that may touch
                        # the case (`writes_touch_case`), a small query otherwise
                        def touches(c: Opened = current, after: int = loaded) -> bool:
                            with self.ws.read() as read:
                                return writes_touch_case(read, after, c.case_id, c.loan)
                        touched, _ = self.timed("follow: check", touches)
                        if not touched:
                            continue
                        _, a = self.timed("follow: case", lambda c=current: self.load_case(
                            c.case_id), case_id=current.case_id)
                        if a["outcome"] == "refused":
                            refused.add(current.case_id)
                    elif current is None and self.user_id:
                        f = self.view_filter("team" if self.lead else "mine")

                        def page(f: QueueFilter = f) -> None:
                            with self.ws.read() as read:
                                known = queue_count(read, f)
                                queue_window(read, f, 0, PAGE_SIZE, total=known)
                        self.timed("follow: queue", page)
        except BaseException:
            self.crash = f"{self.name} (follow): {traceback.format_exc()}"

    def view_filter(self, view: str) -> QueueFilter:
        from lossmit_tui.views import find_view, view_filter

        spec = find_view(self.ws.settings, self.person.role, view)
        assert spec is not None
        return view_filter(spec, self.user_id, self.team_ids, TODAY)

    def queue(self) -> None:
        """The queue screen opening: who I am and my team, then the first page and the
        count (the screen's `load_context` and `load_first`)."""
        from db.queries import queue_count, queue_window, user_context, user_row
        from lossmit_tui.widgets.queue_table import PAGE_SIZE

        def load() -> list[QueueRow]:
            with self.ws.read() as conn:
                me = user_row(conn, self.ws.username)
                context = user_context(conn, me.user_id, me.role, me.team)
            self.user_id, self.team_ids = context.user_id, context.team_ids
            names = {uid: name for name, uid in context.users.items()}
            self.team_names = [names[u] for u in context.team_ids if u != self.user_id]
            f = self.view_filter("team" if self.lead else "mine")
            with self.ws.read() as conn:
                rows = queue_window(conn, f, 0, PAGE_SIZE)
                queue_count(conn, f)
            return rows

        self.current = None  # back on the queue screen
        rows, a = self.timed("queue", load)
        if rows is not None:
            self.page = rows
            a["rows"] = len(rows)

    def search(self) -> None:
        """A name fragment typed in the search bar: over all open cases for a lead, their
        own queue for a specialist (the views each may open)."""
        from db.queries import DENSE_MATCHES, queue_count, queue_window
        from lossmit_tui.views import with_filters
        from lossmit_tui.widgets.queue_table import PAGE_SIZE
        from screens.queue import SEARCH_COUNT_CAP

        if not self.page:
            return self.queue()
        words = [w for w in self.rng.choice(self.page).borrower_name.split() if len(w) >= 4]
        word = self.rng.choice(words or ["smith"]).lower()
        size = self.rng.randint(3, 4)
        start = self.rng.randint(0, max(0, len(word) - size))
        fragment = word[start:start + size]
        f = with_filters(self.view_filter("all" if self.lead else "mine"), search=fragment,
                         today=TODAY)

        def load() -> int:
            with self.ws.read() as conn:
                known = queue_count(conn, f, cap=DENSE_MATCHES)
                queue_window(conn, f, 0, PAGE_SIZE, at_least=known)
                return queue_count(conn, f, cap=SEARCH_COUNT_CAP)

        count, a = self.timed("search", load, fragment=fragment)
        a["matches"] = count

    def pick(self) -> QueueRow | None:
        if not self.page:
            return None
        top = self.page[:10] if self.rng.random() < 0.7 else self.page
        return self.rng.choice(top)

    def load_case(self, case_id: int) -> Opened | None:
        """The case screen's load (`CaseScreen.load`): refused, and audited, for a case this
        person may not act on."""
        from db.queries import (
            case_audit,
            case_detail,
            case_documents,
            case_financials,
            case_tasks,
            case_timeline,
            latest_change,
            recent_calls,
        )
        from lossmit_tui.services.access import read_case
        from lossmit_tui.services.clock import case_clocks

        now = self.ws.now()
        with read_case(self.ws, case_id, "opening a case") as session:
            latest_change(session)
            case = case_detail(session, case_id)
            if case is None:
                return None
            tasks = case_tasks(session, case_id)
            recent_calls(session, case_id, now - timedelta(days=8))
            case_timeline(session, case_id)
            case_audit(session, case_id, case.loan_number)
            docs = case_documents(session, case_id)
            case_financials(session, case_id)
            case_clocks(session, case_id, TODAY, self.ws.calendar)
        return Opened(case_id, case.loan_number, case.version,
                      not (case.cease_communication or case.attorney_represented),
                      [t.task_id for t in tasks if t.status == "open"
                       and t.kind != "regulatory_deadline"],
                      [d.doc_id for d in docs if d.status == "requested"])

    def open_case(self, row: QueueRow | None = None) -> None:
        row = row or self.pick()
        if row is None:
            return self.queue()
        case_id = row.case_id
        opened, a = self.timed("open case", lambda: self.load_case(case_id), case_id=case_id)
        self.current = opened
        if a["outcome"] == "refused":
            self.page = [r for r in self.page if r.case_id != case_id]

    def after_write(self, a: dict[str, Any]) -> None:
        """A refusal means the case is no longer mine: back to the queue next."""
        if a["outcome"] == "refused":
            if self.current is not None:
                gone = self.current.case_id
                self.page = [r for r in self.page if r.case_id != gone]
            self.current = None

    def call(self) -> None:
        from lossmit_tui.services.calls import NewCall, log_call
        from lossmit_tui.services.tasks import NewTask

        c = self.current
        assert c is not None
        mark = self.marker()
        rpc = self.rng.random() < 0.4
        follow = None
        if self.rng.random() < 0.3:
            follow = NewTask("callback", f"{mark} follow-up",
                             TODAY + timedelta(days=self.rng.randint(1, 7)))
        inbound = not c.direct_ok or self.rng.random() < 0.3
        direction = "inbound" if inbound else "outbound"
        if rpc:
            promise = self.rng.random() < 0.3
            new = NewCall(direction, "borrower", "right_party_contact",
                          ("promise_to_pay",) if promise else ("hardship_discussed",),
                          promise_amount_cents=125_000 if promise else None,
                          promise_date=TODAY + timedelta(days=7) if promise else None,
                          body=f"{mark} call", follow_up=follow)
        else:
            new = NewCall(direction, "borrower", "no_answer" if not inbound else "busy",
                          body=f"{mark} call", follow_up=follow)
        note, a = self.timed("call", lambda: log_call(self.ws, c.case_id, new),
                             case_id=c.case_id, marker=mark,
                             follow_up=follow.title if follow else None, rpc=rpc)
        if note is not None:
            a["note_id"] = note.id
        self.after_write(a)

    def event(self) -> None:
        from lossmit_tui.domain.events import STAGE_AFTER
        from lossmit_tui.services.cases import NewEvent, record_event

        c = self.current
        assert c is not None
        mark = self.marker()
        kind = self.rng.choices(list(EVENT_KINDS), list(EVENT_KINDS.values()))[0]
        new = NewEvent(kind, TODAY, note=f"{mark} event")
        row, a = self.timed("event", lambda: record_event(self.ws, c.case_id, new),
                            case_id=c.case_id, marker=mark, event_kind=kind)
        if row is not None:
            a["event_id"] = row.id
            if kind in STAGE_AFTER:  # the case screen reloads; the stage may have moved
                self.reread_version(c)
        self.after_write(a)

    def reread_version(self, c: Opened) -> None:
        from db.queries import case_detail

        with self.ws.read() as conn:
            case = case_detail(conn, c.case_id)
        if case is not None:
            c.version = case.version

    def document(self) -> None:
        from lossmit_tui.services.documents import receive_document

        c = self.current
        assert c is not None
        if not c.requested:
            return self.event()
        doc_id = self.rng.choice(c.requested)
        _, a = self.timed("document", lambda: receive_document(self.ws, doc_id, TODAY, TODAY),
                          case_id=c.case_id, doc_id=doc_id)
        if a["outcome"] == "ok":
            c.requested.remove(doc_id)
        self.after_write(a)

    def add_task(self) -> None:
        from lossmit_tui.services.tasks import NewTask, add_task

        c = self.current
        assert c is not None
        mark = self.marker()
        new = NewTask(self.rng.choice(("callback", "review", "other")), f"{mark} task",
                      TODAY + timedelta(days=self.rng.randint(0, 10)))
        task, a = self.timed("add task", lambda: add_task(self.ws, c.case_id, new),
                             case_id=c.case_id, marker=mark)
        if task is not None:
            a["task_id"] = task.id
            c.tasks.append(task.id)
            self.my_tasks.append(task.id)
        self.after_write(a)

    def complete_task(self) -> None:
        from lossmit_tui.services.tasks import complete_task

        c = self.current
        assert c is not None
        pool = c.tasks or self.my_tasks
        if not pool:
            return self.add_task()
        task_id = self.rng.choice(pool)
        mark = self.marker()
        _, a = self.timed("complete task", lambda: complete_task(self.ws, task_id, f"{mark} done"),
                          case_id=c.case_id if task_id in c.tasks else None, task_id=task_id,
                          marker=mark)
        for held in (c.tasks, self.my_tasks):
            if task_id in held and a["outcome"] in ("ok", "conflict"):
                held.remove(task_id)
        self.after_write(a)

    def edit_case(self) -> None:
        from lossmit_tui.services.cases import update_case

        c = self.current
        assert c is not None
        mark = self.marker()
        email = f"lt{self.params.run}.{self.name}.{self.n}@example.com"
        version, a = self.timed(
            "edit case", lambda: update_case(self.ws, c.case_id, c.version, {"email": email}),
            case_id=c.case_id, marker=mark, email=email, seen=c.version)
        if version is not None:
            a["version"] = version
            c.version = version
        elif a["outcome"] == "conflict":  # the screen says reload: the next edit sees it
            self.reread_version(c)
        self.after_write(a)

    def reassign(self) -> None:
        """A lead moves a handful of the team's most urgent cases to another specialist."""
        from lossmit_tui.services import reassign

        candidates = [r for r in self.page[:12] if r.assignee in self.team_names]
        if len(candidates) < 2:
            return self.queue()
        chosen = self.rng.sample(candidates, self.rng.randint(2, min(6, len(candidates))))
        owners = {r.assignee for r in chosen}
        receivers = [n for n in self.team_names if n not in owners]
        if not receivers:
            return self.queue()
        to = self.rng.choice(receivers)
        ids = tuple(r.case_id for r in chosen)
        plan, a = self.timed("reassign preview", lambda: reassign.preview(
            self.ws, reassign.Selection(case_ids=ids), [to], reassign.Spread.ROUND_ROBIN),
            cases=list(ids), to=to)
        if plan is None:
            return
        self.think(PREVIEW_READ)
        mark = self.marker()
        outcome, a = self.timed("reassign", lambda: reassign.apply(
            self.ws, plan, reassign.Reason("balancing", mark)), marker=mark, to=to,
            planned=[[m.case_id, m.from_name, m.version + 1] for m in plan.moves])
        if outcome is None:
            return
        left = {c.split(" ", 1)[0] for c in outcome.conflicts}
        moved = [m for m in plan.moves if m.loan_number not in left]
        a["batch"], a["left_out"] = outcome.batch, [m.case_id for m in plan.moves
                                                    if m.loan_number in left]
        # [case, from, to, version after]
        a["moved"] = [[m.case_id, m.from_name, m.to_name, m.version + 1] for m in moved]
        if outcome.moved != len(moved):
            a["outcome"], a["why"] = "error", (f"reported {outcome.moved} moved, "
                                               f"{len(moved)} not left out")
        elif not outcome.moved:
            a["outcome"] = "conflict"
        if outcome.batch:
            self.last_batch = a
        self.page = [r for r in self.page if r.case_id not in ids] or self.page

    def undo(self) -> None:
        from lossmit_tui.services import reassign

        last = self.last_batch
        if last is None:
            return self.queue()
        outcome, a = self.timed("undo", lambda: reassign.undo_last(self.ws),
                                batch=last["batch"])
        self.last_batch = None  # undone, or a case changed since: the lead moves on
        if outcome is not None:
            if outcome.batch != last["batch"]:
                a["outcome"], a["why"] = "error", (f"undid {outcome.batch}, expected "
                                                   f"{last['batch']}")
            # [case, from, to, version after], as for a reassignment
            a["moved"] = [[cid, to, frm, version + 1] for cid, frm, to, version in last["moved"]]


def worker(persons: list[Person], params: Params, results: Any) -> None:
    """One process: its users as threads (and each one's store-change follower, unless
    `params.follow` is off); sends back every attempt."""
    users = [User(p, params) for p in persons]
    threads = [threading.Thread(target=u, name=u.name) for u in users]
    if params.follow:
        threads += [threading.Thread(target=u.follow, name=f"{u.name}-follow") for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results.put(([a for u in users for a in u.attempts], [u.crash for u in users if u.crash]))


# --- the checks --------------------------------------------------------------------------------


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def bad(self, text: str) -> None:
        self.problems.append(text)


def snapshot(conn: sa.Connection) -> dict[str, Any]:
    one = lambda sql: int(conn.execute(sa.text(sql)).scalar() or 0)  # noqa: E731
    return {
        "audit": one("SELECT max(id) FROM audit_events"),
        "tasks": one("SELECT max(id) FROM tasks"),
        "notes": one("SELECT max(id) FROM call_notes"),
        "events": one("SELECT max(id) FROM case_events"),
        "versions": dict(conn.execute(sa.text("SELECT id, version FROM cases")).all()),
    }


def check(owner_url: str, before: dict[str, Any], attempts: list[dict[str, Any]],
          run: str) -> tuple[Findings, dict[str, Any]]:
    """Everything the clients saw succeed is in the database, and nothing else is."""
    from db.engine import make_engine

    f = Findings()
    prefix = f"LT{run} "
    ok = [a for a in attempts if a["outcome"] == "ok"]
    failed = [a for a in attempts if a["outcome"] != "ok"]
    engine = make_engine(owner_url)
    with engine.connect() as conn:
        audit = conn.execute(sa.text(
            "SELECT id, xmin::text::bigint AS tx, username, entity, entity_id, action, after "
            "FROM audit_events WHERE id > :a ORDER BY id"), {"a": before["audit"]}).all()
        user_id: dict[str, int] = dict(conn.execute(sa.text(
            "SELECT username, id FROM users")).all())
        notes = conn.execute(sa.text(
            "SELECT id, case_id, author_id, body FROM call_notes WHERE id > :n"),
            {"n": before["notes"]}).all()
        events = conn.execute(sa.text(
            "SELECT id, case_id, kind, author_id, payload FROM case_events WHERE id > :e"),
            {"e": before["events"]}).all()
        tasks = {r.id: r for r in conn.execute(sa.text(
            "SELECT id, case_id, kind, title, status, source, assignee_id, completed_by_id, "
            "completion_note FROM tasks WHERE id > :t OR completion_note LIKE :p"),
            {"t": before["tasks"], "p": prefix + "%"})}
        doc_ids = [a["doc_id"] for a in attempts if a["kind"] == "document"]
        docs = {r.id: r for r in conn.execute(sa.text(
            "SELECT id, status, received_on FROM documents WHERE id = ANY(:d)"),
            {"d": doc_ids})}
        cases = {r.id: r for r in conn.execute(sa.text(
            "SELECT id, version, assignee_id, email FROM cases WHERE version <> 0"))}
    engine.dispose()
    names = {uid: n for n, uid in user_id.items()}

    # 1. Classify the run's audit rows: a row a reported success accounts for (primary), a row
    # the clock sync or the event writes in the same transaction (secondary), a refusal.
    primary: dict[tuple[Any, ...], list[Any]] = defaultdict(list)
    secondary, refusals, other = [], [], []
    for r in audit:
        after = r.after or {}
        key: tuple[Any, ...] | None = None
        if r.entity == "call_note" and r.action == "create":
            key = ("call", int(r.entity_id))
        elif r.entity == "case_event" and r.action == "create":
            key = ("event", int(r.entity_id))
        elif r.entity == "document" and r.action == "receive":
            key = ("document", int(r.entity_id))
        elif r.entity == "task" and r.action == "create" and str(
                after.get("title", "")).startswith(prefix):
            key = ("task", int(r.entity_id))
        elif r.entity == "task" and r.action == "complete" and str(
                after.get("note") or "").startswith(prefix):
            key = ("complete", int(r.entity_id))
        elif r.entity == "case" and r.action == "update" and "email" in after:
            key = ("edit", after["email"])
        elif r.entity == "reassignment" and r.action in ("reassign", "undo"):
            key = (r.action, r.entity_id)
        elif r.entity == "case" and r.action in ("reassign", "reassign_undo"):
            key = (r.action, after.get("batch"), int(r.entity_id))
        if key is not None:
            primary[key].append(r)
        elif r.entity == "permission" and r.action == "refused":
            refusals.append(r)
        elif (r.entity == "task" and "rule" in after) or (
                r.entity == "case" and r.action == "update" and "by_event" in after):
            secondary.append(r)
        else:
            other.append(r)
    for r in other:
        f.bad(f"audit row {r.id} ({r.entity} {r.action} by {r.username}) is no change a "
              "client made")

    # 2. Each success: exactly its rows, in one transaction of its own.
    claimed_tx: dict[int, str] = {}
    claimed_rows: set[int] = set()
    expected_rows = 0

    def expect(a: dict[str, Any], keys: list[tuple[Any, ...]]) -> None:
        nonlocal expected_rows
        txs = set()
        for key in keys:
            rows = primary.get(key, [])
            if len(rows) != 1:
                f.bad(f"{len(rows)} audit rows {key} for {brief(a)}")
            for r in rows:
                txs.add(r.tx)
                claimed_rows.add(r.id)
                if r.username != a["user"]:
                    f.bad(f"audit row {r.id} names {r.username}, the write was {a['user']}'s")
            expected_rows += 1
        if len(txs) > 1:
            f.bad(f"the audit rows of {brief(a)} are in {len(txs)} transactions")
        for tx in txs:
            if tx in claimed_tx:
                f.bad(f"{brief(a)} shares its transaction with {claimed_tx[tx]}")
            claimed_tx[tx] = brief(a)

    by_title = {t.title: t for t in tasks.values()}
    for a in ok:
        k = a["kind"]
        if k == "call":
            keys: list[tuple[Any, ...]] = [("call", a["note_id"])]
            if a["follow_up"]:
                t = by_title.get(a["follow_up"])
                if t is None:
                    f.bad(f"the follow-up task of {brief(a)} is missing")
                else:
                    keys.append(("task", t.id))
            expect(a, keys)
        elif k == "event":
            expect(a, [("event", a["event_id"])])
        elif k == "document":
            expect(a, [("document", a["doc_id"])])
        elif k == "add task":
            expect(a, [("task", a["task_id"])])
        elif k == "complete task":
            expect(a, [("complete", a["task_id"])])
        elif k == "edit case":
            expect(a, [("edit", a["email"])])
        elif k == "reassign":
            expect(a, [("reassign", a["batch"])]
                   + [("reassign", a["batch"], m[0]) for m in a["moved"]])
        elif k == "undo":
            expect(a, [("undo", a["batch"])]
                   + [("reassign_undo", a["batch"], m[0]) for m in a["moved"]])
    for key, rows in primary.items():
        for r in rows:
            if r.id not in claimed_rows:
                f.bad(f"phantom: audit row {r.id} {key} by {r.username}, no client saw it "
                      "succeed")
    lone = [r for r in secondary if r.tx not in claimed_tx]
    for r in lone:
        f.bad(f"phantom: audit row {r.id} ({r.entity} {r.action}) in a transaction no "
              "reported success made")
    refused = Counter(a["user"] for a in failed if a["outcome"] == "refused")
    if Counter(r.username for r in refusals) != refused:
        f.bad(f"refusal audit rows {Counter(r.username for r in refusals)} != the refusals "
              f"the clients saw {refused}")

    # 3. The rows themselves.
    note_rows = {n.id: n for n in notes if (n.body or "").startswith(prefix)}
    for a in ok:
        k = a["kind"]
        if k == "call":
            n = note_rows.pop(a["note_id"], None)
            if n is None or n.body != a["marker"] + " call" or n.case_id != a["case_id"] or (
                    n.author_id != user_id[a["user"]]):
                f.bad(f"lost: the note of {brief(a)} ({n})")
        elif k == "event":
            e = next((e for e in events if e.id == a["event_id"]), None)
            if e is None or e.payload.get("note") != a["marker"] + " event" or (
                    e.kind != a["event_kind"] or e.case_id != a["case_id"]):
                f.bad(f"lost: the event of {brief(a)} ({e})")
        elif k == "document":
            d = docs.get(a["doc_id"])
            if d is None or d.status not in ("received", "accepted", "rejected"):
                f.bad(f"lost: the document of {brief(a)} ({d})")
        elif k == "add task":
            t = tasks.get(a["task_id"])
            if t is None or t.title != a["marker"] + " task" or t.case_id != a["case_id"]:
                f.bad(f"lost: the task of {brief(a)} ({t})")
    for n in note_rows.values():
        f.bad(f"phantom: note {n.id} {n.body!r} that no client saw saved")
    events_ok = {a["event_id"] for a in ok if a["kind"] == "event"}
    for e in events:
        if e.kind != "reassigned" and e.id not in events_ok:
            f.bad(f"phantom: event {e.id} ({e.kind}) that no client saw saved")
    titles_ok = {a["marker"] + " task" for a in ok if a["kind"] == "add task"} | {
        a["follow_up"] for a in ok if a["kind"] == "call" and a["follow_up"]}
    for t in tasks.values():
        if t.title.startswith(prefix) and t.title not in titles_ok:
            f.bad(f"phantom: task {t.id} {t.title!r} that no client saw saved")
    completed: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for a in ok:
        if a["kind"] == "complete task":
            completed[a["task_id"]].append(a)
    for task_id, done in completed.items():
        t = tasks.get(task_id)
        if len(done) > 1:
            f.bad(f"task {task_id} reported completed {len(done)} times")
        if t is None or (t.status, t.completion_note, names.get(t.completed_by_id)) != (
                "done", done[0]["marker"] + " done", done[0]["user"]):
            f.bad(f"lost: the completion of {brief(done[0])} ({t})")
    for t in tasks.values():
        if (t.completion_note or "").startswith(prefix) and t.id not in completed:
            f.bad(f"phantom: task {t.id} completed with {t.completion_note!r}, not reported")
        if t.title.startswith(prefix) and t.status != "open" and t.id not in completed:
            f.bad(f"task {t.id} is {t.status}, nobody reported completing it")

    # 4. Failed attempts left nothing of their own.
    failed_marks = {a["marker"] for a in failed if a.get("marker")}
    for t in tasks.values():
        if t.title.rsplit(" ", 1)[0] in failed_marks:
            f.bad(f"a failed attempt's task is there: {t.title!r}")
    for n in notes:
        if (n.body or "").rsplit(" ", 1)[0] in failed_marks:
            f.bad(f"a failed attempt's note is there: {n.body!r}")
    for e in events:
        note = str(e.payload.get("note", "")) if e.kind != "reassigned" else ""
        reason = str(e.payload.get("reason", "")) if e.kind == "reassigned" else ""
        if note.rsplit(" ", 1)[0] in failed_marks or reason.removeprefix(
                "undo of ").removeprefix("balancing: ") in failed_marks:
            f.bad(f"a failed attempt's event is there: {e.id} {e.kind}")
    failed_emails = {a["email"] for a in failed if a["kind"] == "edit case"}
    for c in cases.values():
        if c.email in failed_emails:
            f.bad(f"a failed edit's e-mail is on case {c.id}: {c.email}")
    for r in audit:
        after = r.after or {}
        if after.get("email") in failed_emails or str(after.get("reason", "")).removeprefix(
                "balancing: ") in failed_marks:
            f.bad(f"a failed attempt's audit row is there: {r.id} {r.entity} {r.action}")

    # 5. Versions, owners and e-mails per case: the last reported write of each is what is
    # stored; a case's version went up once per reported versioned write.
    writes: dict[int, list[tuple[int, str, Any]]] = defaultdict(list)  # case -> (v, what, x)
    for a in ok:
        if a["kind"] == "edit case":
            writes[a["case_id"]].append((a["version"], "email", a["email"]))
        elif a["kind"] in ("reassign", "undo"):
            for cid, _frm, to, version in a["moved"]:
                writes[cid].append((version, "owner", to))
    stage_bumps = Counter(int(r.entity_id) for r in secondary if r.entity == "case")
    for cid in set(writes) | set(stage_bumps):
        row = cases.get(cid)
        start = before["versions"].get(cid, 0)
        claimed = sorted(v for v, _, _ in writes[cid])
        if row is None:
            f.bad(f"case {cid} is gone")
            continue
        if len(set(claimed)) != len(claimed):
            f.bad(f"case {cid}: two reported writes claim the same version: {claimed}")
        if row.version - start != len(claimed) + stage_bumps[cid]:
            f.bad(f"case {cid}: version {start} -> {row.version}, but the clients saw "
                  f"{len(claimed)} versioned writes and the events {stage_bumps[cid]}")
        for what in ("email", "owner"):
            last = max(((v, x) for v, w, x in writes[cid] if w == what), default=None)
            if last is None:
                continue
            stored = row.email if what == "email" else names.get(row.assignee_id)
            if stored != last[1]:
                f.bad(f"{'phantom' if what == 'owner' else 'lost'}: case {cid}'s {what} is "
                      f"{stored}, the last reported write (version {last[0]}) made it "
                      f"{last[1]}")
    moved_events = Counter((e.payload.get("batch"), e.case_id,
                            str(e.payload.get("reason", "")).startswith("undo of "))
                           for e in events if e.kind == "reassigned")
    for a in ok:
        if a["kind"] in ("reassign", "undo"):
            for m in a["moved"]:
                if moved_events[(a["batch"], m[0], a["kind"] == "undo")] != 1:
                    f.bad(f"the reassigned event of case {m[0]} in {brief(a)} is missing")

    # 6. Refusals are expected only on a case some lead moved (or put back) away from the
    # person; open tasks created during the run are their case's owner's.
    moved_from: dict[int, set[str]] = defaultdict(set)
    for a in ok:
        if a["kind"] in ("reassign", "undo"):
            for cid, frm, _to, _v in a["moved"]:
                moved_from[cid].add(frm)
    unexplained = [a for a in failed if a["outcome"] == "refused"
                   and a.get("case_id") is not None
                   and a["user"] not in moved_from.get(a["case_id"], set())]
    for a in unexplained:
        f.bad(f"a refusal on a case nobody moved: {brief(a)}: {a.get('why')}")
    stray = [t for t in tasks.values() if t.id > before["tasks"] and t.status == "open"
             and cases.get(t.case_id) is not None
             and t.assignee_id != cases[t.case_id].assignee_id]
    if stray:
        f.notes.append(
            f"{len(stray)} open task(s) created during the run are not held by their case's "
            "owner, e.g. " + "; ".join(
                f"task {t.id} ({t.kind}, {t.source}) on case {t.case_id}: "
                f"{names.get(t.assignee_id)}, case {names.get(cases[t.case_id].assignee_id)}"
                for t in stray[:3]))
    totals = {
        "audit rows": len(audit), "expected primary": expected_rows,
        "primary": sum(len(v) for v in primary.values()), "secondary": len(secondary),
        "secondary by kind": Counter(f"{r.entity} {r.action}" for r in secondary),
        "refusal rows": len(refusals), "other": len(other),
        "committed changes seen": sum(1 for a in ok if a["kind"] in WRITES),
        "by entity/action": Counter(f"{r.entity} {r.action}" for r in audit),
        "stray": len(stray),
    }
    return f, totals


def brief(a: dict[str, Any]) -> str:
    what = {k: a[k] for k in ("case_id", "task_id", "doc_id", "batch", "marker")
            if a.get(k) is not None}
    return f"{a['user']} {a['kind']} {json.dumps(what)}"


# --- the run -----------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def report(attempts: list[dict[str, Any]], seconds: float) -> None:
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for a in attempts:
        by_kind[a["kind"]].append(a)
    print("\n| action | count | p50 (ms) | p95 (ms) | max (ms) | conflicts | refusals | "
          "errors |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for kind in ACTION_ORDER:
        rows = by_kind.get(kind)
        if not rows:
            continue
        ms = [a["ms"] for a in rows]
        out = Counter(a["outcome"] for a in rows)
        print(f"| {kind} | {len(rows):,} | {statistics.median(ms):.0f} | "
              f"{percentile(ms, 0.95):.0f} | {max(ms):.0f} | {out['conflict']} | "
              f"{out['refused']} | {out['error']} |")
    total = len(attempts)
    print(f"\n{total:,} actions in {seconds:.0f} s ({total / seconds:.1f} per second)")
    left = sum(len(a.get("left_out", [])) for a in attempts if a["kind"] == "reassign")
    moved = sum(len(a.get("moved", [])) for a in attempts
                if a["kind"] == "reassign" and a["outcome"] == "ok")
    undone = sum(1 for a in attempts if a["kind"] == "undo" and a["outcome"] == "ok")
    print(f"reassignments: {moved} case(s) moved, {left} left out as changed since the "
          f"preview; {undone} batch(es) undone")
    whys = Counter((a["kind"], a["outcome"], (a.get("why") or "").split(":")[0][:70])
                   for a in attempts if a["outcome"] in ("conflict", "refused"))
    for (kind, outcome, why), n in whys.most_common(12):
        print(f"  {n:5d} {kind} {outcome}: {why}")
    for a in [a for a in attempts if a["outcome"] == "error"][:10]:
        print(f"ERROR {brief(a)}: {a.get('why')}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--cases", type=int, default=100_000,
                        help="book size to seed (a new server, or an empty --db)")
    parser.add_argument("--procs", type=int, default=5,
                        help="client processes the users are spread over (threads in each)")
    parser.add_argument("--db", help="owner URL of a PostgreSQL store to use instead of "
                                     "starting one")
    parser.add_argument("--seed", type=int, default=1, help="the simulated people's choices")
    parser.add_argument("--no-follow", action="store_true",
                        help="leave out the store-change follower each running app has (on "
                             "every audited write, re-read the case or queue page on show)")
    parser.add_argument("--keep-server", action="store_true")
    args = parser.parse_args()

    own_server = args.db is None
    url = args.db or start_postgres(PG_DIR)
    try:
        book = ensure_seeded(url, args.cases)
        connections = make_room(url, PG_DIR if own_server else None, args.users)
        team = people(url, args.users)
        print(f"{book:,} cases; {len(team)} users "
              f"({sum(p.role == 'lead' for p in team)} leads) with their own logins; "
              f"{args.procs} processes; {args.seconds:.0f} s; max_connections {connections}; "
              f"store-change follower {'off' if args.no_follow else 'on'}; load average before: "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
        from db.engine import make_engine

        engine = make_engine(url)
        with engine.connect() as conn:
            before = snapshot(conn)
        engine.dispose()
        run = uuid.uuid4().hex[:6]
        params = Params(run, time.time() + 8, args.seconds, args.seed, not args.no_follow)
        ctx = mp.get_context("spawn")
        results = ctx.Queue()
        shares = [team[i::args.procs] for i in range(args.procs)]
        procs = [ctx.Process(target=worker, args=(share, params, results))
                 for share in shares if share]
        for p in procs:
            p.start()
        loads = []
        while time.time() < params.start_at + args.seconds:
            time.sleep(min(30.0, max(1.0, params.start_at + args.seconds - time.time())))
            loads.append(os.getloadavg()[0])
        attempts: list[dict[str, Any]] = []
        crashes: list[str] = []
        for _ in procs:
            got, crashed = results.get(timeout=600)
            attempts += got
            crashes += crashed
        for p in procs:
            p.join()
        print(f"load average during the run (1-min, every 30 s): "
              f"{' '.join(f'{x:.1f}' for x in loads)}; at the end: "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        report(attempts, args.seconds)
        findings, totals = check(url, before, attempts, run)
        errors = [a for a in attempts if a["outcome"] == "error"]
        print(f"\naudit rows written during the run: {totals['audit rows']} = "
              f"{totals['primary']} of the {totals['committed changes seen']} committed "
              f"changes the clients saw (expected {totals['expected primary']}) + "
              f"{totals['secondary']} written with them (clock sync, stage: "
              f"{dict(totals['secondary by kind'])}) + {totals['refusal rows']} refusals + "
              f"{totals['other']} other")
        print(f"by entity/action: {dict(sorted(totals['by entity/action'].items()))}")
        lead = next(p for p in team if p.role == "lead")
        verified = lossmit("--db", lead.url, "audit", "--verify", check=False)
        print(f"lossmit audit --verify (as {lead.name}, own login): exit "
              f"{verified.returncode}: {(verified.stdout + verified.stderr).strip()}")
        for note in findings.notes:
            print(f"NOTE {note}")
        for problem in findings.problems[:40]:
            print(f"PROBLEM {problem}")
        for crash in crashes:
            print(f"CRASH {crash}")
        print(f"\nlost or phantom: {len(findings.problems)}; unexpected errors: {len(errors)}; "
              f"crashed users: {len(crashes)}")
        return 1 if findings.problems or errors or crashes or verified.returncode else 0
    finally:
        if own_server and not args.keep_server:
            stop_postgres(PG_DIR)


if __name__ == "__main__":
    sys.exit(main())
