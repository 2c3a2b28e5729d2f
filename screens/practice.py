"""The practice panel (`lossmit demo --practice`): the lessons, the chosen lesson's checklist
with a tick for each step done and the rule behind it, and for leads who finished which
lesson.

The app installs the panel once, so it stays alive when the trainee goes back to work: on
every store change it asks the checker whether what the trainee just did meets a step, and
says so in a toast wherever they are. Lesson text comes from files a servicer edits: it is
shown as plain text, never markup.
"""

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Header, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker

from lossmit_tui.domain.lessons import Lesson
from lossmit_tui.domain.values import display_text
from lossmit_tui.services.errors import ServiceError
from lossmit_tui.services.practice import (
    LessonProgress,
    MemberProgress,
    Tick,
    check_progress,
    load_lessons,
    my_progress,
    start_lesson,
    team_progress,
)
from lossmit_tui.widgets.footer import KeyFooter
from screens.base import Confirm, LossMitScreen, local_time


def _plain(text: str) -> Content:
    """Lesson or stored text as plain content (never markup)."""
    return Content(display_text(text))


def _mark(progress: LessonProgress) -> str:
    if progress.finished:
        return "✓"
    if progress.started:
        return f"{progress.count}/{len(progress.lesson.steps)}"
    return "·"


def checklist(progress: LessonProgress) -> list[Static]:
    """A lesson: its title and who it is for, where the trainee stands, then each step with
    its tick, what to do and the rule behind it (with its citation)."""
    lesson = progress.lesson
    head: list[Content | tuple[str, str] | str] = [
        (display_text(lesson.title), "$primary bold"),
        (f"  for {lesson.audience}s", "$text-muted")]
    if lesson.summary:
        head += ["\n", _plain(lesson.summary)]
    if progress.finished:
        state = ("Finished: every step done. s starts it again.", "$success bold")
    elif progress.started and progress.started_at is not None:
        state = (f"Started {local_time(progress.started_at)} · {progress.count} of "
                 f"{len(lesson.steps)} done: work in the app, steps tick as you do them",
                 "$accent")
    else:
        state = ("Not started: s starts it (only what you do afterwards counts)", "$warning")
    head += ["\n", state]
    shown = [Static(Content.assemble(*head), classes="practice-head")]
    for step in lesson.steps:
        ticked = progress.done.get(step.id)
        shown.append(Static(Content.assemble(
            ("[✓] " if ticked else "[ ] ", "$success bold" if ticked else "bold"),
            (display_text(step.title), "bold"),
            (f"  done {ticked:%H:%M}", "$success") if ticked else ""),
            classes="practice-step"))
        shown.append(Static(Content.assemble(
            ("Do: ", "$text-muted"), _plain(step.do), "\n",
            ("Rule: ", "$text-muted"), _plain(step.rule), ("  [", "$text-muted"),
            Content.styled(display_text(step.citation), "$accent"), ("]", "$text-muted")),
            classes="practice-step-body"))
    return shown


