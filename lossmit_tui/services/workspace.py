"""The workspace: everything a command, a screen or a write service needs to act, built once.

The CLI and the test fixtures build one `Workspace` (the store, the settings, who is at the
keyboard, today's date, the clock, the business calendar and the urgency weights) and hand it
down: to `make_app`, to every screen through one typed accessor, and to the write services.

Transactions belong to the service layer. A write service takes the workspace, opens the one
transaction its change needs (`ws.write()`), writes the change and its audit rows there, and
commits or rolls back as a whole; a batch service (the clock pass, a reassignment) opens one
transaction per step. Screens and commands never open a write transaction themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection, Engine

from db.engine import read_scope, session_scope
from lossmit_tui.config import Settings

if TYPE_CHECKING:
    from sqlmodel import Session

    from lossmit_tui.domain.calendar import BusinessCalendar


def utc_now() -> datetime:
    """The real time, aware, in UTC (the clock a workspace has unless a test pins one)."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is at the keyboard, as the store knew them when the workspace was built. The
    services read the user again inside each transaction before they decide (a role or an
    active flag may have changed since); this copy is for showing and choosing views."""

    username: str
    user_id: int | None = None
    role: str | None = None
    team: str | None = None
    active: bool = True

    @property
    def known(self) -> bool:
        """Whether the store has this user."""
        return self.user_id is not None

    @property
    def leads(self) -> bool:
        """A lead or an admin (the team board, reassignment and the audit trail)."""
        return self.role in ("lead", "admin")


@dataclass(frozen=True, eq=False)
class Workspace:
    """One frozen bundle of the store, the settings, the user, the date and the clock."""

    engine: Engine
    settings: Settings
    user: Actor
    today: date
    clock: Callable[[], datetime] = utc_now

    @cached_property
    def calendar(self) -> BusinessCalendar:
        """The business-day calendar of the settings' holiday policy, built when first
        needed (the holiday tables cost a quarter of a second to load: not before the
        queue's first paint)."""
        from lossmit_tui.domain.calendar import BusinessCalendar

        return BusinessCalendar(self.settings.exclude_observed_holidays)

    @property
    def username(self) -> str:
        return self.user.username

    @property
    def weights(self) -> Mapping[str, float]:
        """The urgency weights in force (configuration)."""
        return self.settings.urgency_weights

    def now(self) -> datetime:
        """The current moment, aware (pinned in tests)."""
        return self.clock()

    def receipt_day(self) -> date:
        """The servicer's calendar day now (`servicer_timezone`): the day a document or an
        application received at this moment is received on."""
        from lossmit_tui.domain.calendar import servicer_day

        return servicer_day(self.now(), self.settings.servicer_timezone)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """The one write transaction of a service call (SQLite's write lock taken up front)."""
        with session_scope(self.engine, write=True) as session:
            yield session

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read transaction with the ORM (for services that read through models)."""
        with session_scope(self.engine) as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction on a plain connection (screens' loads, printing commands)."""
        with read_scope(self.engine) as conn:
            yield conn

    def as_user(self, username: str) -> Workspace:
        """The same workspace for another person (read from the store)."""
        return replace(self, user=read_actor(self.engine, username))

    def on(self, today: date) -> Workspace:
        """The same workspace on another day."""
        return replace(self, today=today)


def read_actor(engine: Engine, username: str) -> Actor:
    """The user as the store has them, or an unknown actor with just the name (a new store,
    or a name still to be added)."""
    import sqlalchemy as sa

    from db.tables import users

    with read_scope(engine) as conn:
        row = conn.execute(sa.select(users.c.id, users.c.role, users.c.team, users.c.active)
                           .where(users.c.username == username)).first()
    if row is None:
        return Actor(username)
    return Actor(username, row.id, row.role, row.team, bool(row.active))


def open_workspace(engine: Engine, settings: Settings, username: str, today: date,
                   clock: Callable[[], datetime] | None = None) -> Workspace:
    """The workspace for `username` on `today`, the user read from the store."""
    return Workspace(engine=engine, settings=settings, user=read_actor(engine, username),
                     today=today, clock=clock or utc_now)


def identify(engine: Engine, named: str | None, fallback: str) -> str:
    """Who is at the keyboard. On SQLite: the user `named` (--user, LOSSMIT_USER or the
    config file), else `fallback` (the operating-system login): whoever can write the file
    can do anything with it anyway. On PostgreSQL the database login decides: a login that
    is a lossmit user is that user, and naming anyone else is refused; the store's owner
    login may name any user (it is for setting the store up); any other login is refused."""
    if engine.dialect.name != "postgresql":
        return named or fallback
    import sqlalchemy as sa

    from db.roles import login_of
    from db.tables import users
    from lossmit_tui.domain.errors import WrongIdentity

    with read_scope(engine) as conn:
        login = login_of(conn)
        mapped = conn.execute(sa.select(users.c.id).where(
            users.c.username == login.name)).first() is not None
    if mapped:
        if named is not None and named != login.name:
            raise WrongIdentity(
                f"you are connected to the database as {login.name}: you can act only as "
                f"{login.name}, not {named} (leave out --user, LOSSMIT_USER and the config "
                "file's user, or connect with that person's own login)")
        return login.name
    if login.owner:
        return named or fallback
    raise WrongIdentity(
        f"the database login {login.name} is not a lossmit user: ask an admin to run "
        f"`lossmit users add {login.name} --name ... --role ... --login`")
