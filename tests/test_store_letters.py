"""Letters (docs/RULES.md section 10): every kind's required elements are checked when its
template loads, merge data is formatted for a borrower and never read as template source,
missing data refuses the letter, the PDF is the same bytes every time and says what the
preview says, and the batch -> mailed path meets the clock, on both stores."""

import csv
import hashlib
import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db.models import AuditEvent, Case, CaseEvent, Letter, Task
from lossmit_tui.config import Settings, load_settings
from lossmit_tui.domain.letters import (
    COMPLAINT_KINDS,
    KINDS,
    LANGUAGES,
    LETTER_CLOCKS,
    letter_date,
    letter_money,
    letter_rate,
)
from lossmit_tui.services.cases import NewEvent, record_event, update_case
from lossmit_tui.services.documents import request_document
from lossmit_tui.services.errors import InvalidInput, NotFound, PermissionDenied
from lossmit_tui.services.importer import import_extract
from lossmit_tui.services.letter_pdf import (
    CORE_FONT,
    FONT_NAME,
    CannotDraw,
    pick_font,
    render_pdf,
)
from lossmit_tui.services.letter_templates import SHIPPED, TemplateRefused, load_template
from lossmit_tui.services.letters import (
    case_letters,
    generate_letter,
    letter_pdf,
    mark_mailed,
    mark_returned,
    owed_letters,
    preview_letter,
    run_batch,
)

from .workspace import workspace

cases_t, tasks_t, events_t = Case.__table__, Task.__table__, CaseEvent.__table__
letters_t, audit_t = Letter.__table__, AuditEvent.__table__
FEB_20 = date(2026, 2, 20)


def servicer(tmp_path: Path, **more: object) -> Settings:
    """Settings with the servicer's details and sam's direct line, templates from
    tmp_path/letters (empty unless a test writes one)."""
    values: dict[str, object] = {
        "servicer_name": "Acme Servicing", "servicer_address": "1 Main St, Dallas, TX 75001",
        "servicer_phone": "(800) 555-0100", "spoc_phones": {"sam": "2145550123"},
        "letter_templates_dir": str(tmp_path / "letters")}
    values.update(more)
    return load_settings(**values)


@pytest.fixture
def loan(team: Engine, tmp_path: Path) -> tuple[Engine, int]:
    """Loan L1, owner-occupied in Texas, installment due 2026-01-01 unpaid, sam's: the
    written notice is owed by 2026-02-15."""
    path = tmp_path / "case.csv"
    path.write_text("loan_number,borrower_name,co_borrower_name,investor,upb,next_due_date,"
                    "property_address,property_city,property_state,property_zip,assignee\n"
                    "L1,José Núñez,Zoë Ångström,FNMA,1000,2026-01-01,12 Oak Rd,Plano,TX,75023,"
                    "sam\n", encoding="utf-8")
    assert import_extract(workspace(team, "lee", date(2026, 1, 20)), path).ok
    with team.connect() as conn:
        return team, conn.execute(sa.select(cases_t.c.id)).scalar_one()


# --- the kinds and their templates ----------------------------------------------------------


# Every shipped template, by kind and language: English for every kind, Spanish where
# shipped (every complaint letter among them).
SHIPPED_TEMPLATES = [(kind.key, language) for kind in KINDS.values() for language in LANGUAGES
                     if (SHIPPED / f"{kind.key}.{language}.txt").is_file()]


@pytest.mark.parametrize(("kind_key", "language"), SHIPPED_TEMPLATES)
def test_every_shipped_template_has_its_kinds_required_elements(
        kind_key: str, language: str) -> None:
    template = load_template(KINDS[kind_key], language, None)
    assert template.origin == "shipped" and not template.fell_back
    assert template.language == language and len(template.sha256) == 64


