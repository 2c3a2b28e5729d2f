"""Complaints in the store (docs/RULES.md section 9), on SQLite and PostgreSQL: intake →
acknowledgment → extension → response → finding → close, each step's deadline task and audit
row; refusals (another specialist's case, a specialist reassigning) audited; bad input and
refused extensions store nothing; a stale version is a conflict; a foreclosure error with a
sale scheduled raises an urgent task."""

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db.models import AuditEvent, Case, Complaint, Task
from lossmit_tui.services.complaints import (
    FindingInput,
    NewComplaint,
    Step,
    add_complaint,
    assign_complaint,
    case_complaints,
    close_complaint,
    record_finding,
    record_step,
)
from lossmit_tui.services.errors import Conflict, InvalidInput, PermissionDenied

from .conftest import TODAY
from .workspace import workspace

tasks_t, audit_t, cases_t = Task.__table__, AuditEvent.__table__, Case.__table__
complaints_t = Complaint.__table__
RECEIVED = date(2026, 11, 23)  # a Monday; Thanksgiving is 26 November


def error(category: str = "b2", received: date = RECEIVED) -> NewComplaint:
    return NewComplaint(received, "mail", "notice_of_error",
                        "You applied my [b]October[/b] payment to fees.", category)


def deadline_tasks(engine: Engine, complaint_id: int) -> dict[str, tuple[str, date]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(tasks_t.c.source, tasks_t.c.status, tasks_t.c.due_on)
                            .where(tasks_t.c.kind == "regulatory_deadline",
                                   tasks_t.c.source.like(f"% complaint {complaint_id}"))
                            .order_by(tasks_t.c.id)).all()
    return {r.source.split(" complaint")[0]: (r.status, r.due_on) for r in rows}


def complaint_audit(engine: Engine, complaint_id: int) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(audit_t.c.action).where(
            audit_t.c.entity == "complaint", audit_t.c.entity_id == str(complaint_id))
            .order_by(audit_t.c.id)).scalars())


def test_intake_to_close(one_case: tuple[Engine, int]) -> None:
    engine, case_id = one_case
    sam = workspace(engine, "sam")
    row = add_complaint(sam, case_id, error())
    assert row.id is not None
    cid, version = row.id, 1
    tasks = deadline_tasks(engine, cid)
    # 1024.35(d) 5 BD over Thanksgiving; 1024.35(e)(3)(i)(C) 30 BD; no task for the
    # credit-reporting hold (a bar)
    assert tasks == {"1024.35(d)": ("open", date(2026, 12, 1)),
                     "1024.35(e)(3)(i)(C)": ("open", date(2027, 1, 7))}
    view = case_complaints(sam, case_id)[0]
    assert view.owner == "sam" and view.text.startswith("You applied my [b]October[/b]")

    version = record_step(sam, cid, version, Step("acknowledgment", date(2026, 11, 24)))
    assert deadline_tasks(engine, cid)["1024.35(d)"][0] == "done"
    version = record_step(sam, cid, version, Step("extension", TODAY, "escrow records "
                                                   "requested from the prior servicer"))
    assert deadline_tasks(engine, cid)["1024.35(e)(3)(i)(C)"] == ("open", date(2027, 1, 29))
    version = record_step(sam, cid, version, Step("response", TODAY, corrected=True))
    assert deadline_tasks(engine, cid)["1024.35(e)(3)(i)(C)"][0] == "done"
    version = record_finding(sam, cid, version, FindingInput(
        "error_found", "payment_processing", "payment posted to fees",
        "payment moved to principal and interest", date(2026, 10, 1), 2_500))
    version = close_complaint(sam, cid, version, TODAY)
    view = case_complaints(sam, case_id)[0]
    assert view.status == "closed" and view.remediation_cents == 2_500
    assert view.steps["closed_on"] == TODAY and version == 6
    assert complaint_audit(engine, cid) == ["create", "acknowledgment", "extension",
                                             "response", "finding", "close"]
    with engine.connect() as conn:
        open_left = conn.execute(sa.select(sa.func.count()).select_from(tasks_t).where(
            tasks_t.c.status == "open", tasks_t.c.source.like(f"% complaint {cid}"))
        ).scalar_one()
    assert open_left == 0


