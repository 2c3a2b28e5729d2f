"""Reassignment: moving cases between people deliberately and on the record.

Reg X 1024.40 asks for continuity of contact, so a move is never a side effect: a lead (or
an admin) previews it, gives a reason, and commits one batch in one transaction. Each moved
case gets an audit row, a timeline event and, by policy, a task for its new owner to
introduce themselves. The last batch can be undone while none of its cases changed since.

Role rules live here, not in the screens: a specialist who calls these functions gets
PermissionDenied, and the refused attempt is itself audited (in its own transaction, since
the refused one is rolled back).
"""

import heapq
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from db.bulk import insert_with_ids
from db.engine import session_scope
from db.models import AuditEvent, Case, CaseEvent, Complaint, Task, User, utcnow
from db.queries import open_case_counts
from lossmit_tui.domain.calendar import BusinessCalendar
from lossmit_tui.domain.enums import EventKind, Role, TaskKind, TaskStatus
from lossmit_tui.domain.values import clean_text
from lossmit_tui.services import audit
from lossmit_tui.services.access import require_active
from lossmit_tui.services.cases import last_change
from lossmit_tui.services.errors import Conflict, InvalidInput, PermissionDenied
from lossmit_tui.services.tasks import next_action, recompute_cases, tasks_of_cases
from lossmit_tui.services.urgency import NEXT_ACTION_COLUMNS, next_action_values
from lossmit_tui.services.users import require_user
from lossmit_tui.services.workspace import Workspace

cases_t, tasks_t, users_t = Case.__table__, Task.__table__, User.__table__
events_t, audit_t = CaseEvent.__table__, AuditEvent.__table__
complaints_t = Complaint.__table__

REASON_KINDS = ("vacation", "departure", "escalation", "balancing", "other")
SOURCE = "reassignment"  # the source of the new owner's introduction task
HANDOVER_DAYS = 5  # a regulatory deadline this close (or missed) is called out in the preview
CHUNK = 900  # ids per IN (...) list


class Spread(StrEnum):
    """How cases are shared out when there are several receivers."""

    ROUND_ROBIN = "round-robin"  # in turn, in act-next order
    LEAST_LOADED = "least-loaded"  # each case to whoever has the fewest open cases so far


@dataclass(frozen=True)
class Reason:
    kind: str
    text: str = ""

    def __str__(self) -> str:
        return self.kind + (f": {self.text}" if self.text else "")


def parse_reason(kind: str, text: str = "") -> Reason:
    """A reason as a person gave it: one of REASON_KINDS and, for `other`, some words.
    `kind` may also carry the words after a colon ("vacation: back on the 14th")."""
    if ":" in kind and not text:
        kind, text = kind.split(":", 1)
    kind, words = kind.strip().lower(), clean_text(text)
    if kind not in REASON_KINDS:
        raise InvalidInput(f"the reason must be one of: {', '.join(REASON_KINDS)} "
                           f"(optionally followed by ': words'), not {kind!r}")
    if kind == "other" and not words:
        raise InvalidInput("a reason of 'other' needs a few words saying why")
    if len(words) > 300:
        raise InvalidInput("the reason's words are limited to 300 characters")
    return Reason(kind, words)


@dataclass(frozen=True)
class Selection:
    """Which cases to move: by id (screens), by loan number (scripts), or everything a user
    owns (a departure)."""

    case_ids: tuple[int, ...] = ()
    loan_numbers: tuple[str, ...] = ()
    from_user: str | None = None


@dataclass(frozen=True)
class Move:
    case_id: int
    loan_number: str
    version: int
    from_id: int | None
    from_name: str | None
    to_id: int
    to_name: str


@dataclass(frozen=True)
class Load:
    username: str
    before: int
    after: int


@dataclass(frozen=True)
class Handover:
    """A regulatory deadline due within HANDOVER_DAYS (or missed) that changes hands."""

    loan_number: str
    rule: str
    due_on: date
    from_name: str | None
    to_name: str


