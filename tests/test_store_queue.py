"""The queue's order, views, sorts, search and filters, on every backend."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db.engine import session_scope
from db.models import AuditEvent, Case, Task
from db.queries import (
    ANYONE,
    QueueFilter,
    Sort,
    queue_count,
    queue_window,
)
from lossmit_tui.config import load_settings
from lossmit_tui.domain.act_next import Band, act_key, place
from lossmit_tui.domain.delinquency import Bucket, bucket, days_delinquent
from lossmit_tui.domain.urgency import score_tenths
from lossmit_tui.queue_rows import urgency_input
from lossmit_tui.services.importer import import_extract
from lossmit_tui.services.seed import seed
from lossmit_tui.services.urgency import refresh_cases, refresh_stale
from lossmit_tui.services.users import require_user
from lossmit_tui.views import find_view, view_filter, visible_views, with_filters

from .conftest import TODAY
from .workspace import workspace

cases_t = Case.__table__


def everything(engine: Engine, f: QueueFilter, sort: Sort = Sort.ACT_NEXT,
               descending: bool = False) -> list:
    with session_scope(engine) as session:
        return queue_window(session, f, 0, 100_000, sort, descending)


@pytest.fixture
def seeded(engine: Engine) -> tuple[Engine, str]:
    report = seed(engine, 400, 24, TODAY)  # its first specialist: a broken promise, documents
    with engine.begin() as conn:  # a few cases with no next action at all
        ids = conn.execute(sa.select(cases_t.c.id).where(
            cases_t.c.id % 11 == 0, cases_t.c.closed_at.is_(None))).scalars().all()
        conn.execute(cases_t.update().where(cases_t.c.id.in_(ids))
                     .values(next_action_on=None, next_action_kind=None))
        refresh_cases(conn, ids, TODAY, load_settings().urgency_weights)
    return engine, report.specialist


def test_act_next_order_is_the_stored_key_then_urgency_then_loan(seeded) -> None:
    engine, _ = seeded
    rows = everything(engine, QueueFilter())
    keys = [(r.act_key, -r.urgency, r.loan_number) for r in rows]
    assert keys == sorted(keys)
    places = [place(urgency_input(r, TODAY)) for r in rows]
    assert [r.act_key for r in rows] == [p.key for p in places]
    bands = [p.band for p in places]
    assert bands == sorted(bands) and Band.NOTHING in bands and Band.DUE_NOW in bands
    assert all(r.next_action_on is None for r, b in zip(rows, bands, strict=True)
               if b is Band.NOTHING)


def _set(engine: Engine, loan: str, **values: object) -> None:
    with engine.begin() as conn:
        conn.execute(cases_t.update().where(cases_t.c.loan_number == loan).values(**values))
        ids = conn.execute(sa.select(cases_t.c.id).where(cases_t.c.loan_number == loan)
                           ).scalars().all()
        refresh_cases(conn, ids, TODAY, load_settings().urgency_weights)


def test_what_can_still_be_saved_comes_before_long_missed_windows(engine: Engine) -> None:
    """The issue's first screen: a live-contact window missed 512 days ago topped the queue
    while a barred sale 7 days out sat at row 14."""
    seed(engine, 30, 2, TODAY)
    with engine.connect() as conn:
        loans = conn.execute(sa.select(cases_t.c.loan_number).where(
            cases_t.c.closed_at.is_(None)).order_by(cases_t.c.id)).scalars().all()
    day = timedelta(days=1)
    plain = {"fc_sale_date": None, "fc_hold": None, "promise_due_on": None,
             "promise_kept_on": None}
    for loan in loans:  # every other case: something due in 60 days
        _set(engine, loan, next_action_on=TODAY + 60 * day, **plain)
    missed, hold, sale, soon, promise, recent, later, nothing = loans[:8]
    _set(engine, missed, next_action_on=TODAY - 512 * day, next_action_kind="regulatory_deadline")
    _set(engine, recent, next_action_on=TODAY - 40 * day)
    _set(engine, hold, next_action_on=TODAY - 512 * day, fc_sale_date=TODAY + 9 * day,
         fc_hold=f"postpone the sale of {TODAY + 9 * day}: a complete application is pending")
    _set(engine, sale, next_action_on=TODAY + 20 * day, fc_sale_date=TODAY + 7 * day)
    _set(engine, soon, next_action_on=TODAY + 3 * day)
    _set(engine, promise, next_action_on=TODAY + 30 * day, promise_due_on=TODAY)
    _set(engine, later, next_action_on=TODAY + 20 * day)
    _set(engine, nothing, next_action_on=None, next_action_kind=None)
    order = [r.loan_number for r in everything(engine, QueueFilter())]
    # a sale counsel must postpone, a sale soon, a promise today, a deadline in days; then
    # windows missed long ago, most recent first; then later work; nothing scheduled last
    assert order[:7] == [hold, sale, promise, soon, recent, missed, later]
    assert order[-1] == nothing and set(order[7:-1]) == set(loans[8:])


def test_ties_on_date_are_broken_by_urgency_then_loan_number(engine: Engine) -> None:
    seed(engine, 30, 2, TODAY)
    with engine.begin() as conn:
        conn.execute(cases_t.update().values(next_action_on=TODAY, urgency=100, act_key=7))
        conn.execute(cases_t.update().where(cases_t.c.id == 7).values(urgency=900))
    rows = everything(engine, QueueFilter())
    assert rows[0].case_id == 7
    rest = [r.loan_number for r in rows[1:]]
    assert rest == sorted(rest)


def test_windows_anywhere_match_the_whole_order(seeded) -> None:
    engine, _ = seeded
    whole = everything(engine, QueueFilter())
    with session_scope(engine) as session:
        assert queue_count(session, QueueFilter()) == len(whole)
        for offset in (0, 37, len(whole) // 2, len(whole) // 2 + 1, len(whole) - 30,
                       len(whole) - 5):
            window = queue_window(session, QueueFilter(), offset, 25)
            assert window == whole[offset:offset + 25]
            # Past the middle, a known total reads from the far end: same rows, same order.
            for sort, descending in ((Sort.ACT_NEXT, False), (Sort.BORROWER, True)):
                ordered = queue_window(session, QueueFilter(), 0, 100_000, sort, descending)
                assert queue_window(session, QueueFilter(), offset, 25, sort, descending,
                                    total=len(whole)) == ordered[offset:offset + 25]


@pytest.mark.parametrize("sort", list(Sort))
def test_every_sort_is_total_and_reversible(seeded, sort: Sort) -> None:
    engine, _ = seeded
    forward = everything(engine, QueueFilter(), sort)
    backward = everything(engine, QueueFilter(), sort, descending=True)
    assert [r.case_id for r in backward] == [r.case_id for r in reversed(forward)]
    if sort is Sort.BORROWER:
        names = [(r.borrower_name, r.loan_number) for r in forward]
        assert names == sorted(names)
    if sort is Sort.DAYS_DELINQUENT:
        assert [days_delinquent(r.next_due_date, TODAY) for r in forward] == sorted(
            (days_delinquent(r.next_due_date, TODAY) for r in forward), reverse=True)
    if sort is Sort.STAGE:
        assert [r.stage for r in forward] == sorted(r.stage for r in forward)
    if sort is Sort.ASSIGNEE:
        names = [r.assignee or "" for r in forward if r.assignee]
        assert names == sorted(names)
    if sort is Sort.LAST_CONTACT:
        contacted = [r.last_contact_at for r in forward if r.last_contact_at is not None]
        never = len(forward) - len(contacted)
        assert never
        assert all(r.last_contact_at is None for r in forward[:never])
        assert contacted == sorted(contacted)
    if sort is Sort.URGENCY:
        assert [r.urgency for r in forward] == sorted((r.urgency for r in forward),
                                                      reverse=True)


def test_built_in_views_select_what_they_say(seeded) -> None:
    engine, user = seeded
    settings = load_settings()
    with session_scope(engine) as session:
        me = require_user(session, user)
    names = [v.name for v in visible_views(settings, "specialist")]
    assert names == ["mine", "due", "regulatory", "sale", "promises", "documents", "unassigned",
                     "complaints"]
    assert [v.name for v in visible_views(settings, "lead")][-3:] == ["team", "all", "complaints"]

    def rows(name: str) -> list:
        spec = find_view(settings, "lead", name)
        return everything(engine, view_filter(spec, me.id, (me.id, me.id + 1), TODAY))

    mine = rows("mine")
    assert mine and all(r.assignee == user for r in mine)
    assert all(r.next_action_on <= TODAY for r in rows("due")) and rows("due")
    assert rows("sale")
    assert all(TODAY <= r.fc_sale_date <= TODAY + timedelta(days=60) for r in rows("sale"))
    promises = rows("promises")
    assert promises
    assert all(r.promise_due_on < TODAY and r.promise_kept_on is None for r in promises)
    assert rows("documents")
    assert all(r.missing_docs > 0 for r in rows("documents"))
    assert all(r.assignee is None for r in rows("unassigned")) and rows("unassigned")
    with engine.connect() as conn:
        reg_ids = set(conn.execute(sa.select(cases_t.c.id).where(
            cases_t.c.assignee_id == me.id, cases_t.c.closed_at.is_(None),
            cases_t.c.reg_due_on <= TODAY + timedelta(days=5))).scalars())
    assert {r.case_id for r in rows("regulatory")} == reg_ids and reg_ids
    assert len(rows("all")) == len(everything(engine, QueueFilter(assignees=ANYONE)))


def test_the_complaints_view_is_each_users_reach() -> None:
    """Key 0, Complaints: the cases with an open complaint that the user looks after, a
    specialist's own, a lead's team's (the lead's own without a team), an admin's all."""
    spec = find_view(load_settings(), "lead", "0")
    assert spec is not None and spec.name == "complaints" and spec.open_complaints
    assert find_view(load_settings(), "specialist", "complaints") == spec

    def reach(role: str, team: tuple[int, ...] = (7, 8)) -> object:
        return view_filter(spec, 7, team, TODAY, role).assignees

    assert reach("specialist") == (7,)
    assert reach("lead") == (7, 8)
    assert reach("lead", ()) == (7,)
    assert reach("admin") == ANYONE
    assert view_filter(spec, 7, (7, 8), TODAY, "lead").open_complaints


