"""Several people write to the same few cases at once, and the store loses nothing and
invents nothing: on SQLite and PostgreSQL.

Four writers, each in a thread with a workspace of their own, work three cases in rounds
that start together (a barrier): two leads (lee mostly reassigns the cases between sam and
ana and back; lin edits, logs calls, adds and completes tasks and now and then reassigns
too) and the two specialists (sam and ana do the same on what they believe are their own
cases, and sometimes on someone else's). Edits carry the version the writer read (sometimes
one already stale), so they race each other and the reassignments, which are versioned
writes as well. Every sixth round everyone completes the first open task they may.

Every call either succeeds or raises the service's error (a Conflict, a refusal, or an
InvalidInput such as "this task is already done"); a reassignment may also leave its case
out as changed since the preview. The interleaving differs from run to run; what is checked
holds for any of them, counting from the database afterwards:

- each reported success made exactly its change and exactly its audit row(s), found by the
  unique value it wrote (a phone, a note's body, a task's title, a completion note, a batch);
  a task is completed by one success at most;
- each reported failure wrote nothing of its own (no row, no audit row, no event, no task);
  a refusal writes just its ("permission", "refused") audit row;
- the audit rows written during the run are, by entity and action, exactly those the
  successes and refusals account for;
- a case's version went up once per successful versioned write on it, and no two successes
  claim the same new version; its stored fields and owner are those of the last success, and
  its open tasks are its owner's;
- the audit trail's hash chain verifies.
"""

import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db.audit_chain import verify
from db.tables import audit_events, call_notes, case_events, cases, tasks, users
from lossmit_tui.domain.enums import EventKind
from lossmit_tui.services import reassign
from lossmit_tui.services.calls import NewCall, log_call
from lossmit_tui.services.cases import update_case
from lossmit_tui.services.errors import Conflict, PermissionDenied, ServiceError
from lossmit_tui.services.importer import import_extract
from lossmit_tui.services.tasks import NewTask, add_task, complete_task
from lossmit_tui.services.users import add_user
from lossmit_tui.services.workspace import Workspace

from .conftest import TODAY
from .workspace import workspace

LOANS = {"C1": "sam", "C2": "sam", "C3": "ana"}  # paid up: no regulatory clocks, no tasks
POOL_TASKS = 3  # tasks per case made before the run, for the writers to complete
OPS = 24  # calls per writer
CONTESTED = 6  # every 6th round, everyone completes the first open task they may
EDITED = ("phone", "email", "co_borrower_name")
# What each writer does, by weight: lee mostly reassigns; the others do a bit of everything.
MIX = {
    "lee": {"move": 6, "edit": 4},
    "lin": {"move": 1, "edit": 3, "call": 2, "task": 2, "complete": 2},
    "sam": {"edit": 4, "call": 2, "task": 2, "complete": 3},
    "ana": {"edit": 4, "call": 2, "task": 2, "complete": 3},
}
WRITERS = tuple(MIX)


@dataclass
class Attempt:
    """One service call and what it reported."""

    kind: str  # edit, call, task, complete, move
    actor: str
    case_id: int | None = None
    marker: str = ""  # the unique value it writes: phone/e-mail/name, body, title, note
    field: str = ""  # edit: the field
    follow_up: str | None = None  # call: the title of its follow-up task
    version: int | None = None  # edit, move: the case's version the success reports
    task_id: int | None = None  # complete: the task; task, call: the new row's id
    to: str | None = None  # move: the receiver
    batch: str | None = None  # move: the batch it committed
    ok: bool = False
    error: BaseException | None = None

    def run(self, call: Callable[[], Any]) -> Any:
        """Make the call, noting success or the error it raised."""
        try:
            value = call()
        except Exception as exc:  # ServiceError expected; anything else is reported
            self.error = exc
            return None
        self.ok = True
        return value

    def __repr__(self) -> str:
        said = "ok" if self.ok else f"{type(self.error).__name__}: {self.error}"
        return (f"{self.actor} {self.kind} case={self.case_id} task={self.task_id} "
                f"{self.field}{'=' if self.field else ''}{self.marker!r} v={self.version} "
                f"to={self.to} -> {said}")


def _owners(engine: Engine) -> dict[int, str | None]:
    with engine.connect() as conn:
        return {r.id: r.username for r in conn.execute(
            sa.select(cases.c.id, users.c.username)
            .select_from(cases.outerjoin(users, cases.c.assignee_id == users.c.id)))}


