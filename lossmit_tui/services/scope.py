"""The cases a user may act on, as one SQL condition, without the ORM (`services/access.py`
applies it to a `User` row; the reading commands, which do not load the ORM, to the user as
`db.queries.user_row` reads them)."""

import sqlalchemy as sa

from db.tables import cases, users
from lossmit_tui.domain.enums import Role


def scope_of(user_id: int | None, role: str, team: str | None,
             table: sa.Table = cases) -> sa.ColumnElement[bool]:
    """The cases the user `user_id` (of `role`, in `team`) may act on, as a condition on the
    cases `table`: their own and unassigned cases, a lead's team members' cases too, an
    admin's every case. (Whether the user is active is `require_active`'s question.)"""
    if role == Role.ADMIN:
        return sa.true()
    mine = sa.or_(table.c.assignee_id.is_(None), table.c.assignee_id == user_id)
    if role == Role.LEAD and team is not None:
        members = users.alias("team_members")  # never correlated with a query's own users
        return sa.or_(mine, table.c.assignee_id.in_(
            sa.select(members.c.id).where(members.c.team == team)))
    return mine
