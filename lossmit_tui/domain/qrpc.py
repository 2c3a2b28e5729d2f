"""Quality right-party contact (docs/RULES.md section 5): the attributes of a right-party
conversation that Fannie Mae's Servicing Guide asks a servicer to establish, and the rule
that a call with all of them is a QRPC. Pure: values in, problems or a verdict out.
"""

from collections.abc import Mapping
from enum import StrEnum

from lossmit_tui.domain.enums import (
    AbilityToPay,
    Commitment,
    Hardship,
    HardshipDuration,
    OptionsDiscussed,
    ReportedOccupancy,
)

# key stored on the call note, the closed vocabulary, and how the editor names it
QRPC_ATTRIBUTES: tuple[tuple[str, type[StrEnum], str], ...] = (
    ("hardship", Hardship, "reason for the delinquency"),
    ("duration", HardshipDuration, "temporary or permanent"),
    ("occupancy", ReportedOccupancy, "occupancy"),
    ("ability", AbilityToPay, "ability to pay"),
    ("options", OptionsDiscussed, "workout options explained"),
    ("commitment", Commitment, "commitment"),
)
# Why explaining the options was not appropriate (1024.39(a): record it when they were not).
OPTIONS_REASON = "options_reason"
MAX_REASON = 500
QRPC_KEYS = frozenset(key for key, _, _ in QRPC_ATTRIBUTES) | {OPTIONS_REASON}


def qrpc_problems(values: Mapping[str, str], *, right_party: bool) -> list[str]:
    """Every problem with the QRPC attributes of a call, as messages naming the attribute
    (empty when they can be kept). Blank values are "not recorded", never a problem."""
    given = {k: v for k, v in values.items() if v}
    problems: list[str] = []
    unknown = sorted(set(given) - QRPC_KEYS)
    if unknown:
        problems.append(f"unknown quality-contact attribute(s): {', '.join(unknown)}")
    if given and not right_party:
        names = ", ".join(label for key, _, label in QRPC_ATTRIBUTES if key in given)
        problems.append("quality right-party contact attributes ("
                        f"{names or 'reason options were not appropriate'}) can only be "
                        "recorded on a right-party contact")
    for key, allowed, label in QRPC_ATTRIBUTES:
        value = given.get(key)
        if value is not None and value not in {m.value for m in allowed}:
            problems.append(f"{label} {value!r} must be one of: "
                            f"{', '.join(m.value for m in allowed)}")
    reason = given.get(OPTIONS_REASON, "")
    if given.get("options") == OptionsDiscussed.NOT_APPROPRIATE and not reason.strip():
        problems.append("say why explaining the workout options was not appropriate")
    if reason and given.get("options") != OptionsDiscussed.NOT_APPROPRIATE:
        problems.append("a reason is given but the options are not marked 'not appropriate'")
    if len(reason) > MAX_REASON:
        problems.append(f"the reason options were not appropriate is longer than "
                        f"{MAX_REASON} characters")
    return problems


def is_qrpc(values: Mapping[str, str] | None) -> bool:
    """True when every attribute is recorded (and, for options not explained, the reason):
    the call is a quality right-party contact."""
    if not values:
        return False
    if not all(values.get(key) for key, _, _ in QRPC_ATTRIBUTES):
        return False
    return (values.get("options") != OptionsDiscussed.NOT_APPROPRIATE
            or bool((values.get(OPTIONS_REASON) or "").strip()))