def test_every_kind_has_an_english_template_and_every_complaint_letter_a_spanish_one() -> None:
    assert {k for k, lang in SHIPPED_TEMPLATES if lang == "en"} == set(KINDS)
    assert {k for k, lang in SHIPPED_TEMPLATES if lang == "es"} >= set(COMPLAINT_KINDS)


ELEMENTS = [(kind_key, language, element.block) for kind_key, language in SHIPPED_TEMPLATES
            for element in KINDS[kind_key].elements]


@pytest.mark.parametrize(("kind_key", "language", "block"), ELEMENTS)
def test_a_template_missing_a_required_element_is_refused_naming_it_and_the_rule(
        kind_key: str, language: str, block: str, tmp_path: Path) -> None:
    kind = KINDS[kind_key]
    element = next(e for e in kind.elements if e.block == block)
    source = (SHIPPED / f"{kind_key}.{language}.txt").read_text(encoding="utf-8")
    dropped = re.sub(r"\{% block " + block + r" %\}.*?\{% endblock %\}", "", source,
                     flags=re.S)
    assert dropped != source
    folder = tmp_path / "letters"
    folder.mkdir()
    (folder / f"{kind_key}.{language}.txt").write_text(dropped, encoding="utf-8")
    with pytest.raises(TemplateRefused) as refused:
        load_template(kind, language, folder)
    assert element.what in str(refused.value) and element.rule in str(refused.value)
    assert str(folder) in str(refused.value)  # which file: the servicer's own


@pytest.mark.parametrize(("kind_key", "language", "block"),
                         [(k, lang, b) for k, lang, b in ELEMENTS
                          if next(e for e in KINDS[k].elements if e.block == b).fields])
def test_a_required_element_that_does_not_use_its_fields_is_refused(
        kind_key: str, language: str, block: str, tmp_path: Path) -> None:
    kind = KINDS[kind_key]
    source = (SHIPPED / f"{kind_key}.{language}.txt").read_text(encoding="utf-8")
    hollow = re.sub(r"(\{% block " + block + r" %\}).*?(\{% endblock %\})",
                    r"\1\nSee the enclosed page.\n\2", source, flags=re.S)
    folder = tmp_path / "letters"
    folder.mkdir()
    (folder / f"{kind_key}.{language}.txt").write_text(hollow, encoding="utf-8")
    with pytest.raises(TemplateRefused, match="does not use"):
        load_template(kind, language, folder)


def test_merge_fields_are_formatted_for_a_borrower() -> None:
    assert letter_money(111771) == "$1,117.71"
    assert letter_money(32490922) == "$324,909.22"
    assert letter_date(date(2027, 1, 2)) == "January 2, 2027"
    assert letter_date(date(2027, 1, 2), "es") == "2 de enero de 2027"
    assert letter_rate(Decimal("6.5")) == "6.500%"


# --- composing from the case ----------------------------------------------------------------


@pytest.mark.store
def test_case_data_prints_literally_and_never_runs_as_template(loan, tmp_path) -> None:
    engine, case_id = loan
    with engine.begin() as conn:  # as a hostile extract might have stored it
        conn.execute(cases_t.update().values(
            borrower_name="{{ 7*7 }} {% for x in range(3) %}X{% endfor %}",
            co_borrower_name=None))
    ws = workspace(engine, "sam", FEB_20, settings=servicer(tmp_path))
    text = preview_letter(ws, case_id, "early_intervention").text
    assert "{{ 7*7 }} {% for x in range(3) %}X{% endfor %}" in text
    assert "49" not in text and "XXX" not in text


