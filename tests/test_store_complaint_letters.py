"""Complaint letters (docs/RULES.md section 9), on SQLite and PostgreSQL: each is written
from its complaint with what 12 CFR 1024.35/1024.36 require it to say, is refused while the
complaint is not at its step, and mailing it records the complaint's step, which meets the
complaint's clock (its deadline task done) with an audit row naming the letter."""

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db.models import AuditEvent, Case, Complaint, Letter, Task
from lossmit_tui.config import Settings, load_settings
from lossmit_tui.domain.letters import COMPLAINT_KINDS
from lossmit_tui.services.complaints import (
    FindingInput,
    NewComplaint,
    Step,
    add_complaint,
    record_finding,
    record_step,
)
from lossmit_tui.services.errors import InvalidInput
from lossmit_tui.services.importer import import_extract
from lossmit_tui.services.letters import (
    generate_letter,
    kinds_for_case,
    mark_letter_mailed,
    mark_mailed,
    run_batch,
)
from lossmit_tui.services.workspace import Workspace

from .workspace import workspace

cases_t, tasks_t, letters_t = Case.__table__, Task.__table__, Letter.__table__
complaints_t, audit_t = Complaint.__table__, AuditEvent.__table__
RECEIVED = date(2026, 11, 23)  # a Monday; Thanksgiving is 26 November
ACK_DUE = date(2026, 12, 1)  # 5 BD
RESPONSE_DUE = date(2027, 1, 7)  # 30 BD


def servicer(tmp_path: Path) -> Settings:
    return load_settings(servicer_name="Acme Servicing",
                         servicer_address="1 Main St, Dallas, TX 75001",
                         servicer_phone="(800) 555-0100",
                         letter_templates_dir=str(tmp_path / "letters"))


@pytest.fixture
def loan(team: Engine, tmp_path: Path) -> tuple[Engine, int]:
    """Loan L1 with its property address, sam's, delinquent since 2026-09-01."""
    path = tmp_path / "case.csv"
    path.write_text("loan_number,borrower_name,investor,upb,next_due_date,property_address,"
                    "property_city,property_state,property_zip,assignee\n"
                    "L1,Ann Lee,FNMA,1000,2026-09-01,12 Oak Rd,Plano,TX,75023,sam\n",
                    encoding="utf-8")
    assert import_extract(workspace(team, "lee", date(2026, 11, 20)), path).ok
    with team.connect() as conn:
        return team, conn.execute(sa.select(cases_t.c.id)).scalar_one()


def ws_on(engine: Engine, day: date, tmp_path: Path) -> Workspace:
    return workspace(engine, "sam", day, settings=servicer(tmp_path))


def log(ws: Workspace, case_id: int, category: str = "b2",
        type_: str = "notice_of_error") -> int:
    row = add_complaint(ws, case_id, NewComplaint(
        RECEIVED, "mail", type_, "You applied my October payment to fees.",
        category if type_ == "notice_of_error" else None,
        "who owns my loan" if type_ == "request_for_information" else ""))
    assert row.id is not None
    return row.id


def version(engine: Engine, complaint_id: int) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(complaints_t.c.version).where(
            complaints_t.c.id == complaint_id)).scalar_one())


def complaint_row(engine: Engine, complaint_id: int) -> sa.Row:
    with engine.connect() as conn:
        return conn.execute(sa.select(complaints_t).where(
            complaints_t.c.id == complaint_id)).one()


def task(engine: Engine, citation: str, complaint_id: int) -> tuple[str, date]:
    with engine.connect() as conn:
        row = conn.execute(sa.select(tasks_t.c.status, tasks_t.c.due_on).where(
            tasks_t.c.source == f"{citation} complaint {complaint_id}")).one()
    return row.status, row.due_on


def last_complaint_audit(engine: Engine, complaint_id: int) -> sa.Row:
    with engine.connect() as conn:
        return conn.execute(sa.select(audit_t.c.action, audit_t.c.after).where(
            audit_t.c.entity == "complaint", audit_t.c.entity_id == str(complaint_id))
            .order_by(audit_t.c.id.desc()).limit(1)).one()