def test_regulatory_date_of_the_case_follows_the_complaint(
        current_case: tuple[Engine, int]) -> None:
    # a paid-up loan has no loss-mitigation clock; its complaint still binds
    # (docs/RULES.md section 9)
    engine, case_id = current_case
    add_complaint(workspace(engine, "sam"), case_id, error("b6"))  # payoff: 7 BD
    with engine.connect() as conn:
        reg = conn.execute(sa.select(cases_t.c.reg_due_on)).scalar_one()
    # the earliest open deadline: the acknowledgment (1 December; the 7-BD payoff response
    # falls on 3 December)
    assert reg == date(2026, 12, 1)


def test_refusals_are_audited_and_store_nothing(one_case: tuple[Engine, int]) -> None:
    engine, case_id = one_case
    with pytest.raises(PermissionDenied):
        add_complaint(workspace(engine, "ana"), case_id, error())
    row = add_complaint(workspace(engine, "sam"), case_id, error())
    assert row.id is not None
    with pytest.raises(PermissionDenied, match="lead or an admin"):
        assign_complaint(workspace(engine, "sam"), row.id, 1, "ana")
    with engine.connect() as conn:
        refused = conn.execute(sa.select(audit_t.c.after).where(
            audit_t.c.entity == "permission", audit_t.c.action == "refused")
            .order_by(audit_t.c.id)).scalars().all()
        owners = conn.execute(sa.select(complaints_t.c.owner_id)).scalars().all()
    assert len(refused) == 2 and len(owners) == 1
    # a lead reassigns
    assign_complaint(workspace(engine, "lee"), row.id, 1, "ana")
    assert case_complaints(workspace(engine, "lee"), case_id)[0].owner == "ana"
    with engine.connect() as conn:  # its deadline tasks went with it
        owners = conn.execute(sa.text(
            "SELECT DISTINCT u.username FROM tasks t JOIN users u ON u.id = t.assignee_id "
            f"WHERE t.source LIKE '% complaint {row.id}'")).scalars().all()
    assert owners == ["ana"]
    # a deadline the complaint starts later is hers too (the sync gives it to the case's owner)
    record_step(workspace(engine, "lee"), row.id, 2, Step("documents_requested", TODAY))
    with engine.connect() as conn:
        owner = conn.execute(sa.text(
            "SELECT u.username FROM tasks t JOIN users u ON u.id = t.assignee_id "
            f"WHERE t.source = '1024.35(e)(4) complaint {row.id}'")).scalar_one()
    assert owner == "ana"


def test_payoff_extension_refused_and_late_extension_refused(
        one_case: tuple[Engine, int]) -> None:
    engine, case_id = one_case
    sam = workspace(engine, "sam")
    payoff = add_complaint(sam, case_id, error("b6"))
    assert payoff.id is not None
    with pytest.raises(InvalidInput, match="extension: no extension is allowed for a payoff"):
        record_step(sam, payoff.id, 1, Step("extension", TODAY, "need more time"))
    late = add_complaint(sam, case_id, error("b2", date(2026, 10, 1)))
    assert late.id is not None  # 30 BD from 1 October: 12 November, passed
    with pytest.raises(InvalidInput, match="too late"):
        record_step(sam, late.id, 1, Step("extension", TODAY, "need more time"))
    with engine.connect() as conn:
        extended = conn.execute(sa.select(sa.func.count()).select_from(complaints_t).where(
            complaints_t.c.extension_on.is_not(None))).scalar_one()
    assert extended == 0


def test_bad_intake_names_the_field_and_stores_nothing(one_case: tuple[Engine, int]) -> None:
    engine, case_id = one_case
    with pytest.raises(InvalidInput) as raised:
        add_complaint(workspace(engine, "sam"), case_id, NewComplaint(
            date(2026, 12, 5), "fax", "notice_of_error", " ", None))
    message = str(raised.value)
    for field in ("received:", "channel:", "category:", "text:"):
        assert field in message
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(complaints_t)
                            ).scalar_one() == 0


def test_stale_version_is_a_conflict(one_case: tuple[Engine, int]) -> None:
    engine, case_id = one_case
    sam = workspace(engine, "sam")
    row = add_complaint(sam, case_id, error())
    assert row.id is not None
    record_step(sam, row.id, 1, Step("acknowledgment", RECEIVED))
    with pytest.raises(Conflict):
        record_step(sam, row.id, 1, Step("response", TODAY))
    assert case_complaints(sam, case_id)[0].steps["responded_on"] is None


