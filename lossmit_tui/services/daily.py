"""The daily pass: bring stored urgency up to today, raise a task for every promise to pay
that was missed, keep the trial period plans' tasks in step with their payments, and start
the regulatory clocks that time alone has started.

`lossmit refresh` runs it over the whole book (nightly on a large caseload); the queue screen
runs it when the app starts, its own view's cases first and only the user's own clocks.
Each step commits batch by batch, as the services it calls do.
"""

from dataclasses import dataclass

from db.engine import session_scope
from db.history import record_status, stale_loans
from db.queries import QueueFilter
from lossmit_tui.services.access import require_active
from lossmit_tui.services.clock import SyncResult, refresh_clocks
from lossmit_tui.services.promises import raise_missed_promises
from lossmit_tui.services.trials import raise_trial_tasks
from lossmit_tui.services.urgency import refresh_stale
from lossmit_tui.services.users import find_user
from lossmit_tui.services.workspace import Workspace


@dataclass(frozen=True)
class DailyReport:
    """What one daily pass did."""

    urgency: int  # open cases whose urgency was recomputed for today
    missed_promises: int  # callback tasks raised for promises to pay that were missed
    clocks: SyncResult  # the regulatory clock pass: cases visited, deadlines added, ...
    trials: int = 0  # trial cases whose tasks changed (a payment missed, a grace passed, ...)
    history: int = 0  # status history intervals opened for loans changed behind its back


def run_daily_pass(ws: Workspace, *, first: QueueFilter | None = None,
                   assignees: tuple[int, ...] | None = None,
                   every_case: bool = False, check_history: bool = False) -> DailyReport:
    """Run the daily pass for `ws.today`, as `ws.username`, in this order:

    1. the urgency of the cases `first` selects (a screen's own view, so its rows settle
       first), then of every open case whose score is not for today;
    2. a callback task for every promise to pay that was missed;
    3. the trial period plans' tasks (a payment not received, a grace passed, a trial to
       convert) of the trials time changes today, of `assignees`' trial cases only when
       given, or with `every_case` of every trial;
    4. the regulatory clocks: those time has changed, of `assignees`' cases only when
       given (the app does the user's own; the whole book is `lossmit refresh`), or with
       `every_case` every open case's (a book loaded without its clocks);
    5. with `check_history` or `every_case`, the status history of the whole book
       (`record_history`): every loan whose row no longer matches its open interval, or that
       has none, gets one from today. Every path that changes a tracked value writes its
       history itself, so this is for a book changed outside lossmit; it reads every loan
       (about 0.8 s a 100,000 cases), more than the daily pass's budget, so it is asked for
       (`lossmit refresh --check-history`, `--all-clocks`), never run by default, and never
       for one user's pass (the app's at start).

    A deactivated user is refused (PermissionDenied, audited) before any step; a name the
    store does not know is not (nor are the steps on their own: `lossmit queue` brings the
    urgency it prints up to today for anyone)."""
    with ws.session() as session:
        actor = find_user(session, ws.username)
        if actor is not None:
            require_active(actor, "running the daily pass")
    urgency = 0
    if first is not None and first != QueueFilter():  # the empty filter is every case
        urgency += refresh_stale(ws, only=first)
    urgency += refresh_stale(ws)
    missed = raise_missed_promises(ws)
    trials = raise_trial_tasks(ws, assignees=assignees, every_case=every_case)
    clocks = refresh_clocks(ws, every_case=every_case, assignees=assignees)
    history = (record_history(ws) if assignees is None and (check_history or every_case)
               else 0)
    return DailyReport(urgency, missed, clocks, trials, history)


def record_history(ws: Workspace) -> int:
    """The daily pass's history step: find, in id order, the loans whose case row no longer
    matches their open status interval (a change written by a path that kept no history,
    a loan loaded before history began) and record their status as of `ws.today`, one
    write transaction per batch. Returns how many intervals were opened."""
    opened, after = 0, 0
    while True:
        with session_scope(ws.engine, write=True) as session:
            conn = session.connection()
            ids = stale_loans(conn, after)
            if not ids:
                break
            opened += record_status(conn, ws.today, ids)
            after = ids[-1]
    return opened
