"""How old a document may be (docs/RULES.md section 7)."""

from datetime import date, timedelta

import pytest

from lossmit_tui.domain.documents import age_state

ON = date(2026, 3, 2)  # a Monday


@pytest.mark.parametrize(("doc_type", "age", "expired", "expiring"), [
    ("pay_stubs", 74, False, False), ("pay_stubs", 75, False, True),
    ("bank_statements", 90, False, True), ("bank_statements", 91, True, False),
    ("form_710", 400, False, False),  # not an income document: it does not age
])
def test_income_documents_age_past_90_days(doc_type: str, age: int, expired: bool,
                                            expiring: bool) -> None:
    state = age_state(doc_type, ON - timedelta(days=age), ON)
    assert (state.expired, state.expiring) == (expired, expiring)
