"""People: add and look up the users who own and work cases."""

import re

from sqlmodel import Session, select

from db.models import User
from lossmit_tui.domain.enums import Role
from lossmit_tui.domain.values import clean_text
from lossmit_tui.services import audit
from lossmit_tui.services.access import require_active
from lossmit_tui.services.errors import InvalidInput, PermissionDenied, UnknownUser
from lossmit_tui.services.workspace import Workspace

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


def find_user(session: Session, username: str) -> User | None:
    """The user with this username, or None."""
    return session.exec(select(User).where(User.username == username)).first()


def require_user(session: Session, username: str) -> User:
    """The user with this username; an UnknownUser error saying how to add them otherwise."""
    user = find_user(session, username)
    if user is None:
        raise UnknownUser(username)
    return user


def _require_admin(session: Session, actor: User | None, actor_name: str, what: str,
                   username: str) -> None:
    """Managing users is for admins. Until the first admin exists (a new database), whoever
    sets it up may add people; never a deactivated user."""
    if actor is not None:
        require_active(actor, what, {"user": username})
    if actor is not None and actor.role == Role.ADMIN:
        return
    has_admin = session.exec(select(User.id).where(User.role == Role.ADMIN,
                                                   User.active.is_(True))).first()  # type: ignore[attr-defined]  # SQLModel column attribute
    if has_admin is None:
        return
    role = f"a {actor.role}" if actor else "not a user here"
    raise PermissionDenied(f"{what[0].upper() + what[1:]} is for admins; {actor_name} is {role}",
                           actor_name=actor_name, attempted=what, detail={"user": username})


def _add_user(
    session: Session,
    actor_name: str,
    username: str,
    display_name: str,
    role: str,
    team: str | None = None,
    *,
    login: bool = False,
    password: str | None = None,
) -> User:
    """Create a user after validating every field; audited as done by `actor_name`. With
    `login` (PostgreSQL), also their database login, in the same transaction."""
    if not _USERNAME.match(username):
        raise InvalidInput(
            f"username {username!r} must be lower-case letters, digits, '.', '_' or '-' "
            "(at most 64, starting with a letter or digit)"
        )
    name = clean_text(display_name)
    if not name:
        raise InvalidInput("--name must not be empty")
    if role not in Role.__members__.values():
        raise InvalidInput(f"role {role!r} must be one of: {', '.join(r.value for r in Role)}")
    team_name = clean_text(team) if team else None
    if find_user(session, username):
        raise InvalidInput(f"user {username!r} already exists")
    conn = session.connection()
    if login and conn.dialect.name != "postgresql":
        raise InvalidInput("database logins are for PostgreSQL stores; on SQLite the "
                           "operating-system login is who you are (leave out --login)")
    if login and not password:
        raise InvalidInput("a database login needs a password")
    actor = find_user(session, actor_name)
    _require_admin(session, actor, actor_name, "adding users", username)
    user = User(username=username, display_name=name, role=role, team=team_name or None)
    session.add(user)
    session.flush()
    if login:
        from db.roles import create_login

        create_login(conn, username, password, role == Role.ADMIN)
    audit.record(
        session, actor, "user", user.id, "create",
        after={"username": username, "display_name": name, "role": role, "team": team_name,
               **({"database_login": username} if login else {})},
        actor_name=actor_name,
    )
    return user


def _set_active(session: Session, actor_name: str, username: str, active: bool) -> User:
    """Deactivate (or reactivate) a user; admins only. Nothing is deleted: a deactivated
    user's open cases stay theirs and show as needing reassignment."""
    actor = require_user(session, actor_name)
    what = "deactivating users" if not active else "reactivating users"
    require_active(actor, what, {"user": username})
    if actor.role != Role.ADMIN:
        raise PermissionDenied(f"{what[0].upper() + what[1:]} is for admins; {actor.username} "
                               f"is a {actor.role}", actor_name=actor.username,
                               attempted=what, detail={"user": username})
    user = require_user(session, username)
    if user.active == active:
        raise InvalidInput(f"{username} is already {'active' if active else 'deactivated'}")
    if user.id == actor.id:
        raise InvalidInput("you cannot deactivate yourself")
    user.active = active
    session.add(user)
    if session.connection().dialect.name == "postgresql":
        from db.roles import set_login_enabled

        set_login_enabled(session.connection(), username, active)  # no login: nothing to do
    audit.record(session, actor, "user", user.id, "activate" if active else "deactivate",
                 before={"active": not active}, after={"username": username, "active": active})
    return user


def _give_login(session: Session, actor_name: str, username: str, password: str) -> User:
    """Give an existing user their own PostgreSQL login, or a new password for it; admins
    only. The audit row says that it was done, never the password."""
    actor = require_user(session, actor_name)
    require_active(actor, "giving a database login", {"user": username})
    if actor.role != Role.ADMIN:
        raise PermissionDenied(f"Giving a database login is for admins; {actor.username} is "
                               f"a {actor.role}", actor_name=actor.username,
                               attempted="giving a database login", detail={"user": username})
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        raise InvalidInput("database logins are for PostgreSQL stores; on SQLite the "
                           "operating-system login is who you are")
    if not password:
        raise InvalidInput("a database login needs a password")
    user = require_user(session, username)
    if not user.active:
        raise InvalidInput(f"{username} is deactivated: reactivate them first")
    from db.roles import create_login, login_exists

    existed = login_exists(conn, username)
    create_login(conn, username, password, user.role == Role.ADMIN)
    audit.record(session, actor, "user", user.id,
                 "login_password" if existed else "login_create",
                 after={"username": username, "database_login": username})
    return user


# --- the service entries: each takes the workspace and is one transaction -----


def add_user(ws: Workspace, username: str, display_name: str, role: str,
             team: str | None = None, *, login: bool = False,
             password: str | None = None) -> User:
    """Add a user (and, with `login`, their PostgreSQL login), in one transaction, audited
    as done by the workspace's user."""
    with ws.write() as session:
        return _add_user(session, ws.username, username, display_name, role, team,
                         login=login, password=password)


def set_active(ws: Workspace, username: str, active: bool) -> User:
    """Deactivate or reactivate a user (admins), in one transaction."""
    with ws.write() as session:
        return _set_active(session, ws.username, username, active)


def give_login(ws: Workspace, username: str, password: str) -> User:
    """Give an existing user a database login (or a new password), in one transaction."""
    with ws.write() as session:
        return _give_login(session, ws.username, username, password)
