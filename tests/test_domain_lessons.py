"""Practice lessons as files a servicer edits: what a valid file holds, every mistake named
by file and key, and which of the trainee's recorded actions tick a step off."""

import tomllib
from pathlib import Path

import pytest

from lossmit_tui.domain.lessons import (
    Evidence,
    LessonError,
    new_ticks,
    ordered,
    parse_lesson,
)
from lossmit_tui.services.practice import load_lessons

GOOD = """
order = 2
title = "Log a quality right-party call"
short = "Quality call"
audience = "specialist"
summary = "Talk to the borrower."

[[steps]]
id = "rpc"
title = "Reach the borrower"
do = "Press c on a case."
rule = "A conversation meets live contact."
citation = "12 CFR 1024.39(a)"
check = { entity = "call_note", action = "create", where = { result = "right_party_contact" } }

[[steps]]
id = "qrpc"
title = "All six attributes"
do = "Fill the quality fields."
rule = "A quality right-party contact."
citation = "Fannie Mae Servicing Guide D2-2-01"
check.entity = "call_note"
check.action = ["create", "amend"]
check.where = { qrpc_complete = true }
check.after_step = "rpc"
"""


def lesson(text: str = GOOD, lesson_id: str = "qrpc", source: str = "qrpc.toml"):  # type: ignore[no-untyped-def]
    return parse_lesson(lesson_id, tomllib.loads(text), source)


def test_a_lesson_file_gives_its_title_audience_and_steps_with_their_rules() -> None:
    got = lesson()
    assert (got.id, got.title, got.audience, got.order) == (
        "qrpc", "Log a quality right-party call", "specialist", 2)
    assert [s.id for s in got.steps] == ["rpc", "qrpc"]
    assert got.steps[0].citation == "12 CFR 1024.39(a)"
    assert got.steps[1].check.actions == ("create", "amend")
    assert got.steps[1].check.after_step == "rpc"


@pytest.mark.parametrize(("change", "named"), [
    (('audience = "specialist"', 'audience = "manager"'), "qrpc.toml: audience must be one of"),
    (('title = "Log a quality right-party call"\n', ''), "qrpc.toml: title is missing"),
    (('short = "Quality call"', 'short = "Quality call"\ncolour = "red"'),
     "qrpc.toml: unknown key(s) colour"),
    (('id = "qrpc"', 'id = "rpc"'), "steps[2] (rpc): id 'rpc' is used by an earlier step"),
    (('id = "rpc"', 'id = "Two words"'), "steps[1]: id must start with a letter"),
    (('citation = "12 CFR 1024.39(a)"\n', ''), "steps[1] (rpc): citation is missing"),
    (('entity = "call_note", action = "create"', 'entity = "calls", action = "create"'),
     "steps[1] (rpc).check: entity must be one of"),
    (('after_step = "rpc"', 'after_step = "later"'),
     "steps[2] (qrpc).check: after_step 'later' must name an earlier step"),
    (('{ qrpc_complete = true }', '{ qrpc_complete = {} }'),
     "steps[2] (qrpc).check.where: qrpc_complete must be a value"),
    (('order = 2', 'order = "second"'), "qrpc.toml: order must be a whole number"),
])
def test_each_mistake_is_refused_naming_the_file_and_the_key(change: tuple[str, str],
                                                            named: str) -> None:
    old, new = change
    assert old in GOOD
    with pytest.raises(LessonError) as refused:
        lesson(GOOD.replace(old, new, 1))
    assert named in str(refused.value)


def test_a_lesson_without_steps_or_with_a_bad_file_name_is_refused() -> None:
    head = GOOD.split("[[steps]]")[0]
    with pytest.raises(LessonError, match=r"qrpc.toml: steps is missing"):
        lesson(head)
    with pytest.raises(LessonError, match="the file name must be the lesson's id"):
        lesson(lesson_id="Quality Call")


def test_text_is_one_line_of_plain_words_and_control_characters_are_refused() -> None:
    got = lesson(GOOD.replace('do = "Press c on a case."', 'do = """Press c\n   on a case."""'))
    assert got.steps[0].do == "Press c on a case."
    with pytest.raises(LessonError, match=r"steps\[1\] \(rpc\): rule holds a control"):
        lesson(GOOD.replace("A conversation meets", "A \\u001b[31mconversation meets"))


