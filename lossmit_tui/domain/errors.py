"""Errors a service raises for a person to read: what went wrong and what to do next.

Plain exceptions, kept below the store so that `db` can raise and recognise them without
importing the services; `lossmit_tui.services.errors` offers them under their usual name."""

from collections.abc import Mapping
from typing import Any


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


class WrongIdentity(ServiceError):
    """The person named is not the one the database login says is at the keyboard."""


class InvalidInput(ServiceError):
    pass


class PermissionDenied(ServiceError):
    """The user's role does not allow this. The attempt is audited: `db.engine.session_scope`
    records it after rolling the refused transaction back, so the record survives it."""

    def __init__(self, message: str, *, actor_name: str, attempted: str,
                 detail: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.actor_name, self.attempted = actor_name, attempted
        self.detail: dict[str, Any] = dict(detail or {})


class Conflict(ServiceError):
    """Someone else changed the record since it was read."""
