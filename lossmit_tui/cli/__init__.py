"""The `lossmit` command, one module per command group: `queue` (the TUI, `queue`, `tasks`),
`cases` (`import`, `export`, `export-case`, `event`, `evaluate`), `reports` (`report`),
`team` (`reassign`, `audit`, `users ...`), `letters` (`letters ...`) and `store` (`db ...`,
`seed`, `demo`, `refresh`); `shared` holds the options, the workspace set-up and the output
formats they all use.

Building the CLI imports every group module, which import only typer and the settings:
commands that only print never import Textual (scripts, cron).
"""

from lossmit_tui.cli import (  # noqa: F401  (each adds its commands)
    cases,
    complaints,
    letters,
    queue,
    reports,
    store,
    team,
)
from lossmit_tui.cli.shared import app

__all__ = ["app", "main"]

# `lossmit --help` lists the commands, then the groups, in the order they have always had,
# whatever order the group modules are imported in (a name not listed here goes last).
HELP_ORDER = ("demo", "seed", "import", "export", "queue", "refresh", "evaluate", "event",
              "tasks", "report", "reassign", "audit", "export-case", "foreclosure", "complaint",
              "complaints", "letters", "users", "db")


def _help_rank(name: str | None) -> int:
    return HELP_ORDER.index(name) if name in HELP_ORDER else len(HELP_ORDER)


app.registered_commands.sort(key=lambda command: _help_rank(command.name))
app.registered_groups.sort(key=lambda group: _help_rank(group.name))


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point. A store or a file that fails in a command that does not
    expect it still ends in one line and exit status 1, never a traceback."""
    import typer

    from lossmit_tui.cli.shared import user_errors

    try:
        with user_errors():
            app(args=argv, prog_name="lossmit")
    except typer.Exit as stop:
        raise SystemExit(stop.exit_code) from None