@pytest.mark.store
def test_a_template_reaching_outside_its_fields_is_refused(loan, tmp_path) -> None:
    engine, case_id = loan
    folder = tmp_path / "letters"
    folder.mkdir()
    source = (SHIPPED / "spoc.en.txt").read_text(encoding="utf-8")
    ws = workspace(engine, "sam", FEB_20, settings=servicer(tmp_path))
    (folder / "spoc.en.txt").write_text(
        source.replace("Dear {{ borrowers }}", "Dear {{ borrowers.__class__.__mro__ }}"),
        encoding="utf-8")
    with pytest.raises(TemplateRefused, match=r"sandbox refuses|could not be filled"):
        preview_letter(ws, case_id, "spoc")
    (folder / "spoc.en.txt").write_text(source.replace("Dear {{ borrowers }}",
                                                       "Dear {{ ssn_last4 }}"),
                                        encoding="utf-8")
    with pytest.raises(TemplateRefused, match="ssn_last4"):
        preview_letter(ws, case_id, "spoc")


@pytest.mark.store
def test_missing_merge_data_refuses_the_letter_saying_what_is_missing(loan, tmp_path) -> None:
    engine, case_id = loan
    no_phone = servicer(tmp_path, spoc_phones={})
    with pytest.raises(InvalidInput, match="SPOC's direct phone"):
        preview_letter(workspace(engine, "sam", FEB_20, settings=no_phone), case_id,
                       "early_intervention")
    with pytest.raises(InvalidInput, match="servicer's name"):
        preview_letter(workspace(engine, "sam", FEB_20), case_id, "spoc")
    ws = workspace(engine, "sam", FEB_20, settings=servicer(tmp_path))
    with pytest.raises(InvalidInput, match="application_received"):
        preview_letter(ws, case_id, "acknowledgment")
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(letters_t)).scalar() == 0


@pytest.mark.store
def test_an_incomplete_acknowledgment_lists_what_is_missing_and_the_return_by_date(
        loan, tmp_path) -> None:
    engine, case_id = loan
    ws = workspace(engine, "sam", FEB_20, settings=servicer(tmp_path))
    record_event(ws, case_id, NewEvent("application_received", FEB_20))
    request_document(ws, case_id, "pay_stubs")
    text = preview_letter(ws, case_id, "acknowledgment").text
    assert "received your application for mortgage assistance on February 20, 2026" in text
    assert "- pay stubs" in text
    assert "by March 22, 2026" in text  # 30 days after the notice
    assert "José Núñez and Zoë Ångström" in text
    assert "12 Oak Rd, Plano, TX 75023" in text and "(214) 555-0123" not in text


@pytest.mark.store
def test_the_preferred_language_picks_the_template_and_a_missing_one_falls_back_saying_so(
        loan, tmp_path) -> None:
    engine, case_id = loan
    ws = workspace(engine, "sam", FEB_20, settings=servicer(tmp_path))
    with engine.connect() as conn:
        version = conn.execute(sa.select(cases_t.c.version)).scalar_one()
    update_case(ws, case_id, version, {"preferred_language": "es"})
    spanish = preview_letter(ws, case_id, "early_intervention")
    assert "Queremos ayudarle" in spanish.text and "20 de febrero de 2026" in spanish.text
    assert spanish.template.language == "es" and not spanish.note
    english = preview_letter(ws, case_id, "spoc")
    assert english.template.language == "en" and "in English" in english.note
    assert "Your single point of contact is Sam Specialist" in english.text


# --- the PDF --------------------------------------------------------------------------------


def test_the_same_letter_renders_to_the_same_bytes() -> None:
    text = "Acme Servicing\n\nDear José Núñez and Zoë Ångström:\n\nΔήμητρα Пётр\n"
    first = render_pdf(text, "Title", date(2027, 1, 2))
    assert first == render_pdf(text, "Title", date(2027, 1, 2))
    assert first != render_pdf(text + "x", "Title", date(2027, 1, 2))


def test_a_name_the_font_cannot_draw_is_refused_naming_the_characters() -> None:
    with pytest.raises(CannotDraw, match=r"'王' \(U\+738B\)"):
        render_pdf("Dear 王小明:\n", "Title", date(2027, 1, 2))


def _words(text: str) -> list[str]:
    return text.split()


