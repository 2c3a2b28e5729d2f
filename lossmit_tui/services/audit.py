"""The audit trail: one append-only row for every change, in the change's transaction."""

from typing import Any

from sqlmodel import Session

from db.models import AuditEvent, User


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
