"""The audit trail: one append-only row for every change, in the change's transaction."""

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session

from db.models import AuditEvent, User

if TYPE_CHECKING:
    from db.audit_chain import ChainReport
    from db.queries import AuditFilter
    from lossmit_tui.services.workspace import Workspace


def record(
    session: Session,
    actor: User | None,
    entity: str,
    entity_id: object,
    action: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor_name: str | None = None,
) -> AuditEvent:
    """Add an audit row to the session's transaction (it commits or rolls back with it)."""
    row = AuditEvent(
        user_id=actor.id if actor else None,
        username=actor.username if actor else (actor_name or "system"),
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        action=action,
        before=before,
        after=after,
    )
    session.add(row)
    return row


def last_after(conn: Connection, entity: str, action: str) -> dict[str, Any]:
    """The `after` of the newest row of this entity and action (a pass's record of what it
    used), or {} when there is none."""
    table = AuditEvent.__table__
    after = conn.execute(sa.select(table.c.after).where(
        table.c.entity == entity, table.c.action == action)
        .order_by(table.c.id.desc()).limit(1)).scalar()
    return after or {}


def _require_reader(session: Session, actor_name: str, attempted: str) -> None:
    """The audit trail is for active leads and admins; anyone else is refused (and the
    refusal recorded, by the session scope)."""
    from db.queries import user_row
    from lossmit_tui.domain.enums import Role
    from lossmit_tui.services.errors import PermissionDenied

    # From the store, not `services.users.require_user`: users imports this module.
    actor = user_row(session, actor_name)
    if actor.role == Role.SPECIALIST or not actor.active:
        raise PermissionDenied(f"The audit trail is for leads and admins; {actor.username} is "
                               f"{'a specialist' if actor.active else 'deactivated'}",
                               actor_name=actor.username, attempted=attempted)


def verify_trail(ws: "Workspace", head: tuple[int, str] | None = None) -> "ChainReport":
    """Check the audit trail's hash chain end to end (leads and admins), in one read
    transaction so the chain does not move under the check."""
    from db.audit_chain import verify

    with ws.session() as session:
        _require_reader(session, ws.username, "verifying the audit trail")
        return verify(session.connection(), head)


def readable_filter(session: Session, actor_name: str, f: "AuditFilter") -> "AuditFilter":
    """The audit trail is for leads and admins (a specialist's attempt is refused and
    recorded). Resolves the filter's loan number to its case; an unknown loan or user is
    an error, not an empty answer."""
    import sqlalchemy as sa

    from db.queries import AuditFilter
    from db.tables import cases, users
    from lossmit_tui.services.errors import NotFound

    _require_reader(session, actor_name, "reading the audit trail")
    conn = session.connection()
    case_id = None
    if f.loan_number:
        case_id = conn.execute(sa.select(cases.c.id).where(
            cases.c.loan_number == f.loan_number.strip())).scalar()
        if case_id is None:
            raise NotFound(f"no case with loan number {f.loan_number!r}")
    if f.username and conn.execute(sa.select(users.c.id).where(
            users.c.username == f.username)).scalar() is None:
        raise NotFound(f"no user {f.username!r} (see lossmit users list)")
    return AuditFilter(case_id, f.loan_number, f.username, f.since, f.action)
