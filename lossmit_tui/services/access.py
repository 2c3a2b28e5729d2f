"""Who may act on a case: the one rule every write and every read of a whole case goes
through.

A user may act on their own cases and on unassigned ones; a lead also on the cases of their
team's members; an admin on every case. A deactivated user may do nothing. The rule is one
SQL condition (`case_scope`): `require_case_access` asks it of one case before a service
writes or hands the case out, and the book's export selects with it.

A refusal is a PermissionDenied; `db.engine.session_scope` rolls the refused transaction back
and then writes its audit row ("permission", "refused"), so the record survives it. Read a case
through `read_case` (a session that refuses first) to get the same audited refusal.
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session, select

from db.engine import connection_of
from db.models import User
from db.tables import cases, users
from lossmit_tui.domain.enums import Role
from lossmit_tui.services.errors import PermissionDenied, UnknownUser
from lossmit_tui.services.scope import scope_of
from lossmit_tui.services.workspace import Workspace


def _capital(what: str) -> str:
    return what[:1].upper() + what[1:]


def require_active(actor: User, what: str, detail: Mapping[str, Any] | None = None) -> None:
    """A deactivated user may do nothing: PermissionDenied (audited) saying so."""
    if not actor.active:
        raise PermissionDenied(f"{actor.username} is deactivated; {what} is refused",
                               actor_name=actor.username, attempted=what, detail=detail)


def case_scope(actor: User, table: sa.Table = cases) -> sa.ColumnElement[bool]:
    """The cases `actor` may act on, as a condition on the cases `table`: their own and
    unassigned cases, a lead's team members' cases too, an admin's every case. (Whether the
    actor is active is `require_active`'s question.)"""
    return scope_of(actor.id, actor.role, actor.team, table)


def require_case_access(source: Session | Connection, actor: User, case_id: int | None,
                        what: str, *, lock: bool = True) -> None:
    """Refuse (PermissionDenied, audited) unless `actor` is active and may act on the case.

    `what` names the attempt as a phrase ("recording an event"). A case that does not exist
    (or no case: None) is not refused here: the caller says it is gone. A write (`lock`)
    also locks the case row until its transaction ends (PostgreSQL; SQLite's write lock is
    already taken): writes to one case then take their turns, the owner cannot change under
    the check, and every write locks the case before its tasks, as a reassignment does, so
    two writers never wait on each other in a circle."""
    require_active(actor, what, {"case_id": case_id} if case_id is not None else None)
    if case_id is None:
        return
    query = (sa.select(cases.c.loan_number, users.c.username.label("owner"),
                       users.c.team.label("owner_team"), case_scope(actor).label("allowed"))
             .select_from(cases.outerjoin(users, cases.c.assignee_id == users.c.id))
             .where(cases.c.id == case_id))
    found = connection_of(source).execute(
        query.with_for_update(of=cases) if lock else query).first()
    if found is None or found.allowed:
        return
    if actor.role == Role.LEAD:
        why = (f"on team {found.owner_team or '(none)'} ({actor.username} leads team "
               f"{actor.team or '(none)'})")
    else:
        why = (f"(a specialist works their own and unassigned cases; ask {found.owner} or "
               "a lead)")
    raise PermissionDenied(f"{_capital(what)} is refused: {actor.username} may not act on loan "
                           f"{found.loan_number}, {found.owner}'s case {why}",
                           actor_name=actor.username, attempted=what,
                           detail={"case": found.loan_number, "owner": found.owner})


@contextmanager
def read_case(ws: Workspace, case_id: int | None, what: str) -> Iterator[Session]:
    """A read transaction on one whole case, opened only for someone who may see it (the
    refusal is audited like a write's)."""
    with ws.session() as session:
        # Not `services.users.require_user`: users imports this module (require_active).
        actor = session.exec(select(User).where(User.username == ws.username)).first()
        if actor is None:
            raise UnknownUser(ws.username)
        require_case_access(session, actor, case_id, what, lock=False)
        yield session
