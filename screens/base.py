"""What every lossmit screen shares: the workspace, the app's navigation, the store-change
signal and one handler for failed workers.

Screens never reach for loose app attributes or import each other to navigate: they read the
frozen `Workspace` through `self.ws` and ask the app (`self.host`) to open a case, a queue, the
board, the tracker or a form. The app is the only module that knows every screen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Protocol, TypeVar, runtime_checkable

from textual import events
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.signal import Signal
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from lossmit_tui.domain.values import display_text
from lossmit_tui.services.errors import ServiceError
from lossmit_tui.services.workspace import Workspace
from lossmit_tui.widgets.footer import KeyFooter

log = logging.getLogger("lossmit")

Done = Callable[[bool | None], None] | None
ResultT = TypeVar("ResultT")


@runtime_checkable
class Host(Protocol):
    """What a screen may ask of the app."""

    workspace: Workspace
    store_changed: Signal[int]

    def open_case(self, case_id: int) -> None: ...
    def open_queue(self, view: str, *, assignee: str = "", back: bool = False) -> None: ...
    def open_board(self) -> None: ...
    def open_reports(self) -> None: ...
    def open_loans(self, case_ids: tuple[int, ...], label: str) -> None: ...
    def open_tracker(self) -> None: ...
    def open_audit(self) -> None: ...
    def open_reassign(self, *, case_ids: tuple[int, ...] = (), subject: str = "",
                      from_user: str | None = None, done: Done = None) -> None: ...
    def open_call_editor(self, case_id: int, *, amends_id: int | None = None,
                         done: Done = None) -> None: ...
    def open_task_editor(self, case_id: int, loan_number: str, borrower: str, *,
                         done: Done = None) -> None: ...
    def open_evaluation(self, case_id: int, *, done: Done = None) -> None: ...
    def open_financials(self, case_id: int, subject: str, owed_cents: int, *,
                        done: Done = None) -> None: ...
    def report_failure(self, worker: Worker[object], error: BaseException) -> None: ...


@runtime_checkable
class CommandSource(Protocol):
    """A screen that offers its actions to the command palette."""

    def commands(self) -> Iterable[SystemCommand]: ...


def host_of(node: DOMNode) -> Host:
    """The running lossmit app, typed."""
    app = node.app
    if not isinstance(app, Host):
        raise TypeError(f"{type(app).__name__} is not a lossmit app")
    return app


class WorkspaceMixin:
    """The workspace and the app's services, typed, for any screen."""

    @property
    def host(self) -> Host:
        assert isinstance(self, DOMNode)
        return host_of(self)

    @property
    def ws(self) -> Workspace:
        return self.host.workspace

    @property
    def today(self) -> date:
        return self.ws.today

    def worker_failed(self, worker: Worker[object], error: BaseException) -> None:
        """Clear what the failed worker would have filled (a screen's own states)."""

    def _on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # By name, not @on: the decorator's handlers are collected only on message pumps.
        if event.state is not WorkerState.ERROR or event.worker.error is None:
            return
        error = event.worker.error
        self.worker_failed(event.worker, error)
        self.host.report_failure(event.worker, error)


class LossMitScreen(WorkspaceMixin, Screen[ResultT]):
    """A full screen that follows the store: `store_change(n)` runs when someone writes while
    the screen is shown, and once when it is shown again after writes made while hidden."""

    _seen_change = 0
    _missed_change: int | None = None

    def follow_store(self, seen: int) -> None:
        """Start following store changes after `seen` (the change number already read)."""
        self._seen_change = seen
        self.host.store_changed.subscribe(self, self._on_store_signal)

    def _on_store_signal(self, change: int) -> None:
        if change <= self._seen_change:
            return
        if self.in_view:
            self._seen_change = change
            self.store_change(change)
        else:
            self._missed_change = change

    @property
    def in_view(self) -> bool:
        """On top, or under modal dialogs only (so still in view)."""
        stack = self.app.screen_stack
        if self not in stack:
            return False
        return all(isinstance(s, ModalScreen) for s in stack[stack.index(self) + 1:])

    def on_screen_resume(self) -> None:
        missed, self._missed_change = self._missed_change, None
        if missed is not None and missed > self._seen_change:
            self._seen_change = missed
            self.store_change(missed)

    def store_change(self, change: int) -> None:
        """Someone (this user included) wrote to the store: re-read what is shown."""

    def commands(self) -> Iterable[SystemCommand]:
        """This screen's actions for the command palette."""
        return ()


class OwnKeys:
    """A modal's own key footer, over the footer of the screen beneath (whose keys do not
    reach it): a dialog shows the keys that work in it, and q and ?."""

    def _on_mount(self, event: events.Mount) -> None:
        # By name, not @on (collected only on message pumps); every class's handler of the
        # MRO runs, so a dialog's own on_mount does not replace this one.
        assert isinstance(self, Screen)
        self.mount(KeyFooter(classes="modal-footer"))


class LossMitModal(OwnKeys, WorkspaceMixin, ModalScreen[ResultT]):
    """A modal form or dialog with the workspace and the failure handler."""


def local_time(moment: datetime) -> str:
    """A stored UTC moment in the user's own time (the computer's zone), with its zone."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone().strftime("%Y-%m-%d %H:%M %Z").rstrip()


def withdraw_notices(app: App[object], title: str) -> None:
    """Take down the toasts with this title (a "Filter not applied" once a valid filter is
    applied), leaving every other. Textual 8 offers only clearing them all, so this removes
    them the way a toast's own timeout does."""
    for notice in [n for n in app._notifications if n.title == title]:
        app._unnotify(notice, refresh=False)
    app._refresh_notifications()


def describe_failure(worker: Worker[object], error: BaseException) -> str:
    """What could not be done, and why, in words for the person at the keyboard."""
    what = worker.description or worker.name.replace("_", " ")
    if isinstance(error, ServiceError):  # its message can quote stored text (a loan number)
        return f"Not done ({what}): {display_text(str(error))}"
    reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    return (f"Could not finish {what}: {reason}. Check that the database is there and "
            "reachable, then try again (r reloads a list; a form keeps what you typed).")


def log_failure(worker: Worker[object], error: BaseException) -> None:
    """Log a worker's failure with its traceback (the Python log: a file when the CLI set
    one up)."""
    log.error("%s failed", worker.description or worker.name, exc_info=error)


class Confirm(OwnKeys, ModalScreen[bool]):
    """A yes/no question (y / n, Enter for yes, Escape for no)."""

    BINDINGS = [Binding("y,enter", "dismiss(True)", "Yes", id="confirm.yes"),
                Binding("n,escape", "dismiss(False)", "No", id="confirm.no")]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(Content(self.question))
            yield Static(Content("y yes · n no"), classes="modal-hint")