def _pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_helvetica_draws_a_letter_winansi_encodes_and_dejavu_anything_else_it_has() -> None:
    assert pick_font("¿Sí? ¡Olé! José Núñez, Zoë Ångström: “quoted” — €5 (page 1)\n") \
        == CORE_FONT
    assert pick_font("Dear Trần Thị Đào:\n") == FONT_NAME  # ầ, ị and Đ are not in WinAnsi
    assert pick_font("Δήμητρα Пётр\n") == FONT_NAME
    with pytest.raises(CannotDraw, match=r"'王' \(U\+738B\)"):
        pick_font("Dear 王小明:\n")


def test_a_helvetica_letter_embeds_no_font_and_its_pages_say_the_text() -> None:
    text = ("Acme Servicing\n\nDear José Núñez and Zoë Ångström:\n\n"
            + "¿Necesita ayuda? Llámenos (800) 555-0100 — “hoy”. " * 40 + "\n\n"
            + "\n".join(f"  Line {n} of the letter" for n in range(80)) + "\n")
    pdf = render_pdf(text, "Title", date(2027, 1, 2))
    assert pdf == render_pdf(text, "Title", date(2027, 1, 2), CORE_FONT)
    assert pdf == render_pdf(text, "Title", date(2027, 1, 2))
    assert b"/BaseFont /Helvetica" in pdf and b"/FontFile2" not in pdf
    assert b"/WinAnsiEncoding" in pdf
    extracted = _pdf_text(pdf)
    assert _words(extracted) == _words(text)  # three pages, every word in order
    assert "Zoë Ångström" in extracted and "“hoy”" in extracted


def test_a_dejavu_letter_embeds_its_font_and_its_pages_say_the_text() -> None:
    text = "Acme Servicing\n\nDear Trần Thị Đào and Δήμητρα Пётр:\n\nWe want to help.\n"
    pdf = render_pdf(text, "Title", date(2027, 1, 2))
    assert pdf == render_pdf(text, "Title", date(2027, 1, 2), FONT_NAME)
    assert b"DejaVuSans" in pdf and b"/FontFile2" in pdf
    assert _words(_pdf_text(pdf)) == _words(text)
    with pytest.raises(CannotDraw, match="Helvetica cannot draw"):
        render_pdf(text, "Title", date(2027, 1, 2), CORE_FONT)


def test_a_letter_kept_in_dejavu_before_fonts_were_chosen_renders_to_its_kept_bytes() -> None:
    # The SHA-256 the first letters code (one font, DejaVu Sans) gave this text: every
    # letter kept then has font DejaVuSans (migration 0027) and must still match its hash.
    text = "Acme Servicing\n\nDear José Núñez and Zoë Ångström:\n\nΔήμητρα Пётр\n"
    pdf = render_pdf(text, "T", date(2027, 1, 2), FONT_NAME)
    assert hashlib.sha256(pdf).hexdigest() == \
        "761c6fab80d5975659631a366a60df5b219b9b721d0ba2a591658e54cf9fb48e"


@pytest.mark.store
def test_the_text_in_the_pdf_is_the_preview(loan, tmp_path) -> None:
    from pypdf import PdfReader

    engine, case_id = loan
    ws = workspace(engine, "sam", FEB_20, settings=servicer(tmp_path))
    letter = generate_letter(ws, case_id, "early_intervention")
    row, pdf = letter_pdf(ws, letter.id)
    assert hashlib.sha256(pdf).hexdigest() == letter.pdf_sha256 == row.pdf_sha256
    pages = PdfReader(io.BytesIO(pdf)).pages
    extracted = "\n".join(page.extract_text() for page in pages)
    assert _words(extracted) == _words(row.text)
    assert "José Núñez and Zoë Ångström" in extracted
    assert letter.font == row.font == CORE_FONT