@dataclass(frozen=True)
class Plan:
    moves: tuple[Move, ...]
    loads: tuple[Load, ...]  # receivers first, then the people cases leave
    handovers: tuple[Handover, ...]
    skipped: tuple[str, ...] = ()  # selected cases that will not move, and why

    def summary(self) -> str:
        return (f"{len(self.moves)} case(s) to "
                + ", ".join(f"{x.username} {x.before} → {x.after}" for x in self.loads
                            if x.after > x.before))


@dataclass(frozen=True)
class Outcome:
    batch: str | None
    moved: int
    conflicts: tuple[str, ...] = field(default=())  # left out: changed since the preview


# --- who may -------------------------------------------------------------------------------


def _require_lead(actor: User, what: str, detail: Mapping[str, Any] | None = None) -> None:
    require_active(actor, what, detail)
    if actor.role == Role.SPECIALIST:
        raise PermissionDenied(f"{what[0].upper() + what[1:]} is for leads and admins; "
                               f"{actor.username} is a specialist",
                               actor_name=actor.username, attempted=what, detail=detail)


def _outside_team(actor: User, owners: Mapping[int, sa.Row[Any]],
                  assignee_ids: Iterable[int | None]) -> list[str]:
    """The owners a lead may not take cases from (not on their team)."""
    if actor.role == Role.ADMIN:
        return []
    return sorted({owners[a].username for a in assignee_ids
                   if a is not None and owners[a].team != actor.team})


# --- preview -------------------------------------------------------------------------------


def _users(conn: Connection, names: Iterable[str]) -> dict[str, sa.Row[Any]]:
    wanted = list(dict.fromkeys(names))
    rows = {r.username: r for r in conn.execute(sa.select(users_t).where(
        users_t.c.username.in_(wanted)))}
    unknown = [n for n in wanted if n not in rows]
    if unknown:
        raise InvalidInput(f"unknown user(s): {', '.join(unknown)} (see lossmit users list)")
    return rows


def _selected(conn: Connection, selection: Selection) -> tuple[list[sa.Row[Any]], list[str]]:
    """The selected cases (open ones, in act-next order) and what was left out."""
    cols = (cases_t.c.id, cases_t.c.loan_number, cases_t.c.version, cases_t.c.assignee_id,
            cases_t.c.closed_at, cases_t.c.act_key, cases_t.c.urgency)
    rows: list[sa.Row] = []
    skipped: list[str] = []
    if selection.from_user is not None:
        giver = _users(conn, [selection.from_user])[selection.from_user]
        rows = list(conn.execute(sa.select(*cols).where(
            cases_t.c.assignee_id == giver.id, cases_t.c.closed_at.is_(None))))
        if not rows:
            raise InvalidInput(f"{giver.username} has no open cases")
    for key, values in ((cases_t.c.id, selection.case_ids),
                        (cases_t.c.loan_number, selection.loan_numbers)):
        found: dict[Any, sa.Row] = {}
        for start in range(0, len(values), CHUNK):
            for r in conn.execute(sa.select(*cols).where(key.in_(values[start:start + CHUNK]))):
                found[r.id if key is cases_t.c.id else r.loan_number] = r
        missing = [str(v) for v in values if v not in found]
        if missing and key is cases_t.c.loan_number:
            raise InvalidInput(f"unknown loan number(s): {', '.join(missing[:10])}"
                               + (f" and {len(missing) - 10} more" if len(missing) > 10 else ""))
        skipped += [f"case #{v}: no longer exists" for v in missing]
        for r in found.values():
            if r.closed_at is not None:
                skipped.append(f"{r.loan_number}: closed")
            else:
                rows.append(r)
    unique = {r.id: r for r in rows}
    ordered = sorted(unique.values(), key=lambda r: (r.act_key, -r.urgency, r.loan_number))
    return ordered, skipped


def _share(cases: Sequence[sa.Row[Any]], receivers: Sequence[sa.Row[Any]], spread: Spread,
           loads: Mapping[int, int]) -> list[tuple[sa.Row[Any], sa.Row[Any]]]:
    """Pair each case with its receiver."""
    if spread is Spread.ROUND_ROBIN or len(receivers) == 1:
        return [(c, receivers[i % len(receivers)]) for i, c in enumerate(cases)]
    heap = [(loads[r.id], i, r) for i, r in enumerate(receivers)]
    heapq.heapify(heap)
    pairs = []
    for c in cases:
        load, i, r = heapq.heappop(heap)
        pairs.append((c, r))
        heapq.heappush(heap, (load + 1, i, r))
    return pairs


