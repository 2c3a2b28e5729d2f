from dataclasses import replace
from datetime import date, timedelta

import pytest

from lossmit_tui.domain.urgency import DEFAULT_WEIGHTS, UrgencyInput, score, terms

TODAY = date(2026, 11, 29)
CALM = UrgencyInput(today=TODAY, next_action_on=TODAY + timedelta(days=30),
                    days_delinquent=0, sale_date=None, promise_due_on=None,
                    promise_kept=False, last_rpc_on=TODAY, stage="plan")


def points(case: UrgencyInput, name: str) -> float:
    return next(t.points for t in terms(case) if t.name == name)


def test_every_term_is_named_with_value_weight_and_points() -> None:
    breakdown = terms(CALM)
    assert [t.name for t in breakdown] == list(DEFAULT_WEIGHTS)
    assert score(CALM) == pytest.approx(sum(t.points for t in breakdown), abs=0.05)


def test_next_action_proximity() -> None:
    assert points(CALM, "next_action") == 0
    assert points(replace(CALM, next_action_on=TODAY), "next_action") == 30
    assert points(replace(CALM, next_action_on=TODAY - timedelta(days=3)), "next_action") == 30
    assert points(replace(CALM, next_action_on=TODAY + timedelta(days=7)), "next_action") == 15


def test_days_delinquent_and_sale() -> None:
    assert points(replace(CALM, days_delinquent=90), "days_delinquent") == 10
    assert points(replace(CALM, days_delinquent=400), "days_delinquent") == 20
    assert points(replace(CALM, sale_date=TODAY + timedelta(days=20)), "days_to_sale") == 20
    assert points(replace(CALM, sale_date=TODAY + timedelta(days=75)), "days_to_sale") == 10
    assert points(replace(CALM, sale_date=TODAY + timedelta(days=200)), "days_to_sale") == 0
    assert points(replace(CALM, sale_date=TODAY - timedelta(days=1)), "days_to_sale") == 0


def test_broken_promise_only_when_past_due_and_not_kept() -> None:
    past = TODAY - timedelta(days=1)
    assert points(replace(CALM, promise_due_on=past), "broken_promise") == 10
    assert points(replace(CALM, promise_due_on=past, promise_kept=True), "broken_promise") == 0
    assert points(replace(CALM, promise_due_on=TODAY), "broken_promise") == 0


def test_contact_gap_and_weights_from_configuration() -> None:
    never = replace(CALM, last_rpc_on=None)
    assert points(never, "days_since_rpc") == 10
    assert score(never, {"days_since_rpc": 50}) - score(never) == pytest.approx(40, abs=0.1)


def test_missing_documents_and_stage() -> None:
    assert points(CALM, "missing_documents") == 0
    assert points(replace(CALM, missing_documents=2), "missing_documents") == 2.5
    assert points(replace(CALM, missing_documents=9), "missing_documents") == 5
    assert points(replace(CALM, stage="evaluation"), "stage") == 5
    assert points(replace(CALM, stage="cured"), "stage") == 0


def test_ties_and_weights_of_zero() -> None:
    busy = replace(CALM, missing_documents=3, days_delinquent=120)
    assert score(busy) > score(CALM)
    assert score(busy, {"missing_documents": 0, "days_delinquent": 0}) == score(
        replace(CALM, days_delinquent=0))