def test_mailing_the_acknowledgment_meets_its_clock(loan, tmp_path) -> None:
    engine, case_id = loan
    ws = ws_on(engine, date(2026, 11, 24), tmp_path)
    cid = log(ws, case_id)
    letter = generate_letter(ws, case_id, "complaint_acknowledgment", complaint_id=cid)
    assert "We received your notice of error on November 23, 2026" in letter.text
    assert letter.complaint_id == cid
    assert task(engine, "1024.35(d)", cid) == ("open", ACK_DUE)  # generated is not sent
    mark_letter_mailed(ws, letter.id or 0)
    assert complaint_row(engine, cid).acknowledged_on == date(2026, 11, 24)
    assert task(engine, "1024.35(d)", cid)[0] == "done"
    audit = last_complaint_audit(engine, cid)
    assert audit.action == "acknowledgment" and audit.after["letter"] == letter.id
    # a second copy mailed later does not move the date the clock was met
    again = generate_letter(ws, case_id, "complaint_acknowledgment", complaint_id=cid)
    mark_letter_mailed(ws_on(engine, date(2026, 11, 25), tmp_path), again.id or 0)
    assert complaint_row(engine, cid).acknowledged_on == date(2026, 11, 24)


def test_the_extension_letter_gives_its_reasons_and_the_new_date_and_mailing_extends(
        loan, tmp_path) -> None:
    engine, case_id = loan
    ws = ws_on(engine, date(2026, 12, 10), tmp_path)
    cid = log(ws, case_id)
    with pytest.raises(InvalidInput, match="reasons"):
        generate_letter(ws, case_id, "complaint_extension", complaint_id=cid)
    letter = generate_letter(ws, case_id, "complaint_extension", complaint_id=cid,
                             extra={"reasons": "We asked the prior servicer for your "
                                               "escrow records."})
    assert "prior servicer for your escrow records" in letter.text
    assert "by January 29, 2027" in letter.text  # 30 BD + 15 BD
    mark_letter_mailed(ws, letter.id or 0)
    row = complaint_row(engine, cid)
    assert row.extension_on == date(2026, 12, 10)
    assert row.extension_reason.startswith("We asked the prior servicer")
    assert task(engine, "1024.35(e)(3)(i)(C)", cid) == ("open", date(2027, 1, 29))


def test_no_extension_letter_for_a_payoff_error_nor_mailed_after_the_deadline(
        loan, tmp_path) -> None:
    engine, case_id = loan
    ws = ws_on(engine, date(2026, 11, 24), tmp_path)
    payoff = log(ws, case_id, "b6")
    with pytest.raises(InvalidInput, match="no extension is allowed for a payoff"):
        generate_letter(ws, case_id, "complaint_extension", complaint_id=payoff,
                        extra={"reasons": "more time"})
    cid = log(ws, case_id)
    early = ws_on(engine, date(2027, 1, 6), tmp_path)
    letter = generate_letter(early, case_id, "complaint_extension", complaint_id=cid,
                             extra={"reasons": "more time"})
    late = ws_on(engine, date(2027, 1, 8), tmp_path)
    with pytest.raises(InvalidInput, match="before the deadline"):
        mark_letter_mailed(late, letter.id or 0)  # the response was due 7 January
    with engine.connect() as conn:
        assert conn.execute(sa.select(letters_t.c.status).where(
            letters_t.c.id == letter.id)).scalar_one() == "generated"
    assert complaint_row(engine, cid).extension_on is None