def test_foreclosure_error_with_a_sale_scheduled_raises_an_urgent_task(
        one_case: tuple[Engine, int]) -> None:
    engine, case_id = one_case
    with engine.begin() as conn:
        conn.execute(cases_t.update().values(fc_sale_date=date(2026, 12, 15)))
    row = add_complaint(workspace(engine, "sam"), case_id, error("b10"))
    assert row.id is not None
    with engine.connect() as conn:
        urgent = conn.execute(sa.select(tasks_t.c.title, tasks_t.c.due_on).where(
            tasks_t.c.source == f"complaint {row.id}")).one()
    assert urgent.title.startswith("URGENT: foreclosure error") and urgent.due_on == TODAY
    # 1024.35(e)(3)(i)(B): before the sale (14 December), earlier than 30 BD
    assert deadline_tasks(engine, row.id)["1024.35(e)(3)(i)(B)"] == ("open",
                                                                    date(2026, 12, 14))


def test_complaints_view_selects_cases_with_an_open_complaint(
        one_case: tuple[Engine, int]) -> None:
    from db.engine import session_scope
    from db.queries import QueueFilter, queue_count, queue_window

    engine, case_id = one_case

    def shown() -> list[str]:
        with session_scope(engine) as session:
            return [r.loan_number for r in queue_window(
                session, QueueFilter(open_complaints=True), 0, 10)]

    def counted() -> int:
        with session_scope(engine) as session:
            return queue_count(session, QueueFilter(open_complaints=True))

    assert shown() == [] and counted() == 0
    sam = workspace(engine, "sam")
    rows = [add_complaint(sam, case_id, NewComplaint(RECEIVED, "phone", "general_complaint",
                                                     "nobody called back"))
            for _ in range(2)]
    assert shown() == ["A1"] and counted() == 1  # the case once, with two open
    for n, row in enumerate(rows):
        assert row.id is not None
        version = record_step(sam, row.id, 1, Step("response", TODAY))
        version = record_finding(sam, row.id, version,
                                 FindingInput("resolved", "communication"))
        close_complaint(sam, row.id, version, TODAY)
        assert shown() == (["A1"] if n == 0 else [])  # until the last one closes
    with engine.connect() as conn:
        assert conn.execute(sa.select(cases_t.c.open_complaints)).scalar_one() == 0


def test_a_sale_scheduled_after_a_foreclosure_error_raises_the_urgent_task_and_shows(
        one_case: tuple[Engine, int]) -> None:
    from db.engine import session_scope
    from lossmit_tui.services.cases import NewEvent, record_event
    from lossmit_tui.services.clock import case_regulatory

    engine, case_id = one_case
    sam = workspace(engine, "sam")
    row = add_complaint(sam, case_id, error("b9"))
    other = add_complaint(sam, case_id, error("b2"))
    assert row.id is not None and other.id is not None
    urgent = sa.select(tasks_t.c.source, tasks_t.c.due_on, tasks_t.c.title).where(
        tasks_t.c.source.like("complaint %"))
    with engine.connect() as conn:
        assert conn.execute(urgent).all() == []  # no sale yet: nothing urgent
    assert deadline_tasks(engine, row.id)["1024.35(e)(3)(i)(B)"] == ("open", date(2027, 1, 7))
    record_event(sam, case_id, NewEvent("sale_scheduled", TODAY, sale_date=date(2026, 12, 15)))
    with engine.connect() as conn:
        raised = conn.execute(urgent).all()
    assert [(r.source, r.due_on) for r in raised] == [(f"complaint {row.id}", TODAY)]
    assert "sale on 2026-12-15" in raised[0].title
    # 1024.35(e)(3)(i)(B): now due before the sale, the earlier of the two
    assert deadline_tasks(engine, row.id)["1024.35(e)(3)(i)(B)"] == ("open",
                                                                    date(2026, 12, 14))
    record_event(sam, case_id, NewEvent("sale_postponed", TODAY, sale_date=date(2026, 12, 22)))
    with engine.connect() as conn:
        assert len(conn.execute(urgent).all()) == 1  # still open: not raised twice
    assert deadline_tasks(engine, row.id)["1024.35(e)(3)(i)(B)"] == ("open",
                                                                    date(2026, 12, 21))
    with session_scope(engine) as session:
        status = case_regulatory(session, case_id, TODAY, sam.calendar)[2]
    assert status is not None
    (line,) = status.complaints  # the b2 complaint is not a foreclosure error
    assert f"complaint {row.id}, received 2026-11-23, asserts a foreclosure error" in line
    assert "respond by 2026-12-21, before the sale on 2026-12-22" in line


