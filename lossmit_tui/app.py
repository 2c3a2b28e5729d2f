"""LossMitApp: the workspace, navigation between screens, the command palette, the one
store-change watcher, worker failures and the user's key map."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.signal import Signal
from textual.worker import Worker

from db.queries import UserContext, latest_change
from lossmit_tui.services.workspace import Workspace
from screens.base import CommandSource, Done, describe_failure, log, log_failure
from screens.queue import Filters, QueueScreen

POLL_SECONDS = 1.0  # SQLite: how often the watcher asks whether anyone wrote
LISTEN_TIMEOUT = 5.0  # PostgreSQL: the longest the listener waits before it looks anyway

# Every module whose screens, forms and widgets have bindings a user may rebind. The other
# screens are imported when first opened (or when a key map must be checked): the first
# paint of the queue needs none of them, nor the ORM that the write services bring.
BINDING_MODULES = ("lossmit_tui.widgets.queue_table", "screens.queue", "screens.case",
                   "screens.call_editor", "screens.task_editor", "screens.tracker",
                   "screens.board", "screens.audit", "screens.reassign", "screens.evaluation",
                   "screens.financials", "screens.forms", "screens.jump",
                   "screens.practice", "screens.reports")


def binding_ids() -> dict[str, str]:
    """Every binding id the key map can name -> its default key(s)."""
    from importlib import import_module

    found: dict[str, str] = {}
    owners: list[type] = [LossMitApp]
    for name in BINDING_MODULES:
        module = import_module(name)
        owners += [obj for obj in vars(module).values()
                   if isinstance(obj, type) and obj.__module__ == module.__name__]
    for owner in owners:
        for binding in vars(owner).get("BINDINGS", ()):
            if isinstance(binding, Binding) and binding.id:
                found.setdefault(binding.id, binding.key)
    return found


class KeymapError(ValueError):
    """A [keymap] entry names no binding, or gives no key."""


def check_keymap(keymap: Mapping[str, str]) -> dict[str, str]:
    """The user's key map, checked against the binding ids the app has."""
    known = binding_ids()
    unknown = sorted(set(keymap) - set(known))
    if unknown:
        raise KeymapError(f"[keymap] names no binding: {', '.join(unknown)} (binding ids look "
                          f"like queue.search or case.log_call; `?` in the app lists the keys)")
    empty = sorted(name for name, keys in keymap.items() if not keys.strip())
    if empty:
        raise KeymapError(f"[keymap] gives no key for: {', '.join(empty)}")
    return dict(keymap)