def test_the_no_error_response_needs_the_finding_and_says_what_the_rule_requires(
        loan, tmp_path) -> None:
    engine, case_id = loan
    ws = ws_on(engine, date(2026, 12, 10), tmp_path)
    cid = log(ws, case_id)
    with pytest.raises(InvalidInput, match=r"finding: .* no_error recorded first"):
        generate_letter(ws, case_id, "complaint_no_error", complaint_id=cid,
                        extra={"reasons": "posted as you asked"})
    record_finding(ws, cid, version(engine, cid), FindingInput(
        "no_error", "no_error", "payment history reviewed"))
    with pytest.raises(InvalidInput, match=r"the reasons \(--reason\)"):
        generate_letter(ws, case_id, "complaint_no_error", complaint_id=cid)
    letter = generate_letter(ws, case_id, "complaint_no_error", complaint_id=cid,
                             extra={"reasons": "Your October payment was applied to "
                                               "principal and interest on October 3."})
    text = letter.text
    assert "we have determined that no error occurred" in text
    assert "applied to principal and interest on October 3" in text
    assert "right to request the documents we relied on" in text
    assert "write to us at 1 Main St, Dallas, TX 75001" in text  # how to ask
    assert "(800) 555-0100" in text  # contact phone
    mark_letter_mailed(ws, letter.id or 0)
    row = complaint_row(engine, cid)
    assert row.responded_on == date(2026, 12, 10) and not row.corrected
    assert task(engine, "1024.35(e)(3)(i)(C)", cid)[0] == "done"


def test_the_corrected_response_within_5_bd_meets_acknowledgment_and_response(
        loan, tmp_path) -> None:
    engine, case_id = loan
    ws = ws_on(engine, date(2026, 11, 25), tmp_path)
    cid = log(ws, case_id)
    with pytest.raises(InvalidInput, match="error_found recorded first"):
        generate_letter(ws, case_id, "complaint_corrected", complaint_id=cid)
    record_finding(ws, cid, version(engine, cid), FindingInput(
        "error_found", "payment_processing", "posted to fees",
        "your October payment moved to principal and interest", date(2026, 10, 1), 2_500))
    letter = generate_letter(ws, case_id, "complaint_corrected", complaint_id=cid)
    assert "What we corrected: your October payment moved" in letter.text
    assert "effective October 1, 2026" in letter.text and "$25.00" in letter.text
    mark_letter_mailed(ws, letter.id or 0)
    row = complaint_row(engine, cid)
    assert row.responded_on == date(2026, 11, 25) and row.corrected
    # 1024.35(f)(1): corrected and told in writing within 5 BD meets both clocks
    assert task(engine, "1024.35(d)", cid)[0] == "done"
    assert task(engine, "1024.35(e)(3)(i)(C)", cid)[0] == "done"


def test_the_documents_letter_lists_them_and_mailing_meets_the_15_bd_clock(
        loan, tmp_path) -> None:
    engine, case_id = loan
    ws = ws_on(engine, date(2026, 12, 10), tmp_path)
    cid = log(ws, case_id)
    with pytest.raises(InvalidInput, match="asked for the documents"):
        generate_letter(ws, case_id, "complaint_documents", complaint_id=cid,
                        extra={"documents": ["Payment history"]})
    record_step(ws, cid, version(engine, cid), Step("documents_requested", date(2026, 12, 1)))
    with pytest.raises(InvalidInput, match="documents relied on"):
        generate_letter(ws, case_id, "complaint_documents", complaint_id=cid)
    letter = generate_letter(ws, case_id, "complaint_documents", complaint_id=cid,
                             extra={"documents": ["Payment history, 2026", "Escrow analysis"]})
    assert "  - Payment history, 2026" in letter.text
    assert "On December 1, 2026 you asked" in letter.text
    mark_letter_mailed(ws, letter.id or 0)
    assert complaint_row(engine, cid).documents_sent_on == date(2026, 12, 10)
    assert task(engine, "1024.35(e)(4)", cid)[0] == "done"


def test_the_exemption_notice_gives_the_basis_and_mailing_meets_its_clock(
        loan, tmp_path) -> None:
    engine, case_id = loan
    ws = ws_on(engine, date(2026, 11, 25), tmp_path)
    cid = log(ws, case_id)
    with pytest.raises(InvalidInput, match="basis of the exemption"):
        generate_letter(ws, case_id, "complaint_exempt", complaint_id=cid)
    record_step(ws, cid, version(engine, cid), Step("exemption", date(2026, 11, 25),
                                                    exemption="duplicative"))
    assert task(engine, "1024.35(g)(2)", cid) == ("open", date(2026, 12, 3))
    letter = generate_letter(ws, case_id, "complaint_exempt", complaint_id=cid)
    assert "not required to respond" in letter.text
    assert "duplicative: the same matter already handled" in letter.text
    mark_letter_mailed(ws, letter.id or 0)
    assert complaint_row(engine, cid).exemption_notice_on == date(2026, 11, 25)
    assert task(engine, "1024.35(g)(2)", cid)[0] == "done"