def _extract(tmp_path, rows: list[tuple[str, str]]):  # type: ignore[no-untyped-def]
    """An extract of loans A1 and B1 (sam's, delinquent since 2026-09-01) with these sale
    dates ("" for none)."""
    path = tmp_path / "sales.csv"
    path.write_text("loan_number,borrower_name,investor,upb,next_due_date,property_state,"
                    "assignee,foreclosure_sale_date\n"
                    + "".join(f"{loan},Ann Lee,FNMA,1000,2026-09-01,TX,sam,{sale}\n"
                              for loan, sale in rows))
    return path


def _writes(engine: Engine) -> tuple[int, int]:
    """The task rows and the audit rows other than the import's own, as counts."""
    with engine.connect() as conn:
        tasks = conn.execute(sa.select(sa.func.count()).select_from(tasks_t)).scalar_one()
        audits = conn.execute(sa.select(sa.func.count()).select_from(audit_t).where(
            audit_t.c.entity != "import")).scalar_one()
    return tasks, audits


def test_an_import_that_sets_or_moves_the_sale_raises_the_urgent_task_and_the_deadline(
        one_case: tuple[Engine, int], tmp_path) -> None:  # type: ignore[no-untyped-def]
    from lossmit_tui.services.importer import import_extract

    engine, case_a = one_case
    lee, sam = workspace(engine, "lee"), workspace(engine, "sam")
    assert import_extract(lee, _extract(tmp_path, [("A1", ""), ("B1", "")])).ok
    with engine.connect() as conn:
        case_b = conn.execute(sa.select(cases_t.c.id).where(
            cases_t.c.loan_number == "B1")).scalar_one()
    fc_error = add_complaint(sam, case_a, error("b9")).id
    other = add_complaint(sam, case_b, error("b2")).id  # not a foreclosure error
    assert fc_error is not None and other is not None
    response = "1024.35(e)(3)(i)(B)"
    assert deadline_tasks(engine, fc_error)[response] == ("open", date(2027, 1, 7))
    b_before = deadline_tasks(engine, other)
    urgent = sa.select(tasks_t.c.case_id, tasks_t.c.source, tasks_t.c.due_on,
                       tasks_t.c.title, tasks_t.c.assignee_id, tasks_t.c.status).where(
        tasks_t.c.source.like("complaint %"))
    with engine.connect() as conn:
        assert conn.execute(urgent).all() == []  # no sale yet: nothing urgent
        last_audit = conn.execute(sa.select(sa.func.max(audit_t.c.id))).scalar_one()
        sam_id = conn.execute(sa.text("SELECT id FROM users WHERE username = 'sam'")
                              ).scalar_one()

    report = import_extract(lee, _extract(tmp_path, [("A1", "2026-12-15"),
                                                     ("B1", "2026-12-15")]))
    assert report.ok and sorted(report.updated) == ["A1", "B1"]
    with engine.connect() as conn:
        raised = conn.execute(urgent).all()
        audits = conn.execute(sa.select(audit_t.c.entity, audit_t.c.action, audit_t.c.after)
                              .where(audit_t.c.id > last_audit, audit_t.c.entity == "task")
                              ).all()
    # the urgent check, due today, to the complaint's owner, as the service raises it
    assert [(r.case_id, r.source, r.due_on, r.assignee_id, r.status) for r in raised] == [
        (case_a, f"complaint {fc_error}", TODAY, sam_id, "open")]
    assert "sale on 2026-12-15" in raised[0].title and raised[0].title.startswith("URGENT")
    assert any(a.action == "create" and a.after.get("urgent") for a in audits)
    # 1024.35(e)(3)(i)(B): due before the sale now, the earlier of the two, and audited
    assert deadline_tasks(engine, fc_error)[response] == ("open", date(2026, 12, 14))
    assert any(a.action == "reschedule" and a.after["rule"] == f"{response} complaint "
               f"{fc_error}" and a.after["due_on"] == "2026-12-14" for a in audits)
    # B1's complaint asserts no foreclosure error: its deadlines stay as they were
    assert deadline_tasks(engine, other) == b_before

    # the same file again changes no sale date: nothing new is written
    before = _writes(engine)
    again = import_extract(lee, _extract(tmp_path, [("A1", "2026-12-15"),
                                                    ("B1", "2026-12-15")]))
    assert again.ok and again.unchanged == 2
    assert _writes(engine) == before

    # the sale moved earlier: the deadline follows it; the open check is not raised twice
    assert import_extract(lee, _extract(tmp_path, [("A1", "2026-12-10"),
                                                   ("B1", "2026-12-15")])).ok
    assert deadline_tasks(engine, fc_error)[response] == ("open", date(2026, 12, 9))
    with engine.connect() as conn:
        assert len(conn.execute(urgent).all()) == 1