class LossMitApp(App[None]):
    """The loss-mitigation work queue."""

    CSS_PATH = "app.tcss"
    TITLE = "lossmit"
    BINDING_GROUP_TITLE = "Everywhere"
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Leave lossmit"),
        Binding("question_mark", "toggle_keys", "Keys", key_display="?", id="app.keys",
                tooltip="Show or hide the key map"),
        Binding("ctrl+g", "jump", "Go to loan", show=False, id="app.jump",
                tooltip="Open any case you may read by loan number, phone or name"),
        # Practice mode only (`lossmit demo --practice`): see check_action. Outside it the
        # same key says where the lessons are instead of doing nothing.
        Binding("p", "open_practice", "Practice", id="app.practice",
                tooltip="The practice lessons and their checklists"),
        Binding("p", "practice_only", "Practice (demo)", show=False, id="app.practice_only",
                tooltip="Practice lessons are in practice mode: lossmit demo --practice"),
    ]

    def __init__(self, workspace: Workspace, view: str = "mine",
                 context: UserContext | None = None, *, practice: bool = False,
                 greeting: str = "") -> None:
        super().__init__()
        self.workspace = workspace
        self.practice = practice  # practice mode: the lessons panel, ticking steps off
        self.greeting = greeting  # shown on the first screen (the demo: its users)
        self.preloaded = context
        self.initial_view = view
        self.store_changed: Signal[int] = Signal(self, "store_changed")
        self._last_change = context.change if context is not None else 0
        self._stop_watching = threading.Event()
        if workspace.settings.keymap:
            self.set_keymap(check_keymap(workspace.settings.keymap))

    def on_mount(self) -> None:
        self.sub_title = f"{self.workspace.username} · {self.workspace.today.isoformat()}"
        self.remember_theme()
        self.push_screen(QueueScreen(self.initial_view, context=self.preloaded))
        if self.practice:
            self.open_practice()
        if self.greeting:
            self.notify(self.greeting, title="Demo", timeout=20, markup=False)
        self.watch_store()
        self.check_protections()

    def remember_theme(self) -> None:
        """Start in the theme chosen last time (palette: "Change theme"), and keep each new
        choice for the next run (lossmit_tui/prefs.py)."""
        from lossmit_tui.prefs import load_prefs, save_pref

        chosen = load_prefs().get("theme")
        if isinstance(chosen, str) and chosen in self.available_themes:
            self.theme = chosen
        self.theme_changed_signal.subscribe(self, lambda theme: save_pref("theme", theme.name))

    @work(thread=True, exit_on_error=False, description="checking the audit trail's protection")
    def check_protections(self) -> None:
        """Say loudly, to everyone, when the audit trail's triggers are gone."""
        from db.protections import missing_protections, protection_warning

        missing = missing_protections(self.workspace.engine)
        if missing:
            self.call_from_thread(self.notify, protection_warning(missing), title="Audit trail",
                                  severity="error", timeout=60, markup=False)

    def on_unmount(self) -> None:
        self._stop_watching.set()

    # --- the store-change watcher --------------------------------------------------------

    def watch_store(self) -> None:
        """Start the one watcher: LISTEN on PostgreSQL, a cheap poll on SQLite."""
        if self.workspace.engine.dialect.name == "postgresql":
            self._listen()
        else:
            self.set_interval(POLL_SECONDS, self._poll)

    def _publish(self, change: int) -> None:
        if change != self._last_change:
            self._last_change = change
            self.store_changed.publish(change)

    @work(thread=True, exclusive=True, group="store-watch", exit_on_error=False,
          description="checking for changes by others")
    def _poll(self) -> None:
        with self.workspace.read() as conn:
            change = latest_change(conn)
        self.call_from_thread(self._publish, change)

    def _listen(self) -> None:
        """PostgreSQL: one thread of the app's own (not a worker: it runs for the app's whole
        life) waits for the store's change notification (every audited write raises one,
        see migration 0012), then reads the change number; it also looks every few seconds,
        and falls back to polling if the listening connection cannot be had or is lost."""
        thread = threading.Thread(target=self._listen_loop, name="lossmit-store-listener",
                                  daemon=True)
        thread.start()

    def _listen_loop(self) -> None:
        from db.notify import CHANNEL, listen_connection

        try:
            with listen_connection(self.workspace.engine) as conn:
                conn.execute(f"LISTEN {CHANNEL}")
                while not self._stop_watching.is_set():
                    for _ in conn.notifies(timeout=LISTEN_TIMEOUT, stop_after=1):
                        break
                    if self._stop_watching.is_set():
                        return
                    with self.workspace.read() as read:
                        change = latest_change(read)
                    self.call_from_thread(self._publish, change)
        except Exception as exc:  # the listener is lost: say so, and poll instead
            if self._stop_watching.is_set():
                return
            log.warning("listening for changes failed; polling instead", exc_info=exc)
            self.call_from_thread(self.set_interval, POLL_SECONDS, self._poll)

    # --- worker failures -----------------------------------------------------------------

    def report_failure(self, worker: Worker[object], error: BaseException) -> None:
        """One place for every failed worker: a message that says what and why, in the log
        with its traceback; the screen has already cleared its loading states."""
        log_failure(worker, error)
        self.notify(describe_failure(worker, error), title="Not done",
                    severity="error", timeout=12, markup=False)

    # --- navigation ----------------------------------------------------------------------

    def open_case(self, case_id: int) -> None:
        """The case screen."""
        from screens.case import CaseScreen

        self.push_screen(CaseScreen(case_id))

    def action_jump(self) -> None:
        """Ask for a loan number, phone or name and open the case (a picker if several)."""
        from screens.jump import JumpToLoan

        if isinstance(self.screen, JumpToLoan):
            return

        def chosen(case_id: int | None) -> None:
            if case_id is not None:
                self.open_case(case_id)

        self.push_screen(JumpToLoan(), chosen)

    def open_queue(self, view: str, *, assignee: str = "", back: bool = False) -> None:
        """A queue view (narrowed to one assignee), over the current screen."""
        self.push_screen(QueueScreen(view, Filters(assignee=assignee), back=back))

    def open_board(self) -> None:
        """The team board (leads)."""
        from screens.board import TeamBoard

        self.push_screen(TeamBoard())

    def open_reports(self) -> None:
        """The reports screen (the month's scorecard, trends, the loans behind a figure)."""
        from screens.reports import ReportsScreen

        self.push_screen(ReportsScreen())

    def open_loans(self, case_ids: tuple[int, ...], label: str) -> None:
        """These loans as a queue view (a report figure's drill-down): the whole book's view
        for a lead, one's own for a specialist; Escape returns."""
        view = "all" if self.workspace.user.leads else "mine"
        self.push_screen(QueueScreen(view, back=True, case_ids=case_ids, label=label))

    def open_tracker(self) -> None:
        """The due-date tracker."""
        from screens.tracker import TrackerScreen

        self.push_screen(TrackerScreen())

    def open_audit(self) -> None:
        """The audit trail (leads)."""
        from screens.audit import AuditScreen

        self.push_screen(AuditScreen())

    def open_reassign(self, *, case_ids: tuple[int, ...] = (), subject: str = "",
                      from_user: str | None = None, done: Done = None) -> None:
        """The reassignment form for some cases, or for everything a user owns."""
        from screens.reassign import ReassignCases

        self.push_screen(ReassignCases(case_ids=case_ids, subject=subject,
                                       from_user=from_user), done)

    def open_call_editor(self, case_id: int, *, amends_id: int | None = None,
                         done: Done = None) -> None:
        """The call-note editor (a new call, or an amendment of one)."""
        from screens.call_editor import CallEditor

        self.push_screen(CallEditor(case_id, amends_id=amends_id), done)

    def open_task_editor(self, case_id: int, loan_number: str, borrower: str, *,
                         done: Done = None) -> None:
        """The follow-up task form."""
        from screens.task_editor import TaskEditor

        self.push_screen(TaskEditor(case_id, loan_number, borrower), done)

    def open_evaluation(self, case_id: int, *, done: Done = None) -> None:
        """The workout options of a case."""
        from screens.evaluation import EvaluationScreen

        self.push_screen(EvaluationScreen(case_id), done)

    def open_financials(self, case_id: int, subject: str, owed_cents: int, *,
                        done: Done = None) -> None:
        """A new financial snapshot of a case."""
        from screens.financials import FinancialsForm

        self.push_screen(FinancialsForm(case_id, subject, owed_cents), done)

    def open_practice(self) -> None:
        """The practice panel (practice mode). Installed once, so it keeps ticking steps off
        while the trainee works on other screens."""
        from screens.practice import PracticeScreen

        if not self.is_screen_installed("practice"):
            self.install_screen(PracticeScreen(), "practice")
        if self.get_screen("practice") not in self.screen_stack:
            self.push_screen("practice")

    # --- palette and keys ----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_practice":  # practice mode only; not over a form, nor the panel
            return self.practice and not isinstance(self.screen, ModalScreen) and not (
                self.is_screen_installed("practice")
                and self.screen is self.get_screen("practice"))
        if action == "practice_only":
            return not self.practice and not isinstance(self.screen, ModalScreen)
        return True

    def action_practice_only(self) -> None:
        """`p` outside practice mode: say where the lessons are."""
        self.notify("The practice lessons open in practice mode, on the demo's book: "
                    "lossmit demo --practice (add --user NAME to practise as a demo user; "
                    "a lead sees there who finished which lesson). README: Training new "
                    "specialists.", title="Practice mode only", severity="warning",
                    markup=False)

    def action_open_practice(self) -> None:
        """Show the practice panel."""
        self.open_practice()

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Go to loan", "Open any case you may read by loan number, phone "
                            "or name (ctrl+g)", self.action_jump)
        if self.practice:
            yield SystemCommand("Practice lessons", "The lessons and their checklists",
                                self.open_practice)
        if isinstance(screen, CommandSource):
            yield from screen.commands()

    def on_resize(self) -> None:
        self.set_class(self.size.width < 100, "-narrow")

    def action_toggle_keys(self) -> None:
        """Show the key map of the current screen, or hide it if shown."""
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()


def make_app(workspace: Workspace, view: str = "mine",
             context: UserContext | None = None, *, practice: bool = False,
             greeting: str = "") -> LossMitApp:
    """The app, built the same way for the CLI and the tests. `context` (already read by
    the CLI) saves the queue a round trip to the database before its first page; `practice`
    opens the practice panel and keeps ticking lesson steps off."""
    return LossMitApp(workspace, view, context, practice=practice, greeting=greeting)
