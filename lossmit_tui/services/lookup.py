"""Find a loan anywhere in the book the user may read (an inbound call): by loan number,
phone or borrower name, under the one access rule (services/access.py)."""

from db.queries import QueueRow, find_cases
from lossmit_tui.services.access import case_scope, require_active
from lossmit_tui.services.users import require_user
from lossmit_tui.services.workspace import Workspace

FIND_LIMIT = 50  # a picker longer than this is a search to narrow, not a list to read


def find_loans(ws: Workspace, text: str, limit: int = FIND_LIMIT) -> list[QueueRow]:
    """The cases matching `text` that the user may open (own, unassigned, a lead's team,
    every case for an admin), open ones first; a deactivated user is refused (audited)."""
    with ws.session() as session:
        actor = require_user(session, ws.username)
        require_active(actor, "looking up a loan", {"search": text[:40]})
        return find_cases(session, " ".join(text.split()), case_scope(actor), limit)
