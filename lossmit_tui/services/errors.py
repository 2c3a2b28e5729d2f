"""Errors a service raises for a person to read: what went wrong and what to do next."""

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


class ServiceError(Exception):
    """A refused action; the message is meant for the user."""


class NotFound(ServiceError):
    pass


class UnknownUser(ServiceError):
    def __init__(self, username: str) -> None:
        super().__init__(
            f"Unknown user {username!r}. Add them with: "
            f"lossmit users add {username} --name 'Full Name' --role specialist "
            "(or choose another with --user or LOSSMIT_USER)"
        )
        self.username = username


class InvalidInput(ServiceError):
    pass


class PermissionDenied(ServiceError):
    """The user's role does not allow this. The attempt is audited: `session_scope` calls
    `record_refusal` after rolling the refused transaction back, so the record survives it."""

    def __init__(self, message: str, *, actor_name: str, attempted: str,
                 detail: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.actor_name, self.attempted, self.detail = actor_name, attempted, detail or {}

    def record_refusal(self, engine: "Engine") -> None:
        """Write the audit row of the refused attempt, in a transaction of its own."""
        import sqlalchemy as sa

        from db.engine import session_scope
        from db.tables import audit_events, users

        with session_scope(engine, write=True) as session:
            conn = session.connection()
            actor_id = conn.execute(sa.select(users.c.id).where(
                users.c.username == self.actor_name)).scalar()
            conn.execute(audit_events.insert().values(
                at=datetime.now(UTC), user_id=actor_id, username=self.actor_name,
                entity="permission", entity_id=None, action="refused",
                after={"attempted": self.attempted, "message": str(self), **self.detail}))


class Conflict(ServiceError):
    """Someone else changed the record since it was read."""