@pytest.mark.store
def test_a_name_helvetica_cannot_draw_is_kept_in_dejavu_and_renders_to_its_hash(
        loan, tmp_path) -> None:
    engine, case_id = loan
    with engine.begin() as conn:
        conn.execute(cases_t.update().values(borrower_name="Trần Thị Đào"))
    ws = workspace(engine, "sam", FEB_20, settings=servicer(tmp_path))
    letter = generate_letter(ws, case_id, "early_intervention")
    row, pdf = letter_pdf(ws, letter.id)
    assert letter.font == row.font == FONT_NAME
    assert hashlib.sha256(pdf).hexdigest() == letter.pdf_sha256
    extracted = _pdf_text(pdf)
    assert _words(extracted) == _words(row.text) and "Trần Thị Đào" in extracted
    with engine.connect() as conn:
        after = conn.execute(sa.select(audit_t.c.after).where(
            audit_t.c.entity == "letter")).scalar_one()
    assert after["font"] == FONT_NAME


# --- the store: generate, batch, mail, return, correct --------------------------------------


def _notice_tasks(engine: Engine) -> list[sa.Row]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(tasks_t.c.status, tasks_t.c.completion_note)
                                 .where(tasks_t.c.source == "1024.39(b)")))


@pytest.mark.store
def test_the_batch_then_mailed_meets_the_written_notice_clock(loan, tmp_path) -> None:
    engine, _ = loan
    ws = workspace(engine, "sam", date(2026, 2, 12), settings=servicer(tmp_path))
    owed = owed_letters(ws)
    assert [(o.loan_number, o.kind, o.rule, o.due_on) for o in owed] == [
        ("L1", "early_intervention", "1024.39(b)", date(2026, 2, 15))]
    out = tmp_path / "batch"
    report = run_batch(ws, out)
    assert not report.refused and len(report.written) == 1
    letter_id, _, name = report.written[0]
    pdf = (out / name).read_bytes()
    with engine.connect() as conn:
        kept = conn.execute(sa.select(letters_t).where(letters_t.c.id == letter_id)).one()
    assert kept.status == "generated" and kept.batch_id == report.batch_id
    assert hashlib.sha256(pdf).hexdigest() == kept.pdf_sha256
    manifest = list(csv.DictReader(io.StringIO(
        (out / f"manifest-{report.batch_id}.csv").read_text(encoding="utf-8"))))
    assert [(m["letter_id"], m["loan_number"], m["file"], m["pdf_sha256"]) for m in manifest] \
        == [(str(letter_id), "L1", name, kept.pdf_sha256)]
    assert manifest[0]["recipient"] == "José Núñez and Zoë Ångström"
    assert owed_letters(ws)[0].pending_letter == letter_id
    assert [t.status for t in _notice_tasks(engine)] == ["open"]

    ws = ws.on(date(2026, 2, 14))
    assert mark_mailed(ws, report.batch_id, date(2026, 2, 13)) == [letter_id]
    with engine.connect() as conn:
        kept = conn.execute(sa.select(letters_t).where(letters_t.c.id == letter_id)).one()
        event = conn.execute(sa.select(events_t).where(
            events_t.c.kind == "written_notice_sent")).one()
    assert (kept.status, kept.mailed_on) == ("mailed", date(2026, 2, 13))
    assert event.occurred_on == date(2026, 2, 13) and event.payload["letter_id"] == letter_id
    assert [t.status for t in _notice_tasks(engine)] == ["done"]
    assert owed_letters(ws) == []
    with pytest.raises(NotFound, match="no letters awaiting"):
        mark_mailed(ws, report.batch_id)

    mark_returned(ws.on(FEB_20), letter_id, FEB_20)
    with engine.connect() as conn:
        assert conn.execute(sa.select(letters_t.c.status)).scalar() == "returned"
        returned = conn.execute(sa.select(events_t).where(
            events_t.c.kind == "letter_returned")).one()
        actions = [r.action for r in conn.execute(sa.select(audit_t.c.action).where(
            audit_t.c.entity == "letter").order_by(audit_t.c.id))]
    assert returned.payload["letter_id"] == letter_id
    assert actions == ["create", "mailed", "returned"]