def row(audit_id: int, entity: str = "call_note", action: str = "create", **after):  # type: ignore[no-untyped-def]
    return Evidence(audit_id, entity, action, after)


def test_steps_tick_only_for_matching_rows_after_the_start_and_in_order() -> None:
    got = lesson()
    rows = [row(5, result="right_party_contact", qrpc_complete=True),  # before the start
            row(11, result="no_answer", qrpc_complete=False),
            row(12, entity="task", result="right_party_contact"),
            row(13, result="right_party_contact", qrpc_complete=False)]
    assert new_ticks(got, 10, {}, rows) == {"rpc": 13}
    # the quality step needs a row after the one that met "rpc"
    assert new_ticks(got, 10, {"rpc": 13}, [*rows, row(9, action="amend", qrpc_complete=True)]
                     ) == {}
    assert new_ticks(got, 10, {"rpc": 13}, [*rows, row(14, action="amend", qrpc_complete=True)]
                     ) == {"qrpc": 14}
    # one call with everything ticks both, and a step already done is not ticked again
    both = [row(20, result="right_party_contact", qrpc_complete=True)]
    assert new_ticks(got, 10, {}, both) == {"rpc": 20}
    assert new_ticks(got, 10, {"rpc": 13, "qrpc": 14}, both) == {}


def test_same_case_ties_a_step_to_the_case_of_the_step_before() -> None:
    text = GOOD.replace('check.after_step = "rpc"',
                        'check.after_step = "rpc"\ncheck.same_case = true')
    got = lesson(text)
    first = row(11, result="right_party_contact", case="L1")
    other = row(12, action="amend", qrpc_complete=True, case="L2")
    same = row(13, action="amend", qrpc_complete=True, case="L1")
    assert new_ticks(got, 10, {}, [first, other]) == {"rpc": 11}
    assert new_ticks(got, 10, {}, [first, other, same]) == {"rpc": 11, "qrpc": 13}
    with pytest.raises(LessonError, match=r"steps\[1\] \(rpc\).check: same_case is true"):
        lesson(GOOD.replace('where = { result = "right_party_contact" }',
                            'where = { result = "right_party_contact" }, same_case = true'))


def test_patterns_present_and_absent() -> None:
    text = GOOD.replace('where = { result = "right_party_contact" }',
                        'where = { reason = "departure*" }, present = ["count"], '
                        'absent = ["amends"]')
    check = lesson(text).steps[0].check
    assert check.matches("call_note", "create", {"reason": "departure: retired", "count": 3})
    assert not check.matches("call_note", "create", {"reason": "vacation", "count": 3})
    assert not check.matches("call_note", "create", {"reason": "departure", "count": None})
    assert not check.matches("call_note", "create", {"reason": "departure", "count": 1,
                                                     "amends": 7})
    # true is not 1: a boolean field matches only a boolean
    flag = lesson().steps[1].check
    assert flag.matches("call_note", "amend", {"qrpc_complete": True})
    assert not flag.matches("call_note", "amend", {"qrpc_complete": 1})


def test_the_shipped_lessons_are_valid_and_cover_the_training() -> None:
    shipped = load_lessons(Path("/nonexistent"))
    assert [x.id for x in shipped] == ["queue", "qrpc", "documents", "evaluate", "offer",
                                       "tracker", "rebalance"]
    assert {x.audience for x in shipped} == {"specialist", "lead"}
    assert all(s.rule and s.citation for x in shipped for s in x.steps)
    assert ordered(reversed(shipped)) == shipped


def test_a_servicer_file_replaces_a_shipped_lesson_and_adds_its_own(tmp_path: Path) -> None:
    (tmp_path / "qrpc.toml").write_text(GOOD.replace("Log a quality right-party call",
                                                     "Our QRPC procedure"))
    (tmp_path / "escrow.toml").write_text(GOOD.replace("order = 2", "order = 50"))
    got = {x.id: x for x in load_lessons(tmp_path)}
    assert got["qrpc"].title == "Our QRPC procedure"
    assert got["qrpc"].source == str(tmp_path / "qrpc.toml")
    assert "escrow" in got and "queue" in got
    (tmp_path / "broken.toml").write_text("title = ")
    with pytest.raises(LessonError, match=r"broken.toml: is not valid TOML"):
        load_lessons(tmp_path)