def test_a_request_for_information_is_acknowledged_as_one(loan, tmp_path) -> None:
    engine, case_id = loan
    ws = ws_on(engine, date(2026, 11, 24), tmp_path)
    cid = log(ws, case_id, type_="request_for_information")
    letter = generate_letter(ws, case_id, "complaint_acknowledgment", complaint_id=cid)
    assert "We received your request for information on November 23, 2026" in letter.text
    mark_letter_mailed(ws, letter.id or 0)
    assert task(engine, "1024.36(c)", cid)[0] == "done"


def test_the_mail_batch_records_complaint_steps_too(loan, tmp_path) -> None:
    engine, case_id = loan
    ws = ws_on(engine, date(2026, 11, 24), tmp_path)
    cid = log(ws, case_id)
    letter = generate_letter(ws, case_id, "complaint_acknowledgment", complaint_id=cid)
    report = run_batch(ws, tmp_path / "out")
    assert letter.id in [w[0] for w in report.written]
    mark_mailed(ws, report.batch_id)
    assert complaint_row(engine, cid).acknowledged_on == date(2026, 11, 24)


def test_a_complaint_letter_needs_its_complaint_and_stays_off_the_case_letter_list(
        loan, tmp_path) -> None:
    engine, case_id = loan
    ws = ws_on(engine, date(2026, 11, 24), tmp_path)
    with pytest.raises(InvalidInput, match="written from a complaint"):
        generate_letter(ws, case_id, "complaint_acknowledgment")
    cid = log(ws, case_id)
    with pytest.raises(InvalidInput, match="not a complaint letter"):
        generate_letter(ws, case_id, "spoc", complaint_id=cid)
    listed = {key for key, _, _ in kinds_for_case(ws, case_id)}
    assert listed and not listed & set(COMPLAINT_KINDS)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(letters_t)).scalar() == 0


# --- the answer to a request for information (1024.36(d)(1)) ------------------------------


def ask(ws: Workspace, case_id: int, owner: bool = False) -> int:
    """A request for information received on RECEIVED: who owns the loan (10 BD) or the
    escrow history (30 BD)."""
    row = add_complaint(ws, case_id, NewComplaint(
        RECEIVED, "mail", "request_for_information", "Please send my escrow history.",
        None, "who owns my loan" if owner else "my escrow history for 2025",
        "owner_identity" if owner else None))
    assert row.id is not None
    return row.id


def test_the_information_letter_gives_it_with_a_phone_and_mailing_meets_the_response(
        loan, tmp_path) -> None:
    engine, case_id = loan
    ws = ws_on(engine, date(2026, 12, 10), tmp_path)
    cid = ask(ws, case_id, owner=True)
    assert task(engine, "1024.36(d)(2)(i)(A)", cid) == ("open", date(2026, 12, 8))
    cid = ask(ws, case_id)
    assert task(engine, "1024.36(d)(2)(i)(B)", cid) == ("open", RESPONSE_DUE)
    with pytest.raises(InvalidInput, match=r"finding: .* information_provided recorded first"):
        generate_letter(ws, case_id, "complaint_information", complaint_id=cid,
                        extra={"information": "Escrow paid: taxes $2,400.00."})
    record_finding(ws, cid, version(engine, cid), FindingInput(
        "information_provided", "communication", "escrow ledger pulled"))
    with pytest.raises(InvalidInput, match=r"the information requested \(--information\)"):
        generate_letter(ws, case_id, "complaint_information", complaint_id=cid)
    letter = generate_letter(ws, case_id, "complaint_information", complaint_id=cid,
                             extra={"information": "Escrow paid in 2025: county taxes "
                                                   "$2,400.00 on 1 March; insurance "
                                                   "$1,150.00 on 5 June."})
    text = letter.text
    assert "request for information you sent us on November 23, 2026" in text
    assert "You asked: my escrow history for 2025" in text
    assert "county taxes $2,400.00 on 1 March" in text
    assert "please call us at (800) 555-0100" in text  # contact with a phone, (d)(1)(i)
    assert task(engine, "1024.36(d)(2)(i)(B)", cid)[0] == "open"  # generated is not sent
    mark_letter_mailed(ws, letter.id or 0)
    row = complaint_row(engine, cid)
    assert row.responded_on == date(2026, 12, 10) and row.corrected
    assert task(engine, "1024.36(d)(2)(i)(B)", cid)[0] == "done"
    audit = last_complaint_audit(engine, cid)
    assert audit.action == "response" and audit.after["letter"] == letter.id