def _version(engine: Engine, case_id: int) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(cases.c.version)
                                .where(cases.c.id == case_id)).scalar_one())


def _open_tasks(engine: Engine, owner: str | None = None) -> list[int]:
    """The open tasks (on the cases `owner` holds now), in order."""
    query = (sa.select(tasks.c.id).select_from(
        tasks.join(cases, tasks.c.case_id == cases.c.id)
        .join(users, cases.c.assignee_id == users.c.id))
        .where(tasks.c.status == "open", tasks.c.source == "manual").order_by(tasks.c.id))
    if owner is not None:
        query = query.where(users.c.username == owner)
    with engine.connect() as conn:
        return list(conn.execute(query).scalars())


class Writer:
    """One person's thread: OPS calls chosen by a generator seeded with their name. Each
    call draws the same numbers whatever the store holds, so the choices are the same every
    run; which case or task they land on may follow what the writer reads (whose case it
    is now), and that, like the interleaving, differs from run to run."""

    def __init__(self, engine: Engine, ws: Workspace, index: int, case_ids: list[int],
                 task_ids: list[int], lock: threading.Lock) -> None:
        self.engine, self.ws, self.index = engine, ws, index
        self.name = ws.username
        self.rng = random.Random(f"concurrency:{self.name}")
        self.case_ids, self.task_ids, self.lock = case_ids, task_ids, lock
        self.attempts: list[Attempt] = []
        self.crash: BaseException | None = None  # an error outside the service calls

    def delay(self) -> float:
        """Now and then a pause, to widen the window between what was read and the write."""
        return self.rng.choice((0, 0, 0.001, 0.003))

    def case(self) -> int:
        """A specialist mostly picks a case they hold (as their queue shows it now), now
        and then someone else's; a lead any of the team's."""
        own, pick, anyone = self.rng.random() < 0.8, self.rng.random(), self.rng.random()
        if self.name in ("sam", "ana") and own:
            mine = sorted(cid for cid, who in _owners(self.engine).items() if who == self.name)
            if mine:
                return mine[int(pick * len(mine))]
        return self.case_ids[int(anyone * len(self.case_ids))]

    def edit(self, n: int) -> Attempt:
        case_id = self.case()
        field = self.rng.choice(EDITED)
        value = {"phone": f"2{self.index:02d}555{n:04d}",
                 "email": f"{self.name}.{n}@example.com",
                 "co_borrower_name": f"Co {self.name} {n}"}[field]
        a = Attempt("edit", self.name, case_id, value, field)
        stale, delay = self.rng.random() < 0.15, self.delay()
        seen = _version(self.engine, case_id)
        if stale:  # a form opened before someone else's save
            seen -= 1
        time.sleep(delay)
        a.version = a.run(lambda: update_case(self.ws, case_id, seen, {field: value}))
        return a

    def call(self, n: int) -> Attempt:
        case_id = self.case()
        body = f"call {self.name} {n}"
        follow = None
        if self.rng.random() < 0.4:
            follow = NewTask("callback", f"follow-up {self.name} {n}",
                             TODAY + timedelta(days=self.rng.randint(1, 9)))
        new = (NewCall("inbound", "borrower", "right_party_contact", body=body,
                       follow_up=follow) if self.rng.random() < 0.5 else
               NewCall("outbound", "borrower", "no_answer", body=body, follow_up=follow))
        a = Attempt("call", self.name, case_id, body, follow_up=follow and follow.title)
        note = a.run(lambda: log_call(self.ws, case_id, new))
        a.task_id = note and note.id
        return a

    def task(self, n: int) -> Attempt:
        case_id = self.case()
        title = f"task {self.name} {n}"
        due = TODAY + timedelta(days=self.rng.randint(0, 9))
        a = Attempt("task", self.name, case_id, title)
        new = a.run(lambda: add_task(self.ws, case_id, NewTask("review", title, due)))
        if new is not None:
            a.task_id = new.id
            with self.lock:
                self.task_ids.append(new.id)
        return a

    def complete(self, n: int, contested: bool = False) -> Attempt:
        """Complete one of the open tasks the writer sees (a specialist mostly on their own
        cases), half the time the first, as others may well pick it too; now and then one
        already done. In a contested round everyone goes for the first they may complete."""
        own, first, done, pick, delay = (self.rng.random() < 0.7, self.rng.random() < 0.5,
                                         self.rng.random() < 0.1, self.rng.random(),
                                         self.delay())
        if contested:
            own, first, done = True, True, False
        specialist = self.name in ("sam", "ana")
        candidates = _open_tasks(self.engine, self.name if specialist and own else None)
        if done or not candidates:
            with self.lock:
                candidates = sorted(self.task_ids)
        task_id = candidates[0 if first else int(pick * len(candidates))]
        note = f"done {self.name} {n}"
        a = Attempt("complete", self.name, None, note, task_id=task_id)
        time.sleep(delay)
        a.run(lambda: complete_task(self.ws, task_id, note))
        return a

    def move(self, n: int) -> Attempt:
        case_id, delay = self.rng.choice(self.case_ids), self.delay()
        to = "ana" if _owners(self.engine)[case_id] == "sam" else "sam"
        a = Attempt("move", self.name, case_id, f"move {self.name} {n}", to=to)

        def reassign_it() -> reassign.Outcome:
            plan = reassign.preview(self.ws, reassign.Selection(case_ids=(case_id,)), [to],
                                    reassign.Spread.ROUND_ROBIN)
            a.version = plan.moves[0].version + 1  # the version a success leaves
            time.sleep(delay)
            return reassign.apply(self.ws, plan, reassign.Reason("balancing", a.marker))

        outcome = a.run(reassign_it)
        if outcome is not None and not outcome.moved:  # left out: changed since the preview
            a.ok, a.error = False, None
        elif outcome is not None:
            a.batch = outcome.batch
        return a

    def __call__(self, barrier: threading.Barrier) -> None:
        kinds, weights = zip(*MIX[self.name].items(), strict=True)
        try:
            for n in range(OPS):
                kind = self.rng.choices(kinds, weights)[0]
                barrier.wait(30)  # every round's calls start together
                if n % CONTESTED == CONTESTED - 1:
                    self.attempts.append(self.complete(n, contested=True))
                else:
                    self.attempts.append(getattr(self, kind)(n))
        except BaseException as exc:  # reported by the test
            self.crash = exc
            barrier.abort()  # the others stop waiting for this one


