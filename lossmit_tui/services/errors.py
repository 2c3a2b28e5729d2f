"""Errors a service raises for a person to read: what went wrong and what to do next."""


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


class Conflict(ServiceError):
    """Someone else changed the record since it was read."""