def test_search_by_loan_prefix_name_substring_and_phone(seeded) -> None:
    engine, _ = seeded
    whole = everything(engine, QueueFilter())
    sample = whole[10]
    by_loan = everything(engine, QueueFilter(search=sample.loan_number[:8]))
    assert sample in by_loan and all(r.loan_number.startswith(sample.loan_number[:8])
                                     or sample.loan_number[:8].lower() in
                                     r.borrower_name.lower() for r in by_loan)
    fragment = sample.borrower_name.split()[-1][1:4].upper()  # inside the surname, any case
    by_name = everything(engine, QueueFilter(search=fragment))
    assert sample in by_name
    with engine.connect() as conn:  # the search matches the co-borrower's name too
        co_names = dict(conn.execute(sa.select(cases_t.c.id, cases_t.c.co_borrower_name)).all())
    assert all(fragment.lower() in (co_names[r.case_id] or "").lower()
               or r.loan_number.startswith(fragment)
               for r in by_name if fragment.lower() not in (r.borrower_name or "").lower())
    by_phone = everything(engine, QueueFilter(search=f"({sample.phone[:3]}) {sample.phone[3:6]}"))
    assert sample in by_phone
    assert everything(engine, QueueFilter(search="%")) == []  # wildcards are literal
    assert everything(engine, QueueFilter(search="zzzz-no-such")) == []