@pytest.mark.store
def test_a_correction_is_a_new_letter_and_the_old_one_stays_as_it_was(loan, tmp_path) -> None:
    engine, case_id = loan
    ws = workspace(engine, "sam", FEB_20, settings=servicer(tmp_path))
    first = generate_letter(ws, case_id, "spoc")
    fixed = servicer(tmp_path, spoc_phones={"sam": "2145550999"})
    second = generate_letter(workspace(engine, "sam", FEB_20, settings=fixed), case_id,
                             "spoc", replaces_id=first.id)
    rows = case_letters(ws, case_id)
    assert [(r.id, r.replaces_id) for r in rows] == [(second.id, first.id), (first.id, None)]
    assert "(214) 555-0123" in rows[1].text and "(214) 555-0999" in rows[0].text
    with pytest.raises(InvalidInput, match="not a letter of loan"):
        generate_letter(ws, case_id, "spoc", replaces_id=first.id + 100)


@pytest.mark.store
def test_a_specialist_cannot_generate_a_letter_on_someone_elses_case(loan, tmp_path) -> None:
    engine, case_id = loan
    with pytest.raises(PermissionDenied):
        generate_letter(workspace(engine, "ana", FEB_20, settings=servicer(tmp_path)),
                        case_id, "spoc")
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(letters_t)).scalar() == 0


@pytest.mark.store
def test_the_owed_notice_is_the_fdcpa_version_after_a_cease_communication_notice(
        loan, tmp_path) -> None:
    engine, case_id = loan
    ws = workspace(engine, "sam", date(2026, 2, 12), settings=servicer(tmp_path))
    with engine.begin() as conn:  # the loan is collected as a debt collector (1024.39(d))
        conn.execute(cases_t.update().values(fdcpa_covered=True))
    assert [o.kind for o in owed_letters(ws)] == ["early_intervention"]
    with engine.connect() as conn:
        version = conn.execute(sa.select(cases_t.c.version)).scalar_one()
    update_case(ws, case_id, version, {"cease_communication": True})
    owed = owed_letters(ws)
    assert [o.kind for o in owed] == ["early_intervention_fdcpa"]
    text = preview_letter(ws, case_id, owed[0].kind).text
    assert "We may invoke foreclosure" in text and "not a request for payment" in text
    assert "You are late on your mortgage payments" not in text


@pytest.mark.store
def test_the_batch_keeps_each_letter_in_its_font_across_transactions_and_reports_a_refusal(
        team, tmp_path, monkeypatch) -> None:
    import lossmit_tui.services.letters as letters_service

    monkeypatch.setattr(letters_service, "BATCH_CHUNK", 2)  # five letters, three chunks
    names = ["José Núñez", "Trần Thị Đào", "王小明", "Zoë Ångström", "Ann Lee"]
    path = tmp_path / "cases.csv"
    path.write_text("loan_number,borrower_name,investor,upb,next_due_date,property_address,"
                    "property_city,property_state,property_zip,assignee\n" + "".join(
                        f"L{n},{name},FNMA,1000,2026-01-01,{n} Oak Rd,Plano,TX,75023,sam\n"
                        for n, name in enumerate(names)), encoding="utf-8")
    assert import_extract(workspace(team, "lee", date(2026, 1, 20)), path).ok
    ws = workspace(team, "sam", date(2026, 2, 12), settings=servicer(tmp_path))
    out = tmp_path / "batch"
    report = run_batch(ws, out)
    assert [(loan, kind) for loan, kind, _ in report.refused] == [("L2", "early_intervention")]
    assert "'王' (U+738B)" in report.refused[0][2]
    with team.connect() as conn:
        kept = {r.loan_number: r for r in conn.execute(
            sa.select(letters_t, cases_t.c.loan_number).join(
                cases_t, cases_t.c.id == letters_t.c.case_id))}
        created = conn.execute(sa.select(sa.func.count()).select_from(audit_t).where(
            audit_t.c.entity == "letter", audit_t.c.action == "create")).scalar()
    assert {loan: r.font for loan, r in kept.items()} == {
        "L0": CORE_FONT, "L1": FONT_NAME, "L3": CORE_FONT, "L4": CORE_FONT}
    assert created == 4 and {r.batch_id for r in kept.values()} == {report.batch_id}
    for letter_id, loan, name in report.written:
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == kept[loan].pdf_sha256
        assert letter_pdf(ws, letter_id)[0].font == kept[loan].font
    assert [o.loan_number for o in owed_letters(ws) if o.pending_letter is None] == ["L2"]