class PracticeScreen(LossMitScreen[None]):
    """The lessons, the chosen one's checklist, and (leads) the team's progress."""

    DEFAULT_CSS = """
    PracticeScreen #practice-title { height: auto; padding: 0 1; }
    PracticeScreen #practice-body { height: 1fr; }
    PracticeScreen #practice-lessons { width: 24; height: 100%; }
    PracticeScreen #practice-detail { width: 1fr; height: 100%; padding: 0 1; }
    PracticeScreen .practice-step { margin-top: 1; }
    PracticeScreen .practice-step-body { padding-left: 4; }
    PracticeScreen #practice-team { width: 1fr; height: 100%; }
    """
    BINDING_GROUP_TITLE = "Practice"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="practice.back",
                tooltip="Back to work (steps keep ticking off as you do them)"),
        Binding("s", "start", "Start lesson", id="practice.start",
                tooltip="Start the highlighted lesson (again: what was ticked is cleared)"),
        Binding("t", "team", "Team", id="practice.team",
                tooltip="Leads: who finished which lesson"),
        Binding("r", "check", "Check now", id="practice.check",
                tooltip="Read the lesson files again; tick what your work meets"),
    ]

    @dataclass
    class Checked(Message):
        ticks: list[Tick]
        progress: tuple[LessonProgress, ...]
        team: tuple[MemberProgress, ...] | None = None

    @dataclass
    class Failed(Message):
        error: str

    def __init__(self) -> None:
        super().__init__()
        self.lessons: tuple[Lesson, ...] = ()
        self.progress: tuple[LessonProgress, ...] = ()
        self.showing_team = False
        self.chosen = False  # the trainee moved the highlight: keep it there
        self.auto_id: str | None = None  # the lesson the panel highlighted by itself

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Content("Reading the lessons…"), id="practice-title")
        with Horizontal(id="practice-body"):
            yield OptionList(id="practice-lessons")
            yield VerticalScroll(id="practice-detail")
            yield DataTable(id="practice-team", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self._team_shown: tuple[MemberProgress, ...] | None = None
        self.query_one("#practice-team", DataTable).display = False
        # Not `follow_store`: the panel checks on every change, shown or not, so a step done
        # on the case screen is ticked (and said) there.
        self.host.store_changed.subscribe(self, self._store_signal)
        self.check()

    def _store_signal(self, change: int) -> None:
        self.check()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "team":
            return self.ws.user.leads  # not offered to a specialist
        return True

    # --- reading and ticking ------------------------------------------------------------

    @work(thread=True, exclusive=True, group="practice-check", exit_on_error=False,
          description="checking your practice steps")
    def check(self) -> None:
        try:
            lessons = self.lessons or load_lessons()
        except ServiceError as exc:
            self.post_message(self.Failed(str(exc)))
            return
        self.lessons = lessons
        ticks = check_progress(self.ws, lessons)
        team = team_progress(self.ws, lessons) if self.showing_team else None
        self.post_message(self.Checked(ticks, my_progress(self.ws, lessons), team))

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.query_one("#practice-title", Static).update(Content(
            f"The lessons could not be read: {display_text(message.error)}. Fix the file "
            "and press r."))

    @on(Checked)
    def _checked(self, message: Checked) -> None:
        for tick in message.ticks:
            said = f"✓ {tick.lesson.short}: {tick.step.title}"
            if tick.finished:
                said += f". Lesson finished: {tick.lesson.title}"
            self.notify(display_text(said), title="Practice", timeout=8, markup=False)
        self.progress = message.progress
        done = sum(1 for p in self.progress if p.finished)
        mine = [p for p in self.progress if self._for_me(p.lesson)]
        self.query_one("#practice-title", Static).update(Content.assemble(
            ("Practice", "bold"), " · ", Content(display_text(self.ws.username)),
            f" · {done} of {len(self.progress)} lessons finished",
            (" · ✓ finished, 1/2 steps done, · not started · t back to the lessons"
             if self.showing_team else " · s starts one · Esc to work", "$text-muted")))
        lessons = self.query_one("#practice-lessons", OptionList)
        keep = lessons.highlighted
        lessons.clear_options()
        lessons.add_options([Option(Content.assemble(
            (f"{_mark(p):>3} ", "$success bold" if p.finished else "$accent"),
            _plain(p.lesson.short),
            (" (lead)" if p.lesson.audience == "lead" else "", "$text-muted")), id=p.lesson.id)
            for p in self.progress])
        if not self.chosen or keep is None:
            current = next((p for p in self.progress if p.started and not p.finished),
                           next((p for p in mine if not p.started), None))
            keep = self.progress.index(current) if current is not None else 0
        self.auto_id = self.progress[keep].lesson.id if self.progress else None
        lessons.highlighted = keep
        self._show(keep)
        if message.team is not None:
            self._show_team(message.team)

    def _for_me(self, lesson: Lesson) -> bool:
        return lesson.audience == "specialist" or self.ws.user.leads

    @work(exclusive=True, group="practice-show", exit_on_error=False,
          description="showing the lesson")
    async def _show(self, index: int | None) -> None:
        if index is None or not 0 <= index < len(self.progress):
            return
        box = self.query_one("#practice-detail", VerticalScroll)
        await box.remove_children()
        await box.mount_all(checklist(self.progress[index]))

    @on(OptionList.OptionHighlighted, "#practice-lessons")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_index != self._current_index():
            return
        if event.option.id != self.auto_id:  # the trainee's choice: the checker keeps it
            self.chosen = True
        self._show(event.option_index)

    def _current_index(self) -> int | None:
        return self.query_one("#practice-lessons", OptionList).highlighted

    # --- acting ----------------------------------------------------------------------------

    @on(OptionList.OptionSelected, "#practice-lessons")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.action_start()

    def action_start(self) -> None:
        """Start the highlighted lesson; a started one is asked about first (its ticks go)."""
        index = self._current_index()
        if index is None or not 0 <= index < len(self.progress):
            return
        progress = self.progress[index]
        if not progress.started:
            self.start(progress.lesson.id, None)
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.start(progress.lesson.id, progress.start_id)

        self.app.push_screen(Confirm(
            f"Start {display_text(progress.lesson.title)!r} again? The {progress.count} "
            "step(s) ticked are cleared; only what you do from now on counts."), confirmed)

    @work(thread=True, exclusive=True, group="practice-start", exit_on_error=False,
          description="starting the lesson")
    def start(self, lesson_id: str, seen: int | None) -> None:
        app = self.app
        try:
            start_lesson(self.ws, self.lessons, lesson_id, seen)
        except ServiceError as exc:
            app.call_from_thread(self.notify, f"Not started: {display_text(str(exc))}",
                                 severity="error", timeout=10, markup=False)
            app.call_from_thread(self.check)
            return
        lesson = next(x for x in self.lessons if x.id == lesson_id)
        app.call_from_thread(self.check)
        app.call_from_thread(self.notify, display_text(
            f"Started: {lesson.title}. First: {lesson.steps[0].title}. Esc goes back to "
            "work; steps tick as you do them."), title="Practice", markup=False)

    def action_check(self) -> None:
        """Read the lesson files again and look again at what was done (the store's changes
        do the looking by themselves)."""
        self.lessons = ()
        self.check()

    def action_team(self) -> None:
        """Leads: show who finished which lesson, or the lessons again."""
        if not self.ws.user.leads:
            self.notify("Who finished which lesson is for leads.", severity="warning",
                        markup=False)
            return
        self.showing_team = not self.showing_team
        self.query_one("#practice-team", DataTable).display = self.showing_team
        self.query_one("#practice-detail").display = not self.showing_team
        self.query_one("#practice-lessons").display = not self.showing_team
        if self.showing_team:
            self.query_one("#practice-team", DataTable).focus()
        else:
            self.query_one("#practice-lessons", OptionList).focus()
        self.check()

    def _show_team(self, members: tuple[MemberProgress, ...]) -> None:
        if members == self._team_shown:
            return  # a check that found nothing new keeps the table (and its cursor) as it is
        self._team_shown = members
        table = self.query_one("#practice-team", DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        table.add_columns("Person", "Role", *[display_text(x.short) for x in self.lessons],
                          "Finished")
        for member in members:
            cells = [Text(_mark(p), style="bold green" if p.finished else "")
                     for p in member.lessons]
            finished = sum(1 for p in member.lessons if p.finished)
            name = display_text(member.username) + ("" if member.active else " (inactive)")
            table.add_row(Text(name), Text(display_text(member.role)), *cells,
                          Text(f"{finished} of {len(member.lessons)}"))
        if members:
            table.move_cursor(row=min(max(row, 0), len(members) - 1))

    def worker_failed(self, worker: Worker[object], error: BaseException) -> None:
        if worker.group == "practice-check" and not self.progress:
            self.query_one("#practice-title", Static).update(Content(
                "Could not read your practice progress (see the message); r tries again."))

    def commands(self) -> list[SystemCommand]:
        """The panel's actions, for the command palette."""
        found = [SystemCommand("Start the highlighted lesson", "Only what you do afterwards "
                               "counts", self.action_start),
                 SystemCommand("Check my practice steps now", "", self.action_check)]
        if self.ws.user.leads:
            found.append(SystemCommand("Who finished which lesson", "Leads",
                                       self.action_team))
        return found