def test_filters_narrow_a_view(seeded) -> None:
    engine, _ = seeded
    base = QueueFilter()
    fha = everything(engine, with_filters(base, investors=("FHA",), today=TODAY))
    assert fha and all(r.investor == "FHA" for r in fha)
    apps = everything(engine, with_filters(base, stages=("application", "evaluation"),
                                           today=TODAY))
    assert apps and {r.stage for r in apps} <= {"application", "evaluation"}
    for b in (Bucket.D30, Bucket.D60, Bucket.D120, Bucket.CURRENT):
        rows = everything(engine, with_filters(base, buckets=(b,), today=TODAY))
        assert rows, b
        assert all(bucket(r.next_due_date, TODAY) is b for r in rows), b
    rows = everything(engine, with_filters(base, states=("TX", "CA"), today=TODAY))
    assert rows
    assert all(r.property_state in ("TX", "CA") for r in rows)


def test_seeded_urgency_is_todays_domain_score(seeded) -> None:
    engine, _ = seeded
    weights = load_settings().urgency_weights
    for row in everything(engine, QueueFilter())[:80]:
        assert row.urgency == score_tenths(urgency_input(row, TODAY), weights)
        assert row.act_key == act_key(urgency_input(row, TODAY))
        assert row.urgency_on == TODAY


