"""Quality right-party contacts (docs/RULES.md section 5) as reports and the workout
evaluation read them: the latest QRPC of a case, and how many a person or a team made in a
range of days.

A call counts once, with the attributes of its latest note: an amendment that completes (or
undoes) the attributes of a call decides whether that call was a QRPC, and the call keeps
its own time and author. A call's day is the borrower's calendar day (the case's zone),
never the UTC date of its timestamp.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from db.engine import connection_of
from db.models import User
from db.queries import team_member_ids
from db.tables import call_notes, cases, users
from lossmit_tui.domain.contact import borrower_day
from lossmit_tui.domain.enums import Role
from lossmit_tui.services.access import read_case
from lossmit_tui.services.errors import InvalidInput, NotFound, PermissionDenied, UnknownUser
from lossmit_tui.services.extract import borrower_zones
from lossmit_tui.services.workspace import Workspace


@dataclass(frozen=True, slots=True)
class QrpcRecord:
    """One call that was a quality right-party contact."""

    call_id: int  # the call's own note
    note_id: int  # the note holding its attributes (the call's, or its latest amendment)
    case_id: int
    author_id: int  # who made the call
    called_at: datetime
    day: date  # the borrower's calendar day of the call
    attributes: dict[str, Any]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _qrpcs(conn: sa.Connection, originals: Sequence[Any],
           amendments: Iterable[Any]) -> list[QrpcRecord]:
    """The calls among `originals` whose latest note (themselves or an amendment) is a
    complete QRPC, dated on the borrower's day."""
    latest: dict[int, Any] = {}
    for a in amendments:
        if a.amends_id not in latest or a.id > latest[a.amends_id].id:
            latest[a.amends_id] = a
    case_ids = {o.case_id for o in originals}
    zones = {r.id: borrower_zones(r.property_state, r.property_tz) for r in conn.execute(
        sa.select(cases.c.id, cases.c.property_state, cases.c.property_tz)
        .where(cases.c.id.in_(case_ids)))} if case_ids else {}
    found = []
    for o in originals:
        effective = latest.get(o.id, o)
        if effective.qrpc_complete:
            at = _aware(o.called_at)
            found.append(QrpcRecord(o.id, effective.id, o.case_id, o.author_id, at,
                                    borrower_day(at, zones.get(o.case_id, ())),
                                    dict(effective.qrpc or {})))
    return found


_COLUMNS = (call_notes.c.id, call_notes.c.case_id, call_notes.c.author_id,
            call_notes.c.called_at, call_notes.c.amends_id, call_notes.c.qrpc,
            call_notes.c.qrpc_complete)


def latest_qrpc(ws: Workspace, case_id: int) -> QrpcRecord | None:
    """The case's most recent quality right-party contact, or None (refused, audited, for a
    case the user may not act on)."""
    with read_case(ws, case_id, "reading the case's quality contacts") as session:
        conn = connection_of(session)
        notes = conn.execute(sa.select(*_COLUMNS).where(call_notes.c.case_id == case_id)).all()
        found = _qrpcs(conn, [n for n in notes if n.amends_id is None],
                       [n for n in notes if n.amends_id is not None])
    return max(found, key=lambda r: (r.called_at, r.call_id), default=None)


def _people(session: Session, ws: Workspace, username: str | None,
            team: str | None) -> tuple[int, ...]:
    """The authors to count, refused (PermissionDenied) beyond what the user may see: their
    own calls; a lead their team's; an admin anyone's."""
    actor = session.exec(select(User).where(User.username == ws.username)).first()
    if actor is None:
        raise UnknownUser(ws.username)
    if not actor.active:
        raise PermissionDenied(f"{actor.username} is deactivated; counting quality contacts "
                               "is refused", actor_name=actor.username,
                               attempted="counting quality contacts")
    if team is not None:
        if actor.role != Role.ADMIN and not (actor.role == Role.LEAD and actor.team == team):
            raise PermissionDenied(f"Counting team {team}'s quality contacts is for its lead "
                                   f"or an admin; {actor.username} is {actor.role}",
                                   actor_name=actor.username,
                                   attempted="counting a team's quality contacts")
        return team_member_ids(session, team)
    name = username or actor.username
    person = session.connection().execute(
        sa.select(users.c.id, users.c.team).where(users.c.username == name)).first()
    if person is None:
        raise NotFound(f"there is no user {name}")
    allowed = (person.id == actor.id or actor.role == Role.ADMIN
               or (actor.role == Role.LEAD and actor.team is not None
                   and person.team == actor.team))
    if not allowed:
        raise PermissionDenied(f"{actor.username} may count only their own quality contacts"
                               f"{' and their team' if actor.role == Role.LEAD else ''}'s; "
                               f"{name} is not theirs to see", actor_name=actor.username,
                               attempted="counting quality contacts")
    return (person.id,)


def qrpcs_between(ws: Workspace, start: date, end: date, *, username: str | None = None,
                  team: str | None = None) -> list[QrpcRecord]:
    """The quality right-party contacts made from `start` to `end` (the borrower's days,
    both included) by `username` (default: the user), or by the members of `team`."""
    if end < start:
        raise InvalidInput(f"the range ends ({end}) before it starts ({start})")
    with ws.session() as session:
        ids = _people(session, ws, username, team)
        if not ids:
            return []
        conn = connection_of(session)
        # A borrower's day lies within a day of the UTC one: widen, then date each call.
        since = datetime.combine(start - timedelta(days=1), time.min, UTC)
        until = datetime.combine(end + timedelta(days=2), time.min, UTC)
        window = (call_notes.c.called_at >= since, call_notes.c.called_at < until)
        originals = conn.execute(sa.select(*_COLUMNS).where(
            call_notes.c.author_id.in_(ids), call_notes.c.amends_id.is_(None),
            *window)).all()
        # an amendment keeps the time of the call it corrects
        amendments = conn.execute(sa.select(*_COLUMNS).where(
            call_notes.c.amends_id.is_not(None), *window))
        found = _qrpcs(conn, originals, amendments)
    return sorted((r for r in found if start <= r.day <= end),
                  key=lambda r: (r.called_at, r.call_id))


def qrpc_count(ws: Workspace, start: date, end: date, *, username: str | None = None,
               team: str | None = None) -> int:
    """How many quality right-party contacts `username` (default: the user) or `team` made
    from `start` to `end`, the borrower's days, both included."""
    return len(qrpcs_between(ws, start, end, username=username, team=team))


@dataclass(frozen=True, slots=True)
class QrpcRow:
    """A quality right-party contact as a report shows it."""

    day: date
    loan_number: str
    made_by: str
    attributes: dict[str, Any]


def qrpc_report(ws: Workspace, start: date, end: date, *, username: str | None = None,
                team: str | None = None) -> list[QrpcRow]:
    """The quality right-party contacts of `qrpcs_between`, with the loan and who made the
    call, by the borrower's day."""
    found = qrpcs_between(ws, start, end, username=username, team=team)
    if not found:
        return []
    with ws.session() as session:
        conn = connection_of(session)
        loans = dict(conn.execute(sa.select(cases.c.id, cases.c.loan_number).where(
            cases.c.id.in_({r.case_id for r in found}))).all())
        names = dict(conn.execute(sa.select(users.c.id, users.c.username).where(
            users.c.id.in_({r.author_id for r in found}))).all())
    return [QrpcRow(r.day, loans.get(r.case_id, "?"), names.get(r.author_id, "?"),
                    r.attributes) for r in found]