def preview(ws: Workspace, selection: Selection, receivers: Sequence[str],
            spread: Spread | str) -> Plan:
    """What a reassignment would do, changing nothing: the moves, each person's load before
    → after, and the regulatory deadlines due within 5 days (or missed) that change hands."""
    engine, actor_name, today = ws.engine, ws.username, ws.today
    spread = Spread(spread)
    if not receivers:
        raise InvalidInput("choose at least one person to receive the cases")
    with session_scope(engine) as session:
        actor = require_user(session, actor_name)
        _require_lead(actor, "reassigning cases")
        conn = session.connection()
        takers = _users(conn, receivers)
        if selection.from_user is not None and selection.from_user in takers:
            raise InvalidInput(f"{selection.from_user} cannot both give and receive "
                               "the cases")
        for t in takers.values():
            if not t.active:
                raise InvalidInput(f"{t.username} is deactivated and cannot take cases")
            if t.role == Role.ADMIN:
                raise InvalidInput(f"{t.username} is an admin and does not work cases")
        cases, skipped = _selected(conn, selection)
        owners = {r.id: r for r in conn.execute(sa.select(users_t))}
        _check_scope(actor, owners, cases, takers.values())
        ordered_takers = [takers[n] for n in dict.fromkeys(receivers)]
        single = ordered_takers[0] if len(ordered_takers) == 1 else None
        if single is not None:
            skipped += [f"{c.loan_number}: already {single.username}'s" for c in cases
                        if c.assignee_id == single.id]
            cases = [c for c in cases if c.assignee_id != single.id]
        if not cases:
            raise InvalidInput("nothing to move: " + ("; ".join(skipped[:5])
                                                      or "no open case selected"))
        givers = sorted({c.assignee_id for c in cases if c.assignee_id is not None}
                        - {t.id for t in ordered_takers})
        before = open_case_counts(conn, [t.id for t in ordered_takers] + givers)
        pairs = _share(cases, ordered_takers, spread, before)
        # In a spread, a case whose owner is among the receivers may land back on them.
        moves = tuple(Move(c.id, c.loan_number, c.version, c.assignee_id,
                           owners[c.assignee_id].username if c.assignee_id else None,
                           r.id, r.username) for c, r in pairs if c.assignee_id != r.id)
        skipped += [f"{c.loan_number}: stays with {r.username}" for c, r in pairs
                    if c.assignee_id == r.id]
        delta: Counter[int] = Counter()
        for m in moves:
            delta[m.to_id] += 1
            if m.from_id is not None:
                delta[m.from_id] -= 1
        loads = tuple(Load(owners[uid].username, before[uid], before[uid] + delta[uid])
                      for uid in [t.id for t in ordered_takers] + givers)
        handovers = _handovers(conn, moves, today)
    return Plan(moves, loads, handovers, tuple(skipped))


def _check_scope(actor: User, owners: Mapping[int, sa.Row[Any]], cases: Sequence[sa.Row[Any]],
                 takers: Iterable[sa.Row[Any]]) -> None:
    """A lead moves their own team's (and unassigned) cases, to their own team."""
    foreign = _outside_team(actor, owners, (c.assignee_id for c in cases))
    if foreign:
        raise PermissionDenied(f"{actor.username} leads team {actor.team or '(none)'}; cases "
                               f"owned by {', '.join(foreign)} are another team's",
                               actor_name=actor.username, attempted="reassigning cases",
                               detail={"owners": foreign})
    outsiders = _outside_team(actor, owners, (t.id for t in takers))
    if outsiders:
        raise PermissionDenied(f"{actor.username} leads team {actor.team or '(none)'} and "
                               f"cannot give cases to {', '.join(outsiders)}",
                               actor_name=actor.username, attempted="reassigning cases",
                               detail={"receivers": outsiders})