def test_refresh_recomputes_stale_urgency_and_audits_the_pass(seeded) -> None:
    engine, user = seeded
    tomorrow = TODAY + timedelta(days=1)
    with session_scope(engine) as session:
        me = require_user(session, user)
    only_mine = QueueFilter(assignees=(me.id,))
    mine = refresh_stale(workspace(engine, "tester", tomorrow), only=only_mine)
    assert mine == len(everything(engine, only_mine))
    rest = refresh_stale(workspace(engine, "tester", tomorrow))
    assert rest == len(everything(engine, QueueFilter())) - mine
    assert refresh_stale(workspace(engine, "tester", tomorrow)) == 0
    for row in everything(engine, QueueFilter())[:50]:
        assert row.urgency_on == tomorrow
        assert row.urgency == score_tenths(urgency_input(row, tomorrow))
        assert row.act_key == act_key(urgency_input(row, tomorrow))
    with engine.connect() as conn:
        passes = conn.execute(sa.select(AuditEvent.__table__.c.after).where(
            AuditEvent.__table__.c.entity == "urgency")).scalars().all()
    assert [p["cases"] for p in passes] == [mine, rest]


def test_seeded_regulatory_and_document_columns_match_their_rows(seeded) -> None:
    engine, _ = seeded
    tasks = Task.__table__
    with engine.connect() as conn:
        earliest = (sa.select(sa.func.min(tasks.c.due_on)).where(
            tasks.c.case_id == cases_t.c.id, tasks.c.status == "open",
            tasks.c.kind == "regulatory_deadline").scalar_subquery())
        wrong = conn.execute(sa.select(sa.func.count()).select_from(cases_t).where(
            cases_t.c.closed_at.is_(None),
            sa.func.coalesce(cases_t.c.reg_due_on, date(1900, 1, 1))
            != sa.func.coalesce(earliest, date(1900, 1, 1)))).scalar()
    assert wrong == 0


