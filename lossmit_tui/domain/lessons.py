"""Practice lessons (README "Training new specialists"): what a lesson file says, the checks
that tick its steps off, and which recorded actions meet them. Pure: text in, lessons or a
`LessonError` naming the file and the key out; audit rows in, ticked steps out.

A lesson is a TOML file named after the lesson (`qrpc.toml` is lesson `qrpc`):

    order = 2                          # where it sits in the list (then by name)
    title = "Log a quality right-party call"
    short = "Quality call"             # the column heading of the leads' table
    audience = "specialist"            # or "lead"
    summary = "What the lesson teaches, in a sentence or two."

    [[steps]]
    id = "rpc"                         # a-z, 0-9, _ and -
    title = "Reach the borrower"
    do = "What to do in the app, key by key."
    rule = "The rule behind the step, in plain words."
    citation = "12 CFR 1024.39(a)"
    check = { entity = "call_note", action = "create", where = { result = "right_party_contact" } }

A step's check names what the trainee must have done since the lesson started, as the audit
trail records it (every write has its audit row, and some refusals do too): the row's
`entity`, its `action` (one, or a list of any), and optionally `where` (fields of the row's
recorded change that must hold one of the values given; a text value with `*` matches as a
pattern: "departure*"), `present` and `absent` (fields that must be there, or not) and
`after_step` (an earlier step of the lesson whose row must come first) with, if
`same_case = true`, the same case as that row.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from lossmit_tui.domain.errors import InvalidInput

AUDIENCES = ("specialist", "lead")
# What a check may look at: the audit rows of the trainee's own work.
CHECK_ENTITIES = ("call_note", "case", "case_event", "document", "financials", "permission",
                  "reassignment", "task")
# The progress row that marks when a lesson started (never a step id: those start a-z).
STARTED = "(started)"
MAX_ID = 64
_LESSON_KEYS = {"order", "title", "short", "audience", "summary", "steps"}
_STEP_KEYS = {"id", "title", "do", "rule", "citation", "check"}
_CHECK_KEYS = {"entity", "action", "where", "present", "absent", "after_step", "same_case"}
_LIMITS = {"title": 80, "short": 14, "summary": 600, "do": 600, "rule": 600, "citation": 120}

Scalar = str | int | float | bool


class LessonError(InvalidInput):
    """A lesson file that cannot be used: the message names the file and the key."""


def _is_id(text: str) -> bool:
    return (0 < len(text) <= MAX_ID and text[0].isascii() and text[0].isalnum()
            and text == text.lower()
            and all(c.isascii() and (c.isalnum() or c in "_-") for c in text))


@dataclass(frozen=True)
class Check:
    """What an audit row must be to meet a step."""

    entity: str
    actions: tuple[str, ...]
    where: Mapping[str, tuple[Scalar, ...]] = field(default_factory=dict)
    present: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    after_step: str | None = None
    same_case: bool = False  # on the case of the `after_step` row

    def matches(self, entity: str, action: str, after: Mapping[str, Any] | None) -> bool:
        """Whether an audit row (its entity, action and recorded change) is what this check
        asks for (`after_step` is the caller's: it depends on the other steps)."""
        if entity != self.entity or action not in self.actions:
            return False
        change = after or {}
        if any(change.get(key) is None for key in self.present):
            return False
        if any(change.get(key) is not None for key in self.absent):
            return False
        return all(_one_of(change.get(key), allowed) for key, allowed in self.where.items())


def _one_of(value: Any, allowed: tuple[Scalar, ...]) -> bool:
    for want in allowed:
        if isinstance(want, bool) or isinstance(value, bool):
            if value is want:
                return True
        elif isinstance(want, str) and "*" in want:
            if isinstance(value, str) and fnmatchcase(value, want):
                return True
        elif value == want:
            return True
    return False


@dataclass(frozen=True)
class Step:
    """One thing to do, the rule behind it, and how the app sees that it was done."""

    id: str
    title: str
    do: str
    rule: str
    citation: str
    check: Check


@dataclass(frozen=True)
class Lesson:
    """A checklist of steps for a specialist or a lead."""

    id: str
    title: str
    short: str
    audience: str
    summary: str
    steps: tuple[Step, ...]
    order: int = 100
    source: str = ""

    def step(self, step_id: str) -> Step | None:
        """The step of that id, or None."""
        return next((s for s in self.steps if s.id == step_id), None)


def _text(table: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = table.get(key)
    if value is None:
        if required:
            raise LessonError(f"{where}: {key} is missing")
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise LessonError(f"{where}: {key} must be text (in quotes) and not empty")
    text = " ".join(value.split())  # a file's line breaks and tabs are layout, not content
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise LessonError(f"{where}: {key} holds a control character")
    limit = _LIMITS.get(key)
    if limit is not None and len(text) > limit:
        raise LessonError(f"{where}: {key} is longer than {limit} characters")
    return text


def _unknown(table: Mapping[str, Any], known: set[str], where: str) -> None:
    extra = sorted(set(table) - known)
    if extra:
        raise LessonError(f"{where}: unknown key(s) {', '.join(extra)} (known: "
                          f"{', '.join(sorted(known))})")


def _names(value: Any, key: str, where: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if (not isinstance(items, list) or not items
            or not all(isinstance(i, str) and i.strip() for i in items)):
        raise LessonError(f"{where}: {key} must be a name or a list of names")
    return tuple(i.strip() for i in items)


def _check(raw: Any, where: str, earlier: Sequence[str]) -> Check:
    if not isinstance(raw, dict):
        raise LessonError(f"{where}: check is missing (a table: entity, action, ...)")
    where = f"{where}.check"
    _unknown(raw, _CHECK_KEYS, where)
    entity = raw.get("entity")
    if entity not in CHECK_ENTITIES:
        raise LessonError(f"{where}: entity must be one of: {', '.join(CHECK_ENTITIES)}")
    if "action" not in raw:
        raise LessonError(f"{where}: action is missing")
    actions = _names(raw["action"], "action", where)
    conditions = raw.get("where", {})
    if not isinstance(conditions, dict):
        raise LessonError(f"{where}: where must be a table of field = value(s)")
    allowed: dict[str, tuple[Scalar, ...]] = {}
    for key, value in conditions.items():
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, str | int | float | bool) for v in values):
            raise LessonError(f"{where}.where: {key} must be a value (text, number, true or "
                              "false) or a list of them")
        allowed[key] = tuple(values)
    present = _names(raw["present"], "present", where) if "present" in raw else ()
    absent = _names(raw["absent"], "absent", where) if "absent" in raw else ()
    after = raw.get("after_step")
    if after is not None and after not in earlier:
        raise LessonError(f"{where}: after_step {after!r} must name an earlier step of this "
                          f"lesson ({', '.join(earlier) or 'there is none'})")
    same_case = raw.get("same_case", False)
    if not isinstance(same_case, bool) or (same_case and after is None):
        raise LessonError(f"{where}: same_case is true or false, and true needs after_step")
    return Check(entity, actions, allowed, present, absent, after, same_case)


def parse_lesson(lesson_id: str, data: Mapping[str, Any], source: str) -> Lesson:
    """A lesson from its file's parsed TOML (`source` names the file in every error)."""
    if not _is_id(lesson_id):
        raise LessonError(f"{source}: the file name must be the lesson's id: a-z, 0-9, _ "
                          f"and -, at most {MAX_ID} characters, then .toml")
    _unknown(data, _LESSON_KEYS, source)
    audience = data.get("audience")
    if audience not in AUDIENCES:
        raise LessonError(f"{source}: audience must be one of: {', '.join(AUDIENCES)}")
    order = data.get("order", 100)
    if not isinstance(order, int) or isinstance(order, bool) or not 0 <= order <= 9999:
        raise LessonError(f"{source}: order must be a whole number from 0 to 9999")
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise LessonError(f"{source}: steps is missing (at least one [[steps]] table)")
    steps: list[Step] = []
    for n, raw in enumerate(raw_steps, start=1):
        where = f"{source}: steps[{n}]"
        if not isinstance(raw, dict):
            raise LessonError(f"{where}: must be a [[steps]] table")
        _unknown(raw, _STEP_KEYS, where)
        step_id = raw.get("id")
        if not isinstance(step_id, str) or not _is_id(step_id) or not step_id[0].isalpha():
            raise LessonError(f"{where}: id must start with a letter and hold only a-z, "
                              f"0-9, _ and - (at most {MAX_ID} characters)")
        where = f"{source}: steps[{n}] ({step_id})"
        if any(s.id == step_id for s in steps):
            raise LessonError(f"{where}: id {step_id!r} is used by an earlier step")
        steps.append(Step(step_id, _text(raw, "title", where), _text(raw, "do", where),
                          _text(raw, "rule", where), _text(raw, "citation", where),
                          _check(raw.get("check"), where, [s.id for s in steps])))
    return Lesson(lesson_id, _text(data, "title", source), _text(data, "short", source),
                  audience, _text(data, "summary", source, required=False), tuple(steps),
                  order, source)


def ordered(lessons: Iterable[Lesson]) -> tuple[Lesson, ...]:
    """Lessons in the order the panel lists them: `order`, then id."""
    return tuple(sorted(lessons, key=lambda lesson: (lesson.order, lesson.id)))


@dataclass(frozen=True)
class Evidence:
    """An audit row of the trainee's, as a check reads it."""

    audit_id: int
    entity: str
    action: str
    after: Mapping[str, Any] | None


def new_ticks(lesson: Lesson, started: int, done: Mapping[str, int],
              rows: Sequence[Evidence]) -> dict[str, int]:
    """The steps of `lesson` that `rows` newly meet: step id -> the audit row that meets it.

    Only rows after audit row `started` (the newest when the lesson started) count; `done`
    holds the steps already ticked, with their rows. A step with `after_step` is met only by a
    row after the one that met that step."""
    met = dict(done)
    found: dict[str, int] = {}
    candidates = sorted((r for r in rows if r.audit_id > started), key=lambda r: r.audit_id)
    by_id = {r.audit_id: r for r in candidates}
    for step in lesson.steps:
        if step.id in met:
            continue
        floor, case = started, None
        if step.check.after_step is not None:
            if step.check.after_step not in met:
                continue
            floor = met[step.check.after_step]
            if step.check.same_case:
                earlier = by_id.get(floor)
                case = (earlier.after or {}).get("case") if earlier else None
                if case is None:
                    continue
        hit = next((r for r in candidates if r.audit_id > floor
                    and (case is None or (r.after or {}).get("case") == case)
                    and step.check.matches(r.entity, r.action, r.after)), None)
        if hit is not None:
            met[step.id] = found[step.id] = hit.audit_id
    return found