def test_information_sent_within_5_bd_meets_the_acknowledgment_too(loan, tmp_path) -> None:
    engine, case_id = loan
    ws = ws_on(engine, date(2026, 11, 25), tmp_path)
    cid = ask(ws, case_id)
    record_finding(ws, cid, version(engine, cid), FindingInput(
        "information_provided", "communication"))
    letter = generate_letter(ws, case_id, "complaint_information", complaint_id=cid,
                             extra={"information": "Your escrow history is enclosed."})
    mark_letter_mailed(ws, letter.id or 0)
    # 1024.36(e): the information, with a phone number, in writing within 5 BD meets both
    assert task(engine, "1024.36(c)", cid)[0] == "done"
    assert task(engine, "1024.36(d)(2)(i)(B)", cid)[0] == "done"


def test_the_not_available_letter_says_the_search_and_the_basis_and_meets_the_response(
        loan, tmp_path) -> None:
    engine, case_id = loan
    ws = ws_on(engine, date(2026, 11, 25), tmp_path)
    cid = ask(ws, case_id)
    record_finding(ws, cid, version(engine, cid), FindingInput(
        "information_not_available", "servicing_transfer", "prior servicer's records"))
    with pytest.raises(InvalidInput, match=r"the reasons \(--reason\)"):
        generate_letter(ws, case_id, "complaint_not_available", complaint_id=cid)
    letter = generate_letter(ws, case_id, "complaint_not_available", complaint_id=cid,
                             extra={"reasons": "The 2025 records stayed with the prior "
                                               "servicer, Beta Loans."})
    text = letter.text
    assert "We conducted a reasonable search for the information you requested" in text
    assert "determined that it is not available to us" in text
    assert "The basis for this determination:\nThe 2025 records stayed with" in text
    assert "(800) 555-0100" in text
    mark_letter_mailed(ws, letter.id or 0)
    row = complaint_row(engine, cid)
    assert row.responded_on == date(2026, 11, 25) and not row.corrected
    assert task(engine, "1024.36(d)(2)(i)(B)", cid)[0] == "done"
    # "not available" is not the information: the acknowledgment is still owed (1024.36(e))
    assert task(engine, "1024.36(c)", cid) == ("open", ACK_DUE)


def test_the_request_letters_are_refused_for_a_notice_of_error_and_the_other_way(
        loan, tmp_path) -> None:
    engine, case_id = loan
    ws = ws_on(engine, date(2026, 12, 10), tmp_path)
    error = log(ws, case_id)
    before = version(engine, error)
    for wrong in ("information_provided", "information_not_available", "resolved"):
        with pytest.raises(InvalidInput, match=rf"^finding: '{wrong}' does not answer a "
                                               "notice of error; use one of error_found, "
                                               "no_error"):
            record_finding(ws, error, before, FindingInput(wrong, "communication"))
    assert version(engine, error) == before  # nothing written
    for kind in ("complaint_information", "complaint_not_available"):
        with pytest.raises(InvalidInput, match=r"^type: .* answers a request for information "
                                               r"\(1024.36\(d\)\); complaint \d+ is a notice "
                                               "of error"):
            generate_letter(ws, case_id, kind, complaint_id=error,
                            extra={"information": "x", "reasons": "x"})
    request = ask(ws, case_id)
    for wrong in ("no_error", "resolved"):
        with pytest.raises(InvalidInput, match=rf"^finding: '{wrong}' does not answer a "
                                               "request for information; use one of "
                                               "information_provided, "
                                               "information_not_available"):
            record_finding(ws, request, version(engine, request),
                           FindingInput(wrong, "no_error"))
    with pytest.raises(InvalidInput, match=r"^type: .* answers a notice of error"):
        generate_letter(ws, case_id, "complaint_no_error", complaint_id=request,
                        extra={"reasons": "x"})
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(letters_t)).scalar() == 0
    assert complaint_row(engine, request).responded_on is None