def test_imported_cases_get_todays_urgency(team: Engine, tmp_path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("loan_number,borrower_name,investor,upb,next_due_date,property_state\n"
                    "A1,Ann Lee,FNMA,1000,2026-06-01,TX\n")
    assert import_extract(workspace(team, "lee"), path).ok
    (row,) = everything(team, QueueFilter())
    assert row.urgency_on == TODAY and row.urgency == score_tenths(urgency_input(row, TODAY))


def names(engine: Engine, text: str) -> set[str]:
    return {r.borrower_name for r in everything(engine, QueueFilter(search=text))}


def test_search_semantics_by_length(team: Engine, tmp_path) -> None:
    path = tmp_path / "names.csv"
    path.write_text("loan_number,borrower_name,co_borrower_name,investor,upb,next_due_date,"
                    "property_state,phone\n"
                    "L-100,John Smith,,FNMA,1,2026-09-01,TX,5125550100\n"
                    "L-200,Mary Bojo,Jo Anne Bojo,FNMA,1,2026-09-01,TX,7135550199\n"
                    "L-300,Ana O'Neil-Nguyen,,FNMA,1,2026-09-01,TX,\n")
    assert import_extract(workspace(team, "lee"), path).ok
    assert names(team, "jo") == {"John Smith", "Mary Bojo"}  # a word starts with it
    assert names(team, "boj") == {"Mary Bojo"}  # substring from 3 characters
    assert names(team, "ohn smi") == {"John Smith"}  # across words
    assert names(team, "NGUY") == {"Ana O'Neil-Nguyen"}
    assert names(team, "o'ne") == {"Ana O'Neil-Nguyen"}  # quotes are not FTS syntax
    assert names(team, 'j"o') == set()
    assert names(team, "L-2") == {"Mary Bojo"}  # loan number prefix
    assert names(team, "713 555") == {"Mary Bojo"}  # phone prefix, any punctuation
    assert names(team, "j") == set()  # one letter matches only loan numbers and phones


def test_search_follows_renames_from_an_import(team: Engine, tmp_path) -> None:
    head = "loan_number,borrower_name,investor,upb,next_due_date,property_state\n"
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text(head + "L1,Carla Mendez,FNMA,1,2026-09-01,TX\n")
    second.write_text(head + "L1,Carla Ortiz,FNMA,1,2026-09-01,TX\n")
    assert import_extract(workspace(team, "lee"), first).ok
    assert names(team, "mendez") == {"Carla Mendez"}
    assert import_extract(workspace(team, "lee"), second).ok
    assert names(team, "mendez") == set() and names(team, "ortiz") == {"Carla Ortiz"}


def test_search_counts_stop_at_the_cap(seeded) -> None:
    engine, _ = seeded
    with session_scope(engine) as session:
        full = queue_count(session, QueueFilter(search="70"))
        assert full > 50
        assert queue_count(session, QueueFilter(search="70"), cap=50) == 51
        assert queue_count(session, QueueFilter(search="70"), cap=10_000) == full


def test_a_capped_count_is_never_taken_for_the_total(seeded) -> None:
    engine, _ = seeded
    f = QueueFilter(search="70")  # every seeded loan number starts with 70
    with session_scope(engine) as session:
        ordered = queue_window(session, f, 0, 100_000)
        for offset in (0, 10, len(ordered) - 20):
            assert queue_window(session, f, offset, 10, at_least=5000) == \
                ordered[offset:offset + 10]


def test_changed_weights_recompute_every_open_case_once(seeded) -> None:
    engine, user = seeded
    weights = dict(load_settings().urgency_weights)
    with session_scope(engine) as session:
        me = require_user(session, user)
    assert refresh_stale(workspace(engine, "tester")) == 0  # records the weights
    heavier = {**weights, "missing_documents": 60.0}
    only_mine = QueueFilter(assignees=(me.id,))
    lead = workspace(engine, "lead",
                     settings=load_settings().model_copy(update={"urgency_weights": heavier}))
    recomputed = refresh_stale(lead, only=only_mine)
    assert recomputed == len(everything(engine, QueueFilter()))  # all, not just the view
    assert refresh_stale(lead) == 0
    for row in everything(engine, QueueFilter())[:40]:
        assert row.urgency == score_tenths(urgency_input(row, TODAY), heavier)
    with engine.connect() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(AuditEvent.__table__)
                             .where(AuditEvent.__table__.c.entity == "urgency")).scalar()
    assert count == 2  # the first record of the weights, and the recompute