def _setup(team: Engine, tmp_path: Path) -> tuple[dict[str, int], list[int]]:
    """The fourth person (lin, a second lead of North), the three cases and the pool of
    tasks to complete."""
    add_user(workspace(team, "setup"), "lin", "Lin Lead", "lead", "North")
    path = tmp_path / "cases.csv"
    path.write_text("loan_number,borrower_name,investor,upb,next_due_date,property_state,"
                    "assignee\n" + "".join(f"{loan},Borrower {loan},FNMA,1000,2026-12-01,TX,"
                                          f"{who}\n" for loan, who in LOANS.items()))
    assert import_extract(workspace(team, "lee"), path).ok
    with team.connect() as conn:
        ids = {r.loan_number: r.id for r in conn.execute(
            sa.select(cases.c.loan_number, cases.c.id))}
    lee = workspace(team, "lee")
    pool = [add_task(lee, ids[loan], NewTask("callback", f"pool {loan} {i}",
                                             TODAY + timedelta(days=i))).id
            for loan in LOANS for i in range(POOL_TASKS)]
    assert all(isinstance(t, int) for t in pool)
    return ids, [int(t) for t in pool]


def _snapshot(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        return {
            "audit": conn.execute(sa.select(sa.func.coalesce(sa.func.max(audit_events.c.id),
                                                             0))).scalar_one(),
            "versions": dict(conn.execute(sa.select(cases.c.id, cases.c.version)).all()),
            **{t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
               for t in (tasks, call_notes, case_events)},
        }


def test_concurrent_writers_lose_nothing_and_invent_nothing(team: Engine,
                                                             tmp_path: Path) -> None:
    ids, pool = _setup(team, tmp_path)
    case_ids = sorted(ids.values())
    initial_owner = {ids[loan]: who for loan, who in LOANS.items()}
    before = _snapshot(team)
    lock = threading.Lock()
    task_ids = list(pool)
    writers = [Writer(team, workspace(team, name), i, case_ids, task_ids, lock)
               for i, name in enumerate(WRITERS)]
    barrier = threading.Barrier(len(writers))
    threads = [threading.Thread(target=w, args=(barrier,), name=w.name) for w in writers]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    took = time.monotonic() - started
    assert not any(t.is_alive() for t in threads), "a writer never finished"
    assert [w.crash for w in writers] == [None] * len(writers)

    attempts = [a for w in writers for a in w.attempts]
    log = "\n".join(map(repr, attempts))
    ok = [a for a in attempts if a.ok]
    failed = [a for a in attempts if not a.ok]
    by_kind = Counter(a.kind for a in ok)
    assert by_kind["edit"] and by_kind["move"], f"the run exercised too little:\n{log}"
    # The leads' stale edits are refused whatever the interleaving.
    assert any(isinstance(a.error, Conflict) for a in failed), log

    with team.connect() as conn:
        new_audit = conn.execute(sa.select(audit_events).where(
            audit_events.c.id > before["audit"]).order_by(audit_events.c.id)).all()
        case_rows = {r.id: r for r in conn.execute(sa.select(cases))}
        task_rows = {r.id: r for r in conn.execute(sa.select(tasks))}
        notes = conn.execute(sa.select(call_notes)).all()
        events = conn.execute(sa.select(case_events).where(
            case_events.c.kind == EventKind.REASSIGNED)).all()
        user_ids = dict(conn.execute(sa.select(users.c.username, users.c.id)).all())
        counts = {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                  for t in (tasks, call_notes, case_events)}
        chain = verify(conn)

    # The audit rows of the run are exactly those the successes and refusals account for.
    denied = Counter(a.actor for a in failed if isinstance(a.error, PermissionDenied))
    expected = Counter({
        ("case", "update"): by_kind["edit"],
        ("call_note", "create"): by_kind["call"],
        ("task", "create"): by_kind["task"] + sum(1 for a in ok if a.kind == "call"
                                                  and a.follow_up),
        ("task", "complete"): by_kind["complete"],
        ("case", "reassign"): by_kind["move"],
        ("reassignment", "reassign"): by_kind["move"],
        ("permission", "refused"): denied.total(),
    })
    found = Counter((r.entity, r.action) for r in new_audit)
    assert +found == +expected, f"audit rows of the run {found} != {expected}\n{log}"
    assert Counter(r.username for r in new_audit if r.action == "refused") == denied
    assert counts["call_notes"] - before["call_notes"] == by_kind["call"]
    assert counts["case_events"] - before["case_events"] == by_kind["move"]
    # Tasks: the added ones, the calls' follow-ups, and one introduction per move.
    assert counts["tasks"] - before["tasks"] == expected[("task", "create")] + by_kind["move"]

    # The audit trail's hash chain holds every row, in order.
    assert chain.ok and chain.rows == chain.chained, chain.problems

    def audit_of(entity: str, action: str, entity_id: object | None = None,
                 **after: Any) -> list[Any]:
        return [r for r in new_audit if r.entity == entity and r.action == action
                and (entity_id is None or r.entity_id == str(entity_id))
                and all((r.after or {}).get(k) == v for k, v in after.items())]

    # Edits: a success is its one audit row and its value; a failure left no trace.
    for a in attempts:
        if a.kind != "edit":
            continue
        rows = audit_of("case", "update", **{a.field: a.marker})
        if a.ok:
            assert [(r.entity_id, r.username) for r in rows] == [(str(a.case_id), a.actor)], a
        else:
            assert rows == [], a
            assert all(getattr(c, a.field) != a.marker for c in case_rows.values()), a

    # Versions: each case went up once per successful versioned write (edit or move), and
    # the successes hold every new version exactly once.
    for cid in case_ids:
        claimed = sorted(a.version for a in ok if a.case_id == cid and a.kind in ("edit",
                                                                                  "move"))
        assert claimed == list(range(before["versions"][cid] + 1,
                                     case_rows[cid].version + 1)), (cid, claimed, log)
        # What is stored is what the last successful edit of each field wrote.
        for field in EDITED:
            edits = sorted((a for a in ok if a.case_id == cid and a.kind == "edit"
                            and a.field == field), key=lambda a: a.version or 0)
            if edits:
                assert getattr(case_rows[cid], field) == edits[-1].marker, (cid, field)

    # Reassignments: each success moved the case (its audit rows, its event, its owner's
    # introduction task); the owner now is the receiver of the last one.
    names = {uid: name for name, uid in user_ids.items()}
    for cid in case_ids:
        moves = sorted((a for a in ok if a.kind == "move" and a.case_id == cid),
                       key=lambda a: a.version or 0)
        owner = moves[-1].to if moves else initial_owner[cid]
        assert names.get(case_rows[cid].assignee_id) == owner, (cid, log)
        assert len(audit_of("case", "reassign", cid)) == len(moves), cid
        intros = [t for t in task_rows.values() if t.case_id == cid
                  and t.source == reassign.SOURCE]
        assert len(intros) == len(moves), cid
        assert [names.get(t.assignee_id) for t in intros if t.status == "open"] == (
            [owner] if moves else []), cid
    for a in ok:
        if a.kind == "move":
            assert [r.entity_id for r in audit_of("case", "reassign", batch=a.batch)] == [
                str(a.case_id)], a
            assert len(audit_of("reassignment", "reassign", a.batch)) == 1, a
            assert [e.case_id for e in events if e.payload["batch"] == a.batch] == [
                a.case_id], a
    failed_moves = {f"balancing: {a.marker}" for a in failed if a.kind == "move"}
    assert not [r for r in new_audit if (r.after or {}).get("reason") in failed_moves], (
        "a move that failed left an audit row")
    assert not [e for e in events if e.payload["reason"] in failed_moves], (
        "a move that failed left an event")

    # Calls and their follow-ups, and added tasks: a success is its row and its audit row.
    by_body = defaultdict(list)
    for note in notes:
        by_body[note.body].append(note)
    by_title = defaultdict(list)
    for t in task_rows.values():
        by_title[t.title].append(t)
    for a in attempts:
        if a.kind == "call":
            found_notes = by_body[a.marker]
            follow = by_title[a.follow_up] if a.follow_up else []
            if a.ok:
                assert [(n.id, n.case_id, n.author_id) for n in found_notes] == [
                    (a.task_id, a.case_id, user_ids[a.actor])], a
                assert len(audit_of("call_note", "create", a.task_id)) == 1, a
                if a.follow_up:
                    assert [t.case_id for t in follow] == [a.case_id], a
                    assert len(audit_of("task", "create", follow[0].id)) == 1, a
            else:
                assert found_notes == [] and follow == [], a
                if a.follow_up:
                    assert audit_of("task", "create", title=a.follow_up) == [], a
        elif a.kind == "task":
            found_tasks = by_title[a.marker]
            if a.ok:
                assert [(t.id, t.case_id) for t in found_tasks] == [(a.task_id, a.case_id)], a
                assert len(audit_of("task", "create", a.task_id, title=a.marker)) == 1, a
            else:
                assert found_tasks == [], a
                assert audit_of("task", "create", title=a.marker) == [], a

    # Completions: at most one success per task; it is the one the task records, with its
    # one audit row; a failed completion left no trace.
    completions: dict[int, list[Attempt]] = defaultdict(list)
    for a in attempts:
        if a.kind == "complete":
            if a.ok:
                completions[a.task_id or 0].append(a)
            else:
                assert audit_of("task", "complete", note=a.marker) == [], a
                assert all(t.completion_note != a.marker for t in task_rows.values()), a
    for task_id, done in completions.items():
        row = task_rows[task_id]
        assert len(done) == 1, (f"task {task_id} reported completed {len(done)} times: "
                                f"{done}; stored: by {names.get(row.completed_by_id)}, "
                                f"note {row.completion_note!r}")
        assert (row.status, names.get(row.completed_by_id), row.completion_note) == (
            "done", done[0].actor, done[0].marker), done
        assert len(audit_of("task", "complete", task_id, note=done[0].marker)) == 1, done
    assert all(t.status == "open" for tid, t in task_rows.items()
               if t.source == "manual" and tid not in completions)

    # A move takes the case's open tasks along, so however the adds and the moves
    # interleaved, every open task is its case's owner's (as one after the other leaves it).
    stray = [(t.title, names.get(t.assignee_id), names.get(case_rows[t.case_id].assignee_id))
             for t in task_rows.values() if t.status == "open" and t.source == "manual"
             and t.assignee_id != case_rows[t.case_id].assignee_id]
    assert not stray, f"open tasks left with someone who no longer has the case: {stray}"

    # Every call succeeded or raised the service's own error (or, for a reassignment, left
    # the case out as changed since the preview). Checked last: whatever else a call raised,
    # it must have written nothing either (above).
    strange = [a for a in failed if a.error is not None and not isinstance(a.error,
                                                                           ServiceError)]
    assert not strange, f"errors that are not the service's:\n{strange}\n\nall:\n{log}"
    assert took < 20, f"the writers took {took:.1f} s"