# --- in Spanish ---------------------------------------------------------------------------


def test_a_spanish_speaking_borrower_gets_every_complaint_letter_in_spanish(
        loan, tmp_path) -> None:
    from lossmit_tui.services.cases import update_case
    from lossmit_tui.services.letters import preview_letter

    engine, case_id = loan
    ws = ws_on(engine, date(2026, 11, 25), tmp_path)
    with engine.connect() as conn:
        case_version = conn.execute(sa.select(cases_t.c.version)).scalar_one()
    update_case(ws, case_id, case_version, {"preferred_language": "es"})
    noe, corrected, exempt = log(ws, case_id), log(ws, case_id), log(ws, case_id)
    found, missing = ask(ws, case_id), ask(ws, case_id)
    record_step(ws, noe, version(engine, noe), Step("documents_requested", RECEIVED))
    record_finding(ws, noe, version(engine, noe), FindingInput("no_error", "no_error"))
    record_finding(ws, corrected, version(engine, corrected), FindingInput(
        "error_found", "fees", "", "the late fee was reversed", date(2026, 11, 24), 3_500))
    record_step(ws, exempt, version(engine, exempt), Step("exemption", date(2026, 11, 25),
                                                          exemption="duplicative"))
    record_finding(ws, found, version(engine, found), FindingInput(
        "information_provided", "communication"))
    record_finding(ws, missing, version(engine, missing), FindingInput(
        "information_not_available", "servicing_transfer"))
    extra = {"reasons": "Los registros quedaron con el administrador anterior.",
             "documents": ["Historial de pagos"], "information": "Fannie Mae."}
    expected = {  # each kind, from its complaint, with a sentence only its Spanish text has
        "complaint_acknowledgment": (noe, "Recibimos su aviso de error el 23 de noviembre "
                                          "de 2026"),
        "complaint_extension": (noe, "extendemos en 15 días hábiles el plazo para "
                                     "responderle. Le responderemos por escrito a más "
                                     "tardar el 29 de enero de 2027"),
        "complaint_no_error": (noe, "Usted tiene derecho a solicitar los documentos"),
        "complaint_documents": (noe, "El 23 de noviembre de 2026 usted nos pidió los "
                                     "documentos"),
        "complaint_corrected": (corrected, "La corrección tiene efecto a partir del 24 de "
                                          "noviembre de 2026"),
        "complaint_exempt": (exempt, "porque plantea el mismo asunto que ya atendimos"),
        "complaint_information": (found, "Lo que usted solicitó: my escrow history for "
                                         "2025"),
        "complaint_not_available": (missing, "Realizamos una búsqueda razonable"),
    }
    assert set(expected) == set(COMPLAINT_KINDS)
    for kind, (cid, sentence) in expected.items():
        letter = preview_letter(ws, case_id, kind, extra, cid)
        assert letter.template.language == "es" and not letter.note, kind
        assert sentence in letter.text, (kind, letter.text)
        assert "Atentamente," in letter.text and "Teléfono: (800) 555-0100" in letter.text
        assert "Dear " not in letter.text and "Sincerely" not in letter.text
    # kept and mailed as any other: the Spanish letter records its step too
    letter = generate_letter(ws, case_id, "complaint_information", extra=extra,
                             complaint_id=found)
    assert letter.language == "es"
    mark_letter_mailed(ws, letter.id or 0)
    assert complaint_row(engine, found).responded_on == date(2026, 11, 25)
    assert task(engine, "1024.36(d)(2)(i)(B)", found)[0] == "done"


def test_every_exemption_has_its_spanish_basis() -> None:
    from lossmit_tui.domain.complaints import EXEMPTIONS
    from lossmit_tui.services.letters import EXEMPTION_BASIS_ES

    assert set(EXEMPTION_BASIS_ES) == set(EXEMPTIONS)