def test_the_owed_letters_index_holds_every_clock_a_letter_meets() -> None:
    from db.models import OWED_LETTERS

    listed = re.search(r"source IN \((.*)\)", OWED_LETTERS)
    assert listed is not None
    assert sorted(s.strip(" '") for s in listed.group(1).split(",")) == sorted(LETTER_CLOCKS)


def test_letters_due_reads_the_owed_deadlines_through_their_partial_index(
        tmp_path, monkeypatch) -> None:
    """On SQLite (no statistics) the planner would walk every open task by (status,
    due_on); the owed letters are read through ix_tasks_letters_owed instead."""
    from db.engine import make_engine
    from db.migrate import ensure_current
    from lossmit_tui.services.users import add_user

    engine = make_engine(f"sqlite:///{tmp_path / 'plan.db'}")
    ensure_current(engine)
    add_user(workspace(engine, "setup"), "sam", "Sam Specialist", "specialist", None)
    plans: list[str] = []

    @sa.event.listens_for(engine, "before_cursor_execute")
    def explain(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().startswith("SELECT") and "FROM tasks" in statement:
            plans.extend(row[3] for row in cursor.execute(
                "EXPLAIN QUERY PLAN " + statement, parameters).fetchall())

    assert owed_letters(workspace(engine, "sam")) == []
    assert any("ix_tasks_letters_owed" in p for p in plans), plans
    assert not any("ix_tasks_status_due" in p for p in plans), plans

@pytest.mark.store
@pytest.mark.parametrize(("investor", "rules"), [
    ("FNMA", "legacy Flex 2017, in force from January 1, 2000"),
    ("FHA", "FHA HB 4000.1 / ML 2025-12, in force from October 1, 2025"),
])
def test_the_denial_letter_names_the_rule_set_that_decided(team: Engine, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           investor: str, rules: str) -> None:
    # docs/RULES.md section 6: the letters say which rule set and version decided.
    monkeypatch.setenv("LOSSMIT_WORKOUT_RULES", str(tmp_path / "no-rules.toml"))
    path = tmp_path / "case.csv"
    path.write_text("loan_number,borrower_name,investor,upb,next_due_date,note_rate,pi_payment,"
                    "property_address,property_city,property_state,property_zip,assignee\n"
                    f"L2,Ann Lee,{investor},205000,2026-01-01,7.000,1397.14,12 Oak Rd,Plano,TX,"
                    "75023,sam\n", encoding="utf-8")
    assert import_extract(workspace(team, "lee", date(2026, 1, 20)), path).ok
    with team.connect() as conn:
        case_id = conn.execute(sa.select(cases_t.c.id)).scalar_one()
    ws = workspace(team, "sam", FEB_20, settings=servicer(tmp_path))
    text = preview_letter(ws, case_id, "denial").text
    assert f"Your loan was evaluated under its investor's rules: {rules}." in text
    other = "FHA HB" if investor == "FNMA" else "Flex 2017"
    assert other not in text
