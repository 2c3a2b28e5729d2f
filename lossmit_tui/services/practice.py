"""Practice mode (README "Training new specialists"): the lessons in force, each trainee's
progress in the store, and the checker that ticks steps off from what the trainee actually
did.

Lessons are TOML files (`lossmit_tui.domain.lessons` says what they hold): the ones shipped
with lossmit, each replaced by a file of the same name in the servicer's own `lessons` folder
beside the settings file, which may add more. Progress is one `practice_progress` row when a
lesson starts (holding the newest audit row then) and one per step ticked (holding the audit
row that met it): only the trainee's own audited work after the start counts. Audit row ids,
not clock times, say what came after what: the store numbers them in order.
"""

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session

from db.models import AuditEvent, PracticeProgress, User
from db.queries import UserRow, board_members, latest_change, user_row
from lossmit_tui.config import config_path
from lossmit_tui.domain.enums import Role
from lossmit_tui.domain.lessons import (
    STARTED,
    Evidence,
    Lesson,
    LessonError,
    Step,
    new_ticks,
    ordered,
    parse_lesson,
)
from lossmit_tui.services import audit
from lossmit_tui.services.access import require_active
from lossmit_tui.services.errors import Conflict, NotFound, PermissionDenied
from lossmit_tui.services.users import require_user
from lossmit_tui.services.workspace import Workspace

progress_t, audit_t = PracticeProgress.__table__, AuditEvent.__table__


def lessons_dir() -> Path:
    """The servicer's own lesson files: `lessons/` beside the settings file (in the user
    config directory, or beside $LOSSMIT_CONFIG)."""
    return config_path().parent / "lessons"


