"""LossMitApp: screens, global bindings and the current user."""

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime

from sqlalchemy.engine import Engine
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from db.queries import UserContext
from lossmit_tui.config import Settings
from screens.queue import QueueScreen


class LossMitApp(App[None]):
    """The loss-mitigation work queue."""

    CSS_PATH = "app.tcss"
    TITLE = "lossmit"
    BINDING_GROUP_TITLE = "Everywhere"
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Leave lossmit"),
        Binding("question_mark", "toggle_keys", "Keys", key_display="?", id="app.keys",
                tooltip="Show or hide the key map"),
    ]

    def __init__(self, engine: Engine, username: str, today: date, settings: Settings,
                 view: str = "mine", context: UserContext | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        super().__init__()
        self.preloaded = context
        self.clock = clock or (lambda: datetime.now(UTC))
        self.engine = engine
        self.username = username
        self.today = today
        self.settings = settings
        self.initial_view = view

    def on_mount(self) -> None:
        self.sub_title = f"{self.username} · {self.today.isoformat()}"
        self.push_screen(QueueScreen(self.initial_view))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        commands = getattr(screen, "commands", None)
        if callable(commands):
            yield from commands()

    def on_resize(self) -> None:
        self.set_class(self.size.width < 100, "-narrow")

    def action_toggle_keys(self) -> None:
        """Show the key map of the current screen, or hide it if shown."""
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()


def make_app(engine: Engine, username: str, today: date, settings: Settings,
             view: str = "mine", context: UserContext | None = None,
             clock: Callable[[], datetime] | None = None) -> LossMitApp:
    """The app, built the same way for the CLI and the tests. `context` (already read by
    the CLI) saves the queue a round trip to the database before its first page; `clock`
    (aware "now") lets tests pin the time of day."""
    return LossMitApp(engine, username, today, settings, view, context, clock)