def _handovers(conn: Connection, moves: Sequence[Move], today: date) -> tuple[Handover, ...]:
    by_case = {m.case_id: m for m in moves}
    ids = list(by_case)
    found = []
    horizon = today + timedelta(days=HANDOVER_DAYS)
    for start in range(0, len(ids), CHUNK):
        found += [r for r in tasks_of_cases(conn, ids[start:start + CHUNK], tasks_t.c.source,
                                            tasks_t.c.due_on)
                  if r.status == TaskStatus.OPEN and r.kind == TaskKind.REGULATORY_DEADLINE
                  and r.due_on <= horizon]
    return tuple(sorted(
        (Handover(by_case[r.case_id].loan_number, r.source, r.due_on,
                  by_case[r.case_id].from_name, by_case[r.case_id].to_name) for r in found),
        key=lambda h: (h.due_on, h.loan_number)))


# --- commit ----------------------------------------------------------------------------------


def _current(conn: Connection, ids: Sequence[int], *,
             lock: bool = False) -> dict[int, sa.Row[Any]]:
    """The cases' version, owner and closing as they are now. `lock`: hold their rows until
    the transaction ends (PostgreSQL's FOR UPDATE; SQLite's write transaction already
    excludes other writers), so the versioned writes that follow cannot miss."""
    rows: dict[int, sa.Row] = {}
    for start in range(0, len(ids), CHUNK):
        query = (sa.select(cases_t.c.id, cases_t.c.version, cases_t.c.assignee_id,
                           cases_t.c.closed_at)
                 .where(cases_t.c.id.in_(ids[start:start + CHUNK])).order_by(cases_t.c.id))
        for r in conn.execute(query.with_for_update() if lock else query):
            rows[r.id] = r
    return rows


def _versioned(conn: Connection, result: sa.CursorResult[Any], expected: int) -> None:
    """A versioned write that changed fewer rows than it meant to is a conflict, never a
    success: the whole batch rolls back."""
    if conn.dialect.supports_sane_multi_rowcount and result.rowcount != expected:
        raise Conflict(f"{expected - result.rowcount} of {expected} case(s) changed while "
                       "they were being moved; nothing was moved: preview again")