def _read(path: Path | resources.abc.Traversable, source: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise LessonError(f"{source}: is not UTF-8 text") from None
    except OSError as exc:
        raise LessonError(f"{source}: cannot be read ({exc.strerror or exc})") from None


def load_lessons(own: Path | None = None) -> tuple[Lesson, ...]:
    """Every lesson in force, in panel order: the shipped ones, each replaced by a file of the
    same name in `own` (default `lessons_dir()`), and the servicer's own additions. A file
    that cannot be used is a LessonError naming the file and the key."""
    found: dict[str, tuple[str, str]] = {}  # lesson id -> (source, text)
    shipped = resources.files("lossmit_tui") / "lessons"
    for entry in shipped.iterdir():
        if entry.name.endswith(".toml"):
            source = f"lossmit_tui/lessons/{entry.name}"
            found[entry.name.removesuffix(".toml")] = (source, _read(entry, source))
    folder = own if own is not None else lessons_dir()
    if folder.is_dir():
        for path in sorted(folder.glob("*.toml")):
            found[path.stem] = (str(path), _read(path, str(path)))
    lessons = []
    for lesson_id, (source, text) in sorted(found.items()):
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise LessonError(f"{source}: is not valid TOML: {exc}") from None
        lessons.append(parse_lesson(lesson_id, data, source))
    return ordered(lessons)


def _lesson(lessons: Sequence[Lesson], lesson_id: str) -> Lesson:
    found = next((lesson for lesson in lessons if lesson.id == lesson_id), None)
    if found is None:
        raise NotFound(f"there is no lesson {lesson_id!r} (the lessons: "
                       f"{', '.join(lesson.id for lesson in lessons)})")
    return found


# --- reading progress ------------------------------------------------------------------


@dataclass(frozen=True)
class LessonProgress:
    """Where one person stands in one lesson."""

    lesson: Lesson
    start_id: int | None = None  # the start row's id: a restart must name the one it saw
    started_at: datetime | None = None
    done: Mapping[str, datetime] = field(default_factory=dict)  # step id -> ticked at

    @property
    def started(self) -> bool:
        return self.start_id is not None

    @property
    def count(self) -> int:
        """Steps of the lesson ticked off."""
        return sum(1 for step in self.lesson.steps if step.id in self.done)

    @property
    def finished(self) -> bool:
        return self.started and self.count == len(self.lesson.steps)


def _rows(conn: Connection, user_ids: Sequence[int]) -> dict[int, list[sa.Row]]:
    by_user: dict[int, list[sa.Row]] = {uid: [] for uid in user_ids}
    if not user_ids:
        return by_user
    for row in conn.execute(sa.select(progress_t).where(progress_t.c.user_id.in_(user_ids))
                            .order_by(progress_t.c.id)):
        by_user[row.user_id].append(row)
    return by_user


def _progress(lessons: Sequence[Lesson], rows: Sequence[sa.Row]) -> tuple[LessonProgress, ...]:
    shown = []
    for lesson in lessons:
        mine = [r for r in rows if r.lesson == lesson.id]
        start = next((r for r in mine if r.step == STARTED), None)
        shown.append(LessonProgress(
            lesson, start.id if start else None, start.done_at if start else None,
            {r.step: r.done_at for r in mine if r.step != STARTED} if start else {}))
    return tuple(shown)


def my_progress(ws: Workspace, lessons: Sequence[Lesson]) -> tuple[LessonProgress, ...]:
    """The workspace user's progress in every lesson, in the lessons' order."""
    with ws.read() as conn:
        me = user_row(conn, ws.username)
        return _progress(lessons, _rows(conn, [me.user_id])[me.user_id])


@dataclass(frozen=True)
class MemberProgress:
    """One team member's progress, for the lead's table."""

    username: str
    display_name: str
    role: str
    active: bool
    lessons: tuple[LessonProgress, ...]


def team_progress(ws: Workspace, lessons: Sequence[Lesson]) -> tuple[MemberProgress, ...]:
    """Who finished which lesson: a lead's team (an admin: everyone but admins). For active
    leads and admins only; anyone else is refused, and the refusal recorded."""
    with ws.session() as session:
        actor = require_user(session, ws.username)
        require_active(actor, "reading the team's practice progress")
        if actor.role == Role.SPECIALIST:
            raise PermissionDenied(
                f"The team's practice progress is for leads and admins; {actor.username} is "
                "a specialist", actor_name=actor.username,
                attempted="reading the team's practice progress")
        conn = session.connection()
        members: list[UserRow] = board_members(conn, actor.role, actor.team)
        rows = _rows(conn, [m.user_id for m in members])
        return tuple(MemberProgress(m.username, m.display_name, m.role, m.active,
                                    _progress(lessons, rows[m.user_id])) for m in members)


# --- writing progress --------------------------------------------------------------------


def _actor(session: Session, username: str, what: str) -> User:
    actor = require_user(session, username)
    require_active(actor, what)
    return actor


def _start_lesson(session: Session, actor_name: str, lesson: Lesson, seen_start: int | None,
                  now: datetime) -> int:
    """Start a lesson (again: what was ticked is cleared). `seen_start` is the start row the
    person saw (None: not started); another start since is a Conflict. Returns the new start
    row's id."""
    actor = _actor(session, actor_name, "starting a practice lesson")
    if lesson.audience == "lead" and actor.role == Role.SPECIALIST:
        raise PermissionDenied(
            f"The lesson {lesson.title!r} is for leads; {actor.username} is a specialist "
            "(start the demo as a lead: lossmit demo --practice --user <a lead>)",
            actor_name=actor.username, attempted="starting a lead's practice lesson",
            detail={"lesson": lesson.id})
    conn = session.connection()
    mine = sa.and_(progress_t.c.user_id == actor.id, progress_t.c.lesson == lesson.id)
    current = conn.execute(sa.select(progress_t.c.id, progress_t.c.done_at).where(
        mine, progress_t.c.step == STARTED).with_for_update()).first()
    if (current.id if current else None) != seen_start:
        when = f" at {current.done_at:%H:%M} UTC" if current else ""
        raise Conflict(f"the lesson {lesson.title!r} was "
                       f"{'started' if current else 'reset'}{when} elsewhere since this "
                       "panel read it; it shows the lesson as it is now: start it again if "
                       "you mean to")
    ticked = conn.execute(sa.select(sa.func.count()).select_from(progress_t).where(
        mine, progress_t.c.step != STARTED)).scalar_one()
    deleted = conn.execute(progress_t.delete().where(mine))
    if current is not None and deleted.rowcount < 1:
        raise Conflict(f"the lesson {lesson.title!r} changed while it was being restarted; "
                       "try again")
    row = PracticeProgress(user_id=actor.id, lesson=lesson.id, step=STARTED, done_at=now,  # type: ignore[arg-type]  # a stored user has an id
                           audit_id=latest_change(conn))
    session.add(row)
    session.flush()
    audit.record(session, actor, "practice", lesson.id, "restart" if current else "start",
                 before={"steps_done": ticked} if current else None,
                 after={"lesson": lesson.id, "title": lesson.title})
    assert row.id is not None
    return row.id


def start_lesson(ws: Workspace, lessons: Sequence[Lesson], lesson_id: str,
                 seen_start: int | None) -> int:
    """Start (or restart) a lesson for the workspace user, in one transaction (see
    `_start_lesson`)."""
    lesson = _lesson(lessons, lesson_id)
    with ws.write() as session:
        return _start_lesson(session, ws.username, lesson, seen_start, ws.now())


@dataclass(frozen=True)
class Tick:
    """A step the checker ticked off, and whether it finished its lesson."""

    lesson: Lesson
    step: Step
    finished: bool


def _found(conn: Connection, username: str, lessons: Sequence[Lesson],
           rows: Sequence[sa.Row]) -> dict[str, dict[str, int]]:
    """lesson id -> step id -> the audit row newly meeting it."""
    pending = []
    for progress in _progress(lessons, rows):
        if progress.started and not progress.finished:
            start = next(r for r in rows if r.id == progress.start_id)
            done = {r.step: r.audit_id or 0 for r in rows
                    if r.lesson == progress.lesson.id and r.step != STARTED}
            pending.append((progress.lesson, start.audit_id or 0, done))
    if not pending:
        return {}
    since = min(mark for _, mark, _ in pending)
    entities = sorted({s.check.entity for lesson, _, _ in pending for s in lesson.steps})
    evidence = [Evidence(r.id, r.entity, r.action, r.after) for r in conn.execute(
        sa.select(audit_t.c.id, audit_t.c.entity, audit_t.c.action, audit_t.c.after).where(
            audit_t.c.id > since, audit_t.c.username == username,
            audit_t.c.entity.in_(entities)).order_by(audit_t.c.id))]
    found = {lesson.id: new_ticks(lesson, mark, done, evidence)
             for lesson, mark, done in pending}
    return {lesson_id: ticks for lesson_id, ticks in found.items() if ticks}


def check_progress(ws: Workspace, lessons: Sequence[Lesson]) -> list[Tick]:
    """Tick off every step of the user's started lessons that their audited work since the
    start now meets, and return them. Reads first; writes (the ticks and their audit rows,
    in one transaction, the lesson's start row locked and read again) only when a step is
    newly met, so following the store costs one read per change."""
    with ws.read() as conn:
        me = user_row(conn, ws.username)
        if not _found(conn, ws.username, lessons, _rows(conn, [me.user_id])[me.user_id]):
            return []
    ticks: list[Tick] = []
    with ws.write() as session:
        actor = _actor(session, ws.username, "ticking off a practice step")
        conn, user_id = session.connection(), actor.id
        assert user_id is not None  # a stored user has an id
        conn.execute(sa.select(progress_t.c.id).where(
            progress_t.c.user_id == user_id, progress_t.c.step == STARTED).with_for_update())
        rows = _rows(conn, [user_id])[user_id]
        for lesson_id, steps in _found(conn, ws.username, lessons, rows).items():
            lesson = _lesson(lessons, lesson_id)
            before = sum(1 for r in rows if r.lesson == lesson_id and r.step != STARTED)
            for n, (step_id, evidence) in enumerate(steps.items(), start=1):
                session.add(PracticeProgress(user_id=user_id, lesson=lesson_id,
                                             step=step_id, done_at=ws.now(),
                                             audit_id=evidence))
                finished = before + n == len(lesson.steps)
                audit.record(session, actor, "practice", lesson_id, "tick",
                             after={"lesson": lesson_id, "step": step_id,
                                    "evidence": evidence, "finished": finished})
                step = lesson.step(step_id)
                assert step is not None
                ticks.append(Tick(lesson, step, finished))
    return ticks
