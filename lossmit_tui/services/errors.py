"""Errors a service raises for a person to read: what went wrong and what to do next.

They are defined in `lossmit_tui.domain.errors`, below the store, so that `db` raises and
recognises them without importing the services (a refused attempt is audited by
`db.engine.session_scope`); services, screens and the CLI keep importing them from here."""

from lossmit_tui.domain.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    ServiceError,
    UnknownUser,
    WrongIdentity,
)

__all__ = [
    "Conflict",
    "InvalidInput",
    "NotFound",
    "PermissionDenied",
    "ServiceError",
    "UnknownUser",
    "WrongIdentity",
]