def _loans(conn: Connection, ids: Sequence[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for start in range(0, len(ids), CHUNK):
        found.update((r.id, r.loan_number) for r in conn.execute(
            sa.select(cases_t.c.id, cases_t.c.loan_number).where(
                cases_t.c.id.in_(ids[start:start + CHUNK]))))
    return found


def _changed_by(conn: Connection, case_id: int, loan: str) -> str:
    who = last_change(conn, case_id)
    if who is None:
        return f"{loan} (changed by another process)"
    return f"{loan} (changed by {who[0]} at {who[1].strftime('%Y-%m-%d %H:%M')} UTC)"


def apply(ws: Workspace, plan: Plan, reason: Reason, *, move_tasks: bool = True) -> Outcome:
    """Commit a previewed reassignment as one batch, in one transaction.

    A case changed by someone else since the preview (its version moved, or its owner or
    state) is left out and reported; the rest move. Open tasks of the old owner (and
    unassigned ones) move with their case unless `move_tasks` is False."""
    engine, actor_name, today, weights = ws.engine, ws.username, ws.today, ws.weights
    calendar = ws.calendar
    contact_task = ws.settings.reassign_contact_task
    contact_days = ws.settings.reassign_contact_business_days
    if not plan.moves:
        raise InvalidInput("nothing to move")
    with session_scope(engine, write=True) as session:
        actor = require_user(session, actor_name)
        _require_lead(actor, "reassigning cases")
        conn = session.connection()
        owners = {r.id: r for r in conn.execute(sa.select(users_t))}
        for uid in {m.to_id for m in plan.moves}:
            if not owners[uid].active:
                raise InvalidInput(f"{owners[uid].username} was deactivated since the "
                                   "preview; preview again")
        current = _current(conn, [m.case_id for m in plan.moves], lock=True)
        _check_scope(actor, owners, [c for c in current.values()],
                     [owners[m.to_id] for m in plan.moves])
        ok: list[Move] = []
        conflicts: list[str] = []
        for m in plan.moves:
            now_row = current.get(m.case_id)
            if now_row is None:
                conflicts.append(f"{m.loan_number} (no longer exists)")
            elif (now_row.version != m.version or now_row.assignee_id != m.from_id
                  or now_row.closed_at is not None):
                conflicts.append(_changed_by(conn, m.case_id, m.loan_number))
            else:
                ok.append(m)
        if not ok:
            return Outcome(None, 0, tuple(conflicts))
        batch = uuid.uuid4().hex[:12]
        records = _move(conn, ok, actor, reason, batch, today, calendar,
                        move_tasks=move_tasks, contact_task=contact_task,
                        contact_days=contact_days, weights=weights)
        audit.record(session, actor, "reassignment", batch, "reassign", after={
            "reason": str(reason), "count": len(ok), "move_tasks": move_tasks,
            "left_out": conflicts, "moves": records})
    return Outcome(batch, len(ok), tuple(conflicts))


def _move(conn: Connection, moves: Sequence[Move], actor: User, reason: Reason, batch: str,
          today: date, calendar: BusinessCalendar, *, move_tasks: bool, contact_task: bool,
          contact_days: int, weights: Mapping[str, float]) -> list[list[Any]]:
    """The writes of one batch, set-wise, the case rows' next action and urgency (by
    `weights`) among them. Returns, per case, what undo needs: [case id, from id, to id, version
    after, moved task ids, introduction task id, the earlier introduction tasks it
    replaced, the complaints moved]."""
    now = utcnow()
    # One read of the cases' tasks serves the three uses: the open tasks that move, the
    # open introductions a new one replaces, and the next action each case is left with.
    moved: dict[int, list[int]] = {m.case_id: [] for m in moves}
    replaced: dict[int, list[int]] = {m.case_id: [] for m in moves}
    still_open: dict[int, list[tuple[date, int, str]]] = {m.case_id: [] for m in moves}
    by_case = {m.case_id: m for m in moves}
    ids = list(by_case)
    pairs = []
    for start in range(0, len(ids), CHUNK):
        for r in tasks_of_cases(conn, ids[start:start + CHUNK], tasks_t.c.id,
                                tasks_t.c.assignee_id, tasks_t.c.source, tasks_t.c.due_on):
            if r.status != TaskStatus.OPEN:
                continue
            m = by_case[r.case_id]
            if move_tasks and (r.assignee_id is None or r.assignee_id == m.from_id):
                moved[r.case_id].append(r.id)
                pairs.append({"tid": r.id, "to": m.to_id})
            if contact_task and r.source == SOURCE:
                # One open introduction per case: a case moved again replaces the one it
                # had (its earlier owner's introduction no longer makes sense); undo
                # reopens it.
                replaced[r.case_id].append(r.id)
            else:
                still_open[r.case_id].append((r.due_on, r.id, r.kind))
    if pairs:
        conn.execute(tasks_t.update().where(tasks_t.c.id == sa.bindparam("tid"))
                     .values(assignee_id=sa.bindparam("to")), pairs)
    intro: dict[int, int] = {}
    if contact_task:
        old = [{"tid": t} for found in replaced.values() for t in found]
        if old:
            conn.execute(tasks_t.update().where(tasks_t.c.id == sa.bindparam("tid"))
                         .values(status=TaskStatus.CANCELLED, completed_at=now,
                                 completion_note="replaced by a newer reassignment"), old)
        due = calendar.add_business_days(today, contact_days)
        new_ids = insert_with_ids(conn, tasks_t, [
            {"case_id": m.case_id, "kind": TaskKind.CALLBACK, "due_on": due,
             "title": "New point of contact: introduce yourself to the borrower",
             "assignee_id": m.to_id, "status": TaskStatus.OPEN, "source": SOURCE,
             "created_at": now} for m in moves])
        intro = {m.case_id: new_id for m, new_id in zip(moves, new_ids, strict=True)}
        for m in moves:
            still_open[m.case_id].append((due, intro[m.case_id], TaskKind.CALLBACK))
    # The case row once: the new owner, its version (a case changed since it was read is
    # a conflict: nothing of the batch is written) and the next action the moves leave.
    values = {p["cid"]: p for p in next_action_values(
        conn, {case_id: next_action(found) for case_id, found in still_open.items()},
        today, weights)}
    _versioned(conn, conn.execute(cases_t.update().where(
        cases_t.c.id == sa.bindparam("cid"), cases_t.c.version == sa.bindparam("v")).values(
        assignee_id=sa.bindparam("to"), version=sa.bindparam("v") + 1, updated_at=now,
        **NEXT_ACTION_COLUMNS),
        [{**values[m.case_id], "v": m.version, "to": m.to_id} for m in moves]), len(moves))
    complaints = _move_complaints(conn, moves, actor, batch, now)
    conn.execute(events_t.insert(), [
        {"case_id": m.case_id, "kind": EventKind.REASSIGNED, "occurred_on": today,
         "author_id": actor.id, "reason": None, "created_at": now,
         "payload": {"from": m.from_name, "to": m.to_name, "reason": str(reason),
                     "batch": batch}} for m in moves])
    conn.execute(audit_t.insert(), [
        {"at": now, "user_id": actor.id, "username": actor.username, "entity": "case",
         "entity_id": str(m.case_id), "action": "reassign",
         "before": {"assignee": m.from_name},
         "after": {"case": m.loan_number, "assignee": m.to_name, "reason": str(reason),
                   "batch": batch, "tasks_moved": len(moved[m.case_id])}} for m in moves])
    return [[m.case_id, m.from_id, m.to_id, m.version + 1, moved[m.case_id],
             intro.get(m.case_id), replaced[m.case_id], complaints.get(m.case_id, [])]
            for m in moves]


def _complaint_tasks(conn: Connection, complaint_ids: Sequence[int], to: int) -> None:
    """The open tasks of these complaints (their deadlines, an urgent check) go with them:
    a complaint's owner takes its tasks (services/complaints.py)."""
    for start in range(0, len(complaint_ids), CHUNK):
        sources = [f"% complaint {i}" for i in complaint_ids[start:start + CHUNK]] + [
            f"complaint {i}" for i in complaint_ids[start:start + CHUNK]]
        conn.execute(tasks_t.update().where(
            tasks_t.c.status == TaskStatus.OPEN,
            sa.or_(*[tasks_t.c.source.like(p) if p.startswith("%") else tasks_t.c.source == p
                     for p in sources])).values(assignee_id=to))


def _move_complaints(conn: Connection, moves: Sequence[Move], actor: User, batch: str,
                     now: Any) -> dict[int, list[int]]:
    """The open complaints the old owner held on the moved cases go to the new owner (a
    complaint a lead gave to someone else stays theirs), each a versioned update with its
    audit row, their open tasks with them. Returns the complaint ids moved, by case."""
    by_case = {m.case_id: m for m in moves}
    ids = list(by_case)
    found: list[Any] = []
    for start in range(0, len(ids), CHUNK):
        found += conn.execute(sa.select(complaints_t.c.id, complaints_t.c.case_id,
                                        complaints_t.c.owner_id, complaints_t.c.version)
                              .where(complaints_t.c.case_id.in_(ids[start:start + CHUNK]),
                                     complaints_t.c.status == "open")).all()
    mine = [r for r in found if by_case[r.case_id].from_id is not None
            and r.owner_id == by_case[r.case_id].from_id]
    if not mine:
        return {}
    _versioned(conn, conn.execute(complaints_t.update().where(
        complaints_t.c.id == sa.bindparam("xid"),
        complaints_t.c.version == sa.bindparam("v")).values(
        owner_id=sa.bindparam("to"), version=sa.bindparam("v") + 1, updated_at=now),
        [{"xid": r.id, "v": r.version, "to": by_case[r.case_id].to_id} for r in mine]),
        len(mine))
    for to in {by_case[r.case_id].to_id for r in mine}:
        _complaint_tasks(conn, [r.id for r in mine if by_case[r.case_id].to_id == to], to)
    conn.execute(audit_t.insert(), [
        {"at": now, "user_id": actor.id, "username": actor.username, "entity": "complaint",
         "entity_id": str(r.id), "action": "assign",
         "before": {"owner": by_case[r.case_id].from_name},
         "after": {"case": by_case[r.case_id].loan_number,
                   "owner": by_case[r.case_id].to_name, "batch": batch,
                   "why": "the case was reassigned"}} for r in mine])
    moved: dict[int, list[int]] = {}
    for r in mine:
        moved.setdefault(r.case_id, []).append(r.id)
    return moved


# --- undo ------------------------------------------------------------------------------------


def _complaints_back(conn: Connection, records: Sequence[Sequence[Any]], actor: User,
                     names: Mapping[int, str], loans: Mapping[int, str], batch: str,
                     now: Any) -> None:
    """Undo: the complaints the batch moved go back to their owner, those the receiver
    still owns (one given to someone else since stays), each with its audit row."""
    back: list[tuple[int, int, int, int]] = []  # complaint, case, receiver, owner before
    for r in records:
        for complaint_id in (r[7] if len(r) > 7 else []):
            back.append((complaint_id, r[0], r[2], r[1]))
    if not back:
        return
    now_rows = {row.id: row for row in conn.execute(
        sa.select(complaints_t.c.id, complaints_t.c.owner_id, complaints_t.c.version).where(
            complaints_t.c.id.in_([b[0] for b in back])))}
    back = [b for b in back if b[0] in now_rows and now_rows[b[0]].owner_id == b[2]]
    held = {b[0]: now_rows[b[0]].version for b in back}
    if not back:
        return
    _versioned(conn, conn.execute(complaints_t.update().where(
        complaints_t.c.id == sa.bindparam("xid"),
        complaints_t.c.version == sa.bindparam("v")).values(
        owner_id=sa.bindparam("back"), version=sa.bindparam("v") + 1, updated_at=now),
        [{"xid": b[0], "v": held[b[0]], "back": b[3]} for b in back]), len(back))
    for owner in {b[3] for b in back}:
        _complaint_tasks(conn, [b[0] for b in back if b[3] == owner], owner)
    conn.execute(audit_t.insert(), [
        {"at": now, "user_id": actor.id, "username": actor.username, "entity": "complaint",
         "entity_id": str(b[0]), "action": "assign", "before": {"owner": names.get(b[2])},
         "after": {"case": loans.get(b[1]), "owner": names.get(b[3]), "batch": batch,
                   "why": "the reassignment was undone"}} for b in back])


@dataclass(frozen=True)
class Batch:
    batch: str
    at: Any
    reason: str
    count: int
    undone: bool


def last_batch(ws: Workspace) -> Batch | None:
    """The user's most recent reassignment batch, and whether it was undone."""
    with ws.read() as conn:
        return _last_batch(conn, ws.username)


def _last_batch(conn: Connection, actor_name: str) -> Batch | None:
    row = conn.execute(sa.select(audit_t.c.entity_id, audit_t.c.at, audit_t.c.after)
                       .where(audit_t.c.entity == "reassignment",
                              audit_t.c.action == "reassign",
                              audit_t.c.username == actor_name)
                       .order_by(audit_t.c.id.desc()).limit(1)).first()
    if row is None:
        return None
    undone = conn.execute(sa.select(audit_t.c.id).where(
        audit_t.c.entity == "reassignment", audit_t.c.action == "undo",
        audit_t.c.entity_id == row.entity_id).limit(1)).first() is not None
    return Batch(row.entity_id, row.at, row.after["reason"], row.after["count"], undone)


def undo_last(ws: Workspace) -> Outcome:
    """Put back the user's last reassignment batch, if none of its cases changed since.
    The undo is a change of its own: audited, with timeline events."""
    engine, actor_name, today, weights = ws.engine, ws.username, ws.today, ws.weights
    with session_scope(engine, write=True) as session:
        actor = require_user(session, actor_name)
        _require_lead(actor, "undoing a reassignment")
        conn = session.connection()
        last = _last_batch(conn, actor_name)
        if last is None:
            raise InvalidInput("you have no reassignment to undo")
        if last.undone:
            raise InvalidInput(f"your last reassignment ({last.count} case(s), "
                               f"{last.reason}) is already undone")
        after = conn.execute(sa.select(audit_t.c.after).where(
            audit_t.c.entity == "reassignment", audit_t.c.action == "reassign",
            audit_t.c.entity_id == last.batch)).scalar_one()
        records = after["moves"]
        current = _current(conn, [r[0] for r in records], lock=True)
        loans = _loans(conn, [r[0] for r in records])
        changed = [r for r in records if r[0] not in current
                   or current[r[0]].version != r[3] or current[r[0]].assignee_id != r[2]]
        if changed:
            named = [_changed_by(conn, r[0], loans.get(r[0], f"case #{r[0]}"))
                     for r in changed[:3]]
            raise InvalidInput(
                f"cannot undo: {len(changed)} of its {len(records)} case(s) changed "
                f"since ({'; '.join(named)}{'; …' if len(changed) > 3 else ''}); "
                "reassign them again instead")
        names = {r.id: r.username for r in conn.execute(sa.select(users_t.c.id,
                                                                  users_t.c.username))}
        now = utcnow()
        _versioned(conn, conn.execute(
            cases_t.update().where(cases_t.c.id == sa.bindparam("cid"),
                                   cases_t.c.version == sa.bindparam("v"))
            .values(assignee_id=sa.bindparam("back"), version=sa.bindparam("v") + 1,
                    updated_at=now),
            [{"cid": r[0], "v": r[3], "back": r[1]} for r in records]), len(records))
        reopen = [{"tid": t} for r in records for t in (r[6] if len(r) > 6 else [])]
        if reopen:  # the introductions this batch replaced are open again (then move back)
            conn.execute(tasks_t.update().where(
                tasks_t.c.id == sa.bindparam("tid"), tasks_t.c.status == TaskStatus.CANCELLED)
                .values(status=TaskStatus.OPEN, completed_at=None, completion_note=None),
                reopen)
        intro = [{"tid": r[5]} for r in records if r[5] is not None]
        if intro:
            conn.execute(tasks_t.update().where(
                tasks_t.c.id == sa.bindparam("tid"), tasks_t.c.status == TaskStatus.OPEN)
                .values(status=TaskStatus.CANCELLED, completed_at=now,
                        completion_note="reassignment undone"), intro)
        # Every open task the receiver holds on the case goes back with it: those the move
        # carried, and those added since (a follow-up, a call-back, a new deadline), which
        # would otherwise stay with someone who no longer owns the case.
        receiver = {r[0]: r[2] for r in records}
        back_to = {r[0]: r[1] for r in records}
        held: dict[int, list[int]] = {}
        ids = list(receiver)
        for start in range(0, len(ids), CHUNK):
            for task in tasks_of_cases(conn, ids[start:start + CHUNK], tasks_t.c.id,
                                       tasks_t.c.assignee_id):
                if task.status == TaskStatus.OPEN and task.assignee_id == receiver[task.case_id]:
                    held.setdefault(task.case_id, []).append(task.id)
        back = [{"tid": t, "back": back_to[cid]} for cid, found in held.items() for t in found]
        if back:
            conn.execute(tasks_t.update().where(tasks_t.c.id == sa.bindparam("tid"))
                         .values(assignee_id=sa.bindparam("back")), back)
        _complaints_back(conn, records, actor, names, loans, last.batch, now)
        reason = f"undo of {last.reason}"
        conn.execute(events_t.insert(), [
            {"case_id": r[0], "kind": EventKind.REASSIGNED, "occurred_on": today,
             "author_id": actor.id, "reason": None, "created_at": now,
             "payload": {"from": names.get(r[2]), "to": names.get(r[1]),
                         "reason": reason, "batch": last.batch}} for r in records])
        conn.execute(audit_t.insert(), [
            {"at": now, "user_id": actor.id, "username": actor.username, "entity": "case",
             "entity_id": str(r[0]), "action": "reassign_undo",
             "before": {"assignee": names.get(r[2])},
             "after": {"case": loans.get(r[0]), "assignee": names.get(r[1]),
                       "batch": last.batch, "tasks_moved": len(held.get(r[0], []))}}
            for r in records])
        audit.record(session, actor, "reassignment", last.batch, "undo",
                     after={"count": len(records), "reason": last.reason})
        recompute_cases(conn, [r[0] for r in records], today, weights)
    return Outcome(last.batch, len(records))
